#include "hubctl/commands.h"

#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include <Poco/DigestEngine.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/SHA2Engine.h>
#include <Poco/String.h>

#ifndef HUBCTL_VERSION
#define HUBCTL_VERSION "0.0.0"
#endif

namespace hubctl {
namespace {

using Poco::JSON::Object;

constexpr const char* kDefaultUrl = "http://127.0.0.1:8080";
constexpr const char* kApplications = "/api/v1/applications";
constexpr int kWatchFailuresTolerated = 10;
constexpr int kMaxWatchIntervalSeconds = 3600;

// The hub answered 2xx with a body that is not the JSON object expected.
class BadAnswer : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

const std::vector<OptionSpec> kGlobalOptions = {
    {"url", "URL", "the hub (default: $HUBCTL_URL, else http://127.0.0.1:8080)"},
    {"token", "TOKEN", "bearer token (default: $HUBCTL_TOKEN)"},
    {"token-file", "FILE", "read the token from FILE (surrounding whitespace ignored)"},
    {"json", "", "print the hub's JSON unchanged, as one document"},
    {"help", "", "show help (also: hubctl help COMMAND, hubctl COMMAND --help)"},
    {"version", "", "show hubctl's version"},
};

const OptionSpec kNoteOption{"note", "TEXT", "why, kept with the action"};
const OptionSpec kIntervalOption{"interval", "SECONDS", "seconds between polls (default 1)"};

std::vector<CommandSpec> buildSpecs() {
    return {
        {"submit", "FILE", "submit an application package (XML)",
         "Submits FILE to POST /api/v1/applications and prints the package: id, state, the permits the hub\n"
         "added as prerequisites, the forecast and every permit. The default Idempotency-Key is derived from\n"
         "the file's SHA-256, so running the same submit again replays the first answer (same id) instead of\n"
         "creating a second package; pass --idempotency-key to submit the same file as a new package.\n"
         "With --watch, then follows the package like 'hubctl watch'.",
         {{"idempotency-key", "KEY", "the Idempotency-Key to send (default: hubctl-sha256-<file digest>)"},
          {"watch", "", "after submitting, follow the package until it is final"},
          kIntervalOption},
         1, 1, false},
        {"status", "ID", "show a package: state, forecast, each permit with deadlines and certificates",
         "Reads GET /api/v1/applications/ID. Permits the hub added as prerequisites are marked '+'.", {}, 1, 1,
         false},
        {"list", "", "list your packages, newest first",
         "Reads GET /api/v1/applications one page at a time; --all follows every page (with --json, the\n"
         "items of all pages are printed as one document {\"items\": […]}).",
         {{"limit", "N", "packages per page, 1 to 100 (default 20)"},
          {"cursor", "CURSOR", "start at this page (the nextCursor of the previous one)"},
          {"all", "", "fetch every page"}},
         0, 0, false},
        {"events", "ID", "show a package's timeline", "Reads GET /api/v1/applications/ID/events.", {}, 1, 1, false},
        {"correct", "ID PERMIT FILE", "answer a correction notice with a CorrectionSupplement (XML)",
         "Posts FILE to POST /api/v1/applications/ID/permits/PERMIT/corrections. The permit must be\n"
         "CORRECTION_REQUIRED; it becomes SUBMITTED again.",
         {}, 3, 3, false},
        {"withdraw", "ID", "withdraw a package",
         "Posts to POST /api/v1/applications/ID/withdraw: every permit not yet final becomes WITHDRAWN.\n"
         "Asks for confirmation when stdin is a terminal; without a terminal, --yes is required.",
         {{"yes", "", "do not ask for confirmation"}}, 1, 1, false},
        {"watch", "ID", "follow a package until it is READY_TO_OPERATE, PARTIALLY_FAILED or WITHDRAWN",
         "Polls GET /api/v1/applications/ID. On a terminal, redraws the package and its permit table;\n"
         "otherwise prints one line per change (the package's state, a permit's state, a receipt or a\n"
         "certificate). Exit code 0 when READY_TO_OPERATE, 5 when PARTIALLY_FAILED or WITHDRAWN.\n"
         "With --json, prints only the final package document.",
         {kIntervalOption}, 1, 1, false},
        {"incidents", "", "list the calls that need a human (admin)",
         "Reads GET /admin/api/incidents (open ones; --all for every incident).",
         {{"all", "", "include closed incidents"}}, 0, 0, true},
        {"retry", "INCIDENT", "put an incident's call back in the queue (admin)",
         "Posts to POST /admin/api/incidents/INCIDENT/retry.", {kNoteOption}, 1, 1, true},
        {"cancel", "INCIDENT", "close an incident for good; its call is never sent (admin)",
         "Posts to POST /admin/api/incidents/INCIDENT/cancel.", {kNoteOption}, 1, 1, true},
        {"departments", "", "show each department's delivery state (admin)",
         "Reads GET /admin/api/departments: transport, breaker, failures, calls in flight, paused.", {}, 0, 0, true},
        {"pause", "DEPT", "stop sending calls to a department (admin)",
         "Posts to POST /admin/api/departments/DEPT/pause.", {kNoteOption}, 1, 1, true},
        {"resume", "DEPT", "send calls to a paused department again (admin)",
         "Posts to POST /admin/api/departments/DEPT/resume.", {kNoteOption}, 1, 1, true},
        {"token issue", "", "issue a token (admin)",
         "Posts to POST /admin/api/tokens. An applicant token needs --company; an admin token\n"
         "(--role admin) needs --label. The secret is printed once.",
         {{"company", "ID", "the company an applicant token acts for"},
          {"role", "ROLE", "applicant (default) or admin"},
          {"label", "LABEL", "a name to recognise the token by"}},
         0, 0, true},
        {"token revoke", "TOKEN_ID", "revoke a token (admin)", "Posts to POST /admin/api/tokens/TOKEN_ID/revoke.", {},
         1, 1, true},
        {"refused", "", "list department messages the hub refused (admin)",
         "Reads GET /admin/api/callbacks/refused.", {{"limit", "N", "how many, 1 to 500 (default 50)"}}, 0, 0,
         true},
        {"audit verify", "", "check the audit trail for edited, inserted or deleted entries (admin)",
         "Reads GET /admin/api/audit/verify: every chain (or only --chain's, with the GLOBAL chain of\n"
         "anchors) is walked and each entry's hash recomputed. Prints what was checked, the GLOBAL head\n"
         "(keep it somewhere outside the hub to witness the whole trail) and every problem found.\n"
         "Exit code 0 when the trail is intact, 5 when it is damaged.",
         {{"chain", "ID", "check only this chain (a package id, HUB)"}}, 0, 0, true},
        {"audit chain", "ID", "show one audit chain's entries (admin)",
         "Reads GET /admin/api/audit/chains/ID: a package's chain, HUB (admin actions on departments\n"
         "and tokens, refused messages of no known package) or GLOBAL (anchors).",
         {}, 1, 1, true},
        {"help", "[COMMAND]", "show help", "Shows the overall help, or a command's.", {}, 0, 2, false},
    };
}

const OptionSpec* findOption(const std::vector<OptionSpec>& options, const std::string& name) {
    for (const auto& option : options)
        if (option.name == name) return &option;
    return nullptr;
}

std::set<std::string> groupNames() {
    std::set<std::string> groups;
    for (const auto& spec : commandSpecs()) {
        auto space = spec.name.find(' ');
        if (space != std::string::npos) groups.insert(spec.name.substr(0, space));
    }
    return groups;
}

std::string subCommandsOf(const std::string& group) {
    std::string names;
    for (const auto& spec : commandSpecs())
        if (spec.name.rfind(group + " ", 0) == 0) names += (names.empty() ? "" : ", ") + spec.name.substr(group.size() + 1);
    return names;
}

std::string synopsis(const CommandSpec& spec) {
    std::string line = "hubctl " + spec.name;
    if (!spec.arguments.empty()) line += " " + spec.arguments;
    for (const auto& option : spec.options)
        line += " [--" + option.name + (option.valueName.empty() ? "" : " " + option.valueName) + "]";
    return line;
}

std::string optionLines(const std::vector<OptionSpec>& options) {
    auto left = [](const OptionSpec& option) {
        return "  --" + option.name + (option.valueName.empty() ? "" : " " + option.valueName);
    };
    std::size_t width = 0;
    for (const auto& option : options) width = std::max(width, left(option).size());
    std::string out;
    for (const auto& option : options) {
        std::string line = left(option);
        line.resize(width + 2, ' ');
        out += line + option.help + "\n";
    }
    return out;
}

const char* kExitCodes =
    "Exit codes:\n"
    "  0  success (watch: the package is READY_TO_OPERATE)\n"
    "  1  usage error: bad arguments, unreadable file, confirmation declined\n"
    "  2  the hub refused the request (HTTP 4xx); its problem is printed on stderr\n"
    "  3  the hub or the network failed (HTTP 5xx, connection refused, timeout)\n"
    "  4  this hub does not offer the operation\n"
    "  5  watch: the package ended PARTIALLY_FAILED or WITHDRAWN; audit verify: the trail is damaged\n";

// Parses an integer option within [low, high]; throws UsageError.
int integerOption(const Invocation& invocation, const std::string& name, int fallback, int low, int high) {
    if (!invocation.has(name)) return fallback;
    const std::string value = invocation.option(name);
    try {
        std::size_t used = 0;
        int number = std::stoi(value, &used);
        if (used == value.size() && number >= low && number <= high) return number;
    } catch (const std::exception&) {
    }
    throw UsageError("--" + name + " must be an integer from " + std::to_string(low) + " to " + std::to_string(high));
}

std::string readFileOrThrow(const std::string& path, const std::string& what) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw UsageError("cannot read " + what + " " + path);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    return bytes.str();
}

Object::Ptr parseObject(const std::string& body) {
    try {
        Poco::JSON::Parser parser;
        auto object = parser.parse(body).extract<Object::Ptr>();
        if (object) return object;
    } catch (const std::exception&) {
    }
    throw BadAnswer("the hub answered with something that is not a JSON object");
}

std::string noteBody(const Invocation& invocation) {
    if (!invocation.has("note")) return {};
    Object body;
    body.set("note", invocation.option("note"));
    std::ostringstream out;
    body.stringify(out);
    return out.str();
}

// A hub that predates an endpoint answers 404 from its router ("No resource
// at …"), unlike a 404 about an unknown department or token.
bool routeIsMissing(const Response& response) {
    return response.status == 404 && problemOf(response).detail.rfind("No resource at ", 0) == 0;
}

class Session {
  public:
    Session(const Invocation& invocation, Terminal& terminal, HubClient client)
        : invocation_(invocation), terminal_(terminal), client_(std::move(client)) {
        style_.colour = terminal.stdoutIsTty && !invocation.json && terminal.environment.count("NO_COLOR") == 0;
    }

