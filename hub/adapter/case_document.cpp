#include "adapter/case_document.h"

namespace hub::adapter {

namespace {

xml::Document parseStored(const std::string& bytes, const char* what) {
    // Stored packages passed intake with the same depth limit; the margin
    // covers the Case wrapper.
    xml::ParseResult parsed = xml::parseSafely(bytes, xml::ParseOptions{256});
    if (!parsed.ok()) {
        std::string reason = parsed.errors.empty() ? "not well-formed" : parsed.errors.front().message;
        throw CaseDocumentError(std::string("case document: the ") + what + " does not parse: " + reason);
    }
    return std::move(*parsed.document);
}

// "2026-12-18T06:12:40Z": departments' timestamps have second precision.
std::string secondsRfc3339(core::EpochMillis instant) {
    core::EpochMillis millis = ((instant % 1000) + 1000) % 1000;
    std::string text = core::formatRfc3339(instant - millis);
    auto dot = text.find('.');
    return dot == std::string::npos ? text : text.substr(0, dot) + "Z";
}

}  // namespace

xml::Document buildCaseDocument(const CaseInput& input) {
    xml::Document package = parseStored(input.packageXml, "application package");
    std::optional<xml::Document> supplement;
    if (input.supplementXml) {
        supplement = parseStored(*input.supplementXml, "correction supplement");
    }

    xml::Document document = xml::Document::create("Case", kCaseNamespaceV1);
    xml::Element root = document.root();
    root.appendElement("PackageId", input.packageId);
    root.appendElement("MessageId", input.messageId);
    xml::Element call = root.appendElement("Call");
    call.setAttribute("kind", input.callKind);
    call.setAttribute("permit", input.permit);
    call.setAttribute("department", input.department);
    if (input.vessel) {
        call.setAttribute("vessel", std::to_string(*input.vessel));
    }
    root.appendElement("SentAt", secondsRfc3339(input.sentAt));
    xml::Element hub = root.appendElement("Hub");
    hub.appendElement("SenderId", input.senderId);
    hub.appendElement("CallbackUrl", input.callbackUrl);
    if (input.receiptNumber) {
        root.appendElement("ReceiptNumber", *input.receiptNumber);
    }
    xml::Element issued = root.appendElement("Issued");
    for (const auto& certificate : input.issued) {
        xml::Element element = issued.appendElement("Certificate");
        element.setAttribute("permit", certificate.permit);
        element.setAttribute("department", certificate.department);
        element.setAttribute("number", certificate.number);
        element.setAttribute("issuedOn", certificate.issuedOn);
        if (certificate.validUntil) {
            element.setAttribute("validUntil", *certificate.validUntil);
        }
        for (const auto& [name, value] : certificate.outputs) {
            element.appendElement("Output", value).setAttribute("name", name);
        }
    }
    if (supplement) {
        xml::Element target = root.appendElement("Supplement");
        target.appendContentOf(supplement->root());
    }
    root.appendCopy(package.root());
    return document;
}

}  // namespace hub::adapter
