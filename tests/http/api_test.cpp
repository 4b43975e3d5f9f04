// The HTTP API (api.md) end to end: the real server on a loopback ephemeral
// port, a real SQLite file in a fresh temporary directory, the real rule book
// and calendar, and a clock fixed at 2026-04-06T09:00:00+01:00 (Easter Monday).
// One server serves the whole binary; every test uses its own case URNs,
// victim ids and event ids, so the tests do not depend on one another.

#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <Poco/Dynamic/Var.h>
#include <Poco/File.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include "storage/sqlite_connection.h"
#include "app/users.h"
#include "support/test_daemon.h"
#include "domain/calendar.h"
#include "domain/clock.h"
#include "domain/date.h"
#include "domain/engine.h"
#include "domain/rules.h"
#include "http/api.h"
#include "http/router.h"
#include "http/server.h"
#include "ingest/ingestor.h"
#include "loading/policy_files.h"
#include "storage/database.h"
#include "storage/store.h"

using namespace vc;  // NOLINT

namespace {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

constexpr size_t kMaxBodyBytes = 64 * 1024;    // testing::DaemonOptions defaults
constexpr size_t kMaxEventsPerRequest = 50;

using testing::Reply;
using testing::TestDaemon;
using TestServer = TestDaemon;
using testing::bearer;
using testing::batch;
using testing::segment;

// One daemon serves the whole binary (clock fixed at Easter Monday 2026).
TestServer& fixture() {
  static TestServer s;
  return s;
}

Reply request(const std::string& method, const std::string& target, const std::string& authorization,
              const std::optional<std::string>& body = std::nullopt,
              const std::string& content_type = "application/json") {
  return testing::httpRequest(fixture().port(), method, target, authorization, body, content_type);
}

// A POST whose headers declare a body of `length` bytes that is never sent.
Reply postHeadersOnly(const std::string& token, size_t length) {
  Poco::Net::HTTPClientSession session("127.0.0.1", fixture().port());
  session.setTimeout(Poco::Timespan(10, 0));
  Poco::Net::HTTPRequest req("POST", "/api/v1/events", Poco::Net::HTTPMessage::HTTP_1_1);
  req.set("Authorization", bearer(token));
  req.setContentType("application/json");
  req.setContentLength(static_cast<std::streamsize>(length));
  session.sendRequest(req);
  Poco::Net::HTTPResponse res;
  std::istream& in = session.receiveResponse(res);
  Reply r;
  r.status = static_cast<int>(res.getStatus());
  r.content_type = res.getContentType();
  Poco::StreamCopier::copyToString(in, r.body);
  return r;
}

Reply get(const std::string& target, const std::string& token) { return request("GET", target, bearer(token)); }

Reply post(const std::string& target, const std::string& token, const std::string& body,
           const std::string& content_type = "application/json") {
  return request("POST", target, bearer(token), body, content_type);
}

Reply postEvents(const std::string& token, const std::string& body) { return post("/api/v1/events", token, body); }

std::string obligationsQuery(const std::vector<std::pair<std::string, std::string>>& params) {
  Poco::URI uri("/api/v1/obligations");
  for (const auto& [k, v] : params) uri.addQueryParameter(k, v);
  return uri.getPathAndQuery();
}

// The one error shape: {"error": {"code": string, "message": string, index?, field?, correlation_id?}}
// with Content-Type application/json. Returns the inner object.
Object::Ptr requireError(const Reply& r, int status, const std::string& code) {
  INFO("HTTP " << r.status << ": " << r.body);
  REQUIRE(r.status == status);
  CHECK(r.content_type == "application/json");
  Object::Ptr outer;
  REQUIRE_NOTHROW(outer = r.object());
  REQUIRE(outer->size() == 1);
  REQUIRE(outer->has("error"));
  REQUIRE(outer->get("error").type() == typeid(Object::Ptr));
  Object::Ptr e = outer->getObject("error");
  REQUIRE(e->has("code"));
  REQUIRE(e->get("code").isString());
  REQUIRE(e->has("message"));
  REQUIRE(e->get("message").isString());
  CHECK_FALSE(e->getValue<std::string>("message").empty());
  static const std::set<std::string> kAllowed = {"code", "message", "index", "field", "correlation_id"};
  for (const auto& name : e->getNames()) {
    INFO("error member " << name);
    CHECK(kAllowed.count(name) == 1);
  }
  CHECK(e->getValue<std::string>("code") == code);
  return e;
}

// For setup that a SECTION re-runs: the batch is stored, now or by an earlier run.
void requireStored(const Reply& r, int events) {
  INFO("HTTP " << r.status << ": " << r.body);
  REQUIRE(r.status == 200);
  Object::Ptr o = r.object();
  const int accepted = o->getValue<int>("accepted");
  CHECK(((accepted == events && o->getValue<int>("duplicates") == 0) ||
         (accepted == 0 && o->getValue<int>("duplicates") == events)));
}

void requireAccepted(const Reply& r, int accepted, int duplicates) {
  INFO("HTTP " << r.status << ": " << r.body);
  REQUIRE(r.status == 200);
  CHECK(r.content_type == "application/json");
  Object::Ptr o = r.object();
  CHECK(o->getValue<int>("accepted") == accepted);
  CHECK(o->getValue<int>("duplicates") == duplicates);
}

// ---- events -----------------------------------------------------------------

std::string caseRegistered(const std::string& id, const std::string& urn, const std::string& area = "CPS South West",
                           const std::string& offences = R"(["rape"])",
                           const std::string& at = "2026-03-30T09:00:00+01:00") {
  return R"({"id":")" + id + R"(","type":"case.registered","occurred_at":")" + at + R"(","case_urn":")" + urn +
         R"(","area":")" + area + R"(","offences":)" + offences + R"(,"prosecutor":{"name":"A. Khan"}})";
}

