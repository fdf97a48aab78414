#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "config/hub_config.h"

namespace sql {
class Connection;
class PreparedStatement;
class ResultSet;
class SQLException;
namespace mysql {
class MySQL_Driver;
}
}  // namespace sql

namespace hub::store::mysql {

// Errors after which the connection is unusable (the server closed it or it
// went away). The transaction it carried was rolled back by the server.
bool isConnectionLost(const sql::SQLException& error);

// "… (error 1062, SQLSTATE 23000)"; never contains the password.
std::string describe(const sql::SQLException& error);

class Statement;

// One pooled connection and the statements prepared on it. A statement is
// prepared once per connection and kept for the connection's life, so later
// transactions execute it without preparing it again (one round trip instead
// of prepare, execute and close). Used by one thread at a time, like the
// connection.
class Session {
  public:
    explicit Session(std::unique_ptr<sql::Connection> connection);
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    sql::Connection* operator->() const { return connection_.get(); }
    sql::Connection& connection() const { return *connection_; }

    // `text` prepared on this connection, its parameters cleared. The same
    // text asked for again while the first Statement is still alive (a
    // nested use) gets a statement of its own, closed when it goes. Past
    // kMaxCached texts, further texts are prepared and closed each time.
    // When the server's max_prepared_stmt_count is reached, this connection's
    // idle statements are closed to make room.
    Statement prepare(const std::string& text);

    std::size_t cachedStatements() const { return statements_.size(); }

    static constexpr std::size_t kMaxCached = 256;
    // A result of more rows than this leaves large buffers with the driver's
    // statement: such a statement is closed after use instead of kept.
    static constexpr std::size_t kLargeResultRows = 1000;

  private:
    friend class Statement;
    // ER_MAX_PREPARED_STMT_COUNT_REACHED
    static constexpr int kTooManyPreparedStatements = 1461;
    // Prepares `text`; when the server refuses for its max_prepared_stmt_count,
    // first closes this connection's idle cached statements and tries again.
    std::unique_ptr<sql::PreparedStatement> prepareOnServer(const std::string& text);
    void forget(const std::string& text);
    struct Cached {
        std::unique_ptr<sql::PreparedStatement> statement;
        bool busy = false;
    };
    using Entry = std::pair<const std::string, Cached>;  // stable in the map while it holds it
    // Declared first, destroyed last: the statements close before it.
    std::unique_ptr<sql::Connection> connection_;
    std::unordered_map<std::string, Cached> statements_;
};

// A prepared statement borrowed from its Session's cache (given back on
// destruction) or owned (closed on destruction).
class Statement {
  public:
    ~Statement();
    Statement(Statement&& other) noexcept;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    Statement& operator=(Statement&&) = delete;

    sql::PreparedStatement* operator->() const { return statement_; }

    // executeQuery; a result of more than Session::kLargeResultRows rows gets
    // the statement closed after use (its buffers freed) instead of kept.
    std::unique_ptr<sql::ResultSet> query() const;

  private:
    friend class Session;
    Statement(Session& session, Session::Entry& entry);
    explicit Statement(std::unique_ptr<sql::PreparedStatement> owned);

    sql::PreparedStatement* statement_;
    Session* session_ = nullptr;        // when borrowed
    Session::Entry* entry_ = nullptr;  // when borrowed: its text and busy flag
    mutable bool forget_ = false;
    std::unique_ptr<sql::PreparedStatement> owned_;
};

// Up to `poolSize` connections, opened on demand and kept for reuse. Every
// connection has autocommit off, READ COMMITTED, strict sql_mode, UTC time
// zone and utf8mb4. Thread-safe.
class ConnectionPool {
  public:
    // A checked-out connection; goes back to the pool on destruction unless
    // discarded (then it is closed and its slot freed).
    class Lease {
      public:
        Lease(ConnectionPool& pool, std::unique_ptr<Session> session);
        ~Lease();
        Lease(Lease&& other) noexcept;
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;
        Lease& operator=(Lease&&) = delete;

        Session& operator*() const { return *session_; }
        sql::Connection* operator->() const { return &session_->connection(); }
        void discard() noexcept { discarded_ = true; }

      private:
        ConnectionPool* pool_;
        std::unique_ptr<Session> session_;
        bool discarded_ = false;
    };

    // Opens the first connection at once. Throws StoreError.
    explicit ConnectionPool(const config::MysqlConfig& config);
    ~ConnectionPool();
    ConnectionPool(const ConnectionPool&) = delete;
    ConnectionPool& operator=(const ConnectionPool&) = delete;

    // An idle connection (pinged first unless it came back within the last
    // second and no connection was lost since: a connection lost since then
    // fails its first statement, and the store runs the transaction again on
    // a fresh one), or a new one; waits while all
    // `poolSize` are checked out. Throws StoreError when the server cannot be
    // reached or no connection frees up within the wait limit.
    Lease acquire();

    // "127.0.0.1:3306/hub as hub", for messages.
    const std::string& target() const { return target_; }

  private:
    std::unique_ptr<Session> connect();
    void giveBack(std::unique_ptr<Session> session, bool reusable) noexcept;

    config::MysqlConfig config_;
    std::string target_;
    sql::mysql::MySQL_Driver* driver_;
    std::mutex mutex_;
    std::condition_variable released_;
    struct Idle {
        std::unique_ptr<Session> session;
        std::chrono::steady_clock::time_point since;
    };
    std::vector<Idle> idle_;
    // When a lease was last discarded (its connection lost): idle
    // connections given back before then are pinged however recent.
    std::chrono::steady_clock::time_point lastLoss_{};
    int open_ = 0;  // idle + checked out + being opened
};

}  // namespace hub::store::mysql
