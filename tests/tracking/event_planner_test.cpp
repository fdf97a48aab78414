// The event planner on hand-made package views, with the real catalogue and
// calendar: what a department's message, the applicant's correction or
// withdrawal and the statutory clocks change in a package, exactly.
#define BOOST_TEST_MODULE tracking
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <set>

#include <Poco/JSON/Parser.h>

#include "config/calendar_loader.h"
#include "config/hub_config.h"
#include "core/permit_clock.h"
#include "core_printing.h"
#include "tracking/event_planner.h"
#include "tracking_test_support.h"

using namespace hub;
using core::PackageState;
using core::PermitState;
using adapter::Outcome;
using tracking::Verdict;
using tracking_test::chinaTime;

namespace hub::tracking {
inline std::ostream& operator<<(std::ostream& out, Verdict verdict) {
    switch (verdict) {
        case Verdict::Applied: return out << "Applied";
        case Verdict::NoChange: return out << "NoChange";
        case Verdict::Illegal: return out << "Illegal";
    }
    return out << "?";
}
}  // namespace hub::tracking

namespace {

const std::string kHook = "https://acme.example/hooks/licensing";

struct PlannerFixture {
    core::Catalogue catalogue = config::loadCatalogue(tracking_test::kSource + "/config/catalogue.json");
    core::WorkingCalendar calendar = config::loadCalendar(tracking_test::kSource + "/config/calendar.json");
    tracking_test::CountingIds ids;
    tracking::EventPlanner planner{catalogue, calendar, ids};

    // All twelve permits as at intake: those without needs QUEUED, the rest WAITING.
    store::PackageView intake(const std::string& notificationUrl = {}) const {
        store::PackageView package;
        package.id = "PKG-1";
        package.companyId = "acme";
        package.state = PackageState::Received;
        package.receivedAt = chinaTime(2026, 11, 2, 9);
        package.notificationUrl = notificationUrl;
        for (const auto& item : catalogue.permits()) {
            store::PermitView view;
            view.permit = item.id;
            view.department = item.department;
            view.state = item.needs.empty() ? PermitState::Queued : PermitState::Waiting;
            package.permits.push_back(view);
        }
        std::sort(package.permits.begin(), package.permits.end(),
                  [](const auto& a, const auto& b) { return a.permit < b.permit; });
        return package;
    }

    // The catalogue's permits depending on `failed`, directly or not, in catalogue order.
    std::vector<std::string> dependentsOf(const std::string& failed) const {
        std::set<std::string> reached{failed};
        std::vector<std::string> result;
        for (const auto& item : catalogue.permits())
            for (const auto& need : item.needs)
                if (reached.count(need)) {
                    reached.insert(item.id);
                    result.push_back(item.id);
                    break;
                }
        return result;
    }
};

store::PermitView& permitOf(store::PackageView& package, const std::string& permit) {
    for (auto& view : package.permits)
        if (view.permit == permit) return view;
    throw std::runtime_error("no permit " + permit);
}

void put(store::PackageView& package, const std::string& permit, PermitState state, const std::string& receipt = {},
         core::PermitClockFacts clock = {}) {
    auto& view = permitOf(package, permit);
    view.state = state;
    view.receiptNumber = receipt;
    view.clock = clock;
}

adapter::DepartmentEvent message(Outcome outcome, const std::string& receipt = {}) {
    adapter::DepartmentEvent event;
    event.outcome = outcome;
    event.departmentWord = std::string(adapter::toString(outcome));
    event.receiptNumber = receipt;
    return event;
}

core::PermitClockFacts acceptedOn(core::EpochMillis at) {
    core::PermitClockFacts clock;
    clock.submittedAt = at;
    clock.acceptedAt = at;
    return clock;
}

Poco::JSON::Object::Ptr parseJson(const std::string& text) {
    Poco::JSON::Parser parser;
    return parser.parse(text).extract<Poco::JSON::Object::Ptr>();
}

std::vector<std::string> stringsOf(const Poco::JSON::Array::Ptr& array) {
    std::vector<std::string> result;
    if (!array) return result;
    for (std::size_t i = 0; i < array->size(); ++i) result.push_back(array->getElement<std::string>(i));
    return result;
}

}  // namespace

BOOST_AUTO_TEST_CASE(test_instants_fall_on_the_intended_china_day) {
    BOOST_TEST(core::chinaDateOf(chinaTime(2026, 9, 24, 0)) == 20260924);
    BOOST_TEST(core::chinaDateOf(chinaTime(2026, 9, 24, 23)) == 20260924);
    BOOST_TEST(core::chinaDateOf(chinaTime(2026, 9, 25, 0)) == 20260925);
}

BOOST_FIXTURE_TEST_SUITE(department_events, PlannerFixture)

