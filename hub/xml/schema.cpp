#include "xml/schema.h"

#include <filesystem>

#include <libxml/xmlschemas.h>

#include "xml/error_capture.h"
#include "xml/package_reader.h"

namespace hub::xml {

namespace {

struct SchemaParserContextDeleter {
    void operator()(xmlSchemaParserCtxt* ctxt) const noexcept { xmlSchemaFreeParserCtxt(ctxt); }
};
using SchemaParserContext = std::unique_ptr<xmlSchemaParserCtxt, SchemaParserContextDeleter>;

struct SchemaValidContextDeleter {
    void operator()(xmlSchemaValidCtxt* ctxt) const noexcept { xmlSchemaFreeValidCtxt(ctxt); }
};
using SchemaValidContext = std::unique_ptr<xmlSchemaValidCtxt, SchemaValidContextDeleter>;

struct CompiledSchemaDeleter {
    void operator()(xmlSchema* schema) const noexcept { xmlSchemaFree(schema); }
};

std::string describe(const detail::CapturedError& error) {
    std::string text = error.message;
    if (error.line > 0) {
        text += " (line " + std::to_string(error.line) + ")";
    }
    return text;
}

}  // namespace

struct Schema::Impl {
    std::unique_ptr<xmlSchema, CompiledSchemaDeleter> schema;
};

Schema::Schema(const std::string& xsdFile) : file_(xsdFile), impl_(std::make_unique<Impl>()) {
    initialize();
    std::error_code ec;
    if (!std::filesystem::is_regular_file(xsdFile, ec)) {
        throw XmlSetupError(xsdFile + ": schema file not found");
    }
    detail::ErrorCapture capture;
    SchemaParserContext parser(xmlSchemaNewParserCtxt(xsdFile.c_str()));
    if (!parser) {
        throw XmlSetupError(xsdFile + ": cannot create a schema parser");
    }
    xmlSchemaSetParserStructuredErrors(parser.get(), &detail::ErrorCapture::onStructuredError, &capture);
    impl_->schema.reset(xmlSchemaParse(parser.get()));
    if (!impl_->schema || !capture.errors().empty()) {
        std::string reason =
            capture.errors().empty() ? std::string("does not compile") : describe(capture.errors().front());
        throw XmlSetupError(xsdFile + ": invalid schema: " + reason);
    }
}

Schema::~Schema() = default;
Schema::Schema(Schema&&) noexcept = default;
Schema& Schema::operator=(Schema&&) noexcept = default;

core::ValidationErrors Schema::validate(const Document& document) const {
    detail::ErrorCapture capture;
    SchemaValidContext context(xmlSchemaNewValidCtxt(impl_->schema.get()));
    if (!context) {
        throw XmlError("xml: cannot create a schema validation context for " + file_);
    }
    xmlSchemaSetValidStructuredErrors(context.get(), &detail::ErrorCapture::onStructuredError, &capture);
    int rc = xmlSchemaValidateDoc(context.get(), document.native());

    core::ValidationErrors errors;
    for (const auto& e : capture.errors()) {
        errors.push_back({std::string(kSchemaViolation), e.message, {e.path, e.line}});
    }
    if (rc != 0 && errors.empty()) {
        errors.push_back({std::string(kSchemaViolation), "the document does not conform to the schema", {"", 0}});
    }
    return errors;
}

}  // namespace hub::xml
