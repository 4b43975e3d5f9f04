#include "storage/store.h"

#include "storage/audit_log.h"
#include "storage/database.h"
#include "storage/obligation_body.h"

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

std::vector<ObligationRow> readObligations(Statement& st) {
  std::vector<ObligationRow> out;
  Poco::Data::RecordSet rs(st);
  for (bool more = rs.moveFirst(); more; more = rs.moveNext()) {
    ObligationRow r;
    size_t c = 0;
    for (std::string* field : {&r.id, &r.rule, &r.policy, &r.basis, &r.kind, &r.victim_id, &r.case_urn, &r.area,
                               &r.trigger_event, &r.tier, &r.due_by, &r.status, &r.completed_at, &r.body})
      *field = rs.value(c++).convert<std::string>();
    r.body = unpackObligationBody(r.body, r);  // stored packed (obligation_body.h)
    r.created_n = rs.value(c++).convert<Poco::Int64>();
    for (std::string* field : {&r.latest_reason, &r.at_risk_raised_at, &r.breach_detected_at})
      *field = rs.value(c++).convert<std::string>();
    out.push_back(std::move(r));
  }
  return out;
}

VictimRow readVictim(Poco::Data::RecordSet& rs) {
  VictimRow v;
  v.victim_id = rs.value(0).convert<std::string>();
  v.case_urn = rs.value(1).convert<std::string>();
  v.enhanced = rs.value(2).convert<int>() != 0;
  v.reasons = rs.value(3).convert<std::string>();
  v.profile = rs.value(4).convert<std::string>();
  v.isva_id = rs.value(5).convert<std::string>();
  v.consent_to_share = rs.value(6).convert<int>() != 0;
  v.opted_out = rs.value(7).convert<std::string>();
  return v;
}

constexpr const char* kVictimColumns =
    "victim_id, case_urn, enhanced, reasons, profile, IFNULL(isva_id, ''), consent_to_share, opted_out";

}  // namespace

std::optional<std::string> Store::eventBody(const std::string& id) {
  std::vector<std::string> bodies;
  s_ << "SELECT body FROM events WHERE id = ?", bind(id), into(bodies), now;
  if (bodies.empty()) return std::nullopt;
  return bodies.front();
}

void Store::appendEvent(const EventRow& r) { appendEvents({r}); }

void Store::appendEvents(const std::vector<EventRow>& rows) {
  if (rows.empty()) return;
  std::vector<std::string> id, type, urn, victim, occurred, local, received, body;
  for (const auto& r : rows) {
    id.push_back(r.id);
    type.push_back(r.type);
    urn.push_back(r.case_urn);
    victim.push_back(r.victim_id);
    occurred.push_back(r.occurred_at);
    local.push_back(r.local_date);
    received.push_back(r.received_at);
    body.push_back(r.body);
  }
  s_ << "INSERT INTO events(id, type, case_urn, victim_id, occurred_at, local_date, received_at, body) "
        "VALUES(?, ?, NULLIF(?, ''), NULLIF(?, ''), ?, ?, ?, ?)",
      use(id), use(type), use(urn), use(victim), use(occurred), use(local), use(received), use(body), now;
}

std::vector<std::string> Store::caseEventBodies(const std::string& urn) {
  std::vector<std::string> bodies;
  s_ << "SELECT body FROM events WHERE case_urn = ? ORDER BY seq", bind(urn), into(bodies), now;
  return bodies;
}

std::vector<std::pair<int64_t, std::string>> Store::caseEventsAfter(const std::string& urn, int64_t after,
                                                                    int64_t* derived_from) {
  std::vector<Poco::Int64> seqs, derived;
  std::vector<std::string> bodies;
  Poco::Int64 from = after;
  s_ << "SELECT seq, body, IFNULL((SELECT last_event_seq FROM cases WHERE urn = ?), -1) FROM events "
        "WHERE case_urn = ? AND seq > ? ORDER BY seq",
      bind(urn), bind(urn), bind(from), into(seqs), into(bodies), into(derived), now;
  if (derived_from && !derived.empty()) *derived_from = derived.front();
  std::vector<std::pair<int64_t, std::string>> out;
  out.reserve(seqs.size());
  for (size_t i = 0; i < seqs.size(); ++i) out.emplace_back(seqs[i], std::move(bodies[i]));
  return out;
}

