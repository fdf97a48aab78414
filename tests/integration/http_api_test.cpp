// Black-box tests of the HTTP API against the real `hub` binary on a free
// loopback port. The store is chosen on the command line after "--":
//   http_api_tests -- sqlite
//   http_api_tests -- mysql <mariadb env file>
#define BOOST_TEST_MODULE http_api
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <set>
#include <sstream>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "hub_process.h"

using hub::testing::HttpResponse;
using hub::testing::HubProcess;
using hub::testing::readFile;
using hub::testing::sourceDirectory;

namespace {

constexpr std::size_t kMaxPackageBytes = 262144;

hub::testing::StoreChoice storeFromArguments() {
    auto& suite = boost::unit_test::framework::master_test_suite();
    return hub::testing::storeChoiceFromArguments(suite.argc, suite.argv);
}

// One hub for the whole run (starting it is the slow part); tests use their
// own companies and idempotency keys so they do not see each other's data.
struct HubFixture {
    HubFixture() : hub(storeFromArguments(), R"("maxPackageBytes": )" + std::to_string(kMaxPackageBytes)) {
        hub.start();
        instance = this;
    }
    ~HubFixture() { instance = nullptr; }
    HubProcess hub;
    static HubFixture* instance;
};
HubFixture* HubFixture::instance = nullptr;

HubProcess& hubUnderTest() { return HubFixture::instance->hub; }

Poco::JSON::Object::Ptr json(const HttpResponse& response) {
    Poco::JSON::Parser parser;
    return parser.parse(response.body).extract<Poco::JSON::Object::Ptr>();
}

std::string sample(const std::string& relative) { return readFile(sourceDirectory() + "/" + relative); }
std::string fullPackage() { return sample("examples/full-12-permits.xml"); }

int keyCounter = 0;
std::string freshKey() { return "it-key-" + std::to_string(++keyCounter) + "-" + std::to_string(::getpid()); }

HttpResponse submit(const std::string& token, const std::string& body, const std::string& key,
                    std::map<std::string, std::string> headers = {}) {
    headers.emplace("Authorization", "Bearer " + token);
    headers.emplace("Content-Type", "application/xml");
    if (!key.empty()) headers.emplace("Idempotency-Key", key);
    return hubUnderTest().request("POST", "/api/v1/applications", headers, body);
}

HttpResponse get(const std::string& token, const std::string& path, std::map<std::string, std::string> headers = {}) {
    headers.emplace("Authorization", "Bearer " + token);
    return hubUnderTest().request("GET", path, headers);
}

std::set<std::string> errorCodes(const HttpResponse& response) {
    std::set<std::string> codes;
    auto errors = json(response)->getArray("errors");
    for (std::size_t i = 0; i < errors->size(); ++i) codes.insert(errors->getObject(i)->getValue<std::string>("code"));
    return codes;
}

std::size_t packageCount(const std::string& token) {
    std::size_t count = 0;
    std::string path = "/api/v1/applications?limit=100";
    for (;;) {
        auto page = json(get(token, path));
        count += page->getArray("items")->size();
        if (!page->has("next")) return count;
        path = page->getValue<std::string>("next");
    }
}

std::string describe(const HttpResponse& response) {
    return "status " + std::to_string(response.status) + " body " + response.body.substr(0, 2000);
}

}  // namespace

BOOST_TEST_GLOBAL_FIXTURE(HubFixture);

BOOST_AUTO_TEST_CASE(health_and_readiness_answer) {
    auto health = hubUnderTest().request("GET", "/healthz");
    BOOST_TEST(health.status == 200);
    auto ready = hubUnderTest().request("GET", "/readyz");
    BOOST_TEST(ready.status == 200);
    BOOST_TEST(json(ready)->getValue<int>("schemaVersion") >= 1);
}

