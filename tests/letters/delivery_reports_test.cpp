// What became of a letter after it left (issue 15, items 2 and 3): delivery reports (RFC 3464) that a
// real relay (the SMTP sink in report mode) delivers to the sender's mailbox, read from bounces.dir by
// the daemon's pass: a bounce of the sending that met the obligation reopens it and puts the letter
// back in the queue; a delivery report marks it delivered; a report about anything else changes nothing.

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include "delivery/dsn.h"
#include "support/events.h"
#include "support/replies.h"
#include "support/smtp_sink.h"
#include "support/test_daemon.h"

using namespace vc;           // NOLINT
using namespace vc::testing;  // NOLINT
using Poco::JSON::Array;
using Poco::JSON::Object;
namespace fs = std::filesystem;

namespace {

// A Postfix-style bounce: a text part, the delivery status, the returned headers.
const std::string kPostfixBounce =
    "Return-Path: <>\r\n"
    "From: MAILER-DAEMON@relay.example.org (Mail Delivery System)\r\n"
    "Subject: Undelivered Mail Returned to Sender\r\n"
    "Message-Id: <20260406080001.ABC@relay.example.org>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/report; report-type=delivery-status;\r\n"
    "\tboundary=\"ABC.1775462401/relay.example.org\"\r\n"
    "\r\n"
    "--ABC.1775462401/relay.example.org\r\n"
    "Content-Description: Notification\r\n"
    "Content-Type: text/plain; charset=us-ascii\r\n"
    "\r\n"
    "I'm sorry to have to inform you that your message could not be delivered.\r\n"
    "Message-ID: <not-this-one@example.org>\r\n"
    "\r\n"
    "--ABC.1775462401/relay.example.org\r\n"
    "Content-Description: Delivery report\r\n"
    "Content-Type: message/delivery-status\r\n"
    "\r\n"
    "Reporting-MTA: dns; relay.example.org\r\n"
    "X-Postfix-Queue-ID: ABC\r\n"
    "\r\n"
    "Final-Recipient: rfc822; sam.example@example.org\r\n"
    "Original-Recipient: rfc822;sam.example@example.org\r\n"
    "Action: failed\r\n"
    "Status: 5.1.1\r\n"
    "Remote-MTA: dns; mx.example.org\r\n"
    "Diagnostic-Code: smtp; 550 5.1.1 <sam.example@example.org>:\r\n"
    "    Recipient address rejected: User unknown\r\n"
    "\r\n"
    "--ABC.1775462401/relay.example.org\r\n"
    "Content-Description: Undelivered Message Headers\r\n"
    "Content-Type: text/rfc822-headers\r\n"
    "\r\n"
    "From: Victim Liaison Unit <vlu@cps.example.org>\r\n"
    "Message-ID: <letter.l-7.v3@cps.example.org>\r\n"
    "Subject: A letter from the Crown Prosecution Service\r\n"
    "\r\n"
    "--ABC.1775462401/relay.example.org--\r\n";

}  // namespace

