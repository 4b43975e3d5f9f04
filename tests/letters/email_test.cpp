// Emailed letters through a real SMTP server on loopback (Debian's aiosmtpd,
// started by the test): the letter arrives once, as text and HTML, with a
// subject that names nobody; SMTP down then up still delivers exactly once;
// STARTTLS with AUTH; and a message a stopped daemon left mid-send goes again
// with the same Message-ID. The daemon's own scheduler thread does the sending.
// A 5xx to RCPT TO or DATA is one attempt, then dead for a person; a 4xx is
// tried again; with smtp.require_tls nothing goes to a server without STARTTLS.

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <thread>
#include <tuple>

#include <catch2/catch.hpp>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include "storage/sqlite_connection.h"
#include "storage/sqlite_statement.h"
#include "storage/letter_store.h"
#include "storage/outbox_store.h"
#include "storage/store.h"
#include "support/smtp_sink.h"
#include "support/replies.h"
#include "support/test_daemon.h"

using namespace vc;          // NOLINT
using namespace vc::testing;  // NOLINT
using Poco::JSON::Object;

namespace {

// A victim who prefers email, with a decision not to charge: one letter, drafted at once.
std::string emailCase(const std::string& urn, const std::string& victim, const std::string& email) {
  return batch({R"({"id":")" + urn + R"(-e1","type":"case.registered","occurred_at":"2026-03-02T09:00:00Z","case_urn":")" +
                    urn + R"(","area":"CPS South West","offences":["rape"],"prosecutor":{"name":"Ada Prosecutor"}})",
                R"({"id":")" + urn + R"(-e2","type":"victim.registered","occurred_at":"2026-03-02T09:05:00Z","case_urn":")" +
                    urn + R"(","victim_id":")" + victim +
                    R"(","name":{"given":"Sam","family":"Mailtest"},"date_of_birth":"1990-05-01","address":{"lines":["7 Private Road","Sampleford"],"postcode":"ZZ7 7ZZ"},"email":")" +
                    email + R"(","preferred_channel":"email"})",
                R"({"id":")" + urn + R"(-e3","type":"charging.decided","occurred_at":"2026-04-02T15:20:00+01:00","case_urn":")" +
                    urn + R"(","decision":"no_further_action","reasons":"There is not enough evidence to charge."})"});
}

// Posts the case, checks the draft, approves it as a second officer (no edits: the system drafted it).
std::string approveEmailLetter(TestDaemon& d, const std::string& urn, const std::string& victim,
                               const std::string& email) {
  ok(httpRequest(d.port(), "POST", "/api/v1/events", bearer(d.ingest), emailCase(urn, victim, email)));
  Object::Ptr list = ok(httpRequest(d.port(), "GET", "/api/v1/letters?case_urn=" + urn, bearer(d.vlu)));
  REQUIRE(list->getArray("items")->size() == 1);
  Object::Ptr l = list->getArray("items")->getObject(0);
  REQUIRE(l->getValue<std::string>("channel") == "email");
  REQUIRE(l->getValue<std::string>("state") == "draft");
  const std::string id = l->getValue<std::string>("id");
  ok(httpRequest(d.port(), "POST", "/api/v1/letters/" + id + "/approve", bearer(d.vlu2)));
  return id;
}

Object::Ptr readLetter(TestDaemon& d, const std::string& id) {
  return ok(httpRequest(d.port(), "GET", "/api/v1/letters/" + id, bearer(d.vlu)));
}

// Polls until the letter's state is `state` or the time is up; returns the last reading.
Object::Ptr waitForState(TestDaemon& d, const std::string& id, const std::string& state, int seconds = 20) {
  Object::Ptr l;
  for (auto end = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
       std::chrono::steady_clock::now() < end; std::this_thread::sleep_for(std::chrono::milliseconds(100))) {
    l = readLetter(d, id);
    if (l->getValue<std::string>("state") == state) break;
  }
  return l;
}

int attempts(const Object::Ptr& l) {
  return l->isNull("delivery") ? 0 : l->getObject("delivery")->getValue<int>("attempts");
}


}  // namespace

