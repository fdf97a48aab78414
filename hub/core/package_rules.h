#pragma once

#include <set>
#include <string>
#include <vector>

#include "core/catalogue.h"
#include "core/diagnostics.h"
#include "core/package.h"

namespace hub::core {

struct IntakePolicy {
    // When a requested permit's prerequisite is not requested: add it (and
    // report it in IntakeAssessment::addedPermits) or refuse the package with
    // PERMIT_PREREQUISITE_MISSING.
    bool addMissingPrerequisites = true;
    // Genuine early USCCs that fail the check character.
    std::set<std::string, std::less<>> usccAllowList;
};

struct IntakeAssessment {
    ValidationErrors errors;               // all semantic errors found, in document order
    std::vector<std::string> permits;      // requested + added, topological order
    std::vector<std::string> addedPermits; // prerequisites the hub added
    bool accepted() const { return errors.empty(); }
};

// The semantic rules a schema-valid package must pass. Never throws on bad
// input; every problem becomes a ValidationError. Checks: identifiers and check
// digits (USCC, IMO ship and company numbers, resident IDs with real dates,
// CN ship ids, division codes), shareholders' contributions add up to the
// registered capital, attachment ids unique, attachment content is valid
// base64 whose SHA-256 matches the declared digest, requested permits exist
// and are not repeated, closure under prerequisites, every permit's required
// attachment kinds present, at least one vessel when a ship permit is asked.
// `todayYyyymmdd` comes from the injected clock.
IntakeAssessment assessPackage(const ApplicationPackage& package, const Catalogue& catalogue,
                               const IntakePolicy& policy, int todayYyyymmdd);

}  // namespace hub::core
