// hub-dbceiling: the database ceiling of the benchmark (docs/performance.md).
//
//   hub-dbceiling --host H --port P --user U --database D --package ID
//                 [--password-env VAR] [--connections C] [--duration S] [--label TEXT]
//
// Reads every row the hub wrote when it accepted package ID (packages,
// permits, outbox, events, audit_heads, audit_log by package id; the
// idempotency key whose stored answer names the package), then, on C
// connections at once for S seconds, writes copies of those rows under fresh
// ids the way the hub writes one submission: one transaction with the
// idempotency key and its answer first, then the package, its permits,
// outbox calls, events and audit entries, each table's rows in multi-row
// INSERTs of up to 16 rows, and the new audit head at the chain's end; COMMIT.
// With --packages-per-transaction N, N packages' rows go in one transaction
// instead, every table's rows of all N in multi-row INSERTs of up to 64 rows
// (what a writer that grouped N concurrent submissions would write). Reports
// packages/s (a RESULT JSON line and a human summary). No XML, HTTP or
// validation: what the database alone allows for one accepted package.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <cppconn/connection.h>
#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/resultset_metadata.h>
#include <cppconn/statement.h>
#include <mysql_driver.h>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
    std::string host = "127.0.0.1";
    int port = 3306;
    std::string user = "hub";
    std::string passwordEnv = "HUB_MYSQL_PASSWORD";
    std::string database;
    std::string packageId;
    int connections = 8;
    double durationSeconds = 10;
    std::string label = "db-ceiling";
    // 0: the hub's transactions, one package at a time. N > 0: N packages in
    // one transaction, every table's rows of all N in multi-row INSERTs of up
    // to 64 rows, the idempotency keys inserted with their answer and the
    // audit heads at their final position (what a hub that grouped
    // concurrent submissions into one commit would write).
    int packagesPerTransaction = 0;
};

[[noreturn]] void usage(const std::string& problem) {
    std::cerr << "hub-dbceiling: " << problem << "\n"
              << "usage: hub-dbceiling --host H --port P --user U --database D --package ID\n"
              << "                     [--password-env VAR] [--connections C] [--duration S] [--label TEXT]\n"
              << "                     [--packages-per-transaction N]\n";
    std::exit(2);
}

Options parseOptions(int argc, char** argv) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        const std::string name = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) usage(name + " needs a value");
            return argv[++i];
        };
        if (name == "--host") options.host = value();
        else if (name == "--port") options.port = std::stoi(value());
        else if (name == "--user") options.user = value();
        else if (name == "--password-env") options.passwordEnv = value();
        else if (name == "--database") options.database = value();
        else if (name == "--package") options.packageId = value();
        else if (name == "--connections") options.connections = std::stoi(value());
        else if (name == "--duration") options.durationSeconds = std::stod(value());
        else if (name == "--label") options.label = value();
        else if (name == "--packages-per-transaction") options.packagesPerTransaction = std::stoi(value());
        else usage("unknown option " + name);
    }
    if (options.database.empty() || options.packageId.empty()) usage("--database and --package are required");
    if (options.connections <= 0 || options.durationSeconds <= 0) usage("--connections and --duration must be positive");
    if (options.packagesPerTransaction < 0) usage("--packages-per-transaction must not be negative");
    return options;
}

// One row as read: column values as bytes; nullopt for NULL.
struct Row {
    std::vector<std::optional<std::string>> values;
};

struct Table {
    std::string name;
    std::vector<std::string> columns;  // without AUTO_INCREMENT columns
    std::vector<Row> rows;
};

std::unique_ptr<sql::Connection> connect(const Options& options) {
    const char* password = std::getenv(options.passwordEnv.c_str());
    std::unique_ptr<sql::Connection> connection(sql::mysql::get_mysql_driver_instance()->connect(
        "tcp://" + options.host + ":" + std::to_string(options.port), options.user, password ? password : ""));
    connection->setSchema(options.database);
    connection->setAutoCommit(false);
    // The session the hub's pool opens (hub/store/mysql/mysql_connection_pool.cpp).
    std::unique_ptr<sql::Statement> session(connection->createStatement());
    session->execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED");
    session->execute(
        "SET SESSION sql_mode = 'STRICT_ALL_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ZERO_DATE,"
        "NO_ZERO_IN_DATE,NO_ENGINE_SUBSTITUTION'");
    session->execute("SET SESSION time_zone = '+00:00'");
    session->execute("SET NAMES utf8mb4");
    connection->commit();
    return connection;
}

