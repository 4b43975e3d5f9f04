// The lists (GET /api/v1/letters, GET /api/v1/obligations, the review queue, a victim's page) walk an
// index named for their filters (issue 16, item 4). These tests hold each filter's answer to what
// filtering and sorting every row gives, page by page across many rows that share a due date, and
// each filter's plan to an index that starts with its equalities: no page scans a table or sorts more
// than one victim's or one case's rows.

#include <algorithm>
#include <set>
#include <tuple>

#include <catch2/catch.hpp>

#include <Poco/JSON/Parser.h>

#include "domain/date.h"
#include "ingest/ingestor.h"
#include "storage/database.h"
#include "storage/letter_store.h"
#include "storage/sqlite_connection.h"
#include "storage/sqlite_statement.h"
#include "storage/store.h"
#include "support/store_fixture.h"
#include "support/test_daemon.h"

using namespace vc;
using namespace Poco::Data::Keywords;

namespace {

testing::StorePolicy& policy() {
  static testing::StorePolicy kPolicy("2026-04-06T09:00:00+01:00");
  return kPolicy;
}

std::vector<Poco::Dynamic::Var> eventsFor(int cases) {
  std::string json = "[";
  for (int c = 0; c < cases; ++c) {
    const std::string urn = "52LI01000" + std::to_string(10 + c);
    const std::string area = c % 2 ? "CPS Wales" : "CPS South West";
    const std::string id = "li" + std::to_string(c);
    json += std::string(c ? "," : "") + R"({"id":")" + id + R"(-c","type":"case.registered","occurred_at":"2026-03-30T09:00:00+01:00","case_urn":")" +
            urn + R"(","area":")" + area + R"(","offences":["rape"],"prosecutor":{"name":"A. Khan"}})";
    for (int v = 0; v < 2; ++v)
      json += R"(,{"id":")" + id + "-v" + std::to_string(v) +
              R"(","type":"victim.registered","occurred_at":"2026-03-30T09:05:00+01:00","case_urn":")" + urn +
              R"(","victim_id":")" + id + "-v" + std::to_string(v) +
              R"(","name":{"given":"Sam","family":"Jones"},"date_of_birth":"1990-05-01","address":{"lines":["1 High St","Bristol"],"postcode":"BS1 1AA"},"language":"en"})";
    json += R"(,{"id":")" + id + R"(-d","type":"charging.decided","occurred_at":"2026-04-02T15:20:00+01:00","case_urn":")" +
            urn + R"(","decision":"no_further_action","reasons":"..."})";
  }
  json += "]";
  Poco::JSON::Parser parser;
  auto arr = parser.parse(json).extract<Poco::JSON::Array::Ptr>();
  std::vector<Poco::Dynamic::Var> out;
  for (size_t i = 0; i < arr->size(); ++i) out.push_back(arr->get(static_cast<unsigned>(i)));
  return out;
}

