// `victim-comms rederive` (app::runRederive) through real files: a store written by a running daemon
// under the project's rule book, then the command run on the same SQLite file with a corrected copy
// of the rule book (one day count changed, one trigger taken away, one rule added), as an operator
// would after fixing config/rules/. The daemon keeps running meanwhile, as it may in production.

#include <sqlite3.h>

#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "app/rederive_command.h"
#include "retention/purger.h"
#include "storage/letter_store.h"
#include "storage/store.h"
#include "support/replies.h"
#include "support/test_daemon.h"

using namespace vc;           // NOLINT
using namespace vc::testing;  // NOLINT
using Poco::JSON::Array;
using Poco::JSON::Object;

namespace {

std::string caseEvents(const std::string& urn, const std::string& v, const std::string& p) {
  return batch({
      R"({"id":")" + p + R"(-reg","type":"case.registered","occurred_at":"2026-03-02T09:00:00Z","case_urn":")" + urn +
          R"(","area":"CPS South West","offences":["stalking"],"prosecutor":{"name":"Ada Prosecutor","phone":"01632 960102"}})",
      R"({"id":")" + p + R"(-v","type":"victim.registered","occurred_at":"2026-03-02T09:05:00Z","case_urn":")" + urn +
          R"(","victim_id":")" + v +
          R"(","title":"Mx","name":{"given":"Sam","family":"Testcase"},"address":{"lines":["1 Example Street","Sampleford"],"postcode":"ZZ1 1AA"}})",
      R"({"id":")" + p + R"(-nfa","type":"charging.decided","occurred_at":"2026-04-02T15:20:00+01:00","case_urn":")" +
          urn + R"(","decision":"no_further_action","reasons":"The evidence does not support a charge."})",
      R"({"id":")" + p + R"(-vrr","type":"vrr.requested","occurred_at":"2026-04-03T10:00:00+01:00","case_urn":")" +
          urn + R"(","victim_id":")" + v + R"("})",
  });
}

// The project's rule book with four corrections: VCL-NFA's days 1/5 -> 3/10, VRR-OUT's basis, VRR-ACK
// no longer triggered by vrr.requested, and a new follow-up letter after a decision not to prosecute.
std::string correctedRules(const std::string& dir) {
  std::ifstream in(VC_SOURCE_DIR "/config/rules/victims-code-2020.json");
  Poco::JSON::Parser parser;
  Object::Ptr book = parser.parse(in).extract<Object::Ptr>();
  Array::Ptr rules = book->getArray("rules");
  Object::Ptr follow_up;
  for (size_t i = 0; i < rules->size(); ++i) {
    Object::Ptr r = rules->getObject(static_cast<unsigned>(i));
    const std::string id = r->getValue<std::string>("id");
    if (id == "VCL-NFA") {
      Object::Ptr days = r->getObject("days");
      days->set("enhanced", 3);
      days->set("standard", 10);
      std::ostringstream copy;
      r->stringify(copy);
      follow_up = parser.parse(copy.str()).extract<Object::Ptr>();
    }
    if (id == "VRR-OUT") {  // a basis corrected: the Code's Right 7 rather than a service standard
      r->set("basis", std::string("code"));
      r->set("right", 7);
    }
    if (id == "VRR-ACK") {
      Array::Ptr triggers = new Array;
      Object::Ptr t = new Object;
      t->set("type", std::string("appeal.lodged"));
      triggers->add(t);
      r->set("triggers", triggers);
    }
  }
  follow_up->set("id", std::string("VCL-NFA-FOLLOWUP"));
  follow_up->set("title", std::string("Letter: follow-up after a decision not to prosecute"));
  rules->add(follow_up);
  const std::string path = dir + "/corrected-rules.json";
  std::ofstream out(path);
  book->stringify(out, 2);
  return path;
}

// Every row of every table, as text: what "the store is unchanged" means.
std::string snapshot(const std::string& db_path) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  std::vector<std::string> tables;
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name", -1, &st, nullptr);
  while (sqlite3_step(st) == SQLITE_ROW) tables.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
  sqlite3_finalize(st);
  std::string out;
  for (const auto& t : tables) {
    out += "== " + t + "\n";
    sqlite3_prepare_v2(db, ("SELECT * FROM \"" + t + "\"").c_str(), -1, &st, nullptr);
    while (sqlite3_step(st) == SQLITE_ROW) {
      for (int c = 0; c < sqlite3_column_count(st); ++c) {
        const unsigned char* v = sqlite3_column_text(st, c);
        out += (v ? reinterpret_cast<const char*>(v) : "NULL");
        out += "|";
      }
      out += "\n";
    }
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  return out;
}

