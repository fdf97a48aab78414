#include "store/store.h"

namespace hub::store {

std::optional<KeyedOutcome> outcomeOfTakenKey(const TakenKey& taken, const KeyedAnswer& answer,
                                              core::EpochMillis now) {
    const bool sameRequest = taken.requestSha256 == answer.requestSha256;
    if (taken.state == "DONE") {
        if (!sameRequest) return KeyedOutcome{KeyOutcome::Mismatch, std::nullopt};
        return KeyedOutcome{KeyOutcome::Replay, taken.response};
    }
    if (now - taken.claimedAt <= answer.staleAfterMs)
        return KeyedOutcome{sameRequest ? KeyOutcome::InProgress : KeyOutcome::Mismatch, std::nullopt};
    return std::nullopt;  // its owner never finished: taken over
}

}  // namespace hub::store
