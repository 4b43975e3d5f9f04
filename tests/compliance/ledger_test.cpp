// The compliance ledger against the real daemon: a real SQLite file, the real
// HTTP server, and the daemon's clock walked across due dates, a weekend and
// the Easter bank holidays while the scheduler's sweep runs as it would.

#include <string>

#include <catch2/catch.hpp>

#include <Poco/Data/Session.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include "storage/sqlite_connection.h"
#include "storage/sqlite_statement.h"
#include "storage/store.h"
#include "storage/audit_log.h"
#include "support/replies.h"
#include "support/test_daemon.h"

using namespace vc;  // NOLINT
using Poco::JSON::Array;
using Poco::JSON::Object;
using testing::bearer;
using testing::ok;
using testing::Reply;
using testing::segment;
using testing::TestDaemon;

namespace {

Reply call(TestDaemon& d, const std::string& method, const std::string& target, const std::string& token,
           const std::optional<std::string>& body = std::nullopt) {
  return testing::httpRequest(d.port(), method, target, bearer(token), body);
}

void post(TestDaemon& d, const std::vector<std::string>& events) {
  ok(call(d, "POST", "/api/v1/events", d.ingest, testing::batch(events)));
}

std::string caseRegistered(const std::string& urn, const std::string& area, const std::string& offence,
                           const std::string& at) {
  return R"({"id":")" + urn + R"(-reg","type":"case.registered","occurred_at":")" + at + R"(","case_urn":")" + urn +
         R"(","area":")" + area + R"(","offences":[")" + offence + R"("]})";
}

std::string victimRegistered(const std::string& urn, const std::string& victim, const std::string& at) {
  return R"({"id":")" + victim + R"(-reg","type":"victim.registered","occurred_at":")" + at + R"(","case_urn":")" +
         urn + R"(","victim_id":")" + victim + R"(","name":{"given":"Sam","family":"Testperson"}})";
}

int64_t auditCount(TestDaemon& d, const std::string& action, const std::string& subject) {
  auto lease = d.services.db.session();
  vc::storage::AuditLog(lease).chainPending();  // PostgreSQL: entries still waiting in audit_pending, onto the log
  vc::storage::Query q(vc::storage::sqlite(lease), "SELECT COUNT(*) FROM audit_log WHERE action = ? AND subject = ?");
  q.bind(action).bind(subject);
  q.next();
  return q.int64(0);
}

Object::Ptr obligation(TestDaemon& d, const std::string& id) {
  return ok(call(d, "GET", "/api/v1/obligations/" + segment(id), d.vlu));
}

}  // namespace

