#include "deptsim/message_template.h"

#include "xml/escape.h"

#include <fstream>
#include <sstream>

namespace deptsim {

struct MessageTemplate::Node {
    enum class Kind { Text, Value, Current, Each, IfSet, IfUnset };
    Kind kind = Kind::Text;
    std::string text;  // literal text, or the name
    std::vector<Node> children;
};

void TemplateValues::set(const std::string& name, std::string value) { values_[name] = {std::move(value)}; }
void TemplateValues::add(const std::string& name, std::string value) { values_[name].push_back(std::move(value)); }
void TemplateValues::setList(const std::string& name, std::vector<std::string> values) {
    values_[name] = std::move(values);
}
void TemplateValues::flag(const std::string& name, bool on) {
    if (on)
        values_[name] = {"true"};
    else
        values_.erase(name);
}
void TemplateValues::merge(const TemplateValues& other) {
    for (const auto& [name, list] : other.values_) values_[name] = list;
}
const std::vector<std::string>* TemplateValues::find(std::string_view name) const {
    auto it = values_.find(name);
    return it == values_.end() ? nullptr : &it->second;
}
std::string TemplateValues::first(std::string_view name) const {
    const auto* list = find(name);
    return list && !list->empty() ? list->front() : std::string();
}

std::string escapeXml(std::string_view text) { return hub::xml::escapeText(text); }

namespace {

using Node = MessageTemplate::Node;

struct Parser {
    std::string_view text;
    const std::string& origin;
    std::size_t pos = 0;

    [[noreturn]] void fail(const std::string& what) const {
        throw TemplateError(origin + ": " + what + " at offset " + std::to_string(pos));
    }

    // Parses until the closing tag of `section` (or the end when empty).
    std::vector<Node> parse(const std::string& section) {
        std::vector<Node> nodes;
        while (pos < text.size()) {
            const auto open = text.find("{{", pos);
            if (open != pos) {
                const auto end = open == std::string_view::npos ? text.size() : open;
                nodes.push_back({Node::Kind::Text, std::string(text.substr(pos, end - pos)), {}});
                pos = end;
                continue;
            }
            const auto close = text.find("}}", open + 2);
            if (close == std::string_view::npos) fail("unterminated {{");
            std::string tag(text.substr(open + 2, close - open - 2));
            pos = close + 2;
            if (tag.empty()) fail("empty tag");
            const char sigil = tag.front();
            if (sigil == '/') {
                if (tag.substr(1) != section) fail("unexpected {{" + tag + "}}");
                return nodes;
            }
            if (sigil == '#' || sigil == '?' || sigil == '^') {
                std::string name = tag.substr(1);
                if (name.empty()) fail("section without a name");
                Node node{sigil == '#' ? Node::Kind::Each : sigil == '?' ? Node::Kind::IfSet : Node::Kind::IfUnset, name,
                          {}};
                node.children = parse(name);
                nodes.push_back(std::move(node));
            } else if (tag == ".") {
                nodes.push_back({Node::Kind::Current, {}, {}});
            } else {
                nodes.push_back({Node::Kind::Value, tag, {}});
            }
        }
        if (!section.empty()) fail("missing {{/" + section + "}}");
        return nodes;
    }
};

bool hasValue(const std::vector<std::string>* list) {
    if (!list) return false;
    for (const auto& value : *list)
        if (!value.empty()) return true;
    return false;
}

void renderNodes(const std::vector<Node>& nodes, const TemplateValues& values, const std::string* current,
                 std::string& out) {
    for (const auto& node : nodes) {
        switch (node.kind) {
            case Node::Kind::Text: out += node.text; break;
            case Node::Kind::Value: out += escapeXml(values.first(node.text)); break;
            case Node::Kind::Current:
                if (current) out += escapeXml(*current);
                break;
            case Node::Kind::Each:
                if (const auto* list = values.find(node.text))
                    for (const auto& item : *list) renderNodes(node.children, values, &item, out);
                break;
            case Node::Kind::IfSet:
                if (hasValue(values.find(node.text))) renderNodes(node.children, values, current, out);
                break;
            case Node::Kind::IfUnset:
                if (!hasValue(values.find(node.text))) renderNodes(node.children, values, current, out);
                break;
        }
    }
}

}  // namespace

MessageTemplate::MessageTemplate(std::string_view text, std::string origin) : origin_(std::move(origin)) {
    Parser parser{text, origin_};
    nodes_ = std::make_shared<const std::vector<Node>>(parser.parse({}));
}

MessageTemplate MessageTemplate::fromFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw TemplateError(path + ": cannot read template");
    std::ostringstream text;
    text << in.rdbuf();
    return MessageTemplate(text.str(), path);
}

std::string MessageTemplate::render(const TemplateValues& values) const {
    std::string out;
    renderNodes(*nodes_, values, nullptr, out);
    return out;
}

}  // namespace deptsim
