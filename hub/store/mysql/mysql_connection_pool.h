#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "config/hub_config.h"

namespace sql {
class Connection;
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

// Up to `poolSize` connections, opened on demand and kept for reuse. Every
// connection has autocommit off, READ COMMITTED, strict sql_mode, UTC time
// zone and utf8mb4. Thread-safe.
class ConnectionPool {
  public:
    // A checked-out connection; goes back to the pool on destruction unless
    // discarded (then it is closed and its slot freed).
    class Lease {
      public:
        Lease(ConnectionPool& pool, std::unique_ptr<sql::Connection> connection);
        ~Lease();
        Lease(Lease&& other) noexcept;
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;
        Lease& operator=(Lease&&) = delete;

        sql::Connection& operator*() const { return *connection_; }
        sql::Connection* operator->() const { return connection_.get(); }
        void discard() noexcept { discarded_ = true; }

      private:
        ConnectionPool* pool_;
        std::unique_ptr<sql::Connection> connection_;
        bool discarded_ = false;
    };

    // Opens the first connection at once. Throws StoreError.
    explicit ConnectionPool(const config::MysqlConfig& config);
    ~ConnectionPool();
    ConnectionPool(const ConnectionPool&) = delete;
    ConnectionPool& operator=(const ConnectionPool&) = delete;

    // An idle connection (pinged first unless it came back within the last
    // second: a connection lost since then fails its first statement, and
    // the store runs the transaction again on a fresh one), or a new one;
    // waits while all
    // `poolSize` are checked out. Throws StoreError when the server cannot be
    // reached or no connection frees up within the wait limit.
    Lease acquire();

    // "127.0.0.1:3306/hub as hub", for messages.
    const std::string& target() const { return target_; }

  private:
    std::unique_ptr<sql::Connection> connect();
    void giveBack(std::unique_ptr<sql::Connection> connection, bool reusable) noexcept;

    config::MysqlConfig config_;
    std::string target_;
    sql::mysql::MySQL_Driver* driver_;
    std::mutex mutex_;
    std::condition_variable released_;
    struct Idle {
        std::unique_ptr<sql::Connection> connection;
        std::chrono::steady_clock::time_point since;
    };
    std::vector<Idle> idle_;
    int open_ = 0;  // idle + checked out + being opened
};

}  // namespace hub::store::mysql
