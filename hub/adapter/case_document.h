#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "adapter/department_event.h"
#include "core/clock.h"
#include "xml/document.h"

namespace hub::adapter {

inline constexpr std::string_view kCaseNamespaceV1 = "urn:licensing-hub:case:v1";

// A certificate issued earlier for the same package (GB/T 36901 style).
struct IssuedCertificate {
    std::string permit;      // "P01"
    std::string department;  // "SAMR"
    std::string number;
    std::string issuedOn;    // YYYY-MM-DD
    std::optional<std::string> validUntil;
    // (output name, value) in the order written; a multi-valued output repeats its name.
    std::vector<std::pair<std::string, std::string>> outputs;
};

// Everything one logical outbound call needs (see schemas/case/v1/case.xsd).
struct CaseInput {
    std::string packageId;
    std::string messageId;     // stable across retries of the call
    std::string callKind;      // "SUBMIT", "CORRECTION", "CANCEL", "STATUS_QUERY"
    std::string permit;
    std::string department;
    std::optional<int> vessel; // 1-based position in the package's Vessels
    core::EpochMillis sentAt = 0;  // written with second precision (milliseconds dropped)
    std::string senderId;
    std::string callbackUrl;
    std::optional<std::string> receiptNumber;
    std::vector<IssuedCertificate> issued;  // prerequisites first
    // The applicant's answer to a correction notice: a well-formed XML
    // document whose root element's content (elements and text) becomes the
    // content of Case/Supplement.
    std::optional<std::string> supplementXml;
    // The stored application package, embedded as its element tree.
    std::string packageXml;
};

// The stored package or supplement bytes could not be parsed: they were
// validated when received, so this is a storage or programming failure.
class CaseDocumentError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Builds the case document, the input of every department stylesheet. Pure:
// no clock, no I/O. The package and the supplement are parsed with the safe
// parser. Throws CaseDocumentError when either does not parse. The result is
// valid against case.xsd whenever the inputs meet that schema's formats
// (the renderer's callers validate it in tests, not on every call).
xml::Document buildCaseDocument(const CaseInput& input);

}  // namespace hub::adapter
