#pragma once

// Lets Boost.Test print the core's enums in failure messages.

#include <optional>
#include <ostream>

#include "core/circuit_breaker.h"
#include "core/permit_lifecycle.h"
#include "core/states.h"

namespace hub::core {
inline std::ostream& operator<<(std::ostream& out, PermitState state) { return out << toString(state); }
inline std::ostream& operator<<(std::ostream& out, PackageState state) { return out << toString(state); }
inline std::ostream& operator<<(std::ostream& out, PermitEvent event) { return out << toString(event); }
inline std::ostream& operator<<(std::ostream& out, BreakerState state) { return out << toString(state); }
template <typename T>
std::ostream& operator<<(std::ostream& out, const std::optional<T>& value) {
    return value ? out << *value : out << "nullopt";
}
}  // namespace hub::core
