#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/diagnostics.h"
#include "xml/document.h"

namespace hub::xml {

inline constexpr std::string_view kSchemaViolation = "SCHEMA_VIOLATION";

// A compiled W3C XML Schema, loaded once (typically at start-up) and then
// shared: validate() is thread-safe (one validation context per call).
class Schema {
  public:
    // Loads and compiles `xsdFile`; xs:include / xs:import of sibling files by
    // relative path are read from disk (never the network). Throws
    // XmlSetupError (package_reader.h) naming the file when it is missing or
    // does not compile.
    explicit Schema(const std::string& xsdFile);
    ~Schema();
    Schema(const Schema&) = delete;
    Schema& operator=(const Schema&) = delete;
    Schema(Schema&&) noexcept;
    Schema& operator=(Schema&&) noexcept;

    // Every violation found, each with code SCHEMA_VIOLATION, a readable
    // message and the element's path and line; empty when the document is valid.
    core::ValidationErrors validate(const Document& document) const;

    const std::string& file() const { return file_; }

  private:
    struct Impl;
    std::string file_;
    std::unique_ptr<Impl> impl_;
};

}  // namespace hub::xml
