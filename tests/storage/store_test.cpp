#include <catch2/catch.hpp>

#include <Poco/File.h>
#include <Poco/JSON/Parser.h>
#include <Poco/TemporaryFile.h>

#include "common/error.h"
#include "domain/clock.h"
#include "domain/delivery_status.h"
#include "ingest/ingestor.h"
#include "loading/policy_files.h"
#include "storage/database.h"
#include "storage/outbox_store.h"
#include "storage/store.h"
#include "support/test_daemon.h"

using namespace vc;

namespace {

struct Policy {
  domain::WorkingDayCalendar calendar = loading::loadCalendar(VC_SOURCE_DIR "/config/calendars/england-and-wales.json");
  domain::RuleBook rules = loading::loadRuleBook({VC_SOURCE_DIR "/config/rules/victims-code-2020.json"});
  domain::Engine engine{rules, calendar};
  domain::FixedClock clock{*domain::parseRfc3339("2026-04-06T09:00:00+01:00")};
};
Policy& policy() {
  static Policy kPolicy;
  return kPolicy;
}

// A fresh directory holding one SQLite file, removed afterwards.
struct TempDb {
  Poco::TemporaryFile dir;
  std::string path;
  TempDb() {
    dir.createDirectories();
    path = dir.path() + "/store.db";
  }
};

std::vector<Poco::Dynamic::Var> events(const std::string& json_array) {
  Poco::JSON::Parser parser;
  auto arr = parser.parse(json_array).extract<Poco::JSON::Array::Ptr>();
  std::vector<Poco::Dynamic::Var> out;
  for (size_t i = 0; i < arr->size(); ++i) out.push_back(arr->get(static_cast<unsigned>(i)));
  return out;
}

const char* kExample = R"([
 {"id":"e1","type":"case.registered","occurred_at":"2026-03-30T09:00:00+01:00","case_urn":"52SW0100126",
  "area":"CPS South West","offences":["rape"],"prosecutor":{"name":"A. Khan"}},
 {"id":"e2","type":"victim.registered","occurred_at":"2026-03-30T09:05:00+01:00","case_urn":"52SW0100126",
  "victim_id":"v1","name":{"given":"Sam","family":"Jones"},"date_of_birth":"1990-05-01",
  "address":{"lines":["1 High St","Bristol"],"postcode":"BS1 1AA"},"language":"en"},
 {"id":"e3","type":"charging.decided","occurred_at":"2026-04-02T15:20:00+01:00","case_urn":"52SW0100126",
  "decision":"no_further_action","reasons":"..."}])";

int64_t count(storage::Database& db, const std::string& table) {
  auto lease = db.session();
  Poco::Int64 n = 0;
  using namespace Poco::Data::Keywords;
  lease.get() << "SELECT COUNT(*) FROM " + table, into(n), now;
  return n;
}

}  // namespace

TEST_CASE("migrations create the schema in an empty file, once", "[storage]") {
  TempDb t;
  storage::Database db(t.path, testing::keyedStore(t.dir.path()));
  CHECK(db.schemaVersion() == 0);
  auto [from, to] = db.migrate();
  CHECK(from == 0);
  CHECK(to == storage::Database::latestSchemaVersion());
  CHECK(db.migrate().first == to);  // a second run changes nothing
  auto lease = db.session();
  std::string mode;
  int fk = 0, sync = 0;
  using namespace Poco::Data::Keywords;
  lease.get() << "PRAGMA journal_mode", into(mode), now;
  lease.get() << "PRAGMA foreign_keys", into(fk), now;
  lease.get() << "PRAGMA synchronous", into(sync), now;
  CHECK(mode == "wal");
  CHECK(fk == 1);
  CHECK(sync == 2);  // FULL
}