// A store of four cases (two Areas, two victims each) whose obligations are copied many times over three
// due dates, four statuses, two rules and two bases, each copy with a letter in one of five states: many
// rows share each due date, so a cursor inside a run of equal dates is tested on every filter.
struct ListStore {
  testing::TempDb t;
  storage::Database db{t.path, testing::keyedStore(t.dir.path())};
  explicit ListStore(int version = storage::Database::latestSchemaVersion()) {
    db.migrateTo(version);
    ingest::Ingestor ingestor(db, policy().engine, policy().clock);
    REQUIRE(ingestor.ingest(eventsFor(4)).accepted == 16);
    auto lease = db.session();
    auto& s = storage::sqlite(lease);
    std::vector<std::string> originals;
    s << "SELECT id FROM obligations ORDER BY id", into(originals), now;
    REQUIRE(originals.size() >= 8);
    static const char* kDue[] = {"2026-05-01", "2026-05-04", "2026-05-05"};
    static const char* kStatus[] = {"pending", "pending", "met", "late"};
    static const char* kState[] = {"draft", "blocked", "sent", "withdrawn", "approved"};
    int i = 0;
    for (const auto& original : originals)
      for (int k = 0; k < 20; ++k, ++i) {
        const std::string copy = original + "-l" + std::to_string(k);
        s << "CREATE TEMP TABLE copy AS SELECT * FROM obligations WHERE id = ?", bind(original), now;
        const std::string due = kDue[(i * 7) % 3], status = kStatus[i % 4];
        const std::string rule = i % 5 == 0 ? "VCL-OTHER" : "VCL-NFA", basis = i % 3 == 0 ? "enhanced" : "code";
        s << "UPDATE copy SET id = ?, due_by = ?, status = ?, rule = ?, basis = ?", bind(copy), bind(due), bind(status),
            bind(rule), bind(basis), now;
        s << "INSERT INTO obligations SELECT * FROM copy", now;
        s << "DROP TABLE copy", now;
        const std::string state = kState[i % 5];
        // Some letters need attention: a communication need, an unsafe channel, a phone task; and some
        // are blocked by other codes whose message names a need (the exact check must still refuse them).
        static const char* kBlocked[] = {
            "[]",
            R"([{"code":"needs_translation","message":"Needs translating into Polish"}])",
            R"([{"code":"vlu_contact","message":"no contact details"},{"code":"needs_easy_read","message":"Easy Read"}])",
            R"([{"code":"unsafe_channel","message":"email is not safe"}])",
            R"([{"code":"vlu_contact","message":"not \"needs_translation\" nor \"unsafe_channel\""}])",
            "[]",
            "[]"};
        const std::string blocked = kBlocked[i % 7];
        const std::string channel = i % 11 == 0 ? "phone" : "post";
        s << "INSERT INTO letters(obligation_id, kind, language, channel, state, version, letter_date, blocked_by, "
             "fields, free_text, context_hash, template_version, policy, recipient_email, html, text, note, "
             "created_at, updated_at) VALUES(?, 'nfa', 'en', ?, ?, 1, '2026-04-03', ?, '{}', '', '', '', "
             "'', '', '', '', '', '2026-04-03T09:00:00Z', '2026-04-03T09:00:00Z')",
            bind(copy), bind(channel), bind(state), bind(blocked), now;
      }
  }
};

struct Obligation {
  std::string id, rule, victim_id, case_urn, area, basis, kind, status, due_by;
};

std::vector<Obligation> allObligations(storage::Database& db) {
  auto lease = db.session();
  storage::Query q(storage::sqlite(lease),
                   "SELECT id, rule, victim_id, case_urn, area, basis, kind, status, due_by FROM obligations");
  std::vector<Obligation> out;
  while (q.next())
    out.push_back({q.text(0), q.text(1), q.text(2), q.text(3), q.text(4), q.text(5), q.text(6), q.text(7), q.text(8)});
  return out;
}

// What listObligations must return for f: every row that matches, sorted by (due_by, id).
std::vector<std::string> expectedObligations(storage::Database& db, const storage::ObligationFilter& f) {
  std::vector<std::pair<std::string, std::string>> keys;
  for (const auto& o : allObligations(db)) {
    auto is = [](const std::string& want, const std::string& have) { return want.empty() || want == have; };
    if (!is(f.rule, o.rule) || !is(f.victim_id, o.victim_id) || !is(f.case_urn, o.case_urn) || !is(f.area, o.area) ||
        !is(f.basis, o.basis) || !is(f.kind, o.kind))
      continue;
    bool status = true;
    if (f.status == "breached") status = o.status == "pending" && o.due_by < f.today;
    else if (f.status == "pending") status = o.status == "pending" && o.due_by >= f.today;
    else if (f.status == "open") status = o.status == "pending";
    else if (f.status == "at_risk") status = o.status == "pending" && o.due_by >= f.today && o.due_by <= f.at_risk_until;
    else status = is(f.status, o.status);
    if (!status || (!f.due_before.empty() && o.due_by > f.due_before) || (!f.due_after.empty() && o.due_by < f.due_after))
      continue;
    keys.emplace_back(o.due_by, o.id);
  }
  std::sort(keys.begin(), keys.end());
  std::vector<std::string> out;
  for (const auto& k : keys) out.push_back(k.second);
  return out;
}

// Every page of 4 from the keyset cursor the API hands out, one after another.
std::vector<std::string> pagedObligations(storage::Database& db, storage::ObligationFilter f) {
  auto lease = db.session();
  storage::Store store(lease);
  f.limit = 4;
  std::vector<std::string> out;
  while (true) {
    const auto page = store.listObligations(f);
    for (const auto& r : page) out.push_back(r.id);
    if (page.size() < static_cast<size_t>(f.limit)) return out;
    f.after_due = page.back().due_by;
    f.after_id = page.back().id;
  }
}

