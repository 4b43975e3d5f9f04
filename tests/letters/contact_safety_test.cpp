// Safe contact (issue 15, item 1), through the HTTP API of a real daemon (real
// SQLite file, real server on loopback; clock at Easter Monday, 6 April 2026):
// contact_safety on victim.registered / victim.updated is checked field by field;
// a letter by a channel that is not safe is blocked (unsafe_channel) saying what
// is safe; the officer switches the channel (a new version) or records a phone
// call that completes the obligation; a discreet letter's letterhead does not
// name the CPS. (The discreet email's subject and sender: tests/letters/email_test.cpp.)

#include <catch2/catch.hpp>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include "support/events.h"
#include "support/replies.h"
#include "support/test_daemon.h"

using namespace vc;           // NOLINT
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

std::string victimEvent(const std::string& urn, const std::string& victim, const std::string& extra) {
  return jsonEvent(urn + "-e2", "victim.registered", "2026-03-02T09:05:00Z", urn,
                   R"("victim_id":")" + victim +
                       R"(","title":"Mx","name":{"given":"Sam","family":"Safecase"},"address":{"lines":["1 Example Street","Sampleford"],"postcode":"ZZ1 1AA"},"email":"sam.safecase@example.org")" +
                       extra);
}

// A domestic-abuse case, a victim (with `extra` profile members) and a decision not to charge on Thursday 2 April.
void nfaCase(const std::string& urn, const std::string& victim, const std::string& extra) {
  Reply r = call("POST", "/api/v1/events", daemon().ingest,
                 batch({jsonEvent(urn + "-e1", "case.registered", "2026-03-02T09:00:00Z", urn,
                                  R"("area":"CPS South West","offences":["domestic_abuse"],"prosecutor":{"name":"Ada Prosecutor"})"),
                        victimEvent(urn, victim, extra),
                        jsonEvent(urn + "-e3", "charging.decided", "2026-04-02T15:20:00+01:00", urn,
                                  R"("decision":"no_further_action","reasons":"The evidence does not support a charge.")")}));
  INFO(r.body);
  REQUIRE(r.status == 200);
}

Object::Ptr onlyLetterOf(const std::string& urn) {
  Array::Ptr items = ok(call("GET", "/api/v1/letters?state=all&case_urn=" + urn, daemon().vlu))->getArray("items");
  REQUIRE(items->size() == 1);
  return items->getObject(0);
}

Object::Ptr letter(const std::string& id) { return ok(call("GET", "/api/v1/letters/" + id, daemon().vlu)); }

std::vector<std::string> blockedCodes(const Object::Ptr& l) {
  std::vector<std::string> codes;
  Array::Ptr b = l->getArray("blocked_by");
  for (size_t i = 0; i < b->size(); ++i)
    codes.push_back(b->getObject(static_cast<unsigned>(i))->getValue<std::string>("code"));
  return codes;
}

std::string blockedMessage(const Object::Ptr& l, size_t i = 0) {
  return l->getArray("blocked_by")->getObject(static_cast<unsigned>(i))->getValue<std::string>("message");
}

Reply edit(const std::string& id, int version, const std::string& changes) {
  return call("PUT", "/api/v1/letters/" + id, daemon().vlu, R"({"version":)" + std::to_string(version) + "," + changes + "}");
}

// The letterhead: the text before the salutation (what a window envelope and the top of the page show).
std::string letterhead(const std::string& text) { return text.substr(0, text.find("Dear ")); }

}  // namespace

TEST_CASE("contact_safety that is not as events.md says is a 400 naming the field, and stores nothing",
          "[letters][safety]") {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {R"(,"contact_safety":true)", "events[1].contact_safety"},
      {R"(,"contact_safety":{"post":"no"})", "events[1].contact_safety.post"},
      {R"(,"contact_safety":{"suspect_shares_address":1})", "events[1].contact_safety.suspect_shares_address"},
      {R"(,"contact_safety":{"discreet":"yes"})", "events[1].contact_safety.discreet"},
      // A misspelt field would otherwise mean "safe": refused.
      {R"(,"contact_safety":{"suspect_share_address":true})", "events[1].contact_safety.suspect_share_address"},
  };
  for (const auto& [extra, field] : bad) {
    INFO(extra);
    Reply r = call("POST", "/api/v1/events", daemon().ingest,
                   batch({jsonEvent("52SC0100126-e1", "case.registered", "2026-03-02T09:00:00Z", "52SC0100126",
                                    R"("area":"CPS South West","offences":["stalking"])"),
                          victimEvent("52SC0100126", "sc-bad-v", extra)}));
    Object::Ptr e = error(r, 400, "invalid_event");
    CHECK(e->getValue<std::string>("field") == field.substr(field.find('.') + 1));
    CHECK(e->getValue<std::string>("message").find(field) == 0);
  }
  error(call("GET", "/api/v1/victims/sc-bad-v", daemon().vlu), 404, "not_found");
  error(call("GET", "/api/v1/cases/52SC0100126", daemon().vlu), 404, "not_found");
}

