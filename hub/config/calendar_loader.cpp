#include "config/calendar_loader.h"

#include <Poco/Exception.h>

#include <set>
#include <vector>

#include "config/hub_config.h"
#include "config/json_file.h"

namespace hub::config {

namespace {

using detail::isArray;
using detail::isObject;
using detail::jsonTypeName;

// Typed access to one JSON object of the calendar; every error names the
// file and the key path, e.g. "calendar.json: years.2026.holidays[3]: ...".
class Element {
  public:
    Element(std::string file, std::string path, Poco::JSON::Object::Ptr object, const std::set<std::string>& allowedKeys)
        : file_(std::move(file)), path_(std::move(path)), object_(std::move(object)) {
        for (const auto& [key, value] : *object_) {
            if (!allowedKeys.contains(key)) fail(key, "unknown key");
        }
    }

    Poco::Dynamic::Var required(const std::string& key) const {
        if (!object_->has(key)) fail(key, "missing");
        return object_->get(key);
    }

    int requiredInteger(const std::string& key) const {
        Poco::Dynamic::Var value = required(key);
        if (!value.isInteger() || value.isBoolean()) fail(key, "expected an integer, got " + jsonTypeName(value));
        try {
            return value.convert<int>();
        } catch (const Poco::Exception&) {
            fail(key, "integer out of range");
        }
    }

    std::string requiredString(const std::string& key) const {
        Poco::Dynamic::Var value = required(key);
        if (!value.isString()) fail(key, "expected a string, got " + jsonTypeName(value));
        std::string text = value.extract<std::string>();
        if (text.empty()) fail(key, "must not be empty");
        return text;
    }

    void optionalString(const std::string& key) const {
        if (object_->has(key) && !object_->get(key).isString()) {
            fail(key, "expected a string, got " + jsonTypeName(object_->get(key)));
        }
    }

    bool optionalBoolean(const std::string& key, bool fallback) const {
        if (!object_->has(key)) return fallback;
        Poco::Dynamic::Var value = object_->get(key);
        if (!value.isBoolean()) fail(key, "expected a boolean, got " + jsonTypeName(value));
        return value.extract<bool>();
    }

    // The strings of an array member, each with its path ("holidays[3]").
    std::vector<std::pair<std::string, std::string>> stringList(const std::string& key) const {
        std::vector<std::pair<std::string, std::string>> items;
        if (!object_->has(key)) return items;
        Poco::Dynamic::Var value = object_->get(key);
        if (!isArray(value)) fail(key, "expected an array of strings, got " + jsonTypeName(value));
        auto array = value.extract<Poco::JSON::Array::Ptr>();
        for (unsigned i = 0; i < array->size(); ++i) {
            std::string itemKey = key + "[" + std::to_string(i) + "]";
            Poco::Dynamic::Var item = array->get(i);
            if (!item.isString()) fail(itemKey, "expected a string, got " + jsonTypeName(item));
            items.emplace_back(itemKey, item.extract<std::string>());
        }
        return items;
    }

    Element child(const std::string& key, const std::set<std::string>& allowedKeys) const {
        Poco::Dynamic::Var value = required(key);
        if (!isObject(value)) fail(key, "expected an object, got " + jsonTypeName(value));
        return Element(file_, join(key), value.extract<Poco::JSON::Object::Ptr>(), allowedKeys);
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

core::Day parseDayAt(const Element& element, const std::string& key, const std::string& text) {
    try {
        return core::parseDay(text);
    } catch (const core::CalendarError&) {
        element.fail(key, "\"" + text + "\" is not a valid date of the form YYYY-MM-DD");
    }
}

// The days one entry stands for: a day, or every day of "FIRST..LAST".
std::vector<core::Day> daysOf(const Element& element, const std::string& key, const std::string& text,
                              bool rangeAllowed) {
    auto separator = text.find("..");
    if (separator == std::string::npos) return {parseDayAt(element, key, text)};
    if (!rangeAllowed) element.fail(key, "expected a single day, got the range \"" + text + "\"");
    core::Day first = parseDayAt(element, key, text.substr(0, separator));
    core::Day last = parseDayAt(element, key, text.substr(separator + 2));
    if (last < first) element.fail(key, "the range \"" + text + "\" ends before it starts");
    std::vector<core::Day> days;
    for (core::Day day = first;; day = core::addCalendarDays(day, 1)) {
        days.push_back(day);
        if (day == last) return days;
    }
}

}  // namespace

core::WorkingCalendar loadCalendar(const std::string& path) {
    Element root(path, "", detail::readJsonObjectFile(path), {"version", "firstYear", "lastYear", "years"});
    if (root.requiredInteger("version") != 1) root.fail("version", "only version 1 is supported");
    const int firstYear = root.requiredInteger("firstYear");
    const int lastYear = root.requiredInteger("lastYear");
    if (firstYear < 1900 || firstYear > 9999) root.fail("firstYear", "must be a year from 1900 to 9999");
    if (lastYear < firstYear || lastYear > 9999) root.fail("lastYear", "must be a year from firstYear to 9999");

    std::set<std::string> expectedYears;
    for (int year = firstYear; year <= lastYear; ++year) expectedYears.insert(std::to_string(year));
    Element years = root.child("years", expectedYears);

    std::vector<core::Day> holidays;
    std::vector<core::Day> workedWeekendDays;
    std::set<core::Day> seen;
    for (const auto& yearKey : expectedYears) {
        const int year = std::stoi(yearKey);
        Element yearElement =
            years.child(yearKey, {"holidays", "workedWeekendDays", "source", "provisional", "note"});
        yearElement.requiredString("source");
        yearElement.optionalBoolean("provisional", false);
        yearElement.optionalString("note");
        auto collect = [&](const std::string& key, std::vector<core::Day>& into, bool rangeAllowed) {
            for (const auto& [itemKey, text] : yearElement.stringList(key)) {
                for (core::Day day : daysOf(yearElement, itemKey, text, rangeAllowed)) {
                    if (day / 10000 != year) yearElement.fail(itemKey, core::formatDay(day) + " is not in " + yearKey);
                    if (!seen.insert(day).second) yearElement.fail(itemKey, core::formatDay(day) + " is listed twice");
                    into.push_back(day);
                }
            }
        };
        collect("holidays", holidays, true);
        collect("workedWeekendDays", workedWeekendDays, false);
        for (const auto& [itemKey, text] : yearElement.stringList("workedWeekendDays")) {
            if (core::isoWeekday(core::parseDay(text)) < 6) {
                yearElement.fail(itemKey, text + " is not a Saturday or Sunday");
            }
        }
    }

    try {
        return core::WorkingCalendar::build(firstYear, lastYear, holidays, workedWeekendDays);
    } catch (const core::CalendarError& error) {
        throw ConfigError(path + ": " + error.what());
    }
}

}  // namespace hub::config
