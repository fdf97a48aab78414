#include "xml/stylesheet.h"

#include <cstdarg>
#include <cstdio>
#include <filesystem>
#include <mutex>

#include <libxml/tree.h>
#include <libxslt/security.h>
#include <libxslt/transform.h>
#include <libxslt/variables.h>
#include <libxslt/xslt.h>
#include <libxslt/xsltInternals.h>
#include <libxslt/xsltutils.h>

#include "xml/error_capture.h"
#include "xml/package_reader.h"

namespace hub::xml {

namespace {

const xmlChar* xmlChars(const char* s) { return reinterpret_cast<const xmlChar*>(s); }

// Collects what libxslt reports, which arrives as printf-style fragments that
// form lines ("runtime error: file … line 12 element message\n", then the
// message text). Blank lines are dropped.
class DiagnosticSink {
  public:
    void append(const char* text) {
        for (const char* p = text; *p != '\0'; ++p) {
            if (*p == '\n') {
                flush();
            } else {
                pending_.push_back(*p);
            }
        }
    }

    void add(std::string line) {
        flush();
        if (!line.empty()) {
            lines_.push_back(std::move(line));
        }
    }

    std::vector<std::string> take() {
        flush();
        return std::move(lines_);
    }

    bool empty() const { return lines_.empty() && detail::cleanMessage(pending_.c_str()).empty(); }

  private:
    void flush() {
        std::string line = detail::cleanMessage(pending_.c_str());
        pending_.clear();
        if (!line.empty()) {
            lines_.push_back(std::move(line));
        }
    }

    std::string pending_;
    std::vector<std::string> lines_;
};

thread_local DiagnosticSink* currentSink = nullptr;

void appendFormatted(DiagnosticSink* sink, const char* format, va_list arguments) {
    if (sink == nullptr || format == nullptr) {
        return;
    }
    char buffer[2048];
    std::vsnprintf(buffer, sizeof buffer, format, arguments);
    sink->append(buffer);
}

// libxslt's process-wide generic error channel (used while compiling and by
// code paths without a transformation context): routed to the sink of the
// calling thread, or dropped when the thread has none.
void routeGenericError(void*, const char* format, ...) {
    va_list arguments;
    va_start(arguments, format);
    appendFormatted(currentSink, format, arguments);
    va_end(arguments);
}

void routeTransformError(void* sink, const char* format, ...) {
    va_list arguments;
    va_start(arguments, format);
    appendFormatted(static_cast<DiagnosticSink*>(sink), format, arguments);
    va_end(arguments);
}

// Makes `sink` the calling thread's target of libxslt's generic channel.
class SinkScope {
  public:
    explicit SinkScope(DiagnosticSink& sink) : previous_(currentSink) { currentSink = &sink; }
    ~SinkScope() { currentSink = previous_; }
    SinkScope(const SinkScope&) = delete;
    SinkScope& operator=(const SinkScope&) = delete;

