#include "deptsim/fault_injector.h"

namespace deptsim {
namespace {

std::uint64_t splitMix(std::uint64_t x) {
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

std::uint64_t hashOf(const std::string& text) {
    std::uint64_t hash = 1469598103934665603ULL;
    for (unsigned char c : text) hash = (hash ^ c) * 1099511628211ULL;
    return hash;
}

}  // namespace

std::string_view toString(Fault fault) {
    switch (fault) {
        case Fault::None: return "none";
        case Fault::Error: return "error";
        case Fault::Timeout: return "timeout";
        case Fault::Malformed: return "malformed";
    }
    return "none";
}

FaultInjector::FaultInjector(const SimConfig& config, std::uint64_t seed) : seed_(seed) {
    for (const auto& department : config.departments) initial_[department.code] = department.faults;
    settings_ = initial_;
}

FaultInjector::Draw FaultInjector::draw(const std::string& department) {
    std::lock_guard lock(mutex_);
    const FaultSettings faults = settings_[department];
    const std::uint64_t ordinal = ordinals_[department]++;
    const std::uint64_t bits = splitMix(seed_ ^ splitMix(hashOf(department) + ordinal));
    const double u = static_cast<double>(bits >> 11) / static_cast<double>(1ULL << 53);
    Draw draw;
    if (u < faults.errorRate) {
        draw.fault = Fault::Error;
        draw.errorStatus = (bits & 1) ? 503 : 500;
    } else if (u < faults.errorRate + faults.timeoutRate) {
        draw.fault = Fault::Timeout;
        draw.holdMs = faults.holdMs;
    } else if (u < faults.errorRate + faults.timeoutRate + faults.malformedRate) {
        draw.fault = Fault::Malformed;
    }
    return draw;
}

FaultSettings FaultInjector::settings(const std::string& department) const {
    std::lock_guard lock(mutex_);
    auto it = settings_.find(department);
    return it == settings_.end() ? FaultSettings{} : it->second;
}

void FaultInjector::update(const std::string& department, const FaultOverride& change) {
    std::lock_guard lock(mutex_);
    change.applyTo(settings_[department]);
}

void FaultInjector::reset() {
    std::lock_guard lock(mutex_);
    settings_ = initial_;
    ordinals_.clear();
}

std::map<std::string, FaultSettings> FaultInjector::snapshot() const {
    std::lock_guard lock(mutex_);
    return {settings_.begin(), settings_.end()};
}

}  // namespace deptsim
