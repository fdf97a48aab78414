#include "tracking/clock_keeper.h"

#include <set>

#include <Poco/Logger.h>

namespace hub::tracking {
namespace {

Poco::Logger& log() { return Poco::Logger::get("hub.clocks"); }

// Permits a department holds, looked at per sweep (least recently changed
// first; see the operations notes on very large installations).
constexpr int kSweepLimit = 50000;

}  // namespace

ClockKeeper::ClockKeeper(store::Store& store, const EventPlanner& planner, const core::Clock& clock,
                         core::EpochMillis intervalMs, std::function<void()> onNewDispatches)
    : store_(store), planner_(planner), clock_(clock), intervalMs_(intervalMs),
      onNewDispatches_(std::move(onNewDispatches)) {}

ClockKeeper::~ClockKeeper() { stop(); }

int ClockKeeper::sweepOnce() {
    using core::PermitState;
    const auto open = store_.permitsInStates(
        {PermitState::Submitted, PermitState::Accepted, PermitState::UnderReview}, kSweepLimit);
    int changed = 0;
    bool queued = false;
    for (const auto& location : open) {
        auto package = store_.packageById(location.packageId);
        if (!package) continue;
        const Plan plan = planner_.clocks(*package, location.permit.permit, clock_.now());
        if (!apply(*package, plan, changed, queued)) continue;
        log().information("package=%s permit=%s department=%s %s", package->id, location.permit.permit,
                          location.permit.department, plan.detail);
    }
    // Waiting permits whose prerequisites were all issued (or one failed) by
    // writers that raced: see EventPlanner::reconcile.
    std::set<std::string> reconciled;
    for (const auto& location : store_.permitsInStates({PermitState::Waiting}, kSweepLimit)) {
        if (!reconciled.insert(location.packageId).second) continue;
        auto package = store_.packageById(location.packageId);
        if (!package) continue;
        const Plan plan = planner_.reconcile(*package, clock_.now());
        if (!apply(*package, plan, changed, queued)) continue;
        log().warning("package=%s %s", package->id, plan.detail);
    }
    if (queued && onNewDispatches_) onNewDispatches_();
    return changed;
}

bool ClockKeeper::apply(const store::PackageView& package, const Plan& plan, int& changed, bool& queued) {
    if (plan.verdict != Verdict::Applied) return false;
    try {
        store_.applyTransitions(package.id, clock_.now(), plan.transitions, guardedFollowUps(plan, package));
    } catch (const store::StateConflict&) {
        return false;  // something happened to the permit meanwhile; the next sweep looks again
    }
    ++changed;
    queued = queued || !plan.followUps.dispatches.empty();
    return true;
}

void ClockKeeper::start() {
    periodic_.start(intervalMs_, [this] {
        try {
            sweepOnce();
        } catch (const std::exception& error) {
            log().warning("clock sweep skipped: %s", std::string(error.what()));
        }
    });
}

void ClockKeeper::stop() { periodic_.stop(); }

}  // namespace hub::tracking
