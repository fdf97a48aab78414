#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace hub::store::sqlite {

// A prepared statement; finalised on destruction. Column and parameter
// indexes follow SQLite: parameters from 1, columns from 0. Every failure
// throws StoreError.
class Statement {
  public:
    Statement(sqlite3* db, std::string_view sql);
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    void bindText(int index, std::string_view text);
    void bindBlob(int index, std::string_view bytes);
    void bindInt(int index, std::int64_t value);
    void bindNull(int index);
    // Binds NULL for an empty string.
    void bindOptionalText(int index, std::string_view text);

    // true while a row is available.
    bool step();
    // Steps to completion; returns the number of rows changed.
    int run();

    std::int64_t integer(int column) const;
    std::string text(int column) const;  // "" for NULL
    std::string blob(int column) const;  // exact bytes, "" for NULL
    bool isNull(int column) const;

    // Returns the statement to its initial state and clears the bindings.
    void reset() noexcept;

  private:
    [[noreturn]] void fail(int code) const;

    sqlite3* db_;
    sqlite3_stmt* statement_ = nullptr;
};

// One SQLite connection with a cache of prepared statements. Not thread-safe:
// the owner serialises access.
class Database {
  public:
    // Opens or creates the file with FULLMUTEX; throws StoreError.
    explicit Database(const std::string& path);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    // Runs SQL text that may hold several statements and returns no rows.
    void execute(std::string_view sql);
    // The cached statement for `sql`, reset and with no bindings.
    Statement& prepare(std::string_view sql);
    int changes() const;
    sqlite3* handle() const { return db_; }

  private:
    sqlite3* db_ = nullptr;
    std::map<std::string, std::unique_ptr<Statement>, std::less<>> cache_;
};

// Resets a cached statement when the scope ends, so no read cursor outlives
// its use.
class Query {
  public:
    Query(Database& db, std::string_view sql) : statement_(db.prepare(sql)) {}
    ~Query() { statement_.reset(); }
    Query(const Query&) = delete;
    Query& operator=(const Query&) = delete;
    Statement* operator->() { return &statement_; }
    Statement& operator*() { return statement_; }

  private:
    Statement& statement_;
};

// BEGIN on construction (IMMEDIATE for writers, so a writer never fails half
// way on a lock upgrade); rolls back on destruction unless committed.
class Transaction {
  public:
    enum class Mode { Read, Write };
    Transaction(Database& db, Mode mode);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit();

  private:
    Database& db_;
    bool open_ = true;
};

}  // namespace hub::store::sqlite