TEST_CASE("An emailed letter reaches the victim once, as text and HTML, naming nobody in its subject", "[letters][smtp]") {
  TempDir mail;
  SmtpSink smtp(freePort(), mail.path + "/maildir");
  DaemonOptions options;
  options.smtp_port = smtp.port();
  options.start_scheduler = true;
  TestDaemon d(options);
  const std::string id = approveEmailLetter(d, "52EM0100126", "em1-v", "sam.mailtest@example.org");

  Object::Ptr l = waitForState(d, id, "sent");
  REQUIRE(l->getValue<std::string>("state") == "sent");
  CHECK(attempts(l) == 1);
  const auto messages = smtp.messages();
  REQUIRE(messages.size() == 1);
  const std::string& m = messages[0];
  CHECK(mailHeader(m, "To") == "<sam.mailtest@example.org>");
  CHECK(mailHeader(m, "From") == "vlu@cps.example.org");
  CHECK(mailHeader(m, "Subject") == "A letter from the Crown Prosecution Service");
  CHECK(mailHeader(m, "Message-ID") == "<letter." + id + ".v1@cps.example.org>");
  CHECK(mailHeader(m, "Content-Type").find("multipart/alternative") == 0);
  CHECK(m.find("Content-Type: text/plain; charset=UTF-8") != std::string::npos);
  CHECK(m.find("Content-Type: text/html; charset=UTF-8") != std::string::npos);
  CHECK(m.find("There is not enough evidence to charge.") != std::string::npos);
  CHECK(m.find("Dear Sam Mailtest,") != std::string::npos);
  for (const std::string& personal : {std::string("Mailtest"), std::string("Private Road"), std::string("1990")}) {
    INFO(personal);
    CHECK(mailHeader(m, "Subject").find(personal) == std::string::npos);
  }
  // By email, the letter shows no postal address.
  CHECK(l->getValue<std::string>("text").find("7 Private Road") == std::string::npos);
  CHECK(l->getValue<std::string>("text").find("By email: sam.mailtest@example.org") != std::string::npos);
  // Sent on Easter Monday, due Tuesday: the obligation is met.
  Object::Ptr o = ok(httpRequest(d.port(), "GET", "/api/v1/obligations/" + segment("VCL-NFA:em1-v:52EM0100126-e3"),
                                 bearer(d.vlu)));
  CHECK(o->getValue<std::string>("status") == "met");
}

TEST_CASE("A discreet victim whose suspect may share the address: switched to email, it goes with a neutral "
          "subject and sender name",
          "[letters][smtp][safety]") {
  TempDir mail;
  SmtpSink smtp(freePort(), mail.path + "/maildir");
  DaemonOptions options;
  options.smtp_port = smtp.port();
  options.start_scheduler = true;
  TestDaemon d(options);
  const std::string urn = "52SC0700126";
  ok(httpRequest(
      d.port(), "POST", "/api/v1/events", bearer(d.ingest),
      batch({R"({"id":"52SC0700126-e1","type":"case.registered","occurred_at":"2026-03-02T09:00:00Z","case_urn":"52SC0700126","area":"CPS South West","offences":["domestic_abuse"],"prosecutor":{"name":"Ada Prosecutor"}})",
             R"({"id":"52SC0700126-e2","type":"victim.registered","occurred_at":"2026-03-02T09:05:00Z","case_urn":"52SC0700126","victim_id":"sc7-v","name":{"given":"Sam","family":"Mailtest"},"address":{"lines":["7 Private Road","Sampleford"],"postcode":"ZZ7 7ZZ"},"email":"sam.mailtest@example.org","preferred_channel":"post","contact_safety":{"suspect_shares_address":true,"discreet":true}})",
             R"({"id":"52SC0700126-e3","type":"charging.decided","occurred_at":"2026-04-02T15:20:00+01:00","case_urn":"52SC0700126","decision":"no_further_action","reasons":"There is not enough evidence to charge."})"})));
  Object::Ptr l = ok(httpRequest(d.port(), "GET", "/api/v1/letters?case_urn=" + urn, bearer(d.vlu)))
                      ->getArray("items")
                      ->getObject(0);
  const std::string id = l->getValue<std::string>("id");
  REQUIRE(l->getValue<std::string>("state") == "blocked");
  ok(httpRequest(d.port(), "PUT", "/api/v1/letters/" + id, bearer(d.vlu),
                 std::string(R"({"version":1,"fields":{"channel":"email"}})")));
  ok(httpRequest(d.port(), "POST", "/api/v1/letters/" + id + "/approve", bearer(d.vlu2)));

  l = waitForState(d, id, "sent");
  REQUIRE(l->getValue<std::string>("state") == "sent");
  CHECK(l->getValue<std::string>("channel") == "email");
  const auto messages = smtp.messages();
  REQUIRE(messages.size() == 1);
  const std::string& m = messages[0];
  CHECK(mailHeader(m, "To") == "<sam.mailtest@example.org>");
  CHECK(mailHeader(m, "Subject") == "A letter for you");  // letters.discreet_subject's default
  CHECK(mailHeader(m, "From") == "\"Letters Team\" <vlu@cps.example.org>");
  for (const std::string& header : {mailHeader(m, "Subject"), mailHeader(m, "From")}) {
    CHECK(header.find("Crown Prosecution") == std::string::npos);
    CHECK(header.find("abuse") == std::string::npos);
  }
  // The letter itself may say who wrote it; its letterhead does not.
  const std::string text = decodedMail(m);
  CHECK(text.find("There is not enough evidence to charge.") != std::string::npos);
  CHECK(text.substr(0, text.find("Dear ")).find("Crown Prosecution Service") == std::string::npos);
}

