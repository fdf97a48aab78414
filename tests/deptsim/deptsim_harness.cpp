#include "deptsim_harness.h"

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <Poco/File.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>
#include <Poco/String.h>
#include <Poco/TemporaryFile.h>
#include <Poco/ThreadPool.h>

#include "transport/http_transport.h"
#include "transport/message_signature.h"

namespace deptsim::testing {
namespace {

constexpr auto kStartDeadline = std::chrono::seconds(20);

hub::core::EpochMillis now() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

Poco::JSON::Object::Ptr parseJson(const std::string& text) {
    return Poco::JSON::Parser().parse(text).extract<Poco::JSON::Object::Ptr>();
}

}  // namespace

std::string sourceDirectory() { return HUB_SOURCE_DIR; }

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

std::string fixture(const std::string& relative) {
    return readFile(sourceDirectory() + "/tests/fixtures/adapters/" + relative);
}

hub::xml::Document parse(const std::string& xml) {
    auto result = hub::xml::parseSafely(xml);
    if (!result.ok()) throw std::runtime_error("not well-formed: " + xml.substr(0, 400));
    return std::move(*result.document);
}

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds deadline) {
    const auto end = std::chrono::steady_clock::now() + deadline;
    while (std::chrono::steady_clock::now() < end) {
        if (condition()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return condition();
}

DeptsimProcess::DeptsimProcess(const std::string& hubUrl) {
    workDir_ = Poco::TemporaryFile::tempName() + "-deptsim";
    Poco::File(workDir_).createDirectories();
    const std::string source = sourceDirectory();
    auto config = parseJson(readFile(source + "/deptsim/deptsim.json"));
    config->set("projectRoot", source);
    config->set("controlPort", 0);
    auto departments = config->getObject("departments");
    for (const auto& [code, value] : *departments) {
        auto department = departments->getObject(code);
        department->set("port", 0);
        paths_[code] = department->getValue<std::string>("path");
        auto templates = department->getObject("templates");
        for (const auto& [role, path] : *templates) templates->set(role, source + "/deptsim/" + path.toString());
    }
    {
        std::ofstream out(workDir_ + "/deptsim.json");
        config->stringify(out, 2);
    }
    Poco::Process::Env env{{"HUB_DEPT_SAMR_SECRET", kSamrSecret}, {"HUB_NOTIFY_SECRET", kNotifySecret}};
    handle_ = std::make_unique<Poco::ProcessHandle>(Poco::Process::launch(
        "/bin/sh",
        {"-c",
         "unset HUB_DEPT_MOT_SECRET HUB_DEPT_MSA_SECRET HUB_DEPT_CUSTOMS_SECRET HUB_DEPT_CCS_SECRET; "
         "exec \"$0\" --config \"$1\" --ports-file \"$2\" --hub-url \"$3\" --seed 7 >>\"$4\" 2>&1",
         DEPTSIM_BINARY, workDir_ + "/deptsim.json", workDir_ + "/ports.json", hubUrl, workDir_ + "/deptsim.log"},
        workDir_, nullptr, nullptr, nullptr, env));
    const auto deadline = std::chrono::steady_clock::now() + kStartDeadline;
    while (std::chrono::steady_clock::now() < deadline) {
        if (!Poco::Process::isRunning(*handle_)) {
            const int code = handle_->wait();
            handle_.reset();
            throw std::runtime_error("deptsim exited with " + std::to_string(code) + ":\n" + logTail());
        }
        if (Poco::File(workDir_ + "/ports.json").exists()) {
            auto ports = parseJson(readFile(workDir_ + "/ports.json"));
            for (const auto& [name, value] : *ports) ports_[name] = value.convert<int>();
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    throw std::runtime_error("deptsim did not write its ports file in time:\n" + logTail());
}

DeptsimProcess::~DeptsimProcess() {
    try {
        if (handle_) {
            Poco::Process::requestTermination(handle_->id());
            handle_->wait();
        }
        Poco::File(workDir_).remove(true);
    } catch (...) {
    }
}

std::string DeptsimProcess::url(const std::string& department) const {
    return "http://127.0.0.1:" + std::to_string(ports_.at(department)) + paths_.at(department);
}

std::string DeptsimProcess::secret(const std::string& department) const {
    return department == "SAMR" ? kSamrSecret : "dev-secret-" + Poco::toLower(department);
}

hub::transport::TransportResult DeptsimProcess::send(const std::string& department, const std::string& body,
                                                     const std::string& messageId,
                                                     const std::string& secretOverride, int timeoutMs) const {
    // The transport the hub uses for this department, by the kind its
    // adapters/<dept>/department.json names.
    const auto config = parseJson(readFile(sourceDirectory() + "/adapters/" + Poco::toLower(department) +
                                           "/department.json"));
    hub::transport::TransportRegistry registry;
    hub::transport::registerStandardTransports(registry);
    auto transport = registry.create(config->getObject("transport")->getValue<std::string>("kind"));
    hub::transport::Endpoint endpoint;
    endpoint.url = url(department);
    endpoint.timeoutMs = timeoutMs;
    endpoint.secret = secretOverride.empty() ? secret(department) : secretOverride;
    hub::transport::OutboundMessage message;
    message.messageId = messageId;
    message.body = body;
    message.contentType = "application/xml; charset=utf-8";
    return transport->send(endpoint, message, now());
}

Reply DeptsimProcess::control(const std::string& method, const std::string& path, const std::string& body) const {
    return controlRequest(method, path, body, {});
}

Reply DeptsimProcess::notify(const std::string& body, const std::string& messageId, const std::string& packageId,
                             const std::string& secret, hub::core::EpochMillis timestamp) const {
    if (timestamp == 0) timestamp = now();
    return controlRequest("POST", "/_sim/notifications", body,
                          {{std::string(hub::transport::kMessageIdHeader), messageId},
                           {"Idempotency-Key", messageId},
                           {std::string(hub::transport::kPackageIdHeader), packageId},
                           {std::string(hub::transport::kTimestampHeader), std::to_string(timestamp)},
                           {std::string(hub::transport::kSignatureHeader),
                            hub::transport::signatureHeaderValue(secret, timestamp, body)}});
}

Reply DeptsimProcess::controlRequest(const std::string& method, const std::string& path, const std::string& body,
                                     const std::map<std::string, std::string>& headers) const {
    Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(ports_.at("control")));
    session.setTimeout(Poco::Timespan(10, 0));
    Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    request.setContentLength64(static_cast<Poco::Int64>(body.size()));
    if (!body.empty()) request.setContentType("application/json");
    for (const auto& [name, value] : headers) request.set(name, value);
    session.sendRequest(request) << body;
    Poco::Net::HTTPResponse response;
    std::istream& in = session.receiveResponse(response);
    Reply reply;
    reply.status = response.getStatus();
    std::ostringstream collected;
    Poco::StreamCopier::copyStream(in, collected);
    reply.body = collected.str();
    return reply;
}

Poco::JSON::Object::Ptr DeptsimProcess::controlJson(const std::string& method, const std::string& path,
                                                    const std::string& body) const {
    auto reply = control(method, path, body);
    if (reply.status != 200)
        throw std::runtime_error(method + " " + path + " answered " + std::to_string(reply.status) + ": " + reply.body);
    return parseJson(reply.body);
}

long DeptsimProcess::stat(const std::string& department, const std::string& name) const {
    auto stats = controlJson("GET", "/_sim/stats")->getObject(department);
    const auto dot = name.find('.');
    if (dot == std::string::npos) return stats->getValue<long>(name);
    return stats->getObject(name.substr(0, dot))->getValue<long>(name.substr(dot + 1));
}

std::string DeptsimProcess::logTail() const {
    try {
        std::string log = readFile(workDir_ + "/deptsim.log");
        return log.size() > 6000 ? log.substr(log.size() - 6000) : log;
    } catch (const std::exception&) {
        return "(no log)";
    }
}

namespace {

class RecordingHandler final : public Poco::Net::HTTPRequestHandler {
  public:
    explicit RecordingHandler(CallbackReceiver& receiver) : receiver_(receiver) {}
    void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override {
        CallbackReceiver::Received received;
        received.path = request.getURI();
        for (const auto& [name, value] : request) received.headers[Poco::toLower(name)] = value;
        std::ostringstream body;
        Poco::StreamCopier::copyStream(request.stream(), body);
        received.body = body.str();
        receiver_.add(std::move(received));
        response.setStatus(Poco::Net::HTTPResponse::HTTP_OK);
        response.setContentType("application/json");
        response.send() << "{}";
    }

  private:
    CallbackReceiver& receiver_;
};

class RecordingFactory final : public Poco::Net::HTTPRequestHandlerFactory {
  public:
    explicit RecordingFactory(CallbackReceiver& receiver) : receiver_(receiver) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
        return new RecordingHandler(receiver_);
    }

  private:
    CallbackReceiver& receiver_;
};

}  // namespace

CallbackReceiver::CallbackReceiver() {
    Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
    port_ = socket.address().port();
    pool_ = std::make_unique<Poco::ThreadPool>(1, 8);
    server_ = std::make_unique<Poco::Net::HTTPServer>(new RecordingFactory(*this), *pool_, socket,
                                                      new Poco::Net::HTTPServerParams);
    server_->start();
}

// Handlers hold a reference to this receiver: stop the server and wait for
// every handler thread before the members go.
CallbackReceiver::~CallbackReceiver() {
    server_->stopAll(true);
    pool_->joinAll();
}

std::string CallbackReceiver::url(const std::string& department) const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/api/v1/departments/" + department + "/callbacks";
}

void CallbackReceiver::add(Received received) {
    {
        std::lock_guard lock(mutex_);
        received_.push_back(std::move(received));
    }
    arrived_.notify_all();
}

std::vector<CallbackReceiver::Received> CallbackReceiver::waitFor(
    const std::function<bool(const std::vector<Received>&)>& predicate, std::chrono::milliseconds deadline) {
    std::unique_lock lock(mutex_);
    arrived_.wait_for(lock, deadline, [&] { return predicate(received_); });
    return received_;
}

HubMapping::HubMapping(const std::string& department) {
    config_ = parseJson(readFile(sourceDirectory() + "/adapters/" + Poco::toLower(department) + "/department.json"));
    auto namespaces = config_->getObject("namespaces");
    for (const auto& [prefix, uri] : *namespaces) namespaces_[prefix] = uri.toString();
}

std::vector<std::string> HubMapping::values(const hub::xml::Document& document, const std::string& key) const {
    auto mapping = config_->getObject("mapping");
    if (!mapping->has(key)) return {};
    auto strings = document.evaluateStrings(mapping->getValue<std::string>(key), namespaces_);
    std::vector<std::string> out;
    for (auto& value : strings)
        if (!Poco::trim(value).empty()) out.push_back(Poco::trim(value));
    return out;
}

std::string HubMapping::value(const hub::xml::Document& document, const std::string& key) const {
    auto all = values(document, key);
    return all.empty() ? std::string() : all.front();
}

std::string HubMapping::output(const hub::xml::Document& document, const std::string& name) const {
    auto outputs = config_->getObject("mapping")->getObject("outputs");
    if (!outputs->has(name)) throw std::runtime_error("the hub mapping has no output " + name);
    auto strings = document.evaluateStrings(outputs->getValue<std::string>(name), namespaces_);
    for (auto& value : strings)
        if (!Poco::trim(value).empty()) return Poco::trim(value);
    return {};
}

std::string HubMapping::canonicalOutcome(const hub::xml::Document& document) const {
    const std::string word = value(document, "outcome");
    auto map = config_->getObject("mapping")->getObject("outcomeMap");
    return map->has(word) ? map->getValue<std::string>(word) : std::string();
}

std::string HubMapping::schemaFile() const { return sourceDirectory() + "/" + config_->getValue<std::string>("schema"); }

}  // namespace deptsim::testing
