#include "xml/error_capture.h"

#include <libxml/globals.h>
#include <libxml/tree.h>

#include "xml/document.h"

namespace hub::xml::detail {

namespace {

void discardGenericError(void*, const char*, ...) {}

}  // namespace

ErrorCapture::ErrorCapture()
    : previousStructured_(xmlStructuredError),
      previousStructuredContext_(xmlStructuredErrorContext),
      previousGeneric_(xmlGenericError),
      previousGenericContext_(xmlGenericErrorContext) {
    xmlSetStructuredErrorFunc(this, &ErrorCapture::onStructuredError);
    xmlSetGenericErrorFunc(nullptr, &discardGenericError);
}

ErrorCapture::~ErrorCapture() {
    xmlSetStructuredErrorFunc(previousStructuredContext_, previousStructured_);
    xmlSetGenericErrorFunc(previousGenericContext_, previousGeneric_);
}

void ErrorCapture::onStructuredError(void* self, xmlErrorPtr error) {
    if (self != nullptr && error != nullptr) {
        static_cast<ErrorCapture*>(self)->add(*error);
    }
}

void ErrorCapture::add(const xmlError& error) {
    if (error.level < XML_ERR_ERROR) {
        return;
    }
    CapturedError captured;
    captured.domain = error.domain;
    captured.code = error.code;
    captured.fatal = error.level == XML_ERR_FATAL;
    captured.message = cleanMessage(error.message);
    captured.line = error.line;
    if (error.node != nullptr) {
        auto* node = static_cast<const xmlNode*>(error.node);
        if (node->type == XML_ELEMENT_NODE || node->type == XML_ATTRIBUTE_NODE) {
            captured.path = nodePath(node);
            long line = xmlGetLineNo(node->type == XML_ATTRIBUTE_NODE ? node->parent : node);
            if (line > 0) {
                captured.line = static_cast<int>(line);
            }
        }
    }
    errors_.push_back(std::move(captured));
}

std::string cleanMessage(const char* message) {
    std::string out;
    if (message == nullptr) {
        return out;
    }
    bool pendingSpace = false;
    for (const char* p = message; *p != '\0'; ++p) {
        char c = *p;
        if (c == '{') {
            // "{urn:...}Name" is a namespace-qualified name; "{6}" in a pattern is not.
            const char* close = p + 1;
            bool sawColon = false;
            while (*close != '\0' && *close != '}' && *close != '\'' && *close != ' ') {
                sawColon = sawColon || *close == ':';
                ++close;
            }
            if (*close == '}' && sawColon) {
                p = close;
                continue;
            }
        }
        if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
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

}  // namespace hub::xml::detail
