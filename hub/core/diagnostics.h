#pragma once

#include <string>
#include <vector>

namespace hub::core {

// Where in the submitted document a finding points: an XPath-like element path
// (e.g. "/ApplicationPackage/Company/LegalRepresentative/ResidentId") and the
// 1-based source line (0 when unknown).
struct Location {
    std::string path;
    int line = 0;
};

// One validation finding. `code` is stable and documented in docs/api.md;
// clients may switch on it. `message` is human-readable English.
struct ValidationError {
    std::string code;
    std::string message;
    Location location;
};

using ValidationErrors = std::vector<ValidationError>;

}  // namespace hub::core
