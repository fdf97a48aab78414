#include <boost/test/unit_test.hpp>

#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/delivery_outcome.h"
#include "core/retry_policy.h"

using namespace hub::core;
using Transport = AttemptObservation::Transport;

namespace {

const std::vector<int> kStatuses{200, 201, 202, 204, 301, 400, 401, 403, 404, 408,
                                 409, 422, 429, 500, 502, 503, 504};

// What a status decides on its own; nullopt where the body decides (2xx).
std::optional<DeliveryClass> classOfStatus(int status) {
    static const std::map<int, DeliveryClass> kByStatus{
        {301, DeliveryClass::Permanent}, {400, DeliveryClass::Permanent}, {401, DeliveryClass::Permanent},
        {403, DeliveryClass::Permanent}, {404, DeliveryClass::Permanent}, {408, DeliveryClass::Retryable},
        {409, DeliveryClass::Permanent}, {422, DeliveryClass::Permanent}, {429, DeliveryClass::Retryable},
        {500, DeliveryClass::Retryable}, {502, DeliveryClass::Retryable}, {503, DeliveryClass::Retryable},
        {504, DeliveryClass::Retryable},
    };
    auto found = kByStatus.find(status);
    if (found == kByStatus.end()) return std::nullopt;
    return found->second;
}

DeliveryClass classOfSuccessfulBody(bool valid, bool receipt, bool decision) {
    if (!valid) return DeliveryClass::Permanent;
    if (decision) return DeliveryClass::Decided;
    if (receipt) return DeliveryClass::Acknowledged;
    return DeliveryClass::Permanent;
}

std::string describe(const AttemptObservation& o) {
    return "transport " + std::to_string(static_cast<int>(o.transport)) + " status " + std::to_string(o.httpStatus) +
           " valid " + std::to_string(o.responseValid) + " receipt " + std::to_string(o.hasReceipt) + " decision " +
           std::to_string(o.hasDecision);
}

constexpr EpochMillis kRfcExampleDate = 784'111'777'000;  // Sun, 06 Nov 1994 08:49:37 GMT

}  // namespace

BOOST_AUTO_TEST_SUITE(delivery_outcome)

BOOST_AUTO_TEST_CASE(class_names) {
    BOOST_TEST(toString(DeliveryClass::Acknowledged) == "ACKNOWLEDGED");
    BOOST_TEST(toString(DeliveryClass::Decided) == "DECIDED");
    BOOST_TEST(toString(DeliveryClass::Retryable) == "RETRYABLE");
    BOOST_TEST(toString(DeliveryClass::Permanent) == "PERMANENT");
}

BOOST_AUTO_TEST_CASE(every_status_and_body_combination_with_a_working_transport) {
    int checked = 0;
    for (int status : kStatuses)
        for (bool valid : {false, true})
            for (bool receipt : {false, true})
                for (bool decision : {false, true}) {
                    const AttemptObservation observation{Transport::Ok, status, valid, receipt, decision, std::nullopt};
                    const DeliveryClass expected =
                        classOfStatus(status).value_or(classOfSuccessfulBody(valid, receipt, decision));
                    const DeliveryOutcome outcome = classifyAttempt(observation);
                    BOOST_TEST((outcome.deliveryClass == expected),
                               describe(observation) << " gave " << toString(outcome.deliveryClass));
                    BOOST_TEST(!outcome.reason.empty());
                    ++checked;
                }
    BOOST_TEST(checked == 17 * 8);
}

BOOST_AUTO_TEST_CASE(transport_failures_decide_whatever_the_status_and_body) {
    const std::map<Transport, std::pair<DeliveryClass, std::string_view>> expected{
        {Transport::ConnectionFailed, {DeliveryClass::Retryable, "connection-failed"}},
        {Transport::Timeout, {DeliveryClass::Retryable, "timeout"}},
        {Transport::TlsFailed, {DeliveryClass::Permanent, "tls-failed"}},
    };
    for (const auto& [transport, result] : expected)
        for (int status : std::vector<int>{0, 200, 202, 404, 429, 503})
            for (bool valid : {false, true})
                for (bool receipt : {false, true})
                    for (bool decision : {false, true}) {
                        const AttemptObservation observation{transport, status, valid, receipt, decision, 7000};
                        const DeliveryOutcome outcome = classifyAttempt(observation);
                        BOOST_TEST((outcome.deliveryClass == result.first), describe(observation));
                        BOOST_TEST(outcome.reason == result.second);
                        BOOST_TEST(!outcome.retryAfterMs.has_value(), "no response, no Retry-After");
                    }
}

