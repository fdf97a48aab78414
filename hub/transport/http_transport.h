#pragma once

#include <string>

#include <Poco/Net/Context.h>

#include "transport/tls_settings.h"
#include "transport/transport.h"

namespace hub::transport {

// HTTP(S) POST of one message with the hub's headers: X-Hub-Message-Id and
// Idempotency-Key (the message id), X-Hub-Package-Id, X-Hub-Timestamp and
// X-Hub-Signature, and
// SOAPAction when the message has one. Connection reuse is not attempted:
// every call opens its own session; the only shared state is the immutable
// TLS context.
//
// https:// endpoints are verified with `tls` (see tls_context.h): the
// server's certificate against tls.caFile or the system CA store, its name
// against the URL's host unless tls.verifyHost is false, and the client
// certificate in `tls` presented when set. A TLS failure (verification,
// handshake, a peer refusing our certificate) is Failure::TlsFailed.
class HttpTransport final : public Transport {
  public:
    // `contentType` replaces the message's content type when not empty
    // (SOAP 1.1 requires text/xml). Throws TlsSetupError when `tls` names
    // unusable files.
    explicit HttpTransport(std::string contentType = {}, const ClientTlsSettings& tls = {});
    TransportResult send(const Endpoint& endpoint, const OutboundMessage& message, core::EpochMillis now) override;

  private:
    std::string contentType_;
    Poco::Net::Context::Ptr tlsContext_;
};

}  // namespace hub::transport
