// The scheduler finds its work by index (issue 16, item 5): a case is armed by any write its letters
// depend on and disarmed once looked at; the ledger sweep reads only obligations whose alert date has
// come; the review queue's sort key (letters.due_by) follows its obligation's due date. Against the real
// daemon: a real SQLite file, the real ingest and services.

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <Poco/Data/Session.h>

#include "storage/sqlite_connection.h"
#include "storage/sqlite_statement.h"
#include "storage/case_checks.h"
#include "storage/letter_store.h"
#include "support/replies.h"
#include "support/test_daemon.h"

using namespace vc;  // NOLINT
using testing::bearer;
using testing::ok;
using testing::TestDaemon;

namespace {

void post(TestDaemon& d, const std::vector<std::string>& events) {
  ok(testing::httpRequest(d.port(), "POST", "/api/v1/events", bearer(d.ingest), testing::batch(events)));
}

// A case with one victim and a decision of no further action: its VCL-NFA letter is drafted at once.
std::vector<std::string> nfaCase(const std::string& urn, const std::string& victim) {
  return {R"({"id":")" + urn + R"(-reg","type":"case.registered","occurred_at":"2026-04-01T09:00:00+01:00","case_urn":")" +
              urn + R"(","area":"CPS South West","offences":["other"]})",
          R"({"id":")" + victim + R"(-reg","type":"victim.registered","occurred_at":"2026-04-01T09:05:00+01:00",)"
          R"("case_urn":")" + urn + R"(","victim_id":")" + victim +
              R"(","name":{"given":"Sam","family":"Testperson"},"address":{"lines":["1 Test Street","Testtown"],)"
              R"("postcode":"ZZ1 1AA"},"preferred_channel":"post"})",
          R"({"id":")" + urn + R"(-nfa","type":"charging.decided","occurred_at":"2026-04-02T15:20:00+01:00",)"
          R"x("case_urn":")x" + urn + R"x(","decision":"no_further_action","reasons":"Not enough evidence (synthetic)."})x"};
}

std::vector<std::string> armedCases(TestDaemon& d) {
  auto lease = d.services.db.session();
  Poco::Data::Session& s = vc::storage::sqlite(lease);
  using namespace Poco::Data::Keywords;
  std::vector<std::string> urns;
  s << "SELECT case_urn FROM case_checks ORDER BY case_urn", into(urns), now;
  return urns;
}

void exec(TestDaemon& d, const std::string& sql) {
  auto lease = d.services.db.session();
  Poco::Data::Session& s = vc::storage::sqlite(lease);
  using namespace Poco::Data::Keywords;
  s << sql, now;
}

std::string text(TestDaemon& d, const std::string& sql) {
  auto lease = d.services.db.session();
  vc::storage::Query q(vc::storage::sqlite(lease), "SELECT IFNULL(CAST((" + sql + ") AS TEXT), '<null>')");
  return q.next() ? q.text(0) : "";
}

}  // namespace

