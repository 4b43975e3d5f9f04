// Issue 16, items 1 and 2: the Ingestor keeps each case's replay between batches (case memos) and
// writes only the rows that changed; a long import streams in chunks in one transaction. What must
// not change is what is stored: these tests ingest the same journeys with and without memos, in
// random batches and random interleavings, with rejected batches among them, and compare every
// derived row; then a fresh full replay (rederive, dry run) of every case must find nothing to change.

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <random>
#include <sstream>

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Statement.h>
#include <Poco/JSON/Parser.h>
#include <Poco/TemporaryFile.h>

#include "app/import_progress.h"
#include "storage/sqlite_connection.h"
#include "common/error.h"
#include "domain/clock.h"
#include "ingest/ingestor.h"
#include "loading/policy_files.h"
#include "storage/database.h"
#include "storage/store.h"
#include "support/store_fixture.h"
#include "support/test_daemon.h"

using namespace vc;

namespace {

testing::StorePolicy& policy() {
  static testing::StorePolicy kPolicy("2026-12-31T12:00:00Z");
  return kPolicy;
}
using testing::TempDb;


Poco::Dynamic::Var parse(const std::string& json) {
  Poco::JSON::Parser parser;
  return parser.parse(json);
}

// One case's events in the order they must be sent (an ISVA's registration is its own "case").
using Journey = std::vector<std::string>;

std::string two(int n) { return (n < 10 ? "0" : "") + std::to_string(n); }

// The demo journeys (rich: meetings, reviews, extensions, ISVAs, discontinuances) grouped by case,
// plus generated ones like the benchmark's, some with two victims, an entitlement change or an opt-out.
std::vector<Journey> journeys() {
  std::vector<Journey> out;
  std::map<std::string, size_t> by_case;
  std::ifstream in(VC_SOURCE_DIR "/config/demo/events.jsonl");
  std::string line;
  Journey isvas;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto obj = parse(line).extract<Poco::JSON::Object::Ptr>();
    if (!obj->has("case_urn")) {
      isvas.push_back(line);
      continue;
    }
    const std::string urn = obj->getValue<std::string>("case_urn");
    auto it = by_case.find(urn);
    if (it == by_case.end()) it = by_case.emplace(urn, out.size()).first, out.emplace_back();
    out[it->second].push_back(line);
  }
  out.insert(out.begin(), isvas);  // first: cases assign these ISVAs
  for (int i = 0; i < 24; ++i) {
    const std::string urn = "99ZZ" + std::to_string(1000000 + i) + "26";
    const std::string d = "2026-05-" + two(4 + i);
    const std::string offence = i % 3 == 0 ? "rape" : i % 3 == 1 ? "domestic_abuse" : "other";
    Journey j;
    int n = 0;
    auto add = [&](const std::string& type, const std::string& date, const std::string& time, const std::string& rest) {
      j.push_back("{\"id\":\"inc-c" + std::to_string(i) + "-e" + two(++n) + "\",\"type\":\"" + type +
                  "\",\"occurred_at\":\"" + date + "T" + time + ":00+01:00\",\"case_urn\":\"" + urn + "\"" + rest + "}");
    };
    auto victim = [&](int k) { return ",\"victim_id\":\"inc-v" + std::to_string(i) + "-" + std::to_string(k) + "\""; };
    add("case.registered", d, "09:00",
        ",\"area\":\"CPS South West\",\"offences\":[\"" + offence + "\"],\"offence_date\":\"2026-04-20\","
        "\"police_force\":\"Test Constabulary\",\"unit\":\"Test Unit\",\"prosecutor\":{\"name\":\"Test Prosecutor\"}");
    const int victims = i % 4 == 0 ? 2 : 1;
    for (int k = 0; k < victims; ++k)
      add("victim.registered", d, "09:1" + std::to_string(k),
          victim(k) + ",\"name\":{\"given\":\"Test\",\"family\":\"Person " + std::to_string(i) +
              "\"},\"date_of_birth\":\"19" + std::to_string(60 + i) + "-02-03\",\"address\":{\"lines\":[\"1 Test Street\","
              "\"Testtown\"],\"postcode\":\"ZZ1 1AA\"},\"language\":\"en\"");
    add("charging.referred", "2026-06-" + two(1 + i), "14:00", ",\"kind\":\"full_code_test\"");
    if (i % 2 == 0) {
      add("charging.decided", "2026-06-" + two(3 + i), "15:00",
          ",\"decision\":\"charge\",\"charges\":[\"Test charge\"],\"first_hearing\":{\"date\":\"2026-07-" + two(1 + i) +
              "\",\"court\":\"Testtown Magistrates' Court\"}");
      add("hearing.listed", "2026-06-" + two(4 + i), "10:00",
          ",\"kind\":\"trial\",\"date\":\"2026-09-" + two(1 + i) + "\",\"court\":\"Testtown Crown Court\"");
      if (i % 3 != 2)
        add("victim.updated", "2026-06-" + two(5 + i), "11:00",
            victim(0) + (i % 6 == 0 ? ",\"flags\":[\"intimidated\"]" : ",\"opt_out\":[\"all\"]"));
      add("plea.entered", "2026-07-" + two(1 + i), "12:00", ",\"plea\":\"not_guilty\"");
      add("verdict.recorded", "2026-09-" + two(2 + i), "16:00",
          std::string(",\"outcome\":\"") + (i % 8 == 4 ? "acquitted" : "convicted") + "\",\"summary\":\"Synthetic.\"");
      if (i % 8 != 4) add("sentence.passed", "2026-10-" + two(1 + i), "12:00", ",\"summary\":\"Synthetic.\"");
    } else {
      add("charging.decided", "2026-06-" + two(3 + i), "15:00",
          ",\"decision\":\"no_further_action\",\"reasons\":\"Synthetic reasons.\"");
      add("victim.updated", "2026-06-" + two(6 + i), "11:00", victim(0) + ",\"flags\":[\"intimidated\"]");
    }
    add("contact.recorded", "2026-11-" + two(1 + i), "11:00",
        victim(0) + ",\"obligation\":\"WCU-HEARING\",\"by\":\"wcu\",\"channel\":\"phone\",\"notes\":\"Synthetic.\"");
    out.push_back(j);
  }
  return out;
}

