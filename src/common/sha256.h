#pragma once
// SHA-256 of a string, as 64 lower-case hex digits: token hashes, letter
// context hashes, audit entries and purge markers all use this one.

#include <string>

namespace vc {

std::string sha256Hex(const std::string& data);

}  // namespace vc
