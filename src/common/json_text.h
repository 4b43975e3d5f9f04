#pragma once
// JSON string escaping exactly as Poco::JSON writes it (Poco::toJSON without JSON_ESCAPE_UNICODE): the
// control characters, the quote and the backslash escaped; '/' and every byte from 0x7f up as they are.
// The daemon's own JSON writers (http/json_writer for answers, ingest's toText for stored rows) use it,
// so that what they write is byte for byte what Poco wrote before them: stored rows and answers must not
// change (issue 16). Tests hold every byte to Poco's output (tests/http/json_writer_test.cpp).

#include <string>
#include <string_view>

namespace vc {

// One byte, escaped where Poco escapes it.
inline void appendJsonEscapedByte(std::string& out, unsigned char c) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  switch (c) {
    case '"': out += "\\\""; return;
    case '\\': out += "\\\\"; return;
    case '\b': out += "\\b"; return;
    case '\t': out += "\\t"; return;
    case '\n': out += "\\n"; return;
    case '\f': out += "\\f"; return;
    case '\r': out += "\\r"; return;
    default:
      if (c < 0x20) {
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 15];
      } else {
        out += static_cast<char>(c);
      }
  }
}

inline bool jsonNeedsEscape(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

// A string's escaped text as Poco writes it, without the quotes; runs that need nothing are copied whole.
inline void appendJsonEscaped(std::string& out, std::string_view s) {
  size_t run = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (!jsonNeedsEscape(c)) continue;
    out.append(s.data() + run, i - run);
    appendJsonEscapedByte(out, c);
    run = i + 1;
  }
  out.append(s.data() + run, s.size() - run);
}

}  // namespace vc

namespace Poco::Dynamic {
class Var;
}

namespace vc {

// `value` (a Poco::JSON tree: Object::Ptr, Array::Ptr, strings, whole numbers, booleans, null) appended
// as Poco's Stringifier writes it with no indent, byte for byte, without an ostream. A value this does not
// settle itself (a fraction, a char, a date, an Object held by value, an object that escapes all of
// Unicode) is written by Poco. Ingest writes every stored row through it: Poco's ostream-based writer was
// a fifth of an import's instructions (issue 16, docs/benchmarks.md).
void appendPocoJson(std::string& out, const Poco::Dynamic::Var& value);
std::string pocoJsonText(const Poco::Dynamic::Var& value);

// `value` with every object's keys in sorted order at every level, byte for byte what Poco writes for the
// same tree parsed again by its default (sorting) handler: an event's canonical form, written straight from
// the tree the sender's text was read into instead of writing it, parsing that and writing it again (issue 16).
// Settles only objects, arrays, strings, whole numbers, booleans and null; false (`out` then holds a part)
// for anything else (a fraction: written and read back it might not come out the same), and the caller takes
// the long way.
bool appendSortedPocoJson(std::string& out, const Poco::Dynamic::Var& value);

}  // namespace vc
