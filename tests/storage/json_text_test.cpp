// Issue 16, item 1: ingest writes every stored row (an event's canonical body, an obligation's body, a
// victim's profile and reasons...) with common/json_text's appendPocoJson instead of Poco's ostream-based
// stringify. Stored rows must not change by a byte, or a store written before would look changed to the
// next derivation and every event's duplicate check would fail: these tests hold it to Poco's own output.

#include <climits>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include "common/json_text.h"

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

namespace {

// What Poco writes: an object or array through its own stringify (what ingest called), anything else
// through the Stringifier.
std::string byPoco(const Var& v) {
  std::ostringstream os;
  if (v.type() == typeid(Object::Ptr))
    v.extract<Object::Ptr>()->stringify(os);
  else if (v.type() == typeid(Array::Ptr))
    v.extract<Array::Ptr>()->stringify(os);
  else
    Poco::JSON::Stringifier::stringify(v, os);
  return os.str();
}

Object::Ptr ordered() { return new Object(Poco::JSON_PRESERVE_KEY_ORDER); }

}  // namespace

TEST_CASE("A tree is written as Poco writes it, value by value", "[json_text]") {
  std::vector<Var> values = {Var(),
                             Var(true),
                             Var(false),
                             Var(0),
                             Var(-1),
                             Var(INT_MIN),
                             Var(static_cast<Poco::Int64>(INT64_MAX)),
                             Var(static_cast<Poco::Int64>(INT64_MIN)),
                             Var(static_cast<Poco::UInt64>(UINT64_MAX)),
                             Var(static_cast<unsigned>(7)),
                             Var(1.5),
                             Var(0.1),
                             Var(1e300),
                             Var(-0.0),
                             Var('x'),
                             Var(std::string()),
                             Var(std::string("Gwasanaeth Erlyn y Goron: ŵ ŷ â, 😀, a/b")),
                             Var(std::string("quote \" backslash \\ tab \t line\nreturn\r bell \a del \x7f"))};
  std::string every_byte;
  for (int c = 1; c < 256; ++c) {
    every_byte += static_cast<char>(c);
    values.emplace_back(std::string(1, static_cast<char>(c)));
  }
  values.emplace_back(every_byte);
  for (const Var& v : values) {
    INFO("a value of type " << v.type().name());
    CHECK(vc::pocoJsonText(v) == byPoco(v));
    // The same inside an object and an array, ordered and not.
    Object::Ptr o = ordered();
    o->set("z", v);
    o->set("a", v);
    Object::Ptr plain = new Object;
    plain->set("z", v);
    plain->set("a", v);
    Array::Ptr a = new Array;
    a->add(v);
    a->add(v);
    CHECK(vc::pocoJsonText(o) == byPoco(o));
    CHECK(vc::pocoJsonText(plain) == byPoco(plain));
    CHECK(vc::pocoJsonText(a) == byPoco(a));
  }
}

TEST_CASE("Keys keep the order Poco writes: insertion order when ordered, sorted when not", "[json_text]") {
  Object::Ptr o = ordered();
  Object::Ptr plain = new Object;
  for (const char* k : {"victim_id", "case_urn", "area", "Äpfel", "due_by", "a\"b", "tab\tkey", "", "1"}) {
    o->set(k, k);
    plain->set(k, k);
  }
  o->set("case_urn", "set again: keeps its first place");
  plain->set("case_urn", "set again");
  CHECK(vc::pocoJsonText(o) == byPoco(o));
  CHECK(vc::pocoJsonText(plain) == byPoco(plain));
  CHECK(vc::pocoJsonText(o) != vc::pocoJsonText(plain));  // the orders differ: the test can tell them apart

  Object::Ptr empty = ordered();
  Array::Ptr none = new Array;
  CHECK(vc::pocoJsonText(empty) == "{}");
  CHECK(vc::pocoJsonText(none) == "[]");
}

TEST_CASE("Nested trees, parsed and built, and the escaping options, are written as Poco writes them",
          "[json_text]") {
  const std::vector<std::string> documents = {
      R"({"b":1,"a":[1,2,{"y":null,"x":true}],"c":{"e":"é\n","d":[[],[{}]]}})",
      R"({"type":"case.registered","id":"e-1","case_urn":"52PH0100126","occurred_at":"2026-03-01T09:00:00Z",)"
      R"("details":{"offences":["rape"],"area":"CPS Cymru-Wales","n":-12345678901234,"f":2.5e-7}})",
      R"([1,-2,3.25,"x\u0001y\u001f\"\\\/",false,null,{"k":"\ud83d\ude00"}])",
  };
  for (const auto& text : documents) {
    INFO(text);
    for (const bool keep_order : {true, false}) {
      Poco::JSON::Parser parser(new Poco::JSON::ParseHandler(keep_order));
      const Var tree = parser.parse(text);
      CHECK(vc::pocoJsonText(tree) == byPoco(tree));
    }
  }

  // A root that escapes all of Unicode is left to Poco; a nested object's own setting is overridden by its
  // parent's, as Poco does.
  Object::Ptr escaping = ordered();
  escaping->setEscapeUnicode(true);
  escaping->set("name", std::string("Siân"));
  CHECK(vc::pocoJsonText(escaping) == byPoco(escaping));
  CHECK(vc::pocoJsonText(escaping).find("\\u") != std::string::npos);
  Object::Ptr outer = ordered();
  Object::Ptr inner = ordered();
  inner->setEscapeUnicode(true);
  inner->set("name", std::string("Siân"));
  outer->set("inner", inner);
  CHECK(vc::pocoJsonText(outer) == byPoco(outer));
}