    int dispatch() {
        const std::string& name = invocation_.command;
        if (name == "submit") return submit();
        if (name == "status") return showPackage();
        if (name == "list") return list();
        if (name == "events") return events();
        if (name == "correct") return correct();
        if (name == "withdraw") return withdraw();
        if (name == "watch") return watch(argument(0));
        if (name == "incidents") return incidents();
        if (name == "retry" || name == "cancel") return closeIncident();
        if (name == "departments") return departments();
        if (name == "pause" || name == "resume") return pauseOrResume();
        if (name == "token issue") return issueToken();
        if (name == "token revoke") return revokeToken();
        if (name == "refused") return refused();
        if (name == "audit verify") return auditVerify();
        if (name == "audit chain") return auditChain();
        throw UsageError("unknown command '" + name + "'");
    }

  private:
    const std::string& argument(std::size_t index) const { return invocation_.arguments.at(index); }

    std::string packagePath(const std::string& id) const { return std::string(kApplications) + "/" + segment(id); }

    // Prints an error answer: the problem on stderr (and, with --json, the
    // hub's document on stdout). Returns the exit code.
    int refusedOrFailed(const Response& response) {
        if (invocation_.json && !response.body.empty()) printJson(response.body);
        terminal_.err << "hubctl: " << renderProblem(problemOf(response));
        if (response.status == 401)
            terminal_.err << "hint: pass --token, --token-file or set HUBCTL_TOKEN\n";
        else if (response.status == 403)
            terminal_.err << "hint: admin commands need an admin token, the others an applicant token\n";
        return exitCodeOf(response);
    }

