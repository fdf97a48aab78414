#include <boost/test/unit_test.hpp>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <functional>

#include "adapter/case_document.h"
#include "adapter/department_config.h"
#include "adapter/request_renderer.h"
#include "adapter/response_mapper.h"
#include "adapter_test_support.h"
#include "config/hub_config.h"

using namespace hub;
using namespace hub::adapter;
using namespace hub::adapter::test;
namespace fs = std::filesystem;

namespace {

// A throwaway project root holding copies of the real adapters/, schemas/ and
// config/catalogue.json, which a test then breaks or extends.
class ScratchProject {
  public:
    ScratchProject() {
        fs::copy(sourcePath("adapters"), root() / "adapters", fs::copy_options::recursive);
        fs::copy(sourcePath("schemas"), root() / "schemas", fs::copy_options::recursive);
        fs::create_directories(root() / "config");
        fs::copy_file(sourcePath("config/catalogue.json"), root() / "config/catalogue.json");
    }

    const fs::path& root() const { return dir_.path(); }
    fs::path adapters() const { return root() / "adapters"; }

    void edit(const fs::path& relative, const std::function<std::string(std::string)>& change) const {
        writeFile(root() / relative, change(readFile(root() / relative)));
    }

    DepartmentAdapters load() const {
        return loadDepartments(adapters().string(), root().string(), catalogue(), standardTransportKinds());
    }

    core::Catalogue catalogue() const { return config::loadCatalogue((root() / "config/catalogue.json").string()); }

    // The one line loading fails with; fails the test when loading succeeds.
    std::string loadError() const {
        try {
            load();
        } catch (const config::ConfigError& error) {
            std::string what = error.what();
            BOOST_TEST(what.find('\n') == std::string::npos, what);
            return what;
        }
        BOOST_FAIL("the adapters loaded");
        return {};
    }

