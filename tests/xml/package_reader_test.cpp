#include <future>
#include <string>
#include <thread>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "xml/package_reader.h"
#include "xml_test_support.h"

using namespace hub;
using namespace hub::xml;

namespace {

const PackageReader& reader() {
    static const PackageReader instance(test::schemasDir(), XmlLimits{});
    return instance;
}

std::string fullSample() { return test::readSource("examples/full-12-permits.xml"); }

int failureOf(const PackageReadResult& r) { return static_cast<int>(r.failure); }
int failure(ReadFailure f) { return static_cast<int>(f); }

// Everything a read produced, for comparing runs.
std::string signature(const PackageReadResult& r) {
    std::string s = std::to_string(failureOf(r)) + "\n" + test::describe(r.errors);
    const auto& p = r.package;
    s += p.schemaVersion + "|" + p.applicantReference.value + "|" + p.company.proposedName.value + "|" +
         p.company.legalRepresentative.residentId.value + "|" + p.notificationUrl.value + "\n";
    for (const auto& v : p.vessels) {
        s += v.imoNumber.value + "@" + v.imoNumber.at.path + ":" + std::to_string(v.imoNumber.at.line) + "\n";
    }
    for (const auto& permit : p.requestedPermits) {
        s += permit.value + "@" + std::to_string(permit.at.line) + " ";
    }
    for (const auto& a : p.attachments) {
        s += a.id.value + "/" + a.kind.value + "/" + a.sha256.value + "/" + a.content.value + "\n";
    }
    return s;
}

void checkField(const core::Field& field, std::string_view value, std::string_view path) {
    BOOST_TEST_CONTEXT(path) {
        BOOST_TEST(field.value == value);
        BOOST_TEST(field.at.path == path);
        BOOST_TEST(field.at.line > 0);
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(package_reader)

BOOST_AUTO_TEST_CASE(extracts_every_field_of_the_full_sample) {
    const std::string text = fullSample();
    PackageReadResult result = reader().read(text);
    BOOST_REQUIRE_MESSAGE(result.failure == ReadFailure::None, test::describe(result.errors));
    BOOST_TEST(result.errors.empty());
    const core::ApplicationPackage& p = result.package;

    BOOST_TEST(p.schemaVersion == "1");
    checkField(p.applicantReference, "HL-2026-0001", "/ApplicationPackage/ApplicantReference");

    const core::Company& c = p.company;
    checkField(c.proposedName, "青岛海联航运有限公司", "/ApplicationPackage/Company/ProposedName");
    checkField(c.organisationalForm, "LIMITED_LIABILITY_COMPANY", "/ApplicationPackage/Company/OrganisationalForm");
    checkField(c.registeredCapital, "50000000.00", "/ApplicationPackage/Company/RegisteredCapital");
    checkField(c.divisionCode, "370202", "/ApplicationPackage/Company/RegisteredAddress/DivisionCode");
    checkField(c.registeredAddress, "山东省青岛市市南区香港中路10号远洋大厦2201室",
               "/ApplicationPackage/Company/RegisteredAddress/AddressLine");
    BOOST_TEST(c.businessScope.value.find("国际船舶普通货物运输") != std::string::npos);
    BOOST_TEST(c.businessScope.at.path == "/ApplicationPackage/Company/BusinessScope");

    BOOST_REQUIRE_EQUAL(c.shareholders.size(), 3u);
    const auto& legal = c.shareholders[0];
    BOOST_TEST((legal.kind == core::ShareholderKind::LegalPerson));
    checkField(legal.name, "福建海峡港航集团有限公司", "/ApplicationPackage/Company/Shareholders/Shareholder[1]/Name");
    checkField(legal.identifier, "91350100M000100Y43",
               "/ApplicationPackage/Company/Shareholders/Shareholder[1]/Identifier");
    checkField(legal.contribution, "30000000.00",
               "/ApplicationPackage/Company/Shareholders/Shareholder[1]/Contribution");
    BOOST_TEST(legal.at.path == "/ApplicationPackage/Company/Shareholders/Shareholder[1]");
    BOOST_TEST((c.shareholders[1].kind == core::ShareholderKind::NaturalPerson));
    checkField(c.shareholders[1].identifier, "11010519491231002X",
               "/ApplicationPackage/Company/Shareholders/Shareholder[2]/Identifier");
    checkField(c.shareholders[2].identifier, "360426199101010071",
               "/ApplicationPackage/Company/Shareholders/Shareholder[3]/Identifier");
    checkField(c.shareholders[2].contribution, "8000000.00",
               "/ApplicationPackage/Company/Shareholders/Shareholder[3]/Contribution");

    checkField(c.legalRepresentative.name, "刘洋", "/ApplicationPackage/Company/LegalRepresentative/Name");
    checkField(c.legalRepresentative.residentId, "370202198503151235",
               "/ApplicationPackage/Company/LegalRepresentative/ResidentId");
    BOOST_TEST(!c.legalRepresentative.qualification.present());
    BOOST_TEST(c.legalRepresentative.at.path == "/ApplicationPackage/Company/LegalRepresentative");
    checkField(c.maritimeManager.residentId, "370211197806204519",
               "/ApplicationPackage/Company/MaritimeManager/ResidentId");
    checkField(c.maritimeManager.qualification, "SD-CAPT-2019-0372651",
               "/ApplicationPackage/Company/MaritimeManager/Qualification");
    checkField(c.technicalManager.name, "赵强", "/ApplicationPackage/Company/TechnicalManager/Name");
    checkField(c.technicalManager.residentId, "370283198209092367",
               "/ApplicationPackage/Company/TechnicalManager/ResidentId");
    checkField(c.technicalManager.qualification, "SD-CENG-2017-0118842",
               "/ApplicationPackage/Company/TechnicalManager/Qualification");
    checkField(c.ismCompanyImoNumber, "5808451", "/ApplicationPackage/Company/IsmManager/ImoCompanyNumber");

    BOOST_REQUIRE_EQUAL(p.vessels.size(), 1u);
    const core::Vessel& v = p.vessels[0];
    const std::string vessel = "/ApplicationPackage/Vessels/Vessel";
    BOOST_TEST(v.at.path == vessel);
    checkField(v.nameZh, "海联青岛", vessel + "/NameZh");
    checkField(v.nameEn, "HAILIAN QINGDAO", vessel + "/NameEn");
    checkField(v.imoNumber, "9319466", vessel + "/ImoNumber");
    checkField(v.shipIdNumber, "CN20181234567", vessel + "/ShipIdNumber");
    checkField(v.shipType, "GENERAL_CARGO", vessel + "/ShipType");
    checkField(v.grossTonnage, "4980", vessel + "/GrossTonnage");
    checkField(v.netTonnage, "2789", vessel + "/NetTonnage");
    checkField(v.deadweight, "7350.5", vessel + "/DeadweightTonnes");
    checkField(v.yearOfBuild, "2019", vessel + "/YearOfBuild");
    checkField(v.portOfRegistry, "青岛", vessel + "/PortOfRegistry");

    BOOST_REQUIRE_EQUAL(p.requestedPermits.size(), 12u);
    for (std::size_t i = 0; i < 12; ++i) {
        std::string id = (i < 9 ? "P0" : "P") + std::to_string(i + 1);
        checkField(p.requestedPermits[i], id,
                   "/ApplicationPackage/RequestedPermits/Permit[" + std::to_string(i + 1) + "]");
    }

    BOOST_REQUIRE_EQUAL(p.attachments.size(), 14u);
    const auto& manning = p.attachments[8];
    const std::string attachment = "/ApplicationPackage/Attachments/Attachment[9]";
    BOOST_TEST(manning.at.path == attachment);
    checkField(manning.id, "A09", attachment + "/Id");
    checkField(manning.kind, "MANNING_PLAN", attachment + "/Kind");
    checkField(manning.fileName, "manning-plan.pdf", attachment + "/FileName");
    checkField(manning.mediaType, "application/pdf", attachment + "/MediaType");
    BOOST_TEST(manning.sha256.value.size() == 64u);
    BOOST_TEST(manning.sha256.at.path == attachment + "/Sha256");
    BOOST_TEST(manning.content.value.starts_with("JVBERi0xLjQ"));  // "%PDF-1.4"
    BOOST_TEST(manning.content.at.path == attachment + "/Content");

    checkField(p.notificationUrl, "https://erp.hailian-shipping.example.cn/licensing/callback",
               "/ApplicationPackage/NotificationUrl");

    // Lines point at the element in the submitted text.
    BOOST_TEST(c.legalRepresentative.residentId.at.line == test::lineOf(text, "<ResidentId>370202198503151235"));
    BOOST_TEST(v.imoNumber.at.line == test::lineOf(text, "<ImoNumber>9319466"));
    BOOST_TEST(p.requestedPermits[6].at.line == test::lineOf(text, "<Permit>P07"));
    BOOST_TEST(manning.kind.at.line == test::lineOf(text, "<Kind>MANNING_PLAN"));
    BOOST_TEST(c.ismCompanyImoNumber.at.line == test::lineOf(text, "<ImoCompanyNumber>"));
}

BOOST_AUTO_TEST_CASE(optional_elements_absent_give_empty_fields) {
    PackageReadResult result = reader().read(test::readSource("tests/fixtures/packages/prerequisites-added.xml"));
    BOOST_REQUIRE_MESSAGE(result.failure == ReadFailure::None, test::describe(result.errors));
    BOOST_TEST(!result.package.company.ismCompanyImoNumber.present());
    BOOST_TEST(result.package.company.ismCompanyImoNumber.at.line == 0);
    BOOST_TEST(!result.package.notificationUrl.present());
    BOOST_REQUIRE_EQUAL(result.package.requestedPermits.size(), 1u);
    BOOST_TEST(result.package.requestedPermits[0].value == "P03");
}

BOOST_AUTO_TEST_CASE(the_valid_samples_pass_the_schema) {
    for (const char* file : {"examples/full-12-permits.xml", "examples/domestic-only.xml",
                             "tests/fixtures/packages/prerequisites-added.xml"}) {
        PackageReadResult result = reader().read(test::readSource(file));
        BOOST_TEST_CONTEXT(file) {
            BOOST_TEST(failureOf(result) == failure(ReadFailure::None));
            BOOST_TEST(result.errors.empty(), test::describe(result.errors));
        }
    }
    PackageReadResult domestic = reader().read(test::readSource("examples/domestic-only.xml"));
    BOOST_TEST(domestic.package.requestedPermits.size() == 10u);
}

BOOST_AUTO_TEST_CASE(repeated_vessels_get_indexed_paths) {
    std::string text = fullSample();
    auto start = text.find("    <Vessel>");
    auto end = text.find("</Vessel>") + std::string("</Vessel>\n").size();
    std::string second = text.substr(start, end - start);
    second = test::replaceOnce(second, "<ImoNumber>9319466", "<ImoNumber>8814275");
    text.insert(end, second);
    PackageReadResult result = reader().read(text);
    BOOST_REQUIRE_MESSAGE(result.failure == ReadFailure::None, test::describe(result.errors));
    BOOST_REQUIRE_EQUAL(result.package.vessels.size(), 2u);
    checkField(result.package.vessels[1].imoNumber, "8814275", "/ApplicationPackage/Vessels/Vessel[2]/ImoNumber");
    BOOST_TEST(result.package.vessels[0].at.path == "/ApplicationPackage/Vessels/Vessel[1]");
    BOOST_TEST(result.package.vessels[1].imoNumber.at.line == test::lineOf(text, "<ImoNumber>8814275"));
}

BOOST_AUTO_TEST_CASE(oversize_packages_are_refused_before_parsing) {
    PackageReader small(test::schemasDir(), XmlLimits{1024, 64});
    PackageReadResult result = small.read(fullSample());
    BOOST_TEST(failureOf(result) == failure(ReadFailure::TooLarge));
    BOOST_REQUIRE_EQUAL(result.errors.size(), 1u);
    BOOST_TEST(result.errors[0].code == "PACKAGE_TOO_LARGE");
    // Exactly at the limit is fine for the size check (and then fails later as not XML).
    std::string atLimit(1024, ' ');
    BOOST_TEST(failureOf(small.read(atLimit)) == failure(ReadFailure::NotWellFormed));
}

BOOST_AUTO_TEST_CASE(too_deep_packages_are_refused) {
    std::string deep;
    for (int i = 0; i < 10000; ++i) {
        deep += "<BusinessScope>";
    }
    for (int i = 0; i < 10000; ++i) {
        deep += "</BusinessScope>";
    }
    std::string text = test::replaceOnce(fullSample(), "<ApplicantReference>HL-2026-0001</ApplicantReference>",
                                         "<ApplicantReference>" + deep + "</ApplicantReference>");
    PackageReadResult result = reader().read(text);
    BOOST_TEST(failureOf(result) == failure(ReadFailure::ForbiddenConstruct));
    BOOST_TEST(test::hasCode(result.errors, "XML_TOO_DEEP"));
}

BOOST_AUTO_TEST_CASE(stage_failures_map_to_read_failures) {
    struct Case {
        const char* file;
        ReadFailure failure;
        const char* code;
    };
    const std::string dir = "tests/fixtures/packages/invalid/";
    for (const Case& c : {Case{"malformed.xml", ReadFailure::NotWellFormed, "XML_MALFORMED"},
                          Case{"invalid-utf8.xml", ReadFailure::NotWellFormed, "XML_ENCODING"},
                          Case{"doctype-xxe-file.xml", ReadFailure::ForbiddenConstruct, "XML_DTD_FORBIDDEN"},
                          Case{"doctype-xxe-network.xml", ReadFailure::ForbiddenConstruct, "XML_DTD_FORBIDDEN"},
                          Case{"billion-laughs.xml", ReadFailure::ForbiddenConstruct, "XML_DTD_FORBIDDEN"},
                          Case{"unknown-namespace.xml", ReadFailure::SchemaInvalid, "PACKAGE_VERSION_UNKNOWN"},
                          Case{"path-traversal-filename.xml", ReadFailure::SchemaInvalid, "SCHEMA_VIOLATION"},
                          Case{"schema-several-errors.xml", ReadFailure::SchemaInvalid, "SCHEMA_VIOLATION"}}) {
        PackageReadResult result = reader().read(test::readSource(dir + c.file));
        BOOST_TEST_CONTEXT(c.file) {
            BOOST_TEST(failureOf(result) == failure(c.failure));
            BOOST_TEST(test::hasCode(result.errors, c.code), test::describe(result.errors));
            BOOST_TEST(result.package.requestedPermits.empty());
        }
    }
}

BOOST_AUTO_TEST_CASE(malformed_package_error_carries_the_line) {
    const std::string text = test::readSource("tests/fixtures/packages/invalid/malformed.xml");
    PackageReadResult result = reader().read(text);
    BOOST_REQUIRE(!result.errors.empty());
    BOOST_TEST(result.errors[0].location.line == test::lineOf(text, "</ProposedNam>"));
}

BOOST_AUTO_TEST_CASE(path_traversal_error_points_at_the_file_name) {
    const std::string text = test::readSource("tests/fixtures/packages/invalid/path-traversal-filename.xml");
    PackageReadResult result = reader().read(text);
    BOOST_REQUIRE_EQUAL(result.errors.size(), 1u);
    BOOST_TEST(result.errors[0].location.path == "/ApplicationPackage/Attachments/Attachment[9]/FileName");
    BOOST_TEST(result.errors[0].location.line == test::lineOf(text, "../../etc/passwd"));
}

BOOST_AUTO_TEST_CASE(other_root_elements_are_unknown_versions) {
    PackageReadResult noNamespace = reader().read("<ApplicationPackage/>");
    BOOST_TEST(failureOf(noNamespace) == failure(ReadFailure::SchemaInvalid));
    BOOST_TEST(noNamespace.errors.at(0).code == "PACKAGE_VERSION_UNKNOWN");
    PackageReadResult otherRoot = reader().read("<Something xmlns='urn:licensing-hub:package:v1'/>");
    BOOST_TEST(otherRoot.errors.at(0).code == "PACKAGE_VERSION_UNKNOWN");
    BOOST_TEST(otherRoot.errors.at(0).location.path == "/Something");
}

BOOST_AUTO_TEST_CASE(a_missing_schemas_directory_is_a_setup_error) {
    BOOST_CHECK_THROW(PackageReader("/nonexistent/schemas", XmlLimits{}), XmlSetupError);
}

BOOST_AUTO_TEST_CASE(concurrent_reads_give_identical_results) {
    const std::vector<std::string> inputs = {
        fullSample(),
        test::readSource("tests/fixtures/packages/invalid/schema-several-errors.xml"),
        test::readSource("tests/fixtures/packages/invalid/malformed.xml"),
        test::readSource("tests/fixtures/packages/invalid/billion-laughs.xml"),
        test::readSource("tests/fixtures/packages/invalid/invalid-utf8.xml"),
    };
    std::vector<std::string> expected;
    for (const auto& input : inputs) {
        expected.push_back(signature(reader().read(input)));
    }
    constexpr int kThreads = 4;
    constexpr int kRounds = 10;
    std::vector<std::future<std::vector<std::string>>> workers;
    for (int t = 0; t < kThreads; ++t) {
        workers.push_back(std::async(std::launch::async, [&inputs, t] {
            std::vector<std::string> seen;
            for (int round = 0; round < kRounds; ++round) {
                for (std::size_t i = 0; i < inputs.size(); ++i) {
                    std::size_t k = (i + static_cast<std::size_t>(t)) % inputs.size();
                    seen.push_back(std::to_string(k) + "\n" + signature(reader().read(inputs[k])));
                }
            }
            return seen;
        }));
    }
    for (auto& worker : workers) {
        for (const auto& entry : worker.get()) {
            auto newline = entry.find('\n');
            std::size_t k = std::stoul(entry.substr(0, newline));
            BOOST_TEST(entry.substr(newline + 1) == expected[k]);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
