#pragma once

#include "core/clock.h"
#include "store/store.h"
#include "tracking/periodic.h"

namespace hub::tracking {

// Anchors the audit trail: every `intervalMs`, the head of each chain that
// moved is written into the GLOBAL chain (store::Store::anchorAuditChains),
// and the GLOBAL head is logged, so the log files witness the trail from
// outside the database. Processes sharing a store take turns on the GLOBAL
// head. Thread-safe.
class AuditAnchor {
  public:
    AuditAnchor(store::Store& store, const core::Clock& clock, core::EpochMillis intervalMs);
    ~AuditAnchor() { stop(); }
    AuditAnchor(const AuditAnchor&) = delete;
    AuditAnchor& operator=(const AuditAnchor&) = delete;

    // Anchors every chain that moved (in rounds of at most 1000), synchronously;
    // returns how many. Throws store::StoreError.
    int anchorOnce();

    void start();
    void stop() { periodic_.stop(); }

  private:
    store::Store& store_;
    const core::Clock& clock_;
    const core::EpochMillis intervalMs_;
    Periodic periodic_;
};

}  // namespace hub::tracking