std::vector<EventRow> Store::caseTimeline(const std::string& urn) {
  Statement st(s_);
  st << "SELECT seq, id, type, IFNULL(case_urn, ''), IFNULL(victim_id, ''), occurred_at, local_date, received_at, body "
        "FROM events WHERE case_urn = ? ORDER BY seq",
      bind(urn);
  st.execute();
  Poco::Data::RecordSet rs(st);
  std::vector<EventRow> out;
  for (bool more = rs.moveFirst(); more; more = rs.moveNext()) {
    EventRow e;
    e.seq = rs.value(0).convert<Poco::Int64>();
    size_t c = 1;
    for (std::string* f : {&e.id, &e.type, &e.case_urn, &e.victim_id, &e.occurred_at, &e.local_date, &e.received_at,
                           &e.body})
      *f = rs.value(c++).convert<std::string>();
    out.push_back(std::move(e));
  }
  return out;
}

int64_t Store::eventCount() {
  Poco::Int64 n = 0;
  s_ << "SELECT COUNT(*) FROM events", into(n), now;
  return n;
}

std::vector<std::string> Store::caseUrns() {
  std::vector<std::string> urns;
  s_ << "SELECT urn FROM cases ORDER BY urn", into(urns), now;
  return urns;
}

std::optional<CaseRow> Store::findCase(const std::string& urn) {
  Statement st(s_);
  st << "SELECT urn, area, unit, details, registered_event FROM cases WHERE urn = ?", bind(urn);
  st.execute();
  Poco::Data::RecordSet rs(st);
  if (!rs.moveFirst()) return std::nullopt;
  CaseRow c;
  c.urn = rs.value(0).convert<std::string>();
  c.area = rs.value(1).convert<std::string>();
  c.unit = rs.value(2).convert<std::string>();
  c.details = rs.value(3).convert<std::string>();
  c.registered_event = rs.value(4).convert<std::string>();
  return c;
}

std::optional<std::string> Store::victimCase(const std::string& victim_id) {
  std::vector<std::string> urns;
  s_ << "SELECT case_urn FROM victims WHERE victim_id = ?", bind(victim_id), into(urns), now;
  if (urns.empty()) return std::nullopt;
  return urns.front();
}

bool Store::isvaExists(const std::string& isva_id) { return isvaDetails(isva_id).has_value(); }

std::optional<std::string> Store::isvaDetails(const std::string& isva_id) {
  std::vector<std::string> details;
  s_ << "SELECT details FROM isvas WHERE isva_id = ?", bind(isva_id), into(details), now;
  if (details.empty()) return std::nullopt;
  return details.front();
}

void Store::upsertIsva(const std::string& isva_id, const std::string& details, const std::string& event_id) {
  s_ << "INSERT INTO isvas(isva_id, details, registered_event) VALUES(?, ?, ?) "
        "ON CONFLICT(isva_id) DO UPDATE SET details = excluded.details, registered_event = excluded.registered_event",
      bind(isva_id), bind(details), bind(event_id), now;
}

void Store::upsertCase(const CaseRow& r, int64_t last_event_seq) {
  Poco::Int64 seq = last_event_seq;
  s_ << "INSERT INTO cases(urn, area, unit, details, registered_event, last_event_seq) VALUES(?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(urn) DO UPDATE SET area = excluded.area, unit = excluded.unit, details = excluded.details, "
        "last_event_seq = excluded.last_event_seq",
      bind(r.urn), bind(r.area), bind(r.unit), bind(r.details), bind(r.registered_event), bind(seq), now;
}

void Store::upsertVictim(const VictimRow& r) {
  int enhanced = r.enhanced ? 1 : 0, consent = r.consent_to_share ? 1 : 0;
  s_ << "INSERT INTO victims(victim_id, case_urn, enhanced, reasons, profile, isva_id, consent_to_share, opted_out) "
        "VALUES(?, ?, ?, ?, ?, NULLIF(?, ''), ?, ?) "
        "ON CONFLICT(victim_id) DO UPDATE SET enhanced = excluded.enhanced, reasons = excluded.reasons, "
        "profile = excluded.profile, isva_id = excluded.isva_id, consent_to_share = excluded.consent_to_share, "
        "opted_out = excluded.opted_out",
      bind(r.victim_id), bind(r.case_urn), bind(enhanced), bind(r.reasons), bind(r.profile), bind(r.isva_id),
      bind(consent), bind(r.opted_out), now;
}

