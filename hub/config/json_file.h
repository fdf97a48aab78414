#pragma once

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <string>

namespace hub::config::detail {

// Reads and parses a JSON file whose top level must be an object. Throws
// ConfigError ("FILE: cannot read the file", "FILE: invalid JSON: ...").
Poco::JSON::Object::Ptr readJsonObjectFile(const std::string& path);

bool isObject(const Poco::Dynamic::Var& value);
bool isArray(const Poco::Dynamic::Var& value);

// For "expected an integer, got a string" messages.
std::string jsonTypeName(const Poco::Dynamic::Var& value);

}  // namespace hub::config::detail
