#include "core/calls_in_flight.h"

namespace hub::core {

CallsInFlight::Call::Call(Call&& other) noexcept
    : owner_(other.owner_), department_(std::move(other.department_)) {
    other.owner_ = nullptr;
}

CallsInFlight::Call::~Call() {
    if (owner_ != nullptr) owner_->end(department_);
}

CallsInFlight::Call CallsInFlight::begin(const std::string& department) {
    std::lock_guard lock(mutex_);
    ++departments_[department].inFlight;
    return Call(this, department);
}

void CallsInFlight::end(const std::string& department) noexcept {
    {
        std::lock_guard lock(mutex_);
        auto& entry = departments_[department];
        --entry.inFlight;
        ++entry.ended;
    }
    changed_.notify_all();
}

int CallsInFlight::inFlight(const std::string& department) const {
    std::lock_guard lock(mutex_);
    auto it = departments_.find(department);
    return it == departments_.end() ? 0 : it->second.inFlight;
}

bool CallsInFlight::waitForOneToEnd(const std::string& department, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mutex_);
    auto it = departments_.find(department);
    if (it == departments_.end() || it->second.inFlight == 0) return false;
    const Department& entry = it->second;  // map nodes stay put
    const std::uint64_t endedBefore = entry.ended;
    return changed_.wait_for(lock, timeout, [&] { return entry.ended != endedBefore; });
}

}  // namespace hub::core
