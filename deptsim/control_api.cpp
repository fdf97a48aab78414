#include "deptsim/control_api.h"

#include <sstream>

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/NumberParser.h>
#include <Poco/String.h>
#include <Poco/URI.h>

#include "core/clock.h"
#include "deptsim/sim_log.h"
#include "deptsim/sim_time.h"
#include "deptsim/simulator.h"

namespace deptsim {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

void sendJson(Poco::Net::HTTPServerResponse& response, int status, const Poco::Dynamic::Var& value) {
    std::ostringstream out;
    Poco::JSON::Stringifier::stringify(value, out, 2);
    out << '\n';
    const std::string body = out.str();
    response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
    response.setContentType("application/json");
    response.setContentLength64(static_cast<Poco::Int64>(body.size()));
    response.send() << body;
}

void sendError(Poco::Net::HTTPServerResponse& response, int status, const std::string& message) {
    Object::Ptr error = new Object;
    error->set("error", message);
    sendJson(response, status, error);
}

Object::Ptr statsJson(const DepartmentStats& stats) {
    Object::Ptr out = new Object;
    out->set("received", stats.received);
    out->set("accepted", stats.accepted);
    out->set("invalid", stats.invalid);
    out->set("unauthorized", stats.unauthorized);
    out->set("duplicates", stats.duplicates);
    out->set("duplicateEffects", stats.duplicateEffects);
    Array::Ptr ids = new Array;
    for (const auto& pair : stats.duplicateEffectIds) ids->add(pair);
    out->set("duplicateEffectIds", ids);
    out->set("effects", stats.effects);
    Object::Ptr decisions = new Object;
    for (const char* name : {"approve", "reject", "correction", "not-accept"}) {
        auto it = stats.decisions.find(name);
        decisions->set(name, it == stats.decisions.end() ? 0L : it->second);
    }
    out->set("decisions", decisions);
    out->set("callbacksSent", stats.callbacksSent);
    out->set("callbacksFailed", stats.callbacksFailed);
    out->set("pollsAnswered", stats.pollsAnswered);
    out->set("selfCheckFailures", stats.selfCheckFailures);
    Object::Ptr faults = new Object;
    for (const char* name : {"error", "timeout", "malformed", "down"}) {
        auto it = stats.faults.find(name);
        faults->set(name, it == stats.faults.end() ? 0L : it->second);
    }
    out->set("faults", faults);
    return out;
}

Object::Ptr policyJson(const PolicySettings& policy) {
    Object::Ptr out = new Object;
    out->set("decision", std::string(toString(policy.decision)));
    out->set("decisionDelayMs", policy.decisionDelayMs);
    out->set("onTheSpot", policy.onTheSpot);
    out->set("underReview", policy.underReview);
    return out;
}

Object::Ptr faultsJson(const FaultSettings& faults, bool down) {
    Object::Ptr out = new Object;
    out->set("errorRate", faults.errorRate);
    out->set("timeoutRate", faults.timeoutRate);
    out->set("malformedRate", faults.malformedRate);
    out->set("holdMs", faults.holdMs);
    out->set("downForSeconds", faults.downForSeconds);
    out->set("down", down);
    return out;
}

Object::Ptr notificationCountsJson(const NotificationCounts& counts) {
    Object::Ptr out = new Object;
    out->set("received", counts.received);
    out->set("duplicates", counts.duplicates);
    out->set("refused", counts.refused);
    out->set("invalid", counts.invalid);
    return out;
}

int httpStatusOf(NotificationOutcome outcome) {
    switch (outcome) {
        case NotificationOutcome::Accepted:
        case NotificationOutcome::Duplicate: return 200;
        case NotificationOutcome::Refused: return 401;
        case NotificationOutcome::Invalid: return 400;
    }
    return 500;
}

std::string_view outcomeName(NotificationOutcome outcome) {
    switch (outcome) {
        case NotificationOutcome::Accepted: return "ACCEPTED";
        case NotificationOutcome::Duplicate: return "DUPLICATE";
        case NotificationOutcome::Refused: return "UNAUTHORIZED";
        case NotificationOutcome::Invalid: return "INVALID";
    }
    return "?";
}

std::map<std::string, std::string> queryOf(const Poco::URI& uri) {
    std::map<std::string, std::string> out;
    for (const auto& [name, value] : uri.getQueryParameters()) out[name] = value;
    return out;
}

Object::Ptr readBody(Poco::Net::HTTPServerRequest& request) {
    std::ostringstream text;
    text << request.stream().rdbuf();
    if (text.str().empty()) return new Object;
    auto parsed = Poco::JSON::Parser().parse(text.str());
    auto object = parsed.extract<Object::Ptr>();
    if (!object) throw ConfigError("the body must be a JSON object");
    return object;
}

}  // namespace

