#pragma once

#include <cstdint>
#include <string>

namespace hub::core {

// Milliseconds since the Unix epoch, UTC.
using EpochMillis = std::int64_t;

// Injected wherever time matters, so tests control it. Implementations must be
// thread-safe.
class Clock {
  public:
    virtual ~Clock() = default;
    virtual EpochMillis now() const = 0;
};

// Calendar date of an instant in China Standard Time (UTC+8, no DST), as
// YYYYMMDD; the licensing rules count days in local time.
int chinaDateOf(EpochMillis instant);

// RFC 3339 UTC text with milliseconds, e.g. "2026-11-27T03:27:18.123Z".
std::string formatRfc3339(EpochMillis instant);

// Source of unique identifiers. Implementations must be thread-safe.
class IdSource {
  public:
    virtual ~IdSource() = default;
    // A new package id: "PKG-" + 26 Crockford base32 characters (ULID), so ids
    // sort by creation time.
    virtual std::string packageId(EpochMillis now) = 0;
    // A new message id for one logical outbound call (UUID v4 text).
    virtual std::string messageId() = 0;
};

}  // namespace hub::core
