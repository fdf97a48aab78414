#include "transport/http_transport.h"

#include <chrono>
#include <memory>
#include <sstream>

#include <Poco/Exception.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLException.h>
#include <Poco/StreamCopier.h>
#include <Poco/String.h>
#include <Poco/URI.h>

#include "transport/message_signature.h"
#include "transport/tls_context.h"

namespace hub::transport {
namespace {

// Answers larger than this are cut: no department answer needs more, and a
// hostile peer must not exhaust memory.
constexpr std::size_t kMaxAnswerBytes = 4 * 1024 * 1024;

TransportResult failure(TransportResult::Failure kind, std::string error) {
    TransportResult result;
    result.failure = kind;
    result.error = std::move(error);
    return result;
}

}  // namespace

HttpTransport::HttpTransport(std::string contentType, const ClientTlsSettings& tls)
    : contentType_(std::move(contentType)), tlsContext_(makeClientContext(tls)) {}

TransportResult HttpTransport::send(const Endpoint& endpoint, const OutboundMessage& message, core::EpochMillis now) {
    const auto started = std::chrono::steady_clock::now();
    auto finish = [&](TransportResult result) {
        result.latencyMs = static_cast<int>(
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count());
        return result;
    };
    Poco::URI uri;
    try {
        uri = Poco::URI(endpoint.url);
    } catch (const Poco::Exception& error) {
        return finish(failure(TransportResult::Failure::InvalidEndpoint, "invalid endpoint: " + error.message()));
    }
    const bool secure = uri.getScheme() == "https";
    if (!secure && uri.getScheme() != "http")
        return finish(failure(TransportResult::Failure::InvalidEndpoint,
                              "unsupported scheme '" + uri.getScheme() + "' (http and https only)"));
    try {
        std::unique_ptr<Poco::Net::HTTPClientSession> opened;
        if (secure)
            opened = std::make_unique<Poco::Net::HTTPSClientSession>(uri.getHost(), uri.getPort(), tlsContext_);
        else
            opened = std::make_unique<Poco::Net::HTTPClientSession>(uri.getHost(), uri.getPort());
        Poco::Net::HTTPClientSession& session = *opened;
        const Poco::Timespan timeout(static_cast<long>(endpoint.timeoutMs) * 1000);
        session.setTimeout(timeout, timeout, timeout);
        Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, uri.getPathAndQuery().empty() ? "/" : uri.getPathAndQuery(),
                                       Poco::Net::HTTPMessage::HTTP_1_1);
        request.setContentType(contentType_.empty() ? message.contentType : contentType_);
        request.setContentLength64(static_cast<Poco::Int64>(message.body.size()));
        request.set(std::string(kMessageIdHeader), message.messageId);
        request.set("Idempotency-Key", message.messageId);
        if (!message.packageId.empty()) request.set(std::string(kPackageIdHeader), message.packageId);
        request.set(std::string(kTimestampHeader), std::to_string(now));
        request.set(std::string(kSignatureHeader), signatureHeaderValue(endpoint.secret, now, message.body));
        if (!message.soapAction.empty()) request.set("SOAPAction", "\"" + message.soapAction + "\"");
        session.sendRequest(request).write(message.body.data(), static_cast<std::streamsize>(message.body.size()));

        Poco::Net::HTTPResponse response;
        std::istream& in = session.receiveResponse(response);
        TransportResult result;
        result.httpStatus = response.getStatus();
        for (const auto& [name, value] : response) result.headers[Poco::toLower(name)] = value;
        char buffer[16384];
        while (in && result.body.size() < kMaxAnswerBytes) {
            in.read(buffer, sizeof buffer);
            result.body.append(buffer, static_cast<std::size_t>(in.gcount()));
        }
        return finish(std::move(result));
    } catch (const Poco::TimeoutException&) {
        return finish(failure(TransportResult::Failure::Timeout, "timed out after " + std::to_string(endpoint.timeoutMs) + " ms"));
    } catch (const Poco::Net::SSLConnectionUnexpectedlyClosedException& error) {
        // The peer hung up within an established session: a connection
        // failure, like a reset on plain HTTP.
        return finish(failure(TransportResult::Failure::ConnectionFailed, error.displayText()));
    } catch (const Poco::Net::SSLException& error) {
        return finish(failure(TransportResult::Failure::TlsFailed, error.displayText()));
    } catch (const Poco::Net::ConnectionRefusedException&) {
        return finish(failure(TransportResult::Failure::ConnectionFailed, "connection refused"));
    } catch (const Poco::Net::NetException& error) {
        return finish(failure(TransportResult::Failure::ConnectionFailed, error.displayText()));
    } catch (const Poco::IOException& error) {
        return finish(failure(TransportResult::Failure::ConnectionFailed, error.displayText()));
    }
}

}  // namespace hub::transport
