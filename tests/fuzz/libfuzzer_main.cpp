// libFuzzer's entry point for one target of fuzz_targets.h, chosen at build
// time (-DVC_FUZZ_TARGET=\"event_batch\"). Built by bench/fuzz.sh with clang,
// -fsanitize=fuzzer,address,undefined; not part of the CMake build.

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "fuzz/fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const vc::fuzz::Target* target = [] {
    for (const auto& t : vc::fuzz::targets())
      if (std::strcmp(t.name, VC_FUZZ_TARGET) == 0) return &t;
    std::abort();
  }();
  target->run(std::string_view(reinterpret_cast<const char*>(data), size));  // an exception escaping aborts: a finding
  return 0;
}
