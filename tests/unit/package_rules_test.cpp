#include <boost/test/unit_test.hpp>

#include <algorithm>

#include "config/hub_config.h"
#include "core/package_rules.h"

using namespace hub::core;

namespace {

constexpr int kToday = 20261127;
constexpr const char* kHelloBase64 = "aGVsbG8=";
constexpr const char* kHelloSha256 = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";

using Ids = std::vector<std::string>;

const Catalogue& defaultCatalogue() {
    static const Catalogue catalogue = hub::config::loadCatalogue(HUB_SOURCE_DIR "/config/catalogue.json");
    return catalogue;
}

int nextLine = 1;

// A field whose location is its path and a distinct line, so tests can tell
// which field an error points at.
Field field(std::string value, std::string path) { return Field{std::move(value), Location{std::move(path), nextLine++}}; }

Person person(const std::string& element, std::string residentId) {
    std::string path = "/ApplicationPackage/Company/" + element;
    return Person{field("Name", path + "/Name"), field(std::move(residentId), path + "/ResidentId"),
                  field("", path + "/Qualification"), Location{path, nextLine++}};
}

Attachment attachment(const std::string& id, const std::string& kind) {
    std::string path = "/ApplicationPackage/Attachments/Attachment[@id='" + id + "']";
    return Attachment{field(id, path + "/@id"),           field(kind, path + "/Kind"),
                      field(id + ".pdf", path + "/FileName"), field("application/pdf", path + "/MediaType"),
                      field(kHelloSha256, path + "/Sha256"),  field(kHelloBase64, path + "/Content"),
                      Location{path, nextLine++}};
}

Ids allRequiredKinds() {
    Ids kinds;
    for (const auto& item : defaultCatalogue().permits()) {
        for (const auto& kind : item.requiredAttachments) {
            if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end()) kinds.push_back(kind);
        }
    }
    return kinds;
}

// A package that passes every rule: all 12 permits, every attachment kind.
ApplicationPackage validPackage() {
    ApplicationPackage package;
    package.schemaVersion = "1";
    package.applicantReference = field("REF-1", "/ApplicationPackage/ApplicantReference");
    Company& company = package.company;
    company.proposedName = field("青岛远洋航运有限公司", "/ApplicationPackage/Company/ProposedName");
    company.organisationalForm = field("LLC", "/ApplicationPackage/Company/OrganisationalForm");
    company.registeredCapital = field("10000000.00", "/ApplicationPackage/Company/RegisteredCapital");
    company.divisionCode = field("370200", "/ApplicationPackage/Company/DivisionCode");
    company.registeredAddress = field("Qingdao", "/ApplicationPackage/Company/RegisteredAddress");
    company.businessScope = field("Shipping", "/ApplicationPackage/Company/BusinessScope");
    company.shareholders.push_back(Shareholder{field("Holding Co", "/ApplicationPackage/Company/Shareholders/Shareholder[1]/Name"),
                                               ShareholderKind::LegalPerson,
                                               field("91110000600037341L", "/ApplicationPackage/Company/Shareholders/Shareholder[1]/Identifier"),
                                               field("6000000", "/ApplicationPackage/Company/Shareholders/Shareholder[1]/Contribution"),
                                               Location{"/ApplicationPackage/Company/Shareholders/Shareholder[1]", nextLine++}});
    company.shareholders.push_back(Shareholder{field("Zhang San", "/ApplicationPackage/Company/Shareholders/Shareholder[2]/Name"),
                                               ShareholderKind::NaturalPerson,
                                               field("370202198506120012", "/ApplicationPackage/Company/Shareholders/Shareholder[2]/Identifier"),
                                               field("4000000.00", "/ApplicationPackage/Company/Shareholders/Shareholder[2]/Contribution"),
                                               Location{"/ApplicationPackage/Company/Shareholders/Shareholder[2]", nextLine++}});
    company.legalRepresentative = person("LegalRepresentative", "11010519491231002X");
    company.maritimeManager = person("MaritimeManager", "360426199101010071");
    company.technicalManager = person("TechnicalManager", "37020220000229123X");
    company.ismCompanyImoNumber = field("5808451", "/ApplicationPackage/Company/IsmCompanyImoNumber");

    Vessel vessel;
    vessel.nameZh = field("远洋一号", "/ApplicationPackage/Vessels/Vessel[1]/NameZh");
    vessel.nameEn = field("YUANYANG 1", "/ApplicationPackage/Vessels/Vessel[1]/NameEn");
    vessel.imoNumber = field("IMO 9319466", "/ApplicationPackage/Vessels/Vessel[1]/ImoNumber");
    vessel.shipIdNumber = field("CN20151234567", "/ApplicationPackage/Vessels/Vessel[1]/ShipIdNumber");
    vessel.at = Location{"/ApplicationPackage/Vessels/Vessel[1]", nextLine++};
    package.vessels.push_back(vessel);

    for (const auto& item : defaultCatalogue().permits()) {
        package.requestedPermits.push_back(field(item.id, "/ApplicationPackage/RequestedPermits/Permit[" + item.id + "]"));
    }
    for (const auto& kind : allRequiredKinds()) package.attachments.push_back(attachment("A-" + kind, kind));
    package.notificationUrl = field("https://firm.example.cn/hub/notify", "/ApplicationPackage/NotificationUrl");
    return package;
}

