#include "core/delivery_outcome.h"

#include <algorithm>
#include <array>
#include <cstdint>

#include "core/retry_policy.h"

namespace hub::core {

std::string_view toString(DeliveryClass deliveryClass) {
    switch (deliveryClass) {
        case DeliveryClass::Acknowledged: return "ACKNOWLEDGED";
        case DeliveryClass::Decided: return "DECIDED";
        case DeliveryClass::Retryable: return "RETRYABLE";
        case DeliveryClass::Permanent: return "PERMANENT";
    }
    return "UNKNOWN";
}

DeliveryOutcome classifyAttempt(const AttemptObservation& observation) {
    using Transport = AttemptObservation::Transport;
    switch (observation.transport) {
        case Transport::ConnectionFailed: return {DeliveryClass::Retryable, "connection-failed", std::nullopt};
        case Transport::Timeout: return {DeliveryClass::Retryable, "timeout", std::nullopt};
        case Transport::TlsFailed: return {DeliveryClass::Permanent, "tls-failed", std::nullopt};
        case Transport::Ok: break;
    }
    const int status = observation.httpStatus;
    if (status == 408) return {DeliveryClass::Retryable, "http-408", observation.retryAfterMs};
    if (status == 429) return {DeliveryClass::Retryable, "http-429", observation.retryAfterMs};
    if (status >= 500 && status <= 599) return {DeliveryClass::Retryable, "http-5xx", observation.retryAfterMs};
    if (status >= 400 && status <= 499) return {DeliveryClass::Permanent, "http-4xx", std::nullopt};
    if (status >= 300 && status <= 399) return {DeliveryClass::Permanent, "http-3xx", std::nullopt};
    if (status < 200 || status > 299) return {DeliveryClass::Permanent, "http-status-unknown", std::nullopt};
    if (!observation.responseValid && observation.responseMalformed)
        return {DeliveryClass::Retryable, "malformed-response", std::nullopt};
    if (!observation.responseValid) return {DeliveryClass::Permanent, "invalid-response", std::nullopt};
    if (observation.hasDecision) return {DeliveryClass::Decided, "decided", std::nullopt};
    if (observation.hasReceipt) return {DeliveryClass::Acknowledged, "acknowledged", std::nullopt};
    return {DeliveryClass::Permanent, "no-receipt-or-decision", std::nullopt};
}

namespace {

std::string_view trimOws(std::string_view text) {
    const auto isOws = [](char c) { return c == ' ' || c == '\t'; };
    while (!text.empty() && isOws(text.front())) text.remove_prefix(1);
    while (!text.empty() && isOws(text.back())) text.remove_suffix(1);
    return text;
}

bool isDigit(char c) { return c >= '0' && c <= '9'; }

// Exactly `width` digits at `text[pos]`.
std::optional<int> fixedDigits(std::string_view text, std::size_t pos, std::size_t width) {
    int value = 0;
    for (std::size_t i = pos; i < pos + width; ++i) {
        if (!isDigit(text[i])) return std::nullopt;
        value = value * 10 + (text[i] - '0');
    }
    return value;
}

bool isLeapYear(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int daysInMonth(int year, int month) {
    static constexpr std::array<int, 12> kDays{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && isLeapYear(year) ? 29 : kDays[static_cast<std::size_t>(month - 1)];
}

// Days from 1970-01-01 to the given proleptic Gregorian date (H. Hinnant's
// days_from_civil).
std::int64_t daysFromCivil(int year, int month, int day) {
    year -= month <= 2 ? 1 : 0;
    const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
    const std::int64_t yearOfEra = year - era * 400;
    const std::int64_t dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    const std::int64_t dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
    return era * 146097 + dayOfEra - 719468;
}

// "Sun, 06 Nov 1994 08:49:37 GMT" -> epoch millis.
std::optional<EpochMillis> parseImfFixdate(std::string_view text) {
    static constexpr std::array<std::string_view, 7> kDayNames{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    static constexpr std::array<std::string_view, 12> kMonthNames{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    if (text.size() != 29) return std::nullopt;
    if (std::find(kDayNames.begin(), kDayNames.end(), text.substr(0, 3)) == kDayNames.end()) return std::nullopt;
    if (text.substr(3, 2) != ", " || text[7] != ' ' || text[11] != ' ' || text[16] != ' ' || text[19] != ':' ||
        text[22] != ':' || text.substr(25) != " GMT")
        return std::nullopt;
    const auto monthName = std::find(kMonthNames.begin(), kMonthNames.end(), text.substr(8, 3));
    if (monthName == kMonthNames.end()) return std::nullopt;
    const int month = static_cast<int>(monthName - kMonthNames.begin()) + 1;
    const auto day = fixedDigits(text, 5, 2);
    const auto year = fixedDigits(text, 12, 4);
    const auto hour = fixedDigits(text, 17, 2);
    const auto minute = fixedDigits(text, 20, 2);
    const auto second = fixedDigits(text, 23, 2);
    if (!day || !year || !hour || !minute || !second) return std::nullopt;
    // Second 60 is allowed for a leap second (RFC 9110 §5.6.7).
    if (*day < 1 || *day > daysInMonth(*year, month) || *hour > 23 || *minute > 59 || *second > 60)
        return std::nullopt;
    const std::int64_t seconds = daysFromCivil(*year, month, *day) * 86400 + *hour * 3600 + *minute * 60 + *second;
    return seconds * 1000;
}

}  // namespace

std::optional<EpochMillis> parseRetryAfter(std::string_view headerValue, EpochMillis now) {
    const std::string_view value = trimOws(headerValue);
    if (value.empty()) return std::nullopt;
    if (std::all_of(value.begin(), value.end(), isDigit)) {
        // Saturate while reading so that any number of digits is safe.
        constexpr EpochMillis kCeilingSeconds = kMaxHonouredRetryAfterMs / 1000;
        EpochMillis seconds = 0;
        for (char c : value) seconds = std::min(kCeilingSeconds + 1, seconds * 10 + (c - '0'));
        return std::min(seconds * 1000, kMaxHonouredRetryAfterMs);
    }
    const auto at = parseImfFixdate(value);
    if (!at) return std::nullopt;
    if (*at <= now) return 0;
    // Compared before subtracting so that no `now` can overflow *at - now.
    if (now < *at - kMaxHonouredRetryAfterMs) return kMaxHonouredRetryAfterMs;
    return *at - now;
}

}  // namespace hub::core
