#include "adapter/department_config.h"

#include <Poco/Exception.h>

#include <algorithm>
#include <array>
#include <filesystem>

#include "config/hub_config.h"
#include "config/json_file.h"
#include "xml/package_reader.h"

namespace hub::adapter {

namespace fs = std::filesystem;
using config::ConfigError;
using config::detail::isObject;
using config::detail::jsonTypeName;

namespace {

constexpr std::array<std::string_view, 4> kCallKinds = {kCallSubmit, kCallCorrection, kCallCancel,
                                                        kCallStatusQuery};

constexpr std::array<std::pair<std::string_view, Delivery>, 3> kDeliveries = {{
    {"sync-or-callback", Delivery::SyncOrCallback},
    {"callback", Delivery::Callback},
    {"poll", Delivery::Poll},
}};


// Typed access to one JSON object of a department file; every error names the
// file and the key path, e.g. "…/department.json: retry.maxAttempts: missing".
class JsonObject {
  public:
    JsonObject(std::string file, std::string path, Poco::JSON::Object::Ptr object,
               std::initializer_list<std::string_view> allowedKeys)
        : file_(std::move(file)), path_(std::move(path)), object_(std::move(object)) {
        for (const auto& [key, value] : *object_) {
            if (std::find(allowedKeys.begin(), allowedKeys.end(), key) == allowedKeys.end()) {
                fail(key, "unknown key");
            }
        }
    }

    bool has(const std::string& key) const { return object_->has(key); }

    std::string requiredString(const std::string& key) const {
        if (!has(key)) fail(key, "missing");
        std::string value = optionalString(key);
        if (value.empty()) fail(key, "must not be empty");
        return value;
    }

    std::string optionalString(const std::string& key) const {
        if (!has(key)) return {};
        Poco::Dynamic::Var value = object_->get(key);
        if (!value.isString()) fail(key, "expected a string, got " + jsonTypeName(value));
        return value.extract<std::string>();
    }

    int positiveInteger(const std::string& key) const {
        if (!has(key)) fail(key, "missing");
        Poco::Dynamic::Var value = object_->get(key);
        if (!value.isInteger() || value.isBoolean()) fail(key, "expected an integer, got " + jsonTypeName(value));
        int number = 0;
        try {
            number = value.convert<int>();
        } catch (const Poco::Exception&) {
            fail(key, "integer out of range");
        }
        if (number <= 0) fail(key, "must be greater than 0");
        return number;
    }

    bool optionalBoolean(const std::string& key, bool fallback) const {
        if (!has(key)) return fallback;
        Poco::Dynamic::Var value = object_->get(key);
        if (!value.isBoolean()) fail(key, "expected a boolean, got " + jsonTypeName(value));
        return value.extract<bool>();
    }

    JsonObject object(const std::string& key, std::initializer_list<std::string_view> allowedKeys) const {
        if (!has(key)) fail(key, "missing");
        Poco::Dynamic::Var value = object_->get(key);
        if (!isObject(value)) fail(key, "expected an object, got " + jsonTypeName(value));
        return JsonObject(file_, join(key), value.extract<Poco::JSON::Object::Ptr>(), allowedKeys);
    }

    // An object whose keys are free (checked by the caller) and whose values
    // must be non-empty strings.
    std::map<std::string, std::string, std::less<>> stringMap(const std::string& key) const {
        std::map<std::string, std::string, std::less<>> entries;
        if (!has(key)) fail(key, "missing");
        Poco::Dynamic::Var value = object_->get(key);
        if (!isObject(value)) fail(key, "expected an object, got " + jsonTypeName(value));
        auto map = value.extract<Poco::JSON::Object::Ptr>();
        for (const auto& [name, item] : *map) {
            if (!item.isString() || item.extract<std::string>().empty()) {
                fail(key + "." + name, "expected a non-empty string, got " + jsonTypeName(item));
            }
            entries.emplace(name, item.extract<std::string>());
        }
        return entries;
    }

