#include "store/mysql/mysql_store.h"

#include "store/audit_entries.h"
#include "store/state_columns.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <sstream>
#include <type_traits>

#include <cppconn/connection.h>
#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include "store/mysql/mysql_connection_pool.h"
#include "store/mysql/mysql_migrations.h"
#include "store/mysql/save_groups.h"

namespace hub::store {

namespace {

using mysql::ConnectionPool;

constexpr int kDuplicateKey = 1062;
constexpr int kLockWaitTimeout = 1205;
constexpr int kDeadlock = 1213;
constexpr int kMaxAttempts = 4;

core::EpochMillis wallClockNow() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

using mysql::SaveGroups;
using mysql::Statement;
using Rows = std::unique_ptr<sql::ResultSet>;

// Prepared once per pooled connection, then reused (see mysql::Session).
Statement prepare(mysql::Session& connection, const std::string& text) { return connection.prepare(text); }

// A large result gets its statement closed after use (Statement::query).
Rows query(const Statement& statement) { return statement.query(); }

// Rows per multi-row INSERT (and message ids per leasing UPDATE): up to this
// many rows go in one statement, so a batch costs one round trip per 16 rows,
// and each table has at most 16 statement texts in a connection's cache.
constexpr std::size_t kRowsPerInsert = 16;

// `item` `count` times, separated by ", ": the rows of a multi-row INSERT or
// the marks of an IN list.
std::string repeated(std::string_view item, std::size_t count) {
    std::string list;
    for (std::size_t i = 0; i < count; ++i) {
        if (i > 0) list += ", ";
        list += item;
    }
    return list;
}

// Inserts `items` with `head` ("INSERT INTO t (a, b) VALUES ") followed by
// one `row` ("(?, ?)", holding `columns` parameters) per item, then `tail`
// (e.g. an ON DUPLICATE KEY clause). bind(statement, first, item) sets one
// item's parameters from index first.
template <class Item, class Bind>
void insertRows(mysql::Session& connection, std::string_view head, std::string_view row, unsigned columns,
                const std::vector<Item>& items, Bind&& bind, std::string_view tail = {}) {
    for (std::size_t start = 0; start < items.size(); start += kRowsPerInsert) {
        const std::size_t count = std::min(kRowsPerInsert, items.size() - start);
        Statement insert = prepare(connection, std::string(head) + repeated(row, count) + std::string(tail));
        for (std::size_t i = 0; i < count; ++i)
            bind(insert, static_cast<unsigned>(i * columns + 1), items[start + i]);
        insert->executeUpdate();
    }
}

std::string text(const Rows& rows, int column) {
    if (rows->isNull(column)) return {};
    return rows->getString(column).asStdString();
}

// A BLOB parameter, binary-safe: the stream must live until the statement has
// run, so it is owned here.
class BlobParameter {
  public:
    BlobParameter(const Statement& statement, unsigned index, const std::string& bytes) : stream_(bytes) {
        statement->setBlob(index, &stream_);
    }

  private:
    std::istringstream stream_;
};

core::PermitState permitStateOf(const std::string& name) { return store::permitStateOf(name, "mysql"); }
core::PackageState packageStateOf(const std::string& name) { return store::packageStateOf(name, "mysql"); }

// The columns readPermit expects, in order, for a query over `permits` (as p).
constexpr std::string_view kPermitColumns =
    "p.permit, p.department, p.state, p.requested_by_applicant, p.receipt_number, p.updated_at, p.submitted_at, "
    "p.accepted_at, p.deemed_accepted, p.suspended_at, p.paused_working_days, p.extension_working_days, "
    "p.decided_at, p.overdue_since";

std::string withPermitColumns(std::string_view before, std::string_view after) {
    return std::string(before) + std::string(kPermitColumns) + std::string(after);
}

// `first` is the 1-based column of p.permit.
PermitView readPermit(const Rows& rows, int first) {
    PermitView view{text(rows, first), text(rows, first + 1), permitStateOf(text(rows, first + 2)),
                    rows->getInt(first + 3) != 0, text(rows, first + 4), rows->getInt64(first + 5), {}};
    view.clock.submittedAt = rows->getInt64(first + 6);
    view.clock.acceptedAt = rows->getInt64(first + 7);
    view.clock.deemedAccepted = rows->getInt(first + 8) != 0;
    view.clock.suspendedAt = rows->getInt64(first + 9);
    view.clock.pausedWorkingDays = rows->getInt(first + 10);
    view.clock.extensionWorkingDays = rows->getInt(first + 11);
    view.clock.decidedAt = rows->getInt64(first + 12);
    view.clock.overdueSince = rows->getInt64(first + 13);
    return view;
}

// Retry: the incident RETRIED, its dispatch PENDING again, due at once.
// Cancel: the incident CANCELLED, its dispatch CANCELLED.
// Resolve: the incident RESOLVED, its dispatch CANCELLED.
enum class IncidentClosing { Retry, Cancel, Resolve };

const char* incidentStateAfter(IncidentClosing closing) {
    switch (closing) {
        case IncidentClosing::Retry: return "RETRIED";
        case IncidentClosing::Cancel: return "CANCELLED";
        case IncidentClosing::Resolve: return "RESOLVED";
    }
    return "CANCELLED";
}

// The columns readSummary expects, in order, for a query over `packages`.
constexpr std::string_view kSummaryColumns =
    "id, company_id, state, received_at, proposed_name, applicant_reference";

PackageSummary readSummary(const Rows& rows) {
    return PackageSummary{text(rows, 1),      text(rows, 2), packageStateOf(text(rows, 3)),
                          rows->getInt64(4), text(rows, 5), text(rows, 6)};
}

// Reads up to `limit` summaries from a query asked for `limit + 1` rows; the
// extra row only tells that another page follows.
PackagePage readPage(const Statement& select, int limit) {
    Rows rows = query(select);
    PackagePage result;
    while (rows->next()) result.items.push_back(readSummary(rows));
    if (static_cast<int>(result.items.size()) > limit) {
        result.items.pop_back();
        result.nextCursor = result.items.back().id;
    }
    return result;
}

struct LeasedRow {
    std::string packageId;
    std::string permit;
    std::string department;
    std::string kind;
    int attempts = 0;
};

// Thrown by a unit of work whose transaction must be rolled back and run
// again (a concurrent insert of the same key won).
struct RunAgain {};

// The connection has autocommit off, so the transaction starts with the first
// statement; this rolls it back on scope exit unless committed, and discards
// the connection when even the rollback fails.
class TransactionGuard {
  public:
    explicit TransactionGuard(ConnectionPool::Lease& lease) : lease_(lease) {}
    ~TransactionGuard() {
        if (done_) return;
        try {
            lease_->rollback();
        } catch (...) {
            lease_.discard();
        }
    }
    TransactionGuard(const TransactionGuard&) = delete;
    TransactionGuard& operator=(const TransactionGuard&) = delete;
    void commit() {
        lease_->commit();
        done_ = true;
    }

  private:
    ConnectionPool::Lease& lease_;
    bool done_ = false;
};

// Releases the named migration lock however the migration ends.
class MigrationLock {
  public:
    explicit MigrationLock(mysql::Session& connection) : connection_(connection) {
        Statement lock = prepare(connection_, "SELECT GET_LOCK('hub_migrations', 30)");
        Rows rows = query(lock);
        if (!rows->next() || rows->isNull(1) || rows->getInt(1) != 1) {
            throw StoreError("mysql: migrate: another process held the lock 'hub_migrations' for 30 s");
        }
    }
    ~MigrationLock() {
        try {
            Statement unlock = prepare(connection_, "SELECT RELEASE_LOCK('hub_migrations')");
            query(unlock);
        } catch (...) {
            // A lost connection releases the lock on the server anyway.
        }
    }
    MigrationLock(const MigrationLock&) = delete;
    MigrationLock& operator=(const MigrationLock&) = delete;

  private:
    mysql::Session& connection_;
};

enum class Access { Read, Write };

// Thread-safety: the pool hands each transaction its own connection.
class MysqlStore final : public Store {
  public:
    explicit MysqlStore(const config::MysqlConfig& config) : pool_(config) {}

    void migrate() override {
        transact("migrate", Access::Write, [](mysql::Session& connection) {
            MigrationLock lock(connection);
            std::unique_ptr<sql::Statement> ddl(connection->createStatement());
            ddl->execute(std::string(mysql::kCreateSchemaMigrations));
            for (const auto& migration : mysql::migrations()) {
                if (currentVersion(connection) >= migration.version) continue;
                for (const auto& step : migration.statements) {
                    if (!step.doneWhen.empty()) {
                        Statement check = prepare(connection, std::string(step.doneWhen));
                        Rows rows = query(check);
                        if (rows->next() && rows->getInt(1) != 0) continue;
                    }
                    ddl->execute(std::string(step.sql));
                }
                Statement record = prepare(
                    connection, "INSERT INTO schema_migrations (version, applied_at, description) VALUES (?, ?, ?)");
                record->setInt(1, migration.version);
                record->setInt64(2, wallClockNow());
                record->setString(3, std::string(migration.description));
                record->executeUpdate();
                connection->commit();
            }
        });
    }

    int schemaVersion() override {
        return transact("schemaVersion", Access::Read, [](mysql::Session& connection) {
            Statement exists = prepare(connection,
                                       "SELECT COUNT(*) FROM information_schema.tables "
                                       "WHERE table_schema = DATABASE() AND table_name = 'schema_migrations'");
            Rows rows = query(exists);
            if (!rows->next() || rows->getInt(1) == 0) return 0;
            return currentVersion(connection);
        });
    }

    int latestSchemaVersion() const override { return mysql::migrations().back().version; }

    void ping() override {
        transact("ping", Access::Read, [](mysql::Session& connection) {
            Statement select = prepare(connection, "SELECT 1");
            query(select);
        });
    }

