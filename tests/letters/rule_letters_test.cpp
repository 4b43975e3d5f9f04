// Letters for issue 14's rule changes, through the HTTP API of a real daemon:
// vrr.extended drafts the short VRR-EXT letter with VRR-OUT's new date and the
// reasons, and the ledger shows the extension, not a breach; a decision letter
// that carries the bereaved family meeting offer is the only letter drafted for
// that event, and sending it completes the offer. Ids start "rb-".

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

TestDaemon& shared() {
  static TestDaemon d;
  return d;
}

Reply call(TestDaemon& d, const std::string& method, const std::string& target, const std::string& token,
           const std::optional<std::string>& body = std::nullopt) {
  return httpRequest(d.port(), method, target, bearer(token), body);
}

void post(TestDaemon& d, const std::vector<std::string>& events) {
  Reply r = call(d, "POST", "/api/v1/events", d.ingest, batch(events));
  INFO(r.body);
  REQUIRE(r.status == 200);
}

std::string caseRegistered(const std::string& urn, const std::string& offences, const std::string& extra = "") {
  return jsonEvent(urn + "-reg", "case.registered", "2026-03-30T09:00:00+01:00", urn,
                   R"("area":"CPS South West","offences":)" + offences + R"(,"prosecutor":{"name":"Ada Prosecutor"})" +
                       extra);
}

std::string victimRegistered(const std::string& urn, const std::string& victim, const std::string& extra = "") {
  return jsonEvent(victim + "-reg", "victim.registered", "2026-03-30T09:05:00+01:00", urn,
                   R"("victim_id":")" + victim + R"(","title":"Mx","name":{"given":"Sam","family":"Example"},)"
                   R"("address":{"lines":["1 Example Street","Sampleford"],"postcode":"ZZ1 1AA"})" + extra);
}

Array::Ptr lettersOf(TestDaemon& d, const std::string& urn) {
  return ok(call(d, "GET", "/api/v1/letters?state=all&case_urn=" + urn, d.vlu))->getArray("items");
}

Object::Ptr letterOfKind(TestDaemon& d, const std::string& urn, const std::string& kind) {
  Array::Ptr items = lettersOf(d, urn);
  for (size_t i = 0; i < items->size(); ++i)
    if (items->getObject(static_cast<unsigned>(i))->getValue<std::string>("kind") == kind)
      return ok(call(d, "GET", "/api/v1/letters/" + items->getObject(static_cast<unsigned>(i))->getValue<std::string>("id"),
                     d.vlu));
  return nullptr;
}

Object::Ptr obligation(TestDaemon& d, const std::string& id) {
  return ok(call(d, "GET", "/api/v1/obligations/" + segment(id), d.vlu));
}