Table readTable(sql::Connection& connection, const std::string& name, const std::string& where,
                const std::string& parameter) {
    std::unique_ptr<sql::PreparedStatement> select(connection.prepareStatement("SELECT * FROM " + name + " WHERE " + where));
    select->setString(1, parameter);
    std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
    sql::ResultSetMetaData* meta = rows->getMetaData();
    Table table{name, {}, {}};
    std::vector<unsigned> kept;
    for (unsigned i = 1; i <= meta->getColumnCount(); ++i) {
        if (meta->isAutoIncrement(i)) continue;
        table.columns.push_back(meta->getColumnName(i));
        kept.push_back(i);
    }
    while (rows->next()) {
        Row row;
        for (unsigned i : kept) {
            if (rows->isNull(i)) row.values.emplace_back(std::nullopt);
            else row.values.emplace_back(std::string(rows->getString(i)));
        }
        table.rows.push_back(std::move(row));
    }
    connection.commit();
    return table;
}

std::string replaceAll(std::string text, const std::string& from, const std::string& to) {
    for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
        text.replace(at, from.size(), to);
    return text;
}

int columnIndex(const Table& table, const std::string& column) {
    for (std::size_t i = 0; i < table.columns.size(); ++i)
        if (table.columns[i] == column) return static_cast<int>(i);
    throw std::runtime_error("table " + table.name + " has no column " + column);
}

// The seed package's rows, in the order the hub inserts them.
struct Seed {
    Table idempotency;
    std::vector<Table> saved;  // packages, permits, outbox, events, audit_heads, audit_log
    std::size_t rowCount() const {
        std::size_t count = idempotency.rows.size();
        for (const auto& table : saved) count += table.rows.size();
        return count;
    }
};

Seed readSeed(sql::Connection& connection, const std::string& packageId) {
    Seed seed;
    seed.idempotency = readTable(connection, "idempotency_keys", "location LIKE CONCAT('%/', ?)", packageId);
    if (seed.idempotency.rows.size() != 1)
        throw std::runtime_error("expected one idempotency key naming package " + packageId + ", found " +
                                 std::to_string(seed.idempotency.rows.size()));
    seed.saved.push_back(readTable(connection, "packages", "id = ?", packageId));
    if (seed.saved.back().rows.size() != 1) throw std::runtime_error("no package " + packageId);
    seed.saved.push_back(readTable(connection, "permits", "package_id = ?", packageId));
    seed.saved.push_back(readTable(connection, "outbox", "package_id = ?", packageId));
    seed.saved.push_back(readTable(connection, "events", "package_id = ?", packageId));
    seed.saved.push_back(readTable(connection, "audit_heads", "chain = ?", packageId));
    seed.saved.push_back(readTable(connection, "audit_log", "chain = ?", packageId));
    return seed;
}

// Rows per INSERT, as the hub's MySQL store writes them (kRowsPerInsert there).
constexpr std::size_t kRowsPerInsert = 16;

std::string insertSql(const Table& table, std::size_t rows = 1) {
    std::string columns, marks;
    for (const auto& column : table.columns) {
        columns += (columns.empty() ? "" : ", ") + ("`" + column + "`");
        marks += marks.empty() ? "?" : ", ?";
    }
    std::string values;
    for (std::size_t i = 0; i < rows; ++i) values += (i == 0 ? "(" : ", (") + marks + ")";
    return "INSERT INTO " + table.name + " (" + columns + ") VALUES " + values;
}

// Distinct per run, so that runs on one database never collide: "b" and the
// start time in milliseconds.
const std::string& runTag() {
    static const std::string tag =
        "b" + std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count());
    return tag;
}

