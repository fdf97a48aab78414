#pragma once

#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "core/diagnostics.h"
#include "core/package.h"

namespace hub::xml {

// Start-up failure of the XML layer (a missing or broken schema). what() is
// one clear line naming the file.
class XmlSetupError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

struct XmlLimits {
    std::size_t maxBytes = 20 * 1024 * 1024;
    int maxDepth = 64;
};

enum class ReadFailure {
    None,
    TooLarge,            // PACKAGE_TOO_LARGE (HTTP 413)
    NotWellFormed,       // XML_MALFORMED, XML_ENCODING (HTTP 400)
    ForbiddenConstruct,  // XML_DTD_FORBIDDEN, XML_TOO_DEEP (HTTP 400)
    SchemaInvalid,       // SCHEMA_VIOLATION, one per schema error (HTTP 422)
};

struct PackageReadResult {
    ReadFailure failure = ReadFailure::None;
    core::ValidationErrors errors;      // all errors found at the failing stage
    core::ApplicationPackage package;   // filled only when failure == None
};

// Reads a combined application package: size limit, then safe parsing (no
// network, no DTD, no entity expansion, depth limit), then XSD validation
// against schemas/package/v<N>/package.xsd chosen by the root namespace, then
// extraction into the domain model with a location on every field.
// Constructed once at start-up; read() is thread-safe and never throws for
// bad input.
class PackageReader {
  public:
    // Loads and compiles the package schemas under `schemasDir`. Throws
    // XmlSetupError when a schema is missing or does not compile.
    PackageReader(const std::string& schemasDir, XmlLimits limits);
    ~PackageReader();
    PackageReader(const PackageReader&) = delete;
    PackageReader& operator=(const PackageReader&) = delete;

    PackageReadResult read(std::string_view bytes) const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// The package namespace of schema version 1.
inline constexpr std::string_view kPackageNamespaceV1 = "urn:licensing-hub:package:v1";

}  // namespace hub::xml
