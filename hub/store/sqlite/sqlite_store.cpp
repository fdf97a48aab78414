#include "store/sqlite/sqlite_store.h"

#include "store/audit_entries.h"
#include "store/state_columns.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>

#include "store/sqlite/sqlite_database.h"
#include "store/sqlite/sqlite_migrations.h"

namespace hub::store {

namespace {

using sqlite::Database;
using sqlite::Query;
using sqlite::Transaction;

core::EpochMillis wallClockNow() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

core::PermitState permitStateOf(const std::string& name) { return store::permitStateOf(name, "sqlite"); }
core::PackageState packageStateOf(const std::string& name) { return store::packageStateOf(name, "sqlite"); }

// The columns readPermit expects, in order, for a query over `permits` (as p).
constexpr std::string_view kPermitColumns =
    "p.permit, p.department, p.state, p.requested_by_applicant, p.receipt_number, p.updated_at, p.submitted_at, "
    "p.accepted_at, p.deemed_accepted, p.suspended_at, p.paused_working_days, p.extension_working_days, "
    "p.decided_at, p.overdue_since";

PermitView readPermit(const sqlite::Statement& row, int first) {
    PermitView view{row.text(first), row.text(first + 1), permitStateOf(row.text(first + 2)),
                    row.integer(first + 3) != 0, row.text(first + 4), row.integer(first + 5), {}};
    view.clock.submittedAt = row.integer(first + 6);
    view.clock.acceptedAt = row.integer(first + 7);
    view.clock.deemedAccepted = row.integer(first + 8) != 0;
    view.clock.suspendedAt = row.integer(first + 9);
    view.clock.pausedWorkingDays = static_cast<int>(row.integer(first + 10));
    view.clock.extensionWorkingDays = static_cast<int>(row.integer(first + 11));
    view.clock.decidedAt = row.integer(first + 12);
    view.clock.overdueSince = row.integer(first + 13);
    return view;
}

std::string withPermitColumns(std::string_view before, std::string_view after) {
    return std::string(before) + std::string(kPermitColumns) + std::string(after);
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

PackageSummary readSummary(const sqlite::Statement& row) {
    return PackageSummary{row.text(0),    row.text(1), packageStateOf(row.text(2)),
                          row.integer(3), row.text(4), row.text(5)};
}

// Reads up to `limit` summaries from a query asked for `limit + 1` rows; the
// extra row only tells that another page follows.
PackagePage readPage(sqlite::Statement& select, int limit) {
    PackagePage result;
    while (select.step()) result.items.push_back(readSummary(select));
    if (static_cast<int>(result.items.size()) > limit) {
        result.items.pop_back();
        result.nextCursor = result.items.back().id;
    }
    return result;
}

// Thread-safety: one connection; every public method holds mutex_ for the
// whole of its transaction, so transactions never interleave in-process.
// Other processes are held off by SQLite's file locks and busy_timeout.
class SqliteStore final : public Store {
  public:
    explicit SqliteStore(const config::SqliteConfig& config) : db_(openFile(config.path)) {
        db_.execute("PRAGMA journal_mode = WAL");
        // FULL: a commit survives power loss, at the cost of one more fsync
        // of the WAL per transaction; see docs/storage.md.
        db_.execute("PRAGMA synchronous = FULL");
        db_.execute("PRAGMA foreign_keys = ON");
        db_.execute("PRAGMA busy_timeout = " + std::to_string(std::max(0, config.busyTimeoutMs)));
    }

    void migrate() override {
        std::lock_guard lock(mutex_);
        db_.execute(sqlite::kCreateSchemaMigrations);
        for (const auto& migration : sqlite::migrations()) {
            Transaction transaction(db_, Transaction::Mode::Write);
            if (currentVersion() >= migration.version) continue;
            for (auto statement : migration.statements) db_.execute(statement);
            Query record(db_, "INSERT INTO schema_migrations (version, applied_at, description) VALUES (?, ?, ?)");
            record->bindInt(1, migration.version);
            record->bindInt(2, wallClockNow());
            record->bindText(3, migration.description);
            record->run();
            transaction.commit();
        }
    }

    int schemaVersion() override {
        std::lock_guard lock(mutex_);
        Transaction transaction(db_, Transaction::Mode::Read);
        return currentVersion();
    }

    int latestSchemaVersion() const override { return sqlite::migrations().back().version; }

    void ping() override {
        std::lock_guard lock(mutex_);
        Query query(db_, "SELECT 1");
        query->step();
    }

    KeyedOutcome storeAnswer(const KeyedAnswer& answer, core::EpochMillis now) override {
        std::lock_guard lock(mutex_);
        Transaction transaction(db_, Transaction::Mode::Write);
        const KeyedOutcome outcome = writeKey(answer, now).value_or(KeyedOutcome{});
        transaction.commit();
        return outcome;
    }

    KeyedOutcome savePackage(const NewPackage& package, const KeyedAnswer* answer) override {
        std::lock_guard lock(mutex_);
        Transaction transaction(db_, Transaction::Mode::Write);
        if (answer != nullptr) {
            if (auto taken = writeKey(*answer, package.receivedAt)) {
                transaction.commit();  // nothing was written
                return *taken;
            }
        }
        {
            Query insert(db_,
                         "INSERT INTO packages (id, company_id, state, received_at, updated_at, original_xml, sha256, "
                         "proposed_name, applicant_reference, notification_url) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
            insert->bindText(1, package.id);
            insert->bindText(2, package.companyId);
            insert->bindText(3, textOf(package.state));
            insert->bindInt(4, package.receivedAt);
            insert->bindInt(5, package.receivedAt);
            insert->bindBlob(6, package.originalXml);
            insert->bindText(7, package.sha256);
            insert->bindText(8, package.proposedName);
            insert->bindText(9, package.applicantReference);
            insert->bindText(10, package.notificationUrl);
            insert->run();
        }
        for (const auto& permit : package.permits) {
            Query insert(db_,
                         "INSERT INTO permits (package_id, permit, department, state, requested_by_applicant, "
                         "receipt_number, updated_at) VALUES (?, ?, ?, ?, ?, NULL, ?)");
            insert->bindText(1, package.id);
            insert->bindText(2, permit.permit);
            insert->bindText(3, permit.department);
            insert->bindText(4, textOf(permit.state));
            insert->bindInt(5, permit.requestedByApplicant ? 1 : 0);
            insert->bindInt(6, package.receivedAt);
            insert->run();
        }
        for (const auto& dispatch : package.dispatches) {
            insertDispatch(package.id, dispatch, dispatch.dueAt, package.receivedAt);
        }
        for (const auto& event : package.events) {
            Query insert(db_,
                         "INSERT INTO events (package_id, permit, type, from_state, to_state, detail, at) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?)");
            insert->bindText(1, package.id);
            insert->bindText(2, event.permit);
            insert->bindText(3, event.type);
            insert->bindText(4, event.fromState);
            insert->bindText(5, event.toState);
            insert->bindText(6, event.detail);
            insert->bindInt(7, event.at);
            insert->run();
        }
        core::audit::Batch trail;
        audit::packageReceived(trail, package);
        writeAudit(trail);
        transaction.commit();
        return KeyedOutcome{};
    }

    std::optional<PackageView> findPackage(const std::string& companyId, const std::string& packageId) override {
        std::lock_guard lock(mutex_);
        Transaction transaction(db_, Transaction::Mode::Read);
        auto view = loadPackage(packageId);
        if (!view || view->companyId != companyId) return std::nullopt;
        return view;
    }

    PackagePage listPackages(const std::string& companyId, const PageRequest& page) override {
        const int limit = std::clamp(page.limit, 1, 100);
        std::lock_guard lock(mutex_);
        Transaction transaction(db_, Transaction::Mode::Read);
        Query select(db_, "SELECT " + std::string(kSummaryColumns) +
                              " FROM packages WHERE company_id = ? AND (? = '' OR id < ?) ORDER BY id DESC LIMIT ?");
        select->bindText(1, companyId);
        select->bindText(2, page.after);
        select->bindText(3, page.after);
        select->bindInt(4, limit + 1);
        return readPage(*select, limit);
    }

    std::optional<std::string> originalXml(const std::string& packageId) override {
        std::lock_guard lock(mutex_);
        Transaction transaction(db_, Transaction::Mode::Read);
        Query select(db_, "SELECT original_xml FROM packages WHERE id = ?");
        select->bindText(1, packageId);
        if (!select->step()) return std::nullopt;
        return select->blob(0);
    }

    std::vector<DispatchView> dispatchesOf(const std::string& packageId) override {
        std::lock_guard lock(mutex_);
        Transaction transaction(db_, Transaction::Mode::Read);
        Query select(db_,
                     "SELECT message_id, permit, department, kind, state, attempts, due_at FROM outbox "
                     "WHERE package_id = ? ORDER BY due_at, permit, message_id");
        select->bindText(1, packageId);
        std::vector<DispatchView> result;
        while (select->step()) {
            result.push_back(DispatchView{select->text(0), select->text(1), select->text(2), select->text(3),
                                          select->text(4), static_cast<int>(select->integer(5)),
                                          select->integer(6)});
        }
        return result;
    }

    std::vector<EventView> eventsOf(const std::string& packageId) override {
        std::lock_guard lock(mutex_);
        Transaction transaction(db_, Transaction::Mode::Read);
        Query select(db_,
                     "SELECT sequence, permit, type, from_state, to_state, detail, at FROM events "
                     "WHERE package_id = ? ORDER BY sequence");
        select->bindText(1, packageId);
        std::vector<EventView> result;
        while (select->step()) {
            result.push_back(EventView{select->integer(0), select->text(1), select->text(2), select->text(3),
                                       select->text(4), select->text(5), select->integer(6)});
        }
        return result;
    }

    std::vector<LeasedDispatch> leaseDueDispatches(const std::string& owner, core::EpochMillis now,
                                                   core::EpochMillis leaseMs, int limit,
                                                   const std::vector<std::string>& excludedDepartments) override {
        std::vector<LeasedDispatch> leased;
        if (limit <= 0) return leased;
        const core::EpochMillis leaseUntil = now + leaseMs;
        std::lock_guard lock(mutex_);
        Transaction transaction(db_, Transaction::Mode::Write);
        {
            Query select(db_, selectDueSql(excludedDepartments.size()));
            int index = 0;
            select->bindInt(++index, now);
            select->bindInt(++index, now);
            for (const auto& department : excludedDepartments) select->bindText(++index, department);
            select->bindInt(++index, limit);
            while (select->step()) {
                leased.push_back(LeasedDispatch{select->text(0), select->text(1), select->text(2), select->text(3),
                                                select->text(4), static_cast<int>(select->integer(5)),
                                                select->integer(6), leaseUntil, select->blob(7)});
            }
        }
        for (const auto& dispatch : leased) {
            Query update(db_, "UPDATE outbox SET lease_owner = ?, lease_until = ? WHERE message_id = ?");
            update->bindText(1, owner);
            update->bindInt(2, leaseUntil);
            update->bindText(3, dispatch.messageId);
            update->run();
        }
        transaction.commit();
        return leased;
    }

    bool completeDispatch(const std::string& messageId, const std::string& owner, core::EpochMillis now,
                          const AttemptRecord& attempt, const std::vector<PermitTransition>& transitions,
                          const FollowUps& followUps) override {
        std::lock_guard lock(mutex_);
        Transaction transaction(db_, Transaction::Mode::Write);
        auto row = leasedRow(messageId, owner, now);
        if (!row) return false;
        {
            Query update(db_,
                         "UPDATE outbox SET state = 'DONE', attempts = attempts + 1, lease_owner = NULL, "
                         "lease_until = NULL WHERE message_id = ?");
            update->bindText(1, messageId);
            update->run();
        }
        core::audit::Batch trail;
        insertAttempt(messageId, row->attempts + 1, attempt, *row, trail);
        for (const auto& transition : transitions) applyTransition(transition, trail);
        applyFollowUps(row->packageId, followUps, now, trail);
        writeAudit(trail);
        transaction.commit();
        return true;
    }

    std::vector<CertificateRecord> certificatesOf(const std::string& packageId) override {
        std::lock_guard lock(mutex_);
        Transaction transaction(db_, Transaction::Mode::Read);
        std::vector<CertificateRecord> result;
        {
            Query select(db_,
                         "SELECT permit, department, number, issued_on, valid_until, document_sha256, recorded_at "
                         "FROM certificates WHERE package_id = ? ORDER BY recorded_at, permit");
            select->bindText(1, packageId);
            while (select->step()) {
                CertificateRecord record;
                record.packageId = packageId;
                record.permit = select->text(0);
                record.department = select->text(1);
                record.number = select->text(2);
                record.issuedOn = select->text(3);
                record.validUntil = select->text(4);
                record.documentSha256 = select->text(5);
                record.recordedAt = select->integer(6);
                result.push_back(std::move(record));
            }
        }
        for (auto& record : result) {
            Query outputs(db_,
                          "SELECT name, value FROM certificate_outputs WHERE package_id = ? AND permit = ? "
                          "ORDER BY position");
            outputs->bindText(1, packageId);
            outputs->bindText(2, record.permit);
            while (outputs->step()) record.outputs.emplace_back(outputs->text(0), outputs->text(1));
        }
        return result;
    }

    std::vector<PermitView> permitsOf(const std::string& packageId) override {
        std::lock_guard lock(mutex_);
        Transaction transaction(db_, Transaction::Mode::Read);
        return loadPermits(packageId);
    }

    bool retryDispatchLater(const std::string& messageId, const std::string& owner, core::EpochMillis now,
                            const AttemptRecord& attempt, core::EpochMillis nextDueAt) override {
        std::lock_guard lock(mutex_);
        Transaction transaction(db_, Transaction::Mode::Write);
        auto row = leasedRow(messageId, owner, now);
        if (!row) return false;
        {
            Query update(db_,
                         "UPDATE outbox SET attempts = attempts + 1, due_at = ?, lease_owner = NULL, "
                         "lease_until = NULL WHERE message_id = ?");
            update->bindInt(1, nextDueAt);
            update->bindText(2, messageId);
            update->run();
        }
        core::audit::Batch trail;
        insertAttempt(messageId, row->attempts + 1, attempt, *row, trail);
        writeAudit(trail);
        transaction.commit();
        return true;
    }

    bool parkDispatch(const std::string& messageId, const std::string& owner, core::EpochMillis now,
                      const AttemptRecord& attempt, const std::string& incidentId,
                      const std::string& reason) override {
        std::lock_guard lock(mutex_);
        Transaction transaction(db_, Transaction::Mode::Write);
        auto row = leasedRow(messageId, owner, now);
        if (!row) return false;
        {
            Query update(db_,
                         "UPDATE outbox SET state = 'INCIDENT', attempts = attempts + 1, lease_owner = NULL, "
                         "lease_until = NULL WHERE message_id = ?");
            update->bindText(1, messageId);
            update->run();
        }
        core::audit::Batch trail;
        insertAttempt(messageId, row->attempts + 1, attempt, *row, trail);
        audit::incidentOpened(trail, row->packageId, row->permit, incidentId, reason, now);
        {
            Query insert(db_,
                         "INSERT INTO incidents (id, message_id, package_id, permit, department, kind, reason, "
                         "state, note, created_at, closed_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'OPEN', '', ?, NULL)");
            insert->bindText(1, incidentId);
            insert->bindText(2, messageId);
            insert->bindText(3, row->packageId);
            insert->bindText(4, row->permit);
            insert->bindText(5, row->department);
            insert->bindText(6, row->kind);
            insert->bindText(7, reason);
            insert->bindInt(8, now);
            insert->run();
        }
        writeAudit(trail);
        transaction.commit();
        return true;
    }

    bool releaseDispatch(const std::string& messageId, const std::string& owner) override {
        std::lock_guard lock(mutex_);
        Transaction transaction(db_, Transaction::Mode::Write);
        Query update(db_,
                     "UPDATE outbox SET lease_owner = NULL, lease_until = NULL "
                     "WHERE message_id = ? AND state = 'PENDING' AND lease_owner = ?");
        update->bindText(1, messageId);
        update->bindText(2, owner);
        const bool released = update->run() > 0;
        transaction.commit();
        return released;
    }

    std::vector<AttemptView> attemptsOf(const std::string& messageId) override {
        std::lock_guard lock(mutex_);
        Transaction transaction(db_, Transaction::Mode::Read);
        Query select(db_,
                     "SELECT attempt, started_at, latency_ms, outcome, http_status, error FROM dispatch_attempts "
                     "WHERE message_id = ? ORDER BY attempt");
        select->bindText(1, messageId);
        std::vector<AttemptView> result;
        while (select->step()) {
            result.push_back(AttemptView{
                messageId, AttemptRecord{static_cast<int>(select->integer(0)), select->integer(1),
                                         static_cast<int>(select->integer(2)), select->text(3),
                                         static_cast<int>(select->integer(4)), select->text(5)}});
        }
        return result;
    }

    void applyTransitions(const std::string& packageId, core::EpochMillis now,
                          const std::vector<PermitTransition>& transitions, const FollowUps& followUps) override {
        std::lock_guard lock(mutex_);
        Transaction transaction(db_, Transaction::Mode::Write);
        core::audit::Batch trail;
        applyTransitionsOf(packageId, transitions, trail);
        applyFollowUps(packageId, followUps, now, trail);
        writeAudit(trail);
        transaction.commit();
    }

    InboundOutcome applyInbound(const InboundRecord& record, const std::vector<PermitTransition>& transitions,
                                const FollowUps& followUps) override {
        std::lock_guard lock(mutex_);
        // IMMEDIATE: other processes are locked out from the duplicate check
        // to the commit, so the check cannot race.
        Transaction transaction(db_, Transaction::Mode::Write);
        {
            Query select(db_, "SELECT 1 FROM inbound_messages WHERE department = ? AND message_id = ?");
            select->bindText(1, record.department);
            select->bindText(2, record.messageId);
            if (select->step()) return InboundOutcome::Duplicate;
        }
        {
            Query insert(db_,
                         "INSERT INTO inbound_messages (department, message_id, package_id, permit, sha256, result, "
                         "to_state, detail, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
            insert->bindText(1, record.department);
            insert->bindText(2, record.messageId);
            insert->bindText(3, record.packageId);
            insert->bindText(4, record.permit);
            insert->bindText(5, record.sha256);
            insert->bindText(6, record.result);
            insert->bindText(7, record.toState);
            insert->bindText(8, record.detail);
            insert->bindInt(9, record.receivedAt);
            insert->run();
        }
        core::audit::Batch trail;
        audit::inbound(trail, record);
        applyTransitionsOf(record.packageId, transitions, trail);
        applyFollowUps(record.packageId, followUps, record.receivedAt, trail);
        writeAudit(trail);
        transaction.commit();
        return InboundOutcome::Applied;
    }

    std::optional<InboundRecord> findInbound(const std::string& department, const std::string& messageId) override {
        std::lock_guard lock(mutex_);
        Transaction transaction(db_, Transaction::Mode::Read);
        Query select(db_,
                     "SELECT department, message_id, package_id, permit, sha256, result, to_state, detail, "
                     "received_at FROM inbound_messages WHERE department = ? AND message_id = ?");
        select->bindText(1, department);
        select->bindText(2, messageId);
        if (!select->step()) return std::nullopt;
        return InboundRecord{select->text(0), select->text(1), select->text(2), select->text(3),  select->text(4),
                             select->text(5), select->text(6), select->text(7), select->integer(8)};
    }

    void recordRefusedInbound(const RefusedInbound& refused) override {
        std::lock_guard lock(mutex_);
        Transaction transaction(db_, Transaction::Mode::Write);
        Query insert(db_,
                     "INSERT INTO refused_inbound (department, message_id, package_id, permit, code, detail, sha256, "
                     "at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
        insert->bindText(1, refused.department);
        insert->bindText(2, refused.messageId);
        insert->bindText(3, refused.packageId);
        insert->bindText(4, refused.permit);
        insert->bindText(5, refused.code);
        insert->bindText(6, refused.detail);
        insert->bindText(7, refused.sha256);
        insert->bindInt(8, refused.at);
        insert->run();
        core::audit::Batch trail;
        audit::refused(trail, auditChainOf(refused.packageId), refused);
        writeAudit(trail);
        transaction.commit();
    }

    std::vector<RefusedInbound> listRefusedInbound(int limit) override {
        std::vector<RefusedInbound> result;
        if (limit <= 0) return result;
        std::lock_guard lock(mutex_);
        Transaction transaction(db_, Transaction::Mode::Read);
        Query select(db_,
                     "SELECT sequence, department, message_id, package_id, permit, code, detail, sha256, at "
                     "FROM refused_inbound ORDER BY sequence DESC LIMIT ?");
        select->bindInt(1, limit);
        while (select->step()) {
            result.push_back(RefusedInbound{select->integer(0), select->text(1), select->text(2), select->text(3),
                                            select->text(4),    select->text(5), select->text(6), select->text(7),
                                            select->integer(8)});
        }
        return result;
    }

    std::optional<PermitLocation> findPermitByReceipt(const std::string& department,
                                                      const std::string& receiptNumber) override {
        std::lock_guard lock(mutex_);
        Transaction transaction(db_, Transaction::Mode::Read);
        Query select(db_, withPermitColumns("SELECT p.package_id, k.company_id, ",
                                            " FROM permits p JOIN packages k ON k.id = p.package_id "
                                            "WHERE p.department = ? AND p.receipt_number = ? "
                                            "ORDER BY p.package_id DESC, p.permit LIMIT 1"));
        select->bindText(1, department);
        select->bindText(2, receiptNumber);
        if (!select->step()) return std::nullopt;
        return PermitLocation{select->text(0), select->text(1), readPermit(*select, 2)};
    }

    void setDepartmentPaused(const std::string& department, bool paused, const std::string& note,
                             core::EpochMillis now, const std::string& actor) override {
        std::lock_guard lock(mutex_);
        Transaction transaction(db_, Transaction::Mode::Write);
        if (paused) {
            Query insert(db_,
                         "INSERT INTO department_pauses (department, paused_at, note) VALUES (?, ?, ?) "
                         "ON CONFLICT (department) DO UPDATE SET note = excluded.note");
            insert->bindText(1, department);
            insert->bindInt(2, now);
            insert->bindText(3, note);
            insert->run();
        } else {
            Query remove(db_, "DELETE FROM department_pauses WHERE department = ?");
            remove->bindText(1, department);
            remove->run();
        }
        core::audit::Batch trail;
        audit::departmentPause(trail, now, actor, department, paused, note);
        writeAudit(trail);
        transaction.commit();
    }

    std::vector<DepartmentPause> pausedDepartments() override {
        std::lock_guard lock(mutex_);
        Transaction transaction(db_, Transaction::Mode::Read);
        Query select(db_, "SELECT department, paused_at, note FROM department_pauses ORDER BY department");
        std::vector<DepartmentPause> result;
        while (select->step()) result.push_back({select->text(0), select->integer(1), select->text(2)});
        return result;
    }

    bool hasUnsettledCalls(const std::string& department) override {
        std::lock_guard lock(mutex_);
        Transaction transaction(db_, Transaction::Mode::Read);
        Query select(db_,
                     "SELECT 1 FROM outbox WHERE department = ? AND kind IN ('SUBMIT', 'CORRECTION') "
                     "AND state = 'PENDING' AND (lease_owner IS NOT NULL OR attempts > 0) LIMIT 1");
        select->bindText(1, department);
        return select->step();
    }

    std::vector<PermitLocation> permitsInStates(const std::vector<core::PermitState>& states, int limit) override {
        std::vector<PermitLocation> result;
        if (states.empty() || limit <= 0) return result;
        std::string sql = withPermitColumns("SELECT p.package_id, k.company_id, ",
                                            " FROM permits p JOIN packages k ON k.id = p.package_id "
                                            "WHERE p.state IN (?");
        for (std::size_t i = 1; i < states.size(); ++i) sql += ", ?";
        sql += ") ORDER BY p.updated_at, p.package_id, p.permit LIMIT ?";
        std::lock_guard lock(mutex_);
        Transaction transaction(db_, Transaction::Mode::Read);
        Query select(db_, sql);
        int index = 0;
        for (auto state : states) select->bindText(++index, textOf(state));
        select->bindInt(++index, limit);
        while (select->step()) {
            result.push_back(PermitLocation{select->text(0), select->text(1), readPermit(*select, 2)});
        }
        return result;
    }

    std::optional<PackageView> packageById(const std::string& packageId) override {
        std::lock_guard lock(mutex_);
        Transaction transaction(db_, Transaction::Mode::Read);
        return loadPackage(packageId);
    }

    std::vector<IncidentView> listIncidents(bool openOnly) override {
        std::lock_guard lock(mutex_);
        Transaction transaction(db_, Transaction::Mode::Read);
        Query select(db_,
                     "SELECT id, message_id, package_id, permit, department, kind, reason, state, note, created_at, "
                     "closed_at FROM incidents WHERE (? = 0 OR state = 'OPEN') ORDER BY created_at DESC, id DESC");
        select->bindInt(1, openOnly ? 1 : 0);
        std::vector<IncidentView> result;
        while (select->step()) {
            result.push_back(IncidentView{select->text(0), select->text(1), select->text(2), select->text(3),
                                          select->text(4), select->text(5), select->text(6), select->text(7),
                                          select->text(8), select->integer(9), select->integer(10)});
        }
        return result;
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
        // Only the conditions that apply, so the planner can range over
        // packages_state or the primary key.
        std::string sql = "SELECT " + std::string(kSummaryColumns) + " FROM packages";
        if (state) sql += " WHERE state = ?";
        if (!page.after.empty()) sql += state ? " AND id < ?" : " WHERE id < ?";
        sql += " ORDER BY id DESC LIMIT ?";
        std::lock_guard lock(mutex_);
        Transaction transaction(db_, Transaction::Mode::Read);
        Query select(db_, sql);
        int index = 0;
        if (state) select->bindText(++index, textOf(*state));
        if (!page.after.empty()) select->bindText(++index, page.after);
        select->bindInt(++index, limit + 1);
        return readPage(*select, limit);
    }

    std::vector<std::pair<std::string, long>> countPackagesByState() override {
        std::lock_guard lock(mutex_);
        Transaction transaction(db_, Transaction::Mode::Read);
        return countsOf("SELECT state, COUNT(*) FROM packages GROUP BY state ORDER BY state");
    }

    std::vector<std::pair<std::string, long>> countPermitsByState() override {
        std::lock_guard lock(mutex_);
        Transaction transaction(db_, Transaction::Mode::Read);
        return countsOf("SELECT state, COUNT(*) FROM permits GROUP BY state ORDER BY state");
    }

    std::vector<DepartmentActivity> departmentActivity(core::EpochMillis since, int maxLatencies) override {
        std::lock_guard lock(mutex_);
        Transaction transaction(db_, Transaction::Mode::Read);
        // By code: std::string orders bytes as the BINARY collation does.
        std::map<std::string, DepartmentActivity> byDepartment;
        const auto activityOf = [&byDepartment](const std::string& department) -> DepartmentActivity& {
            auto& activity = byDepartment[department];
            activity.department = department;
            return activity;
        };
        {
            Query select(db_,
                         "SELECT department, SUM(CASE WHEN state = 'PENDING' THEN 1 ELSE 0 END) FROM outbox "
                         "GROUP BY department");
            while (select->step()) activityOf(select->text(0)).queued = static_cast<int>(select->integer(1));
        }
        {
            Query select(db_,
                         "SELECT o.department, COUNT(*), SUM(CASE WHEN a.outcome IN ('RETRYABLE', 'FAILED', "
                         "'INVALID_RENDER') THEN 1 ELSE 0 END) FROM dispatch_attempts a "
                         "JOIN outbox o ON o.message_id = a.message_id WHERE a.started_at >= ? "
                         "GROUP BY o.department");
            select->bindInt(1, since);
            while (select->step()) {
                auto& activity = activityOf(select->text(0));
                activity.attempts = static_cast<int>(select->integer(1));
                activity.failures = static_cast<int>(select->integer(2));
            }
        }
        if (maxLatencies > 0) {
            Query select(db_,
                         "SELECT department, latency_ms FROM (SELECT o.department, a.latency_ms, ROW_NUMBER() "
                         "OVER (PARTITION BY o.department ORDER BY a.started_at DESC, a.message_id DESC, "
                         "a.attempt DESC) AS recency FROM dispatch_attempts a "
                         "JOIN outbox o ON o.message_id = a.message_id WHERE a.started_at >= ?) "
                         "WHERE recency <= ? ORDER BY department, recency");
            select->bindInt(1, since);
            select->bindInt(2, maxLatencies);
            while (select->step()) {
                activityOf(select->text(0)).latenciesMs.push_back(static_cast<int>(select->integer(1)));
            }
        }
        {
            Query select(db_,
                         "SELECT o.department, MAX(a.started_at) FROM dispatch_attempts a "
                         "JOIN outbox o ON o.message_id = a.message_id "
                         "WHERE a.outcome IN ('ACKNOWLEDGED', 'DECIDED') GROUP BY o.department");
            while (select->step()) activityOf(select->text(0)).lastSuccessAt = select->integer(1);
        }
        std::vector<DepartmentActivity> result;
        result.reserve(byDepartment.size());
        for (auto& entry : byDepartment) result.push_back(std::move(entry.second));
        return result;
    }

    void saveApiToken(const ApiToken& token, const std::string& actor) override {
        std::lock_guard lock(mutex_);
        Transaction transaction(db_, Transaction::Mode::Write);
        Query insert(db_,
                     "INSERT INTO api_tokens (token_id, token_sha256, role, subject, label, created_at, revoked_at) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?)");
        insert->bindText(1, token.tokenId);
        insert->bindText(2, token.tokenSha256);
        insert->bindText(3, token.role);
        insert->bindText(4, token.subject);
        insert->bindText(5, token.label);
        insert->bindInt(6, token.createdAt);
        if (token.revokedAt == 0) {
            insert->bindNull(7);
        } else {
            insert->bindInt(7, token.revokedAt);
        }
        insert->run();
        core::audit::Batch trail;
        audit::tokenIssued(trail, token, actor);
        writeAudit(trail);
        transaction.commit();
    }

    std::optional<ApiToken> findApiToken(const std::string& tokenSha256) override {
        std::lock_guard lock(mutex_);
        Transaction transaction(db_, Transaction::Mode::Read);
        Query select(db_,
                     "SELECT token_id, token_sha256, role, subject, label, created_at, revoked_at FROM api_tokens "
                     "WHERE token_sha256 = ?");
        select->bindText(1, tokenSha256);
        if (!select->step()) return std::nullopt;
        return ApiToken{select->text(0), select->text(1), select->text(2),    select->text(3),
                        select->text(4), select->integer(5), select->integer(6)};
    }

    bool revokeApiToken(const std::string& tokenId, core::EpochMillis now, const std::string& actor) override {
        std::lock_guard lock(mutex_);
        Transaction transaction(db_, Transaction::Mode::Write);
        bool known = false;
        {
            Query select(db_, "SELECT 1 FROM api_tokens WHERE token_id = ?");
            select->bindText(1, tokenId);
            known = select->step();
        }
        if (known) {
            Query revoke(db_, "UPDATE api_tokens SET revoked_at = ? WHERE token_id = ? AND revoked_at IS NULL");
            revoke->bindInt(1, now);
            revoke->bindText(2, tokenId);
            const bool revoked = revoke->run() > 0;
            core::audit::Batch trail;
            audit::tokenRevoked(trail, now, actor, tokenId, revoked);
            writeAudit(trail);
        }
        transaction.commit();
        return known;
    }

    std::vector<std::string> auditChains() override {
        std::lock_guard lock(mutex_);
        Transaction transaction(db_, Transaction::Mode::Read);
        Query select(db_, "SELECT chain FROM audit_heads UNION SELECT DISTINCT chain FROM audit_log ORDER BY 1");
        std::vector<std::string> result;
        while (select->step()) result.push_back(select->text(0));
        return result;
    }

    std::optional<core::audit::Head> auditHead(const std::string& chain) override {
        std::lock_guard lock(mutex_);
        Transaction transaction(db_, Transaction::Mode::Read);
        Query select(db_, "SELECT seq, hash FROM audit_heads WHERE chain = ?");
        select->bindText(1, chain);
        if (!select->step()) return std::nullopt;
        return core::audit::Head{chain, select->integer(0), select->text(1)};
    }

    std::vector<core::audit::Entry> auditEntries(const std::string& chain) override {
        std::lock_guard lock(mutex_);
        Transaction transaction(db_, Transaction::Mode::Read);
        Query select(db_,
                     "SELECT seq, at, kind, actor, subject, detail, prev_hash, hash FROM audit_log WHERE chain = ? "
                     "ORDER BY seq");
        select->bindText(1, chain);
        std::vector<core::audit::Entry> result;
        while (select->step()) {
            result.push_back(core::audit::Entry{chain, select->integer(0), select->integer(1), select->text(2),
                                                select->text(3), select->text(4), select->text(5), select->text(6),
                                                select->text(7)});
        }
        return result;
    }

    std::pair<int, core::audit::Head> anchorAuditChains(core::EpochMillis now, int limit) override {
        std::lock_guard lock(mutex_);
        Transaction transaction(db_, Transaction::Mode::Write);
        std::vector<core::audit::Head> moved;
        {
            Query select(db_,
                         "SELECT h.chain, h.seq, h.hash FROM audit_heads h LEFT JOIN audit_anchored a "
                         "ON a.chain = h.chain WHERE h.chain <> 'GLOBAL' AND h.seq > COALESCE(a.seq, 0) "
                         "ORDER BY h.chain LIMIT ?");
            select->bindInt(1, std::max(limit, 0));
            while (select->step()) moved.push_back({select->text(0), select->integer(1), select->text(2)});
        }
        core::audit::Batch trail;
        const std::string global(core::audit::kGlobalChain);
        for (const auto& head : moved) {
            trail.add(global, now, core::audit::kAnchor, core::audit::kHubActor, head.chain,
                      core::audit::anchorDetail(head));
            Query mark(db_,
                       "INSERT INTO audit_anchored (chain, seq) VALUES (?, ?) "
                       "ON CONFLICT (chain) DO UPDATE SET seq = excluded.seq");
            mark->bindText(1, head.chain);
            mark->bindInt(2, head.seq);
            mark->run();
        }
        auto heads = writeAudit(trail);
        core::audit::Head globalHead{global};
        if (!heads.empty()) {
            globalHead = heads.front();
        } else {
            Query select(db_, "SELECT seq, hash FROM audit_heads WHERE chain = 'GLOBAL'");
            if (select->step()) globalHead = {global, select->integer(0), select->text(1)};
        }
        transaction.commit();
        return {static_cast<int>(moved.size()), globalHead};
    }

  private:
    static Database openFile(const std::string& path) {
        if (path != ":memory:" && path.rfind("file:", 0) != 0) {
            std::filesystem::path parent = std::filesystem::path(path).parent_path();
            std::error_code error;
            if (!parent.empty()) std::filesystem::create_directories(parent, error);
            if (error) {
                throw StoreError("sqlite: cannot create folder \"" + parent.string() + "\": " + error.message());
            }
        }
        return Database(path);
    }

    // Caller holds mutex_ inside a transaction. `sql` yields (name, count) rows.
    std::vector<std::pair<std::string, long>> countsOf(std::string_view sql) {
        Query select(db_, sql);
        std::vector<std::pair<std::string, long>> result;
        while (select->step()) result.emplace_back(select->text(0), static_cast<long>(select->integer(1)));
        return result;
    }

    // Caller holds mutex_ inside a transaction.
    int currentVersion() {
        {
            Query exists(db_, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'");
            if (!exists->step()) return 0;
        }
        Query select(db_, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
        select->step();
        return static_cast<int>(select->integer(0));
    }

    // Caller holds mutex_ inside a write transaction.
    // Writes the key with its answer (caller holds the write transaction);
    // nullopt when it was free (or an abandoned claim of an earlier hub, now
    // taken over), else the outcome of the key as it is (nothing written).
    std::optional<KeyedOutcome> writeKey(const KeyedAnswer& answer, core::EpochMillis now) {
        Query existing(db_,
                       "SELECT request_sha256, state, status, content_type, location, response_body, created_at "
                       "FROM idempotency_keys WHERE company_id = ? AND idem_key = ?");
        existing->bindText(1, answer.key.companyId);
        existing->bindText(2, answer.key.key);
        bool takeOver = false;
        if (existing->step()) {
            const TakenKey taken{existing->text(0), existing->text(1),
                                 StoredResponse{static_cast<int>(existing->integer(2)), existing->text(3),
                                                existing->text(4), existing->blob(5)},
                                 existing->integer(6)};
            if (auto outcome = outcomeOfTakenKey(taken, answer, now)) return outcome;
            takeOver = true;  // an earlier hub's claim whose owner never finished
        }
        Query write(db_, takeOver ? "UPDATE idempotency_keys SET request_sha256 = ?3, state = 'DONE', status = ?4, "
                                    "content_type = ?5, location = ?6, response_body = ?7, created_at = ?8, "
                                    "updated_at = ?8 WHERE company_id = ?1 AND idem_key = ?2"
                                  : "INSERT INTO idempotency_keys (company_id, idem_key, request_sha256, state, status, "
                                    "content_type, location, response_body, created_at, updated_at) "
                                    "VALUES (?1, ?2, ?3, 'DONE', ?4, ?5, ?6, ?7, ?8, ?8)");
        write->bindText(1, answer.key.companyId);
        write->bindText(2, answer.key.key);
        write->bindText(3, answer.requestSha256);
        write->bindInt(4, answer.response.status);
        write->bindText(5, answer.response.contentType);
        write->bindText(6, answer.response.location);
        write->bindBlob(7, answer.response.body);
        write->bindInt(8, now);
        write->run();
        return std::nullopt;
    }

    struct LeasedRow {
        std::string packageId;
        std::string permit;
        std::string department;
        std::string kind;
        int attempts = 0;
    };

    // Caller holds mutex_ inside a write transaction. The row while `owner`
    // holds an unexpired lease on it; nullopt otherwise (the fence).
    std::optional<LeasedRow> leasedRow(const std::string& messageId, const std::string& owner,
                                       core::EpochMillis now) {
        Query select(db_,
                     "SELECT package_id, permit, department, kind, attempts FROM outbox WHERE message_id = ? "
                     "AND state = 'PENDING' AND lease_owner = ? AND lease_until > ?");
        select->bindText(1, messageId);
        select->bindText(2, owner);
        select->bindInt(3, now);
        if (!select->step()) return std::nullopt;
        return LeasedRow{select->text(0), select->text(1), select->text(2), select->text(3),
                         static_cast<int>(select->integer(4))};
    }

    static std::string selectDueSql(std::size_t excludedCount) {
        std::string sql =
            "SELECT message_id, package_id, permit, department, kind, attempts, due_at, payload FROM outbox "
            "WHERE state = 'PENDING' AND due_at <= ? AND (lease_until IS NULL OR lease_until <= ?)";
        if (excludedCount > 0) {
            sql += " AND department NOT IN (?";
            for (std::size_t i = 1; i < excludedCount; ++i) sql += ", ?";
            sql += ")";
        }
        sql += " ORDER BY due_at, message_id LIMIT ?";
        return sql;
    }

    // Caller holds mutex_ inside a write transaction. The number is the
    // row's attempt count after this attempt, whatever `record.attempt` says.
    void insertAttempt(const std::string& messageId, int number, const AttemptRecord& record, const LeasedRow& row,
                       core::audit::Batch& trail) {
        audit::attempt(trail, row.packageId, row.permit, row.department, row.kind, messageId, number, record);
        Query insert(db_,
                     "INSERT INTO dispatch_attempts (message_id, attempt, started_at, latency_ms, outcome, "
                     "http_status, error) VALUES (?, ?, ?, ?, ?, ?, ?)");
        insert->bindText(1, messageId);
        insert->bindInt(2, number);
        insert->bindInt(3, record.startedAt);
        insert->bindInt(4, record.latencyMs);
        insert->bindText(5, record.outcome);
        insert->bindInt(6, record.httpStatus);
        insert->bindText(7, record.error);
        insert->run();
    }

    // Caller holds mutex_ inside a write transaction. Throws StateConflict
    // when the permit is not in `from` (the caller's transaction then rolls
    // back), StoreError when there is no such permit.
    void applyTransition(const PermitTransition& transition, core::audit::Batch& trail) {
        {
            Query update(db_,
                         "UPDATE permits SET state = ?, receipt_number = COALESCE(?, receipt_number), "
                         "updated_at = ? WHERE package_id = ? AND permit = ? AND state = ? "
                         "AND (? = 0 OR updated_at = ?)");
            update->bindText(1, textOf(transition.to));
            update->bindOptionalText(2, transition.receiptNumber);
            update->bindInt(3, transition.at);
            update->bindText(4, transition.packageId);
            update->bindText(5, transition.permit);
            update->bindText(6, textOf(transition.from));
            update->bindInt(7, transition.expectedUpdatedAt);
            update->bindInt(8, transition.expectedUpdatedAt);
            if (update->run() == 0) throwTransitionRefused(transition);
        }
        if (transition.clock) {
            const auto& clock = *transition.clock;
            Query update(db_,
                         "UPDATE permits SET submitted_at = ?, accepted_at = ?, deemed_accepted = ?, "
                         "suspended_at = ?, paused_working_days = ?, extension_working_days = ?, decided_at = ?, "
                         "overdue_since = ? WHERE package_id = ? AND permit = ?");
            update->bindInt(1, clock.submittedAt);
            update->bindInt(2, clock.acceptedAt);
            update->bindInt(3, clock.deemedAccepted ? 1 : 0);
            update->bindInt(4, clock.suspendedAt);
            update->bindInt(5, clock.pausedWorkingDays);
            update->bindInt(6, clock.extensionWorkingDays);
            update->bindInt(7, clock.decidedAt);
            update->bindInt(8, clock.overdueSince);
            update->bindText(9, transition.packageId);
            update->bindText(10, transition.permit);
            update->run();
        }
        {
            Query insert(db_,
                         "INSERT INTO events (package_id, permit, type, from_state, to_state, detail, at) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?)");
            insert->bindText(1, transition.packageId);
            insert->bindText(2, transition.permit);
            insert->bindText(3, transition.eventType);
            insert->bindText(4, textOf(transition.from));
            insert->bindText(5, textOf(transition.to));
            insert->bindText(6, transition.detail);
            insert->bindInt(7, transition.at);
            insert->run();
        }
        audit::transition(trail, transition);
        Query touch(db_, "UPDATE packages SET updated_at = MAX(updated_at, ?) WHERE id = ?");
        touch->bindInt(1, transition.at);
        touch->bindText(2, transition.packageId);
        touch->run();
    }

    // Caller holds mutex_ inside a write transaction; `transition` changed no row.
    [[noreturn]] void throwTransitionRefused(const PermitTransition& transition) {
        Query select(db_, "SELECT state FROM permits WHERE package_id = ? AND permit = ?");
        select->bindText(1, transition.packageId);
        select->bindText(2, transition.permit);
        if (!select->step()) {
            throw StoreError("sqlite: permit " + transition.permit + " of package " + transition.packageId +
                             " not found");
        }
        throw StateConflict("permit " + transition.permit + " of package " + transition.packageId + " is " +
                            select->text(0) + (select->text(0) == textOf(transition.from)
                                                   ? ", changed since it was read"
                                                   : ", not " + textOf(transition.from)));
    }

    // Caller holds mutex_ inside a write transaction. Every transition must
    // belong to `packageId` (an empty packageId stands for it).
    void applyTransitionsOf(const std::string& packageId, const std::vector<PermitTransition>& transitions,
                            core::audit::Batch& trail) {
        for (const auto& transition : transitions) {
            if (transition.packageId.empty()) {
                PermitTransition own = transition;
                own.packageId = packageId;
                applyTransition(own, trail);
            } else if (transition.packageId != packageId) {
                throw StoreError("sqlite: a transition of package " + transition.packageId +
                                 " given with package " + packageId);
            } else {
                applyTransition(transition, trail);
            }
        }
    }

    // Caller holds mutex_ inside a write transaction. Throws StoreError when
    // the certificate was recorded before or a dispatch id is taken.
    void applyFollowUps(const std::string& packageId, const FollowUps& followUps, core::EpochMillis now,
                        core::audit::Batch& trail) {
        if (followUps.expectedPackageVersion) {
            Query claim(db_, "UPDATE packages SET version = version + 1 WHERE id = ? AND version = ?");
            claim->bindText(1, packageId);
            claim->bindInt(2, *followUps.expectedPackageVersion);
            claim->run();
            if (db_.changes() == 0)
                throw StateConflict("package " + packageId + " changed since it was read (version " +
                                    std::to_string(*followUps.expectedPackageVersion) + ")");
        }
        if (followUps.certificate) {
            insertCertificate(*followUps.certificate);
            audit::certificate(trail, *followUps.certificate);
        }
        if (followUps.cancelPendingDispatches) {
            Query cancel(db_,
                         "UPDATE outbox SET state = 'CANCELLED', lease_owner = NULL, lease_until = NULL "
                         "WHERE package_id = ? AND state = 'PENDING' AND (lease_until IS NULL OR lease_until <= ?)");
            cancel->bindText(1, packageId);
            cancel->bindInt(2, now);
            cancel->run();
        }
        for (const auto& dispatch : followUps.dispatches) {
            insertDispatch(packageId, dispatch, dispatch.dueAt == 0 ? now : dispatch.dueAt, now);
        }
        if (followUps.packageState) changePackageState(packageId, *followUps.packageState, now, trail);
    }

    // Caller holds mutex_ inside a write transaction.
    void insertDispatch(const std::string& packageId, const NewDispatch& dispatch, core::EpochMillis dueAt,
                        core::EpochMillis createdAt) {
        Query insert(db_,
                     "INSERT INTO outbox (message_id, package_id, permit, department, kind, state, attempts, "
                     "due_at, created_at, payload) VALUES (?, ?, ?, ?, ?, 'PENDING', 0, ?, ?, ?)");
        insert->bindText(1, dispatch.messageId);
        insert->bindText(2, packageId);
        insert->bindText(3, dispatch.permit);
        insert->bindText(4, dispatch.department);
        insert->bindText(5, dispatch.kind);
        insert->bindInt(6, dueAt);
        insert->bindInt(7, createdAt);
        insert->bindBlob(8, dispatch.payload);
        insert->run();
    }

    // Caller holds mutex_ inside a transaction. Any company.
    std::optional<PackageView> loadPackage(const std::string& packageId) {
        PackageView view;
        {
            Query select(db_,
                         "SELECT id, company_id, state, received_at, updated_at, sha256, proposed_name, "
                         "applicant_reference, notification_url, ready_at, version FROM packages WHERE id = ?");
            select->bindText(1, packageId);
            if (!select->step()) return std::nullopt;
            view.id = select->text(0);
            view.companyId = select->text(1);
            view.state = packageStateOf(select->text(2));
            view.receivedAt = select->integer(3);
            view.updatedAt = select->integer(4);
            view.sha256 = select->text(5);
            view.proposedName = select->text(6);
            view.applicantReference = select->text(7);
            view.notificationUrl = select->text(8);
            view.readyAt = select->integer(9);
            view.version = select->integer(10);
        }
        view.permits = loadPermits(packageId);
        return view;
    }

    // Caller holds mutex_ inside a transaction.
    std::vector<PermitView> loadPermits(const std::string& packageId) {
        Query select(db_, withPermitColumns("SELECT ", " FROM permits p WHERE p.package_id = ? ORDER BY p.permit"));
        select->bindText(1, packageId);
        std::vector<PermitView> result;
        while (select->step()) result.push_back(readPermit(*select, 0));
        return result;
    }

    // Caller holds mutex_ inside a write transaction.
    void insertCertificate(const CertificateRecord& certificate) {
        {
            Query insert(db_,
                         "INSERT INTO certificates (package_id, permit, department, number, issued_on, valid_until, "
                         "document_sha256, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
            insert->bindText(1, certificate.packageId);
            insert->bindText(2, certificate.permit);
            insert->bindText(3, certificate.department);
            insert->bindText(4, certificate.number);
            insert->bindText(5, certificate.issuedOn);
            insert->bindText(6, certificate.validUntil);
            insert->bindText(7, certificate.documentSha256);
            insert->bindInt(8, certificate.recordedAt);
            insert->run();
        }
        int position = 0;
        for (const auto& [name, value] : certificate.outputs) {
            Query insert(db_,
                         "INSERT INTO certificate_outputs (package_id, permit, position, name, value) "
                         "VALUES (?, ?, ?, ?, ?)");
            insert->bindText(1, certificate.packageId);
            insert->bindText(2, certificate.permit);
            insert->bindInt(3, ++position);
            insert->bindText(4, name);
            insert->bindText(5, value);
            insert->run();
        }
    }

    // Caller holds mutex_ inside a write transaction. A PACKAGE_STATE event
    // only when the state really changes.
    void changePackageState(const std::string& packageId, core::PackageState state, core::EpochMillis now,
                            core::audit::Batch& trail) {
        std::string current;
        {
            Query select(db_, "SELECT state FROM packages WHERE id = ?");
            select->bindText(1, packageId);
            if (!select->step()) throw StoreError("package " + packageId + " not found");
            current = select->text(0);
        }
        if (current == textOf(state)) return;
        {
            Query update(db_,
                         "UPDATE packages SET state = ?, updated_at = MAX(updated_at, ?), "
                         "ready_at = CASE WHEN ? THEN ? ELSE ready_at END WHERE id = ?");
            update->bindText(1, textOf(state));
            update->bindInt(2, now);
            update->bindInt(3, state == core::PackageState::ReadyToOperate ? 1 : 0);
            update->bindInt(4, now);
            update->bindText(5, packageId);
            update->run();
        }
        Query insert(db_,
                     "INSERT INTO events (package_id, permit, type, from_state, to_state, detail, at) "
                     "VALUES (?, '', 'PACKAGE_STATE', ?, ?, '', ?)");
        insert->bindText(1, packageId);
        insert->bindText(2, current);
        insert->bindText(3, textOf(state));
        insert->bindInt(4, now);
        insert->run();
        audit::packageState(trail, packageId, current, textOf(state), now);
    }

    bool closeIncident(const std::string& incidentId, core::EpochMillis now, const std::string& note,
                       const std::string& actor, IncidentClosing closing) {
        const bool retried = closing == IncidentClosing::Retry;
        std::lock_guard lock(mutex_);
        Transaction transaction(db_, Transaction::Mode::Write);
        std::string messageId;
        std::string packageId;
        {
            Query select(db_, "SELECT message_id, package_id FROM incidents WHERE id = ? AND state = 'OPEN'");
            select->bindText(1, incidentId);
            if (!select->step()) return false;
            messageId = select->text(0);
            packageId = select->text(1);
        }
        {
            Query close(db_, "UPDATE incidents SET state = ?, note = ?, closed_at = ? WHERE id = ?");
            close->bindText(1, incidentStateAfter(closing));
            close->bindText(2, note);
            close->bindInt(3, now);
            close->bindText(4, incidentId);
            close->run();
        }
        Query reopen(db_,
                     "UPDATE outbox SET state = ?, due_at = CASE WHEN ? THEN ? ELSE due_at END, "
                     "lease_owner = NULL, lease_until = NULL WHERE message_id = ? AND state = 'INCIDENT'");
        reopen->bindText(1, retried ? "PENDING" : "CANCELLED");
        reopen->bindInt(2, retried ? 1 : 0);
        reopen->bindInt(3, now);
        reopen->bindText(4, messageId);
        if (reopen->run() == 0) {
            throw StoreError("incident " + incidentId + ": its dispatch " + messageId + " is not in state INCIDENT");
        }
        core::audit::Batch trail;
        audit::incidentClosed(trail, packageId, now, actor, incidentId, incidentStateAfter(closing), note);
        writeAudit(trail);
        transaction.commit();
        return true;
    }

    // Caller holds mutex_ inside a write transaction. A refusal's chain: its
    // package's when the package exists, else the HUB chain.
    std::string auditChainOf(const std::string& packageId) {
        if (!packageId.empty()) {
            Query select(db_, "SELECT 1 FROM packages WHERE id = ?");
            select->bindText(1, packageId);
            if (select->step()) return packageId;
        }
        return std::string(core::audit::kHubChain);
    }

    // Caller holds mutex_ inside a write transaction. Appends the batch's
    // entries after each chain's head (a chain without one starts at seq 1)
    // and moves the heads; returns the new heads, by chain.
    std::vector<core::audit::Head> writeAudit(core::audit::Batch& trail) {
        std::vector<core::audit::Head> heads;
        for (auto& [chain, entries] : trail.byChain()) {
            core::audit::Head head{chain};
            {
                Query select(db_, "SELECT seq, hash FROM audit_heads WHERE chain = ?");
                select->bindText(1, chain);
                if (select->step()) head = {chain, select->integer(0), select->text(1)};
            }
            head = core::audit::link(head, entries);
            Query insert(db_,
                         "INSERT INTO audit_log (chain, seq, at, kind, actor, subject, detail, prev_hash, hash) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
            for (const auto& entry : entries) {
                insert->reset();
                insert->bindText(1, entry.chain);
                insert->bindInt(2, entry.seq);
                insert->bindInt(3, entry.at);
                insert->bindText(4, entry.kind);
                insert->bindText(5, entry.actor);
                insert->bindText(6, entry.subject);
                insert->bindText(7, entry.detail);
                insert->bindText(8, entry.prevHash);
                insert->bindText(9, entry.hash);
                insert->run();
            }
            Query update(db_,
                         "INSERT INTO audit_heads (chain, seq, hash) VALUES (?, ?, ?) "
                         "ON CONFLICT (chain) DO UPDATE SET seq = excluded.seq, hash = excluded.hash");
            update->bindText(1, chain);
            update->bindInt(2, head.seq);
            update->bindText(3, head.hash);
            update->run();
            heads.push_back(head);
        }
        return heads;
    }

    std::mutex mutex_;
    Database db_;
};

}  // namespace

std::unique_ptr<Store> makeSqliteStore(const config::SqliteConfig& config) {
    return std::make_unique<SqliteStore>(config);
}

void registerSqliteStore(StoreRegistry& registry) {
    registry.add("sqlite", [](const config::StoreConfig& config) { return makeSqliteStore(config.sqlite); });
}

}  // namespace hub::store
