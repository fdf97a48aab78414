// The dispatcher with the real store (SQLite), the real adapters of every
// configured department and a scripted transport, under a manual clock: what
// each kind of answer does to the outbox, the permit, the attempts and the
// incidents.
#define BOOST_TEST_MODULE dispatcher
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <deque>
#include <fstream>
#include <mutex>
#include <sstream>

#include <Poco/File.h>
#include <Poco/TemporaryFile.h>

#include "adapter/department_config.h"
#include "config/hub_config.h"
#include "core_printing.h"
#include "core/retry_policy.h"
#include "core/system_clock.h"
#include "dispatch/dispatcher.h"
#include "store/sqlite/sqlite_store.h"
#include "transport/transport.h"

using namespace hub;

namespace {

const std::string kSource = HUB_SOURCE_DIR;

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    BOOST_TEST_REQUIRE(in.good(), "missing " << path);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

class ManualClock final : public core::Clock {
  public:
    core::EpochMillis now() const override { return now_.load(); }
    void advance(core::EpochMillis ms) { now_ += ms; }

  private:
    std::atomic<core::EpochMillis> now_{1'795'000'000'000};
};

class FixedRandom final : public core::RandomSource {
  public:
    double uniform01() override { return 0.5; }
};

// Answers from a script, then a default; records what was sent.
class ScriptedTransport final : public transport::Transport {
  public:
    explicit ScriptedTransport(transport::TransportResult fallback) : fallback_(std::move(fallback)) {}
    transport::TransportResult send(const transport::Endpoint&, const transport::OutboundMessage& message,
                                    core::EpochMillis) override {
        std::lock_guard lock(mutex_);
        sent.push_back(message);
        if (script.empty()) return fallback_;
        auto next = script.front();
        script.pop_front();
        return next;
    }
    std::deque<transport::TransportResult> script;
    std::vector<transport::OutboundMessage> sent;

