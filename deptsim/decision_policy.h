#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "deptsim/sim_config.h"

namespace deptsim {

// How each department decides, per department and optionally per permit;
// starts from the configuration and changes at run time. Thread-safe.
class DecisionPolicy {
  public:
    explicit DecisionPolicy(const SimConfig& config);

    PolicySettings lookup(const std::string& department, const std::string& permit) const;
    // Applies `change` to the department (permit empty) or to one permit.
    void update(const std::string& department, const std::string& permit, const PolicyOverride& change);
    void reset();

    struct Snapshot {
        PolicySettings department;
        std::map<std::string, PolicySettings> permits;  // the effective policy of every overridden permit
    };
    std::map<std::string, Snapshot> snapshot() const;

  private:
    struct Entry {
        PolicySettings policy;
        std::map<std::string, PolicyOverride, std::less<>> permits;
    };
    static std::map<std::string, Entry, std::less<>> fromConfig(const SimConfig& config);

    mutable std::mutex mutex_;
    std::map<std::string, Entry, std::less<>> initial_;
    std::map<std::string, Entry, std::less<>> entries_;
};

}  // namespace deptsim
