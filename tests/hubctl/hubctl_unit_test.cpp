#define BOOST_TEST_MODULE hubctl
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <sstream>

#include <Poco/JSON/Parser.h>

#include "hubctl/commands.h"
#include "hubctl/render.h"

using namespace hubctl;

namespace {

Poco::JSON::Object::Ptr parse(const std::string& json) {
    Poco::JSON::Parser parser;
    return parser.parse(json).extract<Poco::JSON::Object::Ptr>();
}

struct Captured {
    int code = 0;
    std::string out;
    std::string err;
};

// Runs hubctl in-process with no terminal; commands reaching the network are
// not run here (the process tests do that).
Captured runInProcess(const std::vector<std::string>& arguments, std::string input = {}, bool stdinIsTty = false) {
    std::ostringstream out, err;
    std::istringstream in(input);
    Terminal terminal(out, err, in);
    terminal.stdinIsTty = stdinIsTty;
    terminal.sleep = [](std::chrono::milliseconds) {};
    Captured captured;
    captured.code = run(arguments, terminal);
    captured.out = out.str();
    captured.err = err.str();
    return captured;
}

const char* kReceived = R"({"id":"PKG-1","state":"RECEIVED","permits":[
  {"permit":"P01","department":"SAMR","state":"QUEUED","deadlines":{"paused":false,"overdue":false},"expectedOn":"2026-11-30"},
  {"permit":"P12","department":"CCS","state":"QUEUED","deadlines":{"paused":false,"overdue":false}}]})";
const char* kSubmitted = R"({"id":"PKG-1","state":"IN_PROGRESS","permits":[
  {"permit":"P01","department":"SAMR","state":"SUBMITTED","receiptNumber":"SAMR-7","deadlines":{"correctionNoticeBy":"2026-12-04","paused":false,"overdue":false}},
  {"permit":"P12","department":"CCS","state":"QUEUED","deadlines":{"paused":false,"overdue":false}}]})";
const char* kIssued = R"({"id":"PKG-1","state":"IN_PROGRESS","permits":[
  {"permit":"P01","department":"SAMR","state":"ISSUED","receiptNumber":"SAMR-7","deadlines":{"paused":false,"overdue":false},
   "certificate":{"number":"91370202MA3C4L5X1D","issuedOn":"2026-11-23"}},
  {"permit":"P12","department":"CCS","state":"QUEUED","receiptNumber":"CCS-9","deadlines":{"paused":false,"overdue":false}}]})";
const char* kReady = R"({"id":"PKG-1","state":"READY_TO_OPERATE","permits":[
  {"permit":"P01","department":"SAMR","state":"ISSUED","receiptNumber":"SAMR-7","deadlines":{"paused":false,"overdue":false},
   "certificate":{"number":"91370202MA3C4L5X1D","issuedOn":"2026-11-23"}},
  {"permit":"P12","department":"CCS","state":"ISSUED","receiptNumber":"CCS-9","deadlines":{"paused":false,"overdue":false},
   "certificate":{"number":"CCS-C-1","issuedOn":"2026-12-01"}}]})";

}  // namespace

BOOST_AUTO_TEST_SUITE(watch_lines)

