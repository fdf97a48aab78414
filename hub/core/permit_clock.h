#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/catalogue.h"
#include "core/clock.h"
#include "core/states.h"
#include "core/working_calendar.h"

namespace hub::core {

// Working days a department has to send its one correction notice (补正)
// after receiving an application; without a notice the application counts as
// accepted on the day it was received.
inline constexpr int kCorrectionNoticeWorkingDays = 5;

// The dated facts a permit's legal clocks are computed from, kept with the
// permit. 0 means "has not happened".
struct PermitClockFacts {
    EpochMillis submittedAt = 0;   // the department received the application (latest (re)submission)
    EpochMillis acceptedAt = 0;    // 受理; for a deemed acceptance, the day of receipt
    bool deemedAccepted = false;   // accepted because no correction notice came in time
    EpochMillis suspendedAt = 0;   // set while SUSPENDED: when the current suspension began
    int pausedWorkingDays = 0;     // working days spent SUSPENDED in suspensions that ended
    int extensionWorkingDays = 0;  // an approved extension of the decision time (usually 10)
    EpochMillis decidedAt = 0;     // ISSUED, REJECTED or NOT_ACCEPTED
    EpochMillis overdueSince = 0;  // when the hub first saw the decision deadline missed (noted once)

    bool operator==(const PermitClockFacts&) const = default;
};

// The facts after the permit moved `from` -> `to` at `at`:
//  - into SUBMITTED (also from CORRECTION_REQUIRED, a resubmission): submittedAt = at;
//  - into ACCEPTED: acceptedAt = at (submittedAt = at too when it was 0, an
//    acceptance in the very answer to the submission);
//  - into SUSPENDED: suspendedAt = at; out of SUSPENDED: pausedWorkingDays +=
//    the working days between the suspension's day and `at`'s day, suspendedAt = 0;
//  - into ISSUED, REJECTED, NOT_ACCEPTED: decidedAt = at (and submittedAt /
//    acceptedAt = at when still 0: a decision on the spot).
// Other moves leave the facts unchanged. Deemed acceptance is applied with
// deemAccepted, not here.
PermitClockFacts advanceClock(PermitClockFacts facts, PermitState from, PermitState to, EpochMillis at,
                              const WorkingCalendar& calendar);

// The facts after a deemed acceptance: acceptedAt = submittedAt, deemedAccepted.
PermitClockFacts deemAccepted(PermitClockFacts facts);

// A permit's deadlines as of `now` (days in China Standard Time).
struct PermitDeadlines {
    // While SUBMITTED: the last day for a correction notice (receipt day + 5 WD).
    std::optional<Day> correctionNoticeBy;
    // Once accepted and until decided: acceptance day + the item's statutory
    // working days + extension + working days suspended (including the
    // current suspension up to today).
    std::optional<Day> decisionDue;
    bool paused = false;          // SUSPENDED: the decision clock is not running
    bool overdue = false;         // not decided and today is after decisionDue
    std::optional<int> workingDaysLeft;  // decisionDue - today in working days; negative when overdue
};

PermitDeadlines deadlinesOf(const PermitItem& item, PermitState state, const PermitClockFacts& facts,
                            EpochMillis now, const WorkingCalendar& calendar);

// True when a SUBMITTED permit's correction-notice window has closed without
// a notice (today is after correctionNoticeBy): it is to be deemed accepted.
bool deemedAcceptanceDue(PermitState state, const PermitClockFacts& facts, EpochMillis now,
                         const WorkingCalendar& calendar);

struct PermitProgress {
    std::string permit;
    PermitState state;
    PermitClockFacts clock;
};

// The package's forecast, recomputed from its permits on every read.
struct PackageForecast {
    // The day every requested permit is expected to be issued (the actual day
    // once all are issued); nullopt when a permit failed or was withdrawn, so
    // the package cannot become ready.
    std::optional<Day> readyOn;
    // The chain of permits not yet issued that decides readyOn, first to last
    // (empty once all are issued).
    std::vector<std::string> criticalPath;
    // Working days from today to readyOn (0 once ready).
    int remainingWorkingDays = 0;
    // Per permit, in the order given: the day it is expected to be issued
    // (actual for ISSUED ones); nullopt for failed or withdrawn permits.
    std::vector<std::pair<std::string, std::optional<Day>>> expected;
};

// Uses the promised working days of each item: a permit with its department
// since day S is expected on S + promised (not before today, unless issued);
// one not yet sent starts when its last prerequisite is expected (or today)
// and takes its promised days. Suspended time pushes the expectation by the
// working days suspended. Permits not in `permits` count as satisfied.
PackageForecast forecastPackage(const Catalogue& catalogue, const std::vector<PermitProgress>& permits,
                                EpochMillis now, const WorkingCalendar& calendar);

}  // namespace hub::core
