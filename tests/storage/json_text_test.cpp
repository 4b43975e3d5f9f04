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

TEST_CASE("An event's canonical form is written sorted straight from the sender's tree, as the parse round trip wrote it",
          "[json_text]") {
  // What ingest did before: write the sender's tree, parse it again with Poco's sorting handler, write that.
  auto roundTrip = [](const Var& tree) {
    Poco::JSON::Parser sorted;
    return vc::pocoJsonText(sorted.parse(vc::pocoJsonText(tree)));
  };
  const std::vector<std::string> documents = {
      R"({"type":"case.registered","id":"e-1","case_urn":"52PH0100126","occurred_at":"2026-03-01T09:00:00Z",)"
      R"("prosecutor":{"name":"A","email":"a@example.org"},"offences":["rape","arson_endanger_life"],)"
      R"("deceased":{"name":"Siân \"Sy\" O'Neil","relationship":"mam/mother"},"n":-12345678901234,"u":18446744073709551615})",
      R"({"b":1,"a":[1,2,{"y":null,"x":true,"X":false,"é":"\u00e9\t","":[]}],"c":{"e":"é\n","d":[[],[{}]]},"B":"x\\y"})",
      R"({"ab":1,"a":2,"a\u0000":3,"abc":{"z":{"y":{"x":[{"w":"\ud83d\ude00"}]}}},"~":null,"A":[true,false,null]})",
      R"([{"b":1,"a":2},"s",3,[]])",
      R"({})",
  };
  for (const auto& text : documents) {
    INFO(text);
    Poco::JSON::Parser parser(new Poco::JSON::ParseHandler(true));  // the sender's order, as readUntrustedJson keeps it
    const Var tree = parser.parse(text);
    std::string out;
    REQUIRE(vc::appendSortedPocoJson(out, tree));
    CHECK(out == roundTrip(tree));
  }
  // A fraction is not settled here: written and read back it need not come out the same, so the caller takes
  // the long way.
  Poco::JSON::Parser parser(new Poco::JSON::ParseHandler(true));
  std::string out;
  CHECK_FALSE(vc::appendSortedPocoJson(out, parser.parse(R"({"a":{"f":2.5e-7}})")));
  Object::Ptr escaping = ordered();
  escaping->setEscapeUnicode(true);
  escaping->set("name", std::string("Siân"));
  out.clear();
  CHECK_FALSE(vc::appendSortedPocoJson(out, escaping));
}

#include "domain/date.h"
#include "ingest/state_json.h"

TEST_CASE("An obligation's body written straight as text is what its Poco tree wrote, byte for byte", "[json_text]") {
  using vc::domain::Date;
  vc::domain::Obligation plain;  // every optional part absent or empty
  plain.id = "vpr_charge:v-1:e-2";
  plain.rule = "vpr_charge";
  plain.status = "pending";

  vc::domain::Obligation full;
  full.id = "vrr_outcome:v-9:e-\"7\"";
  full.rule = "vrr_outcome";
  full.title = "Tell the victim the review's outcome\n(with a \\ and a tab\t)";
  full.policy = "victims-code-2020";
  full.basis = "code";
  full.right = 7;
  full.kind = "letter";
  full.template_name = "vrr_outcome";
  full.recipient = "victim";
  full.owner = "vlu";
  full.victim_id = "v-9";
  full.case_urn = "52PH0100126";
  full.area = "CPS Cymru-Wales / Siân \x01";
  full.trigger_event = "e-7";
  full.trigger_date = Date(2026, 3, 2);
  full.tier = "enhanced";
  full.due_by = Date(2026, 3, 4);
  full.status = "late";
  full.completed_at = "2026-03-09T10:00:00+00:00";
  full.completed_by = "e-8";
  full.late_working_days = -3;
  full.waived_by = "e-10";
  full.cancelled_by = "e-11";
  full.carried_by = "other:v-9:e-7";
  full.reopened_by = "e-12";
  full.reopened_note = "returned by post (moved) 😀";
  full.changes.push_back({"e-5", Date(2026, 3, 3), "standard", "enhanced", Date(2026, 3, 12), Date(2026, 3, 4), "why \"so\""});
  full.changes.push_back({"e-6", Date(2026, 3, 3), "enhanced", "standard", Date(2026, 3, 4), Date(2026, 3, 12), ""});
  full.extensions.push_back({"e-13", Date(2026, 3, 5), 10, Date(2026, 3, 4), Date(2026, 3, 18)});
  full.extensions.push_back({"e-14", Date(2026, 3, 19), 5, Date(2026, 3, 18), Date(2026, 3, 25)});
  auto& x = full.explanation;
  x.rule = full.rule;
  x.policy = full.policy;
  x.policy_effective_from = Date(2021, 4, 1);
  x.trigger_event = "e-7";
  x.trigger_type = "vrr.requested";
  x.occurred_at = "2026-03-02T09:00:00+00:00";
  x.trigger_date = Date(2026, 3, 2);
  x.zone = "GMT (UTC+00:00)";
  x.tier = "enhanced";
  x.tier_reasons = {{"vulnerable", "under_18", "under 18 at the time"}, {"intimidated", "x", "in \"fear\""}};
  x.working_days = 2;
  x.count.counted = {Date(2026, 3, 3), Date(2026, 3, 4)};
  x.count.skipped = {{Date(2026, 3, 7), "Saturday"}, {Date(2026, 3, 8), "Sunday"}};
  x.count.result = Date(2026, 3, 4);
  x.text = "Due by Wednesday 4 March 2026: 2 working days after the trigger date.";

  for (const vc::domain::Obligation* o : {&plain, &full}) {
    INFO(o->id);
    CHECK(vc::ingest::obligationText(*o) == vc::ingest::toText(vc::ingest::obligationJson(*o)));
    CHECK(vc::ingest::reasonsText(o->explanation.tier_reasons) ==
          vc::ingest::toText(vc::ingest::reasonsJson(o->explanation.tier_reasons)));
  }
}

