#include "common/json_reader.h"

#include <optional>
#include <set>
#include <string_view>
#include <vector>

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>

#include "common/text.h"

namespace vc {
namespace {

// Poco's handler, which keeps the last of two equal keys without a word; this one refuses the second.
class NoRepeatedKeys : public Poco::JSON::ParseHandler {
 public:
  NoRepeatedKeys() : Poco::JSON::ParseHandler(true) {}  // keep the sender's key order

  void reset() override {
    Poco::JSON::ParseHandler::reset();
    keys_.clear();
  }
  void startObject() override {
    keys_.emplace_back();
    Poco::JSON::ParseHandler::startObject();
  }
  void endObject() override {
    keys_.pop_back();
    Poco::JSON::ParseHandler::endObject();
  }
  void key(const std::string& k) override {
    if (!keys_.empty() && !keys_.back().insert(k).second)
      throw JsonSyntaxError("the key \"" + printable(k) + "\" appears twice in one object");
    Poco::JSON::ParseHandler::key(k);
  }

 private:
  static std::string printable(const std::string& k) {
    std::string out;
    for (char c : k.substr(0, 64)) out += static_cast<unsigned char>(c) < 0x20 || c == '"' ? '?' : c;
    return out;
  }

  std::vector<std::set<std::string>> keys_;  // one set per object being read, innermost last
};

using Visitor = std::function<void(const std::string&, const std::string&, const std::string&, bool)>;

void visit(const Poco::Dynamic::Var& value, const std::string& path, const std::string& member, const Visitor& f) {
  if (value.type() == typeid(Poco::JSON::Object::Ptr)) {
    const auto object = value.extract<Poco::JSON::Object::Ptr>();
    for (const auto& [key, child] : *object) {
      f(path, member, key, true);
      visit(child, path.empty() ? key : path + "." + key, key, f);
    }
  } else if (value.type() == typeid(Poco::JSON::Array::Ptr)) {
    const auto array = value.extract<Poco::JSON::Array::Ptr>();
    for (size_t i = 0; i < array->size(); ++i)
      visit(array->get(static_cast<unsigned>(i)), path + "[" + std::to_string(i) + "]", member, f);
  } else if (value.isString()) {
    f(path, member, value.extract<std::string>(), false);
  }
}

// A reader for the JSON the daemon is sent every day (objects, arrays, strings with the short escapes, whole
// numbers, true, false, null), building the same tree Poco's parser with NoRepeatedKeys builds, at a fraction
// of its cost (Poco's parser was the largest part of reading an event: issue 16). It settles only text it is
// sure of: anything else (a \u escape, a fraction or exponent, a number of 19 digits or more, a repeated key,
// deep nesting, a syntax error of any kind) makes it give up, and Poco's parser reads the text as before, so
// what is refused, and the words that say why, do not change. Run after the UTF-8 check.
class FastReader {
 public:
  explicit FastReader(std::string_view s) : s_(s) {}

  std::optional<Poco::Dynamic::Var> read() {
    space();
    if (!at('{') && !at('[')) return std::nullopt;  // Poco's parser refuses some other roots (a string)
    Poco::Dynamic::Var v;
    if (!value(v, 0)) return std::nullopt;
    space();
    if (i_ != s_.size()) return std::nullopt;
    return v;
  }

 private:
  static constexpr size_t kDepth = 16;  // well inside kMaxJsonDepth, whichever way Poco counts it

  void space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\r' || s_[i_] == '\t')) ++i_;
  }
  bool at(char c) const { return i_ < s_.size() && s_[i_] == c; }

  bool value(Poco::Dynamic::Var& out, size_t depth) {
    if (i_ >= s_.size()) return false;
    switch (s_[i_]) {
      case '{':
        return object(out, depth + 1);
      case '[':
        return array(out, depth + 1);
      case '"': {
        std::string text;
        if (!string(text)) return false;
        out = std::move(text);
        return true;
      }
      case 't':
        return literal("true", true, out);
      case 'f':
        return literal("false", false, out);
      case 'n':
        if (!word("null")) return false;
        out = Poco::Dynamic::Var();
        return true;
      default:
        return number(out);
    }
  }

