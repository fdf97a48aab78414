#include "service/callback_service.h"
#include "core/digest.h"

#include <sstream>

#include <Poco/DigestEngine.h>
#include <Poco/JSON/Object.h>
#include <Poco/Logger.h>
#include <Poco/String.h>

#include "adapter/response_mapper.h"
#include "transport/message_signature.h"

namespace hub::service {
namespace {

using core::sha256Hex;

Poco::Logger& log() { return Poco::Logger::get("hub.callbacks"); }


// The answer to an accepted message; a replay gets the same from the record.
Reply answerOf(const store::InboundRecord& record) {
    Poco::JSON::Object json(Poco::JSON_PRESERVE_KEY_ORDER);
    json.set("result", record.result);
    json.set("department", record.department);
    json.set("messageId", record.messageId);
    json.set("packageId", record.packageId);
    json.set("permit", record.permit);
    json.set("state", record.toState);
    json.set("detail", record.detail);
    std::ostringstream out;
    json.stringify(out);
    return Reply{200, "application/json", {}, out.str(), false};
}

core::ValidationErrors mappingErrors(const adapter::MappingFailure& failure) {
    if (!failure.errors.empty()) return failure.errors;
    return {core::ValidationError{std::string(adapter::toString(failure.kind)), failure.message, {failure.subject, 0}}};
}

}  // namespace

CallbackService::CallbackService(store::Store& store, const tracking::EventPlanner& planner,
                                 const adapter::DepartmentAdapters& departments,
                                 std::map<std::string, std::string> secrets, const core::Clock& clock,
                                 core::EpochMillis maxSkewMs, std::function<void()> onNewDispatches)
    : store_(store), planner_(planner), departments_(departments), secrets_(std::move(secrets)), clock_(clock),
      maxSkewMs_(maxSkewMs), onNewDispatches_(std::move(onNewDispatches)) {}

void CallbackService::setEarlyCallbackWait(const core::CallsInFlight* calls, std::chrono::milliseconds wait) {
    callsInFlight_ = calls;
    earlyCallbackWait_ = wait;
}

std::optional<store::PermitLocation> CallbackService::awaitReceipt(const std::string& department,
                                                                   const std::string& receipt) {
    if (callsInFlight_ == nullptr || earlyCallbackWait_.count() <= 0) return std::nullopt;
    const auto started = std::chrono::steady_clock::now();
    const auto deadline = started + earlyCallbackWait_;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0 || !callsInFlight_->waitForOneToEnd(department, left)) return std::nullopt;
        if (auto location = store_.findPermitByReceipt(department, receipt)) {
            log().information("department=%s package=%s permit=%s receipt %s: the callback waited %?d ms for the "
                              "answer to its call to be settled",
                              department, location->packageId, location->permit.permit, receipt,
                              static_cast<std::int64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                            std::chrono::steady_clock::now() - started)
                                                            .count()));
            return location;
        }
    }
}

Reply CallbackService::refuse(store::RefusedInbound refused, ErrorKind kind, const std::string& title,
                              core::ValidationErrors errors) {
    log().warning("department=%s message=%s package=%s permit=%s callback refused: %s: %s", refused.department,
                  refused.messageId, refused.packageId, refused.permit, refused.code, refused.detail);
    if (errors.empty()) errors.push_back(core::ValidationError{refused.code, refused.detail, {"", 0}});
    try {
        store_.recordRefusedInbound(refused);
    } catch (const store::StoreError& error) {
        log().error("department=%s could not record a refused callback: %s", refused.department,
                    std::string(error.what()));
    }
    return problemReply(problem(kind, title, refused.detail, std::move(errors)));
}