BOOST_AUTO_TEST_CASE(full_package_is_accepted_and_stored_with_its_first_dispatches) {
    const std::string token = hubUnderTest().issueToken("acme-shipping");
    auto response = submit(token, fullPackage(), freshKey());
    BOOST_TEST_REQUIRE(response.status == 201, describe(response));
    BOOST_TEST(response.header("content-type").find("application/json") == 0);
    auto body = json(response);
    const std::string id = body->getValue<std::string>("id");
    BOOST_TEST(id.rfind("PKG-", 0) == 0);
    BOOST_TEST(response.header("location") == "/api/v1/applications/" + id);
    BOOST_TEST(body->getValue<std::string>("state") == "RECEIVED");
    auto permits = body->getArray("permits");
    BOOST_TEST_REQUIRE(permits->size() == 12u);
    for (std::size_t i = 0; i < permits->size(); ++i) {
        auto permit = permits->getObject(i);
        const std::string code = permit->getValue<std::string>("permit");
        const std::string expected = (code == "P01" || code == "P12") ? "QUEUED" : "WAITING";
        BOOST_TEST(permit->getValue<std::string>("state") == expected, code);
    }
    BOOST_TEST(body->getArray("addedPermits")->size() == 0u);
    BOOST_TEST(body->getObject("schedule")->getValue<int>("promisedWorkingDays") == 20);

    auto fetched = get(token, "/api/v1/applications/" + id);
    BOOST_TEST_REQUIRE(fetched.status == 200, describe(fetched));
    BOOST_TEST(json(fetched)->getValue<std::string>("sha256") == body->getValue<std::string>("sha256"));
    BOOST_TEST(json(fetched)->getArray("permits")->size() == 12u);

    auto events = get(token, "/api/v1/applications/" + id + "/events");
    BOOST_TEST_REQUIRE(events.status == 200, describe(events));
    auto timeline = json(events)->getArray("events");
    BOOST_TEST(timeline->size() == 13u);
    BOOST_TEST(timeline->getObject(0)->getValue<std::string>("type") == "PACKAGE_RECEIVED");
}

BOOST_AUTO_TEST_CASE(domestic_package_is_accepted) {
    const std::string token = hubUnderTest().issueToken("domestic-lines");
    auto response = submit(token, sample("examples/domestic-only.xml"), freshKey());
    BOOST_TEST_REQUIRE(response.status == 201, describe(response));
    BOOST_TEST(json(response)->getArray("permits")->size() == 10u);
}

BOOST_AUTO_TEST_CASE(missing_prerequisites_are_added_and_reported) {
    const std::string token = hubUnderTest().issueToken("prereq-co");
    auto response = submit(token, sample("tests/fixtures/packages/prerequisites-added.xml"), freshKey());
    BOOST_TEST_REQUIRE(response.status == 201, describe(response));
    auto added = json(response)->getArray("addedPermits");
    std::set<std::string> codes;
    for (std::size_t i = 0; i < added->size(); ++i) codes.insert(added->getElement<std::string>(i));
    BOOST_TEST((codes == std::set<std::string>{"P01", "P02", "P05", "P06", "P07", "P12"}));
}

BOOST_AUTO_TEST_CASE(a_retry_with_the_same_key_replays_the_first_answer) {
    const std::string token = hubUnderTest().issueToken("retry-co");
    const std::string key = freshKey();
    auto first = submit(token, fullPackage(), key);
    BOOST_TEST_REQUIRE(first.status == 201, describe(first));
    auto second = submit(token, fullPackage(), key);
    BOOST_TEST(second.status == 201);
    BOOST_TEST(second.body == first.body);
    BOOST_TEST(second.header("location") == first.header("location"));
    BOOST_TEST(second.header("idempotent-replayed") == "true");
    BOOST_TEST(packageCount(token) == 1u);
}

BOOST_AUTO_TEST_CASE(a_failure_is_replayed_too) {
    const std::string token = hubUnderTest().issueToken("failure-replay-co");
    const std::string key = freshKey();
    auto first = submit(token, "<broken", key);
    BOOST_TEST(first.status == 400);
    auto second = submit(token, "<broken", key);
    BOOST_TEST(second.status == 400);
    BOOST_TEST(second.body == first.body);
}

