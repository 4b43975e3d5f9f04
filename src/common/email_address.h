#pragma once
// Email addresses as the daemon accepts them: a plain RFC 5321 addr-spec
// ("name@example.org"), nothing more. Anything that could carry a second SMTP
// command or header (CR, LF, any control character, "<" or ">") or that a
// mail server would have to guess about is refused, at ingest and again just
// before a message is sent. Pure and stateless; thread-safe.

#include <optional>
#include <string>
#include <string_view>

namespace vc {

// Why `address` is not a plain addr-spec, in words for an error message
// ("contains a line break or another control character"), or nullopt when it is one:
// at most 254 bytes of ASCII; one "@"; a dot-atom local part of at most 64
// bytes; a domain of dotted labels (letters, digits, hyphens, at least two
// labels) or an address literal ("[192.0.2.1]", "[IPv6:2001:db8::1]").
std::optional<std::string> emailAddressProblem(std::string_view address);

inline bool isPlainEmailAddress(std::string_view address) { return !emailAddressProblem(address); }

}  // namespace vc