  bool ends(size_t j) const {  // what may follow a number or a literal
    return j == s_.size() || s_[j] == ',' || s_[j] == '}' || s_[j] == ']' || s_[j] == ' ' || s_[j] == '\n' ||
           s_[j] == '\r' || s_[j] == '\t';
  }
  bool word(std::string_view w) {
    if (s_.substr(i_, w.size()) != w || !ends(i_ + w.size())) return false;
    i_ += w.size();
    return true;
  }
  bool literal(std::string_view w, bool b, Poco::Dynamic::Var& out) {
    if (!word(w)) return false;
    out = b;
    return true;
  }

  // -?(0|[1-9][0-9]{0,17}), as Poco reads it: a 64-bit integer.
  bool number(Poco::Dynamic::Var& out) {
    size_t j = i_;
    const bool negative = at('-');
    if (negative) ++j;
    const size_t first = j;
    while (j < s_.size() && s_[j] >= '0' && s_[j] <= '9') ++j;
    const size_t digits = j - first;
    if (digits == 0 || digits > 18 || (s_[first] == '0' && digits > 1) || (negative && s_[first] == '0') || !ends(j))
      return false;
    Poco::Int64 n = 0;
    for (size_t k = first; k < j; ++k) n = n * 10 + (s_[k] - '0');
    out = negative ? -n : n;
    i_ = j;
    return true;
  }

  bool string(std::string& out) {
    size_t run = ++i_;  // after the opening quote
    while (i_ < s_.size()) {
      const unsigned char c = static_cast<unsigned char>(s_[i_]);
      if (c == '"') {
        out.append(s_.data() + run, i_ - run);
        ++i_;
        return true;
      }
      if (c < 0x20) return false;
      if (c == '\\') {
        out.append(s_.data() + run, i_ - run);
        if (i_ + 1 >= s_.size()) return false;
        switch (s_[i_ + 1]) {
          case '"': out += '"'; break;
          case '\\': out += '\\'; break;
          case '/': out += '/'; break;
          case 'b': out += '\b'; break;
          case 'f': out += '\f'; break;
          case 'n': out += '\n'; break;
          case 'r': out += '\r'; break;
          case 't': out += '\t'; break;
          default: return false;  // \u and anything else: Poco's parser
        }
        i_ += 2;
        run = i_;
        continue;
      }
      ++i_;
    }
    return false;
  }

  bool object(Poco::Dynamic::Var& out, size_t depth) {
    if (depth > kDepth) return false;
    ++i_;
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    space();
    if (at('}')) {
      ++i_;
      out = o;
      return true;
    }
    while (true) {
      space();
      std::string key;
      if (!at('"') || !string(key) || o->has(key)) return false;  // a repeated key: Poco's reader names it
      space();
      if (!at(':')) return false;
      ++i_;
      space();
      Poco::Dynamic::Var v;
      if (!value(v, depth)) return false;
      o->set(key, v);
      space();
      if (at(',')) {
        ++i_;
        continue;
      }
      if (!at('}')) return false;
      ++i_;
      out = o;
      return true;
    }
  }

  bool array(Poco::Dynamic::Var& out, size_t depth) {
    if (depth > kDepth) return false;
    ++i_;
    Poco::JSON::Array::Ptr a = new Poco::JSON::Array;
    space();
    if (at(']')) {
      ++i_;
      out = a;
      return true;
    }
    while (true) {
      space();
      Poco::Dynamic::Var v;
      if (!value(v, depth)) return false;
      a->add(v);
      space();
      if (at(',')) {
        ++i_;
        continue;
      }
      if (!at(']')) return false;
      ++i_;
      out = a;
      return true;
    }
  }

  std::string_view s_;
  size_t i_ = 0;
};

}  // namespace

std::optional<Poco::Dynamic::Var> readJsonFast(const std::string& text) { return FastReader(text).read(); }

void visitJsonText(const Poco::Dynamic::Var& value, const Visitor& f) { visit(value, "", "", f); }

Poco::Dynamic::Var readUntrustedJson(const std::string& text) {
  if (!isValidUtf8(text)) throw JsonSyntaxError("the text is not valid UTF-8");
  if (auto tree = readJsonFast(text)) return std::move(*tree);
  Poco::JSON::Parser parser(new NoRepeatedKeys);
  parser.setDepth(kMaxJsonDepth);
  try {
    return parser.parse(text);
  } catch (const Poco::Exception& e) {
    throw JsonSyntaxError(e.message().empty() ? e.displayText() : e.message());
  }
}

}  // namespace vc