TEST_CASE("With SMTP down the letter waits and is retried; once SMTP is back it is delivered exactly once",
          "[letters][smtp]") {
  TempDir mail;
  const uint16_t port = freePort();  // nothing listens yet
  DaemonOptions options;
  options.smtp_port = port;
  options.start_scheduler = true;
  options.scheduler_interval_seconds = 1;
  options.retry_base_seconds = 1;
  options.retry_max_seconds = 1;
  TestDaemon d(options);
  const std::string id = approveEmailLetter(d, "52EM0200126", "em2-v", "sam.mailtest@example.org");

  Object::Ptr l;
  for (auto end = std::chrono::steady_clock::now() + std::chrono::seconds(20);
       std::chrono::steady_clock::now() < end && attempts(l = readLetter(d, id)) < 2;
       std::this_thread::sleep_for(std::chrono::milliseconds(100))) {
  }
  REQUIRE(attempts(l) >= 2);
  CHECK(l->getValue<std::string>("state") == "approved");
  CHECK(l->getObject("delivery")->getValue<std::string>("state") == "retrying");
  CHECK(l->getObject("delivery")->getValue<std::string>("last_error").find("SMTP") == 0);
  CHECK(l->getValue<std::string>("obligation_status") == "pending");

  SmtpSink smtp(port, mail.path + "/maildir");  // SMTP comes back
  l = waitForState(d, id, "sent");
  REQUIRE(l->getValue<std::string>("state") == "sent");
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // a few more scheduler passes
  REQUIRE(smtp.messages().size() == 1);
  CHECK(mailHeader(smtp.messages()[0], "Message-ID") == "<letter." + id + ".v1@cps.example.org>");
  bool retried = false;
  Poco::JSON::Array::Ptr history = readLetter(d, id)->getArray("history");
  for (size_t i = 0; i < history->size(); ++i)
    retried = retried || history->getObject(static_cast<unsigned>(i))->getValue<std::string>("action") == "delivery_retry";
  CHECK(retried);
}

// [sqlite_only]: a restart takes back every 'sending' row only where the daemon is the file's one sender; on
// PostgreSQL the lease decides (the next test, on both stores).
TEST_CASE("A message the daemon was sending when it stopped is sent again with the same Message-ID",
          "[sqlite_only][letters][smtp]") {
  TempDir mail;
  SmtpSink smtp(freePort(), mail.path + "/maildir");
  DaemonOptions options;
  options.smtp_port = smtp.port();
  TestDaemon d(options);  // no scheduler yet: the outbox is worked by hand
  const std::string id = approveEmailLetter(d, "52EM0300126", "em3-v", "sam.mailtest@example.org");
  {
    // As if the daemon died between claiming the message and hearing back from SMTP.
    auto lease = d.services.db.session();
    storage::OutboxStore store(lease);
    auto message = store.latestForLetter(std::stoll(id.substr(2)));
    REQUIRE(message);
    REQUIRE(store.claim(message->id, "a-daemon-that-died", 4102444800));
    CHECK_FALSE(store.claim(message->id, "another-worker", 4102444800));  // a second worker cannot take it too
  }
  CHECK(d.services.outbox.sendDue() == 0);  // "sending" is nobody's to send
  CHECK(d.services.outbox.recover() == 1);
  CHECK(d.services.outbox.sendDue() == 1);
  REQUIRE(smtp.messages().size() == 1);
  CHECK(mailHeader(smtp.messages()[0], "Message-ID") == "<letter." + id + ".v1@cps.example.org>");
  Object::Ptr l = readLetter(d, id);
  CHECK(l->getValue<std::string>("state") == "sent");
  CHECK(attempts(l) == 2);
}

