#include "http/api_server.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <chrono>
#include <thread>
#include <istream>
#include <sstream>

#include <Poco/Logger.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/ThreadPool.h>
#include <Poco/URI.h>

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "http/representation.h"
#include "transport/tls_context.h"

namespace hub::http {
namespace {

using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;
using service::ErrorKind;
using service::Reply;

constexpr const char* kProblemXmlNamespace = "urn:ietf:rfc:7807";
constexpr const char* kApiXmlNamespace = "urn:licensing-hub:api:v1";
constexpr std::string_view kApplications = "/api/v1/applications";

Reply problemReply(ErrorKind kind, std::string title, std::string detail) {
    return service::problemReply(service::problem(kind, std::move(title), std::move(detail)));
}

struct Route {
    enum class Target {
        Health,
        Ready,
        Applications,
        Application,
        ApplicationEvents,
        ApplicationCorrection,
        ApplicationWithdraw,
        DepartmentCallback,
        AdminIncidents,
        AdminIncidentAction,
        AdminDepartments,
        AdminRefusedCallbacks,
        AdminDepartmentAction,
        AdminTokens,
        AdminTokenAction,
        AdminOverview,
        AdminPackages,
        AdminPackage,
        AdminAuditVerify,
        AdminAuditChain,
        Dashboard,
        Metrics,
        Unknown
    } target = Target::Unknown;
    std::string packageId;  // or the incident id, or the department code
    std::string action;     // "retry" / "cancel", or the permit of a correction
    const char* allowed = "";

