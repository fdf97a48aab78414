// Unit tests of the simulator's parts: templates, minted identifiers, config,
// the notification sink.
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
#include "deptsim/notification_sink.h"
#include "deptsim/output_generator.h"
#include "deptsim/sim_config.h"
#include "deptsim/sim_time.h"
#include "deptsim_harness.h"
#include "transport/message_signature.h"

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

BOOST_AUTO_TEST_SUITE(notification_sink)

namespace {

constexpr hub::core::EpochMillis kNow = 1'800'000'000'000;

NotificationRequest signedNotification(const std::string& messageId, const std::string& body,
                                       const std::string& secret = "s3cret", hub::core::EpochMillis at = kNow) {
    NotificationRequest request;
    request.body = body;
    if (!messageId.empty()) request.headers["x-hub-message-id"] = messageId;
    request.headers["x-hub-timestamp"] = std::to_string(at);
    request.headers["x-hub-signature"] = hub::transport::signatureHeaderValue(secret, at, body);
    return request;
}

}  // namespace

BOOST_AUTO_TEST_CASE(only_the_last_notifications_are_kept_and_an_evicted_id_is_new_again) {
    NotificationSink sink("s3cret", 1000, 2);
    for (const char* id : {"m1", "m2", "m3"})
        BOOST_TEST((sink.receive(signedNotification(id, "{}"), kNow).outcome == NotificationOutcome::Accepted));
    auto kept = sink.notifications();
    BOOST_TEST_REQUIRE(kept.size() == 2u);
    BOOST_TEST(kept[0].messageId == "m2");
    BOOST_TEST(kept[1].messageId == "m3");
    BOOST_TEST((sink.receive(signedNotification("m3", "{}"), kNow).outcome == NotificationOutcome::Duplicate));
    BOOST_TEST((sink.receive(signedNotification("m1", "{}"), kNow).outcome == NotificationOutcome::Accepted));
    BOOST_TEST(sink.counts().received == 4);
    BOOST_TEST(sink.counts().duplicates == 1);
}

BOOST_AUTO_TEST_CASE(the_skew_is_checked_against_the_given_clock_both_ways) {
    NotificationSink sink("s3cret", 1000, 10);
    BOOST_TEST((sink.receive(signedNotification("m1", "{}", "s3cret", kNow - 1000), kNow).outcome ==
                NotificationOutcome::Accepted));
    BOOST_TEST((sink.receive(signedNotification("m2", "{}", "s3cret", kNow - 1001), kNow).outcome ==
                NotificationOutcome::Refused));
    BOOST_TEST((sink.receive(signedNotification("m3", "{}", "s3cret", kNow + 1001), kNow).outcome ==
                NotificationOutcome::Refused));
    NotificationRequest unsigned_;
    unsigned_.headers["x-hub-message-id"] = "m4";
    unsigned_.body = "{}";
    const auto missing = sink.receive(unsigned_, kNow);
    BOOST_TEST((missing.outcome == NotificationOutcome::Refused));
    BOOST_TEST(missing.reason.find("MISSING") != std::string::npos, missing.reason);
    BOOST_TEST(sink.counts().refused == 3);
    BOOST_TEST(sink.notifications().size() == 1u);
}

BOOST_AUTO_TEST_CASE(the_idempotency_key_stands_in_for_a_missing_message_id_and_the_body_names_the_package) {
    NotificationSink sink("s3cret", 1000, 10);
    auto request = signedNotification("", R"({"packageId":"PKG-FROM-BODY"})");
    BOOST_TEST((sink.receive(request, kNow).outcome == NotificationOutcome::Invalid));
    request.headers["idempotency-key"] = "key-1";
    BOOST_TEST((sink.receive(request, kNow).outcome == NotificationOutcome::Accepted));
    auto kept = sink.notifications();
    BOOST_TEST_REQUIRE(kept.size() == 1u);
    BOOST_TEST(kept[0].messageId == "key-1");
    BOOST_TEST(kept[0].packageId == "PKG-FROM-BODY");
    BOOST_TEST(kept[0].receivedAt == kNow);
    BOOST_TEST(sink.counts().invalid == 1);
}

BOOST_AUTO_TEST_CASE(clear_forgets_notifications_counts_and_ids) {
    NotificationSink sink("s3cret", 1000, 10);
    sink.receive(signedNotification("m1", "{}"), kNow);
    sink.receive(signedNotification("m1", "{}"), kNow);
    sink.receive(signedNotification("m2", "{}", "wrong"), kNow);
    sink.clear();
    BOOST_TEST(sink.notifications().empty());
    BOOST_TEST(sink.counts().duplicates == 0);
    BOOST_TEST(sink.counts().refused == 0);
    BOOST_TEST((sink.receive(signedNotification("m1", "{}"), kNow).outcome == NotificationOutcome::Accepted));
}

BOOST_AUTO_TEST_SUITE_END()