TEST_CASE("A message another daemon is sending is left alone until its lease runs out, then sent again with the same "
          "Message-ID, and the late daemon cannot record an outcome",
          "[letters][smtp][lease]") {
  TempDir mail;
  SmtpSink smtp(freePort(), mail.path + "/maildir");
  DaemonOptions options;
  options.smtp_port = smtp.port();
  TestDaemon d(options);  // the outbox is worked by hand
  int64_t real_now = 2000000000;
  d.services.outbox.setRealTime([&real_now] { return real_now; });
  const std::string id = approveEmailLetter(d, "52EM0400126", "em4-v", "sam.mailtest@example.org");
  int64_t message_id = 0;
  {
    // Another daemon on the same store took it a moment ago, with a lease of 300 s.
    auto lease = d.services.db.session();
    storage::OutboxStore store(lease);
    auto message = store.latestForLetter(std::stoll(id.substr(2)));
    REQUIRE(message);
    message_id = message->id;
    REQUIRE(store.claim(message_id, "the-other-daemon", real_now + 300));
  }
  CHECK(d.services.outbox.sendDue() == 0);  // theirs while the lease lasts
  if (d.onPostgres()) CHECK(d.services.outbox.recover() == 0);  // a start-up leaves a live daemon's lease alone
  real_now += 299;
  CHECK(d.services.outbox.sendDue() == 0);
  CHECK(smtp.messages().empty());
  real_now += 1;  // the lease has run out: the other daemon died mid-send
  CHECK(d.services.outbox.sendDue() == 1);
  REQUIRE(smtp.messages().size() == 1);
  CHECK(mailHeader(smtp.messages()[0], "Message-ID") == "<letter." + id + ".v1@cps.example.org>");
  Object::Ptr l = readLetter(d, id);
  CHECK(l->getValue<std::string>("state") == "sent");
  CHECK(attempts(l) == 2);
  {
    // The other daemon wakes up late: its outcome is not recorded over this one.
    auto lease = d.services.db.session();
    storage::OutboxStore store(lease);
    CHECK_FALSE(store.finishClaimed(message_id, "the-other-daemon", "retrying", "", "timed out", real_now));
    CHECK(store.find(message_id)->state == "sent");
  }
  CHECK(d.services.outbox.sendDue() == 0);
  CHECK(smtp.messages().size() == 1);
}

TEST_CASE("With smtp.starttls the letter goes over TLS, after AUTH", "[letters][smtp]") {
  TempDir tls;
  const std::string cert = tls.path + "/cert.pem", key = tls.path + "/key.pem";
  const std::string openssl = "openssl req -x509 -newkey rsa:2048 -nodes -keyout " + key + " -out " + cert +
                              " -days 2 -subj /CN=localhost -addext subjectAltName=DNS:localhost >/dev/null 2>&1";
  REQUIRE(std::system(openssl.c_str()) == 0);
  SmtpSink smtp(freePort(), tls.path + "/maildir", {"--tls", cert, key, "--auth", "vlu-mailer:s3cret"});
  DaemonOptions options;
  options.smtp_host = "localhost";  // the name the certificate is for
  options.smtp_port = smtp.port();
  options.smtp_starttls = true;
  options.smtp_ca_file = cert;
  options.max_attempts = 1;

  SECTION("with the right password, by AUTH PLAIN and by AUTH LOGIN") {
    options.smtp_user = "vlu-mailer";
    options.smtp_password = "s3cret";
    options.smtp_auth = GENERATE(std::string("plain"), std::string("login"));
    TestDaemon d(options);
    const size_t before = smtp.messages().size();
    const std::string id = approveEmailLetter(d, "52TL0100126", "tls1-v", "sam.mailtest@example.org");
    CHECK(d.services.outbox.sendDue() == 1);
    CHECK(readLetter(d, id)->getValue<std::string>("state") == "sent");
    CHECK(smtp.messages().size() == before + 1);
  }
  SECTION("without AUTH the server refuses, and the letter is kept for a person") {
    TestDaemon d(options);
    const std::string id = approveEmailLetter(d, "52TL0200126", "tls2-v", "sam.mailtest@example.org");
    CHECK(d.services.outbox.sendDue() == 0);
    Object::Ptr l = readLetter(d, id);
    CHECK(l->getValue<std::string>("state") == "approved");
    CHECK(l->getObject("delivery")->getValue<std::string>("state") == "dead");  // max_attempts = 1
    CHECK(smtp.messages().empty());
  }
}