    int unsupported(const std::string& what, const std::string& hint = {}) {
        terminal_.err << "hubctl: this hub does not offer " << what << " yet\n";
        if (!hint.empty()) terminal_.err << "hint: " << hint << "\n";
        return kExitUnsupported;
    }

    void printJson(const std::string& body) {
        terminal_.out << body;
        if (body.empty() || body.back() != '\n') terminal_.out << '\n';
        terminal_.out.flush();
    }

    // Prints a 2xx answer: unchanged with --json, else rendered.
    template <typename Render>
    int show(const Response& response, Render render) {
        if (!response.ok()) return refusedOrFailed(response);
        if (invocation_.json) {
            printJson(response.body);
            return kExitSuccess;
        }
        auto object = parseObject(response.body);
        terminal_.out << render(*object);
        return kExitSuccess;
    }

    int submit() {
        const std::string bytes = readFileOrThrow(argument(0), "package");
        const std::string key = invocation_.option("idempotency-key", idempotencyKeyFor(bytes));
        if (key.empty()) throw UsageError("--idempotency-key must not be empty");
        const int interval = watchInterval();
        Response response = client_.post(kApplications, bytes, "application/xml", {{"Idempotency-Key", key}});
        if (!response.ok()) return refusedOrFailed(response);
        auto package = parseObject(response.body);
        const bool replayed = response.header("idempotent-replayed") == "true";
        if (invocation_.json) {
            if (!invocation_.has("watch")) printJson(response.body);
        } else {
            terminal_.out << (replayed ? "Already submitted with this Idempotency-Key; the hub replayed its answer.\n"
                                       : "Submitted.\n")
                          << renderPackage(*package, style_);
        }
        if (!invocation_.has("watch")) return kExitSuccess;
        if (!invocation_.json) terminal_.out << "\n";
        return follow(text(*package, "id"), interval);
    }