void requestOnly(ApplicationPackage& package, const Ids& ids) {
    package.requestedPermits.clear();
    for (const auto& id : ids) package.requestedPermits.push_back(field(id, "/ApplicationPackage/RequestedPermits/Permit"));
}

IntakeAssessment assess(const ApplicationPackage& package, const IntakePolicy& policy = {}) {
    return assessPackage(package, defaultCatalogue(), policy, kToday);
}

Ids codesOf(const IntakeAssessment& assessment) {
    Ids codes;
    for (const auto& error : assessment.errors) codes.push_back(error.code);
    return codes;
}

// The only error of `assessment`, which must have exactly one.
const ValidationError& onlyError(const IntakeAssessment& assessment) {
    BOOST_REQUIRE_MESSAGE(assessment.errors.size() == 1u,
                          "expected exactly one error, got " << assessment.errors.size() << ": "
                                                             << (assessment.errors.empty() ? "" : assessment.errors[0].code));
    return assessment.errors.front();
}

void checkSingleError(const ApplicationPackage& package, const std::string& code, const Location& at) {
    IntakeAssessment assessment = assess(package);
    const ValidationError& error = onlyError(assessment);
    BOOST_TEST(error.code == code);
    BOOST_TEST(error.location.path == at.path);
    BOOST_TEST(error.location.line == at.line);
    BOOST_TEST(!error.message.empty());
    BOOST_TEST(!assessment.accepted());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(intake_rules)

BOOST_AUTO_TEST_CASE(a_fully_valid_package_is_accepted) {
    IntakeAssessment assessment = assess(validPackage());
    BOOST_TEST(codesOf(assessment) == Ids{}, boost::test_tools::per_element());
    BOOST_TEST(assessment.accepted());
    BOOST_TEST(assessment.permits.size() == 12u);
    BOOST_TEST(assessment.permits.front() == "P01");
    BOOST_TEST(assessment.addedPermits.empty());
}

BOOST_AUTO_TEST_CASE(uscc_format_of_a_legal_person_shareholder) {
    ApplicationPackage package = validPackage();
    package.company.shareholders[0].identifier.value = "91350100M000100Y4Z";
    checkSingleError(package, "USCC_FORMAT", package.company.shareholders[0].identifier.at);
}

BOOST_AUTO_TEST_CASE(uscc_check_digit_of_a_legal_person_shareholder) {
    ApplicationPackage package = validPackage();
    package.company.shareholders[0].identifier.value = "91110000600037341M";
    checkSingleError(package, "USCC_CHECK_DIGIT", package.company.shareholders[0].identifier.at);
}

BOOST_AUTO_TEST_CASE(allow_list_exempts_only_from_the_check_digit) {
    ApplicationPackage package = validPackage();
    package.company.shareholders[0].identifier.value = "91110000600037341M";
    IntakePolicy policy;
    policy.usccAllowList = {"91110000600037341M", "91110000600037341"};
    BOOST_TEST(assess(package, policy).accepted());

    package.company.shareholders[0].identifier.value = "91110000600037341";
    BOOST_TEST(codesOf(assess(package, policy)) == Ids{"USCC_FORMAT"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(resident_id_format_of_the_legal_representative) {
    ApplicationPackage package = validPackage();
    package.company.legalRepresentative.residentId.value = "11010519491231002x";
    checkSingleError(package, "RESIDENT_ID_FORMAT", package.company.legalRepresentative.residentId.at);
    BOOST_TEST(assess(package).errors[0].message.find("11010519491231002x") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(resident_id_date_of_the_maritime_manager) {
    ApplicationPackage package = validPackage();
    package.company.maritimeManager.residentId.value = "370202203001011236";  // born 2030
    checkSingleError(package, "RESIDENT_ID_DATE", package.company.maritimeManager.residentId.at);
}

BOOST_AUTO_TEST_CASE(resident_id_check_digit_of_the_technical_manager) {
    ApplicationPackage package = validPackage();
    package.company.technicalManager.residentId.value = "370202200002291231";
    checkSingleError(package, "RESIDENT_ID_CHECK_DIGIT", package.company.technicalManager.residentId.at);
}

BOOST_AUTO_TEST_CASE(resident_id_of_a_natural_person_shareholder) {
    ApplicationPackage package = validPackage();
    package.company.shareholders[1].identifier.value = "370202198506120013";
    checkSingleError(package, "RESIDENT_ID_CHECK_DIGIT", package.company.shareholders[1].identifier.at);
}

BOOST_AUTO_TEST_CASE(absent_managers_are_not_checked) {
    ApplicationPackage package = validPackage();
    package.company.technicalManager.residentId = Field{};
    BOOST_TEST(assess(package).accepted());
}

BOOST_AUTO_TEST_CASE(imo_ship_number_format) {
    ApplicationPackage package = validPackage();
    package.vessels[0].imoNumber.value = "931946";
    checkSingleError(package, "IMO_SHIP_FORMAT", package.vessels[0].imoNumber.at);
}

BOOST_AUTO_TEST_CASE(imo_ship_number_check_digit) {
    ApplicationPackage package = validPackage();
    package.vessels[0].imoNumber.value = "8814274";
    checkSingleError(package, "IMO_SHIP_CHECK_DIGIT", package.vessels[0].imoNumber.at);
}

BOOST_AUTO_TEST_CASE(a_new_build_may_have_no_imo_number_or_ship_id) {
    ApplicationPackage package = validPackage();
    package.vessels[0].imoNumber = Field{};
    package.vessels[0].shipIdNumber = Field{};
    BOOST_TEST(assess(package).accepted());
}

BOOST_AUTO_TEST_CASE(imo_company_number_format) {
    ApplicationPackage package = validPackage();
    package.company.ismCompanyImoNumber.value = "58084510";
    checkSingleError(package, "IMO_COMPANY_FORMAT", package.company.ismCompanyImoNumber.at);
}

BOOST_AUTO_TEST_CASE(imo_company_number_check_digit) {
    ApplicationPackage package = validPackage();
    package.company.ismCompanyImoNumber.value = "9319466";  // a valid ship number is no company number
    checkSingleError(package, "IMO_COMPANY_CHECK_DIGIT", package.company.ismCompanyImoNumber.at);
}

BOOST_AUTO_TEST_CASE(china_ship_id_format) {
    ApplicationPackage package = validPackage();
    package.vessels[0].shipIdNumber.value = "CN2015123456";
    checkSingleError(package, "CN_SHIP_ID_FORMAT", package.vessels[0].shipIdNumber.at);
}

BOOST_AUTO_TEST_CASE(china_ship_id_year) {
    ApplicationPackage package = validPackage();
    package.vessels[0].shipIdNumber.value = "CN20301234567";  // today is 2026
    checkSingleError(package, "CN_SHIP_ID_YEAR", package.vessels[0].shipIdNumber.at);
}

BOOST_AUTO_TEST_CASE(division_code_must_name_a_province) {
    ApplicationPackage package = validPackage();
    package.company.divisionCode.value = "990200";
    checkSingleError(package, "DIVISION_CODE_FORMAT", package.company.divisionCode.at);
    package.company.divisionCode.value = "37020";
    checkSingleError(package, "DIVISION_CODE_FORMAT", package.company.divisionCode.at);
}

BOOST_AUTO_TEST_CASE(contributions_must_add_up_to_the_capital) {
    ApplicationPackage package = validPackage();
    package.company.shareholders[1].contribution.value = "3999999.99";
    checkSingleError(package, "CAPITAL_MISMATCH", package.company.registeredCapital.at);
    BOOST_TEST(assess(package).errors[0].message.find("9999999.99") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(capital_is_compared_exactly_in_fen) {
    ApplicationPackage package = validPackage();
    package.company.registeredCapital.value = "0.3";
    package.company.shareholders[0].contribution.value = "0.1";
    package.company.shareholders[1].contribution.value = "0.20";  // 0.1 + 0.2 != 0.3 in binary floating point
    BOOST_TEST(assess(package).accepted());
    package.company.registeredCapital.value = "0.300";
    BOOST_TEST(assess(package).accepted());
    package.company.registeredCapital.value = "0.301";
    BOOST_TEST(codesOf(assess(package)) == Ids{"CAPITAL_MISMATCH"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(an_unreadable_contribution_is_a_capital_error) {
    ApplicationPackage package = validPackage();
    package.company.shareholders[0].contribution.value = "6,000,000";
    checkSingleError(package, "CAPITAL_MISMATCH", package.company.shareholders[0].contribution.at);
}

BOOST_AUTO_TEST_CASE(no_shareholders_means_no_capital_check) {
    ApplicationPackage package = validPackage();
    package.company.shareholders.clear();
    package.company.registeredCapital.value = "123";
    BOOST_TEST(assess(package).accepted());
}

BOOST_AUTO_TEST_CASE(attachment_ids_must_be_unique) {
    ApplicationPackage package = validPackage();
    package.attachments[1].id.value = package.attachments[0].id.value;
    checkSingleError(package, "ATTACHMENT_DUPLICATE_ID", package.attachments[1].id.at);
}

BOOST_AUTO_TEST_CASE(attachment_content_must_be_base64) {
    for (const char* content : {"aGVsbG8", "aGVs!G8=", "a===", "aGVsbG9="}) {
        ApplicationPackage package = validPackage();
        package.attachments[0].content.value = content;
        BOOST_TEST_CONTEXT(content) { checkSingleError(package, "ATTACHMENT_BASE64", package.attachments[0].content.at); }
    }
}

BOOST_AUTO_TEST_CASE(base64_whitespace_and_upper_case_digests_are_fine) {
    ApplicationPackage package = validPackage();
    package.attachments[0].content.value = "\n  aGVs\r\n bG8=\n";
    std::string upper = kHelloSha256;
    std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
    package.attachments[0].sha256.value = upper;
    BOOST_TEST(assess(package).accepted());
}

BOOST_AUTO_TEST_CASE(attachment_digest_must_match) {
    ApplicationPackage package = validPackage();
    package.attachments[0].content.value = "aGVsbG8h";  // "hello!"
    checkSingleError(package, "ATTACHMENT_DIGEST_MISMATCH", package.attachments[0].sha256.at);
}

BOOST_AUTO_TEST_CASE(unknown_permits_are_refused) {
    ApplicationPackage package = validPackage();
    package.requestedPermits.push_back(field("P13", "/ApplicationPackage/RequestedPermits/Permit[13]"));
    checkSingleError(package, "PERMIT_UNKNOWN", package.requestedPermits.back().at);
}

BOOST_AUTO_TEST_CASE(repeated_permits_are_refused) {
    ApplicationPackage package = validPackage();
    package.requestedPermits.push_back(field("P05", "/ApplicationPackage/RequestedPermits/Permit[13]"));
    checkSingleError(package, "PERMIT_DUPLICATE", package.requestedPermits.back().at);
}

BOOST_AUTO_TEST_CASE(missing_prerequisites_are_added_by_default) {
    ApplicationPackage package = validPackage();
    requestOnly(package, {"P03"});
    IntakeAssessment assessment = assess(package);
    BOOST_TEST(assessment.accepted());
    BOOST_TEST(assessment.permits == (Ids{"P01", "P05", "P12", "P06", "P02", "P07", "P03"}),
               boost::test_tools::per_element());
    BOOST_TEST(assessment.addedPermits == (Ids{"P01", "P05", "P12", "P06", "P02", "P07"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(missing_prerequisites_are_refused_when_the_policy_says_so) {
    ApplicationPackage package = validPackage();
    requestOnly(package, {"P01", "P10", "P11"});
    IntakePolicy policy;
    policy.addMissingPrerequisites = false;
    IntakeAssessment assessment = assess(package, policy);
    // P10 needs P05; P11 needs P06, which needs P05 and P12.
    BOOST_TEST(codesOf(assessment) ==
                   (Ids{"PERMIT_PREREQUISITE_MISSING", "PERMIT_PREREQUISITE_MISSING", "PERMIT_PREREQUISITE_MISSING"}),
               boost::test_tools::per_element());
    BOOST_TEST(assessment.addedPermits.empty());
    auto mentions = [&](const std::string& missing, const std::string& neededBy) {
        return std::any_of(assessment.errors.begin(), assessment.errors.end(), [&](const ValidationError& error) {
            return error.message.starts_with("permit " + missing + " ") &&
                   error.message.find("requested " + neededBy) != std::string::npos;
        });
    };
    BOOST_TEST(mentions("P05", "P10, P11"));
    BOOST_TEST(mentions("P12", "P11"));
    BOOST_TEST(mentions("P06", "P11"));
    BOOST_TEST(assessment.errors[0].location.path == package.requestedPermits[1].at.path);
}

BOOST_AUTO_TEST_CASE(required_attachment_kinds_must_be_present) {
    ApplicationPackage package = validPackage();
    std::erase_if(package.attachments, [](const Attachment& a) { return a.kind.value == "SHIP_PHOTOGRAPH"; });
    IntakeAssessment assessment = assess(package);
    const ValidationError& error = onlyError(assessment);
    BOOST_TEST(error.code == "ATTACHMENT_MISSING");
    BOOST_TEST(error.message.find("P06") != std::string::npos, error.message);
    BOOST_TEST(error.message.find("SHIP_PHOTOGRAPH") != std::string::npos, error.message);
    BOOST_TEST(error.location.path == "/ApplicationPackage/Attachments");
}

BOOST_AUTO_TEST_CASE(a_shared_kind_is_reported_for_every_permit_that_needs_it) {
    ApplicationPackage package = validPackage();
    std::erase_if(package.attachments, [](const Attachment& a) { return a.kind.value == "SAFETY_MANAGEMENT_MANUAL"; });
    IntakeAssessment assessment = assess(package);
    BOOST_TEST(codesOf(assessment) == (Ids{"ATTACHMENT_MISSING", "ATTACHMENT_MISSING"}), boost::test_tools::per_element());
    BOOST_TEST(assessment.errors[0].message.find("P02") != std::string::npos);
    BOOST_TEST(assessment.errors[1].message.find("P08") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(vessel_permits_need_a_vessel) {
    ApplicationPackage package = validPackage();
    package.vessels.clear();
    requestOnly(package, {"P01"});
    BOOST_TEST(assess(package).accepted());

    requestOnly(package, {"P05"});
    IntakeAssessment assessment = assess(package);
    const ValidationError& error = onlyError(assessment);
    BOOST_TEST(error.code == "VESSEL_REQUIRED");
    BOOST_TEST(error.message.find("P05") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(notification_url_must_be_absolute_http) {
    for (const char* url : {"https://firm.example.cn/cb", "http://127.0.0.1:9000/x?y=1", "HTTPS://Firm.Example",
                            "http://[::1]:8080/", "http://user@host.example/"}) {
        ApplicationPackage package = validPackage();
        package.notificationUrl.value = url;
        BOOST_TEST(assess(package).accepted(), url);
    }
    for (const char* url : {"ftp://firm.example/cb", "http://", "https:///path", "/relative/cb", "firm.example/cb",
                            "http://exa mple.com/", "http://host:99999/", "http://host:/", "http://[::1/"}) {
        ApplicationPackage package = validPackage();
        package.notificationUrl.value = url;
        BOOST_TEST_CONTEXT(url) { checkSingleError(package, "NOTIFICATION_URL_INVALID", package.notificationUrl.at); }
    }
}

BOOST_AUTO_TEST_CASE(all_errors_are_reported_at_once) {
    ApplicationPackage package = validPackage();
    package.company.divisionCode.value = "000000";
    package.company.shareholders[0].identifier.value = "91110000600037341M";
    package.company.legalRepresentative.residentId.value = "110105194912310021";
    package.company.shareholders[1].contribution.value = "1";
    package.vessels[0].imoNumber.value = "8814274";
    package.requestedPermits.push_back(field("P99", "/ApplicationPackage/RequestedPermits/Permit[13]"));
    package.attachments[0].sha256.value = std::string(64, '0');
    package.attachments.pop_back();
    package.notificationUrl.value = "mailto:ops@firm.example";

    IntakeAssessment assessment = assess(package);
    Ids codes = codesOf(assessment);
    for (const char* code : {"DIVISION_CODE_FORMAT", "USCC_CHECK_DIGIT", "RESIDENT_ID_CHECK_DIGIT", "CAPITAL_MISMATCH",
                             "IMO_SHIP_CHECK_DIGIT", "PERMIT_UNKNOWN", "ATTACHMENT_DIGEST_MISMATCH",
                             "ATTACHMENT_MISSING", "NOTIFICATION_URL_INVALID"}) {
        BOOST_TEST((std::find(codes.begin(), codes.end(), code) != codes.end()), code);
    }
    BOOST_TEST(codes.size() == 9u);
    BOOST_TEST(assessment.permits.size() == 12u);
}

BOOST_AUTO_TEST_CASE(an_empty_package_does_not_throw) {
    ApplicationPackage package;
    IntakeAssessment assessment;
    BOOST_CHECK_NO_THROW(assessment = assess(package));
    BOOST_TEST(!assessment.accepted());
    BOOST_TEST(assessment.permits.empty());
}

BOOST_AUTO_TEST_SUITE_END()
