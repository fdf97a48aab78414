#include "service/admin_service.h"

#include <sstream>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include "core/circuit_breaker.h"
#include "dispatch/dispatcher.h"

namespace hub::service {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

std::string stringify(const Object& object) {
    std::ostringstream out;
    object.stringify(out);
    return out.str();
}

Reply unavailable() {
    return problemReply(problem(ErrorKind::Unavailable, "Service unavailable", "The database is unreachable."));
}

Object incidentJson(const store::IncidentView& incident) {
    Object json(Poco::JSON_PRESERVE_KEY_ORDER);
    json.set("id", incident.id);
    json.set("state", incident.state);
    json.set("packageId", incident.packageId);
    json.set("permit", incident.permit);
    json.set("department", incident.department);
    json.set("kind", incident.kind);
    json.set("messageId", incident.messageId);
    json.set("reason", incident.reason);
    json.set("createdAt", core::formatRfc3339(incident.createdAt));
    if (incident.closedAt != 0) json.set("closedAt", core::formatRfc3339(incident.closedAt));
    if (!incident.note.empty()) json.set("note", incident.note);
    return json;
}

}  // namespace

AdminService::AdminService(store::Store& store, const core::Clock& clock, TokenService& tokens,
                           dispatch::Dispatcher* dispatcher)
    : store_(store), clock_(clock), tokens_(tokens), dispatcher_(dispatcher) {}

Reply AdminService::incidents(const std::string& state) {
    if (!state.empty() && state != "open" && state != "all")
        return problemReply(problem(ErrorKind::BadRequest, "Invalid parameter", "state must be open or all.",
                                    {{"PARAMETER_INVALID", "state must be open or all.", {"query:state", 0}}}));
    std::vector<store::IncidentView> incidents;
    try {
        incidents = store_.listIncidents(state != "all");
    } catch (const store::StoreError&) {
        return unavailable();
    }
    Object json(Poco::JSON_PRESERVE_KEY_ORDER);
    Array items;
    for (const auto& incident : incidents) items.add(incidentJson(incident));
    json.set("incidents", items);
    return Reply{200, "application/json", {}, stringify(json), false};
}

Reply AdminService::retryIncident(const std::string& incidentId, const std::string& note) {
    return closeIncident(incidentId, note, true);
}

Reply AdminService::cancelIncident(const std::string& incidentId, const std::string& note) {
    return closeIncident(incidentId, note, false);
}

Reply AdminService::closeIncident(const std::string& incidentId, const std::string& note, bool retry) {
    try {
        std::optional<store::IncidentView> found;
        for (const auto& incident : store_.listIncidents(false))
            if (incident.id == incidentId) found = incident;
        if (!found) return problemReply(problem(ErrorKind::NotFound, "Not found", "No incident " + incidentId + "."));
        const bool done = retry ? store_.retryIncident(incidentId, clock_.now(), note)
                                : store_.cancelIncident(incidentId, clock_.now(), note);
        if (!done)
            return problemReply(problem(ErrorKind::Conflict, "Incident closed",
                                        "Incident " + incidentId + " is " + found->state + ", not OPEN."));
        if (retry && dispatcher_) dispatcher_->wake();
        for (const auto& incident : store_.listIncidents(false))
            if (incident.id == incidentId) return Reply{200, "application/json", {}, stringify(incidentJson(incident)), false};
        return Reply{200, "application/json", {}, "{}", false};
    } catch (const store::StoreError&) {
        return unavailable();
    }
}

namespace {

Object departmentJson(const dispatch::DepartmentChannel& channel) {
    Object item(Poco::JSON_PRESERVE_KEY_ORDER);
    item.set("code", channel.adapter->code());
    item.set("name", channel.adapter->config().name);
    item.set("transport", channel.adapter->config().transport.kind);
    item.set("endpoint", channel.endpoint.url);
    item.set("breaker", std::string(core::toString(channel.breaker.state())));
    item.set("consecutiveFailures", channel.breaker.consecutiveFailures());
    item.set("inFlight", channel.limiter.inFlight());
    item.set("maxConcurrent", channel.limiter.limit());
    item.set("paused", channel.paused.load());
    return item;
}

}  // namespace

