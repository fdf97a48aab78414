#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "adapter/department_event.h"
#include "core/catalogue.h"
#include "xml/document.h"
#include "xml/schema.h"
#include "xml/stylesheet.h"

namespace hub::adapter {

// The logical calls the hub makes to a department (Case/Call/@kind).
inline constexpr std::string_view kCallSubmit = "SUBMIT";
inline constexpr std::string_view kCallCorrection = "CORRECTION";
inline constexpr std::string_view kCallCancel = "CANCEL";
inline constexpr std::string_view kCallStatusQuery = "STATUS_QUERY";
bool isCallKind(std::string_view kind);

// How a department's decisions reach the hub.
enum class Delivery {
    SyncOrCallback,  // "sync-or-callback": the answer may decide; otherwise a callback follows
    Callback,        // "callback"
    Poll,            // "poll": the hub sends STATUS_QUERY calls every poll interval
};
std::string_view toString(Delivery delivery);

// transport.tls: how https:// endpoints are verified and which client
// certificate the hub presents (mutual TLS). Paths absolute (relative ones
// resolve against the department file's folder); the files are checked when
// the transport is built, see transport/tls_context.h.
struct TransportTlsSettings {
    std::string caFile;           // CAs for the department's server certificate; empty: the system store
    std::string certificateFile;  // the hub's client certificate; empty: none
    std::string privateKeyFile;   // required exactly with certificateFile
    bool verifyHost = true;       // the certificate must name the endpoint's host
};

struct TransportSettings {
    std::string kind;       // a transport registered by name in main ("rest-xml", "soap11", …)
    std::string endpoint;
    int timeoutMs = 0;
    int maxConcurrent = 0;
    std::optional<TransportTlsSettings> tls;  // absent: https endpoints are verified against the system store
};

struct RetrySettings {
    int maxAttempts = 0;
    int baseDelayMs = 0;
    int maxDelayMs = 0;
};

struct BreakerSettings {
    int failureThreshold = 0;
    int openSeconds = 0;
};

// XPath 1.0 expressions evaluated on a department message (prefixes from
// DepartmentConfig::namespaces). An empty expression reads nothing.
struct ResponseMapping {
    std::string outcome;  // the department's status word
    std::map<std::string, Outcome, std::less<>> outcomeMap;
    std::string receiptNumber;
    std::string messageId;
    std::string permit;
    std::string reasons;  // every selected node is one reason
    std::string certificateNumber;
    std::string issuedOn;
    std::string validUntil;
    std::string extensionDays;  // working days of an approved extension of the decision time
    std::map<std::string, std::string, std::less<>> outputs;  // catalogue output name -> XPath
};

// adapters/<dept>/department.json, checked and with absolute paths (see
// docs/adapters.md for the format).
struct DepartmentConfig {
    std::string configFile;  // absolute
    std::string folder;      // absolute: the folder of configFile
    std::string code;        // the catalogue's department code
    std::string name;
    TransportSettings transport;
    Delivery delivery = Delivery::Callback;
    int pollIntervalSeconds = 0;  // > 0 exactly when delivery is Poll
    std::string secretEnv;        // the environment variable holding the callback secret
    RetrySettings retry;
    BreakerSettings breaker;
    std::string schemaFile;                                  // absolute
    std::map<std::string, std::string, std::less<>> stylesheets;  // call kind -> absolute .xsl path
    xml::Namespaces namespaces;
    ResponseMapping mapping;
};

// Reads and checks one department.json: unknown keys, missing or mistyped
// values, unknown call kinds or canonical outcome words, a transport kind not
// in `knownTransportKinds`, XPath expressions that do not compile or use an
// undeclared prefix, a schema or stylesheet file that does not exist. The
// schema path is relative to `projectRoot`, stylesheet paths to the file's
// folder. Throws config::ConfigError, one line naming the file and the key
// ("adapters/samr/department.json: transport.kind: unknown transport kind \"ftp\"").
DepartmentConfig loadDepartmentConfig(const std::string& file, const std::string& projectRoot,
                                      const std::set<std::string, std::less<>>& knownTransportKinds);

// One department ready to use: its configuration with the schema and the
// stylesheets compiled once. Immutable after loading and safe to share
// between threads (rendering and mapping are const and thread-safe).
class DepartmentAdapter {
  public:
    DepartmentAdapter(DepartmentConfig config, std::shared_ptr<const xml::Schema> schema,
                      std::map<std::string, std::shared_ptr<const xml::Stylesheet>, std::less<>> stylesheets,
                      std::shared_ptr<const xml::Stylesheet> envelope);

    const DepartmentConfig& config() const { return config_; }
    const std::string& code() const { return config_.code; }
    const xml::Schema& schema() const { return *schema_; }
    // The stylesheet for a call kind, or nullptr when the department has none.
    const xml::Stylesheet* stylesheet(std::string_view callKind) const;
    // The transport's envelope (adapters/transports/<kind>.xsl), or nullptr
    // when the transport sends the body as it is.
    const xml::Stylesheet* envelope() const { return envelope_.get(); }

  private:
    DepartmentConfig config_;
    std::shared_ptr<const xml::Schema> schema_;
    std::map<std::string, std::shared_ptr<const xml::Stylesheet>, std::less<>> stylesheets_;
    std::shared_ptr<const xml::Stylesheet> envelope_;
};

// Every configured department, by code. Immutable; safe to share.
class DepartmentAdapters {
  public:
    explicit DepartmentAdapters(std::vector<std::shared_ptr<const DepartmentAdapter>> adapters);

    // nullptr when no department has this code.
    std::shared_ptr<const DepartmentAdapter> find(std::string_view code) const;
    const std::vector<std::shared_ptr<const DepartmentAdapter>>& all() const { return adapters_; }

  private:
    std::vector<std::shared_ptr<const DepartmentAdapter>> adapters_;  // sorted by code
};

// Loads every adapters/<folder>/department.json under `adaptersDir` (folders
// without one, such as transports/, are skipped) and compiles its schema and
// stylesheets, plus the envelope stylesheet adaptersDir/transports/<kind>.xsl
// of every transport kind used, when that file exists. Checks, each fatal:
// the per-file checks of loadDepartmentConfig; a department code used twice;
// a department the catalogue does not know; a catalogue department without
// an adapter; a stylesheet missing for SUBMIT or CANCEL, for CORRECTION when
// the outcomeMap can yield CORRECTION_REQUIRED, for STATUS_QUERY when the
// department is polled; a catalogue output of one of the department's
// permits without a mapping; a schema or stylesheet that does not compile.
// Throws config::ConfigError, one line naming the file and the key.
DepartmentAdapters loadDepartments(const std::string& adaptersDir, const std::string& projectRoot,
                                   const core::Catalogue& catalogue,
                                   const std::set<std::string, std::less<>>& knownTransportKinds);

}  // namespace hub::adapter
