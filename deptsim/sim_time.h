#pragma once

#include <string>

#include "core/clock.h"

namespace deptsim {

// Calendar helpers in China Standard Time (UTC+8), the zone every simulated
// department writes its dates and times in.
struct CivilDate {
    int year = 1970;
    int month = 1;
    int day = 1;
};

hub::core::EpochMillis nowMillis();
CivilDate chinaDate(hub::core::EpochMillis instant);
// "2026-11-27T14:05:00+08:00"
std::string chinaDateTime(hub::core::EpochMillis instant);
// "2026-11-27"
std::string isoDate(const CivilDate& date);
// The same day `years` later, minus one day (a certificate valid for N years).
CivilDate validUntil(const CivilDate& issued, int years);
CivilDate addDays(const CivilDate& date, int days);

}  // namespace deptsim