// The journeys interleaved at random (each keeps its own order; the ISVAs come first), cut into
// batches of random size.
std::vector<std::vector<std::string>> randomBatches(const std::vector<Journey>& js, std::mt19937& rng) {
  std::vector<std::string> order(js.front());
  std::vector<size_t> next(js.size(), 0);
  std::vector<size_t> open;
  for (size_t k = 1; k < js.size(); ++k) open.push_back(k);
  while (!open.empty()) {
    const size_t pick = std::uniform_int_distribution<size_t>(0, open.size() - 1)(rng);
    const size_t k = open[pick];
    order.push_back(js[k][next[k]++]);
    if (next[k] == js[k].size()) open.erase(open.begin() + static_cast<long>(pick));
  }
  std::vector<std::vector<std::string>> batches;
  for (size_t at = 0; at < order.size();) {
    const size_t n = std::uniform_int_distribution<size_t>(1, 40)(rng);
    batches.emplace_back(order.begin() + static_cast<long>(at), order.begin() + static_cast<long>(std::min(order.size(), at + n)));
    at += n;
  }
  return batches;
}

std::vector<Poco::Dynamic::Var> items(const std::vector<std::string>& lines) {
  std::vector<Poco::Dynamic::Var> out;
  for (const auto& l : lines) out.push_back(parse(l));
  return out;
}

// An import's `next`: the lines, parsed, `chunk` at a time.
std::function<bool(std::vector<Poco::Dynamic::Var>&)> stream(const std::vector<std::string>& lines, size_t chunk) {
  auto at = std::make_shared<size_t>(0);
  return [lines, chunk, at](std::vector<Poco::Dynamic::Var>& out) {
    while (out.size() < chunk && *at < lines.size()) out.push_back(parse(lines[(*at)++]));
    return !out.empty();
  };
}

