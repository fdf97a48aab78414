#pragma once

#include <chrono>
#include <functional>
#include <iosfwd>
#include <map>
#include <string>
#include <vector>

#include "hubctl/client.h"
#include "hubctl/render.h"

namespace hubctl {

// Everything a run touches besides its arguments, injected so tests can
// drive commands without a real terminal.
struct Terminal {
    // Not a TTY, empty environment, sleep really sleeps.
    Terminal(std::ostream& out, std::ostream& err, std::istream& in);

    std::ostream& out;
    std::ostream& err;
    std::istream& in;
    bool stdoutIsTty = false;
    bool stdinIsTty = false;
    // Only HUBCTL_URL, HUBCTL_TOKEN and NO_COLOR are read.
    std::map<std::string, std::string> environment;
    std::function<void(std::chrono::milliseconds)> sleep;
};

struct OptionSpec {
    std::string name;       // without the leading "--"
    std::string valueName;  // empty for a flag
    std::string help;
};

struct CommandSpec {
    std::string name;       // "submit", or "token issue" for a sub-command
    std::string arguments;  // the positional part of the synopsis, e.g. "ID PERMIT FILE"
    std::string summary;
    std::string description;
    std::vector<OptionSpec> options;
    std::size_t minArguments = 0;
    std::size_t maxArguments = 0;
    bool admin = false;
};

const std::vector<CommandSpec>& commandSpecs();
const CommandSpec* findCommand(const std::string& name);

// The command line, split. Global options may appear anywhere; a command's
// own options only after the command's name.
struct Invocation {
    std::string command;  // empty when none was given
    std::vector<std::string> arguments;
    std::map<std::string, std::string> options;  // a command's options; flags map to ""
    std::string url;
    std::string token;
    std::string tokenFile;
    bool json = false;
    bool help = false;
    bool version = false;

    bool has(const std::string& option) const { return options.count(option) != 0; }
    std::string option(const std::string& name, const std::string& fallback = {}) const;
};

// Throws UsageError for an unknown command or option, a missing option value
// or a wrong number of arguments (the count is not checked when --help is given).
Invocation parseArguments(const std::vector<std::string>& arguments);

std::string overallHelp();
// The help of a command, or of every sub-command of a group ("token").
// Throws UsageError for an unknown name.
std::string commandHelp(const std::string& name);

// The Idempotency-Key submit sends by default: derived from the file's bytes
// only, so running the same submit again replays the first answer.
std::string idempotencyKeyFor(const std::string& packageBytes);

// Runs one hubctl command line (without the program name) and returns its exit code.
int run(const std::vector<std::string>& arguments, Terminal& terminal);

}  // namespace hubctl