    bool admin() const {
        return target == Target::AdminIncidents || target == Target::AdminIncidentAction ||
               target == Target::AdminDepartments || target == Target::AdminRefusedCallbacks ||
               target == Target::AdminDepartmentAction || target == Target::AdminTokens ||
               target == Target::AdminTokenAction || target == Target::AdminOverview ||
               target == Target::AdminPackages || target == Target::AdminPackage ||
               target == Target::AdminAuditVerify || target == Target::AdminAuditChain;
    }
};

constexpr std::string_view kAdminIncidents = "/admin/api/incidents";
constexpr std::string_view kDepartments = "/api/v1/departments/";

Route routeOf(const std::string& path) {
    if (path == "/healthz") return {Route::Target::Health, {}, {}, "GET"};
    if (path == "/readyz") return {Route::Target::Ready, {}, {}, "GET"};
    if (path == "/metrics") return {Route::Target::Metrics, {}, {}, "GET"};
    if (path == kApplications) return {Route::Target::Applications, {}, {}, "GET, POST"};
    if (path == kAdminIncidents) return {Route::Target::AdminIncidents, {}, {}, "GET"};
    if (path == "/admin/api/departments") return {Route::Target::AdminDepartments, {}, {}, "GET"};
    if (path == "/admin/api/callbacks/refused") return {Route::Target::AdminRefusedCallbacks, {}, {}, "GET"};
    if (path == "/admin/api/tokens") return {Route::Target::AdminTokens, {}, {}, "POST"};
    if (path == "/admin/api/overview") return {Route::Target::AdminOverview, {}, {}, "GET"};
    if (path == "/admin/api/packages") return {Route::Target::AdminPackages, {}, {}, "GET"};
    if (path == "/admin/api/audit/verify") return {Route::Target::AdminAuditVerify, {}, {}, "GET"};
    constexpr std::string_view kAuditChains = "/admin/api/audit/chains/";
    if (path.size() > kAuditChains.size() && path.compare(0, kAuditChains.size(), kAuditChains) == 0 &&
        path.find('/', kAuditChains.size()) == std::string::npos)
        return {Route::Target::AdminAuditChain, path.substr(kAuditChains.size()), {}, "GET"};
    constexpr std::string_view kAdminPackages = "/admin/api/packages/";
    if (path.size() > kAdminPackages.size() && path.compare(0, kAdminPackages.size(), kAdminPackages) == 0 &&
        path.find('/', kAdminPackages.size()) == std::string::npos)
        return {Route::Target::AdminPackage, path.substr(kAdminPackages.size()), {}, "GET"};
    // The dashboard's files: /admin, /admin/, /admin/<file> (not the API).
    if (path == "/admin" || (path.compare(0, 7, "/admin/") == 0 && path.compare(0, 11, "/admin/api/") != 0 &&
                             path != "/admin/api"))
        return {Route::Target::Dashboard, {}, {}, "GET"};
    // /admin/api/departments/{CODE}/pause|resume, /admin/api/tokens/{ID}/revoke
    for (auto [prefix, target] : {std::pair{std::string_view("/admin/api/departments/"), Route::Target::AdminDepartmentAction},
                                  std::pair{std::string_view("/admin/api/tokens/"), Route::Target::AdminTokenAction}}) {
        if (path.size() <= prefix.size() || path.compare(0, prefix.size(), prefix) != 0) continue;
        const std::string rest = path.substr(prefix.size());
        const auto slash = rest.find('/');
        if (slash == std::string::npos || slash == 0) continue;
        const std::string action = rest.substr(slash + 1);
        const bool known = target == Route::Target::AdminDepartmentAction ? action == "pause" || action == "resume"
                                                                          : action == "revoke";
        if (!known) continue;
        return {target, rest.substr(0, slash), action, "POST"};
    }
    if (path.size() > kAdminIncidents.size() + 1 && path.compare(0, kAdminIncidents.size(), kAdminIncidents) == 0 &&
        path[kAdminIncidents.size()] == '/') {
        std::string rest = path.substr(kAdminIncidents.size() + 1);
        auto slash = rest.find('/');
        if (slash != std::string::npos) {
            std::string action = rest.substr(slash + 1);
            if (action == "retry" || action == "cancel" || action == "resolve")
                return {Route::Target::AdminIncidentAction, rest.substr(0, slash), action, "POST"};
        }
    }
    if (path.size() > kApplications.size() + 1 && path.compare(0, kApplications.size(), kApplications) == 0 &&
        path[kApplications.size()] == '/') {
        std::string rest = path.substr(kApplications.size() + 1);
        auto slash = rest.find('/');
        if (slash == std::string::npos) return {Route::Target::Application, rest, {}, "GET"};
        const std::string id = rest.substr(0, slash);
        const std::string tail = rest.substr(slash);
        if (tail == "/events") return {Route::Target::ApplicationEvents, id, {}, "GET"};
        if (tail == "/withdraw") return {Route::Target::ApplicationWithdraw, id, {}, "POST"};
        constexpr std::string_view kPermits = "/permits/", kCorrections = "/corrections";
        if (tail.size() > kPermits.size() + kCorrections.size() && tail.compare(0, kPermits.size(), kPermits) == 0 &&
            tail.compare(tail.size() - kCorrections.size(), kCorrections.size(), kCorrections) == 0) {
            std::string permit = tail.substr(kPermits.size(), tail.size() - kPermits.size() - kCorrections.size());
            if (permit.find('/') == std::string::npos)
                return {Route::Target::ApplicationCorrection, id, permit, "POST"};
        }
    }
    if (path.size() > kDepartments.size() && path.compare(0, kDepartments.size(), kDepartments) == 0) {
        std::string rest = path.substr(kDepartments.size());
        auto slash = rest.find('/');
        if (slash != std::string::npos && rest.substr(slash) == "/callbacks")
            return {Route::Target::DepartmentCallback, rest.substr(0, slash), {}, "POST"};
    }
    return {};
}

// How much of a refused oversize body is still read and discarded, so that the
// client, still sending, receives the 413 instead of a connection reset.
constexpr std::streamsize kDrainLimit = 8 * 1024 * 1024;
constexpr std::size_t kMaxAdminBodyBytes = 64 * 1024;

// True when the body was read to its end.
bool drain(std::istream& in) {
    char buffer[16384];
    std::streamsize drained = 0;
    while (in && drained < kDrainLimit) {
        in.read(buffer, sizeof buffer);
        drained += in.gcount();
    }
    return !in;
}

// Reads the body, refusing (nullopt) one larger than `limit`.
// A request carries a body only with Content-Length or chunked transfer
// encoding (RFC 9112 §6.3); otherwise there is nothing to read, and reading
// would wait for the client to close the connection.
bool hasBody(HTTPServerRequest& request) {
    return request.hasContentLength() || request.getChunkedTransferEncoding();
}

std::optional<std::string> readBody(HTTPServerRequest& request, std::size_t limit) {
    if (!hasBody(request)) return std::string();
    std::istream& in = request.stream();
    if (request.hasContentLength() && request.getContentLength64() > static_cast<Poco::Int64>(limit)) {
        drain(in);
        return std::nullopt;
    }
    std::string body;
    char buffer[16384];
    while (in) {
        in.read(buffer, sizeof buffer);
        body.append(buffer, static_cast<std::size_t>(in.gcount()));
        if (body.size() > limit) {
            drain(in);
            return std::nullopt;
        }
    }
    return body;
}

class ApiRequestHandler final : public Poco::Net::HTTPRequestHandler {
  public:
    explicit ApiRequestHandler(const ApiDependencies& dependencies)
        : dependencies_(dependencies), log_(Poco::Logger::get("hub.http")) {}