TEST_CASE("events are stored with their derived state, and a repeat is a counted duplicate", "[storage]") {
  TempDb t;
  storage::Database db(t.path, testing::keyedStore(t.dir.path()));
  db.migrate();
  ingest::Ingestor ingestor(db, policy().engine, policy().clock);
  auto first = ingestor.ingest(events(kExample));
  CHECK(first.accepted == 3);
  CHECK(first.duplicates == 0);
  auto again = ingestor.ingest(events(kExample));
  CHECK(again.accepted == 0);
  CHECK(again.duplicates == 3);
  CHECK(count(db, "events") == 3);
  auto lease = db.session();
  storage::Store store(lease);
  auto nfa = store.findObligation("VCL-NFA:v1:e3");
  REQUIRE(nfa);
  CHECK(nfa->due_by == "2026-04-07");
  CHECK(store.findVictim("v1")->enhanced);
}

TEST_CASE("the same id with different content is a conflict and stores nothing of the batch", "[storage]") {
  TempDb t;
  storage::Database db(t.path, testing::keyedStore(t.dir.path()));
  db.migrate();
  ingest::Ingestor ingestor(db, policy().engine, policy().clock);
  ingestor.ingest(events(kExample));
  auto changed = events(R"([
    {"id":"e4","type":"plea.entered","occurred_at":"2026-04-03T10:00:00+01:00","case_urn":"52SW0100126","plea":"guilty"},
    {"id":"e3","type":"charging.decided","occurred_at":"2026-04-02T15:20:00+01:00","case_urn":"52SW0100126","decision":"charge"}])");
  try {
    ingestor.ingest(changed);
    FAIL("expected a conflict");
  } catch (const Error& e) {
    CHECK(e.kind() == Error::Kind::kConflict);
    CHECK(e.index() == 1u);
    CHECK(e.field() == "id");
  }
  CHECK(count(db, "events") == 3);  // e4 was not kept
}

TEST_CASE("one bad event rejects the whole batch and loses nothing already stored", "[storage]") {
  TempDb t;
  storage::Database db(t.path, testing::keyedStore(t.dir.path()));
  db.migrate();
  ingest::Ingestor ingestor(db, policy().engine, policy().clock);
  ingestor.ingest(events(kExample));
  const int64_t obligations_before = count(db, "obligations");
  auto batch = events(R"([
    {"id":"n1","type":"case.registered","occurred_at":"2026-04-01T09:00:00+01:00","case_urn":"01LN0200126","area":"CPS London North","offences":["other"]},
    {"id":"n2","type":"victim.registered","occurred_at":"2026-04-01T09:00:00+01:00","case_urn":"01LN0200126","victim_id":"v9","name":{"given":"Alex","family":"Sample"}},
    {"id":"n3","type":"charging.decided","occurred_at":"2026-04-01 10:00","case_urn":"01LN0200126","decision":"no_further_action"}])");
  try {
    ingestor.ingest(batch);
    FAIL("expected a 400");
  } catch (const Error& e) {
    CHECK(e.kind() == Error::Kind::kInvalidArgument);
    CHECK(e.index() == 2u);
    CHECK(e.field() == "occurred_at");
    CHECK_THAT(e.what(), Catch::StartsWith("events[2].occurred_at: not an RFC 3339 timestamp"));
  }
  CHECK(count(db, "events") == 3);
  CHECK(count(db, "cases") == 1);
  CHECK(count(db, "obligations") == obligations_before);
}

TEST_CASE("a deadline beyond the calendar is refused and nothing is stored", "[storage]") {
  TempDb t;
  storage::Database db(t.path, testing::keyedStore(t.dir.path()));
  db.migrate();
  domain::FixedClock in_2029(*domain::parseRfc3339("2029-01-03T12:00:00Z"));
  ingest::Ingestor ingestor(db, policy().engine, in_2029);
  ingestor.ingest(events(kExample));
  try {
    ingestor.ingest(events(R"([{"id":"late1","type":"hearing.listed","occurred_at":"2029-01-03T10:00:00Z",
                                "case_urn":"52SW0100126","kind":"trial","date":"2029-02-01","court":"Bristol Crown Court"}])"));
    FAIL("expected a 400");
  } catch (const Error& e) {
    CHECK(e.kind() == Error::Kind::kInvalidArgument);
    CHECK_THAT(e.what(), Catch::Contains("covers 2024 to 2028"));
  }
  CHECK(count(db, "events") == 3);
}

