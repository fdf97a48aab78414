#define BOOST_TEST_MODULE store_contract_tests
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <latch>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
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
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include "store/mysql/mysql_connection_pool.h"
#include "store/mysql/mysql_migrations.h"
#include "store/mysql/mysql_store.h"
#include "store/sqlite/sqlite_database.h"
#include "store/sqlite/sqlite_migrations.h"
#include "store/sqlite/sqlite_store.h"
#include "store/audit_entries.h"
#include "store/store.h"

// One contract, every Store implementation. Select the backend after `--`:
//   store_contract_tests -- --backend sqlite
//   store_contract_tests -- --backend mysql --mysql-env DIR/env
// The MySQL run fails (never skips) when the env file is missing.

using namespace hub;
using namespace hub::store;

namespace {

using StoreOpener = std::function<std::unique_ptr<Store>()>;

std::string randomSuffix() {
    std::random_device device;
    std::mt19937_64 engine(device());
    const char* alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::string suffix;
    for (int i = 0; i < 10; ++i) suffix += alphabet[engine() % 36];
    return suffix;
}

std::map<std::string, std::string> readEnvFile(const std::string& path) {
    std::ifstream in(path);
    if (!in) {
        throw std::runtime_error("MySQL connection settings not found: \"" + path +
                                 "\" is missing (the `mariadb` ctest fixture writes it; run "
                                 "`ctest -R store_contract_mysql`, which starts mariadb_start first)");
    }
    std::map<std::string, std::string> values;
    std::string line;
    while (std::getline(in, line)) {
        auto equals = line.find('=');
        if (equals != std::string::npos) values[line.substr(0, equals)] = line.substr(equals + 1);
    }
    for (const char* key : {"HUB_TEST_MYSQL_HOST", "HUB_TEST_MYSQL_PORT", "HUB_TEST_MYSQL_USER",
                            "HUB_TEST_MYSQL_PASSWORD"}) {
        if (values.count(key) == 0) throw std::runtime_error(path + ": " + key + " missing");
    }
    return values;
}

// Where the stores under test live. Every test uses ids of its own, so all
// tests of a run share one migrated database; `emptyDatabase` gives a new,
// unmigrated one.
class Backend {
  public:
    virtual ~Backend() = default;
    virtual bool isMysql() const = 0;
    virtual StoreOpener sharedDatabase() = 0;
    virtual StoreOpener emptyDatabase() = 0;
    // A new database migrated by this build's migrations up to `version`
    // only (as an older hub left it), then `seed` run on it.
    virtual StoreOpener databaseAtVersion(int version, const std::vector<std::string>& seed) = 0;
};

class SqliteBackend final : public Backend {
  public:
    SqliteBackend()
        : folder_(std::filesystem::temp_directory_path() / ("hub-store-contract-" + randomSuffix())) {}
    ~SqliteBackend() override {
        std::error_code ignored;
        std::filesystem::remove_all(folder_, ignored);
    }
    bool isMysql() const override { return false; }
    StoreOpener sharedDatabase() override { return openerFor(folder_ / "shared" / "hub.db"); }
    StoreOpener emptyDatabase() override {
        return openerFor(folder_ / ("empty-" + std::to_string(++databases_)) / "hub.db");
    }
    StoreOpener databaseAtVersion(int version, const std::vector<std::string>& seed) override {
        auto path = folder_ / ("old-" + std::to_string(++databases_)) / "hub.db";
        std::filesystem::create_directories(path.parent_path());
        {
            store::sqlite::Database db(path.string());
            db.execute(store::sqlite::kCreateSchemaMigrations);
            for (const auto& migration : store::sqlite::migrations()) {
                if (migration.version > version) break;
                for (auto statement : migration.statements) db.execute(statement);
                db.execute("INSERT INTO schema_migrations (version, applied_at, description) VALUES (" +
                           std::to_string(migration.version) + ", 0, 'test')");
            }
            for (const auto& statement : seed) db.execute(statement);
        }
        return openerFor(path);
    }

  private:
    static StoreOpener openerFor(const std::filesystem::path& path) {
        return [path] {
            config::SqliteConfig config;
            config.path = path.string();
            config.busyTimeoutMs = 10000;
            return makeSqliteStore(config);
        };
    }

    std::filesystem::path folder_;
    int databases_ = 0;
};

class MysqlBackend final : public Backend {
  public:
    explicit MysqlBackend(const std::string& envFile) : settings_(readEnvFile(envFile)) {
        prefix_ = "hub_contract_" + randomSuffix();
        createDatabase(prefix_);
    }
    ~MysqlBackend() override {
        try {
            auto admin = adminConnection();
            std::unique_ptr<sql::Statement> statement(admin->createStatement());
            for (const auto& name : databases_) statement->execute("DROP DATABASE IF EXISTS `" + name + "`");
        } catch (const sql::SQLException& error) {
            BOOST_TEST_MESSAGE("could not drop the test databases: " << error.what());
        }
    }
    bool isMysql() const override { return true; }
    StoreOpener sharedDatabase() override { return openerFor(prefix_); }
    StoreOpener emptyDatabase() override {
        std::string name = prefix_ + "_" + std::to_string(databases_.size());
        createDatabase(name);
        return openerFor(name);
    }
    StoreOpener databaseAtVersion(int version, const std::vector<std::string>& seed) override {
        std::string name = prefix_ + "_" + std::to_string(databases_.size());
        createDatabase(name);
        auto admin = adminConnection();
        admin->setSchema(name);
        std::unique_ptr<sql::Statement> statement(admin->createStatement());
        statement->execute(std::string(store::mysql::kCreateSchemaMigrations));
        for (const auto& migration : store::mysql::migrations()) {
            if (migration.version > version) break;
            for (const auto& step : migration.statements) statement->execute(std::string(step.sql));
            statement->execute("INSERT INTO schema_migrations (version, applied_at, description) VALUES (" +
                               std::to_string(migration.version) + ", 0, 'test')");
        }
        for (const auto& sql : seed) statement->execute(sql);
        return openerFor(name);
    }

    config::MysqlConfig configFor(const std::string& database) const {
        config::MysqlConfig config;
        config.host = settings_.at("HUB_TEST_MYSQL_HOST");
        config.port = std::stoi(settings_.at("HUB_TEST_MYSQL_PORT"));
        config.user = settings_.at("HUB_TEST_MYSQL_USER");
        config.password = settings_.at("HUB_TEST_MYSQL_PASSWORD");
        config.database = database;
        config.poolSize = 8;
        config.connectTimeoutSeconds = 5;
        return config;
    }
    const std::string& sharedName() const { return prefix_; }

    std::unique_ptr<sql::Connection> adminConnection() const {
        auto* driver = sql::mysql::get_mysql_driver_instance();
        return std::unique_ptr<sql::Connection>(
            driver->connect("tcp://" + settings_.at("HUB_TEST_MYSQL_HOST") + ":" + settings_.at("HUB_TEST_MYSQL_PORT"),
                            settings_.at("HUB_TEST_MYSQL_USER"), settings_.at("HUB_TEST_MYSQL_PASSWORD")));
    }

  private:
    StoreOpener openerFor(const std::string& database) const {
        auto config = configFor(database);
        return [config] { return makeMysqlStore(config); };
    }

    void createDatabase(const std::string& name) {
        auto admin = adminConnection();
        std::unique_ptr<sql::Statement> statement(admin->createStatement());
        statement->execute("CREATE DATABASE `" + name + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
        databases_.push_back(name);
    }

    std::map<std::string, std::string> settings_;
    std::string prefix_;
    std::vector<std::string> databases_;
};

std::unique_ptr<Backend> makeBackendFromArguments() {
    auto& suite = boost::unit_test::framework::master_test_suite();
    std::string backend;
    std::string envFile;
    for (int i = 1; i + 1 < suite.argc; ++i) {
        std::string argument = suite.argv[i];
        if (argument == "--backend") backend = suite.argv[++i];
        else if (argument == "--mysql-env") envFile = suite.argv[++i];
    }
    if (backend == "sqlite") return std::make_unique<SqliteBackend>();
    if (backend == "mysql") {
        if (envFile.empty()) throw std::runtime_error("--backend mysql needs --mysql-env FILE");
        return std::make_unique<MysqlBackend>(envFile);
    }
    throw std::runtime_error("choose a backend after --: --backend sqlite | --backend mysql --mysql-env FILE");
}

Backend* theBackend = nullptr;

struct BackendFixture {
    BackendFixture() {
        backend = makeBackendFromArguments();
        theBackend = backend.get();
        auto store = theBackend->sharedDatabase()();
        store->migrate();
    }
    ~BackendFixture() { theBackend = nullptr; }
    std::unique_ptr<Backend> backend;
};

BOOST_TEST_GLOBAL_FIXTURE(BackendFixture);

Backend& backend() {
    if (theBackend == nullptr) throw std::runtime_error("no backend: the global fixture failed");
    return *theBackend;
}

std::unique_ptr<Store> openStore() { return backend().sharedDatabase()(); }

boost::test_tools::assertion_result mysqlOnly(boost::unit_test::test_unit_id) {
    boost::test_tools::assertion_result result(theBackend != nullptr && theBackend->isMysql());
    result.message() << "runs against MySQL only";
    return result;
}

std::string everyByte() {
    std::string bytes;
    for (int i = 0; i < 256; ++i) bytes += static_cast<char>(i);
    bytes += "\xE4\xB8\xAD\xE6\x96\x87 \xE2\x9C\x93 ";  // 中文 ✓
    bytes += "\xC3\x28\xFF\xFE";                           // not UTF-8
    bytes += std::string(3, '\0');
    return bytes;
}

NewPackage samplePackage(const std::string& id, const std::string& company, core::EpochMillis receivedAt = 1000) {
    NewPackage package;
    package.id = id;
    package.companyId = company;
    package.state = core::PackageState::Received;
    package.receivedAt = receivedAt;
    package.originalXml = "<?xml version=\"1.0\"?><package id=\"" + id + "\"/>";
    package.sha256 = std::string(64, 'a');
    package.proposedName = "\xE4\xB8\x8A\xE6\xB5\xB7\xE8\x88\xAA\xE8\xBF\x90 Shipping " + id;  // 上海航运
    package.applicantReference = "REF-" + id;
    package.notificationUrl = "https://example.com/hooks/" + id;
    package.permits = {
        {"P03", "MSA", core::PermitState::Waiting, false},
        {"P01", "SAMR", core::PermitState::Queued, true},
    };
    package.dispatches = {{"msg-" + id + "-P01", "P01", "SAMR", "SUBMIT", receivedAt}};
    package.events = {
        {"", "PACKAGE_RECEIVED", "", "RECEIVED", "package received", receivedAt},
        {"P01", "PERMIT_STATE", "", "QUEUED", "queued for SAMR", receivedAt},
        {"P03", "PERMIT_STATE", "", "WAITING", "waits for P01", receivedAt},
    };
    return package;
}

StoredResponse sampleResponse(const std::string& id) {
    return {201, "application/json; charset=utf-8", "/api/v1/applications/" + id,
            "{\"id\":\"" + id + "\",\"name\":\"\xE4\xB8\xAD\xE6\x96\x87\"}\n"};
}

constexpr core::EpochMillis kStale = 60000;

}  // namespace

BOOST_AUTO_TEST_CASE(ping_answers) { BOOST_CHECK_NO_THROW(openStore()->ping()); }

BOOST_AUTO_TEST_CASE(migrate_on_empty_database_reaches_latest_version_and_is_idempotent) {
    auto open = backend().emptyDatabase();
    auto store = open();
    BOOST_TEST(store->schemaVersion() == 0);
    BOOST_TEST(store->latestSchemaVersion() >= 2);
    store->migrate();
    BOOST_TEST(store->schemaVersion() == store->latestSchemaVersion());
    store->migrate();
    BOOST_TEST(store->schemaVersion() == store->latestSchemaVersion());
    BOOST_TEST(open()->schemaVersion() == store->latestSchemaVersion());
}

BOOST_AUTO_TEST_CASE(several_processes_may_migrate_at_once) {
    auto open = backend().emptyDatabase();
    std::vector<std::unique_ptr<Store>> stores;
    for (int i = 0; i < 3; ++i) stores.push_back(open());
    std::latch start(3);
    std::atomic<int> failures = 0;
    std::vector<std::thread> threads;
    for (auto& store : stores) {
        threads.emplace_back([&start, &failures, raw = store.get()] {
            start.arrive_and_wait();
            try {
                raw->migrate();
            } catch (const StoreError&) {
                ++failures;
            }
        });
    }
    for (auto& thread : threads) thread.join();
    BOOST_TEST(failures.load() == 0);
    BOOST_TEST(open()->schemaVersion() == stores.front()->latestSchemaVersion());
}

BOOST_AUTO_TEST_CASE(save_then_find_round_trips_every_field) {
    auto store = openStore();
    NewPackage package = samplePackage("PKG-ROUNDTRIP", "C-ROUNDTRIP", 1700000000123);
    package.originalXml = everyByte() + std::string(300000, 'x') + everyByte();
    package.state = core::PackageState::InProgress;
    store->savePackage(package, nullptr);

    auto found = store->findPackage("C-ROUNDTRIP", "PKG-ROUNDTRIP");
    BOOST_REQUIRE(found.has_value());
    BOOST_TEST(found->id == package.id);
    BOOST_TEST(found->companyId == package.companyId);
    BOOST_TEST((found->state == core::PackageState::InProgress));
    BOOST_TEST(found->receivedAt == 1700000000123);
    BOOST_TEST(found->updatedAt == 1700000000123);
    BOOST_TEST(found->sha256 == package.sha256);
    BOOST_TEST(found->proposedName == package.proposedName);
    BOOST_TEST(found->applicantReference == package.applicantReference);
    BOOST_TEST(found->notificationUrl == package.notificationUrl);
    BOOST_REQUIRE(found->permits.size() == 2u);
    BOOST_TEST(found->permits[0].permit == "P01");
    BOOST_TEST(found->permits[0].department == "SAMR");
    BOOST_TEST((found->permits[0].state == core::PermitState::Queued));
    BOOST_TEST(found->permits[0].requestedByApplicant);
    BOOST_TEST(found->permits[0].receiptNumber.empty());
    BOOST_TEST(found->permits[0].updatedAt == 1700000000123);
    BOOST_TEST(found->permits[1].permit == "P03");
    BOOST_TEST(found->permits[1].department == "MSA");
    BOOST_TEST((found->permits[1].state == core::PermitState::Waiting));
    BOOST_TEST(!found->permits[1].requestedByApplicant);

    auto original = store->originalXml("PKG-ROUNDTRIP");
    BOOST_REQUIRE(original.has_value());
    BOOST_TEST(original->size() == package.originalXml.size());
    BOOST_TEST((*original == package.originalXml));
    BOOST_TEST(!store->originalXml("PKG-NOT-THERE").has_value());
    BOOST_TEST(!store->findPackage("C-ROUNDTRIP", "PKG-NOT-THERE").has_value());
}

BOOST_AUTO_TEST_CASE(empty_original_bytes_round_trip_as_empty) {
    auto store = openStore();
    NewPackage package = samplePackage("PKG-EMPTY-XML", "C-EMPTY-XML");
    package.originalXml.clear();
    store->savePackage(package, nullptr);
    auto original = store->originalXml("PKG-EMPTY-XML");
    BOOST_REQUIRE(original.has_value());
    BOOST_TEST(original->empty());
}

BOOST_AUTO_TEST_CASE(a_company_cannot_find_another_companys_package) {
    auto store = openStore();
    store->savePackage(samplePackage("PKG-OWNED", "C-OWNER"), nullptr);
    BOOST_TEST(store->findPackage("C-OWNER", "PKG-OWNED").has_value());
    BOOST_TEST(!store->findPackage("C-INTRUDER", "PKG-OWNED").has_value());
    BOOST_TEST(store->listPackages("C-INTRUDER", {}).items.empty());
}

BOOST_AUTO_TEST_CASE(list_pages_newest_first_complete_and_disjoint) {
    auto store = openStore();
    std::vector<std::string> ids;
    for (int i = 0; i < 7; ++i) {
        std::string id = "PKG-LIST-0" + std::to_string(i);
        ids.push_back(id);
        NewPackage package = samplePackage(id, "C-LIST", 1000 + i);
        package.state = i == 0 ? core::PackageState::ReadyToOperate : core::PackageState::Received;
        store->savePackage(package, nullptr);
    }
    store->savePackage(samplePackage("PKG-LIST-OTHER", "C-LIST-OTHER"), nullptr);
    std::vector<std::string> newestFirst(ids.rbegin(), ids.rend());

    std::vector<std::string> seen;
    std::vector<size_t> pageSizes;
    PageRequest request{3, ""};
    for (int guard = 0; guard < 10; ++guard) {
        PackagePage page = store->listPackages("C-LIST", request);
        pageSizes.push_back(page.items.size());
        for (const auto& item : page.items) seen.push_back(item.id);
        if (page.nextCursor.empty()) break;
        BOOST_TEST(page.nextCursor == page.items.back().id);
        request.after = page.nextCursor;
    }
    BOOST_TEST(seen == newestFirst, boost::test_tools::per_element());
    BOOST_TEST(pageSizes == (std::vector<size_t>{3, 3, 1}), boost::test_tools::per_element());

    PackagePage exact = store->listPackages("C-LIST", PageRequest{7, ""});
    BOOST_TEST(exact.items.size() == 7u);
    BOOST_TEST(exact.nextCursor.empty());

    PackagePage last = store->listPackages("C-LIST", PageRequest{1, "PKG-LIST-01"});
    BOOST_REQUIRE(last.items.size() == 1u);
    const PackageSummary& oldest = last.items.front();
    BOOST_TEST(oldest.id == "PKG-LIST-00");
    BOOST_TEST(oldest.companyId == "C-LIST");
    BOOST_TEST((oldest.state == core::PackageState::ReadyToOperate));
    BOOST_TEST(oldest.receivedAt == 1000);
    BOOST_TEST(oldest.proposedName == samplePackage("PKG-LIST-00", "C-LIST").proposedName);
    BOOST_TEST(oldest.applicantReference == "REF-PKG-LIST-00");
    BOOST_TEST(last.nextCursor.empty());
}

BOOST_AUTO_TEST_CASE(dispatches_and_events_are_returned_as_saved_events_in_order) {
    auto store = openStore();
    NewPackage package = samplePackage("PKG-OUTBOX", "C-OUTBOX", 5000);
    package.dispatches = {
        {"msg-outbox-1", "P01", "SAMR", "SUBMIT", 5000},
        {"msg-outbox-2", "P03", "MSA", "SUBMIT", 7000},
    };
    store->savePackage(package, nullptr);

    auto dispatches = store->dispatchesOf("PKG-OUTBOX");
    BOOST_REQUIRE(dispatches.size() == 2u);
    BOOST_TEST(dispatches[0].messageId == "msg-outbox-1");
    BOOST_TEST(dispatches[0].permit == "P01");
    BOOST_TEST(dispatches[0].department == "SAMR");
    BOOST_TEST(dispatches[0].kind == "SUBMIT");
    BOOST_TEST(dispatches[0].state == "PENDING");
    BOOST_TEST(dispatches[0].attempts == 0);
    BOOST_TEST(dispatches[0].dueAt == 5000);
    BOOST_TEST(dispatches[1].messageId == "msg-outbox-2");
    BOOST_TEST(dispatches[1].dueAt == 7000);

    auto events = store->eventsOf("PKG-OUTBOX");
    BOOST_REQUIRE(events.size() == package.events.size());
    for (size_t i = 0; i < events.size(); ++i) {
        BOOST_TEST(events[i].permit == package.events[i].permit);
        BOOST_TEST(events[i].type == package.events[i].type);
        BOOST_TEST(events[i].fromState == package.events[i].fromState);
        BOOST_TEST(events[i].toState == package.events[i].toState);
        BOOST_TEST(events[i].detail == package.events[i].detail);
        BOOST_TEST(events[i].at == package.events[i].at);
        if (i > 0) BOOST_TEST(events[i].sequence > events[i - 1].sequence);
    }
    BOOST_TEST(store->dispatchesOf("PKG-NOT-THERE").empty());
    BOOST_TEST(store->eventsOf("PKG-NOT-THERE").empty());
}

KeyedAnswer answerFor(const IdempotencyKey& key, const std::string& requestSha256, StoredResponse response) {
    return KeyedAnswer{key, requestSha256, std::move(response), kStale};
}

// The key is free: an answer stored under it now is stored.
bool keyIsFree(Store& store, const IdempotencyKey& key) {
    StoredResponse probe{400, "application/problem+json", "", "{}"};
    return store.storeAnswer(answerFor(key, "hash-probe", probe), 5000).outcome == KeyOutcome::Stored;
}

BOOST_AUTO_TEST_CASE(a_failing_save_leaves_nothing_behind_not_even_its_key) {
    auto store = openStore();
    const IdempotencyKey key{"C-ATOMIC", "key-atomic"};
    NewPackage broken = samplePackage("PKG-ATOMIC", "C-ATOMIC");
    broken.permits.push_back({"P01", "SAMR", core::PermitState::Queued, true});  // violates PK(package_id, permit)
    const KeyedAnswer answer = answerFor(key, "hash-1", sampleResponse("PKG-ATOMIC"));
    BOOST_CHECK_THROW(store->savePackage(broken, &answer), StoreError);

    BOOST_TEST(!store->findPackage("C-ATOMIC", "PKG-ATOMIC").has_value());
    BOOST_TEST(!store->originalXml("PKG-ATOMIC").has_value());
    BOOST_TEST(store->dispatchesOf("PKG-ATOMIC").empty());
    BOOST_TEST(store->eventsOf("PKG-ATOMIC").empty());
    BOOST_TEST(store->listPackages("C-ATOMIC", {}).items.empty());
    BOOST_TEST(!store->auditHead("PKG-ATOMIC").has_value());
    // A retry runs afresh: no claim was left to wait for.
    BOOST_TEST(keyIsFree(*store, key));
}

BOOST_AUTO_TEST_CASE(a_duplicate_package_id_is_refused_and_changes_nothing) {
    auto store = openStore();
    store->savePackage(samplePackage("PKG-DUPLICATE", "C-DUPLICATE", 1000), nullptr);

    const IdempotencyKey key{"C-DUPLICATE", "key-duplicate"};
    NewPackage again = samplePackage("PKG-DUPLICATE", "C-DUPLICATE", 2000);
    again.permits = {{"P05", "MOT", core::PermitState::Queued, true}};
    again.dispatches = {{"msg-duplicate-2", "P05", "MOT", "SUBMIT", 2000}};
    const KeyedAnswer answer = answerFor(key, "hash-d", sampleResponse("PKG-DUPLICATE"));
    BOOST_CHECK_THROW(store->savePackage(again, &answer), StoreError);

    auto found = store->findPackage("C-DUPLICATE", "PKG-DUPLICATE");
    BOOST_REQUIRE(found.has_value());
    BOOST_TEST(found->receivedAt == 1000);
    BOOST_TEST(found->permits.size() == 2u);
    BOOST_TEST(store->dispatchesOf("PKG-DUPLICATE").size() == 1u);
    BOOST_TEST(store->eventsOf("PKG-DUPLICATE").size() == 3u);
    BOOST_TEST(keyIsFree(*store, key));
}

BOOST_AUTO_TEST_CASE(a_saved_package_answer_is_replayed_for_the_same_request_and_nothing_more_is_stored) {
    auto store = openStore();
    const IdempotencyKey key{"C-IDEM", "key-replay"};
    StoredResponse response = sampleResponse("PKG-IDEM");
    response.body += everyByte();
    const KeyedAnswer first = answerFor(key, "hash-a", response);
    BOOST_TEST((store->savePackage(samplePackage("PKG-IDEM", "C-IDEM"), &first).outcome == KeyOutcome::Stored));

    // The same request again (its package under a new id): the first answer.
    const KeyedAnswer retry = answerFor(key, "hash-a", sampleResponse("PKG-IDEM-RETRY"));
    KeyedOutcome replay = store->savePackage(samplePackage("PKG-IDEM-RETRY", "C-IDEM"), &retry);
    BOOST_TEST((replay.outcome == KeyOutcome::Replay));
    BOOST_REQUIRE(replay.response.has_value());
    BOOST_TEST(replay.response->status == 201);
    BOOST_TEST(replay.response->contentType == response.contentType);
    BOOST_TEST(replay.response->location == response.location);
    BOOST_TEST((replay.response->body == response.body));
    BOOST_TEST(!store->findPackage("C-IDEM", "PKG-IDEM-RETRY").has_value());
    BOOST_TEST(!store->auditHead("PKG-IDEM-RETRY").has_value());

    // Another body under the key: refused, nothing stored.
    const KeyedAnswer other = answerFor(key, "hash-b", sampleResponse("PKG-IDEM-OTHER"));
    KeyedOutcome mismatch = store->savePackage(samplePackage("PKG-IDEM-OTHER", "C-IDEM"), &other);
    BOOST_TEST((mismatch.outcome == KeyOutcome::Mismatch));
    BOOST_TEST(!mismatch.response.has_value());
    BOOST_TEST(!store->findPackage("C-IDEM", "PKG-IDEM-OTHER").has_value());
    BOOST_TEST((store->storeAnswer(answerFor(key, "hash-a", {422, "x", "", "y"}), 2000).outcome ==
                KeyOutcome::Replay));
}

BOOST_AUTO_TEST_CASE(a_stored_refusal_is_replayed) {
    auto store = openStore();
    const IdempotencyKey key{"C-IDEM", "key-refusal"};
    const StoredResponse rejected{422, "application/problem+json", "", "{\"title\":\"invalid\"}"};
    BOOST_TEST((store->storeAnswer(answerFor(key, "hash-f", rejected), 1100).outcome == KeyOutcome::Stored));

    KeyedOutcome replay = store->storeAnswer(answerFor(key, "hash-f", {400, "other", "", "other"}), 1200);
    BOOST_TEST((replay.outcome == KeyOutcome::Replay));
    BOOST_REQUIRE(replay.response.has_value());
    BOOST_TEST(replay.response->status == 422);
    BOOST_TEST(replay.response->contentType == "application/problem+json");
    BOOST_TEST(replay.response->location.empty());
    BOOST_TEST(replay.response->body == rejected.body);

    // A package under the refused request's key is not stored: the refusal stands.
    const KeyedAnswer late = answerFor(key, "hash-f", sampleResponse("PKG-REFUSED"));
    BOOST_TEST((store->savePackage(samplePackage("PKG-REFUSED", "C-IDEM"), &late).outcome == KeyOutcome::Replay));
    BOOST_TEST(!store->findPackage("C-IDEM", "PKG-REFUSED").has_value());
    BOOST_TEST((store->storeAnswer(answerFor(key, "hash-g", rejected), 1300).outcome == KeyOutcome::Mismatch));
}

BOOST_AUTO_TEST_CASE(keys_are_scoped_per_company) {
    auto store = openStore();
    const StoredResponse answer{400, "application/problem+json", "", "{}"};
    BOOST_TEST((store->storeAnswer(answerFor({"C-SCOPE-A", "shared"}, "hash-a", answer), 1000).outcome ==
                KeyOutcome::Stored));
    BOOST_TEST((store->storeAnswer(answerFor({"C-SCOPE-B", "shared"}, "hash-b", answer), 1000).outcome ==
                KeyOutcome::Stored));
}

BOOST_AUTO_TEST_CASE(an_unfinished_claim_of_an_earlier_hub_is_in_progress_until_stale_then_taken_over) {
    // Earlier hubs claimed a key (IN_PROGRESS) before validating the package.
    auto open = backend().databaseAtVersion(
        std::numeric_limits<int>::max(),
        {"INSERT INTO idempotency_keys (company_id, idem_key, request_sha256, state, created_at, updated_at) "
         "VALUES ('C-LEGACY', 'key-legacy', 'hash-l', 'IN_PROGRESS', 1000, 1000)"});
    auto store = open();
    const IdempotencyKey key{"C-LEGACY", "key-legacy"};
    const KeyedAnswer same = answerFor(key, "hash-l", sampleResponse("PKG-LEGACY"));
    BOOST_TEST((store->savePackage(samplePackage("PKG-LEGACY", "C-LEGACY", 1000 + kStale), &same).outcome ==
                KeyOutcome::InProgress));
    BOOST_TEST((store->storeAnswer(answerFor(key, "hash-other", sampleResponse("x")), 1000 + kStale).outcome ==
                KeyOutcome::Mismatch));
    BOOST_TEST(!store->findPackage("C-LEGACY", "PKG-LEGACY").has_value());

    // Its owner never finished: once stale, the claim is taken over.
    BOOST_TEST((store->savePackage(samplePackage("PKG-LEGACY", "C-LEGACY", 1001 + kStale), &same).outcome ==
                KeyOutcome::Stored));
    BOOST_TEST(store->findPackage("C-LEGACY", "PKG-LEGACY").has_value());
    KeyedOutcome replay = store->storeAnswer(same, 2000 + kStale);
    BOOST_TEST((replay.outcome == KeyOutcome::Replay));
    BOOST_REQUIRE(replay.response.has_value());
    BOOST_TEST(replay.response->location == "/api/v1/applications/PKG-LEGACY");
}

BOOST_AUTO_TEST_CASE(concurrent_saves_are_all_stored) {
    auto store = openStore();
    constexpr int kThreads = 8;
    constexpr int kEach = 25;
    std::latch start(kThreads);
    std::atomic<int> failures = 0;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            start.arrive_and_wait();
            for (int i = 0; i < kEach; ++i) {
                char id[32];
                std::snprintf(id, sizeof id, "PKG-CONC-%02d-%03d", t, i);
                try {
                    store->savePackage(samplePackage(id, "C-CONCURRENT", 1000 + i), nullptr);
                } catch (const std::exception& error) {
                    ++failures;
                    BOOST_TEST_MESSAGE("save failed: " << error.what());
                }
            }
        });
    }
    for (auto& thread : threads) thread.join();
    BOOST_TEST(failures.load() == 0);

    std::set<std::string> ids;
    size_t listed = 0;
    PageRequest request{100, ""};
    for (int guard = 0; guard < 10; ++guard) {
        PackagePage page = store->listPackages("C-CONCURRENT", request);
        listed += page.items.size();
        for (const auto& item : page.items) ids.insert(item.id);
        if (page.nextCursor.empty()) break;
        request.after = page.nextCursor;
    }
    BOOST_TEST(listed == static_cast<size_t>(kThreads * kEach));
    BOOST_TEST(ids.size() == static_cast<size_t>(kThreads * kEach));
}

