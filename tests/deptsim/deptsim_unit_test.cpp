// Unit tests of the simulator's parts: templates, minted identifiers, config.
#define BOOST_TEST_MODULE deptsim
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <functional>

#include <Poco/JSON/Parser.h>
#include <Poco/TemporaryFile.h>

#include "core/identifiers.h"
#include "deptsim/fault_injector.h"
#include "deptsim/message_template.h"
#include "deptsim/output_generator.h"
#include "deptsim/sim_config.h"
#include "deptsim/sim_time.h"
#include "deptsim_harness.h"

using namespace deptsim;

BOOST_AUTO_TEST_SUITE(template_rendering)

BOOST_AUTO_TEST_CASE(values_are_escaped_and_sections_follow_the_values) {
    MessageTemplate tpl("<A>{{name}}</A>{{?flag}}<F/>{{/flag}}{{^flag}}<NoF/>{{/flag}}"
                        "{{?items}}<L>{{#items}}<I>{{.}}</I>{{/items}}</L>{{/items}}",
                        "inline");
    TemplateValues values;
    values.set("name", "Tom & \"Jerry\" <Co>");
    BOOST_TEST(tpl.render(values) == "<A>Tom &amp; &quot;Jerry&quot; &lt;Co&gt;</A><NoF/>");
    values.flag("flag");
    values.setList("items", {"a<b", "c"});
    BOOST_TEST(tpl.render(values) ==
               "<A>Tom &amp; &quot;Jerry&quot; &lt;Co&gt;</A><F/><L><I>a&lt;b</I><I>c</I></L>");
}