std::vector<int64_t> expectedLetters(storage::Database& db, const storage::LetterFilter& f) {
  auto lease = db.session();
  storage::LetterStore letters(lease);
  std::vector<Poco::Int64> ns;
  storage::sqlite(lease) << "SELECT n FROM letters", into(ns), now;
  std::vector<std::pair<std::string, int64_t>> keys;
  auto is = [](const std::string& want, const std::string& have) { return want.empty() || want == have; };
  for (Poco::Int64 n : ns) {
    const auto row = letters.findLetter(n);
    REQUIRE(row);
    const bool state = f.states.empty() || std::count(f.states.begin(), f.states.end(), row->state);
    const bool cases = f.cases.empty() || std::count(f.cases.begin(), f.cases.end(), row->case_urn);
    std::set<std::string> codes;
    Poco::JSON::Parser parser;
    const auto blocked = parser.parse(row->blocked_by).extract<Poco::JSON::Array::Ptr>();
    for (size_t b = 0; b < blocked->size(); ++b) codes.insert(blocked->getObject(static_cast<unsigned>(b))->getValue<std::string>("code"));
    const bool attention = (!f.communication_need || codes.count("needs_translation") || codes.count("needs_easy_read")) &&
                           (!f.unsafe_channel || codes.count("unsafe_channel")) && (!f.phone_task || row->channel == "phone");
    const bool due = (f.due_from.empty() || row->due_by >= f.due_from) && (f.due_to.empty() || row->due_by <= f.due_to);
    if (state && cases && attention && due && is(f.rule, row->rule) && is(f.area, row->area) &&
        is(f.victim_id, row->victim_id) && is(f.case_urn, row->case_urn))
      keys.emplace_back(row->due_by, row->n);
  }
  std::sort(keys.begin(), keys.end());
  std::vector<int64_t> out;
  for (const auto& k : keys) out.push_back(k.second);
  return out;
}

std::vector<int64_t> pagedLetters(storage::Database& db, storage::LetterFilter f) {
  auto lease = db.session();
  storage::LetterStore letters(lease);
  f.limit = 4;
  std::vector<int64_t> out;
  while (true) {
    const auto page = letters.listLetters(f);
    for (const auto& r : page) out.push_back(r.n);
    if (page.size() < static_cast<size_t>(f.limit)) return out;
    f.after_due = page.back().due_by;
    f.after_n = page.back().n;
  }
}

std::string planOf(storage::Database& db, const std::string& sql) {
  auto lease = db.session();
  storage::Query q(storage::sqlite(lease), "EXPLAIN QUERY PLAN " + sql);
  std::string plan;
  while (q.next()) plan += q.text(3) + "\n";
  return plan;
}

const std::vector<std::string> kOpen = {"draft", "blocked", "rejected", "approved"};

}  // namespace