std::string victimRegistered(const std::string& id, const std::string& urn, const std::string& victim,
                             const std::string& extra = "", const std::string& at = "2026-03-30T09:05:00+01:00") {
  return R"({"id":")" + id + R"(","type":"victim.registered","occurred_at":")" + at + R"(","case_urn":")" + urn +
         R"(","victim_id":")" + victim + R"(","name":{"given":"Alex","family":"Test"})" + extra + "}";
}

std::string victimUpdated(const std::string& id, const std::string& urn, const std::string& victim,
                          const std::string& extra, const std::string& at) {
  return R"({"id":")" + id + R"(","type":"victim.updated","occurred_at":")" + at + R"(","case_urn":")" + urn +
         R"(","victim_id":")" + victim + R"(")" + extra + "}";
}

std::string noFurtherAction(const std::string& id, const std::string& urn, const std::string& at) {
  return R"({"id":")" + id + R"(","type":"charging.decided","occurred_at":")" + at + R"(","case_urn":")" + urn +
         R"(","decision":"no_further_action","reasons":"insufficient evidence"})";
}

// The example in events.md, verbatim.
const std::string kExample = R"([
 {"id":"e1","type":"case.registered","occurred_at":"2026-03-30T09:00:00+01:00","case_urn":"52SW0100126",
  "area":"CPS South West","offences":["rape"],"prosecutor":{"name":"A. Khan"}},
 {"id":"e2","type":"victim.registered","occurred_at":"2026-03-30T09:05:00+01:00","case_urn":"52SW0100126",
  "victim_id":"v1","name":{"given":"Sam","family":"Jones"},"date_of_birth":"1990-05-01",
  "address":{"lines":["1 High St","Bristol"],"postcode":"BS1 1AA"},"language":"en"},
 {"id":"e3","type":"charging.decided","occurred_at":"2026-04-02T15:20:00+01:00","case_urn":"52SW0100126",
  "decision":"no_further_action","reasons":"..."}
])";

// One valid case.registered padded past the 64 KiB body limit (~100 KiB).
std::string oversizedBody(const std::string& id, const std::string& urn) {
  return R"([{"id":")" + id + R"(","type":"case.registered","occurred_at":"2026-03-30T09:00:00+01:00",)"
         R"("case_urn":")" + urn + R"(","area":"CPS South West","offences":["rape"],"note":")" +
         std::string(100 * 1024, 'x') + R"("}])";
}

// ---- reading results --------------------------------------------------------

Object::Ptr findBy(const Array::Ptr& items, const std::string& key, const std::string& value) {
  for (size_t i = 0; i < items->size(); ++i) {
    Object::Ptr o = items->getObject(static_cast<unsigned>(i));
    if (o && o->has(key) && !o->isNull(key) && o->getValue<std::string>(key) == value) return o;
  }
  return nullptr;
}

bool hasReason(const Array::Ptr& reasons, const std::string& category, const std::string& code = "") {
  for (size_t i = 0; i < reasons->size(); ++i) {
    Object::Ptr r = reasons->getObject(static_cast<unsigned>(i));
    if (r->getValue<std::string>("category") == category && (code.empty() || r->getValue<std::string>("code") == code))
      return true;
  }
  return false;
}

Object::Ptr getOk(const std::string& target, const std::string& token) {
  Reply r = get(target, token);
  INFO("GET " << target << " -> " << r.status << ": " << r.body);
  REQUIRE(r.status == 200);
  CHECK(r.content_type == "application/json");
  return r.object();
}

Object::Ptr obligation(const std::string& id, const std::string& token) {
  return getOk("/api/v1/obligations/" + segment(id), token);
}

std::vector<std::string> idsOf(const Array::Ptr& items) {
  std::vector<std::string> ids;
  for (size_t i = 0; i < items->size(); ++i) ids.push_back(items->getObject(static_cast<unsigned>(i))->getValue<std::string>("id"));
  return ids;
}

}  // namespace

// ---- health -----------------------------------------------------------------

TEST_CASE("The health check answers ok without credentials", "[http]") {
  Reply r = request("GET", "/healthz", "");
  REQUIRE(r.status == 200);
  CHECK(r.content_type == "application/json");
  Object::Ptr o = r.object();
  CHECK(o->size() == 1);
  CHECK(o->getValue<std::string>("status") == "ok");
}

// ---- ingest -----------------------------------------------------------------

