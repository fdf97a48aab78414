#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "adapter/department_config.h"
#include "adapter/department_event.h"
#include "core/diagnostics.h"

namespace hub::adapter {

enum class MappingFailureKind {
    Malformed,        // not well-formed, not UTF-8, a DOCTYPE, too deep or too large
    SchemaInvalid,    // well-formed but not valid against the department's schema
    UnmappedOutcome,  // a status word the outcomeMap does not know
    MissingField,     // no status word at all (e.g. a SOAP fault), or an ISSUED
                      // message without certificate number or issue date
};

// "MALFORMED", "SCHEMA_INVALID", "UNMAPPED_OUTCOME", "MISSING_FIELD".
std::string_view toString(MappingFailureKind kind);

struct MappingFailure {
    MappingFailureKind kind = MappingFailureKind::Malformed;
    std::string message;           // one line naming the department
    core::ValidationErrors errors; // Malformed and SchemaInvalid: every error found
    // UnmappedOutcome: the department's word; MissingField: the mapping key
    // ("outcome", "certificateNumber", "issuedOn").
    std::string subject;
};

// Exactly one of event and failure is set.
struct MappingResult {
    std::optional<DepartmentEvent> event;
    std::optional<MappingFailure> failure;
    bool ok() const { return event.has_value(); }
};

// Department messages larger than this are Malformed without being parsed.
inline constexpr std::size_t kMaxDepartmentMessageBytes = 8 * 1024 * 1024;

// Reads one department message (a synchronous answer, a callback or a poll
// result): safe parsing (no network, no DTD, depth limit), validation against
// the department's schema, then the department's mapping XPaths. Scalar
// fields take the first non-empty value selected, every selected node of
// `reasons` is one reason, a multi-valued output keeps every value. Pure and
// thread-safe; never throws for bad input.
MappingResult mapDepartmentMessage(const DepartmentAdapter& department, std::string_view bytes);

}  // namespace hub::adapter