    int showPackage() {
        return show(client_.get(packagePath(argument(0))),
                    [&](const Object& package) { return renderPackage(package, style_); });
    }

    int list() {
        const int limit = integerOption(invocation_, "limit", 20, 1, 100);
        std::string cursor = invocation_.option("cursor");
        // --all pages by 100 unless told otherwise; a single page leaves the hub's default.
        std::string limitText = invocation_.has("limit") ? std::to_string(limit) : std::string();
        if (limitText.empty() && invocation_.has("all")) limitText = "100";
        auto page = [&]() { return client_.get(withQuery(kApplications, {{"limit", limitText}, {"cursor", cursor}})); };
        if (!invocation_.has("all")) {
            Response response = page();
            if (!response.ok()) return refusedOrFailed(response);
            if (invocation_.json) {
                printJson(response.body);
                return kExitSuccess;
            }
            auto answer = parseObject(response.body);
            terminal_.out << renderPackageList(items(*answer), style_);
            const std::string next = text(*answer, "nextCursor");
            if (!next.empty()) terminal_.out << "More: hubctl list --cursor " << next << "\n";
            return kExitSuccess;
        }
        std::vector<Object::Ptr> all;
        for (;;) {
            Response response = page();
            if (!response.ok()) return refusedOrFailed(response);
            auto answer = parseObject(response.body);
            auto pageItems = items(*answer);
            all.insert(all.end(), pageItems.begin(), pageItems.end());
            cursor = text(*answer, "nextCursor");
            if (cursor.empty() || pageItems.empty()) break;
        }
        if (invocation_.json) {
            Object document(Poco::JSON_PRESERVE_KEY_ORDER);
            Poco::JSON::Array array;
            for (const auto& item : all) array.add(item);
            document.set("items", array);
            std::ostringstream out;
            document.stringify(out);
            printJson(out.str());
        } else {
            terminal_.out << renderPackageList(all, style_);
        }
        return kExitSuccess;
    }

