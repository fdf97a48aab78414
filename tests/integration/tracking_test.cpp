// Permit tracking end to end: the real hub binary following every permit of a
// package to its end against the real department simulator — decisions,
// corrections, rejections, withdrawal, the applicant's ready notification, and
// the authentication of department callbacks.
//   tracking_tests -- sqlite
//   tracking_tests -- mysql <mariadb env file>
#define BOOST_TEST_MODULE tracking
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <regex>
#include <set>
#include <thread>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/String.h>

#include "core/clock.h"
#include "deptsim_harness.h"
#include "hub_process.h"
#include "transport/message_signature.h"

using hub::testing::HttpResponse;
using hub::testing::HubProcess;
using Poco::JSON::Array;
using Poco::JSON::Object;

namespace {

const std::vector<std::string> kDepartments = {"SAMR", "MOT", "MSA", "CUSTOMS", "CCS"};
const std::vector<std::string> kAllPermits = {"P01", "P02", "P03", "P04", "P05", "P06",
                                              "P07", "P08", "P09", "P10", "P11", "P12"};
// Everything that needs P12 (the CCS survey), directly or not.
const std::vector<std::string> kDependentsOfP12 = {"P02", "P03", "P04", "P06", "P07", "P08", "P09", "P11"};
constexpr int kHoldMs = 600000;  // a decision delay no test outlives
constexpr auto kPoll = std::chrono::milliseconds(150);

hub::core::EpochMillis nowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

hub::testing::StoreChoice storeFromArguments() {
    auto& suite = boost::unit_test::framework::master_test_suite();
    return hub::testing::storeChoiceFromArguments(suite.argc, suite.argv);
}

Object::Ptr parseObject(const std::string& text) {
    return Poco::JSON::Parser().parse(text).extract<Object::Ptr>();
}

std::string uniqueId(const std::string& prefix) {
    static std::atomic<int> counter{0};
    return prefix + "-" + std::to_string(nowMs()) + "-" + std::to_string(++counter);
}

std::string replaceElement(const std::string& xml, const std::string& element, const std::string& text) {
    return std::regex_replace(xml, std::regex("<" + element + ">[^<]*</" + element + ">"),
                              "<" + element + ">" + text + "</" + element + ">");
}

// A department callback built from a golden fixture, about `receipt`, with a
// fresh message id and the current time.
std::string callbackFrom(const std::string& fixture, const std::string& receipt, const std::string& messageId) {
    std::string xml = deptsim::testing::fixture(fixture);
    xml = replaceElement(xml, "MessageId", messageId);
    xml = replaceElement(xml, "ReceiptNumber", receipt);
    return replaceElement(xml, "StatusTime", hub::core::formatRfc3339(nowMs()));
}

std::string firstErrorCode(const HttpResponse& response) {
    try {
        auto errors = parseObject(response.body)->getArray("errors");
        return errors && errors->size() > 0 ? errors->getObject(0)->getValue<std::string>("code") : std::string();
    } catch (const Poco::Exception&) {
        return {};
    }
}

// deptsim on free ports, a receiver standing in for the applicant's
// notification URL, and a hub polling MSA every second whose department
// endpoints point at deptsim.
struct Rig {
    // `moreTracking`: further members of the hub's "tracking" section, each
    // after a comma.
    explicit Rig(const std::string& moreTracking = {})
        : simulator("http://127.0.0.1:9"),
          hub(storeFromArguments(), {}, R"("enabled": true, "workers": 2, "leaseSeconds": 5, "batchSize": 4)",
              environment(), R"("pollIntervalSeconds": 1, "clockSweepSeconds": 1)" + moreTracking) {
        hub.start();
        token = hub.issueToken("tracking-co");
    }

    std::map<std::string, std::string> environment() const {
        std::map<std::string, std::string> env{{"HUB_DEPT_SAMR_SECRET", deptsim::testing::DeptsimProcess::kSamrSecret}};
        for (const auto& code : kDepartments) env["HUB_DEPT_" + code + "_ENDPOINT"] = simulator.url(code);
        return env;
    }

    std::string notificationUrl() const { return "http://127.0.0.1:" + std::to_string(applicant.port()) + "/ready"; }

    void policy(const std::string& json) {
        auto reply = simulator.control("POST", "/_sim/policy", json);
        BOOST_TEST_REQUIRE(reply.status == 200, json << " -> " << reply.body);
    }

