#include "hub_process.h"

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <Poco/Environment.h>
#include <Poco/File.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Path.h>
#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/StreamCopier.h>
#include <Poco/String.h>
#include <Poco/TemporaryFile.h>

#include "transport/tls_context.h"

namespace hub::testing {
namespace {

constexpr auto kStartDeadline = std::chrono::seconds(30);

std::string randomSuffix() {
    std::string name = Poco::Path(Poco::TemporaryFile::tempName()).getFileName();
    std::string out;
    for (char c : name)
        if (std::isalnum(static_cast<unsigned char>(c))) out += static_cast<char>(std::tolower(c));
    return out;
}

Poco::Process::Env childEnvironment(const StoreChoice& store) {
    Poco::Process::Env env;
    if (store.kind == "mysql") env["HUB_MYSQL_PASSWORD"] = readEnvFile(store.mariadbEnvFile).at("HUB_TEST_MYSQL_PASSWORD");
    return env;
}

}  // namespace

std::string sourceDirectory() { return HUB_SOURCE_DIR; }
std::string hubBinary() { return HUB_BINARY; }

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

StoreChoice storeChoiceFromArguments(int argc, char** argv) {
    StoreChoice choice;
    if (argc >= 2) choice.kind = argv[1];
    if (choice.kind == "mysql") {
        if (argc < 3) throw std::runtime_error("mysql needs the MariaDB env file as second argument");
        choice.mariadbEnvFile = argv[2];
    }
    return choice;
}

std::map<std::string, std::string> readEnvFile(const std::string& path) {
    std::ifstream in(path);
    if (!in)
        throw std::runtime_error("MariaDB settings file " + path +
                                 " is missing: run the tests through ctest, whose 'mariadb' fixture starts the server");
    std::map<std::string, std::string> values;
    std::string line;
    while (std::getline(in, line)) {
        auto eq = line.find('=');
        if (eq != std::string::npos) values[line.substr(0, eq)] = line.substr(eq + 1);
    }
    return values;
}

HubProcess::HubProcess(StoreChoice store, const std::string& intakeConfig, const std::string& dispatchConfig,
                       const std::map<std::string, std::string>& environment, const std::string& trackingConfig) {
    workDir_ = Poco::TemporaryFile::tempName() + "-hub-it";
    Poco::File(workDir_).createDirectories();
    configFile_ = workDir_ + "/hub.json";
    logFile_ = workDir_ + "/hub.log";

    std::string storeJson;
    if (store.kind == "mysql") {
        auto env = readEnvFile(store.mariadbEnvFile);
        const std::string database = store.database.empty() ? "hub_it_" + randomSuffix() : store.database;
        Poco::Process::Env clientEnv{{"MYSQL_PWD", env.at("HUB_TEST_MYSQL_PASSWORD")}};
        sqlClient_ = {"mariadb", "--protocol=TCP", "-h", env.at("HUB_TEST_MYSQL_HOST"), "-P",
                      env.at("HUB_TEST_MYSQL_PORT"), "-u", env.at("HUB_TEST_MYSQL_USER")};
        sqlClientEnvironment_ = clientEnv;
        std::vector<std::string> create(sqlClient_.begin() + 1, sqlClient_.end());
        create.insert(create.end(), {"-e", "CREATE DATABASE IF NOT EXISTS " + database + " CHARACTER SET utf8mb4"});
        auto handle = Poco::Process::launch("mariadb", create, workDir_, nullptr, nullptr, nullptr, clientEnv);
        sqlClient_.insert(sqlClient_.end(), {"--batch", "--skip-column-names", database});
        if (handle.wait() != 0) throw std::runtime_error("could not create test database " + database);
        storeJson = R"({"kind":"mysql","mysql":{"host":")" + env.at("HUB_TEST_MYSQL_HOST") +
                    R"(","port":)" + env.at("HUB_TEST_MYSQL_PORT") + R"(,"user":")" + env.at("HUB_TEST_MYSQL_USER") +
                    R"(","database":")" + database + R"(","poolSize":4}})";
    } else {
        storeJson = R"({"kind":"sqlite","sqlite":{"path":"data/hub.db"}})";
        sqlClient_ = {"sqlite3", "-batch", "-tabs", "-cmd", ".timeout 5000", workDir_ + "/data/hub.db"};
    }
    const std::string source = sourceDirectory();
    std::ofstream config(configFile_);
    config << "{\n"
           << R"(  "server": {"host": "127.0.0.1", "port": 0, "threads": 8, "portFile": "port"},)" << '\n'
           << R"(  "store": )" << storeJson << ",\n"
           << R"(  "catalogue": ")" << source << R"(/config/catalogue.json",)" << '\n'
           << R"(  "schemas": ")" << source << R"(/schemas",)" << '\n'
           << R"(  "adapters": ")" << source << R"(/adapters",)" << '\n'
           << R"(  "calendar": ")" << source << R"(/config/calendar.json",)" << '\n'
           << R"(  "web": ")" << source << R"(/web",)" << '\n'
           << R"(  "tracking": {)" << trackingConfig << "},\n"
           << R"(  "intake": {)" << intakeConfig << "},\n"
           << R"(  "dispatch": {"developmentSecrets": true)" << (dispatchConfig.empty() ? "" : ", ") << dispatchConfig
           << "},\n"
           << R"(  "logLevel": "information")" << "\n}\n";
    environment_ = childEnvironment(store);
    for (const auto& [name, value] : environment) environment_[name] = value;
}

