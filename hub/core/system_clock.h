#pragma once

#include <memory>

#include "core/clock.h"

namespace hub::core {

// The wall clock. Thread-safe.
class SystemClock final : public Clock {
  public:
    EpochMillis now() const override;
};

// ULID package ids and UUID v4 message ids from a cryptographically seeded
// generator. Thread-safe (internally locked); ids are unique within a
// process and, by their 80 random bits, across processes.
std::unique_ptr<IdSource> makeRandomIdSource();

}  // namespace hub::core
