#include "xml/document.h"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstring>
#include <mutex>

#include <libxml/c14n.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <libxml/xmlIO.h>
#include <libxml/xmlsave.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "xml/error_capture.h"

namespace hub::xml {

namespace {

xmlExternalEntityLoader defaultEntityLoader = nullptr;

// Installed process-wide: whatever asks libxml2 for an external resource
// (a DTD, an entity, a schema include, later an XSLT document()) gets local
// files only, never the network.
xmlParserInputPtr localFilesOnlyLoader(const char* url, const char* id, xmlParserCtxtPtr ctxt) {
    if (url != nullptr) {
        std::string_view u(url);
        auto scheme = u.find("://");
        if (scheme != std::string_view::npos && u.substr(0, scheme) != "file") {
            return nullptr;
        }
    }
    return defaultEntityLoader(url, id, ctxt);
}

const char* chars(const xmlChar* s) { return reinterpret_cast<const char*>(s); }
const xmlChar* xmlChars(const char* s) { return reinterpret_cast<const xmlChar*>(s); }

struct XmlCharDeleter {
    void operator()(xmlChar* p) const noexcept { xmlFree(p); }
};
using XmlString = std::unique_ptr<xmlChar, XmlCharDeleter>;

struct ParserContextDeleter {
    void operator()(xmlParserCtxt* ctxt) const noexcept {
        if (ctxt->myDoc != nullptr) {
            xmlFreeDoc(ctxt->myDoc);
            ctxt->myDoc = nullptr;
        }
        xmlFreeParserCtxt(ctxt);
    }
};
using ParserContext = std::unique_ptr<xmlParserCtxt, ParserContextDeleter>;

struct XPathContextDeleter {
    void operator()(xmlXPathContext* ctxt) const noexcept { xmlXPathFreeContext(ctxt); }
};
using XPathContext = std::unique_ptr<xmlXPathContext, XPathContextDeleter>;

struct XPathObjectDeleter {
    void operator()(xmlXPathObject* object) const noexcept { xmlXPathFreeObject(object); }
};
using XPathObject = std::unique_ptr<xmlXPathObject, XPathObjectDeleter>;

bool sameElementName(const xmlNode* a, const xmlNode* b) {
    if (a->type != XML_ELEMENT_NODE || b->type != XML_ELEMENT_NODE) {
        return false;
    }
    if (!xmlStrEqual(a->name, b->name)) {
        return false;
    }
    const xmlChar* nsA = a->ns != nullptr ? a->ns->href : nullptr;
    const xmlChar* nsB = b->ns != nullptr ? b->ns->href : nullptr;
    return xmlStrEqual(nsA, nsB) != 0 || (nsA == nullptr && nsB == nullptr);
}

std::string elementStep(const xmlNode* node) {
    std::string step = chars(node->name);
    int index = 1;
    bool repeated = false;
    for (const xmlNode* s = node->prev; s != nullptr; s = s->prev) {
        if (sameElementName(s, node)) {
            ++index;
            repeated = true;
        }
    }
    for (const xmlNode* s = node->next; s != nullptr && !repeated; s = s->next) {
        repeated = sameElementName(s, node);
    }
    if (repeated) {
        step += "[" + std::to_string(index) + "]";
    }
    return step;
}

// Per-parse state reached from the SAX hooks through ctxt->_private.
struct SafeParseState {
    int maxDepth = 0;
    int depth = 0;
    bool doctype = false;
    bool tooDeep = false;
    int stopLine = 0;
    startElementNsSAX2Func startElement = nullptr;
    endElementNsSAX2Func endElement = nullptr;
};

SafeParseState& stateOf(void* ctx) {
    auto* ctxt = static_cast<xmlParserCtxtPtr>(ctx);
    return *static_cast<SafeParseState*>(ctxt->_private);
}

int currentLine(void* ctx) {
    auto* ctxt = static_cast<xmlParserCtxtPtr>(ctx);
    return ctxt->input != nullptr ? ctxt->input->line : 0;
}

// Any <!DOCTYPE>: stop before the internal subset's declarations are read, so
// no entity is ever declared, let alone expanded or fetched.
void refuseDoctype(void* ctx, const xmlChar*, const xmlChar*, const xmlChar*) {
    auto& state = stateOf(ctx);
    state.doctype = true;
    state.stopLine = currentLine(ctx);
    xmlStopParser(static_cast<xmlParserCtxtPtr>(ctx));
}

void limitDepthStart(void* ctx, const xmlChar* localname, const xmlChar* prefix, const xmlChar* uri,
                     int nbNamespaces, const xmlChar** namespaces, int nbAttributes, int nbDefaulted,
                     const xmlChar** attributes) {
    auto& state = stateOf(ctx);
    if (++state.depth > state.maxDepth) {
        state.tooDeep = true;
        state.stopLine = currentLine(ctx);
        xmlStopParser(static_cast<xmlParserCtxtPtr>(ctx));
        return;
    }
    state.startElement(ctx, localname, prefix, uri, nbNamespaces, namespaces, nbAttributes, nbDefaulted,
                       attributes);
}

void limitDepthEnd(void* ctx, const xmlChar* localname, const xmlChar* prefix, const xmlChar* uri) {
    auto& state = stateOf(ctx);
    --state.depth;
    state.endElement(ctx, localname, prefix, uri);
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i] >= 'a' && a[i] <= 'z' ? static_cast<char>(a[i] - 'a' + 'A') : a[i];
        char y = b[i] >= 'a' && b[i] <= 'z' ? static_cast<char>(b[i] - 'a' + 'A') : b[i];
        if (x != y) {
            return false;
        }
    }
    return true;
}

