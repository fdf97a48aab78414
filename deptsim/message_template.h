#pragma once

#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace deptsim {

class TemplateError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Named values for a template: every name holds a list (usually one value).
class TemplateValues {
  public:
    void set(const std::string& name, std::string value);
    void add(const std::string& name, std::string value);
    void setList(const std::string& name, std::vector<std::string> values);
    // A flag is a name holding "true"; an absent flag is false.
    void flag(const std::string& name, bool on = true);
    // Copies every value of `other`, replacing names it also holds.
    void merge(const TemplateValues& other);

    const std::vector<std::string>* find(std::string_view name) const;
    std::string first(std::string_view name) const;
    const std::map<std::string, std::vector<std::string>, std::less<>>& all() const { return values_; }

  private:
    std::map<std::string, std::vector<std::string>, std::less<>> values_;
};

// A message template with {{placeholders}}, compiled once:
//   {{name}}                 the first value of `name`, XML-escaped (empty when absent)
//   {{#name}}…{{/name}}      the block once per value of `name`; {{.}} is that value
//   {{?name}}…{{/name}}      the block once when `name` has a non-empty value
//   {{^name}}…{{/name}}      the block once when it has none
// Rendering is const and thread-safe.
class MessageTemplate {
  public:
    // Throws TemplateError (naming `origin`) on unbalanced or empty tags.
    MessageTemplate(std::string_view text, std::string origin);
    static MessageTemplate fromFile(const std::string& path);

    std::string render(const TemplateValues& values) const;
    const std::string& origin() const { return origin_; }

    struct Node;

  private:
    std::string origin_;
    std::shared_ptr<const std::vector<Node>> nodes_;
};

std::string escapeXml(std::string_view text);

}  // namespace deptsim