BOOST_AUTO_TEST_CASE(the_same_key_with_another_body_is_refused) {
    const std::string token = hubUnderTest().issueToken("reuse-co");
    const std::string key = freshKey();
    BOOST_TEST_REQUIRE(submit(token, fullPackage(), key).status == 201);
    auto reused = submit(token, sample("examples/domestic-only.xml"), key);
    BOOST_TEST(reused.status == 422);
    BOOST_TEST(errorCodes(reused).count("IDEMPOTENCY_KEY_REUSED") == 1u);
    BOOST_TEST(packageCount(token) == 1u);
}

BOOST_AUTO_TEST_CASE(idempotency_keys_are_scoped_per_company) {
    const std::string key = freshKey();
    auto a = submit(hubUnderTest().issueToken("scope-a"), fullPackage(), key);
    auto b = submit(hubUnderTest().issueToken("scope-b"), fullPackage(), key);
    BOOST_TEST(a.status == 201);
    BOOST_TEST(b.status == 201);
    BOOST_TEST(json(a)->getValue<std::string>("id") != json(b)->getValue<std::string>("id"));
}

BOOST_AUTO_TEST_CASE(a_missing_idempotency_key_is_400) {
    const std::string token = hubUnderTest().issueToken("nokey-co");
    auto response = submit(token, fullPackage(), "");
    BOOST_TEST(response.status == 400);
    BOOST_TEST(errorCodes(response).count("IDEMPOTENCY_KEY_MISSING") == 1u);
    BOOST_TEST(response.header("content-type").find("application/problem+json") == 0);
}

BOOST_AUTO_TEST_CASE(a_company_never_sees_another_companys_package) {
    const std::string owner = hubUnderTest().issueToken("owner-co");
    const std::string other = hubUnderTest().issueToken("other-co");
    auto created = submit(owner, fullPackage(), freshKey());
    BOOST_TEST_REQUIRE(created.status == 201);
    const std::string path = created.header("location");
    BOOST_TEST(get(other, path).status == 404);
    BOOST_TEST(get(other, path + "/events").status == 404);
    BOOST_TEST(get(owner, path).status == 200);
    BOOST_TEST(packageCount(other) == 0u);
    BOOST_TEST(get(owner, "/api/v1/applications/PKG-00000000000000000000000000").status == 404);
}

BOOST_AUTO_TEST_CASE(requests_without_a_valid_token_are_401) {
    BOOST_TEST(hubUnderTest().request("GET", "/api/v1/applications").status == 401);
    BOOST_TEST(get("hub_not-a-real-token", "/api/v1/applications").status == 401);
    BOOST_TEST(hubUnderTest().request("GET", "/api/v1/applications", {{"Authorization", "Basic eDp5"}}).status == 401);
    auto unauthenticated = hubUnderTest().request("POST", "/api/v1/applications",
                                                  {{"Content-Type", "application/xml"}, {"Idempotency-Key", freshKey()}},
                                                  fullPackage());
    BOOST_TEST(unauthenticated.status == 401);
    BOOST_TEST(unauthenticated.header("www-authenticate").find("Bearer") == 0);
}

BOOST_AUTO_TEST_CASE(a_revoked_token_is_refused) {
    std::string out, err;
    BOOST_TEST_REQUIRE(hubUnderTest().runCommand({"token", "issue", "--company", "revoked-co"}, out, &err) == 0);
    const std::string token = out.substr(0, out.find('\n'));
    const auto idAt = err.find("tok_");
    BOOST_TEST_REQUIRE(idAt != std::string::npos, err);
    const std::string tokenId = err.substr(idAt, err.find(' ', idAt) - idAt);
    BOOST_TEST(get(token, "/api/v1/applications").status == 200);
    BOOST_TEST(hubUnderTest().runCommand({"token", "revoke", tokenId}, out) == 0);
    BOOST_TEST(get(token, "/api/v1/applications").status == 401);
    BOOST_TEST(hubUnderTest().runCommand({"token", "revoke", "tok_unknown"}, out) != 0);
}