TEST_CASE("stored events cannot be changed or deleted", "[storage]") {
  TempDb t;
  storage::Database db(t.path, testing::keyedStore(t.dir.path()));
  db.migrate();
  ingest::Ingestor ingestor(db, policy().engine, policy().clock);
  ingestor.ingest(events(kExample));
  auto lease = db.session();
  using namespace Poco::Data::Keywords;
  CHECK_THROWS(lease.get() << "UPDATE events SET body = '{}' WHERE id = 'e1'", now);
  CHECK_THROWS(lease.get() << "DELETE FROM events WHERE id = 'e1'", now);
}

TEST_CASE("a restart keeps everything", "[storage]") {
  TempDb t;
  {
    storage::Database db(t.path, testing::keyedStore(t.dir.path()));
    db.migrate();
    ingest::Ingestor ingestor(db, policy().engine, policy().clock);
    ingestor.ingest(events(kExample));
  }
  storage::Database reopened(t.path, testing::keyedStore(t.dir.path()));
  CHECK(reopened.migrate().first == storage::Database::latestSchemaVersion());
  CHECK(count(reopened, "events") == 3);
  ingest::Ingestor ingestor(reopened, policy().engine, policy().clock);
  CHECK(ingestor.ingest(events(kExample)).duplicates == 3);
  auto lease = reopened.session();
  storage::Store store(lease);
  CHECK(store.findObligation("VCL-NFA:v1:e3")->due_by == "2026-04-07");
}

TEST_CASE("A store written by schema 8 upgrades to 9 with nothing lost: queued mail keeps going, with no sender name",
          "[storage][migrate]") {
  TempDb t;
  int64_t events_before = 0, obligations_before = 0;
  {
    storage::Database db(t.path, testing::keyedStore(t.dir.path()));
    db.migrateTo(8);
    ingest::Ingestor ingestor(db, policy().engine, policy().clock);
    REQUIRE(ingestor.ingest(events(kExample)).accepted == 3);
    auto lease = db.session();
    using namespace Poco::Data::Keywords;
    lease.get() << "INSERT INTO outbox(channel, name, recipient, subject, message_id, body_text, body_html, state, "
                   "attempts, next_attempt_at, last_error, created_at) VALUES('email', 'Sam Example', "
                   "'sam.example@example.org', 'A letter from the Crown Prosecution Service', '<m1@example.org>', "
                   "'text', '<p>html</p>', 'queued', 0, 0, '', '2026-04-06T08:00:00Z')",
        now;
    events_before = count(db, "events");
    obligations_before = count(db, "obligations");
    REQUIRE(db.schemaVersion() == 8);
  }
  storage::Database db(t.path, testing::keyedStore(t.dir.path()));
  CHECK(db.migrate() == std::make_pair(8, storage::Database::latestSchemaVersion()));
  CHECK(count(db, "events") == events_before);
  CHECK(count(db, "obligations") == obligations_before);
  auto lease = db.session();
  using namespace Poco::Data::Keywords;
  std::string recipient, state, sender_name = "unset";
  lease.get() << "SELECT recipient, state, sender_name FROM outbox WHERE message_id = '<m1@example.org>'",
      into(recipient), into(state), into(sender_name), now;
  CHECK(recipient == "sam.example@example.org");
  CHECK(state == "queued");
  CHECK(sender_name.empty());  // sent as before: smtp.sender, no display name
}

