#include "core/permit_clock.h"

#include <algorithm>
#include <map>

#include "core/permit_lifecycle.h"

namespace hub::core {

namespace {

using S = PermitState;

// Working days of the suspension in progress, from its day to today.
int currentSuspensionWorkingDays(PermitState state, const PermitClockFacts& facts, Day today,
                                 const WorkingCalendar& calendar) {
    if (state != S::Suspended || facts.suspendedAt == 0) return 0;
    return calendar.workingDaysBetween(chinaDateOf(facts.suspendedAt), today);
}

// `due` - `today` in working days. Once `due` has passed the result is at
// least one day late, even on a day off right after it.
int workingDaysLeft(Day due, Day today, const WorkingCalendar& calendar) {
    if (today <= due) return calendar.workingDaysBetween(today, due);
    return -std::max(1, calendar.workingDaysBetween(due, today));
}

}  // namespace

PermitClockFacts advanceClock(PermitClockFacts facts, PermitState from, PermitState to, EpochMillis at,
                              const WorkingCalendar& calendar) {
    if (from == to) return facts;
    if (from == S::Suspended && facts.suspendedAt != 0) {
        facts.pausedWorkingDays += calendar.workingDaysBetween(chinaDateOf(facts.suspendedAt), chinaDateOf(at));
        facts.suspendedAt = 0;
    }
    switch (to) {
        case S::Submitted:
            facts.submittedAt = at;
            break;
        case S::Accepted:
            facts.acceptedAt = at;
            if (facts.submittedAt == 0) facts.submittedAt = at;
            break;
        case S::Suspended:
            facts.suspendedAt = at;
            break;
        case S::Issued:
        case S::Rejected:
            facts.decidedAt = at;
            if (facts.submittedAt == 0) facts.submittedAt = at;
            if (facts.acceptedAt == 0) facts.acceptedAt = at;
            break;
        case S::NotAccepted:
            // 不予受理: decided without ever being accepted.
            facts.decidedAt = at;
            if (facts.submittedAt == 0) facts.submittedAt = at;
            break;
        default:
            break;
    }
    return facts;
}

PermitClockFacts deemAccepted(PermitClockFacts facts) {
    facts.acceptedAt = facts.submittedAt;
    facts.deemedAccepted = true;
    return facts;
}

PermitDeadlines deadlinesOf(const PermitItem& item, PermitState state, const PermitClockFacts& facts,
                            EpochMillis now, const WorkingCalendar& calendar) {
    PermitDeadlines deadlines;
    const Day today = chinaDateOf(now);
    if (state == S::Submitted && facts.submittedAt != 0) {
        deadlines.correctionNoticeBy =
            calendar.addWorkingDays(chinaDateOf(facts.submittedAt), kCorrectionNoticeWorkingDays);
    }
    const bool awaitingDecision = state == S::Accepted || state == S::UnderReview || state == S::Suspended;
    if (awaitingDecision && facts.acceptedAt != 0 && facts.decidedAt == 0) {
        const int span = item.statutoryWorkingDays + facts.extensionWorkingDays + facts.pausedWorkingDays +
                         currentSuspensionWorkingDays(state, facts, today, calendar);
        const Day due = calendar.addWorkingDays(chinaDateOf(facts.acceptedAt), span);
        deadlines.decisionDue = due;
        deadlines.paused = state == S::Suspended;
        deadlines.overdue = today > due;
        deadlines.workingDaysLeft = workingDaysLeft(due, today, calendar);
    }
    return deadlines;
}

bool deemedAcceptanceDue(PermitState state, const PermitClockFacts& facts, EpochMillis now,
                         const WorkingCalendar& calendar) {
    if (state != S::Submitted || facts.submittedAt == 0) return false;
    const Day lastDay = calendar.addWorkingDays(chinaDateOf(facts.submittedAt), kCorrectionNoticeWorkingDays);
    return chinaDateOf(now) > lastDay;
}

PackageForecast forecastPackage(const Catalogue& catalogue, const std::vector<PermitProgress>& permits,
                                EpochMillis now, const WorkingCalendar& calendar) {
    const Day today = chinaDateOf(now);
    std::map<std::string, const PermitProgress*, std::less<>> progressOf;
    // A permit the catalogue no longer knows gets no expectation, so the
    // package has no forecast rather than a wrong one.
    for (const auto& progress : permits) progressOf[progress.permit] = &progress;

    struct Expectation {
        std::optional<Day> day;
        bool issued = false;
        std::string predecessor;  // the not-yet-issued need it waits for, if any
    };
    std::map<std::string, Expectation, std::less<>> expected;

    for (const PermitItem& item : catalogue.permits()) {
        auto found = progressOf.find(item.id);
        if (found == progressOf.end()) continue;
        const PermitProgress& progress = *found->second;
        Expectation& expectation = expected[item.id];

        if (progress.state == S::Issued) {
            expectation.issued = true;
            expectation.day = progress.clock.decidedAt != 0 ? chinaDateOf(progress.clock.decidedAt) : today;
            continue;
        }
        if (isFailure(progress.state) || progress.state == S::Withdrawn) continue;

        const int suspended = progress.clock.pausedWorkingDays +
                              currentSuspensionWorkingDays(progress.state, progress.clock, today, calendar);
        if (isWithDepartment(progress.state)) {
            EpochMillis since = progress.clock.submittedAt != 0 ? progress.clock.submittedAt : progress.clock.acceptedAt;
            Day start = since != 0 ? chinaDateOf(since) : today;
            expectation.day = std::max(today, calendar.addWorkingDays(start, item.promisedWorkingDays + suspended));
            continue;
        }

        // Not yet sent: starts once its last prerequisite is expected.
        Day start = today;
        bool blocked = false;
        for (const auto& need : item.needs) {
            auto needExpectation = expected.find(need);
            if (needExpectation == expected.end()) continue;  // not in the package: satisfied
            if (!needExpectation->second.day) {
                blocked = true;
                continue;
            }
            start = std::max(start, *needExpectation->second.day);
        }
        if (blocked) continue;
        for (const auto& need : item.needs) {
            auto needExpectation = expected.find(need);
            if (needExpectation != expected.end() && !needExpectation->second.issued &&
                needExpectation->second.day == start) {
                expectation.predecessor = need;
                break;
            }
        }
        expectation.day = calendar.addWorkingDays(start, item.promisedWorkingDays + suspended);
    }

    PackageForecast forecast;
    bool anyMissing = false;
    Day latest = 0;
    for (const auto& progress : permits) {
        const Expectation& expectation = expected[progress.permit];
        forecast.expected.emplace_back(progress.permit, expectation.day);
        if (!expectation.day) {
            anyMissing = true;
        } else {
            latest = std::max(latest, *expectation.day);
        }
    }
    if (anyMissing) return forecast;
    if (permits.empty()) latest = today;
    forecast.readyOn = latest;
    forecast.remainingWorkingDays = calendar.workingDaysBetween(today, latest);

    // The chain ends at the first (in catalogue order) unissued permit expected last.
    const PermitItem* last = nullptr;
    for (const PermitItem& item : catalogue.permits()) {
        auto found = expected.find(item.id);
        if (found == expected.end() || found->second.issued || found->second.day != latest) continue;
        last = &item;
        break;
    }
    for (std::string id = last ? last->id : std::string(); !id.empty(); id = expected[id].predecessor) {
        forecast.criticalPath.push_back(id);
    }
    std::reverse(forecast.criticalPath.begin(), forecast.criticalPath.end());
    return forecast;
}

}  // namespace hub::core