// Every row of a query, every column as text.
std::vector<std::string> dump(storage::Database& db, const std::string& sql) {
  auto lease = db.session();
  Poco::Data::Statement st(vc::storage::sqlite(lease));
  st << sql;
  st.execute();
  Poco::Data::RecordSet rs(st);
  std::vector<std::string> rows;
  for (bool more = rs.moveFirst(); more; more = rs.moveNext()) {
    std::string row;
    for (size_t c = 0; c < rs.columnCount(); ++c)
      row += (rs.value(c).isEmpty() ? std::string("NULL") : rs.value(c).convert<std::string>()) + "|";
    rows.push_back(row);
  }
  return rows;
}

const std::vector<std::pair<std::string, std::string>> kDerived = {
    {"cases", "SELECT * FROM cases ORDER BY urn"},
    {"victims", "SELECT * FROM victims ORDER BY victim_id"},
    {"entitlement_changes", "SELECT * FROM entitlement_changes ORDER BY victim_id, n"},
    {"obligations", "SELECT * FROM obligations ORDER BY id"},
    {"meetings", "SELECT * FROM meetings ORDER BY id"},
    {"audit", "SELECT at, actor, action, subject, detail FROM audit_log ORDER BY seq"},
};

struct Store {
  TempDb t;
  storage::Database db;
  ingest::Ingestor ingestor;
  explicit Store(size_t memos, size_t first_load_events = 100000)
      : db(t.path, testing::keyedStore(t.dir.path())),
        ingestor((db.migrate(), db), policy().engine, policy().clock,
                 ingest::IngestLimits{64 * 1024, memos, first_load_events}) {}
};

}  // namespace

TEST_CASE("Batches derived from kept replays store exactly what replaying every case whole stores, in any order and "
          "batching, with rejected batches between",
          "[storage][incremental]") {
  const std::vector<Journey> js = journeys();
  for (unsigned seed : {1u, 2u, 3u}) {
    INFO("seed " << seed);
    std::mt19937 rng(seed);
    const auto batches = randomBatches(js, rng);
    Store whole(0);         // no memos: every batch replays each case it touches from its first event
    Store kept(100000);     // every case's replay kept
    Store evicting(3);      // only the three most recent
    size_t replayed_whole = 0, replayed_kept = 0;
    for (size_t b = 0; b < batches.size(); ++b) {
      // Now and then a batch that fails at its end: its good events (on cases whose replays are kept)
      // must leave no trace, in the store or in the memos.
      // It fails while deriving its last case (an extension with no review to extend), after the
      // batch's other cases were derived.
      if (b % 8 == 3) {
        std::vector<std::string> bad = batches[b];
        for (const char* e :
             {R"({"id":"inc-bad-1","type":"case.registered","occurred_at":"2026-06-01T09:00:00+01:00",)"
              R"("case_urn":"99ZZZ999999","area":"CPS South West","offences":["other"],"prosecutor":{"name":"T"}})",
              R"({"id":"inc-bad-2","type":"victim.registered","occurred_at":"2026-06-01T09:05:00+01:00",)"
              R"("case_urn":"99ZZZ999999","victim_id":"inc-bad-v","name":{"given":"T","family":"P"}})",
              R"({"id":"inc-bad-3","type":"vrr.extended","occurred_at":"2026-06-01T10:00:00+01:00",)"
              R"("case_urn":"99ZZZ999999","victim_id":"inc-bad-v","working_days":10,"reasons":"Synthetic."})"})
          bad.push_back(e);
        for (Store* s : {&whole, &kept, &evicting}) {
          try {
            s->ingestor.ingest(items(bad));
            FAIL("the extension was accepted");
          } catch (const Error& e) {
            CHECK(std::string(e.what()).find("no open review to extend") != std::string::npos);
          }
        }
      }
      for (Store* s : {&whole, &kept, &evicting}) {
        const auto r = s->ingestor.ingest(items(batches[b]));
        CHECK(r.accepted == batches[b].size());
        if (s == &whole) replayed_whole += r.replayed;
        if (s == &kept) replayed_kept += r.replayed;
      }
    }
    CHECK(evicting.ingestor.memoCount() <= 3);
    // With the memos a stored event is read back about once (again only for a case a rejected batch
    // touched: its memo is dropped); without, every batch re-reads each touched case's history.
    size_t events = 0;
    for (const auto& j : js) events += j.size() - (&j == &js.front() ? j.size() : 0);
    INFO("replayed with memos " << replayed_kept << ", without " << replayed_whole << ", events " << events);
    CHECK(replayed_kept >= events);
    CHECK(replayed_kept < replayed_whole);
    for (const auto& [table, sql] : kDerived) {
      INFO(table);
      const auto expected = dump(whole.db, sql);
      CHECK(!expected.empty());
      CHECK(dump(kept.db, sql) == expected);
      CHECK(dump(evicting.db, sql) == expected);
    }
    // A fresh full replay of every case finds nothing to change.
    for (const auto& urn : dump(kept.db, "SELECT urn FROM cases ORDER BY urn")) {
      const auto plan = kept.ingestor.rederive(urn.substr(0, urn.size() - 1), true, "test");
      INFO(urn);
      CHECK(plan.changes.empty());
    }
  }
}

