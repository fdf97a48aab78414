#include <boost/test/unit_test.hpp>

#include <map>
#include <set>
#include <sstream>

#include "config/hub_config.h"
#include "core/permit_lifecycle.h"
#include "core_printing.h"

using namespace hub::core;


namespace {

const Catalogue& defaultCatalogue() {
    static const Catalogue catalogue = hub::config::loadCatalogue(HUB_SOURCE_DIR "/config/catalogue.json");
    return catalogue;
}

const std::vector<PermitState> kAllStates = {
    PermitState::Waiting,     PermitState::Queued,    PermitState::Submitted,   PermitState::Accepted,
    PermitState::CorrectionRequired, PermitState::UnderReview, PermitState::Suspended, PermitState::Issued,
    PermitState::Rejected,    PermitState::NotAccepted, PermitState::Blocked,   PermitState::Withdrawn};

const std::vector<PermitEvent> kAllEvents = {
    PermitEvent::PrerequisitesMet, PermitEvent::PrerequisiteFailed, PermitEvent::Acknowledged,
    PermitEvent::Accepted,         PermitEvent::DeemedAccepted,     PermitEvent::NotAccepted,
    PermitEvent::CorrectionRequired, PermitEvent::CorrectionSubmitted, PermitEvent::UnderReview,
    PermitEvent::Suspended,        PermitEvent::Resumed,            PermitEvent::Issued,
    PermitEvent::Rejected,         PermitEvent::Withdrawn};

// The lifecycle of SPEC §4 written out by public names, one line per state:
// "STATE: EVENT>TARGET ...". Every (state, event) pair not listed must be refused.
const char* kExpectedTable = R"(
WAITING: PREREQUISITES_MET>QUEUED PREREQUISITE_FAILED>BLOCKED WITHDRAWN>WITHDRAWN
QUEUED: ACKNOWLEDGED>SUBMITTED ACCEPTED>ACCEPTED NOT_ACCEPTED>NOT_ACCEPTED CORRECTION_REQUIRED>CORRECTION_REQUIRED ISSUED>ISSUED REJECTED>REJECTED WITHDRAWN>WITHDRAWN
SUBMITTED: ACCEPTED>ACCEPTED DEEMED_ACCEPTED>ACCEPTED NOT_ACCEPTED>NOT_ACCEPTED CORRECTION_REQUIRED>CORRECTION_REQUIRED UNDER_REVIEW>UNDER_REVIEW ISSUED>ISSUED REJECTED>REJECTED WITHDRAWN>WITHDRAWN
CORRECTION_REQUIRED: CORRECTION_SUBMITTED>SUBMITTED NOT_ACCEPTED>NOT_ACCEPTED WITHDRAWN>WITHDRAWN
ACCEPTED: UNDER_REVIEW>UNDER_REVIEW SUSPENDED>SUSPENDED ISSUED>ISSUED REJECTED>REJECTED WITHDRAWN>WITHDRAWN
UNDER_REVIEW: SUSPENDED>SUSPENDED ISSUED>ISSUED REJECTED>REJECTED WITHDRAWN>WITHDRAWN
SUSPENDED: RESUMED>UNDER_REVIEW WITHDRAWN>WITHDRAWN
ISSUED:
REJECTED:
NOT_ACCEPTED:
BLOCKED:
WITHDRAWN:
)";

std::map<std::pair<std::string, std::string>, std::string> expectedTransitions() {
    std::map<std::pair<std::string, std::string>, std::string> table;
    std::istringstream lines(kExpectedTable);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.empty()) continue;
        std::istringstream words(line);
        std::string state;
        words >> state;
        state.pop_back();  // the colon
        std::string cell;
        while (words >> cell) {
            auto arrow = cell.find('>');
            table[{state, cell.substr(0, arrow)}] = cell.substr(arrow + 1);
        }
    }
    return table;
}

std::vector<PermitStatus> statuses(std::initializer_list<std::pair<const char*, PermitState>> values) {
    std::vector<PermitStatus> out;
    for (const auto& [permit, state] : values) out.push_back({permit, state});
    return out;
}

std::vector<PermitStatus> allTwelve(PermitState state) {
    std::vector<PermitStatus> out;
    for (const auto& item : defaultCatalogue().permits()) out.push_back({item.id, state});
    return out;
}

void set(std::vector<PermitStatus>& permits, const std::string& permit, PermitState state) {
    for (auto& status : permits)
        if (status.permit == permit) status.state = state;
}

