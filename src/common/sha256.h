#pragma once
// SHA-256 of a string, as 64 lower-case hex digits: token hashes, letter
// context hashes, audit entries and purge markers all use this one; and
// HMAC-SHA256 for digests that must not be guessable by someone who holds
// the database but not the key.

#include <string>

namespace vc {

std::string sha256Hex(const std::string& data);
std::string hmacSha256Hex(const std::string& key, const std::string& data);

}  // namespace vc