void Store::replaceEntitlementChanges(const std::string& victim_id, const std::vector<EntitlementChangeRow>& rows) {
  s_ << "DELETE FROM entitlement_changes WHERE victim_id = ?", bind(victim_id), now;
  int n = 0;
  for (const auto& r : rows) {
    int from = r.from_enhanced, to = r.to_enhanced;
    s_ << "INSERT INTO entitlement_changes(victim_id, n, event_id, date, from_enhanced, to_enhanced, reasons) "
          "VALUES(?, ?, ?, ?, ?, ?, ?)",
        bind(victim_id), bind(n), bind(r.event_id), bind(r.date), bind(from), bind(to), bind(r.reasons), now;
    ++n;
  }
}

void Store::armCaseCheck(const std::string& urn) {
  // A store not yet at version 15 has no case_checks (a test writing an older store through this code).
  if (!has_case_checks_) {
    int found = 0;
    s_ << "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'case_checks'", into(found), now;
    has_case_checks_ = found > 0;
  }
  if (!*has_case_checks_) return;
  std::string key = urn;
  s_ << "UPDATE case_checks SET armed = random() WHERE case_urn = ?", use(key), now;
  if (changedRows(s_) == 0) s_ << "INSERT INTO case_checks(case_urn, armed) VALUES(?, random())", use(key), now;
}

void Store::upsertObligations(const std::vector<ObligationRow>& rows) {
  if (rows.empty()) return;
  std::vector<std::string> id, rule, policy, basis, kind, victim, urn, area, trigger, tier, due, status, completed, body;
  std::vector<Poco::Int64> created;
  for (const auto& r : rows) {
    id.push_back(r.id);
    rule.push_back(r.rule);
    policy.push_back(r.policy);
    basis.push_back(r.basis);
    kind.push_back(r.kind);
    victim.push_back(r.victim_id);
    urn.push_back(r.case_urn);
    area.push_back(r.area);
    trigger.push_back(r.trigger_event);
    tier.push_back(r.tier);
    due.push_back(r.due_by);
    status.push_back(r.status);
    completed.push_back(r.completed_at);
    body.push_back(packObligationBody(r.body, r));  // read back as given (obligation_body.h)
    created.push_back(r.created_n);
  }
  s_ << "INSERT INTO obligations(id, rule, policy, basis, kind, victim_id, case_urn, area, trigger_event, tier, "
        "due_by, status, completed_at, body, created_n) "
        "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULLIF(?, ''), ?, ?) "
        "ON CONFLICT(id) DO UPDATE SET tier = excluded.tier, due_by = excluded.due_by, status = excluded.status, "
        "completed_at = excluded.completed_at, body = excluded.body, area = excluded.area, "
        "policy = excluded.policy, basis = excluded.basis, kind = excluded.kind "
        // The body is stored packed (obligation_body.h), without what these columns hold: a change to one
        // of them alone must still be written.
        "WHERE body IS NOT excluded.body OR tier IS NOT excluded.tier OR policy IS NOT excluded.policy "
        "OR basis IS NOT excluded.basis OR kind IS NOT excluded.kind",
      use(id), use(rule), use(policy), use(basis), use(kind), use(victim), use(urn), use(area), use(trigger),
      use(tier), use(due), use(status), use(completed), use(body), use(created), now;
}

std::optional<VictimRow> Store::findVictim(const std::string& victim_id) {
  Statement st(s_);
  st << std::string("SELECT ") + kVictimColumns + " FROM victims WHERE victim_id = ?", bind(victim_id);
  st.execute();
  Poco::Data::RecordSet rs(st);
  if (!rs.moveFirst()) return std::nullopt;
  return readVictim(rs);
}

std::vector<VictimRow> Store::caseVictims(const std::string& urn) {
  Statement st(s_);
  st << std::string("SELECT ") + kVictimColumns + " FROM victims WHERE case_urn = ? ORDER BY rowid", bind(urn);
  st.execute();
  Poco::Data::RecordSet rs(st);
  std::vector<VictimRow> out;
  for (bool more = rs.moveFirst(); more; more = rs.moveNext()) out.push_back(readVictim(rs));
  return out;
}