// Requests with one key at the same time: one package is stored, every
// other request gets its answer (or, for another body, the mismatch).
BOOST_AUTO_TEST_CASE(concurrent_saves_under_one_key_store_exactly_one_package) {
    auto store = openStore();
    constexpr int kThreads = 8;
    for (int round = 0; round < 4; ++round) {
        const std::string company = "C-RACE-" + std::to_string(round);
        const IdempotencyKey key{company, "key-race"};
        std::latch start(kThreads);
        std::atomic<int> stored = 0, replayed = 0, mismatched = 0, failures = 0;
        std::mutex mutex;
        std::set<std::string> replayedLocations;
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&, t] {
                // Half the rounds send one body, the others two bodies.
                const std::string hash = round % 2 == 0 || t % 2 == 0 ? "hash-race" : "hash-race-other";
                const std::string id = "PKG-RACE-" + std::to_string(round) + "-" + std::to_string(t);
                const KeyedAnswer answer = answerFor(key, hash, sampleResponse(id));
                start.arrive_and_wait();
                try {
                    KeyedOutcome outcome = store->savePackage(samplePackage(id, company), &answer);
                    switch (outcome.outcome) {
                        case KeyOutcome::Stored: ++stored; break;
                        case KeyOutcome::Replay: {
                            ++replayed;
                            std::lock_guard lock(mutex);
                            replayedLocations.insert(outcome.response->location);
                            break;
                        }
                        case KeyOutcome::Mismatch: ++mismatched; break;
                        case KeyOutcome::InProgress: ++failures; break;
                    }
                } catch (const std::exception& error) {
                    ++failures;
                    BOOST_TEST_MESSAGE("save failed: " << error.what());
                }
            });
        }
        for (auto& thread : threads) thread.join();
        BOOST_TEST(stored.load() == 1, "round " << round);
        BOOST_TEST(stored + replayed + mismatched == kThreads, "round " << round);
        BOOST_TEST(failures.load() == 0, "round " << round);
        if (round % 2 == 0) BOOST_TEST(mismatched.load() == 0);
        const auto listed = store->listPackages(company, {100, ""}).items;
        BOOST_REQUIRE(listed.size() == 1u);
        BOOST_TEST(replayedLocations.size() <= 1u);  // every replay is the one stored package's answer
        if (!replayedLocations.empty())
            BOOST_TEST(*replayedLocations.begin() == "/api/v1/applications/" + listed.front().id);
    }
}

// Many keyed saves at once (the MySQL store writes them in shared
// transactions), some of them retries of keys already stored: every new one
// is stored whole, with an intact audit chain, and every retry replayed.
BOOST_AUTO_TEST_CASE(concurrent_keyed_saves_and_retries_each_get_their_own_outcome) {
    auto store = openStore();
    const std::string company = "C-GROUPED-" + randomSuffix();
    for (int i = 0; i < 10; ++i) {
        const std::string id = "PKG-GRP-OLD-" + std::to_string(i);
        const KeyedAnswer answer = answerFor({company, "old-" + std::to_string(i)}, "hash-old", sampleResponse(id));
        BOOST_TEST_REQUIRE((store->savePackage(samplePackage(id, company), &answer).outcome == KeyOutcome::Stored));
    }
    constexpr int kThreads = 8;
    constexpr int kEach = 20;
    std::latch start(kThreads);
    std::atomic<int> stored = 0, replayed = 0, wrong = 0;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            start.arrive_and_wait();
            for (int i = 0; i < kEach; ++i) {
                char id[40];
                std::snprintf(id, sizeof id, "PKG-GRP-%02d-%03d", t, i);
                // Every fifth save is a retry of an old key.
                const bool retry = i % 5 == 4;
                const std::string keyName = retry ? "old-" + std::to_string((t + i) % 10) : std::string(id);
                const KeyedAnswer answer =
                    answerFor({company, keyName}, retry ? "hash-old" : "hash-new", sampleResponse(id));
                try {
                    const KeyedOutcome outcome = store->savePackage(samplePackage(id, company, 2000 + i), &answer);
                    if (!retry && outcome.outcome == KeyOutcome::Stored) ++stored;
                    else if (retry && outcome.outcome == KeyOutcome::Replay &&
                             outcome.response->location.find("PKG-GRP-OLD-") != std::string::npos) ++replayed;
                    else ++wrong;
                } catch (const std::exception& error) {
                    ++wrong;
                    BOOST_TEST_MESSAGE("save failed: " << error.what());
                }
            }
        });
    }
    for (auto& thread : threads) thread.join();
    BOOST_TEST(stored.load() == kThreads * kEach * 4 / 5);
    BOOST_TEST(replayed.load() == kThreads * kEach / 5);
    BOOST_TEST(wrong.load() == 0);

    std::size_t listed = 0;
    PageRequest request{100, ""};
    for (int guard = 0; guard < 10; ++guard) {
        PackagePage page = store->listPackages(company, request);
        for (const auto& item : page.items) {
            ++listed;
            BOOST_TEST(store->eventsOf(item.id).size() == 3u, item.id);
            BOOST_TEST(store->dispatchesOf(item.id).size() == 1u, item.id);
            const auto report = hub::store::audit::verifyTrail(*store, item.id);
            BOOST_TEST(report.ok(), item.id << ": " << report.problemCount << " problem(s)");
        }
        if (page.nextCursor.empty()) break;
        request.after = page.nextCursor;
    }
    BOOST_TEST(listed == static_cast<std::size_t>(10 + kThreads * kEach * 4 / 5));
}

BOOST_AUTO_TEST_CASE(api_tokens_are_saved_found_and_revoked) {
    auto store = openStore();
    ApiToken token{"tok_contract", std::string(64, 'b'), "applicant", "C-TOKENS", "CI token", 1000, 0};
    store->saveApiToken(token, "admin:contract");

    auto found = store->findApiToken(token.tokenSha256);
    BOOST_REQUIRE(found.has_value());
    BOOST_TEST(found->tokenId == "tok_contract");
    BOOST_TEST(found->role == "applicant");
    BOOST_TEST(found->subject == "C-TOKENS");
    BOOST_TEST(found->label == "CI token");
    BOOST_TEST(found->createdAt == 1000);
    BOOST_TEST(found->revokedAt == 0);
    BOOST_TEST(!store->findApiToken(std::string(64, 'c')).has_value());

    BOOST_TEST(store->revokeApiToken("tok_contract", 2000, "admin:contract"));
    BOOST_TEST(store->findApiToken(token.tokenSha256)->revokedAt == 2000);
    BOOST_TEST(store->revokeApiToken("tok_contract", 3000, "admin:contract"));
    BOOST_TEST(store->findApiToken(token.tokenSha256)->revokedAt == 2000);
    BOOST_TEST(!store->revokeApiToken("tok_unknown", 2000, "admin:contract"));

    ApiToken sameHash{"tok_other", token.tokenSha256, "applicant", "C-TOKENS", "", 1000, 0};
    BOOST_CHECK_THROW(store->saveApiToken(sameHash, "admin:contract"), StoreError);
}

BOOST_AUTO_TEST_CASE(a_package_with_more_rows_than_one_insert_holds_keeps_them_all_in_order) {
    // The MySQL store inserts rows 16 to a statement; 40 events and 20
    // permits span several statements, the last one partly filled.
    auto store = openStore();
    NewPackage package = samplePackage("PKG-MANY-ROWS", "C-MANY-ROWS");
    package.permits.clear();
    package.events.clear();
    for (int i = 1; i <= 20; ++i) {
        const std::string permit = (i < 10 ? "P0" : "P") + std::to_string(i);
        package.permits.push_back({permit, "MSA", core::PermitState::Waiting, i % 2 == 0});
        package.events.push_back({permit, "PERMIT_STATE", "", "WAITING", "waits " + std::to_string(i), 1000 + i});
        package.events.push_back({permit, "NOTE", "WAITING", "WAITING", "note " + std::to_string(i), 2000 + i});
    }
    store->savePackage(package, nullptr);

    auto found = store->packageById("PKG-MANY-ROWS");
    BOOST_REQUIRE(found.has_value());
    BOOST_REQUIRE(found->permits.size() == 20u);
    for (int i = 0; i < 20; ++i) {
        BOOST_TEST(found->permits[i].permit == package.permits[i].permit);
        BOOST_TEST(found->permits[i].requestedByApplicant == package.permits[i].requestedByApplicant);
    }
    auto events = store->eventsOf("PKG-MANY-ROWS");
    BOOST_REQUIRE(events.size() == package.events.size());
    for (size_t i = 0; i < events.size(); ++i) {
        BOOST_TEST(events[i].detail == package.events[i].detail);
        BOOST_TEST(events[i].at == package.events[i].at);
        if (i > 0) BOOST_TEST(events[i].sequence > events[i - 1].sequence);
    }
}

BOOST_AUTO_TEST_CASE(a_killed_connection_is_survived, *boost::unit_test::precondition(mysqlOnly)) {
    auto& mysql = dynamic_cast<MysqlBackend&>(backend());
    auto store = openStore();
    store->savePackage(samplePackage("PKG-KILLED", "C-KILLED"), nullptr);

    auto admin = mysql.adminConnection();
    std::unique_ptr<sql::Statement> statement(admin->createStatement());
    std::vector<std::int64_t> victims;
    {
        std::unique_ptr<sql::ResultSet> rows(statement->executeQuery(
            "SELECT id FROM information_schema.processlist WHERE db = '" + mysql.sharedName() +
            "' AND id <> CONNECTION_ID()"));
        while (rows->next()) victims.push_back(rows->getInt64(1));
    }
    BOOST_REQUIRE(!victims.empty());
    for (auto id : victims) statement->execute("KILL CONNECTION " + std::to_string(id));

    BOOST_CHECK_NO_THROW(store->ping());
    auto found = store->findPackage("C-KILLED", "PKG-KILLED");
    BOOST_TEST(found.has_value());
    BOOST_CHECK_NO_THROW(store->savePackage(samplePackage("PKG-KILLED-2", "C-KILLED"), nullptr));
}

