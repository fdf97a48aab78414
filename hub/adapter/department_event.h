#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hub::adapter {

// What a department said about a permit, in the hub's words. A department's
// own status words are mapped onto these by its configuration (outcomeMap).
enum class Outcome {
    Acknowledged,        // the call was received (receipt number), no decision yet
    Accepted,            // 受理: the statutory clock starts
    CorrectionRequired,  // 补正: one notice listing everything
    UnderReview,
    Suspended,           // special procedure, clock paused
    Resumed,
    Issued,              // certificate data carried in the event
    Rejected,            // 不予许可, terminal
    NotAccepted,         // 不予受理, terminal
};

// The configuration words: "ACKNOWLEDGED", "ACCEPTED", "CORRECTION_REQUIRED",
// "UNDER_REVIEW", "SUSPENDED", "RESUMED", "ISSUED", "REJECTED", "NOT_ACCEPTED".
std::string_view toString(Outcome outcome);
std::optional<Outcome> outcomeFromString(std::string_view word);

// Values of catalogue outputs by output name ("mmsi", "surveyCertificateNumbers"…);
// a multi-valued output has several values, in document order.
using OutputValues = std::map<std::string, std::vector<std::string>, std::less<>>;

// One department message (synchronous answer, callback or poll result) in
// canonical form. Every text is trimmed with inner whitespace collapsed; a
// field the message does not carry is empty.
struct DepartmentEvent {
    Outcome outcome = Outcome::Acknowledged;
    std::string departmentWord;     // the department's own status word, as mapped
    std::string receiptNumber;
    std::string messageId;          // the department's echo of the hub's message id, or its own
    std::string permit;             // "P06" when the message names it
    std::vector<std::string> reasons;
    std::string certificateNumber;  // Issued only
    std::string issuedOn;           // YYYY-MM-DD, Issued only
    std::string validUntil;
    int extensionDays = 0;          // an approved extension of the decision time (0: none)
    OutputValues outputs;           // only outputs the message carries
};

}  // namespace hub::adapter