void ControlApi::receiveNotification(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) {
    const auto limit = static_cast<std::size_t>(simulator_.config().maxBodyBytes);
    if (request.hasContentLength() && request.getContentLength64() > static_cast<Poco::Int64>(limit))
        return sendError(response, 413, "body larger than " + std::to_string(limit) + " bytes");
    NotificationRequest received;
    for (const auto& [name, value] : request) received.headers[Poco::toLower(name)] = value;
    std::istream& in = request.stream();
    char buffer[16384];
    while (in) {
        in.read(buffer, sizeof buffer);
        received.body.append(buffer, static_cast<std::size_t>(in.gcount()));
        if (received.body.size() > limit) return sendError(response, 413, "body larger than " + std::to_string(limit) + " bytes");
    }
    const auto verdict = simulator_.notifications().receive(received, nowMillis());
    const auto header = [&](const char* name) {
        auto it = received.headers.find(name);
        return it == received.headers.end() || it->second.empty() ? std::string("-") : it->second;
    };
    const int status = httpStatusOf(verdict.outcome);
    logLine(status == 200 ? LogLevel::Info : LogLevel::Warning,
            "notification id=" + header("x-hub-message-id") + " package=" + header("x-hub-package-id") +
                " outcome=" + std::string(outcomeName(verdict.outcome)) + " http=" + std::to_string(status) +
                (verdict.reason.empty() ? "" : " reason=" + verdict.reason));
    if (status != 200) return sendError(response, status, verdict.reason);
    Object::Ptr out = new Object;
    out->set("received", true);
    out->set("duplicate", verdict.outcome == NotificationOutcome::Duplicate);
    return sendJson(response, 200, out);
}

void ControlApi::listNotifications(const Poco::URI& uri, Poco::Net::HTTPServerResponse& response) {
    auto query = queryOf(uri);
    Array::Ptr notifications = new Array;
    for (const auto& notification : simulator_.notifications().notifications()) {
        if (query.count("packageId") && query["packageId"] != notification.packageId) continue;
        Object::Ptr entry = new Object;
        entry->set("messageId", notification.messageId);
        entry->set("packageId", notification.packageId);
        entry->set("receivedAt", hub::core::formatRfc3339(notification.receivedAt));
        entry->set("body", Poco::JSON::Parser().parse(notification.body));
        notifications->add(entry);
    }
    const auto counts = simulator_.notifications().counts();
    Object::Ptr out = new Object;
    out->set("notifications", notifications);
    out->set("duplicates", counts.duplicates);
    out->set("refused", counts.refused);
    return sendJson(response, 200, out);
}

