#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "xml/document.h"

namespace hub::xml {

// A transformation that failed at run time: the stylesheet stopped
// (xsl:message terminate="yes"), reported an error, was refused a resource
// (document() of a network URI), or produced no document. what() is one line
// naming the stylesheet file and the first diagnostic; diagnostics() holds
// every line the transformation reported, in order.
class TransformError : public XmlError {
  public:
    TransformError(const std::string& file, std::vector<std::string> diagnostics);
    const std::string& file() const { return file_; }
    const std::vector<std::string>& diagnostics() const { return diagnostics_; }

  private:
    std::string file_;
    std::vector<std::string> diagnostics_;
};

// Top-level xsl:param values, by name. Every value is passed as a string
// literal whatever quotes it contains: it is never evaluated as XPath.
using StylesheetParameters = std::map<std::string, std::string, std::less<>>;

// A compiled XSLT 1.0 stylesheet, loaded once (typically at start-up) and then
// shared. apply() and serialize() are thread-safe: the compiled stylesheet is
// read-only and every call has its own transformation context and its own
// error capture (nothing is printed to stderr).
//
// Every transformation runs under security preferences that forbid reading
// or writing network resources, writing files and creating directories; a
// refused access fails the transformation.
class Stylesheet {
  public:
    // Compiles `xslFile` (xsl:import / xsl:include of local files allowed).
    // Throws XmlSetupError (package_reader.h) naming the file when it is
    // missing, not well-formed or not a valid stylesheet.
    explicit Stylesheet(const std::string& xslFile);
    ~Stylesheet();
    Stylesheet(const Stylesheet&) = delete;
    Stylesheet& operator=(const Stylesheet&) = delete;
    Stylesheet(Stylesheet&&) noexcept;
    Stylesheet& operator=(Stylesheet&&) noexcept;

    // Transforms `input` into a new document. Any diagnostic reported during
    // the transformation (errors, refused resources, xsl:message) fails it:
    // throws TransformError. `input` is not modified.
    Document apply(const Document& input, const StylesheetParameters& parameters = {}) const;

    // `result` serialised as this stylesheet's xsl:output asks (encoding,
    // indentation, XML declaration). Throws XmlError when it cannot.
    std::string serialize(const Document& result) const;

    const std::string& file() const { return file_; }

  private:
    struct Impl;
    std::string file_;
    std::unique_ptr<Impl> impl_;
};

}  // namespace hub::xml