    static std::vector<Object::Ptr> items(const Object& answer) {
        std::vector<Object::Ptr> out;
        if (auto array = answer.getArray("items"))
            for (std::size_t i = 0; i < array->size(); ++i)
                if (auto item = array->getObject(i)) out.push_back(item);
        return out;
    }

    int events() {
        return show(client_.get(packagePath(argument(0)) + "/events"),
                    [&](const Object& timeline) { return renderEvents(timeline, style_); });
    }

    int correct() {
        const std::string bytes = readFileOrThrow(argument(2), "supplement");
        const std::string permit = argument(1);
        Response response =
            client_.post(packagePath(argument(0)) + "/permits/" + segment(permit) + "/corrections", bytes,
                         "application/xml");
        return show(response, [&](const Object& package) {
            return "Correction for " + permit + " sent; the department will review it again.\n" +
                   renderPackage(package, style_);
        });
    }

    int withdraw() {
        const std::string& id = argument(0);
        if (!invocation_.has("yes")) {
            if (!terminal_.stdinIsTty)
                throw UsageError("withdraw asks for confirmation: pass --yes when stdin is not a terminal");
            terminal_.err << "Withdraw " << id
                          << "? Every permit not yet final is withdrawn and the departments are told. [y/N] ";
            terminal_.err.flush();
            std::string answer;
            std::getline(terminal_.in, answer);
            answer = Poco::toLower(Poco::trim(answer));
            if (answer != "y" && answer != "yes") {
                terminal_.err << "Not withdrawn.\n";
                return kExitUsage;
            }
        }
        return show(client_.post(packagePath(id) + "/withdraw", {}, {}), [&](const Object& package) {
            return "Withdrawn.\n" + renderPackage(package, style_);
        });
    }

    int watchInterval() const { return integerOption(invocation_, "interval", 1, 1, kMaxWatchIntervalSeconds); }

    int watch(const std::string& id) { return follow(id, watchInterval()); }

    // Polls the package until it is final. Connection failures and 5xx are
    // retried (reported on stderr) up to kWatchFailuresTolerated in a row.
    int follow(const std::string& id, int intervalSeconds) {
        PermitChangeTracker tracker;
        int failures = 0;
        const bool redraw = terminal_.stdoutIsTty && !invocation_.json;
        for (bool first = true;; first = false) {
            if (!first) terminal_.sleep(std::chrono::seconds(intervalSeconds));
            Response response;
            try {
                response = client_.get(packagePath(id));
            } catch (const TransportError& error) {
                if (++failures >= kWatchFailuresTolerated) throw;
                terminal_.err << "hubctl: " << error.what() << "; retrying\n";
                continue;
            }
            if (response.status >= 500 && ++failures < kWatchFailuresTolerated) {
                terminal_.err << "hubctl: the hub answered " << response.status << "; retrying\n";
                continue;
            }
            if (!response.ok()) return refusedOrFailed(response);
            failures = 0;
            auto package = parseObject(response.body);
            const std::string state = text(*package, "state");
            const bool final = isFinalPackageState(state);
            if (invocation_.json) {
                if (final) printJson(response.body);
            } else if (redraw) {
                terminal_.out << renderWatchScreen(*package, style_);
                if (!final) terminal_.out << "\nPolling every " << intervalSeconds << " s; Ctrl-C stops watching.\n";
                terminal_.out.flush();
            } else {
                for (const auto& line : tracker.update(*package)) terminal_.out << line << "\n";
                terminal_.out.flush();
            }
            if (final) return state == "READY_TO_OPERATE" ? kExitSuccess : kExitNotReady;
        }
    }

