#include "config/hub_config.h"

#include <sys/stat.h>

#include <Poco/Exception.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <set>
#include <sstream>

#include "config/json_file.h"

extern char** environ;

namespace hub::config {

namespace {

namespace fs = std::filesystem;
using detail::isArray;
using detail::isObject;
using detail::jsonTypeName;

enum class LeafType { String, Integer, Boolean, StringList };

// The accepted shape of the hub configuration; anything else is an unknown key.
struct SchemaNode {
    std::optional<LeafType> leaf;
    std::map<std::string, SchemaNode> children;
};

SchemaNode leaf(LeafType type) { return SchemaNode{type, {}}; }
SchemaNode section(std::map<std::string, SchemaNode> children) { return SchemaNode{std::nullopt, std::move(children)}; }

const SchemaNode& hubSchema() {
    using enum LeafType;
    static const SchemaNode schema = section({
        {"server", section({
                       {"host", leaf(String)},
                       {"port", leaf(Integer)},
                       {"threads", leaf(Integer)},
                       {"maxQueued", leaf(Integer)},
                       {"portFile", leaf(String)},
                       {"rateLimitPerSecond", leaf(Integer)},
                       {"rateLimitBurst", leaf(Integer)},
                       {"tls", section({
                                   {"certificateFile", leaf(String)},
                                   {"privateKeyFile", leaf(String)},
                                   {"caFile", leaf(String)},
                                   {"requireClientCertificate", leaf(Boolean)},
                               })},
                   })},
        {"store", section({
                      {"kind", leaf(String)},
                      {"sqlite", section({
                                     {"path", leaf(String)},
                                     {"busyTimeoutMs", leaf(Integer)},
                                 })},
                      {"mysql", section({
                                    {"host", leaf(String)},
                                    {"port", leaf(Integer)},
                                    {"user", leaf(String)},
                                    {"database", leaf(String)},
                                    {"passwordEnv", leaf(String)},
                                    {"passwordFile", leaf(String)},
                                    {"poolSize", leaf(Integer)},
                                    {"connectTimeoutSeconds", leaf(Integer)},
                                })},
                  })},
        {"intake", section({
                       {"maxPackageBytes", leaf(Integer)},
                       {"maxXmlDepth", leaf(Integer)},
                       {"addMissingPrerequisites", leaf(Boolean)},
                       {"usccAllowList", leaf(StringList)},
                       {"idempotencyInProgressTimeoutSeconds", leaf(Integer)},
                   })},
        {"catalogue", leaf(String)},
        {"schemas", leaf(String)},
        {"adapters", leaf(String)},
        {"dispatch", section({
                         {"enabled", leaf(Boolean)},
                         {"workers", leaf(Integer)},
                         {"leaseSeconds", leaf(Integer)},
                         {"batchSize", leaf(Integer)},
                         {"owner", leaf(String)},
                         {"callbackBaseUrl", leaf(String)},
                         {"developmentSecrets", leaf(Boolean)},
                     })},
        {"calendar", leaf(String)},
        {"web", leaf(String)},
        {"tracking", section({
                         {"callbackMaxSkewSeconds", leaf(Integer)},
                         {"earlyCallbackWaitMs", leaf(Integer)},
                         {"clockSweepSeconds", leaf(Integer)},
                         {"pollIntervalSeconds", leaf(Integer)},
                         {"notificationSecretEnv", leaf(String)},
                     })},
        {"audit", section({
                      {"anchorSeconds", leaf(Integer)},
                  })},
        {"logLevel", leaf(String)},
        {"logFormat", leaf(String)},
    });
    return schema;
}

std::string environmentName(const std::string& path) {
    std::string name = "HUB_";
    for (char c : path) {
        name.push_back(c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    }
    return name;
}

std::string trim(std::string_view text) {
    auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) return {};
    auto last = text.find_last_not_of(" \t\r\n");
    return std::string(text.substr(first, last - first + 1));
}

std::string lowered(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

// Reads leaves by dotted path: an environment override wins over the file,
// which wins over the default. Every error names the file, the key and, for
// overrides, the variable.
class ConfigReader {
  public:
    ConfigReader(std::string file, Poco::JSON::Object::Ptr root, const std::map<std::string, std::string>& environment)
        : file_(std::move(file)), root_(std::move(root)), environment_(environment) {
        checkShape(root_, hubSchema(), "");
    }

    std::string string(const std::string& path, std::string fallback) {
        if (auto text = fromEnvironment(path)) return *text;
        if (auto value = fromFile(path)) {
            if (!value->isString()) fail(path, "expected a string, got " + jsonTypeName(*value));
            return value->extract<std::string>();
        }
        return fallback;
    }

    std::int64_t integer(const std::string& path, std::int64_t fallback, std::int64_t min, std::int64_t max) {
        std::int64_t result = fallback;
        if (auto text = fromEnvironment(path)) {
            std::string value = trim(*text);
            auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), result);
            if (value.empty() || error != std::errc{} || end != value.data() + value.size()) {
                fail(path, "expected an integer, got '" + *text + "' from " + environmentName(path));
            }
        } else if (auto value = fromFile(path)) {
            if (!value->isInteger() || value->isBoolean()) fail(path, "expected an integer, got " + jsonTypeName(*value));
            try {
                result = value->convert<std::int64_t>();
            } catch (const Poco::Exception&) {
                fail(path, "integer out of range");
            }
        } else {
            return fallback;
        }
        if (result < min || result > max) {
            fail(path, "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", got " +
                           std::to_string(result));
        }
        return result;
    }