    [[noreturn]] void fail(const std::string& key, const std::string& message) const {
        throw ConfigError(file_ + ": " + join(key) + ": " + message);
    }

  private:
    std::string join(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

    std::string file_;
    std::string path_;
    Poco::JSON::Object::Ptr object_;
};

bool isNameStart(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool isNameChar(char c) { return isNameStart(c) || (c >= '0' && c <= '9') || c == '-' || c == '.'; }

// The namespace prefixes of the QNames in an XPath expression (outside
// string literals; "axis::" and variable names are not prefixes).
std::set<std::string> prefixesIn(std::string_view xpath) {
    std::set<std::string> prefixes;
    for (std::size_t i = 0; i < xpath.size();) {
        char c = xpath[i];
        if (c == '\'' || c == '"') {
            auto end = xpath.find(c, i + 1);
            i = end == std::string_view::npos ? xpath.size() : end + 1;
            continue;
        }
        if (!isNameStart(c)) {
            ++i;
            continue;
        }
        bool variable = i > 0 && xpath[i - 1] == '$';
        std::size_t start = i;
        while (i < xpath.size() && isNameChar(xpath[i])) ++i;
        bool prefixed = i + 1 < xpath.size() && xpath[i] == ':' && xpath[i + 1] != ':';
        if (prefixed && !variable) {
            prefixes.emplace(xpath.substr(start, i - start));
        }
        if (i < xpath.size() && xpath[i] == ':') {
            i += xpath.substr(i, 2) == "::" ? 2 : 1;
        }
    }
    return prefixes;
}

void checkXPath(const JsonObject& where, const std::string& key, const std::string& xpath,
                const xml::Namespaces& namespaces) {
    if (auto error = xml::xpathSyntaxError(xpath)) {
        where.fail(key, "invalid XPath: " + *error);
    }
    for (const auto& prefix : prefixesIn(xpath)) {
        if (!namespaces.contains(prefix)) {
            where.fail(key, "XPath uses the prefix \"" + prefix + "\" which \"namespaces\" does not declare");
        }
    }
}

std::string absolute(const fs::path& base, const std::string& relative) {
    return fs::weakly_canonical(fs::absolute(base / relative)).string();
}

}  // namespace

bool isCallKind(std::string_view kind) {
    return std::find(kCallKinds.begin(), kCallKinds.end(), kind) != kCallKinds.end();
}

std::string_view toString(Delivery delivery) {
    for (const auto& [word, value] : kDeliveries) {
        if (value == delivery) return word;
    }
    return "callback";
}

DepartmentConfig loadDepartmentConfig(const std::string& file, const std::string& projectRoot,
                                      const std::set<std::string, std::less<>>& knownTransportKinds) {
    DepartmentConfig department;
    department.configFile = fs::absolute(file).lexically_normal().string();
    department.folder = fs::path(department.configFile).parent_path().string();

    JsonObject root(file, "", config::detail::readJsonObjectFile(file),
                    {"code", "name", "transport", "delivery", "poll", "auth", "retry", "breaker", "schema",
                     "stylesheets", "namespaces", "mapping"});
    department.code = root.requiredString("code");
    department.name = root.requiredString("name");

    JsonObject transport = root.object("transport", {"kind", "endpoint", "timeoutMs", "maxConcurrent", "tls"});
    department.transport.kind = transport.requiredString("kind");
    if (!knownTransportKinds.contains(department.transport.kind)) {
        std::string known;
        for (const auto& kind : knownTransportKinds) known += (known.empty() ? "" : ", ") + kind;
        transport.fail("kind", "unknown transport kind \"" + department.transport.kind + "\" (known: " + known + ")");
    }
    department.transport.endpoint = transport.requiredString("endpoint");
    department.transport.timeoutMs = transport.positiveInteger("timeoutMs");
    department.transport.maxConcurrent = transport.positiveInteger("maxConcurrent");
    if (transport.has("tls")) {
        JsonObject tls = transport.object("tls", {"caFile", "certificateFile", "privateKeyFile", "verifyHost"});
        auto path = [&](const std::string& key) {
            std::string value = tls.optionalString(key);
            return value.empty() ? value : absolute(department.folder, value);
        };
        TransportTlsSettings settings{path("caFile"), path("certificateFile"), path("privateKeyFile"),
                                      tls.optionalBoolean("verifyHost", true)};
        if (settings.certificateFile.empty() != settings.privateKeyFile.empty())
            tls.fail(settings.certificateFile.empty() ? "certificateFile" : "privateKeyFile",
                     "missing (certificateFile and privateKeyFile go together)");
        department.transport.tls = std::move(settings);
    }

    std::string delivery = root.requiredString("delivery");
    auto knownDelivery = std::find_if(kDeliveries.begin(), kDeliveries.end(),
                                      [&](const auto& entry) { return entry.first == delivery; });
    if (knownDelivery == kDeliveries.end()) {
        root.fail("delivery", "unknown delivery \"" + delivery + "\" (known: sync-or-callback, callback, poll)");
    }
    department.delivery = knownDelivery->second;
    if (department.delivery == Delivery::Poll) {
        department.pollIntervalSeconds = root.object("poll", {"intervalSeconds"}).positiveInteger("intervalSeconds");
    } else if (root.has("poll")) {
        root.fail("poll", "only a department with \"delivery\": \"poll\" is polled");
    }

    department.secretEnv = root.object("auth", {"secretEnv"}).requiredString("secretEnv");

    JsonObject retry = root.object("retry", {"maxAttempts", "baseDelayMs", "maxDelayMs"});
    department.retry = {retry.positiveInteger("maxAttempts"), retry.positiveInteger("baseDelayMs"),
                        retry.positiveInteger("maxDelayMs")};
    if (department.retry.maxDelayMs < department.retry.baseDelayMs) {
        retry.fail("maxDelayMs", "must not be less than baseDelayMs");
    }
    JsonObject breaker = root.object("breaker", {"failureThreshold", "openSeconds"});
    department.breaker = {breaker.positiveInteger("failureThreshold"), breaker.positiveInteger("openSeconds")};

    std::error_code ec;
    department.schemaFile = absolute(projectRoot, root.requiredString("schema"));
    if (!fs::is_regular_file(department.schemaFile, ec)) {
        root.fail("schema", "file not found: " + department.schemaFile);
    }

    for (const auto& [kind, path] : root.stringMap("stylesheets")) {
        if (!isCallKind(kind)) {
            root.fail("stylesheets." + kind, "unknown call kind (known: SUBMIT, CORRECTION, CANCEL, STATUS_QUERY)");
        }
        std::string stylesheet = absolute(department.folder, path);
        if (!fs::is_regular_file(stylesheet, ec)) {
            root.fail("stylesheets." + kind, "file not found: " + stylesheet);
        }
        department.stylesheets.emplace(kind, std::move(stylesheet));
    }

    for (const auto& [prefix, uri] : root.stringMap("namespaces")) {
        if (!isNameStart(prefix.front()) ||
            !std::all_of(prefix.begin(), prefix.end(), [](char c) { return isNameChar(c); })) {
            root.fail("namespaces." + prefix, "not a valid namespace prefix");
        }
        department.namespaces.emplace(prefix, uri);
    }

    JsonObject mapping =
        root.object("mapping", {"outcome", "outcomeMap", "receiptNumber", "messageId", "permit", "reasons",
                                "certificateNumber", "issuedOn", "validUntil", "extensionDays", "outputs"});
    auto& m = department.mapping;
    m.outcome = mapping.requiredString("outcome");
    checkXPath(mapping, "outcome", m.outcome, department.namespaces);
    for (const auto& [word, canonical] : mapping.stringMap("outcomeMap")) {
        auto outcome = outcomeFromString(canonical);
        if (!outcome) {
            mapping.fail("outcomeMap." + word,
                         "unknown outcome \"" + canonical +
                             "\" (known: ACKNOWLEDGED, ACCEPTED, CORRECTION_REQUIRED, UNDER_REVIEW, SUSPENDED, "
                             "RESUMED, ISSUED, REJECTED, NOT_ACCEPTED)");
        }
        m.outcomeMap.emplace(word, *outcome);
    }
    if (m.outcomeMap.empty()) mapping.fail("outcomeMap", "must not be empty");
    struct Field {
        const char* key;
        std::string* target;
    };
    for (Field field : {Field{"receiptNumber", &m.receiptNumber}, Field{"messageId", &m.messageId},
                        Field{"permit", &m.permit}, Field{"reasons", &m.reasons},
                        Field{"certificateNumber", &m.certificateNumber}, Field{"issuedOn", &m.issuedOn},
                        Field{"validUntil", &m.validUntil}, Field{"extensionDays", &m.extensionDays}}) {
        *field.target = mapping.optionalString(field.key);
        if (!field.target->empty()) {
            checkXPath(mapping, field.key, *field.target, department.namespaces);
        }
    }
    if (mapping.has("outputs")) {
        m.outputs = mapping.stringMap("outputs");
        for (const auto& [name, xpath] : m.outputs) {
            checkXPath(mapping, "outputs." + name, xpath, department.namespaces);
        }
    }
    if (std::any_of(m.outcomeMap.begin(), m.outcomeMap.end(),
                    [](const auto& entry) { return entry.second == Outcome::Issued; })) {
        if (m.certificateNumber.empty()) {
            mapping.fail("certificateNumber", "missing (the outcomeMap can yield ISSUED)");
        }
        if (m.issuedOn.empty()) {
            mapping.fail("issuedOn", "missing (the outcomeMap can yield ISSUED)");
        }
    }
    return department;
}

DepartmentAdapter::DepartmentAdapter(DepartmentConfig config, std::shared_ptr<const xml::Schema> schema,
                                     std::map<std::string, std::shared_ptr<const xml::Stylesheet>, std::less<>> stylesheets,
                                     std::shared_ptr<const xml::Stylesheet> envelope)
    : config_(std::move(config)),
      schema_(std::move(schema)),
      stylesheets_(std::move(stylesheets)),
      envelope_(std::move(envelope)) {}

const xml::Stylesheet* DepartmentAdapter::stylesheet(std::string_view callKind) const {
    auto found = stylesheets_.find(callKind);
    return found == stylesheets_.end() ? nullptr : found->second.get();
}

DepartmentAdapters::DepartmentAdapters(std::vector<std::shared_ptr<const DepartmentAdapter>> adapters)
    : adapters_(std::move(adapters)) {
    std::sort(adapters_.begin(), adapters_.end(), [](const auto& a, const auto& b) { return a->code() < b->code(); });
}

std::shared_ptr<const DepartmentAdapter> DepartmentAdapters::find(std::string_view code) const {
    auto found = std::lower_bound(adapters_.begin(), adapters_.end(), code,
                                  [](const auto& adapter, std::string_view c) { return adapter->code() < c; });
    return found != adapters_.end() && (*found)->code() == code ? *found : nullptr;
}

namespace {

void requireStylesheet(const DepartmentConfig& department, std::string_view kind, const std::string& why) {
    if (!department.stylesheets.contains(kind)) {
        throw ConfigError(department.configFile + ": stylesheets." + std::string(kind) + ": missing (" + why + ")");
    }
}

template <typename Compile>
auto compileOrFail(const std::string& configFile, const std::string& key, Compile compile) {
    try {
        return compile();
    } catch (const xml::XmlSetupError& error) {
        throw ConfigError(configFile + ": " + key + ": " + error.what());
    }
}

}  // namespace

DepartmentAdapters loadDepartments(const std::string& adaptersDir, const std::string& projectRoot,
                                   const core::Catalogue& catalogue,
                                   const std::set<std::string, std::less<>>& knownTransportKinds) {
    std::error_code ec;
    if (!fs::is_directory(adaptersDir, ec)) {
        throw ConfigError(adaptersDir + ": adapters folder not found");
    }
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(adaptersDir, ec)) {
        fs::path file = entry.path() / "department.json";
        if (entry.is_directory() && fs::is_regular_file(file)) {
            files.push_back(file);
        }
    }
    if (ec) {
        throw ConfigError(adaptersDir + ": cannot list the adapters folder: " + ec.message());
    }
    std::sort(files.begin(), files.end());

