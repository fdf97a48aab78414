#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

#include <unistd.h>

#include "core/diagnostics.h"

namespace hub::xml::test {

inline std::string sourcePath(std::string_view relative) {
    return std::string(HUB_SOURCE_DIR) + "/" + std::string(relative);
}

inline std::string schemasDir() { return sourcePath("schemas"); }

inline std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw std::runtime_error("cannot read " + path);
    }
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

inline std::string readSource(std::string_view relative) { return readFile(sourcePath(relative)); }

inline void writeFile(const std::filesystem::path& path, std::string_view content) {
    std::ofstream out(path, std::ios::binary);
    out << content;
    if (!out) {
        throw std::runtime_error("cannot write " + path.string());
    }
}

// 1-based line of the first occurrence of `needle` in `text`; 0 when absent.
inline int lineOf(std::string_view text, std::string_view needle) {
    auto at = text.find(needle);
    if (at == std::string_view::npos) {
        return 0;
    }
    int line = 1;
    for (std::size_t i = 0; i < at; ++i) {
        line += text[i] == '\n' ? 1 : 0;
    }
    return line;
}

inline std::string replaceOnce(std::string text, std::string_view from, std::string_view to) {
    auto at = text.find(from);
    if (at == std::string::npos) {
        throw std::runtime_error("replaceOnce: not found: " + std::string(from));
    }
    return text.replace(at, from.size(), to);
}

inline bool hasCode(const core::ValidationErrors& errors, std::string_view code) {
    for (const auto& e : errors) {
        if (e.code == code) {
            return true;
        }
    }
    return false;
}

inline std::string describe(const core::ValidationErrors& errors) {
    std::string out;
    for (const auto& e : errors) {
        out += e.code + " at " + e.location.path + ":" + std::to_string(e.location.line) + ": " + e.message + "\n";
    }
    return out;
}

// A fresh directory under the system temp dir, removed on destruction.
class TempDir {
  public:
    TempDir() {
        auto base = std::filesystem::temp_directory_path();
        for (int i = 0;; ++i) {
            path_ = base / ("hub-xml-test-" + std::to_string(::getpid()) + "-" + std::to_string(i));
            if (std::filesystem::create_directory(path_)) {
                break;
            }
        }
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

}  // namespace hub::xml::test