  private:
    TempDir dir_;
};

bool contains(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

}  // namespace

BOOST_AUTO_TEST_SUITE(department_loader)

BOOST_AUTO_TEST_CASE(the_shipped_departments_load_with_resolved_paths) {
    ScratchProject project;
    DepartmentAdapters adapters = project.load();
    BOOST_TEST(adapters.all().size() == 5u);
    auto msa = adapters.find("MSA");
    BOOST_REQUIRE(msa);
    const DepartmentConfig& config = msa->config();
    BOOST_TEST(config.transport.kind == "epc");
    BOOST_TEST(toString(config.delivery) == "poll");
    BOOST_TEST(config.pollIntervalSeconds == 30);
    BOOST_TEST(config.schemaFile == fs::weakly_canonical(project.root() / "schemas/departments/msa/epc.xsd").string());
    BOOST_TEST(config.stylesheets.at("STATUS_QUERY") ==
               fs::weakly_canonical(project.adapters() / "msa/status-query.xsl").string());
    BOOST_TEST(msa->envelope() != nullptr);
    BOOST_TEST(msa->stylesheet("SUBMIT") != nullptr);
    BOOST_TEST(adapters.find("SAMR")->envelope() == nullptr);
    BOOST_TEST(adapters.find("NOPE") == nullptr);
}

BOOST_AUTO_TEST_CASE(an_unknown_key_is_named_with_its_path) {
    ScratchProject project;
    project.edit("adapters/samr/department.json",
                 [](std::string text) { return replaceOnce(text, "\"code\": \"SAMR\",", "\"code\": \"SAMR\", \"colour\": 1,"); });
    std::string error = project.loadError();
    BOOST_TEST(error == (project.adapters() / "samr/department.json").string() + ": colour: unknown key");

    ScratchProject nested;
    nested.edit("adapters/ccs/department.json",
                [](std::string text) { return replaceOnce(text, "\"openSeconds\": 60", "\"openSeconds\": 60, \"halfOpen\": 1"); });
    BOOST_TEST(contains(nested.loadError(), "ccs/department.json: breaker.halfOpen: unknown key"));
}

BOOST_AUTO_TEST_CASE(a_missing_stylesheet_is_named) {
    ScratchProject project;
    project.edit("adapters/mot/department.json",
                 [](std::string text) { return replaceOnce(text, "\"CANCEL\": \"cancel.xsl\"", "\"CANCEL\": \"withdraw.xsl\""); });
    std::string error = project.loadError();
    BOOST_TEST(contains(error, "mot/department.json: stylesheets.CANCEL: file not found: "), error);
    BOOST_TEST(contains(error, "withdraw.xsl"), error);

    ScratchProject absent;
    absent.edit("adapters/mot/department.json",
                [](std::string text) { return replaceOnce(text, ", \"CANCEL\": \"cancel.xsl\"", ""); });
    BOOST_TEST(contains(absent.loadError(), "mot/department.json: stylesheets.CANCEL: missing"));

    ScratchProject polled;
    polled.edit("adapters/msa/department.json",
                [](std::string text) { return replaceOnce(text, ", \"STATUS_QUERY\": \"status-query.xsl\"", ""); });
    BOOST_TEST(contains(polled.loadError(), "msa/department.json: stylesheets.STATUS_QUERY: missing (the department is polled)"));
}

BOOST_AUTO_TEST_CASE(a_missing_schema_is_named) {
    ScratchProject project;
    fs::remove(project.root() / "schemas/departments/customs/customs.xsd");
    std::string error = project.loadError();
    BOOST_TEST(contains(error, "customs/department.json: schema: file not found: "), error);
    BOOST_TEST(contains(error, "customs.xsd"), error);
}

BOOST_AUTO_TEST_CASE(a_stylesheet_or_schema_that_does_not_compile_is_named) {
    ScratchProject project;
    writeFile(project.adapters() / "ccs/submit.xsl",
              "<xsl:stylesheet version=\"1.0\" xmlns:xsl=\"http://www.w3.org/1999/XSL/Transform\">"
              "<xsl:template match=\"/\"><xsl:value-of select=\"((\"/></xsl:template></xsl:stylesheet>");
    std::string error = project.loadError();
    BOOST_TEST(contains(error, "ccs/department.json: stylesheets."), error);
    BOOST_TEST(contains(error, "submit.xsl: invalid stylesheet"), error);

    ScratchProject schema;
    writeFile(schema.root() / "schemas/departments/ccs/ccs.xsd", "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\"><xs:element/></xs:schema>");
    std::string schemaError = schema.loadError();
    BOOST_TEST(contains(schemaError, "ccs/department.json: schema: "), schemaError);
    BOOST_TEST(contains(schemaError, "ccs.xsd: invalid schema"), schemaError);
}

BOOST_AUTO_TEST_CASE(an_unknown_transport_kind_lists_the_known_ones) {
    ScratchProject project;
    project.edit("adapters/ccs/department.json",
                 [](std::string text) { return replaceOnce(text, "\"kind\": \"rest-xml\"", "\"kind\": \"ftp\""); });
    BOOST_TEST(project.loadError() ==
               (project.adapters() / "ccs/department.json").string() +
                   ": transport.kind: unknown transport kind \"ftp\" (known: customs, epc, rest-xml, soap11)");
}

BOOST_AUTO_TEST_CASE(a_catalogue_department_without_adapter_is_fatal) {
    ScratchProject project;
    fs::remove_all(project.adapters() / "customs");
    BOOST_TEST(project.loadError() ==
               project.adapters().string() +
                   ": department CUSTOMS of the permit catalogue has no adapter (expected a folder with a department.json)");
}

BOOST_AUTO_TEST_CASE(an_adapter_the_catalogue_does_not_know_is_fatal) {
    ScratchProject project;
    fs::copy(project.adapters() / "ccs", project.adapters() / "ccs-copy", fs::copy_options::recursive);
    project.edit("adapters/ccs-copy/department.json",
                 [](std::string text) { return replaceOnce(text, "\"code\": \"CCS\"", "\"code\": \"DNV\""); });
    BOOST_TEST(contains(project.loadError(), "ccs-copy/department.json: code: department DNV is not in the permit catalogue"));

    ScratchProject twice;
    fs::copy(twice.adapters() / "ccs", twice.adapters() / "ccs-copy", fs::copy_options::recursive);
    BOOST_TEST(contains(twice.loadError(), "ccs-copy/department.json: code: department CCS is already configured by "));
}

BOOST_AUTO_TEST_CASE(mapping_mistakes_are_caught_at_start_up) {
    ScratchProject prefix;
    prefix.edit("adapters/samr/department.json", [](std::string text) {
        return replaceOnce(text, "\"receiptNumber\": \"/*/s:ReceiptNumber\"", "\"receiptNumber\": \"/*/zz:ReceiptNumber\"");
    });
    BOOST_TEST(contains(prefix.loadError(),
                        "samr/department.json: mapping.receiptNumber: XPath uses the prefix \"zz\" which \"namespaces\" does not declare"));

    ScratchProject syntax;
    syntax.edit("adapters/samr/department.json", [](std::string text) {
        return replaceOnce(text, "\"issuedOn\": \"/*/s:IssuedOn\"", "\"issuedOn\": \"/*/s:IssuedOn[\"");
    });
    BOOST_TEST(contains(syntax.loadError(), "samr/department.json: mapping.issuedOn: invalid XPath"));

    ScratchProject word;
    word.edit("adapters/samr/department.json",
              [](std::string text) { return replaceOnce(text, "\"APPROVED\": \"ISSUED\"", "\"APPROVED\": \"GRANTED\""); });
    BOOST_TEST(contains(word.loadError(), "samr/department.json: mapping.outcomeMap.APPROVED: unknown outcome \"GRANTED\""));

    ScratchProject output;
    output.edit("adapters/samr/department.json", [](std::string text) {
        return replaceOnce(text, "\"uscc\": \"/*/s:Uscc\",", "");
    });
    BOOST_TEST(contains(output.loadError(), "samr/department.json: mapping.outputs.uscc: missing (an output of permit P01)"));

    ScratchProject delivery;
    delivery.edit("adapters/samr/department.json",
                  [](std::string text) { return replaceOnce(text, "\"sync-or-callback\"", "\"carrier-pigeon\""); });
    BOOST_TEST(contains(delivery.loadError(), "samr/department.json: delivery: unknown delivery \"carrier-pigeon\""));
}

// A sixth department added as data only: configuration, schema, stylesheets
// and a catalogue entry. Nothing in C++ knows PORT.
BOOST_AUTO_TEST_CASE(a_sixth_department_needs_no_code) {
    ScratchProject project;
    writeFile(project.adapters() / "port/department.json", R"JSON({
  "code": "PORT",
  "name": "Port Authority",
  "transport": {"kind": "rest-xml", "endpoint": "http://127.0.0.1:18106/port/permits", "timeoutMs": 4000, "maxConcurrent": 1},
  "delivery": "callback",
  "auth": {"secretEnv": "HUB_DEPT_PORT_SECRET"},
  "retry": {"maxAttempts": 5, "baseDelayMs": 200, "maxDelayMs": 10000},
  "breaker": {"failureThreshold": 3, "openSeconds": 20},
  "schema": "schemas/departments/port/port.xsd",
  "stylesheets": {"SUBMIT": "submit.xsl", "CANCEL": "submit.xsl"},
  "namespaces": {"pt": "urn:example:dept:port:v1"},
  "mapping": {
    "outcome": "/pt:PortPermitAnswer/pt:Status",
    "outcomeMap": {"RECEIVED": "ACKNOWLEDGED", "GRANTED": "ISSUED", "REFUSED": "REJECTED"},
    "receiptNumber": "/pt:PortPermitAnswer/pt:ReceiptNumber",
    "messageId": "/pt:PortPermitAnswer/pt:MessageId",
    "permit": "'P13'",
    "reasons": "/pt:PortPermitAnswer/pt:Reason",
    "certificateNumber": "/pt:PortPermitAnswer/pt:PermitNumber",
    "issuedOn": "/pt:PortPermitAnswer/pt:IssuedOn",
    "outputs": {"berthPermitNumber": "/pt:PortPermitAnswer/pt:PermitNumber"}
  }
})JSON");
    writeFile(project.root() / "schemas/departments/port/port.xsd", R"XSD(<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns="urn:example:dept:port:v1"
           targetNamespace="urn:example:dept:port:v1" elementFormDefault="qualified">
  <xs:element name="PortPermitApplication">
    <xs:complexType>
      <xs:sequence>
        <xs:element name="MessageId" type="xs:token"/>
        <xs:element name="Action">
          <xs:simpleType><xs:restriction base="xs:token">
            <xs:enumeration value="SUBMIT"/><xs:enumeration value="CANCEL"/>
          </xs:restriction></xs:simpleType>
        </xs:element>
        <xs:element name="Company" type="xs:string"/>
        <xs:element name="Uscc">
          <xs:simpleType><xs:restriction base="xs:token"><xs:length value="18"/></xs:restriction></xs:simpleType>
        </xs:element>
        <xs:element name="Imo" type="xs:token" maxOccurs="unbounded"/>
        <xs:element name="CallbackUrl" type="xs:anyURI"/>
      </xs:sequence>
    </xs:complexType>
  </xs:element>
  <xs:element name="PortPermitAnswer">
    <xs:complexType>
      <xs:sequence>
        <xs:element name="MessageId" type="xs:token"/>
        <xs:element name="Status">
          <xs:simpleType><xs:restriction base="xs:token">
            <xs:enumeration value="RECEIVED"/><xs:enumeration value="GRANTED"/><xs:enumeration value="REFUSED"/>
          </xs:restriction></xs:simpleType>
        </xs:element>
        <xs:element name="ReceiptNumber" type="xs:token" minOccurs="0"/>
        <xs:element name="PermitNumber" type="xs:token" minOccurs="0"/>
        <xs:element name="IssuedOn" type="xs:date" minOccurs="0"/>
        <xs:element name="Reason" type="xs:string" minOccurs="0" maxOccurs="unbounded"/>
      </xs:sequence>
    </xs:complexType>
  </xs:element>
</xs:schema>
)XSD");
    writeFile(project.adapters() / "port/submit.xsl", R"XSL(<?xml version="1.0" encoding="UTF-8"?>
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
                xmlns:c="urn:licensing-hub:case:v1" xmlns:p="urn:licensing-hub:package:v1"
                xmlns="urn:example:dept:port:v1" exclude-result-prefixes="c p">
  <xsl:output method="xml" encoding="UTF-8" indent="yes"/>
  <xsl:template match="/c:Case">
    <PortPermitApplication>
      <MessageId><xsl:value-of select="c:MessageId"/></MessageId>
      <Action><xsl:value-of select="c:Call/@kind"/></Action>
      <Company><xsl:value-of select="p:ApplicationPackage/p:Company/p:ProposedName"/></Company>
      <Uscc><xsl:value-of select="c:Issued/c:Certificate[@permit = 'P01']/c:Output[@name = 'uscc']"/></Uscc>
      <xsl:for-each select="p:ApplicationPackage/p:Vessels/p:Vessel">
        <Imo><xsl:value-of select="p:ImoNumber"/></Imo>
      </xsl:for-each>
      <CallbackUrl><xsl:value-of select="c:Hub/c:CallbackUrl"/></CallbackUrl>
    </PortPermitApplication>
  </xsl:template>
</xsl:stylesheet>
)XSL");
    project.edit("config/catalogue.json", [](std::string text) {
        Poco::JSON::Parser parser;
        auto root = parser.parse(text).extract<Poco::JSON::Object::Ptr>();
        Poco::JSON::Object::Ptr department = new Poco::JSON::Object;
        department->set("code", "PORT");
        department->set("name", "Port authority");
        root->getArray("departments")->add(department);
        Poco::JSON::Object::Ptr permit = new Poco::JSON::Object;
        permit->set("id", "P13");
        permit->set("nameZh", "港口设施使用许可");
        permit->set("nameEn", "Berth use permit");
        permit->set("department", "PORT");
        Poco::JSON::Array::Ptr needs = new Poco::JSON::Array;
        needs->add("P01");
        permit->set("needs", needs);
        permit->set("statutoryWorkingDays", 10);
        permit->set("promisedWorkingDays", 3);
        Poco::JSON::Array::Ptr outputs = new Poco::JSON::Array;
        outputs->add("berthPermitNumber");
        permit->set("outputs", outputs);
        permit->set("concernsVessel", true);
        root->getArray("permits")->add(permit);
        std::ostringstream out;
        root->stringify(out, 2);
        return out.str();
    });