// ---- Addresses that could carry SMTP commands (issue 13, item 1) ------------------------------

namespace {

// The attack as it was found: an address that closes the RCPT path and starts commands of its own.
const std::string kInjected =
    "v5@example.org>\r\nRCPT TO:<attacker@evil.example>\r\nDATA\r\nSubject: forged\r\n\r\nforged\r\n.\r\n";

}  // namespace

TEST_CASE("An email address that could carry SMTP commands is refused at ingest, naming the field",
          "[letters][smtp][hostile]") {
  TestDaemon d;
  auto refused = [&](const std::string& body, const std::string& field) {
    Reply r = httpRequest(d.port(), "POST", "/api/v1/events", bearer(d.ingest), body);
    INFO(r.body);
    CHECK(r.status == 400);
    CHECK(r.object()->getObject("error")->getValue<std::string>("field") == field);
  };
  auto quoted = [](const std::string& s) {
    std::string out;
    for (char c : s)
      out += c == '\r' ? std::string("\\r") : c == '\n' ? std::string("\\n") : c == '\t' ? std::string("\\t") : std::string(1, c);
    return out;
  };
  const std::vector<std::string> addresses = {kInjected,
                                              "v5@example.org\nBcc: attacker@evil.example",
                                              "Victim <v5@example.org>",
                                              "v5@example",
                                              "v5@@example.org",
                                              "v5@exa mple.org",
                                              "v5@example.org\t",
                                              "v5@example.org" + std::string(250, 'x')};
  for (const std::string& address : addresses) {
    INFO(quoted(address));
    const std::string email = "\"email\":\"" + quoted(address) + "\"";
    // The victim's own, a representative's, an ISVA's and a prosecutor's.
    refused(emailCase("52BA0100126", "ba1-v", quoted(address)), "email");
    refused(batch({R"({"id":"ba2-e1","type":"case.registered","occurred_at":"2026-03-02T09:00:00Z","case_urn":"52BA0200126","area":"CPS South West","offences":["rape"]})",
                   R"({"id":"ba2-e2","type":"victim.registered","occurred_at":"2026-03-02T09:05:00Z","case_urn":"52BA0200126","victim_id":"ba2-v","name":{"given":"Sam","family":"Child"},"representative":{"relationship":"parent_or_guardian","name":"Pat Child",)" +
                       email + "}}"}),
            "representative.email");
    refused(R"({"id":"ba3-i","type":"isva.registered","occurred_at":"2026-03-02T09:00:00Z","isva_id":"isva-ba3","name":"Alex Isva","organisation":"Support Org",)" +
                email + "}",
            "email");
    refused(R"({"id":"ba4-e1","type":"case.registered","occurred_at":"2026-03-02T09:00:00Z","case_urn":"52BA0400126","area":"CPS South West","offences":["other"],"prosecutor":{"name":"Ada Prosecutor",)" +
                email + "}}",
            "prosecutor.email");
  }
  Object::Ptr letters = ok(httpRequest(d.port(), "GET", "/api/v1/letters?state=all", bearer(d.vlu)));
  CHECK(letters->getArray("items")->size() == 0);  // nothing of any batch was stored
}

