#pragma once

#include <string>

namespace hub::http {

// True when the Accept header prefers XML (application/xml, text/xml or
// application/problem+xml) over JSON; JSON is the default.
bool prefersXml(const std::string& acceptHeader);

// Converts a JSON body (as produced by the service layer) to XML with the given
// root element. Object keys become elements; arrays repeat a child named after
// the singular of their key ("permits" -> "permit"); null values are omitted.
// Throws std::runtime_error when `json` is not valid JSON (a defect upstream).
std::string jsonToXml(const std::string& json, const std::string& rootElement, const std::string& xmlNamespace);

}  // namespace hub::http
