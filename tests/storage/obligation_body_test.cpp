// Issue 16, item 6 (store size): an obligation's body is stored packed (storage/obligation_body.h) and reads
// back byte for byte; a store from before upgrades with every obligation, ledger entry and purge marker the same.

#include <catch2/catch.hpp>

#include <fstream>

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Statement.h>
#include <Poco/JSON/Parser.h>
#include <Poco/TemporaryFile.h>

#include "storage/sqlite_connection.h"
#include "domain/clock.h"
#include "ingest/ingestor.h"
#include "loading/policy_files.h"
#include "storage/database.h"
#include "storage/ledger_store.h"
#include "storage/obligation_body.h"
#include "storage/retention_store.h"
#include "storage/store.h"
#include "support/store_fixture.h"
#include "support/test_daemon.h"

using namespace vc;
using namespace Poco::Data::Keywords;

namespace {

testing::StorePolicy& policy() {
  static testing::StorePolicy kPolicy("2026-12-31T12:00:00Z");
  return kPolicy;
}
using testing::TempDb;


// The demo's journeys (meetings, reviews, extensions, recomputations, ISVAs, enhanced victims), in one batch.
void ingestDemo(storage::Database& db) {
  std::vector<Poco::Dynamic::Var> events;
  std::ifstream in(VC_SOURCE_DIR "/config/demo/events.jsonl");
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) events.push_back(Poco::JSON::Parser().parse(line));
  ingest::Ingestor ingestor(db, policy().engine, policy().clock);
  REQUIRE(static_cast<size_t>(ingestor.ingest(events).accepted) == events.size());
}

// Every obligation as the Store reads it, by id.
std::map<std::string, std::string> bodies(storage::Database& db) {
  auto lease = db.session();
  storage::Store store(vc::storage::sqlite(lease));
  storage::ObligationFilter all;
  all.limit = 100000;
  std::map<std::string, std::string> out;
  for (const auto& r : store.listObligations(all)) out[r.id] = r.body;
  return out;
}

// The compliance ledger's rows (read with json_extract over the stored bodies), one line each.
std::vector<std::string> ledger(storage::Database& db) {
  auto lease = db.session();
  storage::LedgerStore ledger(vc::storage::sqlite(lease));
  std::vector<std::string> out;
  auto opt = [](const auto& v) { return v ? std::to_string(*v) : std::string("-"); };
  for (const auto& e : ledger.entries("2000-01-01", "2100-01-01", ""))
    out.push_back(e.id + "|" + e.rule + "|" + e.basis + "|" + e.kind + "|" + opt(e.right) + "|" +
                  e.trigger_date.toString() + "|" + e.due_by.toString() + "|" + e.status + "|" +
                  (e.completed_on ? e.completed_on->toString() : "-") + "|" + opt(e.late_working_days) + "|" +
                  e.closed_by_event + "|" + std::to_string(e.extended_working_days) + "|" +
                  (e.original_due_by ? e.original_due_by->toString() : "-"));
  return out;
}

std::vector<std::pair<std::string, std::string>> stored(storage::Database& db) {
  auto lease = db.session();
  std::vector<std::string> ids, texts;
  vc::storage::sqlite(lease) << "SELECT id, body FROM obligations ORDER BY id", into(ids), into(texts), now;
  std::vector<std::pair<std::string, std::string>> out;
  for (size_t i = 0; i < ids.size(); ++i) out.emplace_back(ids[i], texts[i]);
  return out;
}

storage::ObligationRow columnsOf(storage::Database& db, const std::string& id) {
  auto lease = db.session();
  storage::Store store(vc::storage::sqlite(lease));
  auto row = store.findObligation(id);
  REQUIRE(row);
  return *row;
}

}  // namespace

