// The clock keeper against the real SQLite store, under a manual clock and
// the real calendar: deemed acceptance once the correction window closed, a
// missed decision deadline noted once, nothing before either is due.
#include <boost/test/unit_test.hpp>

#include <Poco/File.h>
#include <Poco/TemporaryFile.h>

#include "config/calendar_loader.h"
#include "config/hub_config.h"
#include "core_printing.h"
#include "store/sqlite/sqlite_store.h"
#include "tracking/clock_keeper.h"
#include "tracking_test_support.h"

using namespace hub;
using core::PermitState;
using tracking_test::chinaTime;

namespace {

struct KeeperFixture {
    KeeperFixture() : directory(Poco::TemporaryFile::tempName() + "-tracking") {
        Poco::File(directory).createDirectories();
        config::SqliteConfig sqlite;
        sqlite.path = directory + "/hub.db";
        store = store::makeSqliteStore(sqlite);
        store->migrate();
        keeper = std::make_unique<tracking::ClockKeeper>(*store, planner, clock, 60'000, [this] { ++wakeUps; });
    }
    ~KeeperFixture() {
        keeper.reset();
        store.reset();
        Poco::File(directory).remove(true);
    }

    // A package of all twelve permits as at intake (P01 and P12 QUEUED with
    // their SUBMIT calls), then P12 received by CCS at `receivedAt`.
    std::string savePackageWithSurveySubmitted(core::EpochMillis receivedAt) {
        store::NewPackage package;
        package.id = ids.packageId(clock.now());
        package.companyId = "acme";
        package.receivedAt = receivedAt - 3'600'000;
        package.originalXml = "<ApplicationPackage/>";
        package.sha256 = "0";
        for (const auto& item : catalogue.permits()) {
            const bool ready = item.needs.empty();
            package.permits.push_back(
                {item.id, item.department, ready ? PermitState::Queued : PermitState::Waiting, true});
            if (ready) package.dispatches.push_back({ids.messageId(), item.id, item.department, "SUBMIT", receivedAt, {}});
        }
        store->savePackage(package, nullptr);

        core::PermitClockFacts facts;
        facts.submittedAt = receivedAt;
        store::PermitTransition submitted{package.id, "P12", PermitState::Queued, PermitState::Submitted,
                                          "CCS-QD-2026-S-01744", "CCS ACK", receivedAt, facts};
        store->applyTransitions(package.id, receivedAt, {submitted}, {});
        return package.id;
    }

    store::PermitView permitView(const std::string& packageId, const std::string& permit) {
        const auto package = store->findPackage("acme", packageId);
        BOOST_TEST_REQUIRE(package.has_value());
        for (const auto& view : package->permits)
            if (view.permit == permit) return view;
        throw std::runtime_error("no permit " + permit);
    }

    std::vector<store::EventView> eventsOfType(const std::string& packageId, const std::string& type) {
        std::vector<store::EventView> result;
        for (const auto& event : store->eventsOf(packageId))
            if (event.type == type) result.push_back(event);
        return result;
    }

    int sweepAt(core::EpochMillis now) {
        clock.set(now);
        return keeper->sweepOnce();
    }

    std::string directory;
    tracking_test::ManualClock clock{chinaTime(2026, 9, 24, 9)};
    tracking_test::CountingIds ids;
    core::Catalogue catalogue = config::loadCatalogue(tracking_test::kSource + "/config/catalogue.json");
    core::WorkingCalendar calendar = config::loadCalendar(tracking_test::kSource + "/config/calendar.json");
    tracking::EventPlanner planner{catalogue, calendar, ids};
    std::unique_ptr<store::Store> store;
    int wakeUps = 0;
    std::unique_ptr<tracking::ClockKeeper> keeper;
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(clock_keeper, KeeperFixture)

// Received Thursday 2026-09-24: the correction window closes with Friday
// 2026-10-09; P12 (20 statutory WD) is then due 2026-10-29 (docs/clocks.md).
BOOST_AUTO_TEST_CASE(deems_a_silent_submission_accepted_once_and_notes_the_missed_deadline_once) {
    const core::EpochMillis received = chinaTime(2026, 9, 24, 14);
    const std::string id = savePackageWithSurveySubmitted(received);
    const auto eventsAtStart = store->eventsOf(id).size();

    BOOST_TEST(sweepAt(chinaTime(2026, 9, 30)) == 0);
    BOOST_TEST(sweepAt(chinaTime(2026, 10, 9, 23)) == 0);
    BOOST_TEST(permitView(id, "P12").state == PermitState::Submitted);
    BOOST_TEST(store->eventsOf(id).size() == eventsAtStart);

    const core::EpochMillis deemedAt = chinaTime(2026, 10, 10, 1);
    BOOST_TEST(sweepAt(deemedAt) == 1);
    const auto accepted = permitView(id, "P12");
    BOOST_TEST(accepted.state == PermitState::Accepted);
    BOOST_TEST(accepted.receiptNumber == "CCS-QD-2026-S-01744");
    BOOST_TEST(accepted.clock.submittedAt == received);
    BOOST_TEST(accepted.clock.acceptedAt == received);
    BOOST_TEST(accepted.clock.deemedAccepted);
    BOOST_TEST(accepted.clock.overdueSince == 0);
    bool said = false;
    for (const auto& event : store->eventsOf(id))
        if (event.permit == "P12" && event.type == "PERMIT_STATE" && event.fromState == "SUBMITTED" &&
            event.toState == "ACCEPTED") {
            said = true;
            BOOST_TEST(event.detail.find("deemed accepted as of 2026-09-24") != std::string::npos, event.detail);
            BOOST_TEST(event.at == deemedAt);
        }
    BOOST_TEST(said, "no event records the deemed acceptance");
    BOOST_TEST(sweepAt(chinaTime(2026, 10, 10, 2)) == 0);
    BOOST_TEST((permitView(id, "P12").clock == accepted.clock));
    // Untouched: the others and the package's outbox.
    BOOST_TEST(permitView(id, "P01").state == PermitState::Queued);
    BOOST_TEST(store->dispatchesOf(id).size() == 2u);

    BOOST_TEST(sweepAt(chinaTime(2026, 10, 29, 23)) == 0);
    BOOST_TEST(eventsOfType(id, "DEADLINE_MISSED").empty());

    const core::EpochMillis lateAt = chinaTime(2026, 10, 30, 8);
    BOOST_TEST(sweepAt(lateAt) == 1);
    const auto late = permitView(id, "P12");
    BOOST_TEST(late.state == PermitState::Accepted);
    BOOST_TEST(late.clock.overdueSince == lateAt);
    BOOST_TEST(late.clock.acceptedAt == received);
    BOOST_TEST(late.clock.deemedAccepted);
    auto missed = eventsOfType(id, "DEADLINE_MISSED");
    BOOST_TEST_REQUIRE(missed.size() == 1u);
    BOOST_TEST(missed[0].permit == "P12");
    BOOST_TEST(missed[0].detail.find("2026-10-29") != std::string::npos, missed[0].detail);

    BOOST_TEST(sweepAt(chinaTime(2026, 10, 30, 9)) == 0);
    BOOST_TEST(sweepAt(chinaTime(2026, 11, 20)) == 0);
    BOOST_TEST(eventsOfType(id, "DEADLINE_MISSED").size() == 1u);
    BOOST_TEST(permitView(id, "P12").clock.overdueSince == lateAt);
    BOOST_TEST(wakeUps == 0);  // nothing was queued for the dispatcher
}

// Two processes sweeping at once both plan DEADLINE_MISSED from the same
// read: the second write finds the permit changed and records nothing.
BOOST_AUTO_TEST_CASE(a_missed_deadline_is_recorded_once_when_two_sweeps_race) {
    const std::string id = savePackageWithSurveySubmitted(chinaTime(2026, 9, 24, 14));
    BOOST_TEST(sweepAt(chinaTime(2026, 10, 10, 1)) == 1);  // deemed accepted
    const core::EpochMillis lateAt = chinaTime(2026, 10, 30, 8);
    const auto package = store->packageById(id);
    BOOST_TEST_REQUIRE(package.has_value());
    const auto first = planner.clocks(*package, "P12", lateAt);
    const auto second = planner.clocks(*package, "P12", lateAt + 5);
    BOOST_TEST_REQUIRE(first.transitions.size() == 1u);
    BOOST_TEST_REQUIRE(second.transitions.size() == 1u);
    BOOST_TEST(first.transitions[0].expectedUpdatedAt == permitView(id, "P12").updatedAt);
    store->applyTransitions(id, lateAt, first.transitions, first.followUps);
    BOOST_CHECK_THROW(store->applyTransitions(id, lateAt + 5, second.transitions, second.followUps),
                      store::StateConflict);
    BOOST_TEST(eventsOfType(id, "DEADLINE_MISSED").size() == 1u);
    BOOST_TEST(permitView(id, "P12").clock.overdueSince == lateAt);
}

// P03 needs P02, P06 and P07. Two writers issued P02 and P07 at the same
// moment, each planning from a package where the other was not issued yet, so
// neither released P03: the sweep does.
BOOST_AUTO_TEST_CASE(a_waiting_permit_left_behind_by_racing_writers_is_released_by_the_sweep) {
    const std::string id = savePackageWithSurveySubmitted(chinaTime(2026, 9, 24, 14));
    const core::EpochMillis at = chinaTime(2026, 9, 25, 10);
    std::vector<store::PermitTransition> issued;
    for (const auto* permit : {"P02", "P06", "P07"})
        issued.push_back({id, permit, PermitState::Waiting, PermitState::Issued, {}, "issued", at});
    store->applyTransitions(id, at, issued, {});
    BOOST_TEST(permitView(id, "P03").state == PermitState::Waiting);
    const auto dispatchesBefore = store->dispatchesOf(id).size();

    BOOST_TEST(sweepAt(at + 1000) == 1);
    BOOST_TEST(permitView(id, "P03").state == PermitState::Queued);
    BOOST_TEST(permitView(id, "P09").state == PermitState::Queued);  // needs P06 only
    BOOST_TEST(permitView(id, "P04").state == PermitState::Waiting); // needs P01 too
    BOOST_TEST(store->dispatchesOf(id).size() == dispatchesBefore + 2);
    BOOST_TEST(wakeUps == 1);
    // Nothing more to release: the next sweep changes nothing.
    BOOST_TEST(sweepAt(at + 2000) == 0);
    BOOST_TEST(store->dispatchesOf(id).size() == dispatchesBefore + 2);
}

BOOST_AUTO_TEST_CASE(an_empty_store_has_nothing_to_sweep) {
    BOOST_TEST(sweepAt(chinaTime(2026, 12, 1)) == 0);
}

BOOST_AUTO_TEST_CASE(sweeps_every_package) {
    const std::string first = savePackageWithSurveySubmitted(chinaTime(2026, 11, 2, 10));
    const std::string second = savePackageWithSurveySubmitted(chinaTime(2026, 11, 3, 10));
    // 2026-11-02 + 5 WD = 11-09; 2026-11-03 + 5 WD = 11-10.
    BOOST_TEST(sweepAt(chinaTime(2026, 11, 10, 12)) == 1);
    BOOST_TEST(permitView(first, "P12").state == PermitState::Accepted);
    BOOST_TEST(permitView(second, "P12").state == PermitState::Submitted);
    BOOST_TEST(sweepAt(chinaTime(2026, 11, 11, 12)) == 1);
    BOOST_TEST(permitView(second, "P12").state == PermitState::Accepted);
    BOOST_TEST(permitView(second, "P12").clock.acceptedAt == chinaTime(2026, 11, 3, 10));
}

// The background loop sweeps before it first waits, so a start and a stop
// make exactly one sweep, without waiting for the interval.
BOOST_AUTO_TEST_CASE(the_background_loop_sweeps_at_start_and_stops_promptly) {
    const std::string id = savePackageWithSurveySubmitted(chinaTime(2026, 11, 2, 10));
    clock.set(chinaTime(2026, 11, 10, 12));
    keeper->start();
    keeper->stop();
    BOOST_TEST(permitView(id, "P12").state == PermitState::Accepted);
    BOOST_TEST(permitView(id, "P12").clock.deemedAccepted);
}

BOOST_AUTO_TEST_SUITE_END()
