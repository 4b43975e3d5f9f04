#include "storage/ledger_store.h"
#include "storage/sqlite_connection.h"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Statement.h>

#include "domain/date.h"

using namespace Poco::Data::Keywords;
using Poco::Data::Statement;

namespace vc::storage {

void LedgerStore::appendReason(const ReasonRow& r) {
  s_ << "INSERT INTO obligation_reasons(obligation_id, reason, note, outcome, recorded_by, recorded_at, "
        "correlation_id) VALUES(?, ?, ?, ?, ?, ?, ?)",
      bind(r.obligation_id), bind(r.reason), bind(r.note), bind(r.outcome), bind(r.recorded_by), bind(r.recorded_at),
      bind(r.correlation_id), now;
}

std::vector<ReasonRow> LedgerStore::reasons(const std::string& obligation_id) {
  Statement st(s_);
  std::string id = obligation_id;
  st << "SELECT n, obligation_id, reason, note, outcome, recorded_by, recorded_at, correlation_id "
        "FROM obligation_reasons WHERE obligation_id = ? ORDER BY n",
      bind(id);
  st.execute();
  Poco::Data::RecordSet rs(st);
  std::vector<ReasonRow> out;
  for (bool more = rs.moveFirst(); more; more = rs.moveNext()) {
    ReasonRow r;
    r.n = rs.value(0).convert<Poco::Int64>();
    size_t c = 1;
    for (std::string* f : {&r.obligation_id, &r.reason, &r.note, &r.outcome, &r.recorded_by, &r.recorded_at,
                           &r.correlation_id})
      *f = rs.value(c++).convert<std::string>();
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<AlertCandidate> LedgerStore::candidates(const std::string& sql, const std::vector<std::string>& args) {
  Statement st(s_);
  st << sql;
  std::vector<std::string> bound = args;
  for (auto& a : bound) st, bind(a);
  st.execute();
  Poco::Data::RecordSet rs(st);
  std::vector<AlertCandidate> out;
  for (bool more = rs.moveFirst(); more; more = rs.moveNext())
    out.push_back({rs.value(0).convert<std::string>(), rs.value(1).convert<std::string>(),
                   rs.value(2).convert<std::string>(), rs.value(3).convert<std::string>(), ""});
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
  Statement st(s_);
  std::string t = today;
  st << "SELECT id, rule, area, due_by, status FROM obligations WHERE alert_on IS NOT NULL AND alert_on <= ? "
        "ORDER BY due_by, id",
      bind(t);
  st.execute();
  Poco::Data::RecordSet rs(st);
  std::vector<AlertCandidate> out;
  for (bool more = rs.moveFirst(); more; more = rs.moveNext())
    out.push_back({rs.value(0).convert<std::string>(), rs.value(1).convert<std::string>(),
                   rs.value(2).convert<std::string>(), rs.value(3).convert<std::string>(),
                   rs.value(4).convert<std::string>()});
  return out;
}

void LedgerStore::setAlertOn(const std::string& obligation_id, const std::string& day) {
  s_ << "UPDATE obligations SET alert_on = NULLIF(?, '') WHERE id = ?", bind(day), bind(obligation_id), now;
}

bool LedgerStore::raiseAlert(const std::string& obligation_id, const std::string& alert, const std::string& due_by,
                             const std::string& raised_at) {
  s_ << "INSERT OR IGNORE INTO obligation_alerts(obligation_id, alert, due_by, raised_at) VALUES(?, ?, ?, ?)",
      bind(obligation_id), bind(alert), bind(due_by), bind(raised_at), now;
  Poco::Int64 n = 0;
  s_ << "SELECT changes()", into(n), now;
  return n > 0;
}

domain::CommunicationNeedCounts LedgerStore::communicationNeeds(const std::string& from, const std::string& to,
                                                                const std::string& area) {
  auto blocked = [](const char* code) {
    return std::string("EXISTS (SELECT 1 FROM json_each(l.blocked_by) b WHERE json_extract(b.value, '$.code') = '") +
           code + "')";
  };
  auto attached = [](const char* field) {
    return std::string("IFNULL(json_extract(l.fields, '$.") + field + "'), '') <> ''";
  };
  const std::string open = "l.state IN ('draft', 'blocked', 'rejected', 'approved')";
  std::string sql = "SELECT "
                    "IFNULL(SUM(" + open + " AND " + blocked("needs_translation") + "), 0), "
                    "IFNULL(SUM(" + open + " AND " + blocked("needs_easy_read") + "), 0), "
                    "IFNULL(SUM(l.state <> 'withdrawn' AND " + attached("translation") + "), 0), "
                    "IFNULL(SUM(l.state <> 'withdrawn' AND " + attached("easy_read_text") + "), 0), "
                    // a phone call instead of a letter by an unsafe channel (or a phone task's call) is not a
                    // communication need met
                    "IFNULL(SUM(l.state = 'met_another_way' AND (" + blocked("needs_translation") + " OR " +
                    blocked("needs_easy_read") + " OR (NOT " + blocked("unsafe_channel") +
                    " AND l.channel <> 'phone'))), 0) "
                    "FROM letters l JOIN obligations o ON o.id = l.obligation_id WHERE o.due_by >= ? AND o.due_by <= ?";
  std::vector<std::string> args = {from, to};
  if (!area.empty()) {
    sql += " AND o.area = ?";
    args.push_back(area);
  }
  Statement st(s_);
  st << sql;
  for (auto& a : args) st, bind(a);
  st.execute();
  Poco::Data::RecordSet rs(st);
  domain::CommunicationNeedCounts c;
  if (rs.moveFirst()) {
    c.awaiting_translation = rs.value(0).convert<int>();
    c.awaiting_easy_read = rs.value(1).convert<int>();
    c.translation_attached = rs.value(2).convert<int>();
    c.easy_read_attached = rs.value(3).convert<int>();
    c.met_another_way = rs.value(4).convert<int>();
  }
  return c;
}

std::vector<domain::LedgerEntry> LedgerStore::entries(const std::string& from, const std::string& to,
                                                      const std::string& area) {
  // The ledger's fields survive a purge: only the explanation is replaced in a purged body.
  std::string sql =
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
  Statement st(s_);
  st << sql;
  for (auto& a : args) st, bind(a);
  st.execute();
  Poco::Data::RecordSet rs(st);
  std::vector<domain::LedgerEntry> out;
  for (bool more = rs.moveFirst(); more; more = rs.moveNext()) {
    domain::LedgerEntry e;
    auto text = [&](size_t c) { return rs.value(c).convert<std::string>(); };
    e.id = text(0);
    e.rule = text(1);
    e.basis = text(2);
    e.area = text(3);
    e.kind = text(4);
    e.victim_id = text(5);
    e.case_urn = text(6);
    if (int right = rs.value(7).convert<int>(); right >= 0) e.right = right;
    e.trigger_date = *domain::Date::parse(text(8));
    e.due_by = *domain::Date::parse(text(9));
    e.status = text(10);
    if (auto at = domain::parseRfc3339(text(11))) e.completed_on = domain::londonDate(*at);
    if (int late = rs.value(12).convert<int>(); late >= 0) e.late_working_days = late;
    e.closed_by_event = text(13);
    e.reason = text(14);
    e.reason_note = text(15);
    e.reason_by = text(16);
    e.reason_at = text(17);
    e.breach_detected_at = text(18);
    e.extended_working_days = rs.value(19).convert<int>();
    e.original_due_by = domain::Date::parse(text(20));
    out.push_back(std::move(e));
  }
  return out;
}

LedgerStore::LedgerStore(Connection& connection) : s_(sqlite(connection)) {}

}  // namespace vc::storage