TEST_CASE("A store written by schema 9 upgrades to 10: a letter already spooled belongs to no print batch, and new ones do",
          "[storage][migrate]") {
  TempDb t;
  int64_t events_before = 0;
  {
    storage::Database db(t.path, testing::keyedStore(t.dir.path()));
    db.migrateTo(9);
    ingest::Ingestor ingestor(db, policy().engine, policy().clock);
    REQUIRE(ingestor.ingest(events(kExample)).accepted == 3);
    auto lease = db.session();
    using namespace Poco::Data::Keywords;
    lease.get() << "INSERT INTO outbox(channel, name, recipient, subject, message_id, body_text, body_html, state, "
                   "attempts, next_attempt_at, last_error, created_at, sent_at, sender_name) VALUES('post', 'l-1', "
                   "'', '', '<m9@example.org>', 'text', '<p>html</p>', 'sent', 1, 0, '', '2026-04-06T08:00:00Z', "
                   "'2026-04-06T08:00:00Z', '')",
        now;
    events_before = count(db, "events");
    REQUIRE(db.schemaVersion() == 9);
  }
  storage::Database db(t.path, testing::keyedStore(t.dir.path()));
  CHECK(db.migrateTo(10) == std::make_pair(9, 10));
  CHECK(count(db, "events") == events_before);
  CHECK(count(db, "print_batches") == 0);
  auto lease = db.session();
  using namespace Poco::Data::Keywords;
  std::string state;
  Poco::Nullable<Poco::Int64> batch;
  lease.get() << "SELECT state, print_batch FROM outbox", into(state), into(batch), now;
  CHECK(state == "sent");
  CHECK(batch.isNull());  // spooled before batches: never reported overdue (version 11 gives it a confirmed batch)
}

TEST_CASE("A store written by schema 10 upgrades to 11: what was heard of sent letters is kept, nothing waits for a "
          "print room confirmation that cannot come",
          "[storage][migrate]") {
  TempDb t;
  int64_t events_before = 0, history_before = 0;
  {
    storage::Database db(t.path, testing::keyedStore(t.dir.path()));
    db.migrateTo(10);
    ingest::Ingestor ingestor(db, policy().engine, policy().clock);
    REQUIRE(ingestor.ingest(events(kExample)).accepted == 3);
    auto lease = db.session();
    using namespace Poco::Data::Keywords;
    // Two letters on the example's obligation and a made-up one, each sent under schema 10: l-1 by post
    // before print batches existed, then returned; l-2 by email, twice: the first sending bounced.
    std::string obligation;
    lease.get() << "SELECT id FROM obligations ORDER BY id LIMIT 1", into(obligation), now;
    lease.get() << "CREATE TEMP TABLE copy AS SELECT * FROM obligations WHERE id = ?", bind(obligation), now;
    lease.get() << "UPDATE copy SET id = id || '-copy'", now;
    lease.get() << "INSERT INTO obligations SELECT * FROM copy", now;
    for (const std::string& o : {obligation, obligation + "-copy"})
      lease.get() << "INSERT INTO letters(obligation_id, kind, language, channel, state, version, letter_date, "
                     "blocked_by, fields, free_text, context_hash, template_version, policy, recipient_email, html, "
                     "text, note, created_at, updated_at) VALUES(?, 'nfa', 'en', 'post', 'blocked', 1, '2026-04-03', "
                     "'[]', '{}', '', '', '', '', '', '', '', '', '2026-04-03T09:00:00Z', '2026-04-03T09:00:00Z')",
          bind(o), now;
    auto message = [&](int letter, const std::string& channel, const std::string& id, const std::string& sent_at) {
      lease.get() << "INSERT INTO outbox(letter_n, channel, name, recipient, subject, message_id, body_text, body_html, "
                     "state, attempts, next_attempt_at, last_error, created_at, sent_at, sender_name) VALUES(?, ?, "
                     "'l', '', '', ?, 'text', '<p>html</p>', 'sent', 1, 0, '', ?, ?, '')",
          bind(letter), bind(channel), bind(id), bind(sent_at), bind(sent_at), now;
    };
    auto history = [&](int letter, const std::string& action, const std::string& at, const std::string& note) {
      lease.get() << "INSERT INTO letter_history(letter_n, n, at, actor, action, from_state, to_state, version, note) "
                     "VALUES(?, (SELECT COUNT(*) + 1 FROM letter_history WHERE letter_n = ?), ?, 'system', ?, 'sent', "
                     "'blocked', 1, ?)",
          bind(letter), bind(letter), bind(at), bind(action), bind(note), now;
    };
    message(1, "post", "<letter.l-1.v1@example.org>", "2026-04-03T10:00:00Z");
    history(1, "returned", "2026-04-05T10:00:00Z", "letter l-1 came back: returned by post (moved) (event r1)");
    message(2, "email", "<letter.l-2.v1@example.org>", "2026-04-03T10:00:00Z");
    history(2, "bounced", "2026-04-03T11:00:00Z", "letter l-2 came back: email bounced (5.1.1) (event b1)");
    message(2, "email", "<letter.l-2.v2@example.org>", "2026-04-04T10:00:00Z");
    events_before = count(db, "events");
    history_before = count(db, "letter_history");
    REQUIRE(db.schemaVersion() == 10);
  }
  storage::Database db(t.path, testing::keyedStore(t.dir.path()));
  CHECK(db.migrate() == std::make_pair(10, storage::Database::latestSchemaVersion()));
  CHECK(count(db, "events") == events_before);
  CHECK(count(db, "letter_history") == history_before);
  auto lease = db.session();
  storage::OutboxStore outbox(lease);
  auto returned = outbox.findByMessageId("<letter.l-1.v1@example.org>");
  REQUIRE(returned);
  CHECK(returned->outcome == "returned");
  CHECK(returned->outcome_at == "2026-04-05T10:00:00Z");
  CHECK(returned->print_batch != 0);  // the upgrade's batch, confirmed: handed over when it was spooled
  CHECK(!returned->print_confirmed_at.empty());
  CHECK(domain::deliveryStatus({returned->state, returned->channel, true, returned->outcome}) == "returned");
  auto bounced = outbox.findByMessageId("<letter.l-2.v1@example.org>");
  REQUIRE(bounced);
  CHECK(bounced->outcome == "bounced");
  auto resent = outbox.findByMessageId("<letter.l-2.v2@example.org>");
  REQUIRE(resent);
  CHECK(resent->outcome.empty());  // the second sending did not come back
  CHECK(outbox.list({"", "", "", "accepted"}).size() == 1);
  CHECK(outbox.list({"", "", "", "returned"}).size() == 1);
  CHECK(outbox.list({"", "", "", "failed_permanent"}).size() == 1);
}

