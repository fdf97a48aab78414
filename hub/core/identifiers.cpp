#include "core/identifiers.h"

#include <array>
#include <chrono>
#include <stdexcept>

namespace hub::core {

namespace {

constexpr std::string_view kUsccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";

bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool isLower(char c) { return c >= 'a' && c <= 'z'; }

bool allDigits(std::string_view text) {
    if (text.empty()) return false;
    for (char c : text) {
        if (!isDigit(c)) return false;
    }
    return true;
}

bool allUpperAlnum(std::string_view text) {
    for (char c : text) {
        if (!isDigit(c) && !isUpper(c)) return false;
    }
    return true;
}

int digitValue(char c) { return c - '0'; }

int usccValue(char c) {
    auto pos = kUsccAlphabet.find(c);
    return pos == std::string_view::npos ? -1 : static_cast<int>(pos);
}

int parseNumber(std::string_view digits) {
    int value = 0;
    for (char c : digits) value = value * 10 + digitValue(c);
    return value;
}

bool isRealDate(int year, int month, int day) {
    using namespace std::chrono;
    return year_month_day{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
                          std::chrono::day{static_cast<unsigned>(day)}}
        .ok();
}

// The two leading digits of GB/T 2260 province-level divisions.
bool isProvinceCode(int code) {
    return (code >= 11 && code <= 15) || (code >= 21 && code <= 23) || (code >= 31 && code <= 37) ||
           (code >= 41 && code <= 46) || (code >= 50 && code <= 54) || (code >= 61 && code <= 65) ||
           code == 71 || code == 81 || code == 82;
}

std::string quoted(std::string_view text) { return "'" + std::string(text) + "'"; }

}  // namespace

char usccCheckCharacter(std::string_view first17) {
    static constexpr std::array<int, 17> weights{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
    if (first17.size() != 17) {
        throw std::invalid_argument("usccCheckCharacter: expected 17 characters");
    }
    int sum = 0;
    for (std::size_t i = 0; i < 17; ++i) {
        int value = usccValue(first17[i]);
        if (value < 0) {
            throw std::invalid_argument("usccCheckCharacter: character outside the USCC alphabet");
        }
        sum += value * weights[i];
    }
    return kUsccAlphabet[(31 - sum % 31) % 31];
}

IdentifierCheck checkUscc(std::string_view code) {
    if (code.size() != 18) {
        return IdentifierCheck::invalid("USCC_FORMAT", "a unified social credit code has 18 characters, got " +
                                                           std::to_string(code.size()));
    }
    for (std::size_t i = 0; i < code.size(); ++i) {
        char c = code[i];
        if (isLower(c)) {
            return IdentifierCheck::invalid("USCC_FORMAT",
                                            "a unified social credit code is written in capital letters");
        }
        if (usccValue(c) < 0) {
            return IdentifierCheck::invalid(
                "USCC_FORMAT", "character " + std::to_string(i + 1) + " " + quoted(std::string_view(&code[i], 1)) +
                                   " is not allowed in a unified social credit code (no I, O, S, V, Z)");
        }
    }
    if (!allDigits(code.substr(2, 6))) {
        return IdentifierCheck::invalid("USCC_FORMAT",
                                        "characters 3-8 of a unified social credit code are the division code "
                                        "and must be digits");
    }
    char expected = usccCheckCharacter(code.substr(0, 17));
    if (code[17] != expected) {
        return IdentifierCheck::invalid("USCC_CHECK_DIGIT", "check character is " + quoted(code.substr(17, 1)) +
                                                                " but the first 17 characters give " +
                                                                quoted(std::string_view(&expected, 1)));
    }
    return IdentifierCheck::valid();
}

IdentifierCheck checkImoShipNumber(std::string_view number) {
    if (number.starts_with("IMO")) {
        number.remove_prefix(3);
        if (number.starts_with(' ')) number.remove_prefix(1);
    }
    if (number.size() != 7 || !allDigits(number)) {
        return IdentifierCheck::invalid("IMO_SHIP_FORMAT",
                                        "an IMO ship number is 7 digits, optionally written 'IMO 9319466'");
    }
    int sum = 0;
    for (int i = 0; i < 6; ++i) sum += (7 - i) * digitValue(number[i]);
    int expected = sum % 10;
    if (digitValue(number[6]) != expected) {
        return IdentifierCheck::invalid("IMO_SHIP_CHECK_DIGIT", "check digit is " + std::string(1, number[6]) +
                                                                    " but the first six digits give " +
                                                                    std::to_string(expected));
    }
    return IdentifierCheck::valid();
}

IdentifierCheck checkImoCompanyNumber(std::string_view number) {
    static constexpr std::array<int, 6> weights{8, 6, 4, 2, 9, 7};
    if (number.size() != 7 || !allDigits(number)) {
        return IdentifierCheck::invalid("IMO_COMPANY_FORMAT", "an IMO company number is 7 digits");
    }
    int sum = 0;
    for (int i = 0; i < 6; ++i) sum += weights[i] * digitValue(number[i]);
    int expected = (11 - sum % 11) % 10;
    if (digitValue(number[6]) != expected) {
        return IdentifierCheck::invalid("IMO_COMPANY_CHECK_DIGIT", "check digit is " + std::string(1, number[6]) +
                                                                       " but the first six digits give " +
                                                                       std::to_string(expected));
    }
    return IdentifierCheck::valid();
}

IdentifierCheck checkResidentId(std::string_view id, int todayYyyymmdd) {
    static constexpr std::array<int, 17> weights{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    static constexpr std::string_view checkCharacters = "10X98765432";
    if (id.size() != 18 || !allDigits(id.substr(0, 17)) || !(isDigit(id[17]) || id[17] == 'X')) {
        return IdentifierCheck::invalid("RESIDENT_ID_FORMAT",
                                        "a resident identity number is 17 digits followed by a digit or capital X");
    }
    int year = parseNumber(id.substr(6, 4));
    int month = parseNumber(id.substr(10, 2));
    int day = parseNumber(id.substr(12, 2));
    int birth = parseNumber(id.substr(6, 8));
    if (!isRealDate(year, month, day)) {
        return IdentifierCheck::invalid("RESIDENT_ID_DATE",
                                        "birth date " + std::string(id.substr(6, 8)) + " is not a calendar date");
    }
    if (year < 1900 || birth > todayYyyymmdd) {
        return IdentifierCheck::invalid("RESIDENT_ID_DATE", "birth date " + std::string(id.substr(6, 8)) +
                                                                " is before 1900 or in the future");
    }
    int sum = 0;
    for (std::size_t i = 0; i < 17; ++i) sum += weights[i] * digitValue(id[i]);
    char expected = checkCharacters[sum % 11];
    if (id[17] != expected) {
        return IdentifierCheck::invalid("RESIDENT_ID_CHECK_DIGIT", "check character is " + quoted(id.substr(17, 1)) +
                                                                       " but the first 17 digits give " +
                                                                       quoted(std::string_view(&expected, 1)));
    }
    return IdentifierCheck::valid();
}

IdentifierCheck checkChinaShipId(std::string_view id, int currentYear) {
    if (id.size() != 13 || !id.starts_with("CN") || !allDigits(id.substr(2))) {
        return IdentifierCheck::invalid("CN_SHIP_ID_FORMAT",
                                        "a China ship identification number is 'CN' followed by 11 digits");
    }
    int year = parseNumber(id.substr(2, 4));
    if (year < 1900 || year > currentYear + 1) {
        return IdentifierCheck::invalid("CN_SHIP_ID_YEAR", "keel-laying year " + std::to_string(year) +
                                                               " is not between 1900 and " +
                                                               std::to_string(currentYear + 1));
    }
    return IdentifierCheck::valid();
}

IdentifierCheck checkMmsi(std::string_view mmsi, bool chinaOnly) {
    if (mmsi.size() != 9 || !allDigits(mmsi) || mmsi[0] < '2' || mmsi[0] > '7') {
        return IdentifierCheck::invalid("MMSI_FORMAT",
                                        "a ship station MMSI is 9 digits starting with a digit from 2 to 7");
    }
    if (chinaOnly) {
        std::string_view mid = mmsi.substr(0, 3);
        if (mid != "412" && mid != "413" && mid != "414") {
            return IdentifierCheck::invalid("MMSI_MID", "MID " + std::string(mid) +
                                                            " is not a Chinese MID (412, 413 or 414)");
        }
    }
    return IdentifierCheck::valid();
}

IdentifierCheck checkCallSign(std::string_view callSign) {
    auto fits = [&](std::size_t prefixLength, std::size_t minRest, std::size_t maxRest) {
        std::string_view rest = callSign.substr(prefixLength);
        return rest.size() >= minRest && rest.size() <= maxRest && allUpperAlnum(rest);
    };
    bool ok = false;
    if (callSign.starts_with('B')) {
        ok = fits(1, 3, 6);
    } else if (callSign.size() >= 2 && callSign[0] == '3' && callSign[1] >= 'H' && callSign[1] <= 'U') {
        ok = fits(2, 2, 5);
    } else if (callSign.starts_with("XS")) {
        ok = fits(2, 2, 5);
    }
    if (!ok) {
        return IdentifierCheck::invalid("CALL_SIGN_FORMAT",
                                        "a Chinese call sign is B + 3-6, 3H..3U + 2-5 or XS + 2-5 capital "
                                        "letters or digits");
    }
    return IdentifierCheck::valid();
}

IdentifierCheck checkDivisionCode(std::string_view code) {
    if (code.size() != 6 || !allDigits(code)) {
        return IdentifierCheck::invalid("DIVISION_CODE_FORMAT", "an administrative division code is 6 digits");
    }
    if (!isProvinceCode(parseNumber(code.substr(0, 2)))) {
        return IdentifierCheck::invalid("DIVISION_CODE_FORMAT", "division code " + std::string(code) +
                                                                    " does not start with a province-level code");
    }
    return IdentifierCheck::valid();
}

}  // namespace hub::core
