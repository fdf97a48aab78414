#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <queue>
#include <thread>
#include <vector>

#include "core/clock.h"

namespace deptsim {

// Runs jobs at (or after) a due time on a few worker threads. Jobs due at the
// same time run in the order they were scheduled when there is one worker.
// A job must not throw (an escaping exception is logged and dropped).
// Thread-safe; stop() (or the destructor) drops jobs not yet started.
class Scheduler {
  public:
    explicit Scheduler(int threads);
    ~Scheduler();
    Scheduler(const Scheduler&) = delete;
    Scheduler& operator=(const Scheduler&) = delete;

    void at(hub::core::EpochMillis dueAt, std::function<void()> job);
    void after(int delayMs, std::function<void()> job);
    void stop();

  private:
    struct Job {
        hub::core::EpochMillis dueAt;
        std::uint64_t sequence;
        std::function<void()> work;
        bool operator>(const Job& other) const {
            return dueAt != other.dueAt ? dueAt > other.dueAt : sequence > other.sequence;
        }
    };
    void run();

    std::mutex mutex_;
    std::condition_variable wake_;
    std::priority_queue<Job, std::vector<Job>, std::greater<Job>> jobs_;
    std::uint64_t nextSequence_ = 0;
    bool stopping_ = false;
    std::vector<std::thread> workers_;
};

}  // namespace deptsim
