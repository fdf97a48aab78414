// TLS end to end with a throwaway PKI made by the openssl CLI: the real hub
// serving HTTPS and calling the real deptsim over mutual TLS, and each way
// in which a peer without the right certificate is refused.
//   tls_tests
#define BOOST_TEST_MODULE tls
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include <Poco/File.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <Poco/StreamCopier.h>
#include <Poco/String.h>
#include <Poco/TemporaryFile.h>

#include "hub_process.h"
#include "transport/http_transport.h"
#include "transport/tls_context.h"

namespace fs = std::filesystem;
using hub::testing::HubProcess;
using Poco::JSON::Object;

namespace {

const std::vector<std::string> kDepartments = {"SAMR", "MOT", "MSA", "CUSTOMS", "CCS"};
constexpr auto kStartDeadline = std::chrono::seconds(20);

Object::Ptr parseObject(const std::string& text) { return Poco::JSON::Parser().parse(text).extract<Object::Ptr>(); }

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        if (condition()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return condition();
}

// Runs a program to completion in `directory`; throws with its output when it fails.
void run(const std::string& program, const std::vector<std::string>& arguments, const std::string& directory) {
    Poco::Pipe output;
    auto handle = Poco::Process::launch(program, arguments, directory, nullptr, &output, &output);
    Poco::PipeInputStream stream(output);
    std::ostringstream collected;
    Poco::StreamCopier::copyStream(stream, collected);
    if (const int code = handle.wait(); code != 0) {
        std::string command = program;
        for (const auto& argument : arguments) command += " " + argument;
        throw std::runtime_error(command + " exited with " + std::to_string(code) + ":\n" + collected.str());
    }
}

// Two unrelated CAs and their leaf certificates (P-256 keys, valid two
// days), made once per test run in a fresh folder removed at exit:
//   ca            the PKI the hub and deptsim share
//   hub-server    the hub's listener, subjectAltName IP:127.0.0.1
//   deptsim       the departments' listeners (and deptsim's client certificate), IP:127.0.0.1
//   hub-client    the hub's client certificate for mutual TLS
//   other-ca, other-client   an unrelated CA and a client certificate it signed
//   elsewhere     a server certificate of the shared CA naming another host (DNS:elsewhere.test)
class ThrowawayPki {
  public:
    ThrowawayPki() : dir_(Poco::TemporaryFile::tempName() + "-pki") {
        fs::create_directories(dir_);
        makeCa("ca", "Throwaway Test CA");
        makeCa("other-ca", "Unrelated Test CA");
        makeLeaf("hub-server", "ca", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
        makeLeaf("deptsim", "ca", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n");
        makeLeaf("hub-client", "ca", "extendedKeyUsage=clientAuth\n");
        makeLeaf("other-client", "other-ca", "extendedKeyUsage=clientAuth\n");
        makeLeaf("elsewhere", "ca", "subjectAltName=DNS:elsewhere.test\nextendedKeyUsage=serverAuth,clientAuth\n");
    }
    ~ThrowawayPki() {
        std::error_code ignored;
        fs::remove_all(dir_, ignored);
    }

    std::string certificate(const std::string& name) const { return dir_ + "/" + name + ".pem"; }
    std::string key(const std::string& name) const { return dir_ + "/" + name + ".key"; }
    const std::string& directory() const { return dir_; }

  private:
    void makeCa(const std::string& name, const std::string& commonName) {
        run("openssl",
            {"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
             name + ".key", "-out", name + ".pem", "-days", "2", "-subj", "/CN=" + commonName, "-addext",
             "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"},
            dir_);
        restrict(name);
    }

    void makeLeaf(const std::string& name, const std::string& ca, const std::string& extensions) {
        std::ofstream(dir_ + "/" + name + ".ext") << "basicConstraints=CA:FALSE\n" << extensions;
        run("openssl",
            {"req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
             name + ".key", "-out", name + ".csr", "-subj", "/CN=" + name},
            dir_);
        run("openssl",
            {"x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem", "-CAkey", ca + ".key", "-CAcreateserial", "-out",
             name + ".pem", "-days", "2", "-extfile", name + ".ext"},
            dir_);
        restrict(name);
    }

    void restrict(const std::string& name) {
        fs::permissions(key(name), fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace);
    }

    std::string dir_;
};

const ThrowawayPki& pki() {
    static const ThrowawayPki instance;
    return instance;
}

// The real deptsim binary with the shipped deptsim.json (ports 0), its
// departments serving HTTPS with the `certificate` of the PKI and requiring a
// client certificate signed by the shared CA. The control API stays HTTP.
class SecureDeptsim {
  public:
    explicit SecureDeptsim(const std::string& certificate = "deptsim") : workDir_(Poco::TemporaryFile::tempName() + "-deptsim-tls") {
        fs::create_directories(workDir_);
        const std::string source = hub::testing::sourceDirectory();
        auto config = parseObject(hub::testing::readFile(source + "/deptsim/deptsim.json"));
        config->set("projectRoot", source);
        config->set("controlPort", 0);
        auto departments = config->getObject("departments");
        for (const auto& [code, value] : *departments) {
            auto department = departments->getObject(code);
            department->set("port", 0);
            paths_[code] = department->getValue<std::string>("path");
            auto templates = department->getObject("templates");
            for (const auto& [role, path] : *templates) templates->set(role, source + "/deptsim/" + path.toString());
        }
        {
            std::ofstream out(workDir_ + "/deptsim.json");
            config->stringify(out, 2);
        }
        handle_ = std::make_unique<Poco::ProcessHandle>(Poco::Process::launch(
            "/bin/sh",
            {"-c",
             "unset HUB_DEPT_SAMR_SECRET HUB_DEPT_MOT_SECRET HUB_DEPT_MSA_SECRET HUB_DEPT_CUSTOMS_SECRET "
             "HUB_DEPT_CCS_SECRET HUB_NOTIFY_SECRET; exec \"$0\" --config \"$1\" --ports-file \"$2\" --hub-url "
             "https://127.0.0.1:9 --seed 7 --tls-cert \"$3\" --tls-key \"$4\" --tls-ca \"$5\" --require-client-cert "
             ">>\"$6\" 2>&1",
             DEPTSIM_BINARY, workDir_ + "/deptsim.json", workDir_ + "/ports.json", pki().certificate(certificate),
             pki().key(certificate), pki().certificate("ca"), workDir_ + "/deptsim.log"},
            workDir_, nullptr, nullptr, nullptr, Poco::Process::Env{}));
        const auto deadline = std::chrono::steady_clock::now() + kStartDeadline;
        while (std::chrono::steady_clock::now() < deadline) {
            if (!Poco::Process::isRunning(*handle_)) {
                const int code = handle_->wait();
                handle_.reset();
                throw std::runtime_error("deptsim exited with " + std::to_string(code) + ":\n" + logTail());
            }
            if (fs::exists(workDir_ + "/ports.json")) {
                const auto ports = parseObject(hub::testing::readFile(workDir_ + "/ports.json"));
                for (const auto& [name, value] : *ports) ports_[name] = value.convert<int>();
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        throw std::runtime_error("deptsim did not write its ports file in time:\n" + logTail());
    }

    ~SecureDeptsim() {
        try {
            if (handle_) {
                Poco::Process::requestTermination(handle_->id());
                handle_->wait();
            }
            fs::remove_all(workDir_);
        } catch (...) {
        }
    }

    std::string url(const std::string& department) const {
        return "https://127.0.0.1:" + std::to_string(ports_.at(department)) + paths_.at(department);
    }

    // The control API's answer; throws unless 200.
    std::string control(const std::string& method, const std::string& path, const std::string& body = {}) const {
        Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(ports_.at("control")));
        session.setTimeout(Poco::Timespan(10, 0));
        Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
        request.setContentLength64(static_cast<Poco::Int64>(body.size()));
        if (!body.empty()) request.setContentType("application/json");
        session.sendRequest(request) << body;
        Poco::Net::HTTPResponse response;
        std::istream& in = session.receiveResponse(response);
        std::ostringstream collected;
        Poco::StreamCopier::copyStream(in, collected);
        if (response.getStatus() != 200)
            throw std::runtime_error(method + " " + path + " answered " + std::to_string(response.getStatus()));
        return collected.str();
    }

    long stat(const std::string& department, const std::string& name) const {
        return parseObject(control("GET", "/_sim/stats"))->getObject(department)->getValue<long>(name);
    }

    long total(const std::string& name) const {
        long sum = 0;
        for (const auto& code : kDepartments) sum += stat(code, name);
        return sum;
    }

    std::string logTail() const {
        try {
            std::string log = hub::testing::readFile(workDir_ + "/deptsim.log");
            return log.size() > 4000 ? log.substr(log.size() - 4000) : log;
        } catch (const std::exception&) {
            return "(no log)";
        }
    }

  private:
    std::string workDir_;
    std::map<std::string, int> ports_;
    std::map<std::string, std::string> paths_;
    std::unique_ptr<Poco::ProcessHandle> handle_;
};

// A copy of the project's adapters/ (with schemas/ linked beside it) whose
// every department.json has `tls` as its transport.tls block.
class AdaptersWithTls {
  public:
    explicit AdaptersWithTls(const Object::Ptr& tls) : root_(Poco::TemporaryFile::tempName() + "-adapters") {
        const std::string source = hub::testing::sourceDirectory();
        fs::create_directories(root_);
        fs::copy(source + "/adapters", directory(), fs::copy_options::recursive);
        fs::create_directory_symlink(source + "/schemas", root_ + "/schemas");
        for (const auto& entry : fs::directory_iterator(directory())) {
            const fs::path file = entry.path() / "department.json";
            if (!fs::exists(file)) continue;
            auto department = parseObject(hub::testing::readFile(file.string()));
            department->getObject("transport")->set("tls", tls);
            std::ofstream out(file, std::ios::trunc);
            department->stringify(out, 2);
        }
    }
    ~AdaptersWithTls() {
        std::error_code ignored;
        fs::remove_all(root_, ignored);
    }
    std::string directory() const { return root_ + "/adapters"; }

  private:
    std::string root_;
};

Object::Ptr tlsBlock(const std::string& ca, const std::string& client) {
    Object::Ptr tls = new Object;
    tls->set("caFile", pki().certificate(ca));
    tls->set("certificateFile", pki().certificate(client));
    tls->set("privateKeyFile", pki().key(client));
    return tls;
}

std::string serverTlsMembers(const std::string& certificate, const std::string& key) {
    return R"("certificateFile": ")" + certificate + R"(", "privateKeyFile": ")" + key + '"';
}

// The hub, HTTPS on its listener, calling `simulator`'s departments with the
// department TLS settings of `adapters`; MSA polled every second.
std::unique_ptr<HubProcess> secureHub(const SecureDeptsim& simulator, const AdaptersWithTls& adapters) {
    std::map<std::string, std::string> environment;
    for (const auto& code : kDepartments) environment["HUB_DEPT_" + code + "_ENDPOINT"] = simulator.url(code);
    auto hub = std::make_unique<HubProcess>(hub::testing::StoreChoice{}, "",
                                            R"("enabled": true, "workers": 2, "leaseSeconds": 5, "batchSize": 4)",
                                            environment, R"("pollIntervalSeconds": 1, "clockSweepSeconds": 1)");
    hub->useTls(serverTlsMembers(pki().certificate("hub-server"), pki().key("hub-server")), pki().certificate("ca"));
    hub->useAdapters(adapters.directory());
    return hub;
}

std::string submitPackage(const HubProcess& hub, const std::string& key) {
    std::string xml = hub::testing::readFile(hub::testing::sourceDirectory() + "/examples/full-12-permits.xml");
    xml = std::regex_replace(xml, std::regex("<NotificationUrl>[^<]*</NotificationUrl>"),
                             "<NotificationUrl>http://127.0.0.1:9/ready</NotificationUrl>");
    auto response = hub.request("POST", "/api/v1/applications",
                                {{"Authorization", "Bearer " + hub.issueToken("tls-co")},
                                 {"Content-Type", "application/xml"},
                                 {"Idempotency-Key", key}},
                                xml);
    BOOST_TEST_REQUIRE(response.status == 201, response.body);
    return parseObject(response.body)->getValue<std::string>("id");
}

std::string packageState(const HubProcess& hub, const std::string& id, const std::string& token) {
    auto response = hub.request("GET", "/api/v1/applications/" + id, {{"Authorization", "Bearer " + token}});
    return response.status == 200 ? parseObject(response.body)->getValue<std::string>("state") : std::string();
}

// GET /readyz on the hub's port with a client context built from `client`;
// throws what the session throws.
int readyzOverHttps(int port, const hub::transport::ClientTlsSettings& client) {
    Poco::Net::HTTPSClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port),
                                          hub::transport::makeClientContext(client));
    session.setTimeout(Poco::Timespan(10, 0));
    Poco::Net::HTTPRequest request("GET", "/readyz", Poco::Net::HTTPMessage::HTTP_1_1);
    session.sendRequest(request);
    Poco::Net::HTTPResponse response;
    session.receiveResponse(response);
    return response.getStatus();
}

// Everything the peer sends back to a plain HTTP request, until it closes.
std::string plainHttpExchange(int port) {
    Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(port)));
    socket.setReceiveTimeout(Poco::Timespan(10, 0));
    const std::string request = "GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    socket.sendBytes(request.data(), static_cast<int>(request.size()));
    std::string answer;
    char buffer[1024];
    try {
        for (int n; (n = socket.receiveBytes(buffer, sizeof buffer)) > 0;) answer.append(buffer, static_cast<std::size_t>(n));
    } catch (const Poco::Exception&) {
        // a reset after the alert: what arrived so far is the answer
    }
    return answer;
}

