// The retention purge on a real SQLite file: a case that ended long enough ago
// loses its personal data (replaced by keyed markers) from every table and from the
// file itself, while the compliance ledger's figures and the audit chain stay
// as they were; a case still open, or ended too recently, is left alone.

#include <fstream>
#include <iterator>
#include <string>

#include <catch2/catch.hpp>

#include <Poco/Data/Session.h>
#include <Poco/File.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include "storage/sqlite_connection.h"
#include "common/sha256.h"
#include "common/keyring.h"
#include "retention/purger.h"
#include "storage/audit_log.h"
#include "storage/retention_store.h"
#include "support/events.h"
#include "support/replies.h"
#include "support/smtp_sink.h"
#include "support/test_daemon.h"

using namespace vc;  // NOLINT
using namespace Poco::Data::Keywords;
using Poco::JSON::Object;
using testing::bearer;
constexpr auto ev = testing::jsonEvent;
using testing::ok;
using testing::segment;
using testing::TestDaemon;

namespace {

std::string victim(const std::string& id, const std::string& at, const std::string& urn, const std::string& family) {
  return ev(id + "-reg", "victim.registered", at, urn,
            R"("victim_id":")" + id + R"(","name":{"given":"Pat","family":")" + family +
                R"("},"address":{"lines":["1 )" + family + R"( Street","Sampleford"],"postcode":"SF1 1AA"},)"
                R"("email":"pat.)" + family + R"(@example.org","date_of_birth":"1990-02-03")");
}

