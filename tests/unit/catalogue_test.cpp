#include <boost/test/unit_test.hpp>

#include "config/hub_config.h"
#include "core/catalogue.h"

using namespace hub::core;

namespace {

using Ids = std::vector<std::string>;

const Catalogue& defaultCatalogue() {
    static const Catalogue catalogue = hub::config::loadCatalogue(HUB_SOURCE_DIR "/config/catalogue.json");
    return catalogue;
}

PermitItem permit(std::string id, std::string department, Ids needs, int statutory = 10, int promised = 5) {
    PermitItem item;
    item.id = std::move(id);
    item.nameZh = "许可" + item.id;
    item.nameEn = "Permit " + item.id;
    item.department = std::move(department);
    item.needs = std::move(needs);
    item.statutoryWorkingDays = statutory;
    item.promisedWorkingDays = promised;
    return item;
}

std::vector<Department> twoDepartments() { return {{"MSA", "Maritime"}, {"MOT", "Transport"}}; }

// what() of the CatalogueError that build() throws, or "no error".
std::string buildError(std::vector<Department> departments, std::vector<PermitItem> permits) {
    try {
        Catalogue::build(std::move(departments), std::move(permits));
    } catch (const CatalogueError& error) {
        return error.what();
    }
    return "no error";
}

const Ids kAllPermits{"P01", "P02", "P03", "P04", "P05", "P06", "P07", "P08", "P09", "P10", "P11", "P12"};

}  // namespace

BOOST_AUTO_TEST_SUITE(permit_catalogue)

BOOST_AUTO_TEST_CASE(default_catalogue_has_twelve_permits_of_five_departments) {
    const Catalogue& catalogue = defaultCatalogue();
    BOOST_TEST(catalogue.permits().size() == 12u);
    BOOST_TEST(catalogue.departments().size() == 5u);
    for (const char* code : {"SAMR", "MOT", "MSA", "CUSTOMS", "CCS"}) {
        BOOST_TEST(catalogue.findDepartment(code) != nullptr, code);
    }
    BOOST_TEST(catalogue.findDepartment("XYZ") == nullptr);
    BOOST_TEST(catalogue.findPermit("P13") == nullptr);

    const PermitItem* p10 = catalogue.findPermit("P10");
    BOOST_REQUIRE(p10 != nullptr);
    BOOST_TEST(p10->department == "MSA");
    BOOST_TEST(p10->needs == Ids{"P05"}, boost::test_tools::per_element());
    BOOST_TEST(p10->statutoryWorkingDays == 30);
    BOOST_TEST(p10->promisedWorkingDays == 5);
    BOOST_TEST(p10->concernsVessel);
    BOOST_TEST(p10->requiredAttachments == Ids{"RADIO_EQUIPMENT_LIST"}, boost::test_tools::per_element());
    BOOST_TEST(p10->nameEn == "Ship station licence, MMSI and call sign");
    BOOST_TEST(!catalogue.findPermit("P08")->concernsVessel);
    BOOST_TEST(catalogue.findPermit("P03")->requiredAttachments.empty());
}

BOOST_AUTO_TEST_CASE(permits_are_in_topological_order_with_ties_by_id) {
    const auto& permits = defaultCatalogue().permits();
    Ids order;
    for (const auto& item : permits) order.push_back(item.id);
    BOOST_TEST(order == (Ids{"P01", "P05", "P10", "P12", "P06", "P02", "P04", "P07", "P03", "P08", "P09", "P11"}),
               boost::test_tools::per_element());
    for (std::size_t i = 0; i < permits.size(); ++i) {
        for (const auto& need : permits[i].needs) {
            auto position = std::find(order.begin(), order.end(), need) - order.begin();
            BOOST_TEST(static_cast<std::size_t>(position) < i, permits[i].id << " before its need " << need);
        }
    }
}

BOOST_AUTO_TEST_CASE(closure_adds_transitive_prerequisites_in_order) {
    const Catalogue& catalogue = defaultCatalogue();
    BOOST_TEST(catalogue.closure({"P03"}) == (Ids{"P01", "P05", "P12", "P06", "P02", "P07", "P03"}),
               boost::test_tools::per_element());
    BOOST_TEST(catalogue.closure({"P10"}) == (Ids{"P01", "P05", "P10"}), boost::test_tools::per_element());
    BOOST_TEST(catalogue.closure({"P12", "P01"}) == (Ids{"P01", "P12"}), boost::test_tools::per_element());
    BOOST_TEST(catalogue.closure({"P01", "P01"}) == Ids{"P01"}, boost::test_tools::per_element());
    BOOST_TEST(catalogue.closure({"P99", "P05"}) == (Ids{"P01", "P05"}), boost::test_tools::per_element());
    BOOST_TEST(catalogue.closure({}).empty());
    BOOST_TEST(catalogue.closure(kAllPermits).size() == 12u);
}

BOOST_AUTO_TEST_CASE(critical_path_with_promised_times_is_twenty_working_days) {
    CriticalPath path = defaultCatalogue().criticalPath(kAllPermits, DurationBasis::Promised);
    BOOST_TEST(path.permits == (Ids{"P12", "P06", "P02", "P03"}), boost::test_tools::per_element());
    BOOST_TEST(path.workingDays == 20);
}