struct Run {
  int code;
  std::string out, err;
};

Run rederive(app::Services& services, const std::string& only_case, bool dry_run) {
  std::ostringstream out, err;
  const int code = app::runRederive(services, only_case, dry_run, out, err);
  return {code, out.str(), err.str()};
}

bool has(const std::string& text, const std::string& what) { return text.find(what) != std::string::npos; }

}  // namespace

// [sqlite_only]: "unchanged" is a snapshot of the SQLite file (on PostgreSQL: tests/e2e/postgres_cli_test.sh).
TEST_CASE("rederive replays stored cases under a corrected rule book and never touches what is closed",
          "[sqlite_only][rederive]") {
  TestDaemon d;
  auto call = [&](const std::string& method, const std::string& target, const std::string& token,
                  const std::optional<std::string>& body = std::nullopt) {
    return httpRequest(d.port(), method, target, bearer(token), body);
  };
  auto obligation = [&](const std::string& id) {
    return ok(call("GET", "/api/v1/obligations/" + segment(id), d.vlu));
  };
  auto letterFor = [&](const std::string& obligation_id) -> Object::Ptr {
    auto lease = d.services.db.session();
    auto l = storage::LetterStore(lease).findLetterByObligation(obligation_id);
    if (!l) return nullptr;
    return ok(call("GET", "/api/v1/letters/" + l->id(), d.vlu));
  };

  // Written under the project's rule book: case 1's NFA letter is approved and sent (met); both
  // cases have a pending VRR acknowledgement and outcome.
  ok(call("POST", "/api/v1/events", d.ingest, caseEvents("52RD0100126", "rd1-v", "rd1")));
  ok(call("POST", "/api/v1/events", d.ingest, caseEvents("52RD0200126", "rd2-v", "rd2")));
  const std::string sent_id = letterFor("VCL-NFA:rd1-v:rd1-nfa")->getValue<std::string>("id");
  ok(call("POST", "/api/v1/letters/" + sent_id + "/approve", d.vlu));
  REQUIRE(d.services.outbox.sendDue() >= 1);
  const Object::Ptr sent_before = letterFor("VCL-NFA:rd1-v:rd1-nfa");
  REQUIRE(sent_before->getValue<std::string>("state") == "sent");
  const Object::Ptr met_before = obligation("VCL-NFA:rd1-v:rd1-nfa");
  REQUIRE(met_before->getValue<std::string>("status") == "met");
  REQUIRE(obligation("VCL-NFA:rd2-v:rd2-nfa")->getValue<std::string>("due_by") == "2026-04-13");  // 5 working days
  const std::string vrr_out_due = obligation("VRR-OUT:rd1-v:rd1-vrr")->getValue<std::string>("due_by");
  REQUIRE(letterFor("VRR-ACK:rd1-v:rd1-vrr")->getValue<std::string>("state") == "draft");
  // Case 2's acknowledgement is approved and waits in the outbox (no scheduler runs here).
  ok(call("POST", "/api/v1/letters/" + letterFor("VRR-ACK:rd2-v:rd2-vrr")->getValue<std::string>("id") + "/approve",
          d.vlu));
  REQUIRE(letterFor("VRR-ACK:rd2-v:rd2-vrr")->getObject("delivery")->getValue<std::string>("state") == "queued");

  // The operator corrects the rule book and runs the command on the same store (the daemon still runs).
  app::Settings corrected = d.settings;
  corrected.rules_files = {correctedRules(d.dir.path)};
  app::Services services(corrected);

  SECTION("the dry run lists what would appear, change and go, and writes nothing") {
    const std::string before = snapshot(d.settings.db_path);
    const Run r = rederive(services, "", true);
    INFO(r.out << r.err);
    CHECK(r.code == 0);
    CHECK(has(r.out, "52RD0100126: 1 would appear, 1 would change, 1 would go, 1 closed kept as stored"));
    CHECK(has(r.out, "  appear VCL-NFA-FOLLOWUP:rd1-v:rd1-nfa  due 2026-04-20, standard, pending"));
    CHECK(has(r.out, "  go     VRR-ACK:rd1-v:rd1-vrr  due "));
    CHECK(has(r.out, "  keep   VCL-NFA:rd1-v:rd1-nfa  due 2026-04-13, standard, met -> due 2026-04-20, standard, met"
                     " (closed: kept as stored)"));
    CHECK(has(r.out, "52RD0200126: 1 would appear, 2 would change, 1 would go, 0 closed kept as stored"));
    CHECK(has(r.out, "  change VCL-NFA:rd2-v:rd2-nfa  due 2026-04-13, standard, pending -> due 2026-04-20, standard, pending"));
    CHECK(has(r.out, "  change VRR-OUT:rd1-v:rd1-vrr  due " + vrr_out_due + ", standard, pending, basis service_standard -> due " +
                         vrr_out_due + ", standard, pending, basis code"));
    CHECK(has(r.out, "; nothing was written"));
    CHECK(snapshot(d.settings.db_path) == before);
  }

  SECTION("a later event derived under the corrected rules leaves the closed outcome as stored too") {
    Poco::JSON::Parser parser;
    services.ingestor.ingest({parser.parse(
        R"({"id":"rd1-upd","type":"victim.updated","occurred_at":"2026-04-06T08:30:00+01:00","case_urn":"52RD0100126","victim_id":"rd1-v","phone":"07700 900123"})")});
    const Object::Ptr met_after = obligation("VCL-NFA:rd1-v:rd1-nfa");
    CHECK(met_after->getValue<std::string>("status") == "met");
    CHECK(met_after->getValue<std::string>("due_by") == "2026-04-13");
    // ... while the case's pending obligations follow the rules the deriving process holds.
    CHECK(obligation("VCL-NFA-FOLLOWUP:rd1-v:rd1-nfa")->getValue<std::string>("status") == "pending");
  }

  SECTION("--case limits the real run to one case") {
    const Run r = rederive(services, "52RD0200126", false);
    INFO(r.out << r.err);
    CHECK(r.code == 0);
    CHECK_FALSE(has(r.out, "52RD0100126"));
    CHECK(obligation("VCL-NFA:rd2-v:rd2-nfa")->getValue<std::string>("due_by") == "2026-04-20");
    CHECK(obligation("VRR-ACK:rd2-v:rd2-vrr")->getValue<std::string>("status") == "cancelled");
    // Approved but not yet sent: withdrawn, and its queued delivery cancelled, so it never goes.
    const Object::Ptr approved = letterFor("VRR-ACK:rd2-v:rd2-vrr");
    CHECK(approved->getValue<std::string>("state") == "withdrawn");
    CHECK(approved->getObject("delivery")->getValue<std::string>("state") == "cancelled");
    CHECK(obligation("VRR-ACK:rd1-v:rd1-vrr")->getValue<std::string>("status") == "pending");  // the other case
    CHECK(letterFor("VCL-NFA-FOLLOWUP:rd1-v:rd1-nfa") == nullptr);
    CHECK(letterFor("VCL-NFA-FOLLOWUP:rd2-v:rd2-nfa")->getValue<std::string>("state") == "draft");

    const Run unknown = rederive(services, "52RD9999999", false);
    CHECK(unknown.code == 65);
    CHECK(has(unknown.err, "no case 52RD9999999"));
  }

  SECTION("the real run applies it, audited, and leaves sent letters and closed outcomes alone") {
    const int64_t audited = [&] {
      auto lease = d.services.db.session();
      return storage::Store(lease).auditCount("case_rederived");
    }();
    const Run r = rederive(services, "", false);
    INFO(r.out << r.err);
    CHECK(r.code == 0);
    CHECK(has(r.out, "52RD0100126: 1 appear, 1 change, 1 go, 1 closed kept as stored (victims-code-2020)"));
    CHECK(has(r.out, "  letters: 1 drafted, 0 re-rendered, 1 withdrawn"));

    // What was closed stays exactly as it was: the met obligation and its sent letter.
    const Object::Ptr met_after = obligation("VCL-NFA:rd1-v:rd1-nfa");
    CHECK(met_after->getValue<std::string>("status") == "met");
    CHECK(met_after->getValue<std::string>("due_by") == "2026-04-13");
    CHECK(met_after->getValue<std::string>("completed_by_event") == met_before->getValue<std::string>("completed_by_event"));
    const Object::Ptr sent_after = letterFor("VCL-NFA:rd1-v:rd1-nfa");
    CHECK(sent_after->getValue<std::string>("state") == "sent");
    CHECK(sent_after->getValue<int>("version") == sent_before->getValue<int>("version"));
    CHECK(sent_after->getValue<std::string>("html") == sent_before->getValue<std::string>("html"));

    // A pending obligation takes the new day count; its draft follows.
    CHECK(obligation("VCL-NFA:rd2-v:rd2-nfa")->getValue<std::string>("due_by") == "2026-04-20");
    CHECK(obligation("VRR-OUT:rd1-v:rd1-vrr")->getValue<std::string>("due_by") == vrr_out_due);  // same days
    CHECK(obligation("VRR-OUT:rd1-v:rd1-vrr")->getValue<std::string>("basis") == "code");  // the corrected basis
    {
      auto lease = d.services.db.session();
      CHECK(storage::Store(lease).findObligation("VRR-OUT:rd1-v:rd1-vrr")->basis == "code");  // the ledger's column
    }
    // The gone one is cancelled, not deleted, and its letter withdrawn saying why.
    CHECK(obligation("VRR-ACK:rd1-v:rd1-vrr")->getValue<std::string>("status") == "cancelled");
    const Object::Ptr withdrawn = letterFor("VRR-ACK:rd1-v:rd1-vrr");
    CHECK(withdrawn->getValue<std::string>("state") == "withdrawn");
    CHECK(has(withdrawn->getValue<std::string>("note"), "no longer creates it (victim-comms rederive)"));
    // The new rule's obligation appears, with a letter drafted for it.
    CHECK(obligation("VCL-NFA-FOLLOWUP:rd1-v:rd1-nfa")->getValue<std::string>("status") == "pending");
    CHECK(letterFor("VCL-NFA-FOLLOWUP:rd1-v:rd1-nfa")->getValue<std::string>("state") == "draft");

    // One audit entry per case, naming the command, the counts and the policy.
    {
      auto lease = d.services.db.session();
      storage::Store store(lease);
      CHECK(store.auditCount("case_rederived") == audited + 2);
    }
    const Reply audit = call("GET", "/api/v1/audit?action=case_rederived&limit=10", d.manager);
    INFO(audit.body);
    CHECK(audit.status == 200);
    CHECK(has(audit.body, "command:rederive appear:1 change:1 go:1 kept_closed:1 policy:victims-code-2020"));

    // Run again: nothing is left to do, and nothing changes.
    const std::string after = snapshot(d.settings.db_path);
    const Run again = rederive(services, "", true);
    INFO(again.out);
    CHECK(has(again.out, "52RD0100126: 0 would appear, 0 would change, 0 would go, 1 closed kept as stored"));
    CHECK(has(again.out, "52RD0200126: no change"));
    CHECK(snapshot(d.settings.db_path) == after);
  }
}

