#include <boost/test/unit_test.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <thread>
#include <vector>

#include "adapter_test_support.h"
#include "xml/package_reader.h"
#include "xml/stylesheet.h"

using namespace hub;
using namespace hub::adapter::test;

namespace {

std::string stylesheetText(std::string_view body, std::string_view extraNamespaces = "") {
    return "<xsl:stylesheet version=\"1.0\" xmlns:xsl=\"http://www.w3.org/1999/XSL/Transform\"" +
           std::string(extraNamespaces) + ">\n" + std::string(body) + "\n</xsl:stylesheet>\n";
}

xml::Stylesheet writeStylesheet(const TempDir& dir, std::string_view name, std::string_view text) {
    writeFile(dir.path() / name, text);
    return xml::Stylesheet((dir.path() / name).string());
}

// Runs `action` with file descriptor 2 redirected to a file; returns what was
// written to it.
template <typename Action>
std::string capturedStderr(const TempDir& dir, Action action) {
    auto file = dir.path() / "stderr.txt";
    std::fflush(stderr);
    int saved = dup(2);
    int target = open(file.c_str(), O_CREAT | O_TRUNC | O_WRONLY, 0600);
    BOOST_REQUIRE(saved >= 0 && target >= 0);
    dup2(target, 2);
    close(target);
    try {
        action();
    } catch (...) {
        std::fflush(stderr);
        dup2(saved, 2);
        close(saved);
        throw;
    }
    std::fflush(stderr);
    dup2(saved, 2);
    close(saved);
    return readFile(file);
}

// A listening loopback socket that records whether anybody connected.
class Listener {
  public:
    Listener() {
        fd_ = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        BOOST_REQUIRE(fd_ >= 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        BOOST_REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
        BOOST_REQUIRE(listen(fd_, 8) == 0);
        socklen_t length = sizeof address;
        BOOST_REQUIRE(getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0);
        port_ = ntohs(address.sin_port);
    }
    ~Listener() { close(fd_); }
    int port() const { return port_; }
    // A connect() completes in the kernel's backlog without accept(), so an
    // attempt made before this call is seen here.
    bool someoneConnected() const {
        int client = accept(fd_, nullptr, nullptr);
        if (client >= 0) {
            close(client);
            return true;
        }
        return false;
    }

  private:
    int fd_ = -1;
    int port_ = 0;
};

const char* kEcho = R"X(
  <xsl:param name="p" select="'default'"/>
  <xsl:param name="q" select="'default'"/>
  <xsl:template match="/"><out><p><xsl:value-of select="$p"/></p><q><xsl:value-of select="$q"/></q></out></xsl:template>)X";

}  // namespace

BOOST_AUTO_TEST_SUITE(stylesheet)

BOOST_AUTO_TEST_CASE(parameters_are_string_literals_whatever_quotes_they_hold) {
    TempDir dir;
    auto sheet = writeStylesheet(dir, "echo.xsl", stylesheetText(kEcho));
    auto input = parseOrThrow("<in/>");
    std::string both = "He said \"it's\" & <left>";
    auto result = sheet.apply(input, {{"p", both}, {"q", "concat('a', 'b')"}});
    BOOST_TEST(result.root().child("p")->text() == both);
    BOOST_TEST(result.root().child("q")->text() == "concat('a', 'b')");

    auto defaults = sheet.apply(input);
    BOOST_TEST(defaults.root().child("p")->text() == "default");
    BOOST_TEST(sheet.apply(input, {{"p", "only '"}}).root().child("p")->text() == "only '");
    BOOST_TEST(sheet.apply(input, {{"p", "only \""}}).root().child("p")->text() == "only \"");
}