// Packages must be UTF-8: a UTF-16/32 byte order mark, NUL bytes in the first
// characters, or an XML declaration naming another encoding are refused before
// libxml2 would transcode (and so silently believe a lying declaration).
std::optional<std::string> nonUtf8Reason(std::string_view bytes) {
    auto startsWith = [&](std::string_view prefix) { return bytes.substr(0, prefix.size()) == prefix; };
    if (startsWith("\xFE\xFF") || startsWith("\xFF\xFE")) {
        return "the package must be UTF-8 encoded (found a UTF-16 or UTF-32 byte order mark)";
    }
    if (bytes.substr(0, 4).find('\0') != std::string_view::npos) {
        return "the package must be UTF-8 encoded (found NUL bytes at the start)";
    }
    if (startsWith("\xEF\xBB\xBF")) {
        bytes.remove_prefix(3);
    }
    if (bytes.substr(0, 5) != "<?xml") {
        return std::nullopt;
    }
    std::string_view declaration = bytes.substr(0, bytes.find("?>"));
    auto at = declaration.find("encoding");
    if (at == std::string_view::npos) {
        return std::nullopt;
    }
    std::size_t i = at + 8;
    auto skipSpace = [&] {
        while (i < declaration.size() && (declaration[i] == ' ' || declaration[i] == '\t' ||
                                          declaration[i] == '\r' || declaration[i] == '\n')) {
            ++i;
        }
    };
    skipSpace();
    if (i >= declaration.size() || declaration[i] != '=') {
        return std::nullopt;  // not well-formed: libxml2 reports it
    }
    ++i;
    skipSpace();
    if (i >= declaration.size() || (declaration[i] != '"' && declaration[i] != '\'')) {
        return std::nullopt;
    }
    char quote = declaration[i++];
    auto end = declaration.find(quote, i);
    if (end == std::string_view::npos) {
        return std::nullopt;
    }
    std::string_view name = declaration.substr(i, end - i);
    if (equalsIgnoreCase(name, "UTF-8") || equalsIgnoreCase(name, "UTF8")) {
        return std::nullopt;
    }
    return "the package must be UTF-8 encoded (the XML declaration names " + std::string(name) + ")";
}

// libxml2 checks the uniqueness of an element's attributes and namespace
// declarations pairwise: 200,000 of them (2 MB) keep a thread busy for
// minutes. The formats the hub reads need a handful; elements with more than
// this are refused before libxml2 sees them.
constexpr std::size_t kMaxAttributesPerElement = 256;

