#pragma once

#include <atomic>
#include <optional>

namespace hub::core {

// Caps the number of calls in flight to one department (one limiter per
// department, the limit from its config). Never blocks: when no permit is
// free the caller leaves the work queued and tries later. Thread-safe,
// lock-free.
class ConcurrencyLimiter {
  public:
    // One held slot; returns it on destruction or release(). Move-only. Must
    // not outlive the limiter that issued it.
    class Permit {
      public:
        Permit(Permit&& other) noexcept;
        Permit& operator=(Permit&& other) noexcept;
        Permit(const Permit&) = delete;
        Permit& operator=(const Permit&) = delete;
        ~Permit();

        // Returns the slot now; later calls (and the destructor) do nothing.
        void release() noexcept;

      private:
        friend class ConcurrencyLimiter;
        explicit Permit(ConcurrencyLimiter* owner) : owner_(owner) {}
        ConcurrencyLimiter* owner_;
    };

    // Throws std::invalid_argument unless limit >= 1.
    explicit ConcurrencyLimiter(int limit);
    ConcurrencyLimiter(const ConcurrencyLimiter&) = delete;
    ConcurrencyLimiter& operator=(const ConcurrencyLimiter&) = delete;

    // A permit when fewer than limit() are held, otherwise nullopt.
    std::optional<Permit> tryAcquire();
    // Permits held right now (a snapshot; may change at once).
    int inFlight() const;
    int limit() const { return limit_; }

  private:
    void release() noexcept;

    const int limit_;
    std::atomic<int> inFlight_{0};
};

}  // namespace hub::core
