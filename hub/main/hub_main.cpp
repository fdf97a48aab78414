// The hub server and its admin sub-commands. Wiring only: every part is
// built here, explicitly, in dependency order, and handed to the next.

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>

#include <Poco/AutoPtr.h>
#include <Poco/Environment.h>
#include <Poco/NumberFormatter.h>
#include <Poco/Path.h>
#include <Poco/Process.h>
#include <Poco/RandomStream.h>
#include <Poco/String.h>
#include <Poco/ConsoleChannel.h>
#include <Poco/File.h>
#include <Poco/FormattingChannel.h>
#include <Poco/Logger.h>
#include <Poco/PatternFormatter.h>
#include <Poco/Util/HelpFormatter.h>
#include <Poco/Util/Option.h>
#include <Poco/Util/OptionSet.h>
#include <Poco/Util/ServerApplication.h>

#include "adapter/department_config.h"
#include "config/calendar_loader.h"
#include "config/hub_config.h"
#include "core/retry_policy.h"
#include "dispatch/dispatcher.h"
#include "core/system_clock.h"
#include "http/api_server.h"
#include "observability/json_log_formatter.h"
#include "service/application_service.h"
#include "service/token_service.h"
#include "store/mysql/mysql_store.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store_registry.h"
#include "tracking/audit_anchor.h"
#include "tracking/clock_keeper.h"
#include "tracking/event_planner.h"
#include "transport/tls_context.h"
#include "transport/transport.h"
#include "xml/package_reader.h"
#include "xml/schema.h"

#include <atomic>