TEST_CASE("Plain addresses, dotted domains and address literals are accepted", "[letters][smtp]") {
  TestDaemon d;
  const std::string address =
      GENERATE(std::string("sam.o'neil+cps@example.org"), std::string("a@b.co"), std::string("x_y-z@mail.example.org.uk"),
               std::string("sam@[192.0.2.10]"), std::string("sam@[IPv6:2001:db8::1]"));
  INFO(address);
  ok(httpRequest(d.port(), "POST", "/api/v1/events", bearer(d.ingest), emailCase("52GA0100126", "ga1-v", address)));
}

TEST_CASE("A stored address from before the check is never sent: the message is dead at once and the SMTP server hears "
          "no command",
          "[letters][smtp][hostile]") {
  TempDir mail;
  const std::string commands = mail.path + "/commands.txt";
  SmtpSink smtp(freePort(), mail.path + "/maildir", {"--commands", commands});
  DaemonOptions options;
  options.smtp_port = smtp.port();
  TestDaemon d(options);  // the outbox is worked by hand

  // As a store written before the check would hold it: the address reached the outbox as the CMS sent it.
  const std::string bad = approveEmailLetter(d, "52IN0100126", "in1-v", "sam.mailtest@example.org");
  {
    auto lease = d.services.db.session();
    vc::storage::Query(vc::storage::sqlite(lease), "UPDATE outbox SET recipient = ? WHERE letter_n = ?")
        .bind(std::string(kInjected))
        .bind(static_cast<int64_t>(std::stoll(bad.substr(2))))
        .run();
  }
  CHECK(d.services.outbox.sendDue() == 0);
  Object::Ptr l = readLetter(d, bad);
  CHECK(l->getValue<std::string>("state") == "approved");
  Object::Ptr delivery = l->getObject("delivery");
  CHECK(delivery->getValue<std::string>("state") == "dead");  // not retried: a person must look
  CHECK(delivery->getValue<int>("attempts") == 1);
  CHECK_THAT(delivery->getValue<std::string>("last_error"), Catch::Contains("not a plain email address"));
  CHECK(d.services.outbox.sendDue() == 0);  // and it stays dead
  CHECK(SmtpSink::commandLines(commands).empty());  // not one command: no connection was made
  CHECK(smtp.messages().empty());

  // A good letter afterwards: the server hears one RCPT, to the victim, and nothing from the attacker.
  const std::string good = approveEmailLetter(d, "52IN0200126", "in2-v", "sam.mailtest@example.org");
  CHECK(d.services.outbox.sendDue() == 1);
  CHECK(readLetter(d, good)->getValue<std::string>("state") == "sent");
  std::vector<std::string> rcpt;
  for (const auto& line : SmtpSink::commandLines(commands)) {
    INFO(line);
    CHECK(line.find("evil.example") == std::string::npos);
    if (line.rfind("RCPT", 0) == 0) rcpt.push_back(line);
  }
  CHECK(rcpt == std::vector<std::string>{"RCPT TO: <sam.mailtest@example.org>"});
  REQUIRE(smtp.messages().size() == 1);
}

// ---- The SMTP reply class, and TLS required (issue 15, items 2 and 5) --------------------------

namespace {

// How many command lines the server received that start with `verb` ("RCPT TO", "MAIL FROM").
size_t commandsStarting(const std::string& file, const std::string& verb) {
  size_t n = 0;
  for (const auto& line : SmtpSink::commandLines(file))
    if (line.compare(0, verb.size(), verb) == 0) ++n;
  return n;
}

bool historyHas(const Object::Ptr& letter, const std::string& action) {
  Poco::JSON::Array::Ptr history = letter->getArray("history");
  for (size_t i = 0; i < history->size(); ++i)
    if (history->getObject(static_cast<unsigned>(i))->getValue<std::string>("action") == action) return true;
  return false;
}

int64_t auditCount(TestDaemon& d, const std::string& action) {
  auto lease = d.services.db.session();
  return storage::Store(lease).auditCount(action);
}

std::string selfSignedCertificate(const TempDir& dir) {
  const std::string cert = dir.path + "/cert.pem", key = dir.path + "/key.pem";
  const std::string openssl = "openssl req -x509 -newkey rsa:2048 -nodes -keyout " + key + " -out " + cert +
                              " -days 2 -subj /CN=localhost -addext subjectAltName=DNS:localhost >/dev/null 2>&1";
  REQUIRE(std::system(openssl.c_str()) == 0);
  return cert;
}

}  // namespace

