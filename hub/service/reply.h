#pragma once

#include <string>

#include "service/problem.h"

namespace hub::service {

// A finished answer to one API call: HTTP status, media type and a JSON body.
// The HTTP edge sends it as is, or converted to XML when the client asks.
// Replies are what the idempotency store keeps and replays, so they are plain
// data.
struct Reply {
    int status = 200;
    std::string mediaType = "application/json";  // or "application/problem+json"
    std::string location;                        // Location header, empty when none
    std::string json;                            // the body
    bool replayed = false;                       // answered from an earlier identical request
    int retryAfterSeconds = 0;                   // Retry-After header when > 0 (not kept for replays)
};

// The RFC 9457 body for a problem, as a Reply with application/problem+json:
// {"type", "title", "status", "detail", "errors": [{"code","message","location":{"path","line"}}]}
Reply problemReply(const Problem& problem);

}  // namespace hub::service
