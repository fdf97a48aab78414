#pragma once

#include <string>

#include "core/diagnostics.h"

namespace hub::service {

// What went wrong, independent of the transport. httpStatusOf() is the one
// table that maps each kind to an HTTP status.
enum class ErrorKind {
    BadRequest,             // 400: malformed XML, forbidden construct, bad parameter
    Unauthenticated,        // 401: no or bad bearer token
    Forbidden,              // 403: authenticated, but this role may not do it
    NotFound,               // 404: unknown resource, or another company's
    MethodNotAllowed,       // 405
    Conflict,               // 409: the same Idempotency-Key is still being processed
    PayloadTooLarge,        // 413
    UnsupportedMediaType,   // 415
    Unprocessable,          // 422: schema or semantic errors; Idempotency-Key reused
    TooManyRequests,        // 429: the token's rate limit
    Unavailable,            // 503: store unreachable
    Internal,               // 500: a defect; details only in the log
};

int httpStatusOf(ErrorKind kind);

// A failure as the client sees it (RFC 9457 problem details plus the error
// list). `errors` may be empty. Internal details never go in here.
struct Problem {
    ErrorKind kind = ErrorKind::Internal;
    std::string title;   // short, stable per kind of problem
    std::string detail;  // this occurrence
    core::ValidationErrors errors;
};

Problem problem(ErrorKind kind, std::string title, std::string detail = {},
                core::ValidationErrors errors = {});

}  // namespace hub::service