namespace {

using Poco::Util::Application;
using Poco::Util::Option;
using Poco::Util::OptionSet;

constexpr int kExitUsage = 64;
constexpr int kExitConfig = 78;
constexpr int kExitUnavailable = 69;

void setUpLogging(const std::string& level, const std::string& format) {
    Poco::AutoPtr<Poco::Formatter> formatter;
    if (format == "json") {
        formatter = new hub::observability::JsonLogFormatter;
    } else {
        formatter = new Poco::PatternFormatter("%Y-%m-%dT%H:%M:%S.%iZ %p %s: %t");
        formatter->setProperty("times", "UTC");
    }
    Poco::AutoPtr<Poco::FormattingChannel> channel(new Poco::FormattingChannel(formatter, new Poco::ConsoleChannel(std::cerr)));
    Poco::Logger::root().setChannel(channel);
    Poco::Logger::root().setLevel(level);
}

void writePortFile(const std::string& path, int port) {
    const std::string temporary = path + ".tmp";
    {
        std::ofstream out(temporary, std::ios::trunc);
        out << port << '\n';
        if (!out) throw std::runtime_error("cannot write port file " + path);
    }
    Poco::File(temporary).renameTo(path);
}

hub::transport::TransportRegistry standardTransports() {
    hub::transport::TransportRegistry registry;
    hub::transport::registerStandardTransports(registry);
    return registry;
}

hub::adapter::DepartmentAdapters loadDepartments(const hub::config::HubConfig& settings,
                                                 const hub::core::Catalogue& catalogue,
                                                 const hub::transport::TransportRegistry& transports) {
    std::set<std::string, std::less<>> kinds;
    for (const auto& kind : transports.kinds()) kinds.insert(kind);
    const std::string projectRoot = Poco::Path(settings.adaptersDir).makeParent().toString();
    return hub::adapter::loadDepartments(settings.adaptersDir, projectRoot, catalogue, kinds);
}

// A secret from the environment variable `name`; when unset, the development
// secret `fallback` if development secrets are allowed, else a fatal error.
std::string secretFromEnvironment(const hub::config::HubConfig& settings, const std::string& name,
                                  const std::string& fallback, const std::string& what) {
    const auto environment = hub::config::processEnvironment();
    if (auto it = environment.find(name); it != environment.end() && !it->second.empty()) return it->second;
    if (!settings.dispatch.developmentSecrets)
        throw hub::config::ConfigError(what + ": the environment variable " + name + " is not set");
    Poco::Logger::get("hub").warning("%s: %s is not set: using the development secret", what, name);
    return fallback;
}

// Each department's shared secret (auth.secretEnv in its department.json).
std::map<std::string, std::string> departmentSecrets(const hub::config::HubConfig& settings,
                                                     const hub::adapter::DepartmentAdapters& departments) {
    std::map<std::string, std::string> secrets;
    for (const auto& department : departments.all()) {
        const auto& config = department->config();
        secrets[config.code] = secretFromEnvironment(settings, config.secretEnv, "dev-secret-" + Poco::toLower(config.code),
                                                     "department " + config.code + " (auth.secretEnv in " +
                                                         config.configFile + ")");
    }
    return secrets;
}

// The listener's TLS files (server.tls) checked by building its context; a
// problem is a ConfigError naming the config file.
void checkServerTls(const hub::config::HubConfig& settings) {
    if (!settings.server.tls) return;
    try {
        hub::http::checkListenerTls(*settings.server.tls);
    } catch (const hub::transport::TlsSetupError& error) {
        throw hub::config::ConfigError(settings.configFile + ": server.tls: " + error.what());
    }
}

// A department's transport by registered kind, with its transport.tls
// settings; unusable TLS files are a ConfigError naming the department file.
std::unique_ptr<hub::transport::Transport> departmentTransport(const hub::transport::TransportRegistry& transports,
                                                               const hub::adapter::DepartmentConfig& config) {
    hub::transport::TransportOptions options;
    if (const auto& tls = config.transport.tls)
        options.tls = {tls->caFile, tls->certificateFile, tls->privateKeyFile, tls->verifyHost};
    try {
        return transports.create(config.transport.kind, options);
    } catch (const hub::transport::TlsSetupError& error) {
        throw hub::config::ConfigError(config.configFile + ": transport.tls: " + error.what());
    }
}

// One channel per department: its transport by registered kind, its secret,
// its endpoint (overridable with HUB_DEPT_<CODE>_ENDPOINT), its poll interval
// (overridable with tracking.pollIntervalSeconds).
std::vector<std::unique_ptr<hub::dispatch::DepartmentChannel>> departmentChannels(
    const hub::config::HubConfig& settings, const hub::adapter::DepartmentAdapters& departments,
    const std::map<std::string, std::string>& secrets, const hub::transport::TransportRegistry& transports,
    const hub::core::Clock& clock) {
    const auto environment = hub::config::processEnvironment();
    std::vector<std::unique_ptr<hub::dispatch::DepartmentChannel>> channels;
    for (const auto& department : departments.all()) {
        const auto& config = department->config();
        auto channel = std::make_unique<hub::dispatch::DepartmentChannel>(
            department, departmentTransport(transports, config), secrets.at(config.code), clock);
        if (auto it = environment.find("HUB_DEPT_" + config.code + "_ENDPOINT"); it != environment.end())
            channel->endpoint.url = it->second;
        if (channel->pollIntervalMs > 0 && settings.tracking.pollIntervalSeconds > 0)
            channel->pollIntervalMs = settings.tracking.pollIntervalSeconds * 1000LL;
        channels.push_back(std::move(channel));
    }
    return channels;
}

std::string defaultOwner() {
    Poco::RandomInputStream random;
    unsigned suffix = 0;
    random.read(reinterpret_cast<char*>(&suffix), sizeof suffix);
    return Poco::Environment::nodeName() + ":" + std::to_string(Poco::Process::id()) + ":" +
           Poco::NumberFormatter::formatHex(suffix, 8);
}

std::unique_ptr<hub::store::Store> openStore(const hub::config::StoreConfig& config) {
    hub::store::StoreRegistry registry;
    hub::store::registerSqliteStore(registry);
    hub::store::registerMysqlStore(registry);
    return registry.create(config);
}

class HubApplication final : public Poco::Util::ServerApplication {
  protected:
    void defineOptions(OptionSet& options) override {
        ServerApplication::defineOptions(options);
        options.addOption(Option("help", "h", "show this help and exit").callback(
            Poco::Util::OptionCallback<HubApplication>(this, &HubApplication::onHelp)));
        options.addOption(Option("config", "c", "the hub's JSON configuration file (default: config/hub.json)")
                              .argument("FILE")
                              .binding("hub.configFile"));
        options.addOption(
            Option("company", "", "token issue: the company the token acts for").argument("ID").binding("hub.company"));
        options.addOption(Option("label", "", "token issue: a note kept with the token (for admins: their name)")
                              .argument("TEXT")
                              .binding("hub.label"));
        options.addOption(Option("role", "", "token issue: applicant (default) or admin").argument("ROLE").binding("hub.role"));
    }

