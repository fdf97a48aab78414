#include "http/representation.h"

#include <map>
#include <sstream>
#include <stdexcept>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>
#include <Poco/String.h>

#include "xml/escape.h"

namespace hub::http {
namespace {

std::string singular(const std::string& key) {
    static const std::map<std::string, std::string> special = {
        {"criticalPath", "permit"}, {"statutoryCriticalPath", "permit"}, {"addedPermits", "permit"},
        {"needs", "permit"},        {"items", "application"},          {"usccAllowList", "code"}};
    if (auto it = special.find(key); it != special.end()) return it->second;
    if (key.size() > 3 && key.ends_with("ies")) return key.substr(0, key.size() - 3) + "y";
    if (key.size() > 1 && key.ends_with("s")) return key.substr(0, key.size() - 1);
    return "item";
}

void writeValue(std::ostream& out, const std::string& name, const Poco::Dynamic::Var& value);

void writeObject(std::ostream& out, const Poco::JSON::Object& object) {
    std::vector<std::string> names;
    object.getNames(names);
    for (const auto& name : names) writeValue(out, name, object.get(name));
}

void writeValue(std::ostream& out, const std::string& name, const Poco::Dynamic::Var& value) {
    if (value.isEmpty()) return;
    if (value.type() == typeid(Poco::JSON::Object::Ptr)) {
        out << '<' << name << '>';
        writeObject(out, *value.extract<Poco::JSON::Object::Ptr>());
        out << "</" << name << '>';
    } else if (value.type() == typeid(Poco::JSON::Array::Ptr)) {
        const auto& array = *value.extract<Poco::JSON::Array::Ptr>();
        out << '<' << name << '>';
        const std::string child = singular(name);
        for (std::size_t i = 0; i < array.size(); ++i) writeValue(out, child, array.get(i));
        out << "</" << name << '>';
    } else {
        out << '<' << name << '>' << xml::escapeText(value.convert<std::string>()) << "</" << name << '>';
    }
}

}  // namespace

bool prefersXml(const std::string& acceptHeader) {
    std::string accept = Poco::toLower(acceptHeader);
    auto position = [&](const char* type) {
        auto at = accept.find(type);
        return at == std::string::npos ? std::string::npos : at;
    };
    std::size_t xml = std::min({position("application/xml"), position("text/xml"), position("application/problem+xml")});
    if (xml == std::string::npos) return false;
    std::size_t json = std::min(position("application/json"), position("application/problem+json"));
    return json == std::string::npos || xml < json;
}

std::string jsonToXml(const std::string& json, const std::string& rootElement, const std::string& xmlNamespace) {
    Poco::JSON::Parser parser(new Poco::JSON::ParseHandler(true));
    Poco::Dynamic::Var parsed;
    try {
        parsed = parser.parse(json);
    } catch (const Poco::Exception& error) {
        throw std::runtime_error("jsonToXml: invalid JSON: " + error.displayText());
    }
    std::ostringstream out;
    out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<" << rootElement;
    if (!xmlNamespace.empty()) out << " xmlns=\"" << xml::escapeText(xmlNamespace) << '"';
    out << '>';
    if (parsed.type() == typeid(Poco::JSON::Object::Ptr)) writeObject(out, *parsed.extract<Poco::JSON::Object::Ptr>());
    out << "</" << rootElement << ">\n";
    return out.str();
}

}  // namespace hub::http