TEST_CASE("A batch of many cases stores what one case a batch stores; a case failing in the middle of it stores "
          "nothing and keeps no replay, while the cases around it were being derived",
          "[storage][incremental]") {
  // A batch touching many cases has their derivations done on a second thread while the writer reads
  // ahead and writes behind them (Ingestor::deriveCases); a batch of one case is derived inline.
  const std::vector<Journey> js = journeys();
  std::vector<std::string> all;
  for (const auto& j : js) all.insert(all.end(), j.begin(), j.end());
  std::vector<std::string> bad = all;
  // Case 99ZZ100001026 (generated case 10: charged, so no review is open) sorts among the generated
  // cases: cases before it are written and cases after it are derived when its derivation fails.
  bad.push_back(R"({"id":"inc-mid-bad","type":"vrr.extended","occurred_at":"2026-12-01T10:00:00Z",)"
                R"("case_urn":"99ZZ100001026","victim_id":"inc-v10-0","working_days":10,"reasons":"Synthetic."})");
  Store many(100000);
  try {
    many.ingestor.ingest(items(bad));
    FAIL("the extension was accepted");
  } catch (const Error& e) {
    CHECK(e.index() == bad.size() - 1);
    CHECK(std::string(e.what()).find("no open review to extend") != std::string::npos);
  }
  CHECK(dump(many.db, "SELECT id FROM events").empty());
  CHECK(dump(many.db, "SELECT urn FROM cases").empty());
  CHECK(dump(many.db, "SELECT seq FROM audit_log").empty());
  CHECK(many.ingestor.memoCount() == 0);

  const auto r = many.ingestor.ingest(items(all));
  CHECK(r.accepted == all.size());
  CHECK(r.affected_cases.size() == js.size() - 1);  // every case (the ISVAs' "journey" is not one)
  Store single(0);
  for (const auto& j : js) single.ingestor.ingest(items(j));
  for (const auto& [table, sql] : kDerived) {
    INFO(table);
    auto expected = dump(single.db, sql);
    auto got = dump(many.db, sql);
    CHECK(!expected.empty());
    if (table == "audit") {  // one batch audits all its events first, then what each case's derivation changed
      std::sort(expected.begin(), expected.end());
      std::sort(got.begin(), got.end());
    }
    CHECK(got == expected);
  }
}