    int main(const std::vector<std::string>& arguments) override {
        if (helpRequested_) return EXIT_OK;
        try {
            const hub::config::HubConfig settings = hub::config::loadHubConfig(
                config().getString("hub.configFile", "config/hub.json"), hub::config::processEnvironment());
            setUpLogging(settings.logLevel, settings.logFormat);
            if (arguments.empty()) return serve(settings);
            if (arguments[0] == "migrate") return migrate(settings);
            if (arguments[0] == "check-config") return checkConfig(settings);
            if (arguments[0] == "token") return token(settings, arguments);
            std::cerr << "hub: unknown command '" << arguments[0] << "' (see hub --help)\n";
            return kExitUsage;
        } catch (const hub::config::ConfigError& error) {
            std::cerr << "hub: " << error.what() << '\n';
            return kExitConfig;
        } catch (const hub::xml::XmlSetupError& error) {
            std::cerr << "hub: " << error.what() << '\n';
            return kExitConfig;
        } catch (const hub::transport::TlsSetupError& error) {
            std::cerr << "hub: TLS: " << error.what() << '\n';
            return kExitConfig;
        } catch (const hub::transport::TransportError& error) {
            std::cerr << "hub: " << error.what() << '\n';
            return kExitConfig;
        } catch (const hub::store::StoreError& error) {
            std::cerr << "hub: store: " << error.what() << '\n';
            return kExitUnavailable;
        } catch (const Poco::Exception& error) {
            std::cerr << "hub: " << error.displayText() << '\n';
            return EXIT_SOFTWARE;
        } catch (const std::exception& error) {
            std::cerr << "hub: " << error.what() << '\n';
            return EXIT_SOFTWARE;
        }
    }

  private:
    void onHelp(const std::string&, const std::string&) {
        helpRequested_ = true;
        Poco::Util::HelpFormatter help(options());
        help.setCommand(commandName());
        help.setUsage("[--config FILE] [COMMAND]");
        help.setHeader(
            "The integrated licensing hub for shipping enterprises.\n\n"
            "Without a command, serves the HTTP API until SIGINT/SIGTERM.\n"
            "Commands:\n"
            "  migrate                          apply pending database migrations and exit\n"
            "  check-config                     load configuration, catalogue and schemas, report, exit\n"
            "  token issue --company ID [--label TEXT]\n"
            "                                   issue an applicant token (printed once) for a company\n"
            "  token issue --role admin --label NAME\n"
            "                                   issue an admin token (admin API under /admin/api/)\n"
            "  token revoke TOKEN_ID            revoke a token\n\n"
            "Options:");
        help.setFooter("Exit codes: 0 ok, 64 usage, 69 database unavailable, 70 internal error, 78 configuration.");
        help.format(std::cout);
        stopOptionsProcessing();
    }

