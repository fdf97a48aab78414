#pragma once

#include <string>

namespace deptsim {

enum class LogLevel { Info, Warning, Error };

// One line on standard error with a UTC timestamp and the level. Thread-safe.
// Callers never pass XML bodies or personal data.
void logLine(LogLevel level, const std::string& text);

}  // namespace deptsim
