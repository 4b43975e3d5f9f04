// Input an attacker (or a broken integration) sends, against the real daemon
// over HTTP on a real SQLite file: control characters in text, a key given
// twice, one event too large, events from the future, impossible dates, and
// control characters in request bodies, query strings and forms, and a store
// another writer holds. Each is refused with the one error shape, naming what
// is wrong, and nothing already stored changes.

#include <chrono>
#include <string>
#include <vector>

#include <sqlite3.h>

#include <catch2/catch.hpp>

#include <Poco/JSON/Object.h>

#include "storage/sqlite_connection.h"
#include "storage/audit_log.h"
#include "support/events.h"
#include "support/replies.h"
#include "support/test_daemon.h"

using namespace vc;           // NOLINT
using namespace vc::testing;  // NOLINT

namespace {

int64_t countRows(TestDaemon& d, const std::string& table) {
  auto lease = d.services.db.session();
  Poco::Int64 n = 0;
  vc::storage::sqlite(lease) << "SELECT COUNT(*) FROM " + table, Poco::Data::Keywords::into(n), Poco::Data::Keywords::now;
  return n;
}

const std::string kUrn = "52HI0100126";

std::string caseRegistered(const std::string& rest = "") {
  return jsonEvent("hi-case", "case.registered", "2026-03-30T09:00:00+01:00", kUrn,
                   R"("area":"CPS South West","offences":["rape"])" + std::string(rest.empty() ? "" : ",") + rest);
}

std::string victimRegistered(const std::string& id, const std::string& rest) {
  return jsonEvent(id, "victim.registered", "2026-03-30T09:05:00+01:00", kUrn,
                   R"("victim_id":")" + id + R"(-v",)" + rest);
}

// Posts `body`; checks it is refused with `status`, naming `field` (and `index`, when given); returns the error.
Poco::JSON::Object::Ptr refused(TestDaemon& d, const std::string& body, int status, const std::string& field,
                                std::optional<int> index = std::nullopt) {
  const int64_t events_before = countRows(d, "events");
  Reply r = httpRequest(d.port(), "POST", "/api/v1/events", bearer(d.ingest), body);
  INFO(body.substr(0, 300) << " -> " << r.status << ": " << r.body.substr(0, 400));
  CHECK(r.status == status);
  Poco::JSON::Object::Ptr error = r.object()->getObject("error");
  if (!field.empty()) CHECK(error->optValue<std::string>("field", "") == field);
  if (index) CHECK(error->optValue<int>("index", -1) == *index);
  CHECK(countRows(d, "events") == events_before);
  return error;
}

}  // namespace

