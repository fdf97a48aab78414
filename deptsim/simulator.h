#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "deptsim/callback_deliverer.h"
#include "deptsim/decision_policy.h"
#include "deptsim/department_service.h"
#include "deptsim/dialect.h"
#include "deptsim/fault_injector.h"
#include "deptsim/listener.h"
#include "deptsim/notification_sink.h"
#include "deptsim/output_generator.h"
#include "deptsim/scheduler.h"
#include "deptsim/sim_config.h"

namespace deptsim {

// TLS for the department listeners (the control API stays plain HTTP) and
// for callbacks to an https:// hub. All paths PEM files.
struct SimulatorTls {
    std::string certificateFile;            // set: the departments serve HTTPS with it
    std::string privateKeyFile;
    std::string caFile;                     // trusted for the hub's certificates (server and client)
    bool requireClientCertificate = false;  // the hub must present a certificate signed by caFile
};

struct SimulatorOptions {
    std::string hubUrl;        // overrides the config's hubUrl when not empty
    std::uint64_t seed = 1;
    SimulatorTls tls;
};

// The whole simulator, wired explicitly: one listener and service per
// department plus the control listener, which also hosts the applicant's
// notification sink. Construction compiles schemas and
// templates (ConfigError when they do not); start() listens.
class Simulator {
  public:
    Simulator(SimConfig config, SimulatorOptions options);
    ~Simulator();
    Simulator(const Simulator&) = delete;
    Simulator& operator=(const Simulator&) = delete;

    // Listens on every port; throws Poco::Exception when a port is taken.
    void start();
    void stop();

    // {"SAMR": port, …, "control": port}
    std::map<std::string, int> ports() const;
    // Writes ports() as JSON to `file` atomically (temporary file + rename).
    void writePortsFile(const std::string& file) const;

    const SimConfig& config() const { return config_; }
    DecisionPolicy& policy() { return policy_; }
    FaultInjector& faults() { return faults_; }
    NotificationSink& notifications() { return notifications_; }
    DepartmentService* service(const std::string& code);
    std::vector<DepartmentService*> services();
    // Closes the department's listener for `seconds`, then reopens it. A
    // second call while it is down replaces the end of the outage (the
    // earlier reopening no longer applies).
    void takeDown(const std::string& code, int seconds);
    // Ends an outage at once: listens again and cancels the pending
    // reopening. Nothing happens when the department is up.
    void bringUp(const std::string& code);
    bool isDown(const std::string& code) const;
    // Forgets messages, cases, notifications and counters; policy and faults
    // back to the config.
    void reset();

  private:
    void serveDepartment(DepartmentService& service, Poco::Net::HTTPServerRequest& request,
                         Poco::Net::HTTPServerResponse& response);

    SimConfig config_;
    SimulatorOptions options_;
    DecisionPolicy policy_;
    FaultInjector faults_;
    NotificationSink notifications_;
    OutputGenerator outputs_;
    std::vector<std::unique_ptr<Dialect>> dialects_;
    Scheduler scheduler_;
    Scheduler maintenance_;  // reopening listeners; never blocked by deliveries
    CallbackDeliverer deliverer_;
    std::vector<std::unique_ptr<DepartmentService>> services_;
    std::map<std::string, std::unique_ptr<Listener>> listeners_;
    std::mutex outagesMutex_;
    std::map<std::string, std::uint64_t> outages_;  // department -> outage number; a reopening for an older one is void
    std::unique_ptr<class ControlApi> controlApi_;
    std::unique_ptr<Listener> control_;  // after controlApi_: destroyed (and joined) first
};

}  // namespace deptsim
