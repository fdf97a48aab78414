// The fan-out end to end: the real hub binary dispatching to the real
// department simulator over loopback HTTP, and surviving kill -9 while doing
// it without losing or duplicating a call.
//   fanout_tests -- sqlite
//   fanout_tests -- mysql <mariadb env file>
#define BOOST_TEST_MODULE fanout
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <set>
#include <thread>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "deptsim_harness.h"
#include "hub_process.h"

using hub::testing::HttpResponse;
using hub::testing::HubProcess;

namespace {

const std::vector<std::string> kDepartments = {"SAMR", "MOT", "MSA", "CUSTOMS", "CCS"};

hub::testing::StoreChoice storeFromArguments() {
    auto& suite = boost::unit_test::framework::master_test_suite();
    return hub::testing::storeChoiceFromArguments(suite.argc, suite.argv);
}

// deptsim on free ports and a hub whose department endpoints point at it.
struct Rig {
    Rig()
        : simulator("http://127.0.0.1:9"),
          hub(storeFromArguments(), {}, R"("enabled": true, "workers": 2, "leaseSeconds": 5, "batchSize": 4)",
              environment()) {
        hub.start();
        token = hub.issueToken("fanout-co");
    }

    std::map<std::string, std::string> environment() const {
        std::map<std::string, std::string> env{{"HUB_DEPT_SAMR_SECRET", deptsim::testing::DeptsimProcess::kSamrSecret}};
        for (const auto& code : kDepartments) env["HUB_DEPT_" + code + "_ENDPOINT"] = simulator.url(code);
        return env;
    }

    Poco::JSON::Object::Ptr json(const HttpResponse& response) const {
        Poco::JSON::Parser parser;
        return parser.parse(response.body).extract<Poco::JSON::Object::Ptr>();
    }

    std::string submit(const std::string& key) {
        auto response = hub.request("POST", "/api/v1/applications",
                                    {{"Authorization", "Bearer " + token},
                                     {"Content-Type", "application/xml"},
                                     {"Idempotency-Key", key}},
                                    hub::testing::readFile(hub::testing::sourceDirectory() + "/examples/full-12-permits.xml"));
        BOOST_TEST_REQUIRE(response.status == 201, response.body);
        return json(response)->getValue<std::string>("id");
    }

    std::map<std::string, std::string> permitStates(const std::string& id) {
        std::map<std::string, std::string> states;
        auto response = hub.request("GET", "/api/v1/applications/" + id, {{"Authorization", "Bearer " + token}});
        if (response.status != 200) return states;
        auto permits = json(response)->getArray("permits");
        for (std::size_t i = 0; i < permits->size(); ++i)
            states[permits->getObject(i)->getValue<std::string>("permit")] =
                permits->getObject(i)->getValue<std::string>("state");
        return states;
    }

