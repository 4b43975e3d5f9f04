// Letters end to end through the HTTP API of a real daemon (app::Services on
// a fresh SQLite file, the real server on a loopback port): drafted when the
// obligation is created, the review queue, blocked letters, four eyes, stale
// edits, rejection, withdrawal on supersede, and dispatch to the print spool
// completing the obligation. The clock is fixed at Easter Monday, 6 April 2026.
// Every test uses its own cases and victims, so tests do not depend on each other.

#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include "storage/store.h"
#include "support/replies.h"
#include "support/test_daemon.h"

using namespace vc;          // NOLINT
using namespace vc::testing;  // NOLINT
using Poco::JSON::Array;
using Poco::JSON::Object;

namespace {

TestDaemon& daemon() {
  static TestDaemon d;
  return d;
}

Reply call(const std::string& method, const std::string& target, const std::string& token,
           const std::optional<std::string>& body = std::nullopt) {
  return httpRequest(daemon().port(), method, target, bearer(token), body);
}

void post(const std::vector<std::string>& events) {
  Reply r = call("POST", "/api/v1/events", daemon().ingest, batch(events));
  INFO(r.body);
  REQUIRE(r.status == 200);
}

std::string caseRegistered(const std::string& urn, const std::string& offences = R"(["rape"])",
                           const std::string& area = "CPS South West") {
  return R"({"id":")" + urn + R"(-e1","type":"case.registered","occurred_at":"2026-03-02T09:00:00Z","case_urn":")" +
         urn + R"(","area":")" + area + R"(","offences":)" + offences +
         R"(,"prosecutor":{"name":"Ada Prosecutor","phone":"01632 960102"}})";
}

std::string victimRegistered(const std::string& urn, const std::string& victim, const std::string& extra = "") {
  return R"({"id":")" + victim + R"(-reg","type":"victim.registered","occurred_at":"2026-03-02T09:05:00Z","case_urn":")" +
         urn + R"(","victim_id":")" + victim +
         R"(","title":"Mx","name":{"given":"Sam","family":"Testcase"},"address":{"lines":["1 Example Street","Sampleford"],"postcode":"ZZ1 1AA"})" +
         extra + "}";
}

std::string decision(const std::string& id, const std::string& urn, const std::string& decision_kind,
                     const std::string& at, const std::string& reasons = "The evidence does not support a charge.") {
  return R"({"id":")" + id + R"(","type":"charging.decided","occurred_at":")" + at + R"(","case_urn":")" + urn +
         R"(","decision":")" + decision_kind + R"(")" + (reasons.empty() ? "" : R"(,"reasons":")" + reasons + R"(")") +
         "}";
}

// The case's letters, soonest due first, in every state.
Array::Ptr lettersOf(const std::string& urn) {
  return ok(call("GET", "/api/v1/letters?state=all&case_urn=" + urn, daemon().vlu))->getArray("items");
}

Object::Ptr onlyLetterOf(const std::string& urn) {
  Array::Ptr items = lettersOf(urn);
  REQUIRE(items->size() == 1);
  return items->getObject(0);
}

Object::Ptr letter(const std::string& id, const std::string& token = "") {
  return ok(call("GET", "/api/v1/letters/" + id, token.empty() ? daemon().vlu : token));
}

Object::Ptr obligation(const std::string& id) {
  return ok(call("GET", "/api/v1/obligations/" + segment(id), daemon().vlu));
}

std::vector<std::string> blockedCodes(const Object::Ptr& l) {
  std::vector<std::string> codes;
  Array::Ptr b = l->getArray("blocked_by");
  for (size_t i = 0; i < b->size(); ++i) codes.push_back(b->getObject(static_cast<unsigned>(i))->getValue<std::string>("code"));
  return codes;
}

Reply edit(const std::string& id, const std::string& token, int version, const std::string& changes) {
  return call("PUT", "/api/v1/letters/" + id, token, R"({"version":)" + std::to_string(version) + "," + changes + "}");
}

int64_t auditCount(const std::string& action) {
  auto lease = daemon().services.db.session();
  return storage::Store(lease).auditCount(action);
}

}  // namespace