// [sqlite_only]: "left alone" is a snapshot of the SQLite file.
TEST_CASE("rederive leaves a purged case alone, and says so", "[sqlite_only][rederive]") {
  TestDaemon d(at("2026-09-01T09:00:00+01:00"));
  const std::string urn = "52RD0600126";
  ok(httpRequest(d.port(), "POST", "/api/v1/events", bearer(d.ingest),
                 batch({
                     R"({"id":"rd6-reg","type":"case.registered","occurred_at":"2026-04-01T09:00:00+01:00","case_urn":"52RD0600126","area":"CPS South West","offences":["other"]})",
                     R"({"id":"rd6-v","type":"victim.registered","occurred_at":"2026-04-01T09:01:00+01:00","case_urn":"52RD0600126","victim_id":"rd6-v","name":{"given":"Pat","family":"Purgecase"},"address":{"lines":["1 Street","Sampleford"],"postcode":"ZZ1 1AA"}})",
                     R"({"id":"rd6-nfa","type":"charging.decided","occurred_at":"2026-04-02T10:00:00+01:00","case_urn":"52RD0600126","decision":"no_further_action","reasons":"Not enough evidence."})",
                     R"({"id":"rd6-done","type":"contact.recorded","occurred_at":"2026-04-03T10:00:00+01:00","case_urn":"52RD0600126","victim_id":"rd6-v","obligation":"VCL-NFA:rd6-v:rd6-nfa","by":"cps"})",
                 })));
  retention::Purger purger(d.services.db, *d.services.clock);
  REQUIRE(purger.run(*domain::Date::parse("2026-06-01"), false, "cli").cases.size() == 1);
  const std::string before = snapshot(d.settings.db_path);
  for (const bool dry_run : {true, false}) {
    const Run r = rederive(d.services, urn, dry_run);
    INFO(r.out << r.err);
    CHECK(r.code == 0);
    CHECK(has(r.out, "52RD0600126: skipped, purged under the retention policy at "));
  }
  CHECK(snapshot(d.settings.db_path) == before);
}