    int serve(const hub::config::HubConfig& settings) {
        auto& log = Poco::Logger::get("hub");
        checkServerTls(settings);
        const hub::core::Catalogue catalogue = hub::config::loadCatalogue(settings.catalogueFile);
        const hub::xml::PackageReader reader(
            settings.schemasDir, {static_cast<std::size_t>(settings.intake.maxPackageBytes), settings.intake.maxXmlDepth});
        auto store = openStore(settings.store);
        store->migrate();
        const hub::core::WorkingCalendar calendar = hub::config::loadCalendar(settings.calendarFile);
        const hub::xml::Schema supplementSchema(settings.schemasDir + "/package/v1/supplement.xsd");
        hub::core::SystemClock clock;
        auto ids = hub::core::makeRandomIdSource();
        const hub::tracking::EventPlanner planner(catalogue, calendar, *ids);
        // Changes made outside the dispatcher (callbacks, the applicant's
        // actions, the clocks) wake it when they queued calls.
        std::atomic<hub::dispatch::Dispatcher*> running{nullptr};
        auto wakeDispatcher = [&running] {
            if (auto* dispatcher = running.load()) dispatcher->wake();
        };
        hub::service::TokenService tokens(*store, clock);
        hub::service::ApplicationService applications(catalogue, reader, *store, clock, *ids, settings.intake, planner,
                                                      supplementSchema, wakeDispatcher);
        const auto transports = standardTransports();
        const auto departments = loadDepartments(settings, catalogue, transports);
        const auto secrets = departmentSecrets(settings, departments);
        hub::service::CallbackService callbacks(*store, planner, departments, secrets, clock,
                                                settings.tracking.callbackMaxSkewSeconds * 1000LL, wakeDispatcher);
        // Calls this process has in flight: an early callback waits for its
        // call's answer to be settled here instead of being refused.
        hub::core::CallsInFlight callsInFlight;
        if (settings.dispatch.enabled)
            callbacks.setEarlyCallbackWait(&callsInFlight,
                                           std::chrono::milliseconds(settings.tracking.earlyCallbackWaitMs));
        hub::service::AdminService admin(*store, clock, tokens, planner, applications, nullptr);
        hub::observability::HubMetrics metrics;
        hub::core::RateLimiter rateLimiter(settings.server.rateLimitPerSecond, settings.server.rateLimitBurst);
        hub::http::ApiServer server(settings.server, {applications, tokens, admin, callbacks, *store,
                                                      static_cast<std::size_t>(settings.intake.maxPackageBytes),
                                                      settings.webDir, metrics, rateLimiter, clock});

        hub::core::SeededRandomSource random;
        hub::dispatch::DispatcherSettings dispatchSettings;
        dispatchSettings.owner = settings.dispatch.owner.empty() ? defaultOwner() : settings.dispatch.owner;
        dispatchSettings.leaseMs = settings.dispatch.leaseSeconds * 1000LL;
        dispatchSettings.batchSize = settings.dispatch.batchSize;
        dispatchSettings.metrics = &metrics;
        dispatchSettings.callsInFlight = &callsInFlight;
        const std::string scheme = settings.server.tls ? "https" : "http";
        dispatchSettings.callbackBaseUrl =
            settings.dispatch.callbackBaseUrl.empty()
                ? scheme + "://" + settings.server.host + ":" + std::to_string(server.port())
                : settings.dispatch.callbackBaseUrl;
        auto notifications = std::make_unique<hub::dispatch::NotificationChannel>();
        notifications->transport = transports.create("rest-xml");
        notifications->secret = secretFromEnvironment(settings, settings.tracking.notificationSecretEnv,
                                                      "dev-secret-notify", "applicant notifications (tracking.notificationSecretEnv)");
        hub::dispatch::Dispatcher dispatcher(*store, planner,
                                             departmentChannels(settings, departments, secrets, transports, clock),
                                             clock, random, *ids, dispatchSettings, std::move(notifications));
        hub::tracking::ClockKeeper clocks(*store, planner, clock, settings.tracking.clockSweepSeconds * 1000LL,
                                          wakeDispatcher);
        hub::tracking::AuditAnchor anchor(*store, clock, settings.audit.anchorSeconds * 1000LL);

        admin.attachDispatcher(&dispatcher, settings.dispatch.enabled);
        running = &dispatcher;
        server.start();
        if (settings.dispatch.enabled) {
            dispatcher.start(settings.dispatch.workers);
            clocks.start();
        }
        anchor.start();
        if (!settings.server.portFile.empty()) writePortFile(settings.server.portFile, server.port());
        log.information("listening on %s://%s:%d (store %s, schema v%d, %z permits, %z departments, dispatch %s as %s)",
                        scheme, settings.server.host, server.port(), settings.store.kind, store->schemaVersion(),
                        catalogue.permits().size(), departments.all().size(),
                        std::string(settings.dispatch.enabled ? "on" : "off"), dispatchSettings.owner);
        waitForTerminationRequest();
        log.information("stopping: finishing in-flight requests and calls");
        server.stop();
        clocks.stop();
        dispatcher.stop();
        anchor.stop();
        try {
            anchor.anchorOnce();  // the last changes, witnessed in this process's log
        } catch (const std::exception& error) {
            log.warning("final audit anchoring skipped: %s", std::string(error.what()));
        }
        log.information("stopped");
        return EXIT_OK;
    }