int lineAt(std::string_view bytes, std::size_t offset) {
    return 1 + static_cast<int>(std::count(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

struct Refusal {
    ParseFailure failure;
    std::string_view code;
    std::string message;
    int line;
};

// The offset of the first byte that does not start a well-formed UTF-8
// sequence (RFC 3629: no overlong forms, no surrogates, nothing above
// U+10FFFF, nothing truncated), or of the first NUL byte.
std::optional<std::size_t> firstBadByte(std::string_view bytes) {
    const auto* b = reinterpret_cast<const unsigned char*>(bytes.data());
    const std::size_t size = bytes.size();
    for (std::size_t i = 0; i < size;) {
        const unsigned char c = b[i];
        if (c == 0) {
            return i;
        }
        if (c < 0x80) {
            ++i;
            continue;
        }
        std::size_t more = 0;
        std::uint32_t codePoint = 0;
        if (c >= 0xC2 && c <= 0xDF) {
            more = 1;
            codePoint = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            more = 2;
            codePoint = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            more = 3;
            codePoint = c & 0x07;
        } else {
            return i;
        }
        if (size - i <= more) {
            return i;
        }
        for (std::size_t k = 1; k <= more; ++k) {
            if ((b[i + k] & 0xC0) != 0x80) {
                return i;
            }
            codePoint = (codePoint << 6) | (b[i + k] & 0x3F);
        }
        if ((more == 2 && codePoint < 0x800) || (more == 3 && (codePoint < 0x10000 || codePoint > 0x10FFFF)) ||
            (codePoint >= 0xD800 && codePoint <= 0xDFFF)) {
            return i;
        }
        i += more + 1;
    }
    return std::nullopt;
}

// The start of the first start tag with more than kMaxAttributesPerElement
// attributes. Comments, CDATA sections, processing instructions and quoted
// values are skipped; anything else malformed is left to libxml2.
std::optional<std::size_t> firstCrowdedStartTag(std::string_view bytes) {
    const auto skipPast = [&](std::size_t from, std::string_view end) {
        const auto at = bytes.find(end, from);
        return at == std::string_view::npos ? bytes.size() : at + end.size();
    };
    std::size_t i = 0;
    while (i < bytes.size()) {
        const std::size_t open = bytes.find('<', i);
        if (open == std::string_view::npos) {
            break;
        }
        const std::string_view rest = bytes.substr(open);
        if (rest.substr(0, 4) == "<!--") {
            i = skipPast(open + 4, "-->");
        } else if (rest.substr(0, 9) == "<![CDATA[") {
            i = skipPast(open + 9, "]]>");
        } else if (rest.substr(0, 2) == "<?") {
            i = skipPast(open + 2, "?>");
        } else if (rest.substr(0, 2) == "<!" || rest.substr(0, 2) == "</") {
            i = open + 2;
        } else {
            std::size_t attributes = 0;
            char quote = 0;
            std::size_t j = open + 1;
            for (; j < bytes.size(); ++j) {
                const char c = bytes[j];
                if (quote != 0) {
                    quote = c == quote ? 0 : quote;
                } else if (c == '"' || c == '\'') {
                    quote = c;
                } else if (c == '=') {
                    if (++attributes > kMaxAttributesPerElement) {
                        return open;
                    }
                } else if (c == '>' || c == '<') {
                    break;
                }
            }
            i = j;
        }
    }
    return std::nullopt;
}

// What libxml2 would mishandle or judge imprecisely, found in one linear pass
// over the raw bytes before it parses them.
std::optional<Refusal> screenBytes(std::string_view bytes) {
    if (auto bad = firstBadByte(bytes)) {
        const int line = lineAt(bytes, *bad);
        if (bytes[*bad] == '\0') {
            return Refusal{ParseFailure::Malformed, kXmlMalformed,
                           "the document contains a NUL byte (line " + std::to_string(line) +
                               "), which XML does not allow",
                           line};
        }
        return Refusal{ParseFailure::Encoding, kXmlEncoding,
                       "the document is not valid UTF-8: a malformed byte sequence at line " + std::to_string(line),
                       line};
    }
    if (auto crowded = firstCrowdedStartTag(bytes)) {
        const int line = lineAt(bytes, *crowded);
        return Refusal{ParseFailure::Malformed, kXmlMalformed,
                       "an element has more than " + std::to_string(kMaxAttributesPerElement) +
                           " attributes and namespace declarations (line " + std::to_string(line) + ")",
                       line};
    }
    return std::nullopt;
}

// XML 1.0 §2.11: CRLF and a lone CR are read as LF. Done before libxml2,
// which otherwise hands text over in pieces cut at every CR and then applies
// its 10,000,000-byte limit to the node it assembles: a base64 attachment of
// 8 MB wrapped with CRLF would be refused where the same wrapped with LF
// passes. The result is the same document; line numbers are unchanged.
std::string withLineEndsNormalized(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size());
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (bytes[i] != '\r') {
            out.push_back(bytes[i]);
        } else if (i + 1 >= bytes.size() || bytes[i + 1] != '\n') {
            out.push_back('\n');
        }
    }
    return out;
}

// libxml2's own size limits, reported in its words ("huge text node"), named
// plainly.
std::string plainMessage(const detail::CapturedError& e) {
    if (e.message.find("huge text node") != std::string::npos ||
        e.message.find("AttValue length too long") != std::string::npos) {
        return "a text or attribute value is longer than the parser's limit of 10,000,000 bytes (" + e.message + ")";
    }
    return e.message;
}

bool isEncodingError(const detail::CapturedError& e) {
    return e.domain == XML_FROM_I18N || e.code == XML_ERR_INVALID_ENCODING || e.code == XML_ERR_UNKNOWN_ENCODING ||
           e.code == XML_ERR_UNSUPPORTED_ENCODING ||
           (e.code == XML_ERR_INVALID_CHAR && e.message.find("UTF-8") != std::string::npos);
}

bool isDepthError(const detail::CapturedError& e) {
    return e.message.find("Excessive depth") != std::string::npos;
}

ParseResult failed(ParseFailure failure, std::string_view code, std::string message, int line) {
    ParseResult result;
    result.failure = failure;
    result.errors.push_back({std::string(code), std::move(message), {"", line}});
    return result;
}

}  // namespace