TEST_CASE("A letter is drafted the moment its obligation is created, not at the deadline", "[letters]") {
  post({caseRegistered("52LQ0100126"), victimRegistered("52LQ0100126", "lq1-v"),
        decision("lq1-nfa", "52LQ0100126", "no_further_action", "2026-04-02T15:20:00+01:00")});
  Object::Ptr l = onlyLetterOf("52LQ0100126");
  CHECK(l->getValue<std::string>("obligation_id") == "VCL-NFA:lq1-v:lq1-nfa");
  CHECK(l->getValue<std::string>("kind") == "decision_not_to_prosecute");
  CHECK(l->getValue<std::string>("state") == "draft");
  CHECK(l->getValue<int>("version") == 1);
  CHECK(l->getValue<std::string>("due_by") == "2026-04-07");
  CHECK(l->getValue<std::string>("language") == "en");
  CHECK(l->getValue<std::string>("channel") == "post");
  CHECK(l->getValue<std::string>("template_version").rfind("decision_not_to_prosecute.en@", 0) == 0);
  CHECK(l->getValue<std::string>("policy") == "victims-code-2020");
  CHECK(l->getObject("time_left")->getValue<std::string>("urgency") == "due_next_working_day");
  CHECK(l->getObject("time_left")->getValue<std::string>("text") == "due tomorrow (due Tuesday 7 April 2026)");
  CHECK_FALSE(l->has("html"));  // the list carries no letter content

  Object::Ptr full = letter(l->getValue<std::string>("id"));
  const std::string text = full->getValue<std::string>("text");
  CHECK(text.find("Dear Mx Testcase,") != std::string::npos);
  CHECK(text.find("The evidence does not support a charge.") != std::string::npos);
  CHECK(full->getValue<std::string>("html").find("<!DOCTYPE html>") == 0);
  REQUIRE(full->getArray("history")->size() == 1);
  CHECK(full->getArray("history")->getObject(0)->getValue<std::string>("action") == "drafted");
}

TEST_CASE("The queue lists open letters soonest due first, with the working days left", "[letters]") {
  const std::string area = "CPS Yorkshire and Humberside";  // no VLU contact on file: blocked, still queued
  post({caseRegistered("13TL0100126", R"(["rape"])", area), victimRegistered("13TL0100126", "tl1-v"),
        decision("tl1-nfa", "13TL0100126", "no_further_action", "2026-04-02T10:00:00+01:00"),
        caseRegistered("13TL0200126", R"(["other"])", area), victimRegistered("13TL0200126", "tl2-v"),
        decision("tl2-nfa", "13TL0200126", "no_further_action", "2026-04-02T10:00:00+01:00"),
        caseRegistered("13TL0300126", R"(["rape"])", area), victimRegistered("13TL0300126", "tl3-v"),
        decision("tl3-nfa", "13TL0300126", "no_further_action", "2026-03-27T10:00:00Z")});
  Array::Ptr items = ok(call("GET", "/api/v1/letters?area=" + std::string("CPS%20Yorkshire%20and%20Humberside"),
                             daemon().vlu))->getArray("items");
  REQUIRE(items->size() == 3);
  auto at = [&](unsigned i, const char* key) { return items->getObject(i)->getValue<std::string>(key); };
  auto left = [&](unsigned i) { return items->getObject(i)->getObject("time_left"); };
  CHECK(at(0, "case_urn") == "13TL0300126");  // due Monday 30 March: three working days overdue
  CHECK(left(0)->getValue<std::string>("urgency") == "overdue");
  CHECK(left(0)->getValue<int>("working_days") == -3);
  CHECK(at(0, "obligation_status") == "breached");
  CHECK(at(1, "case_urn") == "13TL0100126");  // enhanced: due Tuesday 7 April, after the Easter holidays
  CHECK(left(1)->getValue<std::string>("urgency") == "due_next_working_day");
  CHECK(at(2, "case_urn") == "13TL0200126");  // standard: five working days, due Monday 13 April
  CHECK(left(2)->getValue<std::string>("urgency") == "later");
  CHECK(left(2)->getValue<int>("working_days") == 5);
  CHECK(left(2)->getValue<std::string>("text") == "5 working days left (due Monday 13 April 2026)");
  CHECK(blockedCodes(items->getObject(2)) == std::vector<std::string>{"vlu_contact"});

  SECTION("and pages through them in the same order") {
    Object::Ptr first = ok(call("GET", "/api/v1/letters?limit=2&area=CPS%20Yorkshire%20and%20Humberside", daemon().vlu));
    REQUIRE(first->getArray("items")->size() == 2);
    REQUIRE_FALSE(first->isNull("next"));
    Object::Ptr second = ok(call("GET", "/api/v1/letters?limit=2&area=CPS%20Yorkshire%20and%20Humberside&cursor=" +
                                            first->getValue<std::string>("next"),
                                        daemon().vlu));
    REQUIRE(second->getArray("items")->size() == 1);
    CHECK(second->getArray("items")->getObject(0)->getValue<std::string>("case_urn") == "13TL0200126");
  }
  SECTION("bad filters are refused with the one error shape") {
    error(call("GET", "/api/v1/letters?state=pending", daemon().vlu), 400, "invalid_query");
    error(call("GET", "/api/v1/letters?cursor=yesterday", daemon().vlu), 400, "invalid_query");
    error(call("GET", "/api/v1/letters", daemon().ingest), 403, "forbidden");
    error(call("GET", "/api/v1/letters", ""), 401, "unauthenticated");
  }
}

