#pragma once
// A JSON writer that appends straight to a response's body, for the API's hottest answers (the victim
// read, the letters and obligations lists: issue 16 items 3 and 4), which spent most of their CPU
// building Poco::JSON trees and serialising them.
//
// Its output is byte for byte what Poco::JSON's Stringifier writes for the same tree (the API's answers
// must not change): no white space; strings with `"`, `\` and the control characters escaped (\b \t \n
// \f \r, the others as \u00XX in capitals), everything else, '/' and UTF-8 included, as it is; whole
// numbers as decimals. JSON text the daemon stored (a body, a profile, a list of reasons) is written with
// `stored`, as Poco would write it after parsing it (json_io's parseJson): read and written again in one
// pass, with no tree; where the text holds anything that pass does not settle exactly as Poco would (a
// number with a fraction or an exponent, or over 18 digits, a key given twice, bad UTF-8, bad JSON) that
// one value goes through Poco after all, so the answer is the same even then (and throws the same).
// tests/http/json_writer_test.cpp holds the writer and the views written with it to Poco's output.
//
// One writer per answer; not shared between threads.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/json_text.h"  // appendJsonEscaped: a string's escaped text as Poco writes it

namespace vc::http {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  JsonWriter& beginObject();
  JsonWriter& endObject();
  JsonWriter& beginArray();
  JsonWriter& endArray();
  JsonWriter& key(std::string_view k);  // inside an object, before its value

  JsonWriter& value(std::string_view s);  // a string
  JsonWriter& value(const std::string& s) { return value(std::string_view(s)); }
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(bool b);
  JsonWriter& value(int64_t n);
  JsonWriter& value(int n) { return value(static_cast<int64_t>(n)); }
  JsonWriter& null();
  JsonWriter& stringOrNull(const std::string& s) { return s.empty() ? null() : value(s); }  // views' orNull
  // JSON text the daemon wrote itself (a stored row), written as Poco writes it once parsed.
  JsonWriter& stored(std::string_view json);
  // JSON text this writer (or Poco) wrote already: copied as it is.
  JsonWriter& raw(std::string_view json);
  // Makes room for one value the caller appends to out() itself (the comma, where one is needed).
  JsonWriter& next() { return raw({}); }

  std::string& out() { return out_; }

 private:
  void separate();

  std::string& out_;
  bool first_ = true;       // nothing written yet in the object or array just begun
  bool after_key_ = false;  // a key was written: its value follows without a comma
};

// `json` (one JSON value, as stored) written as Poco writes it once parsed; false (and `out` as it
// was) where this pass cannot be sure it writes the same (see above): the caller asks Poco then.
bool appendStoredJson(std::string& out, std::string_view json);
// The same for one value inside a stored object or array (a string, number, true, false or null too,
// which Poco does not parse on their own).
bool appendStoredValue(std::string& out, std::string_view json);

// One member of a stored JSON object: its key as written between the quotes, and its value's text.
struct JsonMember {
  std::string_view key, value;
};
// The members of one stored JSON object, in order; false if `json` is not an object whose keys are
// plain (no escapes, no control characters, good UTF-8) and given once each. White space between the
// tokens is allowed. The values are only delimited: appendStoredValue checks each.
bool storedMembers(std::string_view json, std::vector<JsonMember>& out);
// A stored JSON string's value (its escapes read); false if `json` is not one string.
bool storedString(std::string_view json, std::string& out);

}  // namespace vc::http