TEST_CASE("Walking the clock over Easter: warned once when at risk, breached once as the due date passes, "
          "then late when done",
          "[ledger]") {
  TestDaemon d(testing::at("2026-04-01T09:10:00+01:00"));
  post(d, {caseRegistered("52LE0000001", "CPS South West", "rape", "2026-04-01T09:00:00+01:00"),
           victimRegistered("52LE0000001", "v-le-1", "2026-04-01T09:05:00+01:00")});
  // Thursday 2 April, 15:20: no further action, decided and sent to us at once.
  d.setNow("2026-04-02T15:21:00+01:00");
  post(d, {R"({"id":"le1-nfa","type":"charging.decided","occurred_at":"2026-04-02T15:20:00+01:00",)"
           R"x("case_urn":"52LE0000001","decision":"no_further_action","reasons":"Not enough evidence (synthetic)."})x"});
  const std::string id = "VCL-NFA:v-le-1:le1-nfa";
  CHECK(obligation(d, id)->getValue<std::string>("due_by") == "2026-04-07");  // 1 WD over Good Friday to Easter Monday

  // Thursday 2 April, 16:00: the next working day is Tuesday 7th, so it is at risk already.
  d.setNow("2026-04-02T16:00:00+01:00");
  CHECK(d.services.ledger.sweep().warned == 1);
  auto o = obligation(d, id);
  CHECK(o->getValue<bool>("at_risk"));
  CHECK(o->getValue<std::string>("at_risk_warned_at") == "2026-04-02T15:00:00Z");
  auto at_risk = ok(call(d, "GET", "/api/v1/obligations?status=at_risk", d.vlu))->getArray("items");
  REQUIRE(at_risk->size() == 1);
  CHECK(at_risk->getObject(0)->getValue<std::string>("id") == id);
  // The queue flags its letter.
  auto letters = ok(call(d, "GET", "/api/v1/letters?rule=VCL-NFA", d.vlu))->getArray("items");
  REQUIRE(letters->size() == 1);
  CHECK(letters->getObject(0)->getValue<bool>("at_risk"));

  // Saturday, Easter Monday, and the last second of Tuesday: still at risk, never warned again, not breached.
  for (const char* t : {"2026-04-04T10:00:00+01:00", "2026-04-06T10:00:00+01:00", "2026-04-07T23:59:59+01:00"}) {
    d.setNow(t);
    INFO(t);
    const auto swept = d.services.ledger.sweep();
    CHECK(swept.warned == 0);
    CHECK(swept.breached == 0);
    CHECK(obligation(d, id)->getValue<std::string>("status") == "pending");
  }
  CHECK(auditCount(d, "obligation_at_risk", "obligation:" + id) == 1);

  // One second into Wednesday 8 April (London time): the scheduler's pass records the breach, once.
  d.setNow("2026-04-08T00:00:01+01:00");
  d.services.scheduler.runPass();
  d.services.scheduler.runPass();
  o = obligation(d, id);
  CHECK(o->getValue<std::string>("status") == "breached");
  CHECK(o->getValue<std::string>("breach_detected_at") == "2026-04-07T23:00:01Z");
  CHECK(o->getValue<int>("working_days_overdue") == 1);
  CHECK_FALSE(o->getValue<bool>("at_risk"));
  CHECK(auditCount(d, "obligation_breached", "obligation:" + id) == 1);
  auto breached = ok(call(d, "GET", "/api/v1/obligations?status=breached", d.vlu))->getArray("items");
  REQUIRE(breached->size() == 1);

  // Thursday 9 April: the letter goes out by hand and is recorded; the obligation is late by 2 working days.
  d.setNow("2026-04-09T11:00:00+01:00");
  post(d, {R"({"id":"le1-contact","type":"contact.recorded","occurred_at":"2026-04-09T10:30:00+01:00",)"
           R"("case_urn":"52LE0000001","victim_id":"v-le-1","obligation":")" + id + R"(","by":"cps"})"});
  o = obligation(d, id);
  CHECK(o->getValue<std::string>("status") == "late");
  CHECK(o->getValue<int>("late_working_days") == 2);
  CHECK(o->getValue<std::string>("breach_detected_at") == "2026-04-07T23:00:01Z");  // the breach stays on record
  CHECK(d.services.ledger.sweep().breached == 0);
}

