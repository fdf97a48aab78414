#pragma once

#include <functional>
#include <memory>
#include <string>

#include "deptsim/scheduler.h"
#include "deptsim/sim_config.h"
#include "transport/http_transport.h"

namespace deptsim {

// One result message to POST to the hub.
struct Callback {
    std::string department;
    std::string url;
    std::string messageId;  // unique per callback; the hub de-duplicates on it
    std::string body;
    std::string contentType;
    std::string secret;
    std::string label;      // for logs: "<receipt> <status>"
};

// Delivers callbacks signed like the hub signs its calls (X-Hub-Timestamp,
// X-Hub-Signature over "<ts>.<body>", X-Hub-Message-Id), retrying connection
// failures, timeouts, 408, 429 and 5xx with exponential backoff up to
// maxAttempts; other answers are final. Thread-safe.
class CallbackDeliverer {
  public:
    // `done(delivered)` runs once, on a scheduler thread, after the last attempt.
    using Done = std::function<void(bool delivered)>;

    // Callbacks to https:// URLs are verified with `tls` (its certificate,
    // when set, is presented to the hub). Throws TlsSetupError for unusable files.
    CallbackDeliverer(Scheduler& scheduler, DeliverySettings settings, const hub::transport::ClientTlsSettings& tls = {});
    void deliver(Callback callback, Done done);

  private:
    void attempt(std::shared_ptr<const Callback> callback, int number, Done done);

    Scheduler& scheduler_;
    DeliverySettings settings_;
    hub::transport::HttpTransport transport_;
};

}  // namespace deptsim
