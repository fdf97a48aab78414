#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <random>

#include "core/clock.h"

namespace hub::core {

// How often and how patiently one logical department call is retried.
// `maxAttempts` counts every attempt including the first.
struct RetryPolicy {
    int maxAttempts = 8;
    EpochMillis baseDelayMs = 1000;
    EpochMillis maxDelayMs = 5 * 60 * 1000;
};

// A server's Retry-After is honoured up to this long, even beyond
// RetryPolicy::maxDelayMs (the server knows its own maintenance window better
// than our config does); a longer request is cut to this, and the hub simply
// asks again then.
inline constexpr EpochMillis kMaxHonouredRetryAfterMs = 60 * 60 * 1000;

// Throws std::invalid_argument (naming the field) unless maxAttempts >= 1,
// baseDelayMs > 0 and maxDelayMs >= baseDelayMs.
void validate(const RetryPolicy& policy);

// The upper bound of the jittered delay after `attemptsSoFar` failed attempts:
// min(maxDelayMs, baseDelayMs * 2^(attemptsSoFar-1)), computed without
// overflow for any attempt count. Throws std::invalid_argument for an invalid
// policy or attemptsSoFar < 1.
EpochMillis backoffCap(const RetryPolicy& policy, int attemptsSoFar);

// Exponential backoff with full jitter: floor(uniform01 * cap), but at least
// 1 ms, so the result is always within [1, cap]. uniform01 is expected in
// [0, 1); values outside (and NaN) are clamped into [0, 1]. Throws like
// backoffCap.
EpochMillis backoffDelay(const RetryPolicy& policy, int attemptsSoFar, double uniform01);

// When to make the next attempt after `attemptsSoFar` attempts have failed,
// or nullopt when attemptsSoFar >= maxAttempts (the call becomes an
// incident). A server-supplied Retry-After (milliseconds from now) acts as a
// floor: the delay is max(backoffDelay, retryAfter), with retryAfter clamped
// into [0, kMaxHonouredRetryAfterMs]. The result never overflows (saturates).
// Throws like backoffCap.
std::optional<EpochMillis> nextAttemptAt(const RetryPolicy& policy, int attemptsSoFar, EpochMillis now,
                                         double uniform01, std::optional<EpochMillis> retryAfterMs);

// Source of uniformly distributed doubles in [0, 1) for jitter; injected so
// tests can fix the sequence. Implementations must be thread-safe.
class RandomSource {
  public:
    virtual ~RandomSource() = default;
    virtual double uniform01() = 0;
};

// std::mt19937_64 behind a mutex. Thread-safe. Not for secrets.
class SeededRandomSource final : public RandomSource {
  public:
    // Seeded from std::random_device.
    SeededRandomSource();
    explicit SeededRandomSource(std::uint64_t seed);
    double uniform01() override;

  private:
    std::mutex mutex_;
    std::mt19937_64 engine_;
};

}  // namespace hub::core
