#pragma once
// What text from outside may hold. Every string the daemon takes (event
// fields, request bodies, forms, query parameters, sign-in names) is UTF-8
// with no control characters, but for the line breaks and tabs of free text
// (reasons, notes, summaries, a letter's paragraphs). A control character in a
// name or an address ends up in a letter, an email header or a log line, where
// it can hide, reorder or forge what a person reads. Pure; thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vc {

enum class TextKind {
  kLine,      // one line: no control characters at all
  kFreeText,  // paragraphs: line breaks (LF or CRLF) and tabs allowed
};

// Why `value` is not acceptable text of this kind, in words for an error message, or nullopt.
std::optional<std::string> textProblem(std::string_view value, TextKind kind);

bool isValidUtf8(std::string_view value);

// Appends code point `cp` (at most 0x10FFFF) to `out` as UTF-8.
void appendUtf8(std::string& out, uint32_t cp);

}  // namespace vc
