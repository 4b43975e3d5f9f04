#include "storage/ledger_store.h"
#include "storage/sqlite_connection.h"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Statement.h>

#include "domain/date.h"
#include "storage/sqlite_statement.h"

using namespace Poco::Data::Keywords;
using Poco::Data::Statement;

namespace vc::storage {

namespace {

// PostgreSQL: what SQLite's obligation_reasons_bump_case_version_insert and
// obligation_alerts_bump_case_version_insert do, written out: the obligation's case's change token moves.
void bumpObligationCase(Poco::Data::Session& s, const std::string& obligation_id) {
  Query q(s, "UPDATE case_versions SET version = version + 1 WHERE case_urn = "
             "(SELECT case_urn FROM obligations WHERE id = ?)");
  q.bind(obligation_id).run();
}

}  // namespace

void LedgerStore::appendReason(const ReasonRow& r) {
  Query q(s_,
          "INSERT INTO obligation_reasons(obligation_id, reason, note, outcome, recorded_by, recorded_at, "
          "correlation_id) VALUES(?, ?, ?, ?, ?, ?, ?)");
  q.bind(r.obligation_id).bind(r.reason).bind(r.note).bind(r.outcome).bind(r.recorded_by).bind(r.recorded_at);
  q.bind(r.correlation_id).run();
  if (isPostgres(s_)) bumpObligationCase(s_, r.obligation_id);
}

std::vector<ReasonRow> LedgerStore::reasons(const std::string& obligation_id) {
  Query q(s_,
          "SELECT n, obligation_id, reason, note, outcome, recorded_by, recorded_at, correlation_id "
          "FROM obligation_reasons WHERE obligation_id = ? ORDER BY n");
  q.bind(obligation_id);
  std::vector<ReasonRow> out;
  while (q.next()) {
    ReasonRow r;
    r.n = q.int64(0);
    int c = 1;
    for (std::string* f : {&r.obligation_id, &r.reason, &r.note, &r.outcome, &r.recorded_by, &r.recorded_at,
                           &r.correlation_id})
      *f = q.text(c++);
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<AlertCandidate> LedgerStore::candidates(const std::string& sql, const std::vector<std::string>& args) {
  Query q(s_, sql);
  for (const auto& a : args) q.bind(a);
  std::vector<AlertCandidate> out;
  while (q.next()) out.push_back({q.text(0), q.text(1), q.text(2), q.text(3), ""});
  return out;
}

std::vector<AlertCandidate> LedgerStore::unwarnedAtRisk(const std::string& today, const std::string& until) {
  return candidates(
      "SELECT id, rule, area, due_by FROM obligations o WHERE status = 'pending' AND due_by >= ? AND due_by <= ? "
      "AND NOT EXISTS (SELECT 1 FROM obligation_alerts a WHERE a.obligation_id = o.id AND a.alert = 'at_risk' "
      "AND a.due_by = o.due_by) ORDER BY due_by, id",
      {today, until});
}

std::vector<AlertCandidate> LedgerStore::unrecordedBreaches(const std::string& today) {
  return candidates(
      "SELECT id, rule, area, due_by FROM obligations o WHERE status = 'pending' AND due_by < ? "
      "AND NOT EXISTS (SELECT 1 FROM obligation_alerts a WHERE a.obligation_id = o.id AND a.alert = 'breached' "
      "AND a.due_by = o.due_by) ORDER BY due_by, id",
      {today});
}

std::vector<AlertCandidate> LedgerStore::alertsDue(const std::string& today) {
  Query q(s_,
          "SELECT id, rule, area, due_by, status FROM obligations WHERE alert_on IS NOT NULL AND alert_on <= ? "
          "ORDER BY due_by, id");
  q.bind(today);
  std::vector<AlertCandidate> out;
  while (q.next()) out.push_back({q.text(0), q.text(1), q.text(2), q.text(3), q.text(4)});
  return out;
}

void LedgerStore::setAlertOn(const std::string& obligation_id, const std::string& day) {
  // The sweep's own mark, shown nowhere: no change token moves (SQLite's bump triggers leave alert_on out).
  Query q(s_, "UPDATE obligations SET alert_on = NULLIF(?, '') WHERE id = ?");
  q.bind(day).bind(obligation_id).run();
}

bool LedgerStore::raiseAlert(const std::string& obligation_id, const std::string& alert, const std::string& due_by,
                             const std::string& raised_at) {
  const bool postgres = isPostgres(s_);
  Query q(s_, postgres ? "INSERT INTO obligation_alerts(obligation_id, alert, due_by, raised_at) VALUES(?, ?, ?, ?) "
                         "ON CONFLICT DO NOTHING"
                       : "INSERT OR IGNORE INTO obligation_alerts(obligation_id, alert, due_by, raised_at) "
                         "VALUES(?, ?, ?, ?)");
  q.bind(obligation_id).bind(alert).bind(due_by).bind(raised_at).run();
  const bool raised = q.changes() > 0;
  if (raised && postgres) bumpObligationCase(s_, obligation_id);
  return raised;
}

domain::CommunicationNeedCounts LedgerStore::communicationNeeds(const std::string& from, const std::string& to,
                                                                const std::string& area) {
  // PostgreSQL: json_array_elements and ->> for json_each and json_extract, and a condition counted as 1 or 0
  // (SQLite sums a comparison; PostgreSQL does not sum a boolean).
  const bool postgres = isPostgres(s_);
  auto blocked = [postgres](const char* code) {
    return postgres ? std::string("EXISTS (SELECT 1 FROM json_array_elements(l.blocked_by::json) b WHERE b ->> 'code' = '") +
                          code + "')"
                    : std::string("EXISTS (SELECT 1 FROM json_each(l.blocked_by) b WHERE json_extract(b.value, '$.code') = '") +
                          code + "')";
  };
  auto attached = [postgres](const char* field) {
    return postgres ? std::string("COALESCE(l.fields::json ->> '") + field + "', '') <> ''"
                    : std::string("IFNULL(json_extract(l.fields, '$.") + field + "'), '') <> ''";
  };
  auto sum = [postgres](const std::string& condition) {
    return "IFNULL(SUM(" + (postgres ? "(" + condition + ")::int" : condition) + "), 0)";
  };
  const std::string open = "l.state IN ('draft', 'blocked', 'rejected', 'approved')";
  std::string sql = "SELECT " +
                    sum(open + " AND " + blocked("needs_translation")) + ", " +
                    sum(open + " AND " + blocked("needs_easy_read")) + ", " +
                    sum("l.state <> 'withdrawn' AND " + attached("translation")) + ", " +
                    sum("l.state <> 'withdrawn' AND " + attached("easy_read_text")) + ", " +
                    // a phone call instead of a letter by an unsafe channel (or a phone task's call) is not a
                    // communication need met
                    sum("l.state = 'met_another_way' AND (" + blocked("needs_translation") + " OR " +
                        blocked("needs_easy_read") + " OR (NOT " + blocked("unsafe_channel") +
                        " AND l.channel <> 'phone'))") + " "
                    "FROM letters l JOIN obligations o ON o.id = l.obligation_id WHERE o.due_by >= ? AND o.due_by <= ?";
  std::vector<std::string> args = {from, to};
  if (!area.empty()) {
    sql += " AND o.area = ?";
    args.push_back(area);
  }
  Query q(s_, sql);
  for (const auto& a : args) q.bind(a);
  domain::CommunicationNeedCounts c;
  if (q.next()) {
    c.awaiting_translation = static_cast<int>(q.int64(0));
    c.awaiting_easy_read = static_cast<int>(q.int64(1));
    c.translation_attached = static_cast<int>(q.int64(2));
    c.easy_read_attached = static_cast<int>(q.int64(3));
    c.met_another_way = static_cast<int>(q.int64(4));
  }
  return c;
}

std::vector<domain::LedgerEntry> LedgerStore::entries(const std::string& from, const std::string& to,
                                                      const std::string& area) {
  // The ledger's fields survive a purge: only the explanation is replaced in a purged body.
  // PostgreSQL: ->> and #>> for json_extract (text; a missing key or a JSON null reads as NULL, as there).
  std::string sql =
      isPostgres(s_)
          ? "SELECT o.id, o.rule, o.basis, o.area, o.kind, o.victim_id, o.case_urn, "
            "COALESCE(o.body::json ->> 'right', '-1'), o.body::json ->> 'trigger_date', o.due_by, o.status, "
            "COALESCE(o.completed_at, ''), COALESCE(o.body::json ->> 'late_working_days', '-1'), "
            "COALESCE(o.body::json ->> 'completed_by_event', o.body::json ->> 'waived_by_event', "
            "o.body::json ->> 'cancelled_by_event', ''), "
            "COALESCE(r.reason, ''), COALESCE(r.note, ''), COALESCE(r.recorded_by, ''), COALESCE(r.recorded_at, ''), "
            "COALESCE((SELECT raised_at FROM obligation_alerts a WHERE a.obligation_id = o.id AND a.alert = 'breached' "
            "AND a.due_by = o.due_by), ''), "
            "COALESCE(o.body::json #>> '{extension,working_days}', '0'), "
            "COALESCE(o.body::json #>> '{extension,original_due_by}', '') "
            "FROM obligations o LEFT JOIN obligation_reasons r ON r.n = "
            "(SELECT MAX(n) FROM obligation_reasons x WHERE x.obligation_id = o.id) "
            "WHERE o.due_by >= ? AND o.due_by <= ?"
          :
      "SELECT o.id, o.rule, o.basis, o.area, o.kind, o.victim_id, o.case_urn, "
      "IFNULL(json_extract(o.body, '$.right'), -1), json_extract(o.body, '$.trigger_date'), o.due_by, o.status, "
      "IFNULL(o.completed_at, ''), IFNULL(json_extract(o.body, '$.late_working_days'), -1), "
      "COALESCE(json_extract(o.body, '$.completed_by_event'), json_extract(o.body, '$.waived_by_event'), "
      "json_extract(o.body, '$.cancelled_by_event'), ''), "
      "IFNULL(r.reason, ''), IFNULL(r.note, ''), IFNULL(r.recorded_by, ''), IFNULL(r.recorded_at, ''), "
      "IFNULL((SELECT raised_at FROM obligation_alerts a WHERE a.obligation_id = o.id AND a.alert = 'breached' "
      "AND a.due_by = o.due_by), ''), "
      "IFNULL(json_extract(o.body, '$.extension.working_days'), 0), "
      "IFNULL(json_extract(o.body, '$.extension.original_due_by'), '') "
      "FROM obligations o LEFT JOIN obligation_reasons r ON r.n = "
      "(SELECT MAX(n) FROM obligation_reasons x WHERE x.obligation_id = o.id) "
      "WHERE o.due_by >= ? AND o.due_by <= ?";
  std::vector<std::string> args = {from, to};
  if (!area.empty()) {
    sql += " AND o.area = ?";
    args.push_back(area);
  }
  sql += " ORDER BY o.due_by, o.id";
  Query q(s_, sql);
  for (const auto& a : args) q.bind(a);
  std::vector<domain::LedgerEntry> out;
  while (q.next()) {
    domain::LedgerEntry e;
    auto text = [&](int c) { return q.text(c); };
    e.id = text(0);
    e.rule = text(1);
    e.basis = text(2);
    e.area = text(3);
    e.kind = text(4);
    e.victim_id = text(5);
    e.case_urn = text(6);
    if (int right = static_cast<int>(q.int64(7)); right >= 0) e.right = right;
    e.trigger_date = *domain::Date::parse(text(8));
    e.due_by = *domain::Date::parse(text(9));
    e.status = text(10);
    if (auto at = domain::parseRfc3339(text(11))) e.completed_on = domain::londonDate(*at);
    if (int late = static_cast<int>(q.int64(12)); late >= 0) e.late_working_days = late;
    e.closed_by_event = text(13);
    e.reason = text(14);
    e.reason_note = text(15);
    e.reason_by = text(16);
    e.reason_at = text(17);
    e.breach_detected_at = text(18);
    e.extended_working_days = static_cast<int>(q.int64(19));
    e.original_due_by = domain::Date::parse(text(20));
    out.push_back(std::move(e));
  }
  return out;
}

LedgerStore::LedgerStore(Connection& connection) : s_(sqlite(connection)) {}

}  // namespace vc::storage
