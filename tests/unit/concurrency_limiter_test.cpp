#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <latch>
#include <optional>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include "core/concurrency_limiter.h"

using namespace hub::core;

BOOST_AUTO_TEST_SUITE(concurrency_limiter)

BOOST_AUTO_TEST_CASE(limit_must_be_positive) {
    BOOST_CHECK_THROW(ConcurrencyLimiter(0), std::invalid_argument);
    BOOST_CHECK_THROW(ConcurrencyLimiter(-4), std::invalid_argument);
    BOOST_TEST(ConcurrencyLimiter(1).limit() == 1);
}

BOOST_AUTO_TEST_CASE(acquires_up_to_the_limit) {
    ConcurrencyLimiter limiter(3);
    std::vector<ConcurrencyLimiter::Permit> held;
    for (int i = 0; i < 3; ++i) {
        auto permit = limiter.tryAcquire();
        BOOST_REQUIRE(permit.has_value());
        held.push_back(std::move(*permit));
        BOOST_TEST(limiter.inFlight() == i + 1);
    }
    BOOST_TEST(!limiter.tryAcquire().has_value());
    BOOST_TEST(!limiter.tryAcquire().has_value());
    BOOST_TEST(limiter.inFlight() == 3);
}

BOOST_AUTO_TEST_CASE(a_permit_returns_its_slot_when_destroyed) {
    ConcurrencyLimiter limiter(1);
    {
        auto permit = limiter.tryAcquire();
        BOOST_REQUIRE(permit.has_value());
        BOOST_TEST(!limiter.tryAcquire().has_value());
    }
    BOOST_TEST(limiter.inFlight() == 0);
    BOOST_TEST(limiter.tryAcquire().has_value());
    BOOST_TEST(limiter.inFlight() == 0, "the temporary permit was released at once");
}

BOOST_AUTO_TEST_CASE(release_returns_the_slot_once) {
    ConcurrencyLimiter limiter(2);
    auto first = limiter.tryAcquire();
    auto second = limiter.tryAcquire();
    BOOST_REQUIRE(first.has_value());
    BOOST_REQUIRE(second.has_value());
    first->release();
    BOOST_TEST(limiter.inFlight() == 1);
    first->release();
    first.reset();
    BOOST_TEST(limiter.inFlight() == 1, "a second release and the destructor do nothing");
    auto third = limiter.tryAcquire();
    BOOST_TEST(third.has_value());
    BOOST_TEST(!limiter.tryAcquire().has_value());
}

BOOST_AUTO_TEST_CASE(moving_a_permit_keeps_exactly_one_slot) {
    ConcurrencyLimiter limiter(2);
    auto acquired = limiter.tryAcquire();
    BOOST_REQUIRE(acquired.has_value());
    ConcurrencyLimiter::Permit moved(std::move(*acquired));
    acquired.reset();
    BOOST_TEST(limiter.inFlight() == 1);

    auto other = limiter.tryAcquire();
    BOOST_REQUIRE(other.has_value());
    BOOST_TEST(limiter.inFlight() == 2);
    moved = std::move(*other);  // releases the slot `moved` held
    BOOST_TEST(limiter.inFlight() == 1);
    other.reset();
    BOOST_TEST(limiter.inFlight() == 1);
    moved = std::move(moved);
    BOOST_TEST(limiter.inFlight() == 1, "self-move keeps the slot");
    moved.release();
    BOOST_TEST(limiter.inFlight() == 0);
}

BOOST_AUTO_TEST_CASE(limiters_are_independent) {
    ConcurrencyLimiter samr(1), mot(1);
    auto a = samr.tryAcquire();
    BOOST_TEST(a.has_value());
    BOOST_TEST(!samr.tryAcquire().has_value());
    BOOST_TEST(mot.tryAcquire().has_value());
}

BOOST_AUTO_TEST_CASE(concurrent_acquirers_never_exceed_the_limit) {
    constexpr int kLimit = 3;
    constexpr int kThreads = 8;
    constexpr int kRounds = 5000;
    ConcurrencyLimiter limiter(kLimit);
    std::atomic<int> holding{0};
    std::atomic<int> maxHolding{0};
    std::atomic<int> acquisitions{0};
    std::latch start(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([&] {
            start.arrive_and_wait();
            for (int i = 0; i < kRounds; ++i) {
                auto permit = limiter.tryAcquire();
                if (!permit) continue;
                ++acquisitions;
                const int now = ++holding;
                int seen = maxHolding.load();
                while (now > seen && !maxHolding.compare_exchange_weak(seen, now)) {
                }
                std::this_thread::yield();
                --holding;
            }
        });
    for (auto& thread : threads) thread.join();
    BOOST_TEST(maxHolding.load() <= kLimit);
    BOOST_TEST(maxHolding.load() >= 1);
    BOOST_TEST(acquisitions.load() > 0);
    BOOST_TEST(limiter.inFlight() == 0);
}

BOOST_AUTO_TEST_SUITE_END()
