#include <Poco/Exception.h>

#include <set>

#include "config/hub_config.h"
#include "config/json_file.h"

namespace hub::config {

namespace {

using detail::isArray;
using detail::isObject;
using detail::jsonTypeName;

// Typed access to one JSON object of the catalogue; every error names the
// file and the element path, e.g. "catalogue.json: permits[2].needs: ...".
class Element {
  public:
    Element(const std::string& file, std::string path, Poco::JSON::Object::Ptr object,
            std::set<std::string> allowedKeys)
        : file_(file), path_(std::move(path)), object_(std::move(object)) {
        for (const auto& [key, value] : *object_) {
            if (!allowedKeys.contains(key)) fail(key, "unknown key");
        }
    }

    std::string requiredString(const std::string& key) const {
        if (!object_->has(key)) fail(key, "missing");
        std::string value = optionalString(key);
        if (value.empty()) fail(key, "must not be empty");
        return value;
    }

    std::string optionalString(const std::string& key) const {
        if (!object_->has(key)) return {};
        Poco::Dynamic::Var value = object_->get(key);
        if (!value.isString()) fail(key, "expected a string, got " + jsonTypeName(value));
        return value.extract<std::string>();
    }

    int requiredInteger(const std::string& key) const {
        if (!object_->has(key)) fail(key, "missing");
        Poco::Dynamic::Var value = object_->get(key);
        if (!value.isInteger() || value.isBoolean()) fail(key, "expected an integer, got " + jsonTypeName(value));
        try {
            return value.convert<int>();
        } catch (const Poco::Exception&) {
            fail(key, "integer out of range");
        }
    }

    bool optionalBoolean(const std::string& key, bool fallback) const {
        if (!object_->has(key)) return fallback;
        Poco::Dynamic::Var value = object_->get(key);
        if (!value.isBoolean()) fail(key, "expected a boolean, got " + jsonTypeName(value));
        return value.extract<bool>();
    }

    std::vector<std::string> stringList(const std::string& key) const {
        std::vector<std::string> items;
        if (!object_->has(key)) return items;
        Poco::Dynamic::Var value = object_->get(key);
        if (!isArray(value)) fail(key, "expected an array of strings, got " + jsonTypeName(value));
        auto array = value.extract<Poco::JSON::Array::Ptr>();
        for (unsigned i = 0; i < array->size(); ++i) {
            Poco::Dynamic::Var item = array->get(i);
            if (!item.isString() || item.extract<std::string>().empty()) {
                fail(key + "[" + std::to_string(i) + "]", "expected a non-empty string");
            }
            items.push_back(item.extract<std::string>());
        }
        return items;
    }

    // The objects of an array member, each as an Element with its own path.
    std::vector<Element> objects(const std::string& key, const std::set<std::string>& allowedKeys) const {
        if (!object_->has(key)) fail(key, "missing");
        Poco::Dynamic::Var value = object_->get(key);
        if (!isArray(value)) fail(key, "expected an array, got " + jsonTypeName(value));
        auto array = value.extract<Poco::JSON::Array::Ptr>();
        std::vector<Element> elements;
        for (unsigned i = 0; i < array->size(); ++i) {
            std::string itemPath = key + "[" + std::to_string(i) + "]";
            Poco::Dynamic::Var item = array->get(i);
            if (!isObject(item)) fail(itemPath, "expected an object, got " + jsonTypeName(item));
            elements.emplace_back(file_, join(itemPath), item.extract<Poco::JSON::Object::Ptr>(), allowedKeys);
        }
        return elements;
    }

    [[noreturn]] void fail(const std::string& key, const std::string& message) const {
        throw ConfigError(file_ + ": " + join(key) + ": " + message);
    }

  private:
    std::string join(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

    std::string file_;
    std::string path_;
    Poco::JSON::Object::Ptr object_;
};

}  // namespace

core::Catalogue loadCatalogue(const std::string& path) {
    Element root(path, "", detail::readJsonObjectFile(path), {"version", "departments", "permits"});
    if (root.requiredInteger("version") != 1) root.fail("version", "only version 1 is supported");

    std::vector<core::Department> departments;
    for (const auto& element : root.objects("departments", {"code", "name"})) {
        departments.push_back({element.requiredString("code"), element.requiredString("name")});
    }

    std::vector<core::PermitItem> permits;
    for (const auto& element :
         root.objects("permits", {"id", "nameZh", "nameEn", "department", "needs", "statutoryWorkingDays",
                                  "promisedWorkingDays", "outputs", "concernsVessel", "requiredAttachments"})) {
        core::PermitItem permit;
        permit.id = element.requiredString("id");
        permit.nameZh = element.requiredString("nameZh");
        permit.nameEn = element.requiredString("nameEn");
        permit.department = element.requiredString("department");
        permit.needs = element.stringList("needs");
        permit.statutoryWorkingDays = element.requiredInteger("statutoryWorkingDays");
        permit.promisedWorkingDays = element.requiredInteger("promisedWorkingDays");
        permit.outputs = element.stringList("outputs");
        permit.concernsVessel = element.optionalBoolean("concernsVessel", false);
        permit.requiredAttachments = element.stringList("requiredAttachments");
        permits.push_back(std::move(permit));
    }

    try {
        return core::Catalogue::build(std::move(departments), std::move(permits));
    } catch (const core::CatalogueError& error) {
        throw ConfigError(path + ": " + error.what());
    }
}

}  // namespace hub::config
