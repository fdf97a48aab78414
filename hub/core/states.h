#pragma once

#include <optional>
#include <string_view>

namespace hub::core {

// SPEC §7. The names are part of the public contract.
enum class PermitState {
    Waiting,
    Queued,
    Submitted,
    Accepted,
    CorrectionRequired,
    UnderReview,
    Suspended,
    Issued,
    Rejected,
    NotAccepted,
    Blocked,
    Withdrawn,
};

enum class PackageState { Received, InProgress, ReadyToOperate, PartiallyFailed, Withdrawn };

std::string_view toString(PermitState state);   // "WAITING", "QUEUED", …
std::string_view toString(PackageState state);  // "RECEIVED", …
std::optional<PermitState> parsePermitState(std::string_view name);
std::optional<PackageState> parsePackageState(std::string_view name);

}  // namespace hub::core
