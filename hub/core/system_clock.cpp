#include "core/system_clock.h"

#include <array>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <random>

namespace hub::core {

EpochMillis SystemClock::now() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

namespace {

constexpr char kCrockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

// ULIDs follow https://github.com/ulid/spec: 48 bits of milliseconds, then 80
// random bits; within one millisecond the random part is incremented so ids
// from this source keep sorting in creation order.
class RandomIdSource final : public IdSource {
  public:
    RandomIdSource() {
        std::random_device device;
        std::seed_seq seed{device(), device(), device(), device(), device(), device(), device(), device()};
        engine_.seed(seed);
    }

    std::string packageId(EpochMillis now) override {
        std::lock_guard lock(mutex_);
        std::uint64_t millis = static_cast<std::uint64_t>(now < 0 ? 0 : now) & 0xFFFFFFFFFFFFULL;
        if (millis == lastMillis_ && haveLast_) {
            incrementRandom();
        } else {
            randomHigh_ = static_cast<std::uint16_t>(engine_());
            randomLow_ = engine_();
            lastMillis_ = millis;
            haveLast_ = true;
        }
        return "PKG-" + encodeUlid(millis, randomHigh_, randomLow_);
    }

    std::string messageId() override {
        std::array<std::uint8_t, 16> bytes{};
        {
            std::lock_guard lock(mutex_);
            std::uint64_t high = engine_();
            std::uint64_t low = engine_();
            for (int i = 0; i < 8; ++i) {
                bytes[i] = static_cast<std::uint8_t>(high >> (56 - 8 * i));
                bytes[8 + i] = static_cast<std::uint8_t>(low >> (56 - 8 * i));
            }
        }
        bytes[6] = static_cast<std::uint8_t>((bytes[6] & 0x0F) | 0x40);
        bytes[8] = static_cast<std::uint8_t>((bytes[8] & 0x3F) | 0x80);
        static constexpr char hex[] = "0123456789abcdef";
        std::string text;
        text.reserve(36);
        for (std::size_t i = 0; i < bytes.size(); ++i) {
            if (i == 4 || i == 6 || i == 8 || i == 10) text.push_back('-');
            text.push_back(hex[bytes[i] >> 4]);
            text.push_back(hex[bytes[i] & 0x0F]);
        }
        return text;
    }

  private:
    void incrementRandom() {
        if (++randomLow_ == 0) ++randomHigh_;
    }

    // 10 characters carry the 48-bit time (top two bits zero), 16 carry the
    // 80 random bits.
    static std::string encodeUlid(std::uint64_t millis, std::uint16_t randomHigh, std::uint64_t randomLow) {
        std::string text(26, '0');
        for (int i = 9; i >= 0; --i) {
            text[i] = kCrockford[millis & 0x1F];
            millis >>= 5;
        }
        for (int i = 25; i >= 10; --i) {
            text[i] = kCrockford[randomLow & 0x1F];
            randomLow = (randomLow >> 5) | (static_cast<std::uint64_t>(randomHigh & 0x1F) << 59);
            randomHigh = static_cast<std::uint16_t>(randomHigh >> 5);
        }
        return text;
    }

    std::mutex mutex_;
    std::mt19937_64 engine_;
    std::uint64_t lastMillis_ = 0;
    bool haveLast_ = false;
    std::uint16_t randomHigh_ = 0;
    std::uint64_t randomLow_ = 0;
};

}  // namespace

std::unique_ptr<IdSource> makeRandomIdSource() { return std::make_unique<RandomIdSource>(); }

}  // namespace hub::core