std::vector<EntitlementChangeRow> Store::entitlementChanges(const std::string& victim_id) {
  Statement st(s_);
  st << "SELECT event_id, date, from_enhanced, to_enhanced, reasons FROM entitlement_changes "
        "WHERE victim_id = ? ORDER BY n",
      bind(victim_id);
  st.execute();
  Poco::Data::RecordSet rs(st);
  std::vector<EntitlementChangeRow> out;
  for (bool more = rs.moveFirst(); more; more = rs.moveNext()) {
    EntitlementChangeRow r;
    r.victim_id = victim_id;
    r.event_id = rs.value(0).convert<std::string>();
    r.date = rs.value(1).convert<std::string>();
    r.from_enhanced = rs.value(2).convert<int>() != 0;
    r.to_enhanced = rs.value(3).convert<int>() != 0;
    r.reasons = rs.value(4).convert<std::string>();
    out.push_back(std::move(r));
  }
  return out;
}

std::optional<ObligationRow> Store::findObligation(const std::string& id) {
  Statement st(s_);
  st << std::string("SELECT ") + kObligationColumns + " FROM obligations WHERE id = ?", bind(id);
  st.execute();
  auto rows = readObligations(st);
  if (rows.empty()) return std::nullopt;
  return rows.front();
}

std::map<std::string, ObligationState> Store::obligationStates(const std::string& case_urn) {
  std::vector<std::string> ids, statuses, due, tiers, bases;
  s_ << "SELECT id, status, due_by, tier, basis FROM obligations WHERE case_urn = ?", bind(case_urn), into(ids),
      into(statuses), into(due), into(tiers), into(bases), now;
  std::map<std::string, ObligationState> out;
  for (size_t i = 0; i < ids.size(); ++i) out[ids[i]] = {statuses[i], due[i], tiers[i], bases[i]};
  return out;
}

std::vector<ObligationRow> Store::listObligations(const ObligationFilter& f) {
  std::string sql = std::string("SELECT ") + kObligationColumns + " FROM obligations WHERE 1 = 1";
  std::vector<std::string> args;
  auto eq = [&](const char* column, const std::string& value) {
    if (value.empty()) return;
    sql += std::string(" AND ") + column + " = ?";
    args.push_back(value);
  };
  eq("rule", f.rule);
  eq("victim_id", f.victim_id);
  eq("case_urn", f.case_urn);
  eq("area", f.area);
  eq("basis", f.basis);
  eq("kind", f.kind);
  // breached and pending depend on today: an open obligation is breached once its day has passed.
  if (f.status == "breached") {
    sql += " AND status = 'pending' AND due_by < ?";
    args.push_back(f.today);
  } else if (f.status == "pending") {
    sql += " AND status = 'pending' AND due_by >= ?";
    args.push_back(f.today);
  } else if (f.status == "at_risk") {
    sql += " AND status = 'pending' AND due_by >= ? AND due_by <= ?";
    args.push_back(f.today);
    args.push_back(f.at_risk_until);
  } else if (f.status == "open") {
    sql += " AND status = 'pending'";
  } else {
    eq("status", f.status);
  }
  if (!f.due_before.empty()) {
    sql += " AND due_by <= ?";
    args.push_back(f.due_before);
  }
  if (!f.due_after.empty()) {
    sql += " AND due_by >= ?";
    args.push_back(f.due_after);
  }
  if (!f.after_due.empty()) {
    sql += " AND (due_by, id) > (?, ?)";  // a keyset cursor the (..., due_by, id) indexes start from
    args.push_back(f.after_due);
    args.push_back(f.after_id);
  }
  sql += " ORDER BY due_by, id LIMIT " + std::to_string(f.limit);
  Statement st(s_);
  st << sql;
  for (auto& a : args) st, bind(a);
  st.execute();
  return readObligations(st);
}

// Open obligations of the given kinds with no row in `table` naming them, in creation order.
std::vector<ObligationRow> Store::openObligationsWithout(const std::string& kinds_sql, const std::string& table,
                                                         const std::vector<std::string>& cases) {
  std::string sql = std::string("SELECT ") + kObligationColumns + " FROM obligations WHERE status = 'pending' AND kind IN (" +
                    kinds_sql + ") AND NOT EXISTS (SELECT 1 FROM " + table +
                    " x WHERE x.obligation_id = obligations.id)";
  if (!cases.empty()) {
    sql += " AND case_urn IN (";
    for (size_t i = 0; i < cases.size(); ++i) sql += i ? ", ?" : "?";
    sql += ")";
  }
  sql += " ORDER BY case_urn, created_n";
  Statement st(s_);
  st << sql;
  std::vector<std::string> args = cases;
  for (auto& a : args) st, bind(a);
  st.execute();
  return readObligations(st);
}

