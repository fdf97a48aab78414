#pragma once

#include <string>
#include <string_view>

namespace hub::core {

// Result of checking one identifier. `ok` is true only when the format and
// (where the identifier has one) the check digit are right. When `ok` is false,
// `code` is one of the stable codes below and `reason` explains in English.
struct IdentifierCheck {
    bool ok = true;
    std::string code;
    std::string reason;

    static IdentifierCheck valid() { return {}; }
    static IdentifierCheck invalid(std::string code, std::string reason) {
        return {false, std::move(code), std::move(reason)};
    }
};

// Stable codes (also used as ValidationError::code):
//   USCC_FORMAT, USCC_CHECK_DIGIT, IMO_SHIP_FORMAT, IMO_SHIP_CHECK_DIGIT,
//   IMO_COMPANY_FORMAT, IMO_COMPANY_CHECK_DIGIT, RESIDENT_ID_FORMAT,
//   RESIDENT_ID_DATE, RESIDENT_ID_CHECK_DIGIT, CN_SHIP_ID_FORMAT,
//   CN_SHIP_ID_YEAR, MMSI_FORMAT, MMSI_MID, CALL_SIGN_FORMAT, DIVISION_CODE_FORMAT

// Unified social credit code, GB 32100-2015 (18 chars, check character 18).
IdentifierCheck checkUscc(std::string_view code);
// The check character for the first 17 characters of a USCC (used by the
// department simulator to mint valid codes). Precondition: 17 chars from the
// USCC alphabet; throws std::invalid_argument otherwise.
char usccCheckCharacter(std::string_view first17);

// IMO ship number: 7 digits, optionally written "IMO 9319466".
IdentifierCheck checkImoShipNumber(std::string_view number);
// IMO company / registered owner number: 7 digits, weights 8,6,4,2,9,7.
IdentifierCheck checkImoCompanyNumber(std::string_view number);

// Chinese resident identity number, GB 11643-1999 (ISO 7064 MOD 11-2).
// `todayYyyymmdd` (e.g. 20261127) bounds the birth date: a birth date after
// today or before 1900 is RESIDENT_ID_DATE.
IdentifierCheck checkResidentId(std::string_view id, int todayYyyymmdd);

// China ship identification number: "CN" + 11 digits; the first 4 digits are a
// keel-laying year between 1900 and `currentYear` + 1. The check digit rule is
// not public, so only format and year are checked.
IdentifierCheck checkChinaShipId(std::string_view id, int currentYear);

// MMSI of a ship station (ITU-R M.585): 9 digits, first digit 2-7.
// With `chinaOnly`, the MID must be 412, 413 or 414.
IdentifierCheck checkMmsi(std::string_view mmsi, bool chinaOnly);

// Chinese call sign: B + 3-6 alphanumerics, 3H..3U + 2-5, or XS + 2-5.
IdentifierCheck checkCallSign(std::string_view callSign);

// Administrative division code (GB/T 2260): 6 digits, not starting with 0.
IdentifierCheck checkDivisionCode(std::string_view code);

}  // namespace hub::core