BOOST_AUTO_TEST_CASE(reasons_name_the_rule_that_applied) {
    const auto reason = [](int status, bool valid, bool receipt, bool decision) {
        return classifyAttempt({Transport::Ok, status, valid, receipt, decision, std::nullopt}).reason;
    };
    BOOST_TEST(reason(200, true, false, true) == "decided");
    BOOST_TEST(reason(200, true, true, true) == "decided");
    BOOST_TEST(reason(202, true, true, false) == "acknowledged");
    BOOST_TEST(reason(200, true, false, false) == "no-receipt-or-decision");
    BOOST_TEST(reason(200, false, true, true) == "invalid-response");
    BOOST_TEST(reason(204, false, false, false) == "invalid-response");
    AttemptObservation cutShort{Transport::Ok, 200, false, false, false, std::nullopt};
    cutShort.responseMalformed = true;
    BOOST_TEST(classifyAttempt(cutShort).reason == "malformed-response");
    BOOST_TEST((classifyAttempt(cutShort).deliveryClass == DeliveryClass::Retryable));
    cutShort.httpStatus = 400;  // the status decides first
    BOOST_TEST((classifyAttempt(cutShort).deliveryClass == DeliveryClass::Permanent));
    BOOST_TEST(reason(301, true, true, true) == "http-3xx");
    BOOST_TEST(reason(404, true, true, true) == "http-4xx");
    BOOST_TEST(reason(408, false, false, false) == "http-408");
    BOOST_TEST(reason(429, false, false, false) == "http-429");
    BOOST_TEST(reason(503, false, false, false) == "http-5xx");
}

BOOST_AUTO_TEST_CASE(statuses_outside_the_known_classes_are_permanent) {
    for (int status : {-1, 0, 99, 100, 101, 199, 600, 999}) {
        const DeliveryOutcome outcome = classifyAttempt({Transport::Ok, status, true, true, true, 1000});
        BOOST_TEST((outcome.deliveryClass == DeliveryClass::Permanent), "status " << status);
        BOOST_TEST(outcome.reason == "http-status-unknown");
    }
    BOOST_TEST((classifyAttempt({Transport::Ok, 299, true, true, false, std::nullopt}).deliveryClass ==
                DeliveryClass::Acknowledged));
    BOOST_TEST((classifyAttempt({Transport::Ok, 599, true, true, false, std::nullopt}).deliveryClass ==
                DeliveryClass::Retryable));
}

