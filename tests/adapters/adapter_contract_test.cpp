// The adapter contract suite, run against every department configured under
// adapters/*/department.json, with the samples of its folder under
// tests/fixtures/adapters/<folder>/:
//
//   request-<case>.xml   the golden wire message for tests/fixtures/cases/<case>.xml
//   malformed*.xml       must be MALFORMED
//   invalid*.xml         well-formed, must be SCHEMA_INVALID
//   any other *.xml      a valid department message whose mapping must equal
//                        <sample>.expected: one "field=value" line per value
//                        (outputs as "outputs.<name>=value"), then
//                        "canonical=<OUTCOME>"; "canonical=" with nothing
//                        after it means the message holds no status word (a
//                        SOAP fault, say) and must be MISSING_FIELD "outcome".
//
// The same files drive scripts/check-adapters (xsltproc + xmllint).
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <map>
#include <sstream>

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

const core::Catalogue& catalogue() {
    static const core::Catalogue loaded = config::loadCatalogue(sourcePath("config/catalogue.json"));
    return loaded;
}

const DepartmentAdapters& departments() {
    static const DepartmentAdapters loaded =
        loadDepartments(sourcePath("adapters"), HUB_SOURCE_DIR, catalogue(), standardTransportKinds());
    return loaded;
}

fs::path fixturesOf(const DepartmentAdapter& department) {
    return fs::path(sourcePath("tests/fixtures/adapters")) / fs::path(department.config().folder).filename();
}

