#pragma once
// Base64 (RFC 4648, with '=' padding) for what the store keeps deflated in text columns: a letter
// version's words and an obligation's explanation.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace vc {

std::string base64Encode(const unsigned char* data, size_t size);
void base64Append(std::string& out, const unsigned char* data, size_t size);  // base64Encode's, appended
// Stops at the first '='; nullopt if a character is not in the alphabet.
std::optional<std::string> base64Decode(std::string_view text);

}  // namespace vc
