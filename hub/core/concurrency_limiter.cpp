#include "core/concurrency_limiter.h"

#include <stdexcept>
#include <string>
#include <utility>

namespace hub::core {

ConcurrencyLimiter::Permit::Permit(Permit&& other) noexcept : owner_(std::exchange(other.owner_, nullptr)) {}

ConcurrencyLimiter::Permit& ConcurrencyLimiter::Permit::operator=(Permit&& other) noexcept {
    if (this != &other) {
        release();
        owner_ = std::exchange(other.owner_, nullptr);
    }
    return *this;
}

ConcurrencyLimiter::Permit::~Permit() { release(); }

void ConcurrencyLimiter::Permit::release() noexcept {
    if (owner_) std::exchange(owner_, nullptr)->release();
}

ConcurrencyLimiter::ConcurrencyLimiter(int limit) : limit_(limit) {
    if (limit < 1)
        throw std::invalid_argument("concurrency limit must be at least 1, got " + std::to_string(limit));
}

std::optional<ConcurrencyLimiter::Permit> ConcurrencyLimiter::tryAcquire() {
    int current = inFlight_.load(std::memory_order_relaxed);
    do {
        if (current >= limit_) return std::nullopt;
    } while (!inFlight_.compare_exchange_weak(current, current + 1, std::memory_order_acquire,
                                              std::memory_order_relaxed));
    return Permit(this);
}

int ConcurrencyLimiter::inFlight() const { return inFlight_.load(std::memory_order_relaxed); }

void ConcurrencyLimiter::release() noexcept { inFlight_.fetch_sub(1, std::memory_order_release); }

}  // namespace hub::core
