// The v1.1 event fields of events.md (case.registered `deceased`, case.updated,
// vrr.decided `stage`/`reviewer`/`next_step`, vrr.extended, hearing kind s28,
// a family spokesperson making a victim bereaved), good and bad, through the
// real HTTP API: a bad one is a 400 naming the field, and nothing of its batch
// is stored. Clock fixed at Easter Monday, 6 April 2026. Ids start "rb-".

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

Reply postEvents(const std::vector<std::string>& events) {
  return call("POST", "/api/v1/events", daemon().ingest, batch(events));
}

void stored(const std::vector<std::string>& events) {
  Reply r = postEvents(events);
  INFO(r.body);
  REQUIRE(r.status == 200);
}

// A 400 invalid_event naming the index and field; returns the message.
std::string refused(const std::vector<std::string>& events, size_t index, const std::string& field) {
  Reply r = postEvents(events);
  INFO(r.status << ": " << r.body);
  REQUIRE(r.status == 400);
  Object::Ptr e = r.object()->getObject("error");
  REQUIRE(e);
  CHECK(e->getValue<std::string>("code") == "invalid_event");
  CHECK(e->getValue<int>("index") == static_cast<int>(index));
  CHECK(e->getValue<std::string>("field") == field);
  return e->getValue<std::string>("message");
}

const std::string kAt = "2026-04-02T15:20:00+01:00";

std::string caseRegistered(const std::string& urn, const std::string& offences, const std::string& extra = "") {
  return jsonEvent(urn + "-reg", "case.registered", "2026-03-30T09:00:00+01:00", urn,
                   R"("area":"CPS South West","offences":)" + offences + R"(,"prosecutor":{"name":"Ada Prosecutor"})" +
                       extra);
}

std::string victimRegistered(const std::string& urn, const std::string& victim, const std::string& extra = "") {
  return jsonEvent(victim + "-reg", "victim.registered", "2026-03-30T09:05:00+01:00", urn,
                   R"("victim_id":")" + victim + R"(","name":{"given":"Sam","family":"Example"},)"
                   R"("address":{"lines":["1 Example Street"],"postcode":"ZZ1 1AA"})" + extra);
}

std::string vrrRequested(const std::string& id, const std::string& urn, const std::string& victim) {
  return jsonEvent(id, "vrr.requested", kAt, urn, R"("victim_id":")" + victim + R"(")");
}

std::string vrrDecided(const std::string& id, const std::string& urn, const std::string& victim, const std::string& rest) {
  return jsonEvent(id, "vrr.decided", "2026-04-06T08:00:00+01:00", urn, R"("victim_id":")" + victim + R"(",)" + rest);
}

std::string vrrExtended(const std::string& id, const std::string& urn, const std::string& victim, const std::string& rest) {
  return jsonEvent(id, "vrr.extended", "2026-04-06T08:00:00+01:00", urn, R"("victim_id":")" + victim + R"(")" +
                                                                              (rest.empty() ? "" : "," + rest));
}

Object::Ptr caseOf(const std::string& urn) { return ok(call("GET", "/api/v1/cases/" + segment(urn), daemon().vlu)); }

size_t timelineSize(const std::string& urn) { return caseOf(urn)->getArray("timeline")->size(); }

Object::Ptr obligation(const std::string& id) {
  return ok(call("GET", "/api/v1/obligations/" + segment(id), daemon().vlu));
}

bool exists(const std::string& obligation_id) {
  return call("GET", "/api/v1/obligations/" + segment(obligation_id), daemon().vlu).status == 200;
}

}  // namespace