TEST_CASE("A batch for a case already derived reads back only its own events", "[storage][incremental]") {
  Store s(100);
  const std::vector<Journey> js = journeys();
  const Journey& j = js[js.size() - 24];  // the first generated case: two victims, charged, convicted
  REQUIRE(j.size() >= 9);
  auto r1 = s.ingestor.ingest(items({j.begin(), j.begin() + 4}));
  CHECK(r1.replayed == 4);
  auto r2 = s.ingestor.ingest(items({j.begin() + 4, j.begin() + 6}));
  CHECK(r2.replayed == 2);  // not the case's 6 events
  CHECK(s.ingestor.memoCount() == 1);

  // Another Ingestor writing the same store (another process) derives the case: this one's memo is
  // then stale, is noticed, and the case is replayed whole.
  ingest::Ingestor other(s.db, policy().engine, policy().clock);
  other.ingest(items({j.begin() + 6, j.begin() + 7}));
  auto r3 = s.ingestor.ingest(items({j.begin() + 7, j.end()}));
  CHECK(r3.replayed == j.size());
  Store whole(0);
  whole.ingestor.ingest(items({j.begin(), j.begin() + 4}));
  whole.ingestor.ingest(items({j.begin() + 4, j.begin() + 6}));
  whole.ingestor.ingest(items({j.begin() + 6, j.begin() + 7}));
  whole.ingestor.ingest(items({j.begin() + 7, j.end()}));
  CHECK(dump(s.db, "SELECT * FROM obligations ORDER BY id") == dump(whole.db, "SELECT * FROM obligations ORDER BY id"));
}

TEST_CASE("An import streamed in chunks is one transaction: a bad event in a late chunk stores nothing, and memory "
          "holds only the newest replays",
          "[storage][incremental]") {
  const std::vector<Journey> js = journeys();
  std::vector<std::string> all;
  for (const auto& j : js) all.insert(all.end(), j.begin(), j.end());
  Store s(4);
  std::vector<std::string> bad = all;
  bad.push_back(R"({"id":"inc-bad","type":"victim.updated","occurred_at":"2026-06-01T10:00:00+01:00",)"
                R"("case_urn":"99ZZ100000026","victim_id":"nobody"})");
  std::vector<size_t> seen;
  try {
    s.ingestor.importStream(stream(bad, 7), "cli", [&](const ingest::IngestResult& r, size_t) { seen.push_back(r.accepted); });
    FAIL("the bad event was accepted");
  } catch (const Error& e) {
    CHECK(e.index() == bad.size() - 1);  // counted from the start of the import, not the chunk
  }
  CHECK(seen.size() == (bad.size() - 1) / 7);  // progress after every chunk before the bad one
  CHECK(dump(s.db, "SELECT id FROM events").empty());
  CHECK(dump(s.db, "SELECT id FROM obligations").empty());
  CHECK(dump(s.db, "SELECT seq FROM audit_log WHERE action = 'event_ingested'").empty());
  CHECK(s.ingestor.memoCount() == 0);

  std::vector<size_t> told;
  s.ingestor.setAfterCommit([&](const ingest::IngestResult& r) { told.push_back(r.affected_cases.size()); });
  const auto r = s.ingestor.importStream(stream(all, 7), "cli", nullptr);
  CHECK(r.accepted == all.size());
  CHECK(s.ingestor.memoCount() <= 4);
  CHECK(told.size() == 1);
  Store one(0);  // the same chunks, each its own batch and transaction
  for (size_t at = 0; at < all.size(); at += 7)
    one.ingestor.ingest(items({all.begin() + static_cast<long>(at), all.begin() + static_cast<long>(std::min(all.size(), at + 7))}));
  for (const auto& [table, sql] : kDerived) {
    INFO(table);
    CHECK(dump(s.db, sql) == dump(one.db, sql));
  }
}