TEST_CASE("The events.md example is accepted and makes v1 enhanced with VCL-NFA due on 7 April", "[http]") {
  TestServer& s = fixture();
  requireAccepted(postEvents(s.ingest, kExample), 3, 0);

  Object::Ptr victim = getOk("/api/v1/victims/v1", s.vlu);
  CHECK(victim->getValue<std::string>("victim_id") == "v1");
  CHECK(victim->getValue<std::string>("case_urn") == "52SW0100126");
  CHECK(victim->getObject("profile")->getObject("name")->getValue<std::string>("family") == "Jones");
  CHECK(victim->getObject("case")->getValue<std::string>("area") == "CPS South West");
  CHECK(victim->getArray("timeline")->size() == 3);

  Object::Ptr entitlement = victim->getObject("entitlement");
  CHECK(entitlement->getValue<bool>("enhanced"));
  Array::Ptr reasons = entitlement->getArray("reasons");
  CHECK(hasReason(reasons, "most_serious_crime"));
  CHECK(hasReason(reasons, "intimidated", "sexual_offence_complainant"));

  Object::Ptr nfa = findBy(victim->getArray("obligations"), "rule", "VCL-NFA");
  REQUIRE(nfa);
  CHECK(nfa->getValue<std::string>("due_by") == "2026-04-07");
  CHECK(nfa->getValue<std::string>("tier") == "enhanced");
  CHECK(nfa->getValue<std::string>("status") == "pending");
  CHECK(nfa->getValue<std::string>("trigger_event") == "e3");
  const std::string id = nfa->getValue<std::string>("id");
  REQUIRE(id.find(':') != std::string::npos);

  Object::Ptr one = obligation(id, s.vlu);
  CHECK(one->getValue<std::string>("id") == id);
  CHECK(one->getValue<std::string>("due_by") == "2026-04-07");
  Object::Ptr x = one->getObject("explanation");
  REQUIRE(x);
  CHECK(x->getValue<std::string>("due_by") == "2026-04-07");
  Array::Ptr skipped = x->getArray("days_skipped");
  REQUIRE(skipped);
  Object::Ptr good_friday = findBy(skipped, "date", "2026-04-03");
  Object::Ptr easter_monday = findBy(skipped, "date", "2026-04-06");
  REQUIRE(good_friday);
  REQUIRE(easter_monday);
  CHECK_THAT(good_friday->getValue<std::string>("why"), Catch::Contains("Good Friday"));
  CHECK_THAT(easter_monday->getValue<std::string>("why"), Catch::Contains("Easter Monday"));
  CHECK_THAT(x->getValue<std::string>("text"), Catch::Contains("Good Friday"));
}

TEST_CASE("Posting the same batch again reports every event as a duplicate", "[http]") {
  TestServer& s = fixture();
  const std::string events = batch({caseRegistered("dup-e1", "52DU0100126"),
                                    victimRegistered("dup-e2", "52DU0100126", "dup-v1"),
                                    noFurtherAction("dup-e3", "52DU0100126", "2026-04-02T15:20:00+01:00")});
  requireAccepted(postEvents(s.ingest, events), 3, 0);
  requireAccepted(postEvents(s.ingest, events), 0, 3);

  // A batch mixing old and new events stores only the new ones.
  requireAccepted(postEvents(s.ingest, batch({caseRegistered("dup-e1", "52DU0100126"),
                                              victimRegistered("dup-e4", "52DU0100126", "dup-v2")})),
                  1, 1);
  Object::Ptr c = getOk("/api/v1/cases/52DU0100126", s.vlu);
  CHECK(c->getArray("timeline")->size() == 4);
  CHECK(c->getArray("victims")->size() == 2);
}

// Hidden until fixed: see the report (src/http/api.cpp parses with key order kept,
// so the "canonical" JSON of an event depends on the sender's key order).
TEST_CASE("The same event with its keys in another order is a duplicate, not a conflict", "[http]") {
  TestServer& s = fixture();
  requireStored(postEvents(s.ingest, batch({caseRegistered("ko-e1", "52KO0100126"),
                                            noFurtherAction("ko-e2", "52KO0100126", "2026-04-02T15:20:00+01:00")})),
                2);
  const std::string reordered =
      R"({"case_urn":"52KO0100126","decision":"no_further_action","id":"ko-e2","occurred_at":"2026-04-02T15:20:00+01:00",)"
      R"("reasons":"insufficient evidence","type":"charging.decided"})";
  requireAccepted(postEvents(s.ingest, reordered), 0, 1);
}

// Hidden until fixed: case URNs may contain '/' (events.md), but the server
// decodes the whole path before splitting it into segments.
TEST_CASE("A case whose URN contains a slash can be read with the slash percent-encoded", "[http]") {
  TestServer& s = fixture();
  requireStored(postEvents(s.ingest, caseRegistered("sl-e1", "52/SL/0100126")), 1);
  Object::Ptr c = getOk("/api/v1/cases/" + segment("52/SL/0100126"), s.vlu);
  CHECK(c->getValue<std::string>("case_urn") == "52/SL/0100126");
}

TEST_CASE("An event id resent with different content is a conflict and nothing of its batch is stored", "[http]") {
  TestServer& s = fixture();
  requireAccepted(postEvents(s.ingest, caseRegistered("cf-e1", "52CF0100126")), 1, 0);

  const std::string fresh = caseRegistered("cf-e2", "52CF0200126");
  const std::string changed = caseRegistered("cf-e1", "52CF0100126", "CPS Wessex");
  Object::Ptr e = requireError(postEvents(s.ingest, batch({fresh, changed})), 409, "conflict");
  CHECK(e->getValue<int>("index") == 1);
  CHECK(e->getValue<std::string>("field") == "id");

  requireError(get("/api/v1/cases/52CF0200126", s.vlu), 404, "not_found");
  CHECK(getOk("/api/v1/cases/52CF0100126", s.vlu)->getValue<std::string>("area") == "CPS South West");
  // The valid event of the rejected batch was not stored (not even as a duplicate).
  requireAccepted(postEvents(s.ingest, fresh), 1, 0);
}