TEST_CASE("Each obligations filter pages through the same rows, in the same order, as sorting every matching row",
          "[storage][lists]") {
  ListStore store;
  const auto all = allObligations(store.db);
  REQUIRE(all.size() > 150);
  const std::string victim = all.front().victim_id, urn = all.front().case_urn;
  std::vector<storage::ObligationFilter> filters;
  auto add = [&](auto set) {
    storage::ObligationFilter f;
    f.today = "2026-05-04";
    f.at_risk_until = "2026-05-05";
    set(f);
    filters.push_back(f);
  };
  add([](auto&) {});
  for (const char* status : {"open", "pending", "breached", "at_risk", "met", "late", "waived"}) {
    add([&](auto& f) { f.status = status; });
    add([&](auto& f) { f.status = status; f.area = "CPS Wales"; });
    add([&](auto& f) { f.status = status; f.victim_id = victim; f.area = "CPS South West"; });
  }
  add([](auto& f) { f.area = "CPS Wales"; });
  add([](auto& f) { f.area = "CPS Nowhere"; });
  add([](auto& f) { f.rule = "VCL-OTHER"; });
  add([](auto& f) { f.rule = "VCL-OTHER"; f.area = "CPS Wales"; f.status = "open"; });
  add([](auto& f) { f.basis = "enhanced"; });
  add([](auto& f) { f.basis = "enhanced"; f.area = "CPS South West"; });
  add([](auto& f) { f.kind = "letter"; f.status = "met"; });
  add([](auto& f) { f.kind = "letter"; f.area = "CPS Wales"; });
  add([](auto& f) { f.kind = "notification"; });  // none
  add([&](auto& f) { f.victim_id = victim; });
  add([&](auto& f) { f.victim_id = victim; f.area = "CPS South West"; });
  add([&](auto& f) { f.victim_id = victim; f.area = "CPS Wales"; });
  add([&](auto& f) { f.case_urn = urn; });
  add([&](auto& f) { f.case_urn = urn; f.area = "CPS South West"; f.status = "open"; });
  add([&](auto& f) { f.case_urn = urn; f.victim_id = victim; });
  add([](auto& f) { f.due_before = "2026-05-04"; });
  add([](auto& f) { f.due_after = "2026-05-04"; f.area = "CPS Wales"; });
  add([](auto& f) { f.due_after = "2026-05-02"; f.due_before = "2026-05-04"; f.status = "met"; });
  add([](auto& f) { f.due_after = "2026-05-02"; f.status = "pending"; });  // today (05-04) is the higher bound
  add([](auto& f) { f.due_after = "2026-05-05"; f.status = "at_risk"; f.area = "CPS Wales"; });  // due_after is higher
  for (const auto& f : filters) {
    INFO("status " << f.status << " area " << f.area << " rule " << f.rule << " victim " << f.victim_id << " case "
                   << f.case_urn << " basis " << f.basis << " due " << f.due_after << ".." << f.due_before);
    const auto expected = expectedObligations(store.db, f);
    CHECK(pagedObligations(store.db, f) == expected);
  }
  // The filters above are not all empty: most match several pages, over runs of equal due dates.
  storage::ObligationFilter open;
  open.status = "open";
  CHECK(expectedObligations(store.db, open).size() > 50);
}

TEST_CASE("Each review queue filter pages through the same letters, in the same order, as sorting every matching "
          "letter",
          "[storage][lists]") {
  ListStore store;
  const auto all = allObligations(store.db);
  const std::string victim = all.front().victim_id, urn = all.front().case_urn;
  std::vector<storage::LetterFilter> filters;
  auto add = [&](auto set) {
    storage::LetterFilter f;
    set(f);
    filters.push_back(f);
  };
  add([](auto&) {});
  add([](auto& f) { f.states = kOpen; });
  add([](auto& f) { f.states = {"sent"}; });
  add([](auto& f) { f.states = kOpen; f.area = "CPS Wales"; });
  add([](auto& f) { f.states = {"blocked"}; f.area = "CPS Wales"; });
  add([](auto& f) { f.states = kOpen; f.rule = "VCL-OTHER"; });
  add([](auto& f) { f.area = "CPS South West"; f.rule = "VCL-OTHER"; });
  add([&](auto& f) { f.victim_id = victim; });
  add([&](auto& f) { f.victim_id = victim; f.area = "CPS South West"; });  // a victim's page, Area-bound officer
  add([&](auto& f) { f.victim_id = victim; f.area = "CPS Wales"; });
  add([&](auto& f) { f.victim_id = victim; f.states = {"draft"}; });
  add([&](auto& f) { f.case_urn = urn; f.states = kOpen; f.area = "CPS South West"; });
  add([&](auto& f) { f.cases = {urn, "52LI0100011"}; f.states = kOpen; });  // the scheduler's refresh
  add([](auto& f) { f.states = kOpen; f.communication_need = true; });
  add([](auto& f) { f.states = kOpen; f.unsafe_channel = true; f.area = "CPS Wales"; });
  add([](auto& f) { f.states = kOpen; f.phone_task = true; });
  add([](auto& f) { f.communication_need = true; f.area = "CPS South West"; f.rule = "VCL-NFA"; });
  add([&](auto& f) { f.victim_id = victim; f.unsafe_channel = true; });
  // The queue's time left: overdue, due today, due by the next working day (issue 18 item 5).
  add([](auto& f) { f.states = kOpen; f.due_to = "2026-05-03"; });
  add([](auto& f) { f.states = kOpen; f.due_from = "2026-05-04"; f.due_to = "2026-05-04"; f.area = "CPS Wales"; });
  add([](auto& f) { f.due_from = "2026-05-05"; f.rule = "VCL-NFA"; f.communication_need = true; });
  for (const auto& f : filters) {
    INFO("states " << f.states.size() << " area " << f.area << " rule " << f.rule << " victim " << f.victim_id
                   << " case " << f.case_urn << " cases " << f.cases.size() << " attention " << f.communication_need
                   << f.unsafe_channel << f.phone_task << " due " << f.due_from << ".." << f.due_to);
    CHECK(pagedLetters(store.db, f) == expectedLetters(store.db, f));
  }
  storage::LetterFilter open;
  open.states = kOpen;
  CHECK(expectedLetters(store.db, open).size() > 50);
  for (auto attention : {&storage::LetterFilter::communication_need, &storage::LetterFilter::unsafe_channel,
                         &storage::LetterFilter::phone_task}) {
    storage::LetterFilter f;
    f.*attention = true;
    CHECK(expectedLetters(store.db, f).size() > 8);  // more than two pages of each
  }
}

