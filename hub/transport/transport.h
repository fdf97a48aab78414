#pragma once

#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/clock.h"
#include "transport/tls_settings.h"

namespace hub::transport {

// A rendered, schema-valid message ready to go on the wire.
struct OutboundMessage {
    std::string messageId;     // stable across retries of one logical call; also sent as Idempotency-Key
    std::string body;
    std::string contentType = "application/xml; charset=utf-8";
    std::string soapAction;    // SOAP 1.1 only
    std::string packageId;     // sent as X-Hub-Package-Id so a department can tell packages apart
};

// Where and how to send, from the department's configuration.
struct Endpoint {
    std::string url;           // http://host:port/path
    int timeoutMs = 5000;      // connect, send and receive, each
    std::string secret;        // HMAC secret for the signature header
};

// What happened on the wire. Transport failures are values: the dispatcher
// classifies them (core/delivery_outcome.h), nothing here decides retry.
struct TransportResult {
    enum class Failure { None, ConnectionFailed, Timeout, TlsFailed, InvalidEndpoint };
    Failure failure = Failure::None;
    int httpStatus = 0;                          // 0 unless an HTTP answer arrived
    std::map<std::string, std::string> headers;  // names lower-cased
    std::string body;
    std::string error;                           // short description of a failure
    int latencyMs = 0;
};

std::string_view toString(TransportResult::Failure failure);

// Sends one message and waits for the department's immediate answer.
// Implementations are thread-safe (no state shared between calls).
class Transport {
  public:
    virtual ~Transport() = default;
    virtual TransportResult send(const Endpoint& endpoint, const OutboundMessage& message, core::EpochMillis now) = 0;
};

class TransportError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// What one department's (or the notifications') transport is made with.
struct TransportOptions {
    ClientTlsSettings tls;  // for https:// endpoints
};

// Transport kinds registered by name at start-up (main calls
// registerStandardTransports). Not thread-safe while being filled.
class TransportRegistry {
  public:
    using Factory = std::function<std::unique_ptr<Transport>(const TransportOptions&)>;
    // Throws TransportError on a duplicate name.
    void add(const std::string& kind, Factory factory);
    // A kind that takes no options (a test double, a transport without TLS).
    void add(const std::string& kind, std::function<std::unique_ptr<Transport>()> factory);
    // Throws TransportError naming the known kinds when `kind` is unknown,
    // and what the factory throws (TlsSetupError for unusable TLS files).
    std::unique_ptr<Transport> create(const std::string& kind, const TransportOptions& options = {}) const;
    bool contains(const std::string& kind) const { return factories_.count(kind) != 0; }
    std::vector<std::string> kinds() const;

  private:
    std::map<std::string, Factory> factories_;
};

// Registers the four standard kinds: "rest-xml" (an XML document POSTed as
// is), "soap11" (text/xml with a SOAPAction header), "epc" (ISO 28005-style
// EPCMessage envelope) and "customs" (Package/Head/Body envelope). The
// envelopes themselves are made by the adapter's envelope stylesheets; the
// kinds differ on the wire only in their headers.
void registerStandardTransports(TransportRegistry& registry);

}  // namespace hub::transport
