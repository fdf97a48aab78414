#include "deptsim/simulator.h"

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>

#include <Poco/File.h>
#include <Poco/String.h>

#include "deptsim/control_api.h"
#include "deptsim/sim_log.h"
#include "deptsim/sim_time.h"
#include "transport/tls_context.h"

namespace deptsim {
namespace {

std::string secretFor(const DepartmentSettings& department) {
    if (const char* value = std::getenv(department.secretEnv.c_str()); value && *value) return value;
    logLine(LogLevel::Warning, department.code + ": " + department.secretEnv +
                                   " is not set; using the development secret \"" + developmentSecret(department.code) +
                                   "\" (the hub must use the same)");
    return developmentSecret(department.code);
}

void sendText(Poco::Net::HTTPServerResponse& response, int status, const std::string& text) {
    response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
    response.setContentType("text/plain; charset=utf-8");
    response.setContentLength64(static_cast<Poco::Int64>(text.size()));
    response.send() << text;
}

}  // namespace

Simulator::Simulator(SimConfig config, SimulatorOptions options)
    : config_(std::move(config)),
      options_(std::move(options)),
      policy_(config_),
      faults_(config_, options_.seed),
      notifications_(notificationSecretFromEnvironment(), config_.signatureMaxSkewMs,
                     static_cast<std::size_t>(config_.messageLogSize)),
      outputs_(options_.seed, runTokenFor(nowMillis() / 1000)),
      scheduler_(config_.delivery.threads),
      maintenance_(1),
      deliverer_(scheduler_, config_.delivery,
                 {options_.tls.caFile, options_.tls.certificateFile, options_.tls.privateKeyFile, true}) {
    Poco::Net::Context::Ptr departmentTls;
    if (!options_.tls.certificateFile.empty())
        departmentTls = hub::transport::makeServerContext({options_.tls.certificateFile, options_.tls.privateKeyFile,
                                                           options_.tls.caFile, options_.tls.requireClientCertificate});
    if (!options_.hubUrl.empty()) config_.hubUrl = options_.hubUrl;
    while (!config_.hubUrl.empty() && config_.hubUrl.back() == '/') config_.hubUrl.pop_back();
    for (const auto& department : config_.departments) {
        dialects_.push_back(std::make_unique<Dialect>(department));
        ServiceContext context{policy_, faults_, outputs_, scheduler_, deliverer_, config_.hubUrl,
                               config_.signatureMaxSkewMs};
        services_.push_back(std::make_unique<DepartmentService>(*dialects_.back(), context, secretFor(department),
                                                                static_cast<std::size_t>(config_.messageLogSize)));
        DepartmentService& service = *services_.back();
        listeners_[department.code] = std::make_unique<Listener>(
            department.code, department.port,
            [this, &service](Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) {
                serveDepartment(service, request, response);
            },
            32, departmentTls);
    }
    controlApi_ = std::make_unique<ControlApi>(*this);
    control_ = std::make_unique<Listener>(
        "control", config_.controlPort,
        [this](Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) {
            controlApi_->handle(request, response);
        },
        8);
}

Simulator::~Simulator() { stop(); }

void Simulator::start() {
    for (auto& [code, listener] : listeners_) listener->start();
    control_->start();
    for (const auto& department : config_.departments) {
        logLine(LogLevel::Info, department.code + " listening on " +
                                    (listeners_.at(department.code)->secure() ? "https" : "http") + "://127.0.0.1:" +
                                    std::to_string(listeners_.at(department.code)->port()) + department.path);
        if (department.faults.downForSeconds > 0) takeDown(department.code, department.faults.downForSeconds);
    }
    logLine(LogLevel::Info, "control API on http://127.0.0.1:" + std::to_string(control_->port()) +
                                "/_sim/stats; callbacks default to " + config_.hubUrl);
}

void Simulator::stop() {
    maintenance_.stop();
    scheduler_.stop();
    if (control_) control_->close();
    for (auto& [code, listener] : listeners_) listener->close();
}

std::map<std::string, int> Simulator::ports() const {
    std::map<std::string, int> out;
    for (const auto& [code, listener] : listeners_) out[code] = listener->port();
    out["control"] = control_->port();
    return out;
}

void Simulator::writePortsFile(const std::string& file) const {
    std::string json = "{";
    bool first = true;
    for (const auto& [name, port] : ports()) {
        json += (first ? "\"" : ",\"") + name + "\":" + std::to_string(port);
        first = false;
    }
    json += "}\n";
    const std::string temporary = file + ".tmp";
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        out << json;
        if (!out.flush()) throw std::runtime_error("cannot write " + temporary);
    }
    Poco::File(temporary).renameTo(file);
}

