#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "deptsim/sim_config.h"

namespace deptsim {

enum class Fault { None, Error, Timeout, Malformed };
std::string_view toString(Fault fault);

// The fault knobs of every department and the deterministic draw that picks
// a fault for each incoming message: the n-th message of a department gets
// the same draw for the same seed, whatever the timing. Thread-safe.
class FaultInjector {
  public:
    FaultInjector(const SimConfig& config, std::uint64_t seed);

    struct Draw {
        Fault fault = Fault::None;
        int holdMs = 0;      // Timeout only
        int errorStatus = 0; // Error only: 500 or 503
    };
    Draw draw(const std::string& department);

    FaultSettings settings(const std::string& department) const;
    void update(const std::string& department, const FaultOverride& change);
    void reset();
    std::map<std::string, FaultSettings> snapshot() const;

  private:
    mutable std::mutex mutex_;
    std::uint64_t seed_;
    std::map<std::string, FaultSettings, std::less<>> initial_;
    std::map<std::string, FaultSettings, std::less<>> settings_;
    std::map<std::string, std::uint64_t, std::less<>> ordinals_;
};

}  // namespace deptsim
