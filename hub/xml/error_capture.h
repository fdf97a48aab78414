#pragma once

#include <string>
#include <vector>

#include <libxml/xmlerror.h>

// Internal to hub/xml: includes libxml2 headers, never included by callers.
namespace hub::xml::detail {

struct CapturedError {
    int domain = 0;
    int code = 0;
    bool fatal = false;
    std::string message;  // cleaned: one line, no trailing newline, no "{namespace}" prefixes
    int line = 0;
    std::string path;     // of the node libxml2 named, or empty
};

// Routes every libxml2 error raised on the current thread to this object for
// its lifetime (thread-local handlers: no state shared between threads), and
// restores the previous handlers on destruction. Warnings are dropped.
class ErrorCapture {
  public:
    ErrorCapture();
    ~ErrorCapture();
    ErrorCapture(const ErrorCapture&) = delete;
    ErrorCapture& operator=(const ErrorCapture&) = delete;

    const std::vector<CapturedError>& errors() const { return errors_; }
    void add(const xmlError& error);

    static void onStructuredError(void* self, xmlErrorPtr error);

  private:
    std::vector<CapturedError> errors_;
    xmlStructuredErrorFunc previousStructured_;
    void* previousStructuredContext_;
    xmlGenericErrorFunc previousGeneric_;
    void* previousGenericContext_;
};

// libxml2 messages made readable: trimmed, whitespace collapsed, and
// "{urn:...}Name" shortened to "Name".
std::string cleanMessage(const char* message);

}  // namespace hub::xml::detail
