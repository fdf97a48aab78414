#include <boost/test/unit_test.hpp>

#include <random>
#include <stdexcept>

#include "core/identifiers.h"

using namespace hub::core;

namespace {

constexpr int kToday = 20261127;

// The code of a failed check, or "OK".
std::string outcome(const IdentifierCheck& check) { return check.ok ? "OK" : check.code; }

}  // namespace

BOOST_AUTO_TEST_SUITE(identifier_checks)

BOOST_AUTO_TEST_CASE(uscc_domain_vectors) {
    BOOST_TEST(outcome(checkUscc("91110000600037341L")) == "OK");
    BOOST_TEST(outcome(checkUscc("91350100M000100Y43")) == "OK");
    BOOST_TEST(outcome(checkUscc("91350100M000100Y4Z")) == "USCC_FORMAT");  // Z is outside the alphabet
}

BOOST_AUTO_TEST_CASE(uscc_wrong_check_character) {
    IdentifierCheck check = checkUscc("91110000600037341M");
    BOOST_TEST(outcome(check) == "USCC_CHECK_DIGIT");
    BOOST_TEST(check.reason.find("'L'") != std::string::npos, check.reason);
    BOOST_TEST(outcome(checkUscc("91350100M000100Y44")) == "USCC_CHECK_DIGIT");
}

BOOST_AUTO_TEST_CASE(uscc_format_errors) {
    BOOST_TEST(outcome(checkUscc("91110000600037341l")) == "USCC_FORMAT");  // lowercase
    BOOST_TEST(outcome(checkUscc("91350100m000100Y43")) == "USCC_FORMAT");
    BOOST_TEST(outcome(checkUscc("91110000600037341")) == "USCC_FORMAT");    // 17
    BOOST_TEST(outcome(checkUscc("91110000600037341LL")) == "USCC_FORMAT");  // 19
    BOOST_TEST(outcome(checkUscc("")) == "USCC_FORMAT");
    BOOST_TEST(outcome(checkUscc("91A10000600037341L")) == "USCC_FORMAT");  // division must be digits
    for (char forbidden : std::string("IOSVZ")) {
        std::string code = "91110000600037341L";
        code[9] = forbidden;
        BOOST_TEST(outcome(checkUscc(code)) == "USCC_FORMAT", code);
    }
}

BOOST_AUTO_TEST_CASE(uscc_check_character_round_trip) {
    BOOST_TEST(usccCheckCharacter("91110000600037341") == 'L');
    BOOST_TEST(usccCheckCharacter("91350100M000100Y4") == '3');
    const std::string alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    std::mt19937 random(12345);
    for (int i = 0; i < 200; ++i) {
        std::string first17;
        for (int position = 0; position < 17; ++position) {
            bool digitsOnly = position >= 2 && position <= 7;
            first17.push_back(alphabet[random() % (digitsOnly ? 10 : alphabet.size())]);
        }
        std::string code = first17 + usccCheckCharacter(first17);
        BOOST_TEST(checkUscc(code).ok, code);
        code[17] = code[17] == '0' ? '1' : '0';
        BOOST_TEST(outcome(checkUscc(code)) == "USCC_CHECK_DIGIT", code);
    }
}