// The schema before migration 17 added the lists' attention and rule indexes.
constexpr int kBeforeListIndexes = 16;

TEST_CASE("A store from before the lists' attention and rule indexes upgrades, and every list answers as before",
          "[storage][lists][migrate]") {
  ListStore store(kBeforeListIndexes);
  auto everything = [&] {
    std::vector<std::vector<int64_t>> letters;
    for (int k = 0; k < 4; ++k) {
      storage::LetterFilter f;
      f.states = kOpen;
      f.communication_need = k == 0;
      f.unsafe_channel = k == 1;
      f.phone_task = k == 2;
      letters.push_back(expectedLetters(store.db, f));
    }
    for (const char* rule : {"VCL-NFA", "VCL-OTHER"}) {
      storage::LetterFilter f;
      f.rule = rule;
      f.area = "CPS Wales";
      letters.push_back(expectedLetters(store.db, f));
    }
    std::vector<std::vector<std::string>> obligations;
    for (const char* rule : {"VCL-NFA", "VCL-OTHER"}) {
      storage::ObligationFilter f;
      f.rule = rule;
      obligations.push_back(expectedObligations(store.db, f));
    }
    for (const char* basis : {"enhanced", "code"}) {
      storage::ObligationFilter f;
      f.basis = basis;
      f.area = "CPS Wales";
      obligations.push_back(expectedObligations(store.db, f));
    }
    return std::make_pair(letters, obligations);
  };
  const auto before = everything();
  CHECK(store.db.migrate() ==
        std::make_pair(kBeforeListIndexes, storage::Database::latestSchemaVersion()));
  CHECK(everything() == before);
  // And the lists, now walking the new indexes, page through exactly those rows.
  for (int k = 0; k < 4; ++k) {
    storage::LetterFilter f;
    f.states = kOpen;
    f.communication_need = k == 0;
    f.unsafe_channel = k == 1;
    f.phone_task = k == 2;
    CHECK(pagedLetters(store.db, f) == before.first[size_t(k)]);
  }
  for (int k = 0; k < 2; ++k) {
    storage::LetterFilter f;
    f.rule = k ? "VCL-OTHER" : "VCL-NFA";
    f.area = "CPS Wales";
    CHECK(pagedLetters(store.db, f) == before.first[size_t(4 + k)]);
    CHECK(before.first[size_t(4 + k)].size() > 8);
  }
  // Each letter's copy of its rule is its obligation's, from the upgrade and from a new letter.
  {
    auto lease = store.db.session();
    int64_t differ = -1;
    storage::sqlite(lease) << "SELECT COUNT(*) FROM letters l JOIN obligations o ON o.id = l.obligation_id "
                              "WHERE l.rule <> o.rule", into(differ), now;
    CHECK(differ == 0);
  }
  storage::ObligationFilter rare;
  rare.rule = "VCL-OTHER";
  CHECK(pagedObligations(store.db, rare) == before.second[1]);
  CHECK(before.second[1].size() > 8);
  storage::ObligationFilter enhanced;
  enhanced.basis = "enhanced";
  enhanced.area = "CPS Wales";
  CHECK(pagedObligations(store.db, enhanced) == before.second[2]);
  CHECK(before.second[2].size() > 8);
}