TEST_CASE("An obligation's body is stored packed, smaller, and every one reads back as it was written",
          "[storage][obligations][size]") {
  TempDb t;
  storage::Database db(t.path, testing::keyedStore(t.dir.path()));
  db.migrate();
  ingestDemo(db);
  const auto rows = stored(db);
  REQUIRE(rows.size() > 50);
  size_t packed_bytes = 0, whole_bytes = 0;
  int explained = 0;
  for (const auto& [id, text] : rows) {
    INFO(id);
    const storage::ObligationRow row = columnsOf(db, id);
    CHECK(text.rfind("{\"packed\":1,", 0) == 0);
    CHECK(storage::unpackObligationBody(text, row) == row.body);
    // What the Ingestor writes: the whole obligation, its explanation included.
    const auto whole = Poco::JSON::Parser().parse(row.body).extract<Poco::JSON::Object::Ptr>();
    CHECK(whole->getValue<std::string>("id") == id);
    if (!whole->getObject("explanation")->getValue<std::string>("text").empty()) ++explained;
    packed_bytes += text.size();
    whole_bytes += row.body.size();
  }
  CHECK(explained == static_cast<int>(rows.size()));
  CHECK(packed_bytes * 2 < whole_bytes);  // the demo's bodies: 2.5 KB → 0.6 KB on average

  // Bodies that are not of the shape it packs are stored as given and read back as given.
  const storage::ObligationRow row = columnsOf(db, rows.front().first);
  for (const std::string& odd : {std::string("not json"), std::string("[1,2]"), std::string("{}"),
                                std::string(R"({"explanation":{"purged":"hmac-sha256:k:00"}})"),
                                std::string(R"({"packed":1,"explanation":"z1:0:"})"), row.body + " "}) {
    INFO(odd);
    CHECK(storage::packObligationBody(odd, row) == odd);
  }
  // A body whose repeated fields differ from the row's columns is packed without leaving them out.
  storage::ObligationRow other = row;
  other.rule = "ANOTHER-RULE";
  other.tier = "other";
  const std::string packed = storage::packObligationBody(row.body, other);
  CHECK(packed.size() < row.body.size());
  CHECK(storage::unpackObligationBody(packed, other) == row.body);
}

TEST_CASE("A store from before packed obligation bodies upgrades with every obligation, ledger entry and purge "
          "marker the same",
          "[storage][migrate][obligations][size]") {
  // The version before migration 16 packed the bodies (later migrations follow it: not latest - 1).
  constexpr int kBeforePacking = 15;
  TempDb t;
  std::map<std::string, std::string> before;
  std::vector<std::string> ledger_before;
  std::string purged_urn;
  int64_t whole_bytes = 0;
  {
    storage::Database db(t.path, testing::keyedStore(t.dir.path()));
    db.migrateTo(kBeforePacking);
    ingestDemo(db);
    auto lease = db.session();
    Poco::Data::Session& s = vc::storage::sqlite(lease);
    // What the previous version stored: each obligation's whole body, as the Ingestor wrote it.
    for (const auto& [id, text] : stored(db)) {
      const std::string whole = storage::unpackObligationBody(text, columnsOf(db, id));
      std::string key = id;
      s << "UPDATE obligations SET body = ? WHERE id = ?", bind(whole), bind(key), now;
    }
    // One case purged at that version: its obligations' explanations and changes are markers.
    s << "SELECT case_urn FROM obligations WHERE json_extract(body, '$.explanation.tier') = 'enhanced' "
         "ORDER BY case_urn LIMIT 1",
        into(purged_urn), now;
    REQUIRE(!purged_urn.empty());
    {
      storage::WriteTransaction tx(s);
      storage::RetentionStore(s).purgeCase(purged_urn, "2026-12-31T12:00:00Z");
      tx.commit();
    }
    int64_t packed = -1;
    s << "SELECT SUM(length(body)) FROM obligations", into(whole_bytes), now;
    s << "SELECT COUNT(*) FROM obligations WHERE body LIKE '{\"packed\":%'", into(packed), now;
    REQUIRE(packed == 0);
    before = bodies(db);
    ledger_before = ledger(db);
    REQUIRE(db.schemaVersion() == kBeforePacking);
  }
  REQUIRE(before.size() > 50);
  int purged = 0;
  for (const auto& [id, text] : before)
    if (text.find("{\"purged\":\"hmac-sha256:") != std::string::npos) ++purged;
  REQUIRE(purged > 0);

  storage::Database db(t.path, testing::keyedStore(t.dir.path()));
  CHECK(db.migrate() == std::make_pair(kBeforePacking, storage::Database::latestSchemaVersion()));
  CHECK(bodies(db) == before);  // every obligation, explanation and purge marker byte for byte
  CHECK(ledger(db) == ledger_before);
  auto lease = db.session();
  int64_t packed = 0, packed_bytes = 0, total = 0;
  vc::storage::sqlite(lease) << "SELECT COUNT(*), IFNULL(SUM(length(body)), 0) FROM obligations WHERE body LIKE '{\"packed\":%'",
      into(packed), into(packed_bytes), now;
  vc::storage::sqlite(lease) << "SELECT COUNT(*) FROM obligations", into(total), now;
  CHECK(packed == total);  // the purged case's too
  CHECK(packed_bytes * 2 < whole_bytes);

  // A purge after the upgrade: the packed bodies of another case get their markers as before.
  std::string urn;
  vc::storage::sqlite(lease) << "SELECT case_urn FROM obligations WHERE case_urn <> ? ORDER BY case_urn LIMIT 1", bind(purged_urn),
      into(urn), now;
  {
    storage::WriteTransaction tx(vc::storage::sqlite(lease));
    storage::RetentionStore(vc::storage::sqlite(lease)).purgeCase(urn, "2026-12-31T12:00:00Z");
    tx.commit();
  }
  const auto after_purge = bodies(db);
  for (const auto& [id, text] : after_purge) {
    INFO(id);
    const auto o = Poco::JSON::Parser().parse(text).extract<Poco::JSON::Object::Ptr>();
    const auto b = Poco::JSON::Parser().parse(before.at(id)).extract<Poco::JSON::Object::Ptr>();
    CHECK(o->getValue<std::string>("id") == id);
    CHECK(o->getValue<std::string>("status") == b->getValue<std::string>("status"));
    if (o->getValue<std::string>("case_urn") == urn) {
      CHECK(o->getObject("explanation")->getValue<std::string>("purged").rfind("hmac-sha256:", 0) == 0);
      if (b->getArray("changes")->size() > 0)  // no recomputations: nothing to purge there
        CHECK(o->getObject("changes")->getValue<std::string>("purged").rfind("hmac-sha256:", 0) == 0);
      else
        CHECK(o->getArray("changes")->size() == 0);
    } else {
      CHECK(text == before.at(id));
    }
  }
}

