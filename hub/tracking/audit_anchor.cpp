#include "tracking/audit_anchor.h"

#include <Poco/Logger.h>

namespace hub::tracking {
namespace {

Poco::Logger& log() { return Poco::Logger::get("hub.audit"); }

constexpr int kRound = 1000;

}  // namespace

AuditAnchor::AuditAnchor(store::Store& store, const core::Clock& clock, core::EpochMillis intervalMs)
    : store_(store), clock_(clock), intervalMs_(intervalMs) {}

int AuditAnchor::anchorOnce() {
    int total = 0;
    for (;;) {
        auto [anchored, global] = store_.anchorAuditChains(clock_.now(), kRound);
        total += anchored;
        if (anchored > 0)
            log().information("audit anchored %d chain(s); GLOBAL head seq=%?d hash=%s", anchored,
                              static_cast<std::int64_t>(global.seq), global.hash);
        if (anchored < kRound) return total;
    }
}

void AuditAnchor::start() {
    periodic_.start(intervalMs_, [this] {
        try {
            anchorOnce();
        } catch (const std::exception& error) {
            log().warning("audit anchoring skipped: %s", std::string(error.what()));
        }
    });
}

}  // namespace hub::tracking