  private:
    DiagnosticSink* previous_;
};

struct SecurityPrefsDeleter {
    void operator()(xsltSecurityPrefs* prefs) const noexcept { xsltFreeSecurityPrefs(prefs); }
};

xsltSecurityPrefs* securityPrefs() {
    static std::unique_ptr<xsltSecurityPrefs, SecurityPrefsDeleter> prefs = [] {
        std::unique_ptr<xsltSecurityPrefs, SecurityPrefsDeleter> p(xsltNewSecurityPrefs());
        if (!p || xsltSetSecurityPrefs(p.get(), XSLT_SECPREF_READ_NETWORK, xsltSecurityForbid) != 0 ||
            xsltSetSecurityPrefs(p.get(), XSLT_SECPREF_WRITE_NETWORK, xsltSecurityForbid) != 0 ||
            xsltSetSecurityPrefs(p.get(), XSLT_SECPREF_WRITE_FILE, xsltSecurityForbid) != 0 ||
            xsltSetSecurityPrefs(p.get(), XSLT_SECPREF_CREATE_DIRECTORY, xsltSecurityForbid) != 0) {
            throw XmlError("xml: cannot create XSLT security preferences");
        }
        return p;
    }();
    return prefs.get();
}

void initializeXslt() {
    static std::once_flag once;
    std::call_once(once, [] {
        initialize();
        xsltInit();
        xsltSetGenericErrorFunc(nullptr, &routeGenericError);
        xsltSetDefaultSecurityPrefs(securityPrefs());
    });
}

struct StylesheetDeleter {
    void operator()(xsltStylesheet* style) const noexcept { xsltFreeStylesheet(style); }
};

struct TransformContextDeleter {
    void operator()(xsltTransformContext* ctxt) const noexcept { xsltFreeTransformContext(ctxt); }
};
using TransformContext = std::unique_ptr<xsltTransformContext, TransformContextDeleter>;

struct DocDeleter {
    void operator()(xmlDoc* doc) const noexcept { xmlFreeDoc(doc); }
};
using OwnedDoc = std::unique_ptr<xmlDoc, DocDeleter>;

struct XmlCharDeleter {
    void operator()(xmlChar* p) const noexcept { xmlFree(p); }
};

std::string joined(const std::vector<std::string>& lines) {
    std::string text;
    for (const auto& line : lines) {
        text += text.empty() ? "" : "; ";
        text += line;
    }
    return text;
}

void addCaptured(DiagnosticSink& sink, const detail::ErrorCapture& capture) {
    for (const auto& e : capture.errors()) {
        sink.add(e.line > 0 ? e.message + " (line " + std::to_string(e.line) + ")" : e.message);
    }
}

}  // namespace

TransformError::TransformError(const std::string& file, std::vector<std::string> diagnostics)
    : XmlError(file + ": transformation failed: " +
               (diagnostics.empty() ? std::string("no result document") : joined(diagnostics))),
      file_(file),
      diagnostics_(std::move(diagnostics)) {}

struct Stylesheet::Impl {
    std::unique_ptr<xsltStylesheet, StylesheetDeleter> style;
};

Stylesheet::Stylesheet(const std::string& xslFile) : file_(xslFile), impl_(std::make_unique<Impl>()) {
    initializeXslt();
    std::error_code ec;
    if (!std::filesystem::is_regular_file(xslFile, ec)) {
        throw XmlSetupError(xslFile + ": stylesheet file not found");
    }
    DiagnosticSink sink;
    {
        SinkScope scope(sink);
        detail::ErrorCapture capture;
        impl_->style.reset(xsltParseStylesheetFile(xmlChars(xslFile.c_str())));
        addCaptured(sink, capture);
    }
    std::vector<std::string> diagnostics = sink.take();
    if (!impl_->style || impl_->style->errors != 0) {
        throw XmlSetupError(xslFile + ": invalid stylesheet: " +
                            (diagnostics.empty() ? std::string("does not compile") : joined(diagnostics)));
    }
}

Stylesheet::~Stylesheet() = default;
Stylesheet::Stylesheet(Stylesheet&&) noexcept = default;
Stylesheet& Stylesheet::operator=(Stylesheet&&) noexcept = default;

Document Stylesheet::apply(const Document& input, const StylesheetParameters& parameters) const {
    // libxslt edits its source tree (xsl:strip-space removes text nodes, node
    // ordering is cached in the nodes): each call works on its own copy so
    // that one input can be transformed from several threads at once.
    OwnedDoc source(xmlCopyDoc(input.native(), 1));
    if (!source) {
        throw XmlError("xml: cannot copy the input document of " + file_);
    }
    DiagnosticSink sink;
    OwnedDoc result;
    bool stopped = false;
    {
        SinkScope scope(sink);
        detail::ErrorCapture capture;
        TransformContext context(xsltNewTransformContext(impl_->style.get(), source.get()));
        if (!context) {
            throw XmlError("xml: cannot create a transformation context for " + file_);
        }
        xsltSetTransformErrorFunc(context.get(), &sink, &routeTransformError);
        if (xsltSetCtxtSecurityPrefs(securityPrefs(), context.get()) != 0) {
            throw XmlError("xml: cannot set XSLT security preferences for " + file_);
        }
        for (const auto& [name, value] : parameters) {
            if (xsltQuoteOneUserParam(context.get(), xmlChars(name.c_str()), xmlChars(value.c_str())) != 0) {
                sink.add("cannot set parameter " + name);
            }
        }
        if (sink.empty()) {
            result.reset(xsltApplyStylesheetUser(impl_->style.get(), source.get(), nullptr, nullptr, nullptr,
                                                 context.get()));
        }
        stopped = context->state != XSLT_STATE_OK;
        addCaptured(sink, capture);
    }
    std::vector<std::string> diagnostics = sink.take();
    if (!result || stopped || !diagnostics.empty() || xmlDocGetRootElement(result.get()) == nullptr) {
        if (diagnostics.empty() && result && xmlDocGetRootElement(result.get()) == nullptr) {
            diagnostics.push_back("the result has no root element");
        }
        throw TransformError(file_, std::move(diagnostics));
    }
    return Document::adopt(result.release());
}

std::string Stylesheet::serialize(const Document& result) const {
    xmlChar* buffer = nullptr;
    int size = 0;
    if (xsltSaveResultToString(&buffer, &size, result.native(), impl_->style.get()) != 0) {
        throw XmlError("xml: cannot serialise the result of " + file_);
    }
    std::unique_ptr<xmlChar, XmlCharDeleter> owned(buffer);
    if (!owned) {
        return {};
    }
    return std::string(reinterpret_cast<const char*>(owned.get()), static_cast<std::size_t>(size));
}

}  // namespace hub::xml
