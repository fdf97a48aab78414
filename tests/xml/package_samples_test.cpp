#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "config/hub_config.h"
#include "core/package_rules.h"
#include "xml/package_reader.h"
#include "xml_test_support.h"

using namespace hub;
using namespace hub::xml;

namespace {

constexpr int kToday = 20261127;

const PackageReader& reader() {
    static const PackageReader instance(test::schemasDir(), XmlLimits{});
    return instance;
}

const core::Catalogue& catalogue() {
    static const core::Catalogue instance = config::loadCatalogue(test::sourcePath("config/catalogue.json"));
    return instance;
}

struct Expectation {
    std::string file;
    std::string code;
    int httpStatus = 0;
};

std::vector<Expectation> expectations() {
    std::istringstream lines(test::readSource("tests/fixtures/packages/invalid/EXPECTED"));
    std::vector<Expectation> result;
    std::string line;
    while (std::getline(lines, line)) {
        if (line.empty() || line.front() == '#') {
            continue;
        }
        std::istringstream fields(line);
        Expectation e;
        fields >> e.file >> e.code >> e.httpStatus;
        if (!fields) {
            throw std::runtime_error("EXPECTED: bad line: " + line);
        }
        result.push_back(e);
    }
    return result;
}

// The status the API answers for a failure at the reader stage.
int httpStatusOf(ReadFailure failure) {
    switch (failure) {
        case ReadFailure::TooLarge:
            return 413;
        case ReadFailure::NotWellFormed:
        case ReadFailure::ForbiddenConstruct:
            return 400;
        case ReadFailure::SchemaInvalid:
            return 422;
        case ReadFailure::None:
            break;
    }
    return 0;
}

struct Outcome {
    int httpStatus = 0;
    core::ValidationErrors errors;
    core::IntakeAssessment assessment;
};

Outcome assess(const std::string& bytes) {
    Outcome outcome;
    PackageReadResult read = reader().read(bytes);
    if (read.failure != ReadFailure::None) {
        outcome.httpStatus = httpStatusOf(read.failure);
        outcome.errors = read.errors;
        return outcome;
    }
    outcome.assessment = core::assessPackage(read.package, catalogue(), core::IntakePolicy{}, kToday);
    outcome.errors = outcome.assessment.errors;
    outcome.httpStatus = outcome.errors.empty() ? 201 : 422;
    return outcome;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(package_samples)

BOOST_AUTO_TEST_CASE(every_invalid_sample_yields_its_expected_code) {
    auto cases = expectations();
    BOOST_TEST(cases.size() >= 23u);
    for (const auto& expected : cases) {
        Outcome outcome = assess(test::readSource("tests/fixtures/packages/invalid/" + expected.file));
        BOOST_TEST_CONTEXT(expected.file) {
            BOOST_TEST(test::hasCode(outcome.errors, expected.code), test::describe(outcome.errors));
            // One defect per sample: nothing else may be reported.
            for (const auto& error : outcome.errors) {
                BOOST_TEST(error.code == expected.code, test::describe(outcome.errors));
            }
            BOOST_TEST_MESSAGE(expected.file << ":\n" << test::describe(outcome.errors));
            BOOST_TEST(outcome.httpStatus == expected.httpStatus);
        }
    }
}

BOOST_AUTO_TEST_CASE(the_valid_samples_are_accepted) {
    for (const char* file : {"examples/full-12-permits.xml", "examples/domestic-only.xml",
                             "tests/fixtures/packages/prerequisites-added.xml"}) {
        Outcome outcome = assess(test::readSource(file));
        BOOST_TEST_CONTEXT(file) {
            BOOST_TEST(outcome.errors.empty(), test::describe(outcome.errors));
            BOOST_TEST(outcome.httpStatus == 201);
        }
    }
}

BOOST_AUTO_TEST_CASE(the_full_sample_asks_for_all_twelve_permits_and_adds_none) {
    Outcome outcome = assess(test::readSource("examples/full-12-permits.xml"));
    BOOST_TEST(outcome.assessment.permits.size() == 12u);
    BOOST_TEST(outcome.assessment.addedPermits.empty());
}

BOOST_AUTO_TEST_CASE(missing_prerequisites_are_added) {
    Outcome outcome = assess(test::readSource("tests/fixtures/packages/prerequisites-added.xml"));
    BOOST_REQUIRE(outcome.errors.empty());
    std::vector<std::string> added = outcome.assessment.addedPermits;
    std::sort(added.begin(), added.end());
    const std::vector<std::string> expected = {"P01", "P02", "P05", "P06", "P07", "P12"};
    BOOST_TEST(added == expected, boost::test_tools::per_element());
    BOOST_TEST(outcome.assessment.permits.size() == 7u);
    BOOST_TEST(outcome.assessment.permits.back() == "P03");
}

BOOST_AUTO_TEST_SUITE_END()
