// The HTTP transports against a real Poco HTTP server on a loopback port.
#define BOOST_TEST_MODULE transport
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <sstream>
#include <thread>

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>
#include <Poco/ThreadPool.h>

#include "transport/message_signature.h"
#include "transport/transport.h"

using namespace hub::transport;

namespace hub::transport {
std::ostream& operator<<(std::ostream& out, TransportResult::Failure failure) { return out << toString(failure); }
std::ostream& operator<<(std::ostream& out, SignatureCheck check) { return out << toString(check); }
}  // namespace hub::transport

namespace {

constexpr hub::core::EpochMillis kNow = 1'795'000'000'000;
const std::string kSecret = "department-secret";

// What the fake department saw, and how it answers.
struct Recorded {
    std::mutex mutex;
    std::map<std::string, std::string> headers;
    std::string body;
    std::string path;
    int status = 202;
    std::string answer = "<Ack/>";
    std::string retryAfter;
    int delayMs = 0;
};

class RecordingHandler final : public Poco::Net::HTTPRequestHandler {
  public:
    explicit RecordingHandler(Recorded& recorded) : recorded_(recorded) {}
    void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override {
        std::ostringstream body;
        Poco::StreamCopier::copyStream(request.stream(), body);
        int delay = 0;
        {
            std::lock_guard lock(recorded_.mutex);
            recorded_.headers.clear();
            for (const auto& [name, value] : request) recorded_.headers[name] = value;
            recorded_.headers["Content-Type"] = request.getContentType();
            recorded_.body = body.str();
            recorded_.path = request.getURI();
            delay = recorded_.delayMs;
            response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(recorded_.status));
            if (!recorded_.retryAfter.empty()) response.set("Retry-After", recorded_.retryAfter);
        }
        if (delay > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay));
        response.setContentType("application/xml");
        response.send() << recorded_.answer;
    }

  private:
    Recorded& recorded_;
};

class Factory final : public Poco::Net::HTTPRequestHandlerFactory {
  public:
    explicit Factory(Recorded& recorded) : recorded_(recorded) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
        return new RecordingHandler(recorded_);
    }

  private:
    Recorded& recorded_;
};

// A loopback HTTP server with its own thread pool, joined on destruction so
// that no handler (e.g. one still sleeping after the client timed out)
// outlives the test.
struct FakeDepartment {
    FakeDepartment()
        : pool(1, 4),
          socket(Poco::Net::SocketAddress("127.0.0.1", 0)),
          server(new Factory(recorded), pool, socket, new Poco::Net::HTTPServerParams) {
        server.start();
    }
    ~FakeDepartment() {
        server.stopAll(true);
        pool.joinAll();
    }
    std::string url(const std::string& path) const {
        return "http://127.0.0.1:" + std::to_string(socket.address().port()) + path;
    }
    Recorded recorded;
    Poco::ThreadPool pool;
    Poco::Net::ServerSocket socket;
    Poco::Net::HTTPServer server;
};

TransportRegistry standardRegistry() {
    TransportRegistry registry;
    registerStandardTransports(registry);
    return registry;
}

OutboundMessage message() {
    return OutboundMessage{"6f1c2d8e-1111-4222-8333-944455556666", "<Request>hello</Request>",
                           "application/xml; charset=utf-8", "", "PKG-01JDZ8X4Q8N7M4V0C3K2H1G9FE"};
}

}  // namespace

BOOST_AUTO_TEST_CASE(rest_xml_posts_the_body_with_the_hub_headers) {
    FakeDepartment department;
    auto transport = standardRegistry().create("rest-xml");
    auto result = transport->send({department.url("/samr/applications"), 2000, kSecret}, message(), kNow);
    BOOST_TEST(result.failure == TransportResult::Failure::None);
    BOOST_TEST(result.httpStatus == 202);
    BOOST_TEST(result.body == "<Ack/>");
    std::lock_guard lock(department.recorded.mutex);
    auto& headers = department.recorded.headers;
    BOOST_TEST(department.recorded.path == "/samr/applications");
    BOOST_TEST(department.recorded.body == "<Request>hello</Request>");
    BOOST_TEST(headers["X-Hub-Message-Id"] == message().messageId);
    BOOST_TEST(headers["Idempotency-Key"] == message().messageId);
    BOOST_TEST(headers["X-Hub-Package-Id"] == message().packageId);
    BOOST_TEST(headers["Content-Type"] == "application/xml; charset=utf-8");
    BOOST_TEST(headers.count("SOAPAction") == 0u);
    BOOST_TEST(verifySignature(kSecret, headers["X-Hub-Timestamp"], headers["X-Hub-Signature"],
                               department.recorded.body, kNow, 1000) == SignatureCheck::Valid);
    BOOST_TEST(verifySignature("another-secret", headers["X-Hub-Timestamp"], headers["X-Hub-Signature"],
                               department.recorded.body, kNow, 1000) == SignatureCheck::Mismatch);
}

