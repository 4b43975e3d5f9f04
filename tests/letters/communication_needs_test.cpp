// Letters that fit the person who reads them, through the HTTP API of a real
// daemon (real SQLite file, real server on loopback; clock at Easter Monday,
// 6 April 2026): a victim who needs an interpreter or Easy Read (Victims' Code
// Right 1), and Welsh letters (Welsh text required before approval; Welsh
// Areas bilingual by default). Each test uses its own cases.

#include <sstream>

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

void post(const std::vector<std::string>& events) {
  Reply r = call("POST", "/api/v1/events", daemon().ingest, batch(events));
  INFO(r.body);
  REQUIRE(r.status == 200);
}

// A case, a victim (with `extra` profile members) and a decision not to charge on Thursday 2 April, with reasons.
void nfaCase(const std::string& urn, const std::string& victim, const std::string& extra,
             const std::string& area = "CPS South West") {
  post({jsonEvent(urn + "-e1", "case.registered", "2026-03-02T09:00:00Z", urn,
                  R"("area":")" + area + R"(","offences":["other"],"prosecutor":{"name":"Ada Prosecutor"})"),
        jsonEvent(urn + "-e2", "victim.registered", "2026-03-02T09:05:00Z", urn,
                  R"("victim_id":")" + victim +
                      R"(","title":"Mx","name":{"given":"Sam","family":"Testcase"},"address":{"lines":["1 Example Street","Sampleford"],"postcode":"ZZ1 1AA"})" +
                      extra),
        jsonEvent(urn + "-e3", "charging.decided", "2026-04-02T15:20:00+01:00", urn,
                  R"("decision":"no_further_action","reasons":"The evidence does not support a charge.")")});
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

Reply edit(const std::string& id, const std::string& token, int version, const std::string& changes) {
  return call("PUT", "/api/v1/letters/" + id, token, R"({"version":)" + std::to_string(version) + "," + changes + "}");
}

Reply meetAnotherWay(const std::string& id, const std::string& body) {
  return call("POST", "/api/v1/letters/" + id + "/met-another-way", daemon().vlu, body);
}

size_t needingAttention(const std::string& urn) {
  return ok(call("GET", "/api/v1/letters?attention=communication_need&case_urn=" + urn, daemon().vlu))
      ->getArray("items")
      ->size();
}

int64_t auditCount(const std::string& action) {
  auto lease = daemon().services.db.session();
  return storage::Store(lease).auditCount(action);
}

}  // namespace

TEST_CASE("A victim who needs a Polish interpreter: the letter waits for the translation, which goes first",
          "[letters][needs]") {
  nfaCase("52WN0100126", "wn1-v", R"(,"needs":{"interpreter":"Polish"})");
  Object::Ptr l = onlyLetterOf("52WN0100126");
  const std::string id = l->getValue<std::string>("id");
  CHECK(l->getValue<std::string>("state") == "blocked");
  CHECK(blockedCodes(l) == std::vector<std::string>{"needs_translation"});
  CHECK(blockedMessage(l).find("into Polish") != std::string::npos);
  CHECK(l->getValue<bool>("communication_need"));
  CHECK(needingAttention("52WN0100126") == 1);
  error(call("POST", "/api/v1/letters/" + id + "/approve", daemon().vlu2), 409, "letter_blocked");

  // The officer attaches the translation as a new version; the English stays, after it.
  Object::Ptr edited = ok(edit(id, daemon().vlu, 1,
                               R"("fields":{"translation":"Prokuratura zdecydowała, że nikt nie zostanie oskarżony.\n\nTo jest tłumaczenie."})"));
  CHECK(edited->getValue<std::string>("state") == "draft");
  CHECK(edited->getValue<int>("version") == 2);
  CHECK_FALSE(edited->getValue<bool>("communication_need"));
  const std::string text = edited->getValue<std::string>("text");
  const auto polish = text.find("Prokuratura zdecydowała, że nikt nie zostanie oskarżony.");
  REQUIRE(polish != std::string::npos);
  CHECK(text.find("Polish: a translation of this letter") < polish);
  CHECK(polish < text.find("The letter in English"));
  CHECK(text.find("The letter in English") < text.find("Dear Mx Testcase,"));
  CHECK(text.find("The evidence does not support a charge.") != std::string::npos);
  CHECK(needingAttention("52WN0100126") == 0);

  // Stored with the version, and it is what is approved and sent.
  Object::Ptr full = letter(id);
  Array::Ptr versions = full->getArray("versions");
  REQUIRE(versions->size() == 2);
  CHECK(versions->getObject(1)->getObject("fields")->getValue<std::string>("translation").find("Prokuratura") == 0);
  Object::Ptr approved = ok(call("POST", "/api/v1/letters/" + id + "/approve", daemon().vlu2));
  CHECK(approved->getValue<std::string>("state") == "approved");
}

