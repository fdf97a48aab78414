#pragma once

#include <string_view>
#include <vector>

namespace hub::store::mysql {

struct Migration {
    int version;
    std::string_view description;
    // Run in order. MySQL commits DDL implicitly, so each statement is written
    // to be re-runnable (IF NOT EXISTS): a migration interrupted half way
    // completes on the next migrate().
    std::vector<std::string_view> statements;
};

// Ordered by version, starting at 1 without gaps. Never edit a released
// migration: append a new version instead.
const std::vector<Migration>& migrations();

extern const std::string_view kCreateSchemaMigrations;

}  // namespace hub::store::mysql