TEST_CASE("A reason for a miss: checked, area-bound, audited, and changed only by adding another", "[ledger]") {
  TestDaemon d(testing::at("2026-06-01T10:30:00+01:00"));
  post(d, {caseRegistered("52RE0000001", "CPS South West", "other", "2026-06-01T09:00:00+01:00"),
           victimRegistered("52RE0000001", "v-re-1", "2026-06-01T09:01:00+01:00"),
           R"({"id":"re1-h1","type":"hearing.listed","occurred_at":"2026-06-01T10:00:00+01:00",)"
           R"("case_urn":"52RE0000001","kind":"first_appearance","date":"2026-06-20","court":"Test Court"})"});
  const std::string id = "WCU-HEARING:v-re-1:re1-h1";  // due Tuesday 2 June
  const std::string target = "/api/v1/obligations/" + segment(id) + "/reason";

  SECTION("nothing to explain while it is pending") {
    Reply r = call(d, "POST", target, d.vlu, R"({"reason":"workload"})");
    CHECK(r.status == 409);
    CHECK(r.body.find("not_missed") != std::string::npos);
  }

  d.setNow("2026-06-04T09:00:00+01:00");  // Thursday: breached
  struct Bad {
    const char* body;
    int status;
    const char* field;
  };
  const Bad bad[] = {
      {R"({"reason":"forgot"})", 400, "reason"},
      {R"({"note":"no code"})", 400, "reason"},
      {R"({"reason":7})", 400, "reason"},
      {R"({"reason":"other"})", 400, "note"},
      {R"({"reason":"other","note":"   "})", 400, "note"},
      {R"({"reason":"workload","note":7})", 400, "note"},
      {R"(["workload"])", 400, ""},
      {"not json", 400, ""},
  };
  for (const Bad& b : bad) {
    INFO(b.body);
    Reply r = call(d, "POST", target, d.vlu, std::string(b.body));
    CHECK(r.status == b.status);
    if (*b.field) CHECK(r.object()->getObject("error")->getValue<std::string>("field") == b.field);
  }
  {
    Reply r = call(d, "POST", target, d.vlu, R"({"reason":"workload","note":")" + std::string(2001, 'x') + "\"}");
    CHECK(r.status == 400);
    CHECK(r.object()->getObject("error")->getValue<std::string>("field") == "note");
  }
  CHECK(call(d, "POST", "/api/v1/obligations/" + segment("WCU-HEARING:nobody:x") + "/reason", d.vlu,
             std::string(R"({"reason":"workload"})"))
            .status == 404);
  CHECK(call(d, "POST", target, d.vlu_london, std::string(R"({"reason":"workload"})")).status == 404);  // other Area
  CHECK(call(d, "POST", target, d.isva, std::string(R"({"reason":"workload"})")).status == 403);
  CHECK(obligation(d, id)->isNull("reason"));  // none of those stored anything
  CHECK(auditCount(d, "reason_recorded", "obligation:" + id) == 0);

  auto o = ok(call(d, "POST", target, d.vlu,
                   std::string(R"x({"reason":"partner_delay","note":"WCU phone lines down (synthetic)"})x")));
  CHECK(o->getObject("reason")->getValue<std::string>("code") == "partner_delay");
  CHECK(o->getObject("reason")->getValue<std::string>("outcome") == "breached");
  CHECK(o->getObject("reason")->getValue<std::string>("recorded_by") == "vlu-officer");
  CHECK(auditCount(d, "reason_recorded", "obligation:" + id) == 1);

  // A manager corrects it: a second reason, the first kept.
  o = ok(call(d, "POST", target, d.manager, std::string(R"({"reason":"other","note":"Court listing error"})")));
  CHECK(o->getObject("reason")->getValue<std::string>("code") == "other");
  auto reasons = o->getArray("reasons");
  REQUIRE(reasons->size() == 2);
  CHECK(reasons->getObject(0)->getValue<std::string>("code") == "partner_delay");
  CHECK(reasons->getObject(1)->getValue<std::string>("recorded_by") == "vlu-manager");
  CHECK(auditCount(d, "reason_recorded", "obligation:" + id) == 2);
  // The audit keeps the code, not the officer's words.
  {
    auto lease = d.services.db.session();
    Poco::Data::Session& s = vc::storage::sqlite(lease);
    using namespace Poco::Data::Keywords;
    std::vector<std::string> details;
    vc::storage::AuditLog(lease).chainPending();
    s << "SELECT detail FROM audit_log WHERE action = 'reason_recorded'", into(details), now;
    for (const auto& detail : details) CHECK(detail.find("WCU phone") == std::string::npos);
    // And the store refuses to rewrite or remove a reason, whoever asks.
    CHECK_THROWS(s << "UPDATE obligation_reasons SET reason = 'workload'", now);
    CHECK_THROWS(s << "DELETE FROM obligation_reasons", now);
  }
  CHECK(obligation(d, id)->getArray("reasons")->size() == 2);
}