// [sqlite_only]: writes straight into the store that SQLite's triggers arm; on PostgreSQL those writes are
// explicit in the repositories' statements, held by tests/postgres/contract_test.cpp.
TEST_CASE("An idle pass looks at no letter, and a change to one case re-arms that case alone, which the pass brings "
          "up to date",
          "[sqlite_only][scheduler]") {
  TestDaemon d(testing::at("2026-04-02T16:00:00+01:00"));
  auto events = nfaCase("52SI0000001", "v-si-1");
  for (const auto& e : nfaCase("52SI0000002", "v-si-2")) events.push_back(e);
  post(d, events);
  // The ingest's own refresh drafted both letters and disarmed both cases; the first pass looks at everything.
  CHECK(armedCases(d).empty());
  d.services.scheduler.runPass();
  CHECK(armedCases(d).empty());

  // Nothing changed: an idle refresh reads no letter at all.
  auto idle = d.services.scheduler.refreshNow({});
  CHECK(idle.looked_at == 0);
  CHECK(idle.rerendered == 0);

  // A write the ingest's refresh does not follow (here straight into the store): the victim's address
  // changes on case 1. Only case 1 is armed, and the next pass re-renders its letter alone.
  exec(d, "UPDATE victims SET profile = json_set(profile, '$.address.lines[0]', '2 Other Street') "
          "WHERE victim_id = 'v-si-1'");
  CHECK(armedCases(d) == std::vector<std::string>{"52SI0000001"});
  const std::string version_2 = text(d, "SELECT version FROM letters l JOIN obligations o ON o.id = l.obligation_id "
                                        "WHERE o.case_urn = '52SI0000002'");
  auto r = d.services.scheduler.refreshNow({});
  CHECK(r.looked_at >= 1);
  CHECK(r.rerendered == 1);
  CHECK(armedCases(d).empty());
  {
    // Read through LetterStore: a letter's words may live in its current version's row (stored once).
    const std::string n = text(d, "SELECT l.n FROM letters l JOIN obligations o ON o.id = l.obligation_id "
                                  "WHERE o.case_urn = '52SI0000001'");
    auto lease = d.services.db.session();
    auto letter = storage::LetterStore(lease).findLetter(std::stoll(n));
    REQUIRE(letter);
    CHECK(letter->text.find("2 Other Street") != std::string::npos);
  }
  CHECK(text(d, "SELECT version FROM letters l JOIN obligations o ON o.id = l.obligation_id "
                "WHERE o.case_urn = '52SI0000002'") == version_2);

  // An ISVA's details are printed for every victim they support, on any case: their change arms those cases.
  exec(d, "INSERT INTO isvas(isva_id, details, registered_event) VALUES('isva-si', '{\"isva_id\":\"isva-si\",\"name\":\"Alex Test\",\"organisation\":\"Test ISVA Service\",\"email\":\"alex@example.org\"}', '52SI0000002-reg')");
  CHECK(armedCases(d).empty());  // nobody is supported by them yet
  exec(d, "UPDATE victims SET isva_id = 'isva-si' WHERE victim_id = 'v-si-2'");
  d.services.scheduler.refreshNow({});
  CHECK(armedCases(d).empty());
  exec(d, "UPDATE isvas SET details = json_set(details, '$.phone', '0300 000 0000') WHERE isva_id = 'isva-si'");
  CHECK(armedCases(d) == std::vector<std::string>{"52SI0000002"});

  // A change made while a case is being looked at is not lost: disarming needs the token read before looking.
  {
    auto lease = d.services.db.session();
    storage::CaseChecks checks(lease);
    const auto before = checks.armed();
    REQUIRE(before.size() == 1);
    exec(d, "UPDATE cases SET details = details WHERE urn = '52SI0000002'");  // re-armed meanwhile
    CHECK(checks.disarm(before) == 0);
    CHECK(armedCases(d) == std::vector<std::string>{"52SI0000002"});
    CHECK(checks.disarm(checks.armed()) == 1);
  }
}

// [sqlite_only]: as above (a due date changed by a raw write, re-armed by SQLite's trigger).
TEST_CASE("The ledger sweep reads only the obligations whose alert date has come, and a new due date re-arms one",
          "[sqlite_only][scheduler][ledger]") {
  // Monday 20 April: the letter is due one working day after Thursday 16 April's decision... decided later below.
  TestDaemon d(testing::at("2026-04-20T09:00:00+01:00"));
  post(d, {R"({"id":"52SL0000001-reg","type":"case.registered","occurred_at":"2026-04-20T08:00:00+01:00",)"
           R"("case_urn":"52SL0000001","area":"CPS South West","offences":["other"]})",
           R"({"id":"v-sl-1-reg","type":"victim.registered","occurred_at":"2026-04-20T08:05:00+01:00",)"
           R"("case_urn":"52SL0000001","victim_id":"v-sl-1","name":{"given":"Sam","family":"Testperson"}})",
           R"({"id":"sl1-h1","type":"hearing.listed","occurred_at":"2026-04-20T08:30:00+01:00",)"
           R"("case_urn":"52SL0000001","kind":"first_appearance","date":"2026-06-20","court":"Test Court"})"});
  const std::string id = "WCU-HEARING:v-sl-1:sl1-h1";
  const std::string due = text(d, "SELECT due_by FROM obligations WHERE id = '" + id + "'");
  REQUIRE(due == "2026-04-21");  // one working day: Tuesday
  const std::string alert_on = "SELECT alert_on FROM obligations WHERE id = '" + id + "'";
  CHECK(text(d, alert_on).empty());  // new: looked at on the next sweep

  // Monday: in the at-risk window at once (due by the next working day): warned, then looked at again when due passes.
  auto swept = d.services.ledger.sweep();
  CHECK(swept.warned == 1);
  CHECK(text(d, alert_on) == "2026-04-22");
  // Nothing else is read until then.
  for (const char* t : {"2026-04-20T17:00:00+01:00", "2026-04-21T23:59:00+01:00"}) {
    d.setNow(t);
    swept = d.services.ledger.sweep();
    CHECK(swept.looked == 0);
    CHECK(swept.warned == 0);
    CHECK(swept.breached == 0);
  }
  // An extension (any new due date) re-arms it at once, and the sweep works its new dates out.
  exec(d, "UPDATE obligations SET due_by = '2026-05-05' WHERE id = '" + id + "'");
  CHECK(text(d, alert_on).empty());
  CHECK(text(d, "SELECT due_by FROM letters WHERE obligation_id = '" + id + "'") == "<null>");  // WCU-HEARING: no letter
  swept = d.services.ledger.sweep();
  CHECK(swept.looked == 1);
  CHECK(swept.warned == 0);
  // Tuesday 5 May is in the window from Friday 1 May (the next working day after it: Monday 4 May is a bank holiday).
  CHECK(text(d, alert_on) == "2026-05-01");
  d.setNow("2026-05-01T09:00:00+01:00");
  swept = d.services.ledger.sweep();
  CHECK(swept.looked == 1);
  CHECK(swept.warned == 1);
  d.setNow("2026-05-06T09:00:00+01:00");
  swept = d.services.ledger.sweep();
  CHECK(swept.breached == 1);
  CHECK(text(d, alert_on) == "<null>");  // breach recorded: never read again unless it changes
  d.setNow("2026-05-07T09:00:00+01:00");
  CHECK(d.services.ledger.sweep().looked == 0);
}

