#include "dispatch/dispatcher.h"
#include "core/digest.h"

#include <chrono>
#include <set>
#include <sstream>

#include <Poco/DigestEngine.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/Logger.h>

#include "adapter/case_document.h"
#include "adapter/request_renderer.h"
#include "adapter/response_mapper.h"
#include "core/delivery_outcome.h"
#include "core/permit_lifecycle.h"
#include "tracking/event_planner.h"

namespace hub::dispatch {
namespace {

using core::sha256Hex;

Poco::Logger& log() { return Poco::Logger::get("hub.dispatch"); }

core::AttemptObservation::Transport observedTransport(transport::TransportResult::Failure failure) {
    switch (failure) {
        case transport::TransportResult::Failure::None: return core::AttemptObservation::Transport::Ok;
        case transport::TransportResult::Failure::Timeout: return core::AttemptObservation::Transport::Timeout;
        case transport::TransportResult::Failure::TlsFailed:
        case transport::TransportResult::Failure::InvalidEndpoint: return core::AttemptObservation::Transport::TlsFailed;
        case transport::TransportResult::Failure::ConnectionFailed:
            return core::AttemptObservation::Transport::ConnectionFailed;
    }
    return core::AttemptObservation::Transport::ConnectionFailed;
}


std::string shortError(std::string text) {
    constexpr std::size_t kMax = 480;
    if (text.size() > kMax) text = text.substr(0, kMax) + "…";
    return text;
}

}  // namespace

DepartmentChannel::DepartmentChannel(std::shared_ptr<const adapter::DepartmentAdapter> adapterIn,
                                     std::unique_ptr<transport::Transport> transportIn, std::string secret,
                                     const core::Clock& clock)
    : adapter(std::move(adapterIn)),
      transport(std::move(transportIn)),
      endpoint{adapter->config().transport.endpoint, adapter->config().transport.timeoutMs, std::move(secret)},
      retry{adapter->config().retry.maxAttempts, adapter->config().retry.baseDelayMs, adapter->config().retry.maxDelayMs},
      breaker(core::BreakerPolicy{adapter->config().breaker.failureThreshold,
                                  adapter->config().breaker.openSeconds * 1000LL, 1},
              clock,
              [code = adapter->code()](core::BreakerState from, core::BreakerState to) {
                  log().warning("department=%s breaker %s -> %s", code, std::string(core::toString(from)),
                                std::string(core::toString(to)));
              }),
      limiter(adapter->config().transport.maxConcurrent),
      pollIntervalMs(adapter->config().delivery == adapter::Delivery::Poll
                         ? adapter->config().pollIntervalSeconds * 1000LL
                         : 0) {
    core::validate(retry);
}

Dispatcher::Dispatcher(store::Store& store, const tracking::EventPlanner& planner,
                       std::vector<std::unique_ptr<DepartmentChannel>> channels, const core::Clock& clock,
                       core::RandomSource& random, core::IdSource& ids, DispatcherSettings settings,
                       std::unique_ptr<NotificationChannel> notifications)
    : store_(store), planner_(planner), catalogue_(planner.catalogue()), channels_(std::move(channels)), clock_(clock),
      random_(random), ids_(ids), settings_(std::move(settings)), notifications_(std::move(notifications)) {
    for (auto& channel : channels_) byCode_[channel->adapter->code()] = channel.get();
}

Dispatcher::~Dispatcher() { stop(); }

DepartmentChannel* Dispatcher::channel(const std::string& department) {
    auto it = byCode_.find(department);
    return it == byCode_.end() ? nullptr : it->second;
}

// Reads the pauses the store holds (every process's admins), at most once a
// second unless forced.
void Dispatcher::refreshPauses(bool force) {
    constexpr core::EpochMillis kRefreshMs = 1000;
    std::lock_guard lock(pausesMutex_);
    const core::EpochMillis now = clock_.now();
    if (!force && pausesRead_ && now - pausesReadAt_ < kRefreshMs) return;
    std::set<std::string> paused;
    for (const auto& pause : store_.pausedDepartments()) paused.insert(pause.department);
    for (auto& channel : channels_) {
        const bool now_paused = paused.count(channel->adapter->code()) != 0;
        if (channel->paused.exchange(now_paused) != now_paused)
            log().warning("department=%s %s", channel->adapter->code(),
                          std::string(now_paused ? "paused: its calls wait" : "resumed"));
    }
    pausesReadAt_ = now;
    pausesRead_ = true;
}

bool Dispatcher::setPaused(const std::string& department, bool paused, const std::string& note,
                           const std::string& actor) {
    if (!channel(department)) return false;
    store_.setDepartmentPaused(department, paused, note, clock_.now(), actor);
    refreshPauses(true);
    if (!paused) wake();
    return true;
}

// Paused departments, and those whose breaker is open and not yet due for a
// probe, are not leased: their rows wait untouched.
std::vector<std::string> Dispatcher::departmentsNotToLease() {
    refreshPauses(false);
    std::vector<std::string> excluded;
    const core::EpochMillis now = clock_.now();
    for (const auto& channel : channels_) {
        const bool open = channel->breaker.state() == core::BreakerState::Open &&
                          now - channel->breaker.openedAt().value_or(now) < channel->breaker.policy().openMs;
        if (channel->paused.load() || open) excluded.push_back(channel->adapter->code());
    }
    return excluded;
}

std::vector<DeliveryReport> Dispatcher::runOnce() {
    const auto leased = store_.leaseDueDispatches(settings_.owner, clock_.now(), settings_.leaseMs,
                                                  settings_.batchSize, departmentsNotToLease());
    std::vector<DeliveryReport> reports;
    reports.reserve(leased.size());
    for (const auto& dispatch : leased) {
        if (stopRequested_.load()) {
            store_.releaseDispatch(dispatch.messageId, settings_.owner);
            reports.push_back({dispatch.messageId, dispatch.department, "RELEASED", "shutting down"});
            continue;
        }
        if (tracking::isApplicantNotification(dispatch.kind)) {
            reports.push_back(notifyApplicant(dispatch));
            continue;
        }
        DepartmentChannel* target = channel(dispatch.department);
        store::AttemptRecord attempt{dispatch.attempts + 1, clock_.now(), 0, "FAILED", 0, {}};
        if (!target) {
            reports.push_back(park(dispatch, attempt, "no adapter is configured for department " + dispatch.department));
            continue;
        }
        reports.push_back(deliver(dispatch, *target));
    }
    if (settings_.metrics)
        for (const auto& report : reports) settings_.metrics->dispatchAttempts.add({report.department, report.result});
    return reports;
}

// Certificates issued so far, prerequisites first (catalogue order).
std::vector<adapter::IssuedCertificate> Dispatcher::issuedSoFar(
    const std::vector<store::CertificateRecord>& records) const {
    std::vector<adapter::IssuedCertificate> issued;
    for (const auto& item : catalogue_.permits()) {
        for (const auto& record : records) {
            if (record.permit != item.id) continue;
            adapter::IssuedCertificate certificate;
            certificate.permit = record.permit;
            certificate.department = record.department;
            certificate.number = record.number;
            certificate.issuedOn = record.issuedOn;
            if (!record.validUntil.empty()) certificate.validUntil = record.validUntil;
            certificate.outputs = record.outputs;
            issued.push_back(std::move(certificate));
        }
    }
    return issued;
}

DeliveryReport Dispatcher::park(const store::LeasedDispatch& dispatch, store::AttemptRecord attempt,
                                const std::string& reason) {
    const std::string incident = "INC-" + ids_.messageId();
    attempt.error = shortError(reason);
    if (!store_.parkDispatch(dispatch.messageId, settings_.owner, clock_.now(), attempt, incident, shortError(reason)))
        return {dispatch.messageId, dispatch.department, "LEASE_LOST", "lease lost before parking"};
    log().error("package=%s permit=%s department=%s message=%s incident %s: %s", dispatch.packageId, dispatch.permit,
                dispatch.department, dispatch.messageId, incident, reason);
    return {dispatch.messageId, dispatch.department, "INCIDENT", reason};
}

namespace {

// Gives the breaker exactly one verdict for a request it allowed: the one the
// delivery records, or "inconclusive" when the delivery ends without one (a
// store failure thrown before the call was sent), so that a half-open probe
// slot is never lost.
class BreakerVerdict {
  public:
    explicit BreakerVerdict(core::CircuitBreaker& breaker) : breaker_(breaker) {}
    BreakerVerdict(const BreakerVerdict&) = delete;
    BreakerVerdict& operator=(const BreakerVerdict&) = delete;
    ~BreakerVerdict() {
        if (!given_) breaker_.recordInconclusive();
    }
    void success() { give([this] { breaker_.recordSuccess(); }); }
    void failure() { give([this] { breaker_.recordFailure(); }); }
    void inconclusive() { give([this] { breaker_.recordInconclusive(); }); }

