// Issue 16, item 1: a batch's letters are in the review queue the moment the batch answers, blocked and
// "being written" (version 0, no words), and their words are written just after the commit by the
// drafting worker, off the request path. Real daemon (app::Services on a fresh SQLite file, the real
// HTTP server); the worker is paused where a test must see a letter still being written.

#include <catch2/catch.hpp>

#include <chrono>
#include <future>
#include <thread>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include "storage/letter_store.h"
#include "support/events.h"
#include "support/replies.h"
#include "support/test_daemon.h"

using namespace vc;           // NOLINT
using namespace vc::testing;  // NOLINT
using Poco::JSON::Array;
using Poco::JSON::Object;

namespace {

DaemonOptions noWait() {
  DaemonOptions o;
  o.wait_for_drafting = false;
  return o;
}

void post(TestDaemon& d, const std::vector<std::string>& events) {
  Reply r = httpRequest(d.port(), "POST", "/api/v1/events", bearer(d.ingest), batch(events));
  INFO(r.body);
  REQUIRE(r.status == 200);
}

// A case whose charging decision (no further action) calls for the VCL-NFA letter to its victim.
std::vector<std::string> nfaCase(const std::string& urn, const std::string& victim) {
  return {jsonEvent(urn + "-e1", "case.registered", "2026-03-02T09:00:00Z", urn,
                    R"("area":"CPS South West","offences":["rape"],"prosecutor":{"name":"Ada Prosecutor","phone":"01632 960102"})"),
          jsonEvent(urn + "-e2", "victim.registered", "2026-03-02T09:05:00Z", urn,
                    R"("victim_id":")" + victim +
                        R"(","title":"Mx","name":{"given":"Sam","family":"Testcase"},"address":{"lines":["1 Example Street","Sampleford"],"postcode":"ZZ1 1AA"})"),
          jsonEvent(urn + "-e3", "charging.decided", "2026-04-02T15:20:00+01:00", urn,
                    R"("decision":"no_further_action","reasons":"The evidence does not support a charge.")")};
}

// The same case a little later: the victim moved (what the letter says changes) and asked for email
// (how it goes changes too).
std::vector<std::string> moved(const std::string& urn, const std::string& victim) {
  return {jsonEvent(urn + "-e4", "victim.updated", "2026-04-03T09:00:00+01:00", urn,
                    R"("victim_id":")" + victim +
                        R"(","address":{"lines":["9 New Road","Otherton"],"postcode":"ZZ9 9ZZ"},"email":"sam.testcase@example.org","preferred_channel":"email")")};
}

Array::Ptr lettersOf(TestDaemon& d, const std::string& urn) {
  return ok(httpRequest(d.port(), "GET", "/api/v1/letters?state=all&case_urn=" + urn, bearer(d.vlu)))->getArray("items");
}

Object::Ptr onlyLetterOf(TestDaemon& d, const std::string& urn) {
  Array::Ptr items = lettersOf(d, urn);
  REQUIRE(items->size() == 1);
  return items->getObject(0);
}

std::string blockedCode(const Object::Ptr& letter) {
  Array::Ptr b = letter->getArray("blocked_by");
  return b && b->size() == 1 ? b->getObject(0)->getValue<std::string>("code") : "";
}

}  // namespace

