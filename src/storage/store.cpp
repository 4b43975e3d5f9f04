#include "storage/store.h"
#include "storage/sqlite_connection.h"

#include "common/error.h"
#include "storage/audit_log.h"
#include "storage/database.h"
#include "storage/obligation_body.h"
#include "storage/sqlite_statement.h"

#include <set>

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Statement.h>
#include <Poco/Nullable.h>
#include <Poco/Tuple.h>

using namespace Poco::Data::Keywords;
using Poco::Data::Statement;

namespace vc::storage {
namespace {

constexpr const char* kObligationColumns =
    "id, rule, policy, basis, kind, victim_id, case_urn, area, trigger_event, tier, due_by, status, "
    "IFNULL(completed_at, ''), body, created_n, "
    "IFNULL((SELECT json_object('code', r.reason, 'note', r.note, 'outcome', r.outcome, 'recorded_by', "
    "r.recorded_by, 'recorded_at', r.recorded_at) FROM obligation_reasons r "
    "WHERE r.obligation_id = obligations.id ORDER BY r.n DESC LIMIT 1), ''), "
    "IFNULL((SELECT raised_at FROM obligation_alerts a WHERE a.obligation_id = obligations.id "
    "AND a.alert = 'at_risk' AND a.due_by = obligations.due_by), ''), "
    "IFNULL((SELECT raised_at FROM obligation_alerts a WHERE a.obligation_id = obligations.id "
    "AND a.alert = 'breached' AND a.due_by = obligations.due_by), '')";
// The same on PostgreSQL: the latest reason written as SQLite's json_object writes it (no spaces, keys in this
// order, null for a missing value), so that both stores read back the same text.
constexpr const char* kObligationColumnsPostgres =
    "id, rule, policy, basis, kind, victim_id, case_urn, area, trigger_event, tier, due_by, status, "
    "COALESCE(completed_at, ''), body, created_n, "
    "COALESCE((SELECT '{\"code\":' || COALESCE(to_json(r.reason)::text, 'null') || ',\"note\":' || "
    "COALESCE(to_json(r.note)::text, 'null') || ',\"outcome\":' || COALESCE(to_json(r.outcome)::text, 'null') || "
    "',\"recorded_by\":' || COALESCE(to_json(r.recorded_by)::text, 'null') || ',\"recorded_at\":' || "
    "COALESCE(to_json(r.recorded_at)::text, 'null') || '}' FROM obligation_reasons r "
    "WHERE r.obligation_id = obligations.id ORDER BY r.n DESC LIMIT 1), ''), "
    "COALESCE((SELECT raised_at FROM obligation_alerts a WHERE a.obligation_id = obligations.id "
    "AND a.alert = 'at_risk' AND a.due_by = obligations.due_by), ''), "
    "COALESCE((SELECT raised_at FROM obligation_alerts a WHERE a.obligation_id = obligations.id "
    "AND a.alert = 'breached' AND a.due_by = obligations.due_by), '')";

const char* obligationColumns(bool postgres) { return postgres ? kObligationColumnsPostgres : kObligationColumns; }

std::vector<ObligationRow> readObligations(Query& q) {
  std::vector<ObligationRow> out;
  while (q.next()) {
    ObligationRow r;
    int c = 0;
    for (std::string* field : {&r.id, &r.rule, &r.policy, &r.basis, &r.kind, &r.victim_id, &r.case_urn, &r.area,
                               &r.trigger_event, &r.tier, &r.due_by, &r.status, &r.completed_at, &r.body})
      *field = q.text(c++);
    r.body = unpackObligationBody(r.body, r);  // stored packed (obligation_body.h)
    r.created_n = q.int64(c++);
    for (std::string* field : {&r.latest_reason, &r.at_risk_raised_at, &r.breach_detected_at}) *field = q.text(c++);
    out.push_back(std::move(r));
  }
  return out;
}

VictimRow readVictim(const Query& q) {
  VictimRow v;
  v.victim_id = q.text(0);
  v.case_urn = q.text(1);
  v.enhanced = q.int64(2) != 0;
  v.reasons = q.text(3);
  v.profile = q.text(4);
  v.isva_id = q.text(5);
  v.consent_to_share = q.int64(6) != 0;
  v.opted_out = q.text(7);
  return v;
}

constexpr const char* kVictimColumns =
    "victim_id, case_urn, enhanced, reasons, profile, IFNULL(isva_id, ''), consent_to_share, opted_out";

}  // namespace

std::optional<std::string> Store::eventBody(const std::string& id) {
  Query q(s_, "SELECT body FROM events WHERE id = ?");
  q.bind(id);
  if (!q.next()) return std::nullopt;
  return q.text(0);
}

void Store::appendEvent(const EventRow& r) { appendEvents({r}); }

void Store::appendEvents(const std::vector<EventRow>& rows) {
  if (rows.empty()) return;
  Query q(s_,
          "INSERT INTO events(id, type, case_urn, victim_id, occurred_at, local_date, received_at, body) "
          "VALUES(?, ?, ?, ?, ?, ?, ?, ?)");
  for (const auto& r : rows) {
    if (&r != &rows.front()) q.again();
    q.bind(r.id).bind(r.type).bindOrNull(r.case_urn).bindOrNull(r.victim_id).bind(r.occurred_at).bind(r.local_date);
    q.bind(r.received_at).bindUncopied(r.body).run();
  }
}

std::vector<std::string> Store::caseEventBodies(const std::string& urn) {
  Query q(s_, "SELECT body FROM events WHERE case_urn = ? ORDER BY seq");
  q.bind(urn);
  std::vector<std::string> bodies;
  while (q.next()) bodies.push_back(q.text(0));
  return bodies;
}

std::vector<std::pair<int64_t, std::string>> Store::caseEventsAfter(const std::string& urn, int64_t after,
                                                                    int64_t* derived_from) {
  Query q(s_,
          "SELECT seq, body, IFNULL((SELECT last_event_seq FROM cases WHERE urn = ?), -1) FROM events "
          "WHERE case_urn = ? AND seq > ? ORDER BY seq");
  q.bind(urn).bind(urn).bind(after);
  std::vector<std::pair<int64_t, std::string>> out;
  while (q.next()) {
    if (derived_from && out.empty()) *derived_from = q.int64(2);
    out.emplace_back(q.int64(0), q.text(1));
  }
  return out;
}

std::vector<EventRow> Store::caseTimeline(const std::string& urn) {
  Query q(s_,
          "SELECT seq, id, type, IFNULL(case_urn, ''), IFNULL(victim_id, ''), occurred_at, local_date, received_at, "
          "body FROM events WHERE case_urn = ? ORDER BY seq");
  q.bind(urn);
  std::vector<EventRow> out;
  while (q.next()) {
    EventRow e;
    e.seq = q.int64(0);
    int c = 1;
    for (std::string* f : {&e.id, &e.type, &e.case_urn, &e.victim_id, &e.occurred_at, &e.local_date, &e.received_at,
                           &e.body})
      *f = q.text(c++);
    out.push_back(std::move(e));
  }
  return out;
}

int64_t Store::eventCount() {
  Query q(s_, "SELECT COUNT(*) FROM events");
  return q.next() ? q.int64(0) : 0;
}

std::vector<std::string> Store::caseUrns() {
  Query q(s_, "SELECT urn FROM cases ORDER BY urn");
  std::vector<std::string> urns;
  while (q.next()) urns.push_back(q.text(0));
  return urns;
}

std::optional<CaseRow> Store::findCase(const std::string& urn) {
  Query q(s_, "SELECT urn, area, unit, details, registered_event FROM cases WHERE urn = ?");
  q.bind(urn);
  if (!q.next()) return std::nullopt;
  CaseRow c;
  c.urn = q.text(0);
  c.area = q.text(1);
  c.unit = q.text(2);
  c.details = q.text(3);
  c.registered_event = q.text(4);
  return c;
}

std::optional<std::string> Store::victimCase(const std::string& victim_id) {
  Query q(s_, "SELECT case_urn FROM victims WHERE victim_id = ?");
  q.bind(victim_id);
  if (!q.next()) return std::nullopt;
  return q.text(0);
}

bool Store::isvaExists(const std::string& isva_id) { return isvaDetails(isva_id).has_value(); }

std::optional<std::string> Store::isvaDetails(const std::string& isva_id) {
  Query q(s_, "SELECT details FROM isvas WHERE isva_id = ?");
  q.bind(isva_id);
  if (!q.next()) return std::nullopt;
  return q.text(0);
}

void Store::upsertIsva(const std::string& isva_id, const std::string& details, const std::string& event_id) {
  Query q(s_,
          "INSERT INTO isvas(isva_id, details, registered_event) VALUES(?, ?, ?) "
          "ON CONFLICT(isva_id) DO UPDATE SET details = excluded.details, registered_event = excluded.registered_event");
  q.bind(isva_id).bind(details).bind(event_id).run();
  if (!isPostgres(s_)) return;  // SQLite: isvas_arm_insert and isvas_arm_update
  // PostgreSQL: what SQLite's triggers do, written here: every case with a victim the ISVA supports is armed.
  Query arm(s_,
            "INSERT INTO case_checks(case_urn, armed) SELECT DISTINCT case_urn, (random() * 9e18)::bigint FROM victims "
            "WHERE isva_id = ? ON CONFLICT(case_urn) DO UPDATE SET armed = excluded.armed");
  arm.bind(isva_id).run();
}

void Store::upsertCase(const CaseRow& r, int64_t last_event_seq) {
  // An update, then an insert where there was no row (not an upsert: see upsertObligations).
  Query u(s_, "UPDATE cases SET area = ?, unit = ?, details = ?, last_event_seq = ? WHERE urn = ?");
  u.bind(r.area).bind(r.unit).bind(r.details).bind(last_event_seq).bind(r.urn).run();
  if (u.changes() > 0) return;
  Query q(s_,
          "INSERT INTO cases(urn, area, unit, details, registered_event, last_event_seq) VALUES(?, ?, ?, ?, ?, ?)");
  q.bind(r.urn).bind(r.area).bind(r.unit).bind(r.details).bind(r.registered_event).bind(last_event_seq).run();
}

void Store::upsertVictim(const VictimRow& r) {
  // An update, then an insert where there was no row (not an upsert: see upsertObligations).
  Query u(s_,
          "UPDATE victims SET enhanced = ?, reasons = ?, profile = ?, isva_id = ?, consent_to_share = ?, opted_out = ? "
          "WHERE victim_id = ?");
  u.bind(r.enhanced).bind(r.reasons).bind(r.profile).bindOrNull(r.isva_id).bind(r.consent_to_share).bind(r.opted_out);
  u.bind(r.victim_id).run();
  if (u.changes() > 0) return;
  Query q(s_,
          "INSERT INTO victims(victim_id, case_urn, enhanced, reasons, profile, isva_id, consent_to_share, opted_out) "
          "VALUES(?, ?, ?, ?, ?, ?, ?, ?)");
  q.bind(r.victim_id).bind(r.case_urn).bind(r.enhanced).bind(r.reasons).bind(r.profile).bindOrNull(r.isva_id);
  q.bind(r.consent_to_share).bind(r.opted_out).run();
}

void Store::replaceEntitlementChanges(const std::string& victim_id, const std::vector<EntitlementChangeRow>& rows) {
  {
    Query q(s_, "DELETE FROM entitlement_changes WHERE victim_id = ?");
    q.bind(victim_id).run();
  }
  int n = 0;
  for (const auto& r : rows) {
    Query q(s_,
            "INSERT INTO entitlement_changes(victim_id, n, event_id, date, from_enhanced, to_enhanced, reasons) "
            "VALUES(?, ?, ?, ?, ?, ?, ?)");
    q.bind(victim_id).bind(n).bind(r.event_id).bind(r.date).bind(r.from_enhanced).bind(r.to_enhanced);
    q.bind(r.reasons).run();
    ++n;
  }
}

namespace {
// PostgreSQL advisory lock keys (the two-int form: class, key), apart from the audit chain's and migrate's.
constexpr int kEveryCaseLock = 0x76630001;  // (kEveryCaseLock, 0): every case; shared by one-by-one lockers
constexpr int kCaseLock = 0x76630002;       // (kCaseLock, case's key): one case
// More cases than this in one transaction take the lock on every case: fewer round trips, and PostgreSQL's
// lock table (max_locks_per_transaction) is not filled by a long import.
constexpr size_t kMostCasesLockedOneByOne = 64;

// A case's lock key: FNV-1a of its URN, as a signed 32-bit int. Two URNs with one key only take turns.
int32_t caseLockKey(const std::string& urn) {
  uint32_t h = 2166136261u;
  for (unsigned char c : urn) h = (h ^ c) * 16777619u;
  return static_cast<int32_t>(h);
}
}  // namespace

void Store::lockAllCases() {
  if (!isPostgres(s_) || all_cases_locked_) return;
  Query(s_, "SELECT pg_advisory_xact_lock(?, 0)::text").bind(kEveryCaseLock).run();
  all_cases_locked_ = true;
}

void Store::lockCasesForDerivation(const std::vector<std::string>& urns) {
  // SQLite: the store's one writer already keeps derivations apart.
  if (!isPostgres(s_) || all_cases_locked_ || urns.empty()) return;
  if (urns.size() > kMostCasesLockedOneByOne) return lockAllCases();
  std::set<int32_t> keys;  // sorted: every transaction takes its locks in the same order, so none deadlock
  for (const auto& urn : urns) keys.insert(caseLockKey(urn));
  Query(s_, "SELECT pg_advisory_xact_lock_shared(?, 0)::text").bind(kEveryCaseLock).run();
  Query lock(s_, "SELECT pg_advisory_xact_lock(?, ?)::text");
  bool first = true;
  for (int32_t key : keys) {
    if (!first) lock.again();
    first = false;
    lock.bind(kCaseLock).bind(static_cast<int64_t>(key)).run();
  }
}

void Store::armCaseCheck(const std::string& urn) {
  // A store not yet at version 15 has no case_checks (a test writing an older store through this code).
  // PostgreSQL's schema has had both tables from its first version.
  const bool postgres = isPostgres(s_);
  if (postgres) has_case_checks_ = has_case_versions_ = true;
  if (!has_case_checks_) {
    Query q(s_, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'case_checks'");
    has_case_checks_ = q.next() && q.int64(0) > 0;
  }
  if (!*has_case_checks_) return;
  {  // an update, then an insert where there was no row (not an upsert: see upsertObligations)
    // The token: SQLite's random() is a 64-bit integer, PostgreSQL's a fraction, scaled here.
    const std::string token = postgres ? "(random() * 9e18)::bigint" : "random()";
    Query u(s_, "UPDATE case_checks SET armed = " + token + " WHERE case_urn = ?");
    u.bind(urn).run();
    if (u.changes() == 0) {
      Query q(s_, "INSERT INTO case_checks(case_urn, armed) VALUES(?, " + token + ")");
      q.bind(urn).run();
    }
  }
  // The victim answers' change token (migration 18), for the same reason: everything this derivation writes
  // may show in them. It only grows, and moves in this transaction (the invariant named at the migration).
  if (!has_case_versions_) {
    Query t(s_, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'case_versions'");
    has_case_versions_ = t.next() && t.int64(0) > 0;
  }
  if (!*has_case_versions_) return;
  Query u(s_, "UPDATE case_versions SET version = version + 1 WHERE case_urn = ?");
  u.bind(urn).run();
  if (u.changes() > 0) return;
  Query v(s_, "INSERT INTO case_versions(case_urn, version) VALUES(?, 1)");
  v.bind(urn).run();
}

void Store::upsertObligations(const std::vector<ObligationRow>& rows) {
  if (rows.empty()) return;
  std::string packed;
  // An insert that leaves an existing row alone, then an update of that row: not one INSERT ... ON CONFLICT
  // DO UPDATE, which SQLite runs inside a statement journal (every page it touches copied first, in case
  // the statement alone must be undone): that copying was a fifth of writing an obligation (issue 16 item 1,
  // docs/benchmarks.md "statement journals"). The store's writer holds the transaction throughout, so no row
  // can appear between the two statements.
  Query insert(s_,
               "INSERT INTO obligations(id, rule, policy, basis, kind, victim_id, case_urn, area, trigger_event, tier, "
               "due_by, status, completed_at, body, created_n) "
               "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING");
  std::optional<Query> update;
  bool inserted_before = false;
  auto tryInsert = [&](const ObligationRow& r, const std::string& stored_body) {
    if (inserted_before) insert.again();
    inserted_before = true;
    insert.bind(r.id).bind(r.rule).bind(r.policy).bind(r.basis).bind(r.kind).bind(r.victim_id).bind(r.case_urn);
    insert.bind(r.area).bind(r.trigger_event).bind(r.tier).bind(r.due_by).bind(r.status).bindOrNull(r.completed_at);
    insert.bindUncopied(stored_body).bind(r.created_n).run();
    return insert.changes() > 0;
  };
  auto runUpdate = [&](const ObligationRow& r, const std::string& stored_body) {
    if (update)
      update->again();
    else if (!isPostgres(s_))
      update.emplace(s_,
                     "UPDATE obligations SET tier = ?1, due_by = ?2, status = ?3, completed_at = ?4, body = ?5, "
                     "area = ?6, policy = ?7, basis = ?8, kind = ?9 WHERE id = ?10 "
                     // The body is stored packed (obligation_body.h), without what these columns hold: a change
                     // to one of them alone must still be written.
                     "AND (body IS NOT ?5 OR tier IS NOT ?1 OR policy IS NOT ?7 OR basis IS NOT ?8 OR kind IS NOT ?9)");
    else  // PostgreSQL: SQLite's obligations_rearm_alert, _due_by_to_letter and _area_to_letter, written out.
          // Its changes() counts the letters it moved, not the obligation: a row updated with no letter to move
          // reads as "no change" below and goes on to the insert, which finds it and stops (right, one statement more).
      update.emplace(s_,
                     "WITH o AS (UPDATE obligations SET tier = ?1, due_by = ?2, status = ?3, completed_at = ?4, "
                     "body = ?5, area = ?6, policy = ?7, basis = ?8, kind = ?9, "
                     "alert_on = CASE WHEN status IS NOT ?3 OR due_by IS NOT ?2 THEN '' ELSE alert_on END "
                     "WHERE id = ?10 "
                     "AND (body IS NOT ?5 OR tier IS NOT ?1 OR policy IS NOT ?7 OR basis IS NOT ?8 OR kind IS NOT ?9) "
                     "RETURNING id, due_by, area) "
                     "UPDATE letters l SET due_by = o.due_by, area = o.area FROM o "
                     "WHERE l.obligation_id = o.id AND (l.due_by <> o.due_by OR l.area <> o.area)");
    update->bind(r.tier).bind(r.due_by).bind(r.status).bindOrNull(r.completed_at).bindUncopied(stored_body);
    update->bind(r.area).bind(r.policy).bind(r.basis).bind(r.kind).bind(r.id).run();
    return update->changes() > 0;
  };
  for (const auto& r : rows) {
    const std::string& stored_body = r.packed_body.empty() ? (packed = packObligationBody(r.body, r)) : r.packed_body;
    // A row the writer knows is there is updated at once: the insert would only find it and stop. No change
    // (an unchanged row, or one not there after all) falls through to the insert, which adds a missing row.
    if (r.stored_already && runUpdate(r, stored_body)) continue;
    if (tryInsert(r, stored_body) || r.stored_already) continue;
    runUpdate(r, stored_body);
  }
}

std::optional<VictimRow> Store::findVictim(const std::string& victim_id) {
  Query q(s_, std::string("SELECT ") + kVictimColumns + " FROM victims WHERE victim_id = ?");
  q.bind(victim_id);
  if (!q.next()) return std::nullopt;
  return readVictim(q);
}

std::optional<Store::VictimReadKey> Store::victimReadKey(const std::string& victim_id) {
  Query q(s_,
          "SELECT v.case_urn, c.area, k.version FROM victims v JOIN cases c ON c.urn = v.case_urn "
          "LEFT JOIN case_versions k ON k.case_urn = v.case_urn WHERE v.victim_id = ?");
  q.bind(victim_id);
  if (!q.next()) return std::nullopt;
  VictimReadKey key;
  key.case_urn = q.text(0);
  key.area = q.text(1);
  if (!q.isNull(2)) key.case_version = q.int64(2);
  return key;
}

std::vector<VictimRow> Store::findVictimsByName(const std::string& words, const std::string& area, int limit) {
  std::string pattern = "%";
  for (char c : words) {
    if (c == '%' || c == '_' || c == '\\') pattern += '\\';
    pattern += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  }
  pattern += '%';
  const std::string name =
      isPostgres(s_)
          ? "COALESCE(v.profile::json->'name'->>'given', '') || ' ' || COALESCE(v.profile::json->'name'->>'family', '')"
          : "IFNULL(json_extract(v.profile, '$.name.given'), '') || ' ' || "
            "IFNULL(json_extract(v.profile, '$.name.family'), '')";
  std::string columns;
  for (const char* c : {"v.victim_id", "v.case_urn", "v.enhanced", "v.reasons", "v.profile", "IFNULL(v.isva_id, '')",
                        "v.consent_to_share", "v.opted_out"})
    columns += std::string(columns.empty() ? "" : ", ") + c;
  Query q(s_, "SELECT " + columns + " FROM victims v JOIN cases c ON c.urn = v.case_urn WHERE (? = '' OR c.area = ?) " +
                  "AND lower(" + name + ") LIKE ? ESCAPE '\\' ORDER BY v.victim_id LIMIT " + std::to_string(limit));
  q.bind(area).bind(area).bind(pattern);
  std::vector<VictimRow> out;
  while (q.next()) out.push_back(readVictim(q));
  return out;
}

std::vector<VictimRow> Store::caseVictims(const std::string& urn) {
  // In the order they were added: SQLite's rowid, PostgreSQL's added_n (postgres/migrations/0002).
  Query q(s_, std::string("SELECT ") + kVictimColumns + " FROM victims WHERE case_urn = ? ORDER BY " +
                  (isPostgres(s_) ? "added_n" : "rowid"));
  q.bind(urn);
  std::vector<VictimRow> out;
  while (q.next()) out.push_back(readVictim(q));
  return out;
}

std::vector<EntitlementChangeRow> Store::entitlementChanges(const std::string& victim_id) {
  Query q(s_,
          "SELECT event_id, date, from_enhanced, to_enhanced, reasons FROM entitlement_changes "
          "WHERE victim_id = ? ORDER BY n");
  q.bind(victim_id);
  std::vector<EntitlementChangeRow> out;
  while (q.next()) {
    EntitlementChangeRow r;
    r.victim_id = victim_id;
    r.event_id = q.text(0);
    r.date = q.text(1);
    r.from_enhanced = q.int64(2) != 0;
    r.to_enhanced = q.int64(3) != 0;
    r.reasons = q.text(4);
    out.push_back(std::move(r));
  }
  return out;
}

std::optional<ObligationRow> Store::findObligation(const std::string& id) {
  Query q(s_, std::string("SELECT ") + obligationColumns(isPostgres(s_)) + " FROM obligations WHERE id = ?");
  q.bind(id);
  auto rows = readObligations(q);
  if (rows.empty()) return std::nullopt;
  return rows.front();
}

std::optional<ObligationRow> Store::findObligationForLetter(const std::string& id) {
  Query q(s_, "SELECT id, rule, policy, kind, victim_id, case_urn, area, trigger_event FROM obligations WHERE id = ?");
  q.bind(id);
  if (!q.next()) return std::nullopt;
  ObligationRow r;
  int c = 0;
  for (std::string* field : {&r.id, &r.rule, &r.policy, &r.kind, &r.victim_id, &r.case_urn, &r.area, &r.trigger_event})
    *field = q.text(c++);
  return r;
}

std::map<std::string, ObligationState> Store::obligationStates(const std::string& case_urn) {
  Query q(s_, "SELECT id, status, due_by, tier, basis FROM obligations WHERE case_urn = ?");
  q.bind(case_urn);
  std::map<std::string, ObligationState> out;
  while (q.next()) out[q.text(0)] = {q.text(1), q.text(2), q.text(3), q.text(4)};
  return out;
}

ListQuery obligationListQuery(const ObligationFilter& f, bool postgres) {
  // The index each page walks, named so that no filter can make the planner walk a wider one (it has no
  // statistics: given a victim and an Area it walked the whole Area in due order, looking for the
  // victim's few rows). A victim's or a case's obligations are few: found by their own index and sorted
  // (a handful of rows). Otherwise the index starts with the filters' equalities and goes on in the
  // list's order (due_by, id) from the cursor, so a page reads about the rows it returns. A rule is a
  // twentieth of the rows or less: its own index (migration 17), the Area and status riding along. A kind
  // or a basis likewise (a value may match nothing), unless a status is asked for: the status indexes
  // then, as a rare status (waived, met in one Area) is the narrower walk; the kind or basis rides along.
  const bool status = !f.status.empty();
  const char* index = !f.victim_id.empty()       ? "obligations_by_victim"
                      : !f.case_urn.empty()      ? "obligations_by_case"
                      : !f.rule.empty()          ? "obligations_by_rule_due"
                      : !f.kind.empty() && !status ? "obligations_by_kind_due"
                      : !f.basis.empty() && !status ? "obligations_by_basis_due"
                      : !f.area.empty() && status ? "obligations_by_area_status_due"
                      : !f.area.empty()          ? "obligations_by_area_due"
                      : status                   ? "obligations_by_status_due"
                                                 : "obligations_by_due";
  ListQuery q;
  // PostgreSQL has statistics and no INDEXED BY: its planner chooses.
  q.sql = std::string("SELECT ") + obligationColumns(postgres) + " FROM obligations" +
          (postgres ? std::string() : std::string(" INDEXED BY ") + index) + " WHERE 1 = 1";
  auto eq = [&](const char* column, const std::string& value) {
    if (value.empty()) return;
    q.sql += std::string(" AND ") + column + " = ?";
    q.args.push_back(value);
  };
  eq("rule", f.rule);
  eq("victim_id", f.victim_id);
  eq("case_urn", f.case_urn);
  eq("area", f.area);
  eq("basis", f.basis);
  eq("kind", f.kind);
  // breached and pending depend on today: an open obligation is breached once its day has passed.
  // Lower bounds on due_by (pending's and at_risk's today, due_after, the cursor) are written as ONE
  // term: given two, the planner starts the walk at one and checks the other row by row, and it chose
  // due_after's, so a deep cursor with due_after walked every row from due_after to the cursor. The
  // highest bound implies the others (a cursor (d, id) is implied by due_by >= a date after d), so the
  // answer is the same.
  std::string lower;  // the highest date bound, inclusive ("" none)
  auto atLeast = [&](const std::string& date) {
    if (date > lower) lower = date;
  };
  if (f.status == "breached") {
    q.sql += " AND status = 'pending' AND due_by < ?";
    q.args.push_back(f.today);
  } else if (f.status == "pending") {
    q.sql += " AND status = 'pending'";
    atLeast(f.today);
  } else if (f.status == "at_risk") {
    q.sql += " AND status = 'pending' AND due_by <= ?";
    q.args.push_back(f.at_risk_until);
    atLeast(f.today);
  } else if (f.status == "open") {
    q.sql += " AND status = 'pending'";
  } else {
    eq("status", f.status);
  }
  if (!f.due_before.empty()) {
    q.sql += " AND due_by <= ?";
    q.args.push_back(f.due_before);
  }
  if (!f.due_after.empty()) atLeast(f.due_after);
  if (!f.after_due.empty() && f.after_due >= lower) {
    q.sql += " AND (due_by, id) > (?, ?)";  // a keyset cursor the (..., due_by, id) indexes start from
    q.args.push_back(f.after_due);
    q.args.push_back(f.after_id);
  } else if (!lower.empty()) {
    q.sql += " AND due_by >= ?";
    q.args.push_back(lower);
  }
  q.sql += " ORDER BY due_by, id LIMIT ?";
  return q;
}

std::vector<ObligationRow> Store::listObligations(const ObligationFilter& f) {
  const ListQuery list = obligationListQuery(f, isPostgres(s_));
  Query q(s_, list.sql);  // cached per combination of filters: the values are all bound
  for (const auto& a : list.args) q.bind(a);
  q.bind(static_cast<int64_t>(f.limit));
  return readObligations(q);
}

// Open obligations of the given kinds with no row in `table` naming them, in creation order.
std::vector<ObligationRow> Store::openObligationsWithout(const std::string& kinds_sql, const std::string& table,
                                                         const std::vector<std::string>& cases) {
  // For some cases, walk each case's own obligations: left to itself SQLite takes every pending obligation
  // in the store by status and keeps those of the cases, so a batch's letters cost the size of the store
  // (at a million events, minutes before an import's commit). For every case, by status.
  const bool postgres = isPostgres(s_);  // no INDEXED BY: PostgreSQL's planner has statistics
  std::string sql = std::string("SELECT ") + obligationColumns(postgres) + " FROM obligations" +
                    (cases.empty() || postgres ? "" : " INDEXED BY obligations_by_case") +
                    " WHERE status = 'pending' AND kind IN (" + kinds_sql + ") AND NOT EXISTS (SELECT 1 FROM " + table +
                    " x WHERE x.obligation_id = obligations.id)";
  if (!cases.empty()) {
    sql += " AND case_urn IN (";
    for (size_t i = 0; i < cases.size(); ++i) sql += i ? ", ?" : "?";
    sql += ")";
  }
  sql += " ORDER BY case_urn, created_n";
  Query q(s_, sql);
  for (const auto& a : cases) q.bind(a);
  return readObligations(q);
}

std::vector<ObligationRow> Store::obligationsWithoutLetters(const std::vector<std::string>& cases) {
  return openObligationsWithout("'letter', 'meeting'", "letters", cases);
}

std::vector<ObligationRow> Store::obligationsWithoutNotifications(const std::vector<std::string>& cases) {
  return openObligationsWithout("'notification'", "notifications", cases);
}

void Store::replaceMeetings(const std::string& urn, const std::vector<MeetingRow>& rows) {
  {
    Query q(s_, "DELETE FROM meetings WHERE case_urn = ?");
    q.bind(urn).run();
  }
  for (const auto& r : rows) {
    Query q(s_,
            "INSERT INTO meetings(id, case_urn, victim_id, area, meeting, state, held_obligation, held_due_by, body, "
            "opened_n) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    q.bind(r.id).bind(r.case_urn).bind(r.victim_id).bind(r.area).bind(r.meeting).bind(r.state);
    q.bindOrNull(r.held_obligation).bindOrNull(r.held_due_by).bind(r.body).bind(r.opened_n).run();
  }
}

namespace {

// The columns of kMeetingSelect, in its order.
std::vector<MeetingRow> readMeetings(Query& q) {
  std::vector<MeetingRow> out;
  while (q.next()) {
    MeetingRow r;
    int c = 0;
    for (std::string* field : {&r.id, &r.case_urn, &r.victim_id, &r.area, &r.meeting, &r.state, &r.held_obligation,
                               &r.held_due_by, &r.body})
      *field = q.text(c++);
    r.opened_n = q.int64(c);
    out.push_back(std::move(r));
  }
  return out;
}

constexpr const char* kMeetingSelect =
    "SELECT id, case_urn, victim_id, area, meeting, state, IFNULL(held_obligation, '') AS held_obligation, "
    "IFNULL(held_due_by, '') AS held_due_by, body, opened_n FROM meetings";

}  // namespace

std::vector<MeetingRow> Store::listMeetings(const MeetingFilter& f) {
  std::string sql = std::string(kMeetingSelect) + " WHERE 1 = 1";
  std::vector<std::string> args;
  for (auto [column, value] : std::vector<std::pair<const char*, const std::string*>>{
           {"state", &f.state}, {"meeting", &f.meeting}, {"case_urn", &f.case_urn}, {"victim_id", &f.victim_id},
           {"area", &f.area}}) {
    if (value->empty()) continue;
    sql += std::string(" AND ") + column + " = ?";
    args.push_back(*value);
  }
  // The table's column, not the answer's (never NULL): meetings without a deadline last, on both stores.
  sql += " ORDER BY meetings.held_due_by IS NULL, meetings.held_due_by, case_urn, opened_n LIMIT " +
         std::to_string(f.limit);
  Query q(s_, sql);
  for (auto& a : args) q.bind(a);
  return readMeetings(q);
}

std::vector<MeetingRow> Store::caseMeetings(const std::string& case_urn) {
  Query q(s_, std::string(kMeetingSelect) + " WHERE case_urn = ? ORDER BY opened_n");
  q.bind(case_urn);
  return readMeetings(q);
}

int64_t Store::addUser(const UserRow& r, const std::string& token_sha256) {
  // The name is unique (a constraint, so two daemons adding the same name cannot both succeed).
  Query q(s_,
          "INSERT INTO users(name, role, isva_id, area, token_sha256, created_at, password_hash) "
          "VALUES(?, ?, ?, ?, ?, ?, ?) ON CONFLICT(name) DO NOTHING RETURNING id");
  q.bind(r.name).bind(r.role).bindOrNull(r.isva_id).bindOrNull(r.area).bind(token_sha256).bind(r.created_at);
  q.bindOrNull(r.password_hash);
  if (!q.next()) throw Error(Error::Kind::kConflict, "user_exists", "a user named '" + r.name + "' already exists");
  return q.int64(0);
}

namespace {

std::optional<UserRow> findUser(Poco::Data::Session& s, const std::string& column, const std::string& value) {
  // `column` is one of three names fixed below, so three statements, each prepared once per connection.
  Query q(s, "SELECT id, name, role, IFNULL(isva_id, ''), IFNULL(area, ''), created_at, IFNULL(password_hash, '') "
             "FROM users WHERE " + column + " = ?");
  if (column == "id") {
    q.bind(static_cast<int64_t>(std::stoll(value)));
  } else {
    q.bind(value);
  }
  if (!q.next()) return std::nullopt;
  UserRow u;
  u.id = q.int64(0);
  int c = 1;
  for (std::string* f : {&u.name, &u.role, &u.isva_id, &u.area, &u.created_at, &u.password_hash}) *f = q.text(c++);
  return u;
}

}  // namespace

std::optional<UserRow> Store::userByTokenHash(const std::string& token_sha256) {
  return findUser(s_, "token_sha256", token_sha256);
}

std::optional<UserRow> Store::userByName(const std::string& name) { return findUser(s_, "name", name); }

std::optional<UserRow> Store::userById(int64_t id) { return findUser(s_, "id", std::to_string(id)); }

void Store::audit(const std::string& at, const std::string& actor, const std::string& action,
                  const std::string& subject, const std::string& detail) {
  AuditLog(s_).append(at, actor, action, subject, detail);
}

void Store::auditAll(const std::vector<AuditEntry>& entries) { AuditLog(s_).appendAll(entries); }

int64_t Store::auditCount(const std::string& action) { return AuditLog(s_).count(action); }

Store::Store(Connection& connection) : s_(sqlite(connection)) {}

}  // namespace vc::storage
