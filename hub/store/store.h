#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/audit_chain.h"
#include "core/clock.h"
#include "core/permit_clock.h"
#include "core/states.h"

namespace hub::store {

// Infrastructure failure of the store (database unreachable, lost connection
// that could not be re-established, constraint surprises). Nothing of the
// database client library leaks through: implementations translate. The HTTP
// edge maps it to 503.
class StoreError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// A transition's `from` state no longer holds: another writer changed the
// permit first. Nothing was written; the caller re-reads and decides again.
class StateConflict : public StoreError {
  public:
    using StoreError::StoreError;
};

struct NewPermit {
    std::string permit;       // "P01"
    std::string department;   // "SAMR"
    core::PermitState state;  // Waiting or Queued at intake
    bool requestedByApplicant = true;  // false when added as a prerequisite
};

// One outgoing call the fan-out will make (the transactional outbox).
struct NewDispatch {
    std::string messageId;    // stable across retries of this logical call
    std::string permit;
    std::string department;
    std::string kind;         // "SUBMIT" at intake; "CORRECTION", "CANCEL", "STATUS_QUERY", "NOTIFY_READY"
    core::EpochMillis dueAt = 0;
    std::string payload = {};  // CORRECTION: the applicant's supplement XML; STATUS_QUERY: the poll interval (ms); else empty
};

struct NewEvent {
    std::string permit;       // empty for package-level events
    std::string type;         // "PACKAGE_RECEIVED", "PERMIT_STATE"
    std::string fromState;    // empty when entering the first state
    std::string toState;
    std::string detail;       // short human text, no personal data
    core::EpochMillis at = 0;
};

struct NewPackage {
    std::string id;
    std::string companyId;         // the applicant account that submitted it
    core::PackageState state = core::PackageState::Received;
    core::EpochMillis receivedAt = 0;
    std::string originalXml;       // exact bytes as received
    std::string sha256;            // hex of originalXml
    std::string proposedName;      // company's proposed name (for listings)
    std::string applicantReference;
    std::string notificationUrl;
    std::vector<NewPermit> permits;
    std::vector<NewDispatch> dispatches;
    std::vector<NewEvent> events;
};

struct PermitView {
    std::string permit;
    std::string department;
    core::PermitState state;
    bool requestedByApplicant = true;
    std::string receiptNumber;     // empty until a department acknowledges
    core::EpochMillis updatedAt = 0;
    core::PermitClockFacts clock;  // the dated facts of its legal clocks
};

struct PackageView {
    std::string id;
    std::string companyId;
    core::PackageState state;
    core::EpochMillis receivedAt = 0;
    core::EpochMillis updatedAt = 0;
    std::string sha256;
    std::string proposedName;
    std::string applicantReference;
    std::string notificationUrl;
    core::EpochMillis readyAt = 0;    // when it became READY_TO_OPERATE; 0 before
    std::int64_t version = 0;         // read before the permits; see FollowUps::expectedPackageVersion
    std::vector<PermitView> permits;  // ordered by permit id
};

struct PackageSummary {
    std::string id;
    std::string companyId;
    core::PackageState state;
    core::EpochMillis receivedAt = 0;
    std::string proposedName;
    std::string applicantReference;
};

struct PageRequest {
    int limit = 20;            // 1..100
    std::string after;         // cursor: the last id of the previous page, empty for the first
};

struct PackagePage {
    std::vector<PackageSummary> items;  // newest first
    std::string nextCursor;             // empty when there is no further page
};

struct DispatchView {
    std::string messageId;
    std::string permit;
    std::string department;
    std::string kind;
    std::string state;        // "PENDING" at intake
    int attempts = 0;
    core::EpochMillis dueAt = 0;
};

struct EventView {
    std::int64_t sequence = 0;  // increasing per store
    std::string permit;
    std::string type;
    std::string fromState;
    std::string toState;
    std::string detail;
    core::EpochMillis at = 0;
};

// A response kept for an Idempotency-Key, replayed byte for byte.
struct StoredResponse {
    int status = 0;
    std::string contentType;
    std::string location;     // Location header, empty when none
    std::string body;
};

struct IdempotencyKey {
    std::string companyId;
    std::string key;
};

// A submission's Idempotency-Key with the answer the submission gets; the
// key is written with its answer, in the same transaction as what the answer
// reports (DOMAIN.md).
struct KeyedAnswer {
    IdempotencyKey key;
    std::string requestSha256;  // of the request body
    StoredResponse response;
    // A key claimed but never finished (state IN_PROGRESS, written only by
    // earlier hub versions, which claimed a key before validating; its owner
    // may have died) is taken over once the claim is older than this.
    core::EpochMillis staleAfterMs = 60'000;
};

enum class KeyOutcome {
    Stored,      // the key was free: the answer (and its package) is stored with it
    Replay,      // the key holds an answer to the same request: `response`; nothing was written
    Mismatch,    // the key was used with a different request body -> 422; nothing was written
    InProgress,  // the key is claimed by an unfinished request (an earlier hub version) -> 409; nothing written
};

struct KeyedOutcome {
    KeyOutcome outcome = KeyOutcome::Stored;
    std::optional<StoredResponse> response;  // Replay only
};

// A key's row as a backend found it when it was taken.
struct TakenKey {
    std::string requestSha256;
    std::string state;                // "DONE" or "IN_PROGRESS"
    StoredResponse response;          // DONE only
    core::EpochMillis claimedAt = 0;  // created_at
};

// What a taken key means for `answer` at `now`, the same for every backend:
// the outcome to return (nothing written), or nullopt when the key is an
// abandoned claim of an earlier hub, to be taken over with this answer.
std::optional<KeyedOutcome> outcomeOfTakenKey(const TakenKey& taken, const KeyedAnswer& answer,
                                              core::EpochMillis now);

struct ApiToken {
    std::string tokenId;       // public id, e.g. "tok_…", shown in listings
    std::string tokenSha256;   // hex SHA-256 of the secret token; the secret is never stored
    std::string role;          // "applicant" (later: "department", "admin")
    std::string subject;       // company id for applicants
    std::string label;
    core::EpochMillis createdAt = 0;
    core::EpochMillis revokedAt = 0;  // 0 while valid
};

// ---- The outbox, as the dispatcher sees it ----

// One outbox row leased to a dispatcher process.
struct LeasedDispatch {
    std::string messageId;
    std::string packageId;
    std::string permit;
    std::string department;
    std::string kind;
    int attempts = 0;                  // attempts made before this lease
    core::EpochMillis dueAt = 0;
    core::EpochMillis leaseUntil = 0;
    std::string payload;               // NewDispatch::payload
};

// One attempt to deliver a dispatch, recorded whatever its outcome.
struct AttemptRecord {
    int attempt = 0;                   // 1-based
    core::EpochMillis startedAt = 0;
    int latencyMs = 0;
    std::string outcome;               // "ACKNOWLEDGED", "DECIDED", "RETRYABLE", "FAILED", "INVALID_RENDER", "SKIPPED"
    int httpStatus = 0;                // 0 when no HTTP answer
    std::string error;                 // short, no personal data; empty on success
    // Digests of the bytes sent and received (audit trail only, not kept with
    // the attempt); empty when nothing was sent or nothing came back.
    std::string requestSha256 = {};
    std::string responseSha256 = {};
};

struct AttemptView {
    std::string messageId;
    AttemptRecord record;
};

// A permit state change caused by a delivery outcome, applied with its event.
struct PermitTransition {
    std::string packageId;
    std::string permit;
    core::PermitState from;
    core::PermitState to;
    std::string receiptNumber;         // stored when not empty
    std::string detail;
    core::EpochMillis at = 0;
    std::optional<core::PermitClockFacts> clock = std::nullopt;  // when set, replaces the permit's clock facts
    // The event's type; "PERMIT_STATE" for a state change. With from == to the
    // state is not changed (only the receipt number and clock facts), e.g.
    // "DEADLINE_MISSED" or "RECEIPT_AFTER_WITHDRAWAL".
    std::string eventType = "PERMIT_STATE";
    // Who caused it, for the audit trail: "dept:<CODE>", "applicant:<company>";
    // empty for the hub's own work (dispatch outcomes, clocks).
    std::string actor = {};
    // When not 0: applies only if the permit's updated_at still is this (the
    // permit was not touched since it was read), else StateConflict. For
    // notes that change no state, e.g. DEADLINE_MISSED, so that two processes
    // sweeping at once record it once.
    core::EpochMillis expectedUpdatedAt = 0;
};

// An issued permit's certificate (GB/T 36901-style electronic certificate
// data), whose outputs join the case document of the calls that follow.
struct CertificateRecord {
    std::string packageId;
    std::string permit;
    std::string department;
    std::string number;
    std::string issuedOn;     // YYYY-MM-DD
    std::string validUntil;   // YYYY-MM-DD or empty
    // (output name, value) in document order; a multi-valued output repeats its name.
    std::vector<std::pair<std::string, std::string>> outputs;
    std::string documentSha256;  // digest of the department's message that carried it
    core::EpochMillis recordedAt = 0;
};

// What rendering a call for a package needs (Store::dispatchContext).
struct DispatchContext {
    PackageView package;
    std::string originalXml;                     // exact bytes as received
    std::vector<CertificateRecord> certificates;  // in the order recorded
};

// What else one delivery outcome changes, written in the same transaction as
// the dispatch's completion.
struct FollowUps {
    std::optional<CertificateRecord> certificate;   // an issued permit's certificate
    std::vector<NewDispatch> dispatches;             // calls for permits the transitions queued (same package)
    std::optional<core::PackageState> packageState;  // the package's state now; a PACKAGE_STATE event when it changes
                                                     // (READY_TO_OPERATE also sets readyAt)
    // Withdrawal: every PENDING dispatch of the package not leased (or whose
    // lease expired) becomes CANCELLED, before `dispatches` are inserted.
    bool cancelPendingDispatches = false;
    // When set, the write commits only if the package's version still is
    // this one, and then moves it on by one; otherwise StateConflict and
    // nothing is written. A planner sets it to the version of the package
    // view it planned from, so that two writers that planned from the same
    // view (each blind to the other's change) cannot both commit: the second
    // plans again from the state the first left.
    std::optional<std::int64_t> expectedPackageVersion;
    // The package's state in the view planned from, set with
    // expectedPackageVersion: when the version holds, so does this state, and
    // the store need not read it again to tell whether packageState changes it.
    std::optional<core::PackageState> packageStateAsRead;
};

// A department message the hub accepted (a callback), kept for
// de-duplication: a second message with the same (department, messageId) is
// answered from this record and changes nothing.
struct InboundRecord {
    std::string department;
    std::string messageId;     // the department's own message id
    std::string packageId;
    std::string permit;
    std::string sha256;        // of the message bytes
    std::string result;        // "APPLIED" (the permit changed) or "NO_CHANGE" (it already was in that state)
    std::string toState;       // the permit's state after the message
    std::string detail;
    core::EpochMillis receivedAt = 0;
};

enum class InboundOutcome { Applied, Duplicate };

// A department message the hub refused, kept for admins and departments'
// engineers (the body itself is not kept, only its digest).
struct RefusedInbound {
    std::int64_t sequence = 0;  // assigned by the store
    std::string department;     // as named in the URL
    std::string messageId;      // empty when it could not be read
    std::string packageId;      // empty when unknown
    std::string permit;
    std::string code;           // "BAD_SIGNATURE", "STALE_TIMESTAMP", "SCHEMA_INVALID", "UNKNOWN_PERMIT", "ILLEGAL_TRANSITION", …
    std::string detail;
    std::string sha256;
    core::EpochMillis at = 0;
};

// An admin paused a department: its calls wait (they are not leased by any
// process sharing the store) until it is resumed.
struct DepartmentPause {
    std::string department;
    core::EpochMillis pausedAt = 0;
    std::string note;
};

// How one department's calls fared, for operators.
struct DepartmentActivity {
    std::string department;
    int queued = 0;                      // PENDING calls (due or not)
    int attempts = 0;                    // attempts started since `since`
    int failures = 0;                    // of those, outcome RETRYABLE, FAILED or INVALID_RENDER
    std::vector<int> latenciesMs;        // of those attempts (at most `maxLatencies`, the most recent)
    core::EpochMillis lastSuccessAt = 0; // the latest ACKNOWLEDGED or DECIDED attempt ever; 0 when none
};

// A permit found by the receipt number its department gave.
struct PermitLocation {
    std::string packageId;
    std::string companyId;
    PermitView permit;
};

// What a department's callback is checked against (Store::callbackContext).
struct CallbackContext {
    std::optional<InboundRecord> earlier;    // the message id's first record, if any
    std::optional<PermitLocation> location;  // the permit holding the receipt; looked up only without `earlier`
    std::optional<PackageView> package;      // that permit's package; read only when `location` was found
};

struct IncidentView {
    std::string id;
    std::string messageId;
    std::string packageId;
    std::string permit;
    std::string department;
    std::string kind;
    std::string reason;
    std::string state;                 // "OPEN", "RETRIED", "CANCELLED", "RESOLVED"
    std::string note;                  // the admin's note when retried or cancelled
    core::EpochMillis createdAt = 0;
    core::EpochMillis closedAt = 0;
};

// The hub's persistence port. Implementations: SQLite (embedded default, one
// process) and MySQL/MariaDB (shared by several processes). All methods are
// thread-safe and each is one transaction; they throw StoreError on
// infrastructure failure and never leave a partial write behind.
class Store {
  public:
    virtual ~Store() = default;