TEST_CASE("Filtering the outbox by delivery status in SQL gives what domain::deliveryStatus says of each message",
          "[storage][delivery]") {
  TempDb t;
  storage::Database db(t.path, testing::keyedStore(t.dir.path()));
  db.migrate();
  auto lease = db.session();
  using namespace Poco::Data::Keywords;
  lease.get() << "INSERT INTO print_batches(created_at, created_at_s, letters, manifest, confirmed_at, confirmed_by) "
                 "VALUES('2026-04-06T08:00:00Z', 0, 1, 'batch-1.manifest.json', '2026-04-06T09:00:00Z', 'print-room'), "
                 "('2026-04-06T08:00:00Z', 0, 1, 'batch-2.manifest.json', NULL, NULL)",
      now;
  int i = 0;
  for (const std::string state : {"queued", "sending", "retrying", "sent", "dead", "withheld", "cancelled"})
    for (const std::string channel : {"post", "email"})
      for (int batch : {0, 1, 2})
        for (const std::string outcome : {"", "delivered", "returned", "bounced"}) {
          const std::string id = "<m" + std::to_string(++i) + "@example.org>";
          lease.get() << "INSERT INTO outbox(channel, name, recipient, subject, message_id, body_text, body_html, state, "
                         "attempts, next_attempt_at, last_error, created_at, print_batch, outcome) "
                         "VALUES(?, 'x', '', '', ?, '', '', ?, 0, 0, '', '2026-04-06T08:00:00Z', NULLIF(?, 0), ?)",
              bind(channel), bind(id), bind(state), bind(batch), bind(outcome), now;
        }
  storage::OutboxStore outbox(lease);
  const auto all = outbox.list({"", "", "", "", 1000});
  REQUIRE(all.size() == static_cast<size_t>(i));
  size_t listed = 0;
  for (const std::string& status : domain::deliveryStatuses()) {
    const auto rows = outbox.list({"", "", "", status, 1000});
    listed += rows.size();
    for (const auto& m : rows) {
      INFO(m.message_id << " " << m.state << " " << m.channel << " " << m.print_batch << " " << m.outcome);
      CHECK(domain::deliveryStatus({m.state, m.channel, !m.print_confirmed_at.empty(), m.outcome}) == status);
    }
  }
  CHECK(listed == all.size());  // every message has exactly one of the statuses
}