BOOST_AUTO_TEST_CASE(an_oversize_body_is_413_and_nothing_is_stored) {
    const std::string token = hubUnderTest().issueToken("big-co");
    std::string big = fullPackage();
    big.insert(big.rfind("</ApplicationPackage>"), std::string(kMaxPackageBytes, ' '));
    auto response = submit(token, big, freshKey());
    BOOST_TEST(response.status == 413, describe(response));
    BOOST_TEST(errorCodes(response).count("PACKAGE_TOO_LARGE") == 1u);

    std::map<std::string, std::string> headers{{"Authorization", "Bearer " + token},
                                               {"Content-Type", "application/xml"},
                                               {"Idempotency-Key", freshKey()}};
    auto chunked = hubUnderTest().request("POST", "/api/v1/applications", headers, big, true);
    BOOST_TEST(chunked.status == 413, describe(chunked));
    BOOST_TEST(packageCount(token) == 0u);
}

BOOST_AUTO_TEST_CASE(malformed_xml_is_400_with_a_line) {
    const std::string token = hubUnderTest().issueToken("malformed-co");
    auto response = submit(token, "<?xml version=\"1.0\"?>\n<ApplicationPackage>\n  <Company>\n</ApplicationPackage>\n",
                           freshKey());
    BOOST_TEST(response.status == 400, describe(response));
    BOOST_TEST(errorCodes(response).count("XML_MALFORMED") == 1u);
    auto error = json(response)->getArray("errors")->getObject(0);
    BOOST_TEST(error->getObject("location")->getValue<int>("line") > 0);
}

BOOST_AUTO_TEST_CASE(a_schema_invalid_package_is_422_with_every_error) {
    const std::string token = hubUnderTest().issueToken("schema-co");
    auto response = submit(token, sample("tests/fixtures/packages/invalid/schema-several-errors.xml"), freshKey());
    BOOST_TEST(response.status == 422, describe(response));
    auto errors = json(response)->getArray("errors");
    BOOST_TEST(errors->size() >= 3u);
    // The detail counts the errors listed.
    BOOST_TEST(json(response)->getValue<std::string>("detail") == std::to_string(errors->size()) + " schema error(s).");
    for (std::size_t i = 0; i < errors->size(); ++i) {
        BOOST_TEST(errors->getObject(i)->getValue<std::string>("code") == "SCHEMA_VIOLATION");
        BOOST_TEST(errors->getObject(i)->getObject("location")->getValue<int>("line") > 0);
    }
}

BOOST_AUTO_TEST_CASE(a_non_xml_content_type_is_415) {
    const std::string token = hubUnderTest().issueToken("media-co");
    auto response = submit(token, "{}", freshKey(), {{"Content-Type", "application/json"}});
    BOOST_TEST(response.status == 415, describe(response));
}

