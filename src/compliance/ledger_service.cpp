#include "compliance/ledger_service.h"

#include <Poco/Logger.h>

#include "common/correlation.h"
#include "common/error.h"
#include "domain/engine.h"
#include "storage/ledger_store.h"
#include "storage/store.h"

namespace vc::compliance {
namespace {

constexpr const char* kSystem = "system";

Poco::Logger& log() { return Poco::Logger::get("vc.ledger"); }


// When the sweep must next look at an open obligation due on `due`, having looked today: its breach date
// (the day after it is due) once it is in the at-risk window; before that, the first day whose window
// (today to the next working day) reaches it. Never once it is no longer open or its breach is recorded.
std::string nextLook(const storage::AlertCandidate& c, const domain::Date& today, const domain::Date& until,
                     const domain::WorkingDayCalendar& calendar) {
  if (c.status != "pending") return "";
  const auto due = domain::Date::parse(c.due_by);
  if (!due || *due < today) return "";
  if (*due <= until) return due->plusDays(1).toString();
  domain::Date d = *due;  // atRiskUntil only grows with the day, and atRiskUntil(today) < due: d > today
  for (int i = 0; i < 366 && today < d.plusDays(-1) && domain::atRiskUntil(d.plusDays(-1), calendar) >= *due; ++i)
    d = d.plusDays(-1);
  return d.toString();
}

}  // namespace

SweepResult LedgerService::sweep() {
  const domain::Date today = clock_.today();
  const std::string now = domain::formatRfc3339Utc(clock_.now());
  const domain::Date until_day = domain::atRiskUntil(today, calendar_);
  const std::string until = until_day.toString();
  auto lease = db_.session();
  storage::Connection& session = lease;
  storage::Store store(session);
  storage::LedgerStore ledger(session);
  storage::WriteTransaction tx(session);
  SweepResult result;
  // Only the obligations whose day has come (alert_on, by index): the rest cannot have changed without a
  // write, and every write of an obligation's status or due date sets its alert_on to look at once. The
  // dates are read and moved inside this write transaction, so no writer can change a row between the look
  // and the new date (invariant: an open obligation's alert_on is never later than the first day it could
  // be warned or breached).
  const auto due = ledger.alertsDue(today.toString());
  result.looked = static_cast<int>(due.size());
  for (const auto& c : due) {
    if (c.status != "pending" || c.due_by < today.toString() || c.due_by > until) continue;
    if (!ledger.raiseAlert(c.obligation_id, "at_risk", c.due_by, now)) continue;
    store.audit(now, kSystem, "obligation_at_risk", "obligation:" + c.obligation_id,
                "rule:" + c.rule + " due_by:" + c.due_by + " area:" + c.area);
    ++result.warned;
  }
  for (const auto& c : due) {
    if (c.status != "pending" || c.due_by >= today.toString()) continue;
    if (!ledger.raiseAlert(c.obligation_id, "breached", c.due_by, now)) continue;
    store.audit(now, kSystem, "obligation_breached", "obligation:" + c.obligation_id,
                "rule:" + c.rule + " due_by:" + c.due_by + " area:" + c.area);
    ++result.breached;
  }
  for (const auto& c : due) ledger.setAlertOn(c.obligation_id, nextLook(c, today, until_day, calendar_));
  tx.commit();
  // Counts only: which obligations (and so which victims) is in the audit log, for those allowed to read it.
  if (result.warned > 0)
    log().warning("%d obligations newly at risk (due by %s and not yet done): GET /api/v1/obligations?status=at_risk",
                  result.warned, until);
  if (result.breached > 0)
    log().warning("%d obligations newly breached (open past their due date): GET /api/v1/obligations?status=breached",
                  result.breached);
  return result;
}

storage::ReasonRow LedgerService::recordReason(const std::string& obligation_id, const std::string& reason,
                                               const std::string& note, const std::string& recorded_by,
                                               const std::string& area_scope) {
  if (!domain::isMissReasonCode(reason)) {
    std::string codes;
    for (const auto& c : domain::missReasonCodes()) codes += (codes.empty() ? "" : ", ") + c;
    throw Error(Error::Kind::kInvalidArgument, "invalid_reason", "reason: must be one of " + codes, {}, "reason");
  }
  if (reason == "other" && note.find_first_not_of(" \t\r\n") == std::string::npos)
    throw Error(Error::Kind::kInvalidArgument, "invalid_reason", "note: the reason `other` needs a note saying what it was",
                {}, "note");
  if (note.size() > kMaxNoteBytes)
    throw Error(Error::Kind::kInvalidArgument, "invalid_reason",
                "note: at most " + std::to_string(kMaxNoteBytes) + " bytes", {}, "note");

  auto lease = db_.session();
  storage::Connection& session = lease;
  storage::Store store(session);
  storage::WriteTransaction tx(session);
  auto row = store.findObligation(obligation_id);
  if (!row || (!area_scope.empty() && row->area != area_scope))
    throw Error(Error::Kind::kNotFound, "not_found", "no obligation " + obligation_id);
  const domain::Date today = clock_.today();
  const std::string outcome = domain::effectiveStatus(row->status, *domain::Date::parse(row->due_by), today);
  if (outcome != "late" && outcome != "breached")
    throw Error(Error::Kind::kConflict, "not_missed",
                "obligation " + obligation_id + " is " + outcome +
                    "; a reason is recorded only for a late or breached obligation");
  storage::ReasonRow r;
  r.obligation_id = obligation_id;
  r.reason = reason;
  r.note = note;
  r.outcome = outcome;
  r.recorded_by = recorded_by;
  r.recorded_at = domain::formatRfc3339Utc(clock_.now());
  r.correlation_id = correlationId();
  storage::LedgerStore(session).appendReason(r);
  // The note may name people: the audit keeps the code and the note's length, not its words.
  store.audit(r.recorded_at, recorded_by, "reason_recorded", "obligation:" + obligation_id,
              "reason:" + reason + " outcome:" + outcome + " note_bytes:" + std::to_string(note.size()));
  tx.commit();
  return r;
}

domain::ComplianceReport LedgerService::report(const ReportQuery& q, const std::string& reader,
                                               const std::string& format) {
  return reports(q, {q.group_by}, reader, format).front();
}

std::vector<domain::ComplianceReport> LedgerService::reports(const ReportQuery& q,
                                                             const std::vector<domain::GroupBy>& groupings,
                                                             const std::string& reader, const std::string& format) {
  auto lease = db_.session();
  storage::Connection& session = lease;
  storage::LedgerStore ledger(session);
  const auto entries = ledger.entries(q.from.toString(), q.to.toString(), q.area);
  const auto needs = ledger.communicationNeeds(q.from.toString(), q.to.toString(), q.area);
  std::string names;
  for (const auto g : groupings) names += (names.empty() ? "" : ",") + domain::groupByName(g);
  storage::Store(session).audit(domain::formatRfc3339Utc(clock_.now()), reader, "read_compliance",
                                "compliance:" + q.from.toString() + ".." + q.to.toString(),
                                "group_by:" + names + " format:" + format + (q.area.empty() ? "" : " area:" + q.area));
  std::vector<domain::ComplianceReport> out;
  for (const auto g : groupings)
    out.push_back(domain::buildComplianceReport(entries, q.from, q.to, g, clock_.today(), calendar_));
  for (auto& r : out) r.communication_needs = needs;
  return out;
}

}  // namespace vc::compliance