    void handleRequest(HTTPServerRequest& request, HTTPServerResponse& response) override {
        const auto started = std::chrono::steady_clock::now();
        Poco::URI uri;
        Reply reply;
        Route route;
        std::string company = "-";
        try {
            uri = Poco::URI(request.getURI());
            route = routeOf(uri.getPath());
            reply = dispatch(request, uri, route, company);
        } catch (const store::StoreError& error) {
            // The store is unreachable (e.g. while checking the token): the
            // request was not carried out; the client may retry.
            log_.warning("request %s %s: store unavailable: %s", request.getMethod(), request.getURI(),
                         std::string(error.what()));
            reply = problemReply(ErrorKind::Unavailable, "Service unavailable",
                                 "The hub cannot reach its database; retry shortly.");
        } catch (const std::exception& error) {
            log_.error("request %s %s failed: %s", request.getMethod(), request.getURI(), std::string(error.what()));
            reply = problemReply(ErrorKind::Internal, "Internal error", "The hub failed to answer; see its log.");
        }
        // A refused request's body was never read: read (a bounded amount of)
        // it now, so the client, still sending, receives the answer instead
        // of a connection reset.
        try {
            if (hasBody(request) && !drain(request.stream())) response.setKeepAlive(false);
        } catch (const std::exception&) {
            response.setKeepAlive(false);
        }
        send(request, response, route, reply);
        const auto micros =
            std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started).count();
        auto& metrics = dependencies_.metrics;
        metrics.httpRequests.add({routeName(route), std::to_string(reply.status)});
        if (route.target == Route::Target::Applications && request.getMethod() == "POST") {
            metrics.intakeSeconds.observe(static_cast<double>(micros) / 1e6);
            metrics.intakeTotal.add({reply.replayed              ? "replayed"
                                     : reply.status == 201       ? "accepted"
                                     : reply.status == 503       ? "unavailable"
                                     : reply.status >= 500       ? "error"
                                                                 : "refused"});
        }
        if (route.target == Route::Target::DepartmentCallback)
            metrics.callbacks.add({route.packageId, std::to_string(reply.status)});
        if (route.target != Route::Target::Health && route.target != Route::Target::Ready &&
            route.target != Route::Target::Metrics)
            log_.information("%s %s -> %d company=%s%s %.1fms", request.getMethod(), uri.getPath(), reply.status,
                             company, std::string(reply.replayed ? " replayed" : ""), micros / 1000.0);
    }

