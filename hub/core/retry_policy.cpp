#include "core/retry_policy.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace hub::core {

void validate(const RetryPolicy& policy) {
    if (policy.maxAttempts < 1)
        throw std::invalid_argument("retry policy: maxAttempts must be at least 1, got " +
                                    std::to_string(policy.maxAttempts));
    if (policy.baseDelayMs <= 0)
        throw std::invalid_argument("retry policy: baseDelayMs must be positive, got " +
                                    std::to_string(policy.baseDelayMs));
    if (policy.maxDelayMs < policy.baseDelayMs)
        throw std::invalid_argument("retry policy: maxDelayMs (" + std::to_string(policy.maxDelayMs) +
                                    ") must not be below baseDelayMs (" + std::to_string(policy.baseDelayMs) +
                                    ")");
}

EpochMillis backoffCap(const RetryPolicy& policy, int attemptsSoFar) {
    validate(policy);
    if (attemptsSoFar < 1)
        throw std::invalid_argument("backoff: attemptsSoFar must be at least 1, got " +
                                    std::to_string(attemptsSoFar));
    const int exponent = attemptsSoFar - 1;
    // base * 2^e <= max  <=>  base <= floor(max / 2^e), for positive integers.
    if (exponent >= std::numeric_limits<EpochMillis>::digits) return policy.maxDelayMs;
    if (policy.baseDelayMs > (policy.maxDelayMs >> exponent)) return policy.maxDelayMs;
    return policy.baseDelayMs << exponent;
}

EpochMillis backoffDelay(const RetryPolicy& policy, int attemptsSoFar, double uniform01) {
    const EpochMillis cap = backoffCap(policy, attemptsSoFar);
    const double fraction = std::isnan(uniform01) ? 0.0 : std::clamp(uniform01, 0.0, 1.0);
    const double scaled = std::floor(fraction * static_cast<double>(cap));
    // Past 2^53 the double product can round above cap (or to 2^63, which
    // does not convert); such values are the cap.
    const EpochMillis delay = scaled >= static_cast<double>(cap) ? cap : static_cast<EpochMillis>(scaled);
    return std::max<EpochMillis>(1, delay);
}

std::optional<EpochMillis> nextAttemptAt(const RetryPolicy& policy, int attemptsSoFar, EpochMillis now,
                                         double uniform01, std::optional<EpochMillis> retryAfterMs) {
    EpochMillis delay = backoffDelay(policy, attemptsSoFar, uniform01);
    if (attemptsSoFar >= policy.maxAttempts) return std::nullopt;
    if (retryAfterMs) delay = std::max(delay, std::clamp<EpochMillis>(*retryAfterMs, 0, kMaxHonouredRetryAfterMs));
    if (now > std::numeric_limits<EpochMillis>::max() - delay) return std::numeric_limits<EpochMillis>::max();
    return now + delay;
}

SeededRandomSource::SeededRandomSource() {
    std::random_device device;
    engine_.seed((static_cast<std::uint64_t>(device()) << 32) ^ device());
}

SeededRandomSource::SeededRandomSource(std::uint64_t seed) : engine_(seed) {}

double SeededRandomSource::uniform01() {
    std::uint64_t bits;
    {
        std::lock_guard lock(mutex_);
        bits = engine_();
    }
    // The top 53 bits as a fraction: exactly representable, strictly below 1
    // (std::uniform_real_distribution may round up to 1.0).
    return static_cast<double>(bits >> 11) * 0x1.0p-53;
}

}  // namespace hub::core
