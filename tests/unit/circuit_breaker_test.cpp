#include <boost/test/unit_test.hpp>

#include <atomic>
#include <latch>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include "core/circuit_breaker.h"

using namespace hub::core;

namespace {

class ManualClock final : public Clock {
  public:
    explicit ManualClock(EpochMillis start) : now_(start) {}
    EpochMillis now() const override { return now_.load(); }
    void advance(EpochMillis millis) { now_ += millis; }

  private:
    std::atomic<EpochMillis> now_;
};

using Transition = std::pair<BreakerState, BreakerState>;

class TransitionLog {
  public:
    CircuitBreaker::TransitionListener listener() {
        return [this](BreakerState from, BreakerState to) {
            std::lock_guard lock(mutex_);
            seen_.emplace_back(from, to);
        };
    }
    std::vector<Transition> seen() const {
        std::lock_guard lock(mutex_);
        return seen_;
    }

  private:
    mutable std::mutex mutex_;
    std::vector<Transition> seen_;
};

constexpr EpochMillis kStart = 1'795'750'038'000;
constexpr BreakerPolicy kPolicy{3, 30'000, 1};

void fail(CircuitBreaker& breaker, int times) {
    for (int i = 0; i < times; ++i) {
        BOOST_REQUIRE(breaker.allowRequest());
        breaker.recordFailure();
    }
}

}  // namespace

BOOST_TEST_DONT_PRINT_LOG_VALUE(BreakerState)
BOOST_TEST_DONT_PRINT_LOG_VALUE(Transition)

BOOST_AUTO_TEST_SUITE(circuit_breaker)

BOOST_AUTO_TEST_CASE(state_names) {
    BOOST_TEST(toString(BreakerState::Closed) == "CLOSED");
    BOOST_TEST(toString(BreakerState::Open) == "OPEN");
    BOOST_TEST(toString(BreakerState::HalfOpen) == "HALF_OPEN");
}

BOOST_AUTO_TEST_CASE(invalid_policies_are_refused) {
    ManualClock clock(kStart);
    BOOST_CHECK_THROW(CircuitBreaker(BreakerPolicy{0, 1000, 1}, clock), std::invalid_argument);
    BOOST_CHECK_THROW(CircuitBreaker(BreakerPolicy{3, -1, 1}, clock), std::invalid_argument);
    BOOST_CHECK_THROW(CircuitBreaker(BreakerPolicy{3, 1000, 0}, clock), std::invalid_argument);
    BOOST_CHECK_NO_THROW(CircuitBreaker(BreakerPolicy{1, 0, 1}, clock));
}

BOOST_AUTO_TEST_CASE(starts_closed_and_allows_requests) {
    ManualClock clock(kStart);
    CircuitBreaker breaker(kPolicy, clock);
    BOOST_TEST((breaker.state() == BreakerState::Closed));
    BOOST_TEST(breaker.consecutiveFailures() == 0);
    BOOST_TEST(!breaker.openedAt().has_value());
    for (int i = 0; i < 100; ++i) BOOST_TEST(breaker.allowRequest());
}

BOOST_AUTO_TEST_CASE(opens_at_the_failure_threshold) {
    ManualClock clock(kStart);
    TransitionLog log;
    CircuitBreaker breaker(kPolicy, clock, log.listener());
    fail(breaker, 2);
    BOOST_TEST((breaker.state() == BreakerState::Closed));
    BOOST_TEST(breaker.consecutiveFailures() == 2);
    BOOST_TEST(log.seen().empty());
    clock.advance(500);
    fail(breaker, 1);
    BOOST_TEST((breaker.state() == BreakerState::Open));
    BOOST_TEST(breaker.openedAt().value_or(-1) == kStart + 500);
    BOOST_TEST(breaker.consecutiveFailures() == 3);
    BOOST_TEST((log.seen() == std::vector<Transition>{{BreakerState::Closed, BreakerState::Open}}));
}

BOOST_AUTO_TEST_CASE(success_while_closed_resets_the_count) {
    ManualClock clock(kStart);
    CircuitBreaker breaker(kPolicy, clock);
    fail(breaker, 2);
    breaker.recordSuccess();
    BOOST_TEST(breaker.consecutiveFailures() == 0);
    fail(breaker, 2);
    BOOST_TEST((breaker.state() == BreakerState::Closed));
    fail(breaker, 1);
    BOOST_TEST((breaker.state() == BreakerState::Open));
}

BOOST_AUTO_TEST_CASE(no_requests_while_open) {
    ManualClock clock(kStart);
    CircuitBreaker breaker(kPolicy, clock);
    fail(breaker, 3);
    for (int i = 0; i < 10; ++i) BOOST_TEST(!breaker.allowRequest());
    clock.advance(kPolicy.openMs - 1);
    BOOST_TEST(!breaker.allowRequest());
    BOOST_TEST((breaker.state() == BreakerState::Open));
}

BOOST_AUTO_TEST_CASE(results_arriving_while_open_are_ignored) {
    ManualClock clock(kStart);
    CircuitBreaker breaker(kPolicy, clock);
    fail(breaker, 3);
    clock.advance(10'000);
    breaker.recordFailure();
    breaker.recordSuccess();
    breaker.recordInconclusive();
    BOOST_TEST((breaker.state() == BreakerState::Open));
    BOOST_TEST(breaker.openedAt().value_or(-1) == kStart);
    clock.advance(kPolicy.openMs - 10'000 - 1);
    BOOST_TEST(!breaker.allowRequest());
}

BOOST_AUTO_TEST_CASE(half_open_after_open_ms_lets_one_probe_through) {
    ManualClock clock(kStart);
    TransitionLog log;
    CircuitBreaker breaker(kPolicy, clock, log.listener());
    fail(breaker, 3);
    clock.advance(kPolicy.openMs);
    BOOST_TEST((breaker.state() == BreakerState::Open), "the move to half-open waits for allowRequest");
    BOOST_TEST(breaker.allowRequest());
    BOOST_TEST((breaker.state() == BreakerState::HalfOpen));
    BOOST_TEST(breaker.probesInFlight() == 1);
    BOOST_TEST(!breaker.allowRequest());
    BOOST_TEST(!breaker.allowRequest());
    const std::vector<Transition> expected{{BreakerState::Closed, BreakerState::Open},
                                           {BreakerState::Open, BreakerState::HalfOpen}};
    BOOST_TEST((log.seen() == expected));
}

BOOST_AUTO_TEST_CASE(a_probe_that_never_reports_is_taken_as_lost_after_open_ms) {
    ManualClock clock(kStart);
    CircuitBreaker breaker(kPolicy, clock);
    fail(breaker, 3);
    clock.advance(kPolicy.openMs);
    BOOST_REQUIRE(breaker.allowRequest());  // the probe, whose verdict never comes
    clock.advance(kPolicy.openMs - 1);
    BOOST_TEST(!breaker.allowRequest(), "still waiting for the probe");
    clock.advance(1);
    BOOST_TEST(breaker.allowRequest(), "the silent probe is given up; a new one goes");
    BOOST_TEST((breaker.state() == BreakerState::HalfOpen));
    BOOST_TEST(breaker.probesInFlight() == 1);
    BOOST_TEST(!breaker.allowRequest());
    breaker.recordSuccess();
    BOOST_TEST((breaker.state() == BreakerState::Closed));
}

BOOST_AUTO_TEST_CASE(probe_success_closes_and_resets) {
    ManualClock clock(kStart);
    CircuitBreaker breaker(kPolicy, clock);
    fail(breaker, 3);
    clock.advance(kPolicy.openMs + 5);
    BOOST_REQUIRE(breaker.allowRequest());
    breaker.recordSuccess();
    BOOST_TEST((breaker.state() == BreakerState::Closed));
    BOOST_TEST(breaker.consecutiveFailures() == 0);
    BOOST_TEST(!breaker.openedAt().has_value());
    BOOST_TEST(breaker.probesInFlight() == 0);
    for (int i = 0; i < 5; ++i) BOOST_TEST(breaker.allowRequest());
    fail(breaker, 2);
    BOOST_TEST((breaker.state() == BreakerState::Closed), "the count started again from zero");
}

BOOST_AUTO_TEST_CASE(probe_failure_reopens_for_a_full_period) {
    ManualClock clock(kStart);
    CircuitBreaker breaker(kPolicy, clock);
    fail(breaker, 3);
    clock.advance(kPolicy.openMs);
    BOOST_REQUIRE(breaker.allowRequest());
    clock.advance(700);
    breaker.recordFailure();
    const EpochMillis reopenedAt = kStart + kPolicy.openMs + 700;
    BOOST_TEST((breaker.state() == BreakerState::Open));
    BOOST_TEST(breaker.openedAt().value_or(-1) == reopenedAt);
    BOOST_TEST(breaker.probesInFlight() == 0);
    clock.advance(kPolicy.openMs - 1);
    BOOST_TEST(!breaker.allowRequest());
    clock.advance(1);
    BOOST_TEST(breaker.allowRequest());
    BOOST_TEST((breaker.state() == BreakerState::HalfOpen));
}

BOOST_AUTO_TEST_CASE(half_open_probe_limit_is_respected) {
    ManualClock clock(kStart);
    CircuitBreaker breaker(BreakerPolicy{2, 1000, 3}, clock);
    fail(breaker, 2);
    clock.advance(1000);
    BOOST_TEST(breaker.allowRequest());
    BOOST_TEST(breaker.allowRequest());
    BOOST_TEST(breaker.allowRequest());
    BOOST_TEST(!breaker.allowRequest());
    BOOST_TEST(breaker.probesInFlight() == 3);
    breaker.recordInconclusive();
    BOOST_TEST(breaker.probesInFlight() == 2);
    BOOST_TEST(breaker.allowRequest());
    BOOST_TEST(!breaker.allowRequest());
    BOOST_TEST((breaker.state() == BreakerState::HalfOpen));
}

BOOST_AUTO_TEST_CASE(inconclusive_results_change_nothing_else) {
    ManualClock clock(kStart);
    CircuitBreaker breaker(kPolicy, clock);
    fail(breaker, 2);
    breaker.recordInconclusive();
    BOOST_TEST(breaker.consecutiveFailures() == 2);
    BOOST_TEST((breaker.state() == BreakerState::Closed));
    fail(breaker, 1);
    clock.advance(kPolicy.openMs);
    BOOST_REQUIRE(breaker.allowRequest());
    breaker.recordInconclusive();
    breaker.recordInconclusive();  // more than were let through
    BOOST_TEST(breaker.probesInFlight() == 0);
    BOOST_TEST((breaker.state() == BreakerState::HalfOpen));
    BOOST_TEST(breaker.allowRequest());
    BOOST_TEST(!breaker.allowRequest());
}

BOOST_AUTO_TEST_CASE(threshold_one_and_zero_open_time) {
    ManualClock clock(kStart);
    CircuitBreaker breaker(BreakerPolicy{1, 0, 1}, clock);
    fail(breaker, 1);
    BOOST_TEST((breaker.state() == BreakerState::Open));
    BOOST_TEST(breaker.allowRequest());
    BOOST_TEST((breaker.state() == BreakerState::HalfOpen));
}

BOOST_AUTO_TEST_CASE(listener_sees_each_transition_of_a_full_cycle_once) {
    ManualClock clock(kStart);
    TransitionLog log;
    CircuitBreaker breaker(kPolicy, clock, log.listener());
    fail(breaker, 3);
    breaker.recordFailure();  // late result while open: no transition
    clock.advance(kPolicy.openMs);
    BOOST_REQUIRE(breaker.allowRequest());
    BOOST_TEST(!breaker.allowRequest());
    breaker.recordFailure();
    clock.advance(kPolicy.openMs);
    BOOST_REQUIRE(breaker.allowRequest());
    breaker.recordSuccess();
    breaker.recordSuccess();
    breaker.allowRequest();
    const std::vector<Transition> expected{
        {BreakerState::Closed, BreakerState::Open},   {BreakerState::Open, BreakerState::HalfOpen},
        {BreakerState::HalfOpen, BreakerState::Open}, {BreakerState::Open, BreakerState::HalfOpen},
        {BreakerState::HalfOpen, BreakerState::Closed},
    };
    BOOST_TEST((log.seen() == expected));
}

BOOST_AUTO_TEST_CASE(listener_may_call_back_into_the_breaker) {
    ManualClock clock(kStart);
    std::vector<BreakerState> statesSeen;
    CircuitBreaker* self = nullptr;
    CircuitBreaker breaker(kPolicy, clock, [&](BreakerState, BreakerState) {
        statesSeen.push_back(self->state());
        self->consecutiveFailures();
        self->openedAt();
    });
    self = &breaker;
    fail(breaker, 3);
    clock.advance(kPolicy.openMs);
    BOOST_REQUIRE(breaker.allowRequest());
    breaker.recordSuccess();
    const std::vector<BreakerState> expected{BreakerState::Open, BreakerState::HalfOpen, BreakerState::Closed};
    BOOST_TEST((statesSeen == expected));
}

BOOST_AUTO_TEST_CASE(concurrent_callers_get_exactly_the_probe_slots) {
    ManualClock clock(kStart);
    TransitionLog log;
    CircuitBreaker breaker(BreakerPolicy{1, 1000, 2}, clock, log.listener());
    fail(breaker, 1);
    clock.advance(1000);
    constexpr int kThreads = 8;
    std::latch start(kThreads);
    std::atomic<int> allowed{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([&] {
            start.arrive_and_wait();
            for (int i = 0; i < 100; ++i)
                if (breaker.allowRequest()) ++allowed;
        });
    for (auto& thread : threads) thread.join();
    BOOST_TEST(allowed.load() == 2);
    BOOST_TEST(breaker.probesInFlight() == 2);
    const std::vector<Transition> expected{{BreakerState::Closed, BreakerState::Open},
                                           {BreakerState::Open, BreakerState::HalfOpen}};
    BOOST_TEST((log.seen() == expected), "exactly one thread moved the breaker to half-open");
}

BOOST_AUTO_TEST_CASE(concurrent_failures_open_the_breaker_once) {
    ManualClock clock(kStart);
    TransitionLog log;
    CircuitBreaker breaker(BreakerPolicy{50, 1000, 1}, clock, log.listener());
    constexpr int kThreads = 8;
    std::latch start(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([&] {
            start.arrive_and_wait();
            for (int i = 0; i < 100; ++i) breaker.recordFailure();
        });
    for (auto& thread : threads) thread.join();
    BOOST_TEST((breaker.state() == BreakerState::Open));
    BOOST_TEST(breaker.consecutiveFailures() == 50, "failures while open are not counted");
    BOOST_TEST((log.seen() == std::vector<Transition>{{BreakerState::Closed, BreakerState::Open}}));
}

BOOST_AUTO_TEST_SUITE_END()
