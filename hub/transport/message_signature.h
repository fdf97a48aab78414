#pragma once

#include <string>
#include <string_view>

#include "core/clock.h"

namespace hub::transport {

// Every message between the hub and a department, either way, is signed with
// the department's shared secret: HMAC-SHA256 over "<timestamp>.<body>",
// where the timestamp is the sender's clock in epoch milliseconds.
inline constexpr std::string_view kTimestampHeader = "X-Hub-Timestamp";
inline constexpr std::string_view kSignatureHeader = "X-Hub-Signature";   // "sha256=<lower-case hex>"
inline constexpr std::string_view kMessageIdHeader = "X-Hub-Message-Id";
inline constexpr std::string_view kPackageIdHeader = "X-Hub-Package-Id";

// The value of the signature header for `body` sent at `timestamp`.
std::string signatureHeaderValue(const std::string& secret, core::EpochMillis timestamp, std::string_view body);

enum class SignatureCheck { Valid, Missing, Malformed, Stale, Mismatch };

// Checks a received message: the timestamp header must be within `maxSkewMs`
// of `now` (either direction) and the signature must match (compared in
// constant time). Never throws.
SignatureCheck verifySignature(const std::string& secret, std::string_view timestampHeader,
                               std::string_view signatureHeader, std::string_view body, core::EpochMillis now,
                               core::EpochMillis maxSkewMs);

std::string_view toString(SignatureCheck check);

}  // namespace hub::transport