    KeyedOutcome storeAnswer(const KeyedAnswer& answer, core::EpochMillis now) override {
        return transact("storeAnswer", Access::Write, [&](mysql::Session& connection) {
            return insertKey(connection, answer, now).value_or(KeyedOutcome{});
        });
    }

    // Concurrent saves share transactions (SaveGroups); each is still
    // written whole or not at all, with its own outcome.
    KeyedOutcome savePackage(const NewPackage& package, const KeyedAnswer* answer) override {
        return saveGroups_.save(package, answer, [this](const std::vector<SaveGroups::Save*>& group) {
            if (group.size() > 1) {
                try {
                    writeGroup(group);
                    return;
                } catch (const std::exception&) {
                    // A taken key, a duplicate id, a lost connection…: each
                    // save on its own, so that one does not fail the others.
                }
            }
            for (SaveGroups::Save* save : group) {
                try {
                    save->outcome = saveOne(*save->package, save->answer);
                } catch (...) {
                    save->error = std::current_exception();
                }
            }
        });
    }

    std::optional<PackageView> findPackage(const std::string& companyId, const std::string& packageId) override {
        return transact("findPackage " + packageId, Access::Read,
                        [&](mysql::Session& connection) -> std::optional<PackageView> {
            auto view = loadPackage(connection, packageId);
            if (!view || view->companyId != companyId) return std::nullopt;
            return view;
        });
    }

    PackagePage listPackages(const std::string& companyId, const PageRequest& page) override {
        const int limit = std::clamp(page.limit, 1, 100);
        return transact("listPackages", Access::Read, [&](mysql::Session& connection) {
            Statement select = prepare(connection, "SELECT " + std::string(kSummaryColumns) +
                                                       " FROM packages WHERE company_id = ? AND (? = '' OR id < ?) "
                                                       "ORDER BY id DESC LIMIT ?");
            select->setString(1, companyId);
            select->setString(2, page.after);
            select->setString(3, page.after);
            select->setInt(4, limit + 1);
            return readPage(select, limit);
        });
    }

    std::optional<std::string> originalXml(const std::string& packageId) override {
        return transact("originalXml " + packageId, Access::Read,
                        [&](mysql::Session& connection) -> std::optional<std::string> {
            return loadOriginalXml(connection, packageId);
        });
    }

    std::vector<DispatchView> dispatchesOf(const std::string& packageId) override {
        return transact("dispatchesOf " + packageId, Access::Read, [&](mysql::Session& connection) {
            Statement select = prepare(connection,
                                       "SELECT message_id, permit, department, kind, state, attempts, due_at "
                                       "FROM outbox WHERE package_id = ? ORDER BY due_at, permit, message_id");
            select->setString(1, packageId);
            Rows rows = query(select);
            std::vector<DispatchView> result;
            while (rows->next()) {
                result.push_back(DispatchView{text(rows, 1), text(rows, 2), text(rows, 3), text(rows, 4),
                                              text(rows, 5), rows->getInt(6), rows->getInt64(7)});
            }
            return result;
        });
    }

    std::vector<EventView> eventsOf(const std::string& packageId) override {
        return transact("eventsOf " + packageId, Access::Read, [&](mysql::Session& connection) {
            Statement select = prepare(connection,
                                       "SELECT sequence, permit, type, from_state, to_state, detail, at "
                                       "FROM events WHERE package_id = ? ORDER BY sequence");
            select->setString(1, packageId);
            Rows rows = query(select);
            std::vector<EventView> result;
            while (rows->next()) {
                result.push_back(EventView{rows->getInt64(1), text(rows, 2), text(rows, 3), text(rows, 4),
                                           text(rows, 5), text(rows, 6), rows->getInt64(7)});
            }
            return result;
        });
    }

    std::vector<LeasedDispatch> leaseDueDispatches(const std::string& owner, core::EpochMillis now,
                                                   core::EpochMillis leaseMs, int limit,
                                                   const std::vector<std::string>& excludedDepartments) override {
        if (limit <= 0) return {};
        const core::EpochMillis leaseUntil = now + leaseMs;
        return transact("leaseDueDispatches " + owner, Access::Write, [&](mysql::Session& connection) {
            // SKIP LOCKED: rows another process is leasing or writing right now
            // are passed over instead of waited for, so concurrent leasers get
            // disjoint batches.
            Statement select = prepare(connection, selectDueSql(excludedDepartments.size()));
            unsigned index = 0;
            select->setInt64(++index, now);
            select->setInt64(++index, now);
            for (const auto& department : excludedDepartments) select->setString(++index, department);
            select->setInt(++index, limit);
            std::vector<LeasedDispatch> leased;
            {
                Rows rows = query(select);
                while (rows->next()) {
                    leased.push_back(LeasedDispatch{text(rows, 1), text(rows, 2), text(rows, 3), text(rows, 4),
                                                    text(rows, 5), rows->getInt(6), rows->getInt64(7), leaseUntil,
                                                    text(rows, 8)});
                }
            }
            // The rows are locked (FOR UPDATE): lease them up to 16 a statement.
            for (std::size_t start = 0; start < leased.size(); start += kRowsPerInsert) {
                const std::size_t count = std::min(kRowsPerInsert, leased.size() - start);
                Statement update = prepare(connection, "UPDATE outbox SET lease_owner = ?, lease_until = ? "
                                                       "WHERE message_id IN (" + repeated("?", count) + ")");
                update->setString(1, owner);
                update->setInt64(2, leaseUntil);
                for (std::size_t i = 0; i < count; ++i)
                    update->setString(static_cast<unsigned>(i + 3), leased[start + i].messageId);
                update->executeUpdate();
            }
            return leased;
        });
    }

    bool completeDispatch(const std::string& messageId, const std::string& owner, core::EpochMillis now,
                          const AttemptRecord& attempt, const std::vector<PermitTransition>& transitions,
                          const FollowUps& followUps) override {
        return transact("completeDispatch " + messageId, Access::Write, [&](mysql::Session& connection) {
            auto row = lockLeasedRow(connection, messageId, owner, now);
            if (!row) return false;
            Statement update = prepare(connection,
                                       "UPDATE outbox SET state = 'DONE', attempts = attempts + 1, "
                                       "lease_owner = NULL, lease_until = NULL WHERE message_id = ?");
            update->setString(1, messageId);
            update->executeUpdate();
            core::audit::Batch trail;
            insertAttempt(connection, messageId, row->attempts + 1, attempt, *row, trail);
            applyPlanned(connection, row->packageId, transitions, followUps, now, trail);
            return true;
        });
    }

    std::vector<CertificateRecord> certificatesOf(const std::string& packageId) override {
        return transact("certificatesOf " + packageId, Access::Read,
                        [&](mysql::Session& connection) { return loadCertificates(connection, packageId); });
    }

    std::optional<DispatchContext> dispatchContext(const std::string& packageId) override {
        return transact("dispatchContext " + packageId, Access::Read,
                        [&](mysql::Session& connection) -> std::optional<DispatchContext> {
            std::string xml;
            auto package = loadPackage(connection, packageId, &xml);
            if (!package) return std::nullopt;
            return DispatchContext{std::move(*package), std::move(xml), loadCertificates(connection, packageId)};
        });
    }

    std::vector<PermitView> permitsOf(const std::string& packageId) override {
        return transact("permitsOf " + packageId, Access::Read,
                        [&](mysql::Session& connection) { return loadPermits(connection, packageId); });
    }

    bool retryDispatchLater(const std::string& messageId, const std::string& owner, core::EpochMillis now,
                            const AttemptRecord& attempt, core::EpochMillis nextDueAt) override {
        return transact("retryDispatchLater " + messageId, Access::Write, [&](mysql::Session& connection) {
            auto row = lockLeasedRow(connection, messageId, owner, now);
            if (!row) return false;
            Statement update = prepare(connection,
                                       "UPDATE outbox SET attempts = attempts + 1, due_at = ?, lease_owner = NULL, "
                                       "lease_until = NULL WHERE message_id = ?");
            update->setInt64(1, nextDueAt);
            update->setString(2, messageId);
            update->executeUpdate();
            core::audit::Batch trail;
            insertAttempt(connection, messageId, row->attempts + 1, attempt, *row, trail);
            writeAudit(connection, trail);
            return true;
        });
    }

    bool parkDispatch(const std::string& messageId, const std::string& owner, core::EpochMillis now,
                      const AttemptRecord& attempt, const std::string& incidentId,
                      const std::string& reason) override {
        return transact("parkDispatch " + messageId, Access::Write, [&](mysql::Session& connection) {
            auto row = lockLeasedRow(connection, messageId, owner, now);
            if (!row) return false;
            {
                Statement update = prepare(connection,
                                           "UPDATE outbox SET state = 'INCIDENT', attempts = attempts + 1, "
                                           "lease_owner = NULL, lease_until = NULL WHERE message_id = ?");
                update->setString(1, messageId);
                update->executeUpdate();
            }
            core::audit::Batch trail;
            insertAttempt(connection, messageId, row->attempts + 1, attempt, *row, trail);
            audit::incidentOpened(trail, row->packageId, row->permit, incidentId, reason, now);
            Statement insert = prepare(connection,
                                       "INSERT INTO incidents (id, message_id, package_id, permit, department, kind, "
                                       "reason, state, note, created_at, closed_at) "
                                       "VALUES (?, ?, ?, ?, ?, ?, ?, 'OPEN', '', ?, NULL)");
            insert->setString(1, incidentId);
            insert->setString(2, messageId);
            insert->setString(3, row->packageId);
            insert->setString(4, row->permit);
            insert->setString(5, row->department);
            insert->setString(6, row->kind);
            insert->setString(7, reason);
            insert->setInt64(8, now);
            insert->executeUpdate();
            writeAudit(connection, trail);
            return true;
        });
    }

