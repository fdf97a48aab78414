#include "core/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace hub::core {

RateLimiter::RateLimiter(double perSecond, double burst, std::size_t maxKeys)
    : perSecond_(perSecond), burst_(std::max(burst, 1.0)), maxKeys_(std::max<std::size_t>(maxKeys, 1)) {}

std::optional<EpochMillis> RateLimiter::admit(const std::string& key, EpochMillis now) {
    if (!enabled()) return std::nullopt;
    std::lock_guard lock(mutex_);
    auto found = buckets_.find(key);
    if (found == buckets_.end()) {
        // Full buckets hold no information: forget them before growing past the bound.
        if (buckets_.size() >= maxKeys_) {
            for (auto it = buckets_.begin(); it != buckets_.end();) {
                const double refilled = it->second.tokens + (now - it->second.updatedAt) * perSecond_ / 1000.0;
                it = refilled >= burst_ ? buckets_.erase(it) : std::next(it);
            }
            if (buckets_.size() >= maxKeys_) buckets_.clear();
        }
        found = buckets_.emplace(key, Bucket{burst_, now}).first;
    }
    Bucket& bucket = found->second;
    if (now > bucket.updatedAt) {
        bucket.tokens = std::min(burst_, bucket.tokens + (now - bucket.updatedAt) * perSecond_ / 1000.0);
        bucket.updatedAt = now;
    }
    if (bucket.tokens >= 1.0) {
        bucket.tokens -= 1.0;
        return std::nullopt;
    }
    const double missing = 1.0 - bucket.tokens;
    return std::max<EpochMillis>(1, static_cast<EpochMillis>(std::ceil(missing * 1000.0 / perSecond_)));
}

}  // namespace hub::core
