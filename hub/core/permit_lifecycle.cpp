#include "core/permit_lifecycle.h"

#include <algorithm>
#include <array>
#include <map>
#include <set>

namespace hub::core {
namespace {

using S = PermitState;
using E = PermitEvent;

struct Transition {
    S from;
    E event;
    S to;
};

// Every allowed transition; anything not listed is refused.
constexpr std::array kTransitions{
    Transition{S::Waiting, E::PrerequisitesMet, S::Queued},
    Transition{S::Waiting, E::PrerequisiteFailed, S::Blocked},
    Transition{S::Waiting, E::Withdrawn, S::Withdrawn},

    // A department may answer the submission itself with more than a receipt.
    Transition{S::Queued, E::Acknowledged, S::Submitted},
    Transition{S::Queued, E::Accepted, S::Accepted},
    Transition{S::Queued, E::NotAccepted, S::NotAccepted},
    Transition{S::Queued, E::CorrectionRequired, S::CorrectionRequired},
    Transition{S::Queued, E::Issued, S::Issued},
    Transition{S::Queued, E::Rejected, S::Rejected},
    Transition{S::Queued, E::Withdrawn, S::Withdrawn},

    Transition{S::Submitted, E::Accepted, S::Accepted},
    Transition{S::Submitted, E::DeemedAccepted, S::Accepted},
    Transition{S::Submitted, E::NotAccepted, S::NotAccepted},
    Transition{S::Submitted, E::CorrectionRequired, S::CorrectionRequired},
    Transition{S::Submitted, E::UnderReview, S::UnderReview},
    Transition{S::Submitted, E::Issued, S::Issued},
    Transition{S::Submitted, E::Rejected, S::Rejected},
    Transition{S::Submitted, E::Withdrawn, S::Withdrawn},

    Transition{S::CorrectionRequired, E::CorrectionSubmitted, S::Submitted},
    Transition{S::CorrectionRequired, E::NotAccepted, S::NotAccepted},
    Transition{S::CorrectionRequired, E::Withdrawn, S::Withdrawn},

    Transition{S::Accepted, E::UnderReview, S::UnderReview},
    Transition{S::Accepted, E::Suspended, S::Suspended},
    Transition{S::Accepted, E::Issued, S::Issued},
    Transition{S::Accepted, E::Rejected, S::Rejected},
    Transition{S::Accepted, E::Withdrawn, S::Withdrawn},

    Transition{S::UnderReview, E::Suspended, S::Suspended},
    Transition{S::UnderReview, E::Issued, S::Issued},
    Transition{S::UnderReview, E::Rejected, S::Rejected},
    Transition{S::UnderReview, E::Withdrawn, S::Withdrawn},

    Transition{S::Suspended, E::Resumed, S::UnderReview},
    Transition{S::Suspended, E::Withdrawn, S::Withdrawn},
};

constexpr std::array<std::pair<E, std::string_view>, 14> kEventNames{{
    {E::PrerequisitesMet, "PREREQUISITES_MET"},
    {E::PrerequisiteFailed, "PREREQUISITE_FAILED"},
    {E::Acknowledged, "ACKNOWLEDGED"},
    {E::Accepted, "ACCEPTED"},
    {E::DeemedAccepted, "DEEMED_ACCEPTED"},
    {E::NotAccepted, "NOT_ACCEPTED"},
    {E::CorrectionRequired, "CORRECTION_REQUIRED"},
    {E::CorrectionSubmitted, "CORRECTION_SUBMITTED"},
    {E::UnderReview, "UNDER_REVIEW"},
    {E::Suspended, "SUSPENDED"},
    {E::Resumed, "RESUMED"},
    {E::Issued, "ISSUED"},
    {E::Rejected, "REJECTED"},
    {E::Withdrawn, "WITHDRAWN"},
}};

std::string joined(const std::vector<std::string>& values) {
    std::string out;
    for (const auto& value : values) out += (out.empty() ? "" : ", ") + value;
    return out;
}

}  // namespace

std::string_view toString(PermitEvent event) {
    for (const auto& [candidate, name] : kEventNames)
        if (candidate == event) return name;
    return "UNKNOWN";
}

std::optional<PermitEvent> parsePermitEvent(std::string_view name) {
    for (const auto& [event, candidate] : kEventNames)
        if (candidate == name) return event;
    return std::nullopt;
}

std::optional<PermitState> nextState(PermitState from, PermitEvent event) {
    for (const auto& transition : kTransitions)
        if (transition.from == from && transition.event == event) return transition.to;
    return std::nullopt;
}

bool isTerminal(PermitState state) {
    return state == S::Issued || state == S::Rejected || state == S::NotAccepted || state == S::Blocked ||
           state == S::Withdrawn;
}

bool isFailure(PermitState state) { return state == S::Rejected || state == S::NotAccepted || state == S::Blocked; }

bool isWithDepartment(PermitState state) {
    return state == S::Submitted || state == S::Accepted || state == S::CorrectionRequired ||
           state == S::UnderReview || state == S::Suspended;
}

std::vector<Consequence> consequencesOf(const Catalogue& catalogue, const std::vector<PermitStatus>& permits,
                                        const std::string& changed) {
    std::map<std::string, PermitState> states;
    for (const auto& permit : permits) states[permit.permit] = permit.state;
    auto changedState = states.find(changed);
    if (changedState == states.end()) return {};

    std::vector<Consequence> result;
    if (changedState->second == S::Issued) {
        for (const auto& item : catalogue.permits()) {
            auto it = states.find(item.id);
            if (it == states.end() || it->second != S::Waiting) continue;
            if (std::find(item.needs.begin(), item.needs.end(), changed) == item.needs.end()) continue;
            const bool allIssued = std::all_of(item.needs.begin(), item.needs.end(), [&](const std::string& need) {
                auto state = states.find(need);
                return state == states.end() || state->second == S::Issued;
            });
            if (allIssued) result.push_back({item.id, S::Waiting, S::Queued, "prerequisites issued: " + joined(item.needs)});
        }
        return result;
    }
    if (!isFailure(changedState->second)) return result;

    // Catalogue order is topological, so one pass reaches transitive dependents.
    std::set<std::string> failed{changed};
    for (const auto& item : catalogue.permits()) {
        auto it = states.find(item.id);
        if (it == states.end() || it->second != S::Waiting) continue;
        std::vector<std::string> failedNeeds;
        for (const auto& need : item.needs)
            if (failed.count(need)) failedNeeds.push_back(need);
        if (failedNeeds.empty()) continue;
        failed.insert(item.id);
        const std::string cause = failedNeeds.front() == changed
                                      ? "prerequisite " + changed + " " + std::string(toString(changedState->second))
                                      : "prerequisite " + joined(failedNeeds) + " blocked (" + changed + " " +
                                            std::string(toString(changedState->second)) + ")";
        result.push_back({item.id, S::Waiting, S::Blocked, cause});
    }
    return result;
}

PackageState derivePackageState(const std::vector<PermitStatus>& permits, bool withdrawn) {
    if (withdrawn) return PackageState::Withdrawn;
    bool anyFailed = false, allIssued = !permits.empty(), anyStarted = false;
    for (const auto& permit : permits) {
        anyFailed = anyFailed || isFailure(permit.state);
        allIssued = allIssued && permit.state == S::Issued;
        anyStarted = anyStarted || (permit.state != S::Waiting && permit.state != S::Queued);
    }
    if (anyFailed) return PackageState::PartiallyFailed;
    if (allIssued) return PackageState::ReadyToOperate;
    return anyStarted ? PackageState::InProgress : PackageState::Received;
}

}  // namespace hub::core