TEST_CASE("A 5xx reply to RCPT TO or DATA is one attempt: the letter goes straight to a person, the reply in the reason",
          "[letters][smtp][refusal]") {
  TempDir mail;
  const std::string commands = mail.path + "/commands";
  const auto [option, reply, code] = GENERATE(
      std::make_tuple(std::string("--refuse-rcpt"),
                      std::string("550 5.1.1 <sam.mailtest@example.org>: Recipient address rejected: no such user"),
                      std::string("550")),
      std::make_tuple(std::string("--refuse-data"), std::string("554 5.7.1 Message rejected as spam"),
                      std::string("554")));
  INFO(option);
  SmtpSink smtp(freePort(), mail.path + "/maildir", {option, reply, "--commands", commands});
  DaemonOptions options;
  options.smtp_port = smtp.port();  // ten attempts allowed: none but the first is made
  TestDaemon d(options);
  int64_t real_now = 1'800'000'000;
  d.services.outbox.setRealTime([&] { return real_now; });
  const std::string id = approveEmailLetter(d, "52RF0100126", "rf1-v", "sam.mailtest@example.org");

  CHECK(d.services.outbox.sendDue() == 0);
  real_now += 7 * 24 * 3600;  // a week on: nothing is due again
  CHECK(d.services.outbox.sendDue() == 0);
  CHECK(commandsStarting(commands, "RCPT TO") == 1);
  CHECK(commandsStarting(commands, "DATA") == (option == "--refuse-data" ? 1u : 0u));
  CHECK(smtp.messages().empty());

  Object::Ptr l = readLetter(d, id);
  CHECK(l->getValue<std::string>("state") == "approved");  // not sent: the obligation stays open
  Object::Ptr delivery = l->getObject("delivery");
  CHECK(delivery->getValue<std::string>("state") == "dead");
  CHECK(delivery->getValue<std::string>("failure") == "failed_permanent");
  CHECK(delivery->getValue<int>("attempts") == 1);
  CHECK(delivery->isNull("next_attempt_at"));
  const std::string why = delivery->getValue<std::string>("last_error");
  INFO(why);
  CHECK(why.find("SMTP " + code + " (permanent refusal, not tried again)") == 0);
  CHECK(why.find(reply.substr(4)) != std::string::npos);  // the server's own words
  CHECK(historyHas(l, "delivery_failed"));
  CHECK(auditCount(d, "letter_delivery_failed") == 1);

  // The outbox lists it for a person under either name.
  for (const std::string& state : {std::string("dead"), std::string("failed_permanent")}) {
    Poco::JSON::Array::Ptr listed =
        ok(httpRequest(d.port(), "GET", "/api/v1/outbox?state=" + state, bearer(d.vlu)))->getArray("items");
    REQUIRE(listed->size() == 1);
    CHECK(listed->getObject(0)->getValue<std::string>("letter_id") == id);
    CHECK(listed->getObject(0)->getValue<std::string>("failure") == "failed_permanent");
  }
  CHECK(ok(httpRequest(d.port(), "GET", "/api/v1/outbox?state=failed_temporary", bearer(d.vlu)))
            ->getArray("items")
            ->size() == 0);
}

TEST_CASE("A 4xx reply is temporary: the letter is tried again, and goes when the server accepts it",
          "[letters][smtp][refusal]") {
  TempDir mail;
  const std::string commands = mail.path + "/commands";
  SmtpSink smtp(freePort(), mail.path + "/maildir",
                {"--refuse-rcpt", "451 4.3.0 Temporary local problem, try again later", "--refuse-times", "1",
                 "--commands", commands});
  DaemonOptions options;
  options.smtp_port = smtp.port();
  TestDaemon d(options);
  int64_t real_now = 1'800'000'000;
  d.services.outbox.setRealTime([&] { return real_now; });
  const std::string id = approveEmailLetter(d, "52RF0200126", "rf2-v", "sam.mailtest@example.org");

  CHECK(d.services.outbox.sendDue() == 0);
  Object::Ptr delivery = readLetter(d, id)->getObject("delivery");
  CHECK(delivery->getValue<std::string>("state") == "retrying");
  CHECK(delivery->getValue<std::string>("failure") == "failed_temporary");
  CHECK_FALSE(delivery->isNull("next_attempt_at"));
  CHECK(delivery->getValue<std::string>("last_error").find("SMTP 451 (temporary refusal, tried again)") == 0);
  CHECK(ok(httpRequest(d.port(), "GET", "/api/v1/outbox?state=failed_temporary", bearer(d.vlu)))
            ->getArray("items")
            ->size() == 1);
  CHECK(auditCount(d, "letter_delivery_failed") == 0);

  real_now += 3600;  // past the retry delay
  CHECK(d.services.outbox.sendDue() == 1);
  Object::Ptr l = readLetter(d, id);
  CHECK(l->getValue<std::string>("state") == "sent");
  CHECK(attempts(l) == 2);
  CHECK(l->getObject("delivery")->isNull("failure"));
  CHECK(commandsStarting(commands, "RCPT TO") == 2);
  CHECK(smtp.messages().size() == 1);
}

