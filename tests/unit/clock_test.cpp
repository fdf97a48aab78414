#include <boost/test/unit_test.hpp>

#include <regex>
#include <set>
#include <string_view>

#include "core/clock.h"
#include "core/system_clock.h"

using namespace hub::core;

namespace {

constexpr std::string_view kCrockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

std::int64_t decodeUlidTime(std::string_view ulid) {
    std::int64_t millis = 0;
    for (char c : ulid.substr(0, 10)) millis = millis * 32 + static_cast<std::int64_t>(kCrockford.find(c));
    return millis;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(clock_and_ids)

BOOST_AUTO_TEST_CASE(china_date_changes_at_utc_sixteen_hundred) {
    BOOST_TEST(chinaDateOf(1795708799999) == 20261126);  // 2026-11-26T15:59:59.999Z
    BOOST_TEST(chinaDateOf(1795708800000) == 20261127);  // 2026-11-26T16:00:00.000Z
    BOOST_TEST(chinaDateOf(1709136000000) == 20240229);  // 2024-02-28T16:00:00Z, a leap day in Beijing
    BOOST_TEST(chinaDateOf(0) == 19700101);
    BOOST_TEST(chinaDateOf(-8LL * 3600 * 1000 - 1) == 19691231);
}

BOOST_AUTO_TEST_CASE(rfc3339_is_utc_with_milliseconds) {
    BOOST_TEST(formatRfc3339(0) == "1970-01-01T00:00:00.000Z");
    BOOST_TEST(formatRfc3339(1795750038123) == "2026-11-27T03:27:18.123Z");
    BOOST_TEST(formatRfc3339(1709136000000) == "2024-02-28T16:00:00.000Z");
    BOOST_TEST(formatRfc3339(-1) == "1969-12-31T23:59:59.999Z");
}

BOOST_AUTO_TEST_CASE(system_clock_reads_the_present) {
    SystemClock clock;
    BOOST_TEST(clock.now() > 1704067200000);  // after 2024-01-01
}

BOOST_AUTO_TEST_CASE(package_ids_are_ulids_that_carry_their_time) {
    auto ids = makeRandomIdSource();
    const std::regex form("PKG-[0-9A-HJKMNP-TV-Z]{26}");
    std::string id = ids->packageId(1795750038123);
    BOOST_TEST(std::regex_match(id, form), id);
    BOOST_TEST(decodeUlidTime(std::string_view(id).substr(4)) == 1795750038123);
}

BOOST_AUTO_TEST_CASE(package_ids_sort_by_time_and_within_a_millisecond) {
    auto ids = makeRandomIdSource();
    std::string previous = ids->packageId(1000);
    for (std::int64_t now : std::initializer_list<std::int64_t>{1000, 1000, 1001, 1001, 1002, 5000000000000}) {
        std::string next = ids->packageId(now);
        BOOST_TEST(next > previous, next << " should sort after " << previous);
        previous = next;
    }
}

BOOST_AUTO_TEST_CASE(package_ids_are_unique_over_ten_thousand_draws) {
    auto ids = makeRandomIdSource();
    std::set<std::string> seen;
    for (int i = 0; i < 10000; ++i) seen.insert(ids->packageId(1795750038123 + i % 7));
    BOOST_TEST(seen.size() == 10000u);
}

BOOST_AUTO_TEST_CASE(two_sources_do_not_repeat_each_other) {
    auto first = makeRandomIdSource();
    auto second = makeRandomIdSource();
    BOOST_TEST(first->packageId(1000) != second->packageId(1000));
    BOOST_TEST(first->messageId() != second->messageId());
}

BOOST_AUTO_TEST_CASE(message_ids_are_uuid_v4) {
    auto ids = makeRandomIdSource();
    const std::regex form("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) {
        std::string id = ids->messageId();
        BOOST_TEST(std::regex_match(id, form), id);
        seen.insert(id);
    }
    BOOST_TEST(seen.size() == 1000u);
}

BOOST_AUTO_TEST_SUITE_END()
