#include "deptsim/department_service.h"

#include <algorithm>

#include "deptsim/sim_log.h"
#include "deptsim/sim_time.h"
#include "transport/message_signature.h"

namespace deptsim {
namespace {

constexpr std::size_t kLoggedBodyLimit = 256 * 1024;

std::string header(const HttpRequestData& request, const std::string& lowerName) {
    auto it = request.headers.find(lowerName);
    return it == request.headers.end() ? std::string() : it->second;
}

std::string decisionName(const std::string& status) {
    if (status == "APPROVED") return "approve";
    if (status == "REJECTED") return "reject";
    if (status == "CORRECTION_REQUIRED") return "correction";
    if (status == "NOT_ACCEPTED") return "not-accept";
    return {};
}

std::string joined(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& line : lines) out += line + "\n";
    return out;
}

}  // namespace

DepartmentService::DepartmentService(const Dialect& dialect, ServiceContext context, std::string secret,
                                     std::size_t logLimit)
    : dialect_(dialect), context_(std::move(context)), secret_(std::move(secret)) {
    state_.logLimit = logLimit;
}

void DepartmentService::reset() {
    std::lock_guard lock(state_.mutex);
    state_.clear();
}

HttpAnswer DepartmentService::handle(const HttpRequestData& request) {
    const auto now = nowMillis();
    const auto draw = context_.faults.draw(code());
    const std::string headerId = header(request, "x-hub-message-id");
    LoggedMessage logged{headerId, now, {}, {}, {}, {}, {}, 0, request.body.substr(0, kLoggedBodyLimit)};
    auto finish = [&](HttpAnswer answer, const std::string& outcome, LogLevel level = LogLevel::Info) {
        logged.outcome = outcome;
        logged.httpStatus = answer.status;
        logLine(level, "message department=" + code() + " id=" + (logged.messageId.empty() ? "-" : logged.messageId) +
                           " permit=" + (logged.permit.empty() ? "-" : logged.permit) +
                           " kind=" + (logged.kind.empty() ? "-" : logged.kind) + " outcome=" + outcome +
                           (logged.receiptNumber.empty() ? "" : " receipt=" + logged.receiptNumber) +
                           " http=" + std::to_string(answer.status));
        std::lock_guard lock(state_.mutex);
        state_.record(std::move(logged));
        return answer;
    };
    {
        std::lock_guard lock(state_.mutex);
        ++state_.stats.received;
        if (draw.fault == Fault::Error) ++state_.stats.faults["error"];
    }

    if (draw.fault == Fault::Error) {
        HttpAnswer answer{draw.errorStatus, "text/plain; charset=utf-8", "simulated department failure\n", 0};
        TemplateValues values;
        values.set("httpStatus", std::to_string(draw.errorStatus));
        if (auto body = dialect_.render("error", values)) {
            answer.body = *body;
            answer.contentType = dialect_.settings().contentType;
        }
        return finish(answer, "FAULT_ERROR", LogLevel::Warning);
    }

    const auto check =
        hub::transport::verifySignature(secret_, header(request, "x-hub-timestamp"), header(request, "x-hub-signature"),
                                        request.body, now, context_.signatureMaxSkewMs);
    if (check != hub::transport::SignatureCheck::Valid) {
        {
            std::lock_guard lock(state_.mutex);
            ++state_.stats.unauthorized;
        }
        return finish({401, "text/plain; charset=utf-8",
                       "signature check failed: " + std::string(hub::transport::toString(check)) + "\n", 0},
                      "UNAUTHORIZED", LogLevel::Warning);
    }

    auto read = dialect_.read(request.body);
    if (read.failure != ReadResult::Failure::None) {
        {
            std::lock_guard lock(state_.mutex);
            ++state_.stats.invalid;
        }
        const char* what = read.failure == ReadResult::Failure::Malformed ? "malformed XML"
                           : read.failure == ReadResult::Failure::Invalid ? "schema-invalid message"
                                                                          : "unsupported message";
        return finish({400, "text/plain; charset=utf-8", std::string(what) + ":\n" + joined(read.reasons), 0},
                      "INVALID", LogLevel::Warning);
    }
    IncomingMessage& message = *read.message;
    // The hub names the package in a header; messages of the dialects carry
    // only company and ship data, which several packages may share.
    if (auto packageHeader = header(request, "x-hub-package-id"); !packageHeader.empty())
        message.package = packageHeader;
    const std::string messageId = message.messageId.empty() ? headerId : message.messageId;
    logged.messageId = messageId;
    logged.kind = message.kind;
    logged.permit = message.permit;
    logged.package = message.package;
    logged.receiptNumber = message.receiptNumber;
    std::string idProblem;
    if (!headerId.empty() && !message.messageId.empty() && headerId != message.messageId)
        idProblem = "X-Hub-Message-Id " + headerId + " does not match the message's own id " + message.messageId;
    else if (messageId.empty())
        idProblem = "no message id (neither X-Hub-Message-Id nor the message's own id)";
    if (!idProblem.empty()) {
        {
            std::lock_guard lock(state_.mutex);
            ++state_.stats.invalid;
        }
        return finish({400, "text/plain; charset=utf-8", idProblem + "\n", 0}, "INVALID", LogLevel::Warning);
    }

    StoredAnswer stored;
    bool duplicate = false;
    {
        std::lock_guard lock(state_.mutex);
        if (auto previous = state_.answers.find(messageId); previous != state_.answers.end()) {
            duplicate = true;
            ++state_.stats.duplicates;
            stored = previous->second;
        } else {
            auto processed = process(message, messageId, now);
            stored = processed.answer;
            if (logged.permit.empty()) logged.permit = processed.permit;
            if (!processed.receiptNumber.empty()) logged.receiptNumber = processed.receiptNumber;
            if (stored.status >= 200 && stored.status < 300) ++state_.stats.accepted;
            state_.answers[messageId] = stored;
        }
        if (draw.fault == Fault::Timeout) ++state_.stats.faults["timeout"];
        if (draw.fault == Fault::Malformed) ++state_.stats.faults["malformed"];
    }

    HttpAnswer answer{stored.status, dialect_.settings().contentType, stored.body, 0};
    std::string outcome = duplicate ? "DUPLICATE(" + stored.outcome + ")" : stored.outcome;
    if (draw.fault == Fault::Timeout) {
        answer.holdMs = draw.holdMs;
        outcome += " FAULT_TIMEOUT";
    } else if (draw.fault == Fault::Malformed) {
        // Cut inside the root element and end on a bare '<': never well-formed.
        answer.body = answer.body.substr(0, answer.body.size() / 2) + "<";
        outcome += " FAULT_MALFORMED";
    }
    return finish(answer, outcome, draw.fault == Fault::None ? LogLevel::Info : LogLevel::Warning);
}