std::string fileText(const std::string& path) {
  if (!Poco::File(path).exists()) return "";
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("A purge replaces an ended case's personal data with keyed markers and keeps the ledger and audit chain",
          "[purge]") {
  TestDaemon d([] {
    testing::DaemonOptions o;
    o.now = "2026-09-01T09:00:00+01:00";
    return o;
  }());
  const std::string ended = "52PG0000001", open = "52PG0000002", recent = "52PG0000003";
  const std::string nfa_id = "VCL-NFA:pg1-v:pg1-nfa";
  ok(testing::httpRequest(
      d.port(), "POST", "/api/v1/events", bearer(d.ingest),
      testing::batch({
          ev("pg1-case", "case.registered", "2026-04-01T09:00:00+01:00", ended,
             R"("area":"CPS South West","offences":["other"],"prosecutor":{"name":"Ann Lawyer, synthetic"})"),
          victim("pg1-v", "2026-04-01T09:01:00+01:00", ended, "Purgecase"),
          ev("pg1-nfa", "charging.decided", "2026-04-02T10:00:00+01:00", ended,
             R"("decision":"no_further_action","reasons":"The account of Purgecase's neighbour could not be tested.")"),
          ev("pg1-done", "contact.recorded", "2026-04-15T10:00:00+01:00", ended,
             R"("victim_id":"pg1-v","obligation":")" + nfa_id + R"(","by":"cps","notes":"Phoned Purgecase.")"),
          ev("pg2-case", "case.registered", "2026-04-01T09:00:00+01:00", open, R"("area":"CPS South West","offences":["other"])"),
          victim("pg2-v", "2026-04-01T09:01:00+01:00", open, "Keepcase"),
          ev("pg2-charge", "charging.decided", "2026-04-02T10:00:00+01:00", open, R"("decision":"charge")"),
          ev("pg3-case", "case.registered", "2026-08-01T09:00:00+01:00", recent, R"("area":"CPS South West","offences":["other"])"),
          victim("pg3-v", "2026-08-01T09:01:00+01:00", recent, "Recentcase"),
          ev("pg3-nfa", "charging.decided", "2026-08-20T10:00:00+01:00", recent, R"("decision":"no_further_action")"),
          ev("pg3-done", "contact.recorded", "2026-08-21T10:00:00+01:00", recent,
             R"("victim_id":"pg3-v","obligation":"VCL-NFA:pg3-v:pg3-nfa","by":"cps")"),
      })));
  // The NFA letter was late (due Monday 13 April, recorded on the 15th); the officer's note names the victim.
  ok(testing::httpRequest(d.port(), "POST", "/api/v1/obligations/" + segment(nfa_id) + "/reason", bearer(d.vlu),
                          std::string(R"({"reason":"victim_unreachable","note":"Purgecase was abroad"})")));

  const std::string report_query = "/api/v1/compliance?from=2026-04-01&to=2026-08-31&group_by=area";
  auto before_report = ok(testing::httpRequest(d.port(), "GET", report_query, bearer(d.manager)));
  std::string event_body;
  {
    auto lease = d.services.db.session();
    Poco::Data::Session& s = vc::storage::sqlite(lease);
    s << "SELECT body FROM events WHERE id = 'pg1-v-reg'", into(event_body), now;
  }
  REQUIRE(event_body.find("Purgecase") != std::string::npos);
  const auto before_chain = [&] {
    auto lease = d.services.db.session();
    return storage::AuditLog(lease).verify();
  }();
  REQUIRE(before_chain.ok);

  retention::Purger purger(d.services.db, *d.services.clock);
  SECTION("a dry run lists the ended case and changes nothing") {
    auto dry = purger.run(*domain::Date::parse("2026-06-01"), true, "cli");
    REQUIRE(dry.cases.size() == 1);
    CHECK(dry.cases[0].urn == ended);
    CHECK(dry.cases[0].ended_on == "2026-04-15");
    if (!d.onPostgres()) {
      const std::string file = fileText(d.settings.db_path) + fileText(d.settings.db_path + "-wal");
      CHECK(file.find("Purgecase") != std::string::npos);
    }
    auto lease = d.services.db.session();
    CHECK(storage::AuditLog(lease).count("case_purged") == 0);
  }

  SECTION("the purge") {
    auto result = purger.run(*domain::Date::parse("2026-06-01"), false, "cli");
    REQUIRE(result.cases.size() == 1);  // not the open case, nor the one that ended in August
    CHECK(result.cases[0].urn == ended);
    CHECK(result.cases[0].values > 5);
    CHECK(result.checkpointed);

    // The victim's name is nowhere in the database file any more; the other victims' still are. (SQLite's
    // file: what PostgreSQL keeps, and for how long, is in docs/compliance.md.)
    if (!d.onPostgres()) {
      const std::string file = fileText(d.settings.db_path) + fileText(d.settings.db_path + "-wal");
      CHECK(file.find("Purgecase") == std::string::npos);
      CHECK(file.find("1990-02-03") != std::string::npos);  // the other two victims share the synthetic birth date
      CHECK(file.find("Keepcase") != std::string::npos);
      CHECK(file.find("Recentcase") != std::string::npos);
    }

    // What was there is replaced by its marker: HMAC-SHA256, under the retention key, of the case and the
    // value's SHA-256 (as a holder of the key would check a guess).
    {
      auto lease = d.services.db.session();
      Poco::Data::Session& s = vc::storage::sqlite(lease);
      std::string purged_body;
      s << "SELECT body FROM events WHERE id = 'pg1-v-reg'", into(purged_body), now;
      const Keyring& keys = *d.services.db.options().retention_keys;
      CHECK(purged_body == storage::RetentionStore::marker(keys, ended, event_body));
      CHECK(purged_body == "{\"purged\":\"hmac-sha256:" + keys.currentId() + ":" +
                               hmacSha256Hex(keys.size() == 1 ? testing::rawKey(d.settings.retention_key_file) : "",
                                             "victim-comms purge v1\n" + ended + "\n" + sha256Hex(event_body)) +
                               "\"}");
      CHECK(purged_body.find(sha256Hex(event_body)) == std::string::npos);
    }
    auto v = ok(testing::httpRequest(d.port(), "GET", "/api/v1/victims/pg1-v", bearer(d.vlu)));
    CHECK(v->getObject("profile")->getValue<std::string>("purged").rfind("hmac-sha256:", 0) == 0);
    auto obligations = v->getArray("obligations");
    REQUIRE(obligations->size() == 1);
    CHECK(obligations->getObject(0)->getValue<std::string>("status") == "late");
    CHECK(obligations->getObject(0)->getValue<std::string>("explanation_text") == "(removed by the retention purge)");

    // The ledger counts exactly as before; the audit chain verifies, one entry longer.
    auto after_report = ok(testing::httpRequest(d.port(), "GET", report_query, bearer(d.manager)));
    std::ostringstream before_sections, after_sections;
    before_report->getArray("sections")->stringify(before_sections);
    after_report->getArray("sections")->stringify(after_sections);
    CHECK(after_sections.str() == before_sections.str());
    auto misses = after_report->getArray("misses");
    REQUIRE(misses->size() == 1);
    CHECK(misses->getObject(0)->getValue<std::string>("outcome") == "late");
    CHECK(misses->getObject(0)->getObject("reason")->getValue<std::string>("code") == "victim_unreachable");
    auto chain = ok(testing::httpRequest(d.port(), "GET", "/api/v1/audit/verify", bearer(d.manager)));
    CHECK(chain->getValue<bool>("ok"));
    auto purges = ok(testing::httpRequest(d.port(), "GET", "/api/v1/audit?action=case_purged", bearer(d.manager)))
                      ->getArray("items");
    REQUIRE(purges->size() == 1);
    CHECK(purges->getObject(0)->getValue<std::string>("subject") == "case:" + ended);

    // The purged case takes no more events; nothing of a refused batch is stored.
    const auto events_before = [&] {
      auto lease = d.services.db.session();
      return storage::Store(lease).eventCount();
    }();
    auto refused = testing::httpRequest(
        d.port(), "POST", "/api/v1/events", bearer(d.ingest),
        testing::batch({ev("pg2-late", "hearing.listed", "2026-09-01T08:00:00+01:00", open,
                           R"("kind":"trial","date":"2026-10-01","court":"Test Court")"),
                        ev("pg1-late", "hearing.listed", "2026-09-01T08:00:00+01:00", ended,
                           R"("kind":"appeal","date":"2026-10-01","court":"Test Court")")}));
    CHECK(refused.status == 409);
    CHECK(refused.object()->getObject("error")->getValue<std::string>("field") == "case_urn");
    auto lease = d.services.db.session();
    CHECK(storage::Store(lease).eventCount() == events_before);

    // Running it again finds nothing more to do.
    CHECK(purger.run(*domain::Date::parse("2026-06-01"), false, "cli").cases.empty());
  }
}

// What a purge must not leave behind: for a victim of a sexual offence, who has lifelong anonymity,
// anyone holding the file must not be able to confirm a guess of who she was. So neither any value
// the case held nor the plain SHA-256 of any value may be left in the file or its write-ahead log
// (an unsalted hash of a name, email or postcode is confirmed by hashing the guess).
// [sqlite_only]: reads the SQLite file's bytes (on PostgreSQL what a purge leaves is in docs/compliance.md).
TEST_CASE("A purge leaves neither any personal value of the case nor a plain hash of one in the file", "[sqlite_only][purge]") {
  testing::TempDir mail;
  testing::SmtpSink smtp(testing::freePort(), mail.path + "/maildir");
  testing::DaemonOptions o;
  o.now = "2026-09-01T09:00:00+01:00";
  o.smtp_port = smtp.port();
  TestDaemon d(o);
  const std::string urn = "52PG0000009";
  const std::string given = "Jessamy", family = "Purgeable", title = "Ms", email = "jessamy.purgeable@example.org",
                    born = "1987-07-19", line1 = "14 Quillfeather Row", line2 = "Unusualton", postcode = "QX9 4ZZ",
                    phone = "07700 900417", prosecutor = "Octavia Rarename";
  ok(testing::httpRequest(
      d.port(), "POST", "/api/v1/events", bearer(d.ingest),
      testing::batch({
          ev("pz-case", "case.registered", "2026-04-01T09:00:00+01:00", urn,
             R"("area":"CPS South West","offences":["rape"],"prosecutor":{"name":")" + prosecutor + R"("})"),
          ev("pz-v", "victim.registered", "2026-04-01T09:01:00+01:00", urn,
             R"("victim_id":"pz-v1","title":")" + title + R"(","name":{"given":")" + given + R"(","family":")" + family +
                 R"("},"date_of_birth":")" + born + R"(","address":{"lines":[")" + line1 + R"(",")" + line2 +
                 R"("],"postcode":")" + postcode + R"("},"email":")" + email + R"(","phone":")" + phone +
                 R"(","preferred_channel":"email")"),
          ev("pz-nfa", "charging.decided", "2026-04-02T10:00:00+01:00", urn,
             R"("decision":"no_further_action","reasons":"The account could not be supported.")"),
      })));
  // The decision letter is emailed to her: approved by a second officer and sent through SMTP.
  auto letters = ok(testing::httpRequest(d.port(), "GET", "/api/v1/letters?case_urn=" + urn, bearer(d.vlu)))->getArray("items");
  REQUIRE(letters->size() == 1);
  const std::string letter = letters->getObject(0)->getValue<std::string>("id");
  ok(testing::httpRequest(d.port(), "POST", "/api/v1/letters/" + letter + "/approve", bearer(d.vlu2)));
  d.services.outbox.sendDue();
  REQUIRE(ok(testing::httpRequest(d.port(), "GET", "/api/v1/letters/" + letter, bearer(d.vlu)))
              ->getValue<std::string>("state") == "sent");
  ok(testing::httpRequest(d.port(), "POST", "/api/v1/obligations/" + segment("VCL-NFA:pz-v1:pz-nfa") + "/reason",
                          bearer(d.vlu), std::string(R"({"reason":"other","note":"Ms Purgeable asked for email only"})")));

  const std::vector<std::string> values = {given, family, given + " " + family, title + " " + given + " " + family,
                                           title + " " + family, email, born, line1, line2, postcode, phone, prosecutor};
  auto fileBytes = [&] { return fileText(d.settings.db_path) + fileText(d.settings.db_path + "-wal"); };
  {
    const std::string before = fileBytes();
    for (const auto& v : {family, email, postcode, born}) {
      INFO(v);
      REQUIRE(before.find(v) != std::string::npos);  // the search can find them while they are there
    }
  }
  retention::Purger purger(d.services.db, *d.services.clock);
  auto result = purger.run(*domain::Date::parse("2026-10-01"), false, "cli");
  REQUIRE(result.cases.size() == 1);
  REQUIRE(result.checkpointed);

  const std::string file = fileBytes();
  for (const auto& v : values) {
    INFO("the value '" << v << "'");
    CHECK(file.find(v) == std::string::npos);
    INFO("its SHA-256 " << sha256Hex(v));
    CHECK(file.find(sha256Hex(v)) == std::string::npos);
  }
}

