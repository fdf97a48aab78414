#include "store/mysql/save_groups.h"

namespace hub::store::mysql {

KeyedOutcome SaveGroups::save(const NewPackage& package, const KeyedAnswer* answer, const Writer& write) {
    Save mine{&package, answer, {}, nullptr};
    bool done = false;
    std::unique_lock lock(mutex_);
    queue_.push_back({&mine, &done});
    while (!done) {
        if (writing_ >= writers_ || queue_.empty()) {
            written_.wait(lock);
            continue;
        }
        // Write the oldest queued saves, whoever's they are.
        std::vector<Save*> group;
        std::vector<bool*> flags;
        while (!queue_.empty() && group.size() < groupSize_) {
            group.push_back(queue_.front().save);
            flags.push_back(queue_.front().done);
            queue_.pop_front();
        }
        ++writing_;
        lock.unlock();
        try {
            write(group);
        } catch (...) {
            const std::exception_ptr error = std::current_exception();
            for (Save* save : group) save->error = error;
        }
        lock.lock();
        --writing_;
        for (bool* flag : flags) *flag = true;
        written_.notify_all();
    }
    lock.unlock();
    if (mine.error) std::rethrow_exception(mine.error);
    return mine.outcome;
}

}  // namespace hub::store::mysql