DepartmentService::Processed DepartmentService::process(const IncomingMessage& message, const std::string& messageId,
                                                        hub::core::EpochMillis now) {
    const auto& settings = dialect_.settings();
    Processed result;
    result.permit = message.permit;

    if (message.kind != "STATUS_QUERY") {
        const std::string key = message.package + "\n" + message.permit + "\n" + message.kind;
        auto [effect, inserted] = state_.effects.emplace(key, messageId);
        if (!inserted && effect->second != messageId) {
            ++state_.stats.duplicateEffects;
            state_.stats.duplicateEffectIds.push_back(effect->second + " " + messageId);
            logLine(LogLevel::Error, "duplicate effect department=" + code() + " permit=" + message.permit +
                                         " kind=" + message.kind + " first id=" + effect->second +
                                         " repeated under id=" + messageId);
        }
    }

    if (message.kind == "STATUS_QUERY") {
        auto found = state_.cases.find(message.receiptNumber);
        if (found == state_.cases.end()) {
            result.answer = renderAnswer("UNKNOWN_RECEIPT", message.kind, nullptr, message, messageId,
                                         {"unknown receipt number " + message.receiptNumber}, now, 404);
            return result;
        }
        ++state_.stats.pollsAnswered;
        result.permit = found->second.permit;
        result.receiptNumber = found->first;
        TemplateValues values = caseValues(found->second);
        values.set("messageId", context_.outputs.expand(code(), settings.answerIdFormat, values, now));
        values.set("requestMessageId", messageId);
        values.set("sentAt", chinaDateTime(now));
        auto body = dialect_.render("status", values);
        result.answer = {200, selfChecked(body.value_or(""), "status answer"), found->second.status};
        return result;
    }

    if (message.kind == "CANCEL") {
        ++state_.stats.effects;
        Case* held = nullptr;
        if (auto found = state_.cases.find(message.receiptNumber); found != state_.cases.end()) {
            held = &found->second;
            held->generation = state_.nextGeneration++;
            applyStatus(*held, "WITHDRAWN", now);
            result.permit = held->permit;
        } else {
            logLine(LogLevel::Warning, "cancel department=" + code() + " id=" + messageId + " for unknown receipt " +
                                           message.receiptNumber + ": acknowledged");
        }
        result.receiptNumber = message.receiptNumber;
        result.answer = renderAnswer("CANCELLED", message.kind, held, message, messageId, {}, now);
        return result;
    }

    if (!settings.permits.count(message.permit)) {
        result.answer = {400, "permit " + message.permit + " is not issued by " + code() + "\n", "INVALID"};
        return result;
    }
    ++state_.stats.effects;
    if (message.kind == "CORRECTION") {
        auto found = state_.cases.find(message.receiptNumber);
        Case& held = found != state_.cases.end() ? found->second : openCase(message.receiptNumber, message, now);
        held.corrected = true;
        held.fields = message.fields;
        if (!message.callbackUrl.empty()) held.callbackUrl = message.callbackUrl;
        held.generation = state_.nextGeneration++;
        applyStatus(held, settings.acknowledgementMeansAccepted ? "ACCEPTED" : "RECEIVED", now);
        return decide(held, message, messageId, now);
    }

    const PolicySettings policy = context_.policy.lookup(code(), message.permit);
    if (policy.decision == Decision::NotAccept) {
        ++state_.stats.decisions["not-accept"];
        result.answer = renderAnswer("NOT_ACCEPTED", message.kind, nullptr, message, messageId,
                                     settings.notAcceptedReasons, now);
        return result;
    }
    TemplateValues context = message.fields;
    const std::string receipt = context_.outputs.expand(code(), settings.receiptFormat, context, now);
    Case& held = openCase(receipt, message, now);
    return decide(held, message, messageId, now);
}