    // Applies every pending versioned migration, in order, each in its own
    // transaction, recording it in schema_migrations. Safe to run concurrently
    // from several processes (MySQL: under a named lock).
    virtual void migrate() = 0;
    // The highest applied migration version (0 for an empty database).
    virtual int schemaVersion() = 0;
    // The highest version this build knows.
    virtual int latestSchemaVersion() const = 0;
    // Round-trips to the database; throws StoreError when unreachable.
    virtual void ping() = 0;

    // Idempotency-Key handling (DOMAIN.md). A key is scoped to its company
    // and written once, with the final answer of its request, in the
    // transaction that stores what the answer reports; a request that fails
    // on the way (an infrastructure error, a crash) leaves no trace, so its
    // retry runs afresh. Two requests with one key at once: the second waits
    // for the first's transaction and then gets Replay or Mismatch.

    // In one transaction: the package with its original bytes, its permits,
    // its dispatches (outbox), its events, its audit entries and, when
    // `answer` is given, the key with the answer. When the key is taken,
    // nothing is written and its outcome is returned. Without `answer` the
    // outcome is always Stored. Throws StoreError (and writes nothing) on
    // failure, including a duplicate package id. The MySQL store groups
    // concurrent saves into shared transactions (each save still all or
    // nothing, on its own).
    virtual KeyedOutcome savePackage(const NewPackage& package, const KeyedAnswer* answer) = 0;
    // The key with the answer of a request that stored nothing else (a
    // refused package), unless the key is taken (then its outcome).
    virtual KeyedOutcome storeAnswer(const KeyedAnswer& answer, core::EpochMillis now) = 0;