TEST_CASE("A letter missing the prosecutor's reasons is blocked until an edit supplies them", "[letters]") {
  post({caseRegistered("52BL0100126"), victimRegistered("52BL0100126", "bl1-v"),
        decision("bl1-nfa", "52BL0100126", "no_further_action", "2026-04-02T15:20:00+01:00", "")});
  Object::Ptr l = onlyLetterOf("52BL0100126");
  const std::string id = l->getValue<std::string>("id");
  CHECK(l->getValue<std::string>("state") == "blocked");
  CHECK(blockedCodes(l) == std::vector<std::string>{"reasons"});
  error(call("POST", "/api/v1/letters/" + id + "/approve", daemon().vlu2), 409, "letter_blocked");
  CHECK(letter(id)->getValue<std::string>("state") == "blocked");

  Object::Ptr edited = ok(edit(id, daemon().vlu, 1, R"("fields":{"reasons":"The only witness has moved abroad and cannot be traced."})"));
  CHECK(edited->getValue<std::string>("state") == "draft");
  CHECK(edited->getValue<int>("version") == 2);
  CHECK(edited->getArray("blocked_by")->size() == 0);
  CHECK(edited->getValue<std::string>("text").find("The only witness has moved abroad") != std::string::npos);
  Object::Ptr approved = ok(call("POST", "/api/v1/letters/" + id + "/approve", daemon().vlu2));
  CHECK(approved->getValue<std::string>("state") == "approved");
  CHECK(approved->getValue<std::string>("approved_by") == "vlu-second-officer");
}

TEST_CASE("A missing address blocks a postal letter until a later event supplies it", "[letters]") {
  post({caseRegistered("52AD0100126"),
        R"({"id":"ad1-reg","type":"victim.registered","occurred_at":"2026-03-02T09:05:00Z","case_urn":"52AD0100126","victim_id":"ad1-v","name":{"given":"Kim","family":"Noaddress"}})",
        decision("ad1-nfa", "52AD0100126", "no_further_action", "2026-04-02T15:20:00+01:00")});
  Object::Ptr l = onlyLetterOf("52AD0100126");
  CHECK(l->getValue<std::string>("state") == "blocked");
  CHECK(blockedCodes(l) == std::vector<std::string>{"postal_address"});
  post({R"({"id":"ad1-upd","type":"victim.updated","occurred_at":"2026-04-06T08:00:00+01:00","case_urn":"52AD0100126","victim_id":"ad1-v","address":{"lines":["9 Found Road","Sampleford"],"postcode":"ZZ9 9ZZ"}})"});
  l = letter(l->getValue<std::string>("id"));
  CHECK(l->getValue<std::string>("state") == "draft");
  CHECK(l->getValue<int>("version") == 2);
  CHECK(l->getValue<std::string>("text").find("9 Found Road") != std::string::npos);
  CHECK(l->getArray("versions")->getObject(1)->getValue<std::string>("by") == "system");
  CHECK(l->isNull("last_edited_by"));  // the system is not an editor: anyone may approve
}

TEST_CASE("Four eyes: the officer who made the last edit cannot approve it; another officer can", "[letters]") {
  post({caseRegistered("52FE0100126"), victimRegistered("52FE0100126", "fe1-v"),
        decision("fe1-nfa", "52FE0100126", "no_further_action", "2026-04-02T15:20:00+01:00")});
  const std::string id = onlyLetterOf("52FE0100126")->getValue<std::string>("id");
  ok(edit(id, daemon().vlu, 1, R"("free_text":"Please call me if you would like to talk about this.")"));
  Object::Ptr e = error(call("POST", "/api/v1/letters/" + id + "/approve", daemon().vlu), 403, "four_eyes");
  CHECK(e->getValue<std::string>("message").find("another officer must approve it") != std::string::npos);
  CHECK(letter(id)->getValue<std::string>("state") == "draft");
  error(call("POST", "/api/v1/letters/" + id + "/approve", daemon().manager), 403, "forbidden");  // managers read, not approve
  Object::Ptr approved = ok(call("POST", "/api/v1/letters/" + id + "/approve", daemon().vlu2, R"({"version":2})"));
  CHECK(approved->getValue<std::string>("state") == "approved");
  error(call("POST", "/api/v1/letters/" + id + "/approve", daemon().vlu2), 409, "invalid_state");  // not twice
  error(edit(id, daemon().vlu2, 2, R"("free_text":"too late")"), 409, "invalid_state");
}