Case& DepartmentService::openCase(const std::string& receiptNumber, const IncomingMessage& message,
                                  hub::core::EpochMillis now) {
    Case& held = state_.cases[receiptNumber];
    held.receiptNumber = receiptNumber;
    held.permit = message.permit;
    held.package = message.package;
    held.callbackUrl = message.callbackUrl;
    held.fields = message.fields;
    held.receivedAt = now;
    held.generation = state_.nextGeneration++;
    applyStatus(held, dialect_.settings().acknowledgementMeansAccepted ? "ACCEPTED" : "RECEIVED", now);
    return held;
}

void DepartmentService::applyStatus(Case& held, const std::string& status, hub::core::EpochMillis now) {
    const auto& settings = dialect_.settings();
    held.status = status;
    held.statusTime = now;
    held.decision = {};
    if (status == "CORRECTION_REQUIRED") {
        held.correctionRequested = true;
        held.decision.setList("correctionItems", settings.correctionItems);
    } else if (status == "REJECTED") {
        held.decision.setList("reasons", settings.rejectionReasons);
    } else if (status == "APPROVED") {
        const auto& permit = settings.permits.at(held.permit);
        TemplateValues context = held.fields;
        context_.outputs.generate(code(), permit.outputs, context, now);
        for (const auto& spec : permit.outputs) held.decision.setList(spec.name, *context.find(spec.name));
        const CivilDate today = chinaDate(now);
        held.decision.set("issuedOn", isoDate(today));
        if (permit.validYears > 0) held.decision.set("validUntil", isoDate(validUntil(today, permit.validYears)));
    }
    if (auto name = decisionName(status); !name.empty()) ++state_.stats.decisions[name];
}

