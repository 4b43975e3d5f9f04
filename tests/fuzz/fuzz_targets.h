#pragma once
// The readers an attacker reaches first, each as one function of raw bytes,
// for a fuzzer to drive: a batch of events as POST /api/v1/events reads it
// (the strict JSON reader, then the event decoder), a web form body, a
// request target (path and query), and a JSON body. Each returns normally for
// input it accepts or refuses as it should (vc::Error, JsonSyntaxError); any
// other exception, a crash, or a sanitizer report is a finding. They also
// check a few properties that must hold for every input they accept.
// Used by the deterministic mutation run in the test suite (mutation_main.cpp)
// and by libFuzzer for long runs (libfuzzer_main.cpp, bench/fuzz.sh).

#include <string_view>
#include <vector>

namespace vc::fuzz {

struct Target {
  const char* name;
  bool (*run)(std::string_view input);  // true when the input was accepted (got past every check)
  std::vector<std::string_view> seeds;  // valid inputs to start mutating from (more are read from the demo data)
};

const std::vector<Target>& targets();

}  // namespace vc::fuzz
