#include "deptsim/decision_policy.h"

namespace deptsim {

std::map<std::string, DecisionPolicy::Entry, std::less<>> DecisionPolicy::fromConfig(const SimConfig& config) {
    std::map<std::string, Entry, std::less<>> entries;
    for (const auto& department : config.departments)
        entries[department.code] = Entry{department.policy, department.permitPolicies};
    return entries;
}

DecisionPolicy::DecisionPolicy(const SimConfig& config) : initial_(fromConfig(config)), entries_(initial_) {}

PolicySettings DecisionPolicy::lookup(const std::string& department, const std::string& permit) const {
    std::lock_guard lock(mutex_);
    auto entry = entries_.find(department);
    if (entry == entries_.end()) return {};
    PolicySettings policy = entry->second.policy;
    if (auto permitEntry = entry->second.permits.find(permit); permitEntry != entry->second.permits.end())
        permitEntry->second.applyTo(policy);
    return policy;
}

void DecisionPolicy::update(const std::string& department, const std::string& permit, const PolicyOverride& change) {
    std::lock_guard lock(mutex_);
    auto& entry = entries_[department];
    if (permit.empty()) {
        change.applyTo(entry.policy);
        return;
    }
    auto& target = entry.permits[permit];
    if (change.decision) target.decision = change.decision;
    if (change.decisionDelayMs) target.decisionDelayMs = change.decisionDelayMs;
    if (change.onTheSpot) target.onTheSpot = change.onTheSpot;
    if (change.underReview) target.underReview = change.underReview;
}

void DecisionPolicy::reset() {
    std::lock_guard lock(mutex_);
    entries_ = initial_;
}

std::map<std::string, DecisionPolicy::Snapshot> DecisionPolicy::snapshot() const {
    std::lock_guard lock(mutex_);
    std::map<std::string, Snapshot> out;
    for (const auto& [code, entry] : entries_) {
        Snapshot snapshot{entry.policy, {}};
        for (const auto& [permit, change] : entry.permits) {
            PolicySettings effective = entry.policy;
            change.applyTo(effective);
            snapshot.permits[permit] = effective;
        }
        out[code] = std::move(snapshot);
    }
    return out;
}

}  // namespace deptsim