TEST_CASE("An interpreter need with no language recorded asks for the translation's language", "[letters][needs]") {
  nfaCase("52WN0200126", "wn2-v", R"(,"needs":{"interpreter":true})");
  Object::Ptr l = onlyLetterOf("52WN0200126");
  const std::string id = l->getValue<std::string>("id");
  CHECK(blockedMessage(l).find("the victim's language") != std::string::npos);
  Object::Ptr e = ok(edit(id, daemon().vlu, 1, R"("fields":{"translation":"Tekst."})"));
  CHECK(blockedCodes(e) == std::vector<std::string>{"needs_translation"});
  CHECK(blockedMessage(e).find("translation_language") != std::string::npos);
  e = ok(edit(id, daemon().vlu, 2, R"("fields":{"translation_language":"Lithuanian"})"));
  CHECK(e->getValue<std::string>("state") == "draft");
  CHECK(e->getValue<std::string>("text").find("Lithuanian: a translation of this letter") != std::string::npos);
}

TEST_CASE("Easy Read met another way: a contact completes the obligation and the letter leaves the queue",
          "[letters][needs]") {
  const std::string area = "CPS Mersey-Cheshire";  // this test's own Area, so the ledger's counts are its own
  nfaCase("52WN0300126", "wn3-v", R"(,"needs":{"easy_read":true})", area);
  nfaCase("52WN0400126", "wn4-v", R"(,"needs":{"easy_read":true,"interpreter":"Polish"})", area);
  Object::Ptr l = onlyLetterOf("52WN0300126");
  const std::string id = l->getValue<std::string>("id");
  CHECK(blockedCodes(l) == std::vector<std::string>{"needs_easy_read"});
  CHECK(blockedCodes(onlyLetterOf("52WN0400126")) == (std::vector<std::string>{"needs_translation", "needs_easy_read"}));

  auto report = [&] {
    return ok(call("GET", "/api/v1/compliance?from=2026-04-01&to=2026-04-30&area=CPS%20Mersey-Cheshire",
                   daemon().manager))
        ->getObject("communication_needs");
  };
  Object::Ptr before = report();
  CHECK(before->getValue<int>("awaiting_easy_read") == 2);
  CHECK(before->getValue<int>("awaiting_translation") == 1);
  CHECK(before->getValue<int>("met_another_way") == 0);

  const int64_t audited = auditCount("letter_met_another_way");
  const std::string reason = "Read to Sam by phone in Easy Read words on 6 April, with their support worker there.";
  Object::Ptr done = ok(meetAnotherWay(id, R"({"version":1,"channel":"phone","reason":")" + reason + R"("})"));
  CHECK(done->getValue<std::string>("state") == "met_another_way");
  CHECK(done->getValue<std::string>("note") == "met another way (phone): " + reason);
  CHECK(done->isNull("time_left"));
  CHECK(auditCount("letter_met_another_way") == audited + 1);

  // The daemon recorded the contact; it completed the obligation on time (due Tuesday 7 April).
  const std::string obligation_id = done->getValue<std::string>("obligation_id");
  Object::Ptr ob = ok(call("GET", "/api/v1/obligations/" + segment(obligation_id), daemon().vlu));
  CHECK(ob->getValue<std::string>("status") == "met");
  CHECK(ob->getValue<std::string>("completed_by_event") == "sys:contact-recorded:" + id);
  Array::Ptr timeline = ok(call("GET", "/api/v1/victims/wn3-v", daemon().vlu))->getArray("timeline");
  Object::Ptr contact;
  for (size_t i = 0; i < timeline->size(); ++i)
    if (timeline->getObject(static_cast<unsigned>(i))->getValue<std::string>("type") == "contact.recorded")
      contact = timeline->getObject(static_cast<unsigned>(i));
  REQUIRE(contact);
  std::ostringstream os;
  contact->stringify(os);
  const std::string body = os.str();
  CHECK(body.find(R"("by":"cps")") != std::string::npos);
  CHECK(body.find(R"("channel":"phone")") != std::string::npos);
  CHECK(body.find(reason) != std::string::npos);
  CHECK(body.find(obligation_id) != std::string::npos);

  // Out of the open queue, listed under its own state, history kept; and final.
  CHECK(ok(call("GET", "/api/v1/letters?case_urn=52WN0300126", daemon().vlu))->getArray("items")->size() == 0);
  CHECK(ok(call("GET", "/api/v1/letters?state=met_another_way&case_urn=52WN0300126", daemon().vlu))
            ->getArray("items")
            ->size() == 1);
  Array::Ptr history = letter(id)->getArray("history");
  CHECK(history->getObject(history->size() - 1)->getValue<std::string>("action") == "met_another_way");
  error(meetAnotherWay(id, R"({"version":1,"channel":"phone","reason":"again"})"), 409, "invalid_state");
  error(edit(id, daemon().vlu, 1, R"("free_text":"x")"), 409, "invalid_state");

  // A later pass of the scheduler leaves it as it is (not withdrawn: the obligation was met by this contact).
  daemon().services.letters.refresh({});
  CHECK(letter(id)->getValue<std::string>("state") == "met_another_way");

  Object::Ptr after = report();
  CHECK(after->getValue<int>("awaiting_easy_read") == 1);
  CHECK(after->getValue<int>("awaiting_translation") == 1);
  CHECK(after->getValue<int>("met_another_way") == 1);
}