TEST_CASE("A batch with one invalid event is rejected whole", "[http]") {
  TestServer& s = fixture();
  const std::string bad = R"({"id":"at-e2","type":"victim.registered","occurred_at":"2 April 2026",)"
                          R"("case_urn":"52AT0100126","victim_id":"at-v1","name":{"given":"A","family":"B"}})";
  Object::Ptr e =
      requireError(postEvents(s.ingest, batch({caseRegistered("at-e1", "52AT0100126"), bad})), 400, "invalid_event");
  CHECK(e->getValue<int>("index") == 1);
  CHECK(e->getValue<std::string>("field") == "occurred_at");
  CHECK_THAT(e->getValue<std::string>("message"), Catch::StartsWith("events[1].occurred_at"));
  requireError(get("/api/v1/cases/52AT0100126", s.vlu), 404, "not_found");
}

TEST_CASE("Events naming an unknown case, victim or type, or missing a field, are rejected naming the field",
          "[http]") {
  TestServer& s = fixture();
  requireAccepted(postEvents(s.ingest, caseRegistered("uk-e1", "52UK0100126")), 1, 0);

  auto field = [&](const std::string& body, int index) {
    Object::Ptr e = requireError(postEvents(s.ingest, body), 400, "invalid_event");
    CHECK(e->getValue<int>("index") == index);
    return e->getValue<std::string>("field");
  };
  CHECK(field(noFurtherAction("uk-e2", "52UK9999999", "2026-04-02T15:20:00+01:00"), 0) == "case_urn");
  CHECK(field(batch({victimRegistered("uk-e3", "52UK0100126", "uk-v1"),
                     victimUpdated("uk-e4", "52UK0100126", "uk-nobody", R"(,"flags":["intimidated"])",
                                   "2026-04-01T10:00:00+01:00")}),
              1) == "victim_id");
  CHECK(field(R"({"id":"uk-e5","type":"case.exploded","occurred_at":"2026-04-01T10:00:00+01:00","case_urn":"52UK0100126"})",
              0) == "type");
  CHECK(field(R"({"id":"uk-e6","type":"case.registered","occurred_at":"2026-04-01T10:00:00+01:00",)"
              R"("case_urn":"52UK0200126","offences":["rape"]})",
              0) == "area");
  CHECK(field(R"({"id":"uk-e7","type":"charging.decided","occurred_at":"2026-04-01T10:00:00+01:00","case_urn":"52UK0100126"})",
              0) == "decision");
  CHECK(field(R"({"type":"charging.decided","occurred_at":"2026-04-01T10:00:00+01:00","case_urn":"52UK0100126",)"
              R"("decision":"charge"})",
              0) == "id");
  // None of those stored anything: uk-v1 (valid, in a rejected batch) is still unknown.
  requireError(get("/api/v1/victims/uk-v1", s.vlu), 404, "not_found");
  CHECK(getOk("/api/v1/cases/52UK0100126", s.vlu)->getArray("timeline")->size() == 1);
}

// ---- authentication and roles ----------------------------------------------

TEST_CASE("Requests without a valid bearer token get 401 with a WWW-Authenticate challenge", "[http]") {
  const std::string body = caseRegistered("au-e1", "52AU0100126");
  for (const std::string& authorization :
       {std::string(), std::string("Bearer vc_000000000000000000000000000000000000000000000000"),
        std::string("Bearer "), std::string("Basic dXNlcjpwYXNz"), bearer(fixture().vlu) + "x"}) {
    INFO("Authorization: " << authorization);
    Reply read = request("GET", "/api/v1/victims/v1", authorization);
    requireError(read, 401, "unauthenticated");
    CHECK_THAT(read.www_authenticate, Catch::StartsWith("Bearer"));
    Reply write = request("POST", "/api/v1/events", authorization, body);
    requireError(write, 401, "unauthenticated");
    CHECK_THAT(write.www_authenticate, Catch::StartsWith("Bearer"));
  }
  requireError(get("/api/v1/cases/52AU0100126", fixture().vlu), 404, "not_found");
}

TEST_CASE("Roles are enforced: vlu may not post events, ingest and isva may not read victims, admin may do both",
          "[http]") {
  TestServer& s = fixture();
  const std::string events = batch({caseRegistered("rl-e1", "52RL0100126"), victimRegistered("rl-e2", "52RL0100126", "rl-v1")});
  for (const std::string* token : {&s.vlu, &s.manager, &s.isva}) {
    Reply r = postEvents(*token, events);
    requireError(r, 403, "forbidden");
    CHECK(r.www_authenticate.empty());
  }
  requireError(get("/api/v1/cases/52RL0100126", s.vlu), 404, "not_found");

  requireAccepted(postEvents(s.admin, events), 2, 0);
  requireError(get("/api/v1/victims/rl-v1", s.ingest), 403, "forbidden");
  requireError(get("/api/v1/victims/rl-v1", s.isva), 403, "forbidden");
  requireError(get("/api/v1/obligations", s.ingest), 403, "forbidden");
  CHECK(getOk("/api/v1/victims/rl-v1", s.admin)->getValue<std::string>("victim_id") == "rl-v1");
  CHECK(getOk("/api/v1/victims/rl-v1", s.manager)->getValue<std::string>("victim_id") == "rl-v1");
  CHECK(getOk("/api/v1/victims/rl-v1", s.vlu)->getValue<std::string>("victim_id") == "rl-v1");
}

