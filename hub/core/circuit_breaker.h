#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <string_view>

#include "core/clock.h"

namespace hub::core {

enum class BreakerState { Closed, Open, HalfOpen };

// "CLOSED", "OPEN", "HALF_OPEN".
std::string_view toString(BreakerState state);

struct BreakerPolicy {
    int failureThreshold = 5;    // consecutive failures that open the breaker
    EpochMillis openMs = 30000;  // how long it stays open before probing
    int halfOpenProbes = 1;      // concurrent probe requests while half-open
};

// Throws std::invalid_argument (naming the field) unless failureThreshold >= 1,
// openMs >= 0 and halfOpenProbes >= 1.
void validate(const BreakerPolicy& policy);

// Stops calling a department that keeps failing, then probes it.
//
//   Closed:   every request is allowed; recordFailure counts consecutive
//             failures and at failureThreshold opens the breaker (openedAt =
//             now); recordSuccess resets the count.
//   Open:     no request is allowed until openMs have passed since openedAt;
//             the first allowRequest after that moves to HalfOpen.
//   HalfOpen: at most halfOpenProbes requests are let through at a time;
//             recordSuccess closes the breaker (count reset), recordFailure
//             reopens it with a new openedAt. Probes that have not reported
//             openMs after the last one was let through are taken as lost
//             and their slots freed, so a verdict that never comes cannot
//             keep the breaker half-open, refusing everything, for ever.
//
// What the caller records: recordFailure only for Retryable outcomes (the
// department is unreachable or overloaded); recordSuccess for any outcome in
// which the department answered sensibly, including Permanent 4xx answers;
// recordInconclusive for an allowed request that says nothing about the
// department (never sent, TLS misconfiguration, cancelled), so that a
// half-open probe slot is not lost. Every allowRequest() that returned true
// should be followed by exactly one of the three. Results that arrive while
// Open (from requests let through before it opened) are ignored.
//
// The Open -> HalfOpen transition happens inside allowRequest(); state()
// reports Open until then, even after openMs.
//
// Thread-safe. The listener is called after the internal lock is released, on
// the thread that caused the transition, once per transition; it may call the
// breaker, must be thread-safe itself, and with concurrent callers two
// notifications may arrive in a different order than the transitions.
class CircuitBreaker {
  public:
    using TransitionListener = std::function<void(BreakerState from, BreakerState to)>;

    // Throws std::invalid_argument for an invalid policy. The clock must
    // outlive the breaker.
    CircuitBreaker(BreakerPolicy policy, const Clock& clock, TransitionListener listener = {});

    CircuitBreaker(const CircuitBreaker&) = delete;
    CircuitBreaker& operator=(const CircuitBreaker&) = delete;

    bool allowRequest();
    void recordSuccess();
    void recordFailure();
    void recordInconclusive();

    BreakerState state() const;
    int consecutiveFailures() const;
    // When the breaker last opened; nullopt while Closed.
    std::optional<EpochMillis> openedAt() const;
    int probesInFlight() const;
    const BreakerPolicy& policy() const { return policy_; }

  private:
    struct Transition {
        BreakerState from;
        BreakerState to;
    };
    // Requires mutex_ held.
    Transition moveTo(BreakerState next);
    void notify(std::optional<Transition> transition) const;

    const BreakerPolicy policy_;
    const Clock& clock_;
    const TransitionListener listener_;

    mutable std::mutex mutex_;
    BreakerState state_ = BreakerState::Closed;
    int consecutiveFailures_ = 0;
    std::optional<EpochMillis> openedAt_;
    int probesInFlight_ = 0;
    EpochMillis lastProbeAt_ = 0;  // when the last half-open probe was let through
};

}  // namespace hub::core