BOOST_AUTO_TEST_CASE(an_issued_business_licence_records_its_certificate_and_queues_ship_registration) {
    auto package = intake(kHook);
    const core::EpochMillis now = chinaTime(2026, 11, 2, 15);
    auto event = message(Outcome::Issued, "SAMR-R-0001");
    event.certificateNumber = "BL-2026-0001";
    event.issuedOn = "2026-11-02";
    event.validUntil = "2046-11-01";
    event.outputs = {{"uscc", {"91310000MA1K00001X"}}, {"licenceNumber", {"L-2", "L-1"}}};

    const auto plan = planner.departmentEvent(package, "P01", event, "d1g3st", now);

    BOOST_TEST(plan.verdict == Verdict::Applied);
    BOOST_TEST(plan.from == PermitState::Queued);
    BOOST_TEST(plan.to == PermitState::Issued);
    BOOST_TEST_REQUIRE(plan.transitions.size() == 2u);

    const auto& own = plan.transitions[0];
    BOOST_TEST(own.packageId == "PKG-1");
    BOOST_TEST(own.permit == "P01");
    BOOST_TEST(own.from == PermitState::Queued);
    BOOST_TEST(own.to == PermitState::Issued);
    BOOST_TEST(own.receiptNumber == "SAMR-R-0001");
    BOOST_TEST(own.eventType == "PERMIT_STATE");
    BOOST_TEST(own.at == now);
    BOOST_TEST_REQUIRE(own.clock.has_value());
    BOOST_TEST(own.clock->submittedAt == now);
    BOOST_TEST(own.clock->acceptedAt == now);
    BOOST_TEST(own.clock->decidedAt == now);
    BOOST_TEST(!own.clock->deemedAccepted);

    const auto& released = plan.transitions[1];
    BOOST_TEST(released.permit == "P05");
    BOOST_TEST(released.from == PermitState::Waiting);
    BOOST_TEST(released.to == PermitState::Queued);
    BOOST_TEST(released.detail == "prerequisites issued: P01");
    BOOST_TEST(released.at == now);

    BOOST_TEST_REQUIRE(plan.followUps.certificate.has_value());
    const auto& certificate = *plan.followUps.certificate;
    BOOST_TEST(certificate.packageId == "PKG-1");
    BOOST_TEST(certificate.permit == "P01");
    BOOST_TEST(certificate.department == "SAMR");
    BOOST_TEST(certificate.number == "BL-2026-0001");
    BOOST_TEST(certificate.issuedOn == "2026-11-02");
    BOOST_TEST(certificate.validUntil == "2046-11-01");
    BOOST_TEST(certificate.documentSha256 == "d1g3st");
    BOOST_TEST(certificate.recordedAt == now);
    const std::vector<std::pair<std::string, std::string>> outputs{
        {"licenceNumber", "L-2"}, {"licenceNumber", "L-1"}, {"uscc", "91310000MA1K00001X"}};
    BOOST_TEST((certificate.outputs == outputs));

    BOOST_TEST_REQUIRE(plan.followUps.dispatches.size() == 1u);
    const auto& submit = plan.followUps.dispatches[0];
    BOOST_TEST(submit.messageId == "msg-1");
    BOOST_TEST(submit.permit == "P05");
    BOOST_TEST(submit.department == "MSA");
    BOOST_TEST(submit.kind == "SUBMIT");
    BOOST_TEST(submit.dueAt == now);
    BOOST_TEST(submit.payload.empty());

    BOOST_TEST(plan.followUps.packageState == std::optional(PackageState::InProgress));
    BOOST_TEST(!plan.followUps.cancelPendingDispatches);
}

BOOST_AUTO_TEST_CASE(a_permit_issued_while_another_need_is_pending_releases_nothing) {
    auto package = intake();
    put(package, "P01", PermitState::Issued);
    put(package, "P05", PermitState::UnderReview, "MSA-5", acceptedOn(chinaTime(2026, 11, 3)));
    auto event = message(Outcome::Issued);
    event.certificateNumber = "SURVEY-1";
    const auto plan = planner.departmentEvent(package, "P12", event, "sha", chinaTime(2026, 11, 10));
    BOOST_TEST(plan.verdict == Verdict::Applied);
    BOOST_TEST_REQUIRE(plan.transitions.size() == 1u);  // P06 still needs P05
    BOOST_TEST(plan.followUps.dispatches.empty());
    BOOST_TEST(plan.followUps.packageState == std::optional(PackageState::InProgress));
}

BOOST_AUTO_TEST_CASE(the_last_permit_issued_makes_the_package_ready_and_notifies_the_applicant) {
    auto package = intake(kHook);
    package.state = PackageState::InProgress;
    for (auto& view : package.permits) view.state = PermitState::Issued;
    put(package, "P12", PermitState::UnderReview, "CCS-12", acceptedOn(chinaTime(2026, 11, 3)));
    const core::EpochMillis now = chinaTime(2026, 11, 20);

    const auto plan = planner.departmentEvent(package, "P12", message(Outcome::Issued), "sha", now);

    BOOST_TEST(plan.verdict == Verdict::Applied);
    BOOST_TEST_REQUIRE(plan.transitions.size() == 1u);
    BOOST_TEST(plan.transitions[0].to == PermitState::Issued);
    BOOST_TEST(plan.followUps.packageState == std::optional(PackageState::ReadyToOperate));
    BOOST_TEST_REQUIRE(plan.followUps.dispatches.size() == 1u);
    const auto& notify = plan.followUps.dispatches[0];
    BOOST_TEST(notify.department == std::string(tracking::kApplicantDepartment));
    BOOST_TEST(notify.department == "APPLICANT");
    BOOST_TEST(notify.kind == "NOTIFY_READY");
    BOOST_TEST(notify.permit.empty());
    BOOST_TEST(notify.dueAt == now);
    BOOST_TEST(tracking::isApplicantNotification(notify.kind));
}

