#include "store/mysql/mysql_connection_pool.h"

#include <chrono>

#include <cppconn/connection.h>
#include <cppconn/exception.h>
#include <cppconn/statement.h>
#include <mysql_driver.h>

#include "store/store.h"

namespace hub::store::mysql {

namespace {

constexpr auto kAcquireWait = std::chrono::seconds(30);
// An idle connection given back this recently is used without a ping.
constexpr auto kTrustedIdle = std::chrono::seconds(1);

}  // namespace

bool isConnectionLost(const sql::SQLException& error) {
    switch (error.getErrorCode()) {
        case 1053:  // ER_SERVER_SHUTDOWN
        case 1927:  // ER_CONNECTION_KILLED (MariaDB)
        case 2006:  // CR_SERVER_GONE_ERROR
        case 2013:  // CR_SERVER_LOST
        case 2055:  // CR_SERVER_LOST_EXTENDED
        case 4031:  // ER_CLIENT_INTERACTION_TIMEOUT (MySQL 8)
            return true;
        default:
            return false;
    }
}

std::string describe(const sql::SQLException& error) {
    return std::string(error.what()) + " (error " + std::to_string(error.getErrorCode()) + ", SQLSTATE " +
           error.getSQLState() + ")";
}

ConnectionPool::Lease::Lease(ConnectionPool& pool, std::unique_ptr<sql::Connection> connection)
    : pool_(&pool), connection_(std::move(connection)) {}

ConnectionPool::Lease::Lease(Lease&& other) noexcept
    : pool_(other.pool_), connection_(std::move(other.connection_)), discarded_(other.discarded_) {}

ConnectionPool::Lease::~Lease() {
    if (connection_) pool_->giveBack(std::move(connection_), !discarded_);
}

ConnectionPool::ConnectionPool(const config::MysqlConfig& config)
    : config_(config),
      target_(config.host + ":" + std::to_string(config.port) + "/" + config.database + " as " + config.user) {
    try {
        driver_ = sql::mysql::get_mysql_driver_instance();
    } catch (const sql::SQLException& error) {
        throw StoreError("mysql: cannot load the client driver: " + describe(error));
    }
    if (config_.poolSize < 1) throw StoreError("mysql: poolSize must be at least 1");
    ++open_;
    std::unique_ptr<sql::Connection> first;
    try {
        first = connect();
    } catch (...) {
        --open_;
        throw;
    }
    idle_.push_back({std::move(first), std::chrono::steady_clock::now()});
}

ConnectionPool::~ConnectionPool() = default;

std::unique_ptr<sql::Connection> ConnectionPool::connect() {
    sql::ConnectOptionsMap options;
    options["hostName"] = sql::SQLString("tcp://" + config_.host + ":" + std::to_string(config_.port));
    options["userName"] = sql::SQLString(config_.user);
    options["password"] = sql::SQLString(config_.password);
    options["schema"] = sql::SQLString(config_.database);
    options["OPT_CONNECT_TIMEOUT"] = config_.connectTimeoutSeconds;
    options["OPT_RECONNECT"] = false;
    options["OPT_CHARSET_NAME"] = sql::SQLString("utf8mb4");
    // UPDATE reports matched rows, not changed rows, like SQLite.
    options["CLIENT_FOUND_ROWS"] = true;
    try {
        std::unique_ptr<sql::Connection> connection(driver_->connect(options));
        connection->setAutoCommit(false);
        std::unique_ptr<sql::Statement> session(connection->createStatement());
        session->execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED");
        session->execute(
            "SET SESSION sql_mode = 'STRICT_ALL_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ZERO_DATE,"
            "NO_ZERO_IN_DATE,NO_ENGINE_SUBSTITUTION'");
        session->execute("SET SESSION time_zone = '+00:00'");
        session->execute("SET NAMES utf8mb4");
        connection->commit();
        return connection;
    } catch (const sql::SQLException& error) {
        throw StoreError("mysql: cannot connect to " + target_ + ": " + describe(error));
    }
}

ConnectionPool::Lease ConnectionPool::acquire() {
    std::unique_lock lock(mutex_);
    bool available = released_.wait_for(lock, kAcquireWait, [this] {
        return !idle_.empty() || open_ < config_.poolSize;
    });
    if (!available) {
        throw StoreError("mysql: all " + std::to_string(config_.poolSize) + " connections to " + target_ +
                         " stayed busy for " + std::to_string(kAcquireWait.count()) + " s");
    }
    std::unique_ptr<sql::Connection> connection;
    bool recent = false;
    if (!idle_.empty()) {
        connection = std::move(idle_.back().connection);
        recent = std::chrono::steady_clock::now() - idle_.back().since < kTrustedIdle;
        idle_.pop_back();
    }
    if (connection == nullptr) ++open_;
    lock.unlock();

    if (connection != nullptr && recent) return Lease(*this, std::move(connection));
    if (connection != nullptr) {
        bool valid = false;
        try {
            valid = connection->isValid();
        } catch (const sql::SQLException&) {
        }
        if (valid) return Lease(*this, std::move(connection));
        // Killed, timed out or the server restarted: replace it in its slot.
        connection.reset();
    }
    try {
        return Lease(*this, connect());
    } catch (...) {
        giveBack(nullptr, false);
        throw;
    }
}

void ConnectionPool::giveBack(std::unique_ptr<sql::Connection> connection, bool reusable) noexcept {
    if (!reusable) connection.reset();
    {
        std::lock_guard lock(mutex_);
        if (connection != nullptr) {
            idle_.push_back({std::move(connection), std::chrono::steady_clock::now()});
        } else {
            --open_;
        }
    }
    released_.notify_one();
}

}  // namespace hub::store::mysql
