// ISVA notifications through a real SMTP server on loopback (Debian's
// aiosmtpd, started by the test): the right ISVA gets exactly one email per
// key event, naming nobody and carrying nothing of the victim's but their
// initials; nothing without consent, and nothing that was queued before
// consent was withdrawn; SMTP down then back delivers each exactly once; a
// dead message waits for a person and goes when retried; an ISVA's inbox
// holds only their own. Meetings are followed through the API across a
// re-listed trial.

#include <chrono>
#include <set>
#include <thread>

#include <catch2/catch.hpp>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include "storage/store.h"
#include "support/smtp_sink.h"
#include "support/replies.h"
#include "support/test_daemon.h"

using namespace vc;           // NOLINT
using namespace vc::testing;  // NOLINT
using Poco::JSON::Array;
using Poco::JSON::Object;

namespace {

void post(TestDaemon& d, const std::vector<std::string>& events) {
  ok(httpRequest(d.port(), "POST", "/api/v1/events", bearer(d.ingest), batch(events)));
}

std::string event(const std::string& id, const std::string& type, const std::string& at, const std::string& rest) {
  return R"({"id":")" + id + R"(","type":")" + type + R"(","occurred_at":")" + at + "\"" + rest + "}";
}

// Two ISVAs; on case A, victim "Sam Quietname" (with an address, a date of birth and a health
// flag that must never reach an ISVA) is assigned ISVA 1, with or without consent.
void registerCase(TestDaemon& d, const std::string& urn, const std::string& victim, const std::string& isva,
                  bool consent) {
  post(d, {event(urn + "-isva1", "isva.registered", "2026-03-01T09:00:00Z",
                 R"(,"isva_id":"isva-1","name":"Jo Advocate","organisation":"Example Support","email":"jo.advocate@example.org")"),
           event(urn + "-isva2", "isva.registered", "2026-03-01T09:00:00Z",
                 R"(,"isva_id":"isva-2","name":"Kim Other","organisation":"Other Support","email":"kim.other@example.org")"),
           event(urn + "-e1", "case.registered", "2026-03-02T09:00:00Z",
                 R"(,"case_urn":")" + urn +
                     R"(","area":"CPS South West","offences":["rape"],"prosecutor":{"name":"Ada Prosecutor","phone":"01632 960102"},"victim_liaison_officer":{"name":"Bea Liaison","email":"bea.liaison@example.org"})"),
           event(urn + "-e2", "victim.registered", "2026-03-02T09:05:00Z",
                 R"(,"case_urn":")" + urn + R"(","victim_id":")" + victim +
                     R"(","name":{"given":"Sam","family":"Quietname"},"date_of_birth":"1990-05-01","address":{"lines":["7 Private Road","Sampleford"],"postcode":"ZZ7 7ZZ"},"flags":["mental_disorder"])"),
           event(urn + "-e3", "isva.assigned", "2026-03-03T09:00:00Z",
                 R"(,"case_urn":")" + urn + R"(","victim_id":")" + victim + R"(","isva_id":")" + isva +
                     R"(","consent_to_share":)" + (consent ? "true" : "false"))});
}

// Four key events, each one an ISVA-NOTE trigger (Thursday 2 April 2026: due Tuesday 7 April).
std::vector<std::string> keyEvents(const std::string& urn, const std::string& victim) {
  return {event(urn + "-e4", "charging.decided", "2026-04-02T10:00:00+01:00",
                R"(,"case_urn":")" + urn +
                    R"(","decision":"charge","charges":["Rape"],"reasons":"SECRET-REASONS","first_hearing":{"date":"2026-04-16","court":"Sampleford Magistrates' Court"})"),
          event(urn + "-e5", "plea.entered", "2026-04-02T11:00:00+01:00", R"(,"case_urn":")" + urn + R"(","plea":"not_guilty")"),
          event(urn + "-e6", "hearing.listed", "2026-04-02T12:00:00+01:00",
                R"(,"case_urn":")" + urn + R"(","kind":"trial","date":"2026-06-15","court":"Sampleford Crown Court")"),
          event(urn + "-e7", "meeting.responded", "2026-04-02T13:00:00+01:00",
                R"(,"case_urn":")" + urn + R"(","victim_id":")" + victim +
                    R"(","meeting":"familiarisation_meeting","response":"accepted","scheduled_for":"2026-05-12T14:30:00+01:00")")};
}

