#pragma once

#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

#include "xml/document.h"

namespace hub::adapter::test {

inline std::string sourcePath(std::string_view relative) {
    return std::string(HUB_SOURCE_DIR) + "/" + std::string(relative);
}

inline std::string readFile(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path.string());
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

inline void writeFile(const std::filesystem::path& path, std::string_view content) {
    std::filesystem::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary);
    out << content;
    if (!out) throw std::runtime_error("cannot write " + path.string());
}

inline std::string replaceOnce(std::string text, std::string_view from, std::string_view to) {
    auto at = text.find(from);
    if (at == std::string::npos) throw std::runtime_error("replaceOnce: not found: " + std::string(from));
    return text.replace(at, from.size(), to);
}

inline xml::Document parseOrThrow(std::string_view bytes) {
    auto parsed = xml::parseSafely(bytes, xml::ParseOptions{256});
    if (!parsed.ok()) {
        throw std::runtime_error("test input does not parse: " +
                                 (parsed.errors.empty() ? std::string() : parsed.errors.front().message));
    }
    return std::move(*parsed.document);
}

inline xml::Document parseFile(const std::filesystem::path& path) { return parseOrThrow(readFile(path)); }

// Canonical XML with indentation ignored: equal for documents that differ
// only in formatting, namespace prefixes' placement aside.
inline std::string canonical(const xml::Document& document) { return xml::canonicalize(document, true); }

// A fresh folder under the system temporary directory, removed on destruction.
class TempDir {
  public:
    TempDir() {
        std::random_device random;
        path_ = std::filesystem::temp_directory_path() /
                ("hub-adapter-test-" + std::to_string(random()) + "-" + std::to_string(random()));
        std::filesystem::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }

  private:
    std::filesystem::path path_;
};

inline const std::set<std::string, std::less<>>& standardTransportKinds() {
    static const std::set<std::string, std::less<>> kinds{"rest-xml", "soap11", "epc", "customs"};
    return kinds;
}

}  // namespace hub::adapter::test
