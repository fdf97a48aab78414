#include "config/json_file.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Parser.h>

#include <fstream>
#include <sstream>

#include "config/hub_config.h"

namespace hub::config::detail {

Poco::JSON::Object::Ptr readJsonObjectFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ConfigError(path + ": cannot read the file");
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) throw ConfigError(path + ": cannot read the file");

    Poco::Dynamic::Var parsed;
    try {
        Poco::JSON::Parser parser;
        parsed = parser.parse(text.str());
    } catch (const Poco::Exception& error) {
        throw ConfigError(path + ": invalid JSON: " + error.displayText());
    }
    if (!isObject(parsed)) throw ConfigError(path + ": the top level must be a JSON object");
    return parsed.extract<Poco::JSON::Object::Ptr>();
}

bool isObject(const Poco::Dynamic::Var& value) { return value.type() == typeid(Poco::JSON::Object::Ptr); }

bool isArray(const Poco::Dynamic::Var& value) { return value.type() == typeid(Poco::JSON::Array::Ptr); }

std::string jsonTypeName(const Poco::Dynamic::Var& value) {
    if (value.isEmpty()) return "null";
    if (isObject(value)) return "an object";
    if (isArray(value)) return "an array";
    if (value.isBoolean()) return "a boolean";
    if (value.isString()) return "a string";
    if (value.isInteger()) return "an integer";
    if (value.isNumeric()) return "a number";
    return "a value of another type";
}

}  // namespace hub::config::detail
