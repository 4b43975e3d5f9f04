// Phone tasks (issue 15, item 6), through the HTTP API of a real daemon (real SQLite file, real
// server on loopback; clock at Easter Monday, 6 April 2026): a victim for whom neither post nor
// email is safe, but the phone is, gets a phone task with a script instead of a letter; it is never
// approved or sent; it is blocked while no number is recorded; the officer's recorded call, or a
// contact.recorded by the CPS from the case management system, completes it as met another way; an
// unanswered call is recorded as an attempt; the queue filters unsafe channels and phone tasks.

#include <catch2/catch.hpp>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include "storage/store.h"
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

// A stalking case, a victim (with `extra` profile members) and a decision not to charge on Thursday 2 April.
void nfaCase(const std::string& urn, const std::string& victim, const std::string& extra) {
  Reply r = call("POST", "/api/v1/events", daemon().ingest,
                 batch({jsonEvent(urn + "-e1", "case.registered", "2026-03-02T09:00:00Z", urn,
                                  R"("area":"CPS South West","offences":["stalking"],"prosecutor":{"name":"Ada Prosecutor"})"),
                        jsonEvent(urn + "-e2", "victim.registered", "2026-03-02T09:05:00Z", urn,
                                  R"("victim_id":")" + victim +
                                      R"(","title":"Mx","name":{"given":"Robin","family":"Phonecase"},"address":{"lines":["9 Example Street","Sampleford"],"postcode":"ZZ1 9AA"},"email":"robin.phonecase@example.org")" +
                                      extra),
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

std::vector<std::string> strings(const Array::Ptr& a) {
  std::vector<std::string> out;
  for (size_t i = 0; a && i < a->size(); ++i) out.push_back(a->getElement<std::string>(static_cast<unsigned>(i)));
  return out;
}

bool anyContains(const std::vector<std::string>& lines, const std::string& what) {
  for (const auto& l : lines)
    if (l.find(what) != std::string::npos) return true;
  return false;
}

std::vector<std::string> idsWith(const std::string& attention) {
  std::vector<std::string> ids;
  Array::Ptr items =
      ok(call("GET", "/api/v1/letters?attention=" + attention + "&limit=500", daemon().vlu))->getArray("items");
  for (size_t i = 0; i < items->size(); ++i) ids.push_back(items->getObject(static_cast<unsigned>(i))->getValue<std::string>("id"));
  return ids;
}

bool contains(const std::vector<std::string>& v, const std::string& x) { return std::find(v.begin(), v.end(), x) != v.end(); }

int64_t auditCount(const std::string& action) {
  auto lease = daemon().services.db.session();
  return storage::Store(lease).auditCount(action);
}

Object::Ptr lastHistory(const Object::Ptr& l) {
  Array::Ptr h = l->getArray("history");
  return h->getObject(static_cast<unsigned>(h->size() - 1));
}

const char* kPhoneOnly = R"(,"phone":"07700 900222","contact_safety":{"post":false,"email":false})";

}  // namespace

TEST_CASE("Post and email unsafe, phone safe: a phone task with a script, which is never approved or sent",
          "[letters][phone]") {
  nfaCase("52PH0100126", "ph1-v", kPhoneOnly);
  Object::Ptr l = letter(onlyLetterOf("52PH0100126")->getValue<std::string>("id"));
  const std::string id = l->getValue<std::string>("id");
  CHECK(l->getValue<std::string>("channel") == "phone");
  CHECK(l->getValue<bool>("phone_task"));
  CHECK(l->getValue<std::string>("state") == "draft");
  CHECK(blockedCodes(l).empty());  // not unsafe_channel: the phone is safe

  REQUIRE(l->getObject("phone_script"));
  Object::Ptr script = l->getObject("phone_script");
  const auto before = strings(script->getArray("before_the_call"));
  CHECK(anyContains(before, "Call only the number on the record for the victim: 07700 900222"));
  CHECK(anyContains(before, "ask to speak to Mx Robin Phonecase"));
  CHECK(anyContains(before, "Before you say anything about the case, check you are speaking to them"));
  CHECK(anyContains(before, "safe time to talk"));
  CHECK(script->getValue<bool>("leave_voicemail"));
  Array::Ptr say = script->getArray("what_to_say");
  REQUIRE(say->size() == 1);
  const auto paragraphs = strings(say->getObject(0)->getArray("paragraphs"));
  REQUIRE(!paragraphs.empty());
  CHECK(paragraphs.front() == "Our decision not to charge");
  CHECK(anyContains(paragraphs, "The evidence does not support a charge."));
  const std::string text = script->getValue<std::string>("text");
  CHECK(text.find("9 Example Street") == std::string::npos);  // no address block
  CHECK(text.find("Our reference") == std::string::npos);     // no letterhead
  CHECK(text.find("Yours sincerely") == std::string::npos);   // no sign-off
  CHECK(text.find("Dear Mx") == std::string::npos);
  CHECK(anyContains(strings(script->getArray("after_the_call")), "Record the call"));

  // Not approved, not sent: a clear refusal, and nothing changes.
  const int64_t approvals = auditCount("letter_approved");
  Object::Ptr refused = error(call("POST", "/api/v1/letters/" + id + "/approve", daemon().vlu2), 409, "phone_task");
  CHECK(refused->getValue<std::string>("message").find("record the call") != std::string::npos);
  CHECK(letter(id)->getValue<std::string>("state") == "draft");
  CHECK(letter(id)->isNull("delivery"));
  CHECK(auditCount("letter_approved") == approvals);

  // A letter that is not a phone task has no script.
  nfaCase("52PH0200126", "ph2-v", "");
  Object::Ptr plain = letter(onlyLetterOf("52PH0200126")->getValue<std::string>("id"));
  CHECK(plain->getValue<std::string>("channel") == "post");
  CHECK_FALSE(plain->getValue<bool>("phone_task"));
  CHECK(plain->isNull("phone_script"));
}

TEST_CASE("A phone task with no number on the record is blocked (phone_number) until one is", "[letters][phone]") {
  nfaCase("52PH0300126", "ph3-v", R"(,"contact_safety":{"post":false,"email":false})");
  Object::Ptr l = onlyLetterOf("52PH0300126");
  CHECK(l->getValue<std::string>("channel") == "phone");
  CHECK(l->getValue<std::string>("state") == "blocked");
  REQUIRE(blockedCodes(l) == std::vector<std::string>{"phone_number"});
  CHECK(l->getArray("blocked_by")->getObject(0)->getValue<std::string>("message").find("a phone number for the victim") ==
        0);

  Reply r = call("POST", "/api/v1/events", daemon().ingest,
                 batch({jsonEvent("52PH0300126-e4", "victim.updated", "2026-04-03T10:00:00+01:00", "52PH0300126",
                                  R"("victim_id":"ph3-v","phone":"07700 900333")")}));
  INFO(r.body);
  REQUIRE(r.status == 200);
  daemon().services.letters.refresh({"52PH0300126"});
  l = letter(onlyLetterOf("52PH0300126")->getValue<std::string>("id"));
  CHECK(l->getValue<std::string>("state") == "draft");
  CHECK(blockedCodes(l).empty());
  CHECK(anyContains(strings(l->getObject("phone_script")->getArray("before_the_call")), "07700 900333"));
}

TEST_CASE("When the phone is not safe either, the letter stays blocked unsafe_channel and is no phone task",
          "[letters][phone]") {
  nfaCase("52PH0400126", "ph4-v", R"(,"phone":"07700 900444","contact_safety":{"post":false,"email":false,"phone":false})");
  Object::Ptr l = onlyLetterOf("52PH0400126");
  CHECK(l->getValue<std::string>("channel") == "post");
  CHECK_FALSE(l->getValue<bool>("phone_task"));
  CHECK(l->getValue<bool>("unsafe_channel"));
  CHECK(blockedCodes(l) == std::vector<std::string>{"unsafe_channel"});
}

TEST_CASE("The officer records the call (met-another-way, by phone): the phone task is met another way",
          "[letters][phone]") {
  nfaCase("52PH0500126", "ph5-v", kPhoneOnly);
  Object::Ptr l = onlyLetterOf("52PH0500126");
  const std::string id = l->getValue<std::string>("id");
  REQUIRE(l->getValue<std::string>("channel") == "phone");
  REQUIRE(l->getValue<std::string>("state") == "draft");  // no communication need, no block: still allowed
  auto metAnotherWayForNeeds = [] {
    return ok(call("GET", "/api/v1/compliance?from=2026-04-01&to=2026-04-30&area=CPS%20South%20West",
                   daemon().manager))
        ->getObject("communication_needs")
        ->getValue<int>("met_another_way");
  };
  const int counted = metAnotherWayForNeeds();
  const std::string reason = "Phoned Robin on the number on record on 6 April and read the letter to them.";
  Object::Ptr done = ok(call("POST", "/api/v1/letters/" + id + "/met-another-way", daemon().vlu,
                             R"({"version":1,"channel":"phone","reason":")" + reason + R"("})"));
  CHECK(done->getValue<std::string>("state") == "met_another_way");
  CHECK(done->getValue<std::string>("note") == "met another way (phone): " + reason);
  Object::Ptr ob = ok(call("GET", "/api/v1/obligations/" + segment(done->getValue<std::string>("obligation_id")),
                           daemon().vlu));
  CHECK(ob->getValue<std::string>("status") == "met");
  CHECK(ob->getValue<std::string>("completed_by_event") == "sys:contact-recorded:" + id);
  // A phone task's call is not a communication need met another way: the report's communication_needs
  // does not count it.
  CHECK(metAnotherWayForNeeds() == counted);
}

TEST_CASE("A contact.recorded by the CPS from the case system completes a phone task: met another way, not withdrawn",
          "[letters][phone]") {
  nfaCase("52PH0600126", "ph6-v", kPhoneOnly);
  Object::Ptr l = onlyLetterOf("52PH0600126");
  const std::string id = l->getValue<std::string>("id");
  const std::string obligation = l->getValue<std::string>("obligation_id");
  REQUIRE(l->getValue<std::string>("channel") == "phone");
  const int64_t met = auditCount("letter_met_another_way"), withdrawn = auditCount("letter_withdrawn");
  Reply r = call("POST", "/api/v1/events", daemon().ingest,
                 batch({jsonEvent("52PH0600126-e4", "contact.recorded", "2026-04-06T08:40:00+01:00", "52PH0600126",
                                  R"("victim_id":"ph6-v","obligation":")" + obligation +
                                      R"(","by":"cps","channel":"phone","notes":"Called from the case system.")")}));
  INFO(r.body);
  REQUIRE(r.status == 200);
  daemon().services.letters.refresh({"52PH0600126"});
  l = letter(id);
  CHECK(l->getValue<std::string>("state") == "met_another_way");
  const std::string note = l->getValue<std::string>("note");
  CHECK(note.find("met another way (phone)") == 0);
  CHECK(note.find("event 52PH0600126-e4") != std::string::npos);
  CHECK(lastHistory(l)->getValue<std::string>("action") == "met_another_way");
  CHECK(auditCount("letter_met_another_way") == met + 1);
  CHECK(auditCount("letter_withdrawn") == withdrawn);
  CHECK(l->getValue<std::string>("obligation_status") == "met");
}

TEST_CASE("The script never leaves a voicemail when voicemail is not safe; a discreet voicemail names no CPS",
          "[letters][phone]") {
  nfaCase("52PH0700126", "ph7-v",
          R"(,"phone":"07700 900777","contact_safety":{"post":false,"email":false,"voicemail":false,"discreet":true})");
  Object::Ptr script = letter(onlyLetterOf("52PH0700126")->getValue<std::string>("id"))->getObject("phone_script");
  REQUIRE(script);
  CHECK_FALSE(script->getValue<bool>("leave_voicemail"));
  CHECK(script->isNull("voicemail"));
  const std::string text = script->getValue<std::string>("text");
  CHECK(text.find("Never leave a message.") != std::string::npos);
  CHECK(text.find("this is a message for") == std::string::npos);
  CHECK(anyContains(strings(script->getArray("before_the_call")), "never leave a message"));

  nfaCase("52PH0800126", "ph8-v", R"(,"phone":"07700 900888","contact_safety":{"post":false,"email":false,"discreet":true})");
  script = letter(onlyLetterOf("52PH0800126")->getValue<std::string>("id"))->getObject("phone_script");
  REQUIRE(script->getValue<bool>("leave_voicemail"));
  const std::string voicemail = script->getValue<std::string>("voicemail");
  INFO(voicemail);
  CHECK(voicemail.find("a message for Mx Robin Phonecase") != std::string::npos);
  CHECK(voicemail.find("Crown Prosecution") == std::string::npos);
  CHECK(voicemail.find("CPS") == std::string::npos);
  CHECK(voicemail.find("stalking") == std::string::npos);
  CHECK(voicemail.find("01632 960900") != std::string::npos);  // the unit's number, to call back
}

TEST_CASE("An unanswered call is recorded as an attempt: history and audit, the obligation stays open",
          "[letters][phone]") {
  nfaCase("52PH0900126", "ph9-v", kPhoneOnly);
  const std::string id = onlyLetterOf("52PH0900126")->getValue<std::string>("id");
  const int64_t audited = auditCount("letter_call_attempted");
  Object::Ptr r = ok(call("POST", "/api/v1/letters/" + id + "/call-attempts", daemon().vlu,
                          R"({"notes":"No answer at 10:15; no message left."})"));
  CHECK(r->getValue<std::string>("state") == "draft");
  Object::Ptr l = letter(id);
  CHECK(l->getValue<int>("call_attempts") == 1);
  CHECK(lastHistory(l)->getValue<std::string>("action") == "call_attempted");
  CHECK(lastHistory(l)->getValue<std::string>("note") == "call attempt 1: No answer at 10:15; no message left.");
  CHECK(l->getValue<std::string>("obligation_status") == "pending");
  CHECK(auditCount("letter_call_attempted") == audited + 1);

  error(call("POST", "/api/v1/letters/" + id + "/call-attempts", daemon().vlu, R"({"notes":"  "})"), 400,
        "invalid_reason");
  error(call("POST", "/api/v1/letters/" + id + "/call-attempts", daemon().vlu, R"({"notes":"x","when":"now"})"), 400,
        "invalid_reason");
  nfaCase("52PH1000126", "ph10-v", "");
  const std::string posted = onlyLetterOf("52PH1000126")->getValue<std::string>("id");
  error(call("POST", "/api/v1/letters/" + posted + "/call-attempts", daemon().vlu, R"({"notes":"No answer."})"), 409,
        "not_phone_task");
  CHECK(auditCount("letter_call_attempted") == audited + 1);
}

TEST_CASE("The officer may choose phone as a letter's channel; a Welsh phone task says the Welsh first",
          "[letters][phone]") {
  nfaCase("52PH1100126", "ph11-v", R"(,"phone":"07700 900111","language":"cy")");
  Object::Ptr l = onlyLetterOf("52PH1100126");
  const std::string id = l->getValue<std::string>("id");
  REQUIRE(l->getValue<std::string>("channel") == "post");
  Object::Ptr e = ok(call("PUT", "/api/v1/letters/" + id, daemon().vlu, R"({"version":1,"fields":{"channel":"phone"}})"));
  CHECK(e->getValue<std::string>("channel") == "phone");
  CHECK(e->getValue<bool>("phone_task"));
  Object::Ptr script = letter(id)->getObject("phone_script");
  REQUIRE(script);
  Array::Ptr say = script->getArray("what_to_say");
  REQUIRE(say->size() == 2);
  CHECK(say->getObject(0)->getValue<std::string>("language") == "cy");
  CHECK(say->getObject(1)->getValue<std::string>("language") == "en");
  CHECK(anyContains(strings(script->getArray("before_the_call")), "Offer to speak in Welsh"));
  // Anything but post, email or phone is still refused.
  CHECK(error(call("PUT", "/api/v1/letters/" + id, daemon().vlu, R"({"version":2,"fields":{"channel":"fax"}})"), 400,
              "invalid_edit")
            ->getValue<std::string>("message")
            .find("post, email or phone") != std::string::npos);
}

TEST_CASE("The queue lists letters blocked by an unsafe channel, and phone tasks, on their own", "[letters][phone]") {
  nfaCase("52PH1200126", "ph12-v", kPhoneOnly);
  nfaCase("52PH1300126", "ph13-v", R"(,"contact_safety":{"suspect_shares_address":true})");
  const std::string phone = onlyLetterOf("52PH1200126")->getValue<std::string>("id");
  const std::string unsafe = onlyLetterOf("52PH1300126")->getValue<std::string>("id");
  const auto phone_tasks = idsWith("phone_task"), unsafe_channel = idsWith("unsafe_channel");
  CHECK(contains(phone_tasks, phone));
  CHECK_FALSE(contains(phone_tasks, unsafe));
  CHECK(contains(unsafe_channel, unsafe));
  CHECK_FALSE(contains(unsafe_channel, phone));
  CHECK(onlyLetterOf("52PH1300126")->getValue<bool>("unsafe_channel"));
  Object::Ptr e = error(call("GET", "/api/v1/letters?attention=phone", daemon().vlu), 400, "invalid_query");
  const std::string message = e->getValue<std::string>("message");
  CHECK(message.find("communication_need") != std::string::npos);
  CHECK(message.find("unsafe_channel") != std::string::npos);
  CHECK(message.find("phone_task") != std::string::npos);
}