TEST_CASE("Control characters are refused in every text field but the line breaks and tabs of free text",
          "[http][hostile]") {
  TestDaemon d;
  ok(httpRequest(d.port(), "POST", "/api/v1/events", bearer(d.ingest), batch({caseRegistered()})));

  struct Case {
    std::string what, event, field;
  };
  const std::vector<Case> refusals = {
      {"a bell in a given name", victimRegistered("c1", R"("name":{"given":"Sam\u0007","family":"Jones"})"),
       "name.given"},
      {"a NUL in a family name", victimRegistered("c2", R"("name":{"given":"Sam","family":"Jo\u0000nes"})"),
       "name.family"},
      {"a line break in an address line",
       victimRegistered("c3", R"("name":{"given":"Sam","family":"Jones"},"address":{"lines":["1 High St\nRCPT"],"postcode":"BS1 1AA"})"),
       "address.lines[0]"},
      {"a carriage return in a postcode",
       victimRegistered("c4", R"("name":{"given":"Sam","family":"Jones"},"address":{"lines":["1 High St"],"postcode":"BS1\r1AA"})"),
       "address.postcode"},
      {"an escape in a court's name",
       jsonEvent("c5", "hearing.listed", "2026-04-01T09:00:00+01:00", kUrn,
                 R"("kind":"trial","date":"2026-06-01","court":"Bristol\u001b[2J Crown Court")"),
       "court"},
      {"a control character in an unknown field",
       jsonEvent("c6", "plea.entered", "2026-04-01T09:00:00+01:00", kUrn, R"("plea":"guilty","cms_note":"x\u0001y")"),
       "cms_note"},
      {"a lone carriage return in reasons",
       jsonEvent("c7", "charging.decided", "2026-04-01T09:00:00+01:00", kUrn,
                 R"("decision":"no_further_action","reasons":"one\rtwo")"),
       "reasons"},
      {"a NUL in reasons",
       jsonEvent("c8", "charging.decided", "2026-04-01T09:00:00+01:00", kUrn,
                 R"("decision":"no_further_action","reasons":"one\u0000two")"),
       "reasons"},
      {"a charge with a line break",
       jsonEvent("c9", "charging.decided", "2026-04-01T09:00:00+01:00", kUrn,
                 R"("decision":"charge","charges":["Rape\nand more"])"),
       "charges[0]"},
  };
  for (const Case& c : refusals) {
    INFO(c.what);
    Poco::JSON::Object::Ptr error = refused(d, batch({c.event}), 400, c.field, 0);
    CHECK_THAT(error->getValue<std::string>("message"), Catch::Contains("control character") || Catch::Contains("NUL"));
  }

  // Free text keeps its paragraphs: line breaks (LF or CRLF) and tabs.
  ok(httpRequest(d.port(), "POST", "/api/v1/events", bearer(d.ingest),
                 batch({victimRegistered("ok1", R"("name":{"given":"Siân","family":"O'Brien-Jones"})"),
                        jsonEvent("ok2", "charging.decided", "2026-04-01T09:00:00+01:00", kUrn,
                                  R"("decision":"no_further_action","reasons":"First reason.\n\nSecond:\tdetail.\r\nThird.")")})));
}

TEST_CASE("A key given twice in one object is refused, in a batch and in any other body", "[http][hostile]") {
  TestDaemon d;
  Poco::JSON::Object::Ptr error =
      refused(d, R"({"id":"dup1","id":"dup2","type":"case.registered","occurred_at":"2026-03-30T09:00:00+01:00",)"
                 R"("case_urn":"52HI0200126","area":"CPS South West","offences":["rape"]})",
              400, "");
  CHECK(error->getValue<std::string>("code") == "invalid_json");
  CHECK_THAT(error->getValue<std::string>("message"), Catch::Contains("\"id\" appears twice"));
  // Nested, and with the same value both times: which would count is still a guess.
  refused(d, batch({victimRegistered("dup3", R"("name":{"given":"Sam","given":"Sam","family":"Jones"})")}), 400, "");
  // Text that is not UTF-8 is not JSON.
  refused(d, "[" + caseRegistered(R"("unit":"Unit \xff")") + "]", 400, "");

  // Other bodies are read the same way.
  Reply r = httpRequest(d.port(), "POST", "/api/v1/letters/l-1/reject", bearer(d.vlu),
                        std::string(R"({"reason":"a","reason":"b"})"));
  CHECK(r.status == 400);
  CHECK(r.body.find("appears twice") != std::string::npos);
}

TEST_CASE("One event larger than ingest.max_event_bytes is 413 naming its index, unknown fields counted",
          "[http][hostile]") {
  DaemonOptions options;
  options.max_body_bytes = 1 << 20;  // the body may be large; one event in it may not
  TestDaemon d(options);
  const std::string padding(70 * 1024, 'x');
  Poco::JSON::Object::Ptr error =
      refused(d, batch({caseRegistered(), jsonEvent("big", "plea.entered", "2026-04-01T09:00:00+01:00", kUrn,
                                                    R"("plea":"guilty","cms_blob":")" + padding + "\"")}),
              413, "", 1);
  CHECK(error->getValue<std::string>("code") == "event_too_large");
  CHECK_THAT(error->getValue<std::string>("message"), Catch::Contains("events[1]") && Catch::Contains("65536"));
  // Just under the limit is fine.
  ok(httpRequest(d.port(), "POST", "/api/v1/events", bearer(d.ingest),
                 batch({caseRegistered(), jsonEvent("small", "plea.entered", "2026-04-01T09:00:00+01:00", kUrn,
                                                    R"("plea":"guilty","cms_blob":")" + std::string(60 * 1024, 'x') +
                                                        "\"")})));
}

TEST_CASE("Events from the future and impossible dates are refused", "[http][hostile]") {
  TestDaemon d;  // now: 2026-04-06T09:00:00+01:00
  ok(httpRequest(d.port(), "POST", "/api/v1/events", bearer(d.ingest), batch({caseRegistered()})));

  // A few minutes of clock difference is allowed; more is not.
  ok(httpRequest(d.port(), "POST", "/api/v1/events", bearer(d.ingest),
                 batch({jsonEvent("f1", "plea.entered", "2026-04-06T09:04:00+01:00", kUrn, R"("plea":"guilty")")})));
  Poco::JSON::Object::Ptr error = refused(
      d, batch({jsonEvent("f2", "plea.entered", "2026-04-06T09:06:00+01:00", kUrn, R"("plea":"guilty")")}), 400,
      "occurred_at", 0);
  CHECK_THAT(error->getValue<std::string>("message"), Catch::Contains("later than now"));
  refused(d, batch({jsonEvent("f3", "plea.entered", "2027-04-06T09:00:00+01:00", kUrn, R"("plea":"guilty")")}), 400,
          "occurred_at", 0);

  // An offence after the case was registered, or before 1900.
  refused(d,
          batch({jsonEvent("o1", "case.registered", "2026-03-30T09:00:00+01:00", "52HI0300126",
                           R"("area":"CPS South West","offences":["rape"],"offence_date":"2026-03-31")")}),
          400, "offence_date", 0);
  refused(d,
          batch({jsonEvent("o2", "case.registered", "2026-03-30T09:00:00+01:00", "52HI0300126",
                           R"("area":"CPS South West","offences":["rape"],"offence_date":"1899-12-31")")}),
          400, "offence_date", 0);
  // A victim born after the event, or before 1900.
  refused(d, batch({victimRegistered("b1", R"("name":{"given":"Sam","family":"Jones"},"date_of_birth":"2026-04-01")")}),
          400, "date_of_birth", 0);
  refused(d, batch({victimRegistered("b2", R"("name":{"given":"Sam","family":"Jones"},"date_of_birth":"1850-01-01")")}),
          400, "date_of_birth", 0);
  // The same dates on the day itself, or in 1900, are fine.
  ok(httpRequest(d.port(), "POST", "/api/v1/events", bearer(d.ingest),
                 batch({jsonEvent("o3", "case.registered", "2026-03-30T09:00:00+01:00", "52HI0400126",
                                  R"("area":"CPS South West","offences":["rape"],"offence_date":"2026-03-30")"),
                        victimRegistered("b3", R"("name":{"given":"Sam","family":"Jones"},"date_of_birth":"1900-01-01")")})));
}

