#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <string>

#include "core/catalogue.h"
#include "core/clock.h"
#include "store/store.h"

namespace hub::tracking_test {

inline const std::string kSource = HUB_SOURCE_DIR;

// The instant of `hour`:00 on the given civil day in China Standard Time.
inline core::EpochMillis chinaTime(int year, unsigned month, unsigned day, int hour = 10) {
    using namespace std::chrono;
    const sys_days date{std::chrono::year{year} / std::chrono::month{month} / std::chrono::day{day}};
    return duration_cast<milliseconds>(date.time_since_epoch()).count() + (hour - 8) * 3'600'000LL;
}

// "PKG-TEST-1", "msg-1", "msg-2"… in the order asked.
class CountingIds final : public core::IdSource {
  public:
    std::string packageId(core::EpochMillis) override { return "PKG-TEST-" + std::to_string(++packages_); }
    std::string messageId() override { return "msg-" + std::to_string(++messages_); }

  private:
    std::atomic<int> packages_{0};
    std::atomic<int> messages_{0};
};

class ManualClock final : public core::Clock {
  public:
    explicit ManualClock(core::EpochMillis start) : now_(start) {}
    core::EpochMillis now() const override { return now_.load(); }
    void set(core::EpochMillis now) { now_ = now; }

  private:
    std::atomic<core::EpochMillis> now_;
};

}  // namespace hub::tracking_test