std::string describe(const std::vector<Consequence>& consequences) {
    std::string out;
    for (const auto& c : consequences)
        out += c.permit + ":" + std::string(toString(c.from)) + ">" + std::string(toString(c.to)) + " ";
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(permit_lifecycle)

BOOST_AUTO_TEST_CASE(every_state_and_event_pair_follows_the_table) {
    const auto expected = expectedTransitions();
    int allowed = 0, refused = 0;
    for (PermitState state : kAllStates) {
        for (PermitEvent event : kAllEvents) {
            const std::string from(toString(state)), what(toString(event));
            auto next = nextState(state, event);
            auto it = expected.find({from, what});
            if (it == expected.end()) {
                BOOST_TEST(!next.has_value(), from << " + " << what << " must be refused");
                ++refused;
            } else {
                BOOST_TEST_REQUIRE(next.has_value(), from << " + " << what << " must be allowed");
                BOOST_TEST(std::string(toString(*next)) == it->second, from << " + " << what);
                ++allowed;
            }
        }
    }
    BOOST_TEST(allowed == static_cast<int>(expected.size()));
    BOOST_TEST(allowed + refused == 12 * 14);
}

BOOST_AUTO_TEST_CASE(terminal_states_accept_nothing_and_live_ones_can_always_be_withdrawn) {
    for (PermitState state : kAllStates) {
        if (isTerminal(state)) {
            for (PermitEvent event : kAllEvents) BOOST_TEST(!nextState(state, event).has_value());
        } else {
            BOOST_TEST(nextState(state, PermitEvent::Withdrawn) == PermitState::Withdrawn);
        }
    }
    BOOST_TEST(isFailure(PermitState::Blocked));
    BOOST_TEST(!isFailure(PermitState::Withdrawn));
    BOOST_TEST(isWithDepartment(PermitState::Suspended));
    BOOST_TEST(!isWithDepartment(PermitState::Queued));
}

BOOST_AUTO_TEST_CASE(event_names_round_trip) {
    for (PermitEvent event : kAllEvents) BOOST_TEST(parsePermitEvent(toString(event)) == event);
    BOOST_TEST(!parsePermitEvent("APPROVED").has_value());
}

BOOST_AUTO_TEST_CASE(issuing_queues_exactly_the_permits_whose_needs_are_all_issued) {
    auto permits = allTwelve(PermitState::Waiting);
    set(permits, "P01", PermitState::Issued);
    set(permits, "P12", PermitState::Queued);
    BOOST_TEST(describe(consequencesOf(defaultCatalogue(), permits, "P01")) == "P05:WAITING>QUEUED ");

    set(permits, "P05", PermitState::Issued);
    BOOST_TEST(describe(consequencesOf(defaultCatalogue(), permits, "P05")) == "P10:WAITING>QUEUED ");

    // P06 needs P05 and P12: only when both are issued.
    set(permits, "P12", PermitState::Issued);
    auto afterSurvey = consequencesOf(defaultCatalogue(), permits, "P12");
    BOOST_TEST(describe(afterSurvey) == "P06:WAITING>QUEUED ");
    BOOST_TEST(afterSurvey.front().reason == "prerequisites issued: P05, P12");

    set(permits, "P06", PermitState::Issued);
    BOOST_TEST(describe(consequencesOf(defaultCatalogue(), permits, "P06")) ==
               "P02:WAITING>QUEUED P04:WAITING>QUEUED P07:WAITING>QUEUED P08:WAITING>QUEUED P09:WAITING>QUEUED "
               "P11:WAITING>QUEUED ");
}

BOOST_AUTO_TEST_CASE(a_failure_blocks_every_waiting_dependent_transitively) {
    auto permits = allTwelve(PermitState::Waiting);
    set(permits, "P01", PermitState::Issued);
    set(permits, "P05", PermitState::Issued);
    set(permits, "P10", PermitState::Submitted);
    set(permits, "P12", PermitState::Rejected);
    auto blocked = consequencesOf(defaultCatalogue(), permits, "P12");
    BOOST_TEST(describe(blocked) ==
               "P06:WAITING>BLOCKED P02:WAITING>BLOCKED P04:WAITING>BLOCKED P07:WAITING>BLOCKED "
               "P03:WAITING>BLOCKED P08:WAITING>BLOCKED P09:WAITING>BLOCKED P11:WAITING>BLOCKED ");
    BOOST_TEST(blocked.front().reason == "prerequisite P12 REJECTED");
    BOOST_TEST(blocked[4].reason == "prerequisite P02, P06, P07 blocked (P12 REJECTED)");
}

BOOST_AUTO_TEST_CASE(non_final_changes_and_unknown_permits_have_no_consequences) {
    auto permits = allTwelve(PermitState::Waiting);
    set(permits, "P01", PermitState::Accepted);
    BOOST_TEST(consequencesOf(defaultCatalogue(), permits, "P01").empty());
    BOOST_TEST(consequencesOf(defaultCatalogue(), permits, "P99").empty());
    // A package that asked for a subset: needs outside it count as satisfied.
    auto subset = statuses({{"P12", PermitState::Issued}, {"P06", PermitState::Waiting}});
    BOOST_TEST(describe(consequencesOf(defaultCatalogue(), subset, "P12")) == "P06:WAITING>QUEUED ");
}

BOOST_AUTO_TEST_CASE(the_package_state_follows_its_permits) {
    BOOST_TEST(derivePackageState(allTwelve(PermitState::Waiting), false) == PackageState::Received);
    auto permits = allTwelve(PermitState::Waiting);
    set(permits, "P01", PermitState::Queued);
    BOOST_TEST(derivePackageState(permits, false) == PackageState::Received);
    set(permits, "P01", PermitState::Submitted);
    BOOST_TEST(derivePackageState(permits, false) == PackageState::InProgress);
    set(permits, "P12", PermitState::NotAccepted);
    BOOST_TEST(derivePackageState(permits, false) == PackageState::PartiallyFailed);
    BOOST_TEST(derivePackageState(permits, true) == PackageState::Withdrawn);
    BOOST_TEST(derivePackageState(allTwelve(PermitState::Issued), false) == PackageState::ReadyToOperate);
    BOOST_TEST(derivePackageState({}, false) == PackageState::Received);
}

BOOST_AUTO_TEST_SUITE_END()
