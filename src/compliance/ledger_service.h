#pragma once
// The compliance ledger around the pure arithmetic (domain/compliance.h):
// the scheduler's sweep that raises each at-risk warning and records each
// breach once, as the clock passes; reasons given for a miss (append-only,
// audited); and the reports managers read. Holds references to services
// that outlive it; thread-safe (a session per call).

#include <string>
#include <vector>

#include <optional>

#include "domain/calendar.h"
#include "domain/clock.h"
#include "domain/compliance.h"
#include "storage/database.h"
#include "storage/records.h"

namespace vc::compliance {

struct SweepResult {
  int warned = 0;    // at-risk warnings raised this sweep
  int breached = 0;  // breaches recorded this sweep
  int looked = 0;    // obligations whose alert date had come (the rest were not read)
};

struct ReportQuery {
  domain::Date from, to;
  domain::GroupBy group_by = domain::GroupBy::kRule;
  std::string area;  // "" for every Area
};

class LedgerService {
 public:
  LedgerService(storage::Database& db, const domain::Clock& clock, const domain::WorkingDayCalendar& calendar)
      : db_(db), clock_(clock), calendar_(calendar) {}

  // Raises the at-risk warning of each open obligation due today or by the
  // next working day, and records the breach of each open obligation whose
  // due date has passed, each once per due date; each is audited (ids and
  // dates), and the log gets the counts. Reads only the obligations whose
  // alert date (obligations.alert_on) has come, and moves it on.
  SweepResult sweep();

  // Records why an obligation was late or breached. `area_scope` limits an
  // officer to their Area ("" for all). Throws vc::Error: 400 for an unknown
  // code, `other` without a note or a note too long; 404 for no such
  // obligation (or outside the Area); 409 when it is neither late nor breached.
  storage::ReasonRow recordReason(const std::string& obligation_id, const std::string& reason,
                                  const std::string& note, const std::string& recorded_by,
                                  const std::string& area_scope);

  // The report over obligations due in the period, as of today. Its misses
  // name victims by id, so the read is audited (read_compliance) as `reader`'s;
  // `format` is recorded with it.
  domain::ComplianceReport report(const ReportQuery& query, const std::string& reader, const std::string& format);
  // The same period grouped several ways (query.group_by is not used): one read, one audit entry.
  std::vector<domain::ComplianceReport> reports(const ReportQuery& query, const std::vector<domain::GroupBy>& groupings,
                                                const std::string& reader, const std::string& format);

  // From 90 days before the published bank holidays run out: what the operator must do (domain::calendarRunningOut).
  std::optional<std::string> calendarWarning() const {
    return domain::calendarRunningOut(calendar_, clock_.today());
  }
  const domain::Clock& clock() const { return clock_; }

  static constexpr size_t kMaxNoteBytes = 2000;

 private:
  storage::Database& db_;
  const domain::Clock& clock_;
  const domain::WorkingDayCalendar& calendar_;
};

}  // namespace vc::compliance