  private:
    Reply dispatch(HTTPServerRequest& request, const Poco::URI& uri, const Route& route, std::string& company) {
        const std::string& method = request.getMethod();
        switch (route.target) {
            case Route::Target::Unknown:
                return problemReply(ErrorKind::NotFound, "Not found", "No resource at " + uri.getPath() + ".");
            case Route::Target::Health:
                if (method != "GET") return methodNotAllowed(route);
                return Reply{200, "application/json", {}, R"({"status":"ok"})", false};
            case Route::Target::Ready:
                if (method != "GET") return methodNotAllowed(route);
                return readiness();
            case Route::Target::Dashboard:
                if (method != "GET" && method != "HEAD") return methodNotAllowed(route);
                return dashboardFile(uri.getPath());
            case Route::Target::Metrics:
                if (method != "GET") return methodNotAllowed(route);
                return metrics();
            default:
                break;
        }
        const bool post = method == "POST";
        if (!allows(route, method)) return methodNotAllowed(route);
        if (route.target == Route::Target::DepartmentCallback) {
            // Departments authenticate each message with its signature, not a token.
            company = "dept:" + route.packageId;
            auto body = readBody(request, dependencies_.maxBodyBytes);
            if (!body)
                return problemReply(ErrorKind::PayloadTooLarge, "Message too large",
                                    "The body exceeds " + std::to_string(dependencies_.maxBodyBytes) + " bytes.");
            return dependencies_.callbacks.receive({route.packageId, request.get("X-Hub-Timestamp", ""),
                                                    request.get("X-Hub-Signature", ""),
                                                    request.get("X-Hub-Message-Id", ""), std::move(*body)});
        }

        auto principal = dependencies_.tokens.authenticate(request.get("Authorization", ""));
        if (!principal)
            return problemReply(ErrorKind::Unauthenticated, "Unauthenticated",
                                "Send a valid token as 'Authorization: Bearer <token>'.");
        company = principal->subject;
        if (auto wait = dependencies_.rateLimiter.admit(principal->tokenId, dependencies_.clock.now())) {
            Reply limited = service::problemReply(service::problem(
                ErrorKind::TooManyRequests, "Too many requests",
                "This token made more requests than its rate limit allows; retry after the Retry-After delay.",
                {{"RATE_LIMITED", "Rate limit of the token " + principal->tokenId + " reached.", {"header:Authorization", 0}}}));
            limited.retryAfterSeconds = static_cast<int>((*wait + 999) / 1000);
            return limited;
        }
        if (route.admin()) {
            if (principal->role != "admin")
                return problemReply(ErrorKind::Forbidden, "Forbidden", "This token may not use the admin API.");
            return dispatchAdmin(request, uri, route, "admin:" + principal->subject);
        }
        if (principal->role != "applicant")
            return problemReply(ErrorKind::Forbidden, "Forbidden", "This token may not use the applicant API.");

        if (route.target == Route::Target::Applications && post) {
            auto body = readBody(request, dependencies_.maxBodyBytes);
            if (!body)
                return service::problemReply(service::problem(
                    ErrorKind::PayloadTooLarge, "Package too large",
                    "The body exceeds " + std::to_string(dependencies_.maxBodyBytes) + " bytes.",
                    {{"PACKAGE_TOO_LARGE", "The package exceeds the configured size limit.", {"body", 0}}}));
            return dependencies_.applications.submit(
                {company, request.get("Idempotency-Key", ""), request.getContentType(), std::move(*body)});
        }
        if (route.target == Route::Target::Applications) {
            const auto parameters = uri.getQueryParameters();
            std::string limit, cursor;
            for (const auto& [name, value] : parameters) {
                if (name == "limit") limit = value;
                else if (name == "cursor") cursor = value;
            }
            return dependencies_.applications.list({company, limit, cursor});
        }
        if (route.target == Route::Target::Application) return dependencies_.applications.get(company, route.packageId);
        if (route.target == Route::Target::ApplicationWithdraw)
            return dependencies_.applications.withdraw(company, route.packageId);
        if (route.target == Route::Target::ApplicationCorrection) {
            auto body = readBody(request, dependencies_.maxBodyBytes);
            if (!body)
                return service::problemReply(service::problem(
                    ErrorKind::PayloadTooLarge, "Supplement too large",
                    "The body exceeds " + std::to_string(dependencies_.maxBodyBytes) + " bytes.",
                    {{"SUPPLEMENT_TOO_LARGE", "The supplement exceeds the configured size limit.", {"body", 0}}}));
            return dependencies_.applications.correct(
                {company, route.packageId, route.action, request.getContentType(), std::move(*body)});
        }
        return dependencies_.applications.events(company, route.packageId);
    }

