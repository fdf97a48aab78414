#include "observability/json_log_formatter.h"

#include <cctype>

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/Message.h>

#include "core/json_writer.h"

namespace hub::observability {
namespace {

using core::appendJsonString;

std::string levelName(Poco::Message::Priority priority) {
    switch (priority) {
        case Poco::Message::PRIO_FATAL: return "fatal";
        case Poco::Message::PRIO_CRITICAL: return "critical";
        case Poco::Message::PRIO_ERROR: return "error";
        case Poco::Message::PRIO_WARNING: return "warning";
        case Poco::Message::PRIO_NOTICE: return "notice";
        case Poco::Message::PRIO_INFORMATION: return "information";
        case Poco::Message::PRIO_DEBUG: return "debug";
        case Poco::Message::PRIO_TRACE: return "trace";
    }
    return "information";
}

bool isKey(const std::string& key) {
    if (key.empty() || key.size() > 32) return false;
    for (char c : key)
        if (!std::islower(static_cast<unsigned char>(c))) return false;
    // The fields the envelope itself uses cannot be taken over.
    return key != "ts" && key != "level" && key != "logger";
}

}  // namespace

std::string jsonLogLine(const std::string& timestamp, const std::string& level, const std::string& logger,
                        const std::string& text) {
    std::string out = "{\"ts\":";
    appendJsonString(out, timestamp);
    out += ",\"level\":";
    appendJsonString(out, level);
    out += ",\"logger\":";
    appendJsonString(out, logger);
    std::size_t position = 0;
    for (;;) {
        const std::size_t end = text.find(' ', position);
        const std::string word = text.substr(position, end == std::string::npos ? std::string::npos : end - position);
        const std::size_t equals = word.find('=');
        if (equals == std::string::npos || !isKey(word.substr(0, equals)) || equals + 1 == word.size()) break;
        out += ',';
        // "message" is the text itself; the hub's message= is a call's id.
        const std::string key = word.substr(0, equals);
        appendJsonString(out, key == "message" ? "messageId" : key);
        out += ':';
        appendJsonString(out, word.substr(equals + 1));
        if (end == std::string::npos) {
            position = text.size();
            break;
        }
        position = end + 1;
    }
    out += ",\"message\":";
    appendJsonString(out, text.substr(std::min(position, text.size())));
    out += '}';
    return out;
}

void JsonLogFormatter::format(const Poco::Message& message, std::string& text) {
    const std::string timestamp =
        Poco::DateTimeFormatter::format(message.getTime(), "%Y-%m-%dT%H:%M:%S.%iZ");
    text = jsonLogLine(timestamp, levelName(message.getPriority()), message.getSource(), message.getText());
}

}  // namespace hub::observability