    // Every department but SAMR (which decides on the spot) decides after
    // `delayMs`.
    void decideAfter(int delayMs) {
        for (const auto& code : {"MOT", "MSA", "CUSTOMS", "CCS"})
            policy(std::string(R"({"department":")") + code + R"(","decisionDelayMs":)" + std::to_string(delayMs) + "}");
    }

    std::map<std::string, std::string> auth() const { return {{"Authorization", "Bearer " + token}}; }

    std::string submit(const std::string& key) {
        std::string xml =
            hub::testing::readFile(hub::testing::sourceDirectory() + "/examples/full-12-permits.xml");
        xml = replaceElement(xml, "NotificationUrl", notificationUrl());
        auto headers = auth();
        headers["Content-Type"] = "application/xml";
        headers["Idempotency-Key"] = key;
        auto response = hub.request("POST", "/api/v1/applications", headers, xml);
        BOOST_TEST_REQUIRE(response.status == 201, response.body);
        return parseObject(response.body)->getValue<std::string>("id");
    }

    std::string packageText(const std::string& id) const {
        auto response = hub.request("GET", "/api/v1/applications/" + id, auth());
        BOOST_TEST_REQUIRE(response.status == 200, response.body);
        return response.body;
    }
    Object::Ptr package(const std::string& id) const { return parseObject(packageText(id)); }

    Array::Ptr events(const std::string& id) const {
        auto response = hub.request("GET", "/api/v1/applications/" + id + "/events", auth());
        BOOST_TEST_REQUIRE(response.status == 200, response.body);
        return parseObject(response.body)->getArray("events");
    }

    // Polls GET (bounded) until `condition` holds for the package.
    bool waitFor(const std::string& id, const std::function<bool(const Object::Ptr&)>& condition,
                 std::chrono::seconds limit) const {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        while (std::chrono::steady_clock::now() < deadline) {
            if (condition(package(id))) return true;
            std::this_thread::sleep_for(kPoll);
        }
        return condition(package(id));
    }

    bool waitForState(const std::string& id, const std::string& state, std::chrono::seconds limit) const {
        return waitFor(id, [&](const Object::Ptr& p) { return p->getValue<std::string>("state") == state; }, limit);
    }

    // The deptsim messages of a department (newest first).
    std::vector<Object::Ptr> messages(const std::string& department) const {
        auto json = simulator.controlJson("GET", "/_sim/messages?department=" + department + "&limit=200");
        auto array = json->getArray("messages");
        std::vector<Object::Ptr> out;
        for (std::size_t i = 0; i < array->size(); ++i) out.push_back(array->getObject(i));
        return out;
    }

    HttpResponse postCallback(const std::string& department, const std::string& body, const std::string& secret,
                              hub::core::EpochMillis timestamp = 0) const {
        if (timestamp == 0) timestamp = nowMs();
        return hub.request("POST", "/api/v1/departments/" + department + "/callbacks",
                           {{"Content-Type", department == "MOT" ? "text/xml; charset=utf-8" : "application/xml"},
                            {std::string(hub::transport::kTimestampHeader), std::to_string(timestamp)},
                            {std::string(hub::transport::kSignatureHeader),
                             hub::transport::signatureHeaderValue(secret, timestamp, body)}},
                           body);
    }

    long total(const std::string& statistic) const {
        long sum = 0;
        for (const auto& code : kDepartments) sum += simulator.stat(code, statistic);
        return sum;
    }

    std::string diagnostics() const { return "hub log:\n" + hub.logTail() + "\ndeptsim log:\n" + simulator.logTail(); }

    deptsim::testing::DeptsimProcess simulator;
    deptsim::testing::CallbackReceiver applicant;
    HubProcess hub;
    std::string token;
};

Object::Ptr permitOf(const Object::Ptr& package, const std::string& permit) {
    auto permits = package->getArray("permits");
    for (std::size_t i = 0; i < permits->size(); ++i)
        if (permits->getObject(i)->getValue<std::string>("permit") == permit) return permits->getObject(i);
    BOOST_FAIL("the package has no permit " << permit);
    return nullptr;
}

std::string stateOf(const Object::Ptr& package, const std::string& permit) {
    return permitOf(package, permit)->getValue<std::string>("state");
}

std::string receiptOf(const Object::Ptr& package, const std::string& permit) {
    auto entry = permitOf(package, permit);
    return entry->has("receiptNumber") ? entry->getValue<std::string>("receiptNumber") : std::string();
}

std::string statesText(const Object::Ptr& package) {
    std::string out = package->getValue<std::string>("state") + ":";
    for (const auto& permit : kAllPermits) out += " " + permit + "=" + stateOf(package, permit);
    return out;
}

// The events of `type` (and of `permit` when given), oldest first.
std::vector<Object::Ptr> eventsOf(const Array::Ptr& events, const std::string& type, const std::string& permit = {}) {
    std::vector<Object::Ptr> out;
    for (std::size_t i = 0; i < events->size(); ++i) {
        auto event = events->getObject(i);
        if (event->getValue<std::string>("type") != type) continue;
        if (!permit.empty() && (!event->has("permit") || event->getValue<std::string>("permit") != permit)) continue;
        out.push_back(event);
    }
    return out;
}

std::string text(const Object::Ptr& object, const std::string& key) {
    return object->has(key) ? object->getValue<std::string>(key) : std::string();
}

using Received = deptsim::testing::CallbackReceiver::Received;

// How the applicant's notification checks against `secret` ("VALID", "MISMATCH", …).
std::string signatureCheckOf(const Received& notification, const std::string& secret) {
    auto header = [&](const std::string& name) {
        auto it = notification.headers.find(name);
        return it == notification.headers.end() ? std::string() : it->second;
    };
    return std::string(hub::transport::toString(hub::transport::verifySignature(
        secret, header("x-hub-timestamp"), header("x-hub-signature"), notification.body, nowMs(), 300000)));
}

const std::string kValidSignature(hub::transport::toString(hub::transport::SignatureCheck::Valid));

// The applicant's notifications of one kind ("event" in the body).
std::vector<Received> notificationsOf(const std::vector<Received>& all, const std::string& event) {
    std::vector<Received> out;
    for (const auto& received : all)
        if (parseObject(received.body)->getValue<std::string>("event") == event) out.push_back(received);
    return out;
}

const char* kValidSupplement = R"(<?xml version="1.0" encoding="UTF-8"?>
<CorrectionSupplement xmlns="urn:licensing-hub:package:v1">
  <Permit>P12</Permit>
  <Answer item="1">左舷救生艇释放装置已更换并复验合格（复验编号 RV-2026-0415）。</Answer>
  <Answer item="2">稳性计算书见附件。</Answer>
  <Attachment fileName="stability-booklet.pdf" mediaType="application/pdf">JVBERi0xLjQKJcfsj6IKMSAwIG9iago8PD4+CmVuZG9iagp0cmFpbGVyCjw8Pj4KJSVFT0YK</Attachment>
</CorrectionSupplement>
)";

// No Answer: the schema wants at least one.
const char* kSupplementWithoutAnswer = R"(<?xml version="1.0" encoding="UTF-8"?>
<CorrectionSupplement xmlns="urn:licensing-hub:package:v1">
  <Permit>P12</Permit>
  <Attachment fileName="../etc/passwd" mediaType="text/plain">not base64!</Attachment>
</CorrectionSupplement>
)";

}  // namespace

