#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <Poco/JSON/Object.h>

#include "xml/document.h"

namespace deptsim {

// A bad configuration file or control request: one line naming the file (or
// request) and the key.
class ConfigError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

enum class Decision { Approve, Reject, Correction, NotAccept };
std::string_view toString(Decision decision);
std::optional<Decision> parseDecision(std::string_view text);

// How a department decides (per department, optionally per permit).
struct PolicySettings {
    Decision decision = Decision::Approve;
    int decisionDelayMs = 2000;
    bool onTheSpot = false;     // decide in the HTTP answer (departments that support it)
    bool underReview = true;    // send UNDER_REVIEW between acceptance and decision
};

// A partial policy: only the fields present are applied over another.
struct PolicyOverride {
    std::optional<Decision> decision;
    std::optional<int> decisionDelayMs;
    std::optional<bool> onTheSpot;
    std::optional<bool> underReview;
    void applyTo(PolicySettings& policy) const;
};

struct FaultSettings {
    double errorRate = 0;       // answer 500/503 before doing anything
    double timeoutRate = 0;     // process, then hold the answer for holdMs
    double malformedRate = 0;   // process, then answer broken XML
    int holdMs = 15000;
    int downForSeconds = 0;     // closed listening socket for this long
};

struct FaultOverride {
    std::optional<double> errorRate;
    std::optional<double> timeoutRate;
    std::optional<double> malformedRate;
    std::optional<int> holdMs;
    std::optional<int> downForSeconds;
    void applyTo(FaultSettings& faults) const;
};

// One output of an approval: `generator` is "format", "uscc", "mmsi",
// "callSign" or "imoCompanyNumber"; `pattern` is a format pattern (see
// output_generator.h) that the generator uses as its input.
struct OutputSpec {
    std::string name;
    std::string generator = "format";
    std::string pattern;
};

struct PermitSettings {
    std::vector<OutputSpec> outputs;
    int validYears = 5;  // 0: no ValidUntil
};

// XPath 1.0 expressions over an incoming message (prefixes from `namespaces`).
struct ExtractSettings {
    std::string messageId;
    std::string kind;           // yields SUBMIT, CORRECTION, CANCEL or STATUS_QUERY
    std::string permit;
    std::string package;        // what identifies the applicant's case within the message
    std::string receiptNumber;
    std::string callbackUrl;
};

enum class DeliveryKind { Callback, Poll };

struct DepartmentSettings {
    std::string code;
    int port = 0;
    std::string path;
    std::string secretEnv;
    std::string schemaFile;      // absolute
    hub::xml::Namespaces namespaces;
    DeliveryKind delivery = DeliveryKind::Callback;
    bool acknowledgementMeansAccepted = false;  // the synchronous receipt is already 受理
    bool supportsOnTheSpot = false;
    std::string contentType = "application/xml; charset=utf-8";
    std::string receiptFormat;
    std::string answerIdFormat;
    std::string callbackIdFormat;
    ExtractSettings extract;
    std::map<std::string, std::string, std::less<>> requestFields;   // name -> XPath
    std::map<std::string, std::string, std::less<>> templates;       // role -> absolute file
    std::map<std::string, std::string, std::less<>> answerWords;     // answer kind -> dialect word
    std::map<std::string, std::string, std::less<>> statusWords;     // canonical status -> dialect word
    std::vector<std::string> correctionItems;
    std::vector<std::string> rejectionReasons;
    std::vector<std::string> notAcceptedReasons;
    std::map<std::string, PermitSettings, std::less<>> permits;
    PolicySettings policy;
    std::map<std::string, PolicyOverride, std::less<>> permitPolicies;
    FaultSettings faults;
};

struct DeliverySettings {
    int threads = 2;
    int timeoutMs = 5000;
    int maxAttempts = 6;
    int baseDelayMs = 200;
    int maxDelayMs = 10000;
};

struct SimConfig {
    std::string file;         // absolute
    std::string projectRoot;  // absolute
    std::string hubUrl = "http://127.0.0.1:8080";
    int controlPort = 18100;
    int signatureMaxSkewMs = 300000;
    int messageLogSize = 200;
    int maxBodyBytes = 16 * 1024 * 1024;
    DeliverySettings delivery;
    std::vector<DepartmentSettings> departments;

    const DepartmentSettings* department(std::string_view code) const;
};

// Reads and checks deptsim.json: unknown keys, mistyped values, rates outside
// [0,1], missing schema or template files are ConfigError. Paths in the file
// are relative to its folder ("projectRoot", "templates") or to the project
// root ("schema").
SimConfig loadSimConfig(const std::string& file);

// Control requests and the config file share these readers; `where` prefixes
// error messages. Unknown keys other than `extraKeys` are refused.
PolicyOverride parsePolicyOverride(const Poco::JSON::Object& object, const std::string& where,
                                   const std::vector<std::string>& extraKeys = {});
FaultOverride parseFaultOverride(const Poco::JSON::Object& object, const std::string& where,
                                 const std::vector<std::string>& extraKeys = {});

// The development default when the secret environment variable is unset:
// "dev-secret-" + the department code in lower case.
std::string developmentSecret(const std::string& code);

}  // namespace deptsim
