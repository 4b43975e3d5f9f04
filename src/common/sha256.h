#pragma once
// SHA-256 and HMAC-SHA256, as 64 lower-case hex digits: token hashes, letter
// context hashes, the audit chain, purge markers and sign-in name digests
// all use these.

#include <string>

namespace vc {

std::string sha256Hex(const std::string& data);

// HMAC-SHA256 of `data` under `key` (raw bytes).
std::string hmacSha256Hex(const std::string& key, const std::string& data);

}  // namespace vc
