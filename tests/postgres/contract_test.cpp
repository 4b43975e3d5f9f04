// Storage contract tests (issue 17, item 4): each TEST_CASE runs the SAME body on a SQLite file and on a
// database of its own in the throwaway PostgreSQL 15 cluster (CTest fixture pg_cluster), through the seam
// only: a Database, its sessions, WriteTransaction and the repositories. What a repository answers must not
// depend on the backend; where SQLite writes by trigger, the PostgreSQL repository writes explicitly, and the
// same checks see both.

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <string>
#include <vector>

#include <Poco/Data/PostgreSQL/Connector.h>
#include <Poco/Data/Session.h>
#include <Poco/Exception.h>
#include <Poco/JSON/Parser.h>
#include <sqlite3.h>

#include "common/error.h"
#include "common/keyring.h"
#include "domain/date.h"
#include "postgres/pg_test_cluster.h"
#include "storage/audit_log.h"
#include "storage/case_checks.h"
#include "storage/database.h"
#include "storage/ledger_store.h"
#include "storage/letter_store.h"
#include "storage/notification_store.h"
#include "storage/outbox_store.h"
#include "storage/print_batch_store.h"
#include "storage/postgres/pg_session.h"
#include "storage/postgres/postgres_database.h"
#include "storage/retention_store.h"
#include "storage/session_store.h"
#include "storage/sqlite_connection.h"
#include "storage/sqlite_statement.h"
#include "storage/store.h"
#include "ingest/ingestor.h"
#include "scheduling/audit_chainer.h"
#include "support/events.h"
#include "support/store_fixture.h"

using namespace vc;  // NOLINT
using storage::Query;

CATCH_TRANSLATE_EXCEPTION(const Poco::Exception& e) { return e.displayText(); }

namespace {

// One store on one backend, migrated to its latest schema, with audit and retention keys.
struct Backend {
  std::string name;
  std::unique_ptr<testing::TempDb> file;
  std::unique_ptr<testing::pg::FreshDatabase> pg;
  std::unique_ptr<storage::Database> db;

  explicit Backend(const std::string& which) : name(which) {
    storage::StoreOptions options;
    options.audit_keys = std::make_shared<Keyring>(Keyring::fromKeys({"contract-test-audit-key-0123456789"}));
    options.retention_keys = std::make_shared<Keyring>(Keyring::fromKeys({"contract-test-retention-key-01234"}));
    options.busy_timeout_ms = 300;
    if (which == "sqlite") {
      file = std::make_unique<testing::TempDb>();
      db = std::make_unique<storage::Database>(file->path, options);
    } else {
      pg = std::make_unique<testing::pg::FreshDatabase>();
      db = std::make_unique<storage::Database>(pg->url, pg->cluster.password, options);
    }
    db->migrate();
  }
  bool postgres() const { return pg != nullptr; }
  // Raw SQL through the seam's Query (SQLite's dialect, translated on PostgreSQL).
  void exec(storage::Connection& c, const std::string& sql) { Query(storage::sqlite(c), sql).run(); }
  std::string one(storage::Connection& c, const std::string& sql) {
    Query q(storage::sqlite(c), sql);
    return q.next() ? q.text(0) : "(no row)";
  }
};

storage::EventRow event(const std::string& id, const std::string& urn, const std::string& victim = "") {
  storage::EventRow e;
  e.id = id;
  e.type = "case_registered";
  e.case_urn = urn;
  e.victim_id = victim;
  e.occurred_at = "2026-04-01T09:00:00+01:00";
  e.local_date = "2026-04-01";
  e.received_at = "2026-04-01T09:00:05+01:00";
  e.body = "{\"id\":\"" + id + "\",\"note\":\"caf\xc3\xa9 'quoted' ? $1\"}";
  return e;
}

storage::VictimRow victim(const std::string& id, const std::string& urn, const std::string& isva = "") {
  storage::VictimRow v;
  v.victim_id = id;
  v.case_urn = urn;
  v.enhanced = true;
  v.reasons = "[\"vulnerable\"]";
  v.profile = "{\"name\":\"Synthetic " + id + "\"}";
  v.isva_id = isva;
  v.consent_to_share = true;
  v.opted_out = "[]";
  return v;
}

storage::ObligationRow obligation(const std::string& id, const std::string& victim_id, const std::string& due_by,
                                  int64_t n, const std::string& kind = "letter") {
  storage::ObligationRow o;
  o.id = id;
  o.rule = "vrr_decision";
  o.policy = "victims-code-2020";
  o.basis = "code";
  o.kind = kind;
  o.victim_id = victim_id;
  o.case_urn = "URN1";
  o.area = "London";
  o.trigger_event = "e1";
  o.tier = "enhanced";
  o.due_by = due_by;
  o.status = "pending";
  o.body = "{\"id\":\"" + id + "\",\"right\":\"right 4\"}";
  o.created_n = n;
  return o;
}

// A case with two victims (v2 added before v1) and its events.
void seedCase(storage::Connection& c) {
  storage::WriteTransaction tx(c);
  storage::Store store(c);
  store.appendEvents({event("e1", "URN1"), event("e2", "URN1", "v2"), event("e3", "URN2")});
  store.upsertCase({"URN1", "London", "unit-a", "{\"court\":\"x\"}", "e1"}, 2);
  store.upsertCase({"URN2", "Wales", "unit-b", "{}", "e3"}, 3);
  store.upsertVictim(victim("v2", "URN1", "isva-1"));
  store.upsertVictim(victim("v1", "URN1"));
  tx.commit();
}

std::vector<std::string> ids(const std::vector<storage::ObligationRow>& rows) {
  std::vector<std::string> out;
  for (const auto& r : rows) out.push_back(r.id);
  return out;
}

// What a daemon's store is opened with here: the audit key (every daemon on one store holds the same).
storage::StoreOptions keyedOptions() {
  storage::StoreOptions options;
  options.audit_keys = std::make_shared<Keyring>(Keyring::fromKeys({"contract-test-audit-key-0123456789"}));
  return options;
}

// Another daemon's chainer taking and leaving the audit chain's lock (session-level: held until released).
void holdChain(Poco::Data::Session& other) {
  other << "SELECT pg_advisory_lock(" + std::to_string(storage::AuditLog::kChainLockKey) + ")", Poco::Data::Keywords::now;
}
void releaseChain(Poco::Data::Session& other) {
  other << "SELECT pg_advisory_unlock(" + std::to_string(storage::AuditLog::kChainLockKey) + ")",
      Poco::Data::Keywords::now;
}
int rowsIn(Poco::Data::Session& s, const std::string& table) {
  int n = -1;
  s << "SELECT COUNT(*)::int FROM " + table, Poco::Data::Keywords::into(n), Poco::Data::Keywords::now;
  return n;
}
// The chain verifies and holds `entries` entries.
void checkChain(storage::Connection& c, int64_t entries) {
  const auto v = storage::AuditLog(c).verify();
  INFO(v.problem);
  CHECK(v.ok);
  CHECK(v.entries == entries);
}

}  // namespace

TEST_CASE("storage contract: a session's transactions, savepoints, changed rows and numbers", "[postgres][contract]") {
  Backend b(GENERATE(as<std::string>{}, "sqlite", "postgresql"));
  INFO("backend: " << b.name);
  auto lease = b.db->session();
  storage::Connection& c = lease;
  seedCase(c);
  {  // not committed: rolled back
    storage::WriteTransaction tx(c);
    storage::Store(c).appendEvent(event("e-rolled-back", "URN1"));
  }
  CHECK(storage::Store(c).eventCount() == 3);
  {
    storage::WriteTransaction tx(c);
    storage::Store(c).appendEvent(event("e4", "URN1"));
    {
      storage::Savepoint step(c);
      storage::Store(c).appendEvent(event("e-undone", "URN1"));
    }  // not released: only what came after it is undone
    {
      storage::Savepoint step(c);
      storage::Store(c).appendEvent(event("e5", "URN1"));
      step.release();
    }
    b.exec(c, "UPDATE cases SET unit = 'unit-c' WHERE area IN ('London', 'Wales')");
    CHECK(storage::changedRows(c) == 2);
    storage::Store(c).caseEventBodies("URN1");  // a read leaves the count as it was
    CHECK(storage::changedRows(c) == 2);
    const int64_t first = storage::takeNumber(c, "letters");
    CHECK(storage::takeNumber(c, "letters") == first + 1);
    CHECK(storage::takeNumber(c, "notifications") >= 1);
    tx.commit();
  }
  CHECK(storage::Store(c).eventCount() == 5);
  CHECK_FALSE(storage::Store(c).eventBody("e-undone"));
  CHECK(storage::Store(c).eventBody("e5"));
  CHECK(b.db->ping());
}

