// The real hubctl binary against the real hub binary on a free loopback port
// (store chosen after "--", as for http_api_tests). Each test uses its own
// company, so tests do not see each other's packages.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <memory>
#include <regex>
#include <sstream>

#include <Poco/File.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <Poco/StreamCopier.h>
#include <Poco/String.h>
#include <Poco/TemporaryFile.h>

#include "hub_process.h"

using hub::testing::HubProcess;
using hub::testing::sourceDirectory;

namespace {

struct Result {
    int code = -1;
    std::string out;
    std::string err;
};

std::string describe(const Result& result) {
    return "exit " + std::to_string(result.code) + "\nstdout:\n" + result.out.substr(0, 3000) + "\nstderr:\n" +
           result.err.substr(0, 3000);
}

hub::testing::StoreChoice storeFromArguments() {
    auto& suite = boost::unit_test::framework::master_test_suite();
    return hub::testing::storeChoiceFromArguments(suite.argc, suite.argv);
}

// One hub for the suite, started on first use (the unit tests need none).
// A hub that failed to start is not tried again: every later test fails at once.
HubProcess& sharedHub() {
    static std::unique_ptr<HubProcess> hub;
    static std::string failure;
    if (!failure.empty()) throw std::runtime_error("the shared hub failed to start: " + failure);
    if (!hub) {
        try {
            auto process = std::make_unique<HubProcess>(storeFromArguments());
            process->start();
            hub = std::move(process);
        } catch (const std::exception& error) {
            failure = error.what();
            throw;
        }
    }
    return *hub;
}

std::string urlOf(const HubProcess& hub) { return "http://127.0.0.1:" + std::to_string(hub.port()); }

// Runs hubctl with stdin an empty pipe (never a terminal), HUBCTL_URL and
// HUBCTL_TOKEN cleared unless given in `environment`.
Result hubctl(const std::vector<std::string>& arguments, const std::map<std::string, std::string>& environment = {}) {
    Poco::TemporaryFile errorFile;
    std::vector<std::string> args{"-c", "exe=$0; err=$1; shift; exec \"$exe\" \"$@\" 2>\"$err\"", HUBCTL_BINARY,
                                  errorFile.path()};
    args.insert(args.end(), arguments.begin(), arguments.end());
    Poco::Process::Env env{{"HUBCTL_URL", ""}, {"HUBCTL_TOKEN", ""}};
    for (const auto& [name, value] : environment) env[name] = value;
    Poco::Pipe input, output;
    auto handle = Poco::Process::launch("/bin/sh", args, ".", &input, &output, nullptr, env);
    input.close();
    Poco::PipeInputStream stream(output);
    std::ostringstream collected;
    Poco::StreamCopier::copyStream(stream, collected);
    Result result;
    result.code = handle.wait();
    result.out = collected.str();
    std::ifstream err(errorFile.path());
    std::ostringstream errText;
    errText << err.rdbuf();
    result.err = errText.str();
    return result;
}

// hubctl against the shared hub with an applicant token.
Result asApplicant(const std::string& token, std::vector<std::string> arguments) {
    arguments.insert(arguments.end(), {"--url", urlOf(sharedHub()), "--token", token});
    return hubctl(arguments);
}

std::string adminToken() {
    static const std::string token = [] {
        std::string out;
        const int code = sharedHub().runCommand({"token", "issue", "--role", "admin", "--label", "hubctl-tests"}, out);
        if (code != 0) throw std::runtime_error("hub token issue --role admin failed");
        return Poco::trim(out);
    }();
    return token;
}

Result asAdmin(std::vector<std::string> arguments) {
    arguments.insert(arguments.end(), {"--url", urlOf(sharedHub()), "--token", adminToken()});
    return hubctl(arguments);
}

Poco::JSON::Object::Ptr json(const std::string& text) {
    Poco::JSON::Parser parser;
    return parser.parse(text).extract<Poco::JSON::Object::Ptr>();
}

std::string fullPackagePath() { return sourceDirectory() + "/examples/full-12-permits.xml"; }

std::string packageIdIn(const std::string& text) {
    std::smatch match;
    if (!std::regex_search(text, match, std::regex("PKG-[0-9A-Z]+"))) return {};
    return match.str();
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Submits the full example for `company` under a fresh key; returns the id.
std::string submitFresh(const std::string& token, const std::string& key) {
    auto result = asApplicant(token, {"submit", fullPackagePath(), "--idempotency-key", key, "--json"});
    BOOST_TEST_REQUIRE(result.code == 0, describe(result));
    return json(result.out)->getValue<std::string>("id");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(hubctl_against_the_hub)

BOOST_AUTO_TEST_CASE(help_exits_0_overall_and_per_command) {
    for (const auto& arguments : std::vector<std::vector<std::string>>{
             {"--help"}, {"help"}, {"help", "submit"}, {"submit", "--help"}, {"token", "issue", "--help"}, {"-h"}}) {
        auto result = hubctl(arguments);
        BOOST_TEST(result.code == 0, describe(result));
        BOOST_TEST(contains(result.out, "Exit codes"), describe(result));
    }
    BOOST_TEST(contains(hubctl({"help", "submit"}).out, "Usage: hubctl submit FILE"));
    BOOST_TEST(hubctl({"--version"}).code == 0);
}

BOOST_AUTO_TEST_CASE(an_unknown_command_or_bad_argument_exits_1) {
    auto unknown = hubctl({"frobnicate"});
    BOOST_TEST(unknown.code == 1, describe(unknown));
    BOOST_TEST(contains(unknown.err, "unknown command"));
    BOOST_TEST(unknown.out.empty());
    BOOST_TEST(hubctl({"status"}).code == 1);
    BOOST_TEST(hubctl({"list", "--limit", "abc", "--url", "http://127.0.0.1:9"}).code == 1);
}

BOOST_AUTO_TEST_CASE(submit_prints_the_id_and_a_second_identical_submit_replays_it) {
    const std::string token = sharedHub().issueToken("hubctl-submit-co");
    auto first = asApplicant(token, {"submit", fullPackagePath()});
    BOOST_TEST_REQUIRE(first.code == 0, describe(first));
    const std::string id = packageIdIn(first.out);
    BOOST_TEST_REQUIRE(!id.empty(), describe(first));
    BOOST_TEST(contains(first.out, "RECEIVED"));
    BOOST_TEST(contains(first.out, "expected ready on"));
    BOOST_TEST(contains(first.out, "P12"));

    auto second = asApplicant(token, {"submit", fullPackagePath()});
    BOOST_TEST_REQUIRE(second.code == 0, describe(second));
    BOOST_TEST(packageIdIn(second.out) == id);
    BOOST_TEST(contains(second.out, "replayed"));

    auto asJson = asApplicant(token, {"submit", fullPackagePath(), "--json"});
    BOOST_TEST_REQUIRE(asJson.code == 0, describe(asJson));
    BOOST_TEST(json(asJson.out)->getValue<std::string>("id") == id);

    auto list = asApplicant(token, {"list", "--json"});
    BOOST_TEST_REQUIRE(list.code == 0, describe(list));
    BOOST_TEST(json(list.out)->getArray("items")->size() == 1u);
}

BOOST_AUTO_TEST_CASE(an_invalid_package_exits_2_with_its_error_codes) {
    const std::string token = sharedHub().issueToken("hubctl-invalid-co");
    const std::string directory = sourceDirectory() + "/tests/fixtures/packages/invalid/";
    std::ifstream expected(directory + "EXPECTED");
    std::string file, code;
    int status = 0;
    int checked = 0;
    while (expected >> file >> code >> status) {
        auto result = asApplicant(token, {"submit", directory + file});
        BOOST_TEST(result.code == 2, file << ": " << describe(result));
        BOOST_TEST(contains(result.err, code), file << ": " << describe(result));
        BOOST_TEST(contains(result.err, "error: " + std::to_string(status)), file << ": " << describe(result));
        ++checked;
    }
    BOOST_TEST(checked >= 10);
    auto withLocation = asApplicant(token, {"submit", directory + "uscc-check-digit.xml"});
    BOOST_TEST(std::regex_search(withLocation.err, std::regex(R"(USCC_CHECK_DIGIT: .*\(at /ApplicationPackage/)")),
               describe(withLocation));
    auto list = asApplicant(token, {"list", "--json"});
    BOOST_TEST(json(list.out)->getArray("items")->size() == 0u);
}

BOOST_AUTO_TEST_CASE(status_list_and_events_print_json_or_tables) {
    const std::string token = sharedHub().issueToken("hubctl-read-co");
    const std::string id = submitFresh(token, "hubctl-read-1");

    auto status = asApplicant(token, {"status", id, "--json"});
    BOOST_TEST_REQUIRE(status.code == 0, describe(status));
    auto package = json(status.out);
    BOOST_TEST(package->getValue<std::string>("id") == id);
    BOOST_TEST(package->getArray("permits")->size() == 12u);

    auto human = asApplicant(token, {"status", id});
    BOOST_TEST_REQUIRE(human.code == 0, describe(human));
    for (int permit = 1; permit <= 12; ++permit) {
        const std::string code = (permit < 10 ? "P0" : "P1") + std::to_string(permit % 10);
        BOOST_TEST(contains(human.out, "\n" + code + " "), code);
    }
    BOOST_TEST(contains(human.out, "EXPECTED / DEADLINE"));
    BOOST_TEST(!contains(human.out, "\033["));  // not a terminal: no colours

    auto list = asApplicant(token, {"list", "--json"});
    BOOST_TEST_REQUIRE(list.code == 0, describe(list));
    BOOST_TEST(json(list.out)->getArray("items")->getObject(0)->getValue<std::string>("id") == id);
    auto listHuman = asApplicant(token, {"list"});
    BOOST_TEST(contains(listHuman.out, id));

    auto events = asApplicant(token, {"events", id, "--json"});
    BOOST_TEST_REQUIRE(events.code == 0, describe(events));
    BOOST_TEST(json(events.out)->getArray("events")->size() >= 13u);
    auto eventsHuman = asApplicant(token, {"events", id});
    BOOST_TEST(contains(eventsHuman.out, "PACKAGE_RECEIVED"));
    BOOST_TEST(contains(eventsHuman.out, "P01"));
    BOOST_TEST(contains(eventsHuman.out, "P12"));

    auto missing = asApplicant(token, {"status", "PKG-DOESNOTEXIST"});
    BOOST_TEST(missing.code == 2, describe(missing));
    BOOST_TEST(contains(missing.err, "404"));
}

BOOST_AUTO_TEST_CASE(list_all_follows_every_page) {
    const std::string token = sharedHub().issueToken("hubctl-pages-co");
    std::set<std::string> ids;
    for (int i = 0; i < 3; ++i) ids.insert(submitFresh(token, "hubctl-pages-" + std::to_string(i)));
    auto page = asApplicant(token, {"list", "--limit", "2"});
    BOOST_TEST(contains(page.out, "hubctl list --cursor "), describe(page));
    auto all = asApplicant(token, {"list", "--all", "--limit", "2", "--json"});
    BOOST_TEST_REQUIRE(all.code == 0, describe(all));
    auto items = json(all.out)->getArray("items");
    std::set<std::string> listed;
    for (std::size_t i = 0; i < items->size(); ++i) listed.insert(items->getObject(i)->getValue<std::string>("id"));
    BOOST_TEST(listed == ids);
}

BOOST_AUTO_TEST_CASE(withdraw_needs_yes_without_a_terminal_and_then_watch_ends_with_5) {
    const std::string token = sharedHub().issueToken("hubctl-withdraw-co");
    const std::string id = submitFresh(token, "hubctl-withdraw-1");

    auto unconfirmed = asApplicant(token, {"withdraw", id});
    BOOST_TEST(unconfirmed.code == 1, describe(unconfirmed));
    BOOST_TEST(json(asApplicant(token, {"status", id, "--json"}).out)->getValue<std::string>("state") != "WITHDRAWN");

    auto withdrawn = asApplicant(token, {"withdraw", id, "--yes"});
    BOOST_TEST_REQUIRE(withdrawn.code == 0, describe(withdrawn));
    BOOST_TEST(contains(withdrawn.out, "WITHDRAWN"));
    BOOST_TEST(json(asApplicant(token, {"status", id, "--json"}).out)->getValue<std::string>("state") == "WITHDRAWN");

    auto again = asApplicant(token, {"withdraw", id, "--yes"});
    BOOST_TEST(again.code == 2, describe(again));
    BOOST_TEST(contains(again.err, "NOT_WITHDRAWABLE"));

    auto watch = asApplicant(token, {"watch", id});
    BOOST_TEST(watch.code == 5, describe(watch));
    BOOST_TEST(contains(watch.out, "package " + id + " WITHDRAWN"), describe(watch));
    BOOST_TEST(std::regex_search(watch.out, std::regex("\nP01 SAMR +WITHDRAWN\n")), describe(watch));
    BOOST_TEST(!contains(watch.out, "\033["));

    auto watchJson = asApplicant(token, {"watch", id, "--json"});
    BOOST_TEST(watchJson.code == 5, describe(watchJson));
    BOOST_TEST(json(watchJson.out)->getValue<std::string>("state") == "WITHDRAWN");
}

BOOST_AUTO_TEST_CASE(without_a_token_the_hub_refuses_with_401_and_exit_2) {
    auto result = hubctl({"list", "--url", urlOf(sharedHub())});
    BOOST_TEST(result.code == 2, describe(result));
    BOOST_TEST(contains(result.err, "401"));
    BOOST_TEST(contains(result.err, "HUBCTL_TOKEN"));
    auto fromEnvironment =
        hubctl({"list", "--json"}, {{"HUBCTL_URL", urlOf(sharedHub())},
                                    {"HUBCTL_TOKEN", sharedHub().issueToken("hubctl-env-co")}});
    BOOST_TEST(fromEnvironment.code == 0, describe(fromEnvironment));
}

BOOST_AUTO_TEST_CASE(a_token_file_is_read) {
    Poco::TemporaryFile file;
    std::ofstream(file.path()) << sharedHub().issueToken("hubctl-file-co") << "\n";
    auto result = hubctl({"list", "--url", urlOf(sharedHub()), "--token-file", file.path()});
    BOOST_TEST(result.code == 0, describe(result));
    BOOST_TEST(hubctl({"list", "--url", urlOf(sharedHub()), "--token-file", "/nonexistent/token"}).code == 1);
}

BOOST_AUTO_TEST_CASE(a_stopped_hub_exits_3) {
    HubProcess hub(storeFromArguments());
    hub.start();
    const std::string url = urlOf(hub);
    const std::string token = hub.issueToken("hubctl-stopped-co");
    BOOST_TEST_REQUIRE(hubctl({"list", "--url", url, "--token", token}).code == 0);
    hub.stop();
    auto result = hubctl({"list", "--url", url, "--token", token});
    BOOST_TEST(result.code == 3, describe(result));
    BOOST_TEST(contains(result.err, "cannot reach the hub"));
}

BOOST_AUTO_TEST_CASE(admin_commands_answer_with_an_admin_token) {
    auto incidents = asAdmin({"incidents"});
    BOOST_TEST(incidents.code == 0, describe(incidents));
    auto allIncidents = asAdmin({"incidents", "--all", "--json"});
    BOOST_TEST_REQUIRE(allIncidents.code == 0, describe(allIncidents));
    BOOST_TEST(json(allIncidents.out)->getArray("incidents") != nullptr);

    auto departments = asAdmin({"departments"});
    BOOST_TEST(departments.code == 0, describe(departments));
    BOOST_TEST(contains(departments.out, "CODE"));
    auto departmentsJson = asAdmin({"departments", "--json"});
    BOOST_TEST_REQUIRE(departmentsJson.code == 0, describe(departmentsJson));
    BOOST_TEST(json(departmentsJson.out)->getArray("departments") != nullptr);

    auto refused = asAdmin({"refused", "--limit", "5", "--json"});
    BOOST_TEST_REQUIRE(refused.code == 0, describe(refused));
    BOOST_TEST(json(refused.out)->getArray("refused") != nullptr);

    auto unknownIncident = asAdmin({"retry", "INC-NOPE", "--note", "test"});
    BOOST_TEST(unknownIncident.code == 2, describe(unknownIncident));
    BOOST_TEST(contains(unknownIncident.err, "404"));
}

BOOST_AUTO_TEST_CASE(roles_are_kept_apart) {
    auto applicantOnAdmin = asApplicant(sharedHub().issueToken("hubctl-roles-co"), {"incidents"});
    BOOST_TEST(applicantOnAdmin.code == 2, describe(applicantOnAdmin));
    BOOST_TEST(contains(applicantOnAdmin.err, "403"));
    auto adminOnApplicant = asAdmin({"list"});
    BOOST_TEST(adminOnApplicant.code == 2, describe(adminOnApplicant));
}

BOOST_AUTO_TEST_CASE(audit_verify_says_intact_or_damaged_and_audit_chain_lists_entries) {
    submitFresh(sharedHub().issueToken("hubctl-audit-co"), "hubctl-audit-1");
    auto intact = asAdmin({"audit", "verify"});
    BOOST_TEST(intact.code == 0, describe(intact));
    BOOST_TEST(contains(intact.out, "Audit trail: intact"), describe(intact));
    BOOST_TEST(std::regex_search(intact.out, std::regex("GLOBAL +seq [0-9]+, hash [0-9a-f]{64}")), describe(intact));
    auto asJson = asAdmin({"audit", "verify", "--json"});
    BOOST_TEST_REQUIRE(asJson.code == 0, describe(asJson));
    BOOST_TEST(json(asJson.out)->getValue<bool>("ok"));
    BOOST_TEST(asAdmin({"audit", "verify", "--chain", "HUB"}).code == 0);
    auto unknown = asAdmin({"audit", "verify", "--chain", "PKG-NOPE"});
    BOOST_TEST(unknown.code == 2, describe(unknown));

    auto chain = asAdmin({"audit", "chain", "HUB"});
    BOOST_TEST(chain.code == 0, describe(chain));
    BOOST_TEST(std::regex_search(chain.out, std::regex("ADMIN_ACTION +cli +tok_")), describe(chain));

    // One HUB entry edited behind the hub's back: damaged (exit 5), then mended.
    sharedHub().sql("CREATE TABLE hub_chain_copy AS SELECT * FROM audit_log WHERE chain = 'HUB'");
    sharedHub().sql("UPDATE audit_log SET actor = 'admin:someone-else' WHERE chain = 'HUB' AND seq = 1");
    auto damaged = asAdmin({"audit", "verify"});
    BOOST_TEST(damaged.code == 5, describe(damaged));
    BOOST_TEST(contains(damaged.out, "Audit trail: DAMAGED"), describe(damaged));
    BOOST_TEST(std::regex_search(damaged.out, std::regex("\nHUB +1 +ENTRY_ALTERED ")), describe(damaged));
    BOOST_TEST(asAdmin({"audit", "verify", "--json"}).code == 5);
    sharedHub().sql("DELETE FROM audit_log WHERE chain = 'HUB' AND seq = 1; "
                    "INSERT INTO audit_log SELECT * FROM hub_chain_copy WHERE seq = 1; DROP TABLE hub_chain_copy");
    BOOST_TEST(asAdmin({"audit", "verify"}).code == 0);
}

BOOST_AUTO_TEST_CASE(pause_and_resume_a_department) {
    auto pause = asAdmin({"pause", "SAMR", "--note", "maintenance", "--json"});
    BOOST_TEST_REQUIRE(pause.code == 0, describe(pause));
    BOOST_TEST(json(pause.out)->getValue<bool>("paused"));
    auto resume = asAdmin({"resume", "SAMR", "--json"});
    BOOST_TEST_REQUIRE(resume.code == 0, describe(resume));
    BOOST_TEST(!json(resume.out)->getValue<bool>("paused"));
    auto human = asAdmin({"pause", "SAMR"});
    BOOST_TEST(human.code == 0, describe(human));
    BOOST_TEST(std::regex_search(human.out, std::regex("Paused +yes")), describe(human));
    BOOST_TEST(std::regex_search(asAdmin({"departments"}).out, std::regex("\nSAMR .* yes ")));
    BOOST_TEST(asAdmin({"resume", "SAMR"}).code == 0);
    auto unknown = asAdmin({"pause", "NOPE"});
    BOOST_TEST(unknown.code == 2, describe(unknown));
    BOOST_TEST(contains(unknown.err, "404"));
}

BOOST_AUTO_TEST_CASE(issue_and_revoke_a_token) {
    auto issued = asAdmin({"token", "issue", "--company", "hubctl-issued-co", "--label", "t", "--json"});
    BOOST_TEST_REQUIRE(issued.code == 0, describe(issued));
    auto token = json(issued.out);
    const std::string secret = token->getValue<std::string>("token");
    const std::string tokenId = token->getValue<std::string>("tokenId");
    BOOST_TEST(asApplicant(secret, {"list"}).code == 0);
    auto revoked = asAdmin({"token", "revoke", tokenId});
    BOOST_TEST(revoked.code == 0, describe(revoked));
    BOOST_TEST(asApplicant(secret, {"list"}).code == 2);
    BOOST_TEST(asAdmin({"token", "revoke", "tok_nope"}).code == 2);

    auto admin = asAdmin({"token", "issue", "--role", "admin", "--label", "second-admin"});
    BOOST_TEST_REQUIRE(admin.code == 0, describe(admin));
    std::smatch adminSecret;
    BOOST_TEST_REQUIRE(std::regex_search(admin.out, adminSecret, std::regex("\nToken +(\\S+)\n")), describe(admin));
    BOOST_TEST(hubctl({"incidents", "--url", urlOf(sharedHub()), "--token", adminSecret[1].str()}).code == 0);
}

BOOST_AUTO_TEST_SUITE_END()
