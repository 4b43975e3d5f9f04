// Returned and bounced letters (issue 15, item 3), through the HTTP API of a real daemon (real SQLite
// file, real server on loopback, a real spool directory and SMTP server): a sent letter that comes
// back (letter.returned for post, letter.bounced for email) reopens the obligation its sending met,
// saying why, and goes back to the review queue blocked (returned); what cannot have come back is a
// 400 that stores nothing.

#include <catch2/catch.hpp>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include "storage/sqlite_connection.h"
#include "storage/sqlite_statement.h"
#include "support/events.h"
#include "support/replies.h"
#include "support/smtp_sink.h"
#include "support/test_daemon.h"

using namespace vc;           // NOLINT
using namespace vc::testing;  // NOLINT
using Poco::JSON::Array;
using Poco::JSON::Object;

namespace {

Reply call(TestDaemon& d, const std::string& method, const std::string& target, const std::string& token,
           const std::optional<std::string>& body = std::nullopt) {
  return httpRequest(d.port(), method, target, bearer(token), body);
}

// A case, a victim (preferring `channel`) and a decision not to charge on Thursday 2 April.
void nfaCase(TestDaemon& d, const std::string& urn, const std::string& victim, const std::string& channel) {
  Reply r = call(d, "POST", "/api/v1/events", d.ingest,
                 batch({jsonEvent(urn + "-e1", "case.registered", "2026-03-02T09:00:00Z", urn,
                                  R"("area":"CPS South West","offences":["other"],"prosecutor":{"name":"Ada Prosecutor"})"),
                        jsonEvent(urn + "-e2", "victim.registered", "2026-03-02T09:05:00Z", urn,
                                  R"("victim_id":")" + victim +
                                      R"(","title":"Mx","name":{"given":"Sam","family":"Backagain"},"address":{"lines":["1 Example Street","Sampleford"],"postcode":"ZZ1 1AA"},"email":"sam.backagain@example.org","preferred_channel":")" +
                                      channel + R"(")"),
                        jsonEvent(urn + "-e3", "charging.decided", "2026-04-02T15:20:00+01:00", urn,
                                  R"("decision":"no_further_action","reasons":"The evidence does not support a charge.")")}));
  INFO(r.body);
  REQUIRE(r.status == 200);
}

// Approves the case's one letter (four eyes), sends it, and returns its id; its obligation is met.
std::string sentLetter(TestDaemon& d, const std::string& urn) {
  Array::Ptr items = ok(call(d, "GET", "/api/v1/letters?state=all&case_urn=" + urn, d.vlu))->getArray("items");
  REQUIRE(items->size() == 1);
  const std::string id = items->getObject(0)->getValue<std::string>("id");
  ok(call(d, "POST", "/api/v1/letters/" + id + "/approve", d.vlu2));
  d.services.outbox.sendDue();
  Object::Ptr l = ok(call(d, "GET", "/api/v1/letters/" + id, d.vlu));
  REQUIRE(l->getValue<std::string>("state") == "sent");
  REQUIRE(l->getValue<std::string>("obligation_status") == "met");
  return id;
}

Object::Ptr obligationOf(TestDaemon& d, const Object::Ptr& letter) {
  return ok(call(d, "GET", "/api/v1/obligations/" + segment(letter->getValue<std::string>("obligation_id")), d.vlu));
}

Reply post(TestDaemon& d, const std::string& event) { return call(d, "POST", "/api/v1/events", d.ingest, batch({event})); }

void refused(TestDaemon& d, const std::string& event, const std::string& field, const std::string& says) {
  Reply r = post(d, event);
  INFO(r.body);
  REQUIRE(r.status == 400);
  Object::Ptr e = r.object()->getObject("error");
  CHECK(e->getValue<std::string>("field") == field);
  CHECK(e->getValue<std::string>("message").find(says) != std::string::npos);
}

