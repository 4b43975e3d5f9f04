#include "http/json_writer.h"

#include <charconv>
#include <sstream>

#include <Poco/JSON/Stringifier.h>

#include "common/json_text.h"
#include "common/text.h"
#include "http/json_io.h"

namespace vc::http {
namespace {

// Poco's escaping of one byte (common/json_text.h).
inline void appendEscapedByte(std::string& out, unsigned char c) { appendJsonEscapedByte(out, c); }
inline bool needsEscape(unsigned char c) { return jsonNeedsEscape(c); }


// The length of the well-formed UTF-8 sequence (RFC 3629: no overlong forms, no surrogates, nothing
// above U+10FFFF) that starts at s[i] (a byte from 0x80 up), or 0. Poco's parser refuses what this refuses.
size_t utf8Length(std::string_view s, size_t i) {
  const auto at = [&](size_t k) { return k < s.size() ? static_cast<unsigned char>(s[k]) : 0u; };
  const unsigned c = at(i);
  const auto cont = [&](size_t k) { return (at(k) & 0xC0) == 0x80; };
  if (c >= 0xC2 && c <= 0xDF) return cont(i + 1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    const unsigned c1 = at(i + 1);
    if (c == 0xE0 && c1 < 0xA0) return 0;  // overlong
    if (c == 0xED && c1 >= 0xA0) return 0;  // a surrogate
    return cont(i + 1) && cont(i + 2) ? 3 : 0;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    const unsigned c1 = at(i + 1);
    if (c == 0xF0 && c1 < 0x90) return 0;  // overlong
    if (c == 0xF4 && c1 >= 0x90) return 0;  // above U+10FFFF
    return cont(i + 1) && cont(i + 2) && cont(i + 3) ? 4 : 0;
  }
  return 0;
}

bool hex4(std::string_view s, size_t i, uint32_t& v) {
  if (i + 4 > s.size()) return false;
  v = 0;
  for (size_t k = i; k < i + 4; ++k) {
    const char c = s[k];
    v <<= 4;
    if (c >= '0' && c <= '9') v |= static_cast<uint32_t>(c - '0');
    else if (c >= 'a' && c <= 'f') v |= static_cast<uint32_t>(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') v |= static_cast<uint32_t>(c - 'A' + 10);
    else return false;
  }
  return true;
}

// One pass over stored JSON text, writing it as Poco would once parsed; fails (returns false) on anything
// it cannot be sure of, never guessing.
class Rewriter {
 public:
  Rewriter(std::string_view in, std::string& out) : s_(in), out_(out) {}

  bool whole(bool containers_only) {
    space();
    if (containers_only && (i_ >= s_.size() || (s_[i_] != '{' && s_[i_] != '['))) return false;
    if (!value(0)) return false;
    space();
    return i_ == s_.size();
  }

  size_t position() const { return i_; }

  // A string at s_[i_] (the opening quote) read into `decoded` (escapes read), or written escaped to out_.
  bool string(std::string* decoded) {
    if (i_ >= s_.size() || s_[i_] != '"') return false;
    ++i_;
    std::string& o = decoded ? *decoded : out_;
    if (!decoded) o += '"';
    while (true) {
      // the plain run, copied at once
      size_t j = i_;
      while (j < s_.size()) {
        const unsigned char c = static_cast<unsigned char>(s_[j]);
        if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
        ++j;
      }
      o.append(s_.data() + i_, j - i_);
      i_ = j;
      if (i_ >= s_.size()) return false;
      const unsigned char c = static_cast<unsigned char>(s_[i_]);
      if (c == '"') {
        ++i_;
        if (!decoded) o += '"';
        return true;
      }
      if (c < 0x20) return false;  // Poco refuses a raw control character
      if (c >= 0x80) {
        const size_t n = utf8Length(s_, i_);
        if (n == 0) return false;
        o.append(s_.data() + i_, n);
        i_ += n;
        continue;
      }
      // an escape
      if (i_ + 1 >= s_.size()) return false;
      const char e = s_[i_ + 1];
      i_ += 2;
      uint32_t cp = 0;
      switch (e) {
        case '"': cp = '"'; break;
        case '\\': cp = '\\'; break;
        case '/': cp = '/'; break;
        case 'b': cp = '\b'; break;
        case 'f': cp = '\f'; break;
        case 'n': cp = '\n'; break;
        case 'r': cp = '\r'; break;
        case 't': cp = '\t'; break;
        case 'u': {
          if (!hex4(s_, i_, cp)) return false;
          i_ += 4;
          if (cp >= 0xDC00 && cp <= 0xDFFF) return false;  // a low surrogate alone
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            uint32_t low = 0;
            if (i_ + 1 >= s_.size() || s_[i_] != '\\' || s_[i_ + 1] != 'u' || !hex4(s_, i_ + 2, low) ||
                low < 0xDC00 || low > 0xDFFF)
              return false;
            i_ += 6;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          break;
        }
        default:
          return false;
      }
      if (decoded) {
        if (cp < 0x80) o += static_cast<char>(cp);
        else appendUtf8(o, cp);  // from 0x80 up nothing is escaped
      } else if (cp < 0x80) {
        appendEscapedByte(o, static_cast<unsigned char>(cp));
      } else {
        appendUtf8(o, cp);
      }
    }
  }

 private:
  void space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }

  bool literal(std::string_view word) {
    if (s_.compare(i_, word.size(), word) != 0) return false;
    out_.append(word.data(), word.size());
    i_ += word.size();
    return true;
  }

  // A whole number written as it is, where Poco writes it back the same: at most 18 digits (Poco reads
  // it as an Int64), or 15 if negative (Poco reads a negative number through a double, exact only up to
  // 2^53). A fraction, an exponent, "-0" or a longer number is left to Poco.
  bool number() {
    const size_t start = i_;
    if (s_[i_] == '-') ++i_;
    const size_t digits = i_;
    while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
    const size_t n = i_ - digits;
    if (n == 0 || n > (digits > start ? 15u : 18u) || (s_[digits] == '0' && (n > 1 || digits > start))) return false;
    if (i_ < s_.size() && (s_[i_] == '.' || s_[i_] == 'e' || s_[i_] == 'E')) return false;
    out_.append(s_.data() + start, i_ - start);
    return true;
  }

  bool value(int depth) {
    if (i_ >= s_.size() || depth > 64) return false;
    switch (s_[i_]) {
      case '{': return object(depth + 1);
      case '[': return array(depth + 1);
      case '"': return string(nullptr);
      case 't': return literal("true");
      case 'f': return literal("false");
      case 'n': return literal("null");
      default: return number();
    }
  }

  bool object(int depth) {
    ++i_;
    out_ += '{';
    space();
    if (i_ < s_.size() && s_[i_] == '}') {
      ++i_;
      out_ += '}';
      return true;
    }
    std::vector<std::string_view> keys;  // to refuse a key given twice (Poco keeps the last value, first place)
    while (true) {
      if (i_ >= s_.size() || s_[i_] != '"') return false;
      const size_t k = i_ + 1;
      if (!string(nullptr)) return false;
      const std::string_view key = s_.substr(k, i_ - 1 - k);
      if (key.find('\\') != std::string_view::npos) return false;  // compared as written: keep it plain
      for (const auto& seen : keys)
        if (seen == key) return false;
      keys.push_back(key);
      space();
      if (i_ >= s_.size() || s_[i_] != ':') return false;
      ++i_;
      out_ += ':';
      space();
      if (!value(depth)) return false;
      space();
      if (i_ >= s_.size()) return false;
      if (s_[i_] == '}') {
        ++i_;
        out_ += '}';
        return true;
      }
      if (s_[i_] != ',') return false;
      ++i_;
      out_ += ',';
      space();
    }
  }

  bool array(int depth) {
    ++i_;
    out_ += '[';
    space();
    if (i_ < s_.size() && s_[i_] == ']') {
      ++i_;
      out_ += ']';
      return true;
    }
    while (true) {
      if (!value(depth)) return false;
      space();
      if (i_ >= s_.size()) return false;
      if (s_[i_] == ']') {
        ++i_;
        out_ += ']';
        return true;
      }
      if (s_[i_] != ',') return false;
      ++i_;
      out_ += ',';
      space();
    }
  }

  std::string_view s_;
  std::string& out_;
  size_t i_ = 0;
};

// The end of the value that starts at s[i] (structure only: appendStoredValue checks it), or npos.
size_t skipValue(std::string_view s, size_t i) {
  if (i >= s.size()) return std::string_view::npos;
  if (s[i] == '"') {
    for (size_t j = i + 1; j < s.size(); ++j) {
      if (s[j] == '\\') ++j;
      else if (s[j] == '"') return j + 1;
    }
    return std::string_view::npos;
  }
  if (s[i] == '{' || s[i] == '[') {
    int depth = 0;
    for (size_t j = i; j < s.size(); ++j) {
      const char c = s[j];
      if (c == '"') {
        j = skipValue(s, j);
        if (j == std::string_view::npos) return j;
        --j;
      } else if (c == '{' || c == '[') {
        ++depth;
      } else if ((c == '}' || c == ']') && --depth == 0) {
        return j + 1;
      }
    }
    return std::string_view::npos;
  }
  size_t j = i;
  while (j < s.size() && s[j] != ',' && s[j] != '}' && s[j] != ']' && s[j] != ' ' && s[j] != '\n' &&
         s[j] != '\t' && s[j] != '\r')
    ++j;
  return j == i ? std::string_view::npos : j;
}

void skipSpace(std::string_view s, size_t& i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
}

}  // namespace


bool appendStoredJson(std::string& out, std::string_view json) {
  const size_t before = out.size();
  if (Rewriter(json, out).whole(true)) return true;
  out.resize(before);
  return false;
}

bool appendStoredValue(std::string& out, std::string_view json) {
  const size_t before = out.size();
  if (Rewriter(json, out).whole(false)) return true;
  out.resize(before);
  return false;
}

bool storedMembers(std::string_view s, std::vector<JsonMember>& out) {
  out.clear();
  size_t i = 0;
  skipSpace(s, i);
  if (i >= s.size() || s[i] != '{') return false;
  ++i;
  skipSpace(s, i);
  if (i < s.size() && s[i] == '}') {
    ++i;
    skipSpace(s, i);
    return i == s.size();
  }
  while (true) {
    if (i >= s.size() || s[i] != '"') return false;
    const size_t k = i + 1;
    size_t e = k;
    while (e < s.size() && s[e] != '"' && s[e] != '\\') ++e;
    if (e >= s.size() || s[e] != '"') return false;  // an escape in a key: not plain
    const std::string_view key = s.substr(k, e - k);
    for (size_t j = 0; j < key.size();) {  // what Poco would refuse in a key: a control character, bad UTF-8
      const unsigned char c = static_cast<unsigned char>(key[j]);
      if (c < 0x20) return false;
      const size_t n = c < 0x80 ? 1 : utf8Length(key, j);
      if (n == 0) return false;
      j += n;
    }
    for (const auto& m : out)
      if (m.key == key) return false;
    i = e + 1;
    skipSpace(s, i);
    if (i >= s.size() || s[i] != ':') return false;
    ++i;
    skipSpace(s, i);
    const size_t v = i;
    i = skipValue(s, i);
    if (i == std::string_view::npos) return false;
    out.push_back({key, s.substr(v, i - v)});
    skipSpace(s, i);
    if (i >= s.size()) return false;
    if (s[i] == '}') {
      ++i;
      skipSpace(s, i);
      return i == s.size();
    }
    if (s[i] != ',') return false;
    ++i;
    skipSpace(s, i);
  }
}

bool storedString(std::string_view json, std::string& out) {
  out.clear();
  std::string unused;
  Rewriter r(json, unused);
  return r.string(&out) && r.position() == json.size();
}

void JsonWriter::separate() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!first_) out_ += ',';
  first_ = false;
}