    // `actor` names the admin for the audit trail.
    Reply dispatchAdmin(HTTPServerRequest& request, const Poco::URI& uri, const Route& route, const std::string& actor) {
        switch (route.target) {
            case Route::Target::AdminIncidents: {
                std::string state;
                for (const auto& [name, value] : uri.getQueryParameters())
                    if (name == "state") state = value;
                return dependencies_.admin.incidents(state);
            }
            case Route::Target::AdminDepartments:
                return dependencies_.admin.departments();
            case Route::Target::AdminOverview:
                return dependencies_.admin.overview();
            case Route::Target::AdminPackages: {
                std::string state, limit, cursor;
                for (const auto& [name, value] : uri.getQueryParameters()) {
                    if (name == "state") state = value;
                    else if (name == "limit") limit = value;
                    else if (name == "cursor") cursor = value;
                }
                return dependencies_.admin.packages(state, limit, cursor);
            }
            case Route::Target::AdminPackage:
                return dependencies_.admin.package(route.packageId);
            case Route::Target::AdminAuditVerify: {
                std::string chain;
                for (const auto& [name, value] : uri.getQueryParameters())
                    if (name == "chain") chain = value;
                return dependencies_.admin.verifyAudit(chain);
            }
            case Route::Target::AdminAuditChain:
                return dependencies_.admin.auditTrail(route.packageId);
            case Route::Target::AdminRefusedCallbacks: {
                std::string limit;
                for (const auto& [name, value] : uri.getQueryParameters())
                    if (name == "limit") limit = value;
                return dependencies_.admin.refusedCallbacks(limit);
            }
            default:
                break;
        }
        auto body = readBody(request, kMaxAdminBodyBytes);
        if (!body)
            return problemReply(ErrorKind::PayloadTooLarge, "Body too large", "An admin action's body is a short JSON object.");
        std::map<std::string, std::string> fields;
        if (!body->empty()) {
            try {
                Poco::JSON::Parser parser;
                auto object = parser.parse(*body).extract<Poco::JSON::Object::Ptr>();
                for (const char* name : {"note", "role", "company", "label"})
                    fields[name] = object->optValue<std::string>(name, "");
            } catch (const Poco::Exception&) {
                return problemReply(ErrorKind::BadRequest, "Invalid body",
                                    "Expected a JSON object such as {\"note\": \"…\"}.");
            } catch (const std::exception&) {
                return problemReply(ErrorKind::BadRequest, "Invalid body", "Expected a JSON object of strings.");
            }
        }
        switch (route.target) {
            case Route::Target::AdminDepartmentAction:
                return dependencies_.admin.pauseDepartment(route.packageId, route.action == "pause", fields["note"], actor);
            case Route::Target::AdminTokens:
                return dependencies_.admin.issueToken(fields["role"].empty() ? "applicant" : fields["role"],
                                                      fields["company"], fields["label"], actor);
            case Route::Target::AdminTokenAction:
                return dependencies_.admin.revokeToken(route.packageId, actor);
            default:
                break;
        }
        if (route.action == "resolve") return dependencies_.admin.resolveIncident(route.packageId, fields["note"], actor);
        return route.action == "retry" ? dependencies_.admin.retryIncident(route.packageId, fields["note"], actor)
                                       : dependencies_.admin.cancelIncident(route.packageId, fields["note"], actor);
    }

    // The dashboard's static files, from the configured web folder. Only
    // plain names under it; anything else is 404.
    Reply dashboardFile(const std::string& path) {
        if (path == "/admin") {
            Reply redirect{308, "text/plain", "/admin/", "", false};
            return redirect;
        }
        std::string name = path.substr(std::string_view("/admin/").size());
        if (name.empty()) name = "index.html";
        const bool plain = std::all_of(name.begin(), name.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' || c == '/';
        });
        const auto dot = name.rfind('.');
        static const std::map<std::string, std::string> kTypes{
            {"html", "text/html; charset=utf-8"}, {"js", "text/javascript; charset=utf-8"},
            {"css", "text/css; charset=utf-8"},   {"svg", "image/svg+xml"},
            {"png", "image/png"},                 {"json", "application/json"}};
        const auto type = dot == std::string::npos ? kTypes.end() : kTypes.find(name.substr(dot + 1));
        if (!plain || name.find("..") != std::string::npos || name.find("//") != std::string::npos ||
            name.front() == '/' || type == kTypes.end() || dependencies_.webDir.empty())
            return problemReply(ErrorKind::NotFound, "Not found", "No resource at " + path + ".");
        std::ifstream file(dependencies_.webDir + "/admin/" + name, std::ios::binary);
        if (!file) return problemReply(ErrorKind::NotFound, "Not found", "No resource at " + path + ".");
        std::ostringstream content;
        content << file.rdbuf();
        return Reply{200, type->second, {}, content.str(), false};
    }