TEST_CASE("A failed import whose replays were evicted and taken again within it leaves no replay behind, and what "
          "follows stores what a store without replays stores",
          "[storage][incremental]") {
  // Journeys interleaved event by event, so that with room for 2 replays every case is evicted and
  // derived again several times within one import (the import forgets an evicted case's replay at once,
  // so that what it must drop on a rollback stays as small as the replays it keeps).
  const std::vector<Journey> js = journeys();
  std::vector<std::string> first(js.front()), second;  // the ISVAs first: cases assign them
  for (size_t k = 0;; ++k) {
    bool any = false;
    for (size_t c = 1; c < js.size(); ++c) {
      if (k >= js[c].size()) continue;
      any = true;
      (k < (js[c].size() + 1) / 2 ? first : second).push_back(js[c][k]);
    }
    if (!any) break;
  }
  Store s(2);
  Store whole(0);
  s.ingestor.importStream(stream(first, 5), "cli", nullptr);  // committed: its newest replays are kept
  whole.ingestor.importStream(stream(first, 5), "cli", nullptr);
  std::vector<std::string> bad = second;
  bad.push_back(R"({"id":"inc-bad-2","type":"victim.updated","occurred_at":"2026-06-01T10:00:00+01:00",)"
                R"("case_urn":"99ZZ100000026","victim_id":"nobody"})");
  CHECK_THROWS_AS(s.ingestor.importStream(stream(bad, 5), "cli", nullptr), Error);
  CHECK(s.ingestor.memoCount() == 0);
  s.ingestor.importStream(stream(second, 5), "cli", nullptr);
  whole.ingestor.importStream(stream(second, 5), "cli", nullptr);
  CHECK(s.ingestor.memoCount() <= 2);
  for (const auto& [table, sql] : kDerived) {
    INFO(table);
    CHECK(dump(s.db, sql) == dump(whole.db, sql));
  }
}

TEST_CASE("The import's progress lines come at most once per interval, while storing and then while drafting",
          "[storage][incremental][import]") {
  using namespace std::chrono_literals;
  app::ImportProgress::Clock::time_point now{};
  std::ostringstream out;
  app::ImportProgress progress(out, 2s, [&] { return now; });
  ingest::IngestResult so_far;
  so_far.accepted = 3990;
  so_far.duplicates = 10;
  progress.read(4000);
  now += 1500ms;
  progress(so_far, 0);  // too soon
  CHECK(out.str().empty());
  now += 500ms;
  progress(so_far, 0);
  CHECK(out.str() == "import: 4000 events read, 3990 accepted, 10 duplicates, 2000 events/s\n");
  out.str("");
  now += 1s;
  progress(so_far, 0);
  CHECK(out.str().empty());
  so_far.affected_cases = {"A", "B", "C"};
  now += 2s;
  progress(so_far, 2);
  CHECK(out.str() == "import: committed 3990 events; letters drafted for 2 of 3 cases\n");
  // One long step (a million events' commit): the timer's heartbeat says the import is alive, once an
  // interval, and only when no other line came.
  out.str("");
  now += 1s;
  progress.heartbeat();
  CHECK(out.str().empty());
  now += 1s;
  progress.heartbeat();
  CHECK(out.str() == "import: still working: 4000 events read, 3990 accepted so far\n");
  out.str("");
  now += 1900ms;
  progress.heartbeat();
  CHECK(out.str().empty());
  // While the import still calls (a chunk stored, a slice drafted), its own lines speak, not the timer's.
  progress(so_far, 2);  // too soon for a line, but the import is alive
  now += 1500ms;
  progress.heartbeat();
  CHECK(out.str().empty());
  now += 1s;  // no call for 2.5 s
  progress.heartbeat();
  CHECK(out.str() == "import: still working: 4000 events read, 3990 accepted so far\n");
}