JsonWriter& JsonWriter::beginObject() {
  separate();
  out_ += '{';
  first_ = true;
  return *this;
}

JsonWriter& JsonWriter::endObject() {
  out_ += '}';
  first_ = false;
  return *this;
}

JsonWriter& JsonWriter::beginArray() {
  separate();
  out_ += '[';
  first_ = true;
  return *this;
}

JsonWriter& JsonWriter::endArray() {
  out_ += ']';
  first_ = false;
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view k) {
  separate();
  out_ += '"';
  appendJsonEscaped(out_, k);
  out_ += "\":";
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::value(std::string_view s) {
  separate();
  out_ += '"';
  appendJsonEscaped(out_, s);
  out_ += '"';
  return *this;
}

JsonWriter& JsonWriter::value(bool b) {
  separate();
  out_ += b ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::value(int64_t n) {
  separate();
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
  out_.append(digits, static_cast<size_t>(end - digits));
  return *this;
}

JsonWriter& JsonWriter::null() {
  separate();
  out_ += "null";
  return *this;
}

JsonWriter& JsonWriter::stored(std::string_view json) {
  separate();
  if (appendStoredJson(out_, json)) return *this;
  // Not one this pass settles exactly: Poco parses and writes it (and throws where it cannot).
  std::ostringstream os;
  Poco::JSON::Stringifier::stringify(parseJson(std::string(json)), os);
  out_ += os.str();
  return *this;
}

JsonWriter& JsonWriter::raw(std::string_view json) {
  separate();
  out_.append(json.data(), json.size());
  return *this;
}

}  // namespace vc::http