TEST_CASE("Meeting a letter another way is refused without a need, a channel or a reason, and stores nothing",
          "[letters][needs]") {
  nfaCase("52WN0500126", "wn5-v", "");
  const std::string plain = onlyLetterOf("52WN0500126")->getValue<std::string>("id");
  error(meetAnotherWay(plain, R"({"version":1,"channel":"phone","reason":"Told them by phone."})"), 409,
        "no_communication_need");

  nfaCase("52WN0600126", "wn6-v", R"(,"needs":{"interpreter":"pl"})");
  const std::string id = onlyLetterOf("52WN0600126")->getValue<std::string>("id");
  CHECK(error(meetAnotherWay(id, R"({"version":1,"channel":"pigeon","reason":"x"})"), 400, "invalid_reason")
            ->getValue<std::string>("field") == "channel");
  CHECK(error(meetAnotherWay(id, R"({"version":1,"channel":"phone","reason":"  "})"), 400, "invalid_reason")
            ->getValue<std::string>("field") == "reason");
  CHECK(error(meetAnotherWay(id, R"({"version":1,"channel":"phone"})"), 400, "invalid_reason")
            ->getValue<std::string>("field") == "reason");
  CHECK(error(meetAnotherWay(id, R"({"channel":"phone","reason":"x"})"), 400, "invalid_edit")
            ->getValue<std::string>("field") == "version");
  CHECK(error(meetAnotherWay(id, R"({"version":1,"channel":"phone","reason":"x","extra":1})"), 400, "invalid_reason")
            ->getValue<std::string>("field") == "extra");
  error(meetAnotherWay(id, R"({"version":2,"channel":"phone","reason":"x"})"), 409, "stale_version");
  error(call("POST", "/api/v1/letters/" + id + "/met-another-way", daemon().manager,
             std::string(R"({"version":1,"channel":"phone","reason":"x"})")),
        403, "forbidden");
  Object::Ptr l = letter(id);
  CHECK(l->getValue<std::string>("state") == "blocked");
  CHECK(l->getValue<int>("version") == 1);
  CHECK(l->getArray("history")->size() == 1);
  CHECK(blockedMessage(l).find("into pl") != std::string::npos);
}

