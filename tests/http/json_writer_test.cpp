// Issue 16, items 3 and 4: the victim read and the letters and obligations lists are written straight as
// JSON text (http/json_writer.h) instead of through Poco::JSON trees. Nothing the API answers may change:
// these tests hold the writer, and each view written with it, to what Poco::JSON writes for the same
// input, byte for byte, over many rows (the demo's journeys, enhanced victims, reasons given for misses,
// Welsh letters, a purged case, unicode and control characters in a name), and over hand-made stored
// JSON that the writer's own pass must leave to Poco (fractions, a key given twice, bad UTF-8...).

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <Poco/Data/Session.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include "http/json_io.h"
#include "http/json_writer.h"
#include "http/views.h"
#include "retention/purger.h"
#include "storage/sqlite_connection.h"
#include "support/events.h"
#include "support/replies.h"
#include "support/test_daemon.h"

using namespace vc;  // NOLINT
using namespace Poco::Data::Keywords;
using http::JsonWriter;
using Poco::JSON::Object;
using testing::bearer;
using testing::ok;
using testing::segment;
using testing::TestDaemon;
constexpr auto ev = testing::jsonEvent;

namespace {

std::string poco(const Poco::Dynamic::Var& v) {
  std::ostringstream os;
  Poco::JSON::Stringifier::stringify(v, os);
  return os.str();
}

// What the API wrote before: the stored text parsed and written again by Poco, or the exception's text.
std::string throughPoco(const std::string& json) {
  try {
    return poco(http::parseJson(json));
  } catch (const std::exception& e) {
    return std::string("threw: ") + e.what();
  }
}

std::string throughWriter(const std::string& json) {
  try {
    std::string out;
    JsonWriter(out).stored(json);
    return out;
  } catch (const std::exception& e) {
    return std::string("threw: ") + e.what();
  }
}

template <typename Write>
std::string written(Write write) {
  std::string out;
  JsonWriter w(out);
  write(w);
  return out;
}

std::string allBytes() {
  std::string s;
  for (int c = 1; c < 256; ++c) s += static_cast<char>(c);
  return s;
}

}  // namespace

TEST_CASE("Stored JSON is written as Poco writes it once parsed, and what the writer cannot settle goes to Poco",
          "[json_writer]") {
  const std::vector<std::string> texts = {
      R"({})", R"([])", R"({"a":{},"b":[],"c":[{}],"d":""})",
      R"({"name":{"given":"Siân","family":"Ó Briain-Łukasz 😀"},"lines":["1 Heol y Bont","Caerdydd"]})",
      R"({"s":"tab\there, line\nthere, \"quoted\" \\ back\/slash / slash"})",
      R"({"c":"\u0000\u0001\u0007\u0008\u000b\u000C\u001f\u007f\u00e9\u00E9\u20ac\ud83d\ude00"})",
      R"({"n":[0,-1,7,123456789012345678,-999999999999999,-9007199254740993,-123456789012345678]})",
      R"({"t":true,"f":false,"z":null})",
      " { \"a\" : [ 1 , 2 ] ,\n\t\"b\" : \"x\" } ",
      R"([{"code":"intimidated","detail":"in fear or distress about testifying"},{"code":"rape"}])",
      // left to Poco: numbers it reads as doubles or wider integers, a key given twice, escaped keys
      R"({"d":1.5,"e":1e3,"f":-0,"g":0.1,"h":1.0,"i":-0.0})",
      R"({"big":1234567890123456789,"bigger":12345678901234567890,"neg":-9223372036854775809})",
      R"({"a":1,"b":2,"a":3})", R"({"k\u0065y":1,"key":2})", R"({"k\"q":1})",
      // refused by Poco, so by the writer too (it throws the same)
      R"({"a":01})", R"({"a":})", R"({"a":1,})", R"([1,2)", R"({"a":"\x"})", R"({"a":"\ud83d"})",
      R"({"a":"\ude00"})", "{\"a\":\"raw\tcontrol\"}", "{\"a\":\"\xff\"}", "{\"a\":\"\xc3\"}",
      "{\"a\":\"\xed\xa0\x80\"}", "{\"a\":\"\xf4\x90\x80\x80\"}", "{\"a\":\"\xc0\xaf\"}", "{\"a\":\"\xe0\x80\xaf\"}",
      R"({"a":1} x)", R"("a bare string")", R"(7)", R"(null)", "", R"({"a":tru})", R"({"a":nul})"};
  for (const auto& t : texts) {
    INFO(t);
    CHECK(throughWriter(t) == throughPoco(t));
  }
  // The common shapes go the writer's own way (no tree).
  for (const std::string t : {R"({"name":{"given":"Siân"},"n":[1,-2],"ok":true,"x":null,"s":"a\/b\u0007"})",
                              R"([{"code":"rape","detail":"d"}])"}) {
    std::string out;
    CHECK(http::appendStoredJson(out, t));
    CHECK(out == throughPoco(t));
  }
  for (const std::string t : {R"({"d":1.5})", R"({"a":1,"a":2})", "{\"a\":\"\xff\"}", R"("bare")"}) {
    std::string out = "kept";
    CHECK_FALSE(http::appendStoredJson(out, t));
    CHECK(out == "kept");
  }
}

