#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "deptsim/message_template.h"
#include "deptsim/sim_config.h"
#include "xml/schema.h"

namespace deptsim {

// What the simulator needs from one incoming hub message, read with the
// department's configured XPaths.
struct IncomingMessage {
    std::string messageId;
    std::string kind;  // SUBMIT, CORRECTION, CANCEL, STATUS_QUERY
    std::string permit;
    std::string package;
    std::string receiptNumber;
    std::string callbackUrl;
    TemplateValues fields;  // the configured request fields
};

struct ReadResult {
    enum class Failure { None, Malformed, Invalid, Unsupported };
    Failure failure = Failure::None;
    std::vector<std::string> reasons;  // "line 12: …" per finding
    std::optional<IncomingMessage> message;
};

// One department's dialect: its schema, extraction XPaths and templates,
// compiled once. Immutable after construction and safe to share.
class Dialect {
  public:
    // Throws ConfigError when the schema or a template does not compile.
    explicit Dialect(const DepartmentSettings& settings);

    const DepartmentSettings& settings() const { return settings_; }
    const std::string& code() const { return settings_.code; }

    // Safe parse, schema validation, extraction. Never throws for bad input.
    ReadResult read(std::string_view body) const;

    // Renders the template for `role` ("answer.CANCEL" falls back to
    // "answer"); nullopt when the department has no such template.
    std::optional<std::string> render(const std::string& role, const TemplateValues& values) const;
    // Why `xml` is not a valid message of this dialect (empty when it is).
    std::vector<std::string> selfCheck(const std::string& xml) const;

    std::string answerWord(const std::string& answerKind) const;
    std::string statusWord(const std::string& status) const;

  private:
    DepartmentSettings settings_;
    std::shared_ptr<const hub::xml::Schema> schema_;
    std::map<std::string, MessageTemplate, std::less<>> templates_;
};

}  // namespace deptsim