namespace {

// The project's rule book as it was before decision letters carried the bereaved family meeting offer.
std::string rulesWithoutCarriedOffers(const std::string& dir) {
  std::ifstream in(VC_SOURCE_DIR "/config/rules/victims-code-2020.json");
  Poco::JSON::Parser parser;
  Object::Ptr book = parser.parse(in).extract<Object::Ptr>();
  Array::Ptr rules = book->getArray("rules");
  for (size_t i = 0; i < rules->size(); ++i) rules->getObject(static_cast<unsigned>(i))->remove("carries_offer");
  const std::string path = dir + "/uncarried-rules.json";
  std::ofstream out(path);
  book->stringify(out, 2);
  return path;
}

}  // namespace

TEST_CASE("rederive gives a bereaved family meeting offer its own letter, or withdraws it when the decision letter carries it",
          "[rederive][bereaved]") {
  TestDaemon d;
  ok(httpRequest(d.port(), "POST", "/api/v1/events", bearer(d.ingest),
                 batch({
                     R"({"id":"rd7-reg","type":"case.registered","occurred_at":"2026-03-02T09:00:00Z","case_urn":"52RD0700126","area":"CPS South West","offences":["homicide"],"deceased":{"name":"Alex Testcase"},"prosecutor":{"name":"Ada Prosecutor"}})",
                     R"({"id":"rd7-v","type":"victim.registered","occurred_at":"2026-03-02T09:05:00Z","case_urn":"52RD0700126","victim_id":"rd7-v","name":{"given":"Pat","family":"Testcase"},"flags":["bereaved_relative"],"address":{"lines":["1 Example Street","Sampleford"],"postcode":"ZZ1 1AA"}})",
                     R"({"id":"rd7-nfa","type":"charging.decided","occurred_at":"2026-04-02T15:20:00+01:00","case_urn":"52RD0700126","decision":"no_further_action","reasons":"There is not enough evidence."})",
                 })));
  const std::string offer = "BRV-MEET:rd7-v:rd7-nfa";
  auto letterState = [&]() -> std::string {
    auto lease = d.services.db.session();
    auto l = storage::LetterStore(lease).findLetterByObligation(offer);
    return l ? l->state : "none";
  };
  // Under the project's rule book the NFA letter carries the offer: no letter of its own.
  REQUIRE(letterState() == "none");

  // Rederived under a rule book where decision letters carry nothing, the offer gets its own letter ...
  app::Settings uncarried = d.settings;
  uncarried.rules_files = {rulesWithoutCarriedOffers(d.dir.path)};
  {
    app::Services services(uncarried);
    const Run r = rederive(services, "52RD0700126", false);
    INFO(r.out << r.err);
    CHECK(r.code == 0);
  }
  CHECK(letterState() == "draft");

  // ... and rederived under the project's rule book again, that letter is withdrawn, saying which carries it.
  app::Services services(d.settings);
  const Run r = rederive(services, "52RD0700126", false);
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK(letterState() == "withdrawn");
  auto lease = d.services.db.session();
  const auto l = storage::LetterStore(lease).findLetterByObligation(offer);
  REQUIRE(l);
  CHECK(has(l->note, "the letter for obligation VCL-NFA:rd7-v:rd7-nfa carries this offer"));
}