TEST_CASE("deceased on case.registered and case.updated is kept in the case details letters read", "[http][v11]") {
  const std::string urn = "52RB0100126";
  stored({caseRegistered(urn, R"(["homicide"])", R"(,"deceased":{"name":"Robin Example"})")});
  if (timelineSize(urn) == 1)  // the first run, before the update below is stored (sections run the test again)
    CHECK(caseOf(urn)->getObject("details")->getObject("deceased")->getValue<std::string>("name") == "Robin Example");

  stored({jsonEvent("rb-cu1", "case.updated", kAt, urn, R"("deceased":{"name":"Robin A. Example"})")});
  CHECK(caseOf(urn)->getObject("details")->getObject("deceased")->getValue<std::string>("name") == "Robin A. Example");

  const size_t before = timelineSize(urn);
  SECTION("bad deceased fields are refused, naming the field") {
    auto [rest, field] = GENERATE(table<std::string, std::string>({
        {R"("deceased":{})", "deceased.name"},
        {R"("deceased":{"name":""})", "deceased.name"},
        {R"("deceased":{"name":42})", "deceased.name"},
        {R"("deceased":"Robin Example")", "deceased"},
        {R"("deceased":{"name":")" + std::string(201, 'x') + R"("})", "deceased.name"},
        {"", "deceased"},  // case.updated carries nothing else yet
    }));
    CAPTURE(rest);
    refused({jsonEvent("rb-cu-bad", "case.updated", kAt, urn, rest)}, 0, field);
    CHECK(timelineSize(urn) == before);
    CHECK(caseOf(urn)->getObject("details")->getObject("deceased")->getValue<std::string>("name") == "Robin A. Example");
  }
  SECTION("case.registered with a bad deceased is refused and no case is made") {
    refused({caseRegistered("52RB0200126", R"(["homicide"])", R"(,"deceased":{"name":""})")}, 0, "deceased.name");
    CHECK(call("GET", "/api/v1/cases/52RB0200126", daemon().vlu).status == 404);
  }
  SECTION("case.updated for an unknown case is refused") {
    refused({jsonEvent("rb-cu-unknown", "case.updated", kAt, "52RB9999999", R"("deceased":{"name":"A"})")}, 0,
            "case_urn");
  }
}

TEST_CASE("vrr.decided carries stage, reviewer and next_step; next_step only for an overturned decision",
          "[http][v11]") {
  const std::string urn = "52RB0300126";
  stored({caseRegistered(urn, R"(["other"])"), victimRegistered(urn, "rb-v3"), vrrRequested("rb-vrr3", urn, "rb-v3")});
  const size_t before = timelineSize(urn);
  SECTION("bad fields are refused, naming the field, and nothing is stored") {
    auto [rest, field] = GENERATE(table<std::string, std::string>({
        {R"("outcome":"upheld","stage":"final")", "stage"},
        {R"("outcome":"upheld","reviewer":{"name":""})", "reviewer.name"},
        {R"("outcome":"upheld","reviewer":{})", "reviewer.name"},
        {R"("outcome":"upheld","reviewer":"Dee Reviewer")", "reviewer"},
        {R"("outcome":"upheld","reviewer":{"name":")" + std::string(201, 'r') + R"("})", "reviewer.name"},
        {R"("outcome":"overturned","next_step":"retrial")", "next_step"},
        {R"("outcome":"upheld","next_step":"charge")", "next_step"},
    }));
    CAPTURE(rest);
    const std::string message = refused({vrrDecided("rb-vd-bad", urn, "rb-v3", rest)}, 0, field);
    if (field == "next_step" && rest.find("upheld") != std::string::npos)
      CHECK_THAT(message, Catch::Contains("only when the outcome is overturned"));
    CHECK(timelineSize(urn) == before);
  }
  SECTION("a full independent review outcome is accepted as sent") {
    stored({vrrDecided("rb-vd3", urn, "rb-v3",
                       R"("outcome":"overturned","stage":"independent_review","reviewer":{"name":"Dee Reviewer"},)"
                       R"("next_step":"charge","reasons":"The evidence does support a charge.")")});
    CHECK(timelineSize(urn) == before + 1);
  }
  SECTION("absent stage, reviewer and next_step still work, as in v1") {
    stored({vrrDecided("rb-vd3b", urn, "rb-v3", R"("outcome":"upheld")")});
  }
}