TEST_CASE("A store from before the scheduler's indexes upgrades with nothing lost: every case is looked at once, "
          "every open obligation swept once, every letter sorted by its obligation's due date",
          "[storage][migrate]") {
  TempDb t;
  int64_t events_before = 0, obligations_before = 0;
  {
    storage::Database db(t.path, testing::keyedStore(t.dir.path()));
    db.migrateTo(storage::Database::latestSchemaVersion() - 1);
    ingest::Ingestor ingestor(db, policy().engine, policy().clock);
    REQUIRE(ingestor.ingest(events(kExample)).accepted == 3);
    auto lease = db.session();
    using namespace Poco::Data::Keywords;
    // A letter, as LetterService drafts one (its columns before the upgrade).
    lease.get() << "INSERT INTO letters(n, obligation_id, kind, language, channel, state, version, letter_date, "
                   "blocked_by, fields, free_text, context_hash, template_version, policy, recipient_email, html, "
                   "text, note, created_at, updated_at) VALUES(1, 'VCL-NFA:v1:e3', 'decision_not_to_prosecute', 'en', "
                   "'post', 'draft', 1, '2026-04-02', '[]', '{}', '', 'h', 't', 'p', '', '<p>x</p>', 'x', '', "
                   "'2026-04-02T15:00:00Z', '2026-04-02T15:00:00Z')",
        now;
    events_before = count(db, "events");
    obligations_before = count(db, "obligations");
  }
  storage::Database db(t.path, testing::keyedStore(t.dir.path()));
  CHECK(db.migrate() ==
        std::make_pair(storage::Database::latestSchemaVersion() - 1, storage::Database::latestSchemaVersion()));
  CHECK(count(db, "events") == events_before);
  CHECK(count(db, "obligations") == obligations_before);
  auto lease = db.session();
  using namespace Poco::Data::Keywords;
  std::vector<std::string> armed;
  lease.get() << "SELECT case_urn FROM case_checks", into(armed), now;
  CHECK(armed == std::vector<std::string>{"52SW0100126"});
  int64_t unswept = -1, swept_never = -1;
  lease.get() << "SELECT COUNT(*) FROM obligations WHERE status = 'pending' AND alert_on = ''", into(unswept), now;
  lease.get() << "SELECT COUNT(*) FROM obligations WHERE status <> 'pending' AND alert_on IS NOT NULL", into(swept_never),
      now;
  int64_t pending = -1;
  lease.get() << "SELECT COUNT(*) FROM obligations WHERE status = 'pending'", into(pending), now;
  CHECK(pending > 0);
  CHECK(unswept == pending);
  CHECK(swept_never == 0);
  std::string letter_due, obligation_due;
  lease.get() << "SELECT l.due_by, o.due_by FROM letters l JOIN obligations o ON o.id = l.obligation_id WHERE l.n = 1",
      into(letter_due), into(obligation_due), now;
  CHECK(letter_due == "2026-04-07");
  CHECK(letter_due == obligation_due);
  std::string letter_area;
  lease.get() << "SELECT area FROM letters WHERE n = 1", into(letter_area), now;
  CHECK(letter_area == "CPS South West");
  // And from now on a new event arms its case again, once it has been disarmed.
  lease.get() << "DELETE FROM case_checks", now;
  ingest::Ingestor ingestor(db, policy().engine, policy().clock);
  ingestor.ingest(events(R"([{"id":"e9","type":"victim.updated","occurred_at":"2026-04-02T16:00:00+01:00",
    "case_urn":"52SW0100126","victim_id":"v1","phone":"07700 900000"}])"));
  armed.clear();
  lease.get() << "SELECT case_urn FROM case_checks", into(armed), now;
  CHECK(armed == std::vector<std::string>{"52SW0100126"});
}
