#include <boost/test/unit_test.hpp>

#include "core/rate_limiter.h"

using hub::core::RateLimiter;

BOOST_AUTO_TEST_SUITE(rate_limiter)

BOOST_AUTO_TEST_CASE(a_burst_passes_then_requests_wait_for_the_refill) {
    RateLimiter limiter(10, 3);  // 10 per second, bursts of 3
    for (int i = 0; i < 3; ++i) BOOST_TEST(!limiter.admit("tok_a", 1000).has_value());
    auto wait = limiter.admit("tok_a", 1000);
    BOOST_TEST_REQUIRE(wait.has_value());
    BOOST_TEST(*wait == 100);
    BOOST_TEST(limiter.admit("tok_a", 1050).has_value());  // half a token back
    BOOST_TEST(!limiter.admit("tok_a", 1100).has_value());
    BOOST_TEST(limiter.admit("tok_a", 1100).has_value());
    // Another key has its own bucket.
    BOOST_TEST(!limiter.admit("tok_b", 1100).has_value());
    // A long pause refills to the burst, not beyond.
    for (int i = 0; i < 3; ++i) BOOST_TEST(!limiter.admit("tok_a", 100000).has_value());
    BOOST_TEST(limiter.admit("tok_a", 100000).has_value());
}

BOOST_AUTO_TEST_CASE(a_clock_going_back_does_not_add_tokens) {
    RateLimiter limiter(1, 1);
    BOOST_TEST(!limiter.admit("k", 5000).has_value());
    BOOST_TEST(limiter.admit("k", 4000).has_value());
    BOOST_TEST(limiter.admit("k", 5500).has_value());
    BOOST_TEST(!limiter.admit("k", 6000).has_value());
}

BOOST_AUTO_TEST_CASE(off_when_the_rate_is_zero_and_bounded_in_keys) {
    RateLimiter off(0, 5);
    for (int i = 0; i < 1000; ++i) BOOST_TEST(!off.admit("k", 1).has_value());
    RateLimiter bounded(1, 1, 2);
    BOOST_TEST(!bounded.admit("a", 0).has_value());
    BOOST_TEST(!bounded.admit("b", 0).has_value());
    BOOST_TEST(!bounded.admit("c", 0).has_value());  // over the bound: nothing to forget, all forgotten
    BOOST_TEST(!bounded.admit("a", 0).has_value());  // a fresh bucket again
}

BOOST_AUTO_TEST_SUITE_END()
