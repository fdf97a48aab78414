#pragma once

#include <optional>
#include <string_view>

#include "core/clock.h"

namespace hub::core {

// What the transport and the department adapter saw of one delivery attempt,
// independent of any HTTP library.
struct AttemptObservation {
    enum class Transport { Ok, ConnectionFailed, Timeout, TlsFailed };

    Transport transport = Transport::Ok;
    int httpStatus = 0;           // meaningful only when transport is Ok
    bool responseValid = false;   // body parsed and valid against the department's schema
    bool hasReceipt = false;      // the department returned a receipt number
    bool hasDecision = false;     // the department decided synchronously
    std::optional<EpochMillis> retryAfterMs;  // from Retry-After, see parseRetryAfter
    // A 2xx body that could not be read at all (not well-formed, cut short):
    // the department may have processed the call, and asking again with the
    // same message id gets its stored answer, so it is retried. A readable
    // body in the wrong shape (schema, unknown status) is not.
    bool responseMalformed = false;
};

enum class DeliveryClass {
    Acknowledged,  // accepted for processing, receipt known; the decision comes later
    Decided,       // the department decided within the call
    Retryable,     // try again later (RetryPolicy)
    Permanent,     // retrying cannot help; becomes an incident for a human
};

// "ACKNOWLEDGED", "DECIDED", "RETRYABLE", "PERMANENT".
std::string_view toString(DeliveryClass deliveryClass);

struct DeliveryOutcome {
    DeliveryClass deliveryClass = DeliveryClass::Permanent;
    // A stable lower-case code for logs and incidents, e.g. "http-5xx",
    // "timeout", "invalid-response" (see classifyAttempt). Static storage.
    std::string_view reason;
    // The server's Retry-After, carried only on Retryable outcomes that had an
    // HTTP response.
    std::optional<EpochMillis> retryAfterMs;
};

// The canonical classification, first rule that applies:
//   ConnectionFailed -> Retryable "connection-failed"; Timeout -> Retryable
//   "timeout"; TlsFailed -> Permanent "tls-failed" (a misconfiguration: a
//   certificate or protocol problem does not heal by waiting);
//   408 -> Retryable "http-408"; 429 -> Retryable "http-429";
//   5xx -> Retryable "http-5xx"; other 4xx -> Permanent "http-4xx";
//   3xx -> Permanent "http-3xx" (departments are configured with their final
//   endpoint; a redirect is a configuration error);
//   2xx and not responseValid -> Permanent "invalid-response" (the department
//   speaks garbage: a human must look);
//   2xx valid with a decision -> Decided "decided" (also when a receipt came
//   with it); 2xx valid with a receipt -> Acknowledged "acknowledged";
//   2xx valid with neither -> Permanent "no-receipt-or-decision";
//   any other status (1xx, <100, >599) -> Permanent "http-status-unknown".
DeliveryOutcome classifyAttempt(const AttemptObservation& observation);

// Parses an HTTP Retry-After value (RFC 9110 §10.2.3): delta-seconds or an
// IMF-fixdate such as "Sun, 06 Nov 1994 08:49:37 GMT" (the obsolete RFC 850
// and asctime forms are not accepted). Surrounding spaces and tabs are
// ignored. Returns the wait in milliseconds from `now`, clamped into
// [0, kMaxHonouredRetryAfterMs] from retry_policy.h: a past date is 0, a huge
// number of seconds is the ceiling, never an overflow. Returns nullopt when
// the value is malformed (empty, signed, fractional, an impossible date,
// trailing text). The weekday name must be one of the seven but is not
// checked against the date.
std::optional<EpochMillis> parseRetryAfter(std::string_view headerValue, EpochMillis now);

}  // namespace hub::core