namespace {

long sessionStatus(store::mysql::Session& session, const std::string& name) {
    std::unique_ptr<sql::Statement> statement(session->createStatement());
    std::unique_ptr<sql::ResultSet> rows(statement->executeQuery("SHOW SESSION STATUS LIKE '" + name + "'"));
    BOOST_REQUIRE(rows->next());
    return std::stol(rows->getString(2).asStdString());
}

int selectPlusOne(const store::mysql::Statement& statement, int value) {
    statement->setInt(1, value);
    std::unique_ptr<sql::ResultSet> rows(statement->executeQuery());
    BOOST_REQUIRE(rows->next());
    return rows->getInt(1);
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_pooled_connection_prepares_each_statement_once, *boost::unit_test::precondition(mysqlOnly)) {
    auto& mysql = dynamic_cast<MysqlBackend&>(backend());
    store::mysql::ConnectionPool pool(mysql.configFor(mysql.sharedName()));
    const std::string text = "SELECT ? + 1";
    {
        auto lease = pool.acquire();
        store::mysql::Session& session = *lease;
        const long preparedBefore = sessionStatus(session, "Com_stmt_prepare");
        for (int i = 0; i < 3; ++i) BOOST_TEST(selectPlusOne(session.prepare(text), i) == i + 1);
        BOOST_TEST(sessionStatus(session, "Com_stmt_prepare") - preparedBefore == 1);
        BOOST_TEST(session.cachedStatements() == 1u);

        // A borrowed statement comes back with no parameters left from its last use.
        auto again = session.prepare(text);
        BOOST_CHECK_THROW(std::unique_ptr<sql::ResultSet>(again->executeQuery()), sql::SQLException);
    }
    {
        // The next transaction on the same connection finds it prepared.
        auto lease = pool.acquire();
        store::mysql::Session& session = *lease;
        const long preparedBefore = sessionStatus(session, "Com_stmt_prepare");
        BOOST_TEST(selectPlusOne(session.prepare(text), 41) == 42);
        BOOST_TEST(sessionStatus(session, "Com_stmt_prepare") == preparedBefore);

        // The same text in use twice at once: the second gets its own statement
        // and the first's rows stay intact.
        auto outer = session.prepare(text);
        outer->setInt(1, 10);
        std::unique_ptr<sql::ResultSet> outerRows(outer->executeQuery());
        auto inner = session.prepare(text);
        BOOST_TEST(selectPlusOne(inner, 20) == 21);
        BOOST_REQUIRE(outerRows->next());
        BOOST_TEST(outerRows->getInt(1) == 11);
        BOOST_TEST(session.cachedStatements() == 1u);
    }
    {
        // Past the bound, texts are still prepared and run, just not kept.
        auto lease = pool.acquire();
        store::mysql::Session& session = *lease;
        const int texts = static_cast<int>(store::mysql::Session::kMaxCached) + 5;
        for (int i = 0; i < texts; ++i) {
            auto statement = session.prepare("SELECT ? + 1 + " + std::to_string(i));
            BOOST_TEST(selectPlusOne(statement, 1) == 2 + i);
        }
        BOOST_TEST(session.cachedStatements() == store::mysql::Session::kMaxCached);
    }
}

BOOST_AUTO_TEST_CASE(a_statement_that_returned_a_large_result_is_closed_after_use,
                     *boost::unit_test::precondition(mysqlOnly)) {
    auto& mysql = dynamic_cast<MysqlBackend&>(backend());
    store::mysql::ConnectionPool pool(mysql.configFor(mysql.sharedName()));
    auto lease = pool.acquire();
    store::mysql::Session& session = *lease;
    auto countRows = [&](const std::string& text) {
        auto statement = session.prepare(text);
        auto rows = statement.query();
        std::size_t count = 0;
        while (rows->next()) ++count;
        return count;
    };
    const std::size_t large = store::mysql::Session::kLargeResultRows + 1;
    // A small result: kept for the next use.
    BOOST_TEST(countRows("SELECT seq FROM seq_1_to_10") == 10u);
    BOOST_TEST(session.cachedStatements() == 1u);
    // A large one: its statement (and the driver's buffers) closed after use.
    const std::string big = "SELECT seq FROM seq_1_to_" + std::to_string(large);
    BOOST_TEST(countRows(big) == large);
    BOOST_TEST(session.cachedStatements() == 1u);
    // Asked for again, it is prepared again and works.
    BOOST_TEST(countRows(big) == large);
    BOOST_TEST(countRows("SELECT seq FROM seq_1_to_10") == 10u);
    BOOST_TEST(session.cachedStatements() == 1u);
}

BOOST_AUTO_TEST_CASE(a_connection_makes_room_when_the_server_allows_no_more_prepared_statements,
                     *boost::unit_test::precondition(mysqlOnly)) {
    auto& mysql = dynamic_cast<MysqlBackend&>(backend());
    store::mysql::ConnectionPool pool(mysql.configFor(mysql.sharedName()));
    auto admin = mysql.adminConnection();
    std::unique_ptr<sql::Statement> control(admin->createStatement());
    auto globalValue = [&](const std::string& sql) {
        std::unique_ptr<sql::ResultSet> rows(control->executeQuery(sql));
        BOOST_REQUIRE(rows->next());
        return rows->getInt64(rows->getMetaData()->getColumnCount());
    };
    const auto limitBefore = globalValue("SELECT @@GLOBAL.max_prepared_stmt_count");
    // Restored however the test ends: the server is shared with later tests.
    struct Restore {
        sql::Statement& control;
        std::int64_t limit;
        ~Restore() {
            try {
                control.execute("SET GLOBAL max_prepared_stmt_count = " + std::to_string(limit));
            } catch (...) {
            }
        }
    } restore{*control, limitBefore};

    auto lease = pool.acquire();
    store::mysql::Session& session = *lease;
    for (int i = 0; i < 3; ++i) BOOST_TEST(selectPlusOne(session.prepare("SELECT ? + " + std::to_string(i)), 1) == 1 + i);
    BOOST_TEST(session.cachedStatements() == 3u);

    // No room left on the server: every statement now open is the limit.
    control->execute("SET GLOBAL max_prepared_stmt_count = " +
                     std::to_string(globalValue("SHOW GLOBAL STATUS LIKE 'Prepared_stmt_count'")));
    auto busy = session.prepare("SELECT ? + 0");  // in use: must survive the clean-up
    BOOST_TEST(selectPlusOne(session.prepare("SELECT ? + 41"), 1) == 42);
    BOOST_TEST(session.cachedStatements() == 2u);  // the busy one and the new one
    BOOST_TEST(selectPlusOne(busy, 5) == 5);
}

BOOST_AUTO_TEST_CASE(a_cached_statement_on_a_killed_connection_is_a_lost_connection,
                     *boost::unit_test::precondition(mysqlOnly)) {
    auto& mysql = dynamic_cast<MysqlBackend&>(backend());
    store::mysql::ConnectionPool pool(mysql.configFor(mysql.sharedName()));
    {
        auto lease = pool.acquire();
        store::mysql::Session& session = *lease;
        BOOST_TEST(selectPlusOne(session.prepare("SELECT ? + 1"), 1) == 2);
        std::int64_t id = 0;
        {
            std::unique_ptr<sql::Statement> statement(session->createStatement());
            std::unique_ptr<sql::ResultSet> rows(statement->executeQuery("SELECT CONNECTION_ID()"));
            BOOST_REQUIRE(rows->next());
            id = rows->getInt64(1);
        }
        auto admin = mysql.adminConnection();
        std::unique_ptr<sql::Statement>(admin->createStatement())->execute("KILL CONNECTION " + std::to_string(id));
        try {
            selectPlusOne(session.prepare("SELECT ? + 1"), 1);
            BOOST_FAIL("a statement on a killed connection ran");
        } catch (const sql::SQLException& error) {
            BOOST_TEST(store::mysql::isConnectionLost(error), store::mysql::describe(error));
        }
        lease.discard();
    }
    // Discarded with its statements; the next lease is a working connection.
    auto lease = pool.acquire();
    BOOST_TEST(selectPlusOne((*lease).prepare("SELECT ? + 1"), 5) == 6);
}

BOOST_AUTO_TEST_CASE(an_unreachable_server_is_a_clear_store_error, *boost::unit_test::precondition(mysqlOnly)) {
    auto& mysql = dynamic_cast<MysqlBackend&>(backend());
    int closedPort = 0;
    {
        int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        BOOST_REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
        socklen_t length = sizeof address;
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
        closedPort = ntohs(address.sin_port);
        ::close(fd);
    }
    config::MysqlConfig config = mysql.configFor(mysql.sharedName());
    config.port = closedPort;
    config.password = "pw-must-not-leak-" + randomSuffix();
    try {
        makeMysqlStore(config);
        BOOST_FAIL("connecting to a closed port succeeded");
    } catch (const StoreError& error) {
        std::string message = error.what();
        BOOST_TEST_MESSAGE(message);
        BOOST_TEST(message.find("127.0.0.1:" + std::to_string(closedPort)) != std::string::npos);
        BOOST_TEST(message.find(config.password) == std::string::npos);
    }

    config = mysql.configFor(mysql.sharedName());
    config.password = "wrong-pw-must-not-leak-" + randomSuffix();
    try {
        makeMysqlStore(config);
        BOOST_FAIL("a wrong password was accepted");
    } catch (const StoreError& error) {
        std::string message = error.what();
        BOOST_TEST_MESSAGE(message);
        BOOST_TEST(message.find(config.password) == std::string::npos);
    }
}

// ---- Outbox leasing, attempts and incidents. Each case runs on a database of
// its own: leasing sees every due row of the database.

namespace {

std::unique_ptr<Store> migratedEmptyStore() {
    auto store = backend().emptyDatabase()();
    store->migrate();
    return store;
}

// A package whose permits P01 (QUEUED, SAMR) and P03 (WAITING, MSA) exist and
// whose outbox holds `dispatches`.
void saveWithDispatches(Store& store, const std::string& packageId, std::vector<NewDispatch> dispatches) {
    NewPackage package = samplePackage(packageId, "C-" + packageId, 500);
    package.dispatches = std::move(dispatches);
    store.savePackage(package, nullptr);
}

std::vector<std::string> idsOf(const std::vector<LeasedDispatch>& leased) {
    std::vector<std::string> ids;
    for (const auto& dispatch : leased) ids.push_back(dispatch.messageId);
    return ids;
}

std::optional<DispatchView> dispatchOf(Store& store, const std::string& packageId, const std::string& messageId) {
    for (auto& dispatch : store.dispatchesOf(packageId)) {
        if (dispatch.messageId == messageId) return dispatch;
    }
    return std::nullopt;
}

std::optional<IncidentView> incidentOf(Store& store, const std::string& incidentId, bool openOnly) {
    for (auto& incident : store.listIncidents(openOnly)) {
        if (incident.id == incidentId) return incident;
    }
    return std::nullopt;
}

const PermitView& permitOf(const PackageView& package, const std::string& permit) {
    for (const auto& view : package.permits) {
        if (view.permit == permit) return view;
    }
    throw std::runtime_error("no permit " + permit + " in " + package.id);
}

AttemptRecord attemptAt(core::EpochMillis startedAt, const std::string& outcome, int httpStatus = 200,
                        const std::string& error = "") {
    return AttemptRecord{0, startedAt, 42, outcome, httpStatus, error};
}

constexpr core::EpochMillis kLease = 30000;

}  // namespace

BOOST_AUTO_TEST_CASE(lease_returns_due_pending_rows_oldest_first_within_limit_skipping_excluded_departments) {
    auto store = migratedEmptyStore();
    saveWithDispatches(*store, "PKG-LEASE",
                       {
                           {"m-done", "P01", "SAMR", "SUBMIT", 10},
                           {"m-b", "P01", "SAMR", "SUBMIT", 200},
                           {"m-a", "P01", "SAMR", "SUBMIT", 200},
                           {"m-first", "P03", "MSA", "SUBMIT", 100},
                           {"m-future", "P01", "SAMR", "SUBMIT", 5000},
                           {"m-paused", "P05", "MOT", "SUBMIT", 50},
                       });
    auto done = store->leaseDueDispatches("owner-1", 1000, kLease, 1, {"MOT"});
    BOOST_REQUIRE(done.size() == 1u);
    BOOST_TEST(done[0].messageId == "m-done");
    BOOST_TEST(store->completeDispatch("m-done", "owner-1", 1000, attemptAt(1000, "ACKNOWLEDGED"), {}));

    auto first = store->leaseDueDispatches("owner-1", 1000, kLease, 2, {"MOT", "CCS"});
    BOOST_TEST(idsOf(first) == (std::vector<std::string>{"m-first", "m-a"}), boost::test_tools::per_element());
    BOOST_REQUIRE(first.size() == 2u);
    BOOST_TEST(first[0].packageId == "PKG-LEASE");
    BOOST_TEST(first[0].permit == "P03");
    BOOST_TEST(first[0].department == "MSA");
    BOOST_TEST(first[0].kind == "SUBMIT");
    BOOST_TEST(first[0].attempts == 0);
    BOOST_TEST(first[0].dueAt == 100);
    BOOST_TEST(first[0].leaseUntil == 1000 + kLease);

    BOOST_TEST(idsOf(store->leaseDueDispatches("owner-1", 1000, kLease, 10, {"MOT"})) ==
                   (std::vector<std::string>{"m-b"}),
               boost::test_tools::per_element());
    BOOST_TEST(store->leaseDueDispatches("owner-1", 1000, kLease, 10, {"MOT"}).empty());
    BOOST_TEST(idsOf(store->leaseDueDispatches("owner-1", 1000, kLease, 10, {})) ==
                   (std::vector<std::string>{"m-paused"}),
               boost::test_tools::per_element());
    BOOST_TEST(store->leaseDueDispatches("owner-1", 4999, kLease, 10, {}).empty());
    BOOST_TEST(idsOf(store->leaseDueDispatches("owner-1", 5000, kLease, 10, {})) ==
                   (std::vector<std::string>{"m-future"}),
               boost::test_tools::per_element());
    BOOST_TEST(store->leaseDueDispatches("owner-1", 5000, kLease, 0, {}).empty());

    auto doneView = dispatchOf(*store, "PKG-LEASE", "m-done");
    BOOST_REQUIRE(doneView.has_value());
    BOOST_TEST(doneView->state == "DONE");
    BOOST_TEST(doneView->attempts == 1);
}

BOOST_AUTO_TEST_CASE(an_expired_lease_is_taken_over_and_the_old_owner_is_fenced_out) {
    auto store = migratedEmptyStore();
    saveWithDispatches(*store, "PKG-FENCE", {{"m-fence", "P01", "SAMR", "SUBMIT", 500}});
    const auto eventsBefore = store->eventsOf("PKG-FENCE").size();

    BOOST_TEST(store->leaseDueDispatches("owner-a", 1000, 1000, 10, {}).size() == 1u);
    BOOST_TEST(store->leaseDueDispatches("owner-b", 1999, 1000, 10, {}).empty());
    // Expired at 2000, even before anyone takes it over.
    BOOST_TEST(!store->completeDispatch("m-fence", "owner-a", 2000, attemptAt(1000, "ACKNOWLEDGED"), {}));

    auto takeover = store->leaseDueDispatches("owner-b", 2000, 1000, 10, {});
    BOOST_REQUIRE(takeover.size() == 1u);
    BOOST_TEST(takeover[0].leaseUntil == 3000);

    const std::vector<PermitTransition> submitted = {
        {"PKG-FENCE", "P01", core::PermitState::Queued, core::PermitState::Submitted, "R-A", "by a", 2100}};
    BOOST_TEST(!store->completeDispatch("m-fence", "owner-a", 2100, attemptAt(1000, "ACKNOWLEDGED"), submitted));
    BOOST_TEST(!store->retryDispatchLater("m-fence", "owner-a", 2100, attemptAt(1000, "RETRYABLE", 503), 9000));
    BOOST_TEST(!store->parkDispatch("m-fence", "owner-a", 2100, attemptAt(1000, "FAILED", 400), "INC-FENCE", "bad"));
    BOOST_TEST(!store->releaseDispatch("m-fence", "owner-a"));
    BOOST_TEST(!store->completeDispatch("m-unknown", "owner-b", 2100, attemptAt(1000, "ACKNOWLEDGED"), {}));

    auto view = dispatchOf(*store, "PKG-FENCE", "m-fence");
    BOOST_REQUIRE(view.has_value());
    BOOST_TEST(view->state == "PENDING");
    BOOST_TEST(view->attempts == 0);
    BOOST_TEST(view->dueAt == 500);
    BOOST_TEST(store->attemptsOf("m-fence").empty());
    BOOST_TEST(!incidentOf(*store, "INC-FENCE", false).has_value());
    BOOST_TEST(store->eventsOf("PKG-FENCE").size() == eventsBefore);
    auto package = store->findPackage("C-PKG-FENCE", "PKG-FENCE");
    BOOST_REQUIRE(package.has_value());
    BOOST_TEST((permitOf(*package, "P01").state == core::PermitState::Queued));
    BOOST_TEST(permitOf(*package, "P01").receiptNumber.empty());
    // Still owner-b's lease: nobody else gets the row.
    BOOST_TEST(store->leaseDueDispatches("owner-c", 2100, 1000, 10, {}).empty());

    // Release gives the row back at once, to anybody.
    BOOST_TEST(store->releaseDispatch("m-fence", "owner-b"));
    BOOST_TEST(!store->releaseDispatch("m-fence", "owner-b"));
    BOOST_TEST(store->leaseDueDispatches("owner-c", 2100, 1000, 10, {}).size() == 1u);
    BOOST_TEST(!store->completeDispatch("m-fence", "owner-b", 2200, attemptAt(2100, "ACKNOWLEDGED"), {}));
    BOOST_TEST(store->completeDispatch("m-fence", "owner-c", 2200, attemptAt(2100, "ACKNOWLEDGED"), submitted));
    BOOST_TEST(store->attemptsOf("m-fence").size() == 1u);
}

BOOST_AUTO_TEST_CASE(complete_applies_transitions_events_receipt_and_attempt_together) {
    auto store = migratedEmptyStore();
    saveWithDispatches(*store, "PKG-DONE", {{"m-done", "P01", "SAMR", "SUBMIT", 500}});
    const auto eventsBefore = store->eventsOf("PKG-DONE");
    BOOST_REQUIRE(store->leaseDueDispatches("owner", 1000, kLease, 10, {}).size() == 1u);

    const std::vector<PermitTransition> transitions = {
        {"PKG-DONE", "P01", core::PermitState::Queued, core::PermitState::Submitted, "SAMR-R-0001",
         "acknowledged by SAMR", 1100},
        {"PKG-DONE", "P03", core::PermitState::Waiting, core::PermitState::Queued, "", "P01 submitted", 1100},
    };
    const AttemptRecord attempt{7, 1000, 35, "ACKNOWLEDGED", 202, ""};
    BOOST_TEST(store->completeDispatch("m-done", "owner", 1100, attempt, transitions));

    auto package = store->findPackage("C-PKG-DONE", "PKG-DONE");
    BOOST_REQUIRE(package.has_value());
    BOOST_TEST((permitOf(*package, "P01").state == core::PermitState::Submitted));
    BOOST_TEST(permitOf(*package, "P01").receiptNumber == "SAMR-R-0001");
    BOOST_TEST(permitOf(*package, "P01").updatedAt == 1100);
    BOOST_TEST((permitOf(*package, "P03").state == core::PermitState::Queued));
    BOOST_TEST(permitOf(*package, "P03").receiptNumber.empty());
    BOOST_TEST(package->updatedAt == 1100);

    auto events = store->eventsOf("PKG-DONE");
    BOOST_REQUIRE(events.size() == eventsBefore.size() + 2);
    const auto& p01 = events[eventsBefore.size()];
    BOOST_TEST(p01.permit == "P01");
    BOOST_TEST(p01.type == "PERMIT_STATE");
    BOOST_TEST(p01.fromState == "QUEUED");
    BOOST_TEST(p01.toState == "SUBMITTED");
    BOOST_TEST(p01.detail == "acknowledged by SAMR");
    BOOST_TEST(p01.at == 1100);
    BOOST_TEST(events.back().permit == "P03");
    BOOST_TEST(events.back().fromState == "WAITING");
    BOOST_TEST(events.back().toState == "QUEUED");

    auto attempts = store->attemptsOf("m-done");
    BOOST_REQUIRE(attempts.size() == 1u);
    BOOST_TEST(attempts[0].messageId == "m-done");
    BOOST_TEST(attempts[0].record.attempt == 1);  // the store counts, not the caller
    BOOST_TEST(attempts[0].record.startedAt == 1000);
    BOOST_TEST(attempts[0].record.latencyMs == 35);
    BOOST_TEST(attempts[0].record.outcome == "ACKNOWLEDGED");
    BOOST_TEST(attempts[0].record.httpStatus == 202);
    BOOST_TEST(attempts[0].record.error.empty());

    auto view = dispatchOf(*store, "PKG-DONE", "m-done");
    BOOST_REQUIRE(view.has_value());
    BOOST_TEST(view->state == "DONE");
    BOOST_TEST(view->attempts == 1);
    BOOST_TEST(store->leaseDueDispatches("owner", 1000000, kLease, 10, {}).empty());
    BOOST_TEST(!store->completeDispatch("m-done", "owner", 1200, attempt, {}));
    BOOST_TEST(store->attemptsOf("m-done").size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_transition_from_the_wrong_state_throws_and_changes_nothing) {
    auto store = migratedEmptyStore();
    saveWithDispatches(*store, "PKG-WRONG", {{"m-wrong", "P01", "SAMR", "SUBMIT", 500}});
    const auto eventsBefore = store->eventsOf("PKG-WRONG").size();
    BOOST_REQUIRE(store->leaseDueDispatches("owner", 1000, kLease, 10, {}).size() == 1u);

    const std::vector<PermitTransition> transitions = {
        {"PKG-WRONG", "P01", core::PermitState::Queued, core::PermitState::Submitted, "R-1", "ok", 1100},
        {"PKG-WRONG", "P03", core::PermitState::Queued, core::PermitState::Submitted, "", "P03 is WAITING", 1100},
    };
    BOOST_CHECK_THROW(store->completeDispatch("m-wrong", "owner", 1100, attemptAt(1000, "ACKNOWLEDGED"), transitions),
                      StateConflict);

    auto package = store->findPackage("C-PKG-WRONG", "PKG-WRONG");
    BOOST_REQUIRE(package.has_value());
    BOOST_TEST((permitOf(*package, "P01").state == core::PermitState::Queued));
    BOOST_TEST(permitOf(*package, "P01").receiptNumber.empty());
    BOOST_TEST((permitOf(*package, "P03").state == core::PermitState::Waiting));
    BOOST_TEST(package->updatedAt == 500);
    BOOST_TEST(store->eventsOf("PKG-WRONG").size() == eventsBefore);
    BOOST_TEST(store->attemptsOf("m-wrong").empty());
    auto view = dispatchOf(*store, "PKG-WRONG", "m-wrong");
    BOOST_REQUIRE(view.has_value());
    BOOST_TEST(view->state == "PENDING");
    BOOST_TEST(view->attempts == 0);
    // Still leased by "owner", who can finish it properly.
    BOOST_TEST(store->leaseDueDispatches("other", 1100, kLease, 10, {}).empty());
    BOOST_TEST(store->completeDispatch("m-wrong", "owner", 1200, attemptAt(1000, "ACKNOWLEDGED"),
                                       {transitions.front()}));
}

BOOST_AUTO_TEST_CASE(retry_later_reschedules_clears_the_lease_and_counts_attempts) {
    auto store = migratedEmptyStore();
    saveWithDispatches(*store, "PKG-RETRY", {{"m-retry", "P01", "SAMR", "SUBMIT", 500}});
    BOOST_REQUIRE(store->leaseDueDispatches("owner", 1000, kLease, 10, {}).size() == 1u);
    BOOST_TEST(store->retryDispatchLater("m-retry", "owner", 1100, attemptAt(1000, "RETRYABLE", 503, "busy"), 5000));
    // The lease is gone with the retry.
    BOOST_TEST(!store->completeDispatch("m-retry", "owner", 1200, attemptAt(1000, "ACKNOWLEDGED"), {}));

    auto view = dispatchOf(*store, "PKG-RETRY", "m-retry");
    BOOST_REQUIRE(view.has_value());
    BOOST_TEST(view->state == "PENDING");
    BOOST_TEST(view->attempts == 1);
    BOOST_TEST(view->dueAt == 5000);

    BOOST_TEST(store->leaseDueDispatches("owner", 4999, kLease, 10, {}).empty());
    auto again = store->leaseDueDispatches("owner-2", 5000, kLease, 10, {});
    BOOST_REQUIRE(again.size() == 1u);
    BOOST_TEST(again[0].attempts == 1);
    BOOST_TEST(store->retryDispatchLater("m-retry", "owner-2", 5100, attemptAt(5000, "RETRYABLE", 0, "timeout"), 9000));

    auto attempts = store->attemptsOf("m-retry");
    BOOST_REQUIRE(attempts.size() == 2u);
    BOOST_TEST(attempts[0].record.attempt == 1);
    BOOST_TEST(attempts[0].record.httpStatus == 503);
    BOOST_TEST(attempts[0].record.error == "busy");
    BOOST_TEST(attempts[1].record.attempt == 2);
    BOOST_TEST(attempts[1].record.startedAt == 5000);
    BOOST_TEST(attempts[1].record.httpStatus == 0);
    BOOST_TEST(attempts[1].record.error == "timeout");
    BOOST_TEST(dispatchOf(*store, "PKG-RETRY", "m-retry")->attempts == 2);
}

BOOST_AUTO_TEST_CASE(a_parked_dispatch_is_an_open_incident_until_retried) {
    auto store = migratedEmptyStore();
    saveWithDispatches(*store, "PKG-PARK", {{"m-park", "P01", "SAMR", "SUBMIT", 500}});
    BOOST_REQUIRE(store->leaseDueDispatches("owner", 1000, kLease, 10, {}).size() == 1u);
    BOOST_TEST(store->parkDispatch("m-park", "owner", 1100, attemptAt(1000, "FAILED", 400, "schema"), "INC-PARK",
                                   "SAMR refused the request: schema"));
    BOOST_TEST(!store->parkDispatch("m-park", "owner", 1100, attemptAt(1000, "FAILED", 400), "INC-PARK-2", "again"));

    auto view = dispatchOf(*store, "PKG-PARK", "m-park");
    BOOST_REQUIRE(view.has_value());
    BOOST_TEST(view->state == "INCIDENT");
    BOOST_TEST(view->attempts == 1);
    BOOST_TEST(store->leaseDueDispatches("owner", 1000000, kLease, 10, {}).empty());
    BOOST_TEST(store->attemptsOf("m-park").size() == 1u);

    auto incident = incidentOf(*store, "INC-PARK", true);
    BOOST_REQUIRE(incident.has_value());
    BOOST_TEST(incident->messageId == "m-park");
    BOOST_TEST(incident->packageId == "PKG-PARK");
    BOOST_TEST(incident->permit == "P01");
    BOOST_TEST(incident->department == "SAMR");
    BOOST_TEST(incident->kind == "SUBMIT");
    BOOST_TEST(incident->reason == "SAMR refused the request: schema");
    BOOST_TEST(incident->state == "OPEN");
    BOOST_TEST(incident->note.empty());
    BOOST_TEST(incident->createdAt == 1100);
    BOOST_TEST(incident->closedAt == 0);

    BOOST_TEST(!store->retryIncident("INC-UNKNOWN", 9000, "no such", "admin:contract"));
    BOOST_TEST(store->retryIncident("INC-PARK", 9000, "schema fixed", "admin:contract"));
    BOOST_TEST(!incidentOf(*store, "INC-PARK", true).has_value());
    auto closed = incidentOf(*store, "INC-PARK", false);
    BOOST_REQUIRE(closed.has_value());
    BOOST_TEST(closed->state == "RETRIED");
    BOOST_TEST(closed->note == "schema fixed");
    BOOST_TEST(closed->closedAt == 9000);

    view = dispatchOf(*store, "PKG-PARK", "m-park");
    BOOST_TEST(view->state == "PENDING");
    BOOST_TEST(view->dueAt == 9000);
    BOOST_TEST(view->attempts == 1);
    BOOST_TEST(store->leaseDueDispatches("owner", 8999, kLease, 10, {}).empty());
    auto leased = store->leaseDueDispatches("owner", 9000, kLease, 10, {});
    BOOST_REQUIRE(leased.size() == 1u);
    BOOST_TEST(leased[0].attempts == 1);

    BOOST_TEST(!store->retryIncident("INC-PARK", 9100, "twice", "admin:contract"));
    BOOST_TEST(!store->cancelIncident("INC-PARK", 9100, "too late", "admin:contract"));
    BOOST_TEST(incidentOf(*store, "INC-PARK", false)->note == "schema fixed");
}

BOOST_AUTO_TEST_CASE(a_cancelled_incident_is_never_sent_and_incidents_list_newest_first) {
    auto store = migratedEmptyStore();
    saveWithDispatches(*store, "PKG-CANCEL",
                       {{"m-cancel-1", "P01", "SAMR", "SUBMIT", 500}, {"m-cancel-2", "P03", "MSA", "SUBMIT", 600}});
    BOOST_REQUIRE(store->leaseDueDispatches("owner", 1000, kLease, 10, {}).size() == 2u);
    BOOST_TEST(store->parkDispatch("m-cancel-1", "owner", 1100, attemptAt(1000, "FAILED"), "INC-OLD", "old"));
    BOOST_TEST(store->parkDispatch("m-cancel-2", "owner", 1200, attemptAt(1000, "INVALID_RENDER", 0), "INC-NEW", "new"));

    auto open = store->listIncidents(true);
    BOOST_REQUIRE(open.size() == 2u);
    BOOST_TEST(open[0].id == "INC-NEW");
    BOOST_TEST(open[1].id == "INC-OLD");

    BOOST_TEST(!store->cancelIncident("INC-UNKNOWN", 2000, "no such", "admin:contract"));
    BOOST_TEST(store->cancelIncident("INC-OLD", 2000, "withdrawn by the applicant", "admin:contract"));
    auto view = dispatchOf(*store, "PKG-CANCEL", "m-cancel-1");
    BOOST_REQUIRE(view.has_value());
    BOOST_TEST(view->state == "CANCELLED");
    BOOST_TEST(store->leaseDueDispatches("owner", 1000000, kLease, 10, {}).empty());
    BOOST_TEST(!store->cancelIncident("INC-OLD", 2100, "twice", "admin:contract"));
    BOOST_TEST(!store->retryIncident("INC-OLD", 2100, "revive", "admin:contract"));
    BOOST_TEST(dispatchOf(*store, "PKG-CANCEL", "m-cancel-1")->state == "CANCELLED");

    open = store->listIncidents(true);
    BOOST_REQUIRE(open.size() == 1u);
    BOOST_TEST(open[0].id == "INC-NEW");
    auto all = store->listIncidents(false);
    BOOST_REQUIRE(all.size() == 2u);
    BOOST_TEST(all[0].id == "INC-NEW");
    BOOST_TEST(all[1].id == "INC-OLD");
    BOOST_TEST(all[1].state == "CANCELLED");
    BOOST_TEST(all[1].note == "withdrawn by the applicant");
    BOOST_TEST(all[1].closedAt == 2000);
}

BOOST_AUTO_TEST_CASE(concurrent_owners_lease_every_row_exactly_once) {
    auto opener = backend().emptyDatabase();
    {
        auto store = opener();
        store->migrate();
        std::vector<NewDispatch> dispatches;
        const char* departments[] = {"SAMR", "MOT", "MSA", "CUSTOMS", "CCS"};
        for (int i = 0; i < 200; ++i) {
            char id[32];
            std::snprintf(id, sizeof id, "m-conc-%03d", i);
            dispatches.push_back({id, "P01", departments[i % 5], "SUBMIT", 100 + i % 7});
        }
        saveWithDispatches(*store, "PKG-CONC-LEASE", dispatches);
    }
    // Two stores (like two hub processes), each shared by two owners (like
    // two dispatcher threads): exercises the database's row locking across
    // stores and the store's own serialisation within one.
    constexpr int kOwners = 4;
    std::vector<std::unique_ptr<Store>> stores;
    for (int i = 0; i < 2; ++i) stores.push_back(opener());
    std::latch start(kOwners);
    std::mutex seenMutex;
    std::map<std::string, int> leasedCount;
    std::map<std::string, int> completedCount;
    std::atomic<int> failures = 0;
    std::vector<std::thread> threads;
    for (int t = 0; t < kOwners; ++t) {
        threads.emplace_back([&, t] {
            const std::string owner = "owner-" + std::to_string(t);
            Store& store = *stores[t % 2];
            start.arrive_and_wait();
            try {
                for (int round = 0; round < 200; ++round) {
                    auto leased = store.leaseDueDispatches(owner, 1000, kLease, 10, {});
                    if (leased.empty()) break;
                    for (const auto& dispatch : leased) {
                        bool completed = store.completeDispatch(dispatch.messageId, owner, 1001,
                                                                attemptAt(1000, "ACKNOWLEDGED"), {});
                        std::lock_guard lock(seenMutex);
                        ++leasedCount[dispatch.messageId];
                        if (completed) ++completedCount[dispatch.messageId];
                    }
                }
            } catch (const std::exception& error) {
                ++failures;
                BOOST_TEST_MESSAGE(owner << " failed: " << error.what());
            }
        });
    }
    for (auto& thread : threads) thread.join();
    BOOST_TEST(failures.load() == 0);
    BOOST_TEST(leasedCount.size() == 200u);
    BOOST_TEST(completedCount.size() == 200u);
    int duplicates = 0;
    for (const auto& [id, count] : leasedCount) duplicates += count != 1 ? 1 : 0;
    for (const auto& [id, count] : completedCount) duplicates += count != 1 ? 1 : 0;
    BOOST_TEST(duplicates == 0);
    int done = 0;
    for (const auto& dispatch : stores[0]->dispatchesOf("PKG-CONC-LEASE")) {
        done += dispatch.state == "DONE" && dispatch.attempts == 1 ? 1 : 0;
    }
    BOOST_TEST(done == 200);
}

// ---- Follow-ups of a completed dispatch: certificates, further calls and the
// package state, all in the completion's transaction.

namespace {

CertificateRecord sampleCertificate(const std::string& packageId, const std::string& permit,
                                    core::EpochMillis recordedAt) {
    CertificateRecord certificate;
    certificate.packageId = packageId;
    certificate.permit = permit;
    certificate.department = "SAMR";
    certificate.number = "CERT-" + permit + "-\xE4\xB8\xAD";  // 中
    certificate.issuedOn = "2026-11-27";
    certificate.validUntil = "2031-11-26";
    certificate.outputs = {
        {"unifiedSocialCreditCode", "91310000MA1FL0000X"},
        {"businessScope", "international ship management"},
        {"registeredName", "\xE4\xB8\x8A\xE6\xB5\xB7\xE8\x88\xAA\xE8\xBF\x90"},  // 上海航运
        {"businessScope", "ship agency"},
        {"emptyValue", ""},
    };
    certificate.documentSha256 = std::string(64, 'c');
    certificate.recordedAt = recordedAt;
    return certificate;
}

void checkSameCertificate(const CertificateRecord& actual, const CertificateRecord& expected) {
    BOOST_TEST(actual.packageId == expected.packageId);
    BOOST_TEST(actual.permit == expected.permit);
    BOOST_TEST(actual.department == expected.department);
    BOOST_TEST(actual.number == expected.number);
    BOOST_TEST(actual.issuedOn == expected.issuedOn);
    BOOST_TEST(actual.validUntil == expected.validUntil);
    BOOST_TEST(actual.documentSha256 == expected.documentSha256);
    BOOST_TEST(actual.recordedAt == expected.recordedAt);
    BOOST_REQUIRE(actual.outputs.size() == expected.outputs.size());
    for (std::size_t i = 0; i < expected.outputs.size(); ++i) {
        BOOST_TEST(actual.outputs[i].first == expected.outputs[i].first);
        BOOST_TEST(actual.outputs[i].second == expected.outputs[i].second);
    }
}

}  // namespace

BOOST_AUTO_TEST_CASE(complete_with_follow_ups_records_certificate_queues_calls_and_moves_the_package) {
    auto store = migratedEmptyStore();
    saveWithDispatches(*store, "PKG-FOLLOW", {{"m-follow", "P01", "SAMR", "SUBMIT", 500}});
    const auto eventsBefore = store->eventsOf("PKG-FOLLOW").size();
    BOOST_REQUIRE(store->leaseDueDispatches("owner", 1000, kLease, 10, {}).size() == 1u);

    const std::vector<PermitTransition> transitions = {
        {"PKG-FOLLOW", "P01", core::PermitState::Queued, core::PermitState::Issued, "SAMR-R-1", "issued", 1100},
        {"PKG-FOLLOW", "P03", core::PermitState::Waiting, core::PermitState::Queued, "", "P01 issued", 1100},
    };
    FollowUps followUps;
    followUps.certificate = sampleCertificate("PKG-FOLLOW", "P01", 1100);
    followUps.dispatches = {
        {"m-follow-p03", "P03", "MSA", "SUBMIT", 0},
        {"m-follow-p05", "P05", "MOT", "SUBMIT", 1500},
    };
    followUps.packageState = core::PackageState::InProgress;
    BOOST_TEST(store->completeDispatch("m-follow", "owner", 1100, attemptAt(1000, "DECIDED"), transitions,
                                       followUps));

    auto certificates = store->certificatesOf("PKG-FOLLOW");
    BOOST_REQUIRE(certificates.size() == 1u);
    checkSameCertificate(certificates[0], *followUps.certificate);

    auto p03 = dispatchOf(*store, "PKG-FOLLOW", "m-follow-p03");
    BOOST_REQUIRE(p03.has_value());
    BOOST_TEST(p03->permit == "P03");
    BOOST_TEST(p03->department == "MSA");
    BOOST_TEST(p03->kind == "SUBMIT");
    BOOST_TEST(p03->state == "PENDING");
    BOOST_TEST(p03->attempts == 0);
    BOOST_TEST(p03->dueAt == 1100);  // dueAt 0: due at once
    auto p05 = dispatchOf(*store, "PKG-FOLLOW", "m-follow-p05");
    BOOST_REQUIRE(p05.has_value());
    BOOST_TEST(p05->state == "PENDING");
    BOOST_TEST(p05->dueAt == 1500);
    BOOST_TEST(dispatchOf(*store, "PKG-FOLLOW", "m-follow")->state == "DONE");

    auto dueNow = store->leaseDueDispatches("owner", 1100, kLease, 10, {});
    BOOST_TEST(idsOf(dueNow) == (std::vector<std::string>{"m-follow-p03"}), boost::test_tools::per_element());
    BOOST_REQUIRE(dueNow.size() == 1u);
    BOOST_TEST(dueNow[0].packageId == "PKG-FOLLOW");
    BOOST_TEST(idsOf(store->leaseDueDispatches("owner", 1500, kLease, 10, {})) ==
                   (std::vector<std::string>{"m-follow-p05"}),
               boost::test_tools::per_element());

    auto package = store->findPackage("C-PKG-FOLLOW", "PKG-FOLLOW");
    BOOST_REQUIRE(package.has_value());
    BOOST_TEST((package->state == core::PackageState::InProgress));
    BOOST_TEST(package->updatedAt == 1100);
    BOOST_TEST((permitOf(*package, "P01").state == core::PermitState::Issued));
    BOOST_TEST((permitOf(*package, "P03").state == core::PermitState::Queued));

    auto events = store->eventsOf("PKG-FOLLOW");
    BOOST_REQUIRE(events.size() == eventsBefore + 3);
    const auto& changed = events.back();
    BOOST_TEST(changed.permit.empty());
    BOOST_TEST(changed.type == "PACKAGE_STATE");
    BOOST_TEST(changed.fromState == "RECEIVED");
    BOOST_TEST(changed.toState == "IN_PROGRESS");
    BOOST_TEST(changed.detail.empty());
    BOOST_TEST(changed.at == 1100);
}

BOOST_AUTO_TEST_CASE(an_unchanged_package_state_adds_no_event_and_certificates_list_in_recorded_order_also_for_dispatch) {
    auto store = migratedEmptyStore();
    saveWithDispatches(*store, "PKG-SAME",
                       {{"m-same-1", "P01", "SAMR", "SUBMIT", 500}, {"m-same-2", "P03", "MSA", "SUBMIT", 600}});
    const auto eventsBefore = store->eventsOf("PKG-SAME").size();
    BOOST_REQUIRE(store->leaseDueDispatches("owner", 1000, kLease, 10, {}).size() == 2u);

    FollowUps first;
    first.certificate = sampleCertificate("PKG-SAME", "P01", 2000);
    first.packageState = core::PackageState::Received;
    BOOST_TEST(store->completeDispatch("m-same-1", "owner", 1100, attemptAt(1000, "DECIDED"), {}, first));
    FollowUps second;
    second.certificate = sampleCertificate("PKG-SAME", "P03", 1500);
    second.certificate->outputs.clear();
    second.certificate->validUntil.clear();
    second.packageState = core::PackageState::Received;
    BOOST_TEST(store->completeDispatch("m-same-2", "owner", 1200, attemptAt(1000, "DECIDED"), {}, second));

    BOOST_TEST(store->eventsOf("PKG-SAME").size() == eventsBefore);
    auto package = store->findPackage("C-PKG-SAME", "PKG-SAME");
    BOOST_REQUIRE(package.has_value());
    BOOST_TEST((package->state == core::PackageState::Received));
    BOOST_TEST(package->updatedAt == 500);

    auto certificates = store->certificatesOf("PKG-SAME");
    BOOST_REQUIRE(certificates.size() == 2u);
    checkSameCertificate(certificates[0], *second.certificate);
    checkSameCertificate(certificates[1], *first.certificate);
    BOOST_TEST(store->certificatesOf("PKG-NOT-THERE").empty());

    // The dispatcher's read: the same package, original bytes and certificates.
    auto context = store->dispatchContext("PKG-SAME");
    BOOST_REQUIRE(context.has_value());
    BOOST_TEST(context->package.id == "PKG-SAME");
    BOOST_TEST(context->package.version == package->version);
    BOOST_REQUIRE(context->package.permits.size() == package->permits.size());
    for (std::size_t i = 0; i < package->permits.size(); ++i)
        BOOST_TEST(context->package.permits[i].permit == package->permits[i].permit);
    BOOST_TEST(context->originalXml == store->originalXml("PKG-SAME").value());
    BOOST_REQUIRE(context->certificates.size() == 2u);
    checkSameCertificate(context->certificates[0], *second.certificate);
    checkSameCertificate(context->certificates[1], *first.certificate);
    BOOST_TEST(!store->dispatchContext("PKG-NOT-THERE").has_value());
}

BOOST_AUTO_TEST_CASE(a_duplicate_certificate_throws_and_nothing_of_the_call_is_applied) {
    auto store = migratedEmptyStore();
    saveWithDispatches(*store, "PKG-DUPCERT",
                       {{"m-dup-1", "P01", "SAMR", "SUBMIT", 500}, {"m-dup-2", "P01", "SAMR", "SUBMIT", 600}});
    BOOST_REQUIRE(store->leaseDueDispatches("owner", 1000, kLease, 10, {}).size() == 2u);
    FollowUps first;
    first.certificate = sampleCertificate("PKG-DUPCERT", "P01", 1100);
    BOOST_TEST(store->completeDispatch("m-dup-1", "owner", 1100, attemptAt(1000, "DECIDED"), {}, first));
    const auto eventsBefore = store->eventsOf("PKG-DUPCERT").size();
    const auto dispatchesBefore = store->dispatchesOf("PKG-DUPCERT").size();

    const std::vector<PermitTransition> transitions = {
        {"PKG-DUPCERT", "P03", core::PermitState::Waiting, core::PermitState::Queued, "", "P01 issued", 1200}};
    FollowUps again;
    again.certificate = sampleCertificate("PKG-DUPCERT", "P01", 1200);
    again.certificate->number = "CERT-OTHER";
    again.dispatches = {{"m-dup-p03", "P03", "MSA", "SUBMIT", 0}};
    again.packageState = core::PackageState::InProgress;
    BOOST_CHECK_THROW(
        store->completeDispatch("m-dup-2", "owner", 1200, attemptAt(1000, "DECIDED"), transitions, again),
        StoreError);

    auto view = dispatchOf(*store, "PKG-DUPCERT", "m-dup-2");
    BOOST_REQUIRE(view.has_value());
    BOOST_TEST(view->state == "PENDING");
    BOOST_TEST(view->attempts == 0);
    BOOST_TEST(store->attemptsOf("m-dup-2").empty());
    BOOST_TEST(!dispatchOf(*store, "PKG-DUPCERT", "m-dup-p03").has_value());
    BOOST_TEST(store->dispatchesOf("PKG-DUPCERT").size() == dispatchesBefore);
    BOOST_TEST(store->eventsOf("PKG-DUPCERT").size() == eventsBefore);
    auto package = store->findPackage("C-PKG-DUPCERT", "PKG-DUPCERT");
    BOOST_REQUIRE(package.has_value());
    BOOST_TEST((package->state == core::PackageState::Received));
    BOOST_TEST(package->updatedAt == 500);
    BOOST_TEST((permitOf(*package, "P03").state == core::PermitState::Waiting));
    auto certificates = store->certificatesOf("PKG-DUPCERT");
    BOOST_REQUIRE(certificates.size() == 1u);
    checkSameCertificate(certificates[0], *first.certificate);

    // Still leased by "owner", who can finish it without the duplicate.
    BOOST_TEST(store->leaseDueDispatches("other", 1200, kLease, 10, {}).empty());
    again.certificate.reset();
    BOOST_TEST(store->completeDispatch("m-dup-2", "owner", 1200, attemptAt(1000, "DECIDED"), transitions, again));
    BOOST_TEST(dispatchOf(*store, "PKG-DUPCERT", "m-dup-p03").has_value());
    BOOST_TEST((store->findPackage("C-PKG-DUPCERT", "PKG-DUPCERT")->state == core::PackageState::InProgress));
}

BOOST_AUTO_TEST_CASE(a_fenced_out_owner_writes_no_follow_ups) {
    auto store = migratedEmptyStore();
    saveWithDispatches(*store, "PKG-FENCED", {{"m-fenced", "P01", "SAMR", "SUBMIT", 500}});
    const auto eventsBefore = store->eventsOf("PKG-FENCED").size();
    BOOST_REQUIRE(store->leaseDueDispatches("owner-a", 1000, 1000, 10, {}).size() == 1u);

    FollowUps followUps;
    followUps.certificate = sampleCertificate("PKG-FENCED", "P01", 2000);
    followUps.dispatches = {{"m-fenced-p03", "P03", "MSA", "SUBMIT", 0}};
    followUps.packageState = core::PackageState::InProgress;
    BOOST_TEST(!store->completeDispatch("m-fenced", "owner-a", 2000, attemptAt(1000, "DECIDED"), {}, followUps));
    BOOST_TEST(!store->completeDispatch("m-fenced", "owner-b", 1500, attemptAt(1000, "DECIDED"), {}, followUps));

    BOOST_TEST(store->certificatesOf("PKG-FENCED").empty());
    BOOST_TEST(!dispatchOf(*store, "PKG-FENCED", "m-fenced-p03").has_value());
    BOOST_TEST(store->dispatchesOf("PKG-FENCED").size() == 1u);
    BOOST_TEST(store->eventsOf("PKG-FENCED").size() == eventsBefore);
    BOOST_TEST(store->attemptsOf("m-fenced").empty());
    auto package = store->findPackage("C-PKG-FENCED", "PKG-FENCED");
    BOOST_REQUIRE(package.has_value());
    BOOST_TEST((package->state == core::PackageState::Received));
    BOOST_TEST(package->updatedAt == 500);
}

BOOST_AUTO_TEST_CASE(permits_of_any_company_are_listed_by_permit_id) {
    auto store = migratedEmptyStore();
    saveWithDispatches(*store, "PKG-PERMITS", {});
    auto permits = store->permitsOf("PKG-PERMITS");
    BOOST_REQUIRE(permits.size() == 2u);
    BOOST_TEST(permits[0].permit == "P01");
    BOOST_TEST(permits[0].department == "SAMR");
    BOOST_TEST((permits[0].state == core::PermitState::Queued));
    BOOST_TEST(permits[0].requestedByApplicant);
    BOOST_TEST(permits[0].receiptNumber.empty());
    BOOST_TEST(permits[0].updatedAt == 500);
    BOOST_TEST(permits[1].permit == "P03");
    BOOST_TEST(permits[1].department == "MSA");
    BOOST_TEST((permits[1].state == core::PermitState::Waiting));
    BOOST_TEST(!permits[1].requestedByApplicant);
    BOOST_TEST(store->permitsOf("PKG-NOT-THERE").empty());
}

// ---- Permit tracking: payloads, clock facts, readiness, transitions outside
// the outbox, inbound messages.

namespace {

core::PermitClockFacts sampleClock() {
    core::PermitClockFacts clock;
    clock.submittedAt = 1100;
    clock.acceptedAt = 1200;
    clock.deemedAccepted = true;
    clock.suspendedAt = 1300;
    clock.pausedWorkingDays = 3;
    clock.extensionWorkingDays = 10;
    clock.decidedAt = 1400;
    clock.overdueSince = 1500;
    return clock;
}

PermitTransition transitionOf(const std::string& packageId, const std::string& permit, core::PermitState from,
                              core::PermitState to, core::EpochMillis at, const std::string& receipt = "") {
    PermitTransition transition;
    transition.packageId = packageId;
    transition.permit = permit;
    transition.from = from;
    transition.to = to;
    transition.receiptNumber = receipt;
    transition.detail = "to " + std::string(core::toString(to));
    transition.at = at;
    return transition;
}

// A package of company "C-<id>" received at `receivedAt`: P01 QUEUED (SAMR),
// P03 WAITING (MSA), no dispatches.
void savePlain(Store& store, const std::string& packageId, core::EpochMillis receivedAt) {
    NewPackage package = samplePackage(packageId, "C-" + packageId, receivedAt);
    package.dispatches.clear();
    store.savePackage(package, nullptr);
}

InboundRecord sampleInbound(const std::string& packageId, const std::string& messageId) {
    return InboundRecord{"SAMR", messageId, packageId, "P01", std::string(64, 'd'),
                         "APPLIED", "SUBMITTED", "acknowledged \xE4\xB8\xAD", 1700};
}

}  // namespace

BOOST_AUTO_TEST_CASE(dispatch_payloads_round_trip_through_the_lease) {
    auto store = migratedEmptyStore();
    NewDispatch withBytes{"m-payload-bytes", "P01", "SAMR", "CORRECTION", 100, everyByte()};
    NewDispatch interval{"m-payload-poll", "P01", "SAMR", "STATUS_QUERY", 200, "3600000"};
    NewDispatch empty{"m-payload-none", "P03", "MSA", "SUBMIT", 300, ""};
    saveWithDispatches(*store, "PKG-PAYLOAD", {withBytes, interval, empty});

    FollowUps followUps;
    followUps.dispatches = {{"m-payload-follow", "P01", "SAMR", "CORRECTION", 400, "<supplement>\xE4\xB8\xAD</supplement>"}};
    store->applyTransitions("PKG-PAYLOAD", 400, {}, followUps);

    auto leased = store->leaseDueDispatches("owner", 1000, kLease, 10, {});
    BOOST_REQUIRE(leased.size() == 4u);
    BOOST_TEST(leased[0].messageId == "m-payload-bytes");
    BOOST_TEST(leased[0].payload.size() == withBytes.payload.size());
    BOOST_TEST((leased[0].payload == withBytes.payload));
    BOOST_TEST(leased[1].payload == "3600000");
    BOOST_TEST(leased[2].payload.empty());
    BOOST_TEST(leased[3].messageId == "m-payload-follow");
    BOOST_TEST(leased[3].payload == followUps.dispatches[0].payload);
}

BOOST_AUTO_TEST_CASE(calls_are_unsettled_while_leased_or_awaiting_a_retry_and_settled_once_done) {
    auto store = migratedEmptyStore();
    saveWithDispatches(*store, "PKG-UNSETTLED", {{"m-unsettled", "P01", "SAMR", "SUBMIT", 500},
                                                 {"m-query", "P03", "MSA", "STATUS_QUERY", 500}});
    // Never tried: the department cannot know of it yet.
    BOOST_TEST(!store->hasUnsettledCalls("SAMR"));
    BOOST_REQUIRE(store->leaseDueDispatches("owner", 1000, kLease, 10, {}).size() == 2u);
    BOOST_TEST(store->hasUnsettledCalls("SAMR"));
    BOOST_TEST(!store->hasUnsettledCalls("MSA"));  // a status query gives no receipt
    BOOST_TEST(store->retryDispatchLater("m-unsettled", "owner", 1100, attemptAt(1000, "RETRYABLE", 0, "timeout"), 5000));
    BOOST_TEST(store->hasUnsettledCalls("SAMR"));
    BOOST_REQUIRE(store->leaseDueDispatches("owner", 5000, kLease, 10, {}).size() == 1u);
    BOOST_TEST(store->completeDispatch("m-unsettled", "owner", 5100, attemptAt(5000, "ACKNOWLEDGED"), {}));
    BOOST_TEST(!store->hasUnsettledCalls("SAMR"));
}

BOOST_AUTO_TEST_CASE(department_pauses_are_shared_and_keep_their_first_time) {
    auto store = migratedEmptyStore();
    BOOST_TEST(store->pausedDepartments().empty());
    store->setDepartmentPaused("MSA", true, "maintenance", 1000, "admin:contract");
    store->setDepartmentPaused("CCS", true, "outage", 1500, "admin:contract");
    store->setDepartmentPaused("MSA", true, "still maintenance", 2000, "admin:contract");
    auto paused = store->pausedDepartments();
    BOOST_REQUIRE(paused.size() == 2u);
    BOOST_TEST(paused[0].department == "CCS");
    BOOST_TEST(paused[1].department == "MSA");
    BOOST_TEST(paused[1].pausedAt == 1000);
    BOOST_TEST(paused[1].note == "still maintenance");
    store->setDepartmentPaused("MSA", false, "", 3000, "admin:contract");
    store->setDepartmentPaused("MOT", false, "", 3000, "admin:contract");  // not paused: nothing happens
    paused = store->pausedDepartments();
    BOOST_REQUIRE(paused.size() == 1u);
    BOOST_TEST(paused[0].department == "CCS");
}

BOOST_AUTO_TEST_CASE(clock_facts_round_trip_and_ready_at_is_set_on_ready_to_operate) {
    auto store = migratedEmptyStore();
    savePlain(*store, "PKG-CLOCK", 500);
    BOOST_TEST(!store->packageById("PKG-NOT-THERE").has_value());
    auto before = store->packageById("PKG-CLOCK");
    BOOST_REQUIRE(before.has_value());
    BOOST_TEST(before->readyAt == 0);
    BOOST_TEST((permitOf(*before, "P01").clock == core::PermitClockFacts{}));

    auto submitted = transitionOf("PKG-CLOCK", "P01", core::PermitState::Queued, core::PermitState::Issued, 1400,
                                  "SAMR-R-CLOCK");
    submitted.clock = sampleClock();
    FollowUps followUps;
    followUps.packageState = core::PackageState::ReadyToOperate;
    store->applyTransitions("PKG-CLOCK", 2000, {submitted}, followUps);

    auto found = store->findPackage("C-PKG-CLOCK", "PKG-CLOCK");
    BOOST_REQUIRE(found.has_value());
    BOOST_TEST((permitOf(*found, "P01").clock == sampleClock()));
    BOOST_TEST((permitOf(*found, "P03").clock == core::PermitClockFacts{}));
    BOOST_TEST(found->readyAt == 2000);
    BOOST_TEST((found->state == core::PackageState::ReadyToOperate));

    auto permits = store->permitsOf("PKG-CLOCK");
    BOOST_REQUIRE(permits.size() == 2u);
    BOOST_TEST((permits[0].clock == sampleClock()));
    BOOST_TEST(permits[0].clock.deemedAccepted);
    BOOST_TEST(permits[0].clock.pausedWorkingDays == 3);
    BOOST_TEST(permits[0].clock.extensionWorkingDays == 10);

    auto byId = store->packageById("PKG-CLOCK");
    BOOST_REQUIRE(byId.has_value());
    BOOST_TEST(byId->companyId == "C-PKG-CLOCK");
    BOOST_TEST((byId->state == core::PackageState::ReadyToOperate));
    BOOST_TEST(byId->readyAt == 2000);
    BOOST_REQUIRE(byId->permits.size() == 2u);
    BOOST_TEST((permitOf(*byId, "P01").clock == sampleClock()));
    BOOST_TEST(permitOf(*byId, "P01").receiptNumber == "SAMR-R-CLOCK");

    // Without `clock` a transition keeps the facts; readyAt stays once set.
    FollowUps later;
    later.packageState = core::PackageState::PartiallyFailed;
    store->applyTransitions("PKG-CLOCK", 3000,
                            {transitionOf("PKG-CLOCK", "P03", core::PermitState::Waiting, core::PermitState::Blocked,
                                          3000)},
                            later);
    auto after = store->packageById("PKG-CLOCK");
    BOOST_REQUIRE(after.has_value());
    BOOST_TEST((permitOf(*after, "P01").clock == sampleClock()));
    BOOST_TEST((permitOf(*after, "P03").state == core::PermitState::Blocked));
    BOOST_TEST((after->state == core::PackageState::PartiallyFailed));
    BOOST_TEST(after->readyAt == 2000);
}

BOOST_AUTO_TEST_CASE(a_transition_to_the_same_state_keeps_it_and_writes_its_own_event_type) {
    auto store = migratedEmptyStore();
    savePlain(*store, "PKG-SAMESTATE", 500);
    const auto eventsBefore = store->eventsOf("PKG-SAMESTATE").size();

    auto missed = transitionOf("PKG-SAMESTATE", "P01", core::PermitState::Queued, core::PermitState::Queued, 1500,
                               "R-SAME");
    missed.eventType = "DEADLINE_MISSED";
    missed.detail = "decision overdue";
    core::PermitClockFacts clock;
    clock.overdueSince = 1500;
    missed.clock = clock;
    store->applyTransitions("PKG-SAMESTATE", 1500, {missed}, {});
    // The very same call again changes no value: still no conflict.
    store->applyTransitions("PKG-SAMESTATE", 1500, {missed}, {});

    auto package = store->findPackage("C-PKG-SAMESTATE", "PKG-SAMESTATE");
    BOOST_REQUIRE(package.has_value());
    BOOST_TEST((permitOf(*package, "P01").state == core::PermitState::Queued));
    BOOST_TEST(permitOf(*package, "P01").receiptNumber == "R-SAME");
    BOOST_TEST(permitOf(*package, "P01").clock.overdueSince == 1500);
    BOOST_TEST(permitOf(*package, "P01").updatedAt == 1500);

    auto events = store->eventsOf("PKG-SAMESTATE");
    BOOST_REQUIRE(events.size() == eventsBefore + 2);
    const auto& event = events.back();
    BOOST_TEST(event.permit == "P01");
    BOOST_TEST(event.type == "DEADLINE_MISSED");
    BOOST_TEST(event.fromState == "QUEUED");
    BOOST_TEST(event.toState == "QUEUED");
    BOOST_TEST(event.detail == "decision overdue");
    BOOST_TEST(event.at == 1500);
    // The default type is PERMIT_STATE.
    store->applyTransitions(
        "PKG-SAMESTATE", 1600,
        {transitionOf("PKG-SAMESTATE", "P03", core::PermitState::Waiting, core::PermitState::Queued, 1600)}, {});
    BOOST_TEST(store->eventsOf("PKG-SAMESTATE").back().type == "PERMIT_STATE");
}

BOOST_AUTO_TEST_CASE(a_state_conflict_in_apply_transitions_writes_nothing) {
    auto store = migratedEmptyStore();
    saveWithDispatches(*store, "PKG-CONFLICT", {{"m-conflict", "P01", "SAMR", "SUBMIT", 500}});
    const auto eventsBefore = store->eventsOf("PKG-CONFLICT").size();

    auto first = transitionOf("PKG-CONFLICT", "P01", core::PermitState::Queued, core::PermitState::Withdrawn, 1100,
                              "R-C");
    first.clock = sampleClock();
    const std::vector<PermitTransition> transitions = {
        first,
        transitionOf("PKG-CONFLICT", "P03", core::PermitState::Queued, core::PermitState::Withdrawn, 1100),
    };
    FollowUps followUps;
    followUps.cancelPendingDispatches = true;
    followUps.dispatches = {{"m-conflict-cancel", "P01", "SAMR", "CANCEL", 0}};
    followUps.packageState = core::PackageState::Withdrawn;
    BOOST_CHECK_THROW(store->applyTransitions("PKG-CONFLICT", 1100, transitions, followUps), StateConflict);

    auto package = store->packageById("PKG-CONFLICT");
    BOOST_REQUIRE(package.has_value());
    BOOST_TEST((package->state == core::PackageState::Received));
    BOOST_TEST(package->updatedAt == 500);
    BOOST_TEST((permitOf(*package, "P01").state == core::PermitState::Queued));
    BOOST_TEST(permitOf(*package, "P01").receiptNumber.empty());
    BOOST_TEST((permitOf(*package, "P01").clock == core::PermitClockFacts{}));
    BOOST_TEST((permitOf(*package, "P03").state == core::PermitState::Waiting));
    BOOST_TEST(store->eventsOf("PKG-CONFLICT").size() == eventsBefore);
    auto dispatches = store->dispatchesOf("PKG-CONFLICT");
    BOOST_REQUIRE(dispatches.size() == 1u);
    BOOST_TEST(dispatches[0].state == "PENDING");

    // An unknown permit is no conflict but a StoreError.
    bool conflict = false;
    bool failed = false;
    try {
        store->applyTransitions(
            "PKG-CONFLICT", 1100,
            {transitionOf("PKG-CONFLICT", "P09", core::PermitState::Queued, core::PermitState::Submitted, 1100)}, {});
    } catch (const StateConflict&) {
        conflict = true;
    } catch (const StoreError&) {
        failed = true;
    }
    BOOST_TEST(!conflict);
    BOOST_TEST(failed);
    BOOST_TEST(store->eventsOf("PKG-CONFLICT").size() == eventsBefore);
}

BOOST_AUTO_TEST_CASE(cancelling_pending_dispatches_spares_live_leases_and_the_new_follow_ups) {
    auto store = migratedEmptyStore();
    saveWithDispatches(*store, "PKG-WITHDRAW",
                       {
                           {"m-w-done", "P01", "SAMR", "SUBMIT", 100},
                           {"m-w-expired", "P01", "SAMR", "STATUS_QUERY", 200, "60000"},
                           {"m-w-live", "P03", "MSA", "SUBMIT", 300},
                           {"m-w-pending", "P01", "SAMR", "CORRECTION", 400, "<x/>"},
                           {"m-w-future", "P01", "SAMR", "STATUS_QUERY", 99999},
                       });
    saveWithDispatches(*store, "PKG-BYSTANDER", {{"m-bystander", "P01", "SAMR", "SUBMIT", 450}});
    BOOST_REQUIRE(idsOf(store->leaseDueDispatches("owner-x", 1000, 1000, 1, {})) ==
                  (std::vector<std::string>{"m-w-done"}));
    BOOST_REQUIRE(store->completeDispatch("m-w-done", "owner-x", 1000, attemptAt(1000, "ACKNOWLEDGED"), {}));
    BOOST_REQUIRE(idsOf(store->leaseDueDispatches("owner-x", 1000, 1000, 1, {})) ==
                  (std::vector<std::string>{"m-w-expired"}));  // until 2000
    BOOST_REQUIRE(idsOf(store->leaseDueDispatches("owner-y", 1000, kLease, 1, {})) ==
                  (std::vector<std::string>{"m-w-live"}));  // until 31000

    FollowUps followUps;
    followUps.cancelPendingDispatches = true;
    followUps.dispatches = {{"m-w-cancel", "P01", "SAMR", "CANCEL", 0}};
    followUps.packageState = core::PackageState::Withdrawn;
    store->applyTransitions(
        "PKG-WITHDRAW", 5000,
        {transitionOf("PKG-WITHDRAW", "P01", core::PermitState::Queued, core::PermitState::Withdrawn, 5000)},
        followUps);

    auto stateOf = [&](const std::string& packageId, const std::string& messageId) {
        auto view = dispatchOf(*store, packageId, messageId);
        return view ? view->state : std::string("(missing)");
    };
    BOOST_TEST(stateOf("PKG-WITHDRAW", "m-w-done") == "DONE");
    BOOST_TEST(stateOf("PKG-WITHDRAW", "m-w-expired") == "CANCELLED");
    BOOST_TEST(stateOf("PKG-WITHDRAW", "m-w-live") == "PENDING");
    BOOST_TEST(stateOf("PKG-WITHDRAW", "m-w-pending") == "CANCELLED");
    BOOST_TEST(stateOf("PKG-WITHDRAW", "m-w-future") == "CANCELLED");
    BOOST_TEST(stateOf("PKG-WITHDRAW", "m-w-cancel") == "PENDING");
    BOOST_TEST(dispatchOf(*store, "PKG-WITHDRAW", "m-w-cancel")->dueAt == 5000);
    BOOST_TEST(stateOf("PKG-BYSTANDER", "m-bystander") == "PENDING");

    // The old holder of the expired lease is fenced out; the live lease's
    // holder still finishes its call.
    BOOST_TEST(!store->completeDispatch("m-w-expired", "owner-x", 5000, attemptAt(1000, "ACKNOWLEDGED"), {}));
    BOOST_TEST(store->completeDispatch("m-w-live", "owner-y", 5000, attemptAt(1000, "ACKNOWLEDGED"), {}));
    BOOST_TEST(idsOf(store->leaseDueDispatches("owner-z", 200000, kLease, 10, {})) ==
                   (std::vector<std::string>{"m-bystander", "m-w-cancel"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(an_inbound_message_is_applied_once_and_found_again) {
    auto store = migratedEmptyStore();
    savePlain(*store, "PKG-INBOUND", 500);
    BOOST_TEST(!store->findInbound("SAMR", "DEPT-MSG-1").has_value());

    const InboundRecord record = sampleInbound("PKG-INBOUND", "DEPT-MSG-1");
    const std::vector<PermitTransition> transitions = {
        transitionOf("PKG-INBOUND", "P01", core::PermitState::Queued, core::PermitState::Submitted, 1700,
                     "SAMR-IN-1")};
    FollowUps followUps;
    followUps.dispatches = {{"m-inbound-p03", "P03", "MSA", "SUBMIT", 0}};
    BOOST_TEST((store->applyInbound(record, transitions, followUps) == InboundOutcome::Applied));
    const auto eventsAfter = store->eventsOf("PKG-INBOUND").size();
    auto applied = store->packageById("PKG-INBOUND");
    BOOST_REQUIRE(applied.has_value());
    BOOST_TEST((permitOf(*applied, "P01").state == core::PermitState::Submitted));
    BOOST_TEST(permitOf(*applied, "P01").receiptNumber == "SAMR-IN-1");
    auto queued = dispatchOf(*store, "PKG-INBOUND", "m-inbound-p03");
    BOOST_REQUIRE(queued.has_value());
    BOOST_TEST(queued->dueAt == 1700);  // due at the record's receivedAt

    auto found = store->findInbound("SAMR", "DEPT-MSG-1");
    BOOST_REQUIRE(found.has_value());
    BOOST_TEST(found->department == record.department);
    BOOST_TEST(found->messageId == record.messageId);
    BOOST_TEST(found->packageId == record.packageId);
    BOOST_TEST(found->permit == record.permit);
    BOOST_TEST(found->sha256 == record.sha256);
    BOOST_TEST(found->result == record.result);
    BOOST_TEST(found->toState == record.toState);
    BOOST_TEST(found->detail == record.detail);
    BOOST_TEST(found->receivedAt == record.receivedAt);
    BOOST_TEST(!store->findInbound("MSA", "DEPT-MSG-1").has_value());

    // The same message again: nothing of it is applied.
    InboundRecord again = record;
    again.sha256 = std::string(64, 'e');
    again.receivedAt = 1800;
    FollowUps moreFollowUps;
    moreFollowUps.dispatches = {{"m-inbound-again", "P01", "SAMR", "STATUS_QUERY", 0, "1000"}};
    moreFollowUps.packageState = core::PackageState::InProgress;
    BOOST_TEST((store->applyInbound(again,
                                    {transitionOf("PKG-INBOUND", "P03", core::PermitState::Waiting,
                                                  core::PermitState::Queued, 1800)},
                                    moreFollowUps) == InboundOutcome::Duplicate));
    BOOST_TEST(store->eventsOf("PKG-INBOUND").size() == eventsAfter);
    auto unchanged = store->packageById("PKG-INBOUND");
    BOOST_REQUIRE(unchanged.has_value());
    BOOST_TEST((permitOf(*unchanged, "P03").state == core::PermitState::Waiting));
    BOOST_TEST((unchanged->state == core::PackageState::Received));
    BOOST_TEST(!dispatchOf(*store, "PKG-INBOUND", "m-inbound-again").has_value());
    BOOST_TEST(store->findInbound("SAMR", "DEPT-MSG-1")->sha256 == record.sha256);

    // A message id is scoped to its department.
    InboundRecord otherDepartment = sampleInbound("PKG-INBOUND", "DEPT-MSG-1");
    otherDepartment.department = "MSA";
    otherDepartment.permit = "P03";
    BOOST_TEST((store->applyInbound(otherDepartment, {}, {}) == InboundOutcome::Applied));
    BOOST_TEST(store->findInbound("MSA", "DEPT-MSG-1")->permit == "P03");
}

BOOST_AUTO_TEST_CASE(a_conflicting_inbound_message_is_not_recorded) {
    auto store = migratedEmptyStore();
    savePlain(*store, "PKG-INCONFLICT", 500);
    const auto eventsBefore = store->eventsOf("PKG-INCONFLICT").size();
    BOOST_CHECK_THROW(store->applyInbound(sampleInbound("PKG-INCONFLICT", "DEPT-MSG-C"),
                                          {transitionOf("PKG-INCONFLICT", "P01", core::PermitState::Submitted,
                                                        core::PermitState::Accepted, 1700)},
                                          {}),
                      StateConflict);
    BOOST_TEST(!store->findInbound("SAMR", "DEPT-MSG-C").has_value());
    BOOST_TEST(store->eventsOf("PKG-INCONFLICT").size() == eventsBefore);
    // Nothing recorded, so the message is applied when it is right.
    BOOST_TEST((store->applyInbound(sampleInbound("PKG-INCONFLICT", "DEPT-MSG-C"),
                                    {transitionOf("PKG-INCONFLICT", "P01", core::PermitState::Queued,
                                                  core::PermitState::Submitted, 1700)},
                                    {}) == InboundOutcome::Applied));
}

BOOST_AUTO_TEST_CASE(concurrent_deliveries_of_one_inbound_message_apply_it_once) {
    auto open = backend().emptyDatabase();
    std::vector<std::unique_ptr<Store>> stores;
    for (int i = 0; i < 2; ++i) stores.push_back(open());
    stores.front()->migrate();
    savePlain(*stores.front(), "PKG-INRACE", 500);
    const auto eventsBefore = stores.front()->eventsOf("PKG-INRACE").size();

    constexpr int kThreads = 4;
    std::latch start(kThreads);
    std::atomic<int> applied = 0;
    std::atomic<int> duplicates = 0;
    std::atomic<int> failures = 0;
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
        threads.emplace_back([&, raw = stores[i % 2].get()] {
            start.arrive_and_wait();
            try {
                auto outcome = raw->applyInbound(sampleInbound("PKG-INRACE", "DEPT-MSG-RACE"),
                                                 {transitionOf("PKG-INRACE", "P01", core::PermitState::Queued,
                                                               core::PermitState::Submitted, 1700)},
                                                 {});
                ++(outcome == InboundOutcome::Applied ? applied : duplicates);
            } catch (const StoreError&) {
                ++failures;
            }
        });
    }
    for (auto& thread : threads) thread.join();
    BOOST_TEST(applied.load() == 1);
    BOOST_TEST(duplicates.load() == kThreads - 1);
    BOOST_TEST(failures.load() == 0);
    BOOST_TEST(stores.front()->eventsOf("PKG-INRACE").size() == eventsBefore + 1);
}

BOOST_AUTO_TEST_CASE(refused_inbound_messages_list_newest_first) {
    auto store = migratedEmptyStore();
    BOOST_TEST(store->listRefusedInbound(10).empty());
    store->recordRefusedInbound({0, "SAMR", "M-1", "PKG-1", "P01", "BAD_SIGNATURE", "signature mismatch",
                                 std::string(64, '1'), 1000});
    store->recordRefusedInbound({0, "NOWHERE", "", "", "", "UNKNOWN_DEPARTMENT", "", std::string(64, '2'), 1000});
    store->recordRefusedInbound({0, "MSA", "M-3", "PKG-3", "P03", "ILLEGAL_TRANSITION",
                                 "ISSUED -> SUBMITTED \xE4\xB8\xAD", std::string(64, '3'), 900});

    auto all = store->listRefusedInbound(10);
    BOOST_REQUIRE(all.size() == 3u);
    BOOST_TEST(all[0].code == "ILLEGAL_TRANSITION");
    BOOST_TEST(all[1].code == "UNKNOWN_DEPARTMENT");
    BOOST_TEST(all[2].code == "BAD_SIGNATURE");
    BOOST_TEST(all[0].sequence > all[1].sequence);
    BOOST_TEST(all[1].sequence > all[2].sequence);
    BOOST_TEST(all[0].department == "MSA");
    BOOST_TEST(all[0].messageId == "M-3");
    BOOST_TEST(all[0].packageId == "PKG-3");
    BOOST_TEST(all[0].permit == "P03");
    BOOST_TEST(all[0].detail == "ISSUED -> SUBMITTED \xE4\xB8\xAD");
    BOOST_TEST(all[0].sha256 == std::string(64, '3'));
    BOOST_TEST(all[0].at == 900);
    BOOST_TEST(all[1].department == "NOWHERE");
    BOOST_TEST(all[1].messageId.empty());
    BOOST_TEST(all[1].packageId.empty());

    auto newest = store->listRefusedInbound(2);
    BOOST_REQUIRE(newest.size() == 2u);
    BOOST_TEST(newest[0].sequence == all[0].sequence);
    BOOST_TEST(newest[1].sequence == all[1].sequence);
    BOOST_TEST(store->listRefusedInbound(0).empty());
}

BOOST_AUTO_TEST_CASE(a_permit_is_found_by_its_departments_receipt_number) {
    auto store = migratedEmptyStore();
    savePlain(*store, "PKG-RECEIPT-A", 500);
    savePlain(*store, "PKG-RECEIPT-B", 600);
    store->applyTransitions("PKG-RECEIPT-A", 700,
                            {transitionOf("PKG-RECEIPT-A", "P01", core::PermitState::Queued,
                                          core::PermitState::Submitted, 700, "R-SHARED")},
                            {});
    store->applyTransitions("PKG-RECEIPT-B", 800,
                            {transitionOf("PKG-RECEIPT-B", "P01", core::PermitState::Queued,
                                          core::PermitState::Submitted, 800, "R-B")},
                            {});

    auto found = store->findPermitByReceipt("SAMR", "R-SHARED");
    BOOST_REQUIRE(found.has_value());
    BOOST_TEST(found->packageId == "PKG-RECEIPT-A");
    BOOST_TEST(found->companyId == "C-PKG-RECEIPT-A");
    BOOST_TEST(found->permit.permit == "P01");
    BOOST_TEST(found->permit.department == "SAMR");
    BOOST_TEST((found->permit.state == core::PermitState::Submitted));
    BOOST_TEST(found->permit.receiptNumber == "R-SHARED");
    BOOST_TEST(found->permit.updatedAt == 700);
    auto other = store->findPermitByReceipt("SAMR", "R-B");
    BOOST_REQUIRE(other.has_value());
    BOOST_TEST(other->packageId == "PKG-RECEIPT-B");
    BOOST_TEST(!store->findPermitByReceipt("MSA", "R-SHARED").has_value());
    BOOST_TEST(!store->findPermitByReceipt("SAMR", "R-NONE").has_value());
    BOOST_TEST(!store->findPermitByReceipt("SAMR", "").has_value());
}

BOOST_AUTO_TEST_CASE(a_callback_context_is_the_earlier_record_or_the_permit_and_its_package) {
    auto store = migratedEmptyStore();
    savePlain(*store, "PKG-CONTEXT", 500);
    store->applyTransitions("PKG-CONTEXT", 700,
                            {transitionOf("PKG-CONTEXT", "P01", core::PermitState::Queued,
                                          core::PermitState::Submitted, 700, "R-CONTEXT")},
                            {});

    // A new message about a known receipt: the permit and its package.
    auto fresh = store->callbackContext("SAMR", "CTX-MSG-1", "R-CONTEXT");
    BOOST_TEST(!fresh.earlier.has_value());
    BOOST_REQUIRE(fresh.location.has_value());
    BOOST_TEST(fresh.location->packageId == "PKG-CONTEXT");
    BOOST_TEST(fresh.location->permit.permit == "P01");
    BOOST_TEST(fresh.location->permit.receiptNumber == "R-CONTEXT");
    BOOST_REQUIRE(fresh.package.has_value());
    auto package = store->packageById("PKG-CONTEXT");
    BOOST_REQUIRE(package.has_value());
    BOOST_TEST(fresh.package->id == "PKG-CONTEXT");
    BOOST_TEST(fresh.package->version == package->version);
    BOOST_TEST(fresh.package->permits.size() == package->permits.size());
    BOOST_TEST((permitOf(*fresh.package, "P01").state == core::PermitState::Submitted));

    // Unknown receipt, another department's receipt, no receipt: nothing located.
    auto unknown = store->callbackContext("SAMR", "CTX-MSG-2", "R-NONE");
    BOOST_TEST(!unknown.earlier.has_value());
    BOOST_TEST(!unknown.location.has_value());
    BOOST_TEST(!unknown.package.has_value());
    BOOST_TEST(!store->callbackContext("MSA", "CTX-MSG-2", "R-CONTEXT").location.has_value());
    BOOST_TEST(!store->callbackContext("SAMR", "CTX-MSG-2", "").location.has_value());

    // A message id seen before: its record, and nothing else is read.
    InboundRecord record = sampleInbound("PKG-CONTEXT", "CTX-MSG-1");
    BOOST_TEST((store->applyInbound(record, {}, {}) == InboundOutcome::Applied));
    auto replay = store->callbackContext("SAMR", "CTX-MSG-1", "R-CONTEXT");
    BOOST_REQUIRE(replay.earlier.has_value());
    BOOST_TEST(replay.earlier->messageId == "CTX-MSG-1");
    BOOST_TEST(replay.earlier->sha256 == record.sha256);
    BOOST_TEST(!replay.location.has_value());
    BOOST_TEST(!replay.package.has_value());
}

BOOST_AUTO_TEST_CASE(permits_in_states_are_filtered_oldest_update_first_and_limited) {
    auto store = migratedEmptyStore();
    savePlain(*store, "PKG-SWEEP-A", 500);
    savePlain(*store, "PKG-SWEEP-B", 700);
    auto bSubmitted = transitionOf("PKG-SWEEP-B", "P01", core::PermitState::Queued, core::PermitState::Submitted, 800);
    core::PermitClockFacts clock;
    clock.submittedAt = 800;
    bSubmitted.clock = clock;
    store->applyTransitions("PKG-SWEEP-B", 800, {bSubmitted}, {});
    store->applyTransitions("PKG-SWEEP-A", 900,
                            {transitionOf("PKG-SWEEP-A", "P01", core::PermitState::Queued,
                                          core::PermitState::Submitted, 900)},
                            {});

    auto keyOf = [](const PermitLocation& location) { return location.packageId + "/" + location.permit.permit; };
    auto keysOf = [&](const std::vector<PermitLocation>& locations) {
        std::vector<std::string> keys;
        for (const auto& location : locations) keys.push_back(keyOf(location));
        return keys;
    };
    auto submitted = store->permitsInStates({core::PermitState::Submitted}, 10);
    BOOST_TEST(keysOf(submitted) == (std::vector<std::string>{"PKG-SWEEP-B/P01", "PKG-SWEEP-A/P01"}),
               boost::test_tools::per_element());
    BOOST_REQUIRE(submitted.size() == 2u);
    BOOST_TEST(submitted[0].companyId == "C-PKG-SWEEP-B");
    BOOST_TEST(submitted[0].permit.clock.submittedAt == 800);
    BOOST_TEST(submitted[0].permit.updatedAt == 800);

    const std::vector<core::PermitState> both = {core::PermitState::Submitted, core::PermitState::Waiting};
    BOOST_TEST(keysOf(store->permitsInStates(both, 10)) ==
                   (std::vector<std::string>{"PKG-SWEEP-A/P03", "PKG-SWEEP-B/P03", "PKG-SWEEP-B/P01",
                                             "PKG-SWEEP-A/P01"}),
               boost::test_tools::per_element());
    BOOST_TEST(keysOf(store->permitsInStates(both, 2)) ==
                   (std::vector<std::string>{"PKG-SWEEP-A/P03", "PKG-SWEEP-B/P03"}),
               boost::test_tools::per_element());
    BOOST_TEST(store->permitsInStates({core::PermitState::Accepted}, 10).empty());
    BOOST_TEST(store->permitsInStates({}, 10).empty());
    BOOST_TEST(store->permitsInStates(both, 0).empty());
}

BOOST_AUTO_TEST_CASE(a_version_4_database_upgrades_keeping_its_data) {
    const std::vector<std::string> seed = {
        "INSERT INTO packages (id, company_id, state, received_at, updated_at, original_xml, sha256, proposed_name, "
        "applicant_reference, notification_url) VALUES ('PKG-V4', 'C-V4', 'READY_TO_OPERATE', 100, 300, '<p/>', "
        "'abc', 'Old Shipping', 'REF-V4', 'https://example.com/v4')",
        "INSERT INTO packages (id, company_id, state, received_at, updated_at, original_xml, sha256, proposed_name, "
        "applicant_reference, notification_url) VALUES ('PKG-V4-OPEN', 'C-V4', 'IN_PROGRESS', 150, 150, '<q/>', "
        "'def', 'Open Shipping', 'REF-V4-OPEN', '')",
        "INSERT INTO permits (package_id, permit, department, state, requested_by_applicant, receipt_number, "
        "updated_at) VALUES ('PKG-V4', 'P01', 'SAMR', 'ISSUED', 1, 'R-V4', 250)",
        "INSERT INTO permits (package_id, permit, department, state, requested_by_applicant, receipt_number, "
        "updated_at) VALUES ('PKG-V4-OPEN', 'P01', 'SAMR', 'QUEUED', 1, NULL, 150)",
        "INSERT INTO outbox (message_id, package_id, permit, department, kind, state, attempts, due_at, "
        "lease_owner, lease_until, created_at) VALUES ('m-v4', 'PKG-V4-OPEN', 'P01', 'SAMR', 'SUBMIT', 'PENDING', "
        "2, 150, NULL, NULL, 150)",
        "INSERT INTO events (package_id, permit, type, from_state, to_state, detail, at) VALUES "
        "('PKG-V4', 'P01', 'PERMIT_STATE', 'SUBMITTED', 'ISSUED', 'issued', 250)",
        "INSERT INTO events (package_id, permit, type, from_state, to_state, detail, at) VALUES "
        "('PKG-V4', '', 'PACKAGE_STATE', 'IN_PROGRESS', 'READY_TO_OPERATE', '', 300)",
    };
    auto open = backend().databaseAtVersion(4, seed);
    auto store = open();
    BOOST_TEST(store->schemaVersion() == 4);
    store->migrate();
    BOOST_TEST(store->latestSchemaVersion() >= 5);
    BOOST_TEST(store->schemaVersion() == store->latestSchemaVersion());

    auto ready = store->findPackage("C-V4", "PKG-V4");
    BOOST_REQUIRE(ready.has_value());
    BOOST_TEST((ready->state == core::PackageState::ReadyToOperate));
    BOOST_TEST(ready->readyAt == 300);  // from its PACKAGE_STATE event
    BOOST_TEST(ready->updatedAt == 300);
    BOOST_TEST(ready->proposedName == "Old Shipping");
    BOOST_REQUIRE(ready->permits.size() == 1u);
    BOOST_TEST((ready->permits[0].state == core::PermitState::Issued));
    BOOST_TEST(ready->permits[0].receiptNumber == "R-V4");
    BOOST_TEST((ready->permits[0].clock == core::PermitClockFacts{}));
    BOOST_TEST(store->originalXml("PKG-V4").value_or("(missing)") == "<p/>");
    BOOST_TEST(store->eventsOf("PKG-V4").size() == 2u);
    auto byReceipt = store->findPermitByReceipt("SAMR", "R-V4");
    BOOST_REQUIRE(byReceipt.has_value());
    BOOST_TEST(byReceipt->packageId == "PKG-V4");

    auto open4 = store->packageById("PKG-V4-OPEN");
    BOOST_REQUIRE(open4.has_value());
    BOOST_TEST(open4->readyAt == 0);
    auto leased = store->leaseDueDispatches("owner", 1000, kLease, 10, {});
    BOOST_REQUIRE(leased.size() == 1u);
    BOOST_TEST(leased[0].messageId == "m-v4");
    BOOST_TEST(leased[0].attempts == 2);
    BOOST_TEST(leased[0].payload.empty());

    // The new columns and tables work on the upgraded database.
    auto submitted =
        transitionOf("PKG-V4-OPEN", "P01", core::PermitState::Queued, core::PermitState::Submitted, 1100, "R-NEW");
    submitted.clock = sampleClock();
    BOOST_TEST(store->completeDispatch("m-v4", "owner", 1100, attemptAt(1000, "ACKNOWLEDGED"), {submitted}));
    BOOST_TEST((store->permitsOf("PKG-V4-OPEN")[0].clock == sampleClock()));
    BOOST_TEST((store->applyInbound(sampleInbound("PKG-V4-OPEN", "DEPT-V4"), {}, {}) == InboundOutcome::Applied));
    store->recordRefusedInbound({0, "SAMR", "", "", "", "BAD_SIGNATURE", "", "", 1200});
    BOOST_TEST(store->listRefusedInbound(5).size() == 1u);
    store->migrate();
    BOOST_TEST(store->schemaVersion() == store->latestSchemaVersion());
}

BOOST_AUTO_TEST_CASE(an_interrupted_mysql_upgrade_completes_on_the_next_migrate,
                     *boost::unit_test::precondition(mysqlOnly)) {
    // DDL commits at once on MySQL: version 5 may have run only its first
    // statements when the process died.
    const auto& five = store::mysql::migrations().at(4);
    BOOST_REQUIRE(five.version == 5);
    BOOST_REQUIRE(five.statements.size() >= 3u);
    auto open = backend().databaseAtVersion(
        4, {std::string(five.statements[0].sql), std::string(five.statements[1].sql)});
    auto store = open();
    BOOST_TEST(store->schemaVersion() == 4);
    store->migrate();
    BOOST_TEST(store->schemaVersion() == store->latestSchemaVersion());
    savePlain(*store, "PKG-RESUMED", 500);
    auto transition =
        transitionOf("PKG-RESUMED", "P01", core::PermitState::Queued, core::PermitState::Submitted, 600, "R-RES");
    transition.clock = sampleClock();
    store->applyTransitions("PKG-RESUMED", 600, {transition}, {});
    BOOST_TEST((store->permitsOf("PKG-RESUMED")[0].clock == sampleClock()));
    BOOST_TEST(store->findPermitByReceipt("SAMR", "R-RES").has_value());
}

// ---- Operators' views: every company's packages, counts, incidents resolved
// outside the hub, and how each department's calls fare. Each case runs on a
// database of its own: these views see every row of the database.

namespace {

std::vector<std::string> idsOf(const PackagePage& page) {
    std::vector<std::string> ids;
    for (const auto& item : page.items) ids.push_back(item.id);
    return ids;
}

// Every page of listAllPackages with `limit`, in order.
std::vector<PackagePage> allPages(Store& store, const std::optional<core::PackageState>& state, int limit) {
    std::vector<PackagePage> pages;
    PageRequest request{limit, ""};
    for (int guard = 0; guard < 20; ++guard) {
        pages.push_back(store.listAllPackages(state, request));
        if (pages.back().nextCursor.empty()) return pages;
        BOOST_TEST(pages.back().nextCursor == pages.back().items.back().id);
        request.after = pages.back().nextCursor;
    }
    throw std::runtime_error("listAllPackages never ended");
}

std::map<std::string, long> countMap(const std::vector<std::pair<std::string, long>>& counts) {
    std::map<std::string, long> result;
    for (const auto& [state, count] : counts) {
        BOOST_TEST(result.count(state) == 0u, "state " << state << " counted twice");
        result[state] = count;
    }
    return result;
}

void savePlainIn(Store& store, const std::string& packageId, const std::string& company, core::PackageState state,
                 core::EpochMillis receivedAt) {
    NewPackage package = samplePackage(packageId, company, receivedAt);
    package.state = state;
    package.dispatches.clear();
    store.savePackage(package, nullptr);
}

AttemptRecord attemptOf(core::EpochMillis startedAt, int latencyMs, const std::string& outcome) {
    return AttemptRecord{0, startedAt, latencyMs, outcome, 200, ""};
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_companys_packages_page_newest_first_with_their_company) {
    auto store = migratedEmptyStore();
    BOOST_TEST(store->listAllPackages(std::nullopt, {}).items.empty());
    BOOST_TEST(store->listAllPackages(std::nullopt, {}).nextCursor.empty());
    savePlainIn(*store, "PKG-ALL-01", "C-ALPHA", core::PackageState::Received, 1001);
    savePlainIn(*store, "PKG-ALL-02", "C-BETA", core::PackageState::InProgress, 1002);
    savePlainIn(*store, "PKG-ALL-03", "C-ALPHA", core::PackageState::InProgress, 1003);
    savePlainIn(*store, "PKG-ALL-04", "C-GAMMA", core::PackageState::ReadyToOperate, 1004);
    savePlainIn(*store, "PKG-ALL-05", "C-BETA", core::PackageState::InProgress, 1005);

    auto pages = allPages(*store, std::nullopt, 2);
    BOOST_REQUIRE(pages.size() == 3u);
    BOOST_TEST(idsOf(pages[0]) == (std::vector<std::string>{"PKG-ALL-05", "PKG-ALL-04"}),
               boost::test_tools::per_element());
    BOOST_TEST(idsOf(pages[1]) == (std::vector<std::string>{"PKG-ALL-03", "PKG-ALL-02"}),
               boost::test_tools::per_element());
    BOOST_TEST(idsOf(pages[2]) == (std::vector<std::string>{"PKG-ALL-01"}), boost::test_tools::per_element());

    const PackageSummary& ready = pages[0].items[1];
    BOOST_TEST(ready.companyId == "C-GAMMA");
    BOOST_TEST((ready.state == core::PackageState::ReadyToOperate));
    BOOST_TEST(ready.receivedAt == 1004);
    BOOST_TEST(ready.proposedName == samplePackage("PKG-ALL-04", "C-GAMMA").proposedName);
    BOOST_TEST(ready.applicantReference == "REF-PKG-ALL-04");
    BOOST_TEST(pages[1].items[1].companyId == "C-BETA");
    BOOST_TEST(pages[2].items[0].companyId == "C-ALPHA");

    // A company's own listing carries its id too.
    auto own = store->listPackages("C-BETA", {});
    BOOST_TEST(idsOf(own) == (std::vector<std::string>{"PKG-ALL-05", "PKG-ALL-02"}), boost::test_tools::per_element());
    for (const auto& item : own.items) BOOST_TEST(item.companyId == "C-BETA");

    auto exact = store->listAllPackages(std::nullopt, PageRequest{5, ""});
    BOOST_TEST(exact.items.size() == 5u);
    BOOST_TEST(exact.nextCursor.empty());
    auto after = store->listAllPackages(std::nullopt, PageRequest{10, "PKG-ALL-03"});
    BOOST_TEST(idsOf(after) == (std::vector<std::string>{"PKG-ALL-02", "PKG-ALL-01"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(every_companys_packages_filter_by_state_and_page_within_it) {
    auto store = migratedEmptyStore();
    savePlainIn(*store, "PKG-FIL-01", "C-ALPHA", core::PackageState::InProgress, 1001);
    savePlainIn(*store, "PKG-FIL-02", "C-BETA", core::PackageState::Received, 1002);
    savePlainIn(*store, "PKG-FIL-03", "C-BETA", core::PackageState::InProgress, 1003);
    savePlainIn(*store, "PKG-FIL-04", "C-ALPHA", core::PackageState::Withdrawn, 1004);
    savePlainIn(*store, "PKG-FIL-05", "C-GAMMA", core::PackageState::InProgress, 1005);

    auto pages = allPages(*store, core::PackageState::InProgress, 1);
    std::vector<std::string> seen;
    for (const auto& page : pages) {
        BOOST_TEST(page.items.size() == 1u);
        for (const auto& item : page.items) {
            BOOST_TEST((item.state == core::PackageState::InProgress));
            seen.push_back(item.id);
        }
    }
    BOOST_TEST(seen == (std::vector<std::string>{"PKG-FIL-05", "PKG-FIL-03", "PKG-FIL-01"}),
               boost::test_tools::per_element());
    // The cursor of an unfiltered row still pages the filtered listing.
    auto afterWithdrawn = store->listAllPackages(core::PackageState::InProgress, PageRequest{10, "PKG-FIL-04"});
    BOOST_TEST(idsOf(afterWithdrawn) == (std::vector<std::string>{"PKG-FIL-03", "PKG-FIL-01"}),
               boost::test_tools::per_element());
    auto withdrawn = store->listAllPackages(core::PackageState::Withdrawn, {});
    BOOST_TEST(idsOf(withdrawn) == (std::vector<std::string>{"PKG-FIL-04"}), boost::test_tools::per_element());
    BOOST_TEST(withdrawn.items[0].companyId == "C-ALPHA");
    auto none = store->listAllPackages(core::PackageState::ReadyToOperate, {});
    BOOST_TEST(none.items.empty());
    BOOST_TEST(none.nextCursor.empty());
}

BOOST_AUTO_TEST_CASE(packages_and_permits_are_counted_by_state_as_they_move) {
    auto store = migratedEmptyStore();
    BOOST_TEST(store->countPackagesByState().empty());
    BOOST_TEST(store->countPermitsByState().empty());
    // Each: P01 QUEUED, P03 WAITING.
    savePlainIn(*store, "PKG-CNT-1", "C-ALPHA", core::PackageState::Received, 1001);
    savePlainIn(*store, "PKG-CNT-2", "C-BETA", core::PackageState::Received, 1002);
    savePlainIn(*store, "PKG-CNT-3", "C-BETA", core::PackageState::InProgress, 1003);
    BOOST_TEST((countMap(store->countPackagesByState()) ==
                std::map<std::string, long>{{"IN_PROGRESS", 1}, {"RECEIVED", 2}}));
    BOOST_TEST((countMap(store->countPermitsByState()) == std::map<std::string, long>{{"QUEUED", 3}, {"WAITING", 3}}));

    FollowUps moved;
    moved.packageState = core::PackageState::InProgress;
    store->applyTransitions(
        "PKG-CNT-1", 2000,
        {transitionOf("PKG-CNT-1", "P01", core::PermitState::Queued, core::PermitState::Submitted, 2000, "R-CNT-1")},
        moved);
    FollowUps withdrawn;
    withdrawn.packageState = core::PackageState::Withdrawn;
    store->applyTransitions(
        "PKG-CNT-3", 2100,
        {transitionOf("PKG-CNT-3", "P01", core::PermitState::Queued, core::PermitState::Withdrawn, 2100),
         transitionOf("PKG-CNT-3", "P03", core::PermitState::Waiting, core::PermitState::Withdrawn, 2100)},
        withdrawn);
    BOOST_TEST((countMap(store->countPackagesByState()) ==
                std::map<std::string, long>{{"IN_PROGRESS", 1}, {"RECEIVED", 1}, {"WITHDRAWN", 1}}));
    BOOST_TEST((countMap(store->countPermitsByState()) ==
                std::map<std::string, long>{{"QUEUED", 1}, {"SUBMITTED", 1}, {"WAITING", 2}, {"WITHDRAWN", 2}}));
}

BOOST_AUTO_TEST_CASE(a_resolved_incident_keeps_its_note_and_its_call_is_never_sent) {
    auto store = migratedEmptyStore();
    saveWithDispatches(*store, "PKG-RESOLVE",
                       {{"m-resolve-1", "P01", "SAMR", "SUBMIT", 500}, {"m-resolve-2", "P03", "MSA", "SUBMIT", 600}});
    BOOST_REQUIRE(store->leaseDueDispatches("owner", 1000, kLease, 10, {}).size() == 2u);
    BOOST_TEST(store->parkDispatch("m-resolve-1", "owner", 1100, attemptAt(1000, "FAILED", 400), "INC-RES", "refused"));
    BOOST_TEST(store->parkDispatch("m-resolve-2", "owner", 1200, attemptAt(1000, "FAILED", 400), "INC-RET", "refused"));

    BOOST_TEST(!store->resolveIncident("INC-UNKNOWN", 2000, "no such", "admin:contract"));
    BOOST_TEST(store->resolveIncident("INC-RES", 2000, "filed on paper at the SAMR counter", "admin:contract"));
    auto resolved = incidentOf(*store, "INC-RES", false);
    BOOST_REQUIRE(resolved.has_value());
    BOOST_TEST(resolved->state == "RESOLVED");
    BOOST_TEST(resolved->note == "filed on paper at the SAMR counter");
    BOOST_TEST(resolved->closedAt == 2000);
    BOOST_TEST(resolved->reason == "refused");
    BOOST_TEST(!incidentOf(*store, "INC-RES", true).has_value());
    BOOST_TEST(dispatchOf(*store, "PKG-RESOLVE", "m-resolve-1")->state == "CANCELLED");
    BOOST_TEST(dispatchOf(*store, "PKG-RESOLVE", "m-resolve-1")->attempts == 1);

    BOOST_TEST(!store->resolveIncident("INC-RES", 2100, "twice", "admin:contract"));
    BOOST_TEST(!store->retryIncident("INC-RES", 2100, "revive", "admin:contract"));
    BOOST_TEST(!store->cancelIncident("INC-RES", 2100, "cancel", "admin:contract"));
    BOOST_TEST(incidentOf(*store, "INC-RES", false)->state == "RESOLVED");
    BOOST_TEST(incidentOf(*store, "INC-RES", false)->note == "filed on paper at the SAMR counter");
    BOOST_TEST(incidentOf(*store, "INC-RES", false)->closedAt == 2000);
    BOOST_TEST(dispatchOf(*store, "PKG-RESOLVE", "m-resolve-1")->state == "CANCELLED");

    // A retried incident is not OPEN either.
    BOOST_TEST(store->retryIncident("INC-RET", 3000, "fixed", "admin:contract"));
    BOOST_TEST(!store->resolveIncident("INC-RET", 3100, "too late", "admin:contract"));
    BOOST_TEST(incidentOf(*store, "INC-RET", false)->state == "RETRIED");
    BOOST_TEST(idsOf(store->leaseDueDispatches("owner", 1000000, kLease, 10, {})) ==
                   (std::vector<std::string>{"m-resolve-2"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(department_activity_counts_queued_calls_recent_attempts_failures_and_last_success) {
    auto store = migratedEmptyStore();
    BOOST_TEST(store->departmentActivity(0, 10).empty());
    saveWithDispatches(*store, "PKG-ACT",
                       {
                           {"a-samr-1", "P01", "SAMR", "SUBMIT", 100},
                           {"a-samr-2", "P01", "SAMR", "STATUS_QUERY", 100},
                           {"a-samr-3", "P01", "SAMR", "CORRECTION", 100000},  // queued, not due
                           {"a-msa-1", "P03", "MSA", "SUBMIT", 100},
                           {"a-ccs-1", "P03", "CCS", "SUBMIT", 100000},  // queued, never tried
                       });
    // Before the window (since = 3000).
    BOOST_REQUIRE(store->leaseDueDispatches("owner", 1000, kLease, 10, {}).size() == 3u);
    BOOST_TEST(store->retryDispatchLater("a-samr-1", "owner", 1000, attemptOf(1000, 10, "RETRYABLE"), 2000));
    BOOST_TEST(store->completeDispatch("a-samr-2", "owner", 1500, attemptOf(1500, 20, "ACKNOWLEDGED"), {}));
    BOOST_TEST(store->retryDispatchLater("a-msa-1", "owner", 1000, attemptOf(1000, 15, "RETRYABLE"), 2000));
    // Within it.
    BOOST_REQUIRE(store->leaseDueDispatches("owner", 5000, kLease, 10, {}).size() == 2u);
    BOOST_TEST(store->retryDispatchLater("a-samr-1", "owner", 5000, attemptOf(5000, 30, "RETRYABLE"), 6000));
    BOOST_TEST(store->parkDispatch("a-msa-1", "owner", 5000, attemptOf(5000, 60, "INVALID_RENDER"), "INC-ACT",
                                   "cannot render"));
    BOOST_REQUIRE(store->leaseDueDispatches("owner", 7000, kLease, 10, {}).size() == 1u);
    BOOST_TEST(store->retryDispatchLater("a-samr-1", "owner", 7000, attemptOf(7000, 40, "FAILED"), 8000));
    BOOST_REQUIRE(store->leaseDueDispatches("owner", 9000, kLease, 10, {}).size() == 1u);
    BOOST_TEST(store->completeDispatch("a-samr-1", "owner", 9000, attemptOf(9000, 50, "DECIDED"), {}));

    auto activity = store->departmentActivity(3000, 2);
    BOOST_REQUIRE(activity.size() == 3u);
    BOOST_TEST(activity[0].department == "CCS");
    BOOST_TEST(activity[0].queued == 1);
    BOOST_TEST(activity[0].attempts == 0);
    BOOST_TEST(activity[0].failures == 0);
    BOOST_TEST(activity[0].latenciesMs.empty());
    BOOST_TEST(activity[0].lastSuccessAt == 0);

    BOOST_TEST(activity[1].department == "MSA");
    BOOST_TEST(activity[1].queued == 0);
    BOOST_TEST(activity[1].attempts == 1);
    BOOST_TEST(activity[1].failures == 1);
    BOOST_TEST(activity[1].latenciesMs == (std::vector<int>{60}), boost::test_tools::per_element());
    BOOST_TEST(activity[1].lastSuccessAt == 0);

    BOOST_TEST(activity[2].department == "SAMR");
    BOOST_TEST(activity[2].queued == 1);
    BOOST_TEST(activity[2].attempts == 3);
    BOOST_TEST(activity[2].failures == 2);
    BOOST_TEST(activity[2].latenciesMs == (std::vector<int>{50, 40}), boost::test_tools::per_element());
    BOOST_TEST(activity[2].lastSuccessAt == 9000);

    // The whole history, latencies unlimited enough.
    auto ever = store->departmentActivity(0, 10);
    BOOST_REQUIRE(ever.size() == 3u);
    BOOST_TEST(ever[1].attempts == 2);
    BOOST_TEST(ever[1].failures == 2);
    BOOST_TEST(ever[1].latenciesMs == (std::vector<int>{60, 15}), boost::test_tools::per_element());
    BOOST_TEST(ever[2].attempts == 5);
    BOOST_TEST(ever[2].failures == 3);
    BOOST_TEST(ever[2].latenciesMs == (std::vector<int>{50, 40, 30, 20, 10}), boost::test_tools::per_element());

    // The last success is of all time, whatever the window.
    auto later = store->departmentActivity(20000, 0);
    BOOST_REQUIRE(later.size() == 3u);
    BOOST_TEST(later[2].attempts == 0);
    BOOST_TEST(later[2].failures == 0);
    BOOST_TEST(later[2].latenciesMs.empty());
    BOOST_TEST(later[2].lastSuccessAt == 9000);
    BOOST_TEST(later[2].queued == 1);
    BOOST_TEST(store->departmentActivity(3000, 0)[2].latenciesMs.empty());
}

BOOST_AUTO_TEST_CASE(a_version_6_database_upgrades_keeping_its_incidents) {
    const std::vector<std::string> seed = {
        "INSERT INTO packages (id, company_id, state, received_at, updated_at, original_xml, sha256, proposed_name, "
        "applicant_reference, notification_url) VALUES ('PKG-V6', 'C-V6', 'IN_PROGRESS', 100, 300, '<p/>', "
        "'abc', 'Old Shipping', 'REF-V6', '')",
        "INSERT INTO outbox (message_id, package_id, permit, department, kind, state, attempts, due_at, "
        "lease_owner, lease_until, created_at) VALUES ('m-v6-open', 'PKG-V6', 'P01', 'SAMR', 'SUBMIT', 'INCIDENT', "
        "1, 150, NULL, NULL, 150)",
        "INSERT INTO outbox (message_id, package_id, permit, department, kind, state, attempts, due_at, "
        "lease_owner, lease_until, created_at) VALUES ('m-v6-closed', 'PKG-V6', 'P03', 'MSA', 'SUBMIT', "
        "'CANCELLED', 1, 150, NULL, NULL, 150)",
        "INSERT INTO dispatch_attempts (message_id, attempt, started_at, latency_ms, outcome, http_status, error) "
        "VALUES ('m-v6-open', 1, 200, 25, 'FAILED', 400, 'schema')",
        "INSERT INTO incidents (id, message_id, package_id, permit, department, kind, reason, state, note, "
        "created_at, closed_at) VALUES ('INC-V6-OPEN', 'm-v6-open', 'PKG-V6', 'P01', 'SAMR', 'SUBMIT', "
        "'SAMR refused', 'OPEN', '', 210, NULL)",
        "INSERT INTO incidents (id, message_id, package_id, permit, department, kind, reason, state, note, "
        "created_at, closed_at) VALUES ('INC-V6-CLOSED', 'm-v6-closed', 'PKG-V6', 'P03', 'MSA', 'SUBMIT', "
        "'MSA refused', 'CANCELLED', 'given up', 205, 260)",
    };
    auto open = backend().databaseAtVersion(6, seed);
    auto store = open();
    BOOST_TEST(store->schemaVersion() == 6);
    store->migrate();
    BOOST_TEST(store->latestSchemaVersion() >= 7);
    BOOST_TEST(store->schemaVersion() == store->latestSchemaVersion());

    auto all = store->listIncidents(false);
    BOOST_REQUIRE(all.size() == 2u);
    BOOST_TEST(all[0].id == "INC-V6-OPEN");
    BOOST_TEST(all[0].messageId == "m-v6-open");
    BOOST_TEST(all[0].packageId == "PKG-V6");
    BOOST_TEST(all[0].permit == "P01");
    BOOST_TEST(all[0].department == "SAMR");
    BOOST_TEST(all[0].kind == "SUBMIT");
    BOOST_TEST(all[0].reason == "SAMR refused");
    BOOST_TEST(all[0].state == "OPEN");
    BOOST_TEST(all[0].note.empty());
    BOOST_TEST(all[0].createdAt == 210);
    BOOST_TEST(all[0].closedAt == 0);
    BOOST_TEST(all[1].id == "INC-V6-CLOSED");
    BOOST_TEST(all[1].state == "CANCELLED");
    BOOST_TEST(all[1].note == "given up");
    BOOST_TEST(all[1].createdAt == 205);
    BOOST_TEST(all[1].closedAt == 260);
    BOOST_TEST(store->listIncidents(true).size() == 1u);

    // The widened state is accepted, and the views work on the upgraded data.
    BOOST_TEST(store->resolveIncident("INC-V6-OPEN", 3000, "settled by phone", "admin:contract"));
    BOOST_TEST(incidentOf(*store, "INC-V6-OPEN", false)->state == "RESOLVED");
    BOOST_TEST(dispatchOf(*store, "PKG-V6", "m-v6-open")->state == "CANCELLED");
    BOOST_TEST(store->listIncidents(true).empty());
    auto activity = store->departmentActivity(0, 5);
    BOOST_REQUIRE(activity.size() == 2u);
    BOOST_TEST(activity[1].department == "SAMR");
    BOOST_TEST(activity[1].failures == 1);
    BOOST_TEST(activity[1].latenciesMs == (std::vector<int>{25}), boost::test_tools::per_element());
    BOOST_TEST(store->listAllPackages(core::PackageState::InProgress, {}).items.size() == 1u);
    store->migrate();
    BOOST_TEST(store->schemaVersion() == store->latestSchemaVersion());
}

BOOST_AUTO_TEST_CASE(an_interrupted_mysql_upgrade_to_version_7_completes_on_the_next_migrate,
                     *boost::unit_test::precondition(mysqlOnly)) {
    const auto& seven = store::mysql::migrations().at(6);
    BOOST_REQUIRE(seven.version == 7);
    BOOST_REQUIRE(seven.statements.size() >= 3u);
    auto open = backend().databaseAtVersion(
        6, {std::string(seven.statements[0].sql), std::string(seven.statements[1].sql)});
    auto store = open();
    BOOST_TEST(store->schemaVersion() == 6);
    store->migrate();
    BOOST_TEST(store->schemaVersion() == store->latestSchemaVersion());
    savePlainIn(*store, "PKG-V7-RESUMED", "C-V7", core::PackageState::InProgress, 500);
    BOOST_TEST(store->listAllPackages(core::PackageState::InProgress, {}).items.size() == 1u);
}

// ---- The audit trail ----

namespace {

using hub::store::audit::verifyTrail;

std::vector<std::string> kindsOf(const std::vector<core::audit::Entry>& entries) {
    std::vector<std::string> kinds;
    for (const auto& entry : entries) kinds.push_back(entry.kind);
    return kinds;
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_change_message_and_admin_action_is_appended_to_its_chain_in_the_same_transaction) {
    auto store = migratedEmptyStore();
    saveWithDispatches(*store, "PKG-AUDIT", {{"m-audit-1", "P01", "SAMR", "SUBMIT", 500},
                                             {"m-audit-2", "P03", "MSA", "SUBMIT", 500}});
    auto entries = store->auditEntries("PKG-AUDIT");
    BOOST_TEST(kindsOf(entries) == (std::vector<std::string>{"PACKAGE_RECEIVED", "PERMIT_STATE", "PERMIT_STATE"}),
               boost::test_tools::per_element());
    BOOST_TEST(entries[0].actor == "applicant:C-PKG-AUDIT");
    BOOST_TEST(entries[0].detail.find("sha256=" + std::string(64, 'a')) != std::string::npos, entries[0].detail);

    BOOST_REQUIRE(store->leaseDueDispatches("owner", 1000, kLease, 10, {}).size() == 2u);
    AttemptRecord sent = attemptAt(1000, "DECIDED");
    sent.requestSha256 = std::string(64, 'b');
    sent.responseSha256 = std::string(64, 'c');
    auto issued = transitionOf("PKG-AUDIT", "P01", core::PermitState::Queued, core::PermitState::Submitted, 1100, "R-1");
    issued.actor = "dept:SAMR";
    BOOST_TEST(store->completeDispatch("m-audit-1", "owner", 1100, sent, {issued}, {}));
    BOOST_TEST(store->parkDispatch("m-audit-2", "owner", 1200, attemptAt(1000, "FAILED", 400), "INC-AUDIT", "refused"));
    BOOST_TEST(store->retryIncident("INC-AUDIT", 1300, "fixed the schema", "admin:alice"));
    InboundRecord inbound{"SAMR", "cb-1", "PKG-AUDIT", "P01", std::string(64, 'd'), "APPLIED", "ACCEPTED", "", 1400};
    BOOST_TEST((store->applyInbound(inbound,
                                    {transitionOf("PKG-AUDIT", "P01", core::PermitState::Submitted,
                                                  core::PermitState::Accepted, 1400)},
                                    {}) == InboundOutcome::Applied));
    store->recordRefusedInbound({0, "MSA", "cb-x", "", "", "BAD_SIGNATURE", "no", std::string(64, 'e'), 1500});
    store->recordRefusedInbound({0, "MSA", "cb-y", "PKG-AUDIT", "P03", "ILLEGAL_TRANSITION", "no", "", 1550});
    store->setDepartmentPaused("MOT", true, "maintenance", 1600, "admin:bob");
    store->saveApiToken(ApiToken{"tok_audit", std::string(64, 'f'), "applicant", "C-AUDIT", "", 1700, 0}, "cli");
    BOOST_TEST(store->revokeApiToken("tok_audit", 1800, "admin:bob"));

    entries = store->auditEntries("PKG-AUDIT");
    BOOST_TEST(kindsOf(entries) == (std::vector<std::string>{"PACKAGE_RECEIVED", "PERMIT_STATE", "PERMIT_STATE",
                                                             "MESSAGE_OUT", "PERMIT_STATE", "MESSAGE_OUT",
                                                             "INCIDENT_OPENED", "ADMIN_ACTION", "MESSAGE_IN",
                                                             "PERMIT_STATE", "MESSAGE_REFUSED"}),
               boost::test_tools::per_element());
    BOOST_TEST(entries[3].detail.find("request=" + std::string(64, 'b') + " response=" + std::string(64, 'c')) !=
                   std::string::npos,
               entries[3].detail);
    BOOST_TEST(entries[4].actor == "dept:SAMR");
    BOOST_TEST(entries[4].detail == "QUEUED -> SUBMITTED receipt=R-1: to SUBMITTED");
    BOOST_TEST(entries[7].actor == "admin:alice");
    BOOST_TEST(entries[7].subject == "INC-AUDIT");
    BOOST_TEST(entries[7].detail == "retry incident: fixed the schema");
    BOOST_TEST(entries[8].actor == "dept:SAMR");
    for (std::size_t i = 0; i < entries.size(); ++i) BOOST_TEST(entries[i].seq == static_cast<std::int64_t>(i + 1));
    BOOST_TEST(store->auditHead("PKG-AUDIT")->seq == 11);

    auto hub = store->auditEntries("HUB");
    BOOST_TEST(kindsOf(hub) == (std::vector<std::string>{"MESSAGE_REFUSED", "ADMIN_ACTION", "ADMIN_ACTION",
                                                         "ADMIN_ACTION"}),
               boost::test_tools::per_element());
    BOOST_TEST(hub[1].detail == "pause department: maintenance");
    BOOST_TEST(hub[2].actor == "cli");
    BOOST_TEST(hub[3].detail == "revoke token");

    // A write that rolls back leaves no entry.
    BOOST_CHECK_THROW(store->applyTransitions("PKG-AUDIT", 1900,
                                              {transitionOf("PKG-AUDIT", "P01", core::PermitState::Queued,
                                                            core::PermitState::Submitted, 1900)},
                                              {}),
                      StateConflict);
    BOOST_TEST(store->auditEntries("PKG-AUDIT").size() == 11u);
    BOOST_TEST(store->auditHead("PKG-AUDIT")->seq == 11);

    auto report = verifyTrail(*store);
    BOOST_TEST(report.ok(), report.problemCount);
    BOOST_TEST(report.entries == 15);
}

BOOST_AUTO_TEST_CASE(anchoring_writes_each_moved_head_into_the_global_chain_once) {
    auto store = migratedEmptyStore();
    saveWithDispatches(*store, "PKG-ANCHOR-1", {});
    saveWithDispatches(*store, "PKG-ANCHOR-2", {});
    auto [anchored, global] = store->anchorAuditChains(2000, 1);
    BOOST_TEST(anchored == 1);
    BOOST_TEST(global.seq == 1);
    std::tie(anchored, global) = store->anchorAuditChains(2000, 100);
    BOOST_TEST(anchored == 1);
    BOOST_TEST(global.seq == 2);
    std::tie(anchored, global) = store->anchorAuditChains(2100, 100);
    BOOST_TEST(anchored == 0);
    BOOST_TEST(global.seq == 2);
    BOOST_TEST(global.hash == store->auditHead("GLOBAL")->hash);

    store->applyTransitions("PKG-ANCHOR-2", 2200,
                            {transitionOf("PKG-ANCHOR-2", "P01", core::PermitState::Queued,
                                          core::PermitState::Submitted, 2200)},
                            {});
    std::tie(anchored, global) = store->anchorAuditChains(2300, 100);
    BOOST_TEST(anchored == 1);
    auto anchors = store->auditEntries("GLOBAL");
    BOOST_REQUIRE(anchors.size() == 3u);
    BOOST_TEST(anchors[2].subject == "PKG-ANCHOR-2");
    BOOST_TEST(anchors[2].detail == core::audit::anchorDetail(*store->auditHead("PKG-ANCHOR-2")));
    auto report = verifyTrail(*store);
    BOOST_TEST(report.ok());
    BOOST_TEST(report.anchors == 3);
}

BOOST_AUTO_TEST_CASE(migrating_to_v8_starts_a_chain_for_every_existing_package) {
    const std::vector<std::string> seed = {
        "INSERT INTO packages (id, company_id, state, received_at, updated_at, original_xml, sha256, proposed_name, "
        "applicant_reference, notification_url) VALUES ('PKG-V7-AUDIT', 'C-V7', 'IN_PROGRESS', 100, 100, '<p/>', "
        "'abc', 'Old Shipping', 'REF', '')",
        "INSERT INTO permits (package_id, permit, department, state, requested_by_applicant, receipt_number, "
        "updated_at) VALUES ('PKG-V7-AUDIT', 'P01', 'SAMR', 'QUEUED', 1, NULL, 100)",
    };
    auto store = backend().databaseAtVersion(7, seed)();
    store->migrate();
    BOOST_TEST(store->auditHead("PKG-V7-AUDIT")->seq == 0);
    BOOST_TEST(store->auditHead("HUB")->seq == 0);
    BOOST_TEST(store->auditHead("GLOBAL")->seq == 0);
    store->applyTransitions("PKG-V7-AUDIT", 200,
                            {transitionOf("PKG-V7-AUDIT", "P01", core::PermitState::Queued,
                                          core::PermitState::Submitted, 200)},
                            {});
    BOOST_TEST(store->auditEntries("PKG-V7-AUDIT").size() == 1u);
    BOOST_TEST(store->auditEntries("PKG-V7-AUDIT")[0].seq == 1);
    BOOST_TEST(verifyTrail(*store).ok());
}

// Two writers plan from one read of the package, each changing a different
// permit (a write skew: neither sees the other's change). The version guard
// lets only the first commit; the second re-reads and plans again.
BOOST_AUTO_TEST_CASE(two_writes_planned_from_one_read_of_a_package_do_not_both_commit) {
    auto store = migratedEmptyStore();
    saveWithDispatches(*store, "PKG-VERSION", {});
    const auto read = *store->packageById("PKG-VERSION");
    FollowUps guarded;
    guarded.expectedPackageVersion = read.version;
    guarded.packageState = core::PackageState::InProgress;

    store->applyTransitions(
        "PKG-VERSION", 1000,
        {transitionOf("PKG-VERSION", "P01", core::PermitState::Queued, core::PermitState::Submitted, 1000, "R-1")},
        guarded);
    const auto afterFirst = *store->packageById("PKG-VERSION");
    BOOST_TEST(afterFirst.version == read.version + 1);

    const auto eventsBefore = store->eventsOf("PKG-VERSION").size();
    BOOST_CHECK_THROW(
        store->applyTransitions(
            "PKG-VERSION", 1001,
            {transitionOf("PKG-VERSION", "P03", core::PermitState::Waiting, core::PermitState::Queued, 1001)},
            guarded),
        StateConflict);
    const auto afterRefused = *store->packageById("PKG-VERSION");
    BOOST_TEST(afterRefused.version == afterFirst.version);
    BOOST_TEST((permitOf(afterRefused, "P03").state == core::PermitState::Waiting));
    BOOST_TEST(store->eventsOf("PKG-VERSION").size() == eventsBefore);

    // Planned again from the new read, it commits.
    guarded.expectedPackageVersion = afterRefused.version;
    store->applyTransitions(
        "PKG-VERSION", 1002,
        {transitionOf("PKG-VERSION", "P03", core::PermitState::Waiting, core::PermitState::Queued, 1002)}, guarded);
    BOOST_TEST((permitOf(*store->packageById("PKG-VERSION"), "P03").state == core::PermitState::Queued));
    BOOST_TEST(store->packageById("PKG-VERSION")->version == read.version + 2);

    // Unguarded writes (attempt records, notes) leave the version alone.
    store->applyTransitions("PKG-VERSION", 1003, {}, {});
    BOOST_TEST(store->packageById("PKG-VERSION")->version == read.version + 2);
}

BOOST_AUTO_TEST_CASE(a_transition_expecting_an_older_updated_at_is_a_conflict) {
    auto store = migratedEmptyStore();
    saveWithDispatches(*store, "PKG-EXPECT", {});
    const auto before = permitOf(*store->packageById("PKG-EXPECT"), "P01");
    auto note = transitionOf("PKG-EXPECT", "P01", core::PermitState::Queued, core::PermitState::Queued, 900);
    note.eventType = "DEADLINE_MISSED";
    note.expectedUpdatedAt = before.updatedAt + 1;
    const auto eventsBefore = store->eventsOf("PKG-EXPECT").size();
    BOOST_CHECK_THROW(store->applyTransitions("PKG-EXPECT", 900, {note}, {}), StateConflict);
    note.expectedUpdatedAt = before.updatedAt;
    store->applyTransitions("PKG-EXPECT", 900, {note}, {});
    BOOST_TEST(store->eventsOf("PKG-EXPECT").size() == eventsBefore + 1);
    // The first write moved updated_at: a second one planned from the same read conflicts.
    BOOST_CHECK_THROW(store->applyTransitions("PKG-EXPECT", 950, {note}, {}), StateConflict);
    BOOST_TEST(store->eventsOf("PKG-EXPECT").size() == eventsBefore + 1);
}
