#pragma once

#include <string>

#include "transport/transport.h"

namespace hub::transport {

// HTTP(S) POST of one message with the hub's headers: X-Hub-Message-Id and
// Idempotency-Key (the message id), X-Hub-Package-Id, X-Hub-Timestamp and
// X-Hub-Signature, and
// SOAPAction when the message has one. Connection reuse is not attempted:
// every call opens its own session, so the transport holds no shared state.
class HttpTransport final : public Transport {
  public:
    // `contentType` replaces the message's content type when not empty
    // (SOAP 1.1 requires text/xml).
    explicit HttpTransport(std::string contentType = {});
    TransportResult send(const Endpoint& endpoint, const OutboundMessage& message, core::EpochMillis now) override;

  private:
    std::string contentType_;
};

}  // namespace hub::transport
