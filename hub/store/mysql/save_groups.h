#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <vector>

#include "store/store.h"

namespace hub::store::mysql {

// Group commit for package saves: concurrent callers of save() queue their
// package, and at most `writers` of them at a time, each taking up to
// `groupSize` queued saves (its own or others'), write a group in one go. A
// caller that finds a writer's place free writes at once, so a save that has
// the database to itself waits for nobody; under load each transaction and
// its commit serve several packages. Thread-safe.
class SaveGroups {
  public:
    struct Save {
        const NewPackage* package = nullptr;
        const KeyedAnswer* answer = nullptr;  // nullptr: no Idempotency-Key
        KeyedOutcome outcome;                 // set by the writer…
        std::exception_ptr error;             // …or this
    };
    // Writes the group: sets every Save's outcome or error. What it throws
    // becomes the error of every Save of the group.
    using Writer = std::function<void(const std::vector<Save*>& group)>;

    SaveGroups(std::size_t groupSize, int writers) : groupSize_(groupSize), writers_(writers) {}
    SaveGroups(const SaveGroups&) = delete;
    SaveGroups& operator=(const SaveGroups&) = delete;

    // Returns once `save` was written (by this thread or another); rethrows
    // its error.
    KeyedOutcome save(const NewPackage& package, const KeyedAnswer* answer, const Writer& write);

  private:
    struct Queued {
        Save* save;
        bool* done;
    };

    const std::size_t groupSize_;
    const int writers_;
    std::mutex mutex_;
    std::condition_variable written_;
    std::deque<Queued> queue_;
    int writing_ = 0;
};

}  // namespace hub::store::mysql
