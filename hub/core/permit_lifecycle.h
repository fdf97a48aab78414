#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/catalogue.h"
#include "core/states.h"

namespace hub::core {

// What can happen to one permit (SPEC §4). Department outcomes, the
// applicant's actions, the hub's own decisions and the statutory clock.
enum class PermitEvent {
    PrerequisitesMet,     // every prerequisite issued: ready to dispatch
    PrerequisiteFailed,   // a prerequisite was rejected, not accepted or blocked
    Acknowledged,         // the department received the application (receipt number)
    Accepted,             // 受理: the statutory clock starts
    DeemedAccepted,       // no correction notice within 5 working days of receipt
    NotAccepted,          // 不予受理 (terminal)
    CorrectionRequired,   // 补正: one notice listing everything
    CorrectionSubmitted,  // the applicant supplemented; resubmitted
    UnderReview,
    Suspended,            // special procedure: inspection, hearing…; the clock pauses
    Resumed,
    Issued,               // approved and the certificate data recorded
    Rejected,             // 不予许可, with reasons (terminal)
    Withdrawn,            // the applicant withdrew the package
};

std::string_view toString(PermitEvent event);
std::optional<PermitEvent> parsePermitEvent(std::string_view name);

// The permit state machine, as one table. nullopt: the event is not allowed
// in `from` (the caller refuses and records it). Terminal states accept
// nothing.
std::optional<PermitState> nextState(PermitState from, PermitEvent event);

// ISSUED, REJECTED, NOT_ACCEPTED, BLOCKED, WITHDRAWN.
bool isTerminal(PermitState state);
// REJECTED, NOT_ACCEPTED, BLOCKED.
bool isFailure(PermitState state);
// A department holds the application: SUBMITTED … SUSPENDED.
bool isWithDepartment(PermitState state);

struct PermitStatus {
    std::string permit;
    PermitState state;
};

// A state change the hub makes by itself as a consequence of another.
struct Consequence {
    std::string permit;
    PermitState from;
    PermitState to;
    std::string reason;  // e.g. "prerequisites issued: P01, P06" / "prerequisite P05 rejected"
};

// After `changed` entered its current state (already reflected in
// `permits`), the follow-on changes within the package: when it was issued,
// every WAITING permit whose needs are now all issued becomes QUEUED; when it
// failed, every WAITING permit depending on it, directly or transitively,
// becomes BLOCKED. Needs outside the package count as satisfied (the package
// is closed under prerequisites at intake, so this does not happen in
// practice). Result in catalogue order.
std::vector<Consequence> consequencesOf(const Catalogue& catalogue, const std::vector<PermitStatus>& permits,
                                        const std::string& changed);

// The package state implied by its permits. `withdrawn` wins; then any
// failure makes it PARTIALLY_FAILED (the rest may still go on); all issued is
// READY_TO_OPERATE; RECEIVED while nothing has reached a department yet;
// else IN_PROGRESS.
PackageState derivePackageState(const std::vector<PermitStatus>& permits, bool withdrawn);

}  // namespace hub::core
