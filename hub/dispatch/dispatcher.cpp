#include "dispatch/dispatcher.h"

#include <chrono>

#include <Poco/DigestEngine.h>
#include <Poco/Logger.h>
#include <Poco/SHA2Engine.h>

#include "adapter/case_document.h"
#include "adapter/request_renderer.h"
#include "adapter/response_mapper.h"
#include "core/delivery_outcome.h"
#include "core/permit_lifecycle.h"

namespace hub::dispatch {
namespace {

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

// The permit event a department's synchronous answer stands for.
core::PermitEvent permitEventOf(adapter::Outcome outcome) {
    switch (outcome) {
        case adapter::Outcome::Acknowledged: return core::PermitEvent::Acknowledged;
        case adapter::Outcome::Accepted: return core::PermitEvent::Accepted;
        case adapter::Outcome::CorrectionRequired: return core::PermitEvent::CorrectionRequired;
        case adapter::Outcome::UnderReview: return core::PermitEvent::UnderReview;
        case adapter::Outcome::Suspended: return core::PermitEvent::Suspended;
        case adapter::Outcome::Resumed: return core::PermitEvent::Resumed;
        case adapter::Outcome::Issued: return core::PermitEvent::Issued;
        case adapter::Outcome::Rejected: return core::PermitEvent::Rejected;
        case adapter::Outcome::NotAccepted: return core::PermitEvent::NotAccepted;
    }
    return core::PermitEvent::Acknowledged;
}

std::string sha256Hex(const std::string& bytes) {
    Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
    engine.update(bytes);
    return Poco::DigestEngine::digestToHex(engine.digest());
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
      limiter(adapter->config().transport.maxConcurrent) {
    core::validate(retry);
}

Dispatcher::Dispatcher(store::Store& store, const core::Catalogue& catalogue,
                       std::vector<std::unique_ptr<DepartmentChannel>> channels, const core::Clock& clock,
                       core::RandomSource& random, core::IdSource& ids, DispatcherSettings settings)
    : store_(store), catalogue_(catalogue), channels_(std::move(channels)), clock_(clock), random_(random), ids_(ids),
      settings_(std::move(settings)) {
    for (auto& channel : channels_) byCode_[channel->adapter->code()] = channel.get();
}

Dispatcher::~Dispatcher() { stop(); }

DepartmentChannel* Dispatcher::channel(const std::string& department) {
    auto it = byCode_.find(department);
    return it == byCode_.end() ? nullptr : it->second;
}

// Paused departments, and those whose breaker is open and not yet due for a
// probe, are not leased: their rows wait untouched.
std::vector<std::string> Dispatcher::departmentsNotToLease() const {
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
        DepartmentChannel* target = channel(dispatch.department);
        store::AttemptRecord attempt{dispatch.attempts + 1, clock_.now(), 0, "FAILED", 0, {}};
        if (!target) {
            reports.push_back(park(dispatch, attempt, "no adapter is configured for department " + dispatch.department));
            continue;
        }
        reports.push_back(deliver(dispatch, *target));
    }
    return reports;
}

// Certificates issued so far, prerequisites first (catalogue order).
std::vector<adapter::IssuedCertificate> Dispatcher::issuedSoFar(const std::string& packageId) {
    const auto records = store_.certificatesOf(packageId);
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

DeliveryReport Dispatcher::deliver(const store::LeasedDispatch& dispatch, DepartmentChannel& channel) {
    const std::string& department = dispatch.department;
    auto slot = channel.limiter.tryAcquire();
    if (!slot || !channel.breaker.allowRequest()) {
        store_.releaseDispatch(dispatch.messageId, settings_.owner);
        return {dispatch.messageId, department, "RELEASED", slot ? "breaker open" : "department at its concurrency limit"};
    }
    const core::EpochMillis started = clock_.now();
    store::AttemptRecord attempt{dispatch.attempts + 1, started, 0, "FAILED", 0, {}};

    // Render: the case document, the department's stylesheet, the envelope,
    // the schema check. A render failure is never sent.
    auto packageXml = store_.originalXml(dispatch.packageId);
    if (!packageXml) {
        channel.breaker.recordInconclusive();
        return park(dispatch, attempt, "package " + dispatch.packageId + " has no stored original");
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
    input.packageXml = std::move(*packageXml);
    input.issued = issuedSoFar(dispatch.packageId);
    adapter::RenderResult rendered;
    try {
        rendered = adapter::renderRequest(*channel.adapter, adapter::buildCaseDocument(input));
    } catch (const std::exception& error) {
        rendered.failure = adapter::RenderFailure{adapter::RenderFailureKind::InvalidCase, error.what(), {}};
    }
    if (!rendered.ok()) {
        channel.breaker.recordInconclusive();
        attempt.outcome = "INVALID_RENDER";
        std::string reason = std::string(adapter::toString(rendered.failure->kind)) + ": " + rendered.failure->message;
        for (const auto& error : rendered.failure->schemaErrors) reason += "; " + error.message;
        return park(dispatch, attempt, reason);
    }

    // Send, then read the answer in the department's dialect.
    transport::OutboundMessage message;
    message.messageId = dispatch.messageId;
    message.body = rendered.request->body;
    message.contentType = rendered.request->contentType;
    message.soapAction = rendered.request->soapAction;
    message.packageId = dispatch.packageId;
    const transport::TransportResult sent = channel.transport->send(channel.endpoint, message, clock_.now());
    attempt.latencyMs = sent.latencyMs;
    attempt.httpStatus = sent.httpStatus;

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
            answerProblem = std::string(adapter::toString(mapped.failure->kind)) + ": " + mapped.failure->message;
        }
    }
    if (auto header = sent.headers.find("retry-after"); header != sent.headers.end())
        observation.retryAfterMs = core::parseRetryAfter(header->second, clock_.now());
    const core::DeliveryOutcome outcome = core::classifyAttempt(observation);

    switch (outcome.deliveryClass) {
        case core::DeliveryClass::Acknowledged:
        case core::DeliveryClass::Decided: {
            channel.breaker.recordSuccess();
            const core::PermitEvent permitEvent = permitEventOf(event->outcome);
            const auto from = core::PermitState::Queued;
            auto to = core::nextState(from, permitEvent);
            if (!to) {
                attempt.outcome = "FAILED";
                return park(dispatch, attempt,
                            "department answered " + event->departmentWord + ", not allowed for a QUEUED permit");
            }
            attempt.outcome = outcome.deliveryClass == core::DeliveryClass::Acknowledged ? "ACKNOWLEDGED" : "DECIDED";
            const core::EpochMillis now = clock_.now();
            std::string detail = department + " " + event->departmentWord;
            if (!event->receiptNumber.empty()) detail += ", receipt " + event->receiptNumber;
            if (!event->reasons.empty()) detail += ": " + event->reasons.front();
            std::vector<store::PermitTransition> transitions{
                {dispatch.packageId, dispatch.permit, from, *to, event->receiptNumber, detail, now}};

            // What the decision changes beyond this permit: its certificate,
            // the dependents it releases or blocks, the package's state.
            store::FollowUps followUps;
            std::vector<core::PermitStatus> permits;
            for (const auto& view : store_.permitsOf(dispatch.packageId))
                permits.push_back({view.permit, view.permit == dispatch.permit ? *to : view.state});
            if (*to == core::PermitState::Issued) {
                store::CertificateRecord certificate{dispatch.packageId, dispatch.permit, department,
                                                    event->certificateNumber, event->issuedOn, event->validUntil,
                                                    {}, sha256Hex(sent.body), now};
                for (const auto& [name, values] : event->outputs)
                    for (const auto& value : values) certificate.outputs.emplace_back(name, value);
                followUps.certificate = std::move(certificate);
            }
            for (const auto& consequence : core::consequencesOf(catalogue_, permits, dispatch.permit)) {
                transitions.push_back({dispatch.packageId, consequence.permit, consequence.from, consequence.to, {},
                                       consequence.reason, now});
                for (auto& status : permits)
                    if (status.permit == consequence.permit) status.state = consequence.to;
                if (consequence.to == core::PermitState::Queued) {
                    const core::PermitItem* item = catalogue_.findPermit(consequence.permit);
                    followUps.dispatches.push_back(
                        {ids_.messageId(), consequence.permit, item ? item->department : "", "SUBMIT", now});
                }
            }
            followUps.packageState = core::derivePackageState(permits, false);
            if (!store_.completeDispatch(dispatch.messageId, settings_.owner, now, attempt, transitions, followUps))
                return {dispatch.messageId, department, "LEASE_LOST", "lease lost before completing"};
            if (!followUps.dispatches.empty()) wake();
            log().information("package=%s permit=%s department=%s message=%s %s in %dms, %z dependent(s) changed",
                              dispatch.packageId, dispatch.permit, department, dispatch.messageId, detail,
                              sent.latencyMs, transitions.size() - 1);
            return {dispatch.messageId, department, attempt.outcome, detail};
        }
        case core::DeliveryClass::Retryable: {
            channel.breaker.recordFailure();
            attempt.outcome = "RETRYABLE";
            attempt.error = shortError(sent.failure != transport::TransportResult::Failure::None
                                           ? std::string(transport::toString(sent.failure)) + ": " + sent.error
                                           : "HTTP " + std::to_string(sent.httpStatus));
            auto next = core::nextAttemptAt(channel.retry, attempt.attempt, clock_.now(), random_.uniform01(),
                                            outcome.retryAfterMs);
            if (!next)
                return park(dispatch, attempt,
                            "gave up after " + std::to_string(attempt.attempt) + " attempts: " + attempt.error);
            if (!store_.retryDispatchLater(dispatch.messageId, settings_.owner, clock_.now(), attempt, *next))
                return {dispatch.messageId, department, "LEASE_LOST", "lease lost before rescheduling"};
            log().warning("package=%s permit=%s department=%s message=%s attempt %d failed (%s), retry in %Ldms",
                          dispatch.packageId, dispatch.permit, department, dispatch.messageId, attempt.attempt,
                          attempt.error, static_cast<long long>(*next - clock_.now()));
            return {dispatch.messageId, department, "RETRY", attempt.error};
        }
        case core::DeliveryClass::Permanent:
            break;
    }
    if (observation.transport == core::AttemptObservation::Transport::TlsFailed)
        channel.breaker.recordInconclusive();
    else
        channel.breaker.recordSuccess();
    attempt.outcome = "FAILED";
    std::string reason = sent.failure != transport::TransportResult::Failure::None
                             ? std::string(transport::toString(sent.failure)) + ": " + sent.error
                             : "HTTP " + std::to_string(sent.httpStatus) + " (" + std::string(outcome.reason) + ")";
    if (!answerProblem.empty()) reason += ": " + answerProblem;
    return park(dispatch, attempt, reason);
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