  private:
    template <typename Record>
    void give(Record record) {
        if (given_) return;
        given_ = true;
        record();
    }
    core::CircuitBreaker& breaker_;
    bool given_ = false;
};

}  // namespace

DeliveryReport Dispatcher::deliver(const store::LeasedDispatch& dispatch, DepartmentChannel& channel) {
    const std::string& department = dispatch.department;
    auto slot = channel.limiter.tryAcquire();
    if (!slot || !channel.breaker.allowRequest()) {
        store_.releaseDispatch(dispatch.messageId, settings_.owner);
        return {dispatch.messageId, department, "RELEASED", slot ? "breaker open" : "department at its concurrency limit"};
    }
    BreakerVerdict verdict(channel.breaker);
    const core::EpochMillis started = clock_.now();
    store::AttemptRecord attempt{dispatch.attempts + 1, started, 0, "FAILED", 0, {}};

    // Render: the case document, the department's stylesheet, the envelope,
    // the schema check. A render failure is never sent.
    auto context = store_.dispatchContext(dispatch.packageId);
    if (!context) {
        verdict.inconclusive();
        return park(dispatch, attempt, "package " + dispatch.packageId + " has no stored original");
    }
    const store::PackageView* package = &context->package;
    std::string receiptNumber;
    for (const auto& permit : package->permits)
        if (permit.permit == dispatch.permit) receiptNumber = permit.receiptNumber;
    // Withdrawn while this call waited: a call never sent is dropped, and so is
    // a poll. One that was tried before may have reached the department: it is
    // sent again (the department answers it from its de-duplication, with the
    // receipt) so that the cancellation can follow (see settle()).
    if (package->state == core::PackageState::Withdrawn &&
        (dispatch.kind == adapter::kCallStatusQuery || (dispatch.kind != adapter::kCallCancel && dispatch.attempts == 0))) {
        verdict.inconclusive();
        attempt.outcome = "SKIPPED";
        attempt.error = "the package was withdrawn";
        if (!store_.completeDispatch(dispatch.messageId, settings_.owner, clock_.now(), attempt, {}, {}))
            return {dispatch.messageId, department, "LEASE_LOST", "lease lost before skipping"};
        return {dispatch.messageId, department, "SKIPPED", "the package was withdrawn"};
    }
    adapter::CaseInput input;
    input.packageId = dispatch.packageId;
    input.messageId = dispatch.messageId;
    input.callKind = dispatch.kind;
    input.permit = dispatch.permit;
    input.department = department;
    input.sentAt = started;
    input.senderId = settings_.senderId;
    input.callbackUrl = settings_.callbackBaseUrl + "/api/v1/departments/" + department + "/callbacks";
    input.packageXml = std::move(context->originalXml);
    input.issued = issuedSoFar(context->certificates);
    if (!receiptNumber.empty()) input.receiptNumber = receiptNumber;
    if (dispatch.kind == adapter::kCallCorrection && !dispatch.payload.empty()) input.supplementXml = dispatch.payload;
    adapter::RenderResult rendered;
    try {
        rendered = adapter::renderRequest(*channel.adapter, adapter::buildCaseDocument(input));
    } catch (const std::exception& error) {
        rendered.failure = adapter::RenderFailure{adapter::RenderFailureKind::InvalidCase, error.what(), {}};
    }
    if (!rendered.ok()) {
        verdict.inconclusive();
        attempt.outcome = "INVALID_RENDER";
        std::string reason = std::string(adapter::toString(rendered.failure->kind)) + ": " + rendered.failure->message;
        for (const auto& error : rendered.failure->schemaErrors) reason += "; " + error.message;
        return park(dispatch, attempt, reason);
    }

    // Send, then read the answer in the department's dialect. The call counts
    // as in flight until this function returns, its outcome stored.
    std::optional<core::CallsInFlight::Call> inFlight;
    if (settings_.callsInFlight) inFlight.emplace(settings_.callsInFlight->begin(department));
    attempt.requestSha256 = sha256Hex(rendered.request->body);
    transport::OutboundMessage message;
    message.messageId = dispatch.messageId;
    message.body = rendered.request->body;
    message.contentType = rendered.request->contentType;
    message.soapAction = rendered.request->soapAction;
    message.packageId = dispatch.packageId;
    const transport::TransportResult sent = channel.transport->send(channel.endpoint, message, clock_.now());
    if (settings_.metrics) settings_.metrics->dispatchSeconds.observe(sent.latencyMs / 1000.0);
    attempt.latencyMs = sent.latencyMs;
    attempt.httpStatus = sent.httpStatus;
    if (sent.httpStatus != 0) attempt.responseSha256 = sha256Hex(sent.body);

    core::AttemptObservation observation;
    observation.transport = observedTransport(sent.failure);
    observation.httpStatus = sent.httpStatus;
    std::optional<adapter::DepartmentEvent> event;
    std::string answerProblem;
    if (sent.failure == transport::TransportResult::Failure::None && sent.httpStatus >= 200 && sent.httpStatus < 300) {
        auto mapped = adapter::mapDepartmentMessage(*channel.adapter, sent.body);
        observation.responseValid = mapped.ok();
        if (mapped.ok()) {
            event = mapped.event;
            observation.hasReceipt = !event->receiptNumber.empty();
            observation.hasDecision = event->outcome != adapter::Outcome::Acknowledged;
        } else {
            observation.responseMalformed = mapped.failure->kind == adapter::MappingFailureKind::Malformed;
            answerProblem = std::string(adapter::toString(mapped.failure->kind)) + ": " + mapped.failure->message;
        }
    }
    if (auto header = sent.headers.find("retry-after"); header != sent.headers.end())
        observation.retryAfterMs = core::parseRetryAfter(header->second, clock_.now());
    const core::DeliveryOutcome outcome = core::classifyAttempt(observation);

    switch (outcome.deliveryClass) {
        case core::DeliveryClass::Acknowledged:
        case core::DeliveryClass::Decided:
            verdict.success();
            attempt.outcome = outcome.deliveryClass == core::DeliveryClass::Acknowledged ? "ACKNOWLEDGED" : "DECIDED";
            return settle(dispatch, channel, *event, sent.body, attempt, std::move(context->package));
        case core::DeliveryClass::Retryable:
            verdict.failure();
            attempt.error = shortError(sent.failure != transport::TransportResult::Failure::None
                                           ? std::string(transport::toString(sent.failure)) + ": " + sent.error
                                           : "HTTP " + std::to_string(sent.httpStatus) +
                                                 (answerProblem.empty() ? "" : ": " + answerProblem));
            return retryOrPark(dispatch, channel.retry, attempt, outcome.retryAfterMs);
        case core::DeliveryClass::Permanent:
            break;
    }
    if (observation.transport == core::AttemptObservation::Transport::TlsFailed)
        verdict.inconclusive();
    else
        verdict.success();
    attempt.outcome = "FAILED";
    std::string reason = sent.failure != transport::TransportResult::Failure::None
                             ? std::string(transport::toString(sent.failure)) + ": " + sent.error
                             : "HTTP " + std::to_string(sent.httpStatus) + " (" + std::string(outcome.reason) + ")";
    if (!answerProblem.empty()) reason += ": " + answerProblem;
    return park(dispatch, attempt, reason);
}

DeliveryReport Dispatcher::retryOrPark(const store::LeasedDispatch& dispatch, const core::RetryPolicy& retry,
                                       store::AttemptRecord attempt, std::optional<core::EpochMillis> retryAfterMs) {
    attempt.outcome = "RETRYABLE";
    auto next = core::nextAttemptAt(retry, attempt.attempt, clock_.now(), random_.uniform01(), retryAfterMs);
    if (!next)
        return park(dispatch, attempt, "gave up after " + std::to_string(attempt.attempt) + " attempts: " + attempt.error);
    if (!store_.retryDispatchLater(dispatch.messageId, settings_.owner, clock_.now(), attempt, *next))
        return {dispatch.messageId, dispatch.department, "LEASE_LOST", "lease lost before rescheduling"};
    log().warning("package=%s permit=%s department=%s message=%s attempt %d failed (%s), retry in %?dms",
                  dispatch.packageId, dispatch.permit, dispatch.department, dispatch.messageId, attempt.attempt,
                  attempt.error, static_cast<std::int64_t>(*next - clock_.now()));
    return {dispatch.messageId, dispatch.department, "RETRY", attempt.error};
}

DeliveryReport Dispatcher::settle(const store::LeasedDispatch& dispatch, DepartmentChannel& channel,
                                  const adapter::DepartmentEvent& event, const std::string& answer,
                                  store::AttemptRecord attempt, store::PackageView readForRendering) {
    const std::string& department = dispatch.department;
    const std::string digest = sha256Hex(answer);
    // The package as read for rendering is planned from first: a plan that
    // applies transitions is guarded by that read's package version, so if
    // anything moved the package since (a callback, another permit's answer),
    // the store refuses (StateConflict) and we plan again from a fresh read.
    // Any other verdict is planned again from a fresh read at once, so that
    // an old view never parks a call or decides about polling.
    std::optional<store::PackageView> earlier(std::move(readForRendering));
    for (int conflicts = 0;;) {
        const core::EpochMillis now = clock_.now();
        const bool fromEarlier = earlier.has_value();
        std::optional<store::PackageView> package;
        if (fromEarlier) {
            package = std::move(earlier);
            earlier.reset();
        } else {
            package = store_.packageById(dispatch.packageId);
        }
        if (!package) return park(dispatch, attempt, "package " + dispatch.packageId + " disappeared");
        const store::PermitView* permit = nullptr;
        for (const auto& view : package->permits)
            if (view.permit == dispatch.permit) permit = &view;
        if (!permit) return park(dispatch, attempt, "package has no permit " + dispatch.permit);

        tracking::Plan plan;
        if (dispatch.kind == adapter::kCallCancel) {
            // The department confirms a withdrawal; the permit already is WITHDRAWN.
            plan.verdict = tracking::Verdict::NoChange;
            plan.from = plan.to = permit->state;
            plan.detail = department + " confirmed the cancellation (" + event.departmentWord + ")";
            store::PermitTransition note{package->id, permit->permit, permit->state, permit->state, {}, plan.detail, now};
            note.eventType = "CANCELLATION_CONFIRMED";
            plan.transitions.push_back(std::move(note));
        } else {
            plan = planner_.departmentEvent(*package, dispatch.permit, event, digest, now);
        }
        // Plan again from a fresh read (not a conflict).
        if (fromEarlier && (plan.verdict != tracking::Verdict::Applied || plan.transitions.empty())) continue;
        const bool submitted = dispatch.kind == adapter::kCallSubmit || dispatch.kind == adapter::kCallCorrection;
        if (plan.verdict == tracking::Verdict::Illegal) {
            if (permit->state == core::PermitState::Withdrawn && submitted) {
                // Withdrawn while this call was on its way: the department now
                // holds an application nobody wants. Keep its receipt and cancel it.
                plan.detail = department + " received the application after its withdrawal (" + event.departmentWord +
                              "); cancellation sent";
                store::PermitTransition note{package->id, permit->permit, permit->state, permit->state,
                                             event.receiptNumber, plan.detail, now};
                note.eventType = "RECEIPT_AFTER_WITHDRAWAL";
                plan.transitions = {std::move(note)};
                plan.followUps = {};
                plan.followUps.dispatches.push_back(
                    {ids_.messageId(), permit->permit, department, std::string(adapter::kCallCancel), now, {}});
            } else if (dispatch.kind == adapter::kCallStatusQuery) {
                // A poll answer that no longer fits (the permit moved on, or was
                // withdrawn): nothing to change, and no further polling when it is over.
                log().warning("package=%s permit=%s department=%s poll answer ignored: %s", dispatch.packageId,
                              dispatch.permit, department, plan.detail);
                plan.transitions.clear();
                plan.followUps = {};
                plan.to = permit->state;
            } else {
                attempt.outcome = "FAILED";
                return park(dispatch, attempt, "department answered " + event.departmentWord + ": " + plan.detail);
            }
        }
        if (channel.pollIntervalMs > 0) {
            const bool entered = submitted && !core::isWithDepartment(permit->state) && core::isWithDepartment(plan.to);
            const bool continuing = dispatch.kind == adapter::kCallStatusQuery && core::isWithDepartment(plan.to) &&
                                    package->state != core::PackageState::Withdrawn;
            if (entered || continuing)
                plan.followUps.dispatches.push_back({ids_.messageId(), dispatch.permit, department,
                                                     std::string(adapter::kCallStatusQuery),
                                                     now + channel.pollIntervalMs,
                                                     std::to_string(channel.pollIntervalMs)});
        }
        try {
            if (!store_.completeDispatch(dispatch.messageId, settings_.owner, now, attempt, plan.transitions,
                                         tracking::guardedFollowUps(plan, *package)))
                return {dispatch.messageId, department, "LEASE_LOST", "lease lost before completing"};
        } catch (const store::StateConflict& conflict) {
            if (++conflicts > tracking::kReplanRounds) throw;
            log().information("package=%s permit=%s department=%s message=%s re-planning: %s", dispatch.packageId,
                              dispatch.permit, department, dispatch.messageId, std::string(conflict.what()));
            continue;
        }
        if (!plan.followUps.dispatches.empty()) wake();
        if (plan.verdict == tracking::Verdict::Applied)
            log().information("package=%s permit=%s department=%s message=%s %s -> %s: %s (%z change(s))",
                              dispatch.packageId, dispatch.permit, department, dispatch.messageId,
                              std::string(core::toString(plan.from)), std::string(core::toString(plan.to)),
                              plan.detail, plan.transitions.size());
        return {dispatch.messageId, department, attempt.outcome, plan.detail};
    }
}

DeliveryReport Dispatcher::notifyApplicant(const store::LeasedDispatch& dispatch) {
    store::AttemptRecord attempt{dispatch.attempts + 1, clock_.now(), 0, "FAILED", 0, {}};
    if (!notifications_) return park(dispatch, attempt, "no notification channel is configured");
    auto package = store_.packageById(dispatch.packageId);
    if (!package) return park(dispatch, attempt, "package " + dispatch.packageId + " disappeared");
    if (package->notificationUrl.empty()) return park(dispatch, attempt, "the package has no notification URL");

    std::ostringstream text;
    if (dispatch.kind == tracking::kNotifyReady) {
        Poco::JSON::Object body(Poco::JSON_PRESERVE_KEY_ORDER);
        body.set("event", "PACKAGE_READY_TO_OPERATE");
        body.set("packageId", package->id);
        if (!package->applicantReference.empty()) body.set("applicantReference", package->applicantReference);
        body.set("state", std::string(core::toString(package->state)));
        body.set("readyAt", core::formatRfc3339(package->readyAt != 0 ? package->readyAt : package->updatedAt));
        Poco::JSON::Array certificates;
        for (const auto& record : store_.certificatesOf(package->id)) {
            Poco::JSON::Object entry(Poco::JSON_PRESERVE_KEY_ORDER);
            entry.set("permit", record.permit);
            entry.set("department", record.department);
            entry.set("number", record.number);
            entry.set("issuedOn", record.issuedOn);
            if (!record.validUntil.empty()) entry.set("validUntil", record.validUntil);
            certificates.add(entry);
        }
        body.set("certificates", certificates);
        body.set("links", Poco::JSON::Object().set("self", "/api/v1/applications/" + package->id));
        body.stringify(text);
    } else {
        // Made when the permit changed: its reasons are not stored elsewhere.
        text << dispatch.payload;
    }

    transport::OutboundMessage message;
    message.messageId = dispatch.messageId;
    message.body = text.str();
    message.contentType = "application/json";
    attempt.requestSha256 = sha256Hex(message.body);
    message.packageId = package->id;
    const transport::Endpoint endpoint{package->notificationUrl, notifications_->timeoutMs, notifications_->secret};
    const transport::TransportResult sent = notifications_->transport->send(endpoint, message, clock_.now());
    attempt.latencyMs = sent.latencyMs;
    attempt.httpStatus = sent.httpStatus;
    if (sent.httpStatus != 0) attempt.responseSha256 = sha256Hex(sent.body);

    core::AttemptObservation observation;
    observation.transport = observedTransport(sent.failure);
    observation.httpStatus = sent.httpStatus;
    observation.responseValid = true;  // the applicant's answer body is not read
    observation.hasReceipt = true;
    if (auto header = sent.headers.find("retry-after"); header != sent.headers.end())
        observation.retryAfterMs = core::parseRetryAfter(header->second, clock_.now());
    const core::DeliveryOutcome outcome = core::classifyAttempt(observation);
    switch (outcome.deliveryClass) {
        case core::DeliveryClass::Acknowledged:
        case core::DeliveryClass::Decided: {
            attempt.outcome = "ACKNOWLEDGED";
            const core::EpochMillis now = clock_.now();
            if (!store_.completeDispatch(dispatch.messageId, settings_.owner, now, attempt, {}, {}))
                return {dispatch.messageId, dispatch.department, "LEASE_LOST", "lease lost before completing"};
            log().information("package=%s permit=%s the applicant was notified: %s (%s, HTTP %d)", package->id,
                              dispatch.permit, dispatch.kind, package->notificationUrl, sent.httpStatus);
            return {dispatch.messageId, dispatch.department, "ACKNOWLEDGED", "applicant notified"};
        }
        case core::DeliveryClass::Retryable:
            attempt.error = shortError(sent.failure != transport::TransportResult::Failure::None
                                           ? std::string(transport::toString(sent.failure)) + ": " + sent.error
                                           : "HTTP " + std::to_string(sent.httpStatus));
            return retryOrPark(dispatch, notifications_->retry, attempt, outcome.retryAfterMs);
        case core::DeliveryClass::Permanent:
            break;
    }
    return park(dispatch, attempt,
                "the applicant's notification URL answered " +
                    (sent.failure != transport::TransportResult::Failure::None
                         ? std::string(transport::toString(sent.failure)) + ": " + sent.error
                         : "HTTP " + std::to_string(sent.httpStatus)));
}

void Dispatcher::start(int threads) {
    stopRequested_ = false;
    {
        std::lock_guard lock(wakeMutex_);
        stopping_ = false;
    }
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { loop(); });
}