// One connection writing copies of the seed until the deadline.
class Writer {
  public:
    Writer(const Options& options, const Seed& seed, int number)
        : seed_(seed), prefix_(runTag() + "-" + std::to_string(number) + "-"),
          perTransaction_(options.packagesPerTransaction), connection_(connect(options)) {
        keyInsert_.reset(connection_->prepareStatement(insertSql(seed.idempotency)));
        // One statement per chunk of up to kRowsPerInsert rows of each table.
        for (const auto& table : seed.saved) {
            std::vector<std::unique_ptr<sql::PreparedStatement>> chunks;
            for (std::size_t start = 0; start < table.rows.size(); start += kRowsPerInsert) {
                const std::size_t count = std::min(kRowsPerInsert, table.rows.size() - start);
                chunks.emplace_back(connection_->prepareStatement(insertSql(table, count)));
            }
            inserts_.push_back(std::move(chunks));
        }
    }

    long run(Clock::time_point deadline, std::atomic<long>& failures) {
        long done = 0;
        while (Clock::now() < deadline) {
            try {
                const std::string& oldId = seed_.saved[0].rows[0].values[0].value();
                if (perTransaction_ == 0) {
                    writeOne(oldId, prefix_ + std::to_string(counter_++));
                    ++done;
                } else {
                    std::vector<std::string> ids;
                    for (int i = 0; i < perTransaction_; ++i) ids.push_back(prefix_ + std::to_string(counter_++));
                    writeGrouped(oldId, ids);
                    done += perTransaction_;
                }
            } catch (const sql::SQLException& error) {
                ++failures;
                try {
                    connection_->rollback();
                } catch (...) {
                }
                if (failures.load() < 5) std::cerr << "hub-dbceiling: " << error.what() << "\n";
            }
        }
        return done;
    }

  private:
    // Binds one row's values from parameter `first`.
    void bind(sql::PreparedStatement& statement, const Table& table, const Row& row, const std::string& oldId,
              const std::string& newId, unsigned first = 1) {
        for (std::size_t i = 0; i < row.values.size(); ++i) {
            const auto& value = row.values[i];
            const auto position = static_cast<unsigned>(first + i);
            if (!value) {
                statement.setNull(position, sql::DataType::VARCHAR);
                continue;
            }
            std::string text = replaceAll(*value, oldId, newId);
            if (table.name == "outbox" && table.columns[i] == "message_id") text = newId + "-" + text;
            if (table.name == "idempotency_keys" && table.columns[i] == "idem_key") text = newId;
            statement.setString(position, text);
        }
    }

    void writeOne(const std::string& oldId, const std::string& newId) {
        // The seed's rows were read after the hub finished: its key holds the
        // answer and its audit head the chain's end, so both go in as they are.
        bind(*keyInsert_, seed_.idempotency, seed_.idempotency.rows[0], oldId, newId);
        keyInsert_->executeUpdate();
        for (std::size_t t = 0; t < seed_.saved.size(); ++t) {
            const Table& table = seed_.saved[t];
            const auto columns = static_cast<unsigned>(table.columns.size());
            for (std::size_t chunk = 0; chunk < inserts_[t].size(); ++chunk) {
                sql::PreparedStatement& insert = *inserts_[t][chunk];
                const std::size_t start = chunk * kRowsPerInsert;
                const std::size_t count = std::min(kRowsPerInsert, table.rows.size() - start);
                for (std::size_t i = 0; i < count; ++i)
                    bind(insert, table, table.rows[start + i], oldId, newId, static_cast<unsigned>(1 + i * columns));
                insert.executeUpdate();
            }
        }
        connection_->commit();
    }