TEST_CASE("storage contract: a writer held up by another gets store_busy, not an internal error",
          "[postgres][contract]") {
  Backend b(GENERATE(as<std::string>{}, "sqlite", "postgresql"));
  INFO("backend: " << b.name);
  auto first = b.db->session();
  auto second = b.db->session();
  seedCase(first);
  {  // two writers in this process: the second waits for the busy timeout, then gives up
    storage::WriteTransaction holding(first);
    try {
      storage::WriteTransaction waiting(second);
      FAIL("a second writer was let in");
    } catch (const Error& e) {
      CHECK(e.code() == "store_busy");
    }
  }
  // A writer outside this process (another daemon) holds the store, or the row, past the busy timeout.
  bool busy = false;
  std::string what;
  if (b.postgres()) {
    auto other = b.pg->session();
    *other << "BEGIN", Poco::Data::Keywords::now;
    *other << "UPDATE cases SET unit = 'held' WHERE urn = 'URN1'", Poco::Data::Keywords::now;
    try {
      storage::WriteTransaction tx(second);
      b.exec(second, "UPDATE cases SET unit = 'mine' WHERE urn = 'URN1'");
    } catch (const std::exception& e) {
      busy = storage::isStoreBusy(e);
      what = e.what();
    }
    *other << "ROLLBACK", Poco::Data::Keywords::now;
  } else {
    sqlite3* other = nullptr;
    REQUIRE(sqlite3_open(b.file->path.c_str(), &other) == SQLITE_OK);
    REQUIRE(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
    try {
      storage::WriteTransaction tx(second);
      b.exec(second, "UPDATE cases SET unit = 'mine' WHERE urn = 'URN1'");
    } catch (const std::exception& e) {
      busy = storage::isStoreBusy(e);
      what = e.what();
    }
    sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(other);
  }
  INFO(what);
  CHECK(busy);
  // And the session is usable again afterwards.
  storage::WriteTransaction tx(second);
  b.exec(second, "UPDATE cases SET unit = 'mine' WHERE urn = 'URN1'");
  tx.commit();
  CHECK(storage::Store(second).findCase("URN1")->unit == "mine");
}

TEST_CASE("storage contract: Store keeps events, cases, victims, entitlement changes and ISVAs",
          "[postgres][contract]") {
  Backend b(GENERATE(as<std::string>{}, "sqlite", "postgresql"));
  INFO("backend: " << b.name);
  auto lease = b.db->session();
  storage::Connection& c = lease;
  seedCase(c);
  storage::Store store(c);

  CHECK(store.eventBody("e1") == event("e1", "URN1").body);  // a literal's ? and $1 are text, not parameters
  CHECK_FALSE(store.eventBody("nope"));
  CHECK(store.eventCount() == 3);
  CHECK(store.caseEventBodies("URN1") == std::vector<std::string>{event("e1", "URN1").body, event("e2", "URN1").body});
  int64_t derived_from = -7;
  const auto after = store.caseEventsAfter("URN1", 0, &derived_from);
  REQUIRE(after.size() == 2);
  CHECK(after[1].first > after[0].first);
  CHECK(derived_from == 2);
  CHECK(store.caseEventsAfter("URN1", after[1].first).empty());
  const auto timeline = store.caseTimeline("URN1");
  REQUIRE(timeline.size() == 2);
  CHECK(timeline[1].victim_id == "v2");
  CHECK(timeline[0].victim_id.empty());  // NULL reads as ""
  CHECK(timeline[0].local_date == "2026-04-01");

  CHECK(store.caseUrns() == std::vector<std::string>{"URN1", "URN2"});
  {
    storage::WriteTransaction tx(c);
    store.upsertCase({"URN1", "London", "unit-z", "{\"court\":\"y\"}", "e1"}, 5);  // an update
    tx.commit();
  }
  const auto found = store.findCase("URN1");
  REQUIRE(found);
  CHECK(found->unit == "unit-z");
  CHECK(found->details == "{\"court\":\"y\"}");
  CHECK(found->registered_event == "e1");
  CHECK_FALSE(store.findCase("URN9"));

  // Victims: in the order they were added, an update keeping the place.
  {
    storage::WriteTransaction tx(c);
    auto v2 = victim("v2", "URN1", "isva-1");
    v2.enhanced = false;
    v2.opted_out = "[\"email\"]";
    store.upsertVictim(v2);
    tx.commit();
  }
  const auto victims = store.caseVictims("URN1");
  REQUIRE(victims.size() == 2);
  CHECK(victims[0].victim_id == "v2");
  CHECK(victims[1].victim_id == "v1");
  CHECK_FALSE(victims[0].enhanced);
  CHECK(victims[0].opted_out == "[\"email\"]");
  CHECK(victims[0].isva_id == "isva-1");
  CHECK(victims[1].isva_id.empty());
  CHECK(store.findVictim("v1")->profile == "{\"name\":\"Synthetic v1\"}");
  CHECK(store.victimCase("v1") == std::optional<std::string>("URN1"));
  CHECK_FALSE(store.victimCase("v9"));

  // Entitlement changes, replaced whole.
  {
    storage::WriteTransaction tx(c);
    store.replaceEntitlementChanges("v1", {{"v1", "e1", "2026-04-01", false, true, "[\"a\"]"},
                                           {"v1", "e2", "2026-04-02", true, false, "[]"}});
    store.replaceEntitlementChanges("v1", {{"v1", "e2", "2026-04-02", true, false, "[\"b\"]"}});
    tx.commit();
  }
  const auto changes = store.entitlementChanges("v1");
  REQUIRE(changes.size() == 1);
  CHECK(changes[0].event_id == "e2");
  CHECK(changes[0].from_enhanced);
  CHECK_FALSE(changes[0].to_enhanced);
  CHECK(changes[0].reasons == "[\"b\"]");

  // The derivation's own arming and change token.
  {
    storage::WriteTransaction tx(c);
    store.armCaseCheck("URN1");
    tx.commit();
  }
  auto key = store.victimReadKey("v1");
  REQUIRE(key);
  CHECK(key->case_urn == "URN1");
  CHECK(key->area == "London");
  REQUIRE(key->case_version);
  const int64_t version = *key->case_version;
  {
    storage::WriteTransaction tx(c);
    store.armCaseCheck("URN1");
    tx.commit();
  }
  CHECK(store.victimReadKey("v1")->case_version == version + 1);

  // ISVAs: an upsert; writing one's details arms every case with a victim they support (SQLite's
  // isvas_arm_* triggers; an explicit write on PostgreSQL).
  storage::CaseChecks checks(c);
  checks.disarm(checks.armed());
  REQUIRE(checks.armed().empty());
  {
    storage::WriteTransaction tx(c);
    store.upsertIsva("isva-1", "{\"name\":\"ISVA one\"}", "e1");
    store.upsertIsva("isva-2", "{\"name\":\"ISVA two\"}", "e3");
    tx.commit();
  }
  CHECK(store.isvaExists("isva-1"));
  CHECK_FALSE(store.isvaExists("isva-9"));
  auto armed = checks.armed();
  REQUIRE(armed.size() == 1);
  CHECK(armed[0].case_urn == "URN1");
  checks.disarm(armed);
  {
    storage::WriteTransaction tx(c);
    store.upsertIsva("isva-1", "{\"name\":\"ISVA one, moved\"}", "e2");
    tx.commit();
  }
  CHECK(store.isvaDetails("isva-1") == std::optional<std::string>("{\"name\":\"ISVA one, moved\"}"));
  armed = checks.armed();
  REQUIRE(armed.size() == 1);
  CHECK(armed[0].case_urn == "URN1");
}

TEST_CASE("storage contract: obligations written, read and listed: a change of date re-arms the ledger and "
          "moves the letter",
          "[postgres][contract]") {
  Backend b(GENERATE(as<std::string>{}, "sqlite", "postgresql"));
  INFO("backend: " << b.name);
  auto lease = b.db->session();
  storage::Connection& c = lease;
  seedCase(c);
  storage::Store store(c);
  {
    storage::WriteTransaction tx(c);
    store.upsertObligations({obligation("o1", "v1", "2026-05-01", 1), obligation("o2", "v2", "2026-04-20", 2),
                             obligation("o3", "v1", "2026-04-25", 3, "notification"),
                             obligation("o4", "v2", "2026-04-20", 4, "meeting")});
    tx.commit();
  }
  const auto o1 = store.findObligation("o1");
  REQUIRE(o1);
  CHECK(o1->body == obligation("o1", "v1", "2026-05-01", 1).body);
  CHECK(o1->completed_at.empty());
  CHECK(o1->latest_reason.empty());
  CHECK(store.findObligationForLetter("o1")->trigger_event == "e1");

  // A letter for o1, and the ledger's marks.
  {
    storage::WriteTransaction tx(c);
    b.exec(c,
           "INSERT INTO letters(n, obligation_id, kind, language, channel, state, version, letter_date, blocked_by, "
           "fields, free_text, context_hash, template_version, policy, recipient_email, html, text, note, created_at, "
           "updated_at, due_by, area, rule) VALUES(7, 'o1', 'vrr_decision', 'en', 'email', 'draft', 1, '2026-04-02', "
           "'[]', '{}', '', '', 't1', 'p', '', '', '', '', 'at', 'at', '2026-05-01', 'London', 'vrr_decision')");
    b.exec(c, "UPDATE obligations SET alert_on = '2026-04-28' WHERE id IN ('o1', 'o2')");
    b.exec(c,
           "INSERT INTO obligation_reasons(obligation_id, reason, note, outcome, recorded_by, recorded_at, "
           "correlation_id) VALUES('o2', 'illness', 'said \"no\"', 'late', 'vlu', '2026-04-03T10:00:00Z', 'c1')");
    tx.commit();
  }
  CHECK(store.findObligation("o2")->latest_reason ==
        "{\"code\":\"illness\",\"note\":\"said \\\"no\\\"\",\"outcome\":\"late\",\"recorded_by\":\"vlu\","
        "\"recorded_at\":\"2026-04-03T10:00:00Z\"}");

  // An update: o1's due date and Area move, o2's body alone changes, o4's nothing.
  {
    storage::WriteTransaction tx(c);
    auto moved = obligation("o1", "v1", "2026-05-08", 1);
    moved.area = "Wales";
    moved.body = "{\"id\":\"o1\",\"right\":\"right 4\",\"due_by\":\"2026-05-08\"}";  // as the engine's would
    auto reworded = obligation("o2", "v2", "2026-04-20", 2);
    reworded.body = "{\"id\":\"o2\",\"right\":\"right 5\"}";
    store.upsertObligations({moved, reworded, obligation("o4", "v2", "2026-04-20", 4, "meeting")});
    tx.commit();
  }
  CHECK(store.findObligation("o1")->due_by == "2026-05-08");
  CHECK(store.findObligation("o2")->body == "{\"id\":\"o2\",\"right\":\"right 5\"}");
  // SQLite's obligations_rearm_alert and *_to_letter triggers; explicit on PostgreSQL.
  CHECK(b.one(c, "SELECT alert_on FROM obligations WHERE id = 'o1'") == "");
  CHECK(b.one(c, "SELECT alert_on FROM obligations WHERE id = 'o2'") == "2026-04-28");
  CHECK(b.one(c, "SELECT due_by || ' ' || area FROM letters WHERE n = 7") == "2026-05-08 Wales");

  const auto states = store.obligationStates("URN1");
  REQUIRE(states.size() == 4);
  CHECK(states.at("o1").due_by == "2026-05-08");
  CHECK(states.at("o3").status == "pending");

  storage::ObligationFilter all;
  CHECK(ids(store.listObligations(all)) == std::vector<std::string>{"o2", "o4", "o3", "o1"});
  storage::ObligationFilter page;
  page.limit = 2;
  page.after_due = "2026-04-20";
  page.after_id = "o2";
  CHECK(ids(store.listObligations(page)) == std::vector<std::string>{"o4", "o3"});
  storage::ObligationFilter london;
  london.area = "London";
  london.status = "breached";
  london.today = "2026-04-24";
  CHECK(ids(store.listObligations(london)) == std::vector<std::string>{"o2", "o4"});
  storage::ObligationFilter victim_kind;
  victim_kind.victim_id = "v1";
  victim_kind.kind = "notification";
  CHECK(ids(store.listObligations(victim_kind)) == std::vector<std::string>{"o3"});

  CHECK(ids(store.obligationsWithoutLetters({})) == std::vector<std::string>{"o2", "o4"});
  CHECK(ids(store.obligationsWithoutLetters({"URN1", "URN2"})) == std::vector<std::string>{"o2", "o4"});
  CHECK(ids(store.obligationsWithoutNotifications({"URN1"})) == std::vector<std::string>{"o3"});
}

TEST_CASE("storage contract: meetings replaced per case and listed, those without a deadline last",
          "[postgres][contract]") {
  Backend b(GENERATE(as<std::string>{}, "sqlite", "postgresql"));
  INFO("backend: " << b.name);
  auto lease = b.db->session();
  storage::Connection& c = lease;
  seedCase(c);
  storage::Store store(c);
  {
    storage::WriteTransaction tx(c);
    store.upsertObligations({obligation("o1", "v1", "2026-05-01", 1, "meeting")});
    store.replaceMeetings("URN1", {{"m-old", "URN1", "v1", "London", "vpm", "offered", "", "", "{}", 1}});
    store.replaceMeetings("URN1", {{"m1", "URN1", "v1", "London", "vpm", "requested", "", "", "{\"a\":1}", 1},
                                   {"m2", "URN1", "v2", "London", "vpm", "offered", "o1", "2026-05-01", "{}", 2}});
    tx.commit();
  }
  const auto meetings = store.caseMeetings("URN1");
  REQUIRE(meetings.size() == 2);
  CHECK(meetings[0].id == "m1");
  CHECK(meetings[0].held_obligation.empty());
  CHECK(meetings[0].body == "{\"a\":1}");
  CHECK(meetings[1].held_due_by == "2026-05-01");
  CHECK(meetings[1].opened_n == 2);
  storage::MeetingFilter f;
  const auto listed = store.listMeetings(f);
  REQUIRE(listed.size() == 2);
  CHECK(listed[0].id == "m2");  // the soonest deadline first, those without one last
  CHECK(listed[1].id == "m1");
  f.state = "requested";
  REQUIRE(store.listMeetings(f).size() == 1);
}

TEST_CASE("storage contract: users added once by name, found by token, name and id", "[postgres][contract]") {
  Backend b(GENERATE(as<std::string>{}, "sqlite", "postgresql"));
  INFO("backend: " << b.name);
  auto lease = b.db->session();
  storage::Store store(lease);
  storage::UserRow u;
  u.name = "officer";
  u.role = "vlu";
  u.area = "London";
  u.created_at = "2026-04-01T09:00:00Z";
  const int64_t id = store.addUser(u, "hash-1");
  CHECK(id > 0);
  try {
    store.addUser(u, "hash-2");
    FAIL("the same name was added twice");
  } catch (const Error& e) {
    CHECK(e.code() == "user_exists");
  }
  CHECK(store.userByTokenHash("hash-1")->name == "officer");
  CHECK(store.userByName("officer")->area == "London");
  CHECK(store.userById(id)->isva_id.empty());
  CHECK_FALSE(store.userByName("nobody"));
}

TEST_CASE("storage contract: SessionStore: web sessions made, found, touched and ended, sign-in failures counted "
          "in their window, forgotten one at a time or all",
          "[postgres][contract]") {
  Backend b(GENERATE(as<std::string>{}, "sqlite", "postgresql"));
  INFO("backend: " << b.name);
  auto lease = b.db->session();
  storage::Connection& c = lease;
  storage::UserRow u;
  u.name = "officer";
  u.role = "vlu";
  u.area = "London";
  u.created_at = "2026-04-01T09:00:00Z";
  const int64_t user = storage::Store(c).addUser(u, "hash-1");
  storage::SessionStore sessions(c);

  sessions.create("sid-1", user, "csrf-1", 1000);
  sessions.create("sid-2", user, "csrf-2", 1000);
  auto found = sessions.find("sid-1");
  REQUIRE(found);
  CHECK(found->user_id == user);
  CHECK(found->csrf_token == "csrf-1");
  CHECK(found->created_at == 1000);
  CHECK(found->last_seen_at == 1000);
  CHECK_FALSE(sessions.find("sid-9"));
  sessions.touch("sid-1", 5000);
  CHECK(sessions.find("sid-1")->last_seen_at == 5000);
  CHECK(sessions.find("sid-1")->created_at == 1000);
  sessions.removeIdleSince(4000);  // sid-2 last seen at 1000
  CHECK_FALSE(sessions.find("sid-2"));
  CHECK(sessions.find("sid-1"));
  sessions.remove("sid-1");
  CHECK_FALSE(sessions.find("sid-1"));

  CHECK(sessions.failures("k").failures == 0);
  CHECK(sessions.recordFailure("k", 100).failures == 1);
  auto second = sessions.recordFailure("k", 200, 50);  // the first is inside the window: counted on
  CHECK(second.failures == 2);
  CHECK(second.last_failed_at == 200);
  CHECK(sessions.failures("k", 150).failures == 2);  // last failed at 200: the count stands
  CHECK(sessions.failures("k", 250).failures == 0);  // last failed before the window: none
  CHECK(sessions.recordFailure("k", 900, 500).failures == 1);  // the window moved past: counting starts again
  CHECK(sessions.recordFailure("k", 950, 500).failures == 2);
  sessions.forgetOneFailure("k");
  CHECK(sessions.failures("k").failures == 1);
  sessions.forgetOneFailure("k");
  sessions.forgetOneFailure("k");  // never below none
  CHECK(sessions.failures("k").failures == 0);
  sessions.recordFailure("k", 1000);
  sessions.recordFailure("other", 10);
  sessions.clearFailures("k");
  CHECK(sessions.failures("k").failures == 0);
  CHECK(sessions.failures("other").failures == 1);
  sessions.forgetFailuresBefore(11);
  CHECK(b.one(c, "SELECT COUNT(*) FROM login_failures") == "0");
}

TEST_CASE("storage contract: PrintBatchStore: batches numbered, their letters assigned, confirmed once, the "
          "overdue note logged once, listed newest first",
          "[postgres][contract]") {
  Backend b(GENERATE(as<std::string>{}, "sqlite", "postgresql"));
  INFO("backend: " << b.name);
  auto lease = b.db->session();
  storage::Connection& c = lease;
  seedCase(c);
  storage::PrintBatchStore batches(c);
  storage::OutboxStore outbox(c);
  int64_t first = 0, second = 0, message = 0;
  {
    storage::WriteTransaction tx(c);
    first = batches.open("2026-04-02T09:00:00Z", 100, 2, [](int64_t n) { return "batch-" + std::to_string(n) + ".csv"; });
    second = batches.open("2026-04-03T09:00:00Z", 200, 0, [](int64_t) { return std::string(); });
    storage::OutboxRow m;
    m.channel = "print";
    m.recipient = "post";
    m.subject = "A letter";
    m.message_id = "<p1@example.org>";
    m.body_text = "x";
    m.state = "queued";
    m.next_attempt_at = 100;
    m.created_at = "2026-04-02T09:00:00Z";
    message = outbox.insert(m);
    batches.assign(first, message);
    tx.commit();
  }
  CHECK(first > 0);
  CHECK(second == first + 1);
  CHECK(batches.exists(first));
  CHECK_FALSE(batches.exists(second + 1));
  CHECK(b.one(c, "SELECT print_batch FROM outbox WHERE id = " + std::to_string(message)) == std::to_string(first));
  CHECK(batches.letterNumbers(first).empty());  // the row is no letter's
  CHECK(batches.confirm(first, "2026-04-04T09:00:00Z", "officer"));
  CHECK_FALSE(batches.confirm(first, "2026-04-05T09:00:00Z", "other"));  // confirmed once
  CHECK(batches.noteOverdueLogged(second));
  CHECK_FALSE(batches.noteOverdueLogged(second));
  auto list = batches.list();
  REQUIRE(list.size() == 2);
  CHECK(list[0].n == second);
  CHECK(list[0].manifest.empty());
  CHECK(list[0].confirmed_at.empty());
  CHECK(list[1].n == first);
  CHECK(list[1].created_at == "2026-04-02T09:00:00Z");
  CHECK(list[1].created_at_s == 100);
  CHECK(list[1].letters == 2);
  CHECK(list[1].manifest == "batch-" + std::to_string(first) + ".csv");
  CHECK(list[1].confirmed_at == "2026-04-04T09:00:00Z");
  CHECK(list[1].confirmed_by == "officer");
}

TEST_CASE("storage contract: CaseChecks lists armed cases and disarms only an unchanged token",
          "[postgres][contract]") {
  Backend b(GENERATE(as<std::string>{}, "sqlite", "postgresql"));
  INFO("backend: " << b.name);
  auto lease = b.db->session();
  storage::Connection& c = lease;
  seedCase(c);
  storage::Store store(c);
  storage::CaseChecks checks(c);
  checks.disarm(checks.armed());
  {
    storage::WriteTransaction tx(c);
    store.armCaseCheck("URN2");
    store.armCaseCheck("URN1");
    tx.commit();
  }
  const auto armed = checks.armed();
  REQUIRE(armed.size() == 2);
  CHECK(armed[0].case_urn == "URN1");
  CHECK(armed[1].case_urn == "URN2");
  const auto among = checks.armedAmong({"URN2", "URN9"});
  REQUIRE(among.size() == 1);
  CHECK(among[0].token == armed[1].token);
  {  // URN1 armed again after it was read: a fresh token, which the stale one must not clear
    storage::WriteTransaction tx(c);
    store.armCaseCheck("URN1");
    tx.commit();
  }
  CHECK(checks.armedAmong({"URN1"})[0].token != armed[0].token);
  CHECK(checks.disarm(armed) == 1);
  const auto left = checks.armed();
  REQUIRE(left.size() == 1);
  CHECK(left[0].case_urn == "URN1");
}

TEST_CASE("storage contract: the audit chain, appended in a transaction and outside one, verifies, and a changed "
          "entry is found",
          "[postgres][contract]") {
  Backend b(GENERATE(as<std::string>{}, "sqlite", "postgresql"));
  INFO("backend: " << b.name);
  auto lease = b.db->session();
  storage::Connection& c = lease;
  {
    storage::WriteTransaction tx(c);
    auto entry = [](const std::string& at, const std::string& subject) {
      storage::AuditEntry e;
      e.at = at;
      e.actor = "ingest";
      e.action = "event_stored";
      e.subject = subject;
      e.detail = "{}";
      return e;
    };
    storage::Store(c).auditAll({entry("2026-04-01T09:00:00Z", "e1"), entry("2026-04-01T09:00:01Z", "e2")});
    tx.commit();
  }
  storage::AuditLog(c).append("2026-04-01T09:00:02Z", "vlu", "victim_read", "v1", "{}");  // the group commit
  storage::Store(c).audit("2026-04-01T09:00:03Z", "vlu", "victim_read", "v2", "{\"why\":\"call\"}");
  storage::AuditLog log(c);
  CHECK(log.count() == 4);
  CHECK(log.count("victim_read") == 2);
  storage::AuditFilter f;
  f.action = "victim_read";
  const auto listed = log.list(f);
  REQUIRE(listed.size() == 2);
  CHECK(listed[0].subject == "v2");  // newest first
  CHECK(listed[0].seq == 4);
  CHECK(listed[1].prev_hash != storage::AuditLog::kGenesisHash);
  auto v = log.verify();
  INFO(v.problem);
  CHECK(v.ok);
  CHECK(v.entries == 4);
  CHECK(v.keyed);
  CHECK(v.head_hash == listed[0].hash);
  // verify-audit's own entry goes on the chain too.
  CHECK(log.verifyAndRecord("2026-04-01T09:00:04Z", "admin").ok);
  CHECK(log.verify().entries == 5);

  // Someone with the database, not the key, changes an entry.
  if (b.postgres()) {
    auto raw = b.pg->session();
    *raw << "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only", Poco::Data::Keywords::now;
    *raw << "UPDATE audit_log SET subject = 'v9' WHERE seq = 3", Poco::Data::Keywords::now;
  } else {
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open(b.file->path.c_str(), &raw) == SQLITE_OK);
    REQUIRE(sqlite3_exec(raw,
                         "DROP TRIGGER IF EXISTS audit_log_no_update; UPDATE audit_log SET subject = 'v9' WHERE seq = 3",
                         nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(raw);
  }
  auto broken = storage::AuditLog(c).verify();
  CHECK_FALSE(broken.ok);
  CHECK(broken.broken_seq == 3);
}

TEST_CASE("storage contract: audit entries keep any text they are given, quotes, backslashes, braces and commas "
          "included, in the order given",
          "[postgres][contract]") {
  Backend b(GENERATE(as<std::string>{}, "sqlite", "postgresql"));
  INFO("backend: " << b.name);
  auto lease = b.db->session();
  const std::vector<std::string> details = {
      R"({"note":"say \"hi\", {then} go"})", "back\\slash, comma", "{\"}", "", "NULL", "line\nbreak caf\xc3\xa9 \t tab"};
  std::vector<storage::AuditEntry> entries;
  for (size_t i = 0; i < details.size(); ++i) {
    storage::AuditEntry e;
    e.at = "2026-04-01T09:00:0" + std::to_string(i) + "Z";
    e.actor = "ingest";
    e.action = "event_stored";
    e.subject = "e" + std::to_string(i);
    e.detail = details[i];
    entries.push_back(e);
  }
  {
    storage::WriteTransaction tx(lease);
    storage::Store(lease).auditAll(entries);
    tx.commit();
  }
  storage::AuditLog(lease).appendAll({entries[0], entries[2]});  // and through the group commit
  storage::AuditFilter all;
  auto listed = storage::AuditLog(lease).list(all);
  REQUIRE(listed.size() == details.size() + 2);
  std::reverse(listed.begin(), listed.end());  // oldest first
  for (size_t i = 0; i < details.size(); ++i) {
    CHECK(listed[i].subject == "e" + std::to_string(i));
    CHECK(listed[i].detail == details[i]);
  }
  CHECK(listed[details.size()].detail == details[0]);
  CHECK(listed[details.size() + 1].detail == details[2]);
  checkChain(lease, static_cast<int64_t>(details.size() + 2));
}

TEST_CASE("storage contract: RetentionStore finds the quiet cases and when a case was purged", "[postgres][contract]") {
  Backend b(GENERATE(as<std::string>{}, "sqlite", "postgresql"));
  INFO("backend: " << b.name);
  auto lease = b.db->session();
  storage::Connection& c = lease;
  seedCase(c);
  {
    storage::WriteTransaction tx(c);
    storage::Store(c).upsertObligations({obligation("o1", "v1", "2026-05-01", 1)});  // URN1 has open work
    b.exec(c, "UPDATE cases SET purged_at = '2026-04-03T00:00:00Z' WHERE urn = 'URN9'");
    tx.commit();
  }
  storage::RetentionStore retention(c);
  auto quiet = retention.quietCasesBefore("2026-04-02");
  REQUIRE(quiet.size() == 1);
  CHECK(quiet[0].urn == "URN2");
  CHECK(quiet[0].area == "Wales");
  CHECK(quiet[0].last_event_on == "2026-04-01");
  CHECK(retention.quietCasesBefore("2026-04-01").empty());
  {
    storage::WriteTransaction tx(c);
    b.exec(c, "UPDATE obligations SET status = 'met' WHERE id = 'o1'");
    b.exec(c, "UPDATE cases SET purged_at = '2026-04-03T00:00:00Z' WHERE urn = 'URN2'");
    tx.commit();
  }
  quiet = retention.quietCasesBefore("2026-04-02");
  REQUIRE(quiet.size() == 1);
  CHECK(quiet[0].urn == "URN1");
  CHECK(retention.purgedAt("URN2") == std::optional<std::string>("2026-04-03T00:00:00Z"));
  CHECK_FALSE(retention.purgedAt("URN1"));
}

storage::LetterRow letterFor(int64_t n, const std::string& obligation_id, const std::string& state,
                             const std::string& blocked_by = "[]") {
  storage::LetterRow r;
  r.n = n;
  r.obligation_id = obligation_id;
  r.kind = "vrr_decision";
  r.language = "en";
  r.channel = "email";
  r.state = state;
  r.version = 0;
  r.letter_date = "2026-04-02";
  r.blocked_by = blocked_by;
  r.fields = "{}";
  r.template_version = "t1";
  r.policy = "victims-code-2020";
  r.created_at = r.updated_at = "2026-04-02T09:00:00Z";
  return r;
}

namespace {

// Every column a purge replaces, with the rows of case URN1 in it (retention_store.cpp's targets()).
struct Purged {
  const char* table;
  const char* key;  // its key, to order the rows by
  const char* column;
  const char* of_urn1;
};
const std::vector<Purged>& purgedColumns() {
  static const std::vector<Purged> k = {
      {"events", "seq", "body", "case_urn = 'URN1'"},
      {"cases", "urn", "details", "urn = 'URN1'"},
      {"victims", "victim_id", "profile", "case_urn = 'URN1'"},
      {"victims", "victim_id", "reasons", "case_urn = 'URN1'"},
      {"entitlement_changes", "victim_id, n", "reasons", "victim_id IN ('v1', 'v2')"},
      {"meetings", "id", "body", "case_urn = 'URN1'"},
      {"letters", "n", "fields", "obligation_id LIKE 'o%'"},
      {"letters", "n", "free_text", "obligation_id LIKE 'o%'"},
      {"letters", "n", "recipient_email", "obligation_id LIKE 'o%'"},
      {"letters", "n", "html", "obligation_id LIKE 'o%'"},
      {"letters", "n", "text", "obligation_id LIKE 'o%'"},
      {"letters", "n", "note", "obligation_id LIKE 'o%'"},
      {"letter_versions", "letter_n, version", "fields", "1 = 1"},
      {"letter_versions", "letter_n, version", "free_text", "1 = 1"},
      {"letter_versions", "letter_n, version", "html", "1 = 1"},
      {"letter_versions", "letter_n, version", "text", "1 = 1"},
      {"letter_history", "letter_n, n", "note", "1 = 1"},
      {"notifications", "n", "recipient_email", "case_urn = 'URN1'"},
      {"notifications", "n", "html", "case_urn = 'URN1'"},
      {"notifications", "n", "text", "case_urn = 'URN1'"},
      {"outbox", "id", "name", "1 = 1"},
      {"outbox", "id", "recipient", "1 = 1"},
      {"outbox", "id", "subject", "1 = 1"},
      {"outbox", "id", "body_text", "1 = 1"},
      {"outbox", "id", "body_html", "1 = 1"},
      {"obligation_reasons", "n", "note", "1 = 1"},
  };
  return k;
}

// Every row of the tables a purge writes, in key order, one line each: what both stores must read back alike.
std::string purgeableRows(storage::Connection& c) {
  std::string out;
  for (const char* sql :
       {"SELECT seq, id, case_urn, body FROM events",
        "SELECT urn, area, unit, details, registered_event, last_event_seq, IFNULL(purged_at, '-') FROM cases",
        "SELECT victim_id, case_urn, enhanced, reasons, profile, IFNULL(isva_id, '-'), opted_out FROM victims",
        "SELECT victim_id, n, event_id, date, from_enhanced, to_enhanced, reasons FROM entitlement_changes",
        "SELECT id, case_urn, victim_id, state, body FROM meetings",
        "SELECT id, rule, policy, basis, kind, victim_id, case_urn, area, trigger_event, tier, due_by, status, "
        "IFNULL(completed_at, '-'), created_n, IFNULL(alert_on, '-'), body FROM obligations",
        "SELECT n, obligation_id, state, version, fields, free_text, recipient_email, html, text, note, "
        "words_in_version, due_by, area, rule FROM letters",
        "SELECT letter_n, version, fields, free_text, html, text FROM letter_versions",
        "SELECT letter_n, n, action, note FROM letter_history",
        "SELECT n, obligation_id, recipient_email, subject, html, text FROM notifications",
        "SELECT id, notification_n, name, recipient, subject, body_text, body_html, state FROM outbox",
        "SELECT n, obligation_id, reason, note, outcome FROM obligation_reasons"}) {
    // Each row as one text: the columns joined by '|' in the SELECT itself.
    std::string select = sql;
    const size_t from = select.find(" FROM ");
    std::string columns = select.substr(7, from - 7), joined;
    for (size_t i = 0, comma; i != std::string::npos; i = comma == std::string::npos ? comma : comma + 2) {
      int depth = 0;
      for (comma = i; comma < columns.size() && (columns[comma] != ',' || depth); ++comma)
        depth += columns[comma] == '(' ? 1 : columns[comma] == ')' ? -1 : 0;
      if (comma >= columns.size()) comma = std::string::npos;
      const size_t length = comma == std::string::npos ? comma : comma - i;
      joined += (joined.empty() ? "" : " || '|' || ") + columns.substr(i, length);
    }
    Query q(storage::sqlite(c), "SELECT " + joined + select.substr(from) + " ORDER BY 1");
    out += select + "\n";
    while (q.next()) out += q.text(0) + "\n";
  }
  return out;
}

}  // namespace

TEST_CASE("storage contract: RetentionStore::purgeCase replaces each personal value of the case with its keyed "
          "marker, keeps the ledger, arms the case and moves its change token",
          "[postgres][contract][purge]") {
  Backend b(GENERATE(as<std::string>{}, "sqlite", "postgresql"));
  INFO("backend: " << b.name);
  auto lease = b.db->session();
  storage::Connection& c = lease;
  seedCase(c);
  storage::Store store(c);
  storage::LetterStore letters(c);
  const Keyring keys = Keyring::fromKeys({"contract-test-retention-key-01234"});
  const auto marker = [&](const std::string& value) { return storage::RetentionStore::marker(keys, "URN1", value); };

  // o1: a body as the engine writes it, stored packed (its explanation compressed); o2: one the packer keeps as
  // given, its explanation in the middle (a purge keeps its members' order: jsonb_set would not).
  const std::string explanation =
      "{\"text\":\"Due by 2026-05-01. Synthetic v1 told us about her flat at 1 Test Street.\",\"rule\":"
      "\"vrr_decision\",\"policy\":\"victims-code-2020\",\"trigger_event\":\"e1\",\"trigger_date\":\"2026-04-01\","
      "\"tier\":\"enhanced\",\"tier_reasons\":[{\"category\":\"most_serious_crime\",\"code\":\"rape\",\"detail\":"
      "\"victim of the most serious crime: rape (a sexual offence)\"}],\"due_by\":\"2026-05-01\"}";
  const std::string changes = "[{\"event\":\"e2\",\"note\":\"Synthetic v1 moved to 2 Test Street\"}]";
  const std::string o1_body =
      "{\"id\":\"o1\",\"rule\":\"vrr_decision\",\"title\":\"VRR decision\",\"basis\":\"code\",\"right\":4,"
      "\"victim_id\":\"v1\",\"case_urn\":\"URN1\",\"area\":\"London\",\"kind\":\"letter\",\"template\":"
      "\"vrr_decision\",\"recipient\":\"victim\",\"owner\":null,\"trigger_event\":\"e1\",\"trigger_date\":"
      "\"2026-04-01\",\"tier\":\"enhanced\",\"due_by\":\"2026-05-01\",\"status\":\"pending\",\"completed_at\":null,"
      "\"completed_by_event\":null,\"late_working_days\":null,\"reason\":null,\"waived_by_event\":null,"
      "\"cancelled_by_event\":null,\"carried_by\":null,\"reopened_by_event\":null,\"reopened_note\":null,"
      "\"extension\":null,\"policy\":\"victims-code-2020\",\"changes\":" + changes + ",\"explanation\":" +
      explanation + "}";
  const std::string o2_explanation = "{\"text\":\"Synthetic v2 is in fear of testifying\"}";
  const std::string o2_body = "{\"id\":\"o2\",\"explanation\":" + o2_explanation + ",\"right\":\"right 4\"}";
  const std::string profile = "{\"name\":\"Synthetic v1\"}";
  const std::string words_html = "<p>Dear Sam, caf\xc3\xa9</p>", words_text = "Dear Sam, caf\xc3\xa9";
  int64_t n1 = 0, n3 = 0;
  {
    storage::WriteTransaction tx(c);
    store.replaceEntitlementChanges("v1", {{"v1", "e1", "2026-04-01", false, true, "[\"rape\"]"},
                                           {"v1", "e2", "2026-04-01", true, true, "[\"rape\",\"vulnerable\"]"}});
    auto o1 = obligation("o1", "v1", "2026-05-01", 1);
    o1.body = o1_body;
    auto o2 = obligation("o2", "v2", "2026-05-02", 2);
    o2.body = o2_body;
    store.upsertObligations({o1, o2, obligation("o3", "v2", "2026-05-03", 3, "notification")});
    storage::MeetingRow m;
    m.id = "m1";
    m.case_urn = "URN1";
    m.victim_id = "v1";
    m.area = "London";
    m.meeting = "vrr";
    m.state = "open";
    m.body = "{\"notes\":\"Sam asked to meet at home\"}";
    m.opened_n = 1;
    store.replaceMeetings("URN1", {m});
    // o1's letter keeps its words in its version (words_in_version), with an edit and a note.
    n1 = letters.nextLetterNumber();
    auto l1 = letterFor(n1, "o1", "blocked");
    l1.fields = "{\"greeting\":\"Dear Sam\"}";
    l1.free_text = "Sam prefers mornings";
    l1.recipient_email = "sam@example.org";
    l1.note = "called Sam";
    letters.insertLetter(l1);
    auto drafted = l1;
    drafted.state = "draft";
    drafted.version = 1;
    drafted.html = words_html;
    drafted.text = words_text;
    CHECK(letters.updateLetter(drafted, 0, true));
    storage::LetterVersionRow v;
    v.version = 1;
    v.at = "2026-04-02T09:01:00Z";
    v.author = "system";
    v.why = "drafted";
    v.language = "en";
    v.channel = "email";
    v.letter_date = "2026-04-02";
    v.blocked_by = "[]";
    v.fields = l1.fields;
    v.free_text = l1.free_text;
    v.template_version = "t1";
    v.policy = "victims-code-2020";
    v.html = words_html;
    v.text = words_text;
    letters.appendVersion(n1, v);
    letters.appendHistory(n1, {"2026-04-02T09:01:00Z", "system", "drafted", "blocked", "draft", 1, "Sam's number"});
    letters.appendHistory(n1, {"2026-04-02T09:02:00Z", "vlu", "edited", "draft", "draft", 1, ""});
    // o3's ISVA notification and its email.
    storage::NotificationStore notes(c);
    storage::NotificationRow r;
    r.n = n3 = notes.nextNumber();
    r.obligation_id = "o3";
    r.isva_id = "isva-1";
    r.victim_id = "v2";
    r.case_urn = "URN1";
    r.area = "London";
    r.event_type = "charging.decided";
    r.occurred_on = "2026-04-01";
    r.language = "en";
    r.recipient_email = "isva@example.org";
    r.subject = "A decision for Synthetic v2";
    r.html = "<p>Synthetic v2</p>";
    r.text = "Synthetic v2";
    r.template_version = "t1";
    r.state = "sent";
    r.created_at = "2026-04-02T09:00:00Z";
    notes.insert(r);
    storage::OutboxRow mail;
    mail.notification_n = n3;
    mail.channel = "email";
    mail.name = "Isva One";
    mail.recipient = "isva@example.org";
    mail.subject = r.subject;
    mail.message_id = "<p1@example.org>";
    mail.body_text = r.text;
    mail.body_html = r.html;
    mail.state = "sent";
    mail.next_attempt_at = 100;
    mail.created_at = "2026-04-02T09:00:00Z";
    storage::OutboxStore(c).insert(mail);
    storage::LedgerStore(c).appendReason({0, "o1", "illness", "Sam was in hospital", "late", "vlu",
                                           "2026-04-21T09:00:00Z", "c1"});
    store.armCaseCheck("URN1");  // as a derivation does
    tx.commit();
  }
  CHECK(b.one(c, "SELECT substr(body, 1, 10) FROM obligations WHERE id = 'o1'") == "{\"packed\":");
  CHECK(b.one(c, "SELECT words_in_version FROM letters WHERE n = " + std::to_string(n1)) == "1");
  const std::string ledger_sql =
      "SELECT id || '|' || rule || '|' || policy || '|' || basis || '|' || kind || '|' || victim_id || '|' || "
      "case_urn || '|' || area || '|' || trigger_event || '|' || tier || '|' || due_by || '|' || status || '|' || "
      "created_n || '|' || (SELECT COUNT(*) FROM obligation_reasons r WHERE r.obligation_id = o.id) "
      "FROM obligations o ORDER BY id";
  const auto rowsOf = [&](const std::string& sql) {
    std::vector<std::string> out;
    Query q(storage::sqlite(c), sql);
    while (q.next()) out.push_back(q.text(0));
    return out;
  };
  const auto ledger_before = rowsOf(ledger_sql);
  const std::string urn2_before = b.one(c, "SELECT details || (SELECT body FROM events WHERE id = 'e3') FROM cases "
                                           "WHERE urn = 'URN2'");
  storage::CaseChecks checks(c);
  checks.disarm(checks.armed());
  REQUIRE(checks.armed().empty());
  const int64_t version = *store.victimReadKey("v1")->case_version;

  storage::RetentionStore retention(c);
  int replaced = 0;
  {
    storage::WriteTransaction tx(c);
    replaced = retention.purgeCase("URN1", "2026-11-23T09:00:00Z");
    tx.commit();
  }
  // 2 events, the case, 2 victims x 2, 2 entitlement changes, 1 meeting, the letter (6: its words given back
  // first), its version (4), 1 history note, the notification (3), the outbox row (5), the reason, o1's
  // explanation and changes, o2's explanation.
  CHECK(replaced == 2 + 1 + 4 + 2 + 1 + 6 + 4 + 1 + 3 + 5 + 1 + 3);
  CHECK(retention.purgedAt("URN1") == std::optional<std::string>("2026-11-23T09:00:00Z"));

  // Every value the case left is a keyed marker now; none is left as it was.
  for (const auto& p : purgedColumns()) {
    INFO(p.table << "." << p.column);
    Query q(storage::sqlite(c), std::string("SELECT ") + p.column + " FROM " + p.table + " WHERE " + p.of_urn1 +
                                    " ORDER BY " + p.key);
    int rows = 0;
    while (q.next()) {
      ++rows;
      const std::string value = q.text(0);
      if (value.empty() || value == "[]") continue;
      CHECK(value.rfind("{\"purged\":\"hmac-sha256:", 0) == 0);
    }
    CHECK(rows > 0);
  }
  // Each is the marker of the very value it replaced (entitlement changes, versions and history found by their
  // own keys, not rowid).
  CHECK(b.one(c, "SELECT body FROM events WHERE id = 'e1'") == marker(event("e1", "URN1").body));
  CHECK(b.one(c, "SELECT details FROM cases WHERE urn = 'URN1'") == marker("{\"court\":\"x\"}"));
  CHECK(b.one(c, "SELECT profile FROM victims WHERE victim_id = 'v1'") == marker(profile));
  CHECK(b.one(c, "SELECT reasons FROM entitlement_changes WHERE victim_id = 'v1' AND n = 0") == marker("[\"rape\"]"));
  CHECK(b.one(c, "SELECT reasons FROM entitlement_changes WHERE victim_id = 'v1' AND n = 1") ==
        marker("[\"rape\",\"vulnerable\"]"));
  CHECK(b.one(c, "SELECT body FROM meetings WHERE id = 'm1'") == marker("{\"notes\":\"Sam asked to meet at home\"}"));
  const std::string letter = " FROM letters WHERE n = " + std::to_string(n1);
  CHECK(b.one(c, "SELECT recipient_email" + letter) == marker("sam@example.org"));
  CHECK(b.one(c, "SELECT html" + letter) == marker(words_html));
  CHECK(b.one(c, "SELECT words_in_version" + letter) == "0");
  CHECK(b.one(c, "SELECT state || ' ' || version || ' ' || due_by" + letter) == "draft 1 2026-05-01");
  const std::string version_1 = " FROM letter_versions WHERE letter_n = " + std::to_string(n1) + " AND version = 1";
  CHECK(b.one(c, "SELECT html" + version_1) == marker(words_html));
  CHECK(b.one(c, "SELECT text" + version_1) == marker(words_text));
  CHECK(b.one(c, "SELECT free_text" + version_1) == marker("Sam prefers mornings"));
  CHECK(b.one(c, "SELECT note || '/' || action FROM letter_history WHERE letter_n = " + std::to_string(n1) +
                     " AND n = 1") == marker("Sam's number") + "/drafted");
  CHECK(b.one(c, "SELECT note FROM letter_history WHERE letter_n = " + std::to_string(n1) + " AND n = 2") == "");
  CHECK(b.one(c, "SELECT recipient FROM outbox WHERE notification_n = " + std::to_string(n3)) ==
        marker("isva@example.org"));
  CHECK(b.one(c, "SELECT note || '/' || reason FROM obligation_reasons") == marker("Sam was in hospital") + "/illness");
  // Obligations: the explanation and the record of changes replaced in place, every other member and the ledger's
  // columns as they were.
  std::string o1_after = o1_body;
  o1_after.replace(o1_after.find(changes), changes.size(), marker(changes));
  o1_after.replace(o1_after.find(explanation), explanation.size(), marker(explanation));
  CHECK(store.findObligation("o1")->body == o1_after);
  CHECK(store.findObligation("o2")->body ==
        "{\"id\":\"o2\",\"explanation\":" + marker(o2_explanation) + ",\"right\":\"right 4\"}");
  CHECK(b.one(c, "SELECT substr(body, 1, 10) FROM obligations WHERE id = 'o1'") == "{\"packed\":");
  CHECK(rowsOf(ledger_sql) == ledger_before);
  CHECK(b.one(c, "SELECT details || (SELECT body FROM events WHERE id = 'e3') FROM cases WHERE urn = 'URN2'") ==
        urn2_before);
  // The case is armed for the scheduler and its victims' answers are stale: SQLite by trigger, PostgreSQL by the
  // purge itself.
  const auto armed = checks.armed();
  REQUIRE(armed.size() == 1);
  CHECK(armed[0].case_urn == "URN1");
  CHECK(*store.victimReadKey("v1")->case_version > version);

  // Both stores read back the same rows, byte for byte.
  static std::string sqlite_rows;
  const std::string rows = purgeableRows(c);
  if (!b.postgres()) sqlite_rows = rows;
  else if (!sqlite_rows.empty()) CHECK(rows == sqlite_rows);

  // Purged already: a second purge changes nothing.
  {
    storage::WriteTransaction tx(c);
    CHECK(retention.purgeCase("URN1", "2026-11-24T09:00:00Z") == 0);
    tx.commit();
  }
  CHECK(b.one(c, "SELECT profile FROM victims WHERE victim_id = 'v1'") == marker(profile));
  // After the commit, outside any transaction: SQLite rebuilds its file and empties its log; PostgreSQL vacuums the
  // tables the purge changed (docs/compliance.md).
  CHECK(retention.rewriteFileWithoutFreedContent());
}

TEST_CASE("storage contract: LetterStore: an import's pending letters inserted with their obligation's date, Area "
          "and rule, with words, versions, history and the queue's filters",
          "[postgres][contract]") {
  Backend b(GENERATE(as<std::string>{}, "sqlite", "postgresql"));
  INFO("backend: " << b.name);
  auto lease = b.db->session();
  storage::Connection& c = lease;
  seedCase(c);
  storage::Store store(c);
  storage::LetterStore letters(c);
  {
    storage::WriteTransaction tx(c);
    auto o1 = obligation("o1", "v1", "2026-05-01", 1);
    o1.body = "{\"id\":\"o1\",\"template\":\"vrr_decision\",\"recipient\":\"victim\"}";
    store.upsertObligations({o1, obligation("o2", "v2", "2026-04-20", 2), obligation("o3", "v2", "2026-04-22", 3)});
    tx.commit();
  }
  auto wanted = letters.obligationsForNewLetters({"URN1"});
  REQUIRE(wanted.size() == 3);
  CHECK(wanted[0].id == "o1");
  CHECK(wanted[0].template_name == "vrr_decision");
  CHECK(wanted[0].recipient == "victim");
  CHECK(wanted[0].carried_by.empty());
  CHECK(wanted[1].template_name.empty());
  int64_t n1 = 0, n2 = 0;
  {  // what LetterService::addPendingLetters does in an import's transaction
    storage::WriteTransaction tx(c);
    n1 = letters.nextLetterNumber();
    letters.insertLetter(letterFor(n1, "o1", "blocked"));
    n2 = letters.nextLetterNumber();
    letters.insertLetter(letterFor(n2, "o2", "blocked", "[{\"code\":\"needs_translation\",\"message\":\"Welsh\"}]"));
    tx.commit();
  }
  CHECK(n2 == n1 + 1);
  CHECK(letters.obligationsForNewLetters({"URN1"}).size() == 1);
  CHECK(letters.casesWithLettersBeingWritten() == std::vector<std::string>{"URN1"});
  auto found = letters.findLetter(n1);
  REQUIRE(found);
  CHECK(found->due_by == "2026-05-01");  // the obligation's, written by the insert itself
  CHECK(found->area == "London");
  CHECK(found->rule == "vrr_decision");
  CHECK(found->case_urn == "URN1");
  CHECK(found->delivery_state.empty());
  CHECK(found->last_edited_by.empty());

  // Its words written (LetterService::write): the version holds them, the letter row only points at it.
  auto drafted = *found;
  drafted.state = "draft";
  drafted.version = 1;
  drafted.html = "<p>Dear Sam, caf\xc3\xa9</p>";
  drafted.text = "Dear Sam, caf\xc3\xa9";
  {
    storage::WriteTransaction tx(c);
    CHECK(letters.updateLetter(drafted, 0, true));
    CHECK_FALSE(letters.updateLetter(drafted, 0, true));  // a stale version changes nothing
    storage::LetterVersionRow v;
    v.version = 1;
    v.at = "2026-04-02T09:01:00Z";
    v.author = "system";
    v.why = "drafted";
    v.language = "en";
    v.channel = "email";
    v.letter_date = "2026-04-02";
    v.blocked_by = "[]";
    v.fields = "{}";
    v.template_version = "t1";
    v.policy = "victims-code-2020";
    v.html = drafted.html;
    v.text = drafted.text;
    letters.appendVersion(n1, v);
    letters.appendHistory(n1, {"2026-04-02T09:01:00Z", "system", "drafted", "blocked", "draft", 1, "note one"});
    letters.appendHistory(n1, {"2026-04-02T09:02:00Z", "vlu", "edited", "draft", "draft", 1, ""});
    tx.commit();
  }
  found = letters.findLetter(n1);
  CHECK(found->html == drafted.html);
  CHECK(found->text == drafted.text);
  CHECK(b.one(c, "SELECT words_in_version || '/' || length(html) FROM letters WHERE n = " + std::to_string(n1)) == "1/0");
  const auto versions = letters.versions(n1, true);
  REQUIRE(versions.size() == 1);
  CHECK(versions[0].text == drafted.text);
  const auto history = letters.history(n1);
  REQUIRE(history.size() == 2);
  CHECK(history[0].note == "note one");
  CHECK(history[1].actor == "vlu");
  CHECK(letters.versionAndState(n1) == std::optional<std::pair<int, std::string>>({1, "draft"}));
  CHECK(letters.findLetterByObligation("o2")->n == n2);

  storage::LetterFilter queue;
  auto listed = letters.listLetters(queue);
  REQUIRE(listed.size() == 2);
  CHECK(listed[0].n == n2);  // the sooner due first
  storage::LetterFilter need;
  need.communication_need = true;
  listed = letters.listLetters(need);
  REQUIRE(listed.size() == 1);
  CHECK(listed[0].n == n2);
  storage::LetterFilter drafts;
  drafts.states = {"draft"};
  drafts.victim_id = "v1";
  drafts.with_content = true;
  listed = letters.listLetters(drafts);
  REQUIRE(listed.size() == 1);
  CHECK(listed[0].html == drafted.html);
  storage::LetterFilter page;
  page.after_due = "2026-04-20";
  page.after_n = n2;
  listed = letters.listLetters(page);
  REQUIRE(listed.size() == 1);
  CHECK(listed[0].n == n1);
  // A page back: the letters up to the cursor, latest first; and the queue's time left, as due dates.
  storage::LetterFilter back;
  back.after_due = "2026-05-01";
  back.after_n = n1;
  back.backwards = true;
  listed = letters.listLetters(back);
  REQUIRE(listed.size() == 2);
  CHECK(listed[0].n == n1);
  CHECK(listed[1].n == n2);
  storage::LetterFilter due;
  due.due_to = "2026-04-20";
  listed = letters.listLetters(due);
  REQUIRE(listed.size() == 1);
  CHECK(listed[0].n == n2);
  due.due_to.clear();
  due.due_from = "2026-04-21";
  listed = letters.listLetters(due);
  REQUIRE(listed.size() == 1);
  CHECK(listed[0].n == n1);

  // The queue's counts: one grouped query, each group with its state, rule, Area, time left, needs and side
  // of the cursor.
  storage::LetterCountScope scope;
  scope.today = "2026-04-20";
  scope.next_working_day = "2026-04-21";
  scope.cursor_due = "2026-04-20";
  scope.cursor_n = n2;
  auto counts = letters.countLetters(scope);
  std::sort(counts.begin(), counts.end(), [](const auto& a, const auto& b) { return a.state < b.state; });
  REQUIRE(counts.size() == 2);
  CHECK(counts[0].state == "blocked");  // n2: due today, waiting for a translation, at the cursor
  CHECK(counts[0].rule == "vrr_decision");
  CHECK(counts[0].area == "London");
  CHECK(counts[0].due == storage::LetterCount::kDueToday);
  CHECK(counts[0].communication_need);
  CHECK_FALSE(counts[0].unsafe_channel);
  CHECK_FALSE(counts[0].phone_task);
  CHECK(counts[0].at_or_before_cursor);
  CHECK(counts[0].count == 1);
  CHECK(counts[1].state == "draft");  // n1: due later, after the cursor
  CHECK(counts[1].due == storage::LetterCount::kLater);
  CHECK_FALSE(counts[1].communication_need);
  CHECK_FALSE(counts[1].at_or_before_cursor);
  scope.today = "2026-05-02";  // both overdue now, and no cursor
  scope.next_working_day = "2026-05-04";
  scope.cursor_due.clear();
  counts = letters.countLetters(scope);
  REQUIRE(counts.size() == 2);
  for (const auto& c : counts) {
    CHECK(c.due == storage::LetterCount::kOverdue);
    CHECK_FALSE(c.at_or_before_cursor);
  }
  scope.area = "London";
  scope.victim_id = "v2";
  counts = letters.countLetters(scope);
  REQUIRE(counts.size() == 1);
  CHECK(counts[0].state == "blocked");
  scope.victim_id.clear();
  scope.case_urn = "URN1";
  CHECK(letters.countLetters(scope).size() == 2);
  scope.case_urn = "URN2";
  CHECK(letters.countLetters(scope).empty());
  scope.case_urn.clear();
  scope.area = "Wales";
  CHECK(letters.countLetters(scope).empty());
}

TEST_CASE("storage contract: notifications and the outbox: numbered, queued, claimed once, found",
          "[postgres][contract]") {
  Backend b(GENERATE(as<std::string>{}, "sqlite", "postgresql"));
  INFO("backend: " << b.name);
  auto lease = b.db->session();
  storage::Connection& c = lease;
  seedCase(c);
  {
    storage::WriteTransaction tx(c);
    storage::Store(c).upsertObligations({obligation("o1", "v2", "2026-05-01", 1, "notification")});
    tx.commit();
  }
  storage::NotificationStore notes(c);
  storage::OutboxStore outbox(c);
  int64_t n = 0, id = 0;
  {
    storage::WriteTransaction tx(c);
    storage::NotificationRow r;
    r.n = n = notes.nextNumber();
    r.obligation_id = "o1";
    r.isva_id = "isva-1";
    r.victim_id = "v2";
    r.case_urn = "URN1";
    r.area = "London";
    r.event_type = "charging.decided";
    r.occurred_on = "2026-04-01";
    r.language = "en";
    r.recipient_email = "isva@example.org";
    r.subject = "A decision";
    r.html = "<p>x</p>";
    r.text = "x";
    r.template_version = "t1";
    r.state = "queued";
    r.created_at = "2026-04-02T09:00:00Z";
    notes.insert(r);
    storage::OutboxRow m;
    m.notification_n = n;
    m.channel = "email";
    m.recipient = "isva@example.org";
    m.subject = "A decision";
    m.message_id = "<m1@example.org>";
    m.body_text = "x";
    m.state = "queued";
    m.next_attempt_at = 100;
    m.created_at = "2026-04-02T09:00:00Z";
    id = outbox.insert(m);
    m.message_id = "<m2@example.org>";
    CHECK(outbox.insert(m) == id + 1);
    tx.commit();
  }
  CHECK(id > 0);
  CHECK(notes.existsFor("o1"));
  CHECK_FALSE(notes.existsFor("o9"));
  storage::NotificationFilter f;
  f.isva_id = "isva-1";
  f.unread_only = true;
  CHECK(notes.count(f) == 1);
  CHECK(notes.list(f).at(0).subject == "A decision");
  CHECK(notes.markRead(n, "2026-04-02T10:00:00Z"));
  CHECK(notes.count(f) == 0);
  CHECK(notes.find(n)->read_at == "2026-04-02T10:00:00Z");

  CHECK(outbox.due(99, 10).empty());
  auto due = outbox.due(100, 10);
  REQUIRE(due.size() == 2);
  CHECK(due[0].notification_n == n);
  CHECK(due[0].letter_n == 0);  // NULL reads as 0
  CHECK(due[0].area == "London");
  CHECK(outbox.claim(id, "daemon-a", 400));
  CHECK_FALSE(outbox.claim(id, "daemon-b", 400));  // claimed once
  CHECK_FALSE(outbox.finishClaimed(id, "daemon-b", "sent", "2026-04-02T09:05:00Z", "", 0));  // not b's to record
  CHECK(outbox.find(id)->state == "sending");
  CHECK(outbox.requeueExpired(399) == 0);  // a's lease has not run out: a live daemon's message stays a's
  CHECK(outbox.finishClaimed(id, "daemon-a", "sent", "2026-04-02T09:05:00Z", "", 0));
  CHECK(outbox.find(id)->state == "sent");
  CHECK(outbox.findByMessageId("<m1@example.org>")->id == id);
  CHECK(outbox.latestForNotification(n)->id == id + 1);
  CHECK(outbox.recordOutcome(id, "delivered", "2026-04-02T10:00:00Z", ""));
  storage::OutboxFilter delivered;
  delivered.status = "delivered";
  CHECK(outbox.list(delivered).size() == 1);
  CHECK(outbox.claim(id + 1, "daemon-a", 400));
  CHECK(outbox.requeueSending(200) == 1);  // SQLite's start-up: every 'sending' row, whoever's
  CHECK(outbox.find(id + 1)->state == "retrying");
  // A daemon that died mid-send: its lease runs out, the message goes back to the queue, and the old holder
  // can no longer record an outcome for it.
  CHECK(outbox.claim(id + 1, "daemon-a", 500));
  CHECK(outbox.requeueExpired(499) == 0);
  CHECK(outbox.requeueExpired(500) == 1);
  CHECK(outbox.find(id + 1)->state == "retrying");
  CHECK(outbox.find(id + 1)->next_attempt_at == 500);
  CHECK(outbox.claim(id + 1, "daemon-b", 900));
  CHECK_FALSE(outbox.finishClaimed(id + 1, "daemon-a", "sent", "2026-04-02T09:05:00Z", "", 0));
  CHECK(outbox.finishClaimed(id + 1, "daemon-b", "sent", "2026-04-02T09:06:00Z", "", 0));
  CHECK(outbox.find(id + 1)->sent_at == "2026-04-02T09:06:00Z");
}

TEST_CASE("storage contract: LedgerStore: reasons, alerts raised once, the sweep's marks, ledger entries and "
          "communication needs, and a reason or an alert moves the case's change token",
          "[postgres][contract]") {
  Backend b(GENERATE(as<std::string>{}, "sqlite", "postgresql"));
  INFO("backend: " << b.name);
  auto lease = b.db->session();
  storage::Connection& c = lease;
  seedCase(c);
  storage::Store store(c);
  {
    storage::WriteTransaction tx(c);
    auto o1 = obligation("o1", "v1", "2026-04-20", 1);
    o1.body = "{\"id\":\"o1\",\"right\":4,\"trigger_date\":\"2026-04-01\",\"late_working_days\":null,"
              "\"extension\":{\"working_days\":5,\"original_due_by\":\"2026-04-13\"}}";
    auto o2 = obligation("o2", "v2", "2026-04-10", 2);
    o2.status = "late";
    o2.completed_at = "2026-04-14T10:00:00+01:00";
    o2.body = "{\"id\":\"o2\",\"right\":6,\"trigger_date\":\"2026-04-02\",\"late_working_days\":2,"
              "\"completed_by_event\":\"e2\"}";
    auto o3 = obligation("o3", "v2", "2026-04-28", 3);
    o3.area = "Wales";
    o3.body = "{\"id\":\"o3\",\"trigger_date\":\"2026-04-03\"}";
    store.upsertObligations({o1, o2, o3});
    store.armCaseCheck("URN1");
    b.exec(c,
           "INSERT INTO letters(n, obligation_id, kind, language, channel, state, version, letter_date, blocked_by, "
           "fields, free_text, context_hash, template_version, policy, recipient_email, html, text, note, created_at, "
           "updated_at, due_by, area, rule) VALUES(1, 'o1', 'vrr_decision', 'en', 'email', 'blocked', 1, '2026-04-02', "
           "'[{\"code\":\"needs_translation\",\"message\":\"x\"}]', '{\"translation\":\"Cymraeg\"}', '', '', 't1', 'p', "
           "'', '', '', '', 'at', 'at', '2026-04-20', 'London', 'vrr_decision')");
    tx.commit();
  }
  storage::LedgerStore ledger(c);
  const int64_t version = *store.victimReadKey("v1")->case_version;
  {
    storage::WriteTransaction tx(c);
    ledger.appendReason({0, "o1", "illness", "off sick", "late", "vlu", "2026-04-21T09:00:00Z", "c1"});
    tx.commit();
  }
  CHECK(*store.victimReadKey("v1")->case_version == version + 1);  // SQLite by trigger, PostgreSQL explicitly
  const auto reasons = ledger.reasons("o1");
  REQUIRE(reasons.size() == 1);
  CHECK(reasons[0].note == "off sick");
  CHECK(reasons[0].n > 0);

  const auto at_risk = ledger.unwarnedAtRisk("2026-04-15", "2026-04-22");
  REQUIRE(at_risk.size() == 1);
  CHECK(at_risk[0].obligation_id == "o1");
  const auto breaches = ledger.unrecordedBreaches("2026-04-25");
  REQUIRE(breaches.size() == 1);
  CHECK(breaches[0].obligation_id == "o1");
  {
    storage::WriteTransaction tx(c);
    CHECK(ledger.raiseAlert("o1", "breached", "2026-04-20", "2026-04-21T08:00:00Z"));
    CHECK_FALSE(ledger.raiseAlert("o1", "breached", "2026-04-20", "2026-04-21T09:00:00Z"));  // once per due date
    tx.commit();
  }
  CHECK(*store.victimReadKey("v1")->case_version == version + 2);
  CHECK(ledger.unrecordedBreaches("2026-04-25").empty());
  {  // the sweep's own mark moves no token
    storage::WriteTransaction tx(c);
    ledger.setAlertOn("o1", "2026-04-30");
    ledger.setAlertOn("o2", "");
    tx.commit();
  }
  CHECK(*store.victimReadKey("v1")->case_version == version + 2);
  const auto due = ledger.alertsDue("2026-04-30");
  std::vector<std::string> due_ids;
  for (const auto& a : due) due_ids.push_back(a.obligation_id);
  CHECK(due_ids == std::vector<std::string>{"o1", "o3"});  // o3 new ('' at once), o2 never (NULL)

  const auto entries = ledger.entries("2026-04-01", "2026-04-30", "London");
  REQUIRE(entries.size() == 2);
  CHECK(entries[0].id == "o2");
  CHECK(entries[0].right == 6);
  CHECK(entries[0].late_working_days == 2);
  CHECK(entries[0].closed_by_event == "e2");
  CHECK(entries[0].completed_on == domain::Date::parse("2026-04-14"));
  const auto& e1 = entries[1];
  CHECK(e1.right == 4);
  CHECK(e1.trigger_date == *domain::Date::parse("2026-04-01"));
  CHECK_FALSE(e1.late_working_days);
  CHECK(e1.reason == "illness");
  CHECK(e1.reason_by == "vlu");
  CHECK(e1.breach_detected_at == "2026-04-21T08:00:00Z");
  CHECK(e1.extended_working_days == 5);
  CHECK(e1.original_due_by == domain::Date::parse("2026-04-13"));
  const auto all = ledger.entries("2026-04-01", "2026-04-30", "");
  REQUIRE(all.size() == 3);
  CHECK_FALSE(all[2].right);
  CHECK(all[2].extended_working_days == 0);

  const auto needs = ledger.communicationNeeds("2026-04-01", "2026-04-30", "");
  CHECK(needs.awaiting_translation == 1);
  CHECK(needs.awaiting_easy_read == 0);
  CHECK(needs.translation_attached == 1);
  CHECK(needs.easy_read_attached == 0);
  CHECK(needs.met_another_way == 0);
  CHECK(ledger.communicationNeeds("2026-04-01", "2026-04-30", "Wales").awaiting_translation == 0);
}

TEST_CASE("storage: SQLite's SQL in PostgreSQL's form: placeholders, IFNULL and IS, never inside a literal",
          "[postgres][contract]") {
  using storage::postgres::translateForPostgres;
  int n = 0;
  CHECK(translateForPostgres("SELECT a FROM t WHERE b = ? AND c = ?", &n) == "SELECT a FROM t WHERE b = $1 AND c = $2");
  CHECK(n == 2);
  CHECK(translateForPostgres("UPDATE t SET a = ?2 WHERE id = ?1 AND b IS NOT ?2", &n) ==
        "UPDATE t SET a = $2 WHERE id = $1 AND b IS DISTINCT FROM $2");
  CHECK(n == 2);
  CHECK(translateForPostgres("SELECT IFNULL(a, ''), ifnull (b, 0), myifnull(c) FROM t WHERE x IS ?") ==
        "SELECT COALESCE(a, ''), COALESCE (b, 0), myifnull(c) FROM t WHERE x IS NOT DISTINCT FROM $1");
  CHECK(translateForPostgres("SELECT 1 WHERE a IS NULL AND b IS NOT NULL AND c IS DISTINCT FROM d AND e IS TRUE") ==
        "SELECT 1 WHERE a IS NULL AND b IS NOT NULL AND c IS DISTINCT FROM d AND e IS TRUE");
  CHECK(translateForPostgres("SELECT '?', 'it''s ? IS x', \"col?\" -- a comment?\n, ? /* ? */", &n) ==
        "SELECT '?', 'it''s ? IS x', \"col?\" -- a comment?\n, $1 /* ? */");
  CHECK(n == 1);
  CHECK(translateForPostgres("SELECT json_extract(body, '$.code') FROM t") == "SELECT json_extract(body, '$.code') FROM t");
}

TEST_CASE("a lost PostgreSQL connection is store_busy (503), and the pool does not lend it again", "[postgres][contract]") {
  testing::pg::FreshDatabase pg;
  storage::StoreOptions options;
  storage::Database db(pg.url, pg.cluster.password, options);
  db.migrate();
  std::string first_pid;
  {
    auto lease = db.session();
    Query q(storage::sqlite(lease), "SELECT pg_backend_pid()");
    REQUIRE(q.next());
    first_pid = q.text(0);
    // The server ends this connection (a restart, a failover, an administrator).
    *pg.session() << "SELECT pg_terminate_backend(" + first_pid + ")", Poco::Data::Keywords::now;
    bool busy = false;
    try {
      Query(storage::sqlite(lease), "SELECT 1").run();
    } catch (const std::exception& e) {
      busy = storage::isStoreBusy(e);
      INFO(e.what());
    }
    CHECK(busy);
  }
  auto lease = db.session();  // a fresh connection, not the dead one
  Query q(storage::sqlite(lease), "SELECT pg_backend_pid()");
  REQUIRE(q.next());
  CHECK(q.text(0) != first_pid);
  CHECK(db.ping());
}

TEST_CASE("two daemons appending to the audit chain on PostgreSQL at once leave one chain that verifies",
          "[postgres][contract]") {
  testing::pg::FreshDatabase pg;
  storage::StoreOptions options;
  options.audit_keys = std::make_shared<Keyring>(Keyring::fromKeys({"contract-test-audit-key-0123456789"}));
  // Two Databases on one store, as two daemons: their URLs differ (application_name), so they share no writer
  // mutex in this process; only the store keeps them apart.
  storage::Database first(pg.url, pg.cluster.password, options);
  auto other_url = pg.url;
  other_url.options.emplace_back("application_name", "second-daemon");
  storage::Database second(other_url, pg.cluster.password, options);
  first.migrate();
  constexpr int kEach = 40;
  std::vector<std::string> errors;
  std::mutex errors_mutex;
  auto appender = [&](storage::Database& db, const std::string& actor) {
    try {
      for (int i = 0; i < kEach; ++i) {
        auto lease = db.session();
        if (i % 2) {  // in a transaction of its own
          storage::WriteTransaction tx(lease);
          storage::AuditLog(lease).append("2026-04-01T09:00:00Z", actor, "victim_read", "v" + std::to_string(i), "{}");
          tx.commit();
        } else {  // through the group commit
          storage::AuditLog(lease).append("2026-04-01T09:00:00Z", actor, "victim_read", "v" + std::to_string(i), "{}");
        }
      }
    } catch (const std::exception& e) {
      std::lock_guard<std::mutex> lock(errors_mutex);
      errors.push_back(e.what());
    }
  };
  // Each daemon's chaining thread, racing the writers and each other: an entry committed while a chainer
  // works waits for the next pass, never lost nor chained twice.
  std::atomic<bool> writing{true};
  auto chainer = [&](storage::Database& db) {
    try {
      while (writing) {
        auto lease = db.session();
        storage::AuditLog(lease).chainPending(storage::AuditLog::ChainWait::kSkipIfBusy);
      }
    } catch (const std::exception& e) {
      std::lock_guard<std::mutex> lock(errors_mutex);
      errors.push_back(e.what());
    }
  };
  std::thread chain_a(chainer, std::ref(first));
  std::thread chain_b(chainer, std::ref(second));
  std::thread a(appender, std::ref(first), "first");
  std::thread b(appender, std::ref(second), "second");
  a.join();
  b.join();
  writing = false;
  chain_a.join();
  chain_b.join();
  CHECK(errors.empty());
  CAPTURE(errors);
  auto lease = first.session();
  const auto v = storage::AuditLog(lease).verify();
  INFO(v.problem);
  CHECK(v.ok);
  CHECK(v.entries == 2 * kEach);
  for (const std::string actor : {"first", "second"}) {
    storage::AuditFilter f;
    f.actor = actor;
    f.limit = 1000;
    CHECK(storage::AuditLog(lease).list(f).size() == kEach);  // each entry once
  }
  Query left(storage::sqlite(lease), "SELECT COUNT(*) FROM audit_pending");
  REQUIRE(left.next());
  CHECK(left.int64(0) == 0);
}

TEST_CASE("on PostgreSQL an audited read is written while another daemon holds the audit chain, and joins the "
          "chain once it is free",
          "[postgres][contract]") {
  testing::pg::FreshDatabase pg;
  storage::StoreOptions options = keyedOptions();
  options.busy_timeout_ms = 300;
  storage::Database db(pg.url, pg.cluster.password, options);
  db.migrate();
  {
    auto lease = db.session();
    storage::AuditLog(lease).append("2026-04-01T09:00:00Z", "vlu", "victim_read", "v1", "{}");
    CHECK(storage::AuditLog(lease).count() == 1);
  }
  {
    // Another daemon is in the middle of a long import: its transaction has written audit entries and not
    // committed. (Until schema 4 it held the chain to its commit, and reads everywhere waited, then got 503.)
    auto other_url = pg.url;
    other_url.options.emplace_back("application_name", "importing-daemon");
    storage::Database importing(other_url, pg.cluster.password, options);
    auto import_lease = importing.session();
    storage::WriteTransaction import_tx(import_lease);
    storage::Store(import_lease).audit("2026-04-01T08:59:00Z", "ingest", "event_stored", "e0", "{}");
    const auto before = std::chrono::steady_clock::now();
    {
      auto lease = db.session();
      storage::AuditLog(lease).append("2026-04-01T09:00:00Z", "vlu", "victim_read", "v0", "{}");
      storage::AuditFilter f;
      f.subject = "v0";
      CHECK(storage::AuditLog(lease).list(f).size() == 1);  // a reader sees it at once
    }
    CHECK(std::chrono::steady_clock::now() - before < std::chrono::milliseconds(250));
    import_tx.commit();
  }
  // Another daemon's chainer holds the chain (here, for as long as this test likes).
  auto other = pg.session();
  holdChain(*other);

  const auto started = std::chrono::steady_clock::now();
  {
    auto lease = db.session();
    storage::AuditLog(lease).append("2026-04-01T09:00:01Z", "vlu", "victim_read", "v2", "{}");  // group commit
    storage::WriteTransaction tx(lease);  // and a writer's own transaction
    storage::Store(lease).audit("2026-04-01T09:00:02Z", "ingest", "event_stored", "e1", "{}");
    tx.commit();
  }
  // Neither waited for the chain's lock (they would have waited busy_timeout_ms, then failed).
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::milliseconds(250));
  CHECK(rowsIn(*other, "audit_pending") == 3);  // e0, v2 and e1
  {
    auto lease = db.session();
    const auto skipped = storage::AuditLog(lease).chainPending(storage::AuditLog::ChainWait::kSkipIfBusy);
    CHECK(skipped.entries == 0);  // another chainer is at it
  }

  // A reader of the log waits for the chain, then sees both.
  std::thread release([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    releaseChain(*other);
  });
  auto lease = db.session();
  storage::AuditFilter all;
  const auto listed = storage::AuditLog(lease).list(all);
  release.join();
  REQUIRE(listed.size() == 5);
  CHECK(listed[0].subject == "e1");  // newest first, in the order they were written
  CHECK(listed[0].seq == 5);
  CHECK(listed[1].subject == "v2");
  CHECK(listed[2].subject == "e0");  // chained once its import committed, after the read that did not wait
  CHECK(listed[3].subject == "v0");
  CHECK(listed[4].subject == "v1");
  checkChain(lease, 5);
}

