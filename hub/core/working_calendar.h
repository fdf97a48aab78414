#pragma once

#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace hub::core {

// A civil date in China Standard Time as YYYYMMDD (20261127), the unit the
// licensing rules count in. See chinaDateOf in core/clock.h.
using Day = int;

// The calendar data is not usable (a date that does not exist, a worked day
// that is not a weekend day, a day listed both ways, a day outside the
// covered years). what() is one line naming the day.
class CalendarError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Is `day` a real date (year 1900..9999)?
bool isValidDay(Day day);
// The date `days` calendar days after `day` (negative: before).
Day addCalendarDays(Day day, int days);
// ISO weekday: 1 = Monday … 7 = Sunday.
int isoWeekday(Day day);
// "2026-11-27"; parseDay accepts exactly that form and throws CalendarError otherwise.
std::string formatDay(Day day);
Day parseDay(const std::string& text);

// Which days are working days (行政许可法 time limits are working days):
// Monday to Friday, except public holidays, plus the weekend days declared
// working days in their place (调休). The data covers whole years
// [firstYear, lastYear]; outside them only Saturdays and Sundays are days off
// (callers that care check covers()). Immutable; safe to share between threads.
class WorkingCalendar {
  public:
    // Throws CalendarError: firstYear > lastYear; an invalid day; a day outside
    // [firstYear, lastYear]; a worked day that is not a Saturday or Sunday; a
    // day both a holiday and a worked day.
    static WorkingCalendar build(int firstYear, int lastYear, const std::vector<Day>& holidays,
                                 const std::vector<Day>& workedWeekendDays);
    // Monday to Friday every day, no holidays, covering every year: for tests
    // and for running without calendar data.
    static WorkingCalendar weekdaysOnly();

    int firstYear() const { return firstYear_; }
    int lastYear() const { return lastYear_; }
    bool covers(Day day) const;

    bool isWorkingDay(Day day) const;
    // The n-th working day after `day` (day itself never counts, whether it is
    // a working day or not). n == 0 returns `day`. n < 0 counts backwards.
    // addWorkingDays(Fri 2026-11-27, 1) == Mon 2026-11-30.
    Day addWorkingDays(Day day, int n) const;
    // The number of working days d with from < d <= to; 0 when to <= from.
    int workingDaysBetween(Day from, Day to) const;
    // `day` when it is a working day, else the next working day.
    Day workingDayOnOrAfter(Day day) const;

  private:
    int firstYear_ = 0;
    int lastYear_ = 0;
    std::set<Day> holidays_;
    std::set<Day> workedWeekendDays_;
};

}  // namespace hub::core
