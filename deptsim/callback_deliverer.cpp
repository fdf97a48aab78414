#include "deptsim/callback_deliverer.h"

#include <algorithm>

#include "deptsim/sim_log.h"
#include "deptsim/sim_time.h"

namespace deptsim {

CallbackDeliverer::CallbackDeliverer(Scheduler& scheduler, DeliverySettings settings,
                                     const hub::transport::ClientTlsSettings& tls)
    : scheduler_(scheduler), settings_(settings), transport_("", tls) {}

void CallbackDeliverer::deliver(Callback callback, Done done) {
    auto shared = std::make_shared<const Callback>(std::move(callback));
    scheduler_.after(0, [this, shared, done = std::move(done)] { attempt(shared, 1, done); });
}

void CallbackDeliverer::attempt(std::shared_ptr<const Callback> callback, int number, Done done) {
    hub::transport::Endpoint endpoint;
    endpoint.url = callback->url;
    endpoint.timeoutMs = settings_.timeoutMs;
    endpoint.secret = callback->secret;
    hub::transport::OutboundMessage message;
    message.messageId = callback->messageId;
    message.body = callback->body;
    message.contentType = callback->contentType;
    const auto result = transport_.send(endpoint, message, nowMillis());
    const bool ok = result.failure == hub::transport::TransportResult::Failure::None && result.httpStatus >= 200 &&
                    result.httpStatus < 300;
    const std::string what = result.failure != hub::transport::TransportResult::Failure::None
                                 ? result.error
                                 : "HTTP " + std::to_string(result.httpStatus);
    if (ok) {
        logLine(LogLevel::Info, "callback department=" + callback->department + " id=" + callback->messageId + " " +
                                    callback->label + " delivered (" + what + ", attempt " + std::to_string(number) + ")");
        done(true);
        return;
    }
    const bool retryable = result.failure == hub::transport::TransportResult::Failure::ConnectionFailed ||
                           result.failure == hub::transport::TransportResult::Failure::Timeout ||
                           result.httpStatus == 408 || result.httpStatus == 429 || result.httpStatus >= 500;
    if (retryable && number < settings_.maxAttempts) {
        const long long backoff = std::min<long long>(settings_.maxDelayMs,
                                                      static_cast<long long>(settings_.baseDelayMs) << std::min(number - 1, 20));
        logLine(LogLevel::Warning, "callback department=" + callback->department + " id=" + callback->messageId + " " +
                                       callback->label + " failed (" + what + "), retry " + std::to_string(number + 1) +
                                       " in " + std::to_string(backoff) + " ms");
        scheduler_.after(static_cast<int>(backoff), [this, callback, number, done] { attempt(callback, number + 1, done); });
        return;
    }
    logLine(LogLevel::Error, "callback department=" + callback->department + " id=" + callback->messageId + " " +
                                 callback->label + " given up after " + std::to_string(number) + " attempt(s): " + what +
                                 (result.body.empty() ? "" : " body: " + result.body.substr(0, 300)));
    done(false);
}

}  // namespace deptsim
