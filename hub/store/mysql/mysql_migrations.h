#pragma once

#include <string_view>
#include <vector>

namespace hub::store::mysql {

// One statement of a migration. MySQL has no ALTER TABLE … ADD COLUMN IF NOT
// EXISTS (MariaDB has), so a statement that is not re-runnable by itself
// names a query, `doneWhen`, whose first column is non-zero once the
// statement took effect; the statement is then skipped.
struct MigrationStep {
    MigrationStep(const char* sql) : sql(sql) {}  // NOLINT: implicit, a plain re-runnable statement
    MigrationStep(std::string_view sql, std::string_view doneWhen) : sql(sql), doneWhen(doneWhen) {}
    std::string_view sql;
    std::string_view doneWhen;  // empty: always run
};

struct Migration {
    int version;
    std::string_view description;
    // Run in order. MySQL commits DDL implicitly, so each statement is written
    // to be re-runnable (IF NOT EXISTS, or guarded by `doneWhen`; DML
    // idempotent): a migration interrupted half way completes on the next
    // migrate().
    std::vector<MigrationStep> statements;
};

// Ordered by version, starting at 1 without gaps. Never edit a released
// migration: append a new version instead.
const std::vector<Migration>& migrations();

extern const std::string_view kCreateSchemaMigrations;

}  // namespace hub::store::mysql