    int integer32(const std::string& path, int fallback, int min, int max = std::numeric_limits<int>::max()) {
        return static_cast<int>(integer(path, fallback, min, max));
    }

    bool boolean(const std::string& path, bool fallback) {
        if (auto text = fromEnvironment(path)) {
            std::string value = lowered(trim(*text));
            if (value == "true" || value == "1" || value == "yes") return true;
            if (value == "false" || value == "0" || value == "no") return false;
            fail(path, "expected true or false, got '" + *text + "' from " + environmentName(path));
        }
        if (auto value = fromFile(path)) {
            if (!value->isBoolean()) fail(path, "expected a boolean, got " + jsonTypeName(*value));
            return value->extract<bool>();
        }
        return fallback;
    }

    // An environment override is a comma-separated list; blanks are dropped.
    std::vector<std::string> stringList(const std::string& path) {
        std::vector<std::string> items;
        if (auto text = fromEnvironment(path)) {
            std::stringstream stream(*text);
            for (std::string item; std::getline(stream, item, ',');) {
                if (auto cleaned = trim(item); !cleaned.empty()) items.push_back(cleaned);
            }
            return items;
        }
        if (auto value = fromFile(path)) {
            if (!isArray(*value)) fail(path, "expected an array of strings, got " + jsonTypeName(*value));
            auto array = value->extract<Poco::JSON::Array::Ptr>();
            for (std::size_t i = 0; i < array->size(); ++i) {
                Poco::Dynamic::Var item = array->get(static_cast<unsigned>(i));
                if (!item.isString()) {
                    fail(path + "[" + std::to_string(i) + "]", "expected a string, got " + jsonTypeName(item));
                }
                items.push_back(item.extract<std::string>());
            }
        }
        return items;
    }

    std::optional<std::string> fromEnvironment(const std::string& path) const {
        auto found = environment_.find(environmentName(path));
        if (found == environment_.end()) return std::nullopt;
        return found->second;
    }

    [[noreturn]] void fail(const std::string& path, const std::string& message) const {
        throw ConfigError(file_ + ": " + path + ": " + message);
    }

    // Whether the file has the key (a leaf or a section).
    bool inFile(const std::string& path) const { return fromFile(path).has_value(); }