std::vector<fs::path> filesIn(const fs::path& folder, std::string_view extension) {
    std::vector<fs::path> files;
    if (!fs::is_directory(folder)) return files;
    for (const auto& entry : fs::directory_iterator(folder)) {
        if (entry.path().extension() == extension) files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    return files;
}

bool startsWith(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

std::string caseValue(const xml::Document& caseDocument, std::string_view xpath) {
    auto values = caseDocument.evaluateStrings(xpath, {{"c", std::string(kCaseNamespaceV1)}});
    return values.empty() ? std::string() : values.front();
}

using FieldValues = std::map<std::string, std::vector<std::string>>;

FieldValues readExpected(const fs::path& file) {
    FieldValues fields;
    std::istringstream lines(readFile(file));
    std::string line;
    while (std::getline(lines, line)) {
        if (line.empty()) continue;
        auto equals = line.find('=');
        BOOST_REQUIRE_MESSAGE(equals != std::string::npos, file.string() << ": not a field=value line: " << line);
        fields[line.substr(0, equals)].push_back(line.substr(equals + 1));
    }
    return fields;
}

FieldValues fieldsOf(const DepartmentEvent& event) {
    FieldValues fields;
    auto add = [&](const std::string& key, const std::string& value) {
        if (!value.empty()) fields[key].push_back(value);
    };
    add("outcome", event.departmentWord);
    add("receiptNumber", event.receiptNumber);
    add("messageId", event.messageId);
    add("permit", event.permit);
    for (const auto& reason : event.reasons) add("reasons", reason);
    add("certificateNumber", event.certificateNumber);
    add("issuedOn", event.issuedOn);
    add("validUntil", event.validUntil);
    for (const auto& [name, values] : event.outputs) {
        for (const auto& value : values) add("outputs." + name, value);
    }
    fields["canonical"].push_back(std::string(toString(event.outcome)));
    return fields;
}

std::string describe(const FieldValues& fields) {
    std::string text;
    for (const auto& [key, values] : fields) {
        for (const auto& value : values) text += key + "=" + value + "\n";
    }
    return text;
}

// The department as configured, except that `word` is missing from its outcomeMap.
DepartmentAdapter withoutWord(const DepartmentAdapter& department, const std::string& word) {
    DepartmentConfig config = department.config();
    config.mapping.outcomeMap.erase(word);
    return DepartmentAdapter(std::move(config), std::make_shared<const xml::Schema>(department.schema().file()), {},
                             nullptr);
}

void checkRequests(const DepartmentAdapter& department) {
    int rendered = 0;
    for (const auto& caseFile : filesIn(sourcePath("tests/fixtures/cases"), ".xml")) {
        xml::Document caseDocument = parseFile(caseFile);
        if (caseValue(caseDocument, "string(/c:Case/c:Call/@department)") != department.code()) continue;
        BOOST_TEST_CONTEXT(department.code() << " case " << caseFile.filename().string()) {
            std::string permit = caseValue(caseDocument, "string(/c:Case/c:Call/@permit)");
            const core::PermitItem* item = catalogue().findPermit(permit);
            BOOST_TEST((item != nullptr && item->department == department.code()),
                       "permit " << permit << " is not a permit of " << department.code());

            RenderResult result = renderRequest(department, caseDocument);
            BOOST_TEST_REQUIRE(result.ok(), (result.failure ? result.failure->message : std::string()));
            ++rendered;
            const RenderedRequest& request = *result.request;
            BOOST_TEST(request.messageId == caseValue(caseDocument, "/c:Case/c:MessageId"));
            BOOST_TEST(request.callKind == caseValue(caseDocument, "string(/c:Case/c:Call/@kind)"));

            xml::Document wire = parseOrThrow(request.body);
            BOOST_TEST(department.schema().validate(wire).empty());

            fs::path golden = fixturesOf(department) / ("request-" + caseFile.stem().string() + ".xml");
            BOOST_TEST_REQUIRE(fs::exists(golden), "golden request missing: " << golden.string());
            BOOST_TEST(canonical(wire) == canonical(parseFile(golden)));
            if (request.body != readFile(golden)) BOOST_TEST_MESSAGE("bytes differ from " << golden.string());
            BOOST_TEST(department.schema().validate(parseFile(golden)).empty());

            bool soap = wire.root().localName() == "Envelope" &&
                        wire.root().namespaceUri() == "http://schemas.xmlsoap.org/soap/envelope/";
            BOOST_TEST(request.contentType == (soap ? "text/xml; charset=utf-8" : "application/xml; charset=utf-8"));
            if (soap) {
                auto entry = wire.root().child("Body")->children().front();
                BOOST_TEST(request.soapAction ==
                           std::string(entry.namespaceUri()) + "#" + std::string(entry.localName()));
            } else {
                BOOST_TEST(request.soapAction.empty());
            }
        }
    }
    BOOST_TEST_MESSAGE(department.code() << ": " << rendered << " requests rendered and compared");
    BOOST_TEST(rendered > 0, department.code() << ": no fixture case exercises the department's requests");

    for (const auto& golden : filesIn(fixturesOf(department), ".xml")) {
        std::string name = golden.stem().string();
        if (!startsWith(name, "request-")) continue;
        fs::path caseFile = fs::path(sourcePath("tests/fixtures/cases")) / (name.substr(8) + ".xml");
        BOOST_TEST(fs::exists(caseFile), golden.string() << ": a golden request without a case document");
    }
}

void checkMessages(const DepartmentAdapter& department) {
    int mapped = 0;
    int malformed = 0;
    int invalid = 0;
    for (const auto& sample : filesIn(fixturesOf(department), ".xml")) {
        std::string name = sample.stem().string();
        if (startsWith(name, "request-")) continue;
        BOOST_TEST_CONTEXT(department.code() << " message " << sample.filename().string()) {
            std::string bytes = readFile(sample);
            MappingResult result = mapDepartmentMessage(department, bytes);
            if (startsWith(name, "malformed")) {
                ++malformed;
                BOOST_TEST_REQUIRE(!result.ok());
                BOOST_TEST(toString(result.failure->kind) == "MALFORMED");
                BOOST_TEST(!result.failure->errors.empty());
                continue;
            }
            if (startsWith(name, "invalid")) {
                ++invalid;
                BOOST_TEST_REQUIRE(!result.ok());
                BOOST_TEST(toString(result.failure->kind) == "SCHEMA_INVALID");
                BOOST_TEST(!result.failure->errors.empty());
                continue;
            }
            fs::path expectedFile = fs::path(sample).replace_extension(".expected");
            BOOST_TEST_REQUIRE(fs::exists(expectedFile), "no " << expectedFile.filename().string());
            FieldValues expected = readExpected(expectedFile);
            BOOST_TEST_REQUIRE(expected.count("canonical") == 1u);
            ++mapped;
            if (expected["canonical"].front().empty()) {
                BOOST_TEST_REQUIRE(!result.ok(), "a message without status word was mapped");
                BOOST_TEST(toString(result.failure->kind) == "MISSING_FIELD");
                BOOST_TEST(result.failure->subject == "outcome");
                continue;
            }
            BOOST_TEST_REQUIRE(result.ok(), (result.failure ? result.failure->message : std::string()));
            BOOST_TEST(describe(fieldsOf(*result.event)) == describe(expected));

            // A status word the configuration does not map is refused by name.
            const std::string& word = result.event->departmentWord;
            DepartmentAdapter gap = withoutWord(department, word);
            MappingResult unmapped = mapDepartmentMessage(gap, bytes);
            BOOST_TEST_REQUIRE(!unmapped.ok());
            BOOST_TEST(toString(unmapped.failure->kind) == "UNMAPPED_OUTCOME");
            BOOST_TEST(unmapped.failure->subject == word);
            BOOST_TEST(unmapped.failure->message.find(word) != std::string::npos);

            // The same word edited into the message in memory: never believed
            // (the department schemas enumerate their status words, so the
            // schema refuses it before the outcomeMap is consulted).
            std::string edited = bytes;
            auto at = edited.find(">" + word + "<");
            if (at != std::string::npos) {
                edited.replace(at + 1, word.size(), "NO_SUCH_STATUS");
                MappingResult refused = mapDepartmentMessage(department, edited);
                BOOST_TEST_REQUIRE(!refused.ok());
                bool unknown = toString(refused.failure->kind) == "SCHEMA_INVALID" ||
                               (toString(refused.failure->kind) == "UNMAPPED_OUTCOME" &&
                                refused.failure->subject == "NO_SUCH_STATUS");
                BOOST_TEST(unknown, refused.failure->message);
            }
        }
    }
    BOOST_TEST_MESSAGE(department.code() << ": " << mapped << " messages mapped, " << malformed << " malformed, "
                                         << invalid << " schema-invalid");
    BOOST_TEST(mapped > 0, department.code() << ": no sample department message");
    BOOST_TEST(malformed > 0, department.code() << ": no malformed sample");
    BOOST_TEST(invalid > 0, department.code() << ": no schema-invalid sample");

    for (const auto& expected : filesIn(fixturesOf(department), ".expected")) {
        BOOST_TEST(fs::exists(fs::path(expected).replace_extension(".xml")), expected.string() << ": no sample");
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(adapter_contract)

BOOST_AUTO_TEST_CASE(every_catalogue_department_is_configured) {
    for (const auto& department : catalogue().departments()) {
        BOOST_TEST(departments().find(department.code) != nullptr, department.code);
    }
    BOOST_TEST(departments().all().size() == catalogue().departments().size());
}

BOOST_AUTO_TEST_CASE(every_department_renders_its_golden_requests) {
    for (const auto& department : departments().all()) {
        checkRequests(*department);
    }
}

BOOST_AUTO_TEST_CASE(every_department_maps_its_sample_messages) {
    for (const auto& department : departments().all()) {
        checkMessages(*department);
    }
}

BOOST_AUTO_TEST_CASE(a_case_for_another_department_or_call_is_a_render_failure) {
    auto samr = departments().find("SAMR");
    BOOST_REQUIRE(samr);
    xml::Document p02 = parseFile(sourcePath("tests/fixtures/cases/P02.xml"));
    RenderResult misaddressed = renderRequest(*samr, p02);
    BOOST_TEST_REQUIRE(!misaddressed.ok());
    BOOST_TEST(toString(misaddressed.failure->kind) == "INVALID_CASE");

    std::string p01 = readFile(sourcePath("tests/fixtures/cases/P01.xml"));
    xml::Document query = parseOrThrow(replaceOnce(p01, "kind=\"SUBMIT\"", "kind=\"STATUS_QUERY\""));
    RenderResult noStylesheet = renderRequest(*samr, query);
    BOOST_TEST_REQUIRE(!noStylesheet.ok());
    BOOST_TEST(toString(noStylesheet.failure->kind) == "NO_STYLESHEET");
}

BOOST_AUTO_TEST_CASE(a_stylesheet_that_stops_is_a_render_failure_never_a_request) {
    auto samr = departments().find("SAMR");
    BOOST_REQUIRE(samr);
    // SAMR registers businesses (P01) only; its stylesheet refuses other permits.
    std::string p01 = readFile(sourcePath("tests/fixtures/cases/P01.xml"));
    xml::Document wrongPermit = parseOrThrow(replaceOnce(p01, "permit=\"P01\"", "permit=\"P05\""));
    RenderResult result = renderRequest(*samr, wrongPermit);
    BOOST_TEST_REQUIRE(!result.ok());
    BOOST_TEST(toString(result.failure->kind) == "STYLESHEET_FAILED");
    BOOST_TEST(result.failure->message.find("P05") != std::string::npos, result.failure->message);
}

BOOST_AUTO_TEST_CASE(a_rendered_message_the_schema_refuses_is_a_render_failure) {
    auto samr = departments().find("SAMR");
    BOOST_REQUIRE(samr);
    // A proposed company name longer than any the department accepts.
    std::string p01 = readFile(sourcePath("tests/fixtures/cases/P01.xml"));
    std::string tooLong(400, 'X');
    xml::Document bad = parseOrThrow(replaceOnce(p01, "<ProposedName>青岛海联航运有限公司</ProposedName>",
                                                 "<ProposedName>" + tooLong + "</ProposedName>"));
    RenderResult result = renderRequest(*samr, bad);
    BOOST_TEST_REQUIRE(!result.ok());
    BOOST_TEST(toString(result.failure->kind) == "SCHEMA_INVALID", result.failure->message);
    BOOST_TEST(!result.failure->schemaErrors.empty());
}

BOOST_AUTO_TEST_CASE(hostile_department_messages_are_malformed_not_exceptions) {
    for (const auto& department : departments().all()) {
        BOOST_TEST_CONTEXT(department->code()) {
            for (std::string bytes : {std::string(), std::string("not xml"),
                                      std::string("<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><x>&e;</x>"),
                                      std::string("\xFF\xFE<\0x\0/\0>\0", 10)}) {
                MappingResult result = mapDepartmentMessage(*department, bytes);
                BOOST_TEST_REQUIRE(!result.ok());
                BOOST_TEST(toString(result.failure->kind) == "MALFORMED");
            }
            std::string deep;
            for (int i = 0; i < 300; ++i) deep += "<a>";
            BOOST_TEST(toString(mapDepartmentMessage(*department, deep).failure->kind) == "MALFORMED");
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
