#include "common/correlation.h"

#include <stdlib.h>

namespace vc {
namespace {

thread_local std::string current_id;

}  // namespace

const std::string& correlationId() { return current_id; }

std::string newCorrelationId(const std::string& prefix) {
  // A random (version 4) UUID in Poco's text form, from glibc's arc4random_buf (getrandom-seeded, refilled in
  // the process): Poco's createRandom opened and read /dev/urandom for each one, 3% of a kept victim read's CPU.
  unsigned char b[16];
  arc4random_buf(b, sizeof b);
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  static const char kHex[] = "0123456789abcdef";
  std::string id = prefix;
  id.reserve(prefix.size() + 37);
  id += '-';
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) id += '-';
    id += kHex[b[i] >> 4];
    id += kHex[b[i] & 0x0f];
  }
  return id;
}

CorrelationScope::CorrelationScope(std::string id) : previous_(std::move(current_id)) { current_id = std::move(id); }

CorrelationScope::~CorrelationScope() { current_id = std::move(previous_); }

}  // namespace vc