TEST_CASE("vrr.extended: working_days 1 to 60 and reasons are required; an extension with no open review is a 400",
          "[http][v11]") {
  const std::string urn = "52RB0400126";
  stored({caseRegistered(urn, R"(["other"])"), victimRegistered(urn, "rb-v4"), victimRegistered(urn, "rb-v4b"),
          jsonEvent("rb-nfa4", "charging.decided", "2026-03-31T10:00:00+01:00", urn,
                    R"("decision":"no_further_action","reasons":"Not enough evidence.")"),
          vrrRequested("rb-vrr4", urn, "rb-v4")});
  const size_t before = timelineSize(urn);
  SECTION("bad fields are refused, naming the field, and nothing is stored") {
    auto [rest, field] = GENERATE(table<std::string, std::string>({
        {R"("reasons":"Waiting for a statement.")", "working_days"},
        {R"("working_days":0,"reasons":"Waiting for a statement.")", "working_days"},
        {R"("working_days":61,"reasons":"Waiting for a statement.")", "working_days"},
        {R"("working_days":"5","reasons":"Waiting for a statement.")", "working_days"},
        {R"("working_days":2.5,"reasons":"Waiting for a statement.")", "working_days"},
        {R"("working_days":true,"reasons":"Waiting for a statement.")", "working_days"},
        {R"("working_days":18446744073709551615,"reasons":"Waiting for a statement.")", "working_days"},
        {R"("working_days":-3,"reasons":"Waiting for a statement.")", "working_days"},
        {R"("working_days":5)", "reasons"},
        {R"("working_days":5,"reasons":"")", "reasons"},
        {R"("working_days":5,"reasons":"   \n ")", "reasons"},
    }));
    CAPTURE(rest);
    refused({vrrExtended("rb-ext-bad", urn, "rb-v4", rest)}, 0, field);
    CHECK(timelineSize(urn) == before);
    CHECK(obligation("VRR-OUT:rb-v4:rb-vrr4")->getValue<std::string>("due_by") == "2026-05-19");
  }
  SECTION("no victim_id is refused") {
    refused({jsonEvent("rb-ext-nov", "vrr.extended", kAt, urn, R"("working_days":5,"reasons":"R.")")}, 0, "victim_id");
  }
  SECTION("a victim who asked for no review has nothing to extend: 400, and nothing of the batch is stored") {
    const std::string message =
        refused({vrrExtended("rb-ext-ok-in-batch", urn, "rb-v4", R"("working_days":5,"reasons":"A statement.")"),
                 vrrExtended("rb-ext-none", urn, "rb-v4b", R"("working_days":5,"reasons":"A statement.")")},
                1, "victim_id");
    CHECK_THAT(message, Catch::Contains("rb-v4b has no open review to extend"));
    CHECK(timelineSize(urn) == before);
    CHECK(obligation("VRR-OUT:rb-v4:rb-vrr4")->getValue<std::string>("due_by") == "2026-05-19");
    CHECK_FALSE(exists("VRR-EXT:rb-v4:rb-ext-ok-in-batch"));
  }
  SECTION("a good one moves VRR-OUT and creates VRR-EXT") {
    stored({vrrExtended("rb-ext4", urn, "rb-v4", R"("working_days":10,"reasons":"We are waiting for a statement.")")});
    Object::Ptr out = obligation("VRR-OUT:rb-v4:rb-vrr4");
    CHECK(out->getValue<std::string>("due_by") == "2026-06-03");
    CHECK(out->getObject("extension")->getValue<std::string>("original_due_by") == "2026-05-19");
    CHECK(obligation("VRR-EXT:rb-v4:rb-ext4")->getValue<std::string>("due_by") == "2026-04-07");
    SECTION("and once the review is decided there is nothing left to extend") {
      stored({vrrDecided("rb-vd4", urn, "rb-v4", R"("outcome":"upheld","reasons":"The decision was right.")")});
      const std::string message =
          refused({vrrExtended("rb-ext4-late", urn, "rb-v4", R"("working_days":5,"reasons":"More time.")")}, 0,
                  "victim_id");
      CHECK_THAT(message, Catch::Contains("no open review"));
      CHECK(obligation("VRR-OUT:rb-v4:rb-vrr4")->getValue<std::string>("due_by") == "2026-06-03");
    }
  }
}

TEST_CASE("hearing.listed accepts kind s28; a family spokesperson on victim.registered makes the victim bereaved",
          "[http][v11]") {
  const std::string urn = "52RB0500126";
  stored({caseRegistered(urn, R"(["homicide"])", R"(,"deceased":{"name":"Robin Example"})"),
          victimRegistered(urn, "rb-v5-survivor"),
          victimRegistered(urn, "rb-v5-family",
                           R"(,"representative":{"relationship":"family_spokesperson","name":"Jo Example"})"),
          jsonEvent("rb-s28", "hearing.listed", kAt, urn, R"("kind":"s28","date":"2026-05-20","court":"Sample Court")"),
          jsonEvent("rb-verdict5", "verdict.recorded", kAt, urn, R"("outcome":"convicted")")});
  CHECK(exists("BRV-MEET:rb-v5-family:rb-verdict5"));
  CHECK_FALSE(exists("BRV-MEET:rb-v5-survivor:rb-verdict5"));
  refused({jsonEvent("rb-bad-kind", "hearing.listed", kAt, urn, R"("kind":"s29","date":"2026-05-20","court":"C")")}, 0,
          "kind");
}
