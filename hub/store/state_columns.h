#pragma once

#include <string>

#include "core/states.h"
#include "store/store.h"

namespace hub::store {

// How both backends keep states in the database: by their public names.
// Reading back a name the build does not know is a StoreError naming the
// backend (a newer hub wrote it, or the row was edited by hand).

inline core::PermitState permitStateOf(const std::string& name, const char* backend) {
    auto state = core::parsePermitState(name);
    if (!state) throw StoreError(std::string(backend) + ": unknown permit state \"" + name + "\" in the database");
    return *state;
}

inline core::PackageState packageStateOf(const std::string& name, const char* backend) {
    auto state = core::parsePackageState(name);
    if (!state) throw StoreError(std::string(backend) + ": unknown package state \"" + name + "\" in the database");
    return *state;
}

inline std::string textOf(core::PermitState state) { return std::string(core::toString(state)); }
inline std::string textOf(core::PackageState state) { return std::string(core::toString(state)); }

}  // namespace hub::store
