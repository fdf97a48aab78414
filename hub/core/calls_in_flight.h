#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace hub::core {

// The calls this process has sent to each department and not yet settled,
// so that a department's callback that overtakes the answer to the call it
// is about (the department decided at once and called back before the hub
// recorded the receipt) can wait for that answer to be settled here, instead
// of being refused and sent again. Thread-safe.
class CallsInFlight {
  public:
    // One call from before it is sent until its outcome is stored; ends on
    // destruction. Move-only; must not outlive the CallsInFlight.
    class Call {
      public:
        Call(Call&& other) noexcept;
        Call& operator=(Call&& other) = delete;
        Call(const Call&) = delete;
        Call& operator=(const Call&) = delete;
        ~Call();

      private:
        friend class CallsInFlight;
        Call(CallsInFlight* owner, std::string department) : owner_(owner), department_(std::move(department)) {}
        CallsInFlight* owner_;
        std::string department_;
    };

    Call begin(const std::string& department);

    // Calls to `department` in flight right now.
    int inFlight(const std::string& department) const;

    // Waits until one of the calls to `department` in flight now ends, for
    // at most `timeout`. False at once when none is in flight, and on timeout.
    bool waitForOneToEnd(const std::string& department, std::chrono::milliseconds timeout) const;

  private:
    struct Department {
        int inFlight = 0;
        std::uint64_t ended = 0;  // calls ended so far
    };
    void end(const std::string& department) noexcept;

    mutable std::mutex mutex_;
    mutable std::condition_variable changed_;
    std::map<std::string, Department, std::less<>> departments_;
};

}  // namespace hub::core