    int migrate(const hub::config::HubConfig& settings) {
        auto store = openStore(settings.store);
        const int before = store->schemaVersion();
        store->migrate();
        std::cout << "schema version " << before << " -> " << store->schemaVersion() << '\n';
        return EXIT_OK;
    }

    int checkConfig(const hub::config::HubConfig& settings) {
        const hub::core::Catalogue catalogue = hub::config::loadCatalogue(settings.catalogueFile);
        const hub::xml::PackageReader reader(settings.schemasDir, {});
        checkServerTls(settings);
        const auto transports = standardTransports();
        const auto departments = loadDepartments(settings, catalogue, transports);
        for (const auto& department : departments.all()) departmentTransport(transports, department->config());
        const hub::core::WorkingCalendar calendar = hub::config::loadCalendar(settings.calendarFile);
        const hub::xml::Schema supplementSchema(settings.schemasDir + "/package/v1/supplement.xsd");
        std::vector<std::string> all;
        for (const auto& permit : catalogue.permits()) all.push_back(permit.id);
        const auto path = catalogue.criticalPath(all, hub::core::DurationBasis::Promised);
        std::cout << "config " << settings.configFile << ": ok\n"
                  << "catalogue: " << catalogue.permits().size() << " permits, " << catalogue.departments().size()
                  << " departments; critical path";
        for (const auto& id : path.permits) std::cout << ' ' << id;
        std::cout << " = " << path.workingDays << " promised working days\n"
                  << "departments:";
        for (const auto& department : departments.all())
            std::cout << ' ' << department->code() << " (" << department->config().transport.kind << ", "
                      << hub::adapter::toString(department->config().delivery) << ')';
        std::cout << "\ncalendar: " << settings.calendarFile << ", working days " << calendar.firstYear() << "-"
                  << calendar.lastYear() << '\n'
                  << "store: " << settings.store.kind << '\n'
                  << "listener: " << (settings.server.tls ? "https" : "http")
                  << (settings.server.tls && settings.server.tls->requireClientCertificate ? " (client certificates required)" : "")
                  << '\n';
        return EXIT_OK;
    }

    int token(const hub::config::HubConfig& settings, const std::vector<std::string>& arguments) {
        auto store = openStore(settings.store);
        store->migrate();
        hub::core::SystemClock clock;
        hub::service::TokenService tokens(*store, clock);
        if (arguments.size() == 2 && arguments[1] == "issue") {
            const std::string role = config().getString("hub.role", "applicant");
            const std::string subject =
                role == "admin" ? config().getString("hub.label", "admin") : config().getString("hub.company", "");
            if (subject.empty()) {
                std::cerr << "hub: token issue needs --company ID (or --role admin)\n";
                return kExitUsage;
            }
            try {
                auto issued = tokens.issue(role, subject, config().getString("hub.label", ""), "cli");
                std::cout << issued.secret << '\n';
                std::cerr << "issued " << issued.tokenId << " for " << role << ' ' << subject
                          << " (the token is shown once; keep it secret)\n";
                return EXIT_OK;
            } catch (const std::invalid_argument& error) {
                std::cerr << "hub: " << error.what() << '\n';
                return kExitUsage;
            }
        }
        if (arguments.size() == 3 && arguments[1] == "revoke") {
            if (!tokens.revoke(arguments[2], "cli")) {
                std::cerr << "hub: no token " << arguments[2] << '\n';
                return EXIT_DATAERR;
            }
            std::cerr << "revoked " << arguments[2] << '\n';
            return EXIT_OK;
        }
        std::cerr << "hub: usage: token issue --company ID [--label TEXT] | token revoke TOKEN_ID\n";
        return kExitUsage;
    }

    bool helpRequested_ = false;
};

}  // namespace

POCO_SERVER_MAIN(HubApplication)