Object::Ptr findBy(const Array::Ptr& items, const std::string& key, const std::string& value) {
  for (size_t i = 0; i < items->size(); ++i) {
    Object::Ptr o = items->getObject(static_cast<unsigned>(i));
    if (o->has(key) && !o->isNull(key) && o->getValue<std::string>(key) == value) return o;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("vrr.extended drafts a short letter with the review's new date and why; the ledger shows an extension, "
          "not a breach",
          "[letters][vrr]") {
  TestDaemon d;  // its own: the clock moves past the old due date
  const std::string urn = "52RB1100126";
  const std::string reasons = "The reviewing prosecutor has asked the police for a statement that was not in the file.";
  post(d, {caseRegistered(urn, R"(["other"])"), victimRegistered(urn, "rb-v11"),
           jsonEvent("rb-nfa11", "charging.decided", "2026-03-31T10:00:00+01:00", urn,
                     R"("decision":"no_further_action","reasons":"There is not enough evidence.")"),
           jsonEvent("rb-vrr11", "vrr.requested", "2026-04-02T15:20:00+01:00", urn, R"("victim_id":"rb-v11")")});
  CHECK(obligation(d, "VRR-OUT:rb-v11:rb-vrr11")->getValue<std::string>("due_by") == "2026-05-19");
  CHECK_FALSE(letterOfKind(d, urn, "vrr_extension"));

  post(d, {jsonEvent("rb-ext11", "vrr.extended", "2026-04-06T08:00:00+01:00", urn,
                     R"("victim_id":"rb-v11","working_days":10,"reasons":")" + reasons + R"(")")});

  // The obligation: moved by 10 working days (over the Spring bank holiday), the move kept with its reasons.
  Object::Ptr out = obligation(d, "VRR-OUT:rb-v11:rb-vrr11");
  CHECK(out->getValue<std::string>("due_by") == "2026-06-03");
  Object::Ptr extension = out->getObject("extension");
  REQUIRE(extension);
  CHECK(extension->getValue<int>("working_days") == 10);
  CHECK(extension->getValue<std::string>("original_due_by") == "2026-05-19");
  Array::Ptr changes = out->getArray("changes");
  REQUIRE(changes->size() == 1);
  CHECK(changes->getObject(0)->getValue<std::string>("why") == "extended: " + reasons);
  CHECK(changes->getObject(0)->getValue<std::string>("event_id") == "rb-ext11");
  CHECK(changes->getObject(0)->getValue<std::string>("to_due_by") == "2026-06-03");

  // The letter: drafted at once, nothing missing, with the new date and the reasons.
  Object::Ptr letter = letterOfKind(d, urn, "vrr_extension");
  REQUIRE(letter);
  CHECK(letter->getValue<std::string>("obligation_id") == "VRR-EXT:rb-v11:rb-ext11");
  CHECK(letter->getValue<std::string>("state") == "draft");
  CHECK(letter->getValue<std::string>("due_by") == "2026-04-07");
  const std::string text = letter->getValue<std::string>("text");
  CHECK_THAT(text, Catch::Contains("We now aim to tell you the outcome by Wednesday 3 June 2026.") &&
                       Catch::Contains(reasons) && Catch::Contains("Dear Mx Example,"));

  // 26 May: the old date (19 May) has passed, the new one (3 June) has not. Pending, not breached.
  d.setNow("2026-05-26T09:00:00+01:00");
  d.services.ledger.sweep();
  out = obligation(d, "VRR-OUT:rb-v11:rb-vrr11");
  CHECK(out->getValue<std::string>("status") == "pending");
  CHECK(out->isNull("breach_detected_at"));
  Object::Ptr report = ok(call(d, "GET", "/api/v1/compliance?from=2026-05-01&to=2026-06-30", d.manager));
  CHECK_FALSE(findBy(report->getArray("misses"), "obligation_id", "VRR-OUT:rb-v11:rb-vrr11"));
  Object::Ptr listed = findBy(report->getArray("extensions"), "obligation_id", "VRR-OUT:rb-v11:rb-vrr11");
  REQUIRE(listed);
  CHECK(listed->getValue<std::string>("original_due_by") == "2026-05-19");
  CHECK(listed->getValue<std::string>("due_by") == "2026-06-03");
  CHECK(listed->getValue<int>("extended_working_days") == 10);
  CHECK(listed->getValue<std::string>("outcome") == "pending");
  Object::Ptr service = report->getArray("sections")->getObject(1);
  REQUIRE(service->getValue<std::string>("basis") == "service_standard");
  Object::Ptr group = findBy(service->getArray("groups"), "key", "VRR-OUT");
  REQUIRE(group);
  CHECK(group->getValue<int>("extended") == 1);
  CHECK(group->getObject("counts")->getValue<int>("breached") == 0);
}

TEST_CASE("the decision letter carries the bereaved family meeting offer: no second letter, and sending it "
          "completes the offer",
          "[letters][bereaved]") {
  TestDaemon& d = shared();
  const std::string urn = "52RB1200126";
  post(d, {caseRegistered(urn, R"(["homicide"])", R"(,"deceased":{"name":"Robin Example"})"),
           victimRegistered(urn, "rb-v12",
                            R"(,"representative":{"relationship":"family_spokesperson","name":"Jo Example",)"
                            R"("address":{"lines":["2 Example Street","Sampleford"],"postcode":"ZZ1 1AB"}})"),
           jsonEvent("rb-nfa12", "charging.decided", "2026-04-02T15:20:00+01:00", urn,
                     R"("decision":"no_further_action","reasons":"There is not enough evidence to charge anyone.")")});
  Object::Ptr brv = obligation(d, "BRV-MEET:rb-v12:rb-nfa12");
  CHECK(brv->getValue<std::string>("carried_by") == "VCL-NFA:rb-v12:rb-nfa12");
  Array::Ptr letters = lettersOf(d, urn);
  REQUIRE(letters->size() == 1);  // the NFA letter only
  const std::string id = letters->getObject(0)->getValue<std::string>("id");
  CHECK(letters->getObject(0)->getValue<std::string>("kind") == "decision_not_to_prosecute");

  ok(call(d, "POST", "/api/v1/letters/" + id + "/approve", d.vlu));
  CHECK(d.services.outbox.sendDue() >= 1);
  CHECK(obligation(d, "VCL-NFA:rb-v12:rb-nfa12")->getValue<std::string>("status") == "met");
  brv = obligation(d, "BRV-MEET:rb-v12:rb-nfa12");
  CHECK(brv->getValue<std::string>("status") == "met");
  CHECK(brv->getValue<std::string>("completed_by_event") == "sys:letter-sent:" + id);
  CHECK(lettersOf(d, urn)->size() == 1);

  // A charge has no decision letter of its own here: its offer gets its own letter.
  post(d, {jsonEvent("rb-charge12", "charging.decided", "2026-04-06T08:30:00+01:00", urn, R"("decision":"charge")")});
  CHECK(obligation(d, "BRV-MEET:rb-v12:rb-charge12")->isNull("carried_by"));
  CHECK(letterOfKind(d, urn, "bereaved_family_meeting"));
}
