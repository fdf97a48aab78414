#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "hubctl/commands.h"

int main(int argc, char** argv) {
    std::vector<std::string> arguments(argv + 1, argv + argc);
    hubctl::Terminal terminal(std::cout, std::cerr, std::cin);
    terminal.stdoutIsTty = ::isatty(STDOUT_FILENO) == 1;
    terminal.stdinIsTty = ::isatty(STDIN_FILENO) == 1;
    for (const char* name : {"HUBCTL_URL", "HUBCTL_TOKEN", "NO_COLOR"})
        if (const char* value = std::getenv(name); value && *value) terminal.environment[name] = value;
    return hubctl::run(arguments, terminal);
}