    // The package if it exists and belongs to `companyId`; nullopt otherwise
    // (a company cannot tell another's package from a missing one).
    virtual std::optional<PackageView> findPackage(const std::string& companyId,
                                                   const std::string& packageId) = 0;
    virtual PackagePage listPackages(const std::string& companyId, const PageRequest& page) = 0;
    // The original bytes exactly as received, or nullopt.
    virtual std::optional<std::string> originalXml(const std::string& packageId) = 0;
    virtual std::vector<DispatchView> dispatchesOf(const std::string& packageId) = 0;
    virtual std::vector<EventView> eventsOf(const std::string& packageId) = 0;

    // ---- Outbox leasing (dispatcher). A lease is held by `owner` (a process
    // id string) until `leaseUntil`; after that any process may take the row
    // over. Every write below is fenced: it happens only while `owner` still
    // holds an unexpired lease on the row, and returns false (writing
    // nothing) otherwise.

    // Leases up to `limit` PENDING rows with dueAt <= now whose lease is absent
    // or expired, oldest due first, skipping `excludedDepartments` (paused
    // ones). MySQL: SELECT … FOR UPDATE SKIP LOCKED, so concurrent processes
    // never lease the same row.
    virtual std::vector<LeasedDispatch> leaseDueDispatches(const std::string& owner, core::EpochMillis now,
                                                           core::EpochMillis leaseMs, int limit,
                                                           const std::vector<std::string>& excludedDepartments) = 0;
    // The department took the call: row DONE, attempt recorded, transitions
    // (with their events) applied — one transaction.
    // With `followUps`: the certificate stored (one per package and permit), the
    // new dispatches inserted PENDING due `now`, the package state updated —
    // all or nothing, with the rest.
    virtual bool completeDispatch(const std::string& messageId, const std::string& owner, core::EpochMillis now,
                                  const AttemptRecord& attempt, const std::vector<PermitTransition>& transitions,
                                  const FollowUps& followUps = {}) = 0;
    // The certificates issued for a package, in the order recorded.
    virtual std::vector<CertificateRecord> certificatesOf(const std::string& packageId) = 0;
    // A package's permits (any company), ordered by permit id; empty when unknown.
    virtual std::vector<PermitView> permitsOf(const std::string& packageId) = 0;
    // A retryable failure: attempt recorded, attempts + 1, due at `nextDueAt`,
    // lease cleared.
    virtual bool retryDispatchLater(const std::string& messageId, const std::string& owner, core::EpochMillis now,
                                    const AttemptRecord& attempt, core::EpochMillis nextDueAt) = 0;
    // Cannot succeed without a human: attempt recorded, row INCIDENT, an OPEN
    // incident `incidentId` with `reason`.
    virtual bool parkDispatch(const std::string& messageId, const std::string& owner, core::EpochMillis now,
                              const AttemptRecord& attempt, const std::string& incidentId,
                              const std::string& reason) = 0;
    // Gives the lease back untouched (graceful shutdown).
    virtual bool releaseDispatch(const std::string& messageId, const std::string& owner) = 0;
    // Attempts of one dispatch, oldest first.
    virtual std::vector<AttemptView> attemptsOf(const std::string& messageId) = 0;

