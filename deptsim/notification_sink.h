#pragma once

#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "core/clock.h"

namespace deptsim {

// The environment variable holding the hub's notification secret, and the
// development secret used when it is unset (the hub falls back to the same).
inline constexpr const char* kNotifySecretEnv = "HUB_NOTIFY_SECRET";
inline constexpr const char* kDevelopmentNotifySecret = "dev-secret-notify";

// The value of HUB_NOTIFY_SECRET, else the development secret with one
// warning log line.
std::string notificationSecretFromEnvironment();

// One "ready to operate" notification as it arrived at the applicant's
// endpoint. `headers` names are lower case.
struct NotificationRequest {
    std::map<std::string, std::string> headers;
    std::string body;
};

struct ReceivedNotification {
    std::string messageId;
    std::string packageId;
    hub::core::EpochMillis receivedAt = 0;
    std::string body;  // a JSON object, as received
};

struct NotificationCounts {
    long received = 0;    // first deliveries, kept
    long duplicates = 0;  // a message id already kept
    long refused = 0;     // missing, malformed, stale or wrong signature (401)
    long invalid = 0;     // signed, but no message id or not a JSON object (400)
};

enum class NotificationOutcome { Accepted, Duplicate, Refused, Invalid };

struct NotificationVerdict {
    NotificationOutcome outcome = NotificationOutcome::Accepted;
    std::string reason;  // for Refused and Invalid
};

// The applicant's side of the hub's notifications: checks the signature,
// de-duplicates by X-Hub-Message-Id (else Idempotency-Key) and keeps the last
// `limit` accepted notifications, oldest first. A message id is recognised as
// a duplicate while its notification is kept. Thread-safe; never throws for
// a bad request.
class NotificationSink {
  public:
    NotificationSink(std::string secret, hub::core::EpochMillis maxSkewMs, std::size_t limit);

    NotificationVerdict receive(const NotificationRequest& request, hub::core::EpochMillis now);
    std::vector<ReceivedNotification> notifications() const;
    NotificationCounts counts() const;
    // Forgets notifications and counters.
    void clear();

  private:
    const std::string secret_;
    const hub::core::EpochMillis maxSkewMs_;
    const std::size_t limit_;
    mutable std::mutex mutex_;
    std::deque<ReceivedNotification> kept_;
    std::set<std::string, std::less<>> keptIds_;
    NotificationCounts counts_;
};

}  // namespace deptsim