// The way an operator takes this version's rule book corrections (issue 14) onto a store derived under
// the one before: the store is written under tests/letters/rules-before-issue-14.json (the rule book
// as it was), then rederived under config/rules as it is now.
TEST_CASE("rederive takes a store derived under the old rule book onto the corrected one", "[rederive][rules]") {
  DaemonOptions before;
  before.rules_file = VC_SOURCE_DIR "/tests/letters/rules-before-issue-14.json";
  TestDaemon d(before);
  const std::string victim =
      R"(,"name":{"given":"Sam","family":"Testcase"},"date_of_birth":"1990-05-01","address":{"lines":["1 Example Street","Sampleford"],"postcode":"ZZ1 1AA"}})";
  ok(httpRequest(d.port(), "POST", "/api/v1/events", bearer(d.ingest),
                 batch({
                     R"({"id":"rd8-reg","type":"case.registered","occurred_at":"2026-03-02T09:00:00Z","case_urn":"52RD0800126","area":"CPS South West","offences":["rape"],"prosecutor":{"name":"Ada Prosecutor"}})",
                     R"({"id":"rd8-v","type":"victim.registered","occurred_at":"2026-03-02T09:05:00Z","case_urn":"52RD0800126","victim_id":"rd8-v")" + victim,
                     R"({"id":"rd8-ea","type":"charging.referred","occurred_at":"2026-03-05T10:00:00Z","case_urn":"52RD0800126","kind":"early_advice"})",
                     R"({"id":"rd8-fct","type":"charging.referred","occurred_at":"2026-03-16T10:00:00Z","case_urn":"52RD0800126","kind":"full_code_test"})",
                     R"({"id":"rd8-chg","type":"charging.decided","occurred_at":"2026-03-23T10:00:00Z","case_urn":"52RD0800126","decision":"charge","charges":["Rape - test"]})",
                     R"({"id":"rd8-plea","type":"plea.entered","occurred_at":"2026-04-01T10:00:00+01:00","case_urn":"52RD0800126","plea":"mixed"})",
                     R"({"id":"rd9-reg","type":"case.registered","occurred_at":"2026-03-02T09:00:00Z","case_urn":"52RD0900126","area":"CPS South West","offences":["homicide"],"deceased":{"name":"Alex Testcase"}})",
                     R"({"id":"rd9-rel","type":"victim.registered","occurred_at":"2026-03-02T09:05:00Z","case_urn":"52RD0900126","victim_id":"rd9-rel","flags":["bereaved_relative"])" + victim,
                     R"({"id":"rd9-rb","type":"charging.decided","occurred_at":"2026-03-10T10:00:00Z","case_urn":"52RD0900126","decision":"refer_back"})",
                 })));
  auto status = [&](const std::string& id) -> std::string {
    auto lease = d.services.db.session();
    auto o = storage::Store(lease).findObligation(id);
    return o ? o->status + " " + o->due_by : "none";
  };
  // What the old rule book made: an introduction at early advice, the charge letter in 5 working days,
  // nothing for a mixed plea, a bereaved family meeting after the police were asked for more.
  REQUIRE(status("RASSO-INTRO:rd8-v:rd8-ea") == "pending 2026-03-12");
  REQUIRE(status("RASSO-INTRO:rd8-v:rd8-fct") == "pending 2026-03-23");
  REQUIRE(status("RASSO-CHARGE:rd8-v:rd8-chg") == "pending 2026-03-30");
  REQUIRE(status("FAM-MEET:rd8-v:rd8-plea") == "none");
  REQUIRE(status("WCU-EVIDENCE:rd8-v:rd8-plea") == "none");
  REQUIRE(status("BRV-MEET:rd9-rel:rd9-rb") == "pending 2026-03-17");

  app::Settings now = d.settings;
  now.rules_files = {VC_SOURCE_DIR "/config/rules/victims-code-2020.json"};
  app::Services services(now);
  const Run r = rederive(services, "", false);
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  // Early advice introduces nobody; the full code test referral still does, once.
  CHECK(status("RASSO-INTRO:rd8-v:rd8-ea").rfind("cancelled", 0) == 0);
  CHECK(status("RASSO-INTRO:rd8-v:rd8-fct") == "pending 2026-03-23");
  // The charge letter keeps the introduction's promise: 1 working day for an enhanced victim.
  CHECK(status("RASSO-CHARGE:rd8-v:rd8-chg") == "pending 2026-03-24");
  // A mixed plea goes to trial on the contested counts.
  CHECK(status("FAM-MEET:rd8-v:rd8-plea") == "pending 2026-04-10");  // Good Friday and Easter Monday skipped
  CHECK(status("WCU-EVIDENCE:rd8-v:rd8-plea") == "pending 2026-04-02");
  // Nothing was decided at refer_back: no meeting to offer.
  CHECK(status("BRV-MEET:rd9-rel:rd9-rb").rfind("cancelled", 0) == 0);

  // The letters follow: the early-advice introduction is withdrawn, the meeting offer drafted.
  auto lease = d.services.db.session();
  storage::LetterStore letters(lease);
  CHECK(letters.findLetterByObligation("RASSO-INTRO:rd8-v:rd8-ea")->state == "withdrawn");
  CHECK(letters.findLetterByObligation("BRV-MEET:rd9-rel:rd9-rb")->state == "withdrawn");
  REQUIRE(letters.findLetterByObligation("FAM-MEET:rd8-v:rd8-plea"));
  CHECK(letters.findLetterByObligation("FAM-MEET:rd8-v:rd8-plea")->state == "draft");
}
