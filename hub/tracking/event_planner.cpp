#include "tracking/event_planner.h"

#include <algorithm>
#include <sstream>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include "core/permit_clock.h"

namespace hub::tracking {
namespace {

using core::PermitState;

const store::PermitView* findPermit(const store::PackageView& package, const std::string& permit) {
    for (const auto& view : package.permits)
        if (view.permit == permit) return &view;
    return nullptr;
}

std::vector<core::PermitStatus> statusesOf(const store::PackageView& package) {
    std::vector<core::PermitStatus> statuses;
    statuses.reserve(package.permits.size());
    for (const auto& view : package.permits) statuses.push_back({view.permit, view.state});
    return statuses;
}

std::string describe(const adapter::DepartmentEvent& event, const std::string& department) {
    std::string detail = department + " " + event.departmentWord;
    if (!event.receiptNumber.empty()) detail += ", receipt " + event.receiptNumber;
    if (!event.certificateNumber.empty()) detail += ", certificate " + event.certificateNumber;
    if (!event.reasons.empty()) {
        detail += ": " + event.reasons.front();
        if (event.reasons.size() > 1) detail += " (+" + std::to_string(event.reasons.size() - 1) + " more)";
    }
    return detail;
}

// The whole body of a notification about one permit, sent as it is.
std::string permitNotice(const std::string& event, const store::PackageView& package, const store::PermitView& permit,
                         core::PermitState state, const adapter::DepartmentEvent& message,
                         const std::vector<std::string>& blocked) {
    Poco::JSON::Object body(Poco::JSON_PRESERVE_KEY_ORDER);
    body.set("packageId", package.id);
    if (!package.applicantReference.empty()) body.set("applicantReference", package.applicantReference);
    body.set("event", event);
    body.set("permit", permit.permit);
    body.set("department", permit.department);
    body.set("state", std::string(core::toString(state)));
    const std::string receipt = message.receiptNumber.empty() ? permit.receiptNumber : message.receiptNumber;
    if (!receipt.empty()) body.set("receiptNumber", receipt);
    Poco::JSON::Array reasons;
    for (const auto& reason : message.reasons) reasons.add(reason);
    body.set("reasons", reasons);
    if (!blocked.empty()) {
        Poco::JSON::Array list;
        for (const auto& id : blocked) list.add(id);
        body.set("blocked", list);
    }
    Poco::JSON::Object links(Poco::JSON_PRESERVE_KEY_ORDER);
    links.set("package", "/api/v1/applications/" + package.id);
    if (state == PermitState::CorrectionRequired)
        links.set("corrections", "/api/v1/applications/" + package.id + "/permits/" + permit.permit + "/corrections");
    body.set("links", links);
    std::ostringstream out;
    body.stringify(out);
    return out.str();
}

}  // namespace

bool isApplicantNotification(std::string_view kind) {
    return kind == kNotifyReady || kind == kNotifyCorrection || kind == kNotifyRefused;
}

core::PermitEvent permitEventOf(adapter::Outcome outcome) {
    switch (outcome) {
        case adapter::Outcome::Acknowledged: return core::PermitEvent::Acknowledged;
        case adapter::Outcome::Accepted: return core::PermitEvent::Accepted;
        case adapter::Outcome::CorrectionRequired: return core::PermitEvent::CorrectionRequired;
        case adapter::Outcome::UnderReview: return core::PermitEvent::UnderReview;
        case adapter::Outcome::Suspended: return core::PermitEvent::Suspended;
        case adapter::Outcome::Resumed: return core::PermitEvent::Resumed;
        case adapter::Outcome::Issued: return core::PermitEvent::Issued;
        case adapter::Outcome::Rejected: return core::PermitEvent::Rejected;
        case adapter::Outcome::NotAccepted: return core::PermitEvent::NotAccepted;
    }
    return core::PermitEvent::Acknowledged;
}

core::PermitState stateNamedBy(adapter::Outcome outcome) {
    switch (outcome) {
        case adapter::Outcome::Acknowledged: return PermitState::Submitted;
        case adapter::Outcome::Accepted: return PermitState::Accepted;
        case adapter::Outcome::CorrectionRequired: return PermitState::CorrectionRequired;
        case adapter::Outcome::UnderReview: return PermitState::UnderReview;
        case adapter::Outcome::Suspended: return PermitState::Suspended;
        case adapter::Outcome::Resumed: return PermitState::UnderReview;
        case adapter::Outcome::Issued: return PermitState::Issued;
        case adapter::Outcome::Rejected: return PermitState::Rejected;
        case adapter::Outcome::NotAccepted: return PermitState::NotAccepted;
    }
    return PermitState::Submitted;
}

EventPlanner::EventPlanner(const core::Catalogue& catalogue, const core::WorkingCalendar& calendar,
                           core::IdSource& ids)
    : catalogue_(catalogue), calendar_(calendar), ids_(ids) {}

Plan EventPlanner::departmentEvent(const store::PackageView& package, const std::string& permit,
                                   const adapter::DepartmentEvent& event, const std::string& messageSha256,
                                   core::EpochMillis now) const {
    Plan plan;
    const store::PermitView* current = findPermit(package, permit);
    if (!current) {
        plan.verdict = Verdict::Illegal;
        plan.detail = "package " + package.id + " has no permit " + permit;
        return plan;
    }
    plan.from = current->state;
    plan.detail = describe(event, current->department);
    const core::PermitEvent permitEvent = permitEventOf(event.outcome);
    auto to = core::nextState(current->state, permitEvent);
    if (!to) {
        const PermitState named = stateNamedBy(event.outcome);
        plan.to = current->state;
        // Repeating the current state is news to nobody; a later state than
        // the message names (a poll answer overtaken by a callback) neither.
        const bool repeat = named == current->state ||
                            (event.outcome == adapter::Outcome::Acknowledged && core::isWithDepartment(current->state));
        plan.verdict = repeat ? Verdict::NoChange : Verdict::Illegal;
        if (plan.verdict == Verdict::Illegal)
            plan.detail = std::string(core::toString(permitEvent)) + " is not allowed for a " +
                          std::string(core::toString(current->state)) + " permit (" + plan.detail + ")";
        if (plan.verdict != Verdict::NoChange) return plan;
        // An extension of the decision time is usually granted while the
        // permit is under review, and a receipt number learnt late is still
        // worth keeping: both without a change of state.
        const bool extension = event.extensionDays > 0 && event.extensionDays != current->clock.extensionWorkingDays;
        const bool receipt = current->receiptNumber.empty() && !event.receiptNumber.empty();
        if (extension || receipt) {
            store::PermitTransition keep{package.id, permit, current->state, current->state, event.receiptNumber,
                                         plan.detail, now};
            keep.eventType = extension ? "EXTENSION" : "RECEIPT";
            if (extension) {
                core::PermitClockFacts clock = current->clock;
                clock.extensionWorkingDays = event.extensionDays;
                keep.clock = clock;
                keep.detail = current->department + " extended the decision time by " +
                              std::to_string(event.extensionDays) + " working days (" + plan.detail + ")";
                plan.detail = keep.detail;
                plan.verdict = Verdict::Applied;
            }
            plan.transitions.push_back(std::move(keep));
        }
        return plan;
    }
    plan.verdict = Verdict::Applied;
    plan.to = *to;
    store::PermitTransition transition{package.id, permit, current->state, *to, event.receiptNumber, plan.detail, now};
    core::PermitClockFacts clock = core::advanceClock(current->clock, current->state, *to, now, calendar_);
    if (event.extensionDays > 0) clock.extensionWorkingDays = event.extensionDays;
    transition.clock = clock;
    plan.transitions.push_back(std::move(transition));

    if (*to == PermitState::Issued) {
        store::CertificateRecord certificate{package.id,      permit,           current->department,
                                             event.certificateNumber, event.issuedOn, event.validUntil,
                                             {},              messageSha256,    now};
        for (const auto& [name, values] : event.outputs)
            for (const auto& value : values) certificate.outputs.emplace_back(name, value);
        plan.followUps.certificate = std::move(certificate);
    }
    auto statuses = statusesOf(package);
    for (auto& status : statuses)
        if (status.permit == permit) status.state = *to;
    addConsequences(plan, package, std::move(statuses), permit, now);

    if (!package.notificationUrl.empty() && (*to == PermitState::CorrectionRequired || core::isFailure(*to))) {
        std::vector<std::string> blocked;
        for (const auto& transition : plan.transitions)
            if (transition.to == PermitState::Blocked) blocked.push_back(transition.permit);
        const bool correction = *to == PermitState::CorrectionRequired;
        plan.followUps.dispatches.push_back(
            {ids_.messageId(), permit, std::string(kApplicantDepartment),
             std::string(correction ? kNotifyCorrection : kNotifyRefused), now,
             permitNotice(correction ? "CORRECTION_REQUIRED" : "PERMIT_REFUSED", package, *current, *to, event,
                          blocked)});
    }
    return plan;
}

void EventPlanner::addConsequences(Plan& plan, const store::PackageView& package,
                                   std::vector<core::PermitStatus> permits, const std::string& permit,
                                   core::EpochMillis now) const {
    for (const auto& consequence : core::consequencesOf(catalogue_, permits, permit)) {
        plan.transitions.push_back({package.id, consequence.permit, consequence.from, consequence.to, {},
                                    consequence.reason, now});
        for (auto& status : permits)
            if (status.permit == consequence.permit) status.state = consequence.to;
        if (consequence.to == PermitState::Queued) {
            const core::PermitItem* item = catalogue_.findPermit(consequence.permit);
            plan.followUps.dispatches.push_back(
                {ids_.messageId(), consequence.permit, item ? item->department : "", "SUBMIT", now, {}});
        }
    }
    const bool withdrawn = package.state == core::PackageState::Withdrawn;
    const core::PackageState next = core::derivePackageState(permits, withdrawn);
    plan.followUps.packageState = next;
    if (next == core::PackageState::ReadyToOperate && package.state != next && !package.notificationUrl.empty())
        plan.followUps.dispatches.push_back(
            {ids_.messageId(), "", std::string(kApplicantDepartment), std::string(kNotifyReady), now, {}});
}

store::FollowUps guardedFollowUps(const Plan& plan, const store::PackageView& package) {
    store::FollowUps followUps = plan.followUps;
    if (!plan.transitions.empty()) {
        followUps.expectedPackageVersion = package.version;
        followUps.packageStateAsRead = package.state;
    }
    return followUps;
}

Plan EventPlanner::reconcile(const store::PackageView& package, core::EpochMillis now) const {
    Plan plan;
    if (package.state == core::PackageState::Withdrawn) return plan;
    bool waiting = false;
    for (const auto& view : package.permits) waiting = waiting || view.state == PermitState::Waiting;
    if (!waiting) return plan;
    auto statuses = statusesOf(package);
    for (const auto& view : package.permits) {
        for (const auto& consequence : core::consequencesOf(catalogue_, statuses, view.permit)) {
            bool still = false;
            for (const auto& status : statuses)
                still = still || (status.permit == consequence.permit && status.state == consequence.from);
            if (!still) continue;
            plan.transitions.push_back({package.id, consequence.permit, consequence.from, consequence.to, {},
                                        consequence.reason, now});
            for (auto& status : statuses)
                if (status.permit == consequence.permit) status.state = consequence.to;
            if (consequence.to == PermitState::Queued) {
                const core::PermitItem* item = catalogue_.findPermit(consequence.permit);
                plan.followUps.dispatches.push_back(
                    {ids_.messageId(), consequence.permit, item ? item->department : "", "SUBMIT", now, {}});
            }
        }
    }
    if (plan.transitions.empty()) return plan;
    plan.verdict = Verdict::Applied;
    plan.detail = std::to_string(plan.transitions.size()) + " waiting permit(s) released or blocked on reconciliation";
    plan.followUps.packageState = core::derivePackageState(statuses, false);
    return plan;
}

Plan EventPlanner::correction(const store::PackageView& package, const std::string& permit,
                              const std::string& supplementXml, core::EpochMillis now) const {
    Plan plan;
    const store::PermitView* current = findPermit(package, permit);
    if (!current) {
        plan.verdict = Verdict::Illegal;
        plan.detail = "package " + package.id + " has no permit " + permit;
        return plan;
    }
    plan.from = current->state;
    auto to = core::nextState(current->state, core::PermitEvent::CorrectionSubmitted);
    if (!to || package.state == core::PackageState::Withdrawn) {
        plan.verdict = Verdict::Illegal;
        plan.to = current->state;
        plan.detail = "permit " + permit + " is " + std::string(core::toString(current->state)) +
                      ", not CORRECTION_REQUIRED: there is no correction notice to answer";
        return plan;
    }
    plan.verdict = Verdict::Applied;
    plan.to = *to;
    plan.detail = "the applicant answered the correction notice; resubmitted to " + current->department;
    store::PermitTransition transition{package.id, permit, current->state, *to, {}, plan.detail, now};
    transition.clock = core::advanceClock(current->clock, current->state, *to, now, calendar_);
    plan.transitions.push_back(std::move(transition));
    plan.followUps.dispatches.push_back(
        {ids_.messageId(), permit, current->department, "CORRECTION", now, supplementXml});
    return plan;
}

Plan EventPlanner::withdrawal(const store::PackageView& package, core::EpochMillis now) const {
    Plan plan;
    if (package.state == core::PackageState::Withdrawn || package.state == core::PackageState::ReadyToOperate) {
        plan.verdict = Verdict::Illegal;
        plan.detail = "package " + package.id + " is " + std::string(core::toString(package.state)) +
                      " and can no longer be withdrawn";
        return plan;
    }
    plan.verdict = Verdict::Applied;
    plan.detail = "the applicant withdrew the package";
    for (const auto& view : package.permits) {
        auto to = core::nextState(view.state, core::PermitEvent::Withdrawn);
        if (!to) continue;
        std::string detail = plan.detail;
        if (core::isWithDepartment(view.state) && !view.receiptNumber.empty()) {
            detail += "; cancellation sent to " + view.department;
            plan.followUps.dispatches.push_back({ids_.messageId(), view.permit, view.department, "CANCEL", now, {}});
        }
        store::PermitTransition transition{package.id, view.permit, view.state, *to, {}, detail, now};
        transition.clock = core::advanceClock(view.clock, view.state, *to, now, calendar_);
        plan.transitions.push_back(std::move(transition));
    }
    plan.followUps.cancelPendingDispatches = true;
    plan.followUps.packageState = core::PackageState::Withdrawn;
    return plan;
}

Plan EventPlanner::clocks(const store::PackageView& package, const std::string& permit, core::EpochMillis now) const {
    Plan plan;
    const store::PermitView* current = findPermit(package, permit);
    if (!current) return plan;
    plan.from = plan.to = current->state;
    const core::PermitItem* item = catalogue_.findPermit(permit);
    if (core::deemedAcceptanceDue(current->state, current->clock, now, calendar_)) {
        auto to = core::nextState(current->state, core::PermitEvent::DeemedAccepted);
        if (!to) return plan;
        plan.verdict = Verdict::Applied;
        plan.to = *to;
        const core::Day received = core::chinaDateOf(current->clock.submittedAt);
        plan.detail = "no correction notice within " + std::to_string(core::kCorrectionNoticeWorkingDays) +
                      " working days: deemed accepted as of " + core::formatDay(received);
        store::PermitTransition transition{package.id, permit, current->state, *to, {}, plan.detail, now};
        transition.clock = core::deemAccepted(current->clock);
        plan.transitions.push_back(std::move(transition));
        auto statuses = statusesOf(package);
        for (auto& status : statuses)
            if (status.permit == permit) status.state = *to;
        addConsequences(plan, package, std::move(statuses), permit, now);
        return plan;
    }
    if (!item || current->clock.overdueSince != 0) return plan;
    const core::PermitDeadlines deadlines = core::deadlinesOf(*item, current->state, current->clock, now, calendar_);
    if (!deadlines.overdue) return plan;
    plan.verdict = Verdict::Applied;
    plan.detail = current->department + " missed the decision deadline of " + core::formatDay(*deadlines.decisionDue);
    store::PermitTransition transition{package.id, permit, current->state, current->state, {}, plan.detail, now};
    core::PermitClockFacts clock = current->clock;
    clock.overdueSince = now;
    transition.clock = clock;
    transition.eventType = "DEADLINE_MISSED";
    transition.expectedUpdatedAt = current->updatedAt;  // recorded once, however many processes sweep
    plan.transitions.push_back(std::move(transition));
    return plan;
}

}  // namespace hub::tracking
