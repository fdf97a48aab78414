#include "deptsim/sim_config.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include <Poco/Exception.h>
#include <Poco/File.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Path.h>
#include <Poco/String.h>

#include "deptsim/message_template.h"

namespace deptsim {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

// Typed access to one JSON object with error messages that name the key.
class Reader {
  public:
    Reader(const Object& object, std::string where) : object_(object), where_(std::move(where)) {}

    void allowOnly(std::vector<std::string> keys) const {
        std::set<std::string> allowed(keys.begin(), keys.end());
        for (const auto& [key, value] : object_)
            if (!allowed.count(key)) fail(key, "unknown key");
    }
    bool has(const std::string& key) const { return object_.has(key) && !object_.isNull(key); }

    std::string string(const std::string& key, std::optional<std::string> fallback = std::nullopt) const {
        if (!has(key)) {
            if (fallback) return *fallback;
            fail(key, "missing");
        }
        const auto value = object_.get(key);
        if (!value.isString()) fail(key, "must be a string");
        return value.extract<std::string>();
    }
    int integer(const std::string& key, std::optional<int> fallback = std::nullopt, int min = 0,
                int max = 1'000'000'000) const {
        if (!has(key)) {
            if (fallback) return *fallback;
            fail(key, "missing");
        }
        const auto value = object_.get(key);
        if (!value.isInteger()) fail(key, "must be an integer");
        const long long number = value.convert<long long>();
        if (number < min || number > max)
            fail(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
        return static_cast<int>(number);
    }
    double rate(const std::string& key, double fallback) const {
        if (!has(key)) return fallback;
        const auto value = object_.get(key);
        if (!value.isNumeric()) fail(key, "must be a number");
        const double number = value.convert<double>();
        if (number < 0 || number > 1) fail(key, "must be between 0 and 1");
        return number;
    }
    bool boolean(const std::string& key, bool fallback) const {
        if (!has(key)) return fallback;
        const auto value = object_.get(key);
        if (!value.isBoolean()) fail(key, "must be true or false");
        return value.extract<bool>();
    }
    Object::Ptr object(const std::string& key, bool required = false) const {
        if (!has(key)) {
            if (required) fail(key, "missing");
            return new Object;
        }
        auto child = object_.getObject(key);
        if (!child) fail(key, "must be an object");
        return child;
    }
    Array::Ptr array(const std::string& key) const {
        if (!has(key)) return new Array;
        auto child = object_.getArray(key);
        if (!child) fail(key, "must be an array");
        return child;
    }
    std::vector<std::string> strings(const std::string& key) const {
        std::vector<std::string> out;
        auto list = array(key);
        for (std::size_t i = 0; i < list->size(); ++i) {
            if (!list->get(i).isString()) fail(key, "must hold strings");
            out.push_back(list->getElement<std::string>(i));
        }
        return out;
    }
    std::map<std::string, std::string, std::less<>> stringMap(const std::string& key) const {
        std::map<std::string, std::string, std::less<>> out;
        auto child = object(key);
        Reader reader(*child, where(key));
        for (const auto& [name, value] : *child) out[name] = reader.string(name);
        return out;
    }
    std::string where(const std::string& key) const {
        return where_.back() == ':' ? where_ + " " + key : where_ + "." + key;
    }
    [[noreturn]] void fail(const std::string& key, const std::string& what) const {
        throw ConfigError(where(key) + ": " + what);
    }

  private:
    const Object& object_;
    std::string where_;
};

std::string resolve(const std::string& base, const std::string& path) {
    Poco::Path resolved(path);
    if (resolved.isRelative()) resolved = Poco::Path(Poco::Path::forDirectory(base)).resolve(resolved);
    resolved.makeAbsolute();
    return resolved.toString();
}

void requireFile(const std::string& path, const std::string& where) {
    if (!Poco::File(path).exists() || !Poco::File(path).isFile()) throw ConfigError(where + ": no such file " + path);
}

void requireXPath(const std::string& xpath, const std::string& where) {
    if (xpath.empty()) return;
    if (auto error = hub::xml::xpathSyntaxError(xpath)) throw ConfigError(where + ": invalid XPath: " + *error);
}

PolicySettings readPolicy(const Object& object, const std::string& where,
                          std::map<std::string, PolicyOverride, std::less<>>& permitPolicies) {
    Reader reader(object, where);
    PolicySettings policy;
    parsePolicyOverride(object, where, {"permits"}).applyTo(policy);
    auto permits = reader.object("permits");
    for (const auto& [permit, value] : *permits) {
        auto entry = permits->getObject(permit);
        if (!entry) throw ConfigError(where + ".permits." + permit + ": must be an object");
        permitPolicies[permit] = parsePolicyOverride(*entry, where + ".permits." + permit);
    }
    return policy;
}

DepartmentSettings readDepartment(const std::string& code, const Object& object, const std::string& where,
                                  const std::string& configFolder, const std::string& projectRoot) {
    Reader reader(object, where);
    reader.allowOnly({"port", "path", "secretEnv", "schema", "namespaces", "delivery", "acknowledgementMeansAccepted",
                      "supportsOnTheSpot", "contentType", "receiptFormat", "answerIdFormat", "callbackIdFormat",
                      "extract", "requestFields", "templates", "answerWords", "statusWords", "correctionItems",
                      "rejectionReasons", "notAcceptedReasons", "permits", "policy", "faults"});
    DepartmentSettings department;
    department.code = code;
    department.port = reader.integer("port", std::nullopt, 0, 65535);
    department.path = reader.string("path");
    if (department.path.empty() || department.path.front() != '/') reader.fail("path", "must start with /");
    department.secretEnv = reader.string("secretEnv");
    department.schemaFile = resolve(projectRoot, reader.string("schema"));
    requireFile(department.schemaFile, reader.where("schema"));
    for (const auto& [prefix, uri] : reader.stringMap("namespaces")) department.namespaces[prefix] = uri;
    const std::string delivery = reader.string("delivery");
    if (delivery == "callback")
        department.delivery = DeliveryKind::Callback;
    else if (delivery == "poll")
        department.delivery = DeliveryKind::Poll;
    else
        reader.fail("delivery", "must be \"callback\" or \"poll\"");
    department.acknowledgementMeansAccepted = reader.boolean("acknowledgementMeansAccepted", false);
    department.supportsOnTheSpot = reader.boolean("supportsOnTheSpot", false);
    department.contentType = reader.string("contentType", department.contentType);
    department.receiptFormat = reader.string("receiptFormat");
    department.answerIdFormat = reader.string("answerIdFormat");
    department.callbackIdFormat = reader.string("callbackIdFormat");

    auto extract = reader.object("extract", true);
    Reader extractReader(*extract, where + ".extract");
    extractReader.allowOnly({"messageId", "kind", "permit", "package", "receiptNumber", "callbackUrl"});
    department.extract.messageId = extractReader.string("messageId");
    department.extract.kind = extractReader.string("kind");
    department.extract.permit = extractReader.string("permit");
    department.extract.package = extractReader.string("package");
    department.extract.receiptNumber = extractReader.string("receiptNumber");
    department.extract.callbackUrl = extractReader.string("callbackUrl", std::string());
    for (const auto& [key, xpath] :
         std::vector<std::pair<std::string, std::string>>{{"messageId", department.extract.messageId},
                                                          {"kind", department.extract.kind},
                                                          {"permit", department.extract.permit},
                                                          {"package", department.extract.package},
                                                          {"receiptNumber", department.extract.receiptNumber},
                                                          {"callbackUrl", department.extract.callbackUrl}})
        requireXPath(xpath, where + ".extract." + key);
    department.requestFields = reader.stringMap("requestFields");
    for (const auto& [name, xpath] : department.requestFields) requireXPath(xpath, where + ".requestFields." + name);

    for (const auto& [role, path] : reader.stringMap("templates")) {
        const std::string file = resolve(configFolder, path);
        requireFile(file, where + ".templates." + role);
        try {
            MessageTemplate::fromFile(file);
        } catch (const TemplateError& error) {
            throw ConfigError(where + ".templates." + role + ": " + error.what());
        }
        department.templates[role] = file;
    }
    for (const char* role : {"answer", department.delivery == DeliveryKind::Poll ? "status" : "callback"})
        if (!department.templates.count(role)) throw ConfigError(where + ".templates." + role + ": missing");
    department.answerWords = reader.stringMap("answerWords");
    department.statusWords = reader.stringMap("statusWords");
    department.correctionItems = reader.strings("correctionItems");
    department.rejectionReasons = reader.strings("rejectionReasons");
    department.notAcceptedReasons = reader.strings("notAcceptedReasons");
    if (department.correctionItems.empty() || department.rejectionReasons.empty() ||
        department.notAcceptedReasons.empty())
        throw ConfigError(where + ": correctionItems, rejectionReasons and notAcceptedReasons must not be empty");

    auto permits = reader.object("permits", true);
    for (const auto& [permit, value] : *permits) {
        const std::string permitWhere = where + ".permits." + permit;
        auto entry = permits->getObject(permit);
        if (!entry) throw ConfigError(permitWhere + ": must be an object");
        Reader permitReader(*entry, permitWhere);
        permitReader.allowOnly({"outputs", "validYears"});
        PermitSettings settings;
        settings.validYears = permitReader.integer("validYears", 5, 0, 100);
        auto outputs = permitReader.array("outputs");
        for (std::size_t i = 0; i < outputs->size(); ++i) {
            auto output = outputs->getObject(static_cast<unsigned>(i));
            const std::string outputWhere = permitWhere + ".outputs[" + std::to_string(i) + "]";
            if (!output) throw ConfigError(outputWhere + ": must be an object");
            Reader outputReader(*output, outputWhere);
            outputReader.allowOnly({"name", "generator", "pattern"});
            OutputSpec spec{outputReader.string("name"), outputReader.string("generator", std::string("format")),
                            outputReader.string("pattern", std::string())};
            static const std::set<std::string> generators{"format", "uscc", "mmsi", "callSign", "imoCompanyNumber"};
            if (!generators.count(spec.generator))
                outputReader.fail("generator", "unknown generator \"" + spec.generator +
                                                   "\" (format, uscc, mmsi, callSign, imoCompanyNumber)");
            settings.outputs.push_back(std::move(spec));
        }
        department.permits[permit] = std::move(settings);
    }
    if (department.permits.empty()) throw ConfigError(where + ".permits: at least one permit");
    department.policy = readPolicy(*reader.object("policy"), where + ".policy", department.permitPolicies);
    for (const auto& [permit, policy] : department.permitPolicies)
        if (!department.permits.count(permit))
            throw ConfigError(where + ".policy.permits." + permit + ": not a permit of " + code);
    parseFaultOverride(*reader.object("faults"), where + ".faults").applyTo(department.faults);
    return department;
}

}  // namespace

std::string_view toString(Decision decision) {
    switch (decision) {
        case Decision::Approve: return "approve";
        case Decision::Reject: return "reject";
        case Decision::Correction: return "correction";
        case Decision::NotAccept: return "not-accept";
    }
    return "approve";
}

std::optional<Decision> parseDecision(std::string_view text) {
    if (text == "approve") return Decision::Approve;
    if (text == "reject") return Decision::Reject;
    if (text == "correction") return Decision::Correction;
    if (text == "not-accept") return Decision::NotAccept;
    return std::nullopt;
}

void PolicyOverride::applyTo(PolicySettings& policy) const {
    if (decision) policy.decision = *decision;
    if (decisionDelayMs) policy.decisionDelayMs = *decisionDelayMs;
    if (onTheSpot) policy.onTheSpot = *onTheSpot;
    if (underReview) policy.underReview = *underReview;
}

void FaultOverride::applyTo(FaultSettings& faults) const {
    if (errorRate) faults.errorRate = *errorRate;
    if (timeoutRate) faults.timeoutRate = *timeoutRate;
    if (malformedRate) faults.malformedRate = *malformedRate;
    if (holdMs) faults.holdMs = *holdMs;
    if (downForSeconds) faults.downForSeconds = *downForSeconds;
}

PolicyOverride parsePolicyOverride(const Object& object, const std::string& where,
                                   const std::vector<std::string>& extraKeys) {
    Reader reader(object, where);
    std::vector<std::string> keys{"decision", "decisionDelayMs", "onTheSpot", "underReview"};
    keys.insert(keys.end(), extraKeys.begin(), extraKeys.end());
    reader.allowOnly(keys);
    PolicyOverride policy;
    if (reader.has("decision")) {
        const std::string text = reader.string("decision");
        policy.decision = parseDecision(text);
        if (!policy.decision)
            reader.fail("decision", "unknown decision \"" + text + "\" (approve, reject, correction, not-accept)");
    }
    if (reader.has("decisionDelayMs")) policy.decisionDelayMs = reader.integer("decisionDelayMs", 0, 0, 86'400'000);
    if (reader.has("onTheSpot")) policy.onTheSpot = reader.boolean("onTheSpot", false);
    if (reader.has("underReview")) policy.underReview = reader.boolean("underReview", true);
    return policy;
}

FaultOverride parseFaultOverride(const Object& object, const std::string& where,
                                 const std::vector<std::string>& extraKeys) {
    Reader reader(object, where);
    std::vector<std::string> keys{"errorRate", "timeoutRate", "malformedRate", "holdMs", "downForSeconds"};
    keys.insert(keys.end(), extraKeys.begin(), extraKeys.end());
    reader.allowOnly(keys);
    FaultOverride faults;
    if (reader.has("errorRate")) faults.errorRate = reader.rate("errorRate", 0);
    if (reader.has("timeoutRate")) faults.timeoutRate = reader.rate("timeoutRate", 0);
    if (reader.has("malformedRate")) faults.malformedRate = reader.rate("malformedRate", 0);
    if (reader.has("holdMs")) faults.holdMs = reader.integer("holdMs", 0, 0, 3'600'000);
    if (reader.has("downForSeconds")) faults.downForSeconds = reader.integer("downForSeconds", 0, 0, 86'400);
    return faults;
}

std::string developmentSecret(const std::string& code) { return "dev-secret-" + Poco::toLower(code); }

const DepartmentSettings* SimConfig::department(std::string_view code) const {
    for (const auto& department : departments)
        if (department.code == code) return &department;
    return nullptr;
}

SimConfig loadSimConfig(const std::string& file) {
    SimConfig config;
    config.file = Poco::Path(file).makeAbsolute().toString();
    std::ifstream in(config.file, std::ios::binary);
    if (!in) throw ConfigError(file + ": cannot read the configuration file");
    std::ostringstream text;
    text << in.rdbuf();
    Poco::Dynamic::Var parsed;
    try {
        parsed = Poco::JSON::Parser().parse(text.str());
    } catch (const Poco::Exception& error) {
        throw ConfigError(file + ": not valid JSON: " + error.message());
    }
    auto root = parsed.extract<Object::Ptr>();
    if (!root) throw ConfigError(file + ": the top level must be an object");
    Reader reader(*root, file + ":");
    reader.allowOnly({"projectRoot", "hubUrl", "controlPort", "signatureMaxSkewMs", "messageLogSize", "maxBodyBytes",
                      "delivery", "departments"});
    const std::string folder = Poco::Path(config.file).parent().toString();
    config.projectRoot = resolve(folder, reader.string("projectRoot", std::string("..")));
    config.hubUrl = reader.string("hubUrl", config.hubUrl);
    config.controlPort = reader.integer("controlPort", config.controlPort, 0, 65535);
    config.signatureMaxSkewMs = reader.integer("signatureMaxSkewMs", config.signatureMaxSkewMs, 0);
    config.messageLogSize = reader.integer("messageLogSize", config.messageLogSize, 1, 100000);
    config.maxBodyBytes = reader.integer("maxBodyBytes", config.maxBodyBytes, 1024);
    auto delivery = reader.object("delivery");
    Reader deliveryReader(*delivery, reader.where("delivery"));
    deliveryReader.allowOnly({"threads", "timeoutMs", "maxAttempts", "baseDelayMs", "maxDelayMs"});
    config.delivery.threads = deliveryReader.integer("threads", config.delivery.threads, 1, 64);
    config.delivery.timeoutMs = deliveryReader.integer("timeoutMs", config.delivery.timeoutMs, 1);
    config.delivery.maxAttempts = deliveryReader.integer("maxAttempts", config.delivery.maxAttempts, 1, 100);
    config.delivery.baseDelayMs = deliveryReader.integer("baseDelayMs", config.delivery.baseDelayMs, 0);
    config.delivery.maxDelayMs = deliveryReader.integer("maxDelayMs", config.delivery.maxDelayMs, 0);
    auto departments = reader.object("departments", true);
    for (const auto& [code, value] : *departments) {
        auto entry = departments->getObject(code);
        if (!entry) throw ConfigError(file + ": departments." + code + ": must be an object");
        config.departments.push_back(
            readDepartment(code, *entry, file + ": departments." + code, folder, config.projectRoot));
    }
    if (config.departments.empty()) throw ConfigError(file + ": departments: at least one department");
    return config;
}

}  // namespace deptsim
