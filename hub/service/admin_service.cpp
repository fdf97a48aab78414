#include "service/admin_service.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/String.h>

#include "core/audit_chain.h"
#include "core/circuit_breaker.h"
#include "core/permit_clock.h"
#include "dispatch/dispatcher.h"
#include "store/audit_entries.h"

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
                           const tracking::EventPlanner& planner, ApplicationService& applications,
                           dispatch::Dispatcher* dispatcher)
    : store_(store), clock_(clock), tokens_(tokens), planner_(planner), applications_(applications),
      dispatcher_(dispatcher) {}

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

Reply AdminService::retryIncident(const std::string& incidentId, const std::string& note, const std::string& actor) {
    return closeIncident(incidentId, note, actor, Closing::Retry);
}

Reply AdminService::cancelIncident(const std::string& incidentId, const std::string& note, const std::string& actor) {
    return closeIncident(incidentId, note, actor, Closing::Cancel);
}

Reply AdminService::resolveIncident(const std::string& incidentId, const std::string& note, const std::string& actor) {
    if (note.find_first_not_of(" \t\r\n") == std::string::npos)
        return problemReply(problem(ErrorKind::BadRequest, "Reason required", "Say how the incident was resolved.",
                                    {{"NOTE_REQUIRED", "Resolving an incident needs a note saying how.", {"body:note", 0}}}));
    return closeIncident(incidentId, note, actor, Closing::Resolve);
}

Reply AdminService::closeIncident(const std::string& incidentId, const std::string& note, const std::string& actor,
                                  Closing closing) {
    const bool retry = closing == Closing::Retry;
    try {
        std::optional<store::IncidentView> found;
        for (const auto& incident : store_.listIncidents(false))
            if (incident.id == incidentId) found = incident;
        if (!found) return problemReply(problem(ErrorKind::NotFound, "Not found", "No incident " + incidentId + "."));
        const bool done = retry ? store_.retryIncident(incidentId, clock_.now(), note, actor)
                          : closing == Closing::Cancel ? store_.cancelIncident(incidentId, clock_.now(), note, actor)
                                                       : store_.resolveIncident(incidentId, clock_.now(), note, actor);
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

// The q-quantile (0 < q <= 1) by the nearest-rank method.
int percentile(std::vector<int> values, double q) {
    std::sort(values.begin(), values.end());
    const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(values.size())));
    return values[std::min(values.size(), std::max<std::size_t>(rank, 1)) - 1];
}

void addActivity(Object& item, const store::DepartmentActivity* activity) {
    item.set("queued", activity ? activity->queued : 0);
    item.set("attemptsLastHour", activity ? activity->attempts : 0);
    if (activity && !activity->latenciesMs.empty()) {
        Object latency(Poco::JSON_PRESERVE_KEY_ORDER);
        latency.set("p50", percentile(activity->latenciesMs, 0.50));
        latency.set("p99", percentile(activity->latenciesMs, 0.99));
        item.set("latencyMs", latency);
    } else {
        item.set("latencyMs", Poco::Dynamic::Var());
    }
    if (activity && activity->attempts > 0)
        item.set("errorRate", static_cast<double>(activity->failures) / activity->attempts);
    else
        item.set("errorRate", Poco::Dynamic::Var());
    if (activity && activity->lastSuccessAt != 0)
        item.set("lastSuccessAt", core::formatRfc3339(activity->lastSuccessAt));
    else
        item.set("lastSuccessAt", Poco::Dynamic::Var());
}

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
    constexpr core::EpochMillis kWindowMs = 3'600'000;
    constexpr int kMaxLatencies = 5000;
    std::vector<store::DepartmentActivity> activity;
    try {
        activity = store_.departmentActivity(clock_.now() - kWindowMs, kMaxLatencies);
    } catch (const store::StoreError&) {
        return unavailable();
    }
    Object json(Poco::JSON_PRESERVE_KEY_ORDER);
    Array items;
    if (dispatcher_) {
        for (const auto& channel : dispatcher_->channels()) {
            Object item = departmentJson(*channel);
            const store::DepartmentActivity* found = nullptr;
            for (const auto& entry : activity)
                if (entry.department == channel->adapter->code()) found = &entry;
            addActivity(item, found);
            items.add(item);
        }
    }
    json.set("dispatch", dispatcher_ != nullptr && sending_);
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