// ---- not found, method, size, media type ------------------------------------

TEST_CASE("Unknown victims, cases, obligations and paths are 404 and a wrong method is 405", "[http]") {
  TestServer& s = fixture();
  requireError(get("/api/v1/victims/nf-nobody", s.vlu), 404, "not_found");
  requireError(get("/api/v1/cases/52NF0000000", s.vlu), 404, "not_found");
  requireError(get("/api/v1/obligations/" + segment("VCL-NFA:nf-nobody:nf-e1"), s.vlu), 404, "not_found");
  requireError(get("/api/v1/nothing-here", s.vlu), 404, "not_found");
  // Outside /api/ a path is a web page's: someone following a broken link gets a page, not JSON.
  const Reply page = request("GET", "/nothing-here", "");
  CHECK(page.status == 404);
  CHECK(page.content_type == "text/html; charset=utf-8");
  CHECK(page.body.find("Page not found") != std::string::npos);
  requireError(request("DELETE", "/api/v1/events", bearer(s.ingest)), 405, "method_not_allowed");
  requireError(request("DELETE", "/api/v1/events", bearer(s.admin)), 405, "method_not_allowed");
  requireError(request("POST", "/api/v1/victims/v1", bearer(s.vlu), std::string("{}")), 405, "method_not_allowed");
}

TEST_CASE("A body over the size limit and a batch over the event limit are 413 and store nothing", "[http]") {
  TestServer& s = fixture();
  // The body is declared (Content-Length: ~100 KiB) but held back until the
  // answer comes, as a client sending "Expect: 100-continue" would: the server
  // answers from the header alone, within its one-second drain. (A client that
  // sends the whole body is covered by the test below.)
  const std::string big = oversizedBody("tl-e1", "52TL0100126");
  REQUIRE(big.size() > kMaxBodyBytes);
  requireError(postHeadersOnly(s.ingest, big.size()), 413, "payload_too_large");
  requireError(get("/api/v1/cases/52TL0100126", s.vlu), 404, "not_found");

  auto events = [](size_t n) {
    std::vector<std::string> v;
    for (size_t i = 0; i < n; ++i) {
      char urn[32];
      std::snprintf(urn, sizeof urn, "52TM%07zu", i);
      v.push_back(caseRegistered("tm-e" + std::to_string(i), urn));
    }
    return batch(v);
  };
  const std::string too_many = events(kMaxEventsPerRequest + 1);
  REQUIRE(too_many.size() < kMaxBodyBytes);  // rejected for its count, not its size
  requireError(postEvents(s.ingest, too_many), 413, "too_many_events");
  requireError(get("/api/v1/cases/52TM0000000", s.vlu), 404, "not_found");
  requireAccepted(postEvents(s.ingest, events(kMaxEventsPerRequest)), kMaxEventsPerRequest, 0);
}

// Hidden until fixed: the server answers 413 without reading the rest of the
// body and then closes the connection with data unread, so the kernel sends a
// reset and the client often never sees the 413 (about 1 in 6 on loopback).
TEST_CASE("A client that sends a whole oversized body always receives the 413", "[http]") {
  TestServer& s = fixture();
  const std::string big = oversizedBody("tb-e1", "52TB0100126");
  for (int i = 0; i < 30; ++i) {
    INFO("attempt " << i);
    Reply r;
    REQUIRE_NOTHROW(r = postEvents(s.ingest, big));
    requireError(r, 413, "payload_too_large");
  }
}

TEST_CASE("Events must be sent as JSON: other media types are 415 and malformed JSON is 400", "[http]") {
  TestServer& s = fixture();
  const std::string event = caseRegistered("mt-e1", "52MT0100126");
  requireError(post("/api/v1/events", s.ingest, event, "text/plain"), 415, "unsupported_media_type");
  requireError(get("/api/v1/cases/52MT0100126", s.vlu), 404, "not_found");
  requireError(post("/api/v1/events", s.ingest, R"([{"id":"mt-e2",)"), 400, "invalid_json");
  requireError(post("/api/v1/events", s.ingest, "[]"), 400, "invalid_event");
  Object::Ptr e = requireError(post("/api/v1/events", s.ingest, "[42]"), 400, "invalid_event");
  CHECK(e->getValue<int>("index") == 0);
  requireAccepted(post("/api/v1/events", s.ingest, event, "application/json; charset=utf-8"), 1, 0);
}

