#pragma once

#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostics.h"

// Opaque libxml2 types: callers never include libxml2 headers.
struct _xmlDoc;
struct _xmlNode;

namespace hub::xml {

// Stable codes of the parsing stage (also ValidationError::code).
inline constexpr std::string_view kXmlMalformed = "XML_MALFORMED";
inline constexpr std::string_view kXmlEncoding = "XML_ENCODING";
inline constexpr std::string_view kXmlDtdForbidden = "XML_DTD_FORBIDDEN";
inline constexpr std::string_view kXmlTooDeep = "XML_TOO_DEEP";

// A programming or infrastructure failure inside the XML layer (e.g. an
// XPath expression that does not compile, libxml2 out of memory).
class XmlError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Initialises libxml2 once per process and installs an entity loader that
// refuses every non-file URL. Idempotent and thread-safe; every entry point of
// this layer calls it, so calling it from main() is optional.
void initialize();

class Element;

// prefix -> namespace URI, for XPath expressions.
using Namespaces = std::map<std::string, std::string, std::less<>>;

// An owned, parsed XML document. Move-only. Not safe for concurrent mutation;
// concurrent reads of one Document are safe.
class Document {
  public:
    Document(Document&&) noexcept;
    Document& operator=(Document&&) noexcept;
    ~Document();

    Element root() const;

    // Elements selected by an XPath 1.0 expression (non-element nodes are
    // skipped). Throws XmlError when the expression does not compile.
    std::vector<Element> select(std::string_view xpath, const Namespaces& namespaces = {}) const;

    // The string value of every node an XPath 1.0 expression selects
    // (elements, attributes, text), in document order; a string, number or
    // boolean result gives one value. Throws XmlError when the expression does
    // not compile or uses an unbound prefix.
    std::vector<std::string> evaluateStrings(std::string_view xpath, const Namespaces& namespaces = {}) const;

    // The document serialised as UTF-8 with an XML declaration.
    std::string serialize() const;

    // A new document holding only a root element in `namespaceUri` (no
    // namespace when empty), declared as the default namespace.
    static Document create(std::string_view rootLocalName, std::string_view namespaceUri);

    // An independent deep copy.
    Document copy() const;

    // For the XML layer's own implementation files only (schema, XSLT).
    _xmlDoc* native() const { return doc_.get(); }
    // Takes ownership of a document produced inside the XML layer.
    static Document adopt(_xmlDoc* doc);

  private:
    struct Deleter {
        void operator()(_xmlDoc* doc) const noexcept;
    };
    explicit Document(_xmlDoc* doc);
    std::unique_ptr<_xmlDoc, Deleter> doc_;
};

// Evaluates several XPath expressions over one document with one XPath
// context (namespaces registered once), instead of a context per expression.
// Valid while the document lives; one evaluator per thread.
class XPathEvaluator {
  public:
    // Throws XmlError when the context cannot be made or a prefix registered.
    XPathEvaluator(const Document& document, const Namespaces& namespaces);
    ~XPathEvaluator();
    XPathEvaluator(const XPathEvaluator&) = delete;
    XPathEvaluator& operator=(const XPathEvaluator&) = delete;

    // As Document::evaluateStrings.
    std::vector<std::string> strings(std::string_view xpath) const;

  private:
    struct Context;
    std::unique_ptr<Context> context_;
};

// A non-owning view of an element node; valid while its Document lives.
class Element {
  public:
    explicit Element(_xmlNode* node) : node_(node) {}

    std::string_view localName() const;
    std::string_view namespaceUri() const;  // empty when in no namespace
    // The concatenated text content of the element and its descendants.
    std::string text() const;
    // 1-based source line (0 when unknown).
    int line() const;
    // "/Root/Child/Leaf", with a 1-based [n] after every step whose element
    // has same-named siblings, e.g. "/ApplicationPackage/Vessels/Vessel[2]/ImoNumber".
    std::string path() const;
    core::Location location() const { return {path(), line()}; }

    std::vector<Element> children() const;
    std::vector<Element> children(std::string_view localName) const;
    std::optional<Element> child(std::string_view localName) const;
    std::optional<std::string> attribute(std::string_view name) const;

    // Building a document (not thread-safe: one thread builds a document
    // before it is shared). Text and attribute values are escaped as needed.

    // Appends a child element in this element's namespace, with `text` as
    // its content when not empty.
    Element appendElement(std::string_view localName, std::string_view text = {}) const;
    void setAttribute(std::string_view name, std::string_view value) const;
    // Appends a deep copy of `source` (from any document), namespace
    // declarations included.
    Element appendCopy(const Element& source) const;
    // Appends deep copies of every child node (elements, text) of `source`.
    void appendContentOf(const Element& source) const;

    _xmlNode* native() const { return node_; }

  private:
    _xmlNode* node_;
};

// Canonical XML 1.0 (comments omitted) of `document`. With ignoreBlankText,
// whitespace-only text nodes are dropped first, so that documents differing
// only in indentation compare equal. Throws XmlError when it cannot.
std::string canonicalize(const Document& document, bool ignoreBlankText);

// Why `xpath` is not a valid XPath 1.0 expression; nullopt when it compiles.
std::optional<std::string> xpathSyntaxError(std::string_view xpath);

// The path of any node (element or attribute: "/A/B/@name"), as Element::path.
std::string nodePath(const _xmlNode* node);

struct ParseOptions {
    // Elements nested deeper than this are refused with XML_TOO_DEEP. libxml2
    // itself stops at 256 levels; deeper limits are capped there.
    int maxDepth = 64;
};

enum class ParseFailure {
    None,
    Malformed,         // XML_MALFORMED
    Encoding,          // XML_ENCODING: not UTF-8, or bytes that are not valid UTF-8
    DoctypeForbidden,  // XML_DTD_FORBIDDEN: any <!DOCTYPE>, with or without internal subset
    TooDeep,           // XML_TOO_DEEP
};

struct ParseResult {
    ParseFailure failure = ParseFailure::None;
    core::ValidationErrors errors;    // every error libxml2 reported, with lines
    std::optional<Document> document; // set only when failure == None

    bool ok() const { return failure == ParseFailure::None; }
};

// Parses untrusted bytes safely: UTF-8 only (strictly: no overlong forms, no
// surrogates), no NUL byte, no network, no DTD (any DOCTYPE stops the parser
// before its declarations are read), no entity substitution, a depth limit,
// at most 256 attributes and namespace declarations per element, line ends
// normalised to LF first, no libxml2 size relaxations (XML_PARSE_HUGE is never
// set: a single text node over 10,000,000 bytes is refused).
// Thread-safe; never throws for bad input.
ParseResult parseSafely(std::string_view bytes, const ParseOptions& options = {});

}  // namespace hub::xml
