#include "adapter/request_renderer.h"

#include "adapter/case_document.h"

namespace hub::adapter {

namespace {

constexpr std::string_view kSoap11Namespace = "http://schemas.xmlsoap.org/soap/envelope/";

RenderResult failed(RenderFailureKind kind, std::string message, core::ValidationErrors errors = {}) {
    RenderResult result;
    result.failure = RenderFailure{kind, std::move(message), std::move(errors)};
    return result;
}

std::string firstValue(const xml::Document& document, std::string_view xpath) {
    static const xml::Namespaces namespaces{{"c", std::string(kCaseNamespaceV1)}};
    auto values = document.evaluateStrings(xpath, namespaces);
    return values.empty() ? std::string() : values.front();
}

std::string soapActionOf(const xml::Document& message) {
    xml::Element root = message.root();
    if (root.localName() != "Envelope" || root.namespaceUri() != kSoap11Namespace) {
        return {};
    }
    auto body = root.child("Body");
    if (!body) {
        return {};
    }
    auto entries = body->children();
    if (entries.empty()) {
        return {};
    }
    return std::string(entries.front().namespaceUri()) + "#" + std::string(entries.front().localName());
}

}  // namespace

std::string_view toString(RenderFailureKind kind) {
    switch (kind) {
        case RenderFailureKind::InvalidCase: return "INVALID_CASE";
        case RenderFailureKind::NoStylesheet: return "NO_STYLESHEET";
        case RenderFailureKind::StylesheetFailed: return "STYLESHEET_FAILED";
        case RenderFailureKind::EnvelopeFailed: return "ENVELOPE_FAILED";
        case RenderFailureKind::SchemaInvalid: return "SCHEMA_INVALID";
    }
    return "INVALID_CASE";
}

RenderResult renderRequest(const DepartmentAdapter& department, const xml::Document& caseDocument) {
    const std::string& code = department.code();
    std::string kind = firstValue(caseDocument, "/c:Case/c:Call/@kind");
    std::string target = firstValue(caseDocument, "/c:Case/c:Call/@department");
    std::string messageId = firstValue(caseDocument, "/c:Case/c:MessageId");
    std::string sentAt = firstValue(caseDocument, "/c:Case/c:SentAt");
    std::string senderId = firstValue(caseDocument, "/c:Case/c:Hub/c:SenderId");
    if (kind.empty() || messageId.empty() || sentAt.empty() || senderId.empty()) {
        return failed(RenderFailureKind::InvalidCase,
                      code + ": the case document lacks Call/@kind, MessageId, SentAt or Hub/SenderId");
    }
    if (target != code) {
        return failed(RenderFailureKind::InvalidCase,
                      code + ": the case document is addressed to department \"" + target + "\"");
    }
    std::string call = code + " " + kind + " " + messageId;

    const xml::Stylesheet* stylesheet = department.stylesheet(kind);
    if (stylesheet == nullptr) {
        return failed(RenderFailureKind::NoStylesheet, call + ": the department has no stylesheet for " + kind);
    }
    std::optional<xml::Document> body;
    try {
        body = stylesheet->apply(caseDocument);
    } catch (const xml::TransformError& error) {
        return failed(RenderFailureKind::StylesheetFailed, call + ": " + error.what());
    }

    const xml::Stylesheet* serializer = stylesheet;
    std::optional<xml::Document> message;
    if (const xml::Stylesheet* envelope = department.envelope()) {
        xml::StylesheetParameters parameters{{"messageId", messageId},
                                             {"sentAt", sentAt},
                                             {"senderId", senderId},
                                             {"receiverId", code},
                                             {"messageType", ""}};
        try {
            message = envelope->apply(*body, parameters);
        } catch (const xml::TransformError& error) {
            return failed(RenderFailureKind::EnvelopeFailed, call + ": " + error.what());
        }
        serializer = envelope;
    } else {
        message = std::move(body);
    }

    std::string bytes = serializer->serialize(*message);
    // Validate what goes on the wire, not the tree it was serialised from.
    xml::ParseResult reparsed = xml::parseSafely(bytes, xml::ParseOptions{256});
    if (!reparsed.ok()) {
        return failed(RenderFailureKind::SchemaInvalid, call + ": the rendered message does not parse",
                      std::move(reparsed.errors));
    }
    core::ValidationErrors errors = department.schema().validate(*reparsed.document);
    if (!errors.empty()) {
        std::string message = call + ": the rendered message does not validate against " +
                              department.schema().file() + ": " + errors.front().message;
        return failed(RenderFailureKind::SchemaInvalid, std::move(message), std::move(errors));
    }

    RenderedRequest request;
    request.messageId = std::move(messageId);
    request.callKind = std::move(kind);
    request.body = std::move(bytes);
    request.soapAction = soapActionOf(*reparsed.document);
    request.contentType = request.soapAction.empty() && reparsed.document->root().namespaceUri() != kSoap11Namespace
                              ? "application/xml; charset=utf-8"
                              : "text/xml; charset=utf-8";
    RenderResult result;
    result.request = std::move(request);
    return result;
}

}  // namespace hub::adapter