TEST_CASE("A delivery report is read for what it says and about which message, and nothing else", "[dsn]") {
  SECTION("a bounce: the first recipient's action, status and diagnostic, and the returned Message-ID") {
    const delivery::DeliveryReport r = delivery::readDeliveryReport(kPostfixBounce);
    CHECK(r.is_report);
    CHECK(r.action == "failed");
    CHECK(r.status == "5.1.1");
    CHECK(r.diagnostic == "smtp; 550 5.1.1 <sam.example@example.org>: Recipient address rejected: User unknown");
    // Not the report's own id, nor one quoted in its text part.
    CHECK(r.message_ids == std::vector<std::string>{"<letter.l-7.v3@cps.example.org>"});
  }
  SECTION("a delivery report, with the whole message returned and bare LF line ends") {
    const delivery::DeliveryReport r = delivery::readDeliveryReport(
        "Content-Type: multipart/report; report-type=delivery-status; boundary=x\n\n--x\n"
        "Content-Type: message/delivery-status\n\nReporting-MTA: dns; mx\n\nFinal-Recipient: rfc822; a@example.org\n"
        "Action: delivered\nStatus: 2.0.0\n\n--x\nContent-Type: message/rfc822\n\n"
        "Message-ID: <isva-notification.n-3@cps.example.org>\nSubject: x\n\nbody\n--x--\n");
    CHECK(r.action == "delivered");
    CHECK(r.status == "2.0.0");
    CHECK(r.diagnostic.empty());
    CHECK(r.message_ids == std::vector<std::string>{"<isva-notification.n-3@cps.example.org>"});
  }
  SECTION("what is not a report") {
    for (const std::string& mail :
         {std::string("From: someone@example.org\r\nSubject: Out of office\r\nMessage-ID: <x@example.org>\r\n\r\n"
                      "Action: failed\r\nMessage-ID: <letter.l-7.v3@cps.example.org>\r\n"),
          std::string(""), std::string("\r\n\r\n"), std::string("Content-Type: multipart/report; boundary=\r\n\r\n--\r\n")}) {
      INFO(mail);
      const delivery::DeliveryReport r = delivery::readDeliveryReport(mail);
      CHECK_FALSE(r.is_report);
      CHECK(r.action.empty());
    }
  }
  SECTION("a status that is not an enhanced status code is not kept; control characters never are") {
    const delivery::DeliveryReport r = delivery::readDeliveryReport(
        "Content-Type: message/delivery-status\r\n\r\nAction: failed\r\nStatus: 550\r\nDiagnostic-Code: a\x01\x7f"
        "b\xc3\xa9\r\n");
    CHECK(r.action == "failed");
    CHECK(r.status.empty());
    CHECK(r.diagnostic == "a  b??");
  }
  SECTION("too large to be a report") {
    std::string mail = kPostfixBounce + std::string(delivery::kMaxDeliveryReportBytes, 'x');
    CHECK_FALSE(delivery::readDeliveryReport(mail).is_report);
  }
}

namespace {

struct ReportedMail {
  TempDir mail;
  std::string reports = mail.path + "/sender";  // the sender's Maildir the relay delivers reports into
  SmtpSink smtp;
  TestDaemon d;
  ReportedMail(const std::string& action)
      : smtp(freePort(), mail.path + "/maildir", {"--report-to", mail.path + "/sender", "--report-action", action}),
        d(options()) {}
  DaemonOptions options() {
    DaemonOptions o;
    o.smtp_port = smtp.port();
    o.bounces_dir = reports + "/new";
    return o;
  }
  Reply call(const std::string& method, const std::string& target, const std::string& token) {
    return httpRequest(d.port(), method, target, bearer(token));
  }
  // An emailed decision letter, approved by a second officer and sent: its obligation is met.
  std::string sentLetter(const std::string& urn, const std::string& victim) {
    Reply r = httpRequest(
        d.port(), "POST", "/api/v1/events", bearer(d.ingest),
        batch({jsonEvent(urn + "-e1", "case.registered", "2026-03-02T09:00:00Z", urn,
                         R"("area":"CPS South West","offences":["other"],"prosecutor":{"name":"Ada Prosecutor"})"),
               jsonEvent(urn + "-e2", "victim.registered", "2026-03-02T09:05:00Z", urn,
                         R"("victim_id":")" + victim +
                             R"(","name":{"given":"Sam","family":"Example"},"email":"sam.example@example.org","preferred_channel":"email")"),
               jsonEvent(urn + "-e3", "charging.decided", "2026-04-02T15:20:00+01:00", urn,
                         R"("decision":"no_further_action","reasons":"The evidence does not support a charge.")")}));
    INFO(r.body);
    REQUIRE(r.status == 200);
    Array::Ptr items = ok(call("GET", "/api/v1/letters?state=all&case_urn=" + urn, d.vlu))->getArray("items");
    REQUIRE(items->size() == 1);
    const std::string id = items->getObject(0)->getValue<std::string>("id");
    ok(call("POST", "/api/v1/letters/" + id + "/approve", d.vlu2));
    d.services.outbox.sendDue();
    Object::Ptr l = ok(call("GET", "/api/v1/letters/" + id, d.vlu));
    REQUIRE(l->getValue<std::string>("state") == "sent");
    // Accepted by the server with 250: accepted, nothing heard since.
    CHECK(l->getObject("delivery")->getValue<std::string>("status") == "accepted");
    CHECK(l->getObject("delivery")->isNull("outcome"));
    return id;
  }
  size_t filesIn(const std::string& dir) {
    size_t n = 0;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec))
      if (e.is_regular_file()) ++n;
    return n;
  }
};

}  // namespace