    // Prometheus text exposition: the counters kept in memory and the gauges
    // read from the store now.
    Reply metrics() {
        std::string text;
        dependencies_.metrics.render(text);
        try {
            for (const auto& family : dependencies_.admin.gauges()) observability::renderGauges(family, text);
            text += "# HELP hub_store_up 1 when the store answered this scrape.\n# TYPE hub_store_up gauge\nhub_store_up 1\n";
        } catch (const store::StoreError& error) {
            log_.warning("metrics: store unavailable: %s", std::string(error.what()));
            text += "# HELP hub_store_up 1 when the store answered this scrape.\n# TYPE hub_store_up gauge\nhub_store_up 0\n";
        }
        return Reply{200, "text/plain; version=0.0.4; charset=utf-8", {}, std::move(text), false};
    }

    static std::string routeName(const Route& route) {
        switch (route.target) {
            case Route::Target::Health: return "healthz";
            case Route::Target::Ready: return "readyz";
            case Route::Target::Metrics: return "metrics";
            case Route::Target::Applications: return "applications";
            case Route::Target::Application: return "application";
            case Route::Target::ApplicationEvents: return "events";
            case Route::Target::ApplicationCorrection: return "correction";
            case Route::Target::ApplicationWithdraw: return "withdraw";
            case Route::Target::DepartmentCallback: return "callback";
            case Route::Target::Dashboard: return "dashboard";
            case Route::Target::Unknown: return "unknown";
            default: return "admin";
        }
    }

    // Whether `method` is one of the route's allowed methods ("GET, POST"): whole words only.
    static bool allows(const Route& route, const std::string& method) {
        std::string_view allowed = route.allowed;
        while (!allowed.empty()) {
            const auto comma = allowed.find(',');
            std::string_view word = allowed.substr(0, comma);
            while (!word.empty() && word.front() == ' ') word.remove_prefix(1);
            if (word == method) return true;
            if (comma == std::string_view::npos) break;
            allowed.remove_prefix(comma + 1);
        }
        return false;
    }

    static Reply methodNotAllowed(const Route& route) {
        Reply reply = problemReply(ErrorKind::MethodNotAllowed, "Method not allowed",
                                   std::string("Allowed: ") + route.allowed + ".");
        return reply;
    }

    Reply readiness() {
        try {
            dependencies_.store.ping();
            const int applied = dependencies_.store.schemaVersion();
            const int latest = dependencies_.store.latestSchemaVersion();
            if (applied != latest)
                return problemReply(ErrorKind::Unavailable, "Not ready",
                                    "Database schema at version " + std::to_string(applied) + ", this build needs " +
                                        std::to_string(latest) + ".");
            return Reply{200, "application/json", {},
                         R"({"status":"ready","schemaVersion":)" + std::to_string(applied) + "}", false};
        } catch (const store::StoreError& error) {
            log_.warning("readiness: store unreachable: %s", std::string(error.what()));
            return problemReply(ErrorKind::Unavailable, "Not ready", "The database is unreachable.");
        }
    }

    void send(HTTPServerRequest& request, HTTPServerResponse& response, const Route& route, const Reply& reply) {
        const auto status = static_cast<Poco::Net::HTTPResponse::HTTPStatus>(reply.status);
        response.setStatusAndReason(status, Poco::Net::HTTPResponse::getReasonForStatus(status));
        if (!reply.location.empty()) response.set("Location", reply.location);
        if (reply.retryAfterSeconds > 0) response.set("Retry-After", std::to_string(reply.retryAfterSeconds));
        if (reply.replayed) response.set("Idempotent-Replayed", "true");
        if (reply.status == 405) response.set("Allow", route.allowed);
        if (reply.status == 401) response.set("WWW-Authenticate", "Bearer realm=\"licensing-hub\"");
        if (reply.status == 413) response.setKeepAlive(false);
        response.set("Cache-Control", "no-store");
        response.set("X-Content-Type-Options", "nosniff");
        std::string body = reply.json;
        std::string mediaType = reply.mediaType;
        const bool json = mediaType == "application/json" || mediaType == "application/problem+json";
        const bool textual = json || mediaType == "text/plain";
        if (route.target == Route::Target::Dashboard && reply.status < 300) {
            response.set("Content-Security-Policy",
                         "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'");
            response.set("Cache-Control", "no-cache");
        }
        if (json && prefersXml(request.get("Accept", ""))) {
            const bool isProblem = mediaType == "application/problem+json";
            body = jsonToXml(reply.json, isProblem ? "problem" : xmlRootOf(route, request.getMethod()), isProblem ? kProblemXmlNamespace : kApiXmlNamespace);
            mediaType = isProblem ? "application/problem+xml" : "application/xml";
        }
        response.setContentType(textual ? mediaType + "; charset=utf-8" : mediaType);
        response.setContentLength64(static_cast<Poco::UInt64>(body.size()));
        if (request.getMethod() == "HEAD") {
            response.send();
            return;
        }
        response.send().write(body.data(), static_cast<std::streamsize>(body.size()));
    }