DepartmentService::Processed DepartmentService::decide(Case& held, const IncomingMessage& message,
                                                       const std::string& messageId, hub::core::EpochMillis now) {
    const auto& settings = dialect_.settings();
    const PolicySettings policy = context_.policy.lookup(code(), held.permit);
    Decision decision = policy.decision;
    if (decision == Decision::Correction && held.corrected) decision = Decision::Approve;
    Processed result;
    result.permit = held.permit;
    result.receiptNumber = held.receiptNumber;

    if (decision == Decision::NotAccept) {
        applyStatus(held, "NOT_ACCEPTED", now);
        result.answer = renderAnswer("NOT_ACCEPTED", message.kind, &held, message, messageId,
                                     settings.notAcceptedReasons, now);
        return result;
    }
    const bool onTheSpot = policy.onTheSpot && settings.supportsOnTheSpot;
    if (decision == Decision::Correction && (onTheSpot || settings.acknowledgementMeansAccepted)) {
        applyStatus(held, "CORRECTION_REQUIRED", now);
        result.answer = renderAnswer("CORRECTION_REQUIRED", message.kind, &held, message, messageId, {}, now);
        return result;
    }
    if (onTheSpot) {
        applyStatus(held, decision == Decision::Approve ? "APPROVED" : "REJECTED", now);
        result.answer = renderAnswer("DECIDED", message.kind, &held, message, messageId, {}, now);
        return result;
    }

    result.answer = renderAnswer("ACKNOWLEDGED", message.kind, &held, message, messageId, {}, now);
    const int delay = policy.decisionDelayMs;
    std::vector<Step> steps;
    if (decision == Decision::Correction) {
        steps.push_back({"CORRECTION_REQUIRED", delay});
    } else {
        if (!settings.acknowledgementMeansAccepted) steps.push_back({"ACCEPTED", delay / 3});
        if (policy.underReview) steps.push_back({"UNDER_REVIEW", delay * 2 / 3});
        steps.push_back({decision == Decision::Approve ? "APPROVED" : "REJECTED", delay});
    }
    startTimeline(held, std::move(steps), now);
    return result;
}

TemplateValues DepartmentService::caseValues(const Case& held) const {
    TemplateValues values = held.fields;
    values.merge(held.decision);
    values.set("receiptNumber", held.receiptNumber);
    values.set("permit", held.permit);
    values.set("receivedAt", chinaDateTime(held.receivedAt));
    values.set("status", dialect_.statusWord(held.status));
    values.set("statusTime", chinaDateTime(held.statusTime));
    values.flag("approved", held.status == "APPROVED");
    values.flag("rejected", held.status == "REJECTED");
    values.flag("correction", held.status == "CORRECTION_REQUIRED");
    return values;
}

StoredAnswer DepartmentService::renderAnswer(const std::string& answerKind, const std::string& callKind,
                                             const Case* held, const IncomingMessage& message,
                                             const std::string& messageId, const std::vector<std::string>& reasons,
                                             hub::core::EpochMillis now, int status) {
    TemplateValues values = held ? caseValues(*held) : message.fields;
    if (!held && !message.receiptNumber.empty()) values.set("receiptNumber", message.receiptNumber);
    if (answerKind == "NOT_ACCEPTED" || answerKind == "UNKNOWN_RECEIPT") {
        values.setList("receiptNumber", {});
        if (answerKind == "NOT_ACCEPTED" && held) values.set("receiptNumber", held->receiptNumber);
    }
    if (answerKind == "CANCELLED") values.set("receiptNumber", message.receiptNumber);
    values.set("messageId", context_.outputs.expand(code(), dialect_.settings().answerIdFormat, values, now));
    values.set("requestMessageId", messageId);
    values.set("sentAt", chinaDateTime(now));
    values.set("answer", dialect_.answerWord(answerKind));
    values.flag("acknowledged", answerKind == "ACKNOWLEDGED" || answerKind == "CANCELLED");
    values.flag("notAccepted", answerKind == "NOT_ACCEPTED" || answerKind == "UNKNOWN_RECEIPT");
    values.flag("decided", answerKind == "DECIDED");
    values.flag("cancelled", answerKind == "CANCELLED");
    if (answerKind != "DECIDED") {
        values.flag("approved", false);
        values.flag("rejected", false);
    }
    if (answerKind != "CORRECTION_REQUIRED") values.flag("correction", false);
    if (!reasons.empty()) values.setList("reasons", reasons);
    auto body = dialect_.render("answer." + callKind, values);
    return {status, selfChecked(body.value_or(""), "answer " + answerKind), answerKind};
}