TEST_CASE("on PostgreSQL each daemon's chaining thread moves the waiting audit entries onto the chain with no reader "
          "asking, and a stopping daemon leaves none waiting",
          "[postgres][contract]") {
  testing::pg::FreshDatabase pg;
  storage::StoreOptions options = keyedOptions();
  storage::Database db(pg.url, pg.cluster.password, options);
  db.migrate();
  auto raw = pg.session();
  auto waiting = [&raw] { return rowsIn(*raw, "audit_pending"); };
  auto chained = [&raw] { return rowsIn(*raw, "audit_log"); };
  {
    scheduling::AuditChainer chainer(db, std::chrono::milliseconds(50));
    chainer.start();
    {
      auto lease = db.session();
      storage::AuditLog(lease).append("2026-04-01T09:00:00Z", "vlu", "victim_read", "v1", "{}");
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (waiting() > 0 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    CHECK(waiting() == 0);
    CHECK(chained() == 1);

    // Held by another chainer, the thread skips its turns; its stop then waits for the chain and chains.
    holdChain(*raw);
    {
      auto lease = db.session();
      storage::AuditLog(lease).append("2026-04-01T09:00:01Z", "vlu", "victim_read", "v2", "{}");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    CHECK(waiting() == 1);
    std::thread release([&raw] {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      releaseChain(*raw);
    });
    chainer.stop();
    release.join();
  }
  CHECK(waiting() == 0);
  CHECK(chained() == 2);
}

TEST_CASE("on PostgreSQL a waiting audit entry no daemon wrote is never vouched for by the chain, and the waiting "
          "entries can be neither changed nor removed",
          "[postgres][contract]") {
  testing::pg::FreshDatabase pg;
  storage::StoreOptions options = keyedOptions();
  storage::Database db(pg.url, pg.cluster.password, options);
  db.migrate();
  auto raw = pg.session();
  auto exec = [&raw](const std::string& sql) { *raw << sql, Poco::Data::Keywords::now; };
  // Hold the chain so the daemon's entry stays waiting while it is tampered with.
  holdChain(*raw);
  {
    auto lease = db.session();
    storage::AuditLog(lease).append("2026-04-01T09:00:00Z", "vlu", "victim_read", "v1", "{}");
  }
  // The guard: no change, no removal, except by the chainer.
  CHECK_THROWS_WITH(exec("UPDATE audit_pending SET subject = 'v9'"), Catch::Contains("never changed"));
  CHECK_THROWS_WITH(exec("DELETE FROM audit_pending"), Catch::Contains("never changed"));
  CHECK_THROWS_WITH(exec("TRUNCATE audit_pending"), Catch::Contains("never changed"));
  // Someone with the database but not the key: changes the daemon's entry, and adds one of their own.
  exec("ALTER TABLE audit_pending DISABLE TRIGGER audit_pending_guard");
  exec("UPDATE audit_pending SET subject = 'v9'");
  exec("ALTER TABLE audit_pending ENABLE TRIGGER audit_pending_guard");
  exec("INSERT INTO audit_pending(token, at, actor, action, subject, detail, key_id, mac) VALUES "
       "('forged', '2026-04-01T09:00:01Z', 'vlu', 'victim_read', 'v2', '{}', 'k999', 'not-a-mac')");
  releaseChain(*raw);
  auto lease = db.session();
  const auto chained = storage::AuditLog(lease).chainPending();
  CHECK(chained.entries == 2);
  CHECK(chained.refused == 2);
  storage::AuditFilter f;
  f.action = "victim_read";
  CHECK(storage::AuditLog(lease).list(f).empty());  // neither is on the chain as what it claims
  f.action = "audit_entry_refused";
  const auto refused = storage::AuditLog(lease).list(f);
  REQUIRE(refused.size() == 2);
  CHECK_THAT(refused[1].detail, Catch::StartsWith("pending:") && Catch::Contains("reason:mac_mismatch") &&
                                    Catch::Contains("subject:v9"));
  CHECK_THAT(refused[0].detail, Catch::Contains("reason:key_not_held:k999") && Catch::Contains("subject:v2"));
  CHECK(refused[0].actor == "system");
  checkChain(lease, 2);
}

TEST_CASE("a PostgreSQL store at schema 3, its audit entries chained as that build chained them, upgrades with its "
          "chain intact and goes on",
          "[postgres][contract][migrate]") {
  testing::pg::FreshDatabase pg;
  storage::StoreOptions options = keyedOptions();
  storage::Database db(pg.url, pg.cluster.password, options);
  CHECK(db.migrateTo(3) == std::make_pair(0, 3));
  CHECK(db.schemaVersion() == 3);
  {
    // The previous build's writer: under the chain's lock, straight onto audit_log.
    auto raw = pg.session();
    std::string prev = storage::AuditLog::kGenesisHash;
    for (int seq = 1; seq <= 3; ++seq) {
      storage::AuditEntry e;
      e.seq = seq;
      e.at = "2026-04-01T09:00:0" + std::to_string(seq) + "Z";
      e.actor = "vlu";
      e.action = "victim_read";
      e.subject = "v" + std::to_string(seq);
      e.detail = "{}";
      e.correlation_id = "req-" + std::to_string(seq);
      e.prev_hash = prev;
      e.key_id = options.audit_keys->currentId();
      e.hash = *storage::AuditLog::keyedHash(e, *options.audit_keys);
      prev = e.hash;
      Poco::Int64 n = seq;
      *raw << "INSERT INTO audit_log(seq, at, actor, action, subject, detail, correlation_id, prev_hash, hash, key_id) "
              "OVERRIDING SYSTEM VALUE VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
          Poco::Data::Keywords::use(n), Poco::Data::Keywords::use(e.at), Poco::Data::Keywords::use(e.actor),
          Poco::Data::Keywords::use(e.action), Poco::Data::Keywords::use(e.subject),
          Poco::Data::Keywords::use(e.detail), Poco::Data::Keywords::use(e.correlation_id),
          Poco::Data::Keywords::use(e.prev_hash), Poco::Data::Keywords::use(e.hash),
          Poco::Data::Keywords::use(e.key_id), Poco::Data::Keywords::now;
    }
  }
  CHECK(db.migrate() == std::make_pair(3, storage::postgres::PostgresDatabase::latestSchemaVersion()));
  auto lease = db.session();
  CHECK(storage::AuditLog(lease).verify().ok);
  storage::AuditLog(lease).append("2026-04-01T09:00:04Z", "vlu", "victim_read", "v4", "{}");
  checkChain(lease, 4);
  storage::AuditFilter f;
  f.subject = "v1";
  const auto first = storage::AuditLog(lease).list(f);
  REQUIRE(first.size() == 1);
  CHECK(first[0].correlation_id == "req-1");
}

TEST_CASE("two daemons taking events for the same cases at the same moment derive each case in turn, from every "
          "event, never from two different sets",
          "[postgres][contract][ingest]") {
  testing::pg::FreshDatabase pg;
  storage::StoreOptions options = keyedOptions();
  options.busy_timeout_ms = 20000;  // they take turns; none should give up here
  storage::Database first(pg.url, pg.cluster.password, options);
  auto other_url = pg.url;
  other_url.options.emplace_back("application_name", "second-daemon");
  storage::Database second(other_url, pg.cluster.password, options);
  first.migrate();
  static testing::StorePolicy policy("2026-12-31T12:00:00Z");
  ingest::Ingestor one(first, policy.engine, policy.clock);
  ingest::Ingestor two(second, policy.engine, policy.clock);
  auto parse = [](const std::vector<std::string>& events) {
    std::vector<Poco::Dynamic::Var> items;
    Poco::JSON::Parser parser;
    for (const auto& e : events) items.push_back(parser.parse(e));
    return items;
  };
  const std::vector<std::string> urns = {"52RA0000001", "52RA0000002", "52RA0000003"};
  std::vector<std::string> setup;
  for (const auto& urn : urns) {
    setup.push_back(testing::jsonEvent(urn + "-reg", "case.registered", "2026-03-01T09:00:00+00:00", urn,
                                       R"("area":"CPS London North","offences":["harassment"])"));
    setup.push_back(testing::jsonEvent(urn + "-v", "victim.registered", "2026-03-01T09:05:00+00:00", urn,
                                       R"("victim_id":")" + urn + R"(-v1","name":{"given":"Sam","family":"Race"})"));
  }
  REQUIRE(one.ingest(parse(setup)).accepted == setup.size());

  // Each daemon, on a thread of its own, sends a batch per round touching every case: a hearing listed (each
  // one a new obligation) and, now and then, the victim's entitlement changed (every open deadline moves).
  constexpr int kRounds = 24;
  std::vector<std::string> errors;
  std::mutex errors_mutex;
  auto sender = [&](ingest::Ingestor& ingestor, const std::string& who, int day) {
    try {
      for (int round = 0; round < kRounds; ++round) {
        std::vector<std::string> batch;
        for (const auto& urn : urns) {
          const std::string id = urn + "-" + who + "-" + std::to_string(round);
          const std::string date = "2026-04-" + std::string(round + 1 < 10 ? "0" : "") + std::to_string(round + 1);
          batch.push_back(testing::jsonEvent(id + "-h", "hearing.listed", date + "T1" + std::to_string(day) + ":00:00+01:00",
                                             urn, R"("kind":"trial","date":"2026-09-)" + std::to_string(10 + day) +
                                                      R"(","court":"Sampleford Crown Court")"));
          if (round % 4 == day)
            batch.push_back(testing::jsonEvent(id + "-u", "victim.updated", date + "T1" + std::to_string(day) + ":30:00+01:00",
                                               urn, R"("victim_id":")" + urn + R"(-v1","flags":[)" +
                                                        (round % 8 < 4 ? R"("intimidated")" : "") + "]"));
        }
        // And an event both daemons are sent at the same moment (the feed retried it at the other one): one
        // stores it, the other finds it stored (a duplicate), neither fails.
        batch.push_back(testing::jsonEvent(urns[0] + "-both-" + std::to_string(round), "hearing.listed",
                                           "2026-08-01T09:00:00+01:00", urns[0],
                                           R"("kind":"sentence","date":"2026-10-01","court":"Sampleford Crown Court")"));
        ingestor.ingest(parse(batch), who);
      }
    } catch (const std::exception& e) {
      std::lock_guard<std::mutex> lock(errors_mutex);
      errors.push_back(who + ": " + e.what());
    }
  };
  std::thread a(sender, std::ref(one), "a", 1);
  std::thread b(sender, std::ref(two), "b", 2);
  a.join();
  b.join();
  CAPTURE(errors);
  REQUIRE(errors.empty());

  // Every case's stored derivation is the one a whole replay of all its events gives: nothing to change.
  auto lease = first.session();
  for (const auto& urn : urns) {
    INFO(urn);
    const auto plan = one.rederive(urn, true, "test");
    CHECK(plan.changes.empty());
    Query q(storage::sqlite(lease), "SELECT COUNT(*) FROM events WHERE case_urn = ?");
    q.bind(urn);
    REQUIRE(q.next());
    CHECK(q.int64(0) == 2 + 2 * kRounds + 2 * (kRounds / 4) + (urn == urns[0] ? kRounds : 0));
    Query derived(storage::sqlite(lease), "SELECT last_event_seq FROM cases WHERE urn = ?");
    derived.bind(urn);
    REQUIRE(derived.next());
    CHECK(derived.int64(0) == q.int64(0));  // derived from every one of them
  }
  CHECK(storage::AuditLog(lease).verify().ok);
}

TEST_CASE("one daemon at a time leads the scheduler's passes; when it goes, the next to ask leads", "[postgres][contract]") {
  testing::pg::FreshDatabase pg;
  storage::StoreOptions options = keyedOptions();
  auto daemon = [&](const std::string& name) {
    auto u = pg.url;
    u.options.emplace_back("application_name", name);
    return std::make_unique<storage::Database>(u, pg.cluster.password, options);
  };
  // A backend ends a moment after its connection is cut or closed: asked again for up to 5 s.
  auto soon = [](const std::function<bool()>& leads) {
    for (int i = 0; i < 50; ++i) {
      if (leads()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  };
  auto first = daemon("first"), second = daemon("second");
  first->migrate();
  CHECK(first->holdLeadership());
  CHECK_FALSE(second->holdLeadership());
  CHECK(first->holdLeadership());  // kept while its connection lives
  CHECK_FALSE(second->holdLeadership());
  // The leader's connection is cut (a network fault, a failover): the lock goes with it, the next daemon to
  // ask leads, and the old leader finds out at its next ask.
  *pg.session() << "SELECT count(pg_terminate_backend(pid))::text FROM pg_stat_activity WHERE application_name = 'first'",
      Poco::Data::Keywords::now;
  CHECK(soon([&] { return second->holdLeadership(); }));
  CHECK_FALSE(first->holdLeadership());
  CHECK(second->holdLeadership());
  // The leader stops (or its process dies: the socket closes the same way): the next to ask leads.
  auto third = daemon("third");
  CHECK_FALSE(third->holdLeadership());
  second.reset();
  CHECK(soon([&] { return third->holdLeadership(); }));
  CHECK_FALSE(first->holdLeadership());
}