    // ---- Tracking: changes that do not come from a leased dispatch.

    // Applies `transitions` (each only if the permit is still in its `from`
    // state, else StateConflict and nothing written) and `followUps` for one
    // package, in one transaction. Used for the applicant's actions
    // (correction, withdrawal) and the hub's clocks (deemed acceptance,
    // deadline missed).
    virtual void applyTransitions(const std::string& packageId, core::EpochMillis now,
                                  const std::vector<PermitTransition>& transitions, const FollowUps& followUps) = 0;
    // A department's callback: records `record` and applies its transitions
    // and follow-ups in one transaction. Duplicate (writing nothing) when
    // (department, messageId) was recorded before, also when a concurrent
    // writer records it first. StateConflict as applyTransitions.
    virtual InboundOutcome applyInbound(const InboundRecord& record, const std::vector<PermitTransition>& transitions,
                                        const FollowUps& followUps) = 0;
    virtual std::optional<InboundRecord> findInbound(const std::string& department, const std::string& messageId) = 0;
    virtual void recordRefusedInbound(const RefusedInbound& refused) = 0;
    // Newest first, at most `limit`.
    virtual std::vector<RefusedInbound> listRefusedInbound(int limit) = 0;
    // The permit of `department` holding `receiptNumber`, any company; nullopt when none.
    virtual std::optional<PermitLocation> findPermitByReceipt(const std::string& department,
                                                              const std::string& receiptNumber) = 0;
    // findInbound, then (with no earlier record and a receipt number)
    // findPermitByReceipt, then that permit's package. The MySQL store reads
    // them in one transaction; this default reads them one after the other.
    virtual CallbackContext callbackContext(const std::string& department, const std::string& messageId,
                                            const std::string& receiptNumber) {
        CallbackContext context;
        context.earlier = findInbound(department, messageId);
        if (context.earlier || receiptNumber.empty()) return context;
        context.location = findPermitByReceipt(department, receiptNumber);
        if (context.location) context.package = packageById(context.location->packageId);
        return context;
    }
    // True while some SUBMIT or CORRECTION call to `department` may have
    // reached it without its answer being recorded yet (leased now, or tried
    // before and pending a retry): a callback naming a receipt number the hub
    // does not know yet may be about such a call.
    virtual bool hasUnsettledCalls(const std::string& department) = 0;
    // Permits in any of `states`, any package, oldest update first, at most
    // `limit` (the clock keeper's sweep).
    virtual std::vector<PermitLocation> permitsInStates(const std::vector<core::PermitState>& states, int limit) = 0;
    // Pausing is shared by every process on the store. Pausing a paused
    // department keeps its first pausedAt; resuming an unpaused one does nothing.
    virtual void setDepartmentPaused(const std::string& department, bool paused, const std::string& note,
                                     core::EpochMillis now, const std::string& actor) = 0;
    virtual std::vector<DepartmentPause> pausedDepartments() = 0;
    // The package's company, state and readyAt, any company; nullopt when unknown.
    virtual std::optional<PackageView> packageById(const std::string& packageId) = 0;
    // The package, its original XML and its certificates; nullopt when the
    // package is unknown. The MySQL store reads them in one transaction; this
    // default reads them one after the other.
    virtual std::optional<DispatchContext> dispatchContext(const std::string& packageId) {
        auto package = packageById(packageId);
        auto xml = originalXml(packageId);
        if (!package || !xml) return std::nullopt;
        return DispatchContext{std::move(*package), std::move(*xml), certificatesOf(packageId)};
    }