TEST_CASE("Post to an address the suspect may share is blocked naming the safe channels; email unblocks it",
          "[letters][safety]") {
  nfaCase("52SC0200126", "sc2-v", R"(,"preferred_channel":"post","contact_safety":{"suspect_shares_address":true})");
  Object::Ptr l = onlyLetterOf("52SC0200126");
  const std::string id = l->getValue<std::string>("id");
  CHECK(l->getValue<std::string>("state") == "blocked");
  CHECK(l->getValue<std::string>("channel") == "post");
  REQUIRE(blockedCodes(l) == std::vector<std::string>{"unsafe_channel"});
  CHECK(blockedMessage(l).find("post is not safe for this victim (the suspect may share the address); safe: email, "
                               "phone, voicemail") == 0);
  CHECK(blockedMessage(l).find("choose email") != std::string::npos);
  error(call("POST", "/api/v1/letters/" + id + "/approve", daemon().vlu2), 409, "letter_blocked");

  // Only post, email or phone (or "" for the preferred channel) is a letter's channel.
  CHECK(error(edit(id, 1, R"("fields":{"channel":"fax"})"), 400, "invalid_edit")->getValue<std::string>("field") ==
        "fields.channel");

  // The officer sends it by email instead: a new version, addressed by email, with no postal address on it.
  Object::Ptr e = ok(edit(id, 1, R"("fields":{"channel":"email"})"));
  CHECK(e->getValue<int>("version") == 2);
  CHECK(e->getValue<std::string>("state") == "draft");
  CHECK(e->getValue<std::string>("channel") == "email");
  const std::string text = e->getValue<std::string>("text");
  CHECK(text.find("By email: sam.safecase@example.org") != std::string::npos);
  CHECK(text.find("1 Example Street") == std::string::npos);
  Object::Ptr approved = ok(call("POST", "/api/v1/letters/" + id + "/approve", daemon().vlu2));
  CHECK(approved->getValue<std::string>("state") == "approved");
  CHECK(approved->getValue<std::string>("channel") == "email");
}

TEST_CASE("An update replaces contact_safety: email unsafe blocks an emailed letter; cleared, it goes",
          "[letters][safety]") {
  nfaCase("52SC0300126", "sc3-v", R"(,"preferred_channel":"email","contact_safety":{"email":false})");
  Object::Ptr l = onlyLetterOf("52SC0300126");
  REQUIRE(blockedCodes(l) == std::vector<std::string>{"unsafe_channel"});
  CHECK(blockedMessage(l).find("email is not safe for this victim; safe: post, phone, voicemail") == 0);

  // The victim's new safety replaces the old one as a whole (unstated channels are safe again).
  Reply r = call("POST", "/api/v1/events", daemon().ingest,
                 batch({jsonEvent("52SC0300126-e4", "victim.updated", "2026-04-03T10:00:00+01:00", "52SC0300126",
                                  R"("victim_id":"sc3-v","contact_safety":{"post":false})")}));
  INFO(r.body);
  REQUIRE(r.status == 200);
  daemon().services.letters.refresh({"52SC0300126"});
  l = onlyLetterOf("52SC0300126");
  CHECK(l->getValue<std::string>("state") == "draft");
  CHECK(blockedCodes(l).empty());
}

