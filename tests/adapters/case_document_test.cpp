#include <boost/test/unit_test.hpp>

#include "adapter/case_document.h"
#include "adapter_test_support.h"
#include "xml/schema.h"

using namespace hub;
using namespace hub::adapter;
using namespace hub::adapter::test;

namespace {

const xml::Schema& caseSchema() {
    static const xml::Schema schema(sourcePath("schemas/case/v1/case.xsd"));
    return schema;
}

// 2026-12-18T06:12:40Z
constexpr core::EpochMillis kSentP02 = 1797574360000;

// The inputs of tests/fixtures/cases/P02.xml.
CaseInput p02Input() {
    CaseInput input;
    input.packageId = "PKG-01JDZ8X4Q8N7M4V0C3K2H1G9FE";
    input.messageId = "6f1c2a9e-3b7d-4c1e-9a52-0d8e7f4b1c02";
    input.callKind = "SUBMIT";
    input.permit = "P02";
    input.department = "MOT";
    input.sentAt = kSentP02 + 917;  // milliseconds are dropped
    input.senderId = "licensing-hub";
    input.callbackUrl = "http://127.0.0.1:8080/api/v1/departments/MOT/callbacks";
    input.issued = {
        {"P01", "SAMR", "91370202MA3C4L5X1D", "2026-11-28", std::nullopt,
         {{"uscc", "91370202MA3C4L5X1D"}, {"licenceNumber", "37020212026112800017"}}},
        {"P12", "CCS", "QD26S00417", "2026-12-16", "2031-12-15",
         {{"surveyCertificateNumbers", "QD26S00417-TM"},
          {"surveyCertificateNumbers", "QD26S00417-LL"},
          {"surveyCertificateNumbers", "QD26S00417-CS"},
          {"grossTonnage", "4986"},
          {"netTonnage", "2792"}}},
        {"P05", "MSA", "370226000377", "2026-12-02", std::nullopt, {{"ownershipCertificateNumber", "370226000377"}}},
        {"P10", "MSA", "SD-RAD-2026-0310", "2026-12-09", "2031-12-08",
         {{"mmsi", "413512870"}, {"callSign", "BQAR7"}, {"licenceNumber", "SD-RAD-2026-0310"}}},
        {"P06", "MSA", "370226000412", "2026-12-18", "2031-12-17",
         {{"nationalityCertificateNumber", "370226000412"}, {"portOfRegistry", "青岛"}}},
    };
    input.packageXml = readFile(sourcePath("examples/full-12-permits.xml"));
    return input;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(case_document)

BOOST_AUTO_TEST_CASE(builds_the_fixture_case_and_validates_against_case_xsd) {
    xml::Document built = buildCaseDocument(p02Input());
    BOOST_TEST(caseSchema().validate(built).empty());
    BOOST_TEST(canonical(built) == canonical(parseFile(sourcePath("tests/fixtures/cases/P02.xml"))));
    BOOST_TEST(canonical(built) != canonical(parseFile(sourcePath("tests/fixtures/cases/P04.xml"))));
}

BOOST_AUTO_TEST_CASE(a_correction_carries_receipt_and_supplement_outside_the_case_namespace) {
    CaseInput input;
    input.packageId = "PKG-01JDZ8X4Q8N7M4V0C3K2H1G9FE";
    input.messageId = "0b7e4d21-58c3-4f0a-8e19-6a2d3c5b7f01";
    input.callKind = "CORRECTION";
    input.permit = "P01";
    input.department = "SAMR";
    input.sentAt = 1795762935000;  // 2026-11-27T07:02:15Z
    input.senderId = "licensing-hub";
    input.callbackUrl = "http://127.0.0.1:8080/api/v1/departments/SAMR/callbacks";
    input.receiptNumber = "SN-2026-1127-00317";
    input.supplementXml =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CorrectionAnswer>\n"
        "  <Note>经营范围已按《国民经济行业分类》规范表述；补交住所使用证明原件扫描件。</Note>\n"
        "  <BusinessScope>国内沿海及长江中下游普通货船运输；国际船舶普通货物运输；国际船舶管理业务；国际船舶代理业务。</BusinessScope>\n"
        "</CorrectionAnswer>\n";
    input.packageXml = readFile(sourcePath("examples/full-12-permits.xml"));
    xml::Document built = buildCaseDocument(input);
    BOOST_TEST(caseSchema().validate(built).empty());

    // What the hub would store or log reads back the same: the supplement's
    // elements stay in no namespace once serialised.
    xml::Document reread = parseOrThrow(built.serialize());
    BOOST_TEST(canonical(reread) == canonical(built));
    auto notes = reread.select("/c:Case/c:Supplement/Note", {{"c", std::string(kCaseNamespaceV1)}});
    BOOST_REQUIRE_EQUAL(notes.size(), 1u);
    BOOST_TEST(notes.front().namespaceUri() == "");
    BOOST_TEST(canonical(reread) == canonical(parseFile(sourcePath("tests/fixtures/cases/P01-correction.xml"))));
}

BOOST_AUTO_TEST_CASE(text_and_attribute_values_are_escaped) {
    CaseInput input = p02Input();
    input.issued = {{"P01", "SAMR", "A&B<1>\"'", "2026-11-28", std::nullopt, {{"licenceNumber", "x & y < z"}}}};
    input.callbackUrl = "https://hub.example/cb?a=1&b=2";
    xml::Document reread = parseOrThrow(buildCaseDocument(input).serialize());
    BOOST_TEST(caseSchema().validate(reread).empty());
    const xml::Namespaces ns{{"c", std::string(kCaseNamespaceV1)}};
    BOOST_TEST(reread.evaluateStrings("string(/c:Case/c:Issued/c:Certificate/@number)", ns).front() == "A&B<1>\"'");
    BOOST_TEST(reread.evaluateStrings("/c:Case/c:Issued/c:Certificate/c:Output", ns).front() == "x & y < z");
    BOOST_TEST(reread.evaluateStrings("/c:Case/c:Hub/c:CallbackUrl", ns).front() == "https://hub.example/cb?a=1&b=2");
}

BOOST_AUTO_TEST_CASE(optional_parts_are_left_out_and_the_vessel_is_stated) {
    CaseInput input = p02Input();
    input.issued.clear();
    input.vessel = 1;
    xml::Document built = buildCaseDocument(input);
    BOOST_TEST(caseSchema().validate(built).empty());
    const xml::Namespaces ns{{"c", std::string(kCaseNamespaceV1)}};
    BOOST_TEST(built.select("/c:Case/c:ReceiptNumber | /c:Case/c:Supplement | /c:Case/c:Issued/*", ns).empty());
    BOOST_TEST(built.evaluateStrings("string(/c:Case/c:Call/@vessel)", ns).front() == "1");
    BOOST_TEST(built.evaluateStrings("/c:Case/c:SentAt", ns).front() == "2026-12-18T06:12:40Z");
}

BOOST_AUTO_TEST_CASE(a_package_or_supplement_that_does_not_parse_is_a_case_document_error) {
    CaseInput input = p02Input();
    input.packageXml = "<ApplicationPackage>";
    BOOST_CHECK_THROW(buildCaseDocument(input), CaseDocumentError);
    input = p02Input();
    input.supplementXml = "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><x>&e;</x>";
    BOOST_CHECK_THROW(buildCaseDocument(input), CaseDocumentError);
}

BOOST_AUTO_TEST_CASE(every_fixture_case_validates_against_case_xsd) {
    int cases = 0;
    for (const auto& entry : std::filesystem::directory_iterator(sourcePath("tests/fixtures/cases"))) {
        if (entry.path().extension() != ".xml") continue;
        ++cases;
        auto errors = caseSchema().validate(parseFile(entry.path()));
        BOOST_TEST(errors.empty(), entry.path().filename().string()
                                       << (errors.empty() ? std::string() : ": " + errors.front().message));
    }
    BOOST_TEST(cases >= 12);
}

BOOST_AUTO_TEST_SUITE_END()
