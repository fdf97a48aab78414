#include "adapter/response_mapper.h"

#include <charconv>

#include "xml/document.h"

namespace hub::adapter {

namespace {

MappingResult failed(MappingFailureKind kind, std::string message, core::ValidationErrors errors = {},
                     std::string subject = {}) {
    MappingResult result;
    result.failure = MappingFailure{kind, std::move(message), std::move(errors), std::move(subject)};
    return result;
}

// XPath normalize-space(): trimmed, inner whitespace runs as one space.
std::string normalizeSpace(std::string_view text) {
    std::string out;
    bool pendingSpace = false;
    for (char c : text) {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            pendingSpace = !out.empty();
            continue;
        }
        if (pendingSpace) {
            out.push_back(' ');
            pendingSpace = false;
        }
        out.push_back(c);
    }
    return out;
}

std::vector<std::string> allValues(const xml::XPathEvaluator& fields, const std::string& xpath) {
    std::vector<std::string> values;
    if (xpath.empty()) {
        return values;
    }
    for (const auto& value : fields.strings(xpath)) {
        std::string normalized = normalizeSpace(value);
        if (!normalized.empty()) {
            values.push_back(std::move(normalized));
        }
    }
    return values;
}

std::string firstValue(const xml::XPathEvaluator& fields, const std::string& xpath) {
    auto values = allValues(fields, xpath);
    return values.empty() ? std::string() : std::move(values.front());
}

}  // namespace

std::string_view toString(MappingFailureKind kind) {
    switch (kind) {
        case MappingFailureKind::Malformed: return "MALFORMED";
        case MappingFailureKind::SchemaInvalid: return "SCHEMA_INVALID";
        case MappingFailureKind::UnmappedOutcome: return "UNMAPPED_OUTCOME";
        case MappingFailureKind::MissingField: return "MISSING_FIELD";
    }
    return "MALFORMED";
}

MappingResult mapDepartmentMessage(const DepartmentAdapter& department, std::string_view bytes) {
    const std::string& code = department.code();
    if (bytes.size() > kMaxDepartmentMessageBytes) {
        return failed(MappingFailureKind::Malformed,
                      code + ": the message is larger than " + std::to_string(kMaxDepartmentMessageBytes) + " bytes");
    }
    xml::ParseResult parsed = xml::parseSafely(bytes);
    if (!parsed.ok()) {
        std::string reason = parsed.errors.empty() ? "not well-formed" : parsed.errors.front().message;
        return failed(MappingFailureKind::Malformed, code + ": the message is not acceptable XML: " + reason,
                      std::move(parsed.errors));
    }
    const xml::Document& document = *parsed.document;
    core::ValidationErrors errors = department.schema().validate(document);
    if (!errors.empty()) {
        std::string first = errors.front().message;
        return failed(MappingFailureKind::SchemaInvalid,
                      code + ": the message does not validate against " + department.schema().file() + ": " + first,
                      std::move(errors));
    }

    const ResponseMapping& mapping = department.config().mapping;
    // One XPath context for every field of the mapping.
    const xml::XPathEvaluator fields(document, department.config().namespaces);
    DepartmentEvent event;
    event.departmentWord = firstValue(fields, mapping.outcome);
    if (event.departmentWord.empty()) {
        return failed(MappingFailureKind::MissingField, code + ": the message carries no status word (mapping.outcome)",
                      {}, "outcome");
    }
    auto outcome = mapping.outcomeMap.find(event.departmentWord);
    if (outcome == mapping.outcomeMap.end()) {
        return failed(MappingFailureKind::UnmappedOutcome,
                      code + ": status word \"" + event.departmentWord + "\" is not in mapping.outcomeMap", {},
                      event.departmentWord);
    }
    event.outcome = outcome->second;
    event.receiptNumber = firstValue(fields, mapping.receiptNumber);
    event.messageId = firstValue(fields, mapping.messageId);
    event.permit = firstValue(fields, mapping.permit);
    event.reasons = allValues(fields, mapping.reasons);
    event.certificateNumber = firstValue(fields, mapping.certificateNumber);
    event.issuedOn = firstValue(fields, mapping.issuedOn);
    event.validUntil = firstValue(fields, mapping.validUntil);
    if (const std::string days = firstValue(fields, mapping.extensionDays); !days.empty()) {
        int value = 0;
        auto [end, error] = std::from_chars(days.data(), days.data() + days.size(), value);
        if (error != std::errc() || end != days.data() + days.size() || value < 0 || value > 60) {
            return failed(MappingFailureKind::MissingField,
                          code + ": extension days \"" + days + "\" is not a number of working days from 0 to 60", {},
                          "extensionDays");
        }
        event.extensionDays = value;
    }
    for (const auto& [name, xpath] : mapping.outputs) {
        auto values = allValues(fields, xpath);
        if (!values.empty()) {
            event.outputs.emplace(name, std::move(values));
        }
    }
    if (event.outcome == Outcome::Issued) {
        for (auto [key, value] : {std::pair{"certificateNumber", &event.certificateNumber},
                                  std::pair{"issuedOn", &event.issuedOn}}) {
            if (value->empty()) {
                return failed(MappingFailureKind::MissingField,
                              code + ": an ISSUED message without " + key + " (mapping." + key + ")", {}, key);
            }
        }
    }
    MappingResult result;
    result.event = std::move(event);
    return result;
}

}  // namespace hub::adapter