  private:
    void checkShape(const Poco::JSON::Object::Ptr& object, const SchemaNode& node, const std::string& prefix) const {
        for (const auto& [key, value] : *object) {
            std::string path = prefix.empty() ? key : prefix + "." + key;
            auto child = node.children.find(key);
            if (child == node.children.end()) {
                if (path == "store.mysql.password") {
                    fail(path, "passwords are not accepted in the config file; use passwordEnv or passwordFile");
                }
                fail(path, "unknown key");
            }
            if (!child->second.leaf) {
                if (!isObject(value)) fail(path, "expected an object, got " + jsonTypeName(value));
                checkShape(value.extract<Poco::JSON::Object::Ptr>(), child->second, path);
            }
        }
    }

    std::optional<Poco::Dynamic::Var> fromFile(const std::string& path) const {
        Poco::JSON::Object::Ptr object = root_;
        std::string_view rest = path;
        for (auto dot = rest.find('.'); dot != std::string_view::npos; dot = rest.find('.')) {
            std::string key(rest.substr(0, dot));
            if (!object->has(key)) return std::nullopt;
            object = object->getObject(key);
            rest.remove_prefix(dot + 1);
        }
        std::string key(rest);
        if (!object->has(key)) return std::nullopt;
        return object->get(key);
    }

    std::string file_;
    Poco::JSON::Object::Ptr root_;
    const std::map<std::string, std::string>& environment_;
};

std::string resolvePath(const std::string& configDir, const std::string& path) {
    if (path.empty()) return path;
    fs::path candidate(path);
    if (candidate.is_absolute()) return candidate.lexically_normal().string();
    return (fs::path(configDir) / candidate).lexically_normal().string();
}

std::optional<ServerTlsConfig> serverTls(ConfigReader& reader, const std::string& dir) {
    const bool configured = reader.inFile("server.tls") || reader.fromEnvironment("server.tls.certificateFile") ||
                            reader.fromEnvironment("server.tls.privateKeyFile");
    if (!configured) return std::nullopt;
    ServerTlsConfig tls;
    tls.certificateFile = resolvePath(dir, reader.string("server.tls.certificateFile", ""));
    if (tls.certificateFile.empty()) reader.fail("server.tls.certificateFile", "missing (required with server.tls)");
    tls.privateKeyFile = resolvePath(dir, reader.string("server.tls.privateKeyFile", ""));
    if (tls.privateKeyFile.empty()) reader.fail("server.tls.privateKeyFile", "missing (required with server.tls)");
    tls.caFile = resolvePath(dir, reader.string("server.tls.caFile", ""));
    tls.requireClientCertificate = reader.boolean("server.tls.requireClientCertificate", false);
    if (tls.requireClientCertificate && tls.caFile.empty())
        reader.fail("server.tls.caFile", "required when requireClientCertificate is true");
    return tls;
}

std::string readPasswordFile(ConfigReader& reader, const std::string& path) {
    struct stat status {};
    if (::stat(path.c_str(), &status) != 0) {
        reader.fail("store.mysql.passwordFile", "cannot read " + path);
    }
    if ((status.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(status.st_mode & 07777));
        reader.fail("store.mysql.passwordFile", path + " is accessible by group or others (mode " + mode +
                                                    "); restrict it with chmod 600");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) reader.fail("store.mysql.passwordFile", "cannot read " + path);
    std::string password;
    std::getline(in, password);
    while (!password.empty() && (password.back() == '\r' || password.back() == '\n')) password.pop_back();
    if (password.empty()) reader.fail("store.mysql.passwordFile", path + " is empty");
    return password;
}

void resolveMysqlPassword(ConfigReader& reader, const std::map<std::string, std::string>& environment,
                          MysqlConfig& mysql) {
    if (!mysql.passwordEnv.empty()) {
        auto found = environment.find(mysql.passwordEnv);
        if (found != environment.end() && !found->second.empty()) {
            mysql.password = found->second;
            return;
        }
    }
    if (!mysql.passwordFile.empty()) {
        mysql.password = readPasswordFile(reader, mysql.passwordFile);
        return;
    }
    reader.fail("store.mysql", "no MySQL password: set the environment variable " +
                                   (mysql.passwordEnv.empty() ? std::string("named by passwordEnv")
                                                              : mysql.passwordEnv) +
                                   " or store.mysql.passwordFile");
}

}  // namespace

