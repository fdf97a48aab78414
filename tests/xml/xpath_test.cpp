#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "xml/document.h"
#include "xml_test_support.h"

using namespace hub::xml;

namespace {

Document parsed(const std::string& text) {
    ParseResult result = parseSafely(text);
    BOOST_REQUIRE_MESSAGE(result.ok(), test::describe(result.errors));
    return std::move(*result.document);
}

const char* const kMessage =
    "<m:Reply xmlns:m=\"urn:m\"><m:Status>ISSUED</m:Status>"
    "<m:Reason>one</m:Reason><m:Reason>two</m:Reason><m:Cert no=\"C-7\"/></m:Reply>";

}  // namespace

BOOST_AUTO_TEST_SUITE(xpath)

BOOST_AUTO_TEST_CASE(one_evaluator_answers_many_expressions_as_separate_evaluations_do) {
    const Document document = parsed(kMessage);
    const Namespaces namespaces{{"m", "urn:m"}};
    const XPathEvaluator evaluator(document, namespaces);
    const std::vector<std::string> expressions{"/m:Reply/m:Status",
                                               "/m:Reply/m:Reason",
                                               "string(/m:Reply/m:Cert/@no)",
                                               "count(//m:Reason)",
                                               "/m:Reply/m:Reason[position() = last()]",
                                               "/m:Reply/m:Missing",
                                               "/m:Reply/m:Reason[2]"};
    // Twice over, so that nothing one expression leaves in the context changes the next.
    for (int round = 0; round < 2; ++round)
        for (const auto& expression : expressions)
            BOOST_TEST(evaluator.strings(expression) == document.evaluateStrings(expression, namespaces),
                       expression);
    BOOST_TEST(evaluator.strings("/m:Reply/m:Reason") == (std::vector<std::string>{"one", "two"}));
    BOOST_TEST(evaluator.strings("count(//m:Reason)") == (std::vector<std::string>{"2"}));
    BOOST_TEST(evaluator.strings("/m:Reply/m:Reason[position() = last()]") == (std::vector<std::string>{"two"}));
}

BOOST_AUTO_TEST_CASE(a_bad_expression_or_an_unbound_prefix_throws_and_the_evaluator_goes_on) {
    const Document document = parsed(kMessage);
    const XPathEvaluator evaluator(document, {{"m", "urn:m"}});
    BOOST_CHECK_THROW(evaluator.strings("/m:Reply/["), XmlError);
    BOOST_CHECK_THROW(evaluator.strings("/x:Reply"), XmlError);
    BOOST_TEST(evaluator.strings("/m:Reply/m:Status") == (std::vector<std::string>{"ISSUED"}));
}

BOOST_AUTO_TEST_SUITE_END()