    static std::string xmlRootOf(const Route& route, const std::string& method) {
        switch (route.target) {
            case Route::Target::Applications: return method == "POST" ? "application" : "applications";
            case Route::Target::Application: return "application";
            case Route::Target::ApplicationEvents: return "timeline";
            case Route::Target::ApplicationCorrection:
            case Route::Target::ApplicationWithdraw: return "application";
            case Route::Target::DepartmentCallback: return "callback";
            case Route::Target::AdminIncidents: return "incidents";
            case Route::Target::AdminIncidentAction: return "incident";
            case Route::Target::AdminDepartments: return "departments";
            case Route::Target::AdminRefusedCallbacks: return "refusedCallbacks";
            case Route::Target::AdminOverview: return "overview";
            case Route::Target::AdminPackages: return "packages";
            case Route::Target::AdminPackage: return "application";
            case Route::Target::AdminAuditVerify: return "auditVerification";
            case Route::Target::AdminAuditChain: return "auditChain";
            case Route::Target::AdminDepartmentAction: return "department";
            case Route::Target::AdminTokens:
            case Route::Target::AdminTokenAction: return "token";
            default: return "status";
        }
    }

    const ApiDependencies& dependencies_;
    Poco::Logger& log_;
};

class ApiRequestHandlerFactory final : public Poco::Net::HTTPRequestHandlerFactory {
  public:
    explicit ApiRequestHandlerFactory(ApiDependencies dependencies) : dependencies_(dependencies) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(const HTTPServerRequest&) override {
        return new ApiRequestHandler(dependencies_);
    }

  private:
    ApiDependencies dependencies_;
};

}  // namespace

namespace {

Poco::Net::Context::Ptr listenerContext(const config::ServerTlsConfig& tls) {
    return transport::makeServerContext(
        {tls.certificateFile, tls.privateKeyFile, tls.caFile, tls.requireClientCertificate});
}

Poco::Net::ServerSocket bind(const config::ServerConfig& config) {
    const Poco::Net::SocketAddress address(config.host, static_cast<Poco::UInt16>(config.port));
    constexpr int kBacklog = 128;
    if (config.tls) return Poco::Net::SecureServerSocket(address, kBacklog, listenerContext(*config.tls));
    return Poco::Net::ServerSocket(address, kBacklog);
}

}  // namespace

void checkListenerTls(const config::ServerTlsConfig& tls) { listenerContext(tls); }

ApiServer::ApiServer(const config::ServerConfig& config, ApiDependencies dependencies) {
    Poco::Net::ServerSocket socket = bind(config);
    port_ = socket.address().port();
    auto* params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(config.threads);
    params->setMaxQueued(config.maxQueued);
    params->setKeepAlive(true);
    params->setTimeout(Poco::Timespan(30, 0));
    pool_ = std::make_unique<Poco::ThreadPool>(2, std::max(2, config.threads));
    server_ = std::make_unique<Poco::Net::HTTPServer>(new ApiRequestHandlerFactory(dependencies), *pool_, socket,
                                                      params);
}

ApiServer::~ApiServer() {
    if (server_) server_->stopAll(true);
}

void ApiServer::start() { server_->start(); }

void ApiServer::stop() {
    server_->stop();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (server_->currentConnections() > 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    server_->stopAll(true);
}

int ApiServer::port() const { return port_; }

}  // namespace hub::http
