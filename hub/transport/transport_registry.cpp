#include "transport/transport.h"

#include "transport/http_transport.h"

namespace hub::transport {

std::string_view toString(TransportResult::Failure failure) {
    switch (failure) {
        case TransportResult::Failure::None: return "NONE";
        case TransportResult::Failure::ConnectionFailed: return "CONNECTION_FAILED";
        case TransportResult::Failure::Timeout: return "TIMEOUT";
        case TransportResult::Failure::TlsFailed: return "TLS_FAILED";
        case TransportResult::Failure::InvalidEndpoint: return "INVALID_ENDPOINT";
    }
    return "NONE";
}

void TransportRegistry::add(const std::string& kind, Factory factory) {
    if (!factories_.emplace(kind, std::move(factory)).second)
        throw TransportError("transport kind '" + kind + "' registered twice");
}

void TransportRegistry::add(const std::string& kind, std::function<std::unique_ptr<Transport>()> factory) {
    add(kind, [factory = std::move(factory)](const TransportOptions&) { return factory(); });
}

std::unique_ptr<Transport> TransportRegistry::create(const std::string& kind, const TransportOptions& options) const {
    auto it = factories_.find(kind);
    if (it == factories_.end()) {
        std::string known;
        for (const auto& name : kinds()) known += (known.empty() ? "" : ", ") + name;
        throw TransportError("unknown transport kind '" + kind + "' (known: " + known + ")");
    }
    return it->second(options);
}

std::vector<std::string> TransportRegistry::kinds() const {
    std::vector<std::string> names;
    for (const auto& [name, factory] : factories_) names.push_back(name);
    return names;
}

void registerStandardTransports(TransportRegistry& registry) {
    registry.add("rest-xml", [](const TransportOptions& options) { return std::make_unique<HttpTransport>("", options.tls); });
    registry.add("soap11", [](const TransportOptions& options) {
        return std::make_unique<HttpTransport>("text/xml; charset=utf-8", options.tls);
    });
    registry.add("epc", [](const TransportOptions& options) { return std::make_unique<HttpTransport>("", options.tls); });
    registry.add("customs", [](const TransportOptions& options) { return std::make_unique<HttpTransport>("", options.tls); });
}

}  // namespace hub::transport
