#include "deptsim/sim_time.h"

#include <chrono>
#include <cstdio>

namespace deptsim {
namespace {

constexpr hub::core::EpochMillis kChinaOffsetMs = 8LL * 3600 * 1000;
constexpr long long kMillisPerDay = 86'400'000LL;

// Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian).
long long daysFromCivil(int y, int m, int d) {
    y -= m <= 2;
    const long long era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + static_cast<unsigned>(d) - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<long long>(doe) - 719468;
}

CivilDate civilFromDays(long long z) {
    z += 719468;
    const long long era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const long long y = static_cast<long long>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return {static_cast<int>(y + (m <= 2)), static_cast<int>(m), static_cast<int>(d)};
}

long long floorDiv(long long a, long long b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace

hub::core::EpochMillis nowMillis() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

CivilDate chinaDate(hub::core::EpochMillis instant) {
    return civilFromDays(floorDiv(instant + kChinaOffsetMs, kMillisPerDay));
}

std::string chinaDateTime(hub::core::EpochMillis instant) {
    const long long local = instant + kChinaOffsetMs;
    const CivilDate date = civilFromDays(floorDiv(local, kMillisPerDay));
    const long long secondsOfDay = (local - floorDiv(local, kMillisPerDay) * kMillisPerDay) / 1000;
    char text[40];
    std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02lld:%02lld:%02lld+08:00", date.year, date.month, date.day,
                  secondsOfDay / 3600, secondsOfDay / 60 % 60, secondsOfDay % 60);
    return text;
}

std::string isoDate(const CivilDate& date) {
    char text[16];
    std::snprintf(text, sizeof text, "%04d-%02d-%02d", date.year, date.month, date.day);
    return text;
}

CivilDate addDays(const CivilDate& date, int days) {
    return civilFromDays(daysFromCivil(date.year, date.month, date.day) + days);
}

CivilDate validUntil(const CivilDate& issued, int years) {
    CivilDate later{issued.year + years, issued.month, issued.day};
    if (later.month == 2 && later.day == 29) later.day = 28;
    return addDays(later, -1);
}

}  // namespace deptsim
