#include "service/application_service.h"
#include "core/digest.h"

#include <algorithm>
#include <charconv>
#include <set>
#include <sstream>

#include <Poco/DigestEngine.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/String.h>

#include "core/permit_clock.h"
#include "core/states.h"
#include "xml/document.h"

namespace hub::service {

bool looksLikePackageId(const std::string& id) {
    if (id.size() != 30 || id.compare(0, 4, "PKG-") != 0) return false;
    return std::all_of(id.begin() + 4, id.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'); });
}

namespace {

using core::sha256Hex;

Poco::JSON::Object eventJson(const store::EventView& event) {
    Poco::JSON::Object item(Poco::JSON_PRESERVE_KEY_ORDER);
    item.set("sequence", event.sequence);
    item.set("at", core::formatRfc3339(event.at));
    item.set("type", event.type);
    if (!event.permit.empty()) item.set("permit", event.permit);
    if (!event.fromState.empty()) item.set("from", event.fromState);
    item.set("to", event.toState);
    if (!event.detail.empty()) item.set("detail", event.detail);
    return item;
}

using Poco::JSON::Array;
using Poco::JSON::Object;


std::string stringify(const Object& object) {
    std::ostringstream out;
    object.stringify(out);
    return out.str();
}

Reply fail(ErrorKind kind, std::string title, std::string detail, core::ValidationErrors errors = {}) {
    return problemReply(problem(kind, std::move(title), std::move(detail), std::move(errors)));
}

Reply fail(ErrorKind kind, std::string title, const std::string& code, const std::string& message,
           const std::string& where) {
    return fail(kind, std::move(title), message, {core::ValidationError{code, message, {where, 0}}});
}

Reply unavailable() {
    return fail(ErrorKind::Unavailable, "Service unavailable",
                "The hub cannot reach its database right now; nothing was stored. Retry later with the same "
                "Idempotency-Key.");
}

bool isXmlMediaType(const std::string& contentType) {
    std::string type = Poco::toLower(Poco::trim(contentType.substr(0, contentType.find(';'))));
    return type == "application/xml" || type == "text/xml";
}

bool isValidIdempotencyKey(const std::string& key) {
    if (key.empty() || key.size() > 255) return false;
    return std::all_of(key.begin(), key.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}


std::string applicationPath(const std::string& id) { return "/api/v1/applications/" + id; }

Array stringArray(const std::vector<std::string>& values) {
    Array array;
    for (const auto& value : values) array.add(value);
    return array;
}

Object deadlinesJson(const core::PermitDeadlines& deadlines) {
    Object json(Poco::JSON_PRESERVE_KEY_ORDER);
    if (deadlines.correctionNoticeBy) json.set("correctionNoticeBy", core::formatDay(*deadlines.correctionNoticeBy));
    if (deadlines.decisionDue) json.set("decisionDue", core::formatDay(*deadlines.decisionDue));
    if (deadlines.workingDaysLeft) json.set("workingDaysLeft", *deadlines.workingDaysLeft);
    json.set("paused", deadlines.paused);
    json.set("overdue", deadlines.overdue);
    return json;
}

// The representation of a package, shared by the submit answer and GET.
Object packageJson(const store::PackageView& view, const core::Catalogue& catalogue,
                   const std::vector<store::CertificateRecord>& certificates, const core::WorkingCalendar& calendar,
                   core::EpochMillis now) {
    Object json(Poco::JSON_PRESERVE_KEY_ORDER);
    json.set("id", view.id);
    json.set("state", std::string(core::toString(view.state)));
    json.set("receivedAt", core::formatRfc3339(view.receivedAt));
    json.set("updatedAt", core::formatRfc3339(view.updatedAt));
    if (!view.applicantReference.empty()) json.set("applicantReference", view.applicantReference);
    json.set("proposedName", view.proposedName);
    json.set("sha256", view.sha256);
    if (view.readyAt != 0) json.set("readyAt", core::formatRfc3339(view.readyAt));

    std::vector<core::PermitProgress> progress;
    for (const auto& permit : view.permits) progress.push_back({permit.permit, permit.state, permit.clock});
    const core::PackageForecast forecast = core::forecastPackage(catalogue, progress, now, calendar);

    Array permits;
    std::vector<std::string> added;
    std::vector<std::string> open;
    for (const auto& permit : view.permits) {
        const core::PermitItem* item = catalogue.findPermit(permit.permit);
        Object entry(Poco::JSON_PRESERVE_KEY_ORDER);
        entry.set("permit", permit.permit);
        if (item) {
            entry.set("name", item->nameEn);
            entry.set("nameZh", item->nameZh);
        }
        entry.set("department", permit.department);
        entry.set("state", std::string(core::toString(permit.state)));
        entry.set("requestedBy", permit.requestedByApplicant ? "APPLICANT" : "PREREQUISITE");
        if (item) entry.set("needs", stringArray(item->needs));
        if (!permit.receiptNumber.empty()) entry.set("receiptNumber", permit.receiptNumber);
        entry.set("updatedAt", core::formatRfc3339(permit.updatedAt));
        const auto& clock = permit.clock;
        if (clock.submittedAt != 0) entry.set("submittedAt", core::formatRfc3339(clock.submittedAt));
        if (clock.acceptedAt != 0) {
            entry.set("acceptedOn", core::formatDay(core::chinaDateOf(clock.acceptedAt)));
            if (clock.deemedAccepted) entry.set("deemedAccepted", true);
        }
        if (item) entry.set("deadlines", deadlinesJson(core::deadlinesOf(*item, permit.state, clock, now, calendar)));
        for (const auto& [id, day] : forecast.expected)
            if (id == permit.permit && day && permit.state != core::PermitState::Issued)
                entry.set("expectedOn", core::formatDay(*day));
        for (const auto& record : certificates) {
            if (record.permit != permit.permit) continue;
            Object certificate(Poco::JSON_PRESERVE_KEY_ORDER);
            certificate.set("number", record.number);
            certificate.set("issuer", record.department);
            certificate.set("holder", view.proposedName);
            certificate.set("issuedOn", record.issuedOn);
            if (!record.validUntil.empty()) certificate.set("validUntil", record.validUntil);
            Object outputs(Poco::JSON_PRESERVE_KEY_ORDER);
            for (const auto& [name, value] : record.outputs) {
                if (outputs.has(name)) continue;
                Array values;
                for (const auto& [otherName, otherValue] : record.outputs)
                    if (otherName == name) values.add(otherValue);
                if (values.size() == 1)
                    outputs.set(name, value);
                else
                    outputs.set(name, values);
            }
            certificate.set("outputs", outputs);
            certificate.set("documentSha256", record.documentSha256);
            entry.set("certificate", certificate);
        }
        permits.add(entry);
        if (!permit.requestedByApplicant) added.push_back(permit.permit);
        if (permit.state != core::PermitState::Issued) open.push_back(permit.permit);
    }
    json.set("permits", permits);
    json.set("addedPermits", stringArray(added));

    Object schedule(Poco::JSON_PRESERVE_KEY_ORDER);
    auto promised = catalogue.criticalPath(open, core::DurationBasis::Promised);
    auto statutory = catalogue.criticalPath(open, core::DurationBasis::Statutory);
    schedule.set("criticalPath", stringArray(promised.permits));
    schedule.set("promisedWorkingDays", promised.workingDays);
    schedule.set("statutoryCriticalPath", stringArray(statutory.permits));
    schedule.set("statutoryWorkingDays", statutory.workingDays);
    json.set("schedule", schedule);

    Object forecastJson(Poco::JSON_PRESERVE_KEY_ORDER);
    if (forecast.readyOn) forecastJson.set(view.readyAt != 0 ? "readyOn" : "expectedReadyOn", core::formatDay(*forecast.readyOn));
    forecastJson.set("reachable", forecast.readyOn.has_value());
    forecastJson.set("remainingWorkingDays", forecast.remainingWorkingDays);
    forecastJson.set("criticalPath", stringArray(forecast.criticalPath));
    forecastJson.set("basis", "promised working days");
    json.set("forecast", forecastJson);

    Object links(Poco::JSON_PRESERVE_KEY_ORDER);
    links.set("self", applicationPath(view.id));
    links.set("events", applicationPath(view.id) + "/events");
    links.set("withdraw", applicationPath(view.id) + "/withdraw");
    json.set("links", links);
    return json;
}

store::PackageView viewOf(const store::NewPackage& package) {
    store::PackageView view;
    view.id = package.id;
    view.companyId = package.companyId;
    view.state = package.state;
    view.receivedAt = package.receivedAt;
    view.updatedAt = package.receivedAt;
    view.sha256 = package.sha256;
    view.proposedName = package.proposedName;
    view.applicantReference = package.applicantReference;
    view.notificationUrl = package.notificationUrl;
    for (const auto& permit : package.permits)
        view.permits.push_back({permit.permit, permit.department, permit.state, permit.requestedByApplicant, {},
                                package.receivedAt, {}});
    std::sort(view.permits.begin(), view.permits.end(),
              [](const auto& a, const auto& b) { return a.permit < b.permit; });
    return view;
}

std::string joined(const std::vector<std::string>& values) {
    std::string out;
    for (const auto& value : values) out += (out.empty() ? "" : ", ") + value;
    return out;
}

}  // namespace

ApplicationService::ApplicationService(const core::Catalogue& catalogue, const xml::PackageReader& reader,
                                       store::Store& store, const core::Clock& clock, core::IdSource& ids,
                                       const config::IntakeConfig& intake, const tracking::EventPlanner& planner,
                                       const xml::Schema& supplementSchema, std::function<void()> onNewDispatches)
    : catalogue_(catalogue), reader_(reader), store_(store), clock_(clock), ids_(ids), intake_(intake),
      planner_(planner), supplementSchema_(supplementSchema), onNewDispatches_(std::move(onNewDispatches)) {}

std::string ApplicationService::representation(const store::PackageView& view) {
    const auto certificates = view.state == core::PackageState::Received && view.permits.empty()
                                  ? std::vector<store::CertificateRecord>{}
                                  : store_.certificatesOf(view.id);
    return stringify(packageJson(view, catalogue_, certificates, planner_.calendar(), clock_.now()));
}

Reply ApplicationService::submit(const SubmitRequest& request) {
    if (request.idempotencyKey.empty())
        return fail(ErrorKind::BadRequest, "Idempotency-Key required", "IDEMPOTENCY_KEY_MISSING",
                    "Every submission needs an Idempotency-Key header, so that a retry cannot create a second "
                    "package.",
                    "header:Idempotency-Key");
    if (!isValidIdempotencyKey(request.idempotencyKey))
        return fail(ErrorKind::BadRequest, "Invalid Idempotency-Key", "IDEMPOTENCY_KEY_INVALID",
                    "The Idempotency-Key must be 1 to 255 visible ASCII characters.", "header:Idempotency-Key");

    const store::IdempotencyKey key{request.companyId, request.idempotencyKey};
    const std::string requestHash = sha256Hex(request.body);
    store::Claim claim;
    try {
        claim = store_.claimIdempotencyKey(key, requestHash, clock_.now(),
                                           intake_.idempotencyInProgressTimeoutSeconds * 1000LL);
    } catch (const store::StoreError&) {
        return unavailable();
    }
    switch (claim.outcome) {
        case store::ClaimOutcome::Replay: {
            const auto& stored = *claim.response;
            return Reply{stored.status, stored.contentType, stored.location, stored.body, true};
        }
        case store::ClaimOutcome::Mismatch:
            return fail(ErrorKind::Unprocessable, "Idempotency-Key reused", "IDEMPOTENCY_KEY_REUSED",
                        "This Idempotency-Key was already used with a different request body.",
                        "header:Idempotency-Key");
        case store::ClaimOutcome::InProgress:
            return fail(ErrorKind::Conflict, "Request in progress", "IDEMPOTENCY_KEY_IN_PROGRESS",
                        "A request with this Idempotency-Key is still being processed; retry shortly.",
                        "header:Idempotency-Key");
        case store::ClaimOutcome::Claimed:
            break;
    }

    Reply reply = intake(request, requestHash);
    try {
        if (reply.status == 503)
            store_.releaseIdempotencyKey(key);
        else if (reply.status >= 400)
            store_.finishIdempotencyKey(key, {reply.status, reply.mediaType, reply.location, reply.json},
                                        clock_.now());
    } catch (const store::StoreError&) {
        return unavailable();
    }
    return reply;
}

// Validates and stores one claimed submission. On success the package and the
// key's answer are saved in one transaction; failures are returned for the
// caller to record against the key.
Reply ApplicationService::intake(const SubmitRequest& request, const std::string& bodySha256) {
    if (!isXmlMediaType(request.contentType))
        return fail(ErrorKind::UnsupportedMediaType, "Unsupported media type", "CONTENT_TYPE_UNSUPPORTED",
                    "A package is submitted as application/xml.", "header:Content-Type");

    xml::PackageReadResult read = reader_.read(request.body);
    switch (read.failure) {
        case xml::ReadFailure::None:
            break;
        case xml::ReadFailure::TooLarge:
            return fail(ErrorKind::PayloadTooLarge, "Package too large",
                        "The package exceeds " + std::to_string(intake_.maxPackageBytes) + " bytes.",
                        std::move(read.errors));
        case xml::ReadFailure::NotWellFormed:
            return fail(ErrorKind::BadRequest, "Malformed XML", "The package is not well-formed XML.",
                        std::move(read.errors));
        case xml::ReadFailure::ForbiddenConstruct:
            return fail(ErrorKind::BadRequest, "Forbidden XML construct",
                        "The package uses an XML construct the hub refuses for safety.", std::move(read.errors));
        case xml::ReadFailure::SchemaInvalid: {
            // Counted before the call: the list is moved into one of its arguments.
            const std::string count = std::to_string(read.errors.size()) + " schema error(s).";
            return fail(ErrorKind::Unprocessable, "Package does not match its schema", count, std::move(read.errors));
        }
    }

    const core::EpochMillis now = clock_.now();
    core::IntakeAssessment assessment =
        core::assessPackage(read.package, catalogue_, intake_.policy, core::chinaDateOf(now));
    if (!assessment.accepted()) {
        const std::string count = std::to_string(assessment.errors.size()) + " error(s).";
        return fail(ErrorKind::Unprocessable, "Package failed validation", count, std::move(assessment.errors));
    }

    store::NewPackage package;
    package.id = ids_.packageId(now);
    package.companyId = request.companyId;
    package.state = core::PackageState::Received;
    package.receivedAt = now;
    package.originalXml = request.body;
    package.sha256 = bodySha256;
    package.proposedName = read.package.company.proposedName.value;
    package.applicantReference = read.package.applicantReference.value;
    package.notificationUrl = read.package.notificationUrl.value;

    const std::set<std::string> added(assessment.addedPermits.begin(), assessment.addedPermits.end());
    package.events.push_back({"", "PACKAGE_RECEIVED", "", std::string(core::toString(package.state)),
                              std::to_string(assessment.permits.size()) + " permit(s), " +
                                  std::to_string(added.size()) + " added as prerequisites",
                              now});
    for (const auto& id : assessment.permits) {
        const core::PermitItem& item = *catalogue_.findPermit(id);
        const bool ready = item.needs.empty();
        const core::PermitState state = ready ? core::PermitState::Queued : core::PermitState::Waiting;
        package.permits.push_back({id, item.department, state, added.count(id) == 0});
        package.events.push_back({id, "PERMIT_STATE", "", std::string(core::toString(state)),
                                  ready ? "ready for dispatch to " + item.department
                                        : "waiting for " + joined(item.needs),
                                  now});
        if (ready) package.dispatches.push_back({ids_.messageId(), id, item.department, "SUBMIT", now});
    }

    Reply reply{201, "application/json", applicationPath(package.id),
                stringify(packageJson(viewOf(package), catalogue_, {}, planner_.calendar(), now)), false};
    const store::IdempotencyKey key{request.companyId, request.idempotencyKey};
    const store::StoredResponse stored{reply.status, reply.mediaType, reply.location, reply.json};
    try {
        store_.savePackage(package, &key, &stored);
    } catch (const store::StoreError&) {
        return unavailable();
    }
    return reply;
}

Reply ApplicationService::get(const std::string& companyId, const std::string& packageId) {
    std::optional<store::PackageView> view;
    if (looksLikePackageId(packageId)) {
        try {
            view = store_.findPackage(companyId, packageId);
        } catch (const store::StoreError&) {
            return unavailable();
        }
    }
    if (!view)
        return fail(ErrorKind::NotFound, "Not found", "No application package " + packageId + " for this company.");
    try {
        return Reply{200, "application/json", {}, representation(*view), false};
    } catch (const store::StoreError&) {
        return unavailable();
    }
}

Reply ApplicationService::applyPlan(const store::PackageView& package, const tracking::Plan& plan) {
    store_.applyTransitions(package.id, clock_.now(), plan.transitions, tracking::guardedFollowUps(plan, package));
    if (!plan.followUps.dispatches.empty() && onNewDispatches_) onNewDispatches_();
    auto view = store_.findPackage(package.companyId, package.id);
    if (!view) throw store::StoreError("package " + package.id + " vanished");
    return Reply{202, "application/json", applicationPath(package.id), representation(*view), false};
}

Reply ApplicationService::correct(const CorrectionRequest& request) {
    if (!looksLikePackageId(request.packageId))
        return fail(ErrorKind::NotFound, "Not found", "No application package " + request.packageId + " for this company.");
    if (!isXmlMediaType(request.contentType))
        return fail(ErrorKind::UnsupportedMediaType, "Unsupported media type", "CONTENT_TYPE_UNSUPPORTED",
                    "A correction supplement is sent as application/xml.", "header:Content-Type");
    if (request.body.size() > static_cast<std::size_t>(intake_.maxPackageBytes))
        return fail(ErrorKind::PayloadTooLarge, "Supplement too large", "SUPPLEMENT_TOO_LARGE",
                    "The supplement exceeds " + std::to_string(intake_.maxPackageBytes) + " bytes.", "body");
    auto parsed = xml::parseSafely(request.body, {intake_.maxXmlDepth});
    if (!parsed.ok()) {
        const bool forbidden = parsed.failure == xml::ParseFailure::DoctypeForbidden ||
                               parsed.failure == xml::ParseFailure::TooDeep;
        return fail(ErrorKind::BadRequest, forbidden ? "Forbidden XML construct" : "Malformed XML",
                    "The supplement could not be read safely.", std::move(parsed.errors));
    }
    auto schemaErrors = supplementSchema_.validate(*parsed.document);
    if (!schemaErrors.empty()) {
        const std::string count = std::to_string(schemaErrors.size()) + " schema error(s).";
        return fail(ErrorKind::Unprocessable, "Supplement does not match its schema", count, std::move(schemaErrors));
    }
    const auto values = parsed.document->evaluateStrings("normalize-space(/*/*[local-name() = 'Permit'])");
    const std::string named = values.empty() ? std::string() : values.front();
    if (named != request.permit)
        return fail(ErrorKind::Unprocessable, "Supplement for another permit", "SUPPLEMENT_PERMIT_MISMATCH",
                    "The supplement names permit " + named + " but was posted for " + request.permit + ".",
                    "/CorrectionSupplement/Permit");
    try {
        for (int round = 0;; ++round) {
            auto package = store_.findPackage(request.companyId, request.packageId);
            if (!package)
                return fail(ErrorKind::NotFound, "Not found",
                            "No application package " + request.packageId + " for this company.");
            const auto plan = planner_.correction(*package, request.permit, request.body, clock_.now());
            if (plan.verdict != tracking::Verdict::Applied) {
                const bool known = std::any_of(package->permits.begin(), package->permits.end(),
                                               [&](const auto& permit) { return permit.permit == request.permit; });
                if (!known)
                    return fail(ErrorKind::NotFound, "Not found",
                                "Package " + request.packageId + " has no permit " + request.permit + ".");
                return fail(ErrorKind::Conflict, "No correction requested", "CORRECTION_NOT_REQUESTED", plan.detail,
                            "path:permit");
            }
            try {
                return applyPlan(*package, plan);
            } catch (const store::StateConflict&) {
                if (round >= tracking::kReplanRounds) throw;
            }
        }
    } catch (const store::StoreError&) {
        return unavailable();
    }
}

Reply ApplicationService::withdraw(const std::string& companyId, const std::string& packageId) {
    if (!looksLikePackageId(packageId))
        return fail(ErrorKind::NotFound, "Not found", "No application package " + packageId + " for this company.");
    try {
        for (int round = 0;; ++round) {
            auto package = store_.findPackage(companyId, packageId);
            if (!package)
                return fail(ErrorKind::NotFound, "Not found",
                            "No application package " + packageId + " for this company.");
            const auto plan = planner_.withdrawal(*package, clock_.now());
            if (plan.verdict != tracking::Verdict::Applied)
                return fail(ErrorKind::Conflict, "Cannot withdraw", "NOT_WITHDRAWABLE", plan.detail, "path:id");
            try {
                return applyPlan(*package, plan);
            } catch (const store::StateConflict&) {
                if (round >= tracking::kReplanRounds) throw;
            }
        }
    } catch (const store::StoreError&) {
        return unavailable();
    }
}

Reply ApplicationService::events(const std::string& companyId, const std::string& packageId) {
    std::vector<store::EventView> events;
    try {
        if (!looksLikePackageId(packageId) || !store_.findPackage(companyId, packageId))
            return fail(ErrorKind::NotFound, "Not found",
                        "No application package " + packageId + " for this company.");
        events = store_.eventsOf(packageId);
    } catch (const store::StoreError&) {
        return unavailable();
    }
    Object json(Poco::JSON_PRESERVE_KEY_ORDER);
    json.set("id", packageId);
    Array items;
    for (const auto& event : events) {
        items.add(eventJson(event));
    }
    json.set("events", items);
    return Reply{200, "application/json", {}, stringify(json), false};
}

Reply ApplicationService::list(const ListRequest& request) {
    store::PageRequest page;
    if (!request.limit.empty()) {
        int limit = 0;
        auto [end, error] = std::from_chars(request.limit.data(), request.limit.data() + request.limit.size(), limit);
        if (error != std::errc() || end != request.limit.data() + request.limit.size() || limit < 1 || limit > 100)
            return fail(ErrorKind::BadRequest, "Invalid parameter", "PARAMETER_INVALID",
                        "limit must be an integer from 1 to 100.", "query:limit");
        page.limit = limit;
    }
    if (!request.cursor.empty()) {
        if (!looksLikePackageId(request.cursor))
            return fail(ErrorKind::BadRequest, "Invalid parameter", "PARAMETER_INVALID",
                        "cursor must be the nextCursor of a previous page.", "query:cursor");
        page.after = request.cursor;
    }
    store::PackagePage result;
    try {
        result = store_.listPackages(request.companyId, page);
    } catch (const store::StoreError&) {
        return unavailable();
    }
    Object json(Poco::JSON_PRESERVE_KEY_ORDER);
    Array items;
    for (const auto& summary : result.items) {
        Object item(Poco::JSON_PRESERVE_KEY_ORDER);
        item.set("id", summary.id);
        item.set("state", std::string(core::toString(summary.state)));
        item.set("receivedAt", core::formatRfc3339(summary.receivedAt));
        item.set("proposedName", summary.proposedName);
        if (!summary.applicantReference.empty()) item.set("applicantReference", summary.applicantReference);
        item.set("self", applicationPath(summary.id));
        items.add(item);
    }
    json.set("items", items);
    json.set("limit", page.limit);
    if (!result.nextCursor.empty()) {
        json.set("nextCursor", result.nextCursor);
        json.set("next", "/api/v1/applications?limit=" + std::to_string(page.limit) + "&cursor=" + result.nextCursor);
    }
    return Reply{200, "application/json", {}, stringify(json), false};
}

Reply ApplicationService::inspect(const std::string& packageId) {
    try {
        std::optional<store::PackageView> view;
        if (looksLikePackageId(packageId)) view = store_.packageById(packageId);
        if (!view) return fail(ErrorKind::NotFound, "Not found", "No application package " + packageId + ".");
        Object json = packageJson(*view, catalogue_, store_.certificatesOf(view->id), planner_.calendar(), clock_.now());
        json.set("companyId", view->companyId);
        Array events;
        for (const auto& event : store_.eventsOf(view->id)) {
            events.add(eventJson(event));
        }
        json.set("events", events);
        Array calls;
        for (const auto& dispatch : store_.dispatchesOf(view->id)) {
            Object call(Poco::JSON_PRESERVE_KEY_ORDER);
            call.set("messageId", dispatch.messageId);
            call.set("permit", dispatch.permit);
            call.set("department", dispatch.department);
            call.set("kind", dispatch.kind);
            call.set("state", dispatch.state);
            call.set("attempts", dispatch.attempts);
            call.set("dueAt", core::formatRfc3339(dispatch.dueAt));
            Array history;
            for (const auto& attempt : store_.attemptsOf(dispatch.messageId)) {
                Object item(Poco::JSON_PRESERVE_KEY_ORDER);
                item.set("attempt", attempt.record.attempt);
                item.set("startedAt", core::formatRfc3339(attempt.record.startedAt));
                item.set("latencyMs", attempt.record.latencyMs);
                item.set("outcome", attempt.record.outcome);
                item.set("httpStatus", attempt.record.httpStatus);
                if (!attempt.record.error.empty()) item.set("error", attempt.record.error);
                history.add(item);
            }
            call.set("history", history);
            calls.add(call);
        }
        json.set("calls", calls);
        return Reply{200, "application/json", {}, stringify(json), false};
    } catch (const store::StoreError&) {
        return unavailable();
    }
}

}  // namespace hub::service
