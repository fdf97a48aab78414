#include "deptsim/notification_sink.h"

#include <cstdlib>

#include <Poco/Exception.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "deptsim/sim_log.h"
#include "transport/message_signature.h"

namespace deptsim {
namespace {

std::string header(const NotificationRequest& request, const std::string& lowerCaseName) {
    auto it = request.headers.find(lowerCaseName);
    return it == request.headers.end() ? std::string() : it->second;
}

// Null when `text` is not a JSON object.
Poco::JSON::Object::Ptr parseObject(const std::string& text) {
    try {
        auto parsed = Poco::JSON::Parser().parse(text);
        if (parsed.type() == typeid(Poco::JSON::Object::Ptr)) return parsed.extract<Poco::JSON::Object::Ptr>();
    } catch (const Poco::Exception&) {
    }
    return nullptr;
}

// The X-Hub-Package-Id header, else the body's "packageId" when it is a string.
std::string packageIdOf(const NotificationRequest& request, const Poco::JSON::Object& body) {
    if (auto fromHeader = header(request, "x-hub-package-id"); !fromHeader.empty()) return fromHeader;
    auto value = body.get("packageId");
    return value.isString() ? value.extract<std::string>() : std::string();
}

}  // namespace

std::string notificationSecretFromEnvironment() {
    if (const char* value = std::getenv(kNotifySecretEnv); value && *value) return value;
    logLine(LogLevel::Warning, std::string("notifications: ") + kNotifySecretEnv +
                                   " is not set; using the development secret \"" + kDevelopmentNotifySecret +
                                   "\" (the hub must use the same)");
    return kDevelopmentNotifySecret;
}

NotificationSink::NotificationSink(std::string secret, hub::core::EpochMillis maxSkewMs, std::size_t limit)
    : secret_(std::move(secret)), maxSkewMs_(maxSkewMs), limit_(limit) {}

NotificationVerdict NotificationSink::receive(const NotificationRequest& request, hub::core::EpochMillis now) {
    const auto check =
        hub::transport::verifySignature(secret_, header(request, "x-hub-timestamp"), header(request, "x-hub-signature"),
                                        request.body, now, maxSkewMs_);
    if (check != hub::transport::SignatureCheck::Valid) {
        std::lock_guard lock(mutex_);
        ++counts_.refused;
        return {NotificationOutcome::Refused, "signature check failed: " + std::string(hub::transport::toString(check))};
    }
    std::string messageId = header(request, "x-hub-message-id");
    if (messageId.empty()) messageId = header(request, "idempotency-key");
    const auto object = parseObject(request.body);
    std::lock_guard lock(mutex_);
    if (messageId.empty()) {
        ++counts_.invalid;
        return {NotificationOutcome::Invalid, "X-Hub-Message-Id (or Idempotency-Key) is required"};
    }
    if (!object) {
        ++counts_.invalid;
        return {NotificationOutcome::Invalid, "the body must be a JSON object"};
    }
    if (keptIds_.count(messageId)) {
        ++counts_.duplicates;
        return {NotificationOutcome::Duplicate, {}};
    }
    ++counts_.received;
    kept_.push_back({messageId, packageIdOf(request, *object), now, request.body});
    keptIds_.insert(messageId);
    while (kept_.size() > limit_) {
        keptIds_.erase(kept_.front().messageId);
        kept_.pop_front();
    }
    return {NotificationOutcome::Accepted, {}};
}

std::vector<ReceivedNotification> NotificationSink::notifications() const {
    std::lock_guard lock(mutex_);
    return {kept_.begin(), kept_.end()};
}

NotificationCounts NotificationSink::counts() const {
    std::lock_guard lock(mutex_);
    return counts_;
}

void NotificationSink::clear() {
    std::lock_guard lock(mutex_);
    kept_.clear();
    keptIds_.clear();
    counts_ = {};
}

}  // namespace deptsim