// [sqlite_only]: as above (the letter's due date follows by SQLite's trigger).
TEST_CASE("The review queue's sort key follows its obligation's due date, so the queue stays in due order",
          "[sqlite_only][scheduler][letters]") {
  TestDaemon d(testing::at("2026-04-02T16:00:00+01:00"));
  auto events = nfaCase("52SQ0000001", "v-sq-1");
  for (const auto& e : nfaCase("52SQ0000002", "v-sq-2")) events.push_back(e);
  post(d, events);
  const std::string first = "VCL-NFA:v-sq-1:52SQ0000001-nfa", second = "VCL-NFA:v-sq-2:52SQ0000002-nfa";
  CHECK(text(d, "SELECT due_by FROM letters WHERE obligation_id = '" + first + "'") ==
        text(d, "SELECT due_by FROM obligations WHERE id = '" + first + "'"));
  // The second case's obligation moves earlier: its letter leads the queue, and the cursor pages on from it.
  exec(d, "UPDATE obligations SET due_by = '2026-04-03' WHERE id = '" + second + "'");
  CHECK(text(d, "SELECT due_by FROM letters WHERE obligation_id = '" + second + "'") == "2026-04-03");
  // And its Area (an officer bound to one lists by it): the case moves to Wales.
  exec(d, "UPDATE obligations SET area = 'CPS Wales' WHERE id = '" + second + "'");
  CHECK(text(d, "SELECT area FROM letters WHERE obligation_id = '" + second + "'") == "CPS Wales");
  auto wales = ok(testing::httpRequest(d.port(), "GET", "/api/v1/letters?area=" + testing::segment("CPS Wales"),
                                       bearer(d.vlu)));
  REQUIRE(wales->getArray("items")->size() == 1);
  CHECK(wales->getArray("items")->getObject(0)->getValue<std::string>("obligation_id") == second);
  exec(d, "UPDATE obligations SET area = 'CPS South West' WHERE id = '" + second + "'");
  auto page = ok(testing::httpRequest(d.port(), "GET", "/api/v1/letters?limit=1", bearer(d.vlu)));
  REQUIRE(page->getArray("items")->size() == 1);
  CHECK(page->getArray("items")->getObject(0)->getValue<std::string>("obligation_id") == second);
  const std::string next = page->getValue<std::string>("next");
  page = ok(testing::httpRequest(d.port(), "GET", "/api/v1/letters?limit=1&cursor=" + testing::segment(next),
                                 bearer(d.vlu)));
  REQUIRE(page->getArray("items")->size() == 1);
  CHECK(page->getArray("items")->getObject(0)->getValue<std::string>("obligation_id") == first);
}
