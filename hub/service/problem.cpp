#include "service/problem.h"

namespace hub::service {

int httpStatusOf(ErrorKind kind) {
    switch (kind) {
        case ErrorKind::BadRequest: return 400;
        case ErrorKind::Unauthenticated: return 401;
        case ErrorKind::Forbidden: return 403;
        case ErrorKind::NotFound: return 404;
        case ErrorKind::MethodNotAllowed: return 405;
        case ErrorKind::Conflict: return 409;
        case ErrorKind::PayloadTooLarge: return 413;
        case ErrorKind::UnsupportedMediaType: return 415;
        case ErrorKind::Unprocessable: return 422;
        case ErrorKind::TooManyRequests: return 429;
        case ErrorKind::Unavailable: return 503;
        case ErrorKind::Internal: return 500;
    }
    return 500;
}

Problem problem(ErrorKind kind, std::string title, std::string detail, core::ValidationErrors errors) {
    return Problem{kind, std::move(title), std::move(detail), std::move(errors)};
}

}  // namespace hub::service