BOOST_AUTO_TEST_CASE(the_full_package_reaches_ready_to_operate_and_the_applicant_is_told_once) {
    Rig rig;
    rig.decideAfter(900);
    const std::string id = rig.submit("happy-path");

    BOOST_TEST_REQUIRE(rig.waitForState(id, "READY_TO_OPERATE", std::chrono::seconds(120)),
                       statesText(rig.package(id)) << '\n' << rig.diagnostics());
    auto package = rig.package(id);
    BOOST_TEST(package->has("readyAt"));
    BOOST_TEST(package->getObject("forecast")->getValue<bool>("reachable"));
    BOOST_TEST(package->getObject("forecast")->has("readyOn"));
    for (const auto& permit : kAllPermits) {
        auto entry = permitOf(package, permit);
        BOOST_TEST(entry->getValue<std::string>("state") == "ISSUED", permit);
        BOOST_TEST_REQUIRE(entry->has("certificate"), permit << " has no certificate");
        auto certificate = entry->getObject("certificate");
        BOOST_TEST(!text(certificate, "number").empty(), permit);
        BOOST_TEST(text(certificate, "issuer") == text(entry, "department"), permit);
        BOOST_TEST(text(certificate, "holder") == "青岛海联航运有限公司", permit);
        BOOST_TEST(!text(certificate, "issuedOn").empty(), permit);
        BOOST_TEST(text(certificate, "documentSha256").size() == 64u, permit);
    }

    // The business licence's USCC, issued by SAMR, travelled to MSA in the
    // ship ownership registration.
    const std::string uscc = text(permitOf(package, "P01")->getObject("certificate")->getObject("outputs"), "uscc");
    BOOST_TEST_REQUIRE(uscc.size() == 18u, "P01 outputs: uscc '" << uscc << "'");
    bool p05SubmitSeen = false;
    for (const auto& message : rig.messages("MSA")) {
        if (text(message, "permit") != "P05" || text(message, "kind") != "SUBMIT") continue;
        p05SubmitSeen = true;
        BOOST_TEST(text(message, "body").find("<USCC>" + uscc + "</USCC>") != std::string::npos,
                   text(message, "body"));
    }
    BOOST_TEST(p05SubmitSeen);

    auto events = rig.events(id);
    bool readyEvent = false;
    for (const auto& event : eventsOf(events, "PACKAGE_STATE"))
        readyEvent = readyEvent || text(event, "to") == "READY_TO_OPERATE";
    BOOST_TEST(readyEvent);
    BOOST_TEST(eventsOf(events, "PACKAGE_RECEIVED").size() == 1u);

    auto received = rig.applicant.waitFor([](const auto& all) { return !all.empty(); }, std::chrono::seconds(30));
    BOOST_TEST_REQUIRE(received.size() >= 1u, rig.diagnostics());
    // Give a second (wrong) notification the chance to arrive.
    received = rig.applicant.waitFor([](const auto& all) { return all.size() > 1; }, std::chrono::seconds(3));
    BOOST_TEST(received.size() == 1u);
    const auto& notification = received.front();
    BOOST_TEST(notification.path == "/ready");
    BOOST_TEST(signatureCheckOf(notification, "dev-secret-notify") == kValidSignature);
    BOOST_TEST(signatureCheckOf(notification, "dev-secret-wrong") != kValidSignature);
    auto body = parseObject(notification.body);
    BOOST_TEST(text(body, "packageId") == id);
    BOOST_TEST(text(body, "event") == "PACKAGE_READY_TO_OPERATE");
    BOOST_TEST(text(body, "state") == "READY_TO_OPERATE");
    BOOST_TEST(text(body, "applicantReference") == "HL-2026-0001");
    auto certificates = body->getArray("certificates");
    BOOST_TEST_REQUIRE(certificates);
    BOOST_TEST(certificates->size() == 12u);
    std::set<std::string> certified;
    for (std::size_t i = 0; i < certificates->size(); ++i)
        certified.insert(certificates->getObject(i)->getValue<std::string>("permit"));
    BOOST_TEST(certified.size() == 12u);

    BOOST_TEST(rig.total("duplicateEffects") == 0);
    BOOST_TEST(rig.total("invalid") == 0);
    BOOST_TEST(rig.total("selfCheckFailures") == 0);
}