TEST_CASE("Every error response has the one JSON error shape", "[http]") {
  TestServer& s = fixture();
  struct Case {
    std::string method, target, authorization;
    std::optional<std::string> body;
    std::string content_type;
    int status;
    std::string code;
  };
  const std::vector<Case> cases = {
      {"GET", "/api/v1/victims/v1", "", std::nullopt, "", 401, "unauthenticated"},
      {"GET", "/api/v1/victims/v1", bearer("nope"), std::nullopt, "", 401, "unauthenticated"},
      {"GET", "/api/v1/victims/v1", bearer(s.ingest), std::nullopt, "", 403, "forbidden"},
      {"GET", "/api/v1/victims/sh-nobody", bearer(s.vlu), std::nullopt, "", 404, "not_found"},
      {"GET", "/api/v1/obligations?limit=0", bearer(s.vlu), std::nullopt, "", 400, "invalid_query"},
      {"PUT", "/healthz", "", std::string("{}"), "application/json", 405, "method_not_allowed"},
      {"POST", "/api/v1/events", bearer(s.ingest), std::string("nope"), "application/json", 400, "invalid_json"},
      {"POST", "/api/v1/events", bearer(s.ingest), std::string("{}"), "text/csv", 415, "unsupported_media_type"},
      {"POST", "/api/v1/events", bearer(s.ingest), std::string("{}"), "application/json", 400, "invalid_event"},
  };
  for (const Case& c : cases) {
    INFO(c.method << " " << c.target);
    requireError(request(c.method, c.target, c.authorization, c.body, c.content_type), c.status, c.code);
  }
}

// ---- obligations list -------------------------------------------------------

TEST_CASE("The obligations list filters by case, victim, status, rule and due date, sorted by due date", "[http]") {
  TestServer& s = fixture();
  const std::string area = "CPS Filter Test";
  // Case A: NFA on Thursday 2 April, enhanced: VCL-NFA due 7 April, pending on 6 April.
  // Case B: NFA on Monday 2 March, enhanced: VCL-NFA due 3 March, breached by 6 April.
  // Case B also has a charging referral (RASSO-INTRO), case A a second victim.
  requireStored(postEvents(s.ingest, batch({caseRegistered("fl-a1", "52FLA0100126", area),
                                            victimRegistered("fl-a2", "52FLA0100126", "fl-va"),
                                            victimRegistered("fl-a4", "52FLA0100126", "fl-va2"),
                                            noFurtherAction("fl-a3", "52FLA0100126", "2026-04-02T15:20:00+01:00"),
                                            caseRegistered("fl-b1", "52FLB0100126", area, R"(["rape"])",
                                                           "2026-02-20T09:00:00Z"),
                                            victimRegistered("fl-b2", "52FLB0100126", "fl-vb", "",
                                                             "2026-02-20T09:05:00Z"),
                                            R"({"id":"fl-b4","type":"charging.referred","occurred_at":"2026-02-23T10:00:00Z",)"
                                            R"("case_urn":"52FLB0100126","kind":"full_code_test"})",
                                            noFurtherAction("fl-b3", "52FLB0100126", "2026-03-02T11:00:00Z")})),
                8);
  const std::string a_nfa = "VCL-NFA:fl-va:fl-a3";
  const std::string a2_nfa = "VCL-NFA:fl-va2:fl-a3";
  const std::string b_nfa = "VCL-NFA:fl-vb:fl-b3";
  CHECK(obligation(a_nfa, s.vlu)->getValue<std::string>("due_by") == "2026-04-07");
  CHECK(obligation(b_nfa, s.vlu)->getValue<std::string>("due_by") == "2026-03-03");

  auto list = [&](const std::vector<std::pair<std::string, std::string>>& params) {
    Object::Ptr o = getOk(obligationsQuery(params), s.vlu);
    REQUIRE(o->has("next"));
    return o->getArray("items");
  };
  auto allHave = [](const Array::Ptr& items, const std::string& key, const std::string& value) {
    for (size_t i = 0; i < items->size(); ++i) {
      Object::Ptr o = items->getObject(static_cast<unsigned>(i));
      INFO(o->getValue<std::string>("id"));
      CHECK(o->getValue<std::string>(key) == value);
    }
  };
  auto sortedByDue = [](const Array::Ptr& items) {
    for (size_t i = 1; i < items->size(); ++i)
      CHECK(items->getObject(static_cast<unsigned>(i - 1))->getValue<std::string>("due_by") <=
            items->getObject(static_cast<unsigned>(i))->getValue<std::string>("due_by"));
  };

  SECTION("by case") {
    Array::Ptr items = list({{"case_urn", "52FLA0100126"}});
    REQUIRE(items->size() > 0);
    allHave(items, "case_urn", "52FLA0100126");
    CHECK(findBy(items, "id", a_nfa));
    sortedByDue(items);
  }
  SECTION("by victim") {
    Array::Ptr items = list({{"victim_id", "fl-vb"}});
    REQUIRE(items->size() > 0);
    allHave(items, "victim_id", "fl-vb");
    CHECK(findBy(items, "id", b_nfa));
    CHECK_FALSE(findBy(items, "id", a_nfa));
  }
  SECTION("by rule, sorted by due date") {
    Array::Ptr items = list({{"area", area}, {"rule", "VCL-NFA"}});
    CHECK(idsOf(items) == std::vector<std::string>{b_nfa, a2_nfa, a_nfa});  // by due_by, then id
    allHave(items, "rule", "VCL-NFA");
    Array::Ptr everything = list({{"area", area}, {"limit", "1000"}});
    CHECK(everything->size() > items->size());
    sortedByDue(everything);
  }
  SECTION("by status, relative to the clock") {
    Array::Ptr pending = list({{"area", area}, {"rule", "VCL-NFA"}, {"status", "pending"}});
    CHECK(idsOf(pending) == std::vector<std::string>{a2_nfa, a_nfa});
    allHave(pending, "status", "pending");
    Array::Ptr breached = list({{"area", area}, {"rule", "VCL-NFA"}, {"status", "breached"}});
    CHECK(idsOf(breached) == std::vector<std::string>{b_nfa});
    allHave(breached, "status", "breached");
    CHECK(list({{"area", area}, {"rule", "VCL-NFA"}, {"status", "open"}})->size() == 3);
    CHECK(list({{"area", area}, {"rule", "VCL-NFA"}, {"status", "met"}})->size() == 0);
    CHECK(obligation(b_nfa, s.vlu)->getValue<std::string>("status") == "breached");
  }
  SECTION("by due date") {
    Array::Ptr before = list({{"area", area}, {"due_before", "2026-03-31"}});
    REQUIRE(before->size() > 0);
    for (size_t i = 0; i < before->size(); ++i)
      CHECK(before->getObject(static_cast<unsigned>(i))->getValue<std::string>("due_by") <= "2026-03-31");
    CHECK(findBy(before, "id", b_nfa));
    CHECK_FALSE(findBy(before, "id", a_nfa));
    Array::Ptr after = list({{"area", area}, {"due_after", "2026-04-01"}});
    CHECK(findBy(after, "id", a_nfa));
    CHECK_FALSE(findBy(after, "id", b_nfa));
  }
  SECTION("paging with limit and cursor returns every item exactly once") {
    Array::Ptr all = list({{"area", area}, {"limit", "1000"}});
    REQUIRE(all->size() >= 3);
    std::vector<std::string> expected = idsOf(all);
    std::vector<std::string> seen;
    std::string cursor;
    for (int pages = 0; pages < 100; ++pages) {
      std::vector<std::pair<std::string, std::string>> params = {{"area", area}, {"limit", "2"}};
      if (!cursor.empty()) params.emplace_back("cursor", cursor);
      Object::Ptr page = getOk(obligationsQuery(params), s.vlu);
      Array::Ptr items = page->getArray("items");
      CHECK(items->size() <= 2);
      for (const auto& id : idsOf(items)) seen.push_back(id);
      if (page->isNull("next")) break;
      cursor = page->getValue<std::string>("next");
    }
    CHECK(seen == expected);
    CHECK(std::set<std::string>(seen.begin(), seen.end()).size() == seen.size());
  }
  SECTION("bad parameters are 400 naming the parameter") {
    for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{
             {"limit", "0"}, {"limit", "1001"}, {"limit", "ten"}, {"limit", "5x"}, {"status", "overdue"},
             {"due_before", "2026-02-30"}, {"due_after", "tomorrow"}, {"cursor", "garbage"}}) {
      INFO(key << "=" << value);
      Object::Ptr e = requireError(get(obligationsQuery({{key, value}}), s.vlu), 400, "invalid_query");
      CHECK(e->getValue<std::string>("field") == key);
    }
  }
}