BOOST_AUTO_TEST_CASE(critical_path_with_statutory_times) {
    // By hand: P12 20 -> P06 20 (P05 ends at 3+7=10, earlier) -> P02 30 -> P03 20
    // (P07 ends at 60, P02 at 70): 90 WD; the next longest, to P04, is 70.
    CriticalPath path = defaultCatalogue().criticalPath(kAllPermits, DurationBasis::Statutory);
    BOOST_TEST(path.permits == (Ids{"P12", "P06", "P02", "P03"}), boost::test_tools::per_element());
    BOOST_TEST(path.workingDays == 90);
}

BOOST_AUTO_TEST_CASE(critical_path_of_a_subset_treats_outside_needs_as_met) {
    const Catalogue& catalogue = defaultCatalogue();
    CriticalPath radio = catalogue.criticalPath({"P01", "P05", "P10"}, DurationBasis::Promised);
    BOOST_TEST(radio.permits == (Ids{"P01", "P05", "P10"}), boost::test_tools::per_element());
    BOOST_TEST(radio.workingDays == 9);

    CriticalPath alone = catalogue.criticalPath({"P03"}, DurationBasis::Statutory);
    BOOST_TEST(alone.permits == Ids{"P03"}, boost::test_tools::per_element());
    BOOST_TEST(alone.workingDays == 20);

    CriticalPath domestic = catalogue.criticalPath({"P01", "P05", "P06", "P07", "P03"}, DurationBasis::Promised);
    BOOST_TEST(domestic.permits == (Ids{"P01", "P05", "P06", "P07", "P03"}), boost::test_tools::per_element());
    BOOST_TEST(domestic.workingDays == 12);

    BOOST_TEST(catalogue.criticalPath({}, DurationBasis::Promised).workingDays == 0);
}

BOOST_AUTO_TEST_CASE(unknown_department_is_refused) {
    BOOST_TEST(buildError(twoDepartments(), {permit("A", "MSA", {}), permit("B", "CCS", {})}) ==
               "catalogue: permit B belongs to unknown department 'CCS'");
}

BOOST_AUTO_TEST_CASE(unknown_prerequisite_is_refused) {
    BOOST_TEST(buildError(twoDepartments(), {permit("P03", "MSA", {"P99"})}) ==
               "catalogue: permit P03 needs unknown permit P99");
}

BOOST_AUTO_TEST_CASE(self_need_is_refused) {
    BOOST_TEST(buildError(twoDepartments(), {permit("A", "MSA", {}), permit("B", "MSA", {"A", "B"})}) ==
               "catalogue: permit B needs itself");
}

BOOST_AUTO_TEST_CASE(a_cycle_is_refused_and_named) {
    BOOST_TEST(buildError(twoDepartments(), {permit("X", "MOT", {}), permit("P1", "MSA", {"P3"}),
                                             permit("P2", "MSA", {"P1", "X"}), permit("P3", "MOT", {"P2"})}) ==
               "catalogue: dependency cycle P1 -> P3 -> P2 -> P1");
    BOOST_TEST(buildError(twoDepartments(), {permit("A", "MSA", {"B"}), permit("B", "MSA", {"A"})}) ==
               "catalogue: dependency cycle A -> B -> A");
}

BOOST_AUTO_TEST_CASE(duplicate_ids_are_refused) {
    BOOST_TEST(buildError(twoDepartments(), {permit("A", "MSA", {}), permit("A", "MOT", {})}) ==
               "catalogue: duplicate permit A");
    BOOST_TEST(buildError({{"MSA", "Maritime"}, {"MSA", "Again"}}, {permit("A", "MSA", {})}) ==
               "catalogue: duplicate department MSA");
    BOOST_TEST(buildError(twoDepartments(), {permit("A", "MSA", {}), permit("B", "MSA", {"A", "A"})}) ==
               "catalogue: permit B lists need A twice");
}

BOOST_AUTO_TEST_CASE(inconsistent_durations_are_refused) {
    BOOST_TEST(buildError(twoDepartments(), {permit("A", "MSA", {}, 3, 5)}) ==
               "catalogue: permit A promises 5 working days, more than its statutory 3");
    BOOST_TEST(buildError(twoDepartments(), {permit("A", "MSA", {}, 0, 0)}) ==
               "catalogue: permit A has non-positive statutoryWorkingDays 0");
    BOOST_TEST(buildError(twoDepartments(), {permit("A", "MSA", {}, 3, -1)}) ==
               "catalogue: permit A has non-positive promisedWorkingDays -1");
}

BOOST_AUTO_TEST_CASE(an_empty_catalogue_is_refused) {
    BOOST_TEST(buildError(twoDepartments(), {}) == "catalogue: no permits defined");
    BOOST_TEST(buildError(twoDepartments(), {permit("", "MSA", {})}) == "catalogue: a permit has an empty id");
}

BOOST_AUTO_TEST_SUITE_END()
