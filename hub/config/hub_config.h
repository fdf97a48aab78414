#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/catalogue.h"
#include "core/package_rules.h"

namespace hub::config {

// Thrown for any unusable configuration. what() is one clear line that names
// the file and the key, e.g. "config/hub.json: server.port: expected an integer".
class ConfigError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// server.tls: the listener serves HTTPS only (TLS 1.2 and newer). Paths are
// absolute (relative ones resolve against the config file's folder); the
// files themselves are checked when the listener is built (and by
// check-config), see transport/tls_context.h.
struct ServerTlsConfig {
    std::string certificateFile;            // PEM, the chain the hub presents
    std::string privateKeyFile;             // PEM, unencrypted, mode 0600 or stricter
    std::string caFile;                     // CAs accepted for client certificates; optional
    bool requireClientCertificate = false;  // needs caFile
};

struct ServerConfig {
    std::string host = "127.0.0.1";
    int port = 8080;            // 0: pick a free port (written to portFile when set)
    int threads = 16;
    int maxQueued = 256;
    std::string portFile;       // optional: the bound port is written here at start
    // Requests per second each API token may make (a token bucket of
    // rateLimitBurst, per process); 0: no limit. Department callbacks,
    // authenticated by their signatures, are not limited.
    int rateLimitPerSecond = 100;
    int rateLimitBurst = 200;
    std::optional<ServerTlsConfig> tls;  // absent: plain HTTP
};

struct SqliteConfig {
    std::string path = "var/hub.db";  // relative paths resolve against the config file's folder
    int busyTimeoutMs = 5000;
};

struct MysqlConfig {
    std::string host = "127.0.0.1";
    int port = 3306;
    std::string user = "hub";
    std::string database = "hub";
    // The password never lives in the config file: it is read from the
    // environment variable named here, or else from the file named by
    // passwordFile (which must not be readable by group or others).
    std::string passwordEnv = "HUB_MYSQL_PASSWORD";
    std::string passwordFile;
    int poolSize = 8;
    int connectTimeoutSeconds = 5;
    // Resolved at load time from passwordEnv / passwordFile; never logged.
    std::string password;
};

struct StoreConfig {
    std::string kind = "sqlite";  // a name registered in the StoreRegistry
    SqliteConfig sqlite;
    MysqlConfig mysql;
};

struct IntakeConfig {
    std::int64_t maxPackageBytes = 20 * 1024 * 1024;
    int maxXmlDepth = 64;
    core::IntakePolicy policy;   // addMissingPrerequisites, usccAllowList
    int idempotencyInProgressTimeoutSeconds = 60;
};

struct DispatchConfig {
    bool enabled = true;            // run the outbox dispatcher in this process
    int workers = 2;                // dispatcher threads
    int leaseSeconds = 60;          // a leased call not finished by then is taken over by another process
    int batchSize = 8;              // calls leased per round and worker
    std::string owner;              // lease owner id; empty: "<hostname>:<pid>:<random>"
    std::string callbackBaseUrl;    // how departments reach this hub; empty: http://server.host:port
    // Departments' HMAC secrets come from the environment variable each
    // adapters/<dept>/department.json names (auth.secretEnv). A missing one
    // is fatal, unless this is true: then "dev-secret-<code>" is used, which
    // is what deptsim uses by default. For demos and tests only.
    bool developmentSecrets = false;
};

struct TrackingConfig {
    int callbackMaxSkewSeconds = 300;  // a callback's X-Hub-Timestamp may differ this much from the hub's clock
    // A callback about a receipt not recorded yet, while this process has calls
    // to that department in flight, waits up to this long for them to be
    // settled before it is answered 503 RECEIPT_NOT_YET_KNOWN. 0: no wait.
    int earlyCallbackWaitMs = 2000;
    int clockSweepSeconds = 60;        // how often deemed acceptances and missed deadlines are looked for
    int pollIntervalSeconds = 0;       // poll-mode departments: overrides the adapter's poll.intervalSeconds when > 0
    // The applicant's ready-to-operate notification is signed (X-Hub-Signature,
    // as department calls) with the secret in this environment variable; when
    // unset, dispatch.developmentSecrets allows "dev-secret-notify".
    std::string notificationSecretEnv = "HUB_NOTIFY_SECRET";
};

struct AuditConfig {
    int anchorSeconds = 10;  // how often the heads of the chains that moved are anchored in the GLOBAL chain
};

struct HubConfig {
    std::string configFile;       // absolute path of the file loaded
    std::string configDir;        // its folder
    ServerConfig server;
    StoreConfig store;
    IntakeConfig intake;
    std::string catalogueFile;    // absolute; from "catalogue", relative to configDir
    std::string schemasDir;       // absolute; from "schemas", relative to configDir
    std::string adaptersDir;      // absolute; from "adapters", relative to configDir
    DispatchConfig dispatch;
    std::string calendarFile;     // absolute; from "calendar", relative to configDir (default calendar.json)
    std::string webDir;           // absolute; from "web" (default ../web): the dashboard's files under <web>/admin/
    TrackingConfig tracking;
    AuditConfig audit;
    std::string logLevel = "information";
    std::string logFormat = "text";  // "text" (one readable line) or "json" (one JSON object per line)
};

// Loads the hub's JSON configuration. Unknown keys are errors (with the key's
// path); every leaf key may be overridden by an environment variable named
// HUB_ + its path upper-cased with '.' as '_' (server.port -> HUB_SERVER_PORT).
// Relative paths resolve against the config file's folder. Throws ConfigError.
HubConfig loadHubConfig(const std::string& path, const std::map<std::string, std::string>& environment);

// The current process environment as a map, for loadHubConfig.
std::map<std::string, std::string> processEnvironment();

// Loads and checks the permit catalogue (JSON, see config/catalogue.json).
// Unknown keys, wrong types, and every Catalogue::build failure become one
// ConfigError line prefixed with the file name.
core::Catalogue loadCatalogue(const std::string& path);

}  // namespace hub::config
