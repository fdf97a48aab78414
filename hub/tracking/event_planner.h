#pragma once

#include <optional>
#include <string>
#include <vector>

#include "adapter/department_event.h"
#include "core/catalogue.h"
#include "core/clock.h"
#include "core/permit_lifecycle.h"
#include "core/working_calendar.h"
#include "store/store.h"

namespace hub::tracking {

// The department for the applicant's notifications in the outbox.
inline constexpr std::string_view kApplicantDepartment = "APPLICANT";
inline constexpr std::string_view kNotifyReady = "NOTIFY_READY";            // the package is READY_TO_OPERATE
inline constexpr std::string_view kNotifyCorrection = "NOTIFY_CORRECTION";  // a department asks the applicant for a correction
inline constexpr std::string_view kNotifyRefused = "NOTIFY_REFUSED";        // a permit was rejected or not accepted

// Outbox kinds that go to the applicant's notification URL rather than a department.
bool isApplicantNotification(std::string_view kind);

// The permit event a department's outcome stands for.
core::PermitEvent permitEventOf(adapter::Outcome outcome);

// The state a department's outcome says the permit is in: ACKNOWLEDGED ->
// SUBMITTED, RESUMED -> UNDER_REVIEW, the others their namesake. A message
// repeating the permit's current state changes nothing (a poll answer, a
// late duplicate with another id).
core::PermitState stateNamedBy(adapter::Outcome outcome);

enum class Verdict {
    Applied,   // the permit moves (or its clock changes: an extension); `transitions` and `followUps` say how
    NoChange,  // the permit already is where the message says
    Illegal,   // not allowed from the permit's current state (refused, recorded)
};

struct Plan {
    Verdict verdict = Verdict::NoChange;
    core::PermitState from = core::PermitState::Waiting;
    core::PermitState to = core::PermitState::Waiting;
    std::vector<store::PermitTransition> transitions;  // the permit's own first, then the consequences
    store::FollowUps followUps;
    std::string detail;  // one line for logs, events and answers
};

// The follow-ups to write with `plan`: when it changes a permit, guarded by
// the version of `package`, the view it was planned from, so that of two
// writers that planned from the same view only the first commits and the
// other re-plans (store::FollowUps::expectedPackageVersion).
store::FollowUps guardedFollowUps(const Plan& plan, const store::PackageView& package);

// How many times a writer re-reads and re-plans after store::StateConflict
// before giving up (the conflicts come from other writers of one package).
inline constexpr int kReplanRounds = 8;

// Pure planning of what one thing that happened to a permit changes in its
// package, from the package as stored. Nothing here writes; the caller hands
// the plan to the store, which applies it in one transaction only if every
// `from` state still holds (store::StateConflict otherwise: re-read, re-plan).
class EventPlanner {
  public:
    EventPlanner(const core::Catalogue& catalogue, const core::WorkingCalendar& calendar, core::IdSource& ids);

    // A department's message about `permit` (a synchronous answer, a callback
    // or a poll answer). Applied: the permit's transition (receipt number,
    // clock facts), an issued permit's certificate (outputs, validity and the
    // digest of the message that carried it), the dependents released (with
    // their SUBMIT calls) or blocked, the package's state, and when the
    // package thereby becomes READY_TO_OPERATE, the applicant's notification
    // (when it gave a notification URL). The applicant is also notified of a
    // correction notice (it must act) and of a refusal (with what it blocks);
    // those notifications' JSON bodies are made here and kept as the call's
    // payload, since the reasons are not stored elsewhere.
    Plan departmentEvent(const store::PackageView& package, const std::string& permit,
                         const adapter::DepartmentEvent& event, const std::string& messageSha256,
                         core::EpochMillis now) const;

    // The applicant answered the correction notice: CORRECTION_REQUIRED ->
    // SUBMITTED and a CORRECTION call carrying `supplementXml`.
    // Illegal when the permit is not CORRECTION_REQUIRED.
    Plan correction(const store::PackageView& package, const std::string& permit, const std::string& supplementXml,
                    core::EpochMillis now) const;

    // The applicant withdraws the package: every permit not yet in a terminal
    // state becomes WITHDRAWN; a CANCEL call goes to the department of every
    // permit it holds (those with a receipt number); pending calls are
    // cancelled; the package becomes WITHDRAWN. Illegal when the package is
    // already READY_TO_OPERATE or WITHDRAWN.
    Plan withdrawal(const store::PackageView& package, core::EpochMillis now) const;

    // The clock keeper's sweep of one permit: a SUBMITTED permit whose
    // correction window closed is deemed accepted on its day of receipt; a
    // permit past its decision deadline is noted DEADLINE_MISSED once.
    // NoChange when neither is due.
    Plan clocks(const store::PackageView& package, const std::string& permit, core::EpochMillis now) const;
    // What the package's permits as stored imply for its WAITING permits: the
    // ones whose needs are all issued become QUEUED (with their SUBMIT
    // calls), the ones depending on a failure BLOCKED. Two permits issued at
    // the same moment by two writers each plan from a package where the other
    // is not issued yet, so neither releases what needs both; the clock
    // keeper's sweep runs this to release it. NoChange when nothing is due.
    Plan reconcile(const store::PackageView& package, core::EpochMillis now) const;

    const core::Catalogue& catalogue() const { return catalogue_; }
    const core::WorkingCalendar& calendar() const { return calendar_; }

  private:
    // Adds the consequences of `permit` having entered `to` (dependents
    // released or blocked, their calls, the package's state, the ready
    // notification) to `plan`.
    void addConsequences(Plan& plan, const store::PackageView& package, std::vector<core::PermitStatus> permits,
                         const std::string& permit, core::EpochMillis now) const;

    const core::Catalogue& catalogue_;
    const core::WorkingCalendar& calendar_;
    core::IdSource& ids_;
};

}  // namespace hub::tracking
