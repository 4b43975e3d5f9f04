#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

#include <zlib.h>

#include <catch2/catch.hpp>

#include <Poco/File.h>
#include <Poco/JSON/Parser.h>
#include <Poco/TemporaryFile.h>

#include "storage/sqlite_connection.h"
#include "common/base64.h"
#include "common/error.h"
#include "domain/clock.h"
#include "domain/delivery_status.h"
#include "ingest/ingestor.h"
#include "loading/policy_files.h"
#include "storage/database.h"
#include "storage/outbox_store.h"
#include "storage/store.h"
#include "support/store_fixture.h"
#include "support/test_daemon.h"
#include "common/keyring.h"
#include "storage/letter_store.h"
#include "storage/retention_store.h"

using namespace vc;

namespace {

testing::StorePolicy& policy() {
  static testing::StorePolicy kPolicy("2026-04-06T09:00:00+01:00");
  return kPolicy;
}
using testing::TempDb;


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
  vc::storage::sqlite(lease) << "SELECT COUNT(*) FROM " + table, into(n), now;
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
  vc::storage::sqlite(lease) << "PRAGMA journal_mode", into(mode), now;
  vc::storage::sqlite(lease) << "PRAGMA foreign_keys", into(fk), now;
  vc::storage::sqlite(lease) << "PRAGMA synchronous", into(sync), now;
  CHECK(mode == "wal");
  CHECK(fk == 1);
  CHECK(sync == 2);  // FULL
  // Statement journals and sort spills in memory: no copy of a page of the store in a temporary file
  // under /var/tmp, out of a purge's reach (and a system call a page on every write, issue 16 item 1).
  int temp_store = 0;
  vc::storage::sqlite(lease) << "PRAGMA temp_store", into(temp_store), now;
  CHECK(temp_store == 2);  // MEMORY
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
  // The calendar projects holidays 60 years past its file (2024-2028): 2089 is beyond even that (Friday 31
  // December 2088 plus one working day is Monday 3 January 2089).
  domain::FixedClock in_2088(*domain::parseRfc3339("2088-12-31T12:00:00Z"));
  ingest::Ingestor ingestor(db, policy().engine, in_2088);
  ingestor.ingest(events(kExample));
  try {
    ingestor.ingest(events(R"([{"id":"late1","type":"hearing.listed","occurred_at":"2088-12-31T10:00:00Z",
                                "case_urn":"52SW0100126","kind":"trial","date":"2089-02-01","court":"Bristol Crown Court"}])"));
    FAIL("expected a 400");
  } catch (const Error& e) {
    CHECK(e.kind() == Error::Kind::kInvalidArgument);
    CHECK_THAT(e.what(), Catch::Contains("publishes 2024 to 2028"));
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
  CHECK_THROWS(vc::storage::sqlite(lease) << "UPDATE events SET body = '{}' WHERE id = 'e1'", now);
  CHECK_THROWS(vc::storage::sqlite(lease) << "DELETE FROM events WHERE id = 'e1'", now);
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
    vc::storage::sqlite(lease) << "INSERT INTO outbox(channel, name, recipient, subject, message_id, body_text, body_html, state, "
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
  vc::storage::sqlite(lease) << "SELECT recipient, state, sender_name FROM outbox WHERE message_id = '<m1@example.org>'",
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
    vc::storage::sqlite(lease) << "INSERT INTO outbox(channel, name, recipient, subject, message_id, body_text, body_html, state, "
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
  vc::storage::sqlite(lease) << "SELECT state, print_batch FROM outbox", into(state), into(batch), now;
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
    vc::storage::sqlite(lease) << "SELECT id FROM obligations ORDER BY id LIMIT 1", into(obligation), now;
    vc::storage::sqlite(lease) << "CREATE TEMP TABLE copy AS SELECT * FROM obligations WHERE id = ?", bind(obligation), now;
    vc::storage::sqlite(lease) << "UPDATE copy SET id = id || '-copy'", now;
    vc::storage::sqlite(lease) << "INSERT INTO obligations SELECT * FROM copy", now;
    for (const std::string& o : {obligation, obligation + "-copy"})
      vc::storage::sqlite(lease) << "INSERT INTO letters(obligation_id, kind, language, channel, state, version, letter_date, "
                     "blocked_by, fields, free_text, context_hash, template_version, policy, recipient_email, html, "
                     "text, note, created_at, updated_at) VALUES(?, 'nfa', 'en', 'post', 'blocked', 1, '2026-04-03', "
                     "'[]', '{}', '', '', '', '', '', '', '', '', '2026-04-03T09:00:00Z', '2026-04-03T09:00:00Z')",
          bind(o), now;
    auto message = [&](int letter, const std::string& channel, const std::string& id, const std::string& sent_at) {
      vc::storage::sqlite(lease) << "INSERT INTO outbox(letter_n, channel, name, recipient, subject, message_id, body_text, body_html, "
                     "state, attempts, next_attempt_at, last_error, created_at, sent_at, sender_name) VALUES(?, ?, "
                     "'l', '', '', ?, 'text', '<p>html</p>', 'sent', 1, 0, '', ?, ?, '')",
          bind(letter), bind(channel), bind(id), bind(sent_at), bind(sent_at), now;
    };
    auto history = [&](int letter, const std::string& action, const std::string& at, const std::string& note) {
      vc::storage::sqlite(lease) << "INSERT INTO letter_history(letter_n, n, at, actor, action, from_state, to_state, version, note) "
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
  vc::storage::sqlite(lease) << "INSERT INTO print_batches(created_at, created_at_s, letters, manifest, confirmed_at, confirmed_by) "
                 "VALUES('2026-04-06T08:00:00Z', 0, 1, 'batch-1.manifest.json', '2026-04-06T09:00:00Z', 'print-room'), "
                 "('2026-04-06T08:00:00Z', 0, 1, 'batch-2.manifest.json', NULL, NULL)",
      now;
  int i = 0;
  for (const std::string state : {"queued", "sending", "retrying", "sent", "dead", "withheld", "cancelled"})
    for (const std::string channel : {"post", "email"})
      for (int batch : {0, 1, 2})
        for (const std::string outcome : {"", "delivered", "returned", "bounced"}) {
          const std::string id = "<m" + std::to_string(++i) + "@example.org>";
          vc::storage::sqlite(lease) << "INSERT INTO outbox(channel, name, recipient, subject, message_id, body_text, body_html, state, "
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

TEST_CASE("A store written by schema 11 upgrades to 12: letter and notification numbers carry on from the last one, "
          "never reused, and a rolled-back draft gives its number back",
          "[storage][migrate]") {
  TempDb t;
  {
    storage::Database db(t.path, testing::keyedStore(t.dir.path()));
    db.migrateTo(11);
    ingest::Ingestor ingestor(db, policy().engine, policy().clock);
    REQUIRE(ingestor.ingest(events(kExample)).accepted == 3);
    auto lease = db.session();
    using namespace Poco::Data::Keywords;
    std::string obligation;
    vc::storage::sqlite(lease) << "SELECT id FROM obligations ORDER BY id LIMIT 1", into(obligation), now;
    vc::storage::sqlite(lease) << "INSERT INTO letters(n, obligation_id, kind, language, channel, state, version, letter_date, "
                   "blocked_by, fields, free_text, context_hash, template_version, policy, recipient_email, html, "
                   "text, note, created_at, updated_at) VALUES(41, ?, 'nfa', 'en', 'post', 'draft', 1, '2026-04-03', "
                   "'[]', '{}', '', '', '', '', '', '', '', '', '2026-04-03T09:00:00Z', '2026-04-03T09:00:00Z')",
        bind(obligation), now;
  }
  storage::Database db(t.path, testing::keyedStore(t.dir.path()));
  CHECK(db.migrate() == std::make_pair(11, storage::Database::latestSchemaVersion()));
  auto lease = db.session();
  {
    storage::WriteTransaction tx(lease);
    CHECK(storage::takeNumber(lease, "letters") == 42);
    CHECK(storage::takeNumber(lease, "letters") == 43);
    CHECK(storage::takeNumber(lease, "notifications") == 1);
    // Not committed: the numbers go back.
  }
  {
    storage::WriteTransaction tx(lease);
    CHECK(storage::takeNumber(lease, "letters") == 42);
    tx.commit();
  }
  storage::WriteTransaction tx(lease);
  CHECK(storage::takeNumber(lease, "letters") == 43);
  CHECK_THROWS(storage::takeNumber(lease, "nothing"));
}

// Issue 16, item 6: a letter's words are stored once, in its current version's row.
namespace {

storage::LetterRow letterRow(const std::string& obligation, int version, const std::string& html, const std::string& text) {
  storage::LetterRow r;
  r.n = 1;
  r.obligation_id = obligation;
  r.kind = "decision_not_to_prosecute";
  r.language = "en";
  r.channel = "post";
  r.state = "draft";
  r.version = version;
  r.letter_date = "2026-04-06";
  r.blocked_by = "[]";
  r.fields = "{}";
  r.html = html;
  r.text = text;
  r.created_at = r.updated_at = "2026-04-06T08:00:00Z";
  return r;
}

storage::LetterVersionRow versionRow(int version, const std::string& html, const std::string& text) {
  storage::LetterVersionRow v;
  v.version = version;
  v.at = "2026-04-06T08:00:00Z";
  v.author = "system";
  v.why = "drafted";
  v.language = "en";
  v.channel = "post";
  v.letter_date = "2026-04-06";
  v.blocked_by = "[]";
  v.fields = "{}";
  v.html = html;
  v.text = text;
  return v;
}

// A migrated store holding kExample's journey, for tests of its letters: the first obligation's id.
struct ExampleStore {
  TempDb t;
  storage::Database db{t.path, testing::keyedStore(t.dir.path())};
  std::string obligation;
  ExampleStore() {
    db.migrate();
    ingest::Ingestor ingestor(db, policy().engine, policy().clock);
    REQUIRE(ingestor.ingest(events(kExample)).accepted == 3);
    auto lease = db.session();
    using namespace Poco::Data::Keywords;
    vc::storage::sqlite(lease) << "SELECT id FROM obligations ORDER BY id LIMIT 1", into(obligation), now;
  }
};

// What the letters table itself holds for letter n: html, text.
std::pair<std::string, std::string> storedWords(Poco::Data::Session& s, int64_t n) {
  using namespace Poco::Data::Keywords;
  std::string html, text;
  Poco::Int64 key = n;
  s << "SELECT html, text FROM letters WHERE n = ?", bind(key), into(html), into(text), now;
  return {html, text};
}

}  // namespace

TEST_CASE("A letter's words are stored once, in its current version, and read back the same through LetterStore",
          "[storage][letters]") {
  ExampleStore example;
  const std::string& obligation = example.obligation;
  auto lease = example.db.session();
  Poco::Data::Session& s = vc::storage::sqlite(lease);
  storage::LetterStore letters(s);
  const std::string a = "<p>Dear Sam, first words &amp; more</p>", b = "<p>Dear Sam, second words</p>", c = "<p>third</p>";
  {
    storage::WriteTransaction tx(s);
    letters.insertLetter(letterRow(obligation, 1, a, "first"));
    letters.appendVersion(1, versionRow(1, a, "first"));
    tx.commit();
  }
  CHECK(storedWords(s, 1) == std::make_pair(std::string(), std::string()));  // held by version 1 only
  CHECK(letters.findLetter(1)->html == a);
  CHECK(letters.findLetter(1)->text == "first");

  // A redraft: the letter row is updated before its new version is appended.
  {
    storage::WriteTransaction tx(s);
    REQUIRE(letters.updateLetter(letterRow(obligation, 2, b, "second"), 1));
    letters.appendVersion(1, versionRow(2, b, "second"));
    tx.commit();
  }
  CHECK(storedWords(s, 1) == std::make_pair(std::string(), std::string()));
  // An approval: same version, same words; still stored once.
  auto approved = letterRow(obligation, 2, b, "second");
  approved.state = "approved";
  approved.approved_by = "vlu2";
  {
    storage::WriteTransaction tx(s);
    REQUIRE(letters.updateLetter(approved, 2));
    tx.commit();
  }
  CHECK(storedWords(s, 1) == std::make_pair(std::string(), std::string()));
  const auto row = letters.findLetterByObligation(obligation);
  REQUIRE(row);
  CHECK(row->html == b);
  CHECK(row->text == "second");
  CHECK(row->state == "approved");
  storage::LetterFilter f;
  f.with_content = true;
  const auto listed = letters.listLetters(f);
  REQUIRE(listed.size() == 1);
  CHECK(listed[0].html == b);
  CHECK(listed[0].text == "second");
  const auto versions = letters.versions(1, true);
  REQUIRE(versions.size() == 2);
  CHECK(versions[0].html == a);
  CHECK(versions[0].text == "first");
  CHECK(versions[1].html == b);

  // Words that no version holds stay in the letter row, and read back as written.
  {
    storage::WriteTransaction tx(s);
    REQUIRE(letters.updateLetter(letterRow(obligation, 2, c, "third"), 2));
    tx.commit();
  }
  CHECK(storedWords(s, 1) == std::make_pair(c, std::string("third")));
  CHECK(letters.findLetter(1)->html == c);
  CHECK(letters.versions(1, true)[1].html == b);
}

TEST_CASE("Upgrading to words stored once moves each letter's copy of its current version's words, and loses nothing",
          "[storage][migrate][letters]") {
  TempDb t;
  const int before = 12;  // words stored once came with version 13
  std::string obligation;
  {
    storage::Database db(t.path, testing::keyedStore(t.dir.path()));
    db.migrateTo(before);
    ingest::Ingestor ingestor(db, policy().engine, policy().clock);
    REQUIRE(ingestor.ingest(events(kExample)).accepted == 3);
    auto lease = db.session();
    using namespace Poco::Data::Keywords;
    vc::storage::sqlite(lease) << "SELECT id FROM obligations ORDER BY id LIMIT 1", into(obligation), now;
    vc::storage::sqlite(lease) << "CREATE TEMP TABLE copy AS SELECT * FROM obligations WHERE id = ?", bind(obligation), now;
    for (const std::string suffix : {"-2", "-3"}) {
      vc::storage::sqlite(lease) << "DELETE FROM copy", now;
      vc::storage::sqlite(lease) << "INSERT INTO copy SELECT * FROM obligations WHERE id = ?", bind(obligation), now;
      vc::storage::sqlite(lease) << "UPDATE copy SET id = id || ?", bind(suffix), now;
      vc::storage::sqlite(lease) << "INSERT INTO obligations SELECT * FROM copy", now;
    }
    // Letter 1: at version 2, holding version 2's words (as every letter written before this schema does).
    // Letter 2: holding words its version does not (kept as they are). Letter 3: no version row at all.
    auto letter = [&](int n, const std::string& o, int version, const std::string& html, const std::string& text) {
      vc::storage::sqlite(lease) << "INSERT INTO letters(n, obligation_id, kind, language, channel, state, version, letter_date, "
                     "blocked_by, fields, free_text, context_hash, template_version, policy, recipient_email, html, "
                     "text, note, created_at, updated_at) VALUES(?, ?, 'decision_not_to_prosecute', 'en', 'post', "
                     "'draft', ?, '2026-04-06', '[]', '{}', '', 'h', 't', 'p', '', ?, ?, '', '2026-04-06T08:00:00Z', "
                     "'2026-04-06T08:00:00Z')",
          bind(n), bind(o), bind(version), bind(html), bind(text), now;
    };
    auto version = [&](int n, int v, const std::string& html, const std::string& text) {
      vc::storage::sqlite(lease) << "INSERT INTO letter_versions(letter_n, version, at, author, why, language, channel, letter_date, "
                     "blocked_by, fields, free_text, context_hash, template_version, policy, html, text) VALUES(?, ?, "
                     "'2026-04-06T08:00:00Z', 'system', 'drafted', 'en', 'post', '2026-04-06', '[]', '{}', '', 'h', "
                     "'t', 'p', ?, ?)",
          bind(n), bind(v), bind(html), bind(text), now;
    };
    letter(1, obligation, 2, "<p>two</p>", "two");
    version(1, 1, "<p>one</p>", "one");
    version(1, 2, "<p>two</p>", "two");
    letter(2, obligation + "-2", 1, "<p>edited by hand</p>", "edited");
    version(2, 1, "<p>as drafted</p>", "as drafted");
    letter(3, obligation + "-3", 1, "<p>only here</p>", "only here");
    REQUIRE(db.schemaVersion() == before);
  }
  storage::Database db(t.path, testing::keyedStore(t.dir.path()));
  CHECK(db.migrate() == std::make_pair(before, storage::Database::latestSchemaVersion()));
  auto lease = db.session();
  Poco::Data::Session& s = vc::storage::sqlite(lease);
  storage::LetterStore letters(s);
  CHECK(storedWords(s, 1) == std::make_pair(std::string(), std::string()));  // moved: version 2 holds them
  CHECK(storedWords(s, 2) == std::make_pair(std::string("<p>edited by hand</p>"), std::string("edited")));
  CHECK(storedWords(s, 3) == std::make_pair(std::string("<p>only here</p>"), std::string("only here")));
  CHECK(letters.findLetter(1)->html == "<p>two</p>");
  CHECK(letters.findLetter(1)->text == "two");
  CHECK(letters.findLetter(2)->html == "<p>edited by hand</p>");
  CHECK(letters.findLetter(3)->text == "only here");
  const auto v1 = letters.versions(1, true);
  REQUIRE(v1.size() == 2);
  CHECK(v1[0].html == "<p>one</p>");
  CHECK(v1[1].text == "two");
  CHECK(letters.versions(2, true)[0].html == "<p>as drafted</p>");
}

// Issue 16, item 1: the words are deflated by one compressor per thread (zlib's stream until "drafting's
// CPU", libdeflate's since). A compressor that carried anything from one value to the next would pack
// differently (or not at all) the second time; words a store holds from before (compress2 at level 6,
// then zlib at level 3) must still read back.
TEST_CASE("Letter words pack the same whatever was packed before them, and words packed at the old level read back",
          "[storage][letters]") {
  std::string a = "<!DOCTYPE html><html><body>", b = "Dear Alex,\n";
  for (int i = 0; i < 150; ++i) {
    a += "<p>Paragraph " + std::to_string(i) + ": the hearing is listed at Sampleford Crown Court.</p>\n";
    b += "Line " + std::to_string(i * 7) + " of the letter, in plain words.\n";
  }
  const std::string packed_b = storage::LetterStore::packWords(b);
  CHECK(packed_b.size() * 2 < b.size());
  for (int i = 0; i < 3; ++i) {
    CHECK(storage::LetterStore::unpackWords(storage::LetterStore::packWords(a)) == a);
    CHECK(storage::LetterStore::packWords(b) == packed_b);
  }
  for (int level : {1, 3, 6, 9}) {
    uLongf size = compressBound(static_cast<uLong>(a.size()));
    std::vector<unsigned char> z(size);
    REQUIRE(compress2(z.data(), &size, reinterpret_cast<const Bytef*>(a.data()), static_cast<uLong>(a.size()), level) ==
            Z_OK);
    const std::string old = "\x01z:" + std::to_string(a.size()) + ":" + base64Encode(z.data(), size);
    CHECK(storage::LetterStore::unpackWords(old) == a);
  }
}

// Issue 16, "drafting's CPU": packing changed deflater (zlib level 6, then 3, then libdeflate), so a store
// holds the same words packed in other bytes. A letter approved or sent at its version must still find its
// words in that version and keep them there once: compared packed, it found other bytes and kept a copy.
TEST_CASE("A letter updated at its version keeps its words once when the version was packed by another deflater",
          "[storage][letters]") {
  std::string html = "<!DOCTYPE html><html><body>", text = "Dear Sam,\n";
  for (int i = 0; i < 120; ++i) {
    html += "<p>Paragraph " + std::to_string(i) + ": the hearing is listed at Sampleford Crown Court.</p>\n";
    text += "Line " + std::to_string(i * 3) + ": we will write again after the hearing.\n";
  }
  auto packedAt9 = [](const std::string& words) {  // as an older build could have stored them
    uLongf size = compressBound(static_cast<uLong>(words.size()));
    std::vector<unsigned char> z(size);
    REQUIRE(compress2(z.data(), &size, reinterpret_cast<const Bytef*>(words.data()), static_cast<uLong>(words.size()),
                      9) == Z_OK);
    return "\x01z:" + std::to_string(words.size()) + ":" + base64Encode(z.data(), size);
  };
  const std::string old_html = packedAt9(html), old_text = packedAt9(text);
  REQUIRE(old_html != storage::LetterStore::packWords(html));  // other bytes, the same words
  REQUIRE(old_text != storage::LetterStore::packWords(text));
  ExampleStore store;
  auto lease = store.db.session();
  Poco::Data::Session& s = vc::storage::sqlite(lease);
  using namespace Poco::Data::Keywords;
  storage::LetterStore letters(s);
  {
    storage::WriteTransaction tx(s);
    letters.insertLetter(letterRow(store.obligation, 1, html, text), true);
    std::string h = old_html, x = old_text;
    s << "INSERT INTO letter_versions(letter_n, version, at, author, why, language, channel, letter_date, blocked_by, "
         "fields, free_text, context_hash, template_version, policy, html, text) VALUES(1, 1, '2026-04-06T08:00:00Z', "
         "'system', 'drafted', 'en', 'post', '2026-04-06', '[]', '{}', '', '', '', '', ?, ?)",
        bind(h), bind(x), now;
    auto approved = letterRow(store.obligation, 1, html, text);
    approved.state = "approved";
    REQUIRE(letters.updateLetter(approved, 1));
    tx.commit();
  }
  CHECK(storedWords(s, 1) == std::make_pair(std::string(), std::string()));
  CHECK(letters.findLetter(1)->html == html);
  CHECK(letters.findLetter(1)->text == text);
  CHECK(letters.findLetter(1)->state == "approved");
  // Other words than the version's: the letter keeps its own.
  {
    storage::WriteTransaction tx(s);
    auto edited = letterRow(store.obligation, 1, html + "<p>PS</p>", text);
    REQUIRE(letters.updateLetter(edited, 1));
    tx.commit();
  }
  CHECK(storedWords(s, 1).first == html + "<p>PS</p>");
  CHECK(letters.findLetter(1)->html == html + "<p>PS</p>");
}

TEST_CASE("Base64 is RFC 4648's, with padding, for every length and byte", "[storage][letters]") {
  auto encode = [](const std::string& s) { return base64Encode(reinterpret_cast<const unsigned char*>(s.data()), s.size()); };
  CHECK(encode("") == "");
  CHECK(encode("f") == "Zg==");
  CHECK(encode("fo") == "Zm8=");
  CHECK(encode("foo") == "Zm9v");
  CHECK(encode("foob") == "Zm9vYg==");
  CHECK(encode("fooba") == "Zm9vYmE=");
  CHECK(encode("foobar") == "Zm9vYmFy");
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (size_t n = 0; n <= all.size(); n += 37) {
    CHECK(base64Decode(encode(all.substr(0, n))) == all.substr(0, n));
    std::string appended = "prefix:";
    base64Append(appended, reinterpret_cast<const unsigned char*>(all.data()), n);
    CHECK(appended == "prefix:" + encode(all.substr(0, n)));
  }
}

TEST_CASE("A version's long words are stored deflated, read back byte for byte, and still stored once",
          "[storage][letters]") {
  std::string html = "<!DOCTYPE html><html><body>";
  for (int i = 0; i < 200; ++i) html += "<p>Paragraph " + std::to_string(i) + ": we are sorry, Sam O'Neil &amp; family.</p>\n";
  html += "</body></html>";
  const std::string text = "Dear Sam,\n" + std::string(3000, 'x') + "\n\xC3\xA2 Cymraeg: ddydd Iau\n";
  for (const std::string& s : {html, text, std::string("short"), std::string()})
    CHECK(storage::LetterStore::unpackWords(storage::LetterStore::packWords(s)) == s);
  CHECK(storage::LetterStore::packWords(html).size() * 3 < html.size());
  CHECK(storage::LetterStore::unpackWords("<p>written before packing</p>") == "<p>written before packing</p>");

  TempDb t;
  storage::Database db(t.path, testing::keyedStore(t.dir.path()));
  db.migrate();
  ingest::Ingestor ingestor(db, policy().engine, policy().clock);
  REQUIRE(ingestor.ingest(events(kExample)).accepted == 3);
  auto lease = db.session();
  Poco::Data::Session& s = vc::storage::sqlite(lease);
  using namespace Poco::Data::Keywords;
  std::string obligation;
  s << "SELECT id FROM obligations ORDER BY id LIMIT 1", into(obligation), now;
  storage::LetterStore letters(s);
  {
    storage::WriteTransaction tx(s);
    letters.insertLetter(letterRow(obligation, 1, html, text), true);  // as LetterService drafts: version 1 follows
    CHECK(storedWords(s, 1) == std::make_pair(std::string(), std::string()));
    letters.appendVersion(1, versionRow(1, html, text));
    auto approved = letterRow(obligation, 1, html, text);
    approved.state = "approved";
    REQUIRE(letters.updateLetter(approved, 1));
    tx.commit();
  }
  std::string stored_html;
  s << "SELECT html FROM letter_versions WHERE letter_n = 1", into(stored_html), now;
  CHECK(stored_html.rfind("\x01z:", 0) == 0);
  CHECK(stored_html.size() * 3 < html.size());
  CHECK(storedWords(s, 1) == std::make_pair(std::string(), std::string()));
  CHECK(letters.findLetter(1)->html == html);
  CHECK(letters.findLetter(1)->text == text);
  CHECK(letters.versions(1, true)[0].html == html);
  CHECK(letters.versions(1, true)[0].text == text);
}

TEST_CASE("A purge marks a letter's words stored once and deflated as it marked them stored plain and twice",
          "[storage][letters][purge]") {
  std::string html = "<!DOCTYPE html><html><body>";
  for (int i = 0; i < 100; ++i) html += "<p>Dear Sam Jones, paragraph " + std::to_string(i) + ".</p>\n";
  html += "</body></html>";
  const std::string text = "Dear Sam Jones,\n" + std::string(2000, 'y') + "\n";
  TempDb t;
  storage::Database db(t.path, testing::keyedStore(t.dir.path()));
  db.migrate();
  ingest::Ingestor ingestor(db, policy().engine, policy().clock);
  REQUIRE(ingestor.ingest(events(kExample)).accepted == 3);
  auto lease = db.session();
  Poco::Data::Session& s = vc::storage::sqlite(lease);
  using namespace Poco::Data::Keywords;
  std::string obligation;
  s << "SELECT id FROM obligations ORDER BY id LIMIT 1", into(obligation), now;
  storage::LetterStore letters(s);
  {
    storage::WriteTransaction tx(s);
    letters.insertLetter(letterRow(obligation, 1, html, text), true);
    letters.appendVersion(1, versionRow(1, html, text));
    tx.commit();
  }
  int replaced = 0;
  {
    storage::WriteTransaction tx(s);
    replaced = storage::RetentionStore(s).purgeCase("52SW0100126", "2026-09-01T09:00:00Z");
    tx.commit();
  }
  const Keyring& keys = *db.options().retention_keys;
  const std::string html_marker = storage::RetentionStore::marker(keys, "52SW0100126", html),
                    text_marker = storage::RetentionStore::marker(keys, "52SW0100126", text);
  std::string version_html, version_text;
  s << "SELECT html, text FROM letter_versions WHERE letter_n = 1", into(version_html), into(version_text), now;
  CHECK(version_html == html_marker);
  CHECK(version_text == text_marker);
  const auto letter = letters.findLetter(1);
  CHECK(letter->html == html_marker);
  CHECK(letter->text == text_marker);
  CHECK(letters.versions(1, true)[0].html == html_marker);
  // Counted as before: fields, html and text in the letter row and again in its version (6), besides the
  // case's other values, as when the letter row held its own copy.
  int others = 0;
  {
    TempDb t2;
    storage::Database db2(t2.path, testing::keyedStore(t2.dir.path()));
    db2.migrate();
    ingest::Ingestor ingestor2(db2, policy().engine, policy().clock);
    REQUIRE(ingestor2.ingest(events(kExample)).accepted == 3);
    auto lease2 = db2.session();
    storage::WriteTransaction tx(lease2);
    others = storage::RetentionStore(lease2).purgeCase("52SW0100126", "2026-09-01T09:00:00Z");
    tx.commit();
  }
  CHECK(replaced == others + 6);
}

TEST_CASE("The review queue upgraded to its own indexes lists the same letters, in the same order, page by page",
          "[storage][migrate]") {
  // Migration 14 adds the indexes the queue's page is chosen from; the page must be what sorting every
  // letter by (due date, number) and cutting it gives, with any filter, from a store made before it.
  TempDb t;
  storage::Database db(t.path, testing::keyedStore(t.dir.path()));
  db.migrateTo(13);  // the queue's indexes came with version 14
  ingest::Ingestor ingestor(db, policy().engine, policy().clock);
  REQUIRE(ingestor.ingest(events(kExample)).accepted == 3);
  {
    auto lease = db.session();
    using namespace Poco::Data::Keywords;
    std::string obligation;
    vc::storage::sqlite(lease) << "SELECT id FROM obligations ORDER BY id LIMIT 1", into(obligation), now;
    // Twelve letters on copies of the obligation: due on four dates, in two Areas, in three states.
    for (int i = 0; i < 12; ++i) {
      const std::string copy = obligation + "-q" + std::to_string(i);
      const std::string due = "2026-05-0" + std::to_string(1 + (i * 7) % 4);
      const std::string area = i % 3 == 0 ? "CPS Wales" : "CPS South West";
      vc::storage::sqlite(lease) << "CREATE TEMP TABLE copy AS SELECT * FROM obligations WHERE id = ?", bind(obligation), now;
      vc::storage::sqlite(lease) << "UPDATE copy SET id = ?, due_by = ?, area = ?", bind(copy), bind(due), bind(area), now;
      vc::storage::sqlite(lease) << "INSERT INTO obligations SELECT * FROM copy", now;
      vc::storage::sqlite(lease) << "DROP TABLE copy", now;
      const std::string state = i % 4 == 3 ? "sent" : i % 2 ? "blocked" : "draft";
      vc::storage::sqlite(lease) << "INSERT INTO letters(obligation_id, kind, language, channel, state, version, letter_date, "
                     "blocked_by, fields, free_text, context_hash, template_version, policy, recipient_email, html, "
                     "text, note, created_at, updated_at) VALUES(?, 'nfa', 'en', 'post', ?, 1, '2026-04-03', "
                     "'[]', '{}', '', '', '', '', '', '', '', '', '2026-04-03T09:00:00Z', '2026-04-03T09:00:00Z')",
          bind(copy), bind(state), now;
    }
  }
  CHECK(db.migrate() == std::make_pair(13, storage::Database::latestSchemaVersion()));
  auto lease = db.session();
  storage::LetterStore letters(lease);
  // What the queue must show: every matching letter, sorted in memory, read one row at a time.
  auto expected = [&](const storage::LetterFilter& f) {
    storage::LetterFilter all = f;
    all.limit = 1000;
    std::vector<std::pair<std::string, int64_t>> keys;
    using namespace Poco::Data::Keywords;
    std::vector<Poco::Int64> ns;
    vc::storage::sqlite(lease) << "SELECT n FROM letters", into(ns), now;
    for (Poco::Int64 n : ns) {
      auto row = letters.findLetter(n);
      REQUIRE(row);
      const bool state_ok = f.states.empty() || std::find(f.states.begin(), f.states.end(), row->state) != f.states.end();
      if (state_ok && (f.area.empty() || row->area == f.area)) keys.emplace_back(row->due_by, row->n);
    }
    std::sort(keys.begin(), keys.end());
    std::vector<int64_t> out;
    for (const auto& k : keys) out.push_back(k.second);
    return out;
  };
  auto paged = [&](storage::LetterFilter f) {
    f.limit = 5;
    std::vector<int64_t> out;
    while (true) {
      const auto page = letters.listLetters(f);
      for (const auto& r : page) {
        out.push_back(r.n);
        CHECK(r.fields == "{}");  // read whole, not just the key it was chosen by
      }
      if (page.size() < static_cast<size_t>(f.limit)) return out;
      f.after_due = page.back().due_by;
      f.after_n = page.back().n;
    }
  };
  storage::LetterFilter open;
  open.states = {"draft", "blocked", "rejected", "approved"};
  CHECK(paged(open).size() == 9);
  CHECK(paged(open) == expected(open));
  storage::LetterFilter wales = open;
  wales.area = "CPS Wales";
  CHECK(paged(wales) == expected(wales));
  CHECK(paged(storage::LetterFilter{}) == expected(storage::LetterFilter{}));
}

TEST_CASE("A store from before the scheduler's indexes upgrades with nothing lost: every case is looked at once, "
          "every open obligation swept once, every letter sorted by its obligation's due date",
          "[storage][migrate]") {
  TempDb t;
  int64_t events_before = 0, obligations_before = 0;
  {
    storage::Database db(t.path, testing::keyedStore(t.dir.path()));
    db.migrateTo(14);  // the scheduler's indexes came with version 15
    ingest::Ingestor ingestor(db, policy().engine, policy().clock);
    REQUIRE(ingestor.ingest(events(kExample)).accepted == 3);
    auto lease = db.session();
    using namespace Poco::Data::Keywords;
    // A letter, as LetterService drafts one (its columns before the upgrade).
    vc::storage::sqlite(lease) << "INSERT INTO letters(n, obligation_id, kind, language, channel, state, version, letter_date, "
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
        std::make_pair(14, storage::Database::latestSchemaVersion()));
  CHECK(count(db, "events") == events_before);
  CHECK(count(db, "obligations") == obligations_before);
  auto lease = db.session();
  using namespace Poco::Data::Keywords;
  std::vector<std::string> armed;
  vc::storage::sqlite(lease) << "SELECT case_urn FROM case_checks", into(armed), now;
  CHECK(armed == std::vector<std::string>{"52SW0100126"});
  int64_t unswept = -1, swept_never = -1;
  vc::storage::sqlite(lease) << "SELECT COUNT(*) FROM obligations WHERE status = 'pending' AND alert_on = ''", into(unswept), now;
  vc::storage::sqlite(lease) << "SELECT COUNT(*) FROM obligations WHERE status <> 'pending' AND alert_on IS NOT NULL", into(swept_never),
      now;
  int64_t pending = -1;
  vc::storage::sqlite(lease) << "SELECT COUNT(*) FROM obligations WHERE status = 'pending'", into(pending), now;
  CHECK(pending > 0);
  CHECK(unswept == pending);
  CHECK(swept_never == 0);
  std::string letter_due, obligation_due;
  vc::storage::sqlite(lease) << "SELECT l.due_by, o.due_by FROM letters l JOIN obligations o ON o.id = l.obligation_id WHERE l.n = 1",
      into(letter_due), into(obligation_due), now;
  CHECK(letter_due == "2026-04-07");
  CHECK(letter_due == obligation_due);
  std::string letter_area;
  vc::storage::sqlite(lease) << "SELECT area FROM letters WHERE n = 1", into(letter_area), now;
  CHECK(letter_area == "CPS South West");
  // And from now on a new event arms its case again, once it has been disarmed.
  vc::storage::sqlite(lease) << "DELETE FROM case_checks", now;
  ingest::Ingestor ingestor(db, policy().engine, policy().clock);
  ingestor.ingest(events(R"([{"id":"e9","type":"victim.updated","occurred_at":"2026-04-02T16:00:00+01:00",
    "case_urn":"52SW0100126","victim_id":"v1","phone":"07700 900000"}])"));
  armed.clear();
  vc::storage::sqlite(lease) << "SELECT case_urn FROM case_checks", into(armed), now;
  CHECK(armed == std::vector<std::string>{"52SW0100126"});
}

TEST_CASE("A letter written as read fails with stale_version, changing nothing, when another writer changed it first",
          "[storage][letters]") {
  ExampleStore example;
  const std::string& obligation = example.obligation;
  auto lease = example.db.session();
  storage::LetterStore letters(lease);
  {
    storage::WriteTransaction tx(lease);
    letters.insertLetter(letterRow(obligation, 1, "<p>one</p>", "one"));
    tx.commit();
  }
  const auto read = *letters.findLetter(1);  // what one writer read, at version 1
  {
    storage::WriteTransaction tx(lease);  // another writer moves it to version 2 in between
    REQUIRE(letters.updateLetter(letterRow(obligation, 2, "<p>two</p>", "two"), 1));
    tx.commit();
  }
  auto mine = read;
  mine.state = "approved";
  mine.approved_by = "vlu2";
  {
    storage::WriteTransaction tx(lease);
    try {
      letters.updateLetterAsRead(mine);
      FAIL("a write over another writer's change went through");
    } catch (const Error& e) {
      CHECK(e.kind() == Error::Kind::kConflict);
      CHECK(e.code() == "stale_version");
    }
  }
  const auto now_stored = *letters.findLetter(1);
  CHECK(now_stored.version == 2);
  CHECK(now_stored.state == read.state);
  CHECK(now_stored.text == "two");
  // Written as read at the version it now has, it goes through.
  auto current = now_stored;
  current.note = "checked";
  {
    storage::WriteTransaction tx(lease);
    letters.updateLetterAsRead(current);
    tx.commit();
  }
  CHECK(letters.findLetter(1)->note == "checked");
}

TEST_CASE("A letter carries its obligation's due date, Area and rule from its insert, before and after "
          "migration 19 put them in the INSERT itself; a letter without an obligation is refused",
          "[storage][letters][migrate]") {
  TempDb t;
  using namespace Poco::Data::Keywords;
  auto raw = [](Poco::Data::Session& s, int n, const std::string& obligation) {
    // An insert that names none of the three (as a store written before version 19 was written).
    s << "INSERT INTO letters(n, obligation_id, kind, language, channel, state, version, letter_date, blocked_by, "
         "fields, free_text, context_hash, template_version, policy, recipient_email, html, text, note, created_at, "
         "updated_at) VALUES(?, ?, 'decision_not_to_prosecute', 'en', 'post', 'draft', 1, '2026-04-02', '[]', '{}', "
         "'', 'h', 't', 'p', '', '', '', '', '2026-04-02T15:00:00Z', '2026-04-02T15:00:00Z')",
        bind(n), bind(obligation), now;
  };
  auto carried = [](Poco::Data::Session& s, int n) {
    std::string row;
    s << "SELECT l.due_by || '|' || l.area || '|' || l.rule || '=' || o.due_by || '|' || o.area || '|' || o.rule "
         "FROM letters l JOIN obligations o ON o.id = l.obligation_id WHERE l.n = ?",
        bind(n), into(row), now;
    return row;
  };
  std::string obligation;
  {
    storage::Database db(t.path, testing::keyedStore(t.dir.path()));
    db.migrateTo(18);  // before migration 19
    ingest::Ingestor ingestor(db, policy().engine, policy().clock);
    REQUIRE(ingestor.ingest(events(kExample)).accepted == 3);
    auto lease = db.session();
    Poco::Data::Session& s = vc::storage::sqlite(lease);
    s << "SELECT id FROM obligations ORDER BY id LIMIT 1", into(obligation), now;
    // One letter an obligation (letters.obligation_id is UNIQUE): two more obligations like the first.
    s << "CREATE TEMP TABLE copy AS SELECT * FROM obligations WHERE id = ?", bind(obligation), now;
    for (const char* suffix : {"-b", "-c"}) {
      s << "UPDATE copy SET id = ? || ?", bind(obligation), bind(std::string(suffix)), now;
      s << "INSERT INTO obligations SELECT * FROM copy", now;
    }
    raw(s, 1, obligation);
  }
  storage::Database db(t.path, testing::keyedStore(t.dir.path()));
  CHECK(db.migrate() == std::make_pair(18, storage::Database::latestSchemaVersion()));
  auto lease = db.session();
  Poco::Data::Session& s = vc::storage::sqlite(lease);
  const std::string upgraded = carried(s, 1);
  REQUIRE(upgraded.find('=') != std::string::npos);
  CHECK(upgraded.substr(0, upgraded.find('=')) == upgraded.substr(upgraded.find('=') + 1));
  CHECK(upgraded.find("||") == std::string::npos);  // none of the three empty

  // The store's own insert names them; an insert that does not still gets them (one trigger).
  storage::LetterStore letters(s);
  storage::LetterRow row;
  row.n = 2;
  row.obligation_id = obligation + "-b";
  row.kind = "decision_not_to_prosecute";
  row.language = "en";
  row.channel = "post";
  row.state = "draft";
  row.version = 1;
  row.letter_date = "2026-04-02";
  row.blocked_by = "[]";
  row.fields = "{}";
  row.created_at = row.updated_at = "2026-04-02T15:00:00Z";
  letters.insertLetter(row);
  raw(s, 3, obligation + "-c");
  CHECK(carried(s, 2) == upgraded);
  CHECK(carried(s, 3) == upgraded);

  // A letter whose obligation does not exist is refused, by the store's insert and by a raw one alike.
  row.n = 4;
  row.obligation_id = "no-such-obligation";
  CHECK_THROWS(letters.insertLetter(row));
  CHECK_THROWS(raw(s, 5, "no-such-obligation"));
  CHECK(count(db, "letters") == 3);
}

TEST_CASE("With checkpoints in the background, commits leave the write-ahead log to that thread, which keeps it "
          "short",
          "[storage]") {
  TempDb t;
  storage::Database db(t.path, testing::keyedStore(t.dir.path()));
  db.migrate();
  db.checkpointInBackground(std::chrono::milliseconds(20));
  auto lease = db.session();
  using namespace Poco::Data::Keywords;
  int autocheckpoint = -1;
  vc::storage::sqlite(lease) << "PRAGMA wal_autocheckpoint", into(autocheckpoint), now;
  CHECK(autocheckpoint == 0);  // no commit copies the log into the store and waits for its fsync
  vc::storage::sqlite(lease) << "CREATE TABLE scratch(b BLOB)", now;
  // About 3,000 pages in 30 commits: with no checkpoint at all the log would hold them all (12 MB).
  for (int i = 0; i < 30; ++i) {
    storage::WriteTransaction tx(lease);
    vc::storage::sqlite(lease) << "INSERT INTO scratch(b) SELECT randomblob(4000) FROM "
                                  "(WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < 100) "
                                  "SELECT k FROM n)",
        now;
    tx.commit();
    std::this_thread::sleep_for(std::chrono::milliseconds(40));
  }
  CHECK(Poco::File(t.path + "-wal").getSize() < 1000 * 4096);
}

TEST_CASE("A store at version 19 upgrades to outbox leases with nothing lost, and a message it left being sent is "
          "taken back and sent again",
          "[storage][outbox][migrate]") {
  TempDb t;
  using namespace Poco::Data::Keywords;
  {
    storage::Database db(t.path, testing::keyedStore(t.dir.path()));
    db.migrateTo(19);  // before migration 20
    auto lease = db.session();
    Poco::Data::Session& s = vc::storage::sqlite(lease);
    // As version 19 wrote them: one sent, one being sent when the daemon stopped (its insert names no lease).
    s << "INSERT INTO outbox(channel, name, recipient, subject, message_id, body_text, body_html, state, attempts, "
         "next_attempt_at, last_error, created_at, sent_at) VALUES "
         "('email', 'Sam', 'sam@example.org', 'A letter', '<m1@example.org>', 'text', '<p>html</p>', 'sent', 1, 100, "
         "'', '2026-04-02T09:00:00Z', '2026-04-02T09:01:00Z'), "
         "('email', 'Jo', 'jo@example.org', 'Another', '<m2@example.org>', 'text 2', '', 'sending', 2, 100, "
         "'timed out', '2026-04-02T09:00:00Z', NULL)",
        now;
  }
  storage::Database db(t.path, testing::keyedStore(t.dir.path()));
  CHECK(db.migrate() == std::make_pair(19, storage::Database::latestSchemaVersion()));
  auto lease = db.session();
  storage::OutboxStore outbox(lease);
  const auto sent = outbox.findByMessageId("<m1@example.org>");
  const auto sending = outbox.findByMessageId("<m2@example.org>");
  REQUIRE(sent);
  REQUIRE(sending);
  CHECK(sent->state == "sent");
  CHECK(sent->sent_at == "2026-04-02T09:01:00Z");
  CHECK(outbox.find(sent->id)->body_html == "<p>html</p>");
  CHECK(sending->state == "sending");
  CHECK(sending->attempts == 2);
  CHECK(sending->recipient == "jo@example.org");
  // A row from before leases has none (0): it has run out, so any sender's next pass takes it back.
  storage::WriteTransaction tx(lease);
  CHECK(outbox.requeueExpired(200) == 1);
  tx.commit();
  CHECK(outbox.find(sending->id)->state == "retrying");
  CHECK(outbox.find(sent->id)->state == "sent");
}