// Polls until `done` or the time is up.
template <typename F>
bool waitFor(F done, int seconds = 20) {
  for (auto end = std::chrono::steady_clock::now() + std::chrono::seconds(seconds); std::chrono::steady_clock::now() < end;
       std::this_thread::sleep_for(std::chrono::milliseconds(100)))
    if (done()) return true;
  return done();
}

std::vector<std::string> mailTo(const SmtpSink& smtp, const std::string& address) {
  std::vector<std::string> out;
  for (const auto& m : smtp.messages())
    if (mailHeader(m, "To") == "<" + address + ">") out.push_back(decodedMail(m));
  return out;
}

Array::Ptr items(const Object::Ptr& list) { return list->getArray("items"); }

std::string obligationStatus(TestDaemon& d, const std::string& id) {
  return ok(httpRequest(d.port(), "GET", "/api/v1/obligations/" + segment(id), bearer(d.vlu)))
      ->getValue<std::string>("status");
}

int64_t auditCount(TestDaemon& d, const std::string& action) {
  auto lease = d.services.db.session();
  return storage::Store(lease).auditCount(action);
}

}  // namespace

TEST_CASE("The victim's ISVA gets exactly one email per key event, naming nobody, with only the victim's initials",
          "[notifications][smtp]") {
  TempDir mail;
  SmtpSink smtp(freePort(), mail.path + "/maildir");
  DaemonOptions options;
  options.smtp_port = smtp.port();
  options.start_scheduler = true;
  TestDaemon d(options);
  registerCase(d, "52NT0100126", "nt1-v", "isva-1", true);
  post(d, keyEvents("52NT0100126", "nt1-v"));

  REQUIRE(waitFor([&] { return mailTo(smtp, "jo.advocate@example.org").size() >= 4; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // nothing more is on its way
  const auto mails = mailTo(smtp, "jo.advocate@example.org");
  CHECK(mails.size() == 4);
  CHECK(mailTo(smtp, "kim.other@example.org").empty());  // not their client
  std::set<std::string> ids;
  for (const auto& m : mails) {
    ids.insert(mailHeader(m, "Message-ID"));
    CHECK(mailHeader(m, "Subject") == "Case update from the Crown Prosecution Service");
    CHECK(m.find("Dear Jo Advocate,") != std::string::npos);
    CHECK(m.find("52NT0100126") != std::string::npos);
    CHECK(m.find("initials S.Q.") != std::string::npos);
    CHECK(m.find("Bea Liaison") != std::string::npos);
    for (const std::string& never : {std::string("Quietname"), std::string("Private Road"), std::string("ZZ7 7ZZ"),
                                     std::string("1990"), std::string("mental"), std::string("SECRET-REASONS")}) {
      INFO(never);
      CHECK(m.find(never) == std::string::npos);
    }
  }
  CHECK(ids == std::set<std::string>{"<isva-notification.n-1@cps.example.org>", "<isva-notification.n-2@cps.example.org>",
                                     "<isva-notification.n-3@cps.example.org>", "<isva-notification.n-4@cps.example.org>"});
  const std::string all = mails[0] + mails[1] + mails[2] + mails[3];
  CHECK(all.find("decided to charge") != std::string::npos);
  CHECK(all.find("first hearing is at Sampleford Magistrates' Court on Thursday 16 April 2026") != std::string::npos);
  CHECK(all.find("pleaded not guilty") != std::string::npos);
  CHECK(all.find("trial is listed at Sampleford Crown Court on Monday 15 June 2026") != std::string::npos);
  CHECK(all.find("arranged for 14:30 on Tuesday 12 May 2026") != std::string::npos);
  CHECK(all.find("you are invited") != std::string::npos);
  CHECK(all.find("http://localhost:8080/inbox/n-") != std::string::npos);  // the ISVA's page (web tests follow it)

  // Delivered on Easter Monday, due Tuesday: each obligation is met, from the delivery time.
  REQUIRE(waitFor([&] { return obligationStatus(d, "ISVA-NOTE:nt1-v:52NT0100126-e7") == "met"; }));
  for (const char* e : {"e4", "e5", "e6"})
    CHECK(obligationStatus(d, std::string("ISVA-NOTE:nt1-v:52NT0100126-") + e) == "met");

  // A duplicate post of the same events sends nothing again.
  post(d, keyEvents("52NT0100126", "nt1-v"));
  d.services.scheduler.runPass();
  CHECK(mailTo(smtp, "jo.advocate@example.org").size() == 4);
}

TEST_CASE("No email without consent, and none that was queued before consent was withdrawn", "[notifications][smtp]") {
  TempDir mail;
  const uint16_t port = freePort();  // SMTP is down at first
  DaemonOptions options;
  options.smtp_port = port;
  TestDaemon d(options);  // the outbox is worked by hand

  SECTION("without consent nothing is even written") {
    registerCase(d, "52NT0200126", "nt2-v", "isva-1", false);
    post(d, keyEvents("52NT0200126", "nt2-v"));
    d.services.scheduler.runPass();
    CHECK(items(ok(httpRequest(d.port(), "GET", "/api/v1/notifications?case_urn=52NT0200126", bearer(d.vlu))))->size() == 0);
    storage::ObligationFilter f;
    auto lease = d.services.db.session();
    f.rule = "ISVA-NOTE";
    CHECK(storage::Store(lease).listObligations(f).empty());
  }

  SECTION("a notification waiting for SMTP when consent is withdrawn is withheld, and that is recorded") {
    registerCase(d, "52NT0300126", "nt3-v", "isva-1", true);
    post(d, {keyEvents("52NT0300126", "nt3-v")[2]});  // the trial listing
    d.services.scheduler.runPass();                    // SMTP is down: it waits to be tried again
    Object::Ptr n = items(ok(httpRequest(d.port(), "GET", "/api/v1/notifications?case_urn=52NT0300126", bearer(d.vlu))))
                        ->getObject(0);
    CHECK(n->getValue<std::string>("state") == "queued");
    CHECK(n->getValue<std::string>("note").find("attempt 1 failed") != std::string::npos);

    post(d, {event("52NT0300126-e8", "isva.consent_changed", "2026-04-03T09:00:00+01:00",
                   R"(,"case_urn":"52NT0300126","victim_id":"nt3-v","consent_to_share":false)")});
    SmtpSink smtp(port, mail.path + "/maildir");  // SMTP is back
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    d.services.scheduler.runPass();
    CHECK(smtp.messages().empty());

    n = ok(httpRequest(d.port(), "GET", "/api/v1/notifications/" + n->getValue<std::string>("id"), bearer(d.vlu)));
    CHECK(n->getValue<std::string>("state") == "withheld");
    CHECK(n->getValue<std::string>("note") == "not sent: the victim withdrew consent to share with their ISVA");
    Object::Ptr outbox = ok(httpRequest(d.port(), "GET", "/api/v1/outbox?kind=notification", bearer(d.vlu)));
    CHECK(items(outbox)->getObject(0)->getValue<std::string>("state") == "withheld");
    CHECK(obligationStatus(d, "ISVA-NOTE:nt3-v:52NT0300126-e6") == "cancelled");
    CHECK(auditCount(d, "notification_withheld") == 1);
    // The case's timeline says why, in the daemon's own event.
    Object::Ptr victim = ok(httpRequest(d.port(), "GET", "/api/v1/victims/nt3-v", bearer(d.vlu)));
    bool recorded = false;
    Array::Ptr timeline = victim->getArray("timeline");
    for (size_t i = 0; i < timeline->size(); ++i)
      recorded |= timeline->getObject(i)->getValue<std::string>("type") == "notification.withheld";
    CHECK(recorded);
    // And the ISVA never sees it.
    CHECK(items(ok(httpRequest(d.port(), "GET", "/api/v1/isva/notifications", bearer(d.isva))))->size() == 0);
  }
}

TEST_CASE("With SMTP down for a while, every notification arrives once it is back, exactly once",
          "[notifications][smtp]") {
  TempDir mail;
  const uint16_t port = freePort();
  DaemonOptions options;
  options.smtp_port = port;
  options.start_scheduler = true;
  options.scheduler_interval_seconds = 1;
  TestDaemon d(options);
  registerCase(d, "52NT0400126", "nt4-v", "isva-1", true);
  post(d, keyEvents("52NT0400126", "nt4-v"));
  REQUIRE(waitFor([&] {
    auto list = items(ok(httpRequest(d.port(), "GET", "/api/v1/outbox?kind=notification&state=retrying", bearer(d.vlu))));
    return list->size() == 4;
  }));
  std::this_thread::sleep_for(std::chrono::seconds(2));  // a few more failed tries

  SmtpSink smtp(port, mail.path + "/maildir");
  REQUIRE(waitFor([&] { return mailTo(smtp, "jo.advocate@example.org").size() >= 4; }));
  std::this_thread::sleep_for(std::chrono::seconds(2));  // the scheduler keeps running: nothing goes twice
  const auto mails = mailTo(smtp, "jo.advocate@example.org");
  std::set<std::string> ids;
  for (const auto& m : mails) ids.insert(mailHeader(m, "Message-ID"));
  CHECK(mails.size() == 4);
  CHECK(ids.size() == 4);
  Array::Ptr sent = items(ok(httpRequest(d.port(), "GET", "/api/v1/outbox?kind=notification&state=sent", bearer(d.vlu))));
  REQUIRE(sent->size() == 4);
  CHECK(sent->getObject(0)->getValue<int>("attempts") >= 2);
}

TEST_CASE("A dead notification waits in the outbox for a person, and goes when they retry it", "[notifications][smtp]") {
  TempDir mail;
  const uint16_t port = freePort();
  DaemonOptions options;
  options.smtp_port = port;
  options.max_attempts = 2;
  TestDaemon d(options);
  registerCase(d, "52NT0500126", "nt5-v", "isva-1", true);
  post(d, {keyEvents("52NT0500126", "nt5-v")[2]});
  d.services.scheduler.runPass();
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  d.services.scheduler.runPass();

  Array::Ptr dead = items(ok(httpRequest(d.port(), "GET", "/api/v1/outbox?state=dead", bearer(d.vlu))));
  REQUIRE(dead->size() == 1);
  const std::string id = dead->getObject(0)->getValue<std::string>("id");
  CHECK(dead->getObject(0)->getValue<std::string>("notification_id") == "n-1");
  CHECK(dead->getObject(0)->getValue<int>("attempts") == 2);
  CHECK(items(ok(httpRequest(d.port(), "GET", "/api/v1/notifications?state=dead", bearer(d.vlu))))->size() == 1);
  CHECK(obligationStatus(d, "ISVA-NOTE:nt5-v:52NT0500126-e6") == "pending");

  // Only a dead message can be retried, only by a VLU officer, and not one outside their Area.
  CHECK(httpRequest(d.port(), "POST", "/api/v1/outbox/" + id + "/retry", bearer(d.manager)).status == 403);
  CHECK(httpRequest(d.port(), "POST", "/api/v1/outbox/" + id + "/retry", bearer(d.vlu_london)).status == 404);
  CHECK(httpRequest(d.port(), "POST", "/api/v1/outbox/m-999/retry", bearer(d.vlu)).status == 404);

  SmtpSink smtp(port, mail.path + "/maildir");
  Object::Ptr retried = ok(httpRequest(d.port(), "POST", "/api/v1/outbox/" + id + "/retry", bearer(d.vlu)));
  CHECK(retried->getValue<std::string>("state") == "retrying");
  CHECK(retried->getValue<int>("attempts") == 0);
  CHECK(httpRequest(d.port(), "POST", "/api/v1/outbox/" + id + "/retry", bearer(d.vlu)).status == 409);
  d.services.scheduler.runPass();
  CHECK(mailTo(smtp, "jo.advocate@example.org").size() == 1);
  CHECK(obligationStatus(d, "ISVA-NOTE:nt5-v:52NT0500126-e6") == "met");
  CHECK(auditCount(d, "outbox_retry") == 1);
}

TEST_CASE("An ISVA's inbox holds their own notifications only; anything else is refused and audited",
          "[notifications][smtp]") {
  TempDir mail;
  SmtpSink smtp(freePort(), mail.path + "/maildir");
  DaemonOptions options;
  options.smtp_port = smtp.port();
  TestDaemon d(options);
  registerCase(d, "52NT0600126", "nt6-v", "isva-1", true);
  registerCase(d, "52NT0700126", "nt7-v", "isva-2", true);
  post(d, keyEvents("52NT0600126", "nt6-v"));
  post(d, {keyEvents("52NT0700126", "nt7-v")[1]});
  d.services.scheduler.runPass();
  REQUIRE(smtp.messages().size() == 5);

  Object::Ptr mine = ok(httpRequest(d.port(), "GET", "/api/v1/isva/notifications", bearer(d.isva)));
  CHECK(mine->getValue<std::string>("isva_id") == "isva-1");
  CHECK(mine->getValue<int>("unread") == 4);
  Array::Ptr list = items(mine);
  REQUIRE(list->size() == 4);
  for (size_t i = 0; i < list->size(); ++i) {
    CHECK(list->getObject(i)->getValue<std::string>("case_urn") == "52NT0600126");
    CHECK_FALSE(list->getObject(i)->has("victim_id"));  // the ISVA's view carries no victim id
  }
  Array::Ptr theirs = items(ok(httpRequest(d.port(), "GET", "/api/v1/isva/notifications", bearer(d.isva2))));
  REQUIRE(theirs->size() == 1);
  const std::string other = theirs->getObject(0)->getValue<std::string>("id");
  CHECK(theirs->getObject(0)->getValue<std::string>("headline") == "Plea entered");

  // Reading one: the whole notification, the read audited.
  const std::string first = list->getObject(0)->getValue<std::string>("id");
  Object::Ptr one = ok(httpRequest(d.port(), "GET", "/api/v1/isva/notifications/" + first, bearer(d.isva)));
  CHECK(one->getValue<std::string>("text").find("Dear Jo Advocate,") != std::string::npos);
  CHECK(auditCount(d, "read_notification") == 1);

  // Another ISVA's notification does not exist for this one; the attempt is audited.
  Reply denied = httpRequest(d.port(), "GET", "/api/v1/isva/notifications/" + other, bearer(d.isva));
  CHECK(denied.status == 404);
  CHECK(denied.body.find("Kim") == std::string::npos);
  CHECK(httpRequest(d.port(), "POST", "/api/v1/isva/notifications/" + other + "/read", bearer(d.isva)).status == 404);
  CHECK(auditCount(d, "read_notification_denied") == 2);
  // Victims' records are not an ISVA's to read, even their own client's: refused and audited.
  CHECK(httpRequest(d.port(), "GET", "/api/v1/victims/nt6-v", bearer(d.isva)).status == 403);
  CHECK(httpRequest(d.port(), "GET", "/api/v1/notifications", bearer(d.isva)).status == 403);
  CHECK(auditCount(d, "access_denied") == 2);
  // Nor is an ISVA's inbox anyone else's.
  CHECK(httpRequest(d.port(), "GET", "/api/v1/isva/notifications", bearer(d.vlu)).status == 403);

  // Marking one read: it moves behind the unread ones, and unread=true leaves it out.
  Object::Ptr read = ok(httpRequest(d.port(), "POST", "/api/v1/isva/notifications/" + first + "/read", bearer(d.isva)));
  CHECK_FALSE(read->isNull("read_at"));
  ok(httpRequest(d.port(), "POST", "/api/v1/isva/notifications/" + first + "/read", bearer(d.isva)));  // idempotent
  mine = ok(httpRequest(d.port(), "GET", "/api/v1/isva/notifications", bearer(d.isva)));
  CHECK(mine->getValue<int>("unread") == 3);
  CHECK(items(mine)->getObject(3)->getValue<std::string>("id") == first);
  CHECK(items(ok(httpRequest(d.port(), "GET", "/api/v1/isva/notifications?unread=true", bearer(d.isva))))->size() == 3);
  // The unread count is of them all, not of the page listed.
  Object::Ptr page = ok(httpRequest(d.port(), "GET", "/api/v1/isva/notifications?limit=1", bearer(d.isva)));
  CHECK(items(page)->size() == 1);
  CHECK(page->getValue<int>("unread") == 3);
  CHECK(httpRequest(d.port(), "GET", "/api/v1/isva/notifications?unread=maybe", bearer(d.isva)).status == 400);

  // An admin may read any ISVA's notification, but marking it read is that ISVA's own act.
  Object::Ptr seen = ok(httpRequest(d.port(), "GET", "/api/v1/isva/notifications/" + other, bearer(d.admin)));
  CHECK(seen->isNull("read_at"));
  Reply marked = httpRequest(d.port(), "POST", "/api/v1/isva/notifications/" + other + "/read", bearer(d.admin));
  CHECK(marked.status == 403);
  CHECK(marked.object()->getObject("error")->getValue<std::string>("code") == "forbidden");
  CHECK(auditCount(d, "mark_read_denied") == 1);
  CHECK(ok(httpRequest(d.port(), "GET", "/api/v1/isva/notifications", bearer(d.isva2)))->getValue<int>("unread") == 1);
}

TEST_CASE("Meetings are listed for VLU officers with their state and deadline, across a re-listed trial",
          "[notifications][meetings]") {
  DaemonOptions options;
  options.now = "2026-04-20T09:00:00+01:00";  // a week after the offer letters were due
  TestDaemon d(options);
  registerCase(d, "52MT0100126", "mt1-v", "isva-1", true);
  auto events = keyEvents("52MT0100126", "mt1-v");
  post(d, {events[0], events[1]});  // charge, not-guilty plea: a familiarisation meeting is offered
  Array::Ptr list = items(ok(httpRequest(d.port(), "GET", "/api/v1/meetings?case_urn=52MT0100126", bearer(d.vlu))));
  REQUIRE(list->size() == 1);
  Object::Ptr m = list->getObject(0);
  CHECK(m->getValue<std::string>("meeting") == "familiarisation_meeting");
  CHECK(m->getValue<std::string>("state") == "offered");
  CHECK(m->isNull("held_by"));
  // The offer letter was due Monday 13 April (5 working days, Easter skipped) and has not gone.
  CHECK(m->getArray("offers")->getObject(0)->getValue<std::string>("due_by") == "2026-04-13");
  CHECK(m->getArray("offers")->getObject(0)->getValue<std::string>("status") == "breached");

  post(d, {events[3]});  // accepted before any trial is listed
  m = items(ok(httpRequest(d.port(), "GET", "/api/v1/meetings?case_urn=52MT0100126", bearer(d.vlu))))->getObject(0);
  CHECK(m->getValue<std::string>("state") == "accepted");
  CHECK(m->getValue<bool>("isva_invited"));
  CHECK(m->getObject("response")->getValue<std::string>("scheduled_for") == "2026-05-12T14:30:00+01:00");
  CHECK(m->getValue<std::string>("deadline_note") == "no trial or s28 hearing is listed yet; the deadline is set when one is");

  post(d, {events[2]});  // the trial, Monday 15 June
  m = items(ok(httpRequest(d.port(), "GET", "/api/v1/meetings?state=accepted", bearer(d.vlu))))->getObject(0);
  CHECK(m->getObject("held_by")->getValue<std::string>("due_by") == "2026-06-11");
  CHECK(m->getObject("held_by")->getValue<std::string>("status") == "pending");

  // Re-listed for Tuesday 29 December 2026: two working days before, skipping Christmas and Boxing Day.
  post(d, {event("52MT0100126-e9", "hearing.listed", "2026-04-03T10:00:00+01:00",
                 R"(,"case_urn":"52MT0100126","kind":"trial","date":"2026-12-29","court":"Sampleford Crown Court")")});
  m = items(ok(httpRequest(d.port(), "GET", "/api/v1/meetings?case_urn=52MT0100126", bearer(d.vlu))))->getObject(0);
  const std::string held_id = m->getObject("held_by")->getValue<std::string>("obligation");
  CHECK(m->getObject("held_by")->getValue<std::string>("due_by") == "2026-12-23");
  Object::Ptr held = ok(httpRequest(d.port(), "GET", "/api/v1/obligations/" + segment(held_id), bearer(d.vlu)));
  CHECK(held->getValue<std::string>("rule") == "FAM-MEET-HELD");
  REQUIRE(held->getArray("changes")->size() == 1);
  CHECK(held->getArray("changes")->getObject(0)->getValue<std::string>("from_due_by") == "2026-06-11");

  // A VLU officer of another Area sees none of it; an unknown filter value is a 400.
  CHECK(items(ok(httpRequest(d.port(), "GET", "/api/v1/meetings", bearer(d.vlu_london))))->size() == 0);
  CHECK(httpRequest(d.port(), "GET", "/api/v1/meetings?state=maybe", bearer(d.vlu)).status == 400);

  post(d, {event("52MT0100126-e10", "meeting.held", "2026-04-03T11:00:00+01:00",
                 R"(,"case_urn":"52MT0100126","victim_id":"mt1-v","meeting":"familiarisation_meeting")")});
  m = items(ok(httpRequest(d.port(), "GET", "/api/v1/meetings?case_urn=52MT0100126", bearer(d.manager))))->getObject(0);
  CHECK(m->getValue<std::string>("state") == "held");
  CHECK(m->getObject("held_by")->getValue<std::string>("status") == "met");
}

namespace {

// The real notification listener, except that checking one message fails (as a broken store would).
class FailingCheck : public delivery::DeliveryListener {
 public:
  FailingCheck(notifications::NotificationService& real, int64_t failing_n) : real_(real), failing_n_(failing_n) {}
  std::string withholdReason(storage::Connection& s, const storage::OutboxRow& row) override {
    if (row.notification_n == failing_n_) throw std::runtime_error("the check failed");
    return real_.withholdReason(s, row);
  }
  void withheld(storage::Connection& s, const storage::OutboxRow& row, const std::string& why) override {
    real_.withheld(s, row, why);
  }
  void delivered(storage::Connection& s, const storage::OutboxRow& row, const std::string& receipt) override {
    real_.delivered(s, row, receipt);
  }
  void attemptFailed(storage::Connection& s, const storage::OutboxRow& row, const delivery::DeliveryOutcome& o,
                     bool dead, int64_t next) override {
    real_.attemptFailed(s, row, o, dead, next);
  }

 private:
  notifications::NotificationService& real_;
  int64_t failing_n_;
};

}  // namespace

TEST_CASE("One message that cannot be checked does not hold up the rest of the queue", "[notifications][smtp]") {
  TempDir mail;
  SmtpSink smtp(freePort(), mail.path + "/maildir");
  DaemonOptions options;
  options.smtp_port = smtp.port();
  TestDaemon d(options);
  registerCase(d, "52NT0800126", "nt8-v", "isva-1", true);
  post(d, {keyEvents("52NT0800126", "nt8-v")[1], keyEvents("52NT0800126", "nt8-v")[2]});  // n-1, n-2

  FailingCheck failing(d.services.notifications, 1);
  d.services.outbox.setListener("notification", &failing);
  CHECK(d.services.outbox.sendDue() == 1);
  CHECK(smtp.messages().size() == 1);
  CHECK(mailHeader(smtp.messages()[0], "Message-ID") == "<isva-notification.n-2@cps.example.org>");
  Object::Ptr n1 = ok(httpRequest(d.port(), "GET", "/api/v1/notifications/n-1", bearer(d.vlu)));
  CHECK(n1->getValue<std::string>("state") == "queued");  // untouched: the claim was undone with the failed check

  d.services.outbox.setListener("notification", &d.services.notifications);
  CHECK(d.services.outbox.sendDue() == 1);
  CHECK(smtp.messages().size() == 2);
}

TEST_CASE("An ISVA notification refused for good, or with TLS required but not offered, goes to a person at once",
          "[notifications][smtp][refusal][tls]") {
  TempDir mail;
  const std::string commands = mail.path + "/commands";
  DaemonOptions options;
  std::vector<std::string> sink_options = {"--commands", commands};
  std::string reason;
  SECTION("a 550 to RCPT TO") {
    sink_options.insert(sink_options.end(), {"--refuse-rcpt", "550 5.1.1 <jo.advocate@example.org>: no such user"});
    reason = "SMTP 550 (permanent refusal, not tried again)";
  }
  SECTION("smtp.require_tls and a server without STARTTLS") {
    options.smtp_require_tls = true;
    reason = "the server did not offer STARTTLS and smtp.require_tls is set";
  }
  SmtpSink smtp(freePort(), mail.path + "/maildir", sink_options);
  options.smtp_port = smtp.port();  // ten attempts allowed
  TestDaemon d(options);
  int64_t real_now = 1'800'000'000;
  d.services.outbox.setRealTime([&] { return real_now; });
  registerCase(d, "52NT0900126", "nt9-v", "isva-1", true);
  post(d, {keyEvents("52NT0900126", "nt9-v")[2]});
  d.services.scheduler.runPass();
  real_now += 7 * 24 * 3600;
  d.services.scheduler.runPass();

  CHECK(smtp.messages().empty());
  size_t mail_from = 0;
  for (const auto& line : SmtpSink::commandLines(commands)) mail_from += line.rfind("MAIL FROM", 0) == 0;
  CHECK(mail_from == (options.smtp_require_tls ? 0u : 1u));  // with TLS required, nothing of it went
  Array::Ptr dead = items(ok(httpRequest(d.port(), "GET", "/api/v1/outbox?state=failed_permanent", bearer(d.vlu))));
  REQUIRE(dead->size() == 1);
  CHECK(dead->getObject(0)->getValue<std::string>("state") == "dead");
  CHECK(dead->getObject(0)->getValue<std::string>("notification_id") == "n-1");
  CHECK(dead->getObject(0)->getValue<int>("attempts") == 1);
  CHECK(dead->getObject(0)->getValue<std::string>("last_error").find(reason) != std::string::npos);
  CHECK(items(ok(httpRequest(d.port(), "GET", "/api/v1/notifications?state=dead", bearer(d.vlu))))->size() == 1);
  CHECK(auditCount(d, "notification_delivery_failed") == 1);
  CHECK(obligationStatus(d, "ISVA-NOTE:nt9-v:52NT0900126-e6") == "pending");
}