// ---- areas and audit --------------------------------------------------------

TEST_CASE("A VLU officer bound to an Area sees nothing of other Areas", "[http]") {
  TestServer& s = fixture();
  requireAccepted(postEvents(s.ingest, batch({caseRegistered("ar-e1", "52AR0100126", "CPS South West"),
                                              victimRegistered("ar-e2", "52AR0100126", "ar-v1"),
                                              noFurtherAction("ar-e3", "52AR0100126", "2026-04-02T15:20:00+01:00"),
                                              caseRegistered("ar-e4", "01AR0200126", "CPS London North"),
                                              victimRegistered("ar-e5", "01AR0200126", "ar-v2"),
                                              noFurtherAction("ar-e6", "01AR0200126", "2026-04-02T15:20:00+01:00")})),
                  6, 0);
  // The unbound officer sees both; the London North officer only their own.
  getOk("/api/v1/victims/ar-v1", s.vlu);
  getOk("/api/v1/victims/ar-v2", s.vlu_london);
  getOk("/api/v1/cases/01AR0200126", s.vlu_london);
  getOk("/api/v1/obligations/" + segment("VCL-NFA:ar-v2:ar-e6"), s.vlu_london);
  requireError(get("/api/v1/victims/ar-v1", s.vlu_london), 404, "not_found");
  requireError(get("/api/v1/cases/52AR0100126", s.vlu_london), 404, "not_found");
  requireError(get("/api/v1/obligations/" + segment("VCL-NFA:ar-v1:ar-e3"), s.vlu_london), 404, "not_found");

  Array::Ptr mine = getOk(obligationsQuery({{"limit", "1000"}}), s.vlu_london)->getArray("items");
  CHECK(findBy(mine, "id", "VCL-NFA:ar-v2:ar-e6"));
  for (size_t i = 0; i < mine->size(); ++i)
    CHECK(mine->getObject(static_cast<unsigned>(i))->getValue<std::string>("area") == "CPS London North");
  CHECK(getOk(obligationsQuery({{"area", "CPS South West"}}), s.vlu_london)->getArray("items")->size() == 0);
  CHECK(getOk(obligationsQuery({{"victim_id", "ar-v1"}}), s.vlu_london)->getArray("items")->size() == 0);
  CHECK(getOk(obligationsQuery({{"victim_id", "ar-v1"}}), s.vlu)->getArray("items")->size() > 0);
}