Reply AdminService::pauseDepartment(const std::string& requested, bool pause, const std::string& note,
                                    const std::string& actor) {
    const std::string code = Poco::toUpper(requested);
    if (!dispatcher_)
        return problemReply(problem(ErrorKind::Conflict, "Dispatch is off", "This hub process does not dispatch."));
    dispatch::DepartmentChannel* channel = dispatcher_->channel(code);
    if (!channel) return problemReply(problem(ErrorKind::NotFound, "Not found", "No department " + code + "."));
    std::vector<store::DepartmentActivity> activity;
    try {
        dispatcher_->setPaused(code, pause, note, actor);
        activity = store_.departmentActivity(clock_.now() - 3'600'000, 5000);
    } catch (const store::StoreError&) {
        return unavailable();
    }
    Object item = departmentJson(*channel);
    const store::DepartmentActivity* found = nullptr;
    for (const auto& entry : activity)
        if (entry.department == code) found = &entry;
    addActivity(item, found);
    return Reply{200, "application/json", {}, stringify(item), false};
}

Reply AdminService::issueToken(const std::string& role, const std::string& company, const std::string& label,
                               const std::string& actor) {
    const std::string subject = role == "admin" ? label : company;
    IssuedToken issued;
    try {
        issued = tokens_.issue(role, subject, label, actor);
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

Reply AdminService::revokeToken(const std::string& tokenId, const std::string& actor) {
    try {
        if (!tokens_.revoke(tokenId, actor))
            return problemReply(problem(ErrorKind::NotFound, "Not found", "No token " + tokenId + "."));
    } catch (const store::StoreError&) {
        return unavailable();
    }
    Object json(Poco::JSON_PRESERVE_KEY_ORDER);
    json.set("tokenId", tokenId);
    json.set("revoked", true);
    return Reply{200, "application/json", {}, stringify(json), false};
}

std::vector<std::pair<store::PermitLocation, core::PermitDeadlines>> AdminService::runningDeadlines() {
    std::vector<std::pair<store::PermitLocation, core::PermitDeadlines>> result;
    for (auto& location : store_.permitsInStates(
             {core::PermitState::Accepted, core::PermitState::UnderReview, core::PermitState::Suspended}, 50000)) {
        const core::PermitItem* item = planner_.catalogue().findPermit(location.permit.permit);
        if (!item) continue;
        auto deadlines = core::deadlinesOf(*item, location.permit.state, location.permit.clock, clock_.now(),
                                           planner_.calendar());
        result.emplace_back(std::move(location), std::move(deadlines));
    }
    return result;
}

Reply AdminService::overview() {
    Object json(Poco::JSON_PRESERVE_KEY_ORDER);
    json.set("generatedAt", core::formatRfc3339(clock_.now()));
    try {
        Object packages(Poco::JSON_PRESERVE_KEY_ORDER);
        for (auto state : {core::PackageState::Received, core::PackageState::InProgress, core::PackageState::ReadyToOperate,
                           core::PackageState::PartiallyFailed, core::PackageState::Withdrawn})
            packages.set(std::string(core::toString(state)), 0L);
        for (const auto& [state, count] : store_.countPackagesByState()) packages.set(state, count);
        json.set("packages", packages);

        Object permits(Poco::JSON_PRESERVE_KEY_ORDER);
        for (int value = 0; value <= static_cast<int>(core::PermitState::Withdrawn); ++value)
            permits.set(std::string(core::toString(static_cast<core::PermitState>(value))), 0L);
        for (const auto& [state, count] : store_.countPermitsByState()) permits.set(state, count);
        json.set("permits", permits);

        json.set("incidents", Object().set("open", static_cast<long>(store_.listIncidents(true).size())));

        // The decision clocks run while a department holds the permit.
        constexpr int kAtRiskWorkingDays = 2;
        constexpr int kListLimit = 200;
        Array overdue, atRisk;
        for (const auto& [location, deadlines] : runningDeadlines()) {
            if (!deadlines.decisionDue || !deadlines.workingDaysLeft) continue;
            const bool late = deadlines.overdue;
            if (!late && *deadlines.workingDaysLeft > kAtRiskWorkingDays) continue;
            Array& list = late ? overdue : atRisk;
            if (static_cast<int>(list.size()) >= kListLimit) continue;
            Object entry(Poco::JSON_PRESERVE_KEY_ORDER);
            entry.set("packageId", location.packageId);
            entry.set("permit", location.permit.permit);
            entry.set("department", location.permit.department);
            entry.set("state", std::string(core::toString(location.permit.state)));
            entry.set("decisionDue", core::formatDay(*deadlines.decisionDue));
            entry.set("workingDaysLeft", *deadlines.workingDaysLeft);
            list.add(entry);
        }
        Object deadlines(Poco::JSON_PRESERVE_KEY_ORDER);
        deadlines.set("overdue", overdue);
        deadlines.set("atRisk", atRisk);
        json.set("deadlines", deadlines);
    } catch (const store::StoreError&) {
        return unavailable();
    }
    return Reply{200, "application/json", {}, stringify(json), false};
}

Reply AdminService::packages(const std::string& state, const std::string& limitText, const std::string& cursor) {
    auto invalid = [](const std::string& where, const std::string& message) {
        return problemReply(problem(ErrorKind::BadRequest, "Invalid parameter", message,
                                    {{"PARAMETER_INVALID", message, {where, 0}}}));
    };
    std::optional<core::PackageState> filter;
    if (!state.empty()) {
        filter = core::parsePackageState(state);
        if (!filter) return invalid("query:state", "state must be a package state such as IN_PROGRESS.");
    }
    store::PageRequest page;
    if (!limitText.empty()) {
        try {
            std::size_t used = 0;
            page.limit = std::stoi(limitText, &used);
            if (used != limitText.size() || page.limit < 1 || page.limit > 100) throw std::invalid_argument(limitText);
        } catch (const std::exception&) {
            return invalid("query:limit", "limit must be an integer from 1 to 100.");
        }
    }
    if (!cursor.empty()) {
        const bool plausible = looksLikePackageId(cursor);
        if (!plausible) return invalid("query:cursor", "cursor must be the nextCursor of a previous page.");
    }
    page.after = cursor;
    store::PackagePage result;
    try {
        result = store_.listAllPackages(filter, page);
    } catch (const store::StoreError&) {
        return unavailable();
    }
    Object json(Poco::JSON_PRESERVE_KEY_ORDER);
    Array items;
    for (const auto& summary : result.items) {
        Object item(Poco::JSON_PRESERVE_KEY_ORDER);
        item.set("id", summary.id);
        item.set("companyId", summary.companyId);
        item.set("state", std::string(core::toString(summary.state)));
        item.set("receivedAt", core::formatRfc3339(summary.receivedAt));
        item.set("proposedName", summary.proposedName);
        if (!summary.applicantReference.empty()) item.set("applicantReference", summary.applicantReference);
        items.add(item);
    }
    json.set("items", items);
    if (!result.nextCursor.empty()) json.set("nextCursor", result.nextCursor);
    return Reply{200, "application/json", {}, stringify(json), false};
}

Reply AdminService::package(const std::string& packageId) { return applications_.inspect(packageId); }

std::vector<observability::GaugeFamily> AdminService::gauges() {
    std::vector<observability::GaugeFamily> families;
    auto byState = [](std::string name, std::string help, const std::vector<std::pair<std::string, long>>& counts) {
        observability::GaugeFamily family{std::move(name), std::move(help), {}};
        for (const auto& [state, count] : counts) family.samples.push_back({{{"state", state}}, static_cast<double>(count)});
        return family;
    };
    families.push_back(byState("hub_packages", "Packages by state.", store_.countPackagesByState()));
    families.push_back(byState("hub_permits", "Permits by state.", store_.countPermitsByState()));

    observability::GaugeFamily overdue{"hub_permits_overdue", "Permits past their decision deadline, by department.", {}};
    std::map<std::string, int> late;
    for (const auto& [location, deadlines] : runningDeadlines())
        if (deadlines.overdue) ++late[location.permit.department];
    for (const auto& department : planner_.catalogue().departments())
        overdue.samples.push_back({{{"department", department.code}}, static_cast<double>(late[department.code])});
    families.push_back(std::move(overdue));

    observability::GaugeFamily queued{"hub_outbox_pending", "Calls waiting in the outbox, by department.", {}};
    for (const auto& activity : store_.departmentActivity(clock_.now(), 0))
        queued.samples.push_back({{{"department", activity.department}}, static_cast<double>(activity.queued)});
    families.push_back(std::move(queued));

    if (dispatcher_) {
        observability::GaugeFamily breaker{"hub_department_breaker_state",
                                           "1 for the state each department's circuit breaker is in.", {}};
        observability::GaugeFamily inFlight{"hub_department_calls_in_flight", "Calls being sent now, in this process.", {}};
        observability::GaugeFamily paused{"hub_department_paused", "1 when an admin paused the department.", {}};
        for (const auto& channel : dispatcher_->channels()) {
            const std::string code = channel->adapter->code();
            for (auto state : {core::BreakerState::Closed, core::BreakerState::Open, core::BreakerState::HalfOpen})
                breaker.samples.push_back({{{"department", code}, {"state", std::string(core::toString(state))}},
                                           channel->breaker.state() == state ? 1.0 : 0.0});
            inFlight.samples.push_back({{{"department", code}}, static_cast<double>(channel->limiter.inFlight())});
            paused.samples.push_back({{{"department", code}}, channel->paused.load() ? 1.0 : 0.0});
        }
        families.push_back(std::move(breaker));
        families.push_back(std::move(inFlight));
        families.push_back(std::move(paused));
    }
    families.push_back({"hub_incidents_open", "Calls parked as open incidents.",
                        {{{}, static_cast<double>(store_.listIncidents(true).size())}}});
    return families;
}

Reply AdminService::verifyAudit(const std::string& chain) {
    namespace trail = core::audit;
    try {
        if (!chain.empty() && !store_.auditHead(chain) && store_.auditEntries(chain).empty())
            return problemReply(problem(ErrorKind::NotFound, "Not found", "No audit chain " + chain + "."));
        const trail::Report report = store::audit::verifyTrail(store_, chain);
        Object json(Poco::JSON_PRESERVE_KEY_ORDER);
        json.set("ok", report.ok());
        json.set("scope", chain.empty() ? std::string("all") : chain);
        json.set("chains", report.chains);
        json.set("entries", static_cast<Poco::Int64>(report.entries));
        json.set("anchors", report.anchors);
        Object head(Poco::JSON_PRESERVE_KEY_ORDER);
        head.set("seq", static_cast<Poco::Int64>(report.global.seq));
        head.set("hash", report.global.hash);
        json.set("globalHead", head);
        json.set("problemCount", static_cast<Poco::Int64>(report.problemCount));
        Array problems;
        for (const auto& found : report.problems) {
            Object item(Poco::JSON_PRESERVE_KEY_ORDER);
            item.set("chain", found.chain);
            item.set("seq", static_cast<Poco::Int64>(found.seq));
            item.set("code", found.code);
            item.set("detail", found.detail);
            problems.add(item);
        }
        json.set("problems", problems);
        json.set("checkedAt", core::formatRfc3339(clock_.now()));
        return Reply{200, "application/json", {}, stringify(json), false};
    } catch (const store::StoreError&) {
        return unavailable();
    }
}

Reply AdminService::auditTrail(const std::string& chain) {
    try {
        auto head = store_.auditHead(chain);
        auto entries = store_.auditEntries(chain);
        if (!head && entries.empty())
            return problemReply(problem(ErrorKind::NotFound, "Not found", "No audit chain " + chain + "."));
        Object json(Poco::JSON_PRESERVE_KEY_ORDER);
        json.set("chain", chain);
        Array items;
        for (const auto& entry : entries) {
            Object item(Poco::JSON_PRESERVE_KEY_ORDER);
            item.set("seq", static_cast<Poco::Int64>(entry.seq));
            item.set("at", core::formatRfc3339(entry.at));
            item.set("kind", entry.kind);
            item.set("actor", entry.actor);
            item.set("subject", entry.subject);
            item.set("detail", entry.detail);
            item.set("hash", entry.hash);
            items.add(item);
        }
        json.set("entries", items);
        return Reply{200, "application/json", {}, stringify(json), false};
    } catch (const store::StoreError&) {
        return unavailable();
    }
}

}  // namespace hub::service
