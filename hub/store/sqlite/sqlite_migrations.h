#pragma once

#include <string_view>
#include <vector>

namespace hub::store::sqlite {

struct Migration {
    int version;
    std::string_view description;
    std::vector<std::string_view> statements;  // run in order, in one transaction
};

// Ordered by version, starting at 1 without gaps. Never edit a released
// migration: append a new version instead.
const std::vector<Migration>& migrations();

// Creates schema_migrations if missing; run before reading the version.
extern const std::string_view kCreateSchemaMigrations;

}  // namespace hub::store::sqlite
