#include "deptsim/scheduler.h"

#include <chrono>
#include <iostream>

#include "deptsim/sim_time.h"

namespace deptsim {

Scheduler::Scheduler(int threads) {
    for (int i = 0; i < threads; ++i) workers_.emplace_back([this] { run(); });
}

Scheduler::~Scheduler() { stop(); }

void Scheduler::at(hub::core::EpochMillis dueAt, std::function<void()> job) {
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        jobs_.push(Job{dueAt, nextSequence_++, std::move(job)});
    }
    wake_.notify_all();
}

void Scheduler::after(int delayMs, std::function<void()> job) { at(nowMillis() + delayMs, std::move(job)); }

void Scheduler::stop() {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ && workers_.empty()) return;
        stopping_ = true;
        jobs_ = {};
    }
    wake_.notify_all();
    for (auto& worker : workers_)
        if (worker.joinable()) worker.join();
    workers_.clear();
}

void Scheduler::run() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        if (jobs_.empty()) {
            wake_.wait(lock);
            continue;
        }
        const auto now = nowMillis();
        if (jobs_.top().dueAt > now) {
            wake_.wait_for(lock, std::chrono::milliseconds(jobs_.top().dueAt - now));
            continue;
        }
        auto work = std::move(const_cast<Job&>(jobs_.top()).work);
        jobs_.pop();
        lock.unlock();
        try {
            work();
        } catch (const std::exception& error) {
            std::cerr << "deptsim: scheduled job failed: " << error.what() << std::endl;
        }
        lock.lock();
    }
}

}  // namespace deptsim
