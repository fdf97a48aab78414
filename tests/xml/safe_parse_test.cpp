#include <chrono>
#include <string>

#include <boost/test/unit_test.hpp>

#include "xml/document.h"
#include "xml_test_support.h"

using namespace hub::xml;
using hub::xml::test::TempDir;

namespace {

std::string nested(int depth) {
    std::string text;
    for (int i = 0; i < depth; ++i) {
        text += "<e>";
    }
    for (int i = 0; i < depth; ++i) {
        text += "</e>";
    }
    return text;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(safe_parse)

BOOST_AUTO_TEST_CASE(parses_a_well_formed_document_with_paths_and_lines) {
    const std::string text =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<r xmlns=\"urn:x\">\n"
        "  <list>\n"
        "    <item>one</item>\n"
        "    <item>two</item>\n"
        "    <single>三</single>\n"
        "  </list>\n"
        "</r>\n";
    ParseResult result = parseSafely(text);
    BOOST_REQUIRE_MESSAGE(result.ok(), test::describe(result.errors));
    Element root = result.document->root();
    BOOST_TEST(root.localName() == "r");
    BOOST_TEST(root.namespaceUri() == "urn:x");
    BOOST_TEST(root.path() == "/r");
    auto items = root.child("list")->children("item");
    BOOST_REQUIRE_EQUAL(items.size(), 2u);
    BOOST_TEST(items[1].text() == "two");
    BOOST_TEST(items[1].path() == "/r/list/item[2]");
    BOOST_TEST(items[1].line() == 5);
    auto single = root.child("list")->child("single");
    BOOST_REQUIRE(single.has_value());
    BOOST_TEST(single->path() == "/r/list/single");
    BOOST_TEST(single->text() == "三");
    BOOST_TEST(!root.child("absent").has_value());
}

BOOST_AUTO_TEST_CASE(xpath_selects_elements_and_rejects_bad_expressions) {
    ParseResult result = parseSafely("<r xmlns='urn:x'><a/><b><a/></b></r>");
    BOOST_REQUIRE(result.ok());
    auto found = result.document->select("//x:a", {{"x", "urn:x"}});
    BOOST_TEST(found.size() == 2u);
    BOOST_TEST(found[1].path() == "/r/b/a");
    BOOST_CHECK_THROW(result.document->select("//x:a[", {{"x", "urn:x"}}), XmlError);
    BOOST_TEST(result.document->serialize().find("<b><a/></b>") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(malformed_document_reports_the_line) {
    ParseResult result = parseSafely("<r>\n  <a>\n  </b>\n</r>\n");
    BOOST_TEST(!result.ok());
    BOOST_TEST(static_cast<int>(result.failure) == static_cast<int>(ParseFailure::Malformed));
    BOOST_REQUIRE(!result.errors.empty());
    BOOST_TEST(result.errors.front().code == "XML_MALFORMED");
    BOOST_TEST(result.errors.front().location.line == 3);
    BOOST_TEST(!result.errors.front().message.empty());
    BOOST_TEST(!result.document.has_value());
}

BOOST_AUTO_TEST_CASE(empty_and_truncated_input_are_malformed) {
    BOOST_TEST(parseSafely("").errors.front().code == "XML_MALFORMED");
    BOOST_TEST(parseSafely("<r><a>").errors.front().code == "XML_MALFORMED");
    BOOST_TEST(parseSafely("just text").errors.front().code == "XML_MALFORMED");
}

BOOST_AUTO_TEST_CASE(any_doctype_is_refused) {
    for (const char* text : {"<!DOCTYPE r><r/>", "<!DOCTYPE r SYSTEM \"r.dtd\"><r/>",
                             "<?xml version=\"1.0\"?>\n<!DOCTYPE r [\n<!ELEMENT r ANY>\n]>\n<r/>"}) {
        ParseResult result = parseSafely(text);
        BOOST_TEST_CONTEXT(text) {
            BOOST_TEST(static_cast<int>(result.failure) == static_cast<int>(ParseFailure::DoctypeForbidden));
            BOOST_REQUIRE_EQUAL(result.errors.size(), 1u);
            BOOST_TEST(result.errors.front().code == "XML_DTD_FORBIDDEN");
        }
    }
}

BOOST_AUTO_TEST_CASE(billion_laughs_is_refused_quickly) {
    std::string text = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n";
    for (int level = 1; level <= 12; ++level) {
        std::string previous = level == 1 ? "lol" : "lol" + std::to_string(level - 1);
        text += " <!ENTITY lol" + std::to_string(level) + " \"";
        for (int i = 0; i < 10; ++i) {
            text += "&" + previous + ";";
        }
        text += "\">\n";
    }
    text += "]>\n<lolz>&lol12;</lolz>\n";
    auto started = std::chrono::steady_clock::now();
    ParseResult result = parseSafely(text);
    auto elapsed = std::chrono::steady_clock::now() - started;
    BOOST_TEST(static_cast<int>(result.failure) == static_cast<int>(ParseFailure::DoctypeForbidden));
    BOOST_TEST(result.errors.front().code == "XML_DTD_FORBIDDEN");
    // 10^12 "lol"s if anything were expanded; refusing the DOCTYPE takes microseconds.
    BOOST_TEST(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count() < 1000);
}

BOOST_AUTO_TEST_CASE(external_entities_are_never_read) {
    TempDir dir;
    const std::string secret = "SECRET-MARKER-7f3a9c";
    auto secretFile = dir.path() / "secret.txt";
    test::writeFile(secretFile, secret);
    for (const std::string& declaration :
         {"<!ENTITY x SYSTEM \"file://" + secretFile.string() + "\">", "<!ENTITY x SYSTEM \"" + secretFile.string() + "\">",
          "<!ENTITY % p SYSTEM \"file://" + secretFile.string() + "\"> %p;"}) {
        std::string text = "<?xml version=\"1.0\"?>\n<!DOCTYPE r [" + declaration + "]>\n<r>&x;</r>\n";
        ParseResult result = parseSafely(text);
        BOOST_TEST_CONTEXT(declaration) {
            BOOST_TEST(static_cast<int>(result.failure) == static_cast<int>(ParseFailure::DoctypeForbidden));
            BOOST_TEST(!result.document.has_value());
            for (const auto& e : result.errors) {
                BOOST_TEST(e.message.find(secret) == std::string::npos);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(depth_limit_is_enforced_at_the_boundary) {
    BOOST_TEST(parseSafely(nested(5), ParseOptions{5}).ok());
    ParseResult result = parseSafely(nested(6), ParseOptions{5});
    BOOST_TEST(static_cast<int>(result.failure) == static_cast<int>(ParseFailure::TooDeep));
    BOOST_TEST(result.errors.front().code == "XML_TOO_DEEP");
}

BOOST_AUTO_TEST_CASE(ten_thousand_levels_are_refused) {
    for (int limit : {64, 1000}) {
        ParseResult result = parseSafely(nested(10000), ParseOptions{limit});
        BOOST_TEST_CONTEXT("limit " << limit) {
            BOOST_TEST(static_cast<int>(result.failure) == static_cast<int>(ParseFailure::TooDeep));
            BOOST_REQUIRE(!result.errors.empty());
            BOOST_TEST(result.errors.front().code == "XML_TOO_DEEP");
        }
    }
}

BOOST_AUTO_TEST_CASE(invalid_utf8_is_an_encoding_error_with_a_line) {
    std::string text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<r>\n<a>ok</a>\n<a>\xE5\xBC\xFF\xFE</a>\n</r>\n";
    ParseResult result = parseSafely(text);
    BOOST_TEST(static_cast<int>(result.failure) == static_cast<int>(ParseFailure::Encoding));
    BOOST_REQUIRE(!result.errors.empty());
    BOOST_TEST(result.errors.front().code == "XML_ENCODING");
    BOOST_TEST(result.errors.front().location.line == 4);
}

BOOST_AUTO_TEST_CASE(lying_or_foreign_encoding_declarations_are_refused) {
    const std::string body = "<r>青岛</r>";
    for (const char* declaration :
         {"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>", "<?xml version=\"1.0\" encoding=\"UTF-16\"?>",
          "<?xml version='1.0' encoding = 'GB2312' ?>", "<?xml version=\"1.0\" encoding=\"no-such-charset\"?>"}) {
        ParseResult result = parseSafely(std::string(declaration) + body);
        BOOST_TEST_CONTEXT(declaration) {
            BOOST_TEST(static_cast<int>(result.failure) == static_cast<int>(ParseFailure::Encoding));
            BOOST_TEST(result.errors.front().code == "XML_ENCODING");
        }
    }
    BOOST_TEST(parseSafely(std::string("\xFF\xFE<\0r\0/\0>\0", 10)).errors.front().code == "XML_ENCODING");
    BOOST_TEST(parseSafely("<?xml version=\"1.0\" encoding=\"utf-8\"?>" + body).ok());
    BOOST_TEST(parseSafely("\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"UTF-8\"?>" + body).ok());
    BOOST_TEST(parseSafely(body).ok());
}

BOOST_AUTO_TEST_CASE(big_line_numbers_are_exact) {
    std::string text = "<r>";
    text.append(70000, '\n');
    text += "<a/></r>";
    ParseResult result = parseSafely(text);
    BOOST_REQUIRE(result.ok());
    BOOST_TEST(result.document->root().child("a")->line() == 70001);
}

BOOST_AUTO_TEST_SUITE_END()
