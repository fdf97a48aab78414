#pragma once

#include <functional>

#include "core/clock.h"
#include "store/store.h"
#include "tracking/periodic.h"
#include "tracking/event_planner.h"

namespace hub::tracking {

// Keeps the statutory clocks that run without any message: every sweep looks
// at the permits a department holds and applies what is due (a deemed
// acceptance when the correction window closed, a DEADLINE_MISSED note once
// a decision is late). Each change is applied only if the permit is still in
// the state it was planned from, so processes sweeping the same database do
// not apply a deemed acceptance twice. Thread-safe.
class ClockKeeper {
  public:
    ClockKeeper(store::Store& store, const EventPlanner& planner, const core::Clock& clock,
                core::EpochMillis intervalMs, std::function<void()> onNewDispatches);
    ~ClockKeeper();
    ClockKeeper(const ClockKeeper&) = delete;
    ClockKeeper& operator=(const ClockKeeper&) = delete;

    // One sweep, synchronously; returns the number of permits changed.
    // Throws store::StoreError when the store is unreachable.
    int sweepOnce();

    void start();
    void stop();

  private:
    // Applies an Applied plan, counting it; false when there was nothing to
    // apply or the package changed meanwhile (the next sweep looks again).
    bool apply(const store::PackageView& package, const Plan& plan, int& changed, bool& queued);

    store::Store& store_;
    const EventPlanner& planner_;
    const core::Clock& clock_;
    const core::EpochMillis intervalMs_;
    const std::function<void()> onNewDispatches_;
    Periodic periodic_;
};

}  // namespace hub::tracking
