#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "core/clock.h"

namespace hub::tracking {

// Runs a task now and then every `intervalMs` on its own thread until
// stopped. The task must not throw (catch and log inside it). Not copyable;
// start() and stop() from one thread.
class Periodic {
  public:
    Periodic() = default;
    ~Periodic() { stop(); }
    Periodic(const Periodic&) = delete;
    Periodic& operator=(const Periodic&) = delete;

    void start(core::EpochMillis intervalMs, std::function<void()> task) {
        stop();
        {
            std::lock_guard lock(mutex_);
            stopping_ = false;
        }
        thread_ = std::thread([this, intervalMs, task = std::move(task)] {
            for (;;) {
                task();
                std::unique_lock lock(mutex_);
                if (wake_.wait_for(lock, std::chrono::milliseconds(intervalMs), [this] { return stopping_; })) return;
            }
        });
    }

    void stop() {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        wake_.notify_all();
        if (thread_.joinable()) thread_.join();
    }

  private:
    std::thread thread_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
};

}  // namespace hub::tracking