HubProcess::~HubProcess() {
    try {
        if (handle_) stop();
    } catch (...) {
    }
    try {
        Poco::File(workDir_).remove(true);
    } catch (...) {
    }
}

namespace {

void replaceOnce(std::string& text, const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    if (at == std::string::npos) throw std::runtime_error("hub test config has no " + from);
    text.replace(at, from.size(), to);
}

}  // namespace

void HubProcess::useTls(const std::string& serverTlsMembers, const std::string& caFile) {
    std::string config = readFile(configFile_);
    replaceOnce(config, R"("portFile": "port"})", R"("portFile": "port", "tls": {)" + serverTlsMembers + "}}");
    std::ofstream(configFile_, std::ios::trunc) << config;
    hub::transport::ClientTlsSettings client;
    client.caFile = caFile;
    tls_ = hub::transport::makeClientContext(client);
}

void HubProcess::useAdapters(const std::string& directory) {
    std::string config = readFile(configFile_);
    replaceOnce(config, R"("adapters": ")" + sourceDirectory() + R"(/adapters")", R"("adapters": ")" + directory + '"');
    std::ofstream(configFile_, std::ios::trunc) << config;
}

void HubProcess::start() {
    Poco::File(workDir_ + "/port").exists() && (Poco::File(workDir_ + "/port").remove(), true);
    if (port_ != 0) {
        std::string config = readFile(configFile_);
        const std::string unpinned = R"("port": 0,)";
        if (auto at = config.find(unpinned); at != std::string::npos) {
            config.replace(at, unpinned.size(), R"("port": )" + std::to_string(port_) + ",");
            std::ofstream(configFile_, std::ios::trunc) << config;
        }
    }
    handle_ = std::make_unique<Poco::ProcessHandle>(Poco::Process::launch(
        "/bin/sh", {"-c", "exec \"$0\" --config \"$1\" >>\"$2\" 2>&1", hubBinary(), configFile_, logFile_}, workDir_,
        nullptr, nullptr, nullptr, environment_));
    const auto deadline = std::chrono::steady_clock::now() + kStartDeadline;
    while (std::chrono::steady_clock::now() < deadline) {
        if (!Poco::Process::isRunning(*handle_)) {
            int code = handle_->wait();
            handle_.reset();
            throw std::runtime_error("hub exited during start-up with code " + std::to_string(code) + ":\n" + logTail());
        }
        try {
            std::string text = readFile(workDir_ + "/port");
            if (!text.empty() && text.back() == '\n') {
                port_ = std::stoi(text);
                if (request("GET", "/readyz").status == 200) return;
            }
        } catch (const std::exception&) {
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    throw std::runtime_error("hub did not become ready in time:\n" + logTail());
}

void HubProcess::kill() {
    if (!handle_) return;
    Poco::Process::kill(*handle_);
    handle_->wait();
    handle_.reset();
}

int HubProcess::stop() {
    if (!handle_) return 0;
    Poco::Process::requestTermination(handle_->id());
    int code = handle_->wait();
    handle_.reset();
    return code;
}

int HubProcess::runCommand(const std::vector<std::string>& arguments, std::string& standardOutput,
                           std::string* standardError) const {
    const std::string errorFile = workDir_ + "/command.stderr";
    std::vector<std::string> args{"-c", "hub=$0; config=$1; shift; exec \"$hub\" --config \"$config\" \"$@\" 2>\"" + errorFile + "\"",
                                  hubBinary(), configFile_};
    args.insert(args.end(), arguments.begin(), arguments.end());
    Poco::Pipe out;
    auto handle = Poco::Process::launch("/bin/sh", args, workDir_, nullptr, &out, nullptr, environment_);
    Poco::PipeInputStream stream(out);
    std::ostringstream collected;
    Poco::StreamCopier::copyStream(stream, collected);
    standardOutput = collected.str();
    const int code = handle.wait();
    if (standardError) *standardError = readFile(errorFile);
    return code;
}

std::string HubProcess::sql(const std::string& statements) const {
    std::vector<std::string> arguments(sqlClient_.begin() + 1, sqlClient_.end());
    Poco::Pipe input, output;
    auto handle = Poco::Process::launch(sqlClient_.front(), arguments, workDir_, &input, &output, &output,
                                        sqlClientEnvironment_);
    {
        Poco::PipeOutputStream stream(input);
        stream << statements << ";\n";
    }
    input.close();
    Poco::PipeInputStream stream(output);
    std::ostringstream collected;
    Poco::StreamCopier::copyStream(stream, collected);
    const int code = handle.wait();
    if (code != 0) throw std::runtime_error("sql failed (" + std::to_string(code) + "): " + statements + "\n" + collected.str());
    return collected.str();
}

std::string HubProcess::issueToken(const std::string& company) const {
    std::string out;
    int code = runCommand({"token", "issue", "--company", company}, out);
    if (code != 0) throw std::runtime_error("hub token issue failed with code " + std::to_string(code));
    return Poco::trim(out);
}

HttpResponse HubProcess::request(const std::string& method, const std::string& path,
                                 const std::map<std::string, std::string>& headers, const std::string& body,
                                 bool chunked) const {
    std::unique_ptr<Poco::Net::HTTPClientSession> opened;
    if (tls_)
        opened = std::make_unique<Poco::Net::HTTPSClientSession>("127.0.0.1", static_cast<Poco::UInt16>(port_), tls_);
    else
        opened = std::make_unique<Poco::Net::HTTPClientSession>("127.0.0.1", static_cast<Poco::UInt16>(port_));
    Poco::Net::HTTPClientSession& session = *opened;
    session.setTimeout(Poco::Timespan(30, 0));
    Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    for (const auto& [name, value] : headers) request.set(name, value);
    if (chunked)
        request.setChunkedTransferEncoding(true);
    else if (!body.empty() || method == "POST")
        request.setContentLength64(static_cast<Poco::Int64>(body.size()));
    std::ostream& out = session.sendRequest(request);
    out.write(body.data(), static_cast<std::streamsize>(body.size()));
    Poco::Net::HTTPResponse response;
    std::istream& in = session.receiveResponse(response);
    HttpResponse result;
    result.status = response.getStatus();
    for (const auto& [name, value] : response) result.headers[Poco::toLower(name)] = value;
    std::ostringstream collected;
    Poco::StreamCopier::copyStream(in, collected);
    result.body = collected.str();
    return result;
}

std::string HubProcess::logTail() const {
    try {
        std::string log = readFile(logFile_);
        return log.size() > 4000 ? log.substr(log.size() - 4000) : log;
    } catch (const std::exception&) {
        return "(no log)";
    }
}

}  // namespace hub::testing