TEST_CASE("Strings, keys and numbers are escaped and written as Poco writes them", "[json_writer]") {
  std::vector<std::string> strings = {"", "plain", allBytes(), "Siân Ó Briain 😀", "a\"b\\c/d", std::string("nul\0in", 6)};
  unsigned seed = 16;
  for (int i = 0; i < 200; ++i) {  // arbitrary bytes, UTF-8 or not
    std::string s;
    for (int n = 0; n < 40; ++n) {
      seed = seed * 1103515245u + 12345u;
      s += static_cast<char>((seed >> 16) & 0xFF);
    }
    strings.push_back(s);
  }
  for (const auto& s : strings) {
    Object::Ptr o = http::ordered();
    o->set(s, s);
    o->set("n", -42);
    o->set("big", static_cast<Poco::Int64>(-9007199254740993LL));
    o->set("yes", true);
    o->set("none", Poco::Dynamic::Var());
    std::ostringstream expected;
    o->stringify(expected);
    const std::string got = written([&](JsonWriter& w) {
      w.beginObject();
      w.key(s).value(s);
      w.key("n").value(-42);
      w.key("big").value(static_cast<int64_t>(-9007199254740993LL));
      w.key("yes").value(true);
      w.key("none").null();
      w.endObject();
    });
    CHECK(got == expected.str());
  }
  CHECK(written([](JsonWriter& w) {
          w.beginArray().beginObject().endObject().beginArray().endArray().value("x").stringOrNull("").endArray();
        }) == R"([{},[],"x",null])");
}