// The letter went back to the queue blocked (returned), the obligation is pending again and says why.
void cameBack(TestDaemon& d, const std::string& urn, const std::string& id, const std::string& action,
              const std::string& why) {
  Object::Ptr l = ok(call(d, "GET", "/api/v1/letters/" + id, d.vlu));
  CHECK(l->getValue<std::string>("state") == "blocked");
  Array::Ptr blocked = l->getArray("blocked_by");
  REQUIRE(blocked->size() == 1);
  CHECK(blocked->getObject(0)->getValue<std::string>("code") == "returned");
  CHECK(blocked->getObject(0)->getValue<std::string>("message").find(why) != std::string::npos);
  Array::Ptr history = l->getArray("history");
  CHECK(history->getObject(history->size() - 1)->getValue<std::string>("action") == action);
  CHECK(l->getValue<std::string>("obligation_status") == "pending");

  Object::Ptr ob = obligationOf(d, l);
  CHECK(ob->getValue<std::string>("status") == "pending");
  CHECK(ob->isNull("completed_by_event"));
  CHECK(ob->getValue<std::string>("reopened_note") == "letter " + id + " came back: " + why);
  Array::Ptr changes = ob->getArray("changes");
  REQUIRE(changes->size() >= 1);
  CHECK(changes->getObject(changes->size() - 1)->getValue<std::string>("why") == "letter " + id + " came back: " + why);

  // The queue shows it again, needing another channel or address.
  Array::Ptr queue = ok(call(d, "GET", "/api/v1/letters?state=blocked&case_urn=" + urn, d.vlu))->getArray("items");
  REQUIRE(queue->size() == 1);
  CHECK(queue->getObject(0)->getValue<std::string>("id") == id);
}

}  // namespace

TEST_CASE("A posted letter that came back reopens its obligation and goes back to the queue", "[letters][returned]") {
  TestDaemon d;
  nfaCase(d, "52RT0100126", "rt1-v", "post");
  const std::string id = sentLetter(d, "52RT0100126");
  Reply r = post(d, jsonEvent("rt-1-returned", "letter.returned", "2026-04-06T08:45:00+01:00", "52RT0100126",
                              R"("letter_id":")" + id + R"(","reason":"addressee_unknown","notes":"Not known at this address.")"));
  INFO(r.body);
  REQUIRE(r.status == 200);
  cameBack(d, "52RT0100126", id, "returned", "returned by post (addressee unknown) (event rt-1-returned)");
  // One sending comes back once: the letter is not sent now.
  refused(d, jsonEvent("rt-1-again", "letter.returned", "2026-04-06T08:46:00+01:00", "52RT0100126",
                       R"("letter_id":")" + id + R"(","reason":"moved")"),
          "letter_id", "is blocked, not sent");
  // The victim's record (what the victim's page shows) says why the obligation is open again.
  Array::Ptr obligations = ok(call(d, "GET", "/api/v1/victims/rt1-v", d.vlu))->getArray("obligations");
  bool says_why = false;
  for (size_t i = 0; i < obligations->size(); ++i) {
    Object::Ptr o = obligations->getObject(static_cast<unsigned>(i));
    if (o->has("reopened_note") && !o->isNull("reopened_note"))
      says_why = o->getValue<std::string>("reopened_note") ==
                 "letter " + id + " came back: returned by post (addressee unknown) (event rt-1-returned)";
  }
  CHECK(says_why);

  // The police give the victim's new address: the letter re-renders to it (a new version, no longer
  // blocked), a second officer approves it, it goes, and the obligation is met again by that second
  // sending, judged against its original due date.
  Reply moved = post(d, jsonEvent("rt-1-moved", "victim.updated", "2026-04-06T08:50:00+01:00", "52RT0100126",
                                  R"("victim_id":"rt1-v","address":{"lines":["2 New Road","Sampleford"],"postcode":"ZZ2 2BB"})"));
  INFO(moved.body);
  REQUIRE(moved.status == 200);
  Object::Ptr redrawn = ok(call(d, "GET", "/api/v1/letters/" + id, d.vlu));
  REQUIRE(redrawn->getValue<std::string>("state") == "draft");
  CHECK(redrawn->getArray("blocked_by")->size() == 0);
  CHECK(redrawn->getValue<std::string>("text").find("2 New Road") != std::string::npos);
  ok(call(d, "POST", "/api/v1/letters/" + id + "/approve", d.vlu2));
  d.services.outbox.sendDue();
  Object::Ptr again = ok(call(d, "GET", "/api/v1/letters/" + id, d.vlu));
  CHECK(again->getValue<std::string>("state") == "sent");
  Object::Ptr ob = obligationOf(d, again);
  CHECK(ob->getValue<std::string>("status") == "met");
  CHECK(ob->getValue<std::string>("completed_by_event") ==
        "sys:letter-sent:" + id + ":v" + std::to_string(again->getValue<int>("version")));

  // Met again, it is a closed outcome like any other: a later event on the case re-derives it but
  // never rewrites it. (Here the stored outcome is made "late", as an earlier calendar or rule book
  // could have judged it; the case's next event must leave it so.)
  {
    auto lease = d.services.db.session();
    using namespace Poco::Data::Keywords;
    const std::string obligation_id = again->getValue<std::string>("obligation_id");
    vc::storage::Query(vc::storage::sqlite(lease),
                       d.onPostgres()
                           ? "UPDATE obligations SET status = 'late', body = jsonb_set(body::jsonb, '{status}', "
                             "'\"late\"')::text WHERE id = ?"
                           : "UPDATE obligations SET status = 'late', body = json_set(body, '$.status', 'late') WHERE id = ?")
        .bind(obligation_id)
        .run();
  }
  REQUIRE(post(d, jsonEvent("rt-1-later", "victim.updated", "2026-04-06T08:55:00+01:00", "52RT0100126",
                            R"("victim_id":"rt1-v","email":"sam.backagain@example.org")")).status == 200);
  CHECK(obligationOf(d, again)->getValue<std::string>("status") == "late");

}

