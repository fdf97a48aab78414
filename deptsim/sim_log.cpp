#include "deptsim/sim_log.h"

#include <iostream>
#include <mutex>

#include "core/clock.h"
#include "deptsim/sim_time.h"

namespace deptsim {

void logLine(LogLevel level, const std::string& text) {
    static std::mutex mutex;
    const char* name = level == LogLevel::Info ? "INFO" : level == LogLevel::Warning ? "WARN" : "ERROR";
    const std::string line = hub::core::formatRfc3339(nowMillis()) + " " + name + " " + text + "\n";
    std::lock_guard lock(mutex);
    std::cerr << line << std::flush;
}

}  // namespace deptsim