std::string DepartmentService::selfChecked(std::string xml, const std::string& what) {
    auto problems = dialect_.selfCheck(xml);
    if (!problems.empty()) {
        ++state_.stats.selfCheckFailures;
        logLine(LogLevel::Error, "SELF-CHECK FAILED department=" + code() + " " + what +
                                     " does not validate against the dialect schema: " + problems.front() +
                                     (problems.size() > 1 ? " (+" + std::to_string(problems.size() - 1) + " more)" : ""));
    }
    return xml;
}

void DepartmentService::startTimeline(const Case& held, std::vector<Step> steps, hub::core::EpochMillis start) {
    if (steps.empty()) return;
    scheduleStep(held.receiptNumber, held.generation, std::move(steps), 0, start);
}

void DepartmentService::scheduleStep(std::string receiptNumber, unsigned long generation, std::vector<Step> steps,
                                     std::size_t index, hub::core::EpochMillis start) {
    if (index >= steps.size()) return;
    const auto due = std::max(nowMillis(), start + steps[index].offsetMs);
    context_.scheduler.at(due, [this, receiptNumber = std::move(receiptNumber), generation, steps = std::move(steps),
                                index, start]() mutable {
        runStep(std::move(receiptNumber), generation, std::move(steps), index, start);
    });
}

void DepartmentService::runStep(std::string receiptNumber, unsigned long generation, std::vector<Step> steps,
                                std::size_t index, hub::core::EpochMillis start) {
    const auto& settings = dialect_.settings();
    const auto now = nowMillis();
    Callback callback;
    {
        std::lock_guard lock(state_.mutex);
        auto found = state_.cases.find(receiptNumber);
        if (found == state_.cases.end() || found->second.generation != generation) return;
        Case& held = found->second;
        applyStatus(held, steps[index].status, now);
        if (settings.delivery == DeliveryKind::Callback) {
            TemplateValues values = caseValues(held);
            values.set("messageId", context_.outputs.expand(code(), settings.callbackIdFormat, values, now));
            values.set("sentAt", chinaDateTime(now));
            auto body = dialect_.render("callback", values);
            callback = Callback{code(),
                                held.callbackUrl.empty()
                                    ? context_.hubUrl + "/api/v1/departments/" + code() + "/callbacks"
                                    : held.callbackUrl,
                                values.first("messageId"),
                                selfChecked(body.value_or(""), "callback " + held.status),
                                settings.contentType,
                                secret_,
                                "receipt=" + receiptNumber + " permit=" + held.permit + " status=" + held.status};
        }
    }
    if (settings.delivery != DeliveryKind::Callback) {
        logLine(LogLevel::Info, "status department=" + code() + " receipt=" + receiptNumber + " status=" +
                                    steps[index].status + " (answered on the next poll)");
        scheduleStep(std::move(receiptNumber), generation, std::move(steps), index + 1, start);
        return;
    }
    context_.deliverer.deliver(std::move(callback), [this, receiptNumber, generation, steps, index,
                                                     start](bool delivered) mutable {
        {
            std::lock_guard lock(state_.mutex);
            ++(delivered ? state_.stats.callbacksSent : state_.stats.callbacksFailed);
        }
        scheduleStep(std::move(receiptNumber), generation, std::move(steps), index + 1, start);
    });
}

}  // namespace deptsim
