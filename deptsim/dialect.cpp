#include "deptsim/dialect.h"

#include <Poco/String.h>

#include "xml/package_reader.h"

namespace deptsim {
namespace {

std::string describe(const hub::core::ValidationError& error) {
    std::string text;
    if (error.location.line > 0) text += "line " + std::to_string(error.location.line) + ": ";
    text += error.message;
    if (!error.location.path.empty()) text += " (" + error.location.path + ")";
    return text;
}

std::string firstString(const hub::xml::Document& document, const std::string& xpath,
                        const hub::xml::Namespaces& namespaces) {
    if (xpath.empty()) return {};
    auto values = document.evaluateStrings(xpath, namespaces);
    return values.empty() ? std::string() : Poco::trim(values.front());
}

}  // namespace

Dialect::Dialect(const DepartmentSettings& settings) : settings_(settings) {
    try {
        schema_ = std::make_shared<const hub::xml::Schema>(settings_.schemaFile);
    } catch (const std::exception& error) {
        throw ConfigError("departments." + settings_.code + ".schema: " + error.what());
    }
    for (const auto& [role, file] : settings_.templates) {
        try {
            templates_.emplace(role, MessageTemplate::fromFile(file));
        } catch (const TemplateError& error) {
            throw ConfigError("departments." + settings_.code + ".templates." + role + ": " + error.what());
        }
    }
}

ReadResult Dialect::read(std::string_view body) const {
    ReadResult result;
    auto parsed = hub::xml::parseSafely(body);
    if (!parsed.ok()) {
        result.failure = ReadResult::Failure::Malformed;
        for (const auto& error : parsed.errors) result.reasons.push_back(error.code + ": " + describe(error));
        if (result.reasons.empty()) result.reasons.push_back("the body is not well-formed XML");
        return result;
    }
    const auto& document = *parsed.document;
    auto violations = schema_->validate(document);
    if (!violations.empty()) {
        result.failure = ReadResult::Failure::Invalid;
        for (const auto& error : violations) result.reasons.push_back(describe(error));
        return result;
    }
    try {
        IncomingMessage message;
        const auto& ns = settings_.namespaces;
        const auto& extract = settings_.extract;
        message.messageId = firstString(document, extract.messageId, ns);
        message.kind = firstString(document, extract.kind, ns);
        message.permit = firstString(document, extract.permit, ns);
        message.package = firstString(document, extract.package, ns);
        message.receiptNumber = firstString(document, extract.receiptNumber, ns);
        message.callbackUrl = firstString(document, extract.callbackUrl, ns);
        for (const auto& [name, xpath] : settings_.requestFields) {
            std::vector<std::string> values;
            for (auto& value : document.evaluateStrings(xpath, ns)) values.push_back(Poco::trim(value));
            message.fields.setList(name, std::move(values));
        }
        if (message.kind != "SUBMIT" && message.kind != "CORRECTION" && message.kind != "CANCEL" &&
            message.kind != "STATUS_QUERY") {
            result.failure = ReadResult::Failure::Unsupported;
            result.reasons.push_back("a valid " + settings_.code + " message, but not a request this department handles (<" +
                                     std::string(document.root().localName()) + ">)");
            return result;
        }
        result.message = std::move(message);
    } catch (const hub::xml::XmlError& error) {
        result.failure = ReadResult::Failure::Unsupported;
        result.reasons.push_back(std::string("extraction failed: ") + error.what());
    }
    return result;
}

std::optional<std::string> Dialect::render(const std::string& role, const TemplateValues& values) const {
    auto it = templates_.find(role);
    if (it == templates_.end()) {
        const auto dot = role.find('.');
        if (dot != std::string::npos) it = templates_.find(std::string_view(role).substr(0, dot));
    }
    if (it == templates_.end()) return std::nullopt;
    return it->second.render(values);
}

std::vector<std::string> Dialect::selfCheck(const std::string& xml) const {
    std::vector<std::string> reasons;
    auto parsed = hub::xml::parseSafely(xml);
    if (!parsed.ok()) {
        for (const auto& error : parsed.errors) reasons.push_back(describe(error));
        if (reasons.empty()) reasons.push_back("not well-formed");
        return reasons;
    }
    for (const auto& error : schema_->validate(*parsed.document)) reasons.push_back(describe(error));
    return reasons;
}

std::string Dialect::answerWord(const std::string& answerKind) const {
    auto it = settings_.answerWords.find(answerKind);
    return it == settings_.answerWords.end() ? answerKind : it->second;
}

std::string Dialect::statusWord(const std::string& status) const {
    auto it = settings_.statusWords.find(status);
    return it == settings_.statusWords.end() ? status : it->second;
}

}  // namespace deptsim
