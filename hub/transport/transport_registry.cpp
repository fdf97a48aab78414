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

std::unique_ptr<Transport> TransportRegistry::create(const std::string& kind) const {
    auto it = factories_.find(kind);
    if (it == factories_.end()) {
        std::string known;
        for (const auto& name : kinds()) known += (known.empty() ? "" : ", ") + name;
        throw TransportError("unknown transport kind '" + kind + "' (known: " + known + ")");
    }
    return it->second();
}

std::vector<std::string> TransportRegistry::kinds() const {
    std::vector<std::string> names;
    for (const auto& [name, factory] : factories_) names.push_back(name);
    return names;
}

void registerStandardTransports(TransportRegistry& registry) {
    registry.add("rest-xml", [] { return std::make_unique<HttpTransport>(); });
    registry.add("soap11", [] { return std::make_unique<HttpTransport>("text/xml; charset=utf-8"); });
    registry.add("epc", [] { return std::make_unique<HttpTransport>(); });
    registry.add("customs", [] { return std::make_unique<HttpTransport>(); });
}

}  // namespace hub::transport
