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
#include "core/catalogue.h"
#include "core/circuit_breaker.h"
#include "core/clock.h"
#include "core/concurrency_limiter.h"
#include "core/retry_policy.h"
#include "store/store.h"
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
    std::atomic<bool> paused{false};  // an admin paused the department: its calls wait, nothing is lost
};

struct DispatcherSettings {
    std::string owner;                        // this process's lease owner id, unique across processes
    core::EpochMillis leaseMs = 60'000;       // longer than any department timeout
    int batchSize = 8;                        // rows leased per round
    std::string senderId = "licensing-hub";   // Case/Hub/SenderId
    std::string callbackBaseUrl;              // e.g. http://127.0.0.1:8080; + /api/v1/departments/{CODE}/callbacks
    core::EpochMillis idleWaitMs = 200;       // background loop's wait when nothing was due
};

// What one delivery came to, for tests and logs.
struct DeliveryReport {
    std::string messageId;
    std::string department;
    std::string result;  // "ACKNOWLEDGED", "DECIDED", "RETRY", "INCIDENT", "RELEASED", "LEASE_LOST"
    std::string detail;
};

// Consumes the outbox: leases due dispatches, renders each call through its
// department's adapter (the case document carries every certificate issued so
// far; the message is validated against the department's schema before
// anything is sent), sends it with its stable message id and signature,
// classifies the answer and records the attempt: acknowledged or decided —
// the permit's transition, an issued permit's certificate, the dependents it
// releases or blocks with their new dispatches, and the package's state, all
// in one transaction —, retried later with backoff and jitter, or parked as
// an incident for an admin. Per department: a concurrency limit and
// a circuit breaker; paused departments are not leased at all.
//
// Thread-safe: runOnce may be called from several threads; start() runs
// `threads` background loops. Every store write is fenced by the lease, so a
// process that lost its lease (it was too slow, or presumed dead) changes
// nothing; the department de-duplicates a second send on the message id.
class Dispatcher {
  public:
    Dispatcher(store::Store& store, const core::Catalogue& catalogue,
               std::vector<std::unique_ptr<DepartmentChannel>> channels, const core::Clock& clock,
               core::RandomSource& random, core::IdSource& ids, DispatcherSettings settings);
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

    // nullptr for an unknown department code.
    DepartmentChannel* channel(const std::string& department);
    const std::vector<std::unique_ptr<DepartmentChannel>>& channels() const { return channels_; }

  private:
    DeliveryReport deliver(const store::LeasedDispatch& dispatch, DepartmentChannel& channel);
    DeliveryReport park(const store::LeasedDispatch& dispatch, store::AttemptRecord attempt, const std::string& reason);
    std::vector<adapter::IssuedCertificate> issuedSoFar(const std::string& packageId);
    std::vector<std::string> departmentsNotToLease() const;
    void loop();

    store::Store& store_;
    const core::Catalogue& catalogue_;
    std::vector<std::unique_ptr<DepartmentChannel>> channels_;
    std::map<std::string, DepartmentChannel*> byCode_;
    const core::Clock& clock_;
    core::RandomSource& random_;
    core::IdSource& ids_;
    const DispatcherSettings settings_;

    std::vector<std::thread> threads_;
    std::mutex wakeMutex_;
    std::condition_variable wakeCondition_;
    bool stopping_ = false;
    std::atomic<bool> stopRequested_{false};  // read by runOnce without the mutex
    bool woken_ = false;
};

}  // namespace hub::dispatch
