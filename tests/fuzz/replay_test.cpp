#define BOOST_TEST_MODULE fuzz_replay
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "fuzz_targets.h"

// Replays, without libFuzzer, every input a harness ever crashed on
// (tests/fuzz/regressions/<harness>/) and every seed of its corpus
// (tests/fuzz/seeds.list) through the harness function: each must return 0.
// A broken invariant aborts this process; a sanitizer build reports memory
// errors and undefined behaviour.

namespace fs = std::filesystem;

namespace {

fs::path source(const std::string& relative) { return fs::path(HUB_SOURCE_DIR) / relative; }

std::string readFile(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path.string());
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

struct Input {
    fs::path file;
    std::string bytes;
};

std::vector<fs::path> filesUnder(const fs::path& folder, bool xmlOnly) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::recursive_directory_iterator(folder)) {
        if (!entry.is_regular_file()) continue;
        const std::string name = entry.path().filename().string();
        if (name.front() == '.' || name == "README.md") continue;
        if (xmlOnly && entry.path().extension() != ".xml") continue;
        files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    return files;
}

// harness -> its seeds, read as scripts/fuzz reads them.
std::map<std::string, std::vector<Input>> seeds() {
    std::map<std::string, std::vector<Input>> found;
    std::istringstream lines(readFile(source("tests/fuzz/seeds.list")));
    std::string line;
    while (std::getline(lines, line)) {
        if (line.empty() || line.front() == '#') continue;
        std::istringstream fields(line);
        std::string harness, department, folder;
        if (!(fields >> harness >> department >> folder)) throw std::runtime_error("seeds.list: bad line: " + line);
        const std::string prefix = department == "-" ? "" : std::string(1, hub::fuzz::departmentSelector(department));
        for (const auto& file : filesUnder(source(folder), true))
            found[harness].push_back({file, prefix + readFile(file)});
    }
    return found;
}

std::vector<Input> regressions(const std::string& harness) {
    std::vector<Input> found;
    const fs::path folder = source("tests/fuzz/regressions/" + harness);
    if (!fs::exists(folder)) return found;
    for (const auto& file : filesUnder(folder, false)) found.push_back({file, readFile(file)});
    return found;
}

void replay(const hub::fuzz::Harness& harness, const std::vector<Input>& inputs) {
    for (const auto& input : inputs) {
        BOOST_TEST_CONTEXT(harness.name << " " << input.file.string()) {
            BOOST_TEST(harness.run(input.bytes) == 0);
        }
    }
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_harness_has_seeds) {
    const auto all = seeds();
    for (const auto& harness : hub::fuzz::harnesses()) {
        BOOST_TEST_CONTEXT(harness.name) {
            BOOST_TEST(all.count(harness.name) == 1u);
            if (all.count(harness.name) == 1u) BOOST_TEST(all.at(harness.name).size() >= 3u);
        }
    }
    for (const auto& [name, inputs] : all) {
        const bool known = std::any_of(hub::fuzz::harnesses().begin(), hub::fuzz::harnesses().end(),
                                       [&](const auto& harness) { return harness.name == name; });
        BOOST_TEST(known, "seeds.list names an unknown harness " << name);
    }
}

BOOST_AUTO_TEST_CASE(regressions_replay) {
    for (const auto& harness : hub::fuzz::harnesses()) {
        BOOST_TEST(fs::is_directory(source("tests/fuzz/regressions/" + harness.name)), harness.name);
        replay(harness, regressions(harness.name));
    }
}

BOOST_AUTO_TEST_CASE(seeds_replay) {
    const auto all = seeds();
    for (const auto& harness : hub::fuzz::harnesses())
        if (auto it = all.find(harness.name); it != all.end()) replay(harness, it->second);
}

// Every permit's CORRECTION call is rendered by the supplement harness: none
// is left out because it fails to render even with a minimal supplement.
BOOST_AUTO_TEST_CASE(supplement_harness_renders_every_permit) {
    const std::vector<std::string> expected{"P01", "P02", "P03", "P04", "P05", "P06",
                                            "P07", "P08", "P09", "P10", "P11", "P12"};
    std::vector<std::string> rendered = hub::fuzz::supplementRenderedPermits();
    std::sort(rendered.begin(), rendered.end());
    BOOST_TEST(rendered == expected, boost::test_tools::per_element());
}

// The selector bytes are stable: scripts/fuzz computes them the same way
// (departments in byte order of their codes, 'A' first).
BOOST_AUTO_TEST_CASE(department_selectors_follow_code_order) {
    BOOST_TEST(hub::fuzz::departmentSelector("CCS") == 'A');
    BOOST_TEST(hub::fuzz::departmentSelector("CUSTOMS") == 'B');
    BOOST_TEST(hub::fuzz::departmentSelector("MOT") == 'C');
    BOOST_TEST(hub::fuzz::departmentSelector("MSA") == 'D');
    BOOST_TEST(hub::fuzz::departmentSelector("SAMR") == 'E');
    BOOST_CHECK_THROW(hub::fuzz::departmentSelector("NOPE"), std::invalid_argument);
}
