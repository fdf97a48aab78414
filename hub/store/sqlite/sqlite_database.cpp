#include "store/sqlite/sqlite_database.h"

#include <sqlite3.h>

#include "store/store.h"

namespace hub::store::sqlite {

namespace {

std::string describe(sqlite3* db, int code) {
    std::string text = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(code);
    return "sqlite: " + text + " (code " + std::to_string(code) + ")";
}

}  // namespace

Statement::Statement(sqlite3* db, std::string_view sql) : db_(db) {
    int code = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                                  &statement_, nullptr);
    if (code != SQLITE_OK) {
        throw StoreError(describe(db_, code) + " preparing: " + std::string(sql.substr(0, 80)));
    }
}

Statement::~Statement() { sqlite3_finalize(statement_); }

void Statement::fail(int code) const {
    throw StoreError(describe(db_, code) + " in: " + std::string(sqlite3_sql(statement_)).substr(0, 80));
}

void Statement::bindText(int index, std::string_view text) {
    int code = sqlite3_bind_text64(statement_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    if (code != SQLITE_OK) fail(code);
}

void Statement::bindBlob(int index, std::string_view bytes) {
    // A zero-length blob must still be a blob, not NULL: data() of an empty
    // view may be null, so point at a static byte instead.
    static const char empty = 0;
    int code = sqlite3_bind_blob64(statement_, index, bytes.empty() ? &empty : bytes.data(), bytes.size(),
                                   SQLITE_TRANSIENT);
    if (code != SQLITE_OK) fail(code);
}

void Statement::bindInt(int index, std::int64_t value) {
    int code = sqlite3_bind_int64(statement_, index, value);
    if (code != SQLITE_OK) fail(code);
}

void Statement::bindNull(int index) {
    int code = sqlite3_bind_null(statement_, index);
    if (code != SQLITE_OK) fail(code);
}

void Statement::bindOptionalText(int index, std::string_view text) {
    if (text.empty()) {
        bindNull(index);
    } else {
        bindText(index, text);
    }
}

bool Statement::step() {
    int code = sqlite3_step(statement_);
    if (code == SQLITE_ROW) return true;
    if (code == SQLITE_DONE) return false;
    fail(code);
}

int Statement::run() {
    while (step()) {
    }
    return sqlite3_changes(db_);
}

std::int64_t Statement::integer(int column) const { return sqlite3_column_int64(statement_, column); }

std::string Statement::text(int column) const {
    const auto* data = sqlite3_column_text(statement_, column);
    if (data == nullptr) return {};
    return std::string(reinterpret_cast<const char*>(data), sqlite3_column_bytes(statement_, column));
}

std::string Statement::blob(int column) const {
    const void* data = sqlite3_column_blob(statement_, column);
    if (data == nullptr) return {};
    return std::string(static_cast<const char*>(data), sqlite3_column_bytes(statement_, column));
}

bool Statement::isNull(int column) const { return sqlite3_column_type(statement_, column) == SQLITE_NULL; }

void Statement::reset() noexcept {
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
}

Database::Database(const std::string& path) {
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_URI;
    int code = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
    if (code != SQLITE_OK) {
        std::string message = "sqlite: cannot open \"" + path + "\": " + describe(db_, code);
        sqlite3_close_v2(db_);
        db_ = nullptr;
        throw StoreError(message);
    }
    sqlite3_extended_result_codes(db_, 1);
}

Database::~Database() {
    cache_.clear();
    sqlite3_close_v2(db_);
}

void Database::execute(std::string_view sql) {
    std::string text(sql);
    char* error = nullptr;
    int code = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &error);
    if (code != SQLITE_OK) {
        std::string message = "sqlite: " + std::string(error != nullptr ? error : sqlite3_errstr(code)) +
                              " (code " + std::to_string(code) + ") in: " + text.substr(0, 80);
        sqlite3_free(error);
        throw StoreError(message);
    }
}

Statement& Database::prepare(std::string_view sql) {
    auto found = cache_.find(sql);
    if (found == cache_.end()) {
        found = cache_.emplace(std::string(sql), std::make_unique<Statement>(db_, sql)).first;
    }
    found->second->reset();
    return *found->second;
}

int Database::changes() const { return sqlite3_changes(db_); }

Transaction::Transaction(Database& db, Mode mode) : db_(db) {
    db_.execute(mode == Mode::Write ? "BEGIN IMMEDIATE" : "BEGIN");
}

Transaction::~Transaction() {
    if (open_) sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void Transaction::commit() {
    db_.execute("COMMIT");
    open_ = false;
}

}  // namespace hub::store::sqlite