TEST_CASE("An obligation whose only change is a field its columns hold is written again (its packed body "
          "does not change)",
          "[storage][obligations][size]") {
  TempDb t;
  storage::Database db(t.path, testing::keyedStore(t.dir.path()));
  db.migrate();
  ingestDemo(db);
  const std::string id = stored(db).front().first;
  storage::ObligationRow row = columnsOf(db, id);
  // A corrected rule book may change an obligation's basis alone (rederive), or its tier, policy or kind.
  const std::string basis = row.basis == "code" ? "service_standard" : "code";
  std::string changed = row.body;
  const std::string from = "\"basis\":\"" + row.basis + "\"";
  REQUIRE(changed.find(from) != std::string::npos);
  changed.replace(changed.find(from), from.size(), "\"basis\":\"" + basis + "\"");
  storage::ObligationRow next = row;
  next.basis = basis;
  next.body = changed;
  {
    auto lease = db.session();
    storage::WriteTransaction tx(vc::storage::sqlite(lease));
    storage::Store(vc::storage::sqlite(lease)).upsertObligations({next});
    tx.commit();
  }
  const storage::ObligationRow read = columnsOf(db, id);
  CHECK(read.basis == basis);
  CHECK(read.body == changed);
}

TEST_CASE("Strings with escaped quotes and backslashes in an obligation's body pack and read back as written",
          "[storage][obligations][size]") {
  TempDb t;
  storage::Database db(t.path, testing::keyedStore(t.dir.path()));
  db.migrate();
  ingestDemo(db);
  const auto rows = stored(db);
  REQUIRE(!rows.empty());
  const storage::ObligationRow row = columnsOf(db, rows.front().first);
  // The explanation's text and the title with quotes after one, two and three backslashes, and a
  // backslash at the end of a string: a string ends at a quote after an even number of them.
  const std::vector<std::string> nasty = {R"(a \"quoted\" word)", R"(two \\\\ and \\\" then)", R"(ends in \\)",
                                          R"(\\\\\\\"x\\\\\")", R"(\")", R"(\\)", R"(}],{\"k\":[)"};
  for (const auto& text : nasty) {
    INFO(text);
    std::string body = row.body;
    const std::string text_key = "\"explanation\":{\"text\":\"";
    const size_t at = body.find(text_key);
    REQUIRE(at != std::string::npos);
    body.insert(at + text_key.size(), text);
    const size_t title = body.find("\"title\":\"");
    REQUIRE(title != std::string::npos);
    body.insert(title + 9, text);
    const std::string packed = storage::packObligationBody(body, row);
    CHECK(packed.rfind("{\"packed\":1,", 0) == 0);
    CHECK(storage::unpackObligationBody(packed, row) == body);
  }
}

