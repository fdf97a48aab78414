#include "store/mysql/mysql_connection_pool.h"

#include <chrono>

#include <cppconn/connection.h>
#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
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

Session::Session(std::unique_ptr<sql::Connection> connection) : connection_(std::move(connection)) {}

Session::~Session() = default;

std::unique_ptr<sql::PreparedStatement> Session::prepareOnServer(const std::string& text) {
    try {
        return std::unique_ptr<sql::PreparedStatement>(connection_->prepareStatement(text));
    } catch (const sql::SQLException& error) {
        if (error.getErrorCode() != kTooManyPreparedStatements) throw;
    }
    // The server's max_prepared_stmt_count is reached (all connections of all
    // processes count): close this connection's idle statements and try once more.
    for (auto it = statements_.begin(); it != statements_.end();) {
        if (it->second.busy) {
            ++it;
        } else {
            it = statements_.erase(it);
        }
    }
    return std::unique_ptr<sql::PreparedStatement>(connection_->prepareStatement(text));
}

Statement Session::prepare(const std::string& text) {
    auto found = statements_.find(text);
    if (found == statements_.end() && statements_.size() < kMaxCached) {
        auto statement = prepareOnServer(text);
        found = statements_.emplace(text, Cached{std::move(statement), false}).first;
    }
    if (found != statements_.end() && !found->second.busy) {
        found->second.statement->clearParameters();
        found->second.busy = true;
        return Statement(*this, *found);
    }
    return Statement(prepareOnServer(text));
}

void Session::forget(const std::string& text) {
    const std::string key = text;  // `text` may be the entry's own key
    statements_.erase(key);
}

Statement::Statement(Session& session, Session::Entry& entry)
    : statement_(entry.second.statement.get()), session_(&session), entry_(&entry) {}

Statement::Statement(std::unique_ptr<sql::PreparedStatement> owned)
    : statement_(owned.get()), owned_(std::move(owned)) {}

Statement::Statement(Statement&& other) noexcept
    : statement_(other.statement_),
      session_(other.session_),
      entry_(other.entry_),
      forget_(other.forget_),
      owned_(std::move(other.owned_)) {
    other.statement_ = nullptr;
    other.session_ = nullptr;
    other.entry_ = nullptr;
}

Statement::~Statement() {
    if (entry_ == nullptr) return;
    entry_->second.busy = false;
    if (forget_) session_->forget(entry_->first);
}

std::unique_ptr<sql::ResultSet> Statement::query() const {
    std::unique_ptr<sql::ResultSet> rows(statement_->executeQuery());
    if (entry_ != nullptr && rows->rowsCount() > Session::kLargeResultRows) forget_ = true;
    return rows;
}

ConnectionPool::Lease::Lease(ConnectionPool& pool, std::unique_ptr<Session> session)
    : pool_(&pool), session_(std::move(session)) {}

ConnectionPool::Lease::Lease(Lease&& other) noexcept
    : pool_(other.pool_), session_(std::move(other.session_)), discarded_(other.discarded_) {}

ConnectionPool::Lease::~Lease() {
    if (session_) pool_->giveBack(std::move(session_), !discarded_);
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
    std::unique_ptr<Session> first;
    try {
        first = connect();
    } catch (...) {
        --open_;
        throw;
    }
    idle_.push_back({std::move(first), std::chrono::steady_clock::now()});
}

ConnectionPool::~ConnectionPool() = default;

std::unique_ptr<Session> ConnectionPool::connect() {
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
        return std::make_unique<Session>(std::move(connection));
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
    std::unique_ptr<Session> connection;
    bool recent = false;
    if (!idle_.empty()) {
        connection = std::move(idle_.back().session);
        const auto since = idle_.back().since;
        recent = std::chrono::steady_clock::now() - since < kTrustedIdle && since > lastLoss_;
        idle_.pop_back();
    }
    if (connection == nullptr) ++open_;
    lock.unlock();

    if (connection != nullptr && recent) return Lease(*this, std::move(connection));
    if (connection != nullptr) {
        bool valid = false;
        try {
            valid = connection->connection().isValid();
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

void ConnectionPool::giveBack(std::unique_ptr<Session> connection, bool reusable) noexcept {
    if (!reusable) connection.reset();
    {
        std::lock_guard lock(mutex_);
        if (connection != nullptr) {
            idle_.push_back({std::move(connection), std::chrono::steady_clock::now()});
        } else {
            --open_;
            if (!reusable) lastLoss_ = std::chrono::steady_clock::now();
        }
    }
    released_.notify_one();
}

}  // namespace hub::store::mysql
