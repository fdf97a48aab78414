#include "service/reply.h"

#include <sstream>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

namespace hub::service {
namespace {

std::string typeOf(ErrorKind kind) {
    switch (kind) {
        case ErrorKind::BadRequest: return "bad-request";
        case ErrorKind::Unauthenticated: return "unauthenticated";
        case ErrorKind::Forbidden: return "forbidden";
        case ErrorKind::NotFound: return "not-found";
        case ErrorKind::MethodNotAllowed: return "method-not-allowed";
        case ErrorKind::Conflict: return "conflict";
        case ErrorKind::PayloadTooLarge: return "payload-too-large";
        case ErrorKind::UnsupportedMediaType: return "unsupported-media-type";
        case ErrorKind::Unprocessable: return "unprocessable";
        case ErrorKind::Unavailable: return "unavailable";
        case ErrorKind::Internal: return "internal";
    }
    return "internal";
}

}  // namespace

Reply problemReply(const Problem& problem) {
    Poco::JSON::Object body(Poco::JSON_PRESERVE_KEY_ORDER);
    body.set("type", "urn:licensing-hub:problem:" + typeOf(problem.kind));
    body.set("title", problem.title);
    body.set("status", httpStatusOf(problem.kind));
    if (!problem.detail.empty()) body.set("detail", problem.detail);
    Poco::JSON::Array errors;
    for (const auto& error : problem.errors) {
        Poco::JSON::Object item(Poco::JSON_PRESERVE_KEY_ORDER);
        item.set("code", error.code);
        item.set("message", error.message);
        Poco::JSON::Object location(Poco::JSON_PRESERVE_KEY_ORDER);
        location.set("path", error.location.path);
        if (error.location.line > 0) location.set("line", error.location.line);
        item.set("location", location);
        errors.add(item);
    }
    body.set("errors", errors);
    std::ostringstream out;
    body.stringify(out);
    return Reply{httpStatusOf(problem.kind), "application/problem+json", {}, out.str(), false};
}

}  // namespace hub::service