std::vector<ObligationRow> Store::obligationsWithoutLetters(const std::vector<std::string>& cases) {
  return openObligationsWithout("'letter', 'meeting'", "letters", cases);
}

std::vector<ObligationRow> Store::obligationsWithoutNotifications(const std::vector<std::string>& cases) {
  return openObligationsWithout("'notification'", "notifications", cases);
}

void Store::replaceMeetings(const std::string& urn, const std::vector<MeetingRow>& rows) {
  s_ << "DELETE FROM meetings WHERE case_urn = ?", bind(urn), now;
  for (const auto& r : rows) {
    Poco::Int64 n = r.opened_n;
    s_ << "INSERT INTO meetings(id, case_urn, victim_id, area, meeting, state, held_obligation, held_due_by, body, "
          "opened_n) VALUES(?, ?, ?, ?, ?, ?, NULLIF(?, ''), NULLIF(?, ''), ?, ?)",
        bind(r.id), bind(r.case_urn), bind(r.victim_id), bind(r.area), bind(r.meeting), bind(r.state),
        bind(r.held_obligation), bind(r.held_due_by), bind(r.body), bind(n), now;
  }
}

namespace {

std::vector<MeetingRow> readMeetings(Statement& st) {
  st.execute();
  Poco::Data::RecordSet rs(st);
  std::vector<MeetingRow> out;
  for (bool more = rs.moveFirst(); more; more = rs.moveNext()) {
    MeetingRow r;
    r.opened_n = rs.value("opened_n").convert<Poco::Int64>();
    for (auto [field, column] : std::vector<std::pair<std::string*, const char*>>{
             {&r.id, "id"}, {&r.case_urn, "case_urn"}, {&r.victim_id, "victim_id"}, {&r.area, "area"},
             {&r.meeting, "meeting"}, {&r.state, "state"}, {&r.held_obligation, "held_obligation"},
             {&r.held_due_by, "held_due_by"}, {&r.body, "body"}})
      *field = rs.value(column).convert<std::string>();
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
  sql += " ORDER BY held_due_by IS NULL, held_due_by, case_urn, opened_n LIMIT " + std::to_string(f.limit);
  Statement st(s_);
  st << sql;
  for (auto& a : args) st, bind(a);
  return readMeetings(st);
}

std::vector<MeetingRow> Store::caseMeetings(const std::string& case_urn) {
  Statement st(s_);
  std::string urn = case_urn;
  st << std::string(kMeetingSelect) + " WHERE case_urn = ? ORDER BY opened_n", bind(urn);
  return readMeetings(st);
}

int64_t Store::addUser(const UserRow& r, const std::string& token_sha256) {
  s_ << "INSERT INTO users(name, role, isva_id, area, token_sha256, created_at, password_hash) VALUES(?, ?, "
        "NULLIF(?, ''), NULLIF(?, ''), ?, ?, NULLIF(?, ''))",
      bind(r.name), bind(r.role), bind(r.isva_id), bind(r.area), bind(token_sha256), bind(r.created_at),
      bind(r.password_hash), now;
  Poco::Int64 id = 0;
  s_ << "SELECT last_insert_rowid()", into(id), now;
  return id;
}

namespace {

std::optional<UserRow> findUser(Poco::Data::Session& s, const std::string& column, const std::string& value) {
  Statement st(s);
  std::string v = value;
  st << "SELECT id, name, role, IFNULL(isva_id, ''), IFNULL(area, ''), created_at, IFNULL(password_hash, '') "
        "FROM users WHERE " + column + " = ?",
      bind(v);
  st.execute();
  Poco::Data::RecordSet rs(st);
  if (!rs.moveFirst()) return std::nullopt;
  UserRow u;
  u.id = rs.value(0).convert<Poco::Int64>();
  size_t c = 1;
  for (std::string* f : {&u.name, &u.role, &u.isva_id, &u.area, &u.created_at, &u.password_hash})
    *f = rs.value(c++).convert<std::string>();
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

}  // namespace vc::storage
