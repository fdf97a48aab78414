#include "core/states.h"

#include <array>
#include <utility>

namespace hub::core {

namespace {

constexpr std::array<std::pair<PermitState, std::string_view>, 12> kPermitStateNames{{
    {PermitState::Waiting, "WAITING"},
    {PermitState::Queued, "QUEUED"},
    {PermitState::Submitted, "SUBMITTED"},
    {PermitState::Accepted, "ACCEPTED"},
    {PermitState::CorrectionRequired, "CORRECTION_REQUIRED"},
    {PermitState::UnderReview, "UNDER_REVIEW"},
    {PermitState::Suspended, "SUSPENDED"},
    {PermitState::Issued, "ISSUED"},
    {PermitState::Rejected, "REJECTED"},
    {PermitState::NotAccepted, "NOT_ACCEPTED"},
    {PermitState::Blocked, "BLOCKED"},
    {PermitState::Withdrawn, "WITHDRAWN"},
}};

constexpr std::array<std::pair<PackageState, std::string_view>, 5> kPackageStateNames{{
    {PackageState::Received, "RECEIVED"},
    {PackageState::InProgress, "IN_PROGRESS"},
    {PackageState::ReadyToOperate, "READY_TO_OPERATE"},
    {PackageState::PartiallyFailed, "PARTIALLY_FAILED"},
    {PackageState::Withdrawn, "WITHDRAWN"},
}};

template <typename State, std::size_t N>
std::string_view nameOf(const std::array<std::pair<State, std::string_view>, N>& names, State state) {
    for (const auto& [candidate, name] : names) {
        if (candidate == state) return name;
    }
    return "UNKNOWN";
}

template <typename State, std::size_t N>
std::optional<State> stateNamed(const std::array<std::pair<State, std::string_view>, N>& names,
                                std::string_view name) {
    for (const auto& [state, candidate] : names) {
        if (candidate == name) return state;
    }
    return std::nullopt;
}

}  // namespace

std::string_view toString(PermitState state) { return nameOf(kPermitStateNames, state); }
std::string_view toString(PackageState state) { return nameOf(kPackageStateNames, state); }

std::optional<PermitState> parsePermitState(std::string_view name) { return stateNamed(kPermitStateNames, name); }
std::optional<PackageState> parsePackageState(std::string_view name) {
    return stateNamed(kPackageStateNames, name);
}

}  // namespace hub::core