TEST_CASE("A batch's letter is in the queue when the batch answers, being written, and nothing can be done to it "
          "until its words exist",
          "[letters][drafting]") {
  TestDaemon d(noWait());
  d.services.drafter.pause();  // as if the worker had not got to it yet
  post(d, nfaCase("52DW0100126", "dw1-v"));

  Object::Ptr l = onlyLetterOf(d, "52DW0100126");
  const std::string id = l->getValue<std::string>("id");
  CHECK(l->getValue<std::string>("state") == "blocked");
  CHECK(l->getValue<int>("version") == 0);
  CHECK(l->getValue<std::string>("rule") == "VCL-NFA");
  CHECK(l->getValue<std::string>("obligation_id") == "VCL-NFA:dw1-v:52DW0100126-e3");
  CHECK(blockedCode(l) == "being_written");
  // Its page answers (no words, no versions yet).
  Object::Ptr detail = ok(httpRequest(d.port(), "GET", "/api/v1/letters/" + id, bearer(d.vlu)));
  CHECK(detail->getArray("versions")->size() == 0);

  // Every review step is refused with the JSON error shape, and changes nothing (version 0 itself is no
  // version a client can name: 400).
  CHECK(error(httpRequest(d.port(), "POST", "/api/v1/letters/" + id + "/approve", bearer(d.vlu2),
                          std::string(R"({"version":1})")),
              409, "being_written"));
  CHECK(error(httpRequest(d.port(), "POST", "/api/v1/letters/" + id + "/approve", bearer(d.vlu2)), 409,
              "being_written"));
  CHECK(error(httpRequest(d.port(), "PUT", "/api/v1/letters/" + id, bearer(d.vlu),
                          std::string(R"({"version":1,"free_text":"Hello."})")),
              409, "being_written"));
  CHECK(error(httpRequest(d.port(), "POST", "/api/v1/letters/" + id + "/reject", bearer(d.vlu),
                          std::string(R"({"reason":"not yet"})")),
              409, "being_written"));
  CHECK(onlyLetterOf(d, "52DW0100126")->getValue<int>("version") == 0);

  // The worker writes its words: a draft at version 1, which a second officer can approve.
  d.services.drafter.resume();
  d.drafted();
  l = onlyLetterOf(d, "52DW0100126");
  CHECK(l->getValue<std::string>("id") == id);
  CHECK(l->getValue<std::string>("state") == "draft");
  CHECK(l->getValue<int>("version") == 1);
  CHECK(l->getArray("blocked_by")->size() == 0);
  detail = ok(httpRequest(d.port(), "GET", "/api/v1/letters/" + id, bearer(d.vlu)));
  REQUIRE(detail->getArray("versions")->size() == 1);
  CHECK(detail->getValue<std::string>("text").find("Sam") != std::string::npos);
  Array::Ptr history = detail->getArray("history");
  REQUIRE(history->size() == 1);  // its history starts with its words, as a letter drafted at once
  CHECK(history->getObject(0)->getValue<std::string>("action") == "drafted");
  CHECK(history->getObject(0)->isNull("from_state"));
  ok(httpRequest(d.port(), "POST", "/api/v1/letters/" + id + "/approve", bearer(d.vlu2),
                 std::string(R"({"version":1})")));
}

TEST_CASE("A daemon started on a store with letters left being written writes them", "[letters][drafting]") {
  TestDaemon d(noWait());
  d.services.drafter.pause();  // the daemon stops (or dies) between the commit and the words
  post(d, nfaCase("52DW0200126", "dw2-v"));
  REQUIRE(onlyLetterOf(d, "52DW0200126")->getValue<int>("version") == 0);

  // Another daemon on the same store, started as serve() starts one: its worker finds the letter.
  {
    app::Services again(d.settings);
    again.drafter.start();
    again.drafter.waitIdle();
    again.drafter.stop();
  }
  Object::Ptr l = onlyLetterOf(d, "52DW0200126");
  CHECK(l->getValue<int>("version") == 1);
  CHECK(l->getValue<std::string>("state") == "draft");
  auto lease = d.services.db.session();
  CHECK(storage::LetterStore(lease).casesWithLettersBeingWritten().empty());
}