    int incidents() {
        return show(client_.get(withQuery("/admin/api/incidents", {{"state", invocation_.has("all") ? "all" : ""}})),
                    [&](const Object& answer) { return renderIncidents(answer, style_); });
    }

    int closeIncident() {
        const std::string body = noteBody(invocation_);
        return show(client_.post("/admin/api/incidents/" + segment(argument(0)) + "/" + invocation_.command, body,
                                 body.empty() ? std::string() : "application/json"),
                    [&](const Object& incident) { return renderIncident(incident, style_); });
    }

    int departments() {
        return show(client_.get("/admin/api/departments"),
                    [&](const Object& answer) { return renderDepartments(answer, style_); });
    }

    int pauseOrResume() {
        const std::string body = noteBody(invocation_);
        Response response = client_.post("/admin/api/departments/" + segment(argument(0)) + "/" + invocation_.command,
                                          body, body.empty() ? std::string() : "application/json");
        if (routeIsMissing(response)) return unsupported(invocation_.command == "pause" ? "pausing departments" : "resuming departments");
        return show(response, [&](const Object& department) { return renderDepartment(department, style_); });
    }

    int issueToken() {
        const std::string role = invocation_.option("role", "applicant");
        Object body(Poco::JSON_PRESERVE_KEY_ORDER);
        body.set("role", role);
        if (role == "applicant") {
            if (invocation_.option("company").empty()) throw UsageError("token issue needs --company ID for an applicant token");
            body.set("company", invocation_.option("company"));
        } else if (role == "admin") {
            if (invocation_.has("company")) throw UsageError("an admin token has no --company");
            if (invocation_.option("label").empty()) throw UsageError("token issue --role admin needs --label LABEL");
        } else {
            throw UsageError("--role must be applicant or admin");
        }
        if (invocation_.has("label")) body.set("label", invocation_.option("label"));
        std::ostringstream json;
        body.stringify(json);
        Response response = client_.post("/admin/api/tokens", json.str(), "application/json");
        if (routeIsMissing(response)) return unsupported("issuing tokens over HTTP", "on the hub's host, run 'hub --config FILE token issue'");
        return show(response, [&](const Object& token) { return renderIssuedToken(token); });
    }

    int revokeToken() {
        Response response = client_.post("/admin/api/tokens/" + segment(argument(0)) + "/revoke", {}, {});
        if (routeIsMissing(response)) return unsupported("revoking tokens over HTTP", "on the hub's host, run 'hub --config FILE token revoke'");
        return show(response, [&](const Object& answer) { return "Revoked " + text(answer, "tokenId") + ".\n"; });
    }

    int refused() {
        const int limit = integerOption(invocation_, "limit", 50, 1, 500);
        return show(client_.get(withQuery("/admin/api/callbacks/refused",
                                          {{"limit", invocation_.has("limit") ? std::to_string(limit) : ""}})),
                    [&](const Object& answer) { return renderRefused(answer); });
    }

    int auditVerify() {
        const std::string chain = invocation_.option("chain", "");
        Response response = client_.get(withQuery("/admin/api/audit/verify", {{"chain", chain}}));
        if (routeIsMissing(response) || (response.status == 404 && chain.empty()))
            return unsupported("audit verification");
        const int code = show(response, [&](const Object& answer) { return renderAuditVerification(answer); });
        if (code != kExitSuccess) return code;
        return parseObject(response.body)->optValue<bool>("ok", false) ? kExitSuccess : kExitNotReady;
    }

    int auditChain() {
        return show(client_.get("/admin/api/audit/chains/" + segment(argument(0))),
                    [&](const Object& answer) { return renderAuditChain(answer); });
    }

    const Invocation& invocation_;
    Terminal& terminal_;
    HubClient client_;
    Style style_;
};

std::string resolveToken(const Invocation& invocation, const Terminal& terminal) {
    if (!invocation.token.empty()) return invocation.token;
    if (!invocation.tokenFile.empty()) {
        std::string token = Poco::trim(readFileOrThrow(invocation.tokenFile, "token file"));
        if (token.empty()) throw UsageError("token file " + invocation.tokenFile + " is empty");
        return token;
    }
    auto it = terminal.environment.find("HUBCTL_TOKEN");
    return it == terminal.environment.end() ? std::string() : Poco::trim(it->second);
}

std::string resolveUrl(const Invocation& invocation, const Terminal& terminal) {
    if (!invocation.url.empty()) return invocation.url;
    auto it = terminal.environment.find("HUBCTL_URL");
    return it == terminal.environment.end() || it->second.empty() ? kDefaultUrl : it->second;
}

}  // namespace