DepartmentService* Simulator::service(const std::string& code) {
    for (auto& service : services_)
        if (service->code() == code) return service.get();
    return nullptr;
}

std::vector<DepartmentService*> Simulator::services() {
    std::vector<DepartmentService*> out;
    for (auto& service : services_) out.push_back(service.get());
    return out;
}

void Simulator::takeDown(const std::string& code, int seconds) {
    auto it = listeners_.find(code);
    if (it == listeners_.end()) return;
    Listener& listener = *it->second;
    std::uint64_t outage = 0;
    {
        std::lock_guard lock(outagesMutex_);
        outage = ++outages_[code];
        listener.close();
    }
    if (auto* target = service(code)) {
        std::lock_guard lock(target->state().mutex);
        ++target->state().stats.faults["down"];
    }
    logLine(LogLevel::Warning, code + " is down for " + std::to_string(seconds) + " s (connections refused)");
    maintenance_.after(seconds * 1000, [this, &listener, code, outage] {
        std::lock_guard lock(outagesMutex_);
        if (outages_[code] != outage) return;  // replaced or ended early
        if (listener.reopen()) logLine(LogLevel::Info, code + " is back on port " + std::to_string(listener.port()));
    });
}

void Simulator::bringUp(const std::string& code) {
    auto it = listeners_.find(code);
    if (it == listeners_.end()) return;
    std::lock_guard lock(outagesMutex_);
    if (it->second->open()) return;
    ++outages_[code];
    if (it->second->reopen()) logLine(LogLevel::Info, code + " is back on port " + std::to_string(it->second->port()) + " (outage ended)");
}

bool Simulator::isDown(const std::string& code) const {
    auto it = listeners_.find(code);
    return it != listeners_.end() && !it->second->open();
}

void Simulator::reset() {
    policy_.reset();
    faults_.reset();
    for (auto& service : services_) service->reset();
    notifications_.clear();
    for (auto& [code, listener] : listeners_) bringUp(code);
    logLine(LogLevel::Info, "reset: messages, cases, notifications and counters forgotten; policy and faults from the config");
}

void Simulator::serveDepartment(DepartmentService& service, Poco::Net::HTTPServerRequest& request,
                                Poco::Net::HTTPServerResponse& response) {
    const auto& settings = service.dialect().settings();
    std::string path = request.getURI();
    if (auto query = path.find('?'); query != std::string::npos) path.erase(query);
    if (path != settings.path) return sendText(response, 404, "no such endpoint; " + settings.code + " listens on " + settings.path + "\n");
    if (request.getMethod() != Poco::Net::HTTPRequest::HTTP_POST) {
        response.set("Allow", "POST");
        return sendText(response, 405, "POST only\n");
    }
    const auto limit = static_cast<std::size_t>(config_.maxBodyBytes);
    if (request.hasContentLength() && request.getContentLength64() > static_cast<Poco::Int64>(limit))
        return sendText(response, 413, "body larger than " + std::to_string(limit) + " bytes\n");
    HttpRequestData data;
    for (const auto& [name, value] : request) data.headers[Poco::toLower(name)] = value;
    std::istream& in = request.stream();
    char buffer[16384];
    while (in) {
        in.read(buffer, sizeof buffer);
        data.body.append(buffer, static_cast<std::size_t>(in.gcount()));
        if (data.body.size() > limit) return sendText(response, 413, "body larger than " + std::to_string(limit) + " bytes\n");
    }
    HttpAnswer answer = service.handle(data);
    if (answer.holdMs > 0) std::this_thread::sleep_for(std::chrono::milliseconds(answer.holdMs));
    response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(answer.status));
    response.setContentType(answer.contentType);
    response.setContentLength64(static_cast<Poco::Int64>(answer.body.size()));
    response.send() << answer.body;
}

}  // namespace deptsim