void initialize() {
    static std::once_flag once;
    std::call_once(once, [] {
        xmlInitParser();
        defaultEntityLoader = xmlGetExternalEntityLoader();
        xmlSetExternalEntityLoader(&localFilesOnlyLoader);
    });
}

// Document

Document::Document(_xmlDoc* doc) : doc_(doc) {}
Document::Document(Document&&) noexcept = default;
Document& Document::operator=(Document&&) noexcept = default;
Document::~Document() = default;

void Document::Deleter::operator()(_xmlDoc* doc) const noexcept { xmlFreeDoc(doc); }

Document Document::adopt(_xmlDoc* doc) {
    if (doc == nullptr) {
        throw XmlError("xml: cannot adopt a null document");
    }
    return Document(doc);
}

Element Document::root() const {
    xmlNodePtr root = xmlDocGetRootElement(doc_.get());
    if (root == nullptr) {
        throw XmlError("xml: document has no root element");
    }
    return Element(root);
}

std::vector<Element> Document::select(std::string_view xpath, const Namespaces& namespaces) const {
    detail::ErrorCapture capture;
    XPathContext context(xmlXPathNewContext(doc_.get()));
    if (!context) {
        throw XmlError("xml: cannot create an XPath context");
    }
    for (const auto& [prefix, uri] : namespaces) {
        if (xmlXPathRegisterNs(context.get(), xmlChars(prefix.c_str()), xmlChars(uri.c_str())) != 0) {
            throw XmlError("xml: cannot register XPath namespace prefix " + prefix);
        }
    }
    std::string expression(xpath);
    XPathObject object(xmlXPathEvalExpression(xmlChars(expression.c_str()), context.get()));
    if (!object) {
        std::string reason = capture.errors().empty() ? "invalid expression" : capture.errors().front().message;
        throw XmlError("xml: XPath \"" + expression + "\": " + reason);
    }
    std::vector<Element> result;
    if (object->type == XPATH_NODESET && object->nodesetval != nullptr) {
        for (int i = 0; i < object->nodesetval->nodeNr; ++i) {
            xmlNodePtr node = object->nodesetval->nodeTab[i];
            if (node != nullptr && node->type == XML_ELEMENT_NODE) {
                result.emplace_back(node);
            }
        }
    }
    return result;
}

std::vector<std::string> Document::evaluateStrings(std::string_view xpath, const Namespaces& namespaces) const {
    return XPathEvaluator(*this, namespaces).strings(xpath);
}

struct XPathEvaluator::Context {
    XPathContext context;
};

XPathEvaluator::XPathEvaluator(const Document& document, const Namespaces& namespaces)
    : context_(std::make_unique<Context>()) {
    context_->context.reset(xmlXPathNewContext(document.native()));
    if (!context_->context) {
        throw XmlError("xml: cannot create an XPath context");
    }
    for (const auto& [prefix, uri] : namespaces) {
        if (xmlXPathRegisterNs(context_->context.get(), xmlChars(prefix.c_str()), xmlChars(uri.c_str())) != 0) {
            throw XmlError("xml: cannot register XPath namespace prefix " + prefix);
        }
    }
}