HubConfig loadHubConfig(const std::string& path, const std::map<std::string, std::string>& environment) {
    HubConfig config;
    config.configFile = fs::absolute(fs::path(path)).lexically_normal().string();
    config.configDir = fs::path(config.configFile).parent_path().string();
    ConfigReader reader(path, detail::readJsonObjectFile(path), environment);
    const std::string& dir = config.configDir;

    ServerConfig& server = config.server;
    server.host = reader.string("server.host", server.host);
    if (server.host.empty()) reader.fail("server.host", "must not be empty");
    server.port = reader.integer32("server.port", server.port, 0, 65535);
    server.threads = reader.integer32("server.threads", server.threads, 1, 1024);
    server.maxQueued = reader.integer32("server.maxQueued", server.maxQueued, 1);
    server.portFile = resolvePath(dir, reader.string("server.portFile", server.portFile));
    server.rateLimitPerSecond = reader.integer32("server.rateLimitPerSecond", server.rateLimitPerSecond, 0, 1000000);
    server.rateLimitBurst = reader.integer32("server.rateLimitBurst", server.rateLimitBurst, 1, 1000000);
    server.tls = serverTls(reader, dir);

    StoreConfig& store = config.store;
    store.kind = reader.string("store.kind", store.kind);
    if (store.kind.empty()) reader.fail("store.kind", "must not be empty");
    std::string sqlitePath = reader.string("store.sqlite.path", store.sqlite.path);
    if (sqlitePath.empty()) reader.fail("store.sqlite.path", "must not be empty");
    store.sqlite.path = sqlitePath == ":memory:" ? sqlitePath : resolvePath(dir, sqlitePath);
    store.sqlite.busyTimeoutMs = reader.integer32("store.sqlite.busyTimeoutMs", store.sqlite.busyTimeoutMs, 0);

    MysqlConfig& mysql = store.mysql;
    mysql.host = reader.string("store.mysql.host", mysql.host);
    mysql.port = reader.integer32("store.mysql.port", mysql.port, 1, 65535);
    mysql.user = reader.string("store.mysql.user", mysql.user);
    mysql.database = reader.string("store.mysql.database", mysql.database);
    mysql.passwordEnv = reader.string("store.mysql.passwordEnv", mysql.passwordEnv);
    mysql.passwordFile = resolvePath(dir, reader.string("store.mysql.passwordFile", mysql.passwordFile));
    mysql.poolSize = reader.integer32("store.mysql.poolSize", mysql.poolSize, 1, 1024);
    mysql.connectTimeoutSeconds = reader.integer32("store.mysql.connectTimeoutSeconds", mysql.connectTimeoutSeconds, 1, 3600);
    if (store.kind == "mysql") {
        if (mysql.host.empty()) reader.fail("store.mysql.host", "must not be empty");
        if (mysql.user.empty()) reader.fail("store.mysql.user", "must not be empty");
        if (mysql.database.empty()) reader.fail("store.mysql.database", "must not be empty");
        resolveMysqlPassword(reader, environment, mysql);
    }

    IntakeConfig& intake = config.intake;
    intake.maxPackageBytes = reader.integer("intake.maxPackageBytes", intake.maxPackageBytes, 1024,
                                            std::int64_t{1} << 31);
    intake.maxXmlDepth = reader.integer32("intake.maxXmlDepth", intake.maxXmlDepth, 8, 10000);
    intake.policy.addMissingPrerequisites =
        reader.boolean("intake.addMissingPrerequisites", intake.policy.addMissingPrerequisites);
    for (auto& code : reader.stringList("intake.usccAllowList")) intake.policy.usccAllowList.insert(std::move(code));
    intake.idempotencyInProgressTimeoutSeconds = reader.integer32(
        "intake.idempotencyInProgressTimeoutSeconds", intake.idempotencyInProgressTimeoutSeconds, 1, 86400);

    std::string catalogue = reader.string("catalogue", "catalogue.json");
    if (catalogue.empty()) reader.fail("catalogue", "must not be empty");
    config.catalogueFile = resolvePath(dir, catalogue);
    std::string schemas = reader.string("schemas", "../schemas");
    if (schemas.empty()) reader.fail("schemas", "must not be empty");
    config.schemasDir = resolvePath(dir, schemas);
    std::string adapters = reader.string("adapters", "../adapters");
    if (adapters.empty()) reader.fail("adapters", "must not be empty");
    config.adaptersDir = resolvePath(dir, adapters);

    DispatchConfig& dispatch = config.dispatch;
    dispatch.enabled = reader.boolean("dispatch.enabled", dispatch.enabled);
    dispatch.workers = reader.integer32("dispatch.workers", dispatch.workers, 1, 64);
    dispatch.leaseSeconds = reader.integer32("dispatch.leaseSeconds", dispatch.leaseSeconds, 5, 3600);
    dispatch.batchSize = reader.integer32("dispatch.batchSize", dispatch.batchSize, 1, 1000);
    dispatch.owner = reader.string("dispatch.owner", dispatch.owner);
    dispatch.callbackBaseUrl = reader.string("dispatch.callbackBaseUrl", dispatch.callbackBaseUrl);
    if (!dispatch.callbackBaseUrl.empty() && dispatch.callbackBaseUrl.rfind("http://", 0) != 0 &&
        dispatch.callbackBaseUrl.rfind("https://", 0) != 0)
        reader.fail("dispatch.callbackBaseUrl", "must be an http:// or https:// URL");
    dispatch.developmentSecrets = reader.boolean("dispatch.developmentSecrets", dispatch.developmentSecrets);

    config.webDir = resolvePath(dir, reader.string("web", "../web"));

    std::string calendar = reader.string("calendar", "calendar.json");
    if (calendar.empty()) reader.fail("calendar", "must not be empty");
    config.calendarFile = resolvePath(dir, calendar);
    TrackingConfig& tracking = config.tracking;
    tracking.callbackMaxSkewSeconds =
        reader.integer32("tracking.callbackMaxSkewSeconds", tracking.callbackMaxSkewSeconds, 1, 3600);
    tracking.earlyCallbackWaitMs =
        reader.integer32("tracking.earlyCallbackWaitMs", tracking.earlyCallbackWaitMs, 0, 30000);
    tracking.clockSweepSeconds = reader.integer32("tracking.clockSweepSeconds", tracking.clockSweepSeconds, 1, 86400);
    tracking.pollIntervalSeconds =
        reader.integer32("tracking.pollIntervalSeconds", tracking.pollIntervalSeconds, 0, 86400);
    tracking.notificationSecretEnv = reader.string("tracking.notificationSecretEnv", tracking.notificationSecretEnv);
    if (tracking.notificationSecretEnv.empty()) reader.fail("tracking.notificationSecretEnv", "must not be empty");
    config.audit.anchorSeconds = reader.integer32("audit.anchorSeconds", config.audit.anchorSeconds, 1, 86400);

    static const std::set<std::string> levels{"none",   "fatal",       "critical", "error", "warning",
                                              "notice", "information", "debug",    "trace"};
    config.logLevel = reader.string("logLevel", config.logLevel);
    if (!levels.contains(config.logLevel)) {
        reader.fail("logLevel", "'" + config.logLevel +
                                    "' is not one of none, fatal, critical, error, warning, notice, information, "
                                    "debug, trace");
    }
    config.logFormat = reader.string("logFormat", config.logFormat);
    if (config.logFormat != "text" && config.logFormat != "json")
        reader.fail("logFormat", "'" + config.logFormat + "' is not one of text, json");
    return config;
}

std::map<std::string, std::string> processEnvironment() {
    std::map<std::string, std::string> environment;
    for (char** entry = environ; entry && *entry; ++entry) {
        std::string_view text(*entry);
        auto equals = text.find('=');
        if (equals == std::string_view::npos) continue;
        environment.emplace(std::string(text.substr(0, equals)), std::string(text.substr(equals + 1)));
    }
    return environment;
}

}  // namespace hub::config
