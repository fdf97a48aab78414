#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <Poco/Net/Context.h>
#include <Poco/Process.h>

namespace hub::testing {

struct HttpResponse {
    int status = 0;
    std::map<std::string, std::string> headers;  // names lower-cased
    std::string body;

    std::string header(const std::string& lowerName) const {
        auto it = headers.find(lowerName);
        return it == headers.end() ? std::string() : it->second;
    }
};

// Where the hub under test keeps its data: SQLite in the work directory, or a
// fresh database on the test MariaDB (see scripts/mariadb-test-server).
struct StoreChoice {
    std::string kind = "sqlite";
    std::string mariadbEnvFile;  // for "mysql": the KEY=VALUE file the fixture wrote
    // For "mysql": the database to use (created when missing), so that several
    // hub processes share one; empty: a fresh database of its own.
    std::string database = {};
};

// Runs the real `hub` binary on a free loopback port with a configuration it
// writes into a fresh temporary work directory. Not thread-safe; one per test
// suite. The destructor stops the process and removes the directory.
class HubProcess {
  public:
    // `intakeConfig` is spliced into the JSON config's "intake" object, e.g.
    // R"("maxPackageBytes": 65536)", `dispatchConfig` into "dispatch" (which
    // always has development secrets on). `environment` is added to the
    // child's environment (e.g. HUB_DEPT_SAMR_ENDPOINT), `trackingConfig` into
    // "tracking" (e.g. R"("pollIntervalSeconds": 1)").
    HubProcess(StoreChoice store, const std::string& intakeConfig = {},
               const std::string& dispatchConfig = R"("enabled": false)",
               const std::map<std::string, std::string>& environment = {}, const std::string& trackingConfig = {});
    ~HubProcess();
    HubProcess(const HubProcess&) = delete;
    HubProcess& operator=(const HubProcess&) = delete;

    // Before start(): the listener serves HTTPS with `serverTlsMembers` as the
    // members of "server.tls" (e.g. R"("certificateFile": "/t/hub.pem", …)"),
    // and request() (so also start()) verifies it against `caFile`.
    void useTls(const std::string& serverTlsMembers, const std::string& caFile);
    // Before start(): departments are read from `directory` instead of the
    // project's adapters/ (its parent folder must hold schemas/).
    void useAdapters(const std::string& directory);

    // Starts the server and waits (bounded) until /readyz answers 200. A
    // restart listens on the port of the first start (callbacks addressed to
    // it keep arriving).
    void start();
    // SIGKILL, no chance to clean up.
    void kill();
    // SIGTERM and wait for a clean exit; returns the exit code.
    int stop();
    bool running() const { return handle_ != nullptr; }

    // Runs `hub --config <cfg> ARGS…` to completion; returns the exit code
    // and what it printed on stdout (and stderr when asked).
    int runCommand(const std::vector<std::string>& arguments, std::string& standardOutput,
                   std::string* standardError = nullptr) const;
    std::string issueToken(const std::string& company) const;
    // Runs SQL statements (separated by ';') on the hub's database with the
    // command-line client (sqlite3 or mariadb); returns what it printed, one
    // row per line, columns tab-separated. Throws std::runtime_error on failure.
    std::string sql(const std::string& statements) const;

    HttpResponse request(const std::string& method, const std::string& path,
                         const std::map<std::string, std::string>& headers = {}, const std::string& body = {},
                         bool chunked = false) const;

    int port() const { return port_; }
    // The running process's id (0 when not running).
    int pid() const { return handle_ ? static_cast<int>(handle_->id()) : 0; }
    std::string url() const { return (tls_ ? "https://127.0.0.1:" : "http://127.0.0.1:") + std::to_string(port_); }
    const std::string& workDirectory() const { return workDir_; }
    std::string logTail() const;

  private:
    std::string workDir_;
    std::string configFile_;
    std::string logFile_;
    Poco::Process::Env environment_;
    std::unique_ptr<Poco::ProcessHandle> handle_;
    std::vector<std::string> sqlClient_;       // program and arguments, the database last
    Poco::Process::Env sqlClientEnvironment_;
    int port_ = 0;
    Poco::Net::Context::Ptr tls_;  // set by useTls: how request() verifies the hub
};

// The store a black-box test runs on, from its command line after "--":
// "sqlite" (the default) or "mysql <mariadb env file>". Throws
// std::runtime_error when mysql lacks its file.
StoreChoice storeChoiceFromArguments(int argc, char** argv);

// Reads KEY=VALUE lines.
std::map<std::string, std::string> readEnvFile(const std::string& path);

// The directory holding the project's sources and the hub binary.
std::string sourceDirectory();
std::string hubBinary();

// Reads a whole file; throws std::runtime_error when missing.
std::string readFile(const std::string& path);

}  // namespace hub::testing