TEST_CASE("With smtp.require_tls, nothing is sent in clear text to a server that offers no STARTTLS",
          "[letters][smtp][tls]") {
  TempDir mail;
  const std::string commands = mail.path + "/commands";
  SmtpSink smtp(freePort(), mail.path + "/maildir", {"--commands", commands});  // plain: no STARTTLS
  DaemonOptions options;
  options.smtp_port = smtp.port();
  options.smtp_require_tls = true;
  TestDaemon d(options);
  int64_t real_now = 1'800'000'000;
  d.services.outbox.setRealTime([&] { return real_now; });
  const std::string id = approveEmailLetter(d, "52RT0100126", "rt1-v", "sam.mailtest@example.org");

  CHECK(d.services.outbox.sendDue() == 0);
  real_now += 7 * 24 * 3600;
  CHECK(d.services.outbox.sendDue() == 0);
  CHECK(commandsStarting(commands, "STARTTLS") == 1);  // asked for once, refused
  CHECK(commandsStarting(commands, "MAIL FROM") == 0);  // and nothing of the message went
  CHECK(commandsStarting(commands, "RCPT TO") == 0);
  CHECK(smtp.messages().empty());
  Object::Ptr delivery = readLetter(d, id)->getObject("delivery");
  CHECK(delivery->getValue<std::string>("state") == "dead");
  CHECK(delivery->getValue<std::string>("failure") == "failed_permanent");
  CHECK(delivery->getValue<int>("attempts") == 1);
  CHECK(delivery->getValue<std::string>("last_error").find(
            "the server did not offer STARTTLS and smtp.require_tls is set") != std::string::npos);
  CHECK(auditCount(d, "letter_delivery_failed") == 1);
}

TEST_CASE("With smtp.require_tls and a server that offers STARTTLS, the letter goes, encrypted",
          "[letters][smtp][tls]") {
  TempDir tls;
  const std::string cert = selfSignedCertificate(tls);
  const std::string commands = tls.path + "/commands";
  SmtpSink smtp(freePort(), tls.path + "/maildir", {"--tls", cert, tls.path + "/key.pem", "--commands", commands});
  DaemonOptions options;
  options.smtp_host = "localhost";  // the name the certificate is for
  options.smtp_port = smtp.port();
  options.smtp_require_tls = true;  // smtp.starttls itself left off
  options.smtp_ca_file = cert;
  TestDaemon d(options);
  const std::string id = approveEmailLetter(d, "52RT0200126", "rt2-v", "sam.mailtest@example.org");

  CHECK(d.services.outbox.sendDue() == 1);
  CHECK(readLetter(d, id)->getValue<std::string>("state") == "sent");
  REQUIRE(smtp.messages().size() == 1);
  // The sink requires STARTTLS before MAIL FROM (it refuses it otherwise): STARTTLS came first.
  const auto lines = SmtpSink::commandLines(commands);
  const auto starttls = std::find_if(lines.begin(), lines.end(), [](const std::string& l) { return l.rfind("STARTTLS", 0) == 0; });
  const auto mail_from = std::find_if(lines.begin(), lines.end(), [](const std::string& l) { return l.rfind("MAIL FROM", 0) == 0; });
  REQUIRE(starttls != lines.end());
  REQUIRE(mail_from != lines.end());
  CHECK(starttls < mail_from);
}
