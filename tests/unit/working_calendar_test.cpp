#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <random>

#include "config/calendar_loader.h"
#include "config/hub_config.h"
#include "core/working_calendar.h"

using namespace hub::core;
namespace fs = std::filesystem;

namespace {

const WorkingCalendar& shippedCalendar() {
    static const WorkingCalendar calendar = hub::config::loadCalendar(HUB_SOURCE_DIR "/config/calendar.json");
    return calendar;
}

// what() of the CalendarError that build() throws, or "no error".
std::string buildError(int firstYear, int lastYear, const std::vector<Day>& holidays, const std::vector<Day>& worked) {
    try {
        WorkingCalendar::build(firstYear, lastYear, holidays, worked);
    } catch (const CalendarError& error) {
        return error.what();
    }
    return "no error";
}

bool parseRefused(const std::string& text) {
    try {
        parseDay(text);
    } catch (const CalendarError&) {
        return true;
    }
    return false;
}

// A calendar file in a fresh temporary directory, removed at scope exit.
class CalendarFile {
  public:
    explicit CalendarFile(const std::string& content) {
        std::random_device random;
        directory_ = fs::temp_directory_path() / ("hub-calendar-test-" + std::to_string(random()) + std::to_string(random()));
        fs::create_directories(directory_);
        std::ofstream(path()) << content;
    }
    ~CalendarFile() {
        std::error_code ignored;
        fs::remove_all(directory_, ignored);
    }
    CalendarFile(const CalendarFile&) = delete;
    CalendarFile& operator=(const CalendarFile&) = delete;

    std::string path() const { return (directory_ / "calendar.json").string(); }