BOOST_AUTO_TEST_CASE(a_terminating_message_fails_the_apply_with_its_text_and_prints_nothing) {
    TempDir dir;
    auto sheet = writeStylesheet(dir, "stop.xsl", stylesheetText(R"X(
      <xsl:template match="/"><out><xsl:message terminate="yes">no registration for permit <xsl:value-of select="/in/@permit"/></xsl:message></out></xsl:template>)X"));
    auto input = parseOrThrow("<in permit=\"P05\"/>");
    bool thrown = false;
    std::string printed = capturedStderr(dir, [&] {
        try {
            sheet.apply(input);
        } catch (const xml::TransformError& error) {
            thrown = true;
            BOOST_TEST(error.file() == (dir.path() / "stop.xsl").string());
            BOOST_TEST(std::string(error.what()).find("no registration for permit P05") != std::string::npos);
            BOOST_TEST(std::string(error.what()).find('\n') == std::string::npos);
            bool found = false;
            for (const auto& line : error.diagnostics()) found = found || line == "no registration for permit P05";
            BOOST_TEST(found);
        }
    });
    BOOST_TEST(thrown);
    BOOST_TEST(printed == "");
}

BOOST_AUTO_TEST_CASE(a_runtime_error_fails_the_apply) {
    TempDir dir;
    auto sheet = writeStylesheet(dir, "bad-call.xsl", stylesheetText(R"X(
      <xsl:template match="/"><out><xsl:value-of select="no-such-function(1)"/></out></xsl:template>)X"));
    auto input = parseOrThrow("<in/>");
    std::string printed = capturedStderr(dir, [&] { BOOST_CHECK_THROW(sheet.apply(input), xml::TransformError); });
    BOOST_TEST(printed == "");
}

BOOST_AUTO_TEST_CASE(a_stylesheet_that_does_not_compile_names_its_file) {
    TempDir dir;
    auto file = dir.path() / "broken.xsl";
    writeFile(file, stylesheetText("<xsl:template match=\"/\"><xsl:value-of select=\"((\"/></xsl:template>"));
    std::string printed = capturedStderr(dir, [&] {
        try {
            xml::Stylesheet sheet(file.string());
            BOOST_FAIL("a broken stylesheet compiled");
        } catch (const xml::XmlSetupError& error) {
            std::string what = error.what();
            BOOST_TEST(what.rfind(file.string() + ": invalid stylesheet", 0) == 0, what);
            BOOST_TEST(what.find('\n') == std::string::npos);
        }
    });
    BOOST_TEST(printed == "");

    writeFile(dir.path() / "not-xml.xsl", "<xsl:stylesheet");
    BOOST_CHECK_THROW(xml::Stylesheet((dir.path() / "not-xml.xsl").string()), xml::XmlSetupError);
    try {
        xml::Stylesheet missing((dir.path() / "missing.xsl").string());
        BOOST_FAIL("a missing stylesheet compiled");
    } catch (const xml::XmlSetupError& error) {
        BOOST_TEST(std::string(error.what()) == (dir.path() / "missing.xsl").string() + ": stylesheet file not found");
    }
}

BOOST_AUTO_TEST_CASE(document_of_a_network_uri_is_refused_without_connecting) {
    TempDir dir;
    Listener listener;
    std::string url = "http://127.0.0.1:" + std::to_string(listener.port()) + "/secret.xml";
    auto sheet = writeStylesheet(dir, "fetch.xsl", stylesheetText(
        "<xsl:template match=\"/\"><out><xsl:copy-of select=\"document('" + url + "')\"/></out></xsl:template>"));
    auto input = parseOrThrow("<in/>");
    std::string printed = capturedStderr(dir, [&] {
        try {
            sheet.apply(input);
            BOOST_FAIL("document() of a network URI succeeded");
        } catch (const xml::TransformError& error) {
            BOOST_TEST(std::string(error.what()).find("denied") != std::string::npos, error.what());
        }
    });
    BOOST_TEST(!listener.someoneConnected());
    BOOST_TEST(printed == "");
}

BOOST_AUTO_TEST_CASE(writing_files_is_refused) {
    TempDir dir;
    auto target = dir.path() / "written.xml";
    auto sheet = writeStylesheet(dir, "write.xsl", stylesheetText(
        "<xsl:template match=\"/\"><out><exsl:document href=\"" + target.string() +
            "\"><leak/></exsl:document></out></xsl:template>",
        " xmlns:exsl=\"http://exslt.org/common\" extension-element-prefixes=\"exsl\""));
    auto input = parseOrThrow("<in/>");
    capturedStderr(dir, [&] { BOOST_CHECK_THROW(sheet.apply(input), xml::TransformError); });
    BOOST_TEST(!std::filesystem::exists(target));
}

BOOST_AUTO_TEST_CASE(the_input_document_is_left_untouched_by_strip_space) {
    TempDir dir;
    auto sheet = writeStylesheet(dir, "strip.xsl", stylesheetText(R"X(
      <xsl:strip-space elements="*"/>
      <xsl:template match="/"><out><xsl:value-of select="count(//text())"/></out></xsl:template>)X"));
    auto input = parseOrThrow("<in>\n  <a>x</a>\n  <b>y</b>\n</in>");
    std::string before = input.serialize();
    BOOST_TEST(sheet.apply(input).root().text() == "2");
    BOOST_TEST(input.serialize() == before);
}

BOOST_AUTO_TEST_CASE(concurrent_applies_of_one_stylesheet_give_identical_results) {
    TempDir dir;
    auto sheet = writeStylesheet(dir, "sum.xsl", stylesheetText(R"X(
      <xsl:output method="xml" indent="yes"/>
      <xsl:strip-space elements="*"/>
      <xsl:param name="tag"/>
      <xsl:key name="by-kind" match="item" use="@kind"/>
      <xsl:template match="/list">
        <summary tag="{$tag}">
          <xsl:for-each select="item[generate-id() = generate-id(key('by-kind', @kind)[1])]">
            <xsl:sort select="@kind"/>
            <kind name="{@kind}" total="{sum(key('by-kind', @kind)/@value)}"/>
          </xsl:for-each>
        </summary>
      </xsl:template>)X"));
    std::string list = "<list>\n";
    for (int i = 0; i < 400; ++i) {
        list += "  <item kind=\"k" + std::to_string(i % 7) + "\" value=\"" + std::to_string(i) + "\"/>\n";
    }
    list += "</list>\n";
    const xml::Document input = parseOrThrow(list);
    const std::string expected = sheet.serialize(sheet.apply(input, {{"tag", "t"}}));
    BOOST_TEST(expected.find("<kind name=\"k0\" total=\"11571\"/>") != std::string::npos, expected);

    std::vector<std::string> results(4);
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < results.size(); ++t) {
        threads.emplace_back([&, t] {
            std::string last;
            for (int round = 0; round < 40; ++round) {
                std::string out = sheet.serialize(sheet.apply(input, {{"tag", "t"}}));
                if (round > 0 && out != last) {
                    last = "differs between rounds";
                    break;
                }
                last = out;
            }
            results[t] = last;
        });
    }
    for (auto& thread : threads) thread.join();
    for (const auto& result : results) BOOST_TEST(result == expected);
}

BOOST_AUTO_TEST_CASE(serialize_follows_xsl_output) {
    TempDir dir;
    auto sheet = writeStylesheet(dir, "indent.xsl", stylesheetText(R"X(
      <xsl:output method="xml" encoding="UTF-8" indent="yes"/>
      <xsl:template match="/"><out><a>青岛</a></out></xsl:template>)X"));
    std::string text = sheet.serialize(sheet.apply(parseOrThrow("<in/>")));
    BOOST_TEST(text == "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<out>\n  <a>青岛</a>\n</out>\n");
}

BOOST_AUTO_TEST_SUITE_END()