    // ---- Incidents (admin). Each returns false when the incident is not OPEN.
    // `actor` ("admin:<name>") is who asked, for the audit trail.
    virtual std::vector<IncidentView> listIncidents(bool openOnly) = 0;
    // Incident RETRIED; its dispatch PENDING again, due at `now`, attempts kept.
    virtual bool retryIncident(const std::string& incidentId, core::EpochMillis now, const std::string& note,
                              const std::string& actor) = 0;
    // Incident CANCELLED; its dispatch CANCELLED, never sent.
    virtual bool cancelIncident(const std::string& incidentId, core::EpochMillis now, const std::string& note,
                              const std::string& actor) = 0;
    // Incident RESOLVED (handled outside the hub, `note` says how); its
    // dispatch CANCELLED, never sent.
    virtual bool resolveIncident(const std::string& incidentId, core::EpochMillis now, const std::string& note,
                              const std::string& actor) = 0;

    // ---- Operators' views, any company.
    // Packages newest first, only those in `state` when given; paged like listPackages.
    virtual PackagePage listAllPackages(const std::optional<core::PackageState>& state, const PageRequest& page) = 0;
    // Counts per state name ("IN_PROGRESS" -> 12); states with no row are absent.
    virtual std::vector<std::pair<std::string, long>> countPackagesByState() = 0;
    virtual std::vector<std::pair<std::string, long>> countPermitsByState() = 0;
    // Every department with a call or an attempt (others are absent), by code.
    virtual std::vector<DepartmentActivity> departmentActivity(core::EpochMillis since, int maxLatencies) = 0;

