#pragma once

#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/clock.h"

namespace hub::core {

// A token bucket per key (an API token, a department): `burst` requests at
// once, refilled at `perSecond`. In memory, per process. Thread-safe.
class RateLimiter {
  public:
    // perSecond <= 0 turns the limiter off (every request allowed).
    RateLimiter(double perSecond, double burst, std::size_t maxKeys = 100000);

    // nullopt when `key` may make a request now (which is counted); else how
    // long until it may, in milliseconds (at least 1).
    std::optional<EpochMillis> admit(const std::string& key, EpochMillis now);

    bool enabled() const { return perSecond_ > 0; }

  private:
    struct Bucket {
        double tokens = 0;
        EpochMillis updatedAt = 0;
    };

    const double perSecond_;
    const double burst_;
    const std::size_t maxKeys_;
    std::mutex mutex_;
    std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace hub::core