    bool releaseDispatch(const std::string& messageId, const std::string& owner) override {
        return transact("releaseDispatch " + messageId, Access::Write, [&](mysql::Session& connection) {
            Statement update = prepare(connection,
                                       "UPDATE outbox SET lease_owner = NULL, lease_until = NULL "
                                       "WHERE message_id = ? AND state = 'PENDING' AND lease_owner = ?");
            update->setString(1, messageId);
            update->setString(2, owner);
            return update->executeUpdate() > 0;
        });
    }

    std::vector<AttemptView> attemptsOf(const std::string& messageId) override {
        return transact("attemptsOf " + messageId, Access::Read, [&](mysql::Session& connection) {
            Statement select = prepare(connection,
                                       "SELECT attempt, started_at, latency_ms, outcome, http_status, error "
                                       "FROM dispatch_attempts WHERE message_id = ? ORDER BY attempt");
            select->setString(1, messageId);
            Rows rows = query(select);
            std::vector<AttemptView> result;
            while (rows->next()) {
                result.push_back(AttemptView{messageId, AttemptRecord{rows->getInt(1), rows->getInt64(2),
                                                                      rows->getInt(3), text(rows, 4),
                                                                      rows->getInt(5), text(rows, 6)}});
            }
            return result;
        });
    }

    void applyTransitions(const std::string& packageId, core::EpochMillis now,
                          const std::vector<PermitTransition>& transitions, const FollowUps& followUps) override {
        transact("applyTransitions " + packageId, Access::Write, [&](mysql::Session& connection) {
            core::audit::Batch trail;
            applyPlanned(connection, packageId, transitions, followUps, now, trail);
        });
    }