BOOST_AUTO_TEST_CASE(every_invalid_sample_gets_its_precise_error_and_leaves_nothing_behind) {
    const std::string token = hubUnderTest().issueToken("invalid-samples-co");
    std::ifstream expected(sourceDirectory() + "/tests/fixtures/packages/invalid/EXPECTED");
    BOOST_TEST_REQUIRE(expected.good());
    std::string line;
    int checked = 0;
    while (std::getline(expected, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream fields(line);
        std::string file, code;
        int status = 0;
        fields >> file >> code >> status;
        auto response = submit(token, sample("tests/fixtures/packages/invalid/" + file), freshKey());
        BOOST_TEST(response.status == status, file << ": " << describe(response));
        if (response.status >= 400) BOOST_TEST(errorCodes(response).count(code) == 1u, file << " expects " << code);
        ++checked;
    }
    BOOST_TEST(checked >= 20);
    BOOST_TEST(packageCount(token) == 0u);
}

BOOST_AUTO_TEST_CASE(xml_is_served_on_request) {
    const std::string token = hubUnderTest().issueToken("xml-co");
    auto created = submit(token, fullPackage(), freshKey(), {{"Accept", "application/xml"}});
    BOOST_TEST_REQUIRE(created.status == 201, describe(created));
    BOOST_TEST(created.header("content-type").find("application/xml") == 0);
    BOOST_TEST(created.body.find("<application xmlns=\"urn:licensing-hub:api:v1\">") != std::string::npos);
    BOOST_TEST(created.body.find("<permit><permit>P01</permit>") != std::string::npos);
    auto problem = get(token, "/api/v1/applications/nope", {{"Accept", "application/xml"}});
    BOOST_TEST(problem.status == 404);
    BOOST_TEST(problem.header("content-type").find("application/problem+xml") == 0);
    BOOST_TEST(problem.body.find("<problem xmlns=\"urn:ietf:rfc:7807\">") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(listing_pages_newest_first) {
    const std::string token = hubUnderTest().issueToken("paging-co");
    std::vector<std::string> ids;
    for (int i = 0; i < 5; ++i) {
        auto response = submit(token, fullPackage(), freshKey());
        BOOST_TEST_REQUIRE(response.status == 201);
        ids.push_back(json(response)->getValue<std::string>("id"));
    }
    std::vector<std::string> seen;
    std::string path = "/api/v1/applications?limit=2";
    for (int pages = 0; pages < 10; ++pages) {
        auto response = get(token, path);
        BOOST_TEST_REQUIRE(response.status == 200, describe(response));
        auto page = json(response);
        auto items = page->getArray("items");
        BOOST_TEST(items->size() <= 2u);
        for (std::size_t i = 0; i < items->size(); ++i) seen.push_back(items->getObject(i)->getValue<std::string>("id"));
        if (!page->has("next")) break;
        path = page->getValue<std::string>("next");
    }
    std::vector<std::string> newestFirst(ids.rbegin(), ids.rend());
    BOOST_TEST(seen == newestFirst, boost::test_tools::per_element());
    BOOST_TEST(get(token, "/api/v1/applications?limit=0").status == 400);
    BOOST_TEST(get(token, "/api/v1/applications?limit=abc").status == 400);
    BOOST_TEST(get(token, "/api/v1/applications?cursor=%27%20OR%201%3D1").status == 400);
}

BOOST_AUTO_TEST_CASE(unknown_paths_and_methods_are_refused_cleanly) {
    BOOST_TEST(hubUnderTest().request("GET", "/nowhere").status == 404);
    auto method = hubUnderTest().request("DELETE", "/api/v1/applications");
    BOOST_TEST(method.status == 405);
    BOOST_TEST(method.header("allow") == "GET, POST");
    // Allowed methods are whole words: a fragment of one is not it.
    BOOST_TEST(hubUnderTest().request("OST", "/api/v1/applications").status == 405);
    BOOST_TEST(hubUnderTest().request("T", "/api/v1/applications").status == 405);
}

BOOST_AUTO_TEST_CASE(a_stored_package_survives_a_kill_and_its_key_still_replays) {
    const std::string token = hubUnderTest().issueToken("durable-co");
    const std::string key = freshKey();
    auto created = submit(token, fullPackage(), key);
    BOOST_TEST_REQUIRE(created.status == 201);
    hubUnderTest().kill();
    hubUnderTest().start();
    auto fetched = get(token, created.header("location"));
    BOOST_TEST(fetched.status == 200);
    auto replay = submit(token, fullPackage(), key);
    BOOST_TEST(replay.status == 201);
    BOOST_TEST(replay.body == created.body);
}

BOOST_AUTO_TEST_CASE(the_admin_api_is_for_admin_tokens_only) {
    std::string out;
    BOOST_TEST_REQUIRE(hubUnderTest().runCommand({"token", "issue", "--role", "admin", "--label", "ops-oncall"}, out) == 0);
    const std::string admin = out.substr(0, out.find('\n'));
    const std::string applicant = hubUnderTest().issueToken("admin-probe-co");

    auto incidents = get(admin, "/admin/api/incidents");
    BOOST_TEST_REQUIRE(incidents.status == 200, describe(incidents));
    BOOST_TEST(json(incidents)->getArray("incidents")->size() == 0u);
    BOOST_TEST(get(admin, "/admin/api/incidents?state=all").status == 200);
    BOOST_TEST(get(admin, "/admin/api/incidents?state=bogus").status == 400);
    auto departments = get(admin, "/admin/api/departments");
    BOOST_TEST(departments.status == 200);
    BOOST_TEST(json(departments)->getValue<bool>("dispatch") == false);  // this suite's hub does not send calls

    auto unknown = hubUnderTest().request("POST", "/admin/api/incidents/INC-nope/retry",
                                          {{"Authorization", "Bearer " + admin}, {"Content-Type", "application/json"}},
                                          R"({"note":"try again"})");
    BOOST_TEST(unknown.status == 404, describe(unknown));

    BOOST_TEST(get(applicant, "/admin/api/incidents").status == 403);
    BOOST_TEST(hubUnderTest().request("GET", "/admin/api/incidents").status == 401);
    BOOST_TEST(get(admin, "/api/v1/applications").status == 403);
}

BOOST_AUTO_TEST_CASE(admins_pause_and_resume_departments_and_issue_and_revoke_tokens) {
    std::string out;
    BOOST_TEST_REQUIRE(hubUnderTest().runCommand({"token", "issue", "--role", "admin", "--label", "ops-tokens"}, out) == 0);
    const std::string admin = out.substr(0, out.find('\n'));
    auto post = [&](const std::string& token, const std::string& path, const std::string& body) {
        return hubUnderTest().request("POST", path, {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}},
                                      body);
    };
    auto pausedOf = [&](const std::string& code) {
        auto departments = json(get(admin, "/admin/api/departments"))->getArray("departments");
        for (std::size_t i = 0; i < departments->size(); ++i)
            if (departments->getObject(i)->getValue<std::string>("code") == code)
                return departments->getObject(i)->getValue<bool>("paused");
        BOOST_FAIL("no department " + code);
        return false;
    };

    auto paused = post(admin, "/admin/api/departments/MSA/pause", R"({"note":"maintenance window"})");
    BOOST_TEST_REQUIRE(paused.status == 200, describe(paused));
    BOOST_TEST(json(paused)->getValue<bool>("paused") == true);
    BOOST_TEST(pausedOf("MSA"));
    BOOST_TEST(!pausedOf("MOT"));
    BOOST_TEST(post(admin, "/admin/api/departments/NOPE/pause", "").status == 404);
    BOOST_TEST(post(admin, "/admin/api/departments/MSA/paws", "").status == 404);
    auto resumed = post(admin, "/admin/api/departments/MSA/resume", "");
    BOOST_TEST(resumed.status == 200, describe(resumed));
    BOOST_TEST(!pausedOf("MSA"));

    auto issued = post(admin, "/admin/api/tokens", R"({"role":"applicant","company":"token-api-co","label":"erp"})");
    BOOST_TEST_REQUIRE(issued.status == 201, describe(issued));
    const std::string applicant = json(issued)->getValue<std::string>("token");
    const std::string tokenId = json(issued)->getValue<std::string>("tokenId");
    BOOST_TEST(json(issued)->getValue<std::string>("subject") == "token-api-co");
    BOOST_TEST(get(applicant, "/api/v1/applications").status == 200);
    BOOST_TEST(post(applicant, "/admin/api/tokens", R"({"role":"admin","label":"me"})").status == 403);
    BOOST_TEST(post(admin, "/admin/api/tokens", R"({"role":"applicant","company":"bad company!"})").status == 400);
    BOOST_TEST(post(admin, "/admin/api/tokens", R"({"role":"root","label":"x"})").status == 400);
    BOOST_TEST(post(admin, "/admin/api/tokens/tok_unknown/revoke", "").status == 404);
    auto revoked = post(admin, "/admin/api/tokens/" + tokenId + "/revoke", "");
    BOOST_TEST(revoked.status == 200, describe(revoked));
    BOOST_TEST(get(applicant, "/api/v1/applications").status == 401);

    auto refused = get(admin, "/admin/api/callbacks/refused?limit=5");
    BOOST_TEST(refused.status == 200, describe(refused));
    BOOST_TEST(get(admin, "/admin/api/callbacks/refused?limit=0").status == 400);
}

BOOST_AUTO_TEST_CASE(admins_see_every_companys_packages_and_an_overview) {
    std::string out;
    BOOST_TEST_REQUIRE(hubUnderTest().runCommand({"token", "issue", "--role", "admin", "--label", "ops-views"}, out) == 0);
    const std::string admin = out.substr(0, out.find('\n'));
    const std::string applicant = hubUnderTest().issueToken("overview-co");
    auto created = submit(applicant, readFile(sourceDirectory() + "/examples/full-12-permits.xml"), "overview-key-1");
    BOOST_TEST_REQUIRE(created.status == 201, describe(created));
    const std::string id = json(created)->getValue<std::string>("id");

    auto overview = get(admin, "/admin/api/overview");
    BOOST_TEST_REQUIRE(overview.status == 200, describe(overview));
    BOOST_TEST(json(overview)->getObject("packages")->getValue<long>("RECEIVED") >= 1);
    BOOST_TEST(json(overview)->getObject("permits")->getValue<long>("QUEUED") >= 2);
    BOOST_TEST(json(overview)->getObject("deadlines")->getArray("overdue")->size() == 0u);

    auto listed = get(admin, "/admin/api/packages?state=RECEIVED&limit=100");
    BOOST_TEST_REQUIRE(listed.status == 200, describe(listed));
    bool found = false;
    auto items = json(listed)->getArray("items");
    for (std::size_t i = 0; i < items->size(); ++i)
        if (items->getObject(i)->getValue<std::string>("id") == id) {
            found = true;
            BOOST_TEST(items->getObject(i)->getValue<std::string>("companyId") == "overview-co");
        }
    BOOST_TEST(found);
    BOOST_TEST(get(admin, "/admin/api/packages?state=BOGUS").status == 400);
    BOOST_TEST(get(admin, "/admin/api/packages?limit=0").status == 400);
    BOOST_TEST(get(admin, "/admin/api/packages?cursor=garbage").status == 400);

    auto inspected = get(admin, "/admin/api/packages/" + id);
    BOOST_TEST_REQUIRE(inspected.status == 200, describe(inspected));
    BOOST_TEST(json(inspected)->getValue<std::string>("companyId") == "overview-co");
    BOOST_TEST(json(inspected)->getArray("permits")->size() == 12u);
    BOOST_TEST(json(inspected)->getArray("events")->size() >= 13u);
    BOOST_TEST(json(inspected)->getArray("calls")->size() == 2u);  // P01 and P12, not yet sent (dispatch is off)
    BOOST_TEST(get(admin, "/admin/api/packages/PKG-00000000000000000000000000").status == 404);
    BOOST_TEST(get(applicant, "/admin/api/packages/" + id).status == 403);

    auto resolveUnknown = hubUnderTest().request("POST", "/admin/api/incidents/INC-nope/resolve",
                                                 {{"Authorization", "Bearer " + admin}}, R"({"note":"fixed by phone"})");
    BOOST_TEST(resolveUnknown.status == 404, describe(resolveUnknown));
    auto resolveWithoutNote = hubUnderTest().request("POST", "/admin/api/incidents/INC-nope/resolve",
                                                     {{"Authorization", "Bearer " + admin}}, "{}");
    BOOST_TEST(resolveWithoutNote.status == 400, describe(resolveWithoutNote));
}

BOOST_AUTO_TEST_CASE(prometheus_can_scrape_the_hub) {
    auto created = submit(hubUnderTest().issueToken("metrics-co"), readFile(sourceDirectory() + "/examples/full-12-permits.xml"),
                          "metrics-key-1");
    BOOST_TEST_REQUIRE(created.status == 201, describe(created));
    auto scraped = hubUnderTest().request("GET", "/metrics");
    BOOST_TEST_REQUIRE(scraped.status == 200, describe(scraped));
    BOOST_TEST(scraped.header("content-type").find("text/plain; version=0.0.4") == 0u);
    for (const char* expected :
         {"# TYPE hub_intake_requests_total counter", "hub_intake_requests_total{outcome=\"accepted\"} ",
          "# TYPE hub_intake_duration_seconds histogram", "hub_intake_duration_seconds_bucket{le=\"+Inf\"} ",
          "hub_permits{state=\"QUEUED\"} ", "hub_packages{state=\"RECEIVED\"} ", "hub_outbox_pending{department=\"SAMR\"} ",
          "hub_department_breaker_state{department=\"MSA\",state=\"CLOSED\"} 1", "hub_permits_overdue{department=\"MOT\"} 0",
          "hub_incidents_open ", "hub_store_up 1"})
        BOOST_TEST(scraped.body.find(expected) != std::string::npos, "missing: " << expected);
}

BOOST_AUTO_TEST_CASE(the_dashboard_is_served_without_any_other_file) {
    auto page = hubUnderTest().request("GET", "/admin/");
    BOOST_TEST_REQUIRE(page.status == 200, describe(page));
    BOOST_TEST(page.header("content-type").find("text/html") == 0u);
    BOOST_TEST(page.header("content-security-policy").find("default-src 'self'") != std::string::npos);
    BOOST_TEST(page.body.find("<html") != std::string::npos);
    BOOST_TEST(hubUnderTest().request("GET", "/admin").status == 308);
    BOOST_TEST(hubUnderTest().request("GET", "/admin/../config/hub.json").status == 404);
    BOOST_TEST(hubUnderTest().request("GET", "/admin/%2e%2e/config/catalogue.json").status == 404);
    BOOST_TEST(hubUnderTest().request("GET", "/admin/nope.html").status == 404);
    BOOST_TEST(hubUnderTest().request("GET", "/admin/index.php").status == 404);
    BOOST_TEST(hubUnderTest().request("POST", "/admin/index.html").status == 405);
}

BOOST_AUTO_TEST_CASE(each_token_has_its_own_rate_limit_and_is_told_when_to_come_back) {
    // A hub of its own with a small limit: 1 request per second, bursts of 3.
    HubProcess limited(storeFromArguments(), {}, R"("enabled": false)",
                       {{"HUB_SERVER_RATELIMITPERSECOND", "1"}, {"HUB_SERVER_RATELIMITBURST", "3"}});
    limited.start();
    const std::string first = limited.issueToken("limited-a");
    const std::string second = limited.issueToken("limited-b");
    const std::map<std::string, std::string> asFirst{{"Authorization", "Bearer " + first}};
    for (int i = 0; i < 3; ++i) BOOST_TEST(limited.request("GET", "/api/v1/applications", asFirst).status == 200);
    auto refused = limited.request("GET", "/api/v1/applications", asFirst);
    BOOST_TEST(refused.status == 429, refused.body);
    BOOST_TEST(refused.header("retry-after") == "1");
    BOOST_TEST(refused.body.find("RATE_LIMITED") != std::string::npos, refused.body);
    // Another token is not held back, nor are unauthenticated probes.
    BOOST_TEST(limited.request("GET", "/api/v1/applications", {{"Authorization", "Bearer " + second}}).status == 200);
    BOOST_TEST(limited.request("GET", "/healthz").status == 200);
    // A bad token is refused before the limit is looked at.
    BOOST_TEST(limited.request("GET", "/api/v1/applications", {{"Authorization", "Bearer hub_nope"}}).status == 401);
}
