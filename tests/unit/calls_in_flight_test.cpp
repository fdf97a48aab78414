#include <boost/test/unit_test.hpp>

#include <chrono>
#include <optional>
#include <thread>

#include "core/calls_in_flight.h"

using namespace hub::core;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(calls_in_flight)

BOOST_AUTO_TEST_CASE(a_call_counts_from_begin_until_destroyed) {
    CallsInFlight calls;
    BOOST_TEST(calls.inFlight("SAMR") == 0);
    {
        auto first = calls.begin("SAMR");
        auto second = calls.begin("SAMR");
        auto other = calls.begin("MOT");
        BOOST_TEST(calls.inFlight("SAMR") == 2);
        BOOST_TEST(calls.inFlight("MOT") == 1);
        auto moved = std::move(first);  // a moved-from call ends nothing
        BOOST_TEST(calls.inFlight("SAMR") == 2);
    }
    BOOST_TEST(calls.inFlight("SAMR") == 0);
    BOOST_TEST(calls.inFlight("MOT") == 0);
}

BOOST_AUTO_TEST_CASE(waiting_with_nothing_in_flight_returns_false_at_once) {
    CallsInFlight calls;
    const auto started = std::chrono::steady_clock::now();
    BOOST_TEST(!calls.waitForOneToEnd("SAMR", 5s));
    { auto ended = calls.begin("SAMR"); }
    BOOST_TEST(!calls.waitForOneToEnd("SAMR", 5s));
    BOOST_TEST((std::chrono::steady_clock::now() - started < 1s));
}

BOOST_AUTO_TEST_CASE(a_waiter_wakes_when_a_call_of_its_department_ends) {
    CallsInFlight calls;
    std::optional<CallsInFlight::Call> call(calls.begin("SAMR"));
    auto other = calls.begin("MOT");
    std::thread ender([&] {
        std::this_thread::sleep_for(50ms);
        call.reset();
    });
    const auto started = std::chrono::steady_clock::now();
    BOOST_TEST(calls.waitForOneToEnd("SAMR", 10s));
    BOOST_TEST((std::chrono::steady_clock::now() - started < 5s));
    ender.join();
    BOOST_TEST(calls.inFlight("SAMR") == 0);
}

BOOST_AUTO_TEST_CASE(a_waiter_times_out_while_the_call_goes_on) {
    CallsInFlight calls;
    auto samr = calls.begin("SAMR");
    std::optional<CallsInFlight::Call> mot(calls.begin("MOT"));
    std::thread ender([&] {
        std::this_thread::sleep_for(20ms);
        mot.reset();  // another department's call ending does not count
    });
    const auto started = std::chrono::steady_clock::now();
    BOOST_TEST(!calls.waitForOneToEnd("SAMR", 150ms));
    BOOST_TEST((std::chrono::steady_clock::now() - started >= 150ms));
    ender.join();
}

BOOST_AUTO_TEST_SUITE_END()
