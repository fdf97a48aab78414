#pragma once

#include <string>
#include <string_view>

namespace hub::xml {

// `text` escaped for XML character data and attribute values (& < > " ').
// Does not check that the characters are allowed in XML.
inline std::string escapeText(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&apos;"; break;
            default: out += c;
        }
    }
    return out;
}

}  // namespace hub::xml