BOOST_AUTO_TEST_CASE(soap11_sends_text_xml_and_the_soap_action) {
    FakeDepartment department;
    auto msg = message();
    msg.soapAction = "urn:licensing-hub:dept:mot:v1#SubmitLicenceApplication";
    auto result = standardRegistry().create("soap11")->send({department.url("/mot/soap"), 2000, kSecret}, msg, kNow);
    BOOST_TEST(result.httpStatus == 202);
    std::lock_guard lock(department.recorded.mutex);
    BOOST_TEST(department.recorded.headers["Content-Type"] == "text/xml; charset=utf-8");
    BOOST_TEST(department.recorded.headers["SOAPAction"] == "\"" + msg.soapAction + "\"");
}

BOOST_AUTO_TEST_CASE(server_errors_and_retry_after_are_reported_not_judged) {
    FakeDepartment department;
    department.recorded.status = 503;
    department.recorded.retryAfter = "7";
    auto result = standardRegistry().create("epc")->send({department.url("/msa"), 2000, kSecret}, message(), kNow);
    BOOST_TEST(result.failure == TransportResult::Failure::None);
    BOOST_TEST(result.httpStatus == 503);
    BOOST_TEST(result.headers["retry-after"] == "7");
}

BOOST_AUTO_TEST_CASE(a_closed_port_is_a_connection_failure) {
    Poco::Net::ServerSocket probe(Poco::Net::SocketAddress("127.0.0.1", 0));
    const int port = probe.address().port();
    probe.close();
    auto result = standardRegistry().create("customs")->send(
        {"http://127.0.0.1:" + std::to_string(port) + "/x", 1000, kSecret}, message(), kNow);
    BOOST_TEST(result.failure == TransportResult::Failure::ConnectionFailed);
    BOOST_TEST(result.httpStatus == 0);
    BOOST_TEST(!result.error.empty());
}

BOOST_AUTO_TEST_CASE(a_slow_department_is_a_timeout) {
    FakeDepartment department;
    department.recorded.delayMs = 1500;
    auto result = standardRegistry().create("rest-xml")->send({department.url("/slow"), 200, kSecret}, message(), kNow);
    BOOST_TEST(result.failure == TransportResult::Failure::Timeout, result.error);
    BOOST_TEST(result.latencyMs >= 200);
    BOOST_TEST(result.latencyMs < 1500);
}

BOOST_AUTO_TEST_CASE(bad_endpoints_are_refused_without_a_call) {
    auto transport = standardRegistry().create("rest-xml");
    BOOST_TEST(transport->send({"ftp://127.0.0.1/x", 200, kSecret}, message(), kNow).failure ==
               TransportResult::Failure::InvalidEndpoint);
}

BOOST_AUTO_TEST_CASE(the_registry_knows_its_kinds_by_name) {
    auto registry = standardRegistry();
    BOOST_TEST((registry.kinds() == std::vector<std::string>{"customs", "epc", "rest-xml", "soap11"}));
    BOOST_CHECK_THROW(registry.create("carrier-pigeon"), TransportError);
    try {
        registry.create("carrier-pigeon");
    } catch (const TransportError& error) {
        BOOST_TEST(std::string(error.what()) ==
                   "unknown transport kind 'carrier-pigeon' (known: customs, epc, rest-xml, soap11)");
    }
    BOOST_CHECK_THROW(registry.add("soap11", [] { return std::unique_ptr<Transport>(); }), TransportError);
}

BOOST_AUTO_TEST_CASE(signatures_refuse_stale_malformed_and_missing_values) {
    const std::string body = "<Callback/>";
    const std::string signature = signatureHeaderValue(kSecret, kNow, body);
    const std::string timestamp = std::to_string(kNow);
    BOOST_TEST(verifySignature(kSecret, timestamp, signature, body, kNow + 299'000, 300'000) == SignatureCheck::Valid);
    BOOST_TEST(verifySignature(kSecret, timestamp, signature, body, kNow + 301'000, 300'000) == SignatureCheck::Stale);
    BOOST_TEST(verifySignature(kSecret, timestamp, signature, body, kNow - 301'000, 300'000) == SignatureCheck::Stale);
    BOOST_TEST(verifySignature(kSecret, timestamp, signature, body + " ", kNow, 300'000) == SignatureCheck::Mismatch);
    BOOST_TEST(verifySignature(kSecret, "", signature, body, kNow, 300'000) == SignatureCheck::Missing);
    BOOST_TEST(verifySignature(kSecret, "12x", signature, body, kNow, 300'000) == SignatureCheck::Malformed);
    BOOST_TEST(verifySignature(kSecret, timestamp, "md5=abc", body, kNow, 300'000) == SignatureCheck::Malformed);
    // An HMAC-SHA256 computed independently (Python's hmac module) over
    // "0.The quick brown fox jumps over the lazy dog" with key "key".
    BOOST_TEST(signatureHeaderValue("key", 0, "The quick brown fox jumps over the lazy dog") ==
               "sha256=8511f28f7a1949f0c42772b447d68b2daf760f5f0439a20a17e3b4e7cd395763");
}