BOOST_AUTO_TEST_CASE(unbalanced_sections_are_refused) {
    BOOST_CHECK_THROW(MessageTemplate("{{#a}}x", "t"), TemplateError);
    BOOST_CHECK_THROW(MessageTemplate("{{/a}}", "t"), TemplateError);
    BOOST_CHECK_THROW(MessageTemplate("{{a", "t"), TemplateError);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(minted_identifiers)

BOOST_AUTO_TEST_CASE(uscc_has_a_valid_check_character) {
    BOOST_TEST(OutputGenerator::usccFor("110000", "600037341") == "91110000600037341L");
    OutputGenerator generator(42, "ABCDE");
    for (int i = 0; i < 50; ++i) {
        TemplateValues values;
        values.set("division", "370202");
        generator.generate("SAMR", {{"uscc", "uscc", "{division}"}}, values, nowMillis());
        const auto uscc = values.first("uscc");
        BOOST_TEST(hub::core::checkUscc(uscc).ok, uscc);
        BOOST_TEST(uscc.substr(0, 8) == "91370202");
    }
}

BOOST_AUTO_TEST_CASE(imo_company_number_mmsi_and_call_sign_pass_the_hub_checks) {
    BOOST_TEST(OutputGenerator::imoCompanyNumberFor("580845") == "5808451");
    BOOST_TEST(OutputGenerator::imoCompanyNumberFor("034477") == "0344771");
    OutputGenerator generator(7, "ABCDE");
    for (int i = 0; i < 50; ++i) {
        TemplateValues values;
        values.set("given", "1234567");  // wrong check digit: a valid one is minted instead
        generator.generate("MSA",
                           {{"imo", "imoCompanyNumber", "{given}"}, {"mmsi", "mmsi", ""}, {"callSign", "callSign", ""}},
                           values, nowMillis());
        BOOST_TEST(hub::core::checkImoCompanyNumber(values.first("imo")).ok, values.first("imo"));
        BOOST_TEST(hub::core::checkMmsi(values.first("mmsi"), true).ok, values.first("mmsi"));
        BOOST_TEST(hub::core::checkCallSign(values.first("callSign")).ok, values.first("callSign"));
    }
    TemplateValues echoed;
    echoed.set("given", "5808451");
    generator.generate("MSA", {{"imo", "imoCompanyNumber", "{given}"}}, echoed, nowMillis());
    BOOST_TEST(echoed.first("imo") == "5808451");
}

BOOST_AUTO_TEST_CASE(format_patterns_count_per_pattern_and_read_the_context) {
    OutputGenerator generator(1, "RUN01");
    TemplateValues context;
    context.set("port", "青岛");
    BOOST_TEST(generator.expand("MOT", "QD-{seq:4}-{run}", context, nowMillis()) == "QD-0001-RUN01");
    BOOST_TEST(generator.expand("MOT", "QD-{seq:4}-{run}", context, nowMillis()) == "QD-0002-RUN01");
    BOOST_TEST(generator.expand("MSA", "QD-{seq:4}-{run}", context, nowMillis()) == "QD-0001-RUN01");
    BOOST_TEST(generator.expand("MSA", "{port}", context, nowMillis()) == "青岛");
}

BOOST_AUTO_TEST_CASE(validity_ends_the_day_before_the_anniversary) {
    BOOST_TEST(isoDate(validUntil({2026, 12, 22}, 5)) == "2031-12-21");
    BOOST_TEST(isoDate(validUntil({2026, 3, 1}, 5)) == "2031-02-28");
    BOOST_TEST(chinaDateTime(0) == "1970-01-01T08:00:00+08:00");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(configuration)

namespace {

// The shipped deptsim.json after `edit`, written to a temporary file with the
// project root and template paths made absolute so that it loads from there.
std::string shippedConfigEditedBy(const std::function<void(Poco::JSON::Object&)>& edit) {
    const std::string source = testing::sourceDirectory();
    auto config = Poco::JSON::Parser()
                      .parse(testing::readFile(source + "/deptsim/deptsim.json"))
                      .extract<Poco::JSON::Object::Ptr>();
    config->set("projectRoot", source);
    auto departments = config->getObject("departments");
    for (const auto& [code, value] : *departments) {
        auto templates = departments->getObject(code)->getObject("templates");
        for (const auto& [role, path] : *templates) templates->set(role, source + "/deptsim/" + path.toString());
    }
    edit(*config);
    const std::string file = Poco::TemporaryFile::tempName() + "-deptsim.json";
    Poco::TemporaryFile::registerForDeletion(file);
    std::ofstream out(file);
    config->stringify(out, 2);
    return file;
}

Poco::JSON::Object::Ptr policyOf(Poco::JSON::Object& config, const std::string& department) {
    return config.getObject("departments")->getObject(department)->getObject("policy");
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_shipped_configuration_loads) {
    auto config = loadSimConfig(testing::sourceDirectory() + "/deptsim/deptsim.json");
    BOOST_TEST(config.departments.size() == 5u);
    BOOST_TEST(config.department("SAMR")->port == 18101);
    BOOST_TEST(config.department("CCS")->port == 18105);
    BOOST_TEST(config.department("MSA")->permits.size() == 6u);
    const auto* ccs = config.department("CCS");
    BOOST_TEST(ccs->permits.count("P12") == 1u);
    BOOST_TEST(ccs->permits.at("P12").outputs.size() > 0u);
    BOOST_TEST(ccs->policy.decisionDelayMs == 6000);
    BOOST_TEST(config.department("SAMR")->policy.onTheSpot);
    for (const auto& department : config.departments) BOOST_TEST(department.permitPolicies.empty(), department.code);
}

// Regression: the policy reader once read "permits" from the department
// object, so the department's permit outputs were taken for policy overrides.
BOOST_AUTO_TEST_CASE(permit_policies_come_from_policy_permits_not_from_the_department_permits) {
    const auto file = shippedConfigEditedBy([](Poco::JSON::Object& config) {
        auto policy = policyOf(config, "CCS");
        policy->set("decision", "reject");
        Poco::JSON::Object::Ptr p12 = new Poco::JSON::Object;
        p12->set("decisionDelayMs", 42);
        Poco::JSON::Object::Ptr permits = new Poco::JSON::Object;
        permits->set("P12", p12);
        policy->set("permits", permits);
    });
    auto config = loadSimConfig(file);
    const auto* ccs = config.department("CCS");
    BOOST_TEST((ccs->policy.decision == Decision::Reject));
    BOOST_TEST(ccs->policy.decisionDelayMs == 6000);
    BOOST_TEST(ccs->permitPolicies.size() == 1u);
    BOOST_TEST(ccs->permitPolicies.at("P12").decisionDelayMs.value_or(0) == 42);
    BOOST_TEST(!ccs->permitPolicies.at("P12").decision.has_value());
    BOOST_TEST(config.department("MSA")->permitPolicies.empty());
}

BOOST_AUTO_TEST_CASE(a_policy_override_for_another_departments_permit_is_refused) {
    const auto file = shippedConfigEditedBy([](Poco::JSON::Object& config) {
        Poco::JSON::Object::Ptr p01 = new Poco::JSON::Object;
        p01->set("decision", "approve");
        Poco::JSON::Object::Ptr permits = new Poco::JSON::Object;
        permits->set("P01", p01);
        policyOf(config, "CCS")->set("permits", permits);
    });
    try {
        loadSimConfig(file);
        BOOST_FAIL("a policy for P01 under CCS was accepted");
    } catch (const ConfigError& error) {
        BOOST_TEST(std::string(error.what()).find("departments.CCS.policy.permits.P01: not a permit of CCS") !=
                   std::string::npos, error.what());
    }
}

BOOST_AUTO_TEST_CASE(fault_draws_are_deterministic_for_a_seed) {
    auto config = loadSimConfig(testing::sourceDirectory() + "/deptsim/deptsim.json");
    FaultInjector first(config, 99);
    FaultInjector second(config, 99);
    FaultOverride half;
    half.errorRate = 0.5;
    first.update("MOT", half);
    second.update("MOT", half);
    int errors = 0;
    for (int i = 0; i < 200; ++i) {
        const auto a = first.draw("MOT");
        const auto b = second.draw("MOT");
        BOOST_TEST((a.fault == b.fault));
        errors += a.fault == Fault::Error;
    }
    BOOST_TEST(errors > 50);
    BOOST_TEST(errors < 150);
}

BOOST_AUTO_TEST_SUITE_END()