  private:
    std::mutex mutex_;
    transport::TransportResult fallback_;
};

transport::TransportResult answer(int status, std::string body = {}) {
    transport::TransportResult result;
    result.httpStatus = status;
    result.body = std::move(body);
    return result;
}

transport::TransportResult sample(const std::string& department, const std::string& file, int status = 200) {
    return answer(status, readFile(kSource + "/tests/fixtures/adapters/" + department + "/" + file));
}

transport::TransportResult connectionRefused() {
    transport::TransportResult result;
    result.failure = transport::TransportResult::Failure::ConnectionFailed;
    result.error = "connection refused";
    return result;
}

struct Fixture {
    Fixture()
        : directory(Poco::TemporaryFile::tempName() + "-dispatch"),
          catalogue(config::loadCatalogue(kSource + "/config/catalogue.json")),
          departments(adapter::loadDepartments(kSource + "/adapters", kSource, catalogue,
                                               {"customs", "epc", "rest-xml", "soap11"})),
          ids(core::makeRandomIdSource()),
          planner(catalogue, calendar, *ids) {
        Poco::File(directory).createDirectories();
        config::SqliteConfig sqlite;
        sqlite.path = directory + "/hub.db";
        store = store::makeSqliteStore(sqlite);
        store->migrate();
        std::vector<std::unique_ptr<dispatch::DepartmentChannel>> channels;
        for (const auto& department : departments.all()) {
            auto scripted = std::make_unique<ScriptedTransport>(answer(503));
            transports[department->code()] = scripted.get();
            channels.push_back(std::make_unique<dispatch::DepartmentChannel>(department, std::move(scripted),
                                                                             "secret-" + department->code(), clock));
        }
        dispatcher = std::make_unique<dispatch::Dispatcher>(
            *store, planner, std::move(channels), clock, random, *ids,
            dispatch::DispatcherSettings{"hub-test-1", 60'000, 8, "licensing-hub", "http://127.0.0.1:8080", 10});
    }
    ~Fixture() {
        dispatcher.reset();
        store.reset();
        Poco::File(directory).remove(true);
    }

    // A stored package whose P01 (SAMR) and P12 (CCS) are QUEUED with their dispatches.
    std::string savePackage(const std::string& original = {}) {
        store::NewPackage package;
        package.id = ids->packageId(clock.now());
        package.companyId = "acme";
        package.receivedAt = clock.now();
        package.originalXml = original.empty() ? readFile(kSource + "/examples/full-12-permits.xml") : original;
        package.sha256 = "0";
        for (const auto& item : catalogue.permits()) {
            const bool ready = item.needs.empty();
            package.permits.push_back(
                {item.id, item.department, ready ? core::PermitState::Queued : core::PermitState::Waiting, true});
            if (ready) package.dispatches.push_back({ids->messageId(), item.id, item.department, "SUBMIT", clock.now()});
        }
        store->savePackage(package, nullptr);
        return package.id;
    }

    core::PermitState stateOf(const std::string& packageId, const std::string& permit) {
        return permitView(packageId, permit).state;
    }
    store::PermitView permitView(const std::string& packageId, const std::string& permit) {
        const auto package = store->findPackage("acme", packageId);
        BOOST_TEST_REQUIRE(package.has_value());
        for (const auto& view : package->permits)
            if (view.permit == permit) return view;
        throw std::runtime_error("no permit " + permit);
    }
    store::DispatchView dispatchOf(const std::string& packageId, const std::string& permit) {
        for (const auto& view : store->dispatchesOf(packageId))
            if (view.permit == permit) return view;
        throw std::runtime_error("no dispatch");
    }
    std::string resultFor(const std::vector<dispatch::DeliveryReport>& reports, const std::string& department) {
        for (const auto& report : reports)
            if (report.department == department) return report.result;
        return "none";
    }

    std::string directory;
    ManualClock clock;
    FixedRandom random;
    core::Catalogue catalogue;
    adapter::DepartmentAdapters departments;
    std::unique_ptr<core::IdSource> ids;
    const core::WorkingCalendar calendar = core::WorkingCalendar::weekdaysOnly();
    tracking::EventPlanner planner;
    std::unique_ptr<store::Store> store;
    std::map<std::string, ScriptedTransport*> transports;
    std::unique_ptr<dispatch::Dispatcher> dispatcher;
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(dispatcher, Fixture)

BOOST_AUTO_TEST_CASE(an_acknowledged_call_submits_the_permit_with_its_receipt) {
    const std::string id = savePackage();
    transports["CCS"]->script.push_back(sample("ccs", "response-ack.xml"));
    transports["SAMR"]->script.push_back(sample("samr", "response-accepted.xml"));
    auto reports = dispatcher->runOnce();
    BOOST_TEST(reports.size() == 2u);
    BOOST_TEST(resultFor(reports, "CCS") == "ACKNOWLEDGED");
    BOOST_TEST(resultFor(reports, "SAMR") == "DECIDED");
    BOOST_TEST(stateOf(id, "P12") == core::PermitState::Submitted);
    BOOST_TEST(permitView(id, "P12").receiptNumber == "CCS-QD-2026-S-01744");
    BOOST_TEST(stateOf(id, "P01") == core::PermitState::Accepted);
    BOOST_TEST(dispatchOf(id, "P12").state == "DONE");
    BOOST_TEST(store->attemptsOf(dispatchOf(id, "P12").messageId).size() == 1u);

    // What went on the wire: the outbox's message id, a body valid for CCS.
    BOOST_TEST_REQUIRE(transports["CCS"]->sent.size() == 1u);
    const auto& sent = transports["CCS"]->sent.front();
    BOOST_TEST(sent.messageId == dispatchOf(id, "P12").messageId);
    BOOST_TEST(sent.body.find(sent.messageId) != std::string::npos);
    BOOST_TEST(sent.body.find("SurveyRequest") != std::string::npos);
    BOOST_TEST(dispatcher->runOnce().empty());
}

BOOST_AUTO_TEST_CASE(a_retryable_failure_backs_off_and_retries_with_the_same_message_id) {
    const std::string id = savePackage();
    transports["SAMR"]->script.push_back(sample("samr", "response-accepted.xml"));
    transports["CCS"]->script.push_back(answer(503));
    transports["CCS"]->script.push_back(connectionRefused());
    transports["CCS"]->script.push_back(sample("ccs", "response-ack.xml"));

    BOOST_TEST(resultFor(dispatcher->runOnce(), "CCS") == "RETRY");
    const auto first = dispatchOf(id, "P12");
    BOOST_TEST(first.state == "PENDING");
    BOOST_TEST(first.attempts == 1);
    // base 1000 ms, first attempt, uniform 0.5: due 500 ms later.
    BOOST_TEST(first.dueAt == clock.now() + 500);
    BOOST_TEST(dispatcher->runOnce().empty());

    clock.advance(500);
    BOOST_TEST(resultFor(dispatcher->runOnce(), "CCS") == "RETRY");
    BOOST_TEST(dispatchOf(id, "P12").dueAt == clock.now() + 1000);
    clock.advance(1000);
    BOOST_TEST(resultFor(dispatcher->runOnce(), "CCS") == "ACKNOWLEDGED");
    BOOST_TEST(stateOf(id, "P12") == core::PermitState::Submitted);

    auto& sent = transports["CCS"]->sent;
    BOOST_TEST_REQUIRE(sent.size() == 3u);
    BOOST_TEST(sent[0].messageId == sent[1].messageId);
    BOOST_TEST(sent[1].messageId == sent[2].messageId);
    auto attempts = store->attemptsOf(sent[0].messageId);
    BOOST_TEST_REQUIRE(attempts.size() == 3u);
    BOOST_TEST(attempts[0].record.outcome == "RETRYABLE");
    BOOST_TEST(attempts[0].record.httpStatus == 503);
    BOOST_TEST(attempts[1].record.error.find("CONNECTION_FAILED") == 0u);
    BOOST_TEST(attempts[2].record.outcome == "ACKNOWLEDGED");
}

BOOST_AUTO_TEST_CASE(a_garbled_answer_is_retried_and_a_readable_wrong_one_is_not) {
    const std::string id = savePackage();
    transports["SAMR"]->script.push_back(sample("samr", "response-accepted.xml"));
    transports["CCS"]->script.push_back(answer(200, "<SurveyAcknowledgement xmlns=\"urn:licensing-hub:dept:ccs:v1\"><Mess"));
    transports["CCS"]->script.push_back(sample("ccs", "response-ack.xml"));
    BOOST_TEST(resultFor(dispatcher->runOnce(), "CCS") == "RETRY");
    auto attempts = store->attemptsOf(dispatchOf(id, "P12").messageId);
    BOOST_TEST_REQUIRE(attempts.size() == 1u);
    BOOST_TEST(attempts[0].record.outcome == "RETRYABLE");
    BOOST_TEST(attempts[0].record.error.find("MALFORMED") != std::string::npos, attempts[0].record.error);
    clock.advance(60'000);
    BOOST_TEST(resultFor(dispatcher->runOnce(), "CCS") == "ACKNOWLEDGED");
    BOOST_TEST(stateOf(id, "P12") == core::PermitState::Submitted);
    BOOST_TEST(store->listIncidents(true).empty());
}

BOOST_AUTO_TEST_CASE(retry_after_is_honoured) {
    const std::string id = savePackage();
    auto busy = answer(429);
    busy.headers["retry-after"] = "120";
    transports["CCS"]->script.push_back(busy);
    dispatcher->runOnce();
    BOOST_TEST(dispatchOf(id, "P12").dueAt == clock.now() + 120'000);
}

BOOST_AUTO_TEST_CASE(the_last_retryable_failure_becomes_an_incident_an_admin_can_retry) {
    const std::string id = savePackage();
    transports["SAMR"]->script.push_back(sample("samr", "response-accepted.xml"));
    // CCS answers 503 forever (the fallback); it allows 8 attempts.
    for (int attempt = 1; attempt <= 8; ++attempt) {
        auto reports = dispatcher->runOnce();
        BOOST_TEST(resultFor(reports, "CCS") == (attempt < 8 ? "RETRY" : "INCIDENT"), "attempt " << attempt);
        clock.advance(300'000);
        // Keep the breaker out of the way: it is tested on its own.
        dispatcher->channel("CCS")->breaker.recordSuccess();
    }
    BOOST_TEST(dispatchOf(id, "P12").state == "INCIDENT");
    auto incidents = store->listIncidents(true);
    BOOST_TEST_REQUIRE(incidents.size() == 1u);
    BOOST_TEST(incidents[0].permit == "P12");
    BOOST_TEST(incidents[0].reason.find("gave up after 8 attempts") == 0u);
    BOOST_TEST(dispatcher->runOnce().empty());

    transports["CCS"]->script.push_back(sample("ccs", "response-ack.xml"));
    BOOST_TEST(store->retryIncident(incidents[0].id, clock.now(), "department fixed its gateway", "admin:test"));
    BOOST_TEST(resultFor(dispatcher->runOnce(), "CCS") == "ACKNOWLEDGED");
    BOOST_TEST(stateOf(id, "P12") == core::PermitState::Submitted);
}

BOOST_AUTO_TEST_CASE(non_retryable_answers_become_incidents_at_once) {
    const std::string id = savePackage();
    transports["CCS"]->script.push_back(answer(400, "bad request"));
    transports["SAMR"]->script.push_back(sample("samr", "invalid-callback.xml"));  // readable, not valid
    auto reports = dispatcher->runOnce();
    BOOST_TEST(resultFor(reports, "CCS") == "INCIDENT");
    BOOST_TEST(resultFor(reports, "SAMR") == "INCIDENT");
    BOOST_TEST(stateOf(id, "P12") == core::PermitState::Queued);
    BOOST_TEST(store->listIncidents(true).size() == 2u);
    BOOST_TEST(store->attemptsOf(dispatchOf(id, "P12").messageId).size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_request_that_does_not_render_valid_is_never_sent) {
    // A stored original missing everything a request needs.
    const std::string id = savePackage(
        "<ApplicationPackage xmlns=\"urn:licensing-hub:package:v1\"><RequestedPermits><Permit>P12</Permit>"
        "</RequestedPermits></ApplicationPackage>");
    auto reports = dispatcher->runOnce();
    BOOST_TEST(resultFor(reports, "CCS") == "INCIDENT");
    BOOST_TEST(transports["CCS"]->sent.empty());
    auto attempts = store->attemptsOf(dispatchOf(id, "P12").messageId);
    BOOST_TEST_REQUIRE(attempts.size() == 1u);
    BOOST_TEST(attempts[0].record.outcome == "INVALID_RENDER");
}

BOOST_AUTO_TEST_CASE(the_breaker_opens_after_consecutive_failures_and_probes_after_its_pause) {
    savePackage();
    savePackage();
    savePackage();
    // SAMR: threshold 5, open 30 s. Each package has one SAMR call.
    auto* samr = dispatcher->channel("SAMR");
    for (int i = 0; i < 5; ++i) samr->breaker.recordFailure();
    BOOST_TEST(samr->breaker.state() == core::BreakerState::Open);
    auto reports = dispatcher->runOnce();
    BOOST_TEST(resultFor(reports, "SAMR") == "none");   // not even leased
    BOOST_TEST(transports["SAMR"]->sent.empty());

    clock.advance(30'000);
    transports["SAMR"]->script.push_back(sample("samr", "response-accepted.xml"));
    transports["SAMR"]->script.push_back(sample("samr", "response-accepted.xml"));
    transports["SAMR"]->script.push_back(sample("samr", "response-accepted.xml"));
    dispatcher->runOnce();
    BOOST_TEST(samr->breaker.state() == core::BreakerState::Closed);
    BOOST_TEST(transports["SAMR"]->sent.size() >= 1u);
}

BOOST_AUTO_TEST_CASE(a_paused_department_waits_and_loses_nothing) {
    const std::string id = savePackage();
    dispatcher->setPaused("CCS", true, "maintenance window", "admin:test");
    BOOST_TEST(dispatcher->channel("CCS")->paused.load());
    transports["SAMR"]->script.push_back(sample("samr", "response-accepted.xml"));
    auto reports = dispatcher->runOnce();
    BOOST_TEST(resultFor(reports, "CCS") == "none");
    BOOST_TEST(dispatchOf(id, "P12").state == "PENDING");
    dispatcher->setPaused("CCS", false, "", "admin:test");
    transports["CCS"]->script.push_back(sample("ccs", "response-ack.xml"));
    BOOST_TEST(resultFor(dispatcher->runOnce(), "CCS") == "ACKNOWLEDGED");
}

BOOST_AUTO_TEST_CASE(a_pause_made_by_another_process_is_seen_within_a_second) {
    const std::string id = savePackage();
    dispatcher->runOnce();  // reads the (empty) pauses
    store->setDepartmentPaused("CCS", true, "paused elsewhere", clock.now(), "admin:test");
    clock.advance(1'000);
    transports["CCS"]->script.push_back(sample("ccs", "response-ack.xml"));
    BOOST_TEST(resultFor(dispatcher->runOnce(), "CCS") == "none");
    BOOST_TEST(dispatcher->channel("CCS")->paused.load());
    BOOST_TEST(dispatchOf(id, "P12").state == "PENDING");
    store->setDepartmentPaused("CCS", false, "", clock.now(), "admin:test");
    clock.advance(1'000);
    BOOST_TEST(resultFor(dispatcher->runOnce(), "CCS") == "ACKNOWLEDGED");
}

BOOST_AUTO_TEST_CASE(a_dead_processes_lease_is_taken_over_when_it_expires) {
    const std::string id = savePackage();
    // Another process leased both calls, then died.
    auto stolen = store->leaseDueDispatches("hub-dead", clock.now(), 60'000, 10, {});
    BOOST_TEST(stolen.size() == 2u);
    BOOST_TEST(dispatcher->runOnce().empty());
    clock.advance(60'000);
    transports["CCS"]->script.push_back(sample("ccs", "response-ack.xml"));
    transports["SAMR"]->script.push_back(sample("samr", "response-accepted.xml"));
    auto reports = dispatcher->runOnce();
    BOOST_TEST(reports.size() == 2u);
    BOOST_TEST(stateOf(id, "P12") == core::PermitState::Submitted);
    // The dead process wakes up: its writes are refused.
    BOOST_TEST(!store->completeDispatch(stolen[0].messageId, "hub-dead", clock.now(), {}, {}));
}

BOOST_AUTO_TEST_CASE(an_on_the_spot_approval_records_the_certificate_and_releases_the_dependents) {
    const std::string id = savePackage();
    transports["SAMR"]->script.push_back(sample("samr", "response-decided-approved.xml"));
    transports["CCS"]->script.push_back(sample("ccs", "response-ack.xml"));
    auto reports = dispatcher->runOnce();
    BOOST_TEST(resultFor(reports, "SAMR") == "DECIDED");
    BOOST_TEST(stateOf(id, "P01") == core::PermitState::Issued);

    auto certificates = store->certificatesOf(id);
    BOOST_TEST_REQUIRE(certificates.size() == 1u);
    BOOST_TEST(certificates[0].permit == "P01");
    BOOST_TEST(certificates[0].number == "37020212026112800017");
    BOOST_TEST(certificates[0].issuedOn == "2026-11-28");
    const std::pair<std::string, std::string> uscc{"uscc", "91370202MA3C4L5X1D"};
    BOOST_TEST((std::find(certificates[0].outputs.begin(), certificates[0].outputs.end(), uscc) !=
                certificates[0].outputs.end()));

    // P05 needs only P01: released, with its own dispatch. P06 still waits for P05 and P12.
    BOOST_TEST(stateOf(id, "P05") == core::PermitState::Queued);
    BOOST_TEST(stateOf(id, "P06") == core::PermitState::Waiting);
    BOOST_TEST(dispatchOf(id, "P05").state == "PENDING");
    BOOST_TEST(store->findPackage("acme", id)->state == core::PackageState::InProgress);

    // The MSA request for P05 carries what SAMR issued.
    transports["MSA"]->script.push_back(sample("msa", "response-ack.xml"));
    BOOST_TEST(resultFor(dispatcher->runOnce(), "MSA") == "ACKNOWLEDGED");
    BOOST_TEST_REQUIRE(transports["MSA"]->sent.size() == 1u);
    BOOST_TEST(transports["MSA"]->sent[0].body.find("91370202MA3C4L5X1D") != std::string::npos);
    BOOST_TEST(stateOf(id, "P05") == core::PermitState::Submitted);
}

BOOST_AUTO_TEST_CASE(a_refusal_blocks_every_dependent_and_fails_the_package_partially) {
    const std::string id = savePackage();
    transports["SAMR"]->script.push_back(sample("samr", "response-refused.xml"));
    transports["CCS"]->script.push_back(sample("ccs", "response-ack.xml"));
    dispatcher->runOnce();
    BOOST_TEST(stateOf(id, "P01") == core::PermitState::NotAccepted);
    for (const char* dependent : {"P02", "P03", "P04", "P05", "P06", "P07", "P08", "P09", "P10", "P11"})
        BOOST_TEST(stateOf(id, dependent) == core::PermitState::Blocked, dependent);
    BOOST_TEST(stateOf(id, "P12") == core::PermitState::Submitted);
    BOOST_TEST(store->findPackage("acme", id)->state == core::PackageState::PartiallyFailed);
    BOOST_TEST(store->certificatesOf(id).empty());
    bool blockedEvent = false;
    for (const auto& event : store->eventsOf(id))
        if (event.permit == "P05" && event.toState == "BLOCKED" && event.detail == "prerequisite P01 NOT_ACCEPTED")
            blockedEvent = true;
    BOOST_TEST(blockedEvent);
}

BOOST_AUTO_TEST_CASE(background_threads_deliver_and_stop_gracefully) {
    const std::string id = savePackage();
    transports["CCS"]->script.push_back(sample("ccs", "response-ack.xml"));
    transports["SAMR"]->script.push_back(sample("samr", "response-accepted.xml"));
    dispatcher->start(2);
    // Both calls may be in one thread's batch: wait for both, since a call
    // not yet started when stop() comes is given back, not delivered.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while ((stateOf(id, "P12") != core::PermitState::Submitted || stateOf(id, "P01") != core::PermitState::Accepted) &&
           std::chrono::steady_clock::now() < deadline)
        dispatcher->wake();
    dispatcher->stop();
    BOOST_TEST(stateOf(id, "P12") == core::PermitState::Submitted);
    BOOST_TEST(stateOf(id, "P01") == core::PermitState::Accepted);
}

BOOST_AUTO_TEST_SUITE_END()