// A store purged by schema 7 or older holds unkeyed markers, {"purged":"sha256:<hex>"}: each is as much a
// confirmation oracle as the plain hashes above. The upgrade re-keys them, and nothing of them is left.
// [sqlite_only]: an upgrade of an older SQLite store.
TEST_CASE("Upgrading re-keys the unkeyed markers an older purge left, so the file no longer confirms a guess",
          "[sqlite_only][purge]") {
  testing::TempDir dir;
  const std::string path = dir.path + "/v6.db", urn = "52PG0000042";
  const std::string email = "lee.legacy@example.org", profile = R"({"name":{"given":"Lee","family":"Legacyname"}})",
                    explanation = R"({"text":"Lee Legacyname is a victim of a sexual offence"})";
  auto unkeyed = [](const std::string& value) { return "{\"purged\":\"sha256:" + sha256Hex(value) + "\"}"; };
  {
    storage::Database db(path, 2);
    db.migrateTo(6);
    auto lease = db.session();
    Poco::Data::Session& s = vc::storage::sqlite(lease);
    // What a purge at schema 6 left: the case, its victim and an email letter, each value replaced by its SHA-256.
    s << "INSERT INTO events(id, type, case_urn, victim_id, occurred_at, local_date, received_at, body) VALUES("
         "'lg-v', 'victim.registered', ?, 'lg-v1', '2026-01-05T09:00:00Z', '2026-01-05', '2026-01-05T09:00:00Z', ?)",
        bind(urn), bind(unkeyed(profile)), now;
    s << "INSERT INTO cases(urn, area, unit, details, registered_event, last_event_seq, purged_at) VALUES(?, "
         "'CPS South West', 'RASSO', ?, 'lg-v', 1, '2026-08-01T09:00:00Z')",
        bind(urn), bind(unkeyed("{}")), now;
    s << "INSERT INTO victims(victim_id, case_urn, enhanced, reasons, profile, consent_to_share, opted_out) VALUES("
         "'lg-v1', ?, 1, ?, ?, 0, '[]')",
        bind(urn), bind(unkeyed("[\"sexual_offence\"]")), bind(unkeyed(profile)), now;
    s << "INSERT INTO obligations(id, rule, policy, basis, kind, victim_id, case_urn, area, trigger_event, tier, due_by, "
         "status, body, created_n) VALUES('VCL-NFA:lg-v1:lg-v', 'VCL-NFA', 'p', 'code', 'letter', 'lg-v1', ?, "
         "'CPS South West', 'lg-v', 'enhanced', '2026-01-12', 'met', json_object('explanation', json(?)), 1)",
        bind(urn), bind(unkeyed(explanation)), now;
    s << "INSERT INTO letters(obligation_id, kind, language, channel, state, version, letter_date, blocked_by, fields, "
         "free_text, context_hash, template_version, policy, recipient_email, html, text, note, created_at, updated_at) "
         "VALUES('VCL-NFA:lg-v1:lg-v', 'decision_not_to_prosecute', 'en', 'email', 'sent', 1, '2026-01-06', '[]', ?, ?, "
         "'c', 't', 'p', ?, ?, ?, ?, '2026-01-06T09:00:00Z', '2026-01-06T09:00:00Z')",
        bind(unkeyed("{}")), bind(unkeyed("x")), bind(unkeyed(email)), bind(unkeyed("<p>Dear Lee</p>")),
        bind(unkeyed("Dear Lee")), bind(unkeyed("n")), now;
  }
  REQUIRE(fileText(path).find(sha256Hex(email)) != std::string::npos);

  storage::Database db(path, testing::keyedStore(dir.path, 2));
  db.migrate();
  const Keyring& keys = *db.options().retention_keys;
  auto lease = db.session();
  Poco::Data::Session& s = vc::storage::sqlite(lease);
  std::string recipient, event_body, explanation_marker;
  s << "SELECT recipient_email FROM letters", into(recipient), now;
  s << "SELECT body FROM events WHERE id = 'lg-v'", into(event_body), now;
  s << "SELECT json_extract(body, '$.explanation') FROM obligations", into(explanation_marker), now;
  // Keyed, and still the same value for whoever holds the key and the value.
  CHECK(recipient == storage::RetentionStore::marker(keys, urn, email));
  CHECK(event_body == storage::RetentionStore::marker(keys, urn, profile));
  CHECK(explanation_marker == storage::RetentionStore::marker(keys, urn, explanation));
  Poco::Int64 unkeyed_left = 0;
  s << "SELECT (SELECT COUNT(*) FROM events WHERE body LIKE '%\"sha256:%') + (SELECT COUNT(*) FROM victims WHERE "
       "profile LIKE '%\"sha256:%' OR reasons LIKE '%\"sha256:%') + (SELECT COUNT(*) FROM cases WHERE details LIKE "
       "'%\"sha256:%') + (SELECT COUNT(*) FROM letters WHERE recipient_email LIKE '%\"sha256:%' OR html LIKE "
       "'%\"sha256:%' OR text LIKE '%\"sha256:%' OR note LIKE '%\"sha256:%') + (SELECT COUNT(*) FROM obligations WHERE "
       "body LIKE '%\"sha256:%')",
      into(unkeyed_left), now;
  CHECK(unkeyed_left == 0);
  const std::string file = fileText(path) + fileText(path + "-wal");
  for (const auto& v : {email, profile, explanation}) {
    INFO(v);
    CHECK(file.find(sha256Hex(v)) == std::string::npos);
  }
  // The triggers let nothing change a marker now: neither back to an unkeyed one, nor to another keyed one.
  CHECK_THROWS(s << "UPDATE events SET body = ? WHERE id = 'lg-v'", bind(unkeyed("other")), now);
  CHECK_THROWS(s << "UPDATE events SET body = ? WHERE id = 'lg-v'",
               bind(storage::RetentionStore::marker(keys, urn, "other")), now);
}