Terminal::Terminal(std::ostream& out, std::ostream& err, std::istream& in)
    : out(out), err(err), in(in), sleep([](std::chrono::milliseconds duration) { std::this_thread::sleep_for(duration); }) {}

const std::vector<CommandSpec>& commandSpecs() {
    static const std::vector<CommandSpec> specs = buildSpecs();
    return specs;
}

const CommandSpec* findCommand(const std::string& name) {
    for (const auto& spec : commandSpecs())
        if (spec.name == name) return &spec;
    return nullptr;
}

std::string Invocation::option(const std::string& name, const std::string& fallback) const {
    auto it = options.find(name);
    return it == options.end() ? fallback : it->second;
}

Invocation parseArguments(const std::vector<std::string>& arguments) {
    Invocation invocation;
    const CommandSpec* spec = nullptr;
    const auto groups = groupNames();
    bool optionsEnded = false;
    for (std::size_t i = 0; i < arguments.size(); ++i) {
        const std::string& word = arguments[i];
        if (!optionsEnded && word == "--") {
            optionsEnded = true;
            continue;
        }
        if (!optionsEnded && (word == "-h" || (word.size() > 2 && word.rfind("--", 0) == 0))) {
            std::string name = word == "-h" ? "help" : word.substr(2);
            std::optional<std::string> value;
            if (auto eq = name.find('='); eq != std::string::npos) {
                value = name.substr(eq + 1);
                name = name.substr(0, eq);
            }
            const OptionSpec* option = findOption(kGlobalOptions, name);
            const bool global = option != nullptr;
            if (!option && spec) option = findOption(spec->options, name);
            if (!option) {
                if (spec) throw UsageError("unknown option --" + name + " for '" + spec->name + "'");
                if (!invocation.command.empty())
                    throw UsageError("unknown option --" + name + " (options of '" + invocation.command +
                                     "' come after its sub-command)");
                throw UsageError("unknown option --" + name);
            }
            if (option->valueName.empty()) {
                if (value) throw UsageError("--" + name + " takes no value");
                value = "";
            } else if (!value) {
                if (i + 1 >= arguments.size()) throw UsageError("--" + name + " needs a value (" + option->valueName + ")");
                value = arguments[++i];
            }
            if (global) {
                if (name == "url") invocation.url = *value;
                else if (name == "token") invocation.token = *value;
                else if (name == "token-file") invocation.tokenFile = *value;
                else if (name == "json") invocation.json = true;
                else if (name == "help") invocation.help = true;
                else if (name == "version") invocation.version = true;
            } else {
                invocation.options[name] = *value;
            }
            continue;
        }
        if (invocation.command.empty()) {
            invocation.command = word;
            spec = findCommand(word);
            if (!spec && !groups.count(word)) throw UsageError("unknown command '" + word + "'");
            continue;
        }
        if (!spec && groups.count(invocation.command)) {
            spec = findCommand(invocation.command + " " + word);
            if (!spec)
                throw UsageError("unknown sub-command '" + invocation.command + " " + word + "' (known: " +
                                 subCommandsOf(invocation.command) + ")");
            invocation.command = spec->name;
            continue;
        }
        invocation.arguments.push_back(word);
    }
    if (invocation.help || invocation.version) return invocation;
    if (!spec && !invocation.command.empty())
        throw UsageError("'" + invocation.command + "' needs a sub-command: " + subCommandsOf(invocation.command));
    if (spec) {
        const auto count = invocation.arguments.size();
        if (count < spec->minArguments || count > spec->maxArguments) {
            std::string expected = spec->arguments.empty() ? "no arguments" : spec->arguments;
            throw UsageError("'" + spec->name + "' takes " + expected + "; usage: " + synopsis(*spec));
        }
    }
    return invocation;
}