XPathEvaluator::~XPathEvaluator() = default;

std::vector<std::string> XPathEvaluator::strings(std::string_view xpath) const {
    detail::ErrorCapture capture;
    xmlXPathContext* context = context_->context.get();
    // Every expression starts from the state of a fresh context.
    context->node = nullptr;
    context->contextSize = -1;
    context->proximityPosition = -1;
    std::string expression(xpath);
    XPathObject object(xmlXPathEvalExpression(xmlChars(expression.c_str()), context));
    if (!object || !capture.errors().empty()) {
        std::string reason = capture.errors().empty() ? "invalid expression" : capture.errors().front().message;
        throw XmlError("xml: XPath \"" + expression + "\": " + reason);
    }
    std::vector<std::string> values;
    if (object->type == XPATH_NODESET || object->type == XPATH_XSLT_TREE) {
        if (object->nodesetval != nullptr) {
            for (int i = 0; i < object->nodesetval->nodeNr; ++i) {
                XmlString value(xmlXPathCastNodeToString(object->nodesetval->nodeTab[i]));
                values.emplace_back(value ? chars(value.get()) : "");
            }
        }
        return values;
    }
    XmlString value(xmlXPathCastToString(object.get()));
    values.emplace_back(value ? chars(value.get()) : "");
    return values;
}

Document Document::create(std::string_view rootLocalName, std::string_view namespaceUri) {
    initialize();
    Document document(xmlNewDoc(xmlChars("1.0")));
    if (!document.doc_) {
        throw XmlError("xml: cannot create a document");
    }
    std::string name(rootLocalName);
    xmlNodePtr root = xmlNewDocNode(document.doc_.get(), nullptr, xmlChars(name.c_str()), nullptr);
    if (root == nullptr) {
        throw XmlError("xml: cannot create element " + name);
    }
    xmlDocSetRootElement(document.doc_.get(), root);
    if (!namespaceUri.empty()) {
        std::string uri(namespaceUri);
        xmlNsPtr ns = xmlNewNs(root, xmlChars(uri.c_str()), nullptr);
        if (ns == nullptr) {
            throw XmlError("xml: cannot declare namespace " + uri);
        }
        xmlSetNs(root, ns);
    }
    return document;
}

Document Document::copy() const {
    xmlDocPtr copied = xmlCopyDoc(doc_.get(), 1);
    if (copied == nullptr) {
        throw XmlError("xml: cannot copy document");
    }
    return Document(copied);
}

std::string Document::serialize() const {
    xmlChar* buffer = nullptr;
    int size = 0;
    xmlDocDumpMemoryEnc(doc_.get(), &buffer, &size, "UTF-8");
    XmlString owned(buffer);
    if (!owned) {
        throw XmlError("xml: cannot serialise document");
    }
    return std::string(chars(owned.get()), static_cast<std::size_t>(size));
}

// Element

std::string_view Element::localName() const { return chars(node_->name); }

std::string_view Element::namespaceUri() const {
    return node_->ns != nullptr && node_->ns->href != nullptr ? chars(node_->ns->href) : std::string_view{};
}

std::string Element::text() const {
    XmlString content(xmlNodeGetContent(node_));
    return content ? std::string(chars(content.get())) : std::string();
}

int Element::line() const {
    long line = xmlGetLineNo(node_);
    return line > 0 && line <= INT_MAX ? static_cast<int>(line) : 0;
}

std::string Element::path() const { return nodePath(node_); }

std::vector<Element> Element::children() const {
    std::vector<Element> result;
    for (xmlNodePtr c = node_->children; c != nullptr; c = c->next) {
        if (c->type == XML_ELEMENT_NODE) {
            result.emplace_back(c);
        }
    }
    return result;
}

std::vector<Element> Element::children(std::string_view localName) const {
    std::vector<Element> result;
    for (xmlNodePtr c = node_->children; c != nullptr; c = c->next) {
        if (c->type == XML_ELEMENT_NODE && localName == chars(c->name)) {
            result.emplace_back(c);
        }
    }
    return result;
}

std::optional<Element> Element::child(std::string_view localName) const {
    for (xmlNodePtr c = node_->children; c != nullptr; c = c->next) {
        if (c->type == XML_ELEMENT_NODE && localName == chars(c->name)) {
            return Element(c);
        }
    }
    return std::nullopt;
}