    // Several packages in one transaction: each table's rows of all of them
    // in multi-row INSERTs of up to kGroupedRows rows.
    void writeGrouped(const std::string& oldId, const std::vector<std::string>& newIds) {
        constexpr std::size_t kGroupedRows = 64;
        auto insertAll = [&](const Table& table) {
            struct Pending { const Row* row; const std::string* id; };
            std::vector<Pending> rows;
            for (const auto& id : newIds)
                for (const auto& row : table.rows) rows.push_back({&row, &id});
            const auto columns = static_cast<unsigned>(table.columns.size());
            for (std::size_t start = 0; start < rows.size(); start += kGroupedRows) {
                const std::size_t count = std::min(kGroupedRows, rows.size() - start);
                sql::PreparedStatement& insert = grouped(table, count);
                for (std::size_t i = 0; i < count; ++i)
                    bind(insert, table, *rows[start + i].row, oldId, *rows[start + i].id,
                         static_cast<unsigned>(1 + i * columns));
                insert.executeUpdate();
            }
        };
        // The seed's rows are read after the hub finished: its key holds the
        // answer and its audit head the chain's end, so both go in as they are.
        insertAll(seed_.idempotency);
        for (const auto& table : seed_.saved) insertAll(table);
        connection_->commit();
    }

    sql::PreparedStatement& grouped(const Table& table, std::size_t rows) {
        auto& statement = groupedInserts_[{table.name, rows}];
        if (!statement) statement.reset(connection_->prepareStatement(insertSql(table, rows)));
        return *statement;
    }

    const Seed& seed_;
    std::string prefix_;
    int perTransaction_ = 0;
    std::map<std::pair<std::string, std::size_t>, std::unique_ptr<sql::PreparedStatement>> groupedInserts_;
    long counter_ = 0;
    std::unique_ptr<sql::Connection> connection_;
    std::unique_ptr<sql::PreparedStatement> keyInsert_;
    std::vector<std::vector<std::unique_ptr<sql::PreparedStatement>>> inserts_;  // per table, per chunk
};

}  // namespace

int main(int argc, char** argv) {
    try {
        const Options options = parseOptions(argc, argv);
        Seed seed;
        {
            auto connection = connect(options);
            seed = readSeed(*connection, options.packageId);
        }
        std::cerr << "hub-dbceiling: package " << options.packageId << " wrote " << seed.rowCount() << " rows:";
        std::cerr << " idempotency_keys=" << seed.idempotency.rows.size();
        for (const auto& table : seed.saved) std::cerr << " " << table.name << "=" << table.rows.size();
        std::cerr << "\n";

        std::vector<std::unique_ptr<Writer>> writers;
        for (int i = 0; i < options.connections; ++i) writers.push_back(std::make_unique<Writer>(options, seed, i));
        std::atomic<long> total{0}, failures{0};
        const auto start = Clock::now();
        const auto deadline = start + std::chrono::duration_cast<Clock::duration>(
                                          std::chrono::duration<double>(options.durationSeconds));
        std::vector<std::thread> threads;
        for (auto& writer : writers)
            threads.emplace_back([&, w = writer.get()] { total += w->run(deadline, failures); });
        for (auto& thread : threads) thread.join();
        const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
        const double rate = static_cast<double>(total.load()) / elapsed;

        std::printf("RESULT {\"label\":\"%s\",\"connections\":%d,\"elapsed_s\":%.3f,\"packages\":%ld,"
                    "\"failures\":%ld,\"rows_per_package\":%zu,\"packages_per_transaction\":%d,"
                    "\"packages_per_s\":%.1f}\n",
                    options.label.c_str(), options.connections, elapsed, total.load(), failures.load(),
                    seed.rowCount(), options.packagesPerTransaction, rate);
        const std::string shape = options.packagesPerTransaction == 0
                                      ? std::string("1 transaction each")
                                      : std::to_string(options.packagesPerTransaction) + " packages a transaction";
        std::printf("%s: %d connections, %ld packages (%zu rows each, %s) in %.1f s = %.1f packages/s, "
                    "%ld failed transactions\n",
                    options.label.c_str(), options.connections, total.load(), seed.rowCount(), shape.c_str(), elapsed,
                    rate, failures.load());
        return 0;
    } catch (const sql::SQLException& error) {
        std::cerr << "hub-dbceiling: " << error.what() << " (MySQL error " << error.getErrorCode() << ")\n";
    } catch (const std::exception& error) {
        std::cerr << "hub-dbceiling: " << error.what() << "\n";
    }
    return 1;
}
