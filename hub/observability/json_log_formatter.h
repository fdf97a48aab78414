#pragma once

#include <string>

#include <Poco/Formatter.h>

namespace hub::observability {

// One JSON object per log line, for log shippers:
//   {"ts":"2026-11-27T07:14:38.089Z","level":"information","logger":"hub.dispatch",
//    "package":"PKG-…","permit":"P05","department":"MSA","message":"…"}
// Leading "key=value" words of the text (the hub writes package=, permit=,
// department=, message=, incident=, company= first) become fields of their
// own (message= as "messageId"); the rest is "message". Thread-safe.
class JsonLogFormatter final : public Poco::Formatter {
  public:
    void format(const Poco::Message& message, std::string& text) override;
};

// The JSON line for one message, as format() writes it (without a newline).
std::string jsonLogLine(const std::string& timestamp, const std::string& level, const std::string& logger,
                        const std::string& text);

}  // namespace hub::observability