TEST_CASE("A second batch that changes a case while its letter is being written gives the letter it would have "
          "had with drafting in between",
          "[letters][drafting]") {
  // In between: each batch answers once its letters are written (the test daemon's hold).
  TestDaemon between;
  post(between, nfaCase("52DW0300126", "dw3-v"));
  REQUIRE(onlyLetterOf(between, "52DW0300126")->getValue<std::string>("channel") == "post");
  post(between, moved("52DW0300126", "dw3-v"));

  // While being written: the second batch commits before the worker has written the first one's letter.
  TestDaemon pending(noWait());
  pending.services.drafter.pause();
  post(pending, nfaCase("52DW0300126", "dw3-v"));
  REQUIRE(onlyLetterOf(pending, "52DW0300126")->getValue<int>("version") == 0);
  post(pending, moved("52DW0300126", "dw3-v"));
  REQUIRE(lettersOf(pending, "52DW0300126")->size() == 1);  // the second batch made no second letter
  pending.services.drafter.resume();
  pending.drafted();

  Object::Ptr a = onlyLetterOf(between, "52DW0300126"), b = onlyLetterOf(pending, "52DW0300126");
  for (const char* field : {"id", "obligation_id", "kind", "rule", "state", "language", "channel", "letter_date"}) {
    INFO(field);
    CHECK(b->getValue<std::string>(field) == a->getValue<std::string>(field));
  }
  CHECK(b->getValue<std::string>("channel") == "email");  // the second batch's, not the first's
  CHECK(b->getArray("blocked_by")->size() == a->getArray("blocked_by")->size());
  Object::Ptr da = ok(httpRequest(between.port(), "GET", "/api/v1/letters/" + a->getValue<std::string>("id"),
                                  bearer(between.vlu))),
              db = ok(httpRequest(pending.port(), "GET", "/api/v1/letters/" + b->getValue<std::string>("id"),
                                  bearer(pending.vlu)));
  CHECK(db->getValue<std::string>("text") == da->getValue<std::string>("text"));
  CHECK(db->getValue<std::string>("html") == da->getValue<std::string>("html"));
  CHECK(db->getValue<std::string>("text").find("9 New Road") == std::string::npos);  // an email: no address block
  // In between, the letter was drafted for post and re-rendered for email; written once here, from the end state.
  CHECK(da->getValue<int>("version") == 2);
  CHECK(db->getValue<int>("version") == 1);
}

TEST_CASE("When the worker is behind, the next batch is stored at once but answers only once the worker has "
          "taken the letters waiting for their words (drafting.max_lag_seconds)",
          "[letters][drafting]") {
  DaemonOptions o = noWait();
  o.drafting_max_lag_seconds = 0;  // behind as soon as an earlier batch's letters are still queued
  TestDaemon d(o);
  d.services.drafter.pause();  // the worker takes nothing: the first batch's letter waits for its words
  post(d, nfaCase("52DW0500126", "dw5-a"));  // nothing queued before it: answers at once
  CHECK(d.services.drafter.stats().held == 0);

  auto second = std::async(std::launch::async, [&] {
    return httpRequest(d.port(), "POST", "/api/v1/events", bearer(d.ingest), batch(nfaCase("52DW0600126", "dw5-b")));
  });
  // The second batch is stored, its letter in the queue being written, while its answer is held.
  for (int i = 0; i < 200 && d.services.drafter.stats().held == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(d.services.drafter.stats().held == 1);
  CHECK(blockedCode(onlyLetterOf(d, "52DW0600126")) == "being_written");
  CHECK(second.wait_for(std::chrono::milliseconds(300)) == std::future_status::timeout);

  // Once the worker takes the queue the held batch answers, and both letters get their words.
  d.services.drafter.resume();
  const Reply r = second.get();
  INFO(r.body);
  CHECK(r.status == 200);
  d.drafted();
  for (const std::string urn : {"52DW0500126", "52DW0600126"}) {
    Object::Ptr l = onlyLetterOf(d, urn);
    CHECK(l->getValue<std::string>("state") == "draft");
    CHECK(l->getValue<int>("version") == 1);
  }
}

TEST_CASE("A worker that keeps up holds no batch: a second batch while the first is queued answers at once "
          "when the first is younger than drafting.max_lag_seconds",
          "[letters][drafting]") {
  DaemonOptions o = noWait();
  o.drafting_max_lag_seconds = 3600;
  TestDaemon d(o);
  d.services.drafter.pause();
  post(d, nfaCase("52DW0700126", "dw7-a"));
  post(d, nfaCase("52DW0800126", "dw7-b"));  // would hang here if it were held: the worker is paused
  CHECK(d.services.drafter.stats().held == 0);
  d.services.drafter.resume();
  d.drafted();
  CHECK(onlyLetterOf(d, "52DW0800126")->getValue<int>("version") == 1);
}