// With TLS 1.3 a server checks the client's certificate after the client
// has finished its handshake and sent its request: the client then reads
// the server's alert, or a reset when the server closed with the request
// unread. Either way nothing was delivered.
bool refusedByPeer(const hub::transport::TransportResult& result) {
    return result.httpStatus == 0 && (result.failure == hub::transport::TransportResult::Failure::TlsFailed ||
                                      result.failure == hub::transport::TransportResult::Failure::ConnectionFailed);
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_package_submitted_over_https_reaches_ready_to_operate_over_mutual_tls) {
    SecureDeptsim simulator;
    for (const auto& code : {"MOT", "MSA", "CUSTOMS", "CCS"})
        simulator.control("POST", "/_sim/policy", std::string(R"({"department":")") + code + R"(","decisionDelayMs":200})");
    AdaptersWithTls adapters(tlsBlock("ca", "hub-client"));
    auto hub = secureHub(simulator, adapters);
    hub->start();
    BOOST_TEST(hub->url().rfind("https://", 0) == 0u);

    const std::string token = hub->issueToken("tls-co");
    const std::string id = submitPackage(*hub, "tls-happy-path");
    BOOST_TEST_REQUIRE(eventually([&] { return packageState(*hub, id, token) == "READY_TO_OPERATE"; },
                                  std::chrono::seconds(45)),
                       "state " << packageState(*hub, id, token) << "\nhub log:\n"
                                << hub->logTail() << "\ndeptsim log:\n" << simulator.logTail());
    for (const auto& code : kDepartments) BOOST_TEST(simulator.stat(code, "received") > 0, code);
    // Decisions came back as callbacks to the hub's HTTPS listener.
    BOOST_TEST(simulator.total("callbacksSent") > 0);
    BOOST_TEST(simulator.total("callbacksFailed") == 0);

    // (b) plain HTTP to the HTTPS port gets no HTTP answer.
    const std::string answer = plainHttpExchange(hub->port());
    BOOST_TEST(answer.rfind("HTTP/", 0) == std::string::npos, answer.substr(0, 40));

    // (c) a client that trusts the CA gets in; one that trusts another CA,
    // or only the system store, fails verification.
    BOOST_TEST(readyzOverHttps(hub->port(), {pki().certificate("ca"), "", "", true}) == 200);
    BOOST_CHECK_THROW(readyzOverHttps(hub->port(), {pki().certificate("other-ca"), "", "", true}),
                      Poco::Net::SSLException);
    BOOST_CHECK_THROW(readyzOverHttps(hub->port(), {}), Poco::Net::SSLException);
}

BOOST_AUTO_TEST_CASE(a_department_whose_certificate_the_configured_ca_did_not_sign_is_not_called) {
    SecureDeptsim simulator;
    AdaptersWithTls adapters(tlsBlock("other-ca", "hub-client"));
    auto hub = secureHub(simulator, adapters);
    hub->start();
    const std::string id = submitPackage(*hub, "tls-wrong-ca");

    std::string attempts;
    BOOST_TEST_REQUIRE(eventually(
                           [&] {
                               attempts = hub->sql(
                                   "SELECT outcome || ' ' || error FROM dispatch_attempts UNION ALL "
                                   "SELECT 'INCIDENT ' || reason FROM incidents");
                               return attempts.find("TLS_FAILED") != std::string::npos;
                           },
                           std::chrono::seconds(20)),
                       "attempts:\n" << attempts << "\nhub log:\n" << hub->logTail());
    BOOST_TEST_MESSAGE("recorded: " << attempts);
    BOOST_TEST(attempts.find("certificate verify failed") != std::string::npos, attempts);
    BOOST_TEST(simulator.total("received") == 0);
}

BOOST_AUTO_TEST_CASE(deptsim_refuses_a_caller_without_a_client_certificate_of_its_ca) {
    SecureDeptsim simulator;
    hub::transport::OutboundMessage message;
    message.messageId = "tls-refused-1";
    message.body = "<NotADepartmentRequest/>";
    const hub::transport::Endpoint endpoint{simulator.url("SAMR"), 5000, "dev-secret-samr"};
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();

    hub::transport::HttpTransport withoutCertificate("", {pki().certificate("ca"), "", "", true});
    auto refused = withoutCertificate.send(endpoint, message, now);
    BOOST_TEST_MESSAGE("without a certificate: " << refused.error);
    BOOST_TEST(refused.httpStatus == 0);
    BOOST_TEST(refusedByPeer(refused), refused.error);

    hub::transport::HttpTransport withOtherCa(
        "", {pki().certificate("ca"), pki().certificate("other-client"), pki().key("other-client"), true});
    refused = withOtherCa.send(endpoint, message, now);
    BOOST_TEST_MESSAGE("with another CA's certificate: " << refused.error);
    BOOST_TEST(refused.httpStatus == 0);
    BOOST_TEST(refusedByPeer(refused), refused.error);
    BOOST_TEST(simulator.stat("SAMR", "received") == 0);

    // The hub's own client certificate gets an HTTP answer (the body is
    // nonsense; what matters is that the request arrived).
    hub::transport::HttpTransport withHubCertificate(
        "", {pki().certificate("ca"), pki().certificate("hub-client"), pki().key("hub-client"), true});
    const auto answered = withHubCertificate.send(endpoint, message, now);
    BOOST_TEST(std::string(hub::transport::toString(answered.failure)) == "NONE", answered.error);
    BOOST_TEST(answered.httpStatus >= 200);
    BOOST_TEST(simulator.stat("SAMR", "received") == 1);
}

BOOST_AUTO_TEST_CASE(a_department_certificate_naming_another_host_is_refused_unless_verify_host_is_off) {
    SecureDeptsim simulator("elsewhere");
    hub::transport::OutboundMessage message;
    message.messageId = "tls-host-1";
    message.body = "<NotADepartmentRequest/>";
    const hub::transport::Endpoint endpoint{simulator.url("SAMR"), 5000, "dev-secret-samr"};
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    hub::transport::ClientTlsSettings tls{pki().certificate("ca"), pki().certificate("hub-client"),
                                          pki().key("hub-client"), true};

    const auto refused = hub::transport::HttpTransport("", tls).send(endpoint, message, now);
    BOOST_TEST(std::string(hub::transport::toString(refused.failure)) == "TLS_FAILED", refused.error);
    BOOST_TEST(refused.httpStatus == 0);
    BOOST_TEST(simulator.stat("SAMR", "received") == 0);

    tls.verifyHost = false;
    const auto answered = hub::transport::HttpTransport("", tls).send(endpoint, message, now);
    BOOST_TEST(std::string(hub::transport::toString(answered.failure)) == "NONE", answered.error);
    BOOST_TEST(answered.httpStatus >= 200);
    BOOST_TEST(simulator.stat("SAMR", "received") == 1);
}

BOOST_AUTO_TEST_CASE(check_config_refuses_unusable_tls_files) {
    const std::string world = pki().directory() + "/world-readable.key";
    fs::copy_file(pki().key("hub-server"), world, fs::copy_options::overwrite_existing);
    fs::permissions(world, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read,
                    fs::perm_options::replace);
    auto checkConfig = [](HubProcess& hub, std::string& output, std::string& errors) {
        return hub.runCommand({"check-config"}, output, &errors);
    };
    std::string output, errors;
    {
        HubProcess hub(hub::testing::StoreChoice{});
        hub.useTls(serverTlsMembers(pki().certificate("hub-server"), pki().key("hub-server")), pki().certificate("ca"));
        BOOST_TEST(checkConfig(hub, output, errors) == 0, errors);
        BOOST_TEST(output.find("listener: https") != std::string::npos, output);
    }
    {
        HubProcess hub(hub::testing::StoreChoice{});
        hub.useTls(serverTlsMembers(pki().certificate("hub-server"), pki().key("hub-client")), pki().certificate("ca"));
        BOOST_TEST(checkConfig(hub, output, errors) == 78);
        BOOST_TEST(errors.find("server.tls: private key " + pki().key("hub-client") + " does not match certificate") !=
                       std::string::npos,
                   errors);
    }
    {
        HubProcess hub(hub::testing::StoreChoice{});
        hub.useTls(serverTlsMembers(pki().certificate("hub-server"), world), pki().certificate("ca"));
        BOOST_TEST(checkConfig(hub, output, errors) == 78);
        BOOST_TEST(errors.find("is accessible by group or others (mode 0644)") != std::string::npos, errors);
    }
    {
        HubProcess hub(hub::testing::StoreChoice{});
        Object::Ptr tls = tlsBlock("ca", "hub-client");
        tls->set("privateKeyFile", world);
        AdaptersWithTls adapters(tls);
        hub.useAdapters(adapters.directory());
        BOOST_TEST(checkConfig(hub, output, errors) == 78);
        BOOST_TEST(errors.find("department.json: transport.tls: private key " + world + " is accessible by group") !=
                       std::string::npos,
                   errors);
    }
}