Reply AdminService::departments() {
    Object json(Poco::JSON_PRESERVE_KEY_ORDER);
    Array items;
    if (dispatcher_) {
        for (const auto& channel : dispatcher_->channels()) items.add(departmentJson(*channel));
    }
    json.set("dispatch", dispatcher_ != nullptr);
    json.set("departments", items);
    return Reply{200, "application/json", {}, stringify(json), false};
}

Reply AdminService::refusedCallbacks(const std::string& limitText) {
    int limit = 50;
    if (!limitText.empty()) {
        try {
            std::size_t used = 0;
            limit = std::stoi(limitText, &used);
            if (used != limitText.size() || limit < 1 || limit > 500) throw std::invalid_argument(limitText);
        } catch (const std::exception&) {
            return problemReply(problem(ErrorKind::BadRequest, "Invalid parameter", "limit must be an integer from 1 to 500.",
                                        {{"PARAMETER_INVALID", "limit must be an integer from 1 to 500.", {"query:limit", 0}}}));
        }
    }
    std::vector<store::RefusedInbound> refused;
    try {
        refused = store_.listRefusedInbound(limit);
    } catch (const store::StoreError&) {
        return unavailable();
    }
    Object json(Poco::JSON_PRESERVE_KEY_ORDER);
    Array items;
    for (const auto& entry : refused) {
        Object item(Poco::JSON_PRESERVE_KEY_ORDER);
        item.set("sequence", entry.sequence);
        item.set("at", core::formatRfc3339(entry.at));
        item.set("department", entry.department);
        item.set("code", entry.code);
        item.set("detail", entry.detail);
        if (!entry.messageId.empty()) item.set("messageId", entry.messageId);
        if (!entry.packageId.empty()) item.set("packageId", entry.packageId);
        if (!entry.permit.empty()) item.set("permit", entry.permit);
        item.set("sha256", entry.sha256);
        items.add(item);
    }
    json.set("refused", items);
    return Reply{200, "application/json", {}, stringify(json), false};
}

Reply AdminService::pauseDepartment(const std::string& code, bool pause, const std::string& note) {
    if (!dispatcher_)
        return problemReply(problem(ErrorKind::Conflict, "Dispatch is off", "This hub process does not dispatch."));
    dispatch::DepartmentChannel* channel = dispatcher_->channel(code);
    if (!channel) return problemReply(problem(ErrorKind::NotFound, "Not found", "No department " + code + "."));
    try {
        dispatcher_->setPaused(code, pause, note);
    } catch (const store::StoreError&) {
        return unavailable();
    }
    return Reply{200, "application/json", {}, stringify(departmentJson(*channel)), false};
}

Reply AdminService::issueToken(const std::string& role, const std::string& company, const std::string& label) {
    const std::string subject = role == "admin" ? label : company;
    IssuedToken issued;
    try {
        issued = tokens_.issue(role, subject, label);
    } catch (const std::invalid_argument& error) {
        const std::string message = role == "admin" ? "An admin token needs a label (the admin's name): " + std::string(error.what())
                                    : role == "applicant" ? "An applicant token needs a valid company id: " + std::string(error.what())
                                                          : "role must be applicant or admin";
        return problemReply(problem(ErrorKind::BadRequest, "Invalid token request", message,
                                    {{"TOKEN_REQUEST_INVALID", message, {"body", 0}}}));
    } catch (const store::StoreError&) {
        return unavailable();
    }
    Object json(Poco::JSON_PRESERVE_KEY_ORDER);
    json.set("tokenId", issued.tokenId);
    json.set("token", issued.secret);
    json.set("role", role);
    json.set("subject", subject);
    json.set("label", label);
    return Reply{201, "application/json", {}, stringify(json), false};
}

Reply AdminService::revokeToken(const std::string& tokenId) {
    try {
        if (!tokens_.revoke(tokenId))
            return problemReply(problem(ErrorKind::NotFound, "Not found", "No token " + tokenId + "."));
    } catch (const store::StoreError&) {
        return unavailable();
    }
    Object json(Poco::JSON_PRESERVE_KEY_ORDER);
    json.set("tokenId", tokenId);
    json.set("revoked", true);
    return Reply{200, "application/json", {}, stringify(json), false};
}

}  // namespace hub::service