TEST_CASE("What cannot have come back is a 400 that stores nothing", "[letters][returned]") {
  TestDaemon d;
  nfaCase(d, "52RT0200126", "rt2-v", "post");
  Array::Ptr items = ok(call(d, "GET", "/api/v1/letters?state=all&case_urn=52RT0200126", d.vlu))->getArray("items");
  const std::string draft = items->getObject(0)->getValue<std::string>("id");
  auto returned = [](const std::string& id, const std::string& letter, const std::string& extra) {
    return jsonEvent(id, "letter.returned", "2026-04-06T08:45:00+01:00", "52RT0200126",
                     R"("letter_id":")" + letter + R"(")" + extra);
  };
  refused(d, returned("rt-2-a", "l-999", R"(,"reason":"moved")"), "letter_id", "unknown letter l-999");
  refused(d, returned("rt-2-b", draft, R"(,"reason":"moved")"), "letter_id", "not sent");
  refused(d, returned("rt-2-c", "letter-1", R"(,"reason":"moved")"), "letter_id", "is not a letter id");
  refused(d, returned("rt-2-d", draft, R"(,"reason":"lost")"), "reason", "");
  refused(d, returned("rt-2-e", draft, ""), "reason", "");

  const std::string sent = sentLetter(d, "52RT0200126");
  auto bounced = [&](const std::string& id, const std::string& status) {
    return jsonEvent(id, "letter.bounced", "2026-04-06T08:45:00+01:00", "52RT0200126",
                     R"("letter_id":")" + sent + R"(","status":")" + status + R"(")");
  };
  refused(d, bounced("rt-2-f", "5.1"), "status", "not an SMTP enhanced status");
  refused(d, bounced("rt-2-g", "550"), "status", "not an SMTP enhanced status");
  refused(d, bounced("rt-2-h", "5.1.1x"), "status", "not an SMTP enhanced status");
  // A posted letter cannot bounce.
  refused(d, bounced("rt-2-i", "5.1.1"), "letter_id", "went by post");
  // Nothing was stored: the letter is still sent, its obligation met, and none of the events exists.
  Object::Ptr l = ok(call(d, "GET", "/api/v1/letters/" + sent, d.vlu));
  CHECK(l->getValue<std::string>("state") == "sent");
  CHECK(l->getValue<std::string>("obligation_status") == "met");
  // (There is no GET for one event: the case's timeline holds them.)
  Array::Ptr timeline = ok(call(d, "GET", "/api/v1/cases/52RT0200126", d.vlu))->getArray("timeline");
  CHECK(timeline->size() == 4);  // the case, the victim, the decision and the letter's sending
  for (size_t i = 0; i < timeline->size(); ++i)
    CHECK(timeline->getObject(static_cast<unsigned>(i))->getValue<std::string>("id").rfind("rt-2-", 0) != 0);
}

TEST_CASE("An emailed letter that bounced reopens its obligation and goes back to the queue", "[letters][returned][smtp]") {
  TempDir mail;
  SmtpSink smtp(freePort(), mail.path + "/maildir");
  DaemonOptions options;
  options.smtp_port = smtp.port();
  TestDaemon d(options);
  nfaCase(d, "52RT0300126", "rt3-v", "email");
  const std::string id = sentLetter(d, "52RT0300126");
  REQUIRE(smtp.messages().size() == 1);
  Reply r = post(d, jsonEvent("rt-3-bounced", "letter.bounced", "2026-04-06T08:45:00+01:00", "52RT0300126",
                              R"("letter_id":")" + id + R"(","status":"5.1.1","diagnostic":"550 5.1.1 mailbox unknown")"));
  INFO(r.body);
  REQUIRE(r.status == 200);
  cameBack(d, "52RT0300126", id, "bounced", "email bounced (5.1.1) (event rt-3-bounced)");
}
