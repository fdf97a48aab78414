#pragma once

#include <string>

#include "core/working_calendar.h"

namespace hub::config {

// Loads the working-day calendar (JSON, see config/calendar.json and
// docs/clocks.md): every year from firstYear to lastYear with its holidays
// ("YYYY-MM-DD" or an inclusive range "YYYY-MM-DD..YYYY-MM-DD"), the weekend
// days worked instead (调休), its source, and whether it is provisional.
// Unknown keys, wrong types, a missing year, a day outside its year, a day
// listed twice and every WorkingCalendar::build failure become one
// ConfigError line prefixed with the file name and key path.
core::WorkingCalendar loadCalendar(const std::string& path);

}  // namespace hub::config
