#include "service/application_service.h"
#include "core/digest.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <set>
#include <sstream>
#include <variant>

#include <Poco/DigestEngine.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/String.h>

#include "core/json_writer.h"
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


template <typename Json>  // Object or Array
std::string stringify(const Json& json) {
    std::ostringstream out;
    json.stringify(out);
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

void writeStrings(core::JsonWriter& json, const std::vector<std::string>& values) {
    json.beginArray();
    for (const auto& value : values) json.string(value);
    json.endArray();
}

void writeDeadlines(core::JsonWriter& json, const core::PermitDeadlines& deadlines) {
    json.beginObject();
    if (deadlines.correctionNoticeBy) json.key("correctionNoticeBy").string(core::formatDay(*deadlines.correctionNoticeBy));
    if (deadlines.decisionDue) json.key("decisionDue").string(core::formatDay(*deadlines.decisionDue));
    if (deadlines.workingDaysLeft) json.key("workingDaysLeft").number(*deadlines.workingDaysLeft);
    json.key("paused").boolean(deadlines.paused);
    json.key("overdue").boolean(deadlines.overdue);
    json.endObject();
}

void writeCertificate(core::JsonWriter& json, const store::CertificateRecord& record, const std::string& holder) {
    json.beginObject();
    json.key("number").string(record.number);
    json.key("issuer").string(record.department);
    json.key("holder").string(holder);
    json.key("issuedOn").string(record.issuedOn);
    if (!record.validUntil.empty()) json.key("validUntil").string(record.validUntil);
    // One member per output name, in the order of first appearance: a string,
    // or an array when the name occurs more than once.
    json.key("outputs").beginObject();
    std::vector<std::string_view> written;
    for (const auto& [name, value] : record.outputs) {
        if (std::find(written.begin(), written.end(), name) != written.end()) continue;
        written.push_back(name);
        std::vector<std::string> values;
        for (const auto& [otherName, otherValue] : record.outputs)
            if (otherName == name) values.push_back(otherValue);
        json.key(name);
        if (values.size() == 1)
            json.string(value);
        else
            writeStrings(json, values);
    }
    json.endObject();
    json.key("documentSha256").string(record.documentSha256);
    json.endObject();
}

// The members of a package's representation, shared by the submit answer, GET
// and the admin's inspection (which adds members of its own). Written
// directly: building it as a Poco::JSON tree was a sixth of the hub's CPU at
// intake.
void writePackageMembers(core::JsonWriter& json, const store::PackageView& view, const core::Catalogue& catalogue,
                         const std::vector<store::CertificateRecord>& certificates,
                         const core::WorkingCalendar& calendar, core::EpochMillis now) {
    json.key("id").string(view.id);
    json.key("state").string(core::toString(view.state));
    json.key("receivedAt").string(core::formatRfc3339(view.receivedAt));
    json.key("updatedAt").string(core::formatRfc3339(view.updatedAt));
    if (!view.applicantReference.empty()) json.key("applicantReference").string(view.applicantReference);
    json.key("proposedName").string(view.proposedName);
    json.key("sha256").string(view.sha256);
    if (view.readyAt != 0) json.key("readyAt").string(core::formatRfc3339(view.readyAt));

    std::vector<core::PermitProgress> progress;
    progress.reserve(view.permits.size());
    for (const auto& permit : view.permits) progress.push_back({permit.permit, permit.state, permit.clock});
    const core::PackageForecast forecast = core::forecastPackage(catalogue, progress, now, calendar);

    std::vector<std::string> added;
    std::vector<std::string> open;
    json.key("permits").beginArray();
    for (const auto& permit : view.permits) {
        const core::PermitItem* item = catalogue.findPermit(permit.permit);
        json.beginObject();
        json.key("permit").string(permit.permit);
        if (item) {
            json.key("name").string(item->nameEn);
            json.key("nameZh").string(item->nameZh);
        }
        json.key("department").string(permit.department);
        json.key("state").string(core::toString(permit.state));
        json.key("requestedBy").string(permit.requestedByApplicant ? "APPLICANT" : "PREREQUISITE");
        if (item) writeStrings(json.key("needs"), item->needs);
        if (!permit.receiptNumber.empty()) json.key("receiptNumber").string(permit.receiptNumber);
        json.key("updatedAt").string(core::formatRfc3339(permit.updatedAt));
        const auto& clock = permit.clock;
        if (clock.submittedAt != 0) json.key("submittedAt").string(core::formatRfc3339(clock.submittedAt));
        if (clock.acceptedAt != 0) {
            json.key("acceptedOn").string(core::formatDay(core::chinaDateOf(clock.acceptedAt)));
            if (clock.deemedAccepted) json.key("deemedAccepted").boolean(true);
        }
        if (item) writeDeadlines(json.key("deadlines"), core::deadlinesOf(*item, permit.state, clock, now, calendar));
        if (permit.state != core::PermitState::Issued) {
            // forecastPackage gives one entry per permit.
            const auto expected = std::find_if(forecast.expected.begin(), forecast.expected.end(),
                                               [&](const auto& entry) { return entry.first == permit.permit; });
            if (expected != forecast.expected.end() && expected->second)
                json.key("expectedOn").string(core::formatDay(*expected->second));
        }
        const store::CertificateRecord* certificate = nullptr;  // the latest, should a permit have several
        for (const auto& record : certificates)
            if (record.permit == permit.permit) certificate = &record;
        if (certificate) writeCertificate(json.key("certificate"), *certificate, view.proposedName);
        json.endObject();
        if (!permit.requestedByApplicant) added.push_back(permit.permit);
        if (permit.state != core::PermitState::Issued) open.push_back(permit.permit);
    }
    json.endArray();
    writeStrings(json.key("addedPermits"), added);

    const auto promised = catalogue.criticalPath(open, core::DurationBasis::Promised);
    const auto statutory = catalogue.criticalPath(open, core::DurationBasis::Statutory);
    json.key("schedule").beginObject();
    writeStrings(json.key("criticalPath"), promised.permits);
    json.key("promisedWorkingDays").number(promised.workingDays);
    writeStrings(json.key("statutoryCriticalPath"), statutory.permits);
    json.key("statutoryWorkingDays").number(statutory.workingDays);
    json.endObject();

    json.key("forecast").beginObject();
    if (forecast.readyOn)
        json.key(view.readyAt != 0 ? "readyOn" : "expectedReadyOn").string(core::formatDay(*forecast.readyOn));
    json.key("reachable").boolean(forecast.readyOn.has_value());
    json.key("remainingWorkingDays").number(forecast.remainingWorkingDays);
    writeStrings(json.key("criticalPath"), forecast.criticalPath);
    json.key("basis").string("promised working days");
    json.endObject();

    const std::string self = applicationPath(view.id);
    json.key("links").beginObject();
    json.key("self").string(self);
    json.key("events").string(self + "/events");
    json.key("withdraw").string(self + "/withdraw");
    json.endObject();
}

std::string packageJson(const store::PackageView& view, const core::Catalogue& catalogue,
                        const std::vector<store::CertificateRecord>& certificates,
                        const core::WorkingCalendar& calendar, core::EpochMillis now) {
    core::JsonWriter json;
    json.beginObject();
    writePackageMembers(json, view, catalogue, certificates, calendar, now);
    json.endObject();
    return json.take();
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
    return packageJson(view, catalogue_, certificates, planner_.calendar(), clock_.now());
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

    // The key is written once, with the answer, in the transaction that
    // stores what the answer reports: there is no claim to finish or release.
    const std::string requestHash = sha256Hex(request.body);
    store::KeyedAnswer answer;
    answer.key = store::IdempotencyKey{request.companyId, request.idempotencyKey};
    answer.requestSha256 = requestHash;
    answer.staleAfterMs = intake_.idempotencyInProgressTimeoutSeconds * 1000LL;
    try {
        return intake(request, answer);
    } catch (const store::StoreError&) {
        return unavailable();  // nothing was stored: a retry with the same key runs afresh
    }
}

namespace {

// The answer for a key that was already taken (any outcome but Stored).
Reply answerOfTakenKey(const store::KeyedOutcome& outcome) {
    switch (outcome.outcome) {
        case store::KeyOutcome::Replay: {
            const auto& stored = *outcome.response;
            return Reply{stored.status, stored.contentType, stored.location, stored.body, true};
        }
        case store::KeyOutcome::Mismatch:
            return fail(ErrorKind::Unprocessable, "Idempotency-Key reused", "IDEMPOTENCY_KEY_REUSED",
                        "This Idempotency-Key was already used with a different request body.",
                        "header:Idempotency-Key");
        case store::KeyOutcome::InProgress:
        case store::KeyOutcome::Stored:  // not passed here
            break;
    }
    return fail(ErrorKind::Conflict, "Request in progress", "IDEMPOTENCY_KEY_IN_PROGRESS",
                "A request with this Idempotency-Key is still being processed; retry shortly.",
                "header:Idempotency-Key");
}

}  // namespace

Reply ApplicationService::intake(const SubmitRequest& request, store::KeyedAnswer& answer) {
    auto assessed = assess(request, answer.requestSha256);
    if (auto* refused = std::get_if<Reply>(&assessed)) {
        // The refusal is the key's answer, replayed to a retry.
        answer.response = store::StoredResponse{refused->status, refused->mediaType, refused->location, refused->json};
        const store::KeyedOutcome outcome = store_.storeAnswer(answer, clock_.now());
        return outcome.outcome == store::KeyOutcome::Stored ? std::move(*refused) : answerOfTakenKey(outcome);
    }
    auto& accepted = std::get<Accepted>(assessed);
    const Reply& reply = accepted.reply;
    answer.response = store::StoredResponse{reply.status, reply.mediaType, reply.location, reply.json};
    const store::KeyedOutcome outcome = store_.savePackage(accepted.package, &answer);
    return outcome.outcome == store::KeyOutcome::Stored ? std::move(accepted.reply) : answerOfTakenKey(outcome);
}

std::variant<Reply, ApplicationService::Accepted> ApplicationService::assess(const SubmitRequest& request,
                                                                             const std::string& bodySha256) {
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
                packageJson(viewOf(package), catalogue_, {}, planner_.calendar(), now), false};
    return Accepted{std::move(package), std::move(reply)};
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
        core::JsonWriter json;
        json.beginObject();
        writePackageMembers(json, *view, catalogue_, store_.certificatesOf(view->id), planner_.calendar(), clock_.now());
        json.key("companyId").string(view->companyId);
        Array events;
        for (const auto& event : store_.eventsOf(view->id)) {
            events.add(eventJson(event));
        }
        json.key("events").raw(stringify(events));
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
        json.key("calls").raw(stringify(calls)).endObject();
        return Reply{200, "application/json", {}, json.take(), false};
    } catch (const store::StoreError&) {
        return unavailable();
    }
}

}  // namespace hub::service