    core::Catalogue catalogue = project.catalogue();
    BOOST_REQUIRE(catalogue.findPermit("P13") != nullptr);
    DepartmentAdapters adapters =
        loadDepartments(project.adapters().string(), project.root().string(), catalogue, standardTransportKinds());
    BOOST_TEST(adapters.all().size() == 6u);
    auto port = adapters.find("PORT");
    BOOST_REQUIRE(port);

    CaseInput input;
    input.packageId = "PKG-01JDZ8X4Q8N7M4V0C3K2H1G9FE";
    input.messageId = "9a0c7e52-1b3d-4f6a-8e2c-5d4b3a291f07";
    input.callKind = "SUBMIT";
    input.permit = "P13";
    input.department = "PORT";
    input.sentAt = 1797574360000;
    input.senderId = "licensing-hub";
    input.callbackUrl = "http://127.0.0.1:8080/api/v1/departments/PORT/callbacks";
    input.issued = {{"P01", "SAMR", "91370202MA3C4L5X1D", "2026-11-28", std::nullopt,
                     {{"uscc", "91370202MA3C4L5X1D"}, {"licenceNumber", "37020212026112800017"}}}};
    input.packageXml = readFile(sourcePath("examples/full-12-permits.xml"));
    RenderResult rendered = renderRequest(*port, buildCaseDocument(input));
    BOOST_TEST_REQUIRE(rendered.ok(), (rendered.failure ? rendered.failure->message : std::string()));
    xml::Document wire = parseOrThrow(rendered.request->body);
    BOOST_TEST(port->schema().validate(wire).empty());
    const xml::Namespaces pt{{"pt", "urn:example:dept:port:v1"}};
    BOOST_TEST(wire.evaluateStrings("/pt:PortPermitApplication/pt:Uscc", pt).front() == "91370202MA3C4L5X1D");
    BOOST_TEST(wire.evaluateStrings("/pt:PortPermitApplication/pt:Imo", pt).front() == "9319466");
    BOOST_TEST(rendered.request->contentType == "application/xml; charset=utf-8");

