// A short, deterministic fuzz run for the test suite: every target in
// fuzz_targets.h gets its seeds (and each line of the demo events) mutated
// with a fixed-seed generator, built with AddressSanitizer and
// UndefinedBehaviorSanitizer (so memory errors and undefined behaviour abort
// the run). The same inputs every run, so a failure can be reproduced; the
// failing input is printed in hex. Long, coverage-guided runs use libFuzzer:
// bench/fuzz.sh.
//
// Usage: fuzz_inputs SOURCE_DIR [ITERATIONS_PER_TARGET]

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "fuzz/fuzz_targets.h"

namespace {

// Fragments a mutation may splice in: what the readers look for, and what breaks naive ones.
const std::vector<std::string> kDictionary = {
    "{", "}", "[", "]", ",", ":", "\"", "\\", "\\u0000", "\\u0007", "\\ud800", "\\n", "\r\n", "%", "%0", "%zz", "%00",
    "%0D%0A", "+", "&", "=", "?", "#", "/", "..", "null", "true", "1e999", "-0", "\xff", "\xc0\x80", "\xe2\x80\xae",
    "\"id\":", "\"id\":\"x\"", "\"type\":\"victim.updated\"", "\"email\":\"a@b.c\\r\\nRCPT TO:<x@y.z>\"",
    "\"occurred_at\":\"9999-12-31T23:59:60+23:59\"", "\"date_of_birth\":\"1899-12-31\"", "\"case_urn\":\"A/B\"",
    "\"offences\":[]", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", "{\"a\":{\"a\":{\"a\":{\"a\":{}}}}}"};

std::string mutate(std::string s, std::mt19937_64& rng) {
  auto pick = [&](size_t n) { return n == 0 ? size_t{0} : static_cast<size_t>(rng() % n); };
  const int rounds = 1 + static_cast<int>(rng() % 4);
  for (int r = 0; r < rounds; ++r) {
    switch (rng() % 6) {
      case 0:  // flip a bit
        if (!s.empty()) s[pick(s.size())] ^= static_cast<char>(1u << (rng() % 8));
        break;
      case 1:  // a random byte
        s.insert(pick(s.size() + 1), 1, static_cast<char>(rng() % 256));
        break;
      case 2:  // delete a run
        if (!s.empty()) {
          const size_t at = pick(s.size());
          s.erase(at, 1 + pick(std::min<size_t>(16, s.size() - at)));
        }
        break;
      case 3:  // a dictionary fragment
        s.insert(pick(s.size() + 1), kDictionary[pick(kDictionary.size())]);
        break;
      case 4:  // repeat a slice (long values, deep nesting)
        if (!s.empty()) {
          const size_t at = pick(s.size()), len = 1 + pick(std::min<size_t>(64, s.size() - at));
          const std::string slice = s.substr(at, len);
          for (size_t k = 0, n = 1 + pick(64); k < n; ++k) s.insert(at, slice);
        }
        break;
      default:  // overwrite a byte with a digit or a quote
        if (!s.empty()) s[pick(s.size())] = "0123456789\"-:T"[pick(14)];
        break;
    }
  }
  return s.size() > (256u << 10) ? s.substr(0, 256u << 10) : s;
}

std::string hex(const std::string& s) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s.substr(0, 4096)) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: fuzz_inputs SOURCE_DIR [ITERATIONS_PER_TARGET]\n");
    return 64;
  }
  const long iterations = argc > 2 ? std::atol(argv[2]) : 20000;
  std::vector<std::string> demo_lines;
  std::ifstream demo(std::string(argv[1]) + "/config/demo/events.jsonl");
  for (std::string line; std::getline(demo, line);)
    if (!line.empty()) demo_lines.push_back(line);

  int findings = 0;
  for (const auto& target : vc::fuzz::targets()) {
    std::vector<std::string> corpus(target.seeds.begin(), target.seeds.end());
    if (std::string(target.name) == "event_batch" || std::string(target.name) == "json")
      corpus.insert(corpus.end(), demo_lines.begin(), demo_lines.end());
    std::mt19937_64 rng(20261201);  // fixed: the same inputs on every run
    long ran = 0, accepted = 0;
    for (const auto& seed : corpus) {  // every seed as it is first: each must be accepted
      if (!target.run(seed)) {
        ++findings;
        std::fprintf(stderr, "FINDING in %s: a seed is refused: %s\n", target.name, seed.c_str());
      }
      ++ran;
    }
    for (long i = 0; i < iterations; ++i) {
      std::string input = mutate(corpus[static_cast<size_t>(rng() % corpus.size())], rng);
      if (rng() % 8 == 0) input = mutate(input + corpus[static_cast<size_t>(rng() % corpus.size())], rng);  // splice
      try {
        accepted += target.run(input) ? 1 : 0;
      } catch (const std::exception& e) {
        ++findings;
        std::fprintf(stderr, "FINDING in %s: %s\n  input (hex): %s\n", target.name, e.what(), hex(input).c_str());
      }
      ++ran;
    }
    std::printf("%s: %ld inputs, %ld mutated ones accepted\n", target.name, ran, accepted);
  }
  std::printf("%d findings\n", findings);
  return findings == 0 ? 0 : 1;
}
