#pragma once
// The compliance ledger's arithmetic (rules.md section 4): the outcome each
// obligation ends in, when an open one is at risk, the reason codes a person
// may give for a miss, and the figures a manager reports: counts per
// outcome, the share met on time, and how many working days obligations
// took from trigger to completion. Pure: the same entries, period and
// calendar give the same report.

#include <optional>
#include <string>
#include <vector>

#include "domain/calendar.h"
#include "domain/date.h"

namespace vc::domain {

// Why a deadline was missed (rules.md section 4); `other` needs a note.
const std::vector<std::string>& missReasonCodes();
bool isMissReasonCode(const std::string& code);

// An open obligation is at risk when it is due today or by the end of the
// next working day (so on a Friday, Monday's are at risk too).
Date atRiskUntil(const Date& today, const WorkingDayCalendar& calendar);
bool isAtRisk(const std::string& stored_status, const Date& due_by, const Date& today,
              const WorkingDayCalendar& calendar);

// One obligation as the ledger counts it.
struct LedgerEntry {
  std::string id, rule, basis, area, kind, victim_id, case_urn;
  std::optional<int> right;
  Date trigger_date, due_by;
  std::string status;                 // as stored: pending | met | late | waived | cancelled
  std::optional<Date> completed_on;   // the Europe/London date it was done (met or late)
  std::optional<int> late_working_days;
  std::string closed_by_event;        // what completed, waived or cancelled it
  std::string reason, reason_note, reason_by, reason_at;  // the latest reason given, if any
  std::string breach_detected_at;     // when the scheduler saw it pass its due date, if it did
  int extended_working_days = 0;      // how far its due date was moved on purpose (vrr.extended); 0: never
  std::optional<Date> original_due_by;  // the due date before any extension
};

// The outcome on `today`: an open obligation past its due date is breached.
std::string ledgerOutcome(const LedgerEntry& e, const Date& today);

enum class GroupBy { kRule, kRight, kArea, kBasis, kMonth };
std::optional<GroupBy> parseGroupBy(const std::string& text);
std::string groupByName(GroupBy g);
extern const char* const kGroupByChoices;  // "rule, right, area, basis, month"

struct OutcomeCounts {
  int pending = 0, met = 0, late = 0, breached = 0, waived = 0, cancelled = 0;
  int total() const { return pending + met + late + breached + waived + cancelled; }
  int due() const { return met + late + breached; }  // those whose deadline has passed or been met
};

struct ReportGroup {
  std::string key;  // the rule id, right number ("none" for a service standard without one), area, basis or YYYY-MM
  OutcomeCounts counts;
  std::optional<double> met_on_time_percent;  // met / (met + late + breached); none when nothing was due
  int completed = 0;                          // met + late: the ones with a completion time
  std::optional<double> median_working_days;  // trigger to completion
  std::optional<int> p90_working_days;        // nearest rank
  int extended = 0;                           // how many had their due date extended (counted by their new date)
};

// code and service_standard obligations are reported apart (rules.md section 4).
struct ReportSection {
  std::string basis;
  std::vector<ReportGroup> groups;  // in key order
  ReportGroup total;
};

// An obligation whose due date was extended, with its outcome against the new date.
struct Extension {
  LedgerEntry entry;
  std::string outcome;
};

// A late or breached obligation, with the reason a person gave (if any yet).
struct Miss {
  LedgerEntry entry;
  std::string outcome;   // late | breached
  int working_days = 0;  // late by (late) or overdue by, as of today (breached)
};

// Communication needs (Victims' Code Right 1) among the letters of the
// obligations due in the period: those still waiting for a translation or an
// Easy Read version (or a record of how the need was met), those that carry
// one, and those whose content reached the victim another way.
struct CommunicationNeedCounts {
  int awaiting_translation = 0;  // open letters blocked by needs_translation
  int awaiting_easy_read = 0;    // open letters blocked by needs_easy_read
  int translation_attached = 0;  // letters (not withdrawn) carrying a translation
  int easy_read_attached = 0;    // letters (not withdrawn) carrying Easy Read text
  int met_another_way = 0;       // letters whose obligation was met another way (state met_another_way)
};

struct ComplianceReport {
  Date from, to, today;
  GroupBy group_by = GroupBy::kRule;
  std::vector<ReportSection> sections;  // code, then service_standard
  std::vector<Miss> misses;             // by due date, then id
  std::vector<Extension> extensions;    // by due date, then id
  CommunicationNeedCounts communication_needs;  // filled by the ledger service from the letters
};

// Obligations due from `from` to `to` (inclusive) count; others are ignored.
ComplianceReport buildComplianceReport(const std::vector<LedgerEntry>& entries, const Date& from, const Date& to,
                                       GroupBy group_by, const Date& today, const WorkingDayCalendar& calendar);

// The median of the values (the mean of the middle two for an even count); none when empty.
std::optional<double> median(std::vector<int> values);
// The nearest-rank percentile: the smallest value with at least p% of values at or below it.
std::optional<int> nearestRankPercentile(std::vector<int> values, int p);

}  // namespace vc::domain