  private:
    fs::path directory_;
};

// A one-year (2026) calendar file whose year object is `yearBody`.
std::string oneYear(const std::string& yearBody) {
    return R"({"version": 1, "firstYear": 2026, "lastYear": 2026, "years": {"2026": {)" + yearBody + "}}}";
}

// what() of the ConfigError that loading `content` throws, without the
// file's path, or "no error".
std::string loadError(const std::string& content) {
    CalendarFile file(content);
    try {
        hub::config::loadCalendar(file.path());
    } catch (const hub::config::ConfigError& error) {
        std::string message = error.what();
        if (message.rfind(file.path() + ": ", 0) != 0) return "not prefixed with the file: " + message;
        return message.substr(file.path().size() + 2);
    }
    return "no error";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(working_calendar)

BOOST_AUTO_TEST_CASE(iso_weekdays) {
    BOOST_TEST(isoWeekday(20261127) == 5);
    BOOST_TEST(isoWeekday(20261128) == 6);
    BOOST_TEST(isoWeekday(20261129) == 7);
    BOOST_TEST(isoWeekday(20261130) == 1);
    BOOST_TEST(isoWeekday(20280229) == 2);
    BOOST_CHECK_THROW(isoWeekday(20260229), CalendarError);
}

BOOST_AUTO_TEST_CASE(valid_days) {
    BOOST_TEST(isValidDay(20261127));
    BOOST_TEST(isValidDay(20280229));
    BOOST_TEST(!isValidDay(20260229));
    BOOST_TEST(!isValidDay(20261301));
    BOOST_TEST(!isValidDay(20260431));
    BOOST_TEST(!isValidDay(20260100));
    BOOST_TEST(!isValidDay(18991231));
    BOOST_TEST(isValidDay(19000101));
    BOOST_TEST(!isValidDay(0));
    BOOST_TEST(!isValidDay(-20260101));
}

BOOST_AUTO_TEST_CASE(calendar_day_arithmetic) {
    BOOST_TEST(addCalendarDays(20280228, 1) == 20280229);
    BOOST_TEST(addCalendarDays(20260228, 1) == 20260301);
    BOOST_TEST(addCalendarDays(20260101, -1) == 20251231);
    BOOST_TEST(addCalendarDays(20261127, 0) == 20261127);
    BOOST_TEST(addCalendarDays(20261127, 35) == 20270101);
    BOOST_CHECK_THROW(addCalendarDays(20260230, 1), CalendarError);
}

BOOST_AUTO_TEST_CASE(format_and_parse_round_trip) {
    BOOST_TEST(formatDay(20261127) == "2026-11-27");
    BOOST_TEST(formatDay(20260104) == "2026-01-04");
    for (Day day : {20250101, 20260214, 20280229, 20271231}) BOOST_TEST(parseDay(formatDay(day)) == day);
    BOOST_CHECK_THROW(formatDay(20260229), CalendarError);
}

BOOST_AUTO_TEST_CASE(parse_refuses_anything_but_yyyy_mm_dd) {
    for (const char* text : {"", "2026-2-14", "2026/02/14", "20260214", "2026-02-14 ", " 2026-02-14", "2026-02-30",
                             "2026-13-01", "2026-00-10", "2026-02-1a", "+026-02-14", "2026-02-14T00:00"}) {
        BOOST_TEST(parseRefused(text), text);
    }
    BOOST_TEST(!parseRefused("2028-02-29"));
    try {
        parseDay("2026/02/14");
        BOOST_FAIL("accepted 2026/02/14");
    } catch (const CalendarError& error) {
        BOOST_TEST(std::string(error.what()).find("2026/02/14") != std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(build_refuses_unusable_data) {
    BOOST_TEST(buildError(2026, 2026, {20260216}, {20260214}) == "no error");
    BOOST_TEST(buildError(2026, 2026, {}, {20260304}) == "calendar: worked day 2026-03-04 is not a Saturday or Sunday");
    BOOST_TEST(buildError(2026, 2026, {20260214}, {20260214}) ==
               "calendar: 2026-02-14 is both a holiday and a worked day");
    BOOST_TEST(buildError(2025, 2027, {20280101}, {}) == "calendar: holiday 2028-01-01 is outside the years 2025..2027");
    BOOST_TEST(buildError(2025, 2027, {}, {20241005}) ==
               "calendar: worked day 2024-10-05 is outside the years 2025..2027");
    BOOST_TEST(buildError(2026, 2026, {20260229}, {}) == "calendar: holiday 20260229 is not a valid date");
    BOOST_TEST(buildError(2027, 2026, {}, {}) == "calendar: first year 2027 is after last year 2026");
}

BOOST_AUTO_TEST_CASE(weekdays_only_calendar) {
    const WorkingCalendar calendar = WorkingCalendar::weekdaysOnly();
    BOOST_TEST(calendar.covers(19000101));
    BOOST_TEST(calendar.covers(20991231));
    BOOST_TEST(calendar.isWorkingDay(20260216));  // a Monday of the Spring Festival: only real data knows
    BOOST_TEST(!calendar.isWorkingDay(20260214));
    BOOST_TEST(calendar.addWorkingDays(20261127, 1) == 20261130);
    BOOST_TEST(calendar.addWorkingDays(20261128, 1) == 20261130);
    BOOST_TEST(calendar.addWorkingDays(20261127, 5) == 20261204);
}

BOOST_AUTO_TEST_CASE(adjusted_weekend_and_holidays_of_2026) {
    const WorkingCalendar& calendar = shippedCalendar();
    BOOST_TEST(calendar.isWorkingDay(20260214));   // Saturday worked before the Spring Festival
    BOOST_TEST(!calendar.isWorkingDay(20260216));  // Monday of the Spring Festival
    BOOST_TEST(!calendar.isWorkingDay(20260223));
    BOOST_TEST(calendar.isWorkingDay(20260224));
    BOOST_TEST(calendar.isWorkingDay(20260228));  // Saturday worked after it
    BOOST_TEST(!calendar.isWorkingDay(20260301));
    BOOST_TEST(calendar.isWorkingDay(20260104));   // Sunday worked after New Year
    BOOST_TEST(!calendar.isWorkingDay(20260102));  // Friday of New Year
    BOOST_TEST(!calendar.isWorkingDay(20261001));
    BOOST_TEST(calendar.isWorkingDay(20261010));
    BOOST_TEST(calendar.isWorkingDay(20261127));
    BOOST_TEST(!calendar.isWorkingDay(20261128));
}

BOOST_AUTO_TEST_CASE(add_working_days_across_the_spring_festival_2026) {
    const WorkingCalendar& calendar = shippedCalendar();
    BOOST_TEST(calendar.addWorkingDays(20260213, 1) == 20260214);  // Friday -> the worked Saturday
    BOOST_TEST(calendar.addWorkingDays(20260214, 1) == 20260224);  // over nine days off
    BOOST_TEST(calendar.addWorkingDays(20260212, 5) == 20260226);
    BOOST_TEST(calendar.addWorkingDays(20260216, 1) == 20260224);  // from a holiday
    BOOST_TEST(calendar.addWorkingDays(20260224, -1) == 20260214);
    BOOST_TEST(calendar.addWorkingDays(20260224, -2) == 20260213);
}

BOOST_AUTO_TEST_CASE(add_working_days_across_national_day) {
    const WorkingCalendar& calendar = shippedCalendar();
    BOOST_TEST(calendar.addWorkingDays(20250930, 1) == 20251009);
    BOOST_TEST(calendar.addWorkingDays(20250926, 3) == 20250930);  // the worked Sunday 09-28 counts
    BOOST_TEST(calendar.addWorkingDays(20250930, 3) == 20251011);  // the worked Saturday 10-11 counts
    BOOST_TEST(calendar.addWorkingDays(20260930, 1) == 20261008);
    BOOST_TEST(calendar.addWorkingDays(20260930, 3) == 20261010);
    BOOST_TEST(calendar.addWorkingDays(20261008, -1) == 20260930);
}

BOOST_AUTO_TEST_CASE(add_working_days_plain_cases) {
    const WorkingCalendar& calendar = shippedCalendar();
    BOOST_TEST(calendar.addWorkingDays(20261127, 1) == 20261130);
    BOOST_TEST(calendar.addWorkingDays(20261127, 0) == 20261127);
    BOOST_TEST(calendar.addWorkingDays(20261128, 0) == 20261128);  // n == 0 never moves, even off a day off
    BOOST_TEST(calendar.addWorkingDays(20261130, -1) == 20261127);
    BOOST_TEST(calendar.addWorkingDays(20261129, -1) == 20261127);
    BOOST_TEST(calendar.addWorkingDays(20261123, -5) == 20261116);
}

BOOST_AUTO_TEST_CASE(working_days_between) {
    const WorkingCalendar& calendar = shippedCalendar();
    BOOST_TEST(calendar.workingDaysBetween(20260213, 20260227) == 5);  // 02-14, 02-24 … 02-27
    BOOST_TEST(calendar.workingDaysBetween(20260919, 20261011) == 11);
    BOOST_TEST(calendar.workingDaysBetween(20261127, 20261130) == 1);
    BOOST_TEST(calendar.workingDaysBetween(20261127, 20261127) == 0);
    BOOST_TEST(calendar.workingDaysBetween(20261130, 20261127) == 0);
    for (int n : {1, 5, 20, 45}) {
        BOOST_TEST(calendar.workingDaysBetween(20260212, calendar.addWorkingDays(20260212, n)) == n);
    }
}

BOOST_AUTO_TEST_CASE(working_day_on_or_after) {
    const WorkingCalendar& calendar = shippedCalendar();
    BOOST_TEST(calendar.workingDayOnOrAfter(20260214) == 20260214);
    BOOST_TEST(calendar.workingDayOnOrAfter(20260215) == 20260224);
    BOOST_TEST(calendar.workingDayOnOrAfter(20261128) == 20261130);
    BOOST_TEST(calendar.workingDayOnOrAfter(20261127) == 20261127);
}

BOOST_AUTO_TEST_CASE(outside_coverage_only_weekends_are_off) {
    const WorkingCalendar& calendar = shippedCalendar();
    BOOST_TEST(calendar.firstYear() == 2025);
    BOOST_TEST(calendar.lastYear() == 2027);
    BOOST_TEST(calendar.covers(20250101));
    BOOST_TEST(calendar.covers(20271231));
    BOOST_TEST(!calendar.covers(20241231));
    BOOST_TEST(!calendar.covers(20280101));
    BOOST_TEST(calendar.isWorkingDay(20241001));  // National Day 2024, not in the data
    BOOST_TEST(calendar.isWorkingDay(20281002));
    BOOST_TEST(!calendar.isWorkingDay(20280101));  // a Saturday
    BOOST_TEST(calendar.addWorkingDays(20271231, 1) == 20280103);
}

BOOST_AUTO_TEST_CASE(shipped_calendar_2025_and_provisional_2027) {
    const WorkingCalendar& calendar = shippedCalendar();
    BOOST_TEST(!calendar.isWorkingDay(20250101));
    BOOST_TEST(calendar.isWorkingDay(20250126));
    BOOST_TEST(!calendar.isWorkingDay(20250128));
    BOOST_TEST(!calendar.isWorkingDay(20250204));
    BOOST_TEST(calendar.isWorkingDay(20250208));
    BOOST_TEST(!calendar.isWorkingDay(20250404));
    BOOST_TEST(calendar.isWorkingDay(20250427));
    BOOST_TEST(!calendar.isWorkingDay(20250505));
    BOOST_TEST(!calendar.isWorkingDay(20250602));
    BOOST_TEST(!calendar.isWorkingDay(20251008));
    BOOST_TEST(calendar.isWorkingDay(20251011));

    BOOST_TEST(!calendar.isWorkingDay(20270205));
    BOOST_TEST(!calendar.isWorkingDay(20270208));
    BOOST_TEST(!calendar.isWorkingDay(20270405));
    BOOST_TEST(!calendar.isWorkingDay(20270609));
    BOOST_TEST(!calendar.isWorkingDay(20270915));
    BOOST_TEST(!calendar.isWorkingDay(20271007));
    BOOST_TEST(calendar.isWorkingDay(20271008));
}

BOOST_AUTO_TEST_CASE(loader_accepts_ranges_provisional_years_and_notes) {
    CalendarFile file(oneYear(R"("source": "test", "provisional": true, "note": "n",
        "holidays": ["2026-02-15..2026-02-23", "2026-10-01"], "workedWeekendDays": ["2026-02-14"])"));
    const WorkingCalendar calendar = hub::config::loadCalendar(file.path());
    BOOST_TEST(calendar.firstYear() == 2026);
    BOOST_TEST(calendar.lastYear() == 2026);
    for (Day day = 20260215; day <= 20260223; ++day) BOOST_TEST(!calendar.isWorkingDay(day), day);
    BOOST_TEST(calendar.isWorkingDay(20260214));
    BOOST_TEST(!calendar.isWorkingDay(20261001));
    BOOST_TEST(calendar.isWorkingDay(20261002));
}

BOOST_AUTO_TEST_CASE(loader_refusals_name_the_key) {
    BOOST_TEST(loadError(oneYear(R"("source": "s", "holidays": ["2026-10-01"])")) == "no error");
    BOOST_TEST(loadError(oneYear(R"("source": "s", "holidayz": [])")) == "years.2026.holidayz: unknown key");
    BOOST_TEST(loadError(oneYear(R"("holidays": [])")) == "years.2026.source: missing");
    BOOST_TEST(loadError(oneYear(R"("source": "s", "provisional": "yes")")) ==
               "years.2026.provisional: expected a boolean, got a string");
    BOOST_TEST(loadError(oneYear(R"("source": "s", "holidays": ["2026-02-30"])")) ==
               "years.2026.holidays[0]: \"2026-02-30\" is not a valid date of the form YYYY-MM-DD");
    BOOST_TEST(loadError(oneYear(R"("source": "s", "holidays": ["2026-10-01", 5])")) ==
               "years.2026.holidays[1]: expected a string, got an integer");
    BOOST_TEST(loadError(oneYear(R"("source": "s", "holidays": ["2027-01-01"])")) ==
               "years.2026.holidays[0]: 2027-01-01 is not in 2026");
    BOOST_TEST(loadError(oneYear(R"("source": "s", "holidays": ["2026-10-01", "2026-09-30..2026-10-02"])")) ==
               "years.2026.holidays[1]: 2026-10-01 is listed twice");
    BOOST_TEST(loadError(oneYear(R"("source": "s", "holidays": ["2026-10-07..2026-10-01"])")) ==
               "years.2026.holidays[0]: the range \"2026-10-07..2026-10-01\" ends before it starts");
    BOOST_TEST(loadError(oneYear(R"("source": "s", "workedWeekendDays": ["2026-02-14..2026-02-15"])")) ==
               "years.2026.workedWeekendDays[0]: expected a single day, got the range \"2026-02-14..2026-02-15\"");
    BOOST_TEST(loadError(oneYear(R"("source": "s", "workedWeekendDays": ["2026-03-04"])")) ==
               "years.2026.workedWeekendDays[0]: 2026-03-04 is not a Saturday or Sunday");
    BOOST_TEST(loadError(oneYear(R"("source": "s", "holidays": ["2026-02-14"], "workedWeekendDays": ["2026-02-14"])")) ==
               "years.2026.workedWeekendDays[0]: 2026-02-14 is listed twice");
    BOOST_TEST(loadError(R"({"version": 1, "firstYear": 2026, "lastYear": 2027, "years": {"2026": {"source": "s"}}})") ==
               "years.2027: missing");
    BOOST_TEST(loadError(R"({"version": 1, "firstYear": 2026, "lastYear": 2026,
                             "years": {"2026": {"source": "s"}, "2028": {"source": "s"}}})") ==
               "years.2028: unknown key");
    BOOST_TEST(loadError(R"({"version": 2, "firstYear": 2026, "lastYear": 2026, "years": {}})") ==
               "version: only version 1 is supported");
    BOOST_TEST(loadError(R"({"version": 1, "firstYear": 2026, "lastYear": 2025, "years": {}})") ==
               "lastYear: must be a year from firstYear to 9999");
    BOOST_TEST(loadError(R"({"version": 1, "firstYear": 2026, "lastYear": 2026, "years": {}, "extra": 1})") ==
               "extra: unknown key");
}

BOOST_AUTO_TEST_CASE(loader_reports_an_unreadable_file) {
    BOOST_CHECK_THROW(hub::config::loadCalendar("/nonexistent/calendar.json"), hub::config::ConfigError);
}

BOOST_AUTO_TEST_SUITE_END()