TEST_CASE("An explanation packed before zstd (zlib, \"z1:\") still reads back byte for byte, and a body packed "
          "now uses zstd (\"z2:\")",
          "[storage][obligations][size]") {
  // Written by the build before this change (packObligationBody at f38e62a), from the benchmark's journeys.
  storage::ObligationRow row;
  row.id = "WCU-VERDICT:v-bench-38:bench-c38-e08";
  row.rule = "WCU-VERDICT";
  row.policy = "victims-code-2020";
  row.basis = "code";
  row.kind = "partner";
  row.victim_id = "v-bench-38";
  row.case_urn = "99BM000003826";
  row.trigger_event = "bench-c38-e08";
  row.tier = "standard";
  const std::string body =
      R"old({"id":"WCU-VERDICT:v-bench-38:bench-c38-e08","rule":"WCU-VERDICT","title":"Witness Care Unit: verdict","basis":"code","right":9,"victim_id":"v-bench-38","case_urn":"99BM000003826","area":"CPS North East","kind":"partner","template":null,"recipient":"victim","owner":"witness_care_unit","trigger_event":"bench-c38-e08","trigger_date":"2026-03-15","tier":"standard","due_by":"2026-03-16","status":"pending","completed_at":null,"completed_by_event":null,"late_working_days":null,"reason":null,"waived_by_event":null,"cancelled_by_event":null,"carried_by":null,"reopened_by_event":null,"reopened_note":null,"extension":null,"policy":"victims-code-2020","changes":[],"explanation":{"text":"Due by Monday 16 March 2026: 1 working day after the trigger date, Sunday 15 March 2026 (event bench-c38-e08, verdict.recorded, occurred at 2026-03-15T16:38:00Z; Europe/London date, GMT (UTC+00:00)). Every victim gets 1 working day for this rule. No days were skipped. Rule WCU-VERDICT, policy victims-code-2020 effective from 2021-04-01.","rule":"WCU-VERDICT","policy":"victims-code-2020","policy_effective_from":"2021-04-01","trigger_event":"bench-c38-e08","trigger_type":"verdict.recorded","occurred_at":"2026-03-15T16:38:00Z","trigger_date":"2026-03-15","trigger_weekday":"Sunday","time_zone":"GMT (UTC+00:00)","tier":"standard","tier_reasons":[],"working_days":1,"working_days_counted":["2026-03-16"],"days_skipped":[],"due_by":"2026-03-16"}})old";
  const std::string packed_before =
      R"old({"packed":1,"title":"Witness Care Unit: verdict","right":9,"area":"CPS North East","recipient":"victim","owner":"witness_care_unit","trigger_date":"2026-03-15","due_by":"2026-03-16","status":"pending","explanation":"z1:605:Q08B0KrA0AxatIPSELGpApLCFAxNkfTCEkES0HMZusnGFrqpBhY6CuglJWqKACdcA2NdQ9MQQzMrYwtQUUh+KkFN0iipBG+IhjuH6oa5Brl4OoeQGbikVWy4KxEsdQRa6GCtKKA5npgKAbWwRy29DAkUXyCnmGEru2oB"})old";
  REQUIRE(packed_before.find("\"explanation\":\"z1:") != std::string::npos);
  CHECK(storage::unpackObligationBody(packed_before, row) == body);
  const std::string packed_now = storage::packObligationBody(body, row);
  CHECK(packed_now.find("\"explanation\":\"z2:") != std::string::npos);
  CHECK(packed_now.size() < body.size());
  CHECK(storage::unpackObligationBody(packed_now, row) == body);
}

// A purge reads an obligation's explanation and changes and sets their markers in the body's text itself, so that
// PostgreSQL (whose jsonb_set would reorder the keys) holds the same text as SQLite: what it reads and writes is
// what SQLite's json_extract and json_set give.
TEST_CASE("a purge reads and sets a body's member as SQLite's json_extract and json_set do", "[purge]") {
  TempDb t;
  storage::Database db(t.path, testing::keyedStore(t.dir.path()));
  auto lease = db.session();
  auto& s = storage::sqlite(lease);
  const std::string marker = "{\"purged\":\"hmac-sha256:k1:ab\"}";
  for (const std::string& body :
       {std::string("{\"id\":\"o1\",\"explanation\":{\"text\":\"x \\\"q\\\" caf\\u00e9\"},\"right\":4,\"changes\":[]}"),
        std::string("{\"packed\":1,\"changes\":[{\"event\":\"e2\"}],\"explanation\":\"z2:10:abc=\",\"owner\":null}"),
        std::string("{\"s\":\"caf\\u00e9 \\ud83d\\ude00 \\\\ \\/ \\n \\t\",\"explanation\":null}"),
        std::string("{}")}) {
    for (const std::string key : {"explanation", "changes", "right", "s", "owner", "missing"}) {
      INFO(body << " ." << key);
      std::string extracted, set, b = body, path = "$." + key, m = marker;
      s << "SELECT IFNULL(json_extract(?, ?), ''), json_set(?, ?, json(?))", bind(b), bind(path), bind(b), bind(path),
          bind(m), into(extracted), into(set), now;
      CHECK(storage::obligationBodyMember(body, key) == std::optional<std::string>(extracted));
      CHECK(storage::withObligationBodyMember(body, key, marker) == std::optional<std::string>(set));
    }
  }
  CHECK_FALSE(storage::obligationBodyMember("{ \"a\": 1 }", "a"));  // white space: not a body this build wrote
  CHECK_FALSE(storage::withObligationBodyMember("[1]", "a", marker));
}