TEST_CASE("An edit against a stale version is refused and changes nothing", "[letters]") {
  post({caseRegistered("52SV0100126"), victimRegistered("52SV0100126", "sv1-v"),
        decision("sv1-nfa", "52SV0100126", "no_further_action", "2026-04-02T15:20:00+01:00")});
  const std::string id = onlyLetterOf("52SV0100126")->getValue<std::string>("id");
  ok(edit(id, daemon().vlu, 1, R"("free_text":"First officer's paragraph.")"));
  error(edit(id, daemon().vlu2, 1, R"("free_text":"Second officer's paragraph, written against version 1.")"), 409,
        "stale_version");
  Object::Ptr l = letter(id);
  CHECK(l->getValue<int>("version") == 2);
  CHECK(l->getValue<std::string>("free_text") == "First officer's paragraph.");
  CHECK(l->getValue<std::string>("text").find("Second officer's paragraph") == std::string::npos);
  error(call("POST", "/api/v1/letters/" + id + "/approve", daemon().vlu2, R"({"version":1})"), 409, "stale_version");
}

TEST_CASE("Bad edits get a clear error and leave the letter as it was", "[letters]") {
  post({caseRegistered("52BE0100126"), victimRegistered("52BE0100126", "be1-v"),
        decision("be1-nfa", "52BE0100126", "no_further_action", "2026-04-02T15:20:00+01:00")});
  const std::string id = onlyLetterOf("52BE0100126")->getValue<std::string>("id");
  CHECK(error(edit(id, daemon().vlu, 1, R"("fields":{"salutation":"Hi"})"), 400, "invalid_edit")->getValue<std::string>("field") ==
        "fields.salutation");
  CHECK(error(call("PUT", "/api/v1/letters/" + id, daemon().vlu, R"({"fields":{"reasons":"x"}})"), 400, "invalid_edit")
            ->getValue<std::string>("field") == "version");
  error(edit(id, daemon().vlu, 1, R"("fields":{"reasons":42})"), 400, "invalid_edit");
  error(edit(id, daemon().vlu, 1, R"("fields":{"reasons":")" + std::string(20001, 'x') + R"("})"), 400, "invalid_edit");
  error(call("PUT", "/api/v1/letters/" + id, daemon().vlu, std::string("{not json")), 400, "invalid_json");
  error(httpRequest(daemon().port(), "PUT", "/api/v1/letters/" + id, bearer(daemon().vlu), std::string("x"), "text/plain"),
        415, "unsupported_media_type");
  error(call("POST", "/api/v1/letters/" + id + "/reject", daemon().vlu, R"({"reason":"   "})"), 400, "invalid_reason");
  error(call("PUT", "/api/v1/letters/l-999999", daemon().vlu, R"({"version":1,"free_text":"x"})"), 404, "not_found");
  error(call("GET", "/api/v1/letters/not-a-letter", daemon().vlu), 404, "not_found");
  Object::Ptr l = letter(id);
  CHECK(l->getValue<int>("version") == 1);
  CHECK(l->getValue<std::string>("state") == "draft");
  CHECK(l->getArray("history")->size() == 1);
}

TEST_CASE("A rejected letter keeps its reason and is re-drafted by the next edit", "[letters]") {
  post({caseRegistered("52RJ0100126"), victimRegistered("52RJ0100126", "rj1-v"),
        decision("rj1-nfa", "52RJ0100126", "no_further_action", "2026-04-02T15:20:00+01:00")});
  const std::string id = onlyLetterOf("52RJ0100126")->getValue<std::string>("id");
  Object::Ptr r = ok(call("POST", "/api/v1/letters/" + id + "/reject", daemon().vlu2,
                          R"({"reason":"The reasons use legal jargon; please put them in plain English."})"));
  CHECK(r->getValue<std::string>("state") == "rejected");
  CHECK(r->getValue<std::string>("note") == "The reasons use legal jargon; please put them in plain English.");
  error(call("POST", "/api/v1/letters/" + id + "/approve", daemon().vlu2), 409, "invalid_state");
  Object::Ptr redrafted = ok(edit(id, daemon().vlu, 1, R"("fields":{"reasons":"There is not enough evidence to charge anyone."})"));
  CHECK(redrafted->getValue<std::string>("state") == "draft");
  ok(call("POST", "/api/v1/letters/" + id + "/approve", daemon().vlu2));
  std::vector<std::string> actions;
  Array::Ptr history = letter(id)->getArray("history");
  for (size_t i = 0; i < history->size(); ++i) actions.push_back(history->getObject(static_cast<unsigned>(i))->getValue<std::string>("action"));
  CHECK(actions == std::vector<std::string>{"drafted", "rejected", "edited", "approved"});
}

TEST_CASE("A letter whose obligation a later event supersedes is withdrawn, never deleted", "[letters]") {
  SECTION("a decision not to charge, reversed by a charge the next day") {
    post({caseRegistered("52WD0100126", R"(["stalking"])"), victimRegistered("52WD0100126", "wd1-v"),
          decision("wd1-nfa", "52WD0100126", "no_further_action", "2026-04-02T10:00:00+01:00")});
    const std::string id = onlyLetterOf("52WD0100126")->getValue<std::string>("id");
    const int64_t withdrawals = auditCount("letter_withdrawn");
    post({decision("wd1-charge", "52WD0100126", "charge", "2026-04-02T16:00:00+01:00", "")});
    Object::Ptr l = letter(id);
    CHECK(l->getValue<std::string>("state") == "withdrawn");
    CHECK(l->getValue<std::string>("note") ==
          "superseded: obligation VCL-NFA:wd1-v:wd1-nfa was cancelled by event wd1-charge (charging.decided)");
    CHECK(l->isNull("time_left"));
    CHECK(obligation("VCL-NFA:wd1-v:wd1-nfa")->getValue<std::string>("status") == "cancelled");
    CHECK(auditCount("letter_withdrawn") == withdrawals + 1);
    error(call("POST", "/api/v1/letters/" + id + "/approve", daemon().vlu2), 409, "invalid_state");
    CHECK(ok(call("GET", "/api/v1/letters?case_urn=52WD0100126", daemon().vlu))->getArray("items")->size() == 0);
  }
  SECTION("an approved letter not yet sent is withdrawn with its queued delivery") {
    post({caseRegistered("52WD0200126", R"(["stalking"])"), victimRegistered("52WD0200126", "wd2-v"),
          decision("wd2-nfa", "52WD0200126", "no_further_action", "2026-04-02T10:00:00+01:00")});
    const std::string id = onlyLetterOf("52WD0200126")->getValue<std::string>("id");
    ok(call("POST", "/api/v1/letters/" + id + "/approve", daemon().vlu2));  // no scheduler runs: it waits in the outbox
    post({decision("wd2-charge", "52WD0200126", "charge", "2026-04-02T16:00:00+01:00", "")});
    Object::Ptr l = letter(id);
    CHECK(l->getValue<std::string>("state") == "withdrawn");
    CHECK(l->getObject("delivery")->getValue<std::string>("state") == "cancelled");
    daemon().services.outbox.sendDue();
    CHECK(letter(id)->getValue<std::string>("state") == "withdrawn");
    CHECK_FALSE(std::filesystem::exists(daemon().settings.spool_dir + "/" + id + ".html"));
  }
  SECTION("the victim opts out of the letter") {
    post({caseRegistered("52WD0300126", R"(["stalking"])"), victimRegistered("52WD0300126", "wd3-v"),
          decision("wd3-nfa", "52WD0300126", "no_further_action", "2026-04-02T10:00:00+01:00")});
    const std::string id = onlyLetterOf("52WD0300126")->getValue<std::string>("id");
    post({R"({"id":"wd3-optout","type":"victim.updated","occurred_at":"2026-04-03T10:00:00+01:00","case_urn":"52WD0300126","victim_id":"wd3-v","opt_out":["VCL-NFA"]})"});
    Object::Ptr l = letter(id);
    CHECK(l->getValue<std::string>("state") == "withdrawn");
    CHECK(l->getValue<std::string>("note").find("the victim opted out (event wd3-optout)") == 0);
  }
}

TEST_CASE("An approved postal letter is spooled for printing, sent, and its obligation met", "[letters]") {
  post({caseRegistered("52SP0100126"), victimRegistered("52SP0100126", "sp1-v", R"(,"needs":{"large_print":true})"),
        decision("sp1-nfa", "52SP0100126", "no_further_action", "2026-04-02T15:20:00+01:00")});
  const std::string id = onlyLetterOf("52SP0100126")->getValue<std::string>("id");
  ok(call("POST", "/api/v1/letters/" + id + "/approve", daemon().vlu));
  CHECK(daemon().services.outbox.sendDue() >= 1);

  Object::Ptr l = letter(id);
  CHECK(l->getValue<std::string>("state") == "sent");
  CHECK(l->getValue<std::string>("sent_at") == "2026-04-06T08:00:00Z");
  CHECK(l->getObject("delivery")->getValue<std::string>("state") == "sent");
  CHECK(l->getObject("delivery")->getValue<std::string>("message_id") == "<letter." + id + ".v1@cps.example.org>");
  const std::string dir = daemon().settings.spool_dir;
  std::ifstream html(dir + "/" + id + ".html"), text(dir + "/" + id + ".txt");
  REQUIRE(html);
  REQUIRE(text);
  const std::string html_content((std::istreambuf_iterator<char>(html)), std::istreambuf_iterator<char>());
  const std::string text_content((std::istreambuf_iterator<char>(text)), std::istreambuf_iterator<char>());
  CHECK(html_content == l->getValue<std::string>("html"));
  CHECK(html_content.find("@page { size: A4;") != std::string::npos);
  CHECK(html_content.find("<body class=\"letter large-print\">") != std::string::npos);
  CHECK(text_content == l->getValue<std::string>("text"));
  CHECK_FALSE(std::filesystem::exists(dir + "/" + id + ".html.part"));

  // The ledger: sent on Easter Monday, due Tuesday 7 April: met, by the daemon's own event.
  Object::Ptr o = obligation("VCL-NFA:sp1-v:sp1-nfa");
  CHECK(o->getValue<std::string>("status") == "met");
  CHECK(o->getValue<std::string>("completed_by_event") == "sys:letter-sent:" + id);
  Object::Ptr victim = ok(call("GET", "/api/v1/victims/sp1-v", daemon().vlu));
  bool on_timeline = false;
  Array::Ptr timeline = victim->getArray("timeline");
  for (size_t i = 0; i < timeline->size(); ++i)
    on_timeline = on_timeline || timeline->getObject(static_cast<unsigned>(i))->getValue<std::string>("type") == "letter.sent";
  CHECK(on_timeline);
  CHECK(daemon().services.outbox.sendDue() == 0);  // nothing goes twice
}

TEST_CASE("Integrations cannot post the daemon's own events", "[letters]") {
  post({caseRegistered("52SE0100126"), victimRegistered("52SE0100126", "se1-v")});
  Reply r = call("POST", "/api/v1/events", daemon().ingest,
                 std::string(R"({"id":"fake-sent","type":"letter.sent","occurred_at":"2026-04-06T08:00:00Z","case_urn":"52SE0100126","victim_id":"se1-v","obligation":"x","letter_id":"l-1","channel":"post"})"));
  CHECK(error(r, 400, "invalid_event")->getValue<std::string>("field") == "type");
  r = call("POST", "/api/v1/events", daemon().ingest,
           std::string(R"({"id":"sys:pretend","type":"plea.entered","occurred_at":"2026-04-06T08:00:00Z","case_urn":"52SE0100126","plea":"guilty"})"));
  CHECK(error(r, 400, "invalid_event")->getValue<std::string>("field") == "id");
}

TEST_CASE("Welsh letters go to a child victim's parent or guardian, Welsh first", "[letters]") {
  post({caseRegistered("62CY0100126", R"(["sexual_offence"])", "CPS Cymru-Wales"),
        victimRegistered("62CY0100126", "cy1-v",
                         R"(,"language":"cy","date_of_birth":"2010-01-01","representative":{"relationship":"parent_or_guardian","name":"Rhian Guardian","address":{"lines":["2 Heol Enghraifft","Trefsampl"],"postcode":"ZZ2 2BB"}})"),
        decision("cy1-charge", "62CY0100126", "charge", "2026-04-02T15:20:00+01:00", "")});
  Object::Ptr l = onlyLetterOf("62CY0100126");
  CHECK(l->getValue<std::string>("kind") == "rasso_charge");
  CHECK(l->getValue<std::string>("language") == "cy");
  CHECK(blockedCodes(l) == std::vector<std::string>{"charges"});  // the decision listed no charges
  const std::string text = letter(l->getValue<std::string>("id"))->getValue<std::string>("text");
  CHECK(text.find("Annwyl Rhian Guardian,") < text.find("Dear Rhian Guardian,"));
  CHECK(text.find("Rydym yn ysgrifennu atoch fel rhiant neu warcheidwad Sam Testcase.") != std::string::npos);
  CHECK(text.find("2 Heol Enghraifft") != std::string::npos);
  CHECK(text.find("1 Example Street") == std::string::npos);  // not the child's own address
  CHECK(text.find("Uned Cyswllt Dioddefwyr, CPS Cymru") != std::string::npos);
}

TEST_CASE("A VLU officer bound to an Area sees and changes only that Area's letters", "[letters]") {
  post({caseRegistered("52AR0100126"), victimRegistered("52AR0100126", "ar1-v"),
        decision("ar1-nfa", "52AR0100126", "no_further_action", "2026-04-02T15:20:00+01:00")});
  const std::string id = onlyLetterOf("52AR0100126")->getValue<std::string>("id");
  error(call("GET", "/api/v1/letters/" + id, daemon().vlu_london), 404, "not_found");
  error(call("POST", "/api/v1/letters/" + id + "/approve", daemon().vlu_london), 404, "not_found");
  error(edit(id, daemon().vlu_london, 1, R"("free_text":"x")"), 404, "not_found");
  CHECK(ok(call("GET", "/api/v1/letters?case_urn=52AR0100126", daemon().vlu_london))->getArray("items")->size() == 0);
  CHECK(ok(call("GET", "/api/v1/letters?case_urn=52AR0100126", daemon().manager))->getArray("items")->size() == 1);
}

TEST_CASE("Reading a letter is audited; listing the queue shows no personal data", "[letters]") {
  post({caseRegistered("52AU0100126"), victimRegistered("52AU0100126", "au1-v"),
        decision("au1-nfa", "52AU0100126", "no_further_action", "2026-04-02T15:20:00+01:00")});
  const std::string id = onlyLetterOf("52AU0100126")->getValue<std::string>("id");
  ok(call("POST", "/api/v1/letters/" + id + "/reject", daemon().vlu2,
          R"({"reason":"Mx Testcase asked us not to mention the neighbour."})"));
  const int64_t reads = auditCount("read_letter");
  Reply list = call("GET", "/api/v1/letters?case_urn=52AU0100126", daemon().vlu);
  CHECK(list.body.find("Testcase") == std::string::npos);  // not even in an officer's rejection note
  CHECK(list.body.find("Example Street") == std::string::npos);
  CHECK(auditCount("read_letter") == reads);
  CHECK(letter(id, daemon().manager)->getValue<std::string>("note") ==
        "Mx Testcase asked us not to mention the neighbour.");
  CHECK(auditCount("read_letter") == reads + 1);
}

TEST_CASE("An approve sent with no body at all is answered at once", "[letters][http]") {
  post({caseRegistered("52NB0100126"), victimRegistered("52NB0100126", "nb1-v"),
        decision("nb1-nfa", "52NB0100126", "no_further_action", "2026-04-02T15:20:00+01:00")});
  const std::string id = onlyLetterOf("52NB0100126")->getValue<std::string>("id");
  // Like `curl -X POST`: neither Content-Length nor chunked encoding. The server once waited
  // 60 s for a body; the client times out after 20 s.
  Poco::Net::HTTPClientSession session("127.0.0.1", daemon().port());
  session.setTimeout(Poco::Timespan(5, 0));
  Poco::Net::HTTPRequest req("POST", "/api/v1/letters/" + id + "/approve", Poco::Net::HTTPMessage::HTTP_1_1);
  req.set("Authorization", bearer(daemon().vlu));
  session.sendRequest(req);
  Poco::Net::HTTPResponse res;
  std::string body;
  Poco::StreamCopier::copyToString(session.receiveResponse(res), body);
  INFO(body);
  CHECK(res.getStatus() == Poco::Net::HTTPResponse::HTTP_OK);
}

TEST_CASE("A letter to a child with no parent or guardian is blocked until one is recorded, then goes to the parent",
          "[letters][children]") {
  post({caseRegistered("52RF0900126", R"(["sexual_offence"])"),
        R"({"id":"rf9-reg","type":"victim.registered","occurred_at":"2026-03-02T09:05:00Z","case_urn":"52RF0900126","victim_id":"rf9-v","name":{"given":"Mia","family":"Testcase"},"date_of_birth":"2013-05-01","address":{"lines":["1 Example Street","Sampleford"],"postcode":"ZZ1 1AA"}})",
        decision("rf9-nfa", "52RF0900126", "no_further_action", "2026-04-02T15:20:00+01:00")});
  Object::Ptr l = onlyLetterOf("52RF0900126");
  const std::string id = l->getValue<std::string>("id");
  CHECK(l->getValue<std::string>("state") == "blocked");
  CHECK(blockedCodes(l) == std::vector<std::string>{"representative"});
  CHECK(l->getArray("blocked_by")->getObject(0)->getValue<std::string>("message").find("parent or guardian for Mia") !=
        std::string::npos);
  error(call("POST", "/api/v1/letters/" + id + "/approve", daemon().vlu2), 409, "letter_blocked");

  post({R"({"id":"rf9-upd","type":"victim.updated","occurred_at":"2026-04-06T08:00:00+01:00","case_urn":"52RF0900126","victim_id":"rf9-v","representative":{"relationship":"parent_or_guardian","name":"Dee Testcase","address":{"lines":["3 Example Road","Sampleford"],"postcode":"ZZ3 3CC"}}})"});
  l = letter(id);
  CHECK(l->getValue<std::string>("state") == "draft");
  const std::string text = l->getValue<std::string>("text");
  CHECK(text.find("Dear Dee Testcase,") != std::string::npos);
  CHECK(text.find("3 Example Road") != std::string::npos);
  CHECK(text.find("what Mia told the police") != std::string::npos);
  CHECK(text.find("Childline") != std::string::npos);  // 12: the children's line, not the 16-and-over one
  CHECK(text.find("247sexualabusesupport.org.uk") == std::string::npos);
  CHECK(text.find("Mia's rights") != std::string::npos);
}

TEST_CASE("Officers' words are checked for plain English: findings beside each field, approval refused without a reason",
          "[letters][plain-english]") {
  // The prosecutor's reasons carry two flagged terms; the officer's free text one sentence of 30 words.
  post({caseRegistered("52RD0300126", R"(["stalking"])"), victimRegistered("52RD0300126", "rd3-v"),
        decision("rd3-nfa", "52RD0300126", "no_further_action", "2026-04-02T15:20:00+01:00",
                 "The complainant's account was considered. The case failed the evidential stage.")});
  const std::string id = onlyLetterOf("52RD0300126")->getValue<std::string>("id");
  auto findingsOf = [](const Object::Ptr& l) {
    std::vector<std::string> out;
    Array::Ptr a = l->getArray("findings");
    REQUIRE(a);
    for (size_t i = 0; i < a->size(); ++i) {
      Object::Ptr f = a->getObject(static_cast<unsigned>(i));
      out.push_back(f->getValue<std::string>("field") + "/" + f->getValue<std::string>("kind") + "/" +
                    f->getValue<std::string>("text"));
    }
    return out;
  };
  Object::Ptr l = letter(id);
  CHECK(findingsOf(l) == std::vector<std::string>{"reasons/term/complainant", "reasons/term/evidential stage"});
  CHECK(l->getArray("findings")->getObject(0)->getValue<std::string>("suggestion").find("you") != std::string::npos);

  const std::string long_sentence =
      "I am writing to let you know that we have looked again at everything the police sent to us and we still "
      "think that this decision is the right one.";
  Object::Ptr edited = ok(edit(id, daemon().vlu, 1, R"("free_text":")" + long_sentence + R"(")"));
  CHECK(findingsOf(edited) == std::vector<std::string>{"reasons/term/complainant", "reasons/term/evidential stage",
                                                       "free_text/long_sentence/" + long_sentence});

  // Approval with findings is refused, and changes nothing.
  const int64_t approvals = auditCount("letter_approved");
  Object::Ptr e = error(call("POST", "/api/v1/letters/" + id + "/approve", daemon().vlu2, R"({"version":2})"), 409,
                        "plain_english");
  CHECK(e->getValue<std::string>("message").find("3 plain-English findings") == 0);
  CHECK(e->getValue<std::string>("field") == "reasons");
  CHECK(letter(id)->getValue<std::string>("state") == "draft");
  CHECK(auditCount("letter_approved") == approvals);
  error(call("POST", "/api/v1/letters/" + id + "/approve", daemon().vlu2, R"({"version":2,"override_reason":"   "})"),
        409, "plain_english");
  error(call("POST", "/api/v1/letters/" + id + "/approve", daemon().vlu2, R"({"version":2,"override_reason":7})"), 400,
        "invalid_reason");

  // Correcting the words clears the findings; an override approves what is left, and is recorded.
  Object::Ptr corrected = ok(edit(id, daemon().vlu, 2,
                                  R"("fields":{"reasons":"We looked at your account. There is not enough evidence to charge anyone."},)"
                                  R"("free_text":"We have looked again at everything. We still think the decision is right.")"));
  CHECK(findingsOf(corrected).empty());
  ok(edit(id, daemon().vlu, 3, R"("free_text":"We still think the decision is right. The CPIA rules apply.")"));
  error(call("POST", "/api/v1/letters/" + id + "/approve", daemon().vlu2, R"({"version":4})"), 409, "plain_english");
  const int64_t overrides = auditCount("letter_plain_english_overridden");
  Object::Ptr approved = ok(call("POST", "/api/v1/letters/" + id + "/approve", daemon().vlu2,
                                 R"({"version":4,"override_reason":"The victim asked us to name the rules; they are explained by phone."})"));
  CHECK(approved->getValue<std::string>("state") == "approved");
  CHECK(auditCount("letter_plain_english_overridden") == overrides + 1);
  Array::Ptr history = letter(id)->getArray("history");
  Object::Ptr last = history->getObject(static_cast<unsigned>(history->size() - 1));
  CHECK(last->getValue<std::string>("action") == "approved");
  CHECK(last->getValue<std::string>("note") ==
        "approved despite 1 plain-English findings: The victim asked us to name the rules; they are explained by phone.");
}

TEST_CASE("A letter that does not print the reasons is not held to them", "[letters][plain-english]") {
  // RASSO-INTRO after a referral: the referral's notes are not in the letter.
  post({caseRegistered("52RD0400126"), victimRegistered("52RD0400126", "rd4-v"),
        R"({"id":"rd4-ref","type":"charging.referred","occurred_at":"2026-04-02T10:00:00+01:00","case_urn":"52RD0400126","reasons":"NFA likely: the complainant withdrew support."})"});
  Array::Ptr items = lettersOf("52RD0400126");
  REQUIRE(items->size() >= 1);
  for (size_t i = 0; i < items->size(); ++i) {
    Object::Ptr l = letter(items->getObject(static_cast<unsigned>(i))->getValue<std::string>("id"));
    INFO(l->getValue<std::string>("kind"));
    CHECK(l->getArray("findings")->size() == 0);
  }
}