Reply CallbackService::receive(const CallbackRequest& request) {
    const core::EpochMillis now = clock_.now();
    store::RefusedInbound refused;
    refused.department = Poco::toUpper(request.department);
    refused.sha256 = sha256Hex(request.body);
    refused.at = now;
    refused.messageId = request.messageId.substr(0, 128);

    const auto department = departments_.find(refused.department);
    auto secret = secrets_.find(refused.department);
    if (!department || secret == secrets_.end()) {
        refused.code = "UNKNOWN_DEPARTMENT";
        refused.detail = "no department \"" + request.department.substr(0, 40) + "\" is configured";
        return refuse(refused, ErrorKind::NotFound, "Unknown department");
    }
    const auto check = transport::verifySignature(secret->second, request.timestamp, request.signature, request.body,
                                                  now, maxSkewMs_);
    if (check != transport::SignatureCheck::Valid) {
        const bool stale = check == transport::SignatureCheck::Stale;
        refused.code = stale ? "STALE_TIMESTAMP" : "BAD_SIGNATURE";
        refused.detail = stale ? "X-Hub-Timestamp is more than " + std::to_string(maxSkewMs_ / 1000) +
                                     " s away from the hub's clock"
                               : "the X-Hub-Signature check failed (" + std::string(transport::toString(check)) +
                                     "): HMAC-SHA256 of \"<X-Hub-Timestamp>.<body>\" with the department's secret";
        return refuse(refused, ErrorKind::Unauthenticated, "Callback not authenticated");
    }

    const auto mapped = adapter::mapDepartmentMessage(*department, request.body);
    if (!mapped.ok()) {
        const auto& failure = *mapped.failure;
        refused.code = std::string(adapter::toString(failure.kind));
        refused.detail = failure.message;
        const ErrorKind kind = failure.kind == adapter::MappingFailureKind::Malformed ? ErrorKind::BadRequest
                                                                                    : ErrorKind::Unprocessable;
        return refuse(refused, kind, "Callback not understood", mappingErrors(failure));
    }
    const adapter::DepartmentEvent& event = *mapped.event;
    if (!event.messageId.empty()) refused.messageId = event.messageId;
    if (refused.messageId.size() > 128) {
        refused.messageId = refused.messageId.substr(0, 128);
        refused.code = "INVALID_MESSAGE_ID";
        refused.detail = "the message id is longer than 128 characters";
        return refuse(refused, ErrorKind::Unprocessable, "Callback not understood");
    }
    if (refused.messageId.empty()) {
        refused.code = "MISSING_FIELD";
        refused.detail = "the message carries no message id (mapping.messageId) and no X-Hub-Message-Id header";
        return refuse(refused, ErrorKind::Unprocessable, "Callback not understood");
    }

    try {
        // One read for the common case: no earlier record, the permit and its package.
        store::CallbackContext context =
            store_.callbackContext(refused.department, refused.messageId, event.receiptNumber);
        if (const auto& earlier = context.earlier) {
            if (earlier->sha256 != refused.sha256) {
                refused.packageId = earlier->packageId;
                refused.permit = earlier->permit;
                refused.code = "MESSAGE_ID_REUSED";
                refused.detail = "message id " + refused.messageId + " was used before for a different message";
                return refuse(refused, ErrorKind::Unprocessable, "Message id reused");
            }
            log().information("department=%s message=%s duplicate callback answered as before", refused.department,
                              refused.messageId);
            Reply replay = answerOf(*earlier);
            replay.replayed = true;
            return replay;
        }
        if (event.receiptNumber.empty()) {
            refused.code = "MISSING_FIELD";
            refused.detail = "the message carries no receipt number (mapping.receiptNumber)";
            return refuse(refused, ErrorKind::Unprocessable, "Callback not understood");
        }
        if (!context.location) {
            // Perhaps an answer this process is settling right now carries the receipt.
            if (auto settled = awaitReceipt(refused.department, event.receiptNumber)) {
                context.location = std::move(settled);
                context.package = store_.packageById(context.location->packageId);
            }
        }
        const auto& location = context.location;
        if (!location) {
            for (const auto& other : departments_.all()) {
                if (other->code() == refused.department) continue;
                if (store_.findPermitByReceipt(other->code(), event.receiptNumber)) {
                    refused.code = "WRONG_DEPARTMENT";
                    refused.detail = "receipt " + event.receiptNumber + " belongs to a permit of another department";
                    return refuse(refused, ErrorKind::Forbidden, "Not this department's permit");
                }
            }
            if (store_.hasUnsettledCalls(refused.department)) {
                // The department may be calling back about a call whose answer
                // (with this receipt) the hub has not recorded yet: retry.
                refused.code = "RECEIPT_NOT_YET_KNOWN";
                refused.detail = "receipt " + event.receiptNumber + " is not known yet while calls to " +
                                 refused.department + " are being settled; retry shortly";
                Reply reply = refuse(refused, ErrorKind::Unavailable, "Receipt not known yet");
                return reply;
            }
            refused.code = "UNKNOWN_PERMIT";
            refused.detail = "no permit of " + refused.department + " has receipt number " + event.receiptNumber;
            return refuse(refused, ErrorKind::NotFound, "Unknown permit");
        }
        refused.packageId = location->packageId;
        refused.permit = location->permit.permit;
        if (!event.permit.empty() && event.permit != location->permit.permit) {
            refused.code = "UNKNOWN_PERMIT";
            refused.detail = "receipt " + event.receiptNumber + " is permit " + location->permit.permit +
                             ", but the message is about " + event.permit;
            return refuse(refused, ErrorKind::NotFound, "Unknown permit");
        }

        for (int round = 0;; ++round) {
            // A re-plan reads the package again: another writer moved it on.
            auto package = round == 0 ? std::move(context.package) : store_.packageById(location->packageId);
            if (!package) throw store::StoreError("package " + location->packageId + " vanished");
            const tracking::Plan plan =
                planner_.departmentEvent(*package, location->permit.permit, event, refused.sha256, now);
            if (plan.verdict == tracking::Verdict::Illegal) {
                refused.code = "ILLEGAL_TRANSITION";
                refused.detail = plan.detail;
                return refuse(refused, ErrorKind::Conflict, "Transition not allowed");
            }
            store::InboundRecord record{refused.department,
                                        refused.messageId,
                                        location->packageId,
                                        location->permit.permit,
                                        refused.sha256,
                                        plan.verdict == tracking::Verdict::Applied ? "APPLIED" : "NO_CHANGE",
                                        std::string(core::toString(plan.to)),
                                        plan.detail,
                                        now};
            try {
                if (store_.applyInbound(record, plan.transitions, tracking::guardedFollowUps(plan, *package)) ==
                    store::InboundOutcome::Duplicate) {
                    auto earlier = store_.findInbound(refused.department, refused.messageId);
                    if (!earlier) throw store::StoreError("a duplicate callback's first record is missing");
                    Reply replay = answerOf(*earlier);
                    replay.replayed = true;
                    return replay;
                }
            } catch (const store::StateConflict&) {
                if (round >= tracking::kReplanRounds) throw;
                continue;
            }
            if (!plan.followUps.dispatches.empty() && onNewDispatches_) onNewDispatches_();
            log().information("package=%s permit=%s department=%s message=%s callback %s: %s -> %s: %s",
                              record.packageId, record.permit, record.department, record.messageId, record.result,
                              std::string(core::toString(plan.from)), record.toState, plan.detail);
            return answerOf(record);
        }
    } catch (const store::StoreError& error) {
        log().error("department=%s message=%s callback not processed, store unavailable: %s", refused.department,
                    refused.messageId, std::string(error.what()));
        return problemReply(problem(ErrorKind::Unavailable, "Service unavailable",
                                    "The hub cannot reach its database right now; nothing was changed. Retry later."));
    }
}

}  // namespace hub::service