    // Tokens; `actor` is who issued or revoked it, for the audit trail.
    virtual void saveApiToken(const ApiToken& token, const std::string& actor) = 0;
    // The token with this hash, revoked or not; nullopt when unknown.
    virtual std::optional<ApiToken> findApiToken(const std::string& tokenSha256) = 0;
    // Marks the token revoked; false when no such token id.
    virtual bool revokeApiToken(const std::string& tokenId, core::EpochMillis now, const std::string& actor) = 0;

    // ---- The audit trail (core/audit_chain.h). Every write above that
    // changes a package, records a message exchanged or is an admin action
    // appends its entries in its own transaction; these read and anchor them.
    // Every chain named by a head or an entry, by name.
    virtual std::vector<std::string> auditChains() = 0;
    // The chain's head as the head table has it; nullopt when it has none.
    virtual std::optional<core::audit::Head> auditHead(const std::string& chain) = 0;
    // The chain's entries in seq order, as stored (unchecked).
    virtual std::vector<core::audit::Entry> auditEntries(const std::string& chain) = 0;
    // Writes one ANCHOR entry into the GLOBAL chain for each chain (at most
    // `limit`) whose head moved since it was last anchored; returns how many,
    // with the GLOBAL chain's head after them.
    virtual std::pair<int, core::audit::Head> anchorAuditChains(core::EpochMillis now, int limit) = 0;
};

}  // namespace hub::store
