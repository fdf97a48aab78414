#pragma once

#include <string>
#include <string_view>
#include <vector>

// The bodies of the libFuzzer harnesses, shared by the libFuzzer executables
// (fuzz_entry.cpp) and the g++ replay test (replay_test.cpp). Each one feeds
// one hostile input to the hub code that reads it in production and checks
// that code's contract: it returns 0 when the contract holds, prints the
// broken invariant and calls std::abort() when it does not, and lets any
// exception escape (the code under test promises not to throw for bad input).
// The project's shipped files (schemas, catalogue, adapters) are loaded once,
// on first use, from HUB_SOURCE_DIR.
namespace hub::fuzz {

// Bytes -> xml::PackageReader::read -> core::assessPackage with the shipped
// catalogue, as the intake of POST /api/v1/applications.
int fuzzPackage(std::string_view bytes);

// The first byte selects a department (see departmentSelector), the rest is
// one of its messages -> adapter::mapDepartmentMessage. Synchronous answers
// (SOAP envelopes for MOT), callbacks and poll results all take this one path
// (dispatcher and callback service alike), so one harness covers both.
int fuzzDepartmentMessage(std::string_view bytes);

// Bytes -> the correction supplement checks of POST .../corrections (safe
// parse, supplement.xsd, the named permit); a supplement that passes them is
// then built into a CORRECTION case document and rendered for the permit's
// department, which must succeed whenever the same call renders without it.
int fuzzSupplement(std::string_view bytes);

// The permits whose CORRECTION call fuzzSupplement renders (those that render
// with a minimal supplement), in catalogue order.
std::vector<std::string> supplementRenderedPermits();

// The byte that makes fuzzDepartmentMessage pick the department with this
// code ('A' for the first code in byte order, 'B' for the second, …).
// Throws std::invalid_argument for an unknown code.
char departmentSelector(std::string_view code);

struct Harness {
    std::string name;  // the folder name under tests/fuzz/regressions/
    int (*run)(std::string_view bytes);
};
const std::vector<Harness>& harnesses();

}  // namespace hub::fuzz