    std::map<std::string, std::shared_ptr<const xml::Stylesheet>, std::less<>> envelopes;
    std::map<std::string, std::string, std::less<>> fileOfCode;
    std::vector<std::shared_ptr<const DepartmentAdapter>> adapters;
    for (const auto& file : files) {
        DepartmentConfig department = loadDepartmentConfig(file.string(), projectRoot, knownTransportKinds);
        const std::string& where = department.configFile;
        if (auto [existing, added] = fileOfCode.emplace(department.code, where); !added) {
            throw ConfigError(where + ": code: department " + department.code + " is already configured by " +
                              existing->second);
        }
        if (catalogue.findDepartment(department.code) == nullptr) {
            throw ConfigError(where + ": code: department " + department.code + " is not in the permit catalogue");
        }

        requireStylesheet(department, kCallSubmit, "every department receives applications");
        requireStylesheet(department, kCallCancel, "a withdrawal cancels every pending permit");
        bool corrections = std::any_of(department.mapping.outcomeMap.begin(), department.mapping.outcomeMap.end(),
                                       [](const auto& e) { return e.second == Outcome::CorrectionRequired; });
        if (corrections) {
            requireStylesheet(department, kCallCorrection, "the outcomeMap can yield CORRECTION_REQUIRED");
        }
        if (department.delivery == Delivery::Poll) {
            requireStylesheet(department, kCallStatusQuery, "the department is polled");
        }
        for (const auto& permit : catalogue.permits()) {
            if (permit.department != department.code) continue;
            for (const auto& output : permit.outputs) {
                if (!department.mapping.outputs.contains(output)) {
                    throw ConfigError(where + ": mapping.outputs." + output + ": missing (an output of permit " +
                                      permit.id + ")");
                }
            }
        }

        auto schema = compileOrFail(where, "schema", [&] {
            return std::make_shared<const xml::Schema>(department.schemaFile);
        });
        std::map<std::string, std::shared_ptr<const xml::Stylesheet>, std::less<>> compiledByFile;
        std::map<std::string, std::shared_ptr<const xml::Stylesheet>, std::less<>> stylesheets;
        for (const auto& [kind, path] : department.stylesheets) {
            auto& compiled = compiledByFile[path];
            if (!compiled) {
                compiled = compileOrFail(where, "stylesheets." + kind,
                                         [&file = path] { return std::make_shared<const xml::Stylesheet>(file); });
            }
            stylesheets.emplace(kind, compiled);
        }

        const std::string& kind = department.transport.kind;
        if (!envelopes.contains(kind)) {
            fs::path envelopeFile = fs::path(adaptersDir) / "transports" / (kind + ".xsl");
            std::shared_ptr<const xml::Stylesheet> envelope;
            if (fs::is_regular_file(envelopeFile, ec)) {
                envelope = compileOrFail(where, "transport.kind", [&] {
                    return std::make_shared<const xml::Stylesheet>(
                        fs::absolute(envelopeFile).lexically_normal().string());
                });
            }
            envelopes.emplace(kind, envelope);
        }
        adapters.push_back(std::make_shared<const DepartmentAdapter>(std::move(department), std::move(schema),
                                                                     std::move(stylesheets), envelopes[kind]));
    }

    for (const auto& department : catalogue.departments()) {
        if (!fileOfCode.contains(department.code)) {
            throw ConfigError(adaptersDir + ": department " + department.code +
                              " of the permit catalogue has no adapter (expected a folder with a department.json)");
        }
    }
    return DepartmentAdapters(std::move(adapters));
}

}  // namespace hub::adapter