TEST_CASE("Control characters in a body, a query or a form are refused naming the field", "[http][hostile]") {
  TestDaemon d;
  // A JSON body: an officer's paragraphs may break lines, but nothing else.
  Reply r = httpRequest(d.port(), "POST", "/api/v1/letters/l-1/reject", bearer(d.vlu),
                        std::string(R"({"reason":"Wrong\u0007 reasons"})"));
  CHECK(r.status == 400);
  CHECK(r.object()->getObject("error")->getValue<std::string>("field") == "reason");

  // A query parameter.
  r = httpRequest(d.port(), "GET", "/api/v1/obligations?case_urn=52HI%0D%0AX", bearer(d.vlu));
  CHECK(r.status == 400);
  CHECK(r.object()->getObject("error")->getValue<std::string>("field") == "case_urn");
  // A path segment.
  r = httpRequest(d.port(), "GET", "/api/v1/victims/v1%00", bearer(d.vlu));
  CHECK(r.status == 400);
  CHECK(r.object()->getObject("error")->getValue<std::string>("field") == "victim_id");

  // A page's form: refused before the handler sees it (an error page, not a stored value).
  r = httpRequest(d.port(), "POST", "/login", "", std::string("name=officer%00&password=x&csrf_token=t"),
                  "application/x-www-form-urlencoded");
  CHECK(r.status == 400);
  CHECK(r.content_type.find("text/html") == 0);
}

TEST_CASE("A store another writer holds answers 503 with Retry-After within the busy wait, and loses nothing",
          "[http][hostile]") {
  TestDaemon d;  // db.busy_timeout_ms: the default, 2000
  ok(httpRequest(d.port(), "POST", "/api/v1/events", bearer(d.ingest), batch({caseRegistered()})));
  const int64_t events_before = countRows(d, "events");

  // Another process (a backup, a purge, a stuck tool, another daemon) takes the write lock and keeps it.
  std::optional<testing::StoreHeldByAnother> other(std::in_place, d);

  const auto started = std::chrono::steady_clock::now();
  Reply r = httpRequest(d.port(), "POST", "/api/v1/events", bearer(d.ingest),
                        batch({jsonEvent("busy1", "plea.entered", "2026-04-01T09:00:00+01:00", kUrn, R"("plea":"guilty")")}));
  const auto waited = std::chrono::steady_clock::now() - started;
  CHECK(r.status == 503);
  CHECK(r.headers["Retry-After"] == "2");
  CHECK(r.object()->getObject("error")->getValue<std::string>("code") == "store_busy");
  CHECK(waited >= std::chrono::milliseconds(1500));  // it did wait for the lock, about 2 s
  CHECK(waited < std::chrono::seconds(5));            // and no longer (it was 10 s, then a 500)
  // An audited read must write its audit entry. On SQLite the other writer holds the whole file, so the read
  // waits too. On PostgreSQL its entry goes to audit_pending, which no other writer holds: it answers, audited.
  const Reply read = httpRequest(d.port(), "GET", "/api/v1/cases/" + kUrn, bearer(d.vlu));
  CHECK(read.status == (d.onPostgres() ? 200 : 503));
  CHECK(httpRequest(d.port(), "GET", "/healthz", "").status == 200);

  other.reset();
  if (d.onPostgres()) {
    vc::storage::AuditFilter f;
    f.action = "read_case";
    f.subject = "case:" + kUrn;
    auto lease = d.services.db.session();
    CHECK(vc::storage::AuditLog(lease).list(f).size() == 1);
  }
  CHECK(countRows(d, "events") == events_before);
  ok(httpRequest(d.port(), "POST", "/api/v1/events", bearer(d.ingest),
                 batch({jsonEvent("busy1", "plea.entered", "2026-04-01T09:00:00+01:00", kUrn, R"("plea":"guilty")")})));
  CHECK(countRows(d, "events") == events_before + 1);
}
