#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "config/hub_config.h"

using namespace hub::config;
namespace fs = std::filesystem;

namespace {

using Environment = std::map<std::string, std::string>;

const std::string kSourceDir = HUB_SOURCE_DIR;
const std::string kFixtures = kSourceDir + "/tests/fixtures/catalogue/";

// A fresh directory under the system temporary folder, removed with its
// contents at scope exit.
class TemporaryDirectory {
  public:
    TemporaryDirectory() {
        std::random_device random;
        path_ = fs::temp_directory_path() / ("hub-config-test-" + std::to_string(random()) + std::to_string(random()));
        fs::create_directories(path_);
    }
    ~TemporaryDirectory() {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    TemporaryDirectory(const TemporaryDirectory&) = delete;
    TemporaryDirectory& operator=(const TemporaryDirectory&) = delete;

    const fs::path& path() const { return path_; }

    std::string write(const std::string& name, const std::string& content, fs::perms permissions = fs::perms::owner_read | fs::perms::owner_write) const {
        fs::path file = path_ / name;
        fs::create_directories(file.parent_path());
        std::ofstream(file) << content;
        fs::permissions(file, permissions);
        return file.string();
    }

  private:
    fs::path path_;
};

// what() of the ConfigError thrown, or "no error".
template <typename Load>
std::string configError(Load load) {
    try {
        load();
    } catch (const ConfigError& error) {
        return error.what();
    }
    return "no error";
}

std::string hubConfigError(const std::string& file, const Environment& environment = {}) {
    return configError([&] { loadHubConfig(file, environment); });
}

std::string catalogueError(const std::string& file) {
    return configError([&] { loadCatalogue(file); });
}

}  // namespace

BOOST_AUTO_TEST_SUITE(configuration)

BOOST_AUTO_TEST_CASE(an_empty_object_gives_the_documented_defaults) {
    TemporaryDirectory directory;
    std::string file = directory.write("conf/hub.json", "{}");
    HubConfig config = loadHubConfig(file, {});
    std::string dir = (directory.path() / "conf").string();
    BOOST_TEST(config.configFile == file);
    BOOST_TEST(config.configDir == dir);
    BOOST_TEST(config.server.host == "127.0.0.1");
    BOOST_TEST(config.server.port == 8080);
    BOOST_TEST(config.server.threads == 16);
    BOOST_TEST(config.server.maxQueued == 256);
    BOOST_TEST(config.server.portFile.empty());
    BOOST_TEST(config.store.kind == "sqlite");
    BOOST_TEST(config.store.sqlite.path == dir + "/var/hub.db");
    BOOST_TEST(config.store.sqlite.busyTimeoutMs == 5000);
    BOOST_TEST(config.store.mysql.passwordEnv == "HUB_MYSQL_PASSWORD");
    BOOST_TEST(config.store.mysql.password.empty());
    BOOST_TEST(config.intake.maxPackageBytes == 20 * 1024 * 1024);
    BOOST_TEST(config.intake.maxXmlDepth == 64);
    BOOST_TEST(config.intake.policy.addMissingPrerequisites);
    BOOST_TEST(config.intake.policy.usccAllowList.empty());
    BOOST_TEST(config.intake.idempotencyInProgressTimeoutSeconds == 60);
    BOOST_TEST(config.catalogueFile == dir + "/catalogue.json");
    BOOST_TEST(config.schemasDir == (directory.path() / "schemas").string());
    BOOST_TEST(config.logLevel == "information");
    BOOST_TEST(config.audit.anchorSeconds == 10);
}

BOOST_AUTO_TEST_CASE(the_shipped_quickstart_config_loads_with_its_catalogue) {
    HubConfig config = loadHubConfig(kSourceDir + "/config/hub.json", {});
    BOOST_TEST(config.store.kind == "sqlite");
    BOOST_TEST(config.server.port == 8080);
    BOOST_TEST(config.catalogueFile == kSourceDir + "/config/catalogue.json");
    BOOST_TEST(config.schemasDir == kSourceDir + "/schemas");
    BOOST_TEST(config.store.sqlite.path == kSourceDir + "/var/hub.db");
    BOOST_TEST(loadCatalogue(config.catalogueFile).permits().size() == 12u);
}

BOOST_AUTO_TEST_CASE(the_shipped_mysql_config_takes_its_password_from_the_environment) {
    const std::string file = kSourceDir + "/config/hub.mysql.json";
    HubConfig config = loadHubConfig(file, {{"HUB_MYSQL_PASSWORD", "s3cret"}});
    BOOST_TEST(config.store.kind == "mysql");
    BOOST_TEST(config.store.mysql.host == "127.0.0.1");
    BOOST_TEST(config.store.mysql.port == 3306);
    BOOST_TEST(config.store.mysql.user == "hub");
    BOOST_TEST(config.store.mysql.database == "hub");
    BOOST_TEST(config.store.mysql.password == "s3cret");

    BOOST_TEST(hubConfigError(file) ==
               file + ": store.mysql: no MySQL password: set the environment variable HUB_MYSQL_PASSWORD or "
                      "store.mysql.passwordFile");
}

BOOST_AUTO_TEST_CASE(unknown_keys_are_refused_with_their_path) {
    TemporaryDirectory directory;
    std::string file = directory.write("hub.json", R"({"server": {"prot": 8080}})");
    BOOST_TEST(hubConfigError(file) == file + ": server.prot: unknown key");
    file = directory.write("hub.json", R"({"store": {"mysql": {"hots": "db"}}})");
    BOOST_TEST(hubConfigError(file) == file + ": store.mysql.hots: unknown key");
    file = directory.write("hub.json", R"({"verbose": true})");
    BOOST_TEST(hubConfigError(file) == file + ": verbose: unknown key");
}

BOOST_AUTO_TEST_CASE(a_password_in_the_file_is_refused) {
    TemporaryDirectory directory;
    std::string file = directory.write("hub.json", R"({"store": {"mysql": {"password": "oops"}}})");
    BOOST_TEST(hubConfigError(file).find("store.mysql.password: passwords are not accepted") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(wrong_types_are_refused) {
    TemporaryDirectory directory;
    std::string file = directory.write("hub.json", R"({"server": {"port": "8080"}})");
    BOOST_TEST(hubConfigError(file) == file + ": server.port: expected an integer, got a string");
    file = directory.write("hub.json", R"({"server": 8080})");
    BOOST_TEST(hubConfigError(file) == file + ": server: expected an object, got an integer");
    file = directory.write("hub.json", R"({"intake": {"addMissingPrerequisites": "yes"}})");
    BOOST_TEST(hubConfigError(file) == file + ": intake.addMissingPrerequisites: expected a boolean, got a string");
    file = directory.write("hub.json", R"({"intake": {"maxXmlDepth": 64.5}})");
    BOOST_TEST(hubConfigError(file) == file + ": intake.maxXmlDepth: expected an integer, got a number");
    file = directory.write("hub.json", R"({"intake": {"usccAllowList": ["91110000600037341M", 5]}})");
    BOOST_TEST(hubConfigError(file) == file + ": intake.usccAllowList[1]: expected a string, got an integer");
    file = directory.write("hub.json", R"({"catalogue": null})");
    BOOST_TEST(hubConfigError(file) == file + ": catalogue: expected a string, got null");
}

BOOST_AUTO_TEST_CASE(out_of_range_values_are_refused) {
    TemporaryDirectory directory;
    std::string file = directory.write("hub.json", R"({"server": {"port": 70000}})");
    BOOST_TEST(hubConfigError(file) == file + ": server.port: must be between 0 and 65535, got 70000");
    file = directory.write("hub.json", R"({"server": {"threads": 0}})");
    BOOST_TEST(hubConfigError(file).find("server.threads: must be between 1") != std::string::npos);
    file = directory.write("hub.json", R"({"intake": {"maxPackageBytes": 100}})");
    BOOST_TEST(hubConfigError(file).find("intake.maxPackageBytes: must be between 1024") != std::string::npos);
    file = directory.write("hub.json", R"({"logLevel": "loud"})");
    BOOST_TEST(hubConfigError(file).find("logLevel: 'loud' is not one of") != std::string::npos);
    file = directory.write("hub.json", R"({"audit": {"anchorSeconds": 0}})");
    BOOST_TEST(hubConfigError(file).find("audit.anchorSeconds: must be between 1") != std::string::npos);
    file = directory.write("hub.json", R"({"server": {"port": 0}})");
    BOOST_TEST(loadHubConfig(file, {}).server.port == 0);
    file = directory.write("hub.json", R"({"audit": {"anchorSeconds": 2}})");
    BOOST_TEST(loadHubConfig(file, {}).audit.anchorSeconds == 2);
    BOOST_TEST(loadHubConfig(file, {{"HUB_AUDIT_ANCHORSECONDS", "30"}}).audit.anchorSeconds == 30);
}

BOOST_AUTO_TEST_CASE(environment_overrides_win_over_the_file) {
    TemporaryDirectory directory;
    std::string file = directory.write("hub.json", R"({"server": {"port": 8081}, "intake": {"usccAllowList": ["X"]}})");
    HubConfig config = loadHubConfig(file, {{"HUB_SERVER_PORT", "9090"},
                                            {"HUB_SERVER_HOST", "0.0.0.0"},
                                            {"HUB_STORE_MYSQL_HOST", "db.internal"},
                                            {"HUB_INTAKE_MAXPACKAGEBYTES", "4096"},
                                            {"HUB_INTAKE_ADDMISSINGPREREQUISITES", "false"},
                                            {"HUB_INTAKE_USCCALLOWLIST", "91110000600037341M, 91350100M000100Y44,"},
                                            {"HUB_LOGLEVEL", "debug"},
                                            {"HUB_CATALOGUE", "/etc/hub/catalogue.json"}});
    BOOST_TEST(config.server.port == 9090);
    BOOST_TEST(config.server.host == "0.0.0.0");
    BOOST_TEST(config.store.mysql.host == "db.internal");
    BOOST_TEST(config.intake.maxPackageBytes == 4096);
    BOOST_TEST(!config.intake.policy.addMissingPrerequisites);
    BOOST_TEST(config.intake.policy.usccAllowList ==
                   (std::set<std::string, std::less<>>{"91110000600037341M", "91350100M000100Y44"}),
               boost::test_tools::per_element());
    BOOST_TEST(config.logLevel == "debug");
    BOOST_TEST(config.catalogueFile == "/etc/hub/catalogue.json");
}

BOOST_AUTO_TEST_CASE(bad_environment_overrides_name_the_variable) {
    TemporaryDirectory directory;
    std::string file = directory.write("hub.json", "{}");
    BOOST_TEST(hubConfigError(file, {{"HUB_SERVER_PORT", "80a"}}) ==
               file + ": server.port: expected an integer, got '80a' from HUB_SERVER_PORT");
    BOOST_TEST(hubConfigError(file, {{"HUB_INTAKE_ADDMISSINGPREREQUISITES", "maybe"}}) ==
               file + ": intake.addMissingPrerequisites: expected true or false, got 'maybe' from "
                      "HUB_INTAKE_ADDMISSINGPREREQUISITES");
    BOOST_TEST(hubConfigError(file, {{"HUB_SERVER_PORT", "-1"}}) ==
               file + ": server.port: must be between 0 and 65535, got -1");
}

BOOST_AUTO_TEST_CASE(relative_paths_resolve_against_the_config_folder) {
    TemporaryDirectory directory;
    std::string file = directory.write("etc/hub.json", R"({
        "server": {"portFile": "run/port"},
        "store": {"sqlite": {"path": "/var/lib/hub/hub.db"}},
        "catalogue": "catalogues/../cat.json",
        "schemas": "/opt/hub/schemas"
    })");
    HubConfig config = loadHubConfig(file, {});
    std::string dir = (directory.path() / "etc").string();
    BOOST_TEST(config.server.portFile == dir + "/run/port");
    BOOST_TEST(config.store.sqlite.path == "/var/lib/hub/hub.db");
    BOOST_TEST(config.catalogueFile == dir + "/cat.json");
    BOOST_TEST(config.schemasDir == "/opt/hub/schemas");

    file = directory.write("etc/memory.json", R"({"store": {"sqlite": {"path": ":memory:"}}})");
    BOOST_TEST(loadHubConfig(file, {}).store.sqlite.path == ":memory:");
}

BOOST_AUTO_TEST_CASE(mysql_password_from_a_private_file) {
    TemporaryDirectory directory;
    std::string secret = directory.write("secret/mysql-password", "from-file\n");
    std::string file = directory.write("hub.json", R"({"store": {"kind": "mysql", "mysql": {"passwordFile": "secret/mysql-password"}}})");
    BOOST_TEST(loadHubConfig(file, {}).store.mysql.password == "from-file");
    BOOST_TEST(loadHubConfig(file, {{"HUB_MYSQL_PASSWORD", "from-env"}}).store.mysql.password == "from-env");
}

BOOST_AUTO_TEST_CASE(a_password_file_readable_by_others_is_refused) {
    TemporaryDirectory directory;
    std::string secret = directory.write("mysql-password", "leaked\n",
                                         fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                                             fs::perms::others_read);
    std::string file = directory.write("hub.json", R"({"store": {"kind": "mysql", "mysql": {"passwordFile": "mysql-password"}}})");
    BOOST_TEST(hubConfigError(file) == file + ": store.mysql.passwordFile: " + secret +
                                           " is accessible by group or others (mode 0644); restrict it with chmod 600");
    fs::remove(secret);
    BOOST_TEST(hubConfigError(file) == file + ": store.mysql.passwordFile: cannot read " + secret);
}

BOOST_AUTO_TEST_CASE(the_password_is_only_required_for_mysql) {
    TemporaryDirectory directory;
    std::string file = directory.write("hub.json", R"({"store": {"mysql": {"passwordFile": "missing"}}})");
    BOOST_TEST(loadHubConfig(file, {}).store.mysql.password.empty());
}

BOOST_AUTO_TEST_CASE(unreadable_or_malformed_config_files) {
    TemporaryDirectory directory;
    std::string missing = (directory.path() / "absent.json").string();
    BOOST_TEST(hubConfigError(missing) == missing + ": cannot read the file");
    std::string file = directory.write("hub.json", R"({"server": )");
    BOOST_TEST(hubConfigError(file).starts_with(file + ": invalid JSON: "));
    file = directory.write("hub.json", R"([1, 2])");
    BOOST_TEST(hubConfigError(file) == file + ": the top level must be a JSON object");
}

BOOST_AUTO_TEST_CASE(catalogue_load_errors_name_the_file_and_the_problem) {
    const std::string f = kFixtures;
    BOOST_TEST(catalogueError(f + "unknown_department.json") ==
               f + "unknown_department.json: catalogue: permit P02 belongs to unknown department 'SAMR'");
    BOOST_TEST(catalogueError(f + "unknown_prerequisite.json") ==
               f + "unknown_prerequisite.json: catalogue: permit P01 needs unknown permit P99");
    BOOST_TEST(catalogueError(f + "cycle.json") ==
               f + "cycle.json: catalogue: dependency cycle P01 -> P03 -> P02 -> P01");
    BOOST_TEST(catalogueError(f + "unknown_key.json") == f + "unknown_key.json: permits[1].needz: unknown key");
    BOOST_TEST(catalogueError(f + "wrong_type.json") ==
               f + "wrong_type.json: permits[0].statutoryWorkingDays: expected an integer, got a string");
    BOOST_TEST(catalogueError(f + "missing_name.json") == f + "missing_name.json: permits[0].nameEn: missing");
    BOOST_TEST(catalogueError(f + "promised_exceeds_statutory.json") ==
               f + "promised_exceeds_statutory.json: catalogue: permit P01 promises 7 working days, more than "
                   "its statutory 5");
    BOOST_TEST(catalogueError(f + "not_json.json").starts_with(f + "not_json.json: invalid JSON: "));
    BOOST_TEST(catalogueError(f + "absent.json") == f + "absent.json: cannot read the file");
}

BOOST_AUTO_TEST_CASE(process_environment_is_read) {
    ::setenv("HUB_CONFIG_TEST_VARIABLE", "a=b", 1);
    Environment environment = processEnvironment();
    BOOST_TEST(environment["HUB_CONFIG_TEST_VARIABLE"] == "a=b");
    ::unsetenv("HUB_CONFIG_TEST_VARIABLE");
}

BOOST_AUTO_TEST_SUITE_END()
