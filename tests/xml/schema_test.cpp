#include <set>
#include <string>

#include <boost/test/unit_test.hpp>

#include "xml/document.h"
#include "xml/package_reader.h"
#include "xml/schema.h"
#include "xml_test_support.h"

using namespace hub::xml;
using hub::xml::test::TempDir;

namespace {

const char* const kIncludingSchema = R"(<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns="urn:t" targetNamespace="urn:t"
           elementFormDefault="qualified">
  <xs:include schemaLocation="types.xsd"/>
  <xs:element name="Order">
    <xs:complexType>
      <xs:sequence>
        <xs:element name="Code" type="CodeType" maxOccurs="unbounded"/>
      </xs:sequence>
    </xs:complexType>
  </xs:element>
</xs:schema>
)";

const char* const kIncludedTypes = R"(<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns="urn:t" targetNamespace="urn:t"
           elementFormDefault="qualified">
  <xs:simpleType name="CodeType">
    <xs:restriction base="xs:token"><xs:pattern value="[A-Z]{3}"/></xs:restriction>
  </xs:simpleType>
</xs:schema>
)";

Document parsed(const std::string& text) {
    ParseResult result = parseSafely(text);
    if (!result.ok()) {
        throw std::runtime_error("test document does not parse: " + test::describe(result.errors));
    }
    return std::move(*result.document);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(schema)

BOOST_AUTO_TEST_CASE(a_missing_schema_file_is_a_setup_error_naming_it) {
    const std::string file = "/nonexistent/dir/package.xsd";
    try {
        Schema schema(file);
        BOOST_FAIL("no exception");
    } catch (const XmlSetupError& e) {
        BOOST_TEST(std::string(e.what()).find(file) != std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(a_schema_that_does_not_compile_is_a_setup_error) {
    TempDir dir;
    auto broken = dir.path() / "broken.xsd";
    test::writeFile(broken, "<xs:schema xmlns:xs='http://www.w3.org/2001/XMLSchema'>"
                            "<xs:element name='a' type='NoSuchType'/></xs:schema>");
    try {
        Schema schema(broken.string());
        BOOST_FAIL("no exception");
    } catch (const XmlSetupError& e) {
        BOOST_TEST(std::string(e.what()).find(broken.string()) != std::string::npos);
        BOOST_TEST(std::string(e.what()).find("NoSuchType") != std::string::npos);
    }
    auto notXml = dir.path() / "not-xml.xsd";
    test::writeFile(notXml, "this is not a schema");
    BOOST_CHECK_THROW(Schema(notXml.string()), XmlSetupError);
}

BOOST_AUTO_TEST_CASE(includes_resolve_relative_to_the_schema_file) {
    TempDir dir;
    test::writeFile(dir.path() / "order.xsd", kIncludingSchema);
    test::writeFile(dir.path() / "types.xsd", kIncludedTypes);
    Schema schema((dir.path() / "order.xsd").string());
    BOOST_TEST(schema.validate(parsed("<Order xmlns='urn:t'><Code>ABC</Code></Order>")).empty());

    auto errors = schema.validate(parsed("<Order xmlns='urn:t'>\n<Code>ABC</Code>\n<Code>abc</Code>\n</Order>"));
    BOOST_REQUIRE_EQUAL(errors.size(), 1u);
    BOOST_TEST(errors[0].code == "SCHEMA_VIOLATION");
    BOOST_TEST(errors[0].location.path == "/Order/Code[2]");
    BOOST_TEST(errors[0].location.line == 3);
    BOOST_TEST(errors[0].message.find("{urn:t}") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(every_violation_is_reported_with_path_and_line) {
    Schema schema(test::sourcePath("schemas/package/v1/package.xsd"));
    const std::string text = test::readSource("tests/fixtures/packages/invalid/schema-several-errors.xml");
    auto errors = schema.validate(parsed(text));
    BOOST_TEST_MESSAGE(test::describe(errors));
    BOOST_REQUIRE_GE(errors.size(), 3u);
    std::set<std::string> paths;
    for (const auto& e : errors) {
        BOOST_TEST(e.code == "SCHEMA_VIOLATION");
        BOOST_TEST(e.location.line > 0);
        BOOST_TEST(!e.message.empty());
        paths.insert(e.location.path);
    }
    BOOST_TEST(paths.count("/ApplicationPackage/Company/RegisteredAddress/DivisionCode") == 1u);
    BOOST_TEST(paths.count("/ApplicationPackage/Vessels/Vessel/ShipType") == 1u);
    // The missing BusinessScope is reported at the element found in its place.
    BOOST_TEST(paths.count("/ApplicationPackage/Company/Shareholders") == 1u);

    for (const auto& e : errors) {
        if (e.location.path.ends_with("/DivisionCode")) {
            BOOST_TEST(e.location.line == test::lineOf(text, "<DivisionCode>37020A"));
            BOOST_TEST(e.message.find("\\d{6}") != std::string::npos, e.message);
        }
        if (e.location.path.ends_with("/ShipType")) {
            BOOST_TEST(e.location.line == test::lineOf(text, "<ShipType>FISHING_BOAT"));
            BOOST_TEST(e.message.find("FISHING_BOAT") != std::string::npos);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