#include <optional>

#include "common/json_reader.h"

TEST_CASE("The fast JSON reader builds Poco's tree for what it settles, and leaves the rest to Poco's parser",
          "[json_text]") {
  // Written in the sender's order, with the types Poco gives: the same bytes and the same canonical form.
  const std::vector<std::string> settled = {
      R"({"id":"e-1","type":"case.registered","n":-42,"z":0,"big":123456789012345678,"ok":true,"no":false,"x":null})",
      " \t\r\n{ \"b\" : [ 1 , [ ] , { } , \"s\\\"\\\\\\/\\b\\f\\n\\r\\t\" ] , \"a\" : { \"é\" : \"ŵ😀\" } } \n",
      R"([])",
  };
  for (const auto& text : settled) {
    INFO(text);
    const auto fast = vc::readJsonFast(text);
    REQUIRE(fast);
    Poco::JSON::Parser poco(new Poco::JSON::ParseHandler(true));
    const Var tree = poco.parse(text);
    CHECK(fast->type() == tree.type());
    CHECK(vc::pocoJsonText(*fast) == vc::pocoJsonText(tree));
    std::string a, b;
    CHECK(vc::appendSortedPocoJson(a, *fast) == vc::appendSortedPocoJson(b, tree));
    CHECK(a == b);
  }
  // Leaves: text it is not sure of, and every error; readUntrustedJson then says what Poco's parser says.
  std::string deep;
  for (int i = 0; i < 20; ++i) deep += "[";
  for (int i = 0; i < 20; ++i) deep += "]";
  const std::vector<std::string> left = {
      R"({"a":"\u00e9"})", R"({"a":1.5})", R"({"a":1e3})", R"({"a":1234567890123456789})", R"({"a":01})",
      R"({"a":-0})", R"({"a":1,"a":2})", R"({"a":1} x)", R"([1,])", R"({"a" 1})", "[\"\x01\"]", R"([tru])",
      R"([truex])", R"({"a":"\q"})", R"("a string at the root")", "7", "true", "null", R"({"a":"unterminated)", deep, "", " ", R"({'a':1})", "[1]\f",
  };
  for (const auto& text : left) {
    INFO(text);
    CHECK_FALSE(vc::readJsonFast(text));
  }
  CHECK_THROWS_WITH(vc::readUntrustedJson(R"({"a":1,"a":2})"), "the key \"a\" appears twice in one object");
  CHECK_THROWS_WITH(vc::readUntrustedJson(R"({"a":1} x)"), "Excess characters found after JSON end.");
  CHECK(vc::readUntrustedJson(R"({"a":"\u00e9"})").extract<Object::Ptr>()->getValue<std::string>("a") == "é");
}