    InboundOutcome applyInbound(const InboundRecord& record, const std::vector<PermitTransition>& transitions,
                                const FollowUps& followUps) override {
        return transact("applyInbound " + record.department + " " + record.messageId, Access::Write,
                        [&](mysql::Session& connection) {
            // The record first: a concurrent transaction inserting the same key
            // holds its lock, so this insert waits for it and then fails as a
            // duplicate (or succeeds when the other rolled back).
            Statement insert = prepare(connection,
                                       "INSERT INTO inbound_messages (department, message_id, package_id, permit, "
                                       "sha256, result, to_state, detail, received_at) "
                                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
            insert->setString(1, record.department);
            insert->setString(2, record.messageId);
            insert->setString(3, record.packageId);
            insert->setString(4, record.permit);
            insert->setString(5, record.sha256);
            insert->setString(6, record.result);
            insert->setString(7, record.toState);
            insert->setString(8, record.detail);
            insert->setInt64(9, record.receivedAt);
            try {
                insert->executeUpdate();
            } catch (const sql::SQLException& error) {
                if (error.getErrorCode() != kDuplicateKey) throw;
                connection->rollback();
                return InboundOutcome::Duplicate;
            }
            core::audit::Batch trail;
            audit::inbound(trail, record);
            applyPlanned(connection, record.packageId, transitions, followUps, record.receivedAt, trail);
            return InboundOutcome::Applied;
        });
    }

    std::optional<InboundRecord> findInbound(const std::string& department, const std::string& messageId) override {
        return transact("findInbound " + department + " " + messageId, Access::Read,
                        [&](mysql::Session& connection) { return loadInbound(connection, department, messageId); });
    }

    CallbackContext callbackContext(const std::string& department, const std::string& messageId,
                                    const std::string& receiptNumber) override {
        return transact("callbackContext " + department + " " + messageId, Access::Read,
                        [&](mysql::Session& connection) {
            CallbackContext context;
            context.earlier = loadInbound(connection, department, messageId);
            if (context.earlier || receiptNumber.empty()) return context;
            context.location = locatePermit(connection, department, receiptNumber);
            if (context.location) context.package = loadPackage(connection, context.location->packageId);
            return context;
        });
    }

    void recordRefusedInbound(const RefusedInbound& refused) override {
        transact("recordRefusedInbound " + refused.department, Access::Write, [&](mysql::Session& connection) {
            Statement insert = prepare(connection,
                                       "INSERT INTO refused_inbound (department, message_id, package_id, permit, "
                                       "code, detail, sha256, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
            insert->setString(1, refused.department);
            insert->setString(2, refused.messageId);
            insert->setString(3, refused.packageId);
            insert->setString(4, refused.permit);
            insert->setString(5, refused.code);
            insert->setString(6, refused.detail);
            insert->setString(7, refused.sha256);
            insert->setInt64(8, refused.at);
            insert->executeUpdate();
            core::audit::Batch trail;
            audit::refused(trail, auditChainOf(connection, refused.packageId), refused);
            writeAudit(connection, trail);
        });
    }

    std::vector<RefusedInbound> listRefusedInbound(int limit) override {
        if (limit <= 0) return {};
        return transact("listRefusedInbound", Access::Read, [&](mysql::Session& connection) {
            Statement select = prepare(connection,
                                       "SELECT sequence, department, message_id, package_id, permit, code, detail, "
                                       "sha256, at FROM refused_inbound ORDER BY sequence DESC LIMIT ?");
            select->setInt(1, limit);
            Rows rows = query(select);
            std::vector<RefusedInbound> result;
            while (rows->next()) {
                result.push_back(RefusedInbound{rows->getInt64(1), text(rows, 2), text(rows, 3), text(rows, 4),
                                                text(rows, 5),     text(rows, 6), text(rows, 7), text(rows, 8),
                                                rows->getInt64(9)});
            }
            return result;
        });
    }

    std::optional<PermitLocation> findPermitByReceipt(const std::string& department,
                                                      const std::string& receiptNumber) override {
        return transact("findPermitByReceipt " + department, Access::Read, [&](mysql::Session& connection) {
            return locatePermit(connection, department, receiptNumber);
        });
    }

    void setDepartmentPaused(const std::string& department, bool paused, const std::string& note,
                             core::EpochMillis now, const std::string& actor) override {
        transact("setDepartmentPaused " + department, Access::Write, [&](mysql::Session& connection) {
            Statement statement = paused ? prepare(connection,
                                                   "INSERT INTO department_pauses (department, paused_at, note) "
                                                   "VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE note = VALUES(note)")
                                         : prepare(connection, "DELETE FROM department_pauses WHERE department = ?");
            statement->setString(1, department);
            if (paused) {
                statement->setInt64(2, now);
                statement->setString(3, note);
            }
            statement->executeUpdate();
            core::audit::Batch trail;
            audit::departmentPause(trail, now, actor, department, paused, note);
            writeAudit(connection, trail);
            return true;
        });
    }

    std::vector<DepartmentPause> pausedDepartments() override {
        return transact("pausedDepartments", Access::Read, [&](mysql::Session& connection) {
            Statement select =
                prepare(connection, "SELECT department, paused_at, note FROM department_pauses ORDER BY department");
            Rows rows = query(select);
            std::vector<DepartmentPause> result;
            while (rows->next()) result.push_back({text(rows, 1), rows->getInt64(2), text(rows, 3)});
            return result;
        });
    }

    bool hasUnsettledCalls(const std::string& department) override {
        return transact("hasUnsettledCalls " + department, Access::Read, [&](mysql::Session& connection) {
            Statement select = prepare(connection,
                                       "SELECT 1 FROM outbox WHERE department = ? AND kind IN ('SUBMIT', 'CORRECTION') "
                                       "AND state = 'PENDING' AND (lease_owner IS NOT NULL OR attempts > 0) LIMIT 1");
            select->setString(1, department);
            Rows rows = query(select);
            return static_cast<bool>(rows->next());
        });
    }

    std::vector<PermitLocation> permitsInStates(const std::vector<core::PermitState>& states, int limit) override {
        if (states.empty() || limit <= 0) return {};
        std::string sql = withPermitColumns("SELECT p.package_id, k.company_id, ",
                                            " FROM permits p JOIN packages k ON k.id = p.package_id "
                                            "WHERE p.state IN (?");
        for (std::size_t i = 1; i < states.size(); ++i) sql += ", ?";
        sql += ") ORDER BY p.updated_at, p.package_id, p.permit LIMIT ?";
        return transact("permitsInStates", Access::Read, [&](mysql::Session& connection) {
            Statement select = prepare(connection, sql);
            unsigned index = 0;
            for (auto state : states) select->setString(++index, textOf(state));
            select->setInt(++index, limit);
            Rows rows = query(select);
            std::vector<PermitLocation> result;
            while (rows->next()) result.push_back(PermitLocation{text(rows, 1), text(rows, 2), readPermit(rows, 3)});
            return result;
        });
    }

    std::optional<PackageView> packageById(const std::string& packageId) override {
        return transact("packageById " + packageId, Access::Read,
                        [&](mysql::Session& connection) { return loadPackage(connection, packageId); });
    }

    std::vector<IncidentView> listIncidents(bool openOnly) override {
        return transact("listIncidents", Access::Read, [&](mysql::Session& connection) {
            Statement select = prepare(connection,
                                       "SELECT id, message_id, package_id, permit, department, kind, reason, state, "
                                       "note, created_at, closed_at FROM incidents "
                                       "WHERE (? = 0 OR state = 'OPEN') ORDER BY created_at DESC, id DESC");
            select->setInt(1, openOnly ? 1 : 0);
            Rows rows = query(select);
            std::vector<IncidentView> result;
            while (rows->next()) {
                result.push_back(IncidentView{text(rows, 1), text(rows, 2), text(rows, 3), text(rows, 4),
                                              text(rows, 5), text(rows, 6), text(rows, 7), text(rows, 8),
                                              text(rows, 9), rows->getInt64(10),
                                              rows->isNull(11) ? 0 : rows->getInt64(11)});
            }
            return result;
        });
    }

    bool retryIncident(const std::string& incidentId, core::EpochMillis now, const std::string& note,
                       const std::string& actor) override {
        return closeIncident(incidentId, now, note, actor, IncidentClosing::Retry);
    }

    bool cancelIncident(const std::string& incidentId, core::EpochMillis now, const std::string& note,
                       const std::string& actor) override {
        return closeIncident(incidentId, now, note, actor, IncidentClosing::Cancel);
    }

    bool resolveIncident(const std::string& incidentId, core::EpochMillis now, const std::string& note,
                       const std::string& actor) override {
        return closeIncident(incidentId, now, note, actor, IncidentClosing::Resolve);
    }

    PackagePage listAllPackages(const std::optional<core::PackageState>& state, const PageRequest& page) override {
        const int limit = std::clamp(page.limit, 1, 100);
        // Only the conditions that apply, so the optimiser can range over
        // packages_state or the primary key.
        std::string sql = "SELECT " + std::string(kSummaryColumns) + " FROM packages";
        if (state) sql += " WHERE state = ?";
        if (!page.after.empty()) sql += state ? " AND id < ?" : " WHERE id < ?";
        sql += " ORDER BY id DESC LIMIT ?";
        return transact("listAllPackages", Access::Read, [&](mysql::Session& connection) {
            Statement select = prepare(connection, sql);
            unsigned index = 0;
            if (state) select->setString(++index, textOf(*state));
            if (!page.after.empty()) select->setString(++index, page.after);
            select->setInt(++index, limit + 1);
            return readPage(select, limit);
        });
    }

    std::vector<std::pair<std::string, long>> countPackagesByState() override {
        return transact("countPackagesByState", Access::Read, [&](mysql::Session& connection) {
            return countsOf(connection, "SELECT state, COUNT(*) FROM packages GROUP BY state ORDER BY state");
        });
    }

    std::vector<std::pair<std::string, long>> countPermitsByState() override {
        return transact("countPermitsByState", Access::Read, [&](mysql::Session& connection) {
            return countsOf(connection, "SELECT state, COUNT(*) FROM permits GROUP BY state ORDER BY state");
        });
    }

    std::vector<DepartmentActivity> departmentActivity(core::EpochMillis since, int maxLatencies) override {
        return transact("departmentActivity", Access::Read, [&](mysql::Session& connection) {
            // By code: std::string orders bytes as the utf8mb4_bin collation
            // does. READ COMMITTED gives each query its own snapshot, so a
            // department may first show up in any of them.
            std::map<std::string, DepartmentActivity> byDepartment;
            const auto activityOf = [&byDepartment](const std::string& department) -> DepartmentActivity& {
                auto& activity = byDepartment[department];
                activity.department = department;
                return activity;
            };
            {
                Statement select = prepare(connection,
                                           "SELECT department, SUM(CASE WHEN state = 'PENDING' THEN 1 ELSE 0 END) "
                                           "FROM outbox GROUP BY department");
                Rows rows = query(select);
                while (rows->next()) activityOf(text(rows, 1)).queued = rows->getInt(2);
            }
            {
                Statement select = prepare(connection,
                                           "SELECT o.department, COUNT(*), SUM(CASE WHEN a.outcome IN ('RETRYABLE', "
                                           "'FAILED', 'INVALID_RENDER') THEN 1 ELSE 0 END) FROM dispatch_attempts a "
                                           "JOIN outbox o ON o.message_id = a.message_id WHERE a.started_at >= ? "
                                           "GROUP BY o.department");
                select->setInt64(1, since);
                Rows rows = query(select);
                while (rows->next()) {
                    auto& activity = activityOf(text(rows, 1));
                    activity.attempts = rows->getInt(2);
                    activity.failures = rows->getInt(3);
                }
            }
            if (maxLatencies > 0) {
                Statement select = prepare(connection,
                                           "SELECT department, latency_ms FROM (SELECT o.department, a.latency_ms, "
                                           "ROW_NUMBER() OVER (PARTITION BY o.department ORDER BY a.started_at DESC, "
                                           "a.message_id DESC, a.attempt DESC) AS recency FROM dispatch_attempts a "
                                           "JOIN outbox o ON o.message_id = a.message_id WHERE a.started_at >= ?) "
                                           "recent WHERE recency <= ? ORDER BY department, recency");
                select->setInt64(1, since);
                select->setInt(2, maxLatencies);
                Rows rows = query(select);
                while (rows->next()) activityOf(text(rows, 1)).latenciesMs.push_back(rows->getInt(2));
            }
            {
                Statement select = prepare(connection,
                                           "SELECT o.department, MAX(a.started_at) FROM dispatch_attempts a "
                                           "JOIN outbox o ON o.message_id = a.message_id "
                                           "WHERE a.outcome IN ('ACKNOWLEDGED', 'DECIDED') GROUP BY o.department");
                Rows rows = query(select);
                while (rows->next()) activityOf(text(rows, 1)).lastSuccessAt = rows->getInt64(2);
            }
            std::vector<DepartmentActivity> result;
            result.reserve(byDepartment.size());
            for (auto& entry : byDepartment) result.push_back(std::move(entry.second));
            return result;
        });
    }

    void saveApiToken(const ApiToken& token, const std::string& actor) override {
        transact("saveApiToken " + token.tokenId, Access::Write, [&](mysql::Session& connection) {
            Statement insert = prepare(connection,
                                       "INSERT INTO api_tokens (token_id, token_sha256, role, subject, label, "
                                       "created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?)");
            insert->setString(1, token.tokenId);
            insert->setString(2, token.tokenSha256);
            insert->setString(3, token.role);
            insert->setString(4, token.subject);
            insert->setString(5, token.label);
            insert->setInt64(6, token.createdAt);
            if (token.revokedAt == 0) {
                insert->setNull(7, sql::DataType::BIGINT);
            } else {
                insert->setInt64(7, token.revokedAt);
            }
            insert->executeUpdate();
            core::audit::Batch trail;
            audit::tokenIssued(trail, token, actor);
            writeAudit(connection, trail);
        });
    }

    std::optional<ApiToken> findApiToken(const std::string& tokenSha256) override {
        return transact("findApiToken", Access::Read, [&](mysql::Session& connection) -> std::optional<ApiToken> {
            Statement select = prepare(connection,
                                       "SELECT token_id, token_sha256, role, subject, label, created_at, revoked_at "
                                       "FROM api_tokens WHERE token_sha256 = ?");
            select->setString(1, tokenSha256);
            Rows rows = query(select);
            if (!rows->next()) return std::nullopt;
            return ApiToken{text(rows, 1), text(rows, 2),      text(rows, 3),
                            text(rows, 4), text(rows, 5),      rows->getInt64(6),
                            rows->isNull(7) ? 0 : rows->getInt64(7)};
        });
    }

    bool revokeApiToken(const std::string& tokenId, core::EpochMillis now, const std::string& actor) override {
        return transact("revokeApiToken " + tokenId, Access::Write, [&](mysql::Session& connection) {
            Statement select = prepare(connection, "SELECT revoked_at FROM api_tokens WHERE token_id = ? FOR UPDATE");
            select->setString(1, tokenId);
            Rows rows = query(select);
            if (!rows->next()) return false;
            const bool revoking = rows->isNull(1);
            if (revoking) {
                Statement revoke = prepare(connection, "UPDATE api_tokens SET revoked_at = ? WHERE token_id = ?");
                revoke->setInt64(1, now);
                revoke->setString(2, tokenId);
                revoke->executeUpdate();
            }
            core::audit::Batch trail;
            audit::tokenRevoked(trail, now, actor, tokenId, revoking);
            writeAudit(connection, trail);
            return true;
        });
    }

    std::vector<std::string> auditChains() override {
        return transact("auditChains", Access::Read, [&](mysql::Session& connection) {
            Statement select = prepare(connection,
                                       "SELECT chain FROM audit_heads UNION SELECT DISTINCT chain FROM audit_log "
                                       "ORDER BY 1");
            Rows rows = query(select);
            std::vector<std::string> result;
            while (rows->next()) result.push_back(text(rows, 1));
            return result;
        });
    }

    std::optional<core::audit::Head> auditHead(const std::string& chain) override {
        return transact("auditHead " + chain, Access::Read,
                        [&](mysql::Session& connection) -> std::optional<core::audit::Head> {
            Statement select = prepare(connection, "SELECT seq, hash FROM audit_heads WHERE chain = ?");
            select->setString(1, chain);
            Rows rows = query(select);
            if (!rows->next()) return std::nullopt;
            return core::audit::Head{chain, rows->getInt64(1), text(rows, 2)};
        });
    }

    std::vector<core::audit::Entry> auditEntries(const std::string& chain) override {
        return transact("auditEntries " + chain, Access::Read, [&](mysql::Session& connection) {
            Statement select = prepare(connection,
                                       "SELECT seq, at, kind, actor, subject, detail, prev_hash, hash FROM audit_log "
                                       "WHERE chain = ? ORDER BY seq");
            select->setString(1, chain);
            Rows rows = query(select);
            std::vector<core::audit::Entry> result;
            while (rows->next()) {
                result.push_back(core::audit::Entry{chain, rows->getInt64(1), rows->getInt64(2), text(rows, 3),
                                                    text(rows, 4), text(rows, 5), text(rows, 6), text(rows, 7),
                                                    text(rows, 8)});
            }
            return result;
        });
    }

    std::pair<int, core::audit::Head> anchorAuditChains(core::EpochMillis now, int limit) override {
        return transact("anchorAuditChains", Access::Write, [&](mysql::Session& connection) {
            const std::string global(core::audit::kGlobalChain);
            // The GLOBAL head first: anchoring processes take turns.
            core::audit::Head globalHead = lockHead(connection, global);
            std::vector<core::audit::Head> moved;
            {
                Statement select = prepare(connection,
                                           "SELECT h.chain, h.seq, h.hash FROM audit_heads h LEFT JOIN audit_anchored a "
                                           "ON a.chain = h.chain WHERE h.chain <> 'GLOBAL' AND h.seq > COALESCE(a.seq, 0) "
                                           "ORDER BY h.chain LIMIT ?");
                select->setInt(1, std::max(limit, 0));
                Rows rows = query(select);
                while (rows->next()) moved.push_back({text(rows, 1), rows->getInt64(2), text(rows, 3)});
            }
            core::audit::Batch trail;
            for (const auto& head : moved) {
                trail.add(global, now, core::audit::kAnchor, core::audit::kHubActor, head.chain,
                          core::audit::anchorDetail(head));
            }
            insertRows(
                connection, "INSERT INTO audit_anchored (chain, seq) VALUES ", "(?, ?)", 2, moved,
                [](const Statement& mark, unsigned at, const core::audit::Head& head) {
                    mark->setString(at, head.chain);
                    mark->setInt64(at + 1, head.seq);
                },
                " ON DUPLICATE KEY UPDATE seq = VALUES(seq)");
            auto heads = writeAudit(connection, trail);
            if (!heads.empty()) globalHead = heads.front();
            return std::pair<int, core::audit::Head>{static_cast<int>(moved.size()), globalHead};
        });
    }

  private:
    // Runs `work` in one transaction on a pooled connection and commits.
    // Runs it again, on a fresh connection, after a lost connection (reads
    // always; writes only when the loss came before COMMIT was sent, since
    // the server then rolled back), a deadlock or lock wait timeout, or
    // RunAgain. Everything else from the driver becomes StoreError.
    template <class Work, class Result = std::invoke_result_t<Work&, mysql::Session&>>
    Result transact(const std::string& operation, Access access, Work&& work) {
        for (int attempt = 1;; ++attempt) {
            bool commitSent = false;
            try {
                ConnectionPool::Lease lease = pool_.acquire();
                try {
                    TransactionGuard transaction(lease);
                    if constexpr (std::is_void_v<Result>) {
                        work(*lease);
                        commitSent = true;
                        transaction.commit();
                        return;
                    } else {
                        Result result = work(*lease);
                        commitSent = true;
                        transaction.commit();
                        return result;
                    }
                } catch (const sql::SQLException& error) {
                    if (mysql::isConnectionLost(error)) lease.discard();
                    throw;
                }
            } catch (const RunAgain&) {
                if (attempt >= kMaxAttempts) {
                    throw StoreError("mysql: " + operation + ": gave up after " + std::to_string(attempt) +
                                     " conflicting attempts");
                }
            } catch (const sql::SQLException& error) {
                const int code = error.getErrorCode();
                const bool lost = mysql::isConnectionLost(error);
                const bool retryable = (lost && (access == Access::Read || !commitSent)) ||
                                       (!commitSent && (code == kDeadlock || code == kLockWaitTimeout));
                const int allowed = lost ? 2 : kMaxAttempts;
                if (!retryable || attempt >= allowed) {
                    std::string outcome = lost && commitSent && access == Access::Write
                                              ? " (connection lost during COMMIT: outcome unknown)"
                                              : "";
                    throw StoreError("mysql: " + operation + " on " + pool_.target() + ": " +
                                     mysql::describe(error) + outcome);
                }
            }
        }
    }

    // `sql` yields (name, count) rows.
    static std::vector<std::pair<std::string, long>> countsOf(mysql::Session& connection, const std::string& sql) {
        Statement select = prepare(connection, sql);
        Rows rows = query(select);
        std::vector<std::pair<std::string, long>> result;
        while (rows->next()) result.emplace_back(text(rows, 1), static_cast<long>(rows->getInt64(2)));
        return result;
    }

    static int currentVersion(mysql::Session& connection) {
        Statement select = prepare(connection, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
        Rows rows = query(select);
        rows->next();
        return rows->getInt(1);
    }

    // ---- Saving packages and answers under their keys.

    // One save in its own transaction: the key first, so that a taken key
    // stops it before anything else is written.
    KeyedOutcome saveOne(const NewPackage& package, const KeyedAnswer* answer) {
        return transact("savePackage " + package.id, Access::Write, [&](mysql::Session& connection) {
            if (answer != nullptr) {
                if (auto taken = insertKey(connection, *answer, package.receivedAt)) return *taken;
            }
            writePackages(connection, {&package});
            return KeyedOutcome{};
        });
    }

    // Several saves in one transaction; throws when any of them cannot be
    // written (its key taken, among others), and then none is.
    void writeGroup(const std::vector<SaveGroups::Save*>& group) {
        std::vector<const NewPackage*> packages;
        std::vector<const SaveGroups::Save*> keyed;
        for (const auto* save : group) {
            packages.push_back(save->package);
            if (save->answer != nullptr) keyed.push_back(save);
        }
        transact("savePackage (" + std::to_string(group.size()) + " packages)", Access::Write,
                 [&](mysql::Session& connection) {
                     std::vector<std::unique_ptr<BlobParameter>> bodies;  // must outlive their statements
                     insertRows(connection,
                                "INSERT INTO idempotency_keys (company_id, idem_key, request_sha256, state, status, "
                                "content_type, location, response_body, created_at, updated_at) VALUES ",
                                "(?, ?, ?, 'DONE', ?, ?, ?, ?, ?, ?)", 9, keyed,
                                [&](const Statement& insert, unsigned at, const SaveGroups::Save* save) {
                                    bodies.push_back(
                                        bindKeyRow(insert, at, *save->answer, save->package->receivedAt));
                                });
                     writePackages(connection, packages);
                 });
        for (auto* save : group) save->outcome = KeyedOutcome{};
    }

    // Binds (company_id, idem_key, request_sha256, status, content_type,
    // location, response_body, created_at, updated_at) from `at`; the body,
    // binary-safe, must be kept until the statement has run.
    [[nodiscard]] static std::unique_ptr<BlobParameter> bindKeyRow(const Statement& insert, unsigned at,
                                                                   const KeyedAnswer& answer, core::EpochMillis now) {
        insert->setString(at, answer.key.companyId);
        insert->setString(at + 1, answer.key.key);
        insert->setString(at + 2, answer.requestSha256);
        insert->setInt(at + 3, answer.response.status);
        insert->setString(at + 4, answer.response.contentType);
        insert->setString(at + 5, answer.response.location);
        auto body = std::make_unique<BlobParameter>(insert, at + 6, answer.response.body);
        insert->setInt64(at + 7, now);
        insert->setInt64(at + 8, now);
        return body;
    }

    // Writes the key with its answer; nullopt when it was free (or an
    // abandoned claim of an earlier hub, now taken over), else the outcome
    // of the key as it is (nothing written).
    static std::optional<KeyedOutcome> insertKey(mysql::Session& connection, const KeyedAnswer& answer,
                                                 core::EpochMillis now) {
        Statement insert = prepare(connection,
                                   "INSERT INTO idempotency_keys (company_id, idem_key, request_sha256, state, status, "
                                   "content_type, location, response_body, created_at, updated_at) "
                                   "VALUES (?, ?, ?, 'DONE', ?, ?, ?, ?, ?, ?)");
        const auto body = bindKeyRow(insert, 1, answer, now);
        try {
            insert->executeUpdate();
            return std::nullopt;
        } catch (const sql::SQLException& error) {
            if (error.getErrorCode() != kDuplicateKey) throw;
        }
        // Taken: a concurrent request with the key has committed (the INSERT
        // waited for it). Read without a lock: two such readers must not
        // deadlock upgrading the shared locks their failed INSERTs hold.
        Statement select = prepare(connection,
                                   "SELECT request_sha256, state, status, content_type, location, response_body, "
                                   "created_at FROM idempotency_keys WHERE company_id = ? AND idem_key = ?");
        select->setString(1, answer.key.companyId);
        select->setString(2, answer.key.key);
        Rows rows = query(select);
        if (!rows->next()) throw RunAgain{};  // deleted meanwhile
        const TakenKey taken{text(rows, 1), text(rows, 2),
                             StoredResponse{rows->getInt(3), text(rows, 4), text(rows, 5), text(rows, 6)},
                             rows->getInt64(7)};
        if (auto outcome = outcomeOfTakenKey(taken, answer, now)) return outcome;
        // An earlier hub's claim whose owner never finished: taken over.
        Statement takeOver = prepare(connection,
                                     "UPDATE idempotency_keys SET request_sha256 = ?, state = 'DONE', status = ?, "
                                     "content_type = ?, location = ?, response_body = ?, created_at = ?, "
                                     "updated_at = ? WHERE company_id = ? AND idem_key = ? AND state = 'IN_PROGRESS' "
                                     "AND created_at = ?");
        takeOver->setString(1, answer.requestSha256);
        takeOver->setInt(2, answer.response.status);
        takeOver->setString(3, answer.response.contentType);
        takeOver->setString(4, answer.response.location);
        BlobParameter takenOverBody(takeOver, 5, answer.response.body);
        takeOver->setInt64(6, now);
        takeOver->setInt64(7, now);
        takeOver->setString(8, answer.key.companyId);
        takeOver->setString(9, answer.key.key);
        takeOver->setInt64(10, taken.claimedAt);
        if (takeOver->executeUpdate() == 0) throw RunAgain{};  // another request took it first
        return std::nullopt;
    }

    // The packages with their permits, dispatches, events and audit chains,
    // each table's rows of all of them in multi-row INSERTs.
    static void writePackages(mysql::Session& connection, const std::vector<const NewPackage*>& packages) {
        std::vector<std::unique_ptr<BlobParameter>> originals;  // each must outlive its statement's execution
        insertRows(connection,
                   "INSERT INTO packages (id, company_id, state, received_at, updated_at, original_xml, sha256, "
                   "proposed_name, applicant_reference, notification_url) VALUES ",
                   "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", 10, packages,
                   [&](const Statement& insert, unsigned at, const NewPackage* package) {
                       insert->setString(at, package->id);
                       insert->setString(at + 1, package->companyId);
                       insert->setString(at + 2, textOf(package->state));
                       insert->setInt64(at + 3, package->receivedAt);
                       insert->setInt64(at + 4, package->receivedAt);
                       originals.push_back(std::make_unique<BlobParameter>(insert, at + 5, package->originalXml));
                       insert->setString(at + 6, package->sha256);
                       insert->setString(at + 7, package->proposedName);
                       insert->setString(at + 8, package->applicantReference);
                       insert->setString(at + 9, package->notificationUrl);
                   });
        struct PermitRow { const NewPackage* package; const NewPermit* permit; };
        struct EventRow { const NewPackage* package; const NewEvent* event; };
        std::vector<PermitRow> permits;
        std::vector<EventRow> events;
        for (const NewPackage* package : packages) {
            for (const auto& permit : package->permits) permits.push_back({package, &permit});
            for (const auto& event : package->events) events.push_back({package, &event});
        }
        insertRows(connection,
                   "INSERT INTO permits (package_id, permit, department, state, requested_by_applicant, "
                   "receipt_number, updated_at) VALUES ",
                   "(?, ?, ?, ?, ?, NULL, ?)", 6, permits, [](const Statement& insert, unsigned at, const PermitRow& row) {
                       insert->setString(at, row.package->id);
                       insert->setString(at + 1, row.permit->permit);
                       insert->setString(at + 2, row.permit->department);
                       insert->setString(at + 3, textOf(row.permit->state));
                       insert->setInt(at + 4, row.permit->requestedByApplicant ? 1 : 0);
                       insert->setInt64(at + 5, row.package->receivedAt);
                   });
        std::vector<OutboxRow> outbox;
        for (const NewPackage* package : packages)
            addOutboxRows(outbox, package->id, package->dispatches, package->receivedAt, package->receivedAt);
        insertDispatches(connection, outbox);
        insertRows(connection,
                   "INSERT INTO events (package_id, permit, type, from_state, to_state, detail, at) VALUES ",
                   "(?, ?, ?, ?, ?, ?, ?)", 7, events, [](const Statement& insert, unsigned at, const EventRow& row) {
                       insert->setString(at, row.package->id);
                       insert->setString(at + 1, row.event->permit);
                       insert->setString(at + 2, row.event->type);
                       insert->setString(at + 3, row.event->fromState);
                       insert->setString(at + 4, row.event->toState);
                       insert->setString(at + 5, row.event->detail);
                       insert->setInt64(at + 6, row.event->at);
                   });
        core::audit::Batch trail;
        std::set<std::string> newChains;
        for (const NewPackage* package : packages) {
            audit::packageReceived(trail, *package);
            newChains.insert(package->id);
        }
        writeAudit(connection, trail, &newChains);
    }

    static std::string selectDueSql(std::size_t excludedCount) {
        std::string sql =
            "SELECT message_id, package_id, permit, department, kind, attempts, due_at, payload FROM outbox "
            "WHERE state = 'PENDING' AND due_at <= ? AND (lease_until IS NULL OR lease_until <= ?)";
        if (excludedCount > 0) sql += " AND department NOT IN (" + repeated("?", excludedCount) + ")";
        sql += " ORDER BY due_at, message_id LIMIT ? FOR UPDATE SKIP LOCKED";
        return sql;
    }

    // The row, locked until the transaction ends, while `owner` holds an
    // unexpired lease on it; nullopt otherwise (the fence).
    static std::optional<LeasedRow> lockLeasedRow(mysql::Session& connection, const std::string& messageId,
                                                  const std::string& owner, core::EpochMillis now) {
        Statement select = prepare(connection,
                                   "SELECT package_id, permit, department, kind, attempts FROM outbox "
                                   "WHERE message_id = ? AND state = 'PENDING' AND lease_owner = ? "
                                   "AND lease_until > ? FOR UPDATE");
        select->setString(1, messageId);
        select->setString(2, owner);
        select->setInt64(3, now);
        Rows rows = query(select);
        if (!rows->next()) return std::nullopt;
        return LeasedRow{text(rows, 1), text(rows, 2), text(rows, 3), text(rows, 4), rows->getInt(5)};
    }

    // The number is the row's attempt count after this attempt, whatever
    // `record.attempt` says.
    static void insertAttempt(mysql::Session& connection, const std::string& messageId, int number,
                              const AttemptRecord& record, const LeasedRow& row, core::audit::Batch& trail) {
        audit::attempt(trail, row.packageId, row.permit, row.department, row.kind, messageId, number, record);
        Statement insert = prepare(connection,
                                   "INSERT INTO dispatch_attempts (message_id, attempt, started_at, latency_ms, "
                                   "outcome, http_status, error) VALUES (?, ?, ?, ?, ?, ?, ?)");
        insert->setString(1, messageId);
        insert->setInt(2, number);
        insert->setInt64(3, record.startedAt);
        insert->setInt(4, record.latencyMs);
        insert->setString(5, record.outcome);
        insert->setInt(6, record.httpStatus);
        insert->setString(7, record.error);
        insert->executeUpdate();
    }

    // Throws StateConflict when the permit is not in `from` (transact() then
    // rolls back), StoreError when there is no such permit.
    // Leaves the package's updated_at to the caller (touchPackage).
    static void applyTransition(mysql::Session& connection, const PermitTransition& transition,
                                core::audit::Batch& trail) {
        {
            // The state and, when the transition carries it, the clock in one
            // statement.
            const bool withClock = transition.clock.has_value();
            Statement update = prepare(
                connection, withClock
                                ? "UPDATE permits SET state = ?, receipt_number = COALESCE(?, receipt_number), "
                                  "updated_at = ?, submitted_at = ?, accepted_at = ?, deemed_accepted = ?, "
                                  "suspended_at = ?, paused_working_days = ?, extension_working_days = ?, "
                                  "decided_at = ?, overdue_since = ? WHERE package_id = ? AND permit = ? "
                                  "AND state = ? AND (? = 0 OR updated_at = ?)"
                                : "UPDATE permits SET state = ?, receipt_number = COALESCE(?, receipt_number), "
                                  "updated_at = ? WHERE package_id = ? AND permit = ? AND state = ? "
                                  "AND (? = 0 OR updated_at = ?)");
            update->setString(1, textOf(transition.to));
            if (transition.receiptNumber.empty()) {
                update->setNull(2, sql::DataType::VARCHAR);
            } else {
                update->setString(2, transition.receiptNumber);
            }
            update->setInt64(3, transition.at);
            unsigned next = 4;
            if (withClock) {
                const auto& clock = *transition.clock;
                update->setInt64(next++, clock.submittedAt);
                update->setInt64(next++, clock.acceptedAt);
                update->setInt(next++, clock.deemedAccepted ? 1 : 0);
                update->setInt64(next++, clock.suspendedAt);
                update->setInt(next++, clock.pausedWorkingDays);
                update->setInt(next++, clock.extensionWorkingDays);
                update->setInt64(next++, clock.decidedAt);
                update->setInt64(next++, clock.overdueSince);
            }
            update->setString(next++, transition.packageId);
            update->setString(next++, transition.permit);
            update->setString(next++, textOf(transition.from));
            update->setInt64(next++, transition.expectedUpdatedAt);
            update->setInt64(next, transition.expectedUpdatedAt);
            // CLIENT_FOUND_ROWS: a matched row counts even when nothing changed
            // (from == to with the same receipt and time).
            if (update->executeUpdate() == 0) throwTransitionRefused(connection, transition);
        }
        {
            Statement insert = prepare(connection,
                                       "INSERT INTO events (package_id, permit, type, from_state, to_state, detail, "
                                       "at) VALUES (?, ?, ?, ?, ?, ?, ?)");
            insert->setString(1, transition.packageId);
            insert->setString(2, transition.permit);
            insert->setString(3, transition.eventType);
            insert->setString(4, textOf(transition.from));
            insert->setString(5, textOf(transition.to));
            insert->setString(6, transition.detail);
            insert->setInt64(7, transition.at);
            insert->executeUpdate();
        }
        audit::transition(trail, transition);
    }

    // The package's updated_at moves on to `at` (never back).
    static void touchPackage(mysql::Session& connection, const std::string& packageId, core::EpochMillis at) {
        Statement touch = prepare(connection, "UPDATE packages SET updated_at = GREATEST(updated_at, ?) WHERE id = ?");
        touch->setInt64(1, at);
        touch->setString(2, packageId);
        touch->executeUpdate();
    }

    // `transition` matched no row.
    [[noreturn]] static void throwTransitionRefused(mysql::Session& connection, const PermitTransition& transition) {
        Statement select = prepare(connection, "SELECT state FROM permits WHERE package_id = ? AND permit = ?");
        select->setString(1, transition.packageId);
        select->setString(2, transition.permit);
        Rows rows = query(select);
        if (!rows->next()) {
            throw StoreError("mysql: permit " + transition.permit + " of package " + transition.packageId +
                             " not found");
        }
        throw StateConflict("permit " + transition.permit + " of package " + transition.packageId + " is " +
                            text(rows, 1) + (text(rows, 1) == textOf(transition.from)
                                                 ? ", changed since it was read"
                                                 : ", not " + textOf(transition.from)));
    }

    // A planned write to one package: its transitions, then its follow-ups
    // (the version claim first), then the audit entries of both and of
    // whatever `trail` already holds.
    static void applyPlanned(mysql::Session& connection, const std::string& packageId,
                             const std::vector<PermitTransition>& transitions, const FollowUps& followUps,
                             core::EpochMillis now, core::audit::Batch& trail) {
        const core::EpochMillis touchAt = applyTransitionsOf(connection, packageId, transitions, trail);
        applyFollowUps(connection, packageId, followUps, now, trail, touchAt);
        writeAudit(connection, trail);
    }

    // Every transition must belong to `packageId` (an empty packageId stands for it).
    // Returns the latest transition time (0 for none), which applyFollowUps
    // moves the package's updated_at on to.
    static core::EpochMillis applyTransitionsOf(mysql::Session& connection, const std::string& packageId,
                                   const std::vector<PermitTransition>& transitions, core::audit::Batch& trail) {
        core::EpochMillis latest = 0;
        for (const auto& transition : transitions) {
            if (transition.packageId.empty()) {
                PermitTransition own = transition;
                own.packageId = packageId;
                applyTransition(connection, own, trail);
            } else if (transition.packageId != packageId) {
                throw StoreError("mysql: a transition of package " + transition.packageId +
                                 " given with package " + packageId);
            } else {
                applyTransition(connection, transition, trail);
            }
            latest = std::max(latest, transition.at);
        }
        return latest;
    }

    // A certificate recorded before or a dispatch id already taken fails
    // with a duplicate key, which transact() turns into StoreError.
    // `touchAt`: the package's updated_at moves on to it (0: unchanged).
    static void applyFollowUps(mysql::Session& connection, const std::string& packageId,
                               const FollowUps& followUps, core::EpochMillis now, core::audit::Batch& trail,
                               core::EpochMillis touchAt) {
        if (followUps.expectedPackageVersion) {
            // A current read: waits for a concurrent writer of the package
            // and sees what it committed. It also moves updated_at on.
            Statement claim = prepare(connection,
                                      "UPDATE packages SET version = version + 1, "
                                      "updated_at = GREATEST(updated_at, ?) WHERE id = ? AND version = ?");
            claim->setInt64(1, touchAt);
            claim->setString(2, packageId);
            claim->setInt64(3, *followUps.expectedPackageVersion);
            if (claim->executeUpdate() == 0)
                throw StateConflict("package " + packageId + " changed since it was read (version " +
                                    std::to_string(*followUps.expectedPackageVersion) + ")");
        } else if (touchAt != 0) {
            touchPackage(connection, packageId, touchAt);
        }
        if (followUps.certificate) {
            insertCertificate(connection, *followUps.certificate);
            audit::certificate(trail, *followUps.certificate);
        }
        if (followUps.cancelPendingDispatches) {
            Statement cancel = prepare(connection,
                                       "UPDATE outbox SET state = 'CANCELLED', lease_owner = NULL, lease_until = NULL "
                                       "WHERE package_id = ? AND state = 'PENDING' "
                                       "AND (lease_until IS NULL OR lease_until <= ?)");
            cancel->setString(1, packageId);
            cancel->setInt64(2, now);
            cancel->executeUpdate();
        }
        std::vector<OutboxRow> outbox;
        addOutboxRows(outbox, packageId, followUps.dispatches, now, now);
        insertDispatches(connection, outbox);
        if (followUps.packageState) {
            // Under a version that held, the state is the one planned from.
            const std::optional<core::PackageState> known =
                followUps.expectedPackageVersion ? followUps.packageStateAsRead : std::nullopt;
            changePackageState(connection, packageId, *followUps.packageState, known, now, trail);
        }
    }

    // The dispatches as PENDING outbox rows, up to 16 a statement; a
    // dispatch without a due time (dueAt 0) is due at `defaultDueAt`.
    // One outbox row to insert: a package's dispatch, due at `dueAt` when
    // the dispatch has no due time of its own.
    struct OutboxRow {
        const std::string* packageId;
        const NewDispatch* dispatch;
        core::EpochMillis dueAt;
        core::EpochMillis createdAt;
    };

    static void addOutboxRows(std::vector<OutboxRow>& rows, const std::string& packageId,
                              const std::vector<NewDispatch>& dispatches, core::EpochMillis defaultDueAt,
                              core::EpochMillis createdAt) {
        for (const auto& dispatch : dispatches)
            rows.push_back({&packageId, &dispatch, dispatch.dueAt == 0 ? defaultDueAt : dispatch.dueAt, createdAt});
    }

    static void insertDispatches(mysql::Session& connection, const std::vector<OutboxRow>& rows) {
        std::vector<std::unique_ptr<BlobParameter>> payloads;  // each must outlive its statement's execution
        insertRows(connection,
                   "INSERT INTO outbox (message_id, package_id, permit, department, kind, state, attempts, due_at, "
                   "created_at, payload) VALUES ",
                   "(?, ?, ?, ?, ?, 'PENDING', 0, ?, ?, ?)", 8, rows,
                   [&](const Statement& insert, unsigned at, const OutboxRow& row) {
                       insert->setString(at, row.dispatch->messageId);
                       insert->setString(at + 1, *row.packageId);
                       insert->setString(at + 2, row.dispatch->permit);
                       insert->setString(at + 3, row.dispatch->department);
                       insert->setString(at + 4, row.dispatch->kind);
                       insert->setInt64(at + 5, row.dueAt);
                       insert->setInt64(at + 6, row.createdAt);
                       payloads.push_back(std::make_unique<BlobParameter>(insert, at + 7, row.dispatch->payload));
                   });
    }

    // Any company.
    // With `originalXml`, the package's original bytes are read with its row.
    static std::optional<PackageView> loadPackage(mysql::Session& connection, const std::string& packageId,
                                                  std::string* originalXml = nullptr) {
        PackageView view;
        {
            Statement select = prepare(connection,
                                       originalXml == nullptr
                                           ? "SELECT id, company_id, state, received_at, updated_at, sha256, "
                                             "proposed_name, applicant_reference, notification_url, ready_at, version "
                                             "FROM packages WHERE id = ?"
                                           : "SELECT id, company_id, state, received_at, updated_at, sha256, "
                                             "proposed_name, applicant_reference, notification_url, ready_at, version, "
                                             "original_xml FROM packages WHERE id = ?");
            select->setString(1, packageId);
            Rows rows = query(select);
            if (!rows->next()) return std::nullopt;
            view.id = text(rows, 1);
            view.companyId = text(rows, 2);
            view.state = packageStateOf(text(rows, 3));
            view.receivedAt = rows->getInt64(4);
            view.updatedAt = rows->getInt64(5);
            view.sha256 = text(rows, 6);
            view.proposedName = text(rows, 7);
            view.applicantReference = text(rows, 8);
            view.notificationUrl = text(rows, 9);
            view.readyAt = rows->getInt64(10);
            view.version = rows->getInt64(11);
            if (originalXml != nullptr) *originalXml = text(rows, 12);
        }
        view.permits = loadPermits(connection, packageId);
        return view;
    }

    static std::optional<std::string> loadOriginalXml(mysql::Session& connection, const std::string& packageId) {
        Statement select = prepare(connection, "SELECT original_xml FROM packages WHERE id = ?");
        select->setString(1, packageId);
        Rows rows = query(select);
        if (!rows->next()) return std::nullopt;
        return text(rows, 1);
    }

    static std::optional<InboundRecord> loadInbound(mysql::Session& connection, const std::string& department,
                                                    const std::string& messageId) {
        Statement select = prepare(connection,
                                   "SELECT department, message_id, package_id, permit, sha256, result, to_state, "
                                   "detail, received_at FROM inbound_messages WHERE department = ? AND message_id = ?");
        select->setString(1, department);
        select->setString(2, messageId);
        Rows rows = query(select);
        if (!rows->next()) return std::nullopt;
        return InboundRecord{text(rows, 1), text(rows, 2), text(rows, 3), text(rows, 4),    text(rows, 5),
                             text(rows, 6), text(rows, 7), text(rows, 8), rows->getInt64(9)};
    }

    static std::optional<PermitLocation> locatePermit(mysql::Session& connection, const std::string& department,
                                                      const std::string& receiptNumber) {
        Statement select = prepare(connection,
                                   withPermitColumns("SELECT p.package_id, k.company_id, ",
                                                     " FROM permits p JOIN packages k ON k.id = p.package_id "
                                                     "WHERE p.department = ? AND p.receipt_number = ? "
                                                     "ORDER BY p.package_id DESC, p.permit LIMIT 1"));
        select->setString(1, department);
        select->setString(2, receiptNumber);
        Rows rows = query(select);
        if (!rows->next()) return std::nullopt;
        return PermitLocation{text(rows, 1), text(rows, 2), readPermit(rows, 3)};
    }

    // The package's certificates in the order recorded, each with its outputs
    // in document order (two queries however many certificates).
    static std::vector<CertificateRecord> loadCertificates(mysql::Session& connection, const std::string& packageId) {
        std::vector<CertificateRecord> result;
        {
            Statement select = prepare(connection,
                                       "SELECT permit, department, number, issued_on, valid_until, "
                                       "document_sha256, recorded_at FROM certificates WHERE package_id = ? "
                                       "ORDER BY recorded_at, permit");
            select->setString(1, packageId);
            Rows rows = query(select);
            while (rows->next()) {
                CertificateRecord record;
                record.packageId = packageId;
                record.permit = text(rows, 1);
                record.department = text(rows, 2);
                record.number = text(rows, 3);
                record.issuedOn = text(rows, 4);
                record.validUntil = text(rows, 5);
                record.documentSha256 = text(rows, 6);
                record.recordedAt = rows->getInt64(7);
                result.push_back(std::move(record));
            }
        }
        if (result.empty()) return result;
        Statement select = prepare(connection,
                                   "SELECT permit, name, value FROM certificate_outputs WHERE package_id = ? "
                                   "ORDER BY permit, position");
        select->setString(1, packageId);
        Rows rows = query(select);
        while (rows->next()) {
            const std::string permit = text(rows, 1);
            for (auto& record : result)
                if (record.permit == permit) record.outputs.emplace_back(text(rows, 2), text(rows, 3));
        }
        return result;
    }

    static std::vector<PermitView> loadPermits(mysql::Session& connection, const std::string& packageId) {
        Statement select = prepare(
            connection, withPermitColumns("SELECT ", " FROM permits p WHERE p.package_id = ? ORDER BY p.permit"));
        select->setString(1, packageId);
        Rows rows = query(select);
        std::vector<PermitView> result;
        while (rows->next()) result.push_back(readPermit(rows, 1));
        return result;
    }

    static void insertCertificate(mysql::Session& connection, const CertificateRecord& certificate) {
        {
            Statement insert = prepare(connection,
                                       "INSERT INTO certificates (package_id, permit, department, number, "
                                       "issued_on, valid_until, document_sha256, recorded_at) "
                                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
            insert->setString(1, certificate.packageId);
            insert->setString(2, certificate.permit);
            insert->setString(3, certificate.department);
            insert->setString(4, certificate.number);
            insert->setString(5, certificate.issuedOn);
            insert->setString(6, certificate.validUntil);
            insert->setString(7, certificate.documentSha256);
            insert->setInt64(8, certificate.recordedAt);
            insert->executeUpdate();
        }
        std::vector<std::pair<std::string, std::string>> outputs(certificate.outputs.begin(),
                                                                 certificate.outputs.end());
        int position = 0;
        insertRows(connection, "INSERT INTO certificate_outputs (package_id, permit, position, name, value) VALUES ",
                   "(?, ?, ?, ?, ?)", 5, outputs, [&](const Statement& insert, unsigned at, const auto& output) {
                       insert->setString(at, certificate.packageId);
                       insert->setString(at + 1, certificate.permit);
                       insert->setInt(at + 2, ++position);
                       insert->setString(at + 3, output.first);
                       insert->setString(at + 4, output.second);
                   });
    }

    // A PACKAGE_STATE event only when the state really changes.
    // `known`: the package's current state when the caller holds it locked
    // and knows it (its version claim held); else it is read, locked.
    static void changePackageState(mysql::Session& connection, const std::string& packageId,
                                   core::PackageState state, std::optional<core::PackageState> known,
                                   core::EpochMillis now, core::audit::Batch& trail) {
        std::string current;
        if (known) {
            current = textOf(*known);
        } else {
            Statement select = prepare(connection, "SELECT state FROM packages WHERE id = ? FOR UPDATE");
            select->setString(1, packageId);
            Rows rows = query(select);
            if (!rows->next()) throw StoreError("package " + packageId + " not found");
            current = text(rows, 1);
        }
        if (current == textOf(state)) return;
        {
            Statement update = prepare(connection,
                                       "UPDATE packages SET state = ?, updated_at = GREATEST(updated_at, ?), "
                                       "ready_at = IF(?, ?, ready_at) WHERE id = ?");
            update->setString(1, textOf(state));
            update->setInt64(2, now);
            update->setInt(3, state == core::PackageState::ReadyToOperate ? 1 : 0);
            update->setInt64(4, now);
            update->setString(5, packageId);
            update->executeUpdate();
        }
        Statement insert = prepare(connection,
                                   "INSERT INTO events (package_id, permit, type, from_state, to_state, detail, at) "
                                   "VALUES (?, '', 'PACKAGE_STATE', ?, ?, '', ?)");
        insert->setString(1, packageId);
        insert->setString(2, current);
        insert->setString(3, textOf(state));
        insert->setInt64(4, now);
        insert->executeUpdate();
        audit::packageState(trail, packageId, current, textOf(state), now);
    }

    bool closeIncident(const std::string& incidentId, core::EpochMillis now, const std::string& note,
                       const std::string& actor, IncidentClosing closing) {
        const bool retried = closing == IncidentClosing::Retry;
        return transact("closeIncident " + incidentId, Access::Write, [&](mysql::Session& connection) {
            std::string messageId;
            std::string packageId;
            {
                Statement select = prepare(
                    connection, "SELECT message_id, package_id FROM incidents WHERE id = ? AND state = 'OPEN' FOR UPDATE");
                select->setString(1, incidentId);
                Rows rows = query(select);
                if (!rows->next()) return false;
                messageId = text(rows, 1);
                packageId = text(rows, 2);
            }
            {
                Statement close =
                    prepare(connection, "UPDATE incidents SET state = ?, note = ?, closed_at = ? WHERE id = ?");
                close->setString(1, incidentStateAfter(closing));
                close->setString(2, note);
                close->setInt64(3, now);
                close->setString(4, incidentId);
                close->executeUpdate();
            }
            Statement reopen = prepare(connection,
                                       "UPDATE outbox SET state = ?, due_at = IF(?, ?, due_at), lease_owner = NULL, "
                                       "lease_until = NULL WHERE message_id = ? AND state = 'INCIDENT'");
            reopen->setString(1, retried ? "PENDING" : "CANCELLED");
            reopen->setInt(2, retried ? 1 : 0);
            reopen->setInt64(3, now);
            reopen->setString(4, messageId);
            if (reopen->executeUpdate() == 0) {
                throw StoreError("incident " + incidentId + ": its dispatch " + messageId +
                                 " is not in state INCIDENT");
            }
            core::audit::Batch trail;
            audit::incidentClosed(trail, packageId, now, actor, incidentId, incidentStateAfter(closing), note);
            writeAudit(connection, trail);
            return true;
        });
    }

    // A refusal's chain: its package's when the package exists, else the HUB chain.
    static std::string auditChainOf(mysql::Session& connection, const std::string& packageId) {
        if (!packageId.empty()) {
            Statement select = prepare(connection, "SELECT 1 FROM packages WHERE id = ?");
            select->setString(1, packageId);
            if (query(select)->next()) return packageId;
        }
        return std::string(core::audit::kHubChain);
    }

    // The chain's head, locked until the transaction ends. A chain without a
    // head gets one (seq 0); a concurrent creation of the same head runs the
    // transaction again.
    static core::audit::Head lockHead(mysql::Session& connection, const std::string& chain) {
        for (int round = 0; round < 2; ++round) {
            Statement select = prepare(connection, "SELECT seq, hash FROM audit_heads WHERE chain = ? FOR UPDATE");
            select->setString(1, chain);
            Rows rows = query(select);
            if (rows->next()) return core::audit::Head{chain, rows->getInt64(1), text(rows, 2)};
            Statement insert = prepare(connection, "INSERT INTO audit_heads (chain, seq, hash) VALUES (?, 0, ?)");
            insert->setString(1, chain);
            insert->setString(2, std::string(core::audit::kGenesisHash));
            try {
                insert->executeUpdate();
            } catch (const sql::SQLException& error) {
                if (error.getErrorCode() == kDuplicateKey) throw RunAgain{};
                throw;
            }
        }
        throw StoreError("mysql: audit head of chain " + chain + " vanished while locked");
    }

    // Appends the batch's entries after each chain's head (locked, chains in
    // name order) and moves the heads; returns the new heads, by chain.
    // `newChains`: chains that cannot exist yet (packages being saved): they
    // start at the genesis head, and their heads are inserted at their ends,
    // without a lock and an update (a duplicate fails the transaction).
    static std::vector<core::audit::Head> writeAudit(mysql::Session& connection, core::audit::Batch& trail,
                                                     const std::set<std::string>* newChains = nullptr) {
        std::vector<core::audit::Head> heads;
        std::vector<core::audit::Entry> entries;
        std::vector<core::audit::Head> freshHeads;
        for (auto& [chain, chainEntries] : trail.byChain()) {
            const bool fresh = newChains != nullptr && newChains->count(chain) != 0;
            core::audit::Head head = core::audit::link(
                fresh ? core::audit::Head{chain, 0, std::string(core::audit::kGenesisHash)} : lockHead(connection, chain),
                chainEntries);
            entries.insert(entries.end(), chainEntries.begin(), chainEntries.end());
            if (fresh) {
                freshHeads.push_back(head);
            } else {
                Statement update = prepare(connection, "UPDATE audit_heads SET seq = ?, hash = ? WHERE chain = ?");
                update->setInt64(1, head.seq);
                update->setString(2, head.hash);
                update->setString(3, chain);
                update->executeUpdate();
            }
            heads.push_back(head);
        }
        insertRows(connection,
                   "INSERT INTO audit_log (chain, seq, at, kind, actor, subject, detail, prev_hash, hash) VALUES ",
                   "(?, ?, ?, ?, ?, ?, ?, ?, ?)", 9, entries,
                   [](const Statement& insert, unsigned at, const core::audit::Entry& entry) {
                       insert->setString(at, entry.chain);
                       insert->setInt64(at + 1, entry.seq);
                       insert->setInt64(at + 2, entry.at);
                       insert->setString(at + 3, entry.kind);
                       insert->setString(at + 4, entry.actor);
                       insert->setString(at + 5, entry.subject);
                       insert->setString(at + 6, entry.detail);
                       insert->setString(at + 7, entry.prevHash);
                       insert->setString(at + 8, entry.hash);
                   });
        insertRows(connection, "INSERT INTO audit_heads (chain, seq, hash) VALUES ", "(?, ?, ?)", 3, freshHeads,
                   [](const Statement& insert, unsigned at, const core::audit::Head& head) {
                       insert->setString(at, head.chain);
                       insert->setInt64(at + 1, head.seq);
                       insert->setString(at + 2, head.hash);
                   });
        return heads;
    }

    ConnectionPool pool_;
    // Up to 16 packages a transaction, at most 2 such transactions at once.
    SaveGroups saveGroups_{16, 2};
};

}  // namespace

std::unique_ptr<Store> makeMysqlStore(const config::MysqlConfig& config) {
    return std::make_unique<MysqlStore>(config);
}

void registerMysqlStore(StoreRegistry& registry) {
    registry.add("mysql", [](const config::StoreConfig& config) { return makeMysqlStore(config.mysql); });
}

}  // namespace hub::store
