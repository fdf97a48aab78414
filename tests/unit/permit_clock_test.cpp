#include <boost/test/unit_test.hpp>

#include <chrono>

#include "config/calendar_loader.h"
#include "config/hub_config.h"
#include "core/permit_clock.h"

using namespace hub::core;

namespace {

using S = PermitState;
using Ids = std::vector<std::string>;

const WorkingCalendar& calendar() {
    static const WorkingCalendar shipped = hub::config::loadCalendar(HUB_SOURCE_DIR "/config/calendar.json");
    return shipped;
}

const Catalogue& catalogue() {
    static const Catalogue shipped = hub::config::loadCatalogue(HUB_SOURCE_DIR "/config/catalogue.json");
    return shipped;
}

// The instant at `hour`:`minute` China Standard Time on `day`.
EpochMillis chinaTime(Day day, int hour, int minute = 0) {
    std::chrono::year_month_day date{std::chrono::year{day / 10000},
                                     std::chrono::month{static_cast<unsigned>(day / 100 % 100)},
                                     std::chrono::day{static_cast<unsigned>(day % 100)}};
    const EpochMillis midnightUtc =
        std::chrono::sys_days{date}.time_since_epoch().count() * 24LL * 60 * 60 * 1000;
    return midnightUtc + (hour - 8) * 3600000LL + minute * 60000LL;
}

PermitItem item(int statutory = 20, int promised = 5) {
    PermitItem permit;
    permit.id = "P06";
    permit.department = "MSA";
    permit.statutoryWorkingDays = statutory;
    permit.promisedWorkingDays = promised;
    return permit;
}

PermitClockFacts acceptedOn(Day day) {
    PermitClockFacts facts;
    facts.submittedAt = chinaTime(day, 9);
    facts.acceptedAt = chinaTime(day, 15);
    return facts;
}

// Every permit of the default catalogue freshly received: those without needs
// QUEUED, the others WAITING.
std::vector<PermitProgress> freshPackage() {
    std::vector<PermitProgress> permits;
    for (const auto& permit : catalogue().permits()) {
        permits.push_back({permit.id, permit.needs.empty() ? S::Queued : S::Waiting, {}});
    }
    return permits;
}

PermitProgress& progressOf(std::vector<PermitProgress>& permits, const std::string& id) {
    for (auto& progress : permits) {
        if (progress.permit == id) return progress;
    }
    throw std::logic_error("no permit " + id);
}

std::optional<Day> expectedOf(const PackageForecast& forecast, const std::string& id) {
    for (const auto& [permit, day] : forecast.expected) {
        if (permit == id) return day;
    }
    throw std::logic_error("no expectation for " + id);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(permit_clock)

BOOST_AUTO_TEST_CASE(test_instants_fall_on_their_china_day) {
    BOOST_TEST(chinaDateOf(chinaTime(20261127, 0)) == 20261127);
    BOOST_TEST(chinaDateOf(chinaTime(20261127, 23, 59)) == 20261127);
    BOOST_TEST(chinaDateOf(chinaTime(20261127, 0) - 1) == 20261126);
    BOOST_TEST(chinaTime(20261127, 8) == 1795737600000LL);  // 2026-11-27T00:00:00Z
}

BOOST_AUTO_TEST_CASE(correction_window_runs_over_mid_autumn_and_national_day) {
    PermitClockFacts facts;
    facts.submittedAt = chinaTime(20260924, 10);  // Thursday before the holidays
    const PermitDeadlines deadlines = deadlinesOf(item(), S::Submitted, facts, chinaTime(20260924, 11), calendar());
    BOOST_REQUIRE(deadlines.correctionNoticeBy.has_value());
    BOOST_TEST(*deadlines.correctionNoticeBy == 20261009);  // 09-28, 09-29, 09-30, 10-08, 10-09
    BOOST_TEST(!deadlines.decisionDue.has_value());
    BOOST_TEST(!deadlines.overdue);
    BOOST_TEST(!deadlines.workingDaysLeft.has_value());

    BOOST_TEST(!deemedAcceptanceDue(S::Submitted, facts, chinaTime(20261009, 23, 59), calendar()));
    BOOST_TEST(deemedAcceptanceDue(S::Submitted, facts, chinaTime(20261010, 0, 1), calendar()));
    BOOST_TEST(!deemedAcceptanceDue(S::CorrectionRequired, facts, chinaTime(20261020, 9), calendar()));
    BOOST_TEST(!deemedAcceptanceDue(S::Accepted, facts, chinaTime(20261020, 9), calendar()));
    BOOST_TEST(!deemedAcceptanceDue(S::Submitted, PermitClockFacts{}, chinaTime(20261020, 9), calendar()));
}

BOOST_AUTO_TEST_CASE(correction_window_of_an_ordinary_week) {
    PermitClockFacts facts;
    facts.submittedAt = chinaTime(20261123, 17);  // Monday
    BOOST_TEST(*deadlinesOf(item(), S::Submitted, facts, chinaTime(20261123, 18), calendar()).correctionNoticeBy ==
               20261130);
    BOOST_TEST(!deemedAcceptanceDue(S::Submitted, facts, chinaTime(20261130, 20), calendar()));
    BOOST_TEST(deemedAcceptanceDue(S::Submitted, facts, chinaTime(20261201, 8), calendar()));
}

BOOST_AUTO_TEST_CASE(deemed_acceptance_dates_acceptance_on_the_day_of_receipt) {
    PermitClockFacts facts;
    facts.submittedAt = chinaTime(20260924, 10);
    const PermitClockFacts deemed = deemAccepted(facts);
    BOOST_TEST(deemed.acceptedAt == facts.submittedAt);
    BOOST_TEST(deemed.deemedAccepted);
    BOOST_TEST(deemed.submittedAt == facts.submittedAt);

    const PermitDeadlines deadlines = deadlinesOf(item(20), S::Accepted, deemed, chinaTime(20261012, 9), calendar());
    BOOST_REQUIRE(deadlines.decisionDue.has_value());
    BOOST_TEST(*deadlines.decisionDue == 20261029);
}

BOOST_AUTO_TEST_CASE(decision_due_is_acceptance_plus_statutory_working_days) {
    const PermitClockFacts facts = acceptedOn(20260924);
    PermitDeadlines deadlines = deadlinesOf(item(20), S::Accepted, facts, chinaTime(20261009, 9), calendar());
    BOOST_REQUIRE(deadlines.decisionDue.has_value());
    BOOST_TEST(*deadlines.decisionDue == 20261029);
    BOOST_TEST(!deadlines.correctionNoticeBy.has_value());
    BOOST_TEST(!deadlines.paused);
    BOOST_TEST(!deadlines.overdue);
    BOOST_TEST(*deadlines.workingDaysLeft == 15);  // 10-10 (worked Saturday), 10-12 … 10-29

    deadlines = deadlinesOf(item(20), S::UnderReview, facts, chinaTime(20261009, 9), calendar());
    BOOST_TEST(*deadlines.decisionDue == 20261029);
    deadlines = deadlinesOf(item(7), S::UnderReview, facts, chinaTime(20261009, 9), calendar());
    BOOST_TEST(*deadlines.decisionDue == 20261012);  // 09-28 … 09-30, 10-08 … 10-10, 10-12
}

BOOST_AUTO_TEST_CASE(an_extension_adds_its_working_days) {
    PermitClockFacts facts = acceptedOn(20260924);
    facts.extensionWorkingDays = 10;
    const PermitDeadlines deadlines = deadlinesOf(item(20), S::UnderReview, facts, chinaTime(20261009, 9), calendar());
    BOOST_TEST(*deadlines.decisionDue == 20261112);
}

BOOST_AUTO_TEST_CASE(overdue_after_the_due_day) {
    const PermitClockFacts facts = acceptedOn(20261102);  // due Monday 2026-11-30
    PermitDeadlines deadlines = deadlinesOf(item(20), S::UnderReview, facts, chinaTime(20261130, 23), calendar());
    BOOST_TEST(*deadlines.decisionDue == 20261130);
    BOOST_TEST(!deadlines.overdue);
    BOOST_TEST(*deadlines.workingDaysLeft == 0);

    deadlines = deadlinesOf(item(20), S::UnderReview, facts, chinaTime(20261201, 0, 30), calendar());
    BOOST_TEST(deadlines.overdue);
    BOOST_TEST(*deadlines.workingDaysLeft == -1);

    deadlines = deadlinesOf(item(20), S::UnderReview, facts, chinaTime(20261205, 10), calendar());  // Saturday
    BOOST_TEST(deadlines.overdue);
    BOOST_TEST(*deadlines.workingDaysLeft == -4);

    deadlines = deadlinesOf(item(20), S::Accepted, facts, chinaTime(20261127, 10), calendar());
    BOOST_TEST(!deadlines.overdue);
    BOOST_TEST(*deadlines.workingDaysLeft == 1);
}

BOOST_AUTO_TEST_CASE(a_deadline_on_a_friday_is_missed_by_one_day_on_saturday) {
    const PermitClockFacts facts = acceptedOn(20261030);  // Friday; + 20 WD = Friday 2026-11-27
    const PermitDeadlines deadlines = deadlinesOf(item(20), S::UnderReview, facts, chinaTime(20261128, 10), calendar());
    BOOST_TEST(*deadlines.decisionDue == 20261127);
    BOOST_TEST(deadlines.overdue);
    BOOST_TEST(*deadlines.workingDaysLeft == -1);
}

BOOST_AUTO_TEST_CASE(decided_permits_have_no_decision_due) {
    PermitClockFacts facts = acceptedOn(20261102);
    facts.decidedAt = chinaTime(20261215, 10);
    for (S state : {S::Issued, S::Rejected, S::NotAccepted, S::Withdrawn, S::Blocked}) {
        const PermitDeadlines deadlines = deadlinesOf(item(20), state, facts, chinaTime(20261216, 10), calendar());
        BOOST_TEST(!deadlines.decisionDue.has_value());
        BOOST_TEST(!deadlines.correctionNoticeBy.has_value());
        BOOST_TEST(!deadlines.overdue);
        BOOST_TEST(!deadlines.workingDaysLeft.has_value());
    }
    const PermitDeadlines waiting = deadlinesOf(item(20), S::Waiting, {}, chinaTime(20261216, 10), calendar());
    BOOST_TEST(!waiting.decisionDue.has_value());
    BOOST_TEST(!waiting.correctionNoticeBy.has_value());
}

BOOST_AUTO_TEST_CASE(suspension_pauses_the_decision_clock) {
    PermitClockFacts facts = acceptedOn(20261102);  // due 2026-11-30 without suspension
    facts = advanceClock(facts, S::UnderReview, S::Suspended, chinaTime(20261110, 9), calendar());  // Tuesday
    BOOST_TEST(facts.suspendedAt == chinaTime(20261110, 9));
    BOOST_TEST(facts.pausedWorkingDays == 0);

    PermitDeadlines deadlines = deadlinesOf(item(20), S::Suspended, facts, chinaTime(20261110, 18), calendar());
    BOOST_TEST(deadlines.paused);
    BOOST_TEST(*deadlines.decisionDue == 20261130);
    deadlines = deadlinesOf(item(20), S::Suspended, facts, chinaTime(20261113, 18), calendar());  // 3 WD later
    BOOST_TEST(deadlines.paused);
    BOOST_TEST(*deadlines.decisionDue == 20261203);
    BOOST_TEST(*deadlines.workingDaysLeft == 14);  // the days left do not shrink while paused
    deadlines = deadlinesOf(item(20), S::Suspended, facts, chinaTime(20261115, 18), calendar());  // Sunday
    BOOST_TEST(*deadlines.decisionDue == 20261203);
    deadlines = deadlinesOf(item(20), S::Suspended, facts, chinaTime(20261116, 18), calendar());
    BOOST_TEST(*deadlines.decisionDue == 20261204);
    BOOST_TEST(!deadlines.overdue);

    facts = advanceClock(facts, S::Suspended, S::UnderReview, chinaTime(20261117, 11), calendar());
    BOOST_TEST(facts.suspendedAt == 0);
    BOOST_TEST(facts.pausedWorkingDays == 5);  // 11-11, 11-12, 11-13, 11-16, 11-17
    deadlines = deadlinesOf(item(20), S::UnderReview, facts, chinaTime(20261120, 10), calendar());
    BOOST_TEST(!deadlines.paused);
    BOOST_TEST(*deadlines.decisionDue == 20261207);

    facts = advanceClock(facts, S::UnderReview, S::Suspended, chinaTime(20261123, 10), calendar());
    facts = advanceClock(facts, S::Suspended, S::UnderReview, chinaTime(20261124, 10), calendar());
    BOOST_TEST(facts.pausedWorkingDays == 6);
    BOOST_TEST(*deadlinesOf(item(20), S::UnderReview, facts, chinaTime(20261124, 11), calendar()).decisionDue ==
               20261208);
}

BOOST_AUTO_TEST_CASE(advance_clock_into_submitted) {
    const EpochMillis first = chinaTime(20261102, 9);
    PermitClockFacts facts = advanceClock({}, S::Queued, S::Submitted, first, calendar());
    PermitClockFacts expected;
    expected.submittedAt = first;
    BOOST_TEST((facts == expected));

    facts = advanceClock(facts, S::Submitted, S::CorrectionRequired, chinaTime(20261103, 9), calendar());
    BOOST_TEST((facts == expected));
    const EpochMillis resubmitted = chinaTime(20261110, 14);
    facts = advanceClock(facts, S::CorrectionRequired, S::Submitted, resubmitted, calendar());
    expected.submittedAt = resubmitted;
    BOOST_TEST((facts == expected));
}

BOOST_AUTO_TEST_CASE(advance_clock_into_accepted) {
    PermitClockFacts submitted;
    submitted.submittedAt = chinaTime(20261102, 9);
    const EpochMillis at = chinaTime(20261104, 15);
    PermitClockFacts facts = advanceClock(submitted, S::Submitted, S::Accepted, at, calendar());
    BOOST_TEST(facts.submittedAt == submitted.submittedAt);
    BOOST_TEST(facts.acceptedAt == at);
    BOOST_TEST(!facts.deemedAccepted);

    facts = advanceClock({}, S::Queued, S::Accepted, at, calendar());  // accepted in the answer to the submission
    BOOST_TEST(facts.submittedAt == at);
    BOOST_TEST(facts.acceptedAt == at);
    BOOST_TEST(facts.decidedAt == 0);
}

BOOST_AUTO_TEST_CASE(advance_clock_into_decisions) {
    PermitClockFacts accepted = acceptedOn(20261102);
    accepted.extensionWorkingDays = 10;
    accepted.pausedWorkingDays = 2;
    const EpochMillis at = chinaTime(20261120, 16);
    for (S from : {S::Accepted, S::UnderReview}) {
        for (S to : {S::Issued, S::Rejected}) {
            PermitClockFacts expected = accepted;
            expected.decidedAt = at;
            BOOST_TEST((advanceClock(accepted, from, to, at, calendar()) == expected));
        }
    }

    PermitClockFacts submitted;
    submitted.submittedAt = chinaTime(20261102, 9);
    PermitClockFacts notAccepted = advanceClock(submitted, S::Submitted, S::NotAccepted, at, calendar());
    BOOST_TEST(notAccepted.submittedAt == submitted.submittedAt);
    BOOST_TEST(notAccepted.acceptedAt == 0);
    BOOST_TEST(notAccepted.decidedAt == at);

    const PermitClockFacts issuedOnTheSpot = advanceClock({}, S::Queued, S::Issued, at, calendar());
    BOOST_TEST(issuedOnTheSpot.submittedAt == at);
    BOOST_TEST(issuedOnTheSpot.acceptedAt == at);
    BOOST_TEST(issuedOnTheSpot.decidedAt == at);
    const PermitClockFacts rejectedOnTheSpot = advanceClock({}, S::Queued, S::Rejected, at, calendar());
    BOOST_TEST((rejectedOnTheSpot == issuedOnTheSpot));
    const PermitClockFacts refusedOnTheSpot = advanceClock({}, S::Queued, S::NotAccepted, at, calendar());
    BOOST_TEST(refusedOnTheSpot.submittedAt == at);
    BOOST_TEST(refusedOnTheSpot.acceptedAt == 0);
    BOOST_TEST(refusedOnTheSpot.decidedAt == at);

    const PermitClockFacts issuedOnSubmission = advanceClock(submitted, S::Submitted, S::Issued, at, calendar());
    BOOST_TEST(issuedOnSubmission.submittedAt == submitted.submittedAt);
    BOOST_TEST(issuedOnSubmission.acceptedAt == at);
    BOOST_TEST(issuedOnSubmission.decidedAt == at);
}

BOOST_AUTO_TEST_CASE(leaving_a_suspension_by_withdrawal_still_counts_it) {
    PermitClockFacts facts = acceptedOn(20261102);
    facts = advanceClock(facts, S::Accepted, S::Suspended, chinaTime(20261105, 9), calendar());
    facts = advanceClock(facts, S::Suspended, S::Withdrawn, chinaTime(20261109, 9), calendar());
    BOOST_TEST(facts.suspendedAt == 0);
    BOOST_TEST(facts.pausedWorkingDays == 2);  // 11-06, 11-09
    BOOST_TEST(facts.decidedAt == 0);
}

BOOST_AUTO_TEST_CASE(other_moves_leave_the_facts_unchanged) {
    PermitClockFacts facts = acceptedOn(20261102);
    facts.extensionWorkingDays = 10;
    facts.pausedWorkingDays = 3;
    facts.overdueSince = chinaTime(20261210, 0);
    const EpochMillis at = chinaTime(20261211, 9);
    const std::vector<std::pair<S, S>> moves{
        {S::Waiting, S::Queued},       {S::Waiting, S::Blocked},         {S::Waiting, S::Withdrawn},
        {S::Queued, S::Withdrawn},     {S::Submitted, S::CorrectionRequired}, {S::Submitted, S::UnderReview},
        {S::Accepted, S::UnderReview}, {S::UnderReview, S::Withdrawn},   {S::CorrectionRequired, S::Withdrawn},
        {S::Accepted, S::Accepted},    {S::Suspended, S::Suspended},
    };
    for (const auto& [from, to] : moves) {
        BOOST_TEST((advanceClock(facts, from, to, at, calendar()) == facts),
                   toString(from) << " -> " << toString(to));
    }
}

BOOST_AUTO_TEST_CASE(fresh_package_is_ready_after_the_promised_critical_path) {
    const Day today = 20260212;  // Thursday before the Spring Festival
    const PackageForecast forecast = forecastPackage(catalogue(), freshPackage(), chinaTime(today, 10), calendar());
    const CriticalPath promised = catalogue().criticalPath(
        {"P01", "P02", "P03", "P04", "P05", "P06", "P07", "P08", "P09", "P10", "P11", "P12"}, DurationBasis::Promised);
    BOOST_TEST(promised.workingDays == 20);

    BOOST_REQUIRE(forecast.readyOn.has_value());
    BOOST_TEST(*forecast.readyOn == calendar().addWorkingDays(today, 20));
    BOOST_TEST(*forecast.readyOn == 20260318);
    BOOST_TEST(forecast.remainingWorkingDays == 20);
    BOOST_TEST(forecast.criticalPath == (Ids{"P12", "P06", "P02", "P03"}), boost::test_tools::per_element());
    BOOST_TEST(forecast.criticalPath == promised.permits, boost::test_tools::per_element());

    BOOST_REQUIRE(forecast.expected.size() == 12u);
    BOOST_TEST(*expectedOf(forecast, "P01") == calendar().addWorkingDays(today, 1));
    BOOST_TEST(*expectedOf(forecast, "P05") == calendar().addWorkingDays(today, 4));
    BOOST_TEST(*expectedOf(forecast, "P12") == calendar().addWorkingDays(today, 10));
    BOOST_TEST(*expectedOf(forecast, "P06") == calendar().addWorkingDays(today, 13));
    BOOST_TEST(*expectedOf(forecast, "P02") == calendar().addWorkingDays(today, 18));
    BOOST_TEST(*expectedOf(forecast, "P07") == calendar().addWorkingDays(today, 16));
}

BOOST_AUTO_TEST_CASE(expectations_come_in_the_order_given) {
    std::vector<PermitProgress> permits = freshPackage();
    std::reverse(permits.begin(), permits.end());
    const PackageForecast forecast = forecastPackage(catalogue(), permits, chinaTime(20261102, 10), calendar());
    BOOST_REQUIRE(forecast.expected.size() == permits.size());
    for (std::size_t i = 0; i < permits.size(); ++i) BOOST_TEST(forecast.expected[i].first == permits[i].permit);
}

BOOST_AUTO_TEST_CASE(issuing_the_classification_certificate_shortens_the_path) {
    const Day today = 20260212;
    std::vector<PermitProgress> permits = freshPackage();
    progressOf(permits, "P12").state = S::Issued;
    progressOf(permits, "P12").clock = advanceClock({}, S::Queued, S::Issued, chinaTime(today, 9), calendar());
    const PackageForecast forecast = forecastPackage(catalogue(), permits, chinaTime(today, 10), calendar());
    // P01 (1) -> P05 (3) -> P06 (3) -> P02 (5) -> P03 (2)
    BOOST_TEST(*forecast.readyOn == calendar().addWorkingDays(today, 14));
    BOOST_TEST(*forecast.readyOn == 20260310);
    BOOST_TEST(forecast.remainingWorkingDays == 14);
    BOOST_TEST(forecast.criticalPath == (Ids{"P01", "P05", "P06", "P02", "P03"}), boost::test_tools::per_element());
    BOOST_TEST(*expectedOf(forecast, "P12") == today);
}

BOOST_AUTO_TEST_CASE(a_permit_with_its_department_since_an_earlier_day) {
    const Day today = 20260212;
    const Day sent = calendar().addWorkingDays(today, -3);
    BOOST_TEST(sent == 20260209);
    std::vector<PermitProgress> permits = freshPackage();
    progressOf(permits, "P12").state = S::Submitted;
    progressOf(permits, "P12").clock.submittedAt = chinaTime(sent, 16);
    PackageForecast forecast = forecastPackage(catalogue(), permits, chinaTime(today, 10), calendar());
    BOOST_TEST(*expectedOf(forecast, "P12") == calendar().addWorkingDays(sent, 10));
    BOOST_TEST(*forecast.readyOn == calendar().addWorkingDays(today, 17));
    BOOST_TEST(forecast.remainingWorkingDays == 17);
    BOOST_TEST(forecast.criticalPath == (Ids{"P12", "P06", "P02", "P03"}), boost::test_tools::per_element());

    // Two working days suspended push it by two.
    progressOf(permits, "P12").state = S::UnderReview;
    progressOf(permits, "P12").clock.acceptedAt = chinaTime(sent, 17);
    progressOf(permits, "P12").clock.pausedWorkingDays = 2;
    forecast = forecastPackage(catalogue(), permits, chinaTime(today, 10), calendar());
    BOOST_TEST(*expectedOf(forecast, "P12") == calendar().addWorkingDays(sent, 12));
    BOOST_TEST(*forecast.readyOn == calendar().addWorkingDays(today, 19));

    // Late against its promise: expected today at the earliest, the rest after it.
    progressOf(permits, "P12").clock.submittedAt = chinaTime(calendar().addWorkingDays(today, -15), 9);
    progressOf(permits, "P12").clock.pausedWorkingDays = 0;
    forecast = forecastPackage(catalogue(), permits, chinaTime(today, 10), calendar());
    BOOST_TEST(*expectedOf(forecast, "P12") == today);
    BOOST_TEST(*forecast.readyOn == calendar().addWorkingDays(today, 14));  // P01 -> P05 now decides P06
    BOOST_TEST(forecast.criticalPath == (Ids{"P01", "P05", "P06", "P02", "P03"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(permits_outside_the_package_count_as_satisfied) {
    const Day today = 20261102;
    const std::vector<PermitProgress> permits{{"P02", S::Queued, {}}, {"P03", S::Waiting, {}}};
    const PackageForecast forecast = forecastPackage(catalogue(), permits, chinaTime(today, 10), calendar());
    BOOST_TEST(*forecast.readyOn == calendar().addWorkingDays(today, 7));
    BOOST_TEST(*forecast.readyOn == 20261111);
    BOOST_TEST(forecast.criticalPath == (Ids{"P02", "P03"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(all_issued_is_ready_on_the_last_decision_day) {
    std::vector<PermitProgress> permits = freshPackage();
    Day day = 20261102;
    Day last = 0;
    for (auto& progress : permits) {
        progress.state = S::Issued;
        progress.clock = advanceClock({}, S::Queued, S::Issued, chinaTime(day, 11), calendar());
        last = day;
        day = calendar().addWorkingDays(day, 1);
    }
    const PackageForecast forecast = forecastPackage(catalogue(), permits, chinaTime(20261215, 10), calendar());
    BOOST_REQUIRE(forecast.readyOn.has_value());
    BOOST_TEST(*forecast.readyOn == last);
    BOOST_TEST(*forecast.readyOn == 20261117);
    BOOST_TEST(forecast.remainingWorkingDays == 0);
    BOOST_TEST(forecast.criticalPath.empty());
    BOOST_TEST(*expectedOf(forecast, permits.front().permit) == 20261102);
}

BOOST_AUTO_TEST_CASE(a_rejected_permit_means_no_ready_day) {
    std::vector<PermitProgress> permits = freshPackage();
    progressOf(permits, "P01").state = S::Issued;
    progressOf(permits, "P01").clock = advanceClock({}, S::Queued, S::Issued, chinaTime(20261102, 9), calendar());
    progressOf(permits, "P05").state = S::Rejected;
    const PackageForecast forecast = forecastPackage(catalogue(), permits, chinaTime(20261103, 10), calendar());
    BOOST_TEST(!forecast.readyOn.has_value());
    BOOST_TEST(forecast.criticalPath.empty());
    BOOST_TEST(forecast.remainingWorkingDays == 0);
    BOOST_TEST(!expectedOf(forecast, "P05").has_value());
    BOOST_TEST(!expectedOf(forecast, "P06").has_value());  // waits for P05
    BOOST_TEST(!expectedOf(forecast, "P03").has_value());
    BOOST_TEST(*expectedOf(forecast, "P01") == 20261102);
    BOOST_TEST(*expectedOf(forecast, "P12") == calendar().addWorkingDays(20261103, 10));
}

BOOST_AUTO_TEST_CASE(a_withdrawn_permit_means_no_ready_day) {
    std::vector<PermitProgress> permits = freshPackage();
    for (auto& progress : permits) progress.state = S::Withdrawn;
    const PackageForecast forecast = forecastPackage(catalogue(), permits, chinaTime(20261103, 10), calendar());
    BOOST_TEST(!forecast.readyOn.has_value());
}

BOOST_AUTO_TEST_CASE(a_permit_unknown_to_the_catalogue_leaves_no_forecast) {
    const std::vector<PermitProgress> permits{{"P12", S::Queued, {}}, {"P99", S::Queued, {}}};
    const PackageForecast forecast = forecastPackage(catalogue(), permits, chinaTime(20261103, 10), calendar());
    BOOST_TEST(!forecast.readyOn.has_value());
    BOOST_TEST(!expectedOf(forecast, "P99").has_value());
    BOOST_TEST(*expectedOf(forecast, "P12") == calendar().addWorkingDays(20261103, 10));
}

BOOST_AUTO_TEST_SUITE_END()