std::optional<std::string> Element::attribute(std::string_view name) const {
    std::string key(name);
    XmlString value(xmlGetNoNsProp(node_, xmlChars(key.c_str())));
    if (!value) {
        return std::nullopt;
    }
    return std::string(chars(value.get()));
}

Element Element::appendElement(std::string_view localName, std::string_view text) const {
    std::string name(localName);
    std::string content(text);
    xmlNodePtr child = xmlNewTextChild(node_, node_->ns, xmlChars(name.c_str()),
                                       text.empty() ? nullptr : xmlChars(content.c_str()));
    if (child == nullptr) {
        throw XmlError("xml: cannot append element " + name);
    }
    return Element(child);
}

void Element::setAttribute(std::string_view name, std::string_view value) const {
    std::string key(name);
    std::string content(value);
    // xmlSetProp escapes the value when it is serialised.
    if (xmlSetProp(node_, xmlChars(key.c_str()), xmlChars(content.c_str())) == nullptr) {
        throw XmlError("xml: cannot set attribute " + key);
    }
}

namespace {

// A copied element in no namespace placed under an element whose default
// namespace is not empty would be read back in that namespace once
// serialised: declare xmlns="" on it.
void keepOutOfDefaultNamespace(xmlNodePtr copied, xmlNodePtr parent) {
    if (copied->type != XML_ELEMENT_NODE || copied->ns != nullptr) {
        return;
    }
    xmlNsPtr inherited = xmlSearchNs(parent->doc, parent, nullptr);
    if (inherited == nullptr || inherited->href == nullptr || inherited->href[0] == '\0') {
        return;
    }
    for (xmlNsPtr ns = copied->nsDef; ns != nullptr; ns = ns->next) {
        if (ns->prefix == nullptr) {
            return;
        }
    }
    xmlNewNs(copied, xmlChars(""), nullptr);
}

xmlNodePtr appendCopyOf(xmlNodePtr parent, xmlNodePtr source) {
    xmlNodePtr copied = xmlDocCopyNode(source, parent->doc, 1);
    if (copied == nullptr) {
        throw XmlError("xml: cannot copy a node");
    }
    keepOutOfDefaultNamespace(copied, parent);
    // A text node may be merged into its preceding sibling (and freed): the
    // node that holds the content is returned.
    xmlNodePtr added = xmlAddChild(parent, copied);
    if (added == nullptr) {
        xmlFreeNode(copied);
        throw XmlError("xml: cannot append a copied node");
    }
    return added;
}

}  // namespace

Element Element::appendCopy(const Element& source) const { return Element(appendCopyOf(node_, source.native())); }

void Element::appendContentOf(const Element& source) const {
    for (xmlNodePtr child = source.native()->children; child != nullptr; child = child->next) {
        if (child->type == XML_ELEMENT_NODE || child->type == XML_TEXT_NODE || child->type == XML_CDATA_SECTION_NODE) {
            appendCopyOf(node_, child);
        }
    }
}

namespace {

void removeBlankText(xmlNodePtr node) {
    for (xmlNodePtr child = node->children; child != nullptr;) {
        xmlNodePtr next = child->next;
        if (child->type == XML_TEXT_NODE && xmlIsBlankNode(child)) {
            xmlUnlinkNode(child);
            xmlFreeNode(child);
        } else if (child->type == XML_ELEMENT_NODE) {
            removeBlankText(child);
        }
        child = next;
    }
}

}  // namespace

std::string canonicalize(const Document& document, bool ignoreBlankText) {
    Document copied = document.copy();
    if (ignoreBlankText) {
        removeBlankText(reinterpret_cast<xmlNodePtr>(copied.native()));
    }
    detail::ErrorCapture capture;
    xmlChar* buffer = nullptr;
    int size = xmlC14NDocDumpMemory(copied.native(), nullptr, XML_C14N_1_0, nullptr, 0, &buffer);
    XmlString owned(buffer);
    if (size < 0 || !owned) {
        throw XmlError("xml: cannot canonicalise document");
    }
    return std::string(chars(owned.get()), static_cast<std::size_t>(size));
}

std::optional<std::string> xpathSyntaxError(std::string_view xpath) {
    initialize();
    detail::ErrorCapture capture;
    std::string expression(xpath);
    xmlXPathCompExprPtr compiled = xmlXPathCompile(xmlChars(expression.c_str()));
    if (compiled != nullptr) {
        xmlXPathFreeCompExpr(compiled);
        return std::nullopt;
    }
    return capture.errors().empty() ? std::string("invalid expression") : capture.errors().front().message;
}