TEST_CASE("Each list's plan walks an index that starts with its filters, never the whole table or a wider index",
          "[storage][lists]") {
  // The planner has no statistics: a victim's letters or obligations asked for with an Area (every
  // Area-bound officer's view of a victim) were found by walking the whole Area in due order.
  ListStore store;
  auto obligations = [&](auto set) {
    storage::ObligationFilter f;
    set(f);
    return planOf(store.db, storage::obligationListQuery(f).sql);
  };
  auto letters = [&](auto set) {
    storage::LetterFilter f;
    set(f);
    return planOf(store.db, storage::letterListQuery(f).sql);
  };
  // The plan's first line is the table it walks and how; a sort is allowed only of one victim's or case's rows.
  auto walks = [](const std::string& plan, const std::string& how) {
    INFO(plan);
    CHECK(plan.rfind(how, 0) == 0);
    CHECK(plan.find("SCAN o") == std::string::npos);
    CHECK(plan.find("SCAN l") == std::string::npos);
    CHECK(plan.find("SCAN obligations") == std::string::npos);
  };
  auto sorted = [](const std::string& plan) { return plan.find("TEMP B-TREE") != std::string::npos; };

  std::string p = obligations([](auto& f) { f.victim_id = "v"; f.area = "a"; });
  walks(p, "SEARCH obligations USING INDEX obligations_by_victim (victim_id=?)");
  p = obligations([](auto& f) { f.victim_id = "v"; f.status = "open"; });
  walks(p, "SEARCH obligations USING INDEX obligations_by_victim (victim_id=?)");
  p = obligations([](auto& f) { f.case_urn = "c"; f.area = "a"; f.status = "breached"; });
  walks(p, "SEARCH obligations USING INDEX obligations_by_case (case_urn=?)");
  for (const char* status : {"open", "breached", "met"}) {
    p = obligations([&](auto& f) { f.status = status; f.after_due = "d"; });
    walks(p, "SEARCH obligations USING INDEX obligations_by_status_due (status=?");
    CHECK_FALSE(sorted(p));
    p = obligations([&](auto& f) { f.status = status; f.area = "a"; f.basis = "b"; f.after_due = "d"; });
    walks(p, "SEARCH obligations USING INDEX obligations_by_area_status_due (area=? AND status=?");
    CHECK_FALSE(sorted(p));
  }
  p = obligations([](auto& f) { f.area = "a"; f.after_due = "d"; });
  walks(p, "SEARCH obligations USING INDEX obligations_by_area_due (area=? AND (due_by,id)>(?,?))");
  CHECK_FALSE(sorted(p));
  // A kind or a basis (a value may match nothing): its own index, the Area riding along.
  p = obligations([](auto& f) { f.area = "a"; f.basis = "b"; f.after_due = "d"; });
  walks(p, "SEARCH obligations USING INDEX obligations_by_basis_due (basis=? AND (due_by,id)>(?,?))");
  CHECK_FALSE(sorted(p));
  p = obligations([](auto& f) { f.area = "a"; f.kind = "notification"; f.basis = "b"; });
  walks(p, "SEARCH obligations USING INDEX obligations_by_kind_due (kind=?)");
  CHECK_FALSE(sorted(p));
  // With a date bound and a deep cursor, the walk starts at the cursor (not at the date, reading every row
  // from there to the cursor); with a cursor before the date, at the date.
  p = obligations([](auto& f) { f.area = "a"; f.due_after = "2026-01-01"; f.after_due = "2026-05-01"; });
  walks(p, "SEARCH obligations USING INDEX obligations_by_area_due (area=? AND (due_by,id)>(?,?))");
  p = obligations([](auto& f) { f.status = "pending"; f.today = "2026-05-04"; f.after_due = "2026-05-05"; });
  walks(p, "SEARCH obligations USING INDEX obligations_by_status_due (status=? AND (due_by,id)>(?,?))");
  p = obligations([](auto& f) { f.status = "pending"; f.today = "2026-05-04"; f.after_due = "2026-05-01"; });
  walks(p, "SEARCH obligations USING INDEX obligations_by_status_due (status=? AND due_by>?)");
  p = obligations([](auto& f) { f.due_before = "d"; });
  walks(p, "SEARCH obligations USING INDEX obligations_by_due (due_by<?)");
  CHECK_FALSE(sorted(p));
  p = obligations([](auto& f) { f.rule = "r"; f.due_before = "d"; });
  walks(p, "SEARCH obligations USING INDEX obligations_by_rule_due (rule=? AND due_by<?)");
  CHECK_FALSE(sorted(p));
  p = obligations([](auto& f) { f.rule = "r"; f.area = "a"; f.status = "open"; f.after_due = "d"; });
  walks(p, "SEARCH obligations USING INDEX obligations_by_rule_due (rule=? AND (due_by,id)>(?,?))");
  CHECK_FALSE(sorted(p));

  p = letters([](auto& f) { f.victim_id = "v"; f.area = "a"; });
  walks(p, "SEARCH o USING INDEX obligations_by_victim (victim_id=?)");
  p = letters([](auto& f) { f.victim_id = "v"; f.area = "a"; f.states = kOpen; f.after_due = "d"; });
  walks(p, "SEARCH o USING INDEX obligations_by_victim (victim_id=?)");
  p = letters([](auto& f) { f.case_urn = "c"; f.area = "a"; f.states = {"draft"}; });
  walks(p, "SEARCH o USING INDEX obligations_by_case (case_urn=?)");
  p = letters([](auto& f) { f.cases = {"c", "d"}; f.states = kOpen; });
  walks(p, "SEARCH o USING INDEX obligations_by_case (case_urn=?)");
  p = letters([](auto& f) { f.states = kOpen; f.after_due = "d"; });
  walks(p, "SEARCH l USING INDEX letters_by_due (due_by>?)");
  CHECK_FALSE(sorted(p));
  p = letters([](auto& f) { f.states = kOpen; f.rule = "r"; f.area = "a"; f.after_due = "d"; });
  walks(p, "SEARCH l USING INDEX letters_by_rule_due (rule=? AND due_by>?)");
  CHECK_FALSE(sorted(p));
  p = letters([](auto& f) { f.states = kOpen; f.area = "a"; f.after_due = "d"; });
  walks(p, "SEARCH l USING INDEX letters_by_area_due (area=? AND due_by>?)");
  CHECK_FALSE(sorted(p));
  p = letters([](auto& f) { f.states = {"draft"}; f.area = "a"; });
  walks(p, "SEARCH l USING INDEX letters_by_area_state_due (area=? AND state=?)");
  CHECK_FALSE(sorted(p));
  // The queue's "needs attention" filters walk the partial index of the letters they can match.
  for (auto attention : {&storage::LetterFilter::communication_need, &storage::LetterFilter::unsafe_channel,
                         &storage::LetterFilter::phone_task}) {
    p = letters([&](auto& f) { f.states = kOpen; f.area = "a"; f.*attention = true; f.after_due = "d"; });
    walks(p, "SEARCH l USING INDEX letters_by_attention_due (due_by>?)");
    CHECK_FALSE(sorted(p));
  }
}

