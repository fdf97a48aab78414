#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "adapter/case_document.h"
#include "adapter/department_config.h"
#include "core/calls_in_flight.h"
#include "core/catalogue.h"
#include "core/circuit_breaker.h"
#include "core/clock.h"
#include "core/concurrency_limiter.h"
#include "core/retry_policy.h"
#include "observability/metrics.h"
#include "store/store.h"
#include "tracking/event_planner.h"
#include "transport/transport.h"

namespace hub::dispatch {

// Everything the dispatcher needs to talk to one department.
struct DepartmentChannel {
    DepartmentChannel(std::shared_ptr<const adapter::DepartmentAdapter> adapter,
                      std::unique_ptr<transport::Transport> transport, std::string secret, const core::Clock& clock);

    std::shared_ptr<const adapter::DepartmentAdapter> adapter;
    std::unique_ptr<transport::Transport> transport;
    transport::Endpoint endpoint;
    core::RetryPolicy retry;
    core::CircuitBreaker breaker;
    core::ConcurrencyLimiter limiter;
    // An admin paused the department: its calls wait, nothing is lost. Mirrors
    // the store's pauses (shared by every process), refreshed every second.
    std::atomic<bool> paused{false};
    // Poll-mode departments: the time between two STATUS_QUERY calls about
    // one permit (adapter poll.intervalSeconds, overridable). 0 otherwise.
    core::EpochMillis pollIntervalMs = 0;
};

// Where the applicant's notifications go: the package's notification URL,
// signed like every outbound call with the hub's notification secret.
struct NotificationChannel {
    std::unique_ptr<transport::Transport> transport;
    std::string secret;
    int timeoutMs = 5000;
    core::RetryPolicy retry{10, 1000, 300'000};
};

struct DispatcherSettings {
    std::string owner;                        // this process's lease owner id, unique across processes
    core::EpochMillis leaseMs = 60'000;       // longer than any department timeout
    int batchSize = 8;                        // rows leased per round
    std::string senderId = "licensing-hub";   // Case/Hub/SenderId
    std::string callbackBaseUrl;              // e.g. http://127.0.0.1:8080; + /api/v1/departments/{CODE}/callbacks
    core::EpochMillis idleWaitMs = 200;       // background loop's wait when nothing was due
    observability::HubMetrics* metrics = nullptr;  // counts each delivery when set
    // When set, every call is counted from before it is sent until its outcome
    // is stored (an early callback waits on it, see CallbackService).
    core::CallsInFlight* callsInFlight = nullptr;
};

// What one delivery came to, for tests and logs.
struct DeliveryReport {
    std::string messageId;
    std::string department;
    std::string result;  // "ACKNOWLEDGED", "DECIDED", "RETRY", "INCIDENT", "RELEASED", "SKIPPED", "LEASE_LOST"
    std::string detail;
};

// Consumes the outbox: leases due dispatches (SUBMIT, CORRECTION, CANCEL,
// STATUS_QUERY calls to departments; NOTIFY_READY to the applicant), renders each call through its
// department's adapter (the case document carries every certificate issued so
// far; the message is validated against the department's schema before
// anything is sent), sends it with its stable message id and signature,
// classifies the answer and records the attempt: acknowledged or decided —
// the permit's transition, an issued permit's certificate, the dependents it
// releases or blocks with their new dispatches, and the package's state, all
// in one transaction —, retried later with backoff and jitter, or parked as
// an incident for an admin. Per department: a concurrency limit and
// a circuit breaker; paused departments are not leased at all.
// What an answer changes is planned by tracking::EventPlanner from the
// package as stored now, so a callback that moved the permit first is taken
// into account (a StateConflict re-reads and re-plans). Poll-mode
// departments: the first answer to a SUBMIT schedules a STATUS_QUERY after
// the poll interval, and each answered query schedules the next while the
// department holds the permit — as outbox rows, so several processes share
// the polling through the same leases.
//
// Thread-safe: runOnce may be called from several threads; start() runs
// `threads` background loops. Every store write is fenced by the lease, so a
// process that lost its lease (it was too slow, or presumed dead) changes
// nothing; the department de-duplicates a second send on the message id.
class Dispatcher {
  public:
    Dispatcher(store::Store& store, const tracking::EventPlanner& planner,
               std::vector<std::unique_ptr<DepartmentChannel>> channels, const core::Clock& clock,
               core::RandomSource& random, core::IdSource& ids, DispatcherSettings settings,
               std::unique_ptr<NotificationChannel> notifications = nullptr);
    ~Dispatcher();
    Dispatcher(const Dispatcher&) = delete;
    Dispatcher& operator=(const Dispatcher&) = delete;

    // Leases one batch and delivers it, synchronously. Returns what happened
    // to each leased dispatch (empty when nothing was due). Throws
    // store::StoreError when the store is unreachable.
    std::vector<DeliveryReport> runOnce();

    void start(int threads);
    // Stops leasing, lets in-flight deliveries finish, gives back the leases
    // of leased rows not yet started, joins the threads.
    void stop();
    // Wakes the background loops (e.g. after new dispatches were stored).
    void wake();

    // Pauses or resumes a department for every process on the store (this
    // one at once, the others within a second). Throws store::StoreError.
    // False for an unknown department.
    bool setPaused(const std::string& department, bool paused, const std::string& note, const std::string& actor);

    // nullptr for an unknown department code.
    DepartmentChannel* channel(const std::string& department);
    const std::vector<std::unique_ptr<DepartmentChannel>>& channels() const { return channels_; }

  private:
    DeliveryReport deliver(const store::LeasedDispatch& dispatch, DepartmentChannel& channel);
    DeliveryReport notifyApplicant(const store::LeasedDispatch& dispatch);
    // The department took the call (acknowledged or decided): plans and
    // stores what its answer changes.
    // `readForRendering` is the package as read before the call was sent.
    DeliveryReport settle(const store::LeasedDispatch& dispatch, DepartmentChannel& channel,
                          const adapter::DepartmentEvent& event, const std::string& answer,
                          store::AttemptRecord attempt, store::PackageView readForRendering);
    DeliveryReport retryOrPark(const store::LeasedDispatch& dispatch, const core::RetryPolicy& retry,
                               store::AttemptRecord attempt, std::optional<core::EpochMillis> retryAfterMs);
    DeliveryReport park(const store::LeasedDispatch& dispatch, store::AttemptRecord attempt, const std::string& reason);
    std::vector<adapter::IssuedCertificate> issuedSoFar(const std::vector<store::CertificateRecord>& records) const;
    std::vector<std::string> departmentsNotToLease();
    void refreshPauses(bool force);
    void loop();

    store::Store& store_;
    const tracking::EventPlanner& planner_;
    const core::Catalogue& catalogue_;
    std::vector<std::unique_ptr<DepartmentChannel>> channels_;
    std::map<std::string, DepartmentChannel*> byCode_;
    const core::Clock& clock_;
    core::RandomSource& random_;
    core::IdSource& ids_;
    const DispatcherSettings settings_;
    std::unique_ptr<NotificationChannel> notifications_;

    std::mutex pausesMutex_;
    core::EpochMillis pausesReadAt_ = 0;
    bool pausesRead_ = false;

    std::vector<std::thread> threads_;
    std::mutex wakeMutex_;
    std::condition_variable wakeCondition_;
    bool stopping_ = false;
    std::atomic<bool> stopRequested_{false};  // read by runOnce without the mutex
    bool woken_ = false;
};

}  // namespace hub::dispatch