    // Without the USCC of P01 the request would not be valid: it is not sent.
    input.issued.clear();
    RenderResult incomplete = renderRequest(*port, buildCaseDocument(input));
    BOOST_TEST_REQUIRE(!incomplete.ok());
    BOOST_TEST(toString(incomplete.failure->kind) == "SCHEMA_INVALID");

    MappingResult granted = mapDepartmentMessage(*port, R"(<PortPermitAnswer xmlns="urn:example:dept:port:v1">
  <MessageId>PORT-1</MessageId><Status>GRANTED</Status><ReceiptNumber>R-7</ReceiptNumber>
  <PermitNumber>QD-BERTH-0042</PermitNumber><IssuedOn>2026-12-20</IssuedOn></PortPermitAnswer>)");
    BOOST_TEST_REQUIRE(granted.ok(), (granted.failure ? granted.failure->message : std::string()));
    BOOST_TEST(toString(granted.event->outcome) == "ISSUED");
    BOOST_TEST(granted.event->permit == "P13");
    BOOST_TEST(granted.event->certificateNumber == "QD-BERTH-0042");
    BOOST_TEST(granted.event->outputs.at("berthPermitNumber").front() == "QD-BERTH-0042");

    MappingResult noNumber = mapDepartmentMessage(*port, R"(<PortPermitAnswer xmlns="urn:example:dept:port:v1">
  <MessageId>PORT-2</MessageId><Status>GRANTED</Status><IssuedOn>2026-12-20</IssuedOn></PortPermitAnswer>)");
    BOOST_TEST_REQUIRE(!noNumber.ok());
    BOOST_TEST(toString(noNumber.failure->kind) == "MISSING_FIELD");
    BOOST_TEST(noNumber.failure->subject == "certificateNumber");
}

BOOST_AUTO_TEST_SUITE_END()
