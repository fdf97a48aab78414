#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "adapter/department_config.h"
#include "core/diagnostics.h"
#include "xml/document.h"

namespace hub::adapter {

// A message ready for the transport: valid against the department's schema.
struct RenderedRequest {
    std::string messageId;    // Case/MessageId: stable across retries of the call
    std::string callKind;     // Case/Call/@kind
    std::string body;         // the whole wire message, UTF-8
    std::string contentType;  // "text/xml; charset=utf-8" for SOAP 1.1, else "application/xml; charset=utf-8"
    // SOAP 1.1 only (empty otherwise), unquoted: the namespace URI of the
    // first soap:Body entry, '#', its local name
    // ("urn:licensing-hub:dept:mot:v1#SubmitLicenceApplication").
    std::string soapAction;
};

enum class RenderFailureKind {
    InvalidCase,       // the case document lacks Call, MessageId… or names another department
    NoStylesheet,      // the department has no stylesheet for the call kind
    StylesheetFailed,  // the department stylesheet stopped or reported an error
    EnvelopeFailed,    // the transport's envelope stylesheet did
    SchemaInvalid,     // the message does not validate against the department's schema
};

// "INVALID_CASE", "NO_STYLESHEET", "STYLESHEET_FAILED", "ENVELOPE_FAILED", "SCHEMA_INVALID".
std::string_view toString(RenderFailureKind kind);

struct RenderFailure {
    RenderFailureKind kind = RenderFailureKind::InvalidCase;
    std::string message;                 // one line naming department, call and file
    core::ValidationErrors schemaErrors; // SchemaInvalid only
};

// Exactly one of request and failure is set. A failure must never be sent:
// the dispatcher parks the call as an incident.
struct RenderResult {
    std::optional<RenderedRequest> request;
    std::optional<RenderFailure> failure;
    bool ok() const { return request.has_value(); }
};

// Renders one call: the department's stylesheet for Case/Call/@kind turns the
// case document into the request body; the transport's envelope stylesheet,
// if any, wraps it with the parameters messageId (Case/MessageId), sentAt
// (Case/SentAt), senderId (Case/Hub/SenderId), receiverId (the department's
// code) and messageType (empty: the envelope derives it from the body); the
// serialised message is parsed again and validated as a whole against the
// department's schema. Pure and thread-safe. Stylesheet and schema problems
// are returned as failures; only infrastructure failures of the XML layer
// (xml::XmlError) are thrown.
RenderResult renderRequest(const DepartmentAdapter& department, const xml::Document& caseDocument);

}  // namespace hub::adapter