    // Waits (bounded) until no first call of these packages is still queued.
    bool waitUntilDispatched(const std::vector<std::string>& ids, std::chrono::seconds limit) {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        std::set<std::string> pending(ids.begin(), ids.end());
        while (!pending.empty() && std::chrono::steady_clock::now() < deadline) {
            for (auto it = pending.begin(); it != pending.end();) {
                auto states = permitStates(*it);
                const bool done = states.count("P01") && states["P01"] != "QUEUED" && states["P12"] != "QUEUED";
                it = done ? pending.erase(it) : std::next(it);
            }
            if (!pending.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        return pending.empty();
    }

    std::string adminToken() const {
        std::string out;
        hub.runCommand({"token", "issue", "--role", "admin", "--label", "fanout-test"}, out);
        return out.substr(0, out.find('\n'));
    }

    long total(const std::string& statistic) const {
        long sum = 0;
        for (const auto& code : kDepartments) sum += simulator.stat(code, statistic);
        return sum;
    }

    deptsim::testing::DeptsimProcess simulator;
    HubProcess hub;
    std::string token;
};

}  // namespace

BOOST_AUTO_TEST_CASE(every_permit_without_unmet_prerequisites_reaches_its_department) {
    Rig rig;
    const std::string id = rig.submit("fanout-one");
    BOOST_TEST_REQUIRE(rig.waitUntilDispatched({id}, std::chrono::seconds(30)), rig.hub.logTail());
    auto states = rig.permitStates(id);
    BOOST_TEST(states["P12"] == "SUBMITTED");  // CCS acknowledges with a receipt
    // SAMR may decide on the spot (deptsim's default does).
    BOOST_TEST((states["P01"] == "ACCEPTED" || states["P01"] == "SUBMITTED" || states["P01"] == "ISSUED"),
               states["P01"]);
    // Everything behind P06 (which needs P12 issued) still waits.
    for (const auto& permit : {"P02", "P03", "P04", "P06", "P07", "P11"}) BOOST_TEST(states[permit] == "WAITING");
    if (states["P01"] == "ISSUED") {
        // The business licence released the ship ownership registration, sent to MSA.
        BOOST_TEST(states["P05"] != "WAITING");
    }
    BOOST_TEST(rig.simulator.stat("SAMR", "received") == 1);
    BOOST_TEST(rig.simulator.stat("CCS", "received") == 1);
    BOOST_TEST(rig.simulator.stat("SAMR", "invalid") == 0);
    BOOST_TEST(rig.simulator.stat("CCS", "invalid") == 0);
    BOOST_TEST(rig.total("duplicateEffects") == 0);
}

BOOST_AUTO_TEST_CASE(kill_9_during_the_fan_out_loses_nothing_and_duplicates_nothing) {
    Rig rig;
    constexpr int kPackages = 40;
    std::vector<std::string> ids;
    for (int i = 0; i < kPackages; ++i) ids.push_back(rig.submit("crash-" + std::to_string(i)));

    // Kill the hub at varied moments of the fan-out, restarting it each time.
    constexpr int kKills = 5;
    for (int kill = 1; kill <= kKills; ++kill) {
        std::this_thread::sleep_for(std::chrono::milliseconds(40 * kill));
        rig.hub.kill();
        rig.hub.start();
    }
    BOOST_TEST_REQUIRE(rig.waitUntilDispatched(ids, std::chrono::seconds(90)), rig.hub.logTail());

    const long effects = rig.simulator.stat("SAMR", "effects") + rig.simulator.stat("CCS", "effects");
    BOOST_TEST(effects == 2 * kPackages);
    BOOST_TEST(rig.total("duplicateEffects") == 0);
    BOOST_TEST(rig.total("invalid") == 0);
    BOOST_TEST_MESSAGE("crash run: " << kPackages << " packages, " << kKills << " kills, "
                                     << rig.total("received") << " messages received by departments, "
                                     << rig.total("duplicates") << " re-sent after a crash and de-duplicated");
}

BOOST_AUTO_TEST_CASE(department_faults_are_retried_until_every_call_is_through) {
    Rig rig;
    // A third of SAMR's answers are server errors, some CCS answers never
    // come (the hub times out and retries), and MSA refuses connections for a
    // while; none of it may lose or double a call.
    auto configure = [&](const std::string& body) {
        auto reply = rig.simulator.control("POST", "/_sim/faults", body);
        BOOST_TEST_REQUIRE(reply.status == 200, reply.body);
    };
    configure(R"({"department":"SAMR","errorRate":0.3})");
    configure(R"({"department":"CCS","errorRate":0.2,"timeoutRate":0.1,"holdMs":9000})");
    configure(R"({"department":"MSA","downForSeconds":3})");

    constexpr int kPackages = 10;
    std::vector<std::string> ids;
    for (int i = 0; i < kPackages; ++i) ids.push_back(rig.submit("faults-" + std::to_string(i)));
    BOOST_TEST_REQUIRE(rig.waitUntilDispatched(ids, std::chrono::seconds(120)), rig.hub.logTail());

    BOOST_TEST(rig.simulator.stat("SAMR", "effects") + rig.simulator.stat("CCS", "effects") == 2 * kPackages);
    BOOST_TEST(rig.total("duplicateEffects") == 0);
    BOOST_TEST(rig.simulator.stat("SAMR", "received") > kPackages);  // the errors were retried
    auto incidents = rig.hub.request("GET", "/admin/api/incidents", {{"Authorization", "Bearer " + rig.adminToken()}});
    BOOST_TEST(rig.json(incidents)->getArray("incidents")->size() == 0u, incidents.body);
}
