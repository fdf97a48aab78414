#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <thread>
#include <vector>

#include "core/retry_policy.h"

using namespace hub::core;

namespace {

// Replays a fixed sequence of values, then repeats the last one.
class FixedSequenceRandomSource final : public RandomSource {
  public:
    explicit FixedSequenceRandomSource(std::vector<double> values) : values_(std::move(values)) {}
    double uniform01() override {
        const double value = values_.at(next_);
        if (next_ + 1 < values_.size()) ++next_;
        return value;
    }

  private:
    std::vector<double> values_;
    std::size_t next_ = 0;
};

constexpr RetryPolicy kPolicy{8, 1000, 300000};
constexpr EpochMillis kMax = std::numeric_limits<EpochMillis>::max();

// base * 2^(attempt-1), saturated at max, by repeated doubling.
EpochMillis expectedCap(const RetryPolicy& policy, int attempt) {
    EpochMillis cap = policy.baseDelayMs;
    for (int i = 1; i < attempt && cap < policy.maxDelayMs; ++i)
        cap = cap > policy.maxDelayMs / 2 ? policy.maxDelayMs : cap * 2;
    return std::min(cap, policy.maxDelayMs);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(retry_policy)

BOOST_AUTO_TEST_CASE(invalid_policies_are_refused) {
    BOOST_CHECK_THROW(validate(RetryPolicy{0, 1000, 2000}), std::invalid_argument);
    BOOST_CHECK_THROW(validate(RetryPolicy{-1, 1000, 2000}), std::invalid_argument);
    BOOST_CHECK_THROW(validate(RetryPolicy{3, 0, 2000}), std::invalid_argument);
    BOOST_CHECK_THROW(validate(RetryPolicy{3, -5, 2000}), std::invalid_argument);
    BOOST_CHECK_THROW(validate(RetryPolicy{3, 1000, 999}), std::invalid_argument);
    BOOST_CHECK_NO_THROW(validate(RetryPolicy{1, 1000, 1000}));
    BOOST_CHECK_NO_THROW(validate(RetryPolicy{}));
}

BOOST_AUTO_TEST_CASE(invalid_policy_message_names_the_field) {
    try {
        validate(RetryPolicy{3, 1000, 10});
        BOOST_FAIL("expected std::invalid_argument");
    } catch (const std::invalid_argument& error) {
        BOOST_TEST(std::string(error.what()).find("maxDelayMs") != std::string::npos, error.what());
    }
}

BOOST_AUTO_TEST_CASE(the_functions_refuse_invalid_input) {
    BOOST_CHECK_THROW(backoffDelay(RetryPolicy{3, 0, 10}, 1, 0.5), std::invalid_argument);
    BOOST_CHECK_THROW(backoffDelay(kPolicy, 0, 0.5), std::invalid_argument);
    BOOST_CHECK_THROW(backoffCap(kPolicy, -3), std::invalid_argument);
    BOOST_CHECK_THROW(nextAttemptAt(kPolicy, 0, 0, 0.5, std::nullopt), std::invalid_argument);
    BOOST_CHECK_THROW(nextAttemptAt(RetryPolicy{0, 1, 1}, 5, 0, 0.5, std::nullopt), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(cap_doubles_from_base_until_the_maximum) {
    BOOST_TEST(backoffCap(kPolicy, 1) == 1000);
    BOOST_TEST(backoffCap(kPolicy, 2) == 2000);
    BOOST_TEST(backoffCap(kPolicy, 3) == 4000);
    BOOST_TEST(backoffCap(kPolicy, 9) == 256000);
    BOOST_TEST(backoffCap(kPolicy, 10) == 300000);
    for (int attempt = 1; attempt <= 40; ++attempt)
        BOOST_TEST(backoffCap(kPolicy, attempt) == expectedCap(kPolicy, attempt), "attempt " << attempt);
}

BOOST_AUTO_TEST_CASE(cap_never_overflows_for_huge_attempt_counts) {
    const RetryPolicy wide{std::numeric_limits<int>::max(), 1, kMax};
    BOOST_TEST(backoffCap(wide, 63) == (EpochMillis{1} << 62));
    BOOST_TEST(backoffCap(wide, 64) == kMax);
    BOOST_TEST(backoffCap(wide, 65) == kMax);
    BOOST_TEST(backoffCap(wide, std::numeric_limits<int>::max()) == kMax);
    const RetryPolicy odd{100, 3, kMax - 1};
    for (int attempt = 1; attempt <= 100; ++attempt) {
        const EpochMillis cap = backoffCap(odd, attempt);
        BOOST_TEST(cap >= 3);
        BOOST_TEST(cap <= kMax - 1);
    }
    BOOST_TEST(backoffCap(odd, 62) == (EpochMillis{3} << 61));
    BOOST_TEST(backoffCap(odd, 63) == kMax - 1);
    BOOST_TEST(backoffDelay(wide, 1000, 0.5) == (EpochMillis{1} << 62));
    BOOST_TEST(backoffDelay(wide, 1000, 0.999999) > kMax / 10 * 9);
    BOOST_TEST(backoffDelay(wide, 1000, 1.0) == kMax);
}

BOOST_AUTO_TEST_CASE(delay_stays_within_one_millisecond_and_the_cap_for_attempts_1_to_40) {
    for (int attempt = 1; attempt <= 40; ++attempt) {
        const EpochMillis cap = expectedCap(kPolicy, attempt);
        EpochMillis previous = 0;
        for (double u : {0.0, 0.0001, 0.25, 0.5, 0.75, 0.999, 0.999999}) {
            const EpochMillis delay = backoffDelay(kPolicy, attempt, u);
            BOOST_TEST(delay >= 1, "attempt " << attempt << " u " << u);
            BOOST_TEST(delay <= cap, "attempt " << attempt << " u " << u);
            BOOST_TEST(delay >= previous, "delay must grow with u");
            BOOST_TEST(delay == std::max<EpochMillis>(1, static_cast<EpochMillis>(std::floor(u * cap))));
            previous = delay;
        }
        BOOST_TEST(backoffDelay(kPolicy, attempt, 0.0) == 1);
        BOOST_TEST(backoffDelay(kPolicy, attempt, 0.999) >= cap - cap / 1000 - 1);
    }
}

BOOST_AUTO_TEST_CASE(full_jitter_spans_the_whole_range) {
    BOOST_TEST(backoffDelay(kPolicy, 3, 0.0) == 1);
    BOOST_TEST(backoffDelay(kPolicy, 3, 0.5) == 2000);
    BOOST_TEST(backoffDelay(kPolicy, 3, 0.999) == 3996);
    BOOST_TEST(backoffDelay(kPolicy, 20, 0.999) == 299700);
}

BOOST_AUTO_TEST_CASE(out_of_range_uniforms_are_clamped) {
    BOOST_TEST(backoffDelay(kPolicy, 3, -1.0) == 1);
    BOOST_TEST(backoffDelay(kPolicy, 3, 1.0) == 4000);
    BOOST_TEST(backoffDelay(kPolicy, 3, 7.5) == 4000);
    BOOST_TEST(backoffDelay(kPolicy, 3, std::nan("")) == 1);
    BOOST_TEST(backoffDelay(kPolicy, 3, std::numeric_limits<double>::infinity()) == 4000);
}

BOOST_AUTO_TEST_CASE(attempts_are_exhausted_at_max_attempts) {
    const RetryPolicy three{3, 1000, 60000};
    BOOST_TEST(nextAttemptAt(three, 1, 10'000, 0.5, std::nullopt).has_value());
    BOOST_TEST(nextAttemptAt(three, 2, 10'000, 0.5, std::nullopt).has_value());
    BOOST_TEST(!nextAttemptAt(three, 3, 10'000, 0.5, std::nullopt).has_value());
    BOOST_TEST(!nextAttemptAt(three, 4, 10'000, 0.5, std::nullopt).has_value());
    BOOST_TEST(!nextAttemptAt(three, 3, 10'000, 0.5, 5000).has_value());
    const RetryPolicy once{1, 1000, 1000};
    BOOST_TEST(!nextAttemptAt(once, 1, 10'000, 0.5, std::nullopt).has_value());
}

BOOST_AUTO_TEST_CASE(next_attempt_is_now_plus_the_jittered_delay) {
    const EpochMillis now = 1'795'750'038'123;
    for (int attempt = 1; attempt < kPolicy.maxAttempts; ++attempt) {
        auto at = nextAttemptAt(kPolicy, attempt, now, 0.5, std::nullopt);
        BOOST_REQUIRE(at.has_value());
        BOOST_TEST(*at == now + backoffDelay(kPolicy, attempt, 0.5));
    }
}

BOOST_AUTO_TEST_CASE(retry_after_is_a_floor) {
    const EpochMillis now = 1'000'000;
    // Jitter gives 1 ms; the server asked for 10 s.
    BOOST_TEST(*nextAttemptAt(kPolicy, 1, now, 0.0, 10'000) == now + 10'000);
    // Jitter gives 2000 ms, more than the 500 ms asked for.
    BOOST_TEST(*nextAttemptAt(kPolicy, 3, now, 0.5, 500) == now + 2000);
    BOOST_TEST(*nextAttemptAt(kPolicy, 3, now, 0.5, 0) == now + 2000);
    // A negative value (never produced by parseRetryAfter) is ignored.
    BOOST_TEST(*nextAttemptAt(kPolicy, 3, now, 0.5, -50'000) == now + 2000);
}

BOOST_AUTO_TEST_CASE(retry_after_is_honoured_beyond_max_delay_up_to_one_hour) {
    const RetryPolicy shortWaits{5, 100, 60'000};
    const EpochMillis now = 5'000'000;
    BOOST_TEST(*nextAttemptAt(shortWaits, 1, now, 0.9, 20 * 60'000) == now + 20 * 60'000);
    BOOST_TEST(*nextAttemptAt(shortWaits, 1, now, 0.9, kMaxHonouredRetryAfterMs) == now + kMaxHonouredRetryAfterMs);
    BOOST_TEST(*nextAttemptAt(shortWaits, 1, now, 0.9, 5 * 3600'000) == now + kMaxHonouredRetryAfterMs);
    BOOST_TEST(*nextAttemptAt(shortWaits, 1, now, 0.9, kMax) == now + kMaxHonouredRetryAfterMs);
    BOOST_TEST(kMaxHonouredRetryAfterMs == 3'600'000);
}

BOOST_AUTO_TEST_CASE(next_attempt_saturates_instead_of_overflowing) {
    BOOST_TEST(*nextAttemptAt(kPolicy, 5, kMax - 10, 0.5, std::nullopt) == kMax);
    BOOST_TEST(*nextAttemptAt(kPolicy, 5, kMax - 10, 0.5, kMaxHonouredRetryAfterMs) == kMax);
}

BOOST_AUTO_TEST_CASE(a_schedule_from_an_injected_random_source) {
    FixedSequenceRandomSource random({0.5, 0.25, 0.0, 0.999});
    const RetryPolicy policy{5, 1000, 60'000};
    EpochMillis now = 0;
    std::vector<EpochMillis> schedule;
    for (int attempts = 1;; ++attempts) {
        auto at = nextAttemptAt(policy, attempts, now, random.uniform01(), std::nullopt);
        if (!at) break;
        schedule.push_back(*at);
        now = *at;
    }
    // Caps 1000, 2000, 4000, 8000.
    const std::vector<EpochMillis> expected{500, 500 + 500, 1000 + 1, 1001 + 7992};
    BOOST_TEST(schedule == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(seeded_source_is_reproducible_and_in_range) {
    SeededRandomSource a(42), b(42), c(43);
    bool differs = false;
    double sum = 0;
    for (int i = 0; i < 10'000; ++i) {
        const double x = a.uniform01();
        BOOST_TEST(x == b.uniform01());
        if (x != c.uniform01()) differs = true;
        BOOST_TEST_REQUIRE(x >= 0.0);
        BOOST_TEST_REQUIRE(x < 1.0);
        sum += x;
    }
    BOOST_TEST(differs);
    BOOST_TEST(sum / 10'000 > 0.47);
    BOOST_TEST(sum / 10'000 < 0.53);
}

BOOST_AUTO_TEST_CASE(seeded_source_is_safe_to_share_between_threads) {
    SeededRandomSource shared;
    std::vector<std::thread> threads;
    std::atomic<int> outOfRange{0};
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 5000; ++i) {
                const double x = shared.uniform01();
                if (!(x >= 0.0 && x < 1.0)) ++outOfRange;
            }
        });
    for (auto& thread : threads) thread.join();
    BOOST_TEST(outOfRange.load() == 0);
}

BOOST_AUTO_TEST_SUITE_END()
