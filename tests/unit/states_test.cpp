#include <boost/test/unit_test.hpp>

#include "core/states.h"

using namespace hub::core;

BOOST_AUTO_TEST_SUITE(state_names)

BOOST_AUTO_TEST_CASE(every_permit_state_name_round_trips) {
    const std::vector<std::pair<PermitState, std::string_view>> expected{
        {PermitState::Waiting, "WAITING"},
        {PermitState::Queued, "QUEUED"},
        {PermitState::Submitted, "SUBMITTED"},
        {PermitState::Accepted, "ACCEPTED"},
        {PermitState::CorrectionRequired, "CORRECTION_REQUIRED"},
        {PermitState::UnderReview, "UNDER_REVIEW"},
        {PermitState::Suspended, "SUSPENDED"},
        {PermitState::Issued, "ISSUED"},
        {PermitState::Rejected, "REJECTED"},
        {PermitState::NotAccepted, "NOT_ACCEPTED"},
        {PermitState::Blocked, "BLOCKED"},
        {PermitState::Withdrawn, "WITHDRAWN"},
    };
    for (const auto& [state, name] : expected) {
        BOOST_TEST(toString(state) == name);
        auto parsed = parsePermitState(name);
        BOOST_REQUIRE(parsed.has_value());
        BOOST_TEST((*parsed == state));
    }
}

BOOST_AUTO_TEST_CASE(every_package_state_name_round_trips) {
    const std::vector<std::pair<PackageState, std::string_view>> expected{
        {PackageState::Received, "RECEIVED"},
        {PackageState::InProgress, "IN_PROGRESS"},
        {PackageState::ReadyToOperate, "READY_TO_OPERATE"},
        {PackageState::PartiallyFailed, "PARTIALLY_FAILED"},
        {PackageState::Withdrawn, "WITHDRAWN"},
    };
    for (const auto& [state, name] : expected) {
        BOOST_TEST(toString(state) == name);
        auto parsed = parsePackageState(name);
        BOOST_REQUIRE(parsed.has_value());
        BOOST_TEST((*parsed == state));
    }
}

BOOST_AUTO_TEST_CASE(unknown_or_differently_cased_names_are_not_states) {
    BOOST_TEST(!parsePermitState("issued").has_value());
    BOOST_TEST(!parsePermitState("").has_value());
    BOOST_TEST(!parsePermitState("RECEIVED").has_value());
    BOOST_TEST(!parsePackageState("ISSUED").has_value());
    BOOST_TEST(!parsePackageState("Withdrawn").has_value());
}

BOOST_AUTO_TEST_SUITE_END()