std::string nodePath(const _xmlNode* node) {
    std::string path;
    if (node != nullptr && node->type == XML_ATTRIBUTE_NODE) {
        path = "/@" + std::string(chars(node->name));
        node = node->parent;
    }
    for (; node != nullptr && node->type == XML_ELEMENT_NODE; node = node->parent) {
        path.insert(0, "/" + elementStep(node));
    }
    return path;
}

// Parsing

ParseResult parseSafely(std::string_view bytes, const ParseOptions& options) {
    initialize();
    if (bytes.empty()) {
        return failed(ParseFailure::Malformed, kXmlMalformed, "the document is empty", 0);
    }
    if (bytes.size() > static_cast<std::size_t>(INT_MAX)) {
        return failed(ParseFailure::Malformed, kXmlMalformed, "the document is too large to parse", 0);
    }
    if (auto reason = nonUtf8Reason(bytes)) {
        return failed(ParseFailure::Encoding, kXmlEncoding, *reason, 1);
    }
    if (auto refusal = screenBytes(bytes)) {
        return failed(refusal->failure, refusal->code, std::move(refusal->message), refusal->line);
    }
    std::string normalized;
    if (bytes.find('\r') != std::string_view::npos) {
        normalized = withLineEndsNormalized(bytes);
        bytes = normalized;
    }

    detail::ErrorCapture capture;
    ParserContext ctxt(xmlCreateMemoryParserCtxt(bytes.data(), static_cast<int>(bytes.size())));
    if (!ctxt) {
        throw XmlError("xml: cannot create a parser context");
    }
    // Deliberately absent: XML_PARSE_NOENT, XML_PARSE_DTDLOAD, XML_PARSE_DTDATTR,
    // XML_PARSE_DTDVALID, XML_PARSE_HUGE, XML_PARSE_XINCLUDE.
    xmlCtxtUseOptions(ctxt.get(), XML_PARSE_NONET | XML_PARSE_BIG_LINES | XML_PARSE_NOWARNING);

    SafeParseState state;
    state.maxDepth = options.maxDepth;
    state.startElement = ctxt->sax->startElementNs;
    state.endElement = ctxt->sax->endElementNs;
    ctxt->_private = &state;
    ctxt->sax->internalSubset = &refuseDoctype;
    ctxt->sax->startElementNs = &limitDepthStart;
    ctxt->sax->endElementNs = &limitDepthEnd;

    xmlParseDocument(ctxt.get());
    ctxt->_private = nullptr;

    std::optional<Document> document;
    if (ctxt->myDoc != nullptr) {
        document.emplace(Document::adopt(ctxt->myDoc));
        ctxt->myDoc = nullptr;
    }

    if (state.doctype) {
        return failed(ParseFailure::DoctypeForbidden, kXmlDtdForbidden,
                      "document type declarations (<!DOCTYPE>) are not accepted", state.stopLine);
    }
    const auto& errors = capture.errors();
    bool libxmlDepthLimit = false;
    for (const auto& e : errors) {
        libxmlDepthLimit = libxmlDepthLimit || isDepthError(e);
    }
    if (state.tooDeep || libxmlDepthLimit) {
        return failed(ParseFailure::TooDeep, kXmlTooDeep,
                      "elements are nested deeper than " + std::to_string(options.maxDepth) + " levels",
                      state.stopLine);
    }

    bool wellFormed = ctxt->wellFormed != 0 && ctxt->nsWellFormed != 0 && errors.empty() && document &&
                      xmlDocGetRootElement(document->native()) != nullptr;
    if (wellFormed) {
        ParseResult result;
        result.document = std::move(document);
        return result;
    }

    ParseResult result;
    result.failure = ParseFailure::Malformed;
    for (const auto& e : errors) {
        if (isEncodingError(e)) {
            result.failure = ParseFailure::Encoding;
        }
    }
    for (const auto& e : errors) {
        std::string code(isEncodingError(e) ? kXmlEncoding : kXmlMalformed);
        result.errors.push_back({std::move(code), plainMessage(e), {e.path, e.line}});
    }
    if (result.errors.empty()) {
        result.errors.push_back({std::string(kXmlMalformed), "the document is not well-formed XML", {"", 0}});
    }
    return result;
}

}  // namespace hub::xml