void Dispatcher::stop() {
    stopRequested_ = true;
    {
        std::lock_guard lock(wakeMutex_);
        stopping_ = true;
    }
    wakeCondition_.notify_all();
    for (auto& thread : threads_)
        if (thread.joinable()) thread.join();
    threads_.clear();
}

void Dispatcher::wake() {
    {
        std::lock_guard lock(wakeMutex_);
        woken_ = true;
    }
    wakeCondition_.notify_all();
}

void Dispatcher::loop() {
    for (;;) {
        {
            std::lock_guard lock(wakeMutex_);
            if (stopping_) return;
        }
        std::size_t processed = 0;
        core::EpochMillis wait = settings_.idleWaitMs;
        try {
            processed = runOnce().size();
        } catch (const store::StoreError& error) {
            log().warning("dispatch paused: store unavailable: %s", std::string(error.what()));
            wait = std::max<core::EpochMillis>(settings_.idleWaitMs, 1000);
        } catch (const std::exception& error) {
            log().error("dispatch round failed: %s", std::string(error.what()));
            wait = std::max<core::EpochMillis>(settings_.idleWaitMs, 1000);
        }
        if (processed > 0) continue;
        std::unique_lock lock(wakeMutex_);
        wakeCondition_.wait_for(lock, std::chrono::milliseconds(wait), [this] { return stopping_ || woken_; });
        woken_ = false;
    }
}

}  // namespace hub::dispatch