BOOST_AUTO_TEST_CASE(uscc_check_character_rejects_bad_input) {
    BOOST_CHECK_THROW(usccCheckCharacter("9111000060003734"), std::invalid_argument);
    BOOST_CHECK_THROW(usccCheckCharacter("9111000060003734I"), std::invalid_argument);
    BOOST_CHECK_THROW(usccCheckCharacter("911100006000373411"), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(imo_ship_numbers) {
    BOOST_TEST(outcome(checkImoShipNumber("9319466")) == "OK");
    BOOST_TEST(outcome(checkImoShipNumber("8814275")) == "OK");
    BOOST_TEST(outcome(checkImoShipNumber("IMO 9319466")) == "OK");
    BOOST_TEST(outcome(checkImoShipNumber("IMO9319466")) == "OK");
    BOOST_TEST(outcome(checkImoShipNumber("8814274")) == "IMO_SHIP_CHECK_DIGIT");
    BOOST_TEST(outcome(checkImoShipNumber("IMO 8814274")) == "IMO_SHIP_CHECK_DIGIT");
    BOOST_TEST(outcome(checkImoShipNumber("931946")) == "IMO_SHIP_FORMAT");
    BOOST_TEST(outcome(checkImoShipNumber("93194660")) == "IMO_SHIP_FORMAT");
    BOOST_TEST(outcome(checkImoShipNumber("imo 9319466")) == "IMO_SHIP_FORMAT");
    BOOST_TEST(outcome(checkImoShipNumber("IMO  9319466")) == "IMO_SHIP_FORMAT");
    BOOST_TEST(outcome(checkImoShipNumber("93I9466")) == "IMO_SHIP_FORMAT");
    BOOST_TEST(outcome(checkImoShipNumber("")) == "IMO_SHIP_FORMAT");
}

BOOST_AUTO_TEST_CASE(imo_company_numbers) {
    BOOST_TEST(outcome(checkImoCompanyNumber("5808451")) == "OK");
    BOOST_TEST(outcome(checkImoCompanyNumber("0344771")) == "OK");
    BOOST_TEST(outcome(checkImoCompanyNumber("6342360")) == "OK");
    BOOST_TEST(outcome(checkImoCompanyNumber("5808452")) == "IMO_COMPANY_CHECK_DIGIT");
    BOOST_TEST(outcome(checkImoCompanyNumber("580845")) == "IMO_COMPANY_FORMAT");
    BOOST_TEST(outcome(checkImoCompanyNumber("IMO 5808451")) == "IMO_COMPANY_FORMAT");
}

BOOST_AUTO_TEST_CASE(the_field_decides_which_imo_rule_applies) {
    BOOST_TEST(outcome(checkImoCompanyNumber("9319466")) == "IMO_COMPANY_CHECK_DIGIT");
    BOOST_TEST(outcome(checkImoShipNumber("5808451")) == "IMO_SHIP_CHECK_DIGIT");
}

BOOST_AUTO_TEST_CASE(resident_id_domain_vectors) {
    BOOST_TEST(outcome(checkResidentId("11010519491231002X", kToday)) == "OK");
    BOOST_TEST(outcome(checkResidentId("360426199101010071", kToday)) == "OK");
    BOOST_TEST(outcome(checkResidentId("370202198506120012", kToday)) == "OK");
}

BOOST_AUTO_TEST_CASE(resident_id_format_and_check_digit) {
    BOOST_TEST(outcome(checkResidentId("11010519491231002x", kToday)) == "RESIDENT_ID_FORMAT");
    BOOST_TEST(outcome(checkResidentId("11010519491231002", kToday)) == "RESIDENT_ID_FORMAT");
    BOOST_TEST(outcome(checkResidentId("11010519491231002X1", kToday)) == "RESIDENT_ID_FORMAT");
    BOOST_TEST(outcome(checkResidentId("1101051949123100XX", kToday)) == "RESIDENT_ID_FORMAT");
    BOOST_TEST(outcome(checkResidentId("110105194912310021", kToday)) == "RESIDENT_ID_CHECK_DIGIT");
    BOOST_TEST(outcome(checkResidentId("360426199101010070", kToday)) == "RESIDENT_ID_CHECK_DIGIT");
}

BOOST_AUTO_TEST_CASE(resident_id_birth_dates) {
    BOOST_TEST(outcome(checkResidentId("37020220000229123X", kToday)) == "OK");                // 2000 is leap
    BOOST_TEST(outcome(checkResidentId("370202190002291233", kToday)) == "RESIDENT_ID_DATE");  // 1900 is not
    BOOST_TEST(outcome(checkResidentId("370202200102291237", kToday)) == "RESIDENT_ID_DATE");
    BOOST_TEST(outcome(checkResidentId("370202203001011236", kToday)) == "RESIDENT_ID_DATE");  // future
    BOOST_TEST(outcome(checkResidentId("370202203001011236", 20300101)) == "OK");              // born today
    BOOST_TEST(outcome(checkResidentId("370202198513010012", kToday)) == "RESIDENT_ID_DATE");  // month 13
}

BOOST_AUTO_TEST_CASE(china_ship_ids) {
    BOOST_TEST(outcome(checkChinaShipId("CN20151234567", 2026)) == "OK");
    BOOST_TEST(outcome(checkChinaShipId("CN20271234567", 2026)) == "OK");  // keel laid next year
    BOOST_TEST(outcome(checkChinaShipId("CN20281234567", 2026)) == "CN_SHIP_ID_YEAR");
    BOOST_TEST(outcome(checkChinaShipId("CN18991234567", 2026)) == "CN_SHIP_ID_YEAR");
    BOOST_TEST(outcome(checkChinaShipId("cn20151234567", 2026)) == "CN_SHIP_ID_FORMAT");
    BOOST_TEST(outcome(checkChinaShipId("CN2015123456", 2026)) == "CN_SHIP_ID_FORMAT");
    BOOST_TEST(outcome(checkChinaShipId("CN201512345678", 2026)) == "CN_SHIP_ID_FORMAT");
    BOOST_TEST(outcome(checkChinaShipId("HK20151234567", 2026)) == "CN_SHIP_ID_FORMAT");
}

BOOST_AUTO_TEST_CASE(mmsi_and_chinese_mids) {
    for (const char* mmsi : {"412345678", "413000001", "414999999"}) {
        BOOST_TEST(outcome(checkMmsi(mmsi, true)) == "OK", mmsi);
    }
    BOOST_TEST(outcome(checkMmsi("477123456", false)) == "OK");
    BOOST_TEST(outcome(checkMmsi("477123456", true)) == "MMSI_MID");  // Hong Kong
    BOOST_TEST(outcome(checkMmsi("453123456", true)) == "MMSI_MID");  // Macao
    BOOST_TEST(outcome(checkMmsi("123456789", false)) == "MMSI_FORMAT");
    BOOST_TEST(outcome(checkMmsi("812345678", false)) == "MMSI_FORMAT");
    BOOST_TEST(outcome(checkMmsi("41234567", true)) == "MMSI_FORMAT");
    BOOST_TEST(outcome(checkMmsi("41234567X", true)) == "MMSI_FORMAT");
}

BOOST_AUTO_TEST_CASE(chinese_call_signs) {
    for (const char* sign : {"BQAB", "BRAB123", "3HAB", "3UABCDE", "3SAB", "XSAB", "XSAB12"}) {
        BOOST_TEST(outcome(checkCallSign(sign)) == "OK", sign);
    }
    for (const char* sign : {"BQA", "BABCDEFG", "3VAB", "3GAB", "3HA", "XS1", "XSABCDEF", "bQAB", "VRAB", ""}) {
        BOOST_TEST(outcome(checkCallSign(sign)) == "CALL_SIGN_FORMAT", sign);
    }
}

BOOST_AUTO_TEST_CASE(division_codes) {
    for (const char* code : {"370200", "110000", "650100", "710000", "810000", "820000"}) {
        BOOST_TEST(outcome(checkDivisionCode(code)) == "OK", code);
    }
    for (const char* code : {"010000", "160000", "720000", "900000", "37020", "3702000", "3702A0", ""}) {
        BOOST_TEST(outcome(checkDivisionCode(code)) == "DIVISION_CODE_FORMAT", code);
    }
}

BOOST_AUTO_TEST_SUITE_END()
