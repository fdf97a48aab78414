#include <boost/test/unit_test.hpp>

#include <thread>
#include <vector>

#include "observability/json_log_formatter.h"
#include "observability/metrics.h"

using namespace hub::observability;

BOOST_AUTO_TEST_SUITE(observability)

BOOST_AUTO_TEST_CASE(counters_render_one_line_per_label_set_with_escaped_values) {
    CounterFamily counter("hub_test_total", "A test counter.", {"department", "outcome"});
    counter.add({"MSA", "ACKNOWLEDGED"});
    counter.add({"MSA", "ACKNOWLEDGED"}, 2);
    counter.add({"MOT", "say \"hi\"\\\n"});
    std::string text;
    counter.render(text);
    BOOST_TEST(text ==
               "# HELP hub_test_total A test counter.\n"
               "# TYPE hub_test_total counter\n"
               "hub_test_total{department=\"MOT\",outcome=\"say \\\"hi\\\"\\\\\\n\"} 1\n"
               "hub_test_total{department=\"MSA\",outcome=\"ACKNOWLEDGED\"} 3\n");
}

BOOST_AUTO_TEST_CASE(histograms_count_cumulatively_with_an_infinite_bucket) {
    Histogram histogram("hub_test_seconds", "A test histogram.", {0.1, 1});
    histogram.observe(0.05);
    histogram.observe(0.1);  // on the bound: counted in le="0.1"
    histogram.observe(0.5);
    histogram.observe(7);
    std::string text;
    histogram.render(text);
    BOOST_TEST(text ==
               "# HELP hub_test_seconds A test histogram.\n"
               "# TYPE hub_test_seconds histogram\n"
               "hub_test_seconds_bucket{le=\"0.1\"} 2\n"
               "hub_test_seconds_bucket{le=\"1\"} 3\n"
               "hub_test_seconds_bucket{le=\"+Inf\"} 4\n"
               "hub_test_seconds_sum 7.65\n"
               "hub_test_seconds_count 4\n");
}

BOOST_AUTO_TEST_CASE(counting_from_many_threads_loses_nothing) {
    CounterFamily counter("hub_threads_total", "Threads.", {"thread"});
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&counter] {
            for (int i = 0; i < 10000; ++i) counter.add({"all"});
        });
    for (auto& thread : threads) thread.join();
    std::string text;
    counter.render(text);
    BOOST_TEST(text.find("hub_threads_total{thread=\"all\"} 40000\n") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(gauges_render_their_samples) {
    std::string text;
    renderGauges({"hub_permits", "Permits by state.", {{{{"state", "QUEUED"}}, 2}, {{}, 0.5}}}, text);
    BOOST_TEST(text ==
               "# HELP hub_permits Permits by state.\n# TYPE hub_permits gauge\n"
               "hub_permits{state=\"QUEUED\"} 2\nhub_permits 0.5\n");
}

BOOST_AUTO_TEST_CASE(log_lines_lift_leading_key_value_words_into_fields) {
    BOOST_TEST(jsonLogLine("2026-11-27T07:14:38.089Z", "information", "hub.dispatch",
                           "package=PKG-1 permit=P05 department=MSA message=m-1 QUEUED -> SUBMITTED: MSA ACK") ==
               R"({"ts":"2026-11-27T07:14:38.089Z","level":"information","logger":"hub.dispatch",)"
               R"("package":"PKG-1","permit":"P05","department":"MSA","messageId":"m-1",)"
               R"("message":"QUEUED -> SUBMITTED: MSA ACK"})");
}

BOOST_AUTO_TEST_CASE(log_lines_without_fields_escape_their_text) {
    BOOST_TEST(jsonLogLine("t", "warning", "hub", "a \"quoted\"\tline\nwith x=1 later\x01") ==
               R"({"ts":"t","level":"warning","logger":"hub","message":"a \"quoted\"\tline\nwith x=1 later\u0001"})");
    // An empty value, an upper-case key or a reserved key ends the fields.
    BOOST_TEST(jsonLogLine("t", "error", "hub", "package= rest") ==
               R"({"ts":"t","level":"error","logger":"hub","message":"package= rest"})");
    BOOST_TEST(jsonLogLine("t", "error", "hub", "level=fatal rest") ==
               R"({"ts":"t","level":"error","logger":"hub","message":"level=fatal rest"})");
    BOOST_TEST(jsonLogLine("t", "error", "hub", "department=MSA") ==
               R"({"ts":"t","level":"error","logger":"hub","department":"MSA","message":""})");
}

BOOST_AUTO_TEST_SUITE_END()