BOOST_AUTO_TEST_CASE(retry_after_travels_only_with_retryable_responses) {
    for (int status : kStatuses) {
        const DeliveryOutcome outcome = classifyAttempt({Transport::Ok, status, true, true, false, 30'000});
        if (outcome.deliveryClass == DeliveryClass::Retryable) {
            BOOST_TEST(outcome.retryAfterMs.value_or(-1) == 30'000, "status " << status);
        } else {
            BOOST_TEST(!outcome.retryAfterMs.has_value(), "status " << status);
        }
    }
    BOOST_TEST(!classifyAttempt({Transport::Ok, 503, false, false, false, std::nullopt}).retryAfterMs.has_value());
}

BOOST_AUTO_TEST_CASE(retry_after_delta_seconds) {
    BOOST_TEST(parseRetryAfter("120", 0).value_or(-1) == 120'000);
    BOOST_TEST(parseRetryAfter("0", 0).value_or(-1) == 0);
    BOOST_TEST(parseRetryAfter("007", 0).value_or(-1) == 7'000);
    BOOST_TEST(parseRetryAfter(" 5\t", 0).value_or(-1) == 5'000);
    BOOST_TEST(parseRetryAfter("3600", 12345).value_or(-1) == 3'600'000);
}

BOOST_AUTO_TEST_CASE(retry_after_huge_values_stop_at_the_ceiling) {
    BOOST_TEST(parseRetryAfter("3601", 0).value_or(-1) == kMaxHonouredRetryAfterMs);
    BOOST_TEST(parseRetryAfter("9223372036854775807", 0).value_or(-1) == kMaxHonouredRetryAfterMs);
    BOOST_TEST(parseRetryAfter(std::string(400, '9'), 0).value_or(-1) == kMaxHonouredRetryAfterMs);
}

BOOST_AUTO_TEST_CASE(retry_after_garbage_is_refused) {
    for (std::string_view garbage : {"", " ", "\t", "-5", "+5", "1.5", "5s", "5 5", "abc", "0x10", "５",
                                     "120\r\n", "Retry-After: 5"})
        BOOST_TEST(!parseRetryAfter(garbage, 0).has_value(), "'" << garbage << "'");
}

BOOST_AUTO_TEST_CASE(retry_after_imf_fixdate) {
    const std::string_view date = "Sun, 06 Nov 1994 08:49:37 GMT";
    BOOST_TEST(parseRetryAfter(date, kRfcExampleDate - 90'000).value_or(-1) == 90'000);
    BOOST_TEST(parseRetryAfter(date, kRfcExampleDate - 1'500).value_or(-1) == 1'500);
    BOOST_TEST(parseRetryAfter("  Sun, 06 Nov 1994 08:49:37 GMT ", kRfcExampleDate - 1).value_or(-1) == 1);
    BOOST_TEST(parseRetryAfter(date, kRfcExampleDate).value_or(-1) == 0);
    BOOST_TEST(parseRetryAfter(date, kRfcExampleDate + 86'400'000).value_or(-1) == 0);
    BOOST_TEST(parseRetryAfter(date, kRfcExampleDate - 7'200'000).value_or(-1) == kMaxHonouredRetryAfterMs);
    BOOST_TEST(parseRetryAfter(date, std::numeric_limits<EpochMillis>::min()).value_or(-1) == kMaxHonouredRetryAfterMs);
}

BOOST_AUTO_TEST_CASE(retry_after_dates_map_to_the_right_instant) {
    // Each date 60 s after `now`, so a wrong day or month would show.
    const std::vector<std::pair<std::string_view, EpochMillis>> dates{
        {"Fri, 27 Nov 2026 03:27:18 GMT", 1'795'750'038'000},
        {"Thu, 29 Feb 2024 00:00:00 GMT", 1'709'164'800'000},
        {"Tue, 29 Feb 2000 00:00:00 GMT", 951'782'400'000},
        {"Thu, 01 Jan 1970 00:00:00 GMT", 0},
        {"Fri, 31 Dec 9999 23:59:59 GMT", 253'402'300'799'000},
    };
    for (const auto& [text, instant] : dates)
        BOOST_TEST(parseRetryAfter(text, instant - 60'000).value_or(-1) == 60'000, text);
    BOOST_TEST(parseRetryAfter("Sat, 31 Dec 2016 23:59:60 GMT", 1'483'228'800'000 - 60'000).value_or(-1) == 60'000);  // leap second lands on the next minute
}

BOOST_AUTO_TEST_CASE(retry_after_malformed_dates_are_refused) {
    for (std::string_view bad : {
             "Sun, 31 Feb 1994 08:49:37 GMT",   // no such day
             "Thu, 29 Feb 2023 00:00:00 GMT",   // not a leap year
             "Thu, 29 Feb 1900 00:00:00 GMT",   // century, not a leap year
             "Sun, 00 Nov 1994 08:49:37 GMT",
             "Sun, 06 Nov 1994 24:00:00 GMT",
             "Sun, 06 Nov 1994 08:60:37 GMT",
             "Sun, 06 Nov 1994 08:49:61 GMT",
             "Sun, 06 Nov 1994 08:49:37 UTC",
             "Sun, 06 nov 1994 08:49:37 GMT",
             "Sun, 06 Foo 1994 08:49:37 GMT",
             "Xyz, 06 Nov 1994 08:49:37 GMT",
             "Sun, 6 Nov 1994 08:49:37 GMT",
             "Sun, 06 Nov 94 08:49:37 GMT",
             "Sun,06 Nov 1994 08:49:37 GMT ",
             "Sun, 06 Nov 1994 08:49:37 GMTX",
             "Sun, 06 Nov 1994 08:49:3a GMT",
             "Sun, 06 Nov 1994 08-49-37 GMT",
             "Sunday, 06-Nov-94 08:49:37 GMT",  // RFC 850, obsolete
             "Sun Nov  6 08:49:37 1994",        // asctime, obsolete
             "1994-11-06T08:49:37Z",
         })
        BOOST_TEST(!parseRetryAfter(bad, 0).has_value(), bad);
}

BOOST_AUTO_TEST_SUITE_END()