TEST_CASE("An import into an empty store builds the list indexes at its end: every index is there after it, as "
          "written, after a failed one too, and the lists walk them",
          "[storage][incremental]") {
  const std::vector<Journey> js = journeys();
  std::vector<std::string> all;
  for (const auto& j : js) all.insert(all.end(), j.begin(), j.end());
  const std::string kIndexes = "SELECT name || ': ' || sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name";
  Store s(4);
  const auto schema = dump(s.db, kIndexes);
  REQUIRE(schema.size() > 20);
  std::vector<std::string> bad = all;
  bad.push_back(R"({"id":"inc-bad-3","type":"victim.updated","occurred_at":"2026-06-01T10:00:00+01:00",)"
                R"("case_urn":"99ZZ100000026","victim_id":"nobody"})");
  CHECK_THROWS_AS(s.ingestor.importStream(stream(bad, 7), "cli", nullptr), Error);
  CHECK(dump(s.db, kIndexes) == schema);
  CHECK(s.ingestor.importStream(stream(all, 7), "cli", nullptr).accepted == all.size());
  CHECK(dump(s.db, kIndexes) == schema);
  // Lists name their index (INDEXED BY): one missing would be an error, not a slower page.
  auto lease = s.db.session();
  storage::Store store(vc::storage::sqlite(lease));
  storage::ObligationFilter every;
  every.limit = 1000;
  const auto all_rows = store.listObligations(every);
  REQUIRE(!all_rows.empty());
  storage::ObligationFilter by_rule = every, by_area = every, by_kind = every;
  by_rule.rule = all_rows.front().rule;
  by_area.area = all_rows.front().area;
  by_kind.kind = all_rows.front().kind;
  for (const auto& r : store.listObligations(by_rule)) CHECK(r.rule == by_rule.rule);
  for (const auto& r : store.listObligations(by_area)) CHECK(r.area == by_area.area);
  for (const auto& r : store.listObligations(by_kind)) CHECK(r.kind == by_kind.kind);
  CHECK(!store.listObligations(by_rule).empty());
  // A long first load builds them part way (here after 14 of its events, two chunks) and keeps them up
  // from there: the same rows, the same schema, every index whole.
  Store early(4, 14);
  CHECK(early.ingestor.importStream(stream(all, 7), "cli", nullptr).accepted == all.size());
  CHECK(dump(early.db, kIndexes) == schema);
  for (const auto& [table, sql] : kDerived) {
    INFO(table);
    CHECK(dump(early.db, sql) == dump(s.db, sql));
  }
  {
    auto early_lease = early.db.session();
    std::vector<std::string> check;
    vc::storage::sqlite(early_lease) << "PRAGMA integrity_check", Poco::Data::Keywords::into(check),
        Poco::Data::Keywords::now;
    CHECK(check == std::vector<std::string>{"ok"});
  }
  // And the store's own check finds every index whole.
  std::vector<std::string> check;
  vc::storage::sqlite(lease) << "PRAGMA integrity_check", Poco::Data::Keywords::into(check), Poco::Data::Keywords::now;
  CHECK(check == std::vector<std::string>{"ok"});
}

TEST_CASE("Only a store without events has its list indexes dropped for a first load, and only inside the "
          "transaction",
          "[storage][incremental]") {
  const std::string kCount = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'obligations_by_rule_due'";
  Store s(4);
  {
    auto lease = s.db.session();
    storage::WriteTransaction tx(lease);
    storage::FirstLoadIndexes first(lease);
    CHECK(first.deferred());
    int n = -1;
    vc::storage::sqlite(lease) << kCount, Poco::Data::Keywords::into(n), Poco::Data::Keywords::now;
    CHECK(n == 0);  // dropped, in this transaction
    // not committed: rolled back with the transaction
  }
  CHECK(dump(s.db, kCount) == std::vector<std::string>{"1|"});
  s.ingestor.ingest(items(journeys().front()));  // the ISVAs: events, no case
  {
    auto lease = s.db.session();
    storage::WriteTransaction tx(lease);
    storage::FirstLoadIndexes first(lease);
    CHECK(!first.deferred());  // a store in use keeps its indexes: a rebuild would cost the whole store
    int n = -1;
    vc::storage::sqlite(lease) << kCount, Poco::Data::Keywords::into(n), Poco::Data::Keywords::now;
    CHECK(n == 1);
  }
}