namespace {

// Every department decides at once, and MOT holds each answer for 400 ms
// after processing the call: its callback (sent at the decision) always
// reaches the hub before the answer that carries the receipt.
void callbacksOvertakeMotAnswers(Rig& rig) {
    rig.decideAfter(0);
    auto reply = rig.simulator.control("POST", "/_sim/faults", R"({"department":"MOT","timeoutRate":1,"holdMs":400})");
    BOOST_TEST_REQUIRE(reply.status == 200, reply.body);
}

long refusedAs(const Rig& rig, const std::string& code) {
    return std::stol(Poco::trim(rig.hub.sql("SELECT COUNT(*) FROM refused_inbound WHERE code = '" + code + "'")));
}

long linesWith(const std::string& file, const std::string& text) {
    const std::string log = hub::testing::readFile(file);
    long count = 0;
    for (auto at = log.find(text); at != std::string::npos; at = log.find(text, at + 1)) ++count;
    return count;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_callback_that_overtakes_its_answer_waits_for_it_and_is_applied_at_once) {
    Rig rig;
    callbacksOvertakeMotAnswers(rig);
    const std::string id = rig.submit("overtaking-callbacks");
    BOOST_TEST_REQUIRE(rig.waitForState(id, "READY_TO_OPERATE", std::chrono::seconds(120)),
                       statesText(rig.package(id)) << '\n' << rig.diagnostics());
    // P02, P03 and P04 went to MOT; each decision overtook its receipt, and
    // each waited in the hub for the answer instead of being refused.
    BOOST_TEST(linesWith(rig.hub.workDirectory() + "/hub.log", "the callback waited") >= 3, rig.diagnostics());
    BOOST_TEST(refusedAs(rig, "RECEIPT_NOT_YET_KNOWN") == 0);
    BOOST_TEST(rig.total("duplicateEffects") == 0);
}

BOOST_AUTO_TEST_CASE(without_the_wait_an_overtaking_callback_is_refused_and_its_retry_applied) {
    Rig rig(R"(, "earlyCallbackWaitMs": 0)");
    callbacksOvertakeMotAnswers(rig);
    const std::string id = rig.submit("overtaking-callbacks-no-wait");
    BOOST_TEST_REQUIRE(rig.waitForState(id, "READY_TO_OPERATE", std::chrono::seconds(120)),
                       statesText(rig.package(id)) << '\n' << rig.diagnostics());
    BOOST_TEST(refusedAs(rig, "RECEIPT_NOT_YET_KNOWN") >= 3);
    BOOST_TEST(linesWith(rig.hub.workDirectory() + "/hub.log", "the callback waited") == 0);
    BOOST_TEST(rig.total("duplicateEffects") == 0);
}

BOOST_AUTO_TEST_CASE(a_correction_notice_is_answered_and_the_permit_goes_on_to_be_issued) {
    Rig rig;
    rig.decideAfter(900);
    rig.policy(R"({"department":"CCS","permit":"P12","decision":"correction","decisionDelayMs":3000})");
    const std::string id = rig.submit("correction-round");
    const std::string path = "/api/v1/applications/" + id + "/permits/P12/corrections";
    auto headers = rig.auth();
    headers["Content-Type"] = "application/xml";

    // No notice yet: nothing to answer.
    auto early = rig.hub.request("POST", path, headers, kValidSupplement);
    BOOST_TEST(early.status == 409, early.body);
    BOOST_TEST(firstErrorCode(early) == "CORRECTION_NOT_REQUESTED", early.body);
    BOOST_TEST(stateOf(rig.package(id), "P12") != "CORRECTION_REQUIRED");

    BOOST_TEST_REQUIRE(rig.waitFor(id, [](const Object::Ptr& p) { return stateOf(p, "P12") == "CORRECTION_REQUIRED"; },
                                   std::chrono::seconds(60)),
                       statesText(rig.package(id)) << '\n' << rig.diagnostics());
    // The department's reasons are in the timeline.
    const auto deptsimConfig = parseObject(hub::testing::readFile(hub::testing::sourceDirectory() + "/deptsim/deptsim.json"));
    const std::string firstItem =
        deptsimConfig->getObject("departments")->getObject("CCS")->getArray("correctionItems")->getElement<std::string>(0);
    bool reasonsShown = false;
    for (const auto& event : eventsOf(rig.events(id), "PERMIT_STATE", "P12"))
        if (text(event, "to") == "CORRECTION_REQUIRED")
            reasonsShown = text(event, "detail").find(firstItem) != std::string::npos;
    BOOST_TEST(reasonsShown, "no P12 CORRECTION_REQUIRED event naming \"" << firstItem << "\"");

    // A supplement that does not match its schema changes nothing.
    auto invalid = rig.hub.request("POST", path, headers, kSupplementWithoutAnswer);
    BOOST_TEST(invalid.status == 422, invalid.body);
    BOOST_TEST(stateOf(rig.package(id), "P12") == "CORRECTION_REQUIRED");

    auto answered = rig.hub.request("POST", path, headers, kValidSupplement);
    BOOST_TEST_REQUIRE(answered.status == 202, answered.body);
    BOOST_TEST(stateOf(parseObject(answered.body), "P12") == "SUBMITTED");
    // Only one answer per notice.
    auto again = rig.hub.request("POST", path, headers, kValidSupplement);
    BOOST_TEST(again.status == 409, again.body);

    // CCS receives the correction, carrying the supplement, under the same receipt.
    const std::string receipt = receiptOf(rig.package(id), "P12");
    Object::Ptr correction;
    BOOST_TEST_REQUIRE(deptsim::testing::eventually(
                           [&] {
                               for (const auto& message : rig.messages("CCS"))
                                   if (text(message, "kind") == "CORRECTION") correction = message;
                               return correction != nullptr;
                           },
                           std::chrono::seconds(30)),
                       rig.diagnostics());
    BOOST_TEST(text(correction, "receiptNumber") == receipt);
    BOOST_TEST(text(correction, "httpStatus") == "200");
    const std::string sent = text(correction, "body");
    BOOST_TEST(sent.find("<Supplement>") != std::string::npos, sent);
    BOOST_TEST(sent.find("RV-2026-0415") != std::string::npos, sent);
    BOOST_TEST(sent.find("stability-booklet.pdf") != std::string::npos, sent);

    BOOST_TEST_REQUIRE(rig.waitForState(id, "READY_TO_OPERATE", std::chrono::seconds(120)),
                       statesText(rig.package(id)) << '\n' << rig.diagnostics());
    auto p12 = permitOf(rig.package(id), "P12");
    BOOST_TEST(text(p12, "receiptNumber") == receipt);

    // The applicant was told of the notice (with where to answer it), then,
    // once, that the package is ready.
    auto told = rig.applicant.waitFor(
        [](const auto& all) { return !notificationsOf(all, "PACKAGE_READY_TO_OPERATE").empty(); },
        std::chrono::seconds(30));
    told = rig.applicant.waitFor([](const auto& all) { return all.size() > 2; }, std::chrono::seconds(2));
    BOOST_TEST(told.size() == 2u);
    auto notices = notificationsOf(told, "CORRECTION_REQUIRED");
    BOOST_TEST_REQUIRE(notices.size() == 1u);
    BOOST_TEST(signatureCheckOf(notices.front(), "dev-secret-notify") == kValidSignature);
    auto notice = parseObject(notices.front().body);
    BOOST_TEST(text(notice, "packageId") == id);
    BOOST_TEST(text(notice, "permit") == "P12");
    BOOST_TEST(text(notice, "receiptNumber") == receipt);
    BOOST_TEST_REQUIRE(notice->getArray("reasons"));
    BOOST_TEST(notice->getArray("reasons")->size() ==
               deptsimConfig->getObject("departments")->getObject("CCS")->getArray("correctionItems")->size());
    BOOST_TEST(text(notice->getObject("links"), "corrections") == path);
    BOOST_TEST(notificationsOf(told, "PACKAGE_READY_TO_OPERATE").size() == 1u);
    BOOST_TEST(p12->has("certificate"));
    BOOST_TEST(rig.simulator.stat("CCS", "decisions.correction") == 1);
    BOOST_TEST(rig.total("duplicateEffects") == 0);
    BOOST_TEST(rig.total("invalid") == 0);
}

BOOST_AUTO_TEST_CASE(a_rejection_blocks_every_dependent_and_the_rest_still_completes) {
    Rig rig;
    rig.decideAfter(900);
    rig.policy(R"({"department":"CCS","permit":"P12","decision":"reject","decisionDelayMs":1500})");
    const std::string id = rig.submit("rejection");

    const std::vector<std::string> independent = {"P01", "P05", "P10"};
    BOOST_TEST_REQUIRE(rig.waitFor(id,
                                   [&](const Object::Ptr& p) {
                                       if (stateOf(p, "P12") != "REJECTED") return false;
                                       for (const auto& permit : independent)
                                           if (stateOf(p, permit) != "ISSUED") return false;
                                       return true;
                                   },
                                   std::chrono::seconds(90)),
                       statesText(rig.package(id)) << '\n' << rig.diagnostics());
    auto package = rig.package(id);
    BOOST_TEST(package->getValue<std::string>("state") == "PARTIALLY_FAILED");
    BOOST_TEST(!package->has("readyAt"));
    BOOST_TEST(package->getObject("forecast")->getValue<bool>("reachable") == false);
    for (const auto& permit : independent) BOOST_TEST(permitOf(package, permit)->has("certificate"), permit);

    auto events = rig.events(id);
    bool rejectionReasoned = false;
    for (const auto& event : eventsOf(events, "PERMIT_STATE", "P12"))
        if (text(event, "to") == "REJECTED") rejectionReasoned = text(event, "detail").find(':') != std::string::npos;
    BOOST_TEST(rejectionReasoned, "the P12 REJECTED event gives no reason");
    for (const auto& permit : kDependentsOfP12) {
        BOOST_TEST(stateOf(package, permit) == "BLOCKED", permit);
        std::string reason;
        for (const auto& event : eventsOf(events, "PERMIT_STATE", permit))
            if (text(event, "to") == "BLOCKED") reason = text(event, "detail");
        BOOST_TEST(reason.find("P12") != std::string::npos, permit << " blocked with reason '" << reason << "'");
    }
    // Nothing was sent for a blocked permit.
    for (const auto& code : {"MOT", "CUSTOMS"}) BOOST_TEST(rig.simulator.stat(code, "received") == 0, code);
    for (const auto& message : rig.messages("MSA")) {
        const std::string permit = text(message, "permit");
        BOOST_TEST((permit == "P05" || permit == "P10"), "MSA received a message for " << permit);
    }
    BOOST_TEST(rig.total("duplicateEffects") == 0);
    // The applicant is told of the refusal and what it blocks, once; the
    // package never becomes ready.
    auto told = rig.applicant.waitFor([](const auto& all) { return !all.empty(); }, std::chrono::seconds(30));
    told = rig.applicant.waitFor([](const auto& all) { return all.size() > 1; }, std::chrono::seconds(2));
    BOOST_TEST_REQUIRE(told.size() == 1u);
    BOOST_TEST(signatureCheckOf(told.front(), "dev-secret-notify") == kValidSignature);
    auto refusal = parseObject(told.front().body);
    BOOST_TEST(text(refusal, "event") == "PERMIT_REFUSED");
    BOOST_TEST(text(refusal, "packageId") == id);
    BOOST_TEST(text(refusal, "permit") == "P12");
    BOOST_TEST(text(refusal, "state") == "REJECTED");
    BOOST_TEST(text(refusal, "receiptNumber") == receiptOf(package, "P12"));
    BOOST_TEST_REQUIRE(refusal->getArray("reasons"));
    BOOST_TEST(refusal->getArray("reasons")->size() >= 1u);
    std::set<std::string> blocked;
    if (auto list = refusal->getArray("blocked"))
        for (std::size_t i = 0; i < list->size(); ++i) blocked.insert(list->getElement<std::string>(i));
    BOOST_TEST(blocked == std::set<std::string>(kDependentsOfP12.begin(), kDependentsOfP12.end()),
               told.front().body);
}

BOOST_AUTO_TEST_CASE(withdrawal_mid_flight_cancels_what_departments_hold_and_stops_all_traffic) {
    Rig rig;
    rig.decideAfter(kHoldMs);
    const std::string id = rig.submit("withdrawal");

    // P01 decided on the spot; P05 (MSA, polled) and P12 (CCS) held.
    BOOST_TEST_REQUIRE(rig.waitFor(id,
                                   [](const Object::Ptr& p) {
                                       return stateOf(p, "P01") == "ISSUED" && !receiptOf(p, "P05").empty() &&
                                              !receiptOf(p, "P12").empty();
                                   },
                                   std::chrono::seconds(60)),
                       statesText(rig.package(id)) << '\n' << rig.diagnostics());
    // MSA is being polled.
    BOOST_TEST_REQUIRE(deptsim::testing::eventually(
        [&] {
            for (const auto& message : rig.messages("MSA"))
                if (text(message, "kind") == "STATUS_QUERY") return true;
            return false;
        },
        std::chrono::seconds(10)));
    const auto before = rig.package(id);
    const std::string p05Receipt = receiptOf(before, "P05"), p12Receipt = receiptOf(before, "P12");

    auto withdrawn = rig.hub.request("POST", "/api/v1/applications/" + id + "/withdraw", rig.auth());
    BOOST_TEST_REQUIRE(withdrawn.status == 202, withdrawn.body);
    auto answer = parseObject(withdrawn.body);
    BOOST_TEST(answer->getValue<std::string>("state") == "WITHDRAWN");
    BOOST_TEST(stateOf(answer, "P01") == "ISSUED");
    for (const auto& permit : kAllPermits)
        if (permit != "P01") BOOST_TEST(stateOf(answer, permit) == "WITHDRAWN", permit);
    BOOST_TEST(statesText(rig.package(id)) == statesText(answer));

    // Each department holding a permit is told, once; SAMR, whose permit is
    // issued, is not.
    auto cancelsOf = [&](const std::string& department) {
        std::vector<Object::Ptr> cancels;
        for (const auto& message : rig.messages(department))
            if (text(message, "kind") == "CANCEL") cancels.push_back(message);
        return cancels;
    };
    BOOST_TEST_REQUIRE(deptsim::testing::eventually(
                           [&] { return cancelsOf("MSA").size() == 1 && cancelsOf("CCS").size() == 1; },
                           std::chrono::seconds(30)),
                       rig.diagnostics());
    BOOST_TEST(text(cancelsOf("MSA").front(), "receiptNumber") == p05Receipt);
    BOOST_TEST(text(cancelsOf("CCS").front(), "receiptNumber") == p12Receipt);
    BOOST_TEST(cancelsOf("SAMR").empty());
    auto confirmed = [&] {
        auto events = rig.events(id);
        return eventsOf(events, "CANCELLATION_CONFIRMED", "P05").size() == 1 &&
               eventsOf(events, "CANCELLATION_CONFIRMED", "P12").size() == 1;
    };
    BOOST_TEST(deptsim::testing::eventually(confirmed, std::chrono::seconds(10)));

    // After that, silence: no submission, no status query, for well over two
    // poll intervals.
    auto nonCancelMessages = [&] {
        std::size_t count = 0;
        for (const auto& code : kDepartments)
            for (const auto& message : rig.messages(code))
                if (text(message, "kind") != "CANCEL") ++count;
        return count;
    };
    const std::size_t quiet = nonCancelMessages();
    const long receivedBefore = rig.total("received");
    std::this_thread::sleep_for(std::chrono::milliseconds(2600));
    BOOST_TEST(nonCancelMessages() == quiet);
    BOOST_TEST(rig.total("received") == receivedBefore);

    auto second = rig.hub.request("POST", "/api/v1/applications/" + id + "/withdraw", rig.auth());
    BOOST_TEST(second.status == 409, second.body);
    BOOST_TEST(firstErrorCode(second) == "NOT_WITHDRAWABLE", second.body);
    BOOST_TEST(statesText(rig.package(id)) == statesText(answer));
    BOOST_TEST(rig.total("duplicateEffects") == 0);
    BOOST_TEST(rig.applicant.waitFor([](const auto& all) { return !all.empty(); }, std::chrono::milliseconds(200))
                   .empty());
}

BOOST_AUTO_TEST_CASE(department_callbacks_are_authenticated_checked_and_idempotent) {
    Rig rig;
    rig.decideAfter(kHoldMs);
    const std::string id = rig.submit("callbacks");
    BOOST_TEST_REQUIRE(rig.waitFor(id,
                                   [](const Object::Ptr& p) {
                                       return stateOf(p, "P01") == "ISSUED" && !receiptOf(p, "P05").empty() &&
                                              !receiptOf(p, "P12").empty() && stateOf(p, "P12") == "SUBMITTED";
                                   },
                                   std::chrono::seconds(60)),
                       statesText(rig.package(id)) << '\n' << rig.diagnostics());
    const auto held = rig.package(id);
    const std::string p01Receipt = receiptOf(held, "P01"), p12Receipt = receiptOf(held, "P12");
    BOOST_TEST_REQUIRE(!p01Receipt.empty());
    const std::string ccsSecret = "dev-secret-ccs";

    // What a refused message must not change: the package as stored. The
    // forecast and the working days left are computed from today, so they
    // are left out (a run may cross midnight in China).
    auto stored = [&] {
        static const std::regex dayDependent(
            R"re("(workingDaysLeft|remainingWorkingDays)":-?[0-9]+|"(expectedOn|expectedReadyOn)":"[0-9-]+"|"criticalPath":\[[^\]]*\])re");
        return std::regex_replace(rig.packageText(id), dayDependent, "");
    };
    const std::string packageBefore = stored();
    const std::size_t eventsBefore = rig.events(id)->size();
    auto unchanged = [&](const std::string& what) {
        BOOST_TEST(stored() == packageBefore, what << " changed the package");
        BOOST_TEST(rig.events(id)->size() == eventsBefore, what << " added events");
    };
    auto expectRefusal = [&](const std::string& what, const HttpResponse& response, int status,
                             const std::string& code) {
        BOOST_TEST(response.status == status, what << ": " << response.body);
        BOOST_TEST(firstErrorCode(response) == code, what << ": " << response.body);
        unchanged(what);
    };
    const std::string accepted = "ccs/callback-accepted.xml";

    expectRefusal("bad signature",
                  rig.postCallback("CCS", callbackFrom(accepted, p12Receipt, uniqueId("CCS-T")), "not-the-ccs-secret"),
                  401, "BAD_SIGNATURE");
    expectRefusal("stale timestamp",
                  rig.postCallback("CCS", callbackFrom(accepted, p12Receipt, uniqueId("CCS-T")), ccsSecret,
                                   nowMs() - 10 * 60 * 1000),
                  401, "STALE_TIMESTAMP");
    {
        const std::string body = callbackFrom(accepted, p12Receipt, uniqueId("CCS-T"));
        const auto timestamp = nowMs();
        auto withoutSignature = rig.hub.request("POST", "/api/v1/departments/CCS/callbacks",
                                         {{"Content-Type", "application/xml"},
                                          {std::string(hub::transport::kTimestampHeader), std::to_string(timestamp)}},
                                         body);
        expectRefusal("no signature", withoutSignature, 401, "BAD_SIGNATURE");
    }
    expectRefusal("unknown receipt",
                  rig.postCallback("CCS", callbackFrom(accepted, "CCS-QD-1999-S-00000", uniqueId("CCS-T")), ccsSecret),
                  404, "UNKNOWN_PERMIT");
    // MOT signs a message about CCS's permit.
    expectRefusal("wrong department",
                  rig.postCallback("MOT", callbackFrom("mot/callback-accepted.xml", p12Receipt, uniqueId("MOT-T")),
                                   "dev-secret-mot"),
                  403, "WRONG_DEPARTMENT");
    // P01 is already issued.
    expectRefusal("illegal transition",
                  rig.postCallback("SAMR", callbackFrom("samr/callback-accepted.xml", p01Receipt, uniqueId("SAMR-T")),
                                   deptsim::testing::DeptsimProcess::kSamrSecret),
                  409, "ILLEGAL_TRANSITION");
    expectRefusal("schema-invalid body",
                  rig.postCallback("CCS", callbackFrom("ccs/invalid-callback.xml", p12Receipt, uniqueId("CCS-T")),
                                   ccsSecret),
                  422, "SCHEMA_VIOLATION");  // one error per schema violation
    expectRefusal("unknown department",
                  rig.postCallback("PSB", callbackFrom(accepted, p12Receipt, uniqueId("CCS-T")), ccsSecret), 404,
                  "UNKNOWN_DEPARTMENT");
    BOOST_TEST(stateOf(rig.package(id), "P12") == "SUBMITTED");

    // A valid callback, then its replay: the same answer, no second change.
    const std::string messageId = uniqueId("CCS-T");
    const std::string body = callbackFrom(accepted, p12Receipt, messageId);
    auto first = rig.postCallback("CCS", body, ccsSecret);
    BOOST_TEST_REQUIRE(first.status == 200, first.body);
    auto answer = parseObject(first.body);
    BOOST_TEST(text(answer, "result") == "APPLIED");
    BOOST_TEST(text(answer, "state") == "ACCEPTED");
    BOOST_TEST(text(answer, "packageId") == id);
    BOOST_TEST(text(answer, "permit") == "P12");
    BOOST_TEST(text(answer, "messageId") == messageId);
    const auto afterFirst = rig.package(id);
    BOOST_TEST(stateOf(afterFirst, "P12") == "ACCEPTED");
    BOOST_TEST(permitOf(afterFirst, "P12")->has("acceptedOn"));
    const std::string packageAfterFirst = rig.packageText(id);
    const auto eventsAfterFirst = rig.events(id);
    BOOST_TEST(eventsAfterFirst->size() == eventsBefore + 1);
    std::size_t acceptedEvents = 0;
    for (const auto& event : eventsOf(eventsAfterFirst, "PERMIT_STATE", "P12"))
        if (text(event, "to") == "ACCEPTED") ++acceptedEvents;
    BOOST_TEST(acceptedEvents == 1u);

    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // another timestamp, another signature
    auto replay = rig.postCallback("CCS", body, ccsSecret);
    BOOST_TEST(replay.status == 200, replay.body);
    BOOST_TEST(replay.body == first.body);
    BOOST_TEST(rig.packageText(id) == packageAfterFirst);
    BOOST_TEST(rig.events(id)->size() == eventsAfterFirst->size());

    // The same id for another message is refused, and changes nothing either.
    auto reused = rig.postCallback("CCS", callbackFrom("ccs/callback-under-review.xml", p12Receipt, messageId), ccsSecret);
    BOOST_TEST(reused.status == 422, reused.body);
    BOOST_TEST(firstErrorCode(reused) == "MESSAGE_ID_REUSED", reused.body);
    BOOST_TEST(rig.packageText(id) == packageAfterFirst);
    BOOST_TEST(rig.events(id)->size() == eventsAfterFirst->size());

    // Every refusal is recorded, with its code, for the operators.
    std::string adminToken;
    BOOST_TEST_REQUIRE(rig.hub.runCommand({"token", "issue", "--role", "admin", "--label", "tracking-test"}, adminToken) ==
                       0);
    adminToken = adminToken.substr(0, adminToken.find('\n'));
    auto listed = rig.hub.request("GET", "/admin/api/callbacks/refused?limit=100",
                                  {{"Authorization", "Bearer " + adminToken}});
    BOOST_TEST_REQUIRE(listed.status == 200, listed.body);
    std::multiset<std::string> codes;
    auto refused = parseObject(listed.body)->getArray("refused");
    for (std::size_t i = 0; i < refused->size(); ++i) codes.insert(text(refused->getObject(i), "code"));
    const std::multiset<std::string> expected = {"BAD_SIGNATURE",      "BAD_SIGNATURE",     "STALE_TIMESTAMP",
                                                 "UNKNOWN_PERMIT",     "WRONG_DEPARTMENT",  "ILLEGAL_TRANSITION",
                                                 "SCHEMA_INVALID",     "UNKNOWN_DEPARTMENT", "MESSAGE_ID_REUSED"};
    BOOST_TEST(codes == expected, listed.body);
    BOOST_TEST(rig.total("duplicateEffects") == 0);
}

namespace {

// What GET /admin/api/audit/verify says (200 expected).
Object::Ptr verifyAudit(const Rig& rig, const std::string& adminToken) {
    auto response = rig.hub.request("GET", "/admin/api/audit/verify", {{"Authorization", "Bearer " + adminToken}});
    BOOST_TEST_REQUIRE(response.status == 200, response.body);
    return parseObject(response.body);
}

// The problem codes the verification found (each with its chain and seq).
std::set<std::string> problemsOf(const Object::Ptr& verification) {
    std::set<std::string> out;
    auto problems = verification->getArray("problems");
    for (std::size_t i = 0; i < problems->size(); ++i) {
        auto problem = problems->getObject(i);
        out.insert(text(problem, "code") + "@" + text(problem, "chain") + "#" +
                   std::to_string(problem->getValue<long long>("seq")));
    }
    return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_audit_trail_records_everything_and_finds_edited_inserted_and_deleted_rows) {
    Rig rig;
    rig.decideAfter(200);
    const std::string id = rig.submit("audit");
    BOOST_TEST_REQUIRE(rig.waitForState(id, "READY_TO_OPERATE", std::chrono::seconds(120)),
                       statesText(rig.package(id)) << '\n' << rig.diagnostics());
    std::string adminToken;
    BOOST_TEST_REQUIRE(rig.hub.runCommand({"token", "issue", "--role", "admin", "--label", "audit-tests"}, adminToken) == 0);
    adminToken = Poco::trim(adminToken);
    const std::map<std::string, std::string> admin{{"Authorization", "Bearer " + adminToken}};
    BOOST_TEST(rig.hub.request("POST", "/admin/api/departments/SAMR/pause", admin, R"({"note":"audit test"})").status == 200);
    BOOST_TEST(rig.hub.request("POST", "/admin/api/departments/SAMR/resume", admin, "{}").status == 200);
    // A forged callback: refused, and recorded.
    BOOST_TEST(rig.postCallback("CCS", "<x/>", "not-the-secret").status == 401);

    auto verified = verifyAudit(rig, adminToken);
    BOOST_TEST(verified->getValue<bool>("ok"), "problems: " << problemsOf(verified).size());
    BOOST_TEST(verified->getValue<long long>("entries") > 50);

    // The package's chain: what happened to it, messages by digest only.
    auto chain = parseObject(rig.hub.request("GET", "/admin/api/audit/chains/" + id, admin).body)->getArray("entries");
    std::map<std::string, int> kinds;
    for (std::size_t i = 0; i < chain->size(); ++i) {
        auto entry = chain->getObject(i);
        ++kinds[text(entry, "kind")];
        BOOST_TEST(text(entry, "detail").find('<') == std::string::npos, "a message body in " << text(entry, "detail"));
        BOOST_TEST(entry->getValue<long long>("seq") == static_cast<long long>(i + 1));
    }
    BOOST_TEST(kinds["PACKAGE_RECEIVED"] == 1);
    BOOST_TEST(kinds["MESSAGE_OUT"] >= 12);
    BOOST_TEST(kinds["MESSAGE_IN"] >= 1);
    BOOST_TEST(kinds["PERMIT_STATE"] >= 24);
    BOOST_TEST(kinds["CERTIFICATE_RECORDED"] == 12);
    BOOST_TEST(kinds["PACKAGE_STATE"] >= 1);
    const std::string firstOut = rig.hub.sql("SELECT detail FROM audit_log WHERE chain = '" + id +
                                             "' AND kind = 'MESSAGE_OUT' ORDER BY seq LIMIT 1");
    BOOST_TEST(std::regex_search(firstOut, std::regex("request=[0-9a-f]{64} response=[0-9a-f]{64}")), firstOut);
    // Admin actions name the admin.
    const std::string hubChain = rig.hub.sql("SELECT actor, subject, detail FROM audit_log WHERE chain = 'HUB' "
                                             "AND kind = 'ADMIN_ACTION' ORDER BY seq");
    BOOST_TEST(hubChain.find("admin:audit-tests\tSAMR\tpause department: audit test") != std::string::npos, hubChain);
    BOOST_TEST(hubChain.find("admin:audit-tests\tSAMR\tresume department") != std::string::npos, hubChain);
    BOOST_TEST(hubChain.find("cli\ttok_") != std::string::npos, hubChain);
    BOOST_TEST(rig.hub.sql("SELECT COUNT(*) FROM audit_log WHERE kind = 'MESSAGE_REFUSED' AND detail LIKE "
                           "'code=BAD_SIGNATURE%'") == "1\n");

    // A clean stop anchors the last changes in the GLOBAL chain.
    BOOST_TEST(rig.hub.stop() == 0);
    const std::string head = rig.hub.sql("SELECT seq FROM audit_heads WHERE chain = '" + id + "'");
    const long long last = std::stoll(head);
    BOOST_TEST(rig.hub.sql("SELECT COUNT(*) FROM audit_log WHERE chain = 'GLOBAL' AND kind = 'ANCHOR' AND subject = '" +
                           id + "' AND detail LIKE 'seq=" + std::to_string(last) + " %'") == "1\n");
    rig.hub.sql("CREATE TABLE audit_log_copy AS SELECT * FROM audit_log WHERE chain = '" + id +
                "'; CREATE TABLE audit_heads_copy AS SELECT * FROM audit_heads WHERE chain = '" + id + "'");
    rig.hub.start();
    BOOST_TEST(verifyAudit(rig, adminToken)->getValue<bool>("ok"));

    const std::string where = " WHERE chain = '" + id + "'";
    auto restore = [&] {
        rig.hub.sql("DELETE FROM audit_log" + where + "; INSERT INTO audit_log SELECT * FROM audit_log_copy; " +
                    "DELETE FROM audit_heads" + where + "; INSERT INTO audit_heads SELECT * FROM audit_heads_copy");
        BOOST_TEST(verifyAudit(rig, adminToken)->getValue<bool>("ok"), "not clean after restoring");
    };
    const std::string at = "@" + id + "#7";

    // Edited: one entry's text changed.
    rig.hub.sql("UPDATE audit_log SET detail = 'SUBMITTED -> ISSUED: nothing to see'" + where + " AND seq = 7");
    auto edited = verifyAudit(rig, adminToken);
    BOOST_TEST(!edited->getValue<bool>("ok"));
    BOOST_TEST(problemsOf(edited).count("ENTRY_ALTERED" + at) == 1u, edited->getArray("problems")->size());
    restore();

    // Inserted: a forged entry slipped in after entry 6 (later entries renumbered).
    rig.hub.sql("UPDATE audit_log SET seq = -seq" + where + " AND seq > 6; UPDATE audit_log SET seq = 1 - seq" +
                where + " AND seq < 0; INSERT INTO audit_log (chain, seq, at, kind, actor, subject, detail, "
                "prev_hash, hash) SELECT chain, 7, at, 'ADMIN_ACTION', 'admin:nobody', 'P01', 'approved by hand', "
                "hash, '" + std::string(64, 'f') + "' FROM audit_log_copy" + where + " AND seq = 6");
    auto inserted = verifyAudit(rig, adminToken);
    BOOST_TEST(!inserted->getValue<bool>("ok"));
    BOOST_TEST(problemsOf(inserted).count("ENTRY_ALTERED" + at) == 1u);
    BOOST_TEST(problemsOf(inserted).count("CHAIN_BROKEN@" + id + "#8") == 1u);
    restore();

    // Deleted: an entry in the middle.
    rig.hub.sql("DELETE FROM audit_log" + where + " AND seq = 7");
    auto deleted = verifyAudit(rig, adminToken);
    BOOST_TEST(!deleted->getValue<bool>("ok"));
    BOOST_TEST(problemsOf(deleted).count("SEQUENCE_GAP@" + id + "#8") == 1u);
    restore();

    // Deleted at the end, head moved back to match: only the anchor tells.
    rig.hub.sql("DELETE FROM audit_log" + where + " AND seq = " + std::to_string(last) +
                "; UPDATE audit_heads SET seq = " + std::to_string(last - 1) +
                ", hash = (SELECT hash FROM audit_log_copy" + where + " AND seq = " + std::to_string(last - 1) + ")" +
                where);
    auto truncated = verifyAudit(rig, adminToken);
    BOOST_TEST(!truncated->getValue<bool>("ok"));
    BOOST_TEST(problemsOf(truncated).count("ANCHOR_MISMATCH@" + id + "#" + std::to_string(last)) == 1u);
    restore();

    // A whole chain deleted: the GLOBAL chain still names it.
    rig.hub.sql("DELETE FROM audit_log" + where + "; DELETE FROM audit_heads" + where);
    auto gone = verifyAudit(rig, adminToken);
    BOOST_TEST(!gone->getValue<bool>("ok"));
    BOOST_TEST(problemsOf(gone).count("ANCHOR_MISMATCH@" + id + "#" + std::to_string(last)) == 1u);
    restore();
}