namespace {

struct Views {
  std::string poco, writer;
};

// Every victim, letter and obligation of the daemon's store as of `today`, viewed both ways.
std::vector<Views> everyView(TestDaemon& d, const domain::Date& today, std::set<std::string>& seen) {
  std::vector<Views> out;
  const services::Principal manager{"vlu-manager", "manager", "", ""};
  const auto& cal = d.services.calendar;
  std::vector<std::string> victims;
  {
    auto lease = d.services.db.session();
    storage::sqlite(lease) << "SELECT victim_id FROM victims ORDER BY victim_id", into(victims), now;
  }
  for (const auto& id : victims) {
    const services::VictimRecord r = d.services.reads.readVictim(id, manager);
    out.push_back({poco(http::victimView(r, today, cal)),
                   written([&](JsonWriter& w) { http::writeVictim(w, r, today, cal); })});
    if (r.victim.enhanced) seen.insert("enhanced victim");
    for (const auto& o : r.obligations) {
      if (!o.latest_reason.empty()) seen.insert("reason on a miss");
      if (o.body.find("(removed by the retention purge)") != std::string::npos || o.body.find("\"purged\"") != std::string::npos)
        seen.insert("purged obligation");
    }
    if (r.victim.profile.find("Ó Briain") != std::string::npos) seen.insert("unicode in a name");
    for (const auto& e : r.timeline)
      if (e.body.find("\\n\\t") != std::string::npos) seen.insert("control characters in stored text");
    if (r.victim.profile.find("\"purged\"") != std::string::npos) seen.insert("purged victim");
  }
  storage::LetterFilter all;
  all.limit = 100000;
  for (const auto& l : d.services.letters.list(all, {"vlu-manager", ""})) {
    for (bool one : {false, true})
      out.push_back({poco(http::letterView(l, cal, today, one)),
                     written([&](JsonWriter& w) { http::writeLetter(w, l, cal, today, one); })});
    if (l.language == "cy") seen.insert("Welsh letter");
    if (l.blocked_by != "[]") seen.insert("blocked letter");
  }
  storage::ObligationFilter every;
  every.limit = 1000;
  for (const auto& o : d.services.reads.listObligations(every, manager))
    for (bool with_explanation : {false, true})
      out.push_back({poco(http::obligationView(o, today, cal, with_explanation)),
                     written([&](JsonWriter& w) { http::writeObligation(w, o, today, cal, with_explanation); })});
  return out;
}

}  // namespace

TEST_CASE("The victim, letter and obligation views written without a tree are byte for byte Poco's",
          "[json_writer]") {
  TestDaemon d(testing::at("2026-12-01T09:00:00Z"));  // after the demo's last event
  {  // the demo's journeys
    std::vector<Poco::Dynamic::Var> events;
    std::ifstream in(VC_SOURCE_DIR "/config/demo/events.jsonl");
    std::string line;
    while (std::getline(in, line))
      if (!line.empty()) events.push_back(Poco::JSON::Parser().parse(line));
    REQUIRE(static_cast<size_t>(d.services.ingestor.ingest(events).accepted) == events.size());
  }
  // A case that ends (to be purged), a late contact with a reason given, a victim whose name has unicode,
  // quotes and a slash in it, and free text with a line break and a tab (a name may hold no control character).
  const std::string ended = "52JW0000001", nfa_id = "VCL-NFA:jw1-v:jw1-nfa";
  ok(testing::httpRequest(
      d.port(), "POST", "/api/v1/events", bearer(d.ingest),
      testing::batch({
          ev("jw1-case", "case.registered", "2026-04-01T09:00:00+01:00", ended,
             R"("area":"CPS South West","offences":["other"])"),
          ev("jw1-v-reg", "victim.registered", "2026-04-01T09:01:00+01:00", ended,
             R"("victim_id":"jw1-v","name":{"given":"Siân \"Bell\"","family":"Ó Briain 😀 / Łukasz"},)"
             R"("address":{"lines":["1 Heol y Bont","Caerdydd"],"postcode":"CF1 1AA"},"language":"cy",)"
             R"("email":"sian@example.org")"),
          ev("jw1-nfa", "charging.decided", "2026-04-02T10:00:00+01:00", ended,
             R"("decision":"no_further_action","reasons":"Not enough evidence \/ synthetic.\n\tA second line.")"),
          ev("jw1-done", "contact.recorded", "2026-04-15T10:00:00+01:00", ended,
             R"("victim_id":"jw1-v","obligation":")" + nfa_id + R"(","by":"cps")"),
      })));
  ok(testing::httpRequest(d.port(), "POST", "/api/v1/obligations/" + segment(nfa_id) + "/reason", bearer(d.vlu),
                          std::string(R"x({"reason":"other","note":"Siân was abroad: \"away\" \\ back\n(synthetic)"})x")));

  std::set<std::string> seen;
  size_t compared = 0;
  auto compareAll = [&] {
    for (const std::string day : {"2026-04-06", "2026-09-01", "2026-12-01", "2045-01-01"}) {  // the last past the calendar
      for (const auto& v : everyView(d, *domain::Date::parse(day), seen)) {
        INFO(day);
        REQUIRE(v.writer == v.poco);
        ++compared;
      }
    }
  };
  compareAll();
  retention::Purger purger(d.services.db, *d.services.clock);
  REQUIRE_FALSE(purger.run(*domain::Date::parse("2026-06-01"), false, "cli").cases.empty());
  compareAll();
  CHECK(compared > 1000);
  for (const char* what : {"enhanced victim", "reason on a miss", "purged obligation", "purged victim", "Welsh letter",
                           "blocked letter", "unicode in a name", "control characters in stored text"}) {
    INFO(what);
    CHECK(seen.count(what) == 1);
  }

  // The API answers with the writer's text: the same bytes the Poco view of the same record gives.
  const services::Principal manager{"vlu-manager", "manager", "", ""};
  const domain::Date today = d.services.clock->today();
  const auto record = d.services.reads.readVictim("jw1-v", manager);
  const auto reply = testing::httpRequest(d.port(), "GET", "/api/v1/victims/jw1-v", bearer(d.manager));
  REQUIRE(reply.status == 200);
  CHECK(reply.body == poco(http::victimView(record, today, d.services.calendar)));
}