TEST_CASE("A bounce from the relay reopens the obligation, puts the letter back in the queue, and is read once",
          "[dsn][smtp][returned]") {
  ReportedMail m("failed");
  const std::string id = m.sentLetter("52DS0100126", "ds1-v");
  REQUIRE(m.filesIn(m.reports + "/new") == 1);  // the relay's report has arrived in the sender's mailbox

  m.d.services.scheduler.runPass();
  CHECK(m.filesIn(m.reports + "/new") == 0);
  CHECK(m.filesIn(m.reports + "/new/processed") == 1);

  Object::Ptr l = ok(m.call("GET", "/api/v1/letters/" + id, m.d.vlu));
  CHECK(l->getValue<std::string>("state") == "blocked");
  CHECK(l->getArray("blocked_by")->getObject(0)->getValue<std::string>("code") == "returned");
  CHECK(l->getValue<std::string>("obligation_status") == "pending");
  // The sending it came back from says what happened.
  Object::Ptr delivery = l->getObject("delivery");
  CHECK(delivery->getValue<std::string>("status") == "failed_permanent");
  CHECK(delivery->getValue<std::string>("failure") == "failed_permanent");
  CHECK(delivery->getObject("outcome")->getValue<std::string>("what") == "bounced");
  CHECK(delivery->getObject("outcome")->getValue<std::string>("detail") == "email bounced (5.1.1)");
  const std::string message_id = delivery->getValue<std::string>("message_id");  // <letter.l-N.vV@cps.example.org>
  const std::string key = message_id.substr(1, message_id.find('@') - 1);
  // On the case's timeline as the letter.bounced event an integration would have posted.
  Array::Ptr timeline = ok(m.call("GET", "/api/v1/cases/52DS0100126", m.d.vlu))->getArray("timeline");
  std::string bounce_type;
  for (size_t i = 0; i < timeline->size(); ++i)
    if (timeline->getObject(static_cast<unsigned>(i))->getValue<std::string>("id") == "dsn:" + key)
      bounce_type = timeline->getObject(static_cast<unsigned>(i))->getValue<std::string>("type");
  CHECK(bounce_type == "letter.bounced");
  Object::Ptr ob = ok(m.call("GET", "/api/v1/obligations/" + segment(l->getValue<std::string>("obligation_id")), m.d.vlu));
  CHECK(ob->getValue<std::string>("reopened_note") ==
        "letter " + id + " came back: email bounced (5.1.1) (event dsn:" + key + ")");
  // Managers find it among the messages a person must act on.
  Array::Ptr failed = ok(m.call("GET", "/api/v1/outbox?status=failed_permanent", m.d.manager))->getArray("items");
  REQUIRE(failed->size() == 1);
  CHECK(failed->getObject(0)->getValue<std::string>("letter_id") == id);
  CHECK(ok(m.call("GET", "/api/v1/letters?state=all&delivery_status=failed_permanent", m.d.vlu))->getArray("items")->size() == 1);

  // The same report again (a relay that retries) changes nothing: the event is already there.
  for (const auto& f : fs::directory_iterator(m.reports + "/new/processed"))
    fs::copy_file(f.path(), m.reports + "/new/again");
  m.d.services.scheduler.runPass();
  Object::Ptr after = ok(m.call("GET", "/api/v1/letters/" + id, m.d.vlu));
  CHECK(after->getArray("history")->size() == l->getArray("history")->size());
}

TEST_CASE("A delivery report marks the letter delivered, in its history and the audit log", "[dsn][smtp]") {
  ReportedMail m("delivered");
  const std::string id = m.sentLetter("52DS0200126", "ds2-v");
  m.d.services.scheduler.runPass();
  Object::Ptr l = ok(m.call("GET", "/api/v1/letters/" + id, m.d.vlu));
  CHECK(l->getValue<std::string>("state") == "sent");
  CHECK(l->getValue<std::string>("obligation_status") == "met");
  CHECK(l->getObject("delivery")->getValue<std::string>("status") == "delivered");
  CHECK(l->getValue<std::string>("delivery_status") == "delivered");
  Array::Ptr history = l->getArray("history");
  CHECK(history->getObject(history->size() - 1)->getValue<std::string>("action") == "delivered");
  Array::Ptr audit = ok(m.call("GET", "/api/v1/audit?action=letter_delivered", m.d.manager))->getArray("items");
  REQUIRE(audit->size() == 1);
  CHECK(audit->getObject(0)->getValue<std::string>("detail").find("status:2.0.0") != std::string::npos);
  CHECK(audit->getObject(0)->getValue<std::string>("detail").find("@") == std::string::npos);  // no address
}

