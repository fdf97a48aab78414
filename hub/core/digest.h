#pragma once

#include <string>

namespace hub::core {

// Lower-case hex SHA-256 of `bytes`: the one digest the hub records for
// packages, messages, tokens and the audit trail.
std::string sha256Hex(const std::string& bytes);

}  // namespace hub::core