void ControlApi::handle(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) {
    const Poco::URI uri(request.getURI());
    const std::string path = uri.getPath();
    const std::string method = request.getMethod();
    const bool get = method == "GET";
    const bool post = method == "POST";
    try {
        if (get && path == "/_sim/stats") {
            Object::Ptr out = new Object;
            for (auto* service : simulator_.services()) {
                std::lock_guard lock(service->state().mutex);
                out->set(service->code(), statsJson(service->state().stats));
            }
            out->set("notifications", notificationCountsJson(simulator_.notifications().counts()));
            return sendJson(response, 200, out);
        }
        if (get && path == "/_sim/messages") {
            auto query = queryOf(uri);
            std::size_t limit = 20;
            if (query.count("limit")) limit = static_cast<std::size_t>(Poco::NumberParser::parseUnsigned(query["limit"]));
            Array::Ptr messages = new Array;
            for (auto* service : simulator_.services()) {
                if (query.count("department") && query["department"] != service->code()) continue;
                std::lock_guard lock(service->state().mutex);
                const auto& log = service->state().log;
                std::size_t taken = 0;
                for (auto it = log.rbegin(); it != log.rend() && taken < limit; ++it, ++taken) {
                    Object::Ptr entry = new Object;
                    entry->set("department", service->code());
                    entry->set("id", it->messageId);
                    entry->set("time", hub::core::formatRfc3339(it->time));
                    entry->set("kind", it->kind);
                    entry->set("permit", it->permit);
                    entry->set("package", it->package);
                    entry->set("receiptNumber", it->receiptNumber);
                    entry->set("outcome", it->outcome);
                    entry->set("httpStatus", it->httpStatus);
                    entry->set("body", it->body);
                    messages->add(entry);
                }
            }
            if (query.count("department") && !simulator_.service(query["department"]))
                return sendError(response, 404, "unknown department " + query["department"]);
            Object::Ptr out = new Object;
            out->set("messages", messages);
            return sendJson(response, 200, out);
        }
        if (path == "/_sim/policy" && (get || post)) {
            if (post) {
                auto body = readBody(request);
                const std::string department = body->optValue<std::string>("department", "");
                const std::string permit = body->optValue<std::string>("permit", "");
                if (!simulator_.service(department)) return sendError(response, 400, "unknown department \"" + department + "\"");
                const auto* settings = simulator_.config().department(department);
                if (!permit.empty() && !settings->permits.count(permit))
                    return sendError(response, 400, "permit " + permit + " is not issued by " + department);
                simulator_.policy().update(department, permit,
                                           parsePolicyOverride(*body, "policy", {"department", "permit"}));
            }
            Object::Ptr out = new Object;
            for (const auto& [code, snapshot] : simulator_.policy().snapshot()) {
                auto entry = policyJson(snapshot.department);
                Object::Ptr permits = new Object;
                for (const auto& [permit, policy] : snapshot.permits) permits->set(permit, policyJson(policy));
                entry->set("permits", permits);
                out->set(code, entry);
            }
            return sendJson(response, 200, out);
        }
        if (path == "/_sim/faults" && (get || post)) {
            if (post) {
                auto body = readBody(request);
                const std::string department = body->optValue<std::string>("department", "");
                if (!simulator_.service(department)) return sendError(response, 400, "unknown department \"" + department + "\"");
                auto change = parseFaultOverride(*body, "faults", {"department"});
                simulator_.faults().update(department, change);
                if (change.downForSeconds && *change.downForSeconds > 0)
                    simulator_.takeDown(department, *change.downForSeconds);
                else if (change.downForSeconds)
                    simulator_.bringUp(department);
            }
            Object::Ptr out = new Object;
            for (const auto& [code, faults] : simulator_.faults().snapshot())
                out->set(code, faultsJson(faults, simulator_.isDown(code)));
            return sendJson(response, 200, out);
        }
        if (post && path == "/_sim/notifications") return receiveNotification(request, response);
        if (get && path == "/_sim/notifications") return listNotifications(uri, response);
        if (post && path == "/_sim/reset") {
            simulator_.reset();
            Object::Ptr out = new Object;
            out->set("reset", true);
            return sendJson(response, 200, out);
        }
        if (get && path == "/_sim/ports") {
            Object::Ptr out = new Object;
            for (const auto& [name, port] : simulator_.ports()) out->set(name, port);
            return sendJson(response, 200, out);
        }
        if (get && path == "/_sim/health") {
            Object::Ptr out = new Object;
            out->set("status", "ok");
            return sendJson(response, 200, out);
        }
        return sendError(response, 404, "no such control endpoint: " + method + " " + path);
    } catch (const ConfigError& error) {
        return sendError(response, 400, error.what());
    } catch (const Poco::Exception& error) {
        return sendError(response, 400, error.displayText());
    }
}

}  // namespace deptsim