TEST_CASE("A report about a message this daemon did not send, or not a report at all, changes nothing and is set "
          "aside for a person",
          "[dsn][smtp]") {
  ReportedMail m("failed");
  const std::string id = m.sentLetter("52DS0300126", "ds3-v");
  // The relay's genuine report is taken out of the way; what is left are forgeries and noise.
  for (const auto& f : fs::directory_iterator(m.reports + "/new")) fs::remove(f.path());
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(m.reports + "/new/" + name, std::ios::binary) << text;
  };
  auto replaced = [](std::string text, const std::string& from, const std::string& to) {
    text.replace(text.find(from), from.size(), to);
    return text;
  };
  const std::string key = "letter." + id + ".v1";
  write("1-other-domain", replaced(kPostfixBounce, "<letter.l-7.v3@cps.example.org>", "<" + key + "@elsewhere.example.org>"));
  write("2-unknown-letter", replaced(kPostfixBounce, "<letter.l-7.v3@cps.example.org>", "<letter.l-999.v1@cps.example.org>"));
  write("3-out-of-office", "From: someone@example.org\r\nSubject: Out of office\r\n\r\nI am away.\r\n");
  write(".4-being-delivered", kPostfixBounce);  // a dot file is still being written: left alone
  fs::create_symlink(m.reports + "/new/3-out-of-office", m.reports + "/new/5-link");
  m.d.services.scheduler.runPass();
  CHECK(m.filesIn(m.reports + "/new/unmatched") == 3);
  CHECK(fs::exists(m.reports + "/new/.4-being-delivered"));
  CHECK(fs::is_symlink(m.reports + "/new/5-link"));
  Object::Ptr l = ok(m.call("GET", "/api/v1/letters/" + id, m.d.vlu));
  CHECK(l->getValue<std::string>("state") == "sent");
  CHECK(l->getValue<std::string>("obligation_status") == "met");
  CHECK(l->getObject("delivery")->getValue<std::string>("status") == "accepted");
}

TEST_CASE("A bounced ISVA notification is failed_permanent for a person, and its note says what to do",
          "[dsn][smtp][isva]") {
  ReportedMail m("failed");
  Reply r = httpRequest(
      m.d.port(), "POST", "/api/v1/events", bearer(m.d.ingest),
      batch({R"({"id":"ds4-isva","type":"isva.registered","occurred_at":"2026-03-01T09:00:00Z","isva_id":"isva-ds4","name":"Jo Adviser","organisation":"Example Support","email":"jo.adviser@example.org"})",
             jsonEvent("ds4-e1", "case.registered", "2026-03-02T09:00:00Z", "52DS0400126",
                       R"("area":"CPS South West","offences":["rape"],"prosecutor":{"name":"Ada Prosecutor"})"),
             jsonEvent("ds4-e2", "victim.registered", "2026-03-02T09:05:00Z", "52DS0400126",
                       R"("victim_id":"ds4-v","name":{"given":"Sam","family":"Example"},"address":{"lines":["1 Example Street"],"postcode":"ZZ1 1AA"})"),
             jsonEvent("ds4-e3", "isva.assigned", "2026-03-02T09:10:00Z", "52DS0400126",
                       R"("victim_id":"ds4-v","isva_id":"isva-ds4","consent_to_share":true)"),
             jsonEvent("ds4-e4", "charging.decided", "2026-04-02T15:20:00+01:00", "52DS0400126",
                       R"("decision":"no_further_action","reasons":"The evidence does not support a charge.")")}));
  INFO(r.body);
  REQUIRE(r.status == 200);
  m.d.services.outbox.sendDue();
  Array::Ptr sent = ok(m.call("GET", "/api/v1/notifications?state=sent", m.d.vlu))->getArray("items");
  REQUIRE(sent->size() >= 1);
  m.d.services.scheduler.runPass();
  Array::Ptr failed = ok(m.call("GET", "/api/v1/outbox?status=failed_permanent&kind=notification", m.d.manager))->getArray("items");
  REQUIRE(failed->size() == sent->size());
  CHECK(failed->getObject(0)->getObject("outcome")->getValue<std::string>("what") == "bounced");
  Array::Ptr audit = ok(m.call("GET", "/api/v1/audit?action=notification_bounced", m.d.manager))->getArray("items");
  CHECK(audit->size() == sent->size());
}