TEST_CASE("A Welsh letter is approved only with its Welsh reasons and Welsh free text", "[letters][welsh]") {
  nfaCase("52WN0700126", "wn7-v", R"(,"language":"cy")");
  Object::Ptr l = onlyLetterOf("52WN0700126");
  const std::string id = l->getValue<std::string>("id");
  CHECK(l->getValue<std::string>("language") == "cy");
  CHECK(blockedCodes(l) == std::vector<std::string>{"welsh_text"});
  CHECK(blockedMessage(l).find("reasons_cy") != std::string::npos);
  error(call("POST", "/api/v1/letters/" + id + "/approve", daemon().vlu2), 409, "letter_blocked");

  Object::Ptr e = ok(edit(id, daemon().vlu, 1,
                          R"("fields":{"reasons_cy":"Nid yw'r dystiolaeth yn ddigon i gyhuddo."},"free_text":"We can arrange a meeting in Welsh.")"));
  CHECK(blockedCodes(e) == std::vector<std::string>{"welsh_text"});  // the free text has no Welsh yet
  CHECK(blockedMessage(e).find("free_text_cy") != std::string::npos);
  CHECK(blockedMessage(e).find("reasons_cy") == std::string::npos);
  error(call("POST", "/api/v1/letters/" + id + "/approve", daemon().vlu2), 409, "letter_blocked");

  e = ok(edit(id, daemon().vlu, 2, R"("fields":{"free_text_cy":"Gallwn drefnu cyfarfod yn Gymraeg."})"));
  CHECK(e->getValue<std::string>("state") == "draft");
  const std::string text = e->getValue<std::string>("text");
  const auto english = text.find("Dear Mx Testcase,");
  CHECK(text.find("Gallwn drefnu cyfarfod yn Gymraeg.") < english);
  CHECK(text.find("Nid yw'r dystiolaeth yn ddigon i gyhuddo.") < english);
  CHECK(text.find("We can arrange a meeting in Welsh.") > english);  // only in the English half
  CHECK(text.find("Gwnaethom y penderfyniad hwn ar ddydd Iau 2 Ebrill 2026.") != std::string::npos);
  ok(call("POST", "/api/v1/letters/" + id + "/approve", daemon().vlu2));
}

TEST_CASE("A case in a Welsh Area is bilingual unless the victim stated a language", "[letters][welsh]") {
  nfaCase("52WN0800126", "wn8-v", "", "CPS Cymru-Wales");
  Object::Ptr l = onlyLetterOf("52WN0800126");
  CHECK(l->getValue<std::string>("language") == "cy");
  CHECK(letter(l->getValue<std::string>("id"))->getValue<std::string>("text").find("Annwyl Mx Testcase,") !=
        std::string::npos);
  nfaCase("52WN0900126", "wn9-v", R"(,"language":"en")", "CPS Cymru-Wales");
  CHECK(onlyLetterOf("52WN0900126")->getValue<std::string>("language") == "en");
  nfaCase("52WN1000126", "wn10-v", "", "CPS South West");
  CHECK(onlyLetterOf("52WN1000126")->getValue<std::string>("language") == "en");
  // The victim then states English: the open draft is re-rendered in English.
  post({jsonEvent("52WN0800126-e4", "victim.updated", "2026-04-03T09:00:00+01:00", "52WN0800126",
                  R"("victim_id":"wn8-v","language":"en")")});
  CHECK(onlyLetterOf("52WN0800126")->getValue<std::string>("language") == "en");
}

TEST_CASE("The queue's attention filter takes only its one value", "[letters][needs]") {
  Reply r = call("GET", "/api/v1/letters?attention=everything", daemon().vlu);
  CHECK(error(r, 400, "invalid_query")->getValue<std::string>("field") == "attention");
}
