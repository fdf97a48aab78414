#include "core/clock.h"

#include <chrono>
#include <cstdio>

namespace hub::core {

namespace {

constexpr EpochMillis kMillisPerDay = 24LL * 60 * 60 * 1000;
constexpr EpochMillis kChinaOffsetMillis = 8LL * 60 * 60 * 1000;

EpochMillis floorDiv(EpochMillis value, EpochMillis divisor) {
    EpochMillis quotient = value / divisor;
    if ((value % divisor != 0) && ((value < 0) != (divisor < 0))) --quotient;
    return quotient;
}

std::chrono::year_month_day civilDate(EpochMillis daysSinceEpoch) {
    return std::chrono::year_month_day{std::chrono::sys_days{std::chrono::days{daysSinceEpoch}}};
}

}  // namespace

int chinaDateOf(EpochMillis instant) {
    auto date = civilDate(floorDiv(instant + kChinaOffsetMillis, kMillisPerDay));
    return static_cast<int>(date.year()) * 10000 + static_cast<int>(static_cast<unsigned>(date.month())) * 100 +
           static_cast<int>(static_cast<unsigned>(date.day()));
}

std::string formatRfc3339(EpochMillis instant) {
    EpochMillis days = floorDiv(instant, kMillisPerDay);
    EpochMillis millisOfDay = instant - days * kMillisPerDay;
    auto date = civilDate(days);
    char text[40];
    std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<int>(date.year()),
                  static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                  static_cast<int>(millisOfDay / 3600000), static_cast<int>(millisOfDay / 60000 % 60),
                  static_cast<int>(millisOfDay / 1000 % 60), static_cast<int>(millisOfDay % 1000));
    return text;
}

}  // namespace hub::core