BOOST_AUTO_TEST_CASE(the_first_poll_describes_the_package_and_every_permit) {
    PermitChangeTracker tracker;
    const std::vector<std::string> expected{"package PKG-1 RECEIVED", "P01 SAMR    QUEUED", "P12 CCS     QUEUED"};
    BOOST_TEST(tracker.update(*parse(kReceived)) == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(later_polls_print_only_what_changed) {
    PermitChangeTracker tracker;
    tracker.update(*parse(kReceived));
    const std::vector<std::string> submitted{"package PKG-1 RECEIVED -> IN_PROGRESS",
                                             "P01 SAMR    QUEUED -> SUBMITTED (receipt SAMR-7)"};
    BOOST_TEST(tracker.update(*parse(kSubmitted)) == submitted, boost::test_tools::per_element());
    BOOST_TEST(tracker.update(*parse(kSubmitted)).empty());
    const std::vector<std::string> issued{"P01 SAMR    SUBMITTED -> ISSUED (certificate 91370202MA3C4L5X1D)",
                                          "P12 CCS     QUEUED (receipt CCS-9)"};
    BOOST_TEST(tracker.update(*parse(kIssued)) == issued, boost::test_tools::per_element());
    const std::vector<std::string> ready{"package PKG-1 IN_PROGRESS -> READY_TO_OPERATE",
                                         "P12 CCS     QUEUED -> ISSUED (certificate CCS-C-1)"};
    BOOST_TEST(tracker.update(*parse(kReady)) == ready, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_permit_first_seen_late_is_described_whole) {
    PermitChangeTracker tracker;
    tracker.update(*parse(R"({"id":"PKG-1","state":"RECEIVED","permits":[]})"));
    const std::vector<std::string> expected{"package PKG-1 RECEIVED -> READY_TO_OPERATE",
                                            "P01 SAMR    ISSUED (receipt SAMR-7, certificate 91370202MA3C4L5X1D)",
                                            "P12 CCS     ISSUED (receipt CCS-9, certificate CCS-C-1)"};
    BOOST_TEST(tracker.update(*parse(kReady)) == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(only_ready_withdrawn_and_partially_failed_are_final) {
    BOOST_TEST(isFinalPackageState("READY_TO_OPERATE"));
    BOOST_TEST(isFinalPackageState("PARTIALLY_FAILED"));
    BOOST_TEST(isFinalPackageState("WITHDRAWN"));
    BOOST_TEST(!isFinalPackageState("IN_PROGRESS"));
    BOOST_TEST(!isFinalPackageState("RECEIVED"));
}

BOOST_AUTO_TEST_CASE(the_terminal_view_clears_the_screen_and_shows_the_table) {
    const std::string screen = renderWatchScreen(*parse(kSubmitted), Style{false});
    BOOST_TEST(screen.rfind("\033[H\033[2J", 0) == 0u);
    BOOST_TEST(screen.find("receipt SAMR-7") != std::string::npos);
    BOOST_TEST(screen.find("notice by 2026-12-04") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(rendering)

BOOST_AUTO_TEST_CASE(permit_timing_names_each_deadline) {
    auto accepted = parse(R"({"permit":"P12","state":"ACCEPTED","expectedOn":"2026-12-07",
        "deadlines":{"decisionDue":"2026-12-22","workingDaysLeft":19,"paused":false,"overdue":false}})");
    BOOST_TEST(permitTiming(*accepted) == "expected 2026-12-07, decision due 2026-12-22 (19 wd left)");
    auto late = parse(R"({"permit":"P12","state":"SUSPENDED",
        "deadlines":{"decisionDue":"2026-12-01","workingDaysLeft":-2,"paused":true,"overdue":true}})");
    BOOST_TEST(permitTiming(*late) == "decision due 2026-12-01 (-2 wd left), clock paused, OVERDUE");
    auto issued = parse(R"({"permit":"P01","certificate":{"number":"N","issuedOn":"2026-11-23","validUntil":"2031-11-22"}})");
    BOOST_TEST(permitTiming(*issued) == "issued 2026-11-23, valid until 2031-11-22");
    BOOST_TEST(permitDocument(*issued) == "certificate N");
    BOOST_TEST(permitTiming(*parse(R"({"permit":"P02","state":"WAITING"})")) == "-");
    BOOST_TEST(permitDocument(*parse(R"({"permit":"P02","receiptNumber":"R-1"})")) == "receipt R-1");
}

BOOST_AUTO_TEST_CASE(the_forecast_says_when_or_why_not) {
    BOOST_TEST(renderForecast(*parse(R"({"forecast":{"expectedReadyOn":"2026-12-25","reachable":true,
        "remainingWorkingDays":20,"criticalPath":["P12","P06"]}})")) ==
               "expected ready on 2026-12-25 (20 working days; critical path P12 > P06)");
    BOOST_TEST(renderForecast(*parse(R"({"forecast":{"reachable":false,"remainingWorkingDays":0,"criticalPath":[]}})")) ==
               "cannot become ready (a permit failed or was withdrawn)");
    BOOST_TEST(renderForecast(*parse(R"({"forecast":{"readyOn":"2026-12-20","reachable":true}})")) ==
               "ready on 2026-12-20");
}

BOOST_AUTO_TEST_CASE(tables_align_by_display_width_ignoring_colours) {
    BOOST_TEST(displayWidth("abc") == 3u);
    BOOST_TEST(displayWidth("青岛") == 4u);
    BOOST_TEST(displayWidth("\033[32mISSUED\033[0m") == 6u);
    Table table({"A", "B", "C"});
    table.add({"青岛", paintState("ISSUED", Style{true}), "x"});
    table.add({"abcde", "QUEUED", "y"});
    const std::string expected = "A      B       C\n"
                                 "青岛   \033[32mISSUED\033[0m  x\n"
                                 "abcde  QUEUED  y\n";
    BOOST_TEST(table.render() == expected);
}

BOOST_AUTO_TEST_CASE(states_are_plain_without_colour) {
    BOOST_TEST(paintState("REJECTED", Style{false}) == "REJECTED");
    BOOST_TEST(paintState("REJECTED", Style{true}) == "\033[31mREJECTED\033[0m");
    BOOST_TEST(paintState("QUEUED", Style{true}) == "QUEUED");
}

BOOST_AUTO_TEST_CASE(a_problem_lists_each_error_with_its_location) {
    Response response;
    response.status = 422;
    response.body = R"({"type":"urn:licensing-hub:problem:unprocessable","title":"Package failed validation","status":422,
        "detail":"2 error(s).","errors":[
        {"code":"USCC_CHECK_DIGIT","message":"bad digit","location":{"path":"/A/B","line":41}},
        {"code":"ATTACHMENT_MISSING","message":"P07 needs X","location":{"path":"/A/C"}}]})";
    const Problem problem = problemOf(response);
    BOOST_TEST(problem.errors.size() == 2u);
    BOOST_TEST(renderProblem(problem) ==
               "error: 422 Package failed validation\n"
               "  2 error(s).\n"
               "  USCC_CHECK_DIGIT: bad digit (at /A/B, line 41)\n"
               "  ATTACHMENT_MISSING: P07 needs X (at /A/C)\n");
    BOOST_TEST(exitCodeOf(response) == kExitRefused);
}

BOOST_AUTO_TEST_CASE(a_non_problem_error_keeps_the_status_and_the_body) {
    Response response;
    response.status = 502;
    response.body = "Bad gateway from the proxy";
    const Problem problem = problemOf(response);
    BOOST_TEST(problem.title == "Bad Gateway");
    BOOST_TEST(problem.detail == "Bad gateway from the proxy");
    BOOST_TEST(exitCodeOf(response) == kExitFailed);
}

BOOST_AUTO_TEST_CASE(departments_say_when_paused_and_when_dispatch_is_off) {
    const std::string text = renderDepartments(
        *parse(R"({"dispatch":false,"departments":[{"code":"SAMR","name":"S","transport":"rest-xml","endpoint":"http://x",
            "breaker":"CLOSED","consecutiveFailures":0,"inFlight":1,"maxConcurrent":4,"paused":true}]})"),
        Style{false});
    BOOST_TEST(text.find("SAMR  S     rest-xml   CLOSED   0         1/4        yes") != std::string::npos, text);
    BOOST_TEST(text.find("Dispatch is off") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(arguments)

BOOST_AUTO_TEST_CASE(global_options_may_follow_the_command) {
    auto invocation = parseArguments({"status", "PKG-1", "--json", "--url=http://h:1", "--token", "t"});
    BOOST_TEST(invocation.command == "status");
    BOOST_TEST(invocation.arguments == std::vector<std::string>{"PKG-1"}, boost::test_tools::per_element());
    BOOST_TEST(invocation.json);
    BOOST_TEST(invocation.url == "http://h:1");
    BOOST_TEST(invocation.token == "t");
}

BOOST_AUTO_TEST_CASE(sub_commands_and_their_options_are_parsed) {
    auto invocation = parseArguments({"token", "issue", "--role", "admin", "--label", "ops"});
    BOOST_TEST(invocation.command == "token issue");
    BOOST_TEST(invocation.option("role") == "admin");
    BOOST_TEST(invocation.option("label") == "ops");
    BOOST_TEST(!invocation.has("company"));
}

BOOST_AUTO_TEST_CASE(bad_command_lines_are_usage_errors) {
    BOOST_CHECK_THROW(parseArguments({"frobnicate"}), UsageError);
    BOOST_CHECK_THROW(parseArguments({"status"}), UsageError);
    BOOST_CHECK_THROW(parseArguments({"status", "a", "b"}), UsageError);
    BOOST_CHECK_THROW(parseArguments({"status", "a", "--yes"}), UsageError);
    BOOST_CHECK_THROW(parseArguments({"list", "--limit"}), UsageError);
    BOOST_CHECK_THROW(parseArguments({"list", "--all=1"}), UsageError);
    BOOST_CHECK_THROW(parseArguments({"token"}), UsageError);
    BOOST_CHECK_THROW(parseArguments({"token", "mint"}), UsageError);
    BOOST_CHECK_THROW(parseArguments({"--note", "x", "retry", "INC-1"}), UsageError);
}

BOOST_AUTO_TEST_CASE(help_needs_no_arguments_checked) {
    auto invocation = parseArguments({"correct", "--help"});
    BOOST_TEST(invocation.help);
    BOOST_TEST(invocation.command == "correct");
}

BOOST_AUTO_TEST_CASE(the_default_idempotency_key_depends_on_the_bytes_only) {
    BOOST_TEST(idempotencyKeyFor("abc") == idempotencyKeyFor("abc"));
    BOOST_TEST(idempotencyKeyFor("abc") != idempotencyKeyFor("abd"));
    BOOST_TEST(idempotencyKeyFor("abc") ==
               "hubctl-sha256-ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

BOOST_AUTO_TEST_CASE(query_values_are_encoded_and_empty_ones_dropped) {
    BOOST_TEST(withQuery("/p", {{"limit", "5"}, {"cursor", "a b&c"}, {"x", ""}}) == "/p?limit=5&cursor=a%20b%26c");
    BOOST_TEST(withQuery("/p", {{"x", ""}}) == "/p");
    BOOST_TEST(segment("a/b") == "a%2Fb");
}

BOOST_AUTO_TEST_CASE(usage_errors_exit_1_before_any_request) {
    BOOST_TEST(runInProcess({"frobnicate"}).code == kExitUsage);
    BOOST_TEST(runInProcess({}).code == kExitUsage);
    auto withdraw = runInProcess({"withdraw", "PKG-1", "--url", "http://127.0.0.1:9"});
    BOOST_TEST(withdraw.code == kExitUsage);
    BOOST_TEST(withdraw.err.find("--yes") != std::string::npos);
    BOOST_TEST(runInProcess({"status", "PKG-1", "--url", "https://hub.example"}).code == kExitUsage);
    BOOST_TEST(runInProcess({"token", "issue", "--url", "http://127.0.0.1:9"}).code == kExitUsage);
    BOOST_TEST(runInProcess({"submit", "/nonexistent/package.xml", "--url", "http://127.0.0.1:9"}).code == kExitUsage);
}

BOOST_AUTO_TEST_CASE(withdraw_on_a_terminal_asks_and_only_yes_proceeds) {
    // Nothing listens on port 9: a request that is made fails with exit 3.
    const std::vector<std::string> command{"withdraw", "PKG-1", "--url", "http://127.0.0.1:9"};
    auto declined = runInProcess(command, "n\n", true);
    BOOST_TEST(declined.code == kExitUsage);
    BOOST_TEST(declined.err.find("[y/N]") != std::string::npos);
    BOOST_TEST(declined.err.find("Not withdrawn") != std::string::npos);
    BOOST_TEST(runInProcess(command, "", true).code == kExitUsage);
    auto confirmed = runInProcess(command, "yes\n", true);
    BOOST_TEST(confirmed.code == kExitFailed);
    BOOST_TEST(confirmed.err.find("cannot reach the hub") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(help_and_version_exit_0) {
    auto overall = runInProcess({"help"});
    BOOST_TEST(overall.code == kExitSuccess);
    BOOST_TEST(overall.out.find("Exit codes") != std::string::npos);
    auto group = runInProcess({"help", "token"});
    BOOST_TEST(group.code == kExitSuccess);
    BOOST_TEST(group.out.find("hubctl token issue") != std::string::npos);
    BOOST_TEST(group.out.find("hubctl token revoke") != std::string::npos);
    BOOST_TEST(runInProcess({"help", "nothing"}).code == kExitUsage);
    auto version = runInProcess({"--version"});
    BOOST_TEST(version.code == kExitSuccess);
    BOOST_TEST(version.out.rfind("hubctl ", 0) == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