TEST_CASE("Obligation bodies of other shapes are written as obligationView writes them, or fail the same way",
          "[json_writer]") {
  TestDaemon d;
  const auto& cal = d.services.calendar;
  const domain::Date today = *domain::Date::parse("2026-04-06");
  storage::ObligationRow row;
  row.id = "X:1";
  row.due_by = "2026-04-02";
  row.status = "pending";
  const std::vector<std::string> bodies = {
      R"({"id":"X:1","status":"pending","explanation":{"text":"Due by Thursday.","rule":"X"}})",
      R"({"id":"X:1","explanation":{"purged":"hmac-sha256:k:abc"},"status":"pending"})",  // a purge marker
      R"({"id":"X:1","explanation":{"text":null}})",
      R"({"id":"X:1","explanation":{"text":"a \/ b \u00e9 \u0007"},"explanation_text":"old","at_risk":"x"})",
      R"({"id":"X:1","reason":{"code":"workload"},"explanation":{"text":"t"},"extra":1.25})",  // a fraction: Poco's
      " {\"id\" : \"X:1\", \"explanation\" : {\"text\" : \"spaced\"} } ",
      R"({"id":"X:1","explanation":{"text":7}})",   // not a string: Poco's conversion
      R"({"id":"X:1","explanation":"not an object"})",  // obligationView throws: so does the writer
      R"({"id":"X:1"})",                               // no explanation: throws as before
      R"({"id":"X:1","a":1,"a":2,"explanation":{"text":"t"}})",  // a key twice: Poco's reading
      R"({"id":"X:1","explanation":{"text":"t"}} trailing)",
      "{\"id\":\"X:1\",\"k\x01\":1,\"explanation\":{\"text\":\"t\"}}",          // a raw control character in a key
      "{\"id\":\"X:1\",\"explanation\":{\"text\":\"t\",\"why\":\"\xff\"}}",  // bad UTF-8 in what is left out
  };
  for (const auto& body : bodies) {
    for (const std::string reason : {"", R"({"code":"other","note":"n \/ é"})"}) {
      for (bool with_explanation : {false, true}) {
        row.body = body;
        row.latest_reason = reason;
        row.at_risk_raised_at = reason.empty() ? "" : "2026-04-01T09:00:00Z";
        std::string expected, got;
        try {
          expected = poco(http::obligationView(row, today, cal, with_explanation));
        } catch (const std::exception& e) {
          expected = "threw";
        }
        try {
          got = written([&](JsonWriter& w) { http::writeObligation(w, row, today, cal, with_explanation); });
        } catch (const std::exception& e) {
          got = "threw";
        }
        INFO(body << " / " << reason << " / " << with_explanation);
        CHECK(got == expected);
      }
    }
  }
}
