#include "core/working_calendar.h"

#include <chrono>
#include <cstdio>

namespace hub::core {

namespace {

constexpr int kFirstSupportedYear = 1900;
constexpr int kLastSupportedYear = 9999;

int yearOf(Day day) { return day / 10000; }

std::chrono::year_month_day civil(Day day) {
    return std::chrono::year_month_day{std::chrono::year{day / 10000},
                                       std::chrono::month{static_cast<unsigned>(day / 100 % 100)},
                                       std::chrono::day{static_cast<unsigned>(day % 100)}};
}

Day dayOf(const std::chrono::year_month_day& date) {
    return static_cast<int>(date.year()) * 10000 + static_cast<int>(static_cast<unsigned>(date.month())) * 100 +
           static_cast<int>(static_cast<unsigned>(date.day()));
}

std::string rawText(Day day) { return std::to_string(day); }

// The day as sys_days; throws CalendarError for an invalid day.
std::chrono::sys_days checkedDays(Day day) {
    if (!isValidDay(day)) throw CalendarError("calendar: " + rawText(day) + " is not a valid date");
    return std::chrono::sys_days{civil(day)};
}

bool isWeekend(Day day) { return isoWeekday(day) >= 6; }

}  // namespace

bool isValidDay(Day day) {
    if (day < kFirstSupportedYear * 10000 || yearOf(day) > kLastSupportedYear) return false;
    return civil(day).ok();
}

Day addCalendarDays(Day day, int days) {
    Day result = dayOf(std::chrono::year_month_day{checkedDays(day) + std::chrono::days{days}});
    if (!isValidDay(result)) {
        throw CalendarError("calendar: " + formatDay(day) + " + " + std::to_string(days) +
                            " days leaves the supported years");
    }
    return result;
}

int isoWeekday(Day day) { return static_cast<int>(std::chrono::weekday{checkedDays(day)}.iso_encoding()); }

std::string formatDay(Day day) {
    checkedDays(day);
    char text[16];
    std::snprintf(text, sizeof text, "%04d-%02d-%02d", day / 10000, day / 100 % 100, day % 100);
    return text;
}

Day parseDay(const std::string& text) {
    auto refuse = [&text]() -> CalendarError {
        return CalendarError("calendar: \"" + text + "\" is not a date of the form YYYY-MM-DD");
    };
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') throw refuse();
    Day day = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (i == 4 || i == 7) continue;
        if (text[i] < '0' || text[i] > '9') throw refuse();
        day = day * 10 + (text[i] - '0');
    }
    if (!isValidDay(day)) throw CalendarError("calendar: " + text + " is not a valid date");
    return day;
}

WorkingCalendar WorkingCalendar::build(int firstYear, int lastYear, const std::vector<Day>& holidays,
                                       const std::vector<Day>& workedWeekendDays) {
    if (firstYear > lastYear) {
        throw CalendarError("calendar: first year " + std::to_string(firstYear) + " is after last year " +
                            std::to_string(lastYear));
    }
    if (firstYear < kFirstSupportedYear || lastYear > kLastSupportedYear) {
        throw CalendarError("calendar: years " + std::to_string(firstYear) + ".." + std::to_string(lastYear) +
                            " are outside 1900..9999");
    }
    WorkingCalendar calendar;
    calendar.firstYear_ = firstYear;
    calendar.lastYear_ = lastYear;
    auto checkDay = [&calendar](Day day, const char* what) {
        if (!isValidDay(day)) throw CalendarError("calendar: " + std::string(what) + " " + rawText(day) + " is not a valid date");
        if (!calendar.covers(day)) {
            throw CalendarError("calendar: " + std::string(what) + " " + formatDay(day) + " is outside the years " +
                                std::to_string(calendar.firstYear_) + ".." + std::to_string(calendar.lastYear_));
        }
    };
    for (Day day : holidays) {
        checkDay(day, "holiday");
        calendar.holidays_.insert(day);
    }
    for (Day day : workedWeekendDays) {
        checkDay(day, "worked day");
        if (!isWeekend(day)) {
            throw CalendarError("calendar: worked day " + formatDay(day) + " is not a Saturday or Sunday");
        }
        if (calendar.holidays_.contains(day)) {
            throw CalendarError("calendar: " + formatDay(day) + " is both a holiday and a worked day");
        }
        calendar.workedWeekendDays_.insert(day);
    }
    return calendar;
}

WorkingCalendar WorkingCalendar::weekdaysOnly() {
    WorkingCalendar calendar;
    calendar.firstYear_ = kFirstSupportedYear;
    calendar.lastYear_ = kLastSupportedYear;
    return calendar;
}

bool WorkingCalendar::covers(Day day) const { return yearOf(day) >= firstYear_ && yearOf(day) <= lastYear_; }

bool WorkingCalendar::isWorkingDay(Day day) const {
    if (holidays_.contains(day)) return false;
    if (workedWeekendDays_.contains(day)) return true;
    return !isWeekend(day);
}

Day WorkingCalendar::addWorkingDays(Day day, int n) const {
    checkedDays(day);
    int step = n < 0 ? -1 : 1;
    for (int remaining = n < 0 ? -n : n; remaining > 0;) {
        day = addCalendarDays(day, step);
        if (isWorkingDay(day)) --remaining;
    }
    return day;
}

int WorkingCalendar::workingDaysBetween(Day from, Day to) const {
    checkedDays(from);
    checkedDays(to);
    int count = 0;
    for (Day day = from; day < to;) {
        day = addCalendarDays(day, 1);
        if (isWorkingDay(day)) ++count;
    }
    return count;
}

Day WorkingCalendar::workingDayOnOrAfter(Day day) const {
    checkedDays(day);
    while (!isWorkingDay(day)) day = addCalendarDays(day, 1);
    return day;
}

}  // namespace hub::core