TEST_CASE("A page back lists the letters up to its cursor, latest first, and the queue's grouped counts add up to "
          "what each filter lists",
          "[storage][lists][counts]") {
  ListStore store;
  auto lease = store.db.session();
  storage::LetterStore letters(lease);

  // Backwards from a cursor inside a run of equal due dates: the cursor's own letter, then those before it.
  for (const std::string area : {"", "CPS Wales"}) {
    storage::LetterFilter f;
    f.states = kOpen;
    f.area = area;
    const auto all = expectedLetters(store.db, f);
    REQUIRE(all.size() > 20);
    const size_t at = all.size() / 2;
    const auto cursor = letters.findLetter(all[at]);
    storage::LetterFilter back = f;
    back.backwards = true;
    back.after_due = cursor->due_by;
    back.after_n = cursor->n;
    back.limit = 6;
    std::vector<int64_t> got, want;
    for (const auto& r : letters.listLetters(back)) got.push_back(r.n);
    for (size_t k = 0; k < 6; ++k) want.push_back(all[at - k]);
    CHECK(got == want);
  }

  const auto victim = allObligations(store.db).front().victim_id;
  for (const auto& days : std::vector<std::pair<std::string, std::string>>{{"2026-05-04", "2026-05-04"},
                                                                           {"2026-05-02", "2026-05-04"}})
    for (const std::string area : {"", "CPS Wales"})
      for (const std::string who : {std::string(), victim}) {
        const std::string today = days.first, next = days.second;
        INFO("today " << today << " Area " << area << " victim " << who);
        storage::LetterFilter scope_filter;
        scope_filter.area = area;
        scope_filter.victim_id = who;
        const auto everything = expectedLetters(store.db, scope_filter);
        if (everything.empty()) {  // the victim is not in that Area: nothing is counted
          storage::LetterCountScope scope;
          scope.area = area;
          scope.victim_id = who;
          scope.today = today;
          scope.next_working_day = next;
          CHECK((!area.empty() && !who.empty()));
          CHECK(letters.countLetters(scope).empty());
          continue;
        }
        REQUIRE(everything.size() > 10);
        const auto cursor = letters.findLetter(everything[everything.size() / 3]);
        storage::LetterCountScope scope;
        scope.area = area;
        scope.victim_id = who;
        scope.today = today;
        scope.next_working_day = next;
        scope.cursor_due = cursor->due_by;
        scope.cursor_n = cursor->n;
        const auto counts = letters.countLetters(scope);
        if (area.empty() && who.empty()) CHECK(counts.size() < everything.size());  // groups, not letters
        auto sum = [&](auto pred) {
          size_t n = 0;
          for (const auto& c : counts)
            if (pred(c)) n += static_cast<size_t>(c.count);
          return n;
        };
        CHECK(sum([](auto&) { return true; }) == everything.size());
        CHECK(sum([](auto& c) { return c.at_or_before_cursor; }) == everything.size() / 3 + 1);
        for (const std::string state : {"draft", "blocked", "sent", "withdrawn", "approved"}) {
          storage::LetterFilter g = scope_filter;
          g.states = {state};
          CHECK(sum([&](auto& c) { return c.state == state; }) == expectedLetters(store.db, g).size());
        }
        for (const std::string rule : {"VCL-NFA", "VCL-OTHER"}) {
          storage::LetterFilter g = scope_filter;
          g.rule = rule;
          CHECK(sum([&](auto& c) { return c.rule == rule; }) == expectedLetters(store.db, g).size());
        }
        for (const std::string a : {"CPS Wales", "CPS South West"}) {
          storage::LetterFilter g = scope_filter;
          if (!area.empty() && a != area) continue;
          g.area = a;
          CHECK(sum([&](auto& c) { return c.area == a; }) == expectedLetters(store.db, g).size());
        }
        storage::LetterFilter g = scope_filter;
        g.communication_need = true;
        CHECK(sum([](auto& c) { return c.communication_need; }) == expectedLetters(store.db, g).size());
        g = scope_filter;
        g.unsafe_channel = true;
        CHECK(sum([](auto& c) { return c.unsafe_channel; }) == expectedLetters(store.db, g).size());
        g = scope_filter;
        g.phone_task = true;
        CHECK(sum([](auto& c) { return c.phone_task; }) == expectedLetters(store.db, g).size());
        // Time left: before today, today, after it up to the next working day, later.
        const std::string yesterday = domain::Date::parse(today)->plusDays(-1).toString();
        const std::string tomorrow = domain::Date::parse(today)->plusDays(1).toString();
        const std::string after_next = domain::Date::parse(next)->plusDays(1).toString();
        const std::vector<std::pair<std::string, std::string>> ranges = {
            {"", yesterday}, {today, today}, {tomorrow, next}, {after_next, ""}};
        for (int due = 0; due < 4; ++due) {
          g = scope_filter;
          g.due_from = ranges[size_t(due)].first;
          g.due_to = ranges[size_t(due)].second;
          const size_t want = expectedLetters(store.db, g).size();
          CHECK(sum([&](auto& c) { return c.due == due; }) == want);
        }
        // One pass over the scope's letters by an index that starts with it (never the whole table, given one).
        if (!area.empty() || !who.empty()) {
          const std::string plan = planOf(store.db, storage::letterCountQuery(scope).sql);
          INFO(plan);
          CHECK(plan.find("SCAN l") == std::string::npos);
          CHECK(plan.find("SCAN o") == std::string::npos);
        }
      }
  // An Area with no letters counts nothing.
  storage::LetterCountScope nowhere;
  nowhere.area = "CPS Nowhere";
  nowhere.today = nowhere.next_working_day = "2026-05-04";
  CHECK(letters.countLetters(nowhere).empty());
}