BOOST_AUTO_TEST_CASE(a_ready_package_without_notification_url_notifies_nobody) {
    auto package = intake();
    package.state = PackageState::InProgress;
    for (auto& view : package.permits) view.state = PermitState::Issued;
    put(package, "P12", PermitState::UnderReview, "CCS-12", acceptedOn(chinaTime(2026, 11, 3)));

    const auto plan = planner.departmentEvent(package, "P12", message(Outcome::Issued), "sha", chinaTime(2026, 11, 20));

    BOOST_TEST(plan.verdict == Verdict::Applied);
    BOOST_TEST(plan.followUps.packageState == std::optional(PackageState::ReadyToOperate));
    BOOST_TEST(plan.followUps.dispatches.empty());
}

BOOST_AUTO_TEST_CASE(a_rejected_ship_registration_blocks_everything_downstream) {
    auto package = intake(kHook);
    package.state = PackageState::InProgress;
    put(package, "P01", PermitState::Issued);
    put(package, "P05", PermitState::UnderReview, "MSA-5", acceptedOn(chinaTime(2026, 11, 3)));
    put(package, "P12", PermitState::UnderReview, "CCS-12", acceptedOn(chinaTime(2026, 11, 3)));
    auto event = message(Outcome::Rejected);
    event.reasons = {"ownership proof not notarised", "builder certificate missing"};
    const core::EpochMillis now = chinaTime(2026, 11, 9);

    const auto plan = planner.departmentEvent(package, "P05", event, "sha", now);

    BOOST_TEST(plan.verdict == Verdict::Applied);
    BOOST_TEST(plan.to == PermitState::Rejected);
    BOOST_TEST_REQUIRE(!plan.transitions.empty());
    BOOST_TEST(plan.transitions[0].permit == "P05");
    BOOST_TEST(plan.transitions[0].from == PermitState::UnderReview);
    BOOST_TEST(plan.transitions[0].to == PermitState::Rejected);
    BOOST_TEST_REQUIRE(plan.transitions[0].clock.has_value());
    BOOST_TEST(plan.transitions[0].clock->decidedAt == now);
    BOOST_TEST(plan.transitions[0].clock->acceptedAt == chinaTime(2026, 11, 3));

    const std::vector<std::string> expected = dependentsOf("P05");
    BOOST_TEST(expected.size() == 9u);  // P02 P03 P04 P06 P07 P08 P09 P10 P11
    std::vector<std::string> blocked;
    for (std::size_t i = 1; i < plan.transitions.size(); ++i) {
        const auto& transition = plan.transitions[i];
        blocked.push_back(transition.permit);
        BOOST_TEST(transition.from == PermitState::Waiting);
        BOOST_TEST(transition.to == PermitState::Blocked);
        BOOST_TEST(transition.detail.find("P05") != std::string::npos, transition.permit << ": " << transition.detail);
        BOOST_TEST(!transition.clock.has_value());
    }
    BOOST_TEST(blocked == expected, boost::test_tools::per_element());
    for (const auto& transition : plan.transitions) BOOST_TEST(transition.permit != "P12");
    const auto directly = std::find_if(plan.transitions.begin(), plan.transitions.end(),
                                       [](const auto& transition) { return transition.permit == "P10"; });
    BOOST_TEST_REQUIRE((directly != plan.transitions.end()));
    BOOST_TEST(directly->detail == "prerequisite P05 REJECTED");

    BOOST_TEST(plan.followUps.packageState == std::optional(PackageState::PartiallyFailed));
    BOOST_TEST(!plan.followUps.certificate.has_value());
    BOOST_TEST_REQUIRE(plan.followUps.dispatches.size() == 1u);
    const auto& notice = plan.followUps.dispatches[0];
    BOOST_TEST(notice.kind == "NOTIFY_REFUSED");
    BOOST_TEST(notice.department == "APPLICANT");
    BOOST_TEST(notice.permit == "P05");
    const auto body = parseJson(notice.payload);
    BOOST_TEST(body->getValue<std::string>("event") == "PERMIT_REFUSED");
    BOOST_TEST(body->getValue<std::string>("permit") == "P05");
    BOOST_TEST(body->getValue<std::string>("state") == "REJECTED");
    BOOST_TEST(body->getValue<std::string>("receiptNumber") == "MSA-5");
    BOOST_TEST(stringsOf(body->getArray("reasons")) == event.reasons, boost::test_tools::per_element());
    BOOST_TEST(stringsOf(body->getArray("blocked")) == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_rejection_without_notification_url_queues_no_notice) {
    auto package = intake();
    put(package, "P01", PermitState::Issued);
    put(package, "P05", PermitState::UnderReview, "MSA-5", acceptedOn(chinaTime(2026, 11, 3)));
    const auto plan = planner.departmentEvent(package, "P05", message(Outcome::Rejected), "sha", chinaTime(2026, 11, 9));
    BOOST_TEST(plan.verdict == Verdict::Applied);
    BOOST_TEST(plan.followUps.dispatches.empty());
    BOOST_TEST(plan.followUps.packageState == std::optional(PackageState::PartiallyFailed));
}

BOOST_AUTO_TEST_CASE(a_correction_notice_asks_the_applicant_to_act) {
    auto package = intake(kHook);
    put(package, "P12", PermitState::Submitted, "CCS-12");
    auto event = message(Outcome::CorrectionRequired);
    event.reasons = {"ship plans unsigned"};
    const auto plan = planner.departmentEvent(package, "P12", event, "sha", chinaTime(2026, 11, 4));
    BOOST_TEST(plan.verdict == Verdict::Applied);
    BOOST_TEST(plan.to == PermitState::CorrectionRequired);
    BOOST_TEST_REQUIRE(plan.followUps.dispatches.size() == 1u);
    BOOST_TEST(plan.followUps.dispatches[0].kind == "NOTIFY_CORRECTION");
    const auto body = parseJson(plan.followUps.dispatches[0].payload);
    BOOST_TEST(body->getValue<std::string>("event") == "CORRECTION_REQUIRED");
    BOOST_TEST(body->getObject("links")->getValue<std::string>("corrections") ==
               "/api/v1/applications/PKG-1/permits/P12/corrections");
}

BOOST_AUTO_TEST_CASE(an_acknowledgement_of_a_permit_under_review_changes_nothing) {
    auto package = intake();
    put(package, "P12", PermitState::UnderReview, "CCS-12", acceptedOn(chinaTime(2026, 11, 3)));
    const auto plan =
        planner.departmentEvent(package, "P12", message(Outcome::Acknowledged, "CCS-12"), "sha", chinaTime(2026, 11, 5));
    BOOST_TEST(plan.verdict == Verdict::NoChange);
    BOOST_TEST(plan.from == PermitState::UnderReview);
    BOOST_TEST(plan.to == PermitState::UnderReview);
    BOOST_TEST(plan.transitions.empty());
    BOOST_TEST(plan.followUps.dispatches.empty());
    BOOST_TEST(!plan.followUps.packageState.has_value());
}

BOOST_AUTO_TEST_CASE(under_review_twice_changes_nothing) {
    auto package = intake();
    put(package, "P12", PermitState::Accepted, "CCS-12", acceptedOn(chinaTime(2026, 11, 3)));
    const auto first =
        planner.departmentEvent(package, "P12", message(Outcome::UnderReview, "CCS-12"), "sha", chinaTime(2026, 11, 4));
    BOOST_TEST_REQUIRE(first.verdict == Verdict::Applied);
    put(package, "P12", PermitState::UnderReview, "CCS-12", *first.transitions[0].clock);
    const auto second =
        planner.departmentEvent(package, "P12", message(Outcome::UnderReview, "CCS-12"), "sha", chinaTime(2026, 11, 5));
    BOOST_TEST(second.verdict == Verdict::NoChange);
    BOOST_TEST(second.transitions.empty());
    BOOST_TEST(second.followUps.dispatches.empty());
    BOOST_TEST(!second.followUps.packageState.has_value());
}

BOOST_AUTO_TEST_CASE(a_repeated_state_that_brings_the_missing_receipt_number_keeps_it) {
    auto package = intake();
    put(package, "P12", PermitState::Submitted, "", {});
    permitOf(package, "P12").clock.submittedAt = chinaTime(2026, 11, 3);
    const core::EpochMillis now = chinaTime(2026, 11, 4);
    const auto plan =
        planner.departmentEvent(package, "P12", message(Outcome::Acknowledged, "CCS-QD-2026-S-01744"), "sha", now);
    BOOST_TEST(plan.verdict == Verdict::NoChange);
    BOOST_TEST_REQUIRE(plan.transitions.size() == 1u);
    const auto& keep = plan.transitions[0];
    BOOST_TEST(keep.permit == "P12");
    BOOST_TEST(keep.from == PermitState::Submitted);
    BOOST_TEST(keep.to == PermitState::Submitted);
    BOOST_TEST(keep.receiptNumber == "CCS-QD-2026-S-01744");
    BOOST_TEST(keep.eventType == "RECEIPT");
    BOOST_TEST(keep.at == now);
    BOOST_TEST(!keep.clock.has_value());
    BOOST_TEST(plan.followUps.dispatches.empty());
    BOOST_TEST(!plan.followUps.packageState.has_value());
}

BOOST_AUTO_TEST_CASE(acceptance_of_an_issued_permit_is_illegal) {
    auto package = intake();
    put(package, "P01", PermitState::Issued, "SAMR-1");
    const auto plan =
        planner.departmentEvent(package, "P01", message(Outcome::Accepted, "SAMR-1"), "sha", chinaTime(2026, 11, 5));
    BOOST_TEST(plan.verdict == Verdict::Illegal);
    BOOST_TEST(plan.from == PermitState::Issued);
    BOOST_TEST(plan.to == PermitState::Issued);
    BOOST_TEST(plan.transitions.empty());
    BOOST_TEST(plan.followUps.dispatches.empty());
    BOOST_TEST(!plan.followUps.certificate.has_value());
    BOOST_TEST(!plan.followUps.packageState.has_value());
    BOOST_TEST(plan.detail.find("ACCEPTED is not allowed for a ISSUED permit") == 0u, plan.detail);
}

BOOST_AUTO_TEST_CASE(every_message_about_a_withdrawn_permit_is_illegal) {
    auto package = intake(kHook);
    package.state = PackageState::Withdrawn;
    put(package, "P12", PermitState::Withdrawn);
    for (const auto outcome : {Outcome::Acknowledged, Outcome::Accepted, Outcome::CorrectionRequired,
                               Outcome::UnderReview, Outcome::Suspended, Outcome::Resumed, Outcome::Issued,
                               Outcome::Rejected, Outcome::NotAccepted}) {
        // A receipt number too: an illegal message teaches nothing.
        const auto plan =
            planner.departmentEvent(package, "P12", message(outcome, "CCS-LATE"), "sha", chinaTime(2026, 11, 5));
        BOOST_TEST(plan.verdict == Verdict::Illegal, adapter::toString(outcome));
        BOOST_TEST(plan.transitions.empty(), adapter::toString(outcome));
        BOOST_TEST(plan.followUps.dispatches.empty(), adapter::toString(outcome));
        BOOST_TEST(!plan.followUps.packageState.has_value(), adapter::toString(outcome));
    }
}

BOOST_AUTO_TEST_CASE(a_message_about_an_unknown_permit_is_illegal) {
    auto package = intake();
    package.permits.erase(package.permits.begin() + 1);  // P02 not requested
    for (const std::string permit : {"P99", "P02", ""}) {
        const auto plan =
            planner.departmentEvent(package, permit, message(Outcome::Issued, "X-1"), "sha", chinaTime(2026, 11, 5));
        BOOST_TEST(plan.verdict == Verdict::Illegal, permit);
        BOOST_TEST(plan.transitions.empty());
        BOOST_TEST(plan.followUps.dispatches.empty());
        BOOST_TEST(!plan.followUps.certificate.has_value());
    }
}

BOOST_AUTO_TEST_CASE(an_extension_with_a_state_change_is_kept_in_the_clock) {
    auto package = intake();
    const core::EpochMillis accepted = chinaTime(2026, 11, 3);
    put(package, "P12", PermitState::Accepted, "CCS-12", acceptedOn(accepted));
    auto event = message(Outcome::UnderReview);
    event.extensionDays = 10;
    const auto plan = planner.departmentEvent(package, "P12", event, "sha", chinaTime(2026, 11, 10));
    BOOST_TEST(plan.verdict == Verdict::Applied);
    BOOST_TEST_REQUIRE(plan.transitions.size() == 1u);
    BOOST_TEST_REQUIRE(plan.transitions[0].clock.has_value());
    BOOST_TEST(plan.transitions[0].clock->extensionWorkingDays == 10);
    BOOST_TEST(plan.transitions[0].clock->acceptedAt == accepted);
    BOOST_TEST(plan.transitions[0].clock->submittedAt == accepted);
}

// An extension (延期) is granted during the review, so a department's
// notification of it typically repeats UNDER_REVIEW. Dropping it would put
// the decision deadline 10 working days early and report a missed deadline
// that was not missed.
BOOST_AUTO_TEST_CASE(an_extension_announced_while_already_under_review_is_kept) {
    auto package = intake();
    const core::EpochMillis accepted = chinaTime(2026, 11, 3);
    put(package, "P12", PermitState::UnderReview, "CCS-12", acceptedOn(accepted));
    auto event = message(Outcome::UnderReview, "CCS-12");
    event.extensionDays = 10;
    const auto plan = planner.departmentEvent(package, "P12", event, "sha", chinaTime(2026, 11, 10));
    BOOST_TEST(plan.verdict != Verdict::Illegal);
    int extension = -1;  // no transition carries clock facts
    for (const auto& transition : plan.transitions)
        if (transition.permit == "P12" && transition.clock) extension = transition.clock->extensionWorkingDays;
    BOOST_TEST(extension == 10);
}

BOOST_AUTO_TEST_CASE(a_suspension_pauses_the_clock_and_the_resumption_counts_the_working_days_paused) {
    auto package = intake();
    const core::EpochMillis accepted = chinaTime(2026, 11, 16);
    put(package, "P12", PermitState::UnderReview, "CCS-12", acceptedOn(accepted));

    const core::EpochMillis suspended = chinaTime(2026, 11, 26, 11);  // Thursday
    const auto suspension = planner.departmentEvent(package, "P12", message(Outcome::Suspended), "sha", suspended);
    BOOST_TEST(suspension.verdict == Verdict::Applied);
    BOOST_TEST(suspension.to == PermitState::Suspended);
    BOOST_TEST_REQUIRE(suspension.transitions.size() == 1u);
    BOOST_TEST_REQUIRE(suspension.transitions[0].clock.has_value());
    BOOST_TEST(suspension.transitions[0].clock->suspendedAt == suspended);
    BOOST_TEST(suspension.transitions[0].clock->pausedWorkingDays == 0);
    BOOST_TEST(suspension.transitions[0].clock->acceptedAt == accepted);
    BOOST_TEST(suspension.followUps.packageState == std::optional(PackageState::InProgress));

    put(package, "P12", PermitState::Suspended, "CCS-12", *suspension.transitions[0].clock);
    // Tuesday: Friday 27, Monday 30 and Tuesday 1 are the working days paused; the weekend is not.
    const core::EpochMillis resumed = chinaTime(2026, 12, 1, 9);
    const auto resumption = planner.departmentEvent(package, "P12", message(Outcome::Resumed), "sha", resumed);
    BOOST_TEST(resumption.verdict == Verdict::Applied);
    BOOST_TEST(resumption.from == PermitState::Suspended);
    BOOST_TEST(resumption.to == PermitState::UnderReview);
    BOOST_TEST_REQUIRE(resumption.transitions.size() == 1u);
    BOOST_TEST_REQUIRE(resumption.transitions[0].clock.has_value());
    BOOST_TEST(resumption.transitions[0].clock->suspendedAt == 0);
    BOOST_TEST(resumption.transitions[0].clock->pausedWorkingDays == 3);
    BOOST_TEST(resumption.transitions[0].clock->acceptedAt == accepted);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(applicant_actions, PlannerFixture)

BOOST_AUTO_TEST_CASE(a_correction_resubmits_the_permit_with_the_supplement) {
    auto package = intake();
    package.state = PackageState::InProgress;
    core::PermitClockFacts clock;
    clock.submittedAt = chinaTime(2026, 11, 2);
    put(package, "P12", PermitState::CorrectionRequired, "CCS-12", clock);
    const std::string supplement = "<Supplement><Attachment kind=\"SHIP_PLANS\"/></Supplement>";
    const core::EpochMillis now = chinaTime(2026, 11, 6);

    const auto plan = planner.correction(package, "P12", supplement, now);

    BOOST_TEST(plan.verdict == Verdict::Applied);
    BOOST_TEST(plan.from == PermitState::CorrectionRequired);
    BOOST_TEST(plan.to == PermitState::Submitted);
    BOOST_TEST_REQUIRE(plan.transitions.size() == 1u);
    const auto& transition = plan.transitions[0];
    BOOST_TEST(transition.permit == "P12");
    BOOST_TEST(transition.from == PermitState::CorrectionRequired);
    BOOST_TEST(transition.to == PermitState::Submitted);
    BOOST_TEST(transition.at == now);
    BOOST_TEST_REQUIRE(transition.clock.has_value());
    BOOST_TEST(transition.clock->submittedAt == now);  // the correction window starts again
    BOOST_TEST_REQUIRE(plan.followUps.dispatches.size() == 1u);
    const auto& call = plan.followUps.dispatches[0];
    BOOST_TEST(call.permit == "P12");
    BOOST_TEST(call.department == "CCS");
    BOOST_TEST(call.kind == "CORRECTION");
    BOOST_TEST(call.payload == supplement);
    BOOST_TEST(call.dueAt == now);
    BOOST_TEST(!plan.followUps.cancelPendingDispatches);
}

BOOST_AUTO_TEST_CASE(a_correction_without_a_correction_notice_is_illegal) {
    auto package = intake();
    put(package, "P01", PermitState::Issued, "SAMR-1");
    put(package, "P12", PermitState::Submitted, "CCS-12");
    for (const std::string permit : {"P01", "P12", "P05", "P99"}) {
        const auto plan = planner.correction(package, permit, "<Supplement/>", chinaTime(2026, 11, 6));
        BOOST_TEST(plan.verdict == Verdict::Illegal, permit);
        BOOST_TEST(plan.transitions.empty(), permit);
        BOOST_TEST(plan.followUps.dispatches.empty(), permit);
    }
}

BOOST_AUTO_TEST_CASE(a_withdrawal_cancels_what_departments_hold_and_leaves_issued_permits_alone) {
    auto package = intake(kHook);
    package.state = PackageState::InProgress;
    put(package, "P01", PermitState::Issued, "SAMR-1", acceptedOn(chinaTime(2026, 11, 2)));
    put(package, "P05", PermitState::Issued, "MSA-5", acceptedOn(chinaTime(2026, 11, 2)));
    put(package, "P10", PermitState::CorrectionRequired, "MSA-10");
    core::PermitClockFacts suspendedClock = acceptedOn(chinaTime(2026, 11, 3));
    suspendedClock.suspendedAt = chinaTime(2026, 11, 5);  // Thursday
    put(package, "P12", PermitState::Suspended, "CCS-12", suspendedClock);
    const core::EpochMillis now = chinaTime(2026, 11, 10);  // Tuesday

    const auto plan = planner.withdrawal(package, now);

    BOOST_TEST(plan.verdict == Verdict::Applied);
    BOOST_TEST_REQUIRE(plan.transitions.size() == 10u);
    for (const auto& transition : plan.transitions) {
        BOOST_TEST((transition.permit != "P01" && transition.permit != "P05"), transition.permit);
        BOOST_TEST(transition.to == PermitState::Withdrawn, transition.permit);
        BOOST_TEST(transition.from == permitOf(package, transition.permit).state, transition.permit);
        BOOST_TEST(transition.at == now);
    }
    const auto twelve = std::find_if(plan.transitions.begin(), plan.transitions.end(),
                                     [](const auto& transition) { return transition.permit == "P12"; });
    BOOST_TEST_REQUIRE((twelve != plan.transitions.end()));
    BOOST_TEST_REQUIRE(twelve->clock.has_value());
    BOOST_TEST(twelve->clock->suspendedAt == 0);
    BOOST_TEST(twelve->clock->pausedWorkingDays == 3);  // Friday 6, Monday 9, Tuesday 10

    std::vector<std::pair<std::string, std::string>> cancels;
    for (const auto& dispatch : plan.followUps.dispatches) {
        BOOST_TEST(dispatch.kind == "CANCEL");
        BOOST_TEST(dispatch.dueAt == now);
        cancels.emplace_back(dispatch.permit, dispatch.department);
    }
    const std::vector<std::pair<std::string, std::string>> expected{{"P10", "MSA"}, {"P12", "CCS"}};
    BOOST_TEST((cancels == expected));
    BOOST_TEST(plan.followUps.cancelPendingDispatches);
    BOOST_TEST(plan.followUps.packageState == std::optional(PackageState::Withdrawn));
    BOOST_TEST(!plan.followUps.certificate.has_value());
}

BOOST_AUTO_TEST_CASE(a_withdrawal_sends_no_cancellation_without_a_receipt_number) {
    auto package = intake();
    put(package, "P12", PermitState::Submitted, "");  // with CCS, but nothing to name in a cancellation
    put(package, "P01", PermitState::Queued, "SAMR-EARLY");  // not with its department
    const auto plan = planner.withdrawal(package, chinaTime(2026, 11, 3));
    BOOST_TEST(plan.verdict == Verdict::Applied);
    BOOST_TEST(plan.transitions.size() == 12u);
    BOOST_TEST(plan.followUps.dispatches.empty());
}

BOOST_AUTO_TEST_CASE(a_withdrawal_at_intake_withdraws_every_permit_and_cancels_nothing_remote) {
    const auto package = intake();
    const auto plan = planner.withdrawal(package, chinaTime(2026, 11, 2, 12));
    BOOST_TEST(plan.verdict == Verdict::Applied);
    BOOST_TEST(plan.transitions.size() == 12u);
    BOOST_TEST(plan.followUps.dispatches.empty());
    BOOST_TEST(plan.followUps.cancelPendingDispatches);
    BOOST_TEST(plan.followUps.packageState == std::optional(PackageState::Withdrawn));
}

BOOST_AUTO_TEST_CASE(a_ready_or_withdrawn_package_cannot_be_withdrawn) {
    for (const auto state : {PackageState::ReadyToOperate, PackageState::Withdrawn}) {
        auto package = intake();
        package.state = state;
        if (state == PackageState::ReadyToOperate)
            for (auto& view : package.permits) view.state = PermitState::Issued;
        else
            for (auto& view : package.permits) view.state = PermitState::Withdrawn;
        const auto plan = planner.withdrawal(package, chinaTime(2026, 11, 20));
        BOOST_TEST(plan.verdict == Verdict::Illegal, state);
        BOOST_TEST(plan.transitions.empty());
        BOOST_TEST(plan.followUps.dispatches.empty());
        BOOST_TEST(!plan.followUps.cancelPendingDispatches);
        BOOST_TEST(!plan.followUps.packageState.has_value());
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(statutory_clocks, PlannerFixture)

// docs/clocks.md's worked example: received Thursday 2026-09-24, the fifth
// working day after is Friday 2026-10-09 (Mid-Autumn and National Day off).
BOOST_AUTO_TEST_CASE(a_submission_without_correction_notice_is_deemed_accepted_on_its_day_of_receipt) {
    auto package = intake();
    package.state = PackageState::InProgress;
    put(package, "P01", PermitState::Issued, "SAMR-1");
    core::PermitClockFacts clock;
    clock.submittedAt = chinaTime(2026, 9, 24, 16);
    put(package, "P05", PermitState::Submitted, "MSA-5", clock);

    for (const auto notYet : {chinaTime(2026, 9, 30), chinaTime(2026, 10, 8), chinaTime(2026, 10, 9, 23)}) {
        const auto plan = planner.clocks(package, "P05", notYet);
        BOOST_TEST(plan.verdict == Verdict::NoChange, core::formatRfc3339(notYet));
        BOOST_TEST(plan.transitions.empty());
    }

    const core::EpochMillis now = chinaTime(2026, 10, 10, 0);
    const auto plan = planner.clocks(package, "P05", now);
    BOOST_TEST(plan.verdict == Verdict::Applied);
    BOOST_TEST(plan.from == PermitState::Submitted);
    BOOST_TEST(plan.to == PermitState::Accepted);
    BOOST_TEST_REQUIRE(plan.transitions.size() == 1u);
    const auto& transition = plan.transitions[0];
    BOOST_TEST(transition.permit == "P05");
    BOOST_TEST(transition.from == PermitState::Submitted);
    BOOST_TEST(transition.to == PermitState::Accepted);
    BOOST_TEST(transition.eventType == "PERMIT_STATE");
    BOOST_TEST(transition.at == now);
    BOOST_TEST(transition.detail.find("deemed accepted as of 2026-09-24") != std::string::npos, transition.detail);
    BOOST_TEST_REQUIRE(transition.clock.has_value());
    BOOST_TEST(transition.clock->acceptedAt == clock.submittedAt);
    BOOST_TEST(transition.clock->submittedAt == clock.submittedAt);
    BOOST_TEST(transition.clock->deemedAccepted);
    BOOST_TEST(plan.followUps.packageState == std::optional(PackageState::InProgress));
    BOOST_TEST(plan.followUps.dispatches.empty());
}

BOOST_AUTO_TEST_CASE(only_a_submitted_permit_with_a_receipt_day_is_deemed_accepted) {
    auto package = intake();
    put(package, "P12", PermitState::Submitted, "CCS-12");  // submittedAt unknown
    put(package, "P01", PermitState::CorrectionRequired, "SAMR-1");
    permitOf(package, "P01").clock.submittedAt = chinaTime(2026, 9, 1);
    const core::EpochMillis muchLater = chinaTime(2026, 12, 1);
    BOOST_TEST(planner.clocks(package, "P12", muchLater).verdict == Verdict::NoChange);
    BOOST_TEST(planner.clocks(package, "P01", muchLater).verdict == Verdict::NoChange);
    BOOST_TEST(planner.clocks(package, "P99", muchLater).verdict == Verdict::NoChange);
}

// P05: 7 statutory working days; accepted Monday 2026-11-02, due Wednesday 2026-11-11.
BOOST_AUTO_TEST_CASE(a_missed_decision_deadline_is_noted_once) {
    auto package = intake();
    package.state = PackageState::InProgress;
    put(package, "P01", PermitState::Issued, "SAMR-1");
    const core::PermitClockFacts clock = acceptedOn(chinaTime(2026, 11, 2));
    put(package, "P05", PermitState::Accepted, "MSA-5", clock);

    BOOST_TEST(planner.clocks(package, "P05", chinaTime(2026, 11, 11, 23)).verdict == Verdict::NoChange);

    const core::EpochMillis now = chinaTime(2026, 11, 12, 0);
    const auto plan = planner.clocks(package, "P05", now);
    BOOST_TEST(plan.verdict == Verdict::Applied);
    BOOST_TEST(plan.from == PermitState::Accepted);
    BOOST_TEST(plan.to == PermitState::Accepted);
    BOOST_TEST_REQUIRE(plan.transitions.size() == 1u);
    const auto& note = plan.transitions[0];
    BOOST_TEST(note.permit == "P05");
    BOOST_TEST(note.from == PermitState::Accepted);
    BOOST_TEST(note.to == PermitState::Accepted);
    BOOST_TEST(note.eventType == "DEADLINE_MISSED");
    BOOST_TEST(note.detail.find("2026-11-11") != std::string::npos, note.detail);
    BOOST_TEST_REQUIRE(note.clock.has_value());
    core::PermitClockFacts expected = clock;
    expected.overdueSince = now;
    BOOST_TEST((*note.clock == expected));
    BOOST_TEST(plan.followUps.dispatches.empty());
    BOOST_TEST(!plan.followUps.packageState.has_value());

    put(package, "P05", PermitState::Accepted, "MSA-5", *note.clock);
    for (const auto later : {chinaTime(2026, 11, 12, 12), chinaTime(2026, 11, 20), chinaTime(2027, 3, 1)}) {
        const auto again = planner.clocks(package, "P05", later);
        BOOST_TEST(again.verdict == Verdict::NoChange);
        BOOST_TEST(again.transitions.empty());
    }
}

BOOST_AUTO_TEST_CASE(an_extension_moves_the_decision_deadline) {
    auto package = intake();
    core::PermitClockFacts clock = acceptedOn(chinaTime(2026, 11, 2));
    clock.extensionWorkingDays = 10;
    put(package, "P05", PermitState::UnderReview, "MSA-5", clock);
    // 2026-11-11 + 10 WD = 2026-11-25.
    BOOST_TEST(planner.clocks(package, "P05", chinaTime(2026, 11, 25, 20)).verdict == Verdict::NoChange);
    BOOST_TEST(planner.clocks(package, "P05", chinaTime(2026, 11, 26)).verdict == Verdict::Applied);
}

BOOST_AUTO_TEST_SUITE_END()