TEST_CASE("Reading a victim writes an audit entry", "[http]") {
  TestServer& s = fixture();
  requireAccepted(postEvents(s.ingest, batch({caseRegistered("ad-e1", "52AD0100126"),
                                              victimRegistered("ad-e2", "52AD0100126", "ad-v1")})),
                  2, 0);
  auto count = [&](const std::string& action) {
    auto lease = s.services.db.session();
    Poco::Data::Session& session = vc::storage::sqlite(lease);
    return storage::Store(session).auditCount(action);
  };
  const int64_t reads = count("read_victim");
  const int64_t denied = count("read_victim_denied");
  getOk("/api/v1/victims/ad-v1", s.vlu);
  CHECK(count("read_victim") == reads + 1);
  requireError(get("/api/v1/victims/ad-nobody", s.vlu), 404, "not_found");
  CHECK(count("read_victim") == reads + 1);
  CHECK(count("read_victim_denied") == denied + 1);
}

// ---- derived state ----------------------------------------------------------

TEST_CASE("A victim who becomes intimidated has the open VCL-NFA recomputed to the enhanced deadline", "[http]") {
  TestServer& s = fixture();
  const std::string urn = "52RC0100126";
  requireAccepted(postEvents(s.ingest, batch({caseRegistered("rc-e1", urn, "CPS South West", R"(["other"])"),
                                              victimRegistered("rc-e2", urn, "rc-v1"),
                                              noFurtherAction("rc-e3", urn, "2026-04-01T10:00:00+01:00")})),
                  3, 0);
  const std::string id = "VCL-NFA:rc-v1:rc-e3";
  Object::Ptr before = obligation(id, s.vlu);
  CHECK(before->getValue<std::string>("tier") == "standard");
  // Wednesday 1 April + 5 working days, skipping Good Friday, the weekend and Easter Monday.
  CHECK(before->getValue<std::string>("due_by") == "2026-04-10");
  CHECK(before->getObject("explanation")->getValue<int>("working_days") == 5);
  CHECK(before->getArray("changes")->size() == 0);
  Object::Ptr victim = getOk("/api/v1/victims/rc-v1", s.vlu);
  CHECK_FALSE(victim->getObject("entitlement")->getValue<bool>("enhanced"));
  CHECK(victim->getObject("entitlement")->getArray("changes")->size() == 0);

  requireAccepted(
      postEvents(s.ingest, victimUpdated("rc-e4", urn, "rc-v1", R"(,"flags":["intimidated"])", "2026-04-02T08:00:00+01:00")),
      1, 0);
  Object::Ptr after = obligation(id, s.vlu);
  CHECK(after->getValue<std::string>("id") == id);
  CHECK(after->getValue<std::string>("tier") == "enhanced");
  CHECK(after->getValue<std::string>("due_by") == "2026-04-02");
  CHECK(after->getObject("explanation")->getValue<std::string>("due_by") == "2026-04-02");
  Array::Ptr changes = after->getArray("changes");
  REQUIRE(changes->size() == 1);
  Object::Ptr change = changes->getObject(0);
  CHECK(change->getValue<std::string>("event_id") == "rc-e4");
  CHECK(change->getValue<std::string>("from_tier") == "standard");
  CHECK(change->getValue<std::string>("to_tier") == "enhanced");
  CHECK(change->getValue<std::string>("from_due_by") == "2026-04-10");
  CHECK(change->getValue<std::string>("to_due_by") == "2026-04-02");

  victim = getOk("/api/v1/victims/rc-v1", s.vlu);
  Object::Ptr entitlement = victim->getObject("entitlement");
  CHECK(entitlement->getValue<bool>("enhanced"));
  CHECK(hasReason(entitlement->getArray("reasons"), "intimidated", "intimidated"));
  Array::Ptr history = entitlement->getArray("changes");
  REQUIRE(history->size() == 1);
  CHECK(history->getObject(0)->getValue<std::string>("event_id") == "rc-e4");
  CHECK_FALSE(history->getObject(0)->getValue<bool>("from_enhanced"));
  CHECK(history->getObject(0)->getValue<bool>("to_enhanced"));
}

TEST_CASE("A victim who opted out of VCL-NFA before the decision has that obligation waived", "[http]") {
  TestServer& s = fixture();
  const std::string urn = "52OO0100126";
  requireAccepted(postEvents(s.ingest, batch({caseRegistered("oo-e1", urn), victimRegistered("oo-e2", urn, "oo-v1"),
                                              victimUpdated("oo-e3", urn, "oo-v1", R"(,"opt_out":["VCL-NFA"])",
                                                            "2026-03-31T10:00:00+01:00"),
                                              noFurtherAction("oo-e4", urn, "2026-04-02T15:20:00+01:00")})),
                  4, 0);
  const std::string id = "VCL-NFA:oo-v1:oo-e4";
  Object::Ptr o = obligation(id, s.vlu);
  CHECK(o->getValue<std::string>("status") == "waived");
  CHECK(o->getValue<std::string>("waived_by_event") == "oo-e3");
  Array::Ptr waived = getOk(obligationsQuery({{"victim_id", "oo-v1"}, {"status", "waived"}}), s.vlu)->getArray("items");
  CHECK(idsOf(waived) == std::vector<std::string>{id});
  Object::Ptr victim = getOk("/api/v1/victims/oo-v1", s.vlu);
  Array::Ptr opted = victim->getArray("opted_out");
  REQUIRE(opted->size() == 1);
  CHECK(opted->getElement<std::string>(0) == "VCL-NFA");
}
