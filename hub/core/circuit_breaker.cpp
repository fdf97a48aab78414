#include "core/circuit_breaker.h"

#include <stdexcept>
#include <string>
#include <utility>

namespace hub::core {

std::string_view toString(BreakerState state) {
    switch (state) {
        case BreakerState::Closed: return "CLOSED";
        case BreakerState::Open: return "OPEN";
        case BreakerState::HalfOpen: return "HALF_OPEN";
    }
    return "UNKNOWN";
}

void validate(const BreakerPolicy& policy) {
    if (policy.failureThreshold < 1)
        throw std::invalid_argument("breaker policy: failureThreshold must be at least 1, got " +
                                    std::to_string(policy.failureThreshold));
    if (policy.openMs < 0)
        throw std::invalid_argument("breaker policy: openMs must not be negative, got " +
                                    std::to_string(policy.openMs));
    if (policy.halfOpenProbes < 1)
        throw std::invalid_argument("breaker policy: halfOpenProbes must be at least 1, got " +
                                    std::to_string(policy.halfOpenProbes));
}

namespace {

const BreakerPolicy& validated(const BreakerPolicy& policy) {
    validate(policy);
    return policy;
}

}  // namespace

CircuitBreaker::CircuitBreaker(BreakerPolicy policy, const Clock& clock, TransitionListener listener)
    : policy_(validated(policy)), clock_(clock), listener_(std::move(listener)) {}

CircuitBreaker::Transition CircuitBreaker::moveTo(BreakerState next) {
    Transition transition{state_, next};
    state_ = next;
    probesInFlight_ = 0;
    switch (next) {
        case BreakerState::Closed:
            consecutiveFailures_ = 0;
            openedAt_.reset();
            break;
        case BreakerState::Open:
            openedAt_ = clock_.now();
            break;
        case BreakerState::HalfOpen:
            break;
    }
    return transition;
}

void CircuitBreaker::notify(std::optional<Transition> transition) const {
    if (transition && listener_) listener_(transition->from, transition->to);
}

bool CircuitBreaker::allowRequest() {
    std::optional<Transition> transition;
    bool allowed = false;
    {
        std::lock_guard lock(mutex_);
        if (state_ == BreakerState::Open && clock_.now() - *openedAt_ >= policy_.openMs)
            transition = moveTo(BreakerState::HalfOpen);
        switch (state_) {
            case BreakerState::Closed: allowed = true; break;
            case BreakerState::Open: allowed = false; break;
            case BreakerState::HalfOpen: {
                const EpochMillis now = clock_.now();
                if (probesInFlight_ >= policy_.halfOpenProbes && now - lastProbeAt_ >= policy_.openMs)
                    probesInFlight_ = 0;  // lost probes
                allowed = probesInFlight_ < policy_.halfOpenProbes;
                if (allowed) {
                    ++probesInFlight_;
                    lastProbeAt_ = now;
                }
                break;
            }
        }
    }
    notify(transition);
    return allowed;
}

void CircuitBreaker::recordSuccess() {
    std::optional<Transition> transition;
    {
        std::lock_guard lock(mutex_);
        switch (state_) {
            case BreakerState::Closed: consecutiveFailures_ = 0; break;
            case BreakerState::Open: break;
            case BreakerState::HalfOpen: transition = moveTo(BreakerState::Closed); break;
        }
    }
    notify(transition);
}

void CircuitBreaker::recordFailure() {
    std::optional<Transition> transition;
    {
        std::lock_guard lock(mutex_);
        switch (state_) {
            case BreakerState::Closed:
                if (++consecutiveFailures_ >= policy_.failureThreshold) transition = moveTo(BreakerState::Open);
                break;
            case BreakerState::Open: break;
            case BreakerState::HalfOpen:
                ++consecutiveFailures_;
                transition = moveTo(BreakerState::Open);
                break;
        }
    }
    notify(transition);
}

void CircuitBreaker::recordInconclusive() {
    std::lock_guard lock(mutex_);
    if (state_ == BreakerState::HalfOpen && probesInFlight_ > 0) --probesInFlight_;
}

BreakerState CircuitBreaker::state() const {
    std::lock_guard lock(mutex_);
    return state_;
}

int CircuitBreaker::consecutiveFailures() const {
    std::lock_guard lock(mutex_);
    return consecutiveFailures_;
}

std::optional<EpochMillis> CircuitBreaker::openedAt() const {
    std::lock_guard lock(mutex_);
    return openedAt_;
}

int CircuitBreaker::probesInFlight() const {
    std::lock_guard lock(mutex_);
    return probesInFlight_;
}

}  // namespace hub::core
