#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <Poco/JSON/Object.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Process.h>
#include <Poco/ThreadPool.h>

#include "core/clock.h"
#include "transport/transport.h"
#include "xml/document.h"

namespace deptsim::testing {

std::string sourceDirectory();
std::string readFile(const std::string& path);
std::string fixture(const std::string& relative);  // under tests/fixtures/adapters/

struct Reply {
    int status = 0;
    std::string body;
    std::map<std::string, std::string> headers;
};

// The real deptsim binary on free ports, with the shipped deptsim.json
// (ports set to 0). SAMR's secret comes from HUB_DEPT_SAMR_SECRET; the other
// departments use the documented development default. The notification sink
// checks signatures with HUB_NOTIFY_SECRET = kNotifySecret.
class DeptsimProcess {
  public:
    static constexpr const char* kSamrSecret = "samr-test-secret";
    static constexpr const char* kNotifySecret = "notify-test-secret";

    explicit DeptsimProcess(const std::string& hubUrl);
    ~DeptsimProcess();
    DeptsimProcess(const DeptsimProcess&) = delete;
    DeptsimProcess& operator=(const DeptsimProcess&) = delete;

    int port(const std::string& name) const { return ports_.at(name); }
    std::string url(const std::string& department) const;
    std::string secret(const std::string& department) const;

    // Signs and POSTs `body` to the department with the hub's HttpTransport.
    hub::transport::TransportResult send(const std::string& department, const std::string& body,
                                         const std::string& messageId, const std::string& secretOverride = {},
                                         int timeoutMs = 5000) const;
    // The control API (JSON).
    Reply control(const std::string& method, const std::string& path, const std::string& body = {}) const;
    Poco::JSON::Object::Ptr controlJson(const std::string& method, const std::string& path,
                                        const std::string& body = {}) const;
    long stat(const std::string& department, const std::string& name) const;
    // POSTs `body` to /_sim/notifications with the headers the hub sends,
    // signed with `secret` at `timestamp` (0: now).
    Reply notify(const std::string& body, const std::string& messageId, const std::string& packageId,
                 const std::string& secret = kNotifySecret, hub::core::EpochMillis timestamp = 0) const;
    std::string logTail() const;

  private:
    Reply controlRequest(const std::string& method, const std::string& path, const std::string& body,
                         const std::map<std::string, std::string>& headers) const;

    std::string workDir_;
    std::map<std::string, int> ports_;
    std::map<std::string, std::string> paths_;
    std::unique_ptr<Poco::ProcessHandle> handle_;
};

// A small HTTP server standing in for the hub's callback endpoint.
class CallbackReceiver {
  public:
    struct Received {
        std::string path;
        std::map<std::string, std::string> headers;  // names lower-cased
        std::string body;
    };
    CallbackReceiver();
    ~CallbackReceiver();
    int port() const { return port_; }
    std::string url(const std::string& department) const;
    // Waits (bounded) until `predicate` holds for what arrived; returns a copy.
    std::vector<Received> waitFor(const std::function<bool(const std::vector<Received>&)>& predicate,
                                  std::chrono::milliseconds deadline);
    void add(Received received);

  private:
    std::mutex mutex_;
    std::condition_variable arrived_;
    std::vector<Received> received_;
    std::unique_ptr<Poco::ThreadPool> pool_;  // before server_: destroyed after it
    std::unique_ptr<Poco::Net::HTTPServer> server_;
    int port_ = 0;
};

// The hub's reading of a department message: the XPath mapping of
// adapters/<dept>/department.json.
class HubMapping {
  public:
    explicit HubMapping(const std::string& department);
    std::vector<std::string> values(const hub::xml::Document& document, const std::string& key) const;
    std::string value(const hub::xml::Document& document, const std::string& key) const;
    std::string output(const hub::xml::Document& document, const std::string& name) const;
    // The canonical outcome (outcomeMap applied); empty when unmapped.
    std::string canonicalOutcome(const hub::xml::Document& document) const;
    std::string schemaFile() const;

  private:
    Poco::JSON::Object::Ptr config_;
    hub::xml::Namespaces namespaces_;
};

hub::xml::Document parse(const std::string& xml);
// Polls `condition` every 20 ms until it holds or the deadline passes.
bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds deadline);

}  // namespace deptsim::testing