std::string overallHelp() {
    std::string out =
        "hubctl - the command-line client of the integrated licensing hub\n\n"
        "Usage: hubctl [GLOBAL OPTIONS] COMMAND [ARGUMENTS] [OPTIONS]\n\n";
    auto list = [&](bool admin) {
        for (const auto& spec : commandSpecs()) {
            if (spec.admin != admin || spec.name == "help") continue;
            std::string left = "  " + spec.name + (spec.arguments.empty() ? "" : " " + spec.arguments);
            left.resize(std::max<std::size_t>(left.size() + 2, 28), ' ');
            out += left + spec.summary + "\n";
        }
    };
    out += "Applicant commands (an applicant token):\n";
    list(false);
    out += "\nAdmin commands (an admin token):\n";
    list(true);
    out += "\nGlobal options:\n" + optionLines(kGlobalOptions);
    out += "\nEnvironment:\n"
           "  HUBCTL_URL    the hub, when --url is not given\n"
           "  HUBCTL_TOKEN  the bearer token, when neither --token nor --token-file is given\n"
           "  NO_COLOR      when set, no colours even on a terminal\n\n";
    out += kExitCodes;
    out += "\n'hubctl help COMMAND' or 'hubctl COMMAND --help' describes a command; docs/hubctl.md has examples.\n";
    return out;
}

std::string commandHelp(const std::string& name) {
    if (const CommandSpec* spec = findCommand(name)) {
        std::string out = "Usage: " + synopsis(*spec) + "\n\n" + spec->summary + ".\n\n" + spec->description + "\n";
        if (!spec->options.empty()) out += "\nOptions:\n" + optionLines(spec->options);
        out += "\nGlobal options: --url, --token, --token-file, --json (see 'hubctl help').\n\n";
        out += kExitCodes;
        return out;
    }
    if (groupNames().count(name)) {
        std::string out;
        for (const auto& spec : commandSpecs())
            if (spec.name.rfind(name + " ", 0) == 0) out += (out.empty() ? "" : "\n") + commandHelp(spec.name);
        return out;
    }
    throw UsageError("unknown command '" + name + "'");
}

std::string idempotencyKeyFor(const std::string& packageBytes) {
    Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
    engine.update(packageBytes.data(), static_cast<unsigned>(packageBytes.size()));
    return "hubctl-sha256-" + Poco::DigestEngine::digestToHex(engine.digest());
}

int run(const std::vector<std::string>& arguments, Terminal& terminal) {
    try {
        const Invocation invocation = parseArguments(arguments);
        if (invocation.version) {
            terminal.out << "hubctl " << HUBCTL_VERSION << "\n";
            return kExitSuccess;
        }
        if (invocation.command == "help") {
            terminal.out << (invocation.arguments.empty() ? overallHelp()
                                                          : commandHelp(Poco::cat(std::string(" "), invocation.arguments.begin(),
                                                                                  invocation.arguments.end())));
            return kExitSuccess;
        }
        if (invocation.help) {
            terminal.out << (invocation.command.empty() ? overallHelp() : commandHelp(invocation.command));
            return kExitSuccess;
        }
        if (invocation.command.empty()) {
            terminal.err << overallHelp();
            return kExitUsage;
        }
        Session session(invocation, terminal, HubClient(resolveUrl(invocation, terminal), resolveToken(invocation, terminal)));
        return session.dispatch();
    } catch (const UsageError& error) {
        terminal.err << "hubctl: " << error.what() << "\nRun 'hubctl help' for usage.\n";
        return kExitUsage;
    } catch (const TransportError& error) {
        terminal.err << "hubctl: " << error.what() << "\n";
        return kExitFailed;
    } catch (const BadAnswer& error) {
        terminal.err << "hubctl: " << error.what() << "\n";
        return kExitFailed;
    }
}

}  // namespace hubctl