TEST_CASE("A phone call recorded instead of a letter by an unsafe channel completes the obligation",
          "[letters][safety]") {
  nfaCase("52SC0400126", "sc4-v", R"(,"contact_safety":{"post":false,"email":false})");
  Object::Ptr l = onlyLetterOf("52SC0400126");
  const std::string id = l->getValue<std::string>("id");
  // Neither post nor email is safe, but the phone is: a phone task (tests/letters/phone_task_test.cpp), waiting
  // for a number.
  CHECK(l->getValue<std::string>("channel") == "phone");
  REQUIRE(blockedCodes(l) == std::vector<std::string>{"phone_number"});
  // Switching to email does not help: email is not safe either.
  Object::Ptr e = ok(edit(id, 1, R"("fields":{"channel":"email"})"));
  REQUIRE(blockedCodes(e) == std::vector<std::string>{"unsafe_channel"});
  CHECK(blockedMessage(e).find("email is not safe for this victim; safe: phone, voicemail: record a phone call") == 0);

  auto metAnotherWayForNeeds = [] {
    return ok(call("GET", "/api/v1/compliance?from=2026-04-01&to=2026-04-30&area=CPS%20South%20West",
                   daemon().manager))
        ->getObject("communication_needs")
        ->getValue<int>("met_another_way");
  };
  const int counted = metAnotherWayForNeeds();
  const std::string reason = "Phoned Sam on their own mobile on 6 April and explained the decision and their right to a review.";
  Object::Ptr done = ok(call("POST", "/api/v1/letters/" + id + "/met-another-way", daemon().vlu,
                             R"({"version":2,"channel":"phone","reason":")" + reason + R"("})"));
  CHECK(done->getValue<std::string>("state") == "met_another_way");
  CHECK(done->getValue<std::string>("note") == "met another way (phone): " + reason);
  Object::Ptr ob = ok(call("GET", "/api/v1/obligations/" + segment(done->getValue<std::string>("obligation_id")),
                           daemon().vlu));
  CHECK(ob->getValue<std::string>("status") == "met");
  CHECK(ob->getValue<std::string>("completed_by_event") == "sys:contact-recorded:" + id);
  // Not a communication need met another way: the report's communication_needs does not count it.
  CHECK(metAnotherWayForNeeds() == counted);
}

TEST_CASE("An approved letter whose channel became unsafe before it went is withheld and comes back blocked",
          "[letters][safety]") {
  nfaCase("52SC1000126", "sc10-v", "");
  const std::string id = onlyLetterOf("52SC1000126")->getValue<std::string>("id");
  ok(call("POST", "/api/v1/letters/" + id + "/approve", daemon().vlu2));
  // Before the print room gets it, the police say the suspect has moved back in.
  Reply r = call("POST", "/api/v1/events", daemon().ingest,
                 batch({jsonEvent("52SC1000126-e4", "victim.updated", "2026-04-06T08:30:00+01:00", "52SC1000126",
                                  R"("victim_id":"sc10-v","contact_safety":{"suspect_shares_address":true})")}));
  INFO(r.body);
  REQUIRE(r.status == 200);
  daemon().services.outbox.sendDue();
  Object::Ptr l = letter(id);
  CHECK(l->getValue<std::string>("state") == "blocked");
  CHECK(blockedCodes(l) == std::vector<std::string>{"unsafe_channel"});
  CHECK(l->getObject("delivery")->getValue<std::string>("state") == "withheld");
  Array::Ptr history = l->getArray("history");
  Object::Ptr last = history->getObject(history->size() - 1);
  CHECK(last->getValue<std::string>("action") == "withheld");
  CHECK(last->getValue<std::string>("note").find("post is no longer safe for this victim") != std::string::npos);
  CHECK(l->getValue<std::string>("obligation_status") == "pending");
}

TEST_CASE("A discreet posted letter's letterhead does not name the CPS; the victim can still reply",
          "[letters][safety]") {
  nfaCase("52SC0500126", "sc5-v", R"(,"contact_safety":{"discreet":true})");
  Object::Ptr l = letter(onlyLetterOf("52SC0500126")->getValue<std::string>("id"));
  CHECK(l->getValue<std::string>("state") == "draft");
  const std::string text = l->getValue<std::string>("text");
  const std::string head = letterhead(text);
  INFO(head);
  CHECK(head.find("Crown Prosecution Service") == std::string::npos);
  CHECK(head.find("CPS") == std::string::npos);
  CHECK(head.find("Victim Liaison") == std::string::npos);
  CHECK(head.find("1 Example Plaza") != std::string::npos);  // the unit's street address, to write back to
  CHECK(head.find("01632 960900") != std::string::npos);     // and its phone
  CHECK(head.find("1 Example Street") != std::string::npos);  // the victim's address, for the window
  CHECK(l->getValue<std::string>("html").find("<title>Letter</title>") != std::string::npos);

  // Without discretion the letterhead names the CPS, as before.
  nfaCase("52SC0600126", "sc6-v", "");
  CHECK(letterhead(letter(onlyLetterOf("52SC0600126")->getValue<std::string>("id"))->getValue<std::string>("text"))
            .find("Crown Prosecution Service") != std::string::npos);
}
