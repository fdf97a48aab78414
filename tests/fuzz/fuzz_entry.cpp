#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_targets.h"

// One libFuzzer executable per harness: HUB_FUZZ_HARNESS names the function
// of fuzz_targets.h this one runs.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return hub::fuzz::HUB_FUZZ_HARNESS(std::string_view(reinterpret_cast<const char*>(data), size));
}
