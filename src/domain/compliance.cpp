#include "domain/compliance.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "domain/engine.h"

namespace vc::domain {

const std::vector<std::string>& missReasonCodes() {
  static const std::vector<std::string> kCodes = {
      "awaiting_reasons_from_prosecutor", "contact_details_missing", "victim_unreachable", "partner_delay",
      "system_fault",                     "workload",                "other"};
  return kCodes;
}

bool isMissReasonCode(const std::string& code) {
  const auto& codes = missReasonCodes();
  return std::find(codes.begin(), codes.end(), code) != codes.end();
}

Date atRiskUntil(const Date& today, const WorkingDayCalendar& calendar) {
  return calendar.addWorkingDays(today, 1).result;
}

bool isAtRisk(const std::string& stored_status, const Date& due_by, const Date& today,
              const WorkingDayCalendar& calendar) {
  return stored_status == "pending" && due_by >= today && due_by <= atRiskUntil(today, calendar);
}

std::string ledgerOutcome(const LedgerEntry& e, const Date& today) { return effectiveStatus(e.status, e.due_by, today); }

const char* const kGroupByChoices = "rule, right, area, basis, month";

std::optional<GroupBy> parseGroupBy(const std::string& text) {
  if (text == "rule") return GroupBy::kRule;
  if (text == "right") return GroupBy::kRight;
  if (text == "area") return GroupBy::kArea;
  if (text == "basis") return GroupBy::kBasis;
  if (text == "month") return GroupBy::kMonth;
  return std::nullopt;
}

std::string groupByName(GroupBy g) {
  switch (g) {
    case GroupBy::kRule: return "rule";
    case GroupBy::kRight: return "right";
    case GroupBy::kArea: return "area";
    case GroupBy::kBasis: return "basis";
    case GroupBy::kMonth: return "month";
  }
  return "rule";
}

std::optional<double> median(std::vector<int> values) {
  if (values.empty()) return std::nullopt;
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  if (n % 2 == 1) return values[n / 2];
  return (values[n / 2 - 1] + values[n / 2]) / 2.0;
}

std::optional<int> nearestRankPercentile(std::vector<int> values, int p) {
  if (values.empty()) return std::nullopt;
  std::sort(values.begin(), values.end());
  // rank = ceil(p/100 * n), in integers so 90% of 10 is exactly 9.
  const size_t n = values.size();
  size_t rank = (static_cast<size_t>(p) * n + 99) / 100;
  rank = std::max<size_t>(rank, 1);
  return values[rank - 1];
}

namespace {

std::string groupKey(const LedgerEntry& e, GroupBy g) {
  switch (g) {
    case GroupBy::kRule: return e.rule;
    case GroupBy::kRight: return e.right ? std::to_string(*e.right) : "none";
    case GroupBy::kArea: return e.area;
    case GroupBy::kBasis: return e.basis;
    case GroupBy::kMonth: return e.due_by.toString().substr(0, 7);
  }
  return e.rule;
}

// Rights sort as numbers (2 before 10), "none" last; other keys as text.
bool keyBefore(const std::string& a, const std::string& b, GroupBy g) {
  if (g == GroupBy::kRight) {
    const bool a_none = a == "none", b_none = b == "none";
    if (a_none || b_none) return !a_none && b_none;
    return std::stoi(a) < std::stoi(b);
  }
  return a < b;
}

struct Tally {
  OutcomeCounts counts;
  std::vector<int> working_days;  // trigger to completion, for met and late
  int extended = 0;

  void add(const std::string& outcome, std::optional<int> took, bool was_extended) {
    if (was_extended) ++extended;
    if (outcome == "pending") ++counts.pending;
    else if (outcome == "met") ++counts.met;
    else if (outcome == "late") ++counts.late;
    else if (outcome == "breached") ++counts.breached;
    else if (outcome == "waived") ++counts.waived;
    else if (outcome == "cancelled") ++counts.cancelled;
    if (took) working_days.push_back(*took);
  }

  ReportGroup finish(std::string key) const {
    ReportGroup g;
    g.key = std::move(key);
    g.counts = counts;
    if (counts.due() > 0) g.met_on_time_percent = 100.0 * counts.met / counts.due();
    g.completed = static_cast<int>(working_days.size());
    g.median_working_days = median(working_days);
    g.p90_working_days = nearestRankPercentile(working_days, 90);
    g.extended = extended;
    return g;
  }
};

}  // namespace

ComplianceReport buildComplianceReport(const std::vector<LedgerEntry>& entries, const Date& from, const Date& to,
                                       GroupBy group_by, const Date& today, const WorkingDayCalendar& calendar) {
  ComplianceReport report;
  report.from = from;
  report.to = to;
  report.today = today;
  report.group_by = group_by;
  std::vector<std::string> bases = {"code", "service_standard"};
  std::map<std::string, std::map<std::string, Tally>> by_basis;  // basis -> key -> tally
  std::map<std::string, Tally> totals;
  for (const LedgerEntry& e : entries) {
    if (e.due_by < from || e.due_by > to) continue;
    const std::string outcome = ledgerOutcome(e, today);
    std::optional<int> took;
    if ((outcome == "met" || outcome == "late") && e.completed_on)
      took = calendar.workingDaysBetween(e.trigger_date, *e.completed_on);
    const bool extended = e.extended_working_days > 0;
    by_basis[e.basis][groupKey(e, group_by)].add(outcome, took, extended);
    totals[e.basis].add(outcome, took, extended);
    if (extended) report.extensions.push_back({e, outcome});
    if (outcome == "late")
      report.misses.push_back({e, outcome, e.late_working_days.value_or(0)});
    else if (outcome == "breached")
      report.misses.push_back({e, outcome, calendar.workingDaysBetween(e.due_by, today)});
  }
  for (const auto& [basis, groups] : by_basis)
    if (std::find(bases.begin(), bases.end(), basis) == bases.end()) bases.push_back(basis);
  for (const std::string& basis : bases) {
    ReportSection section;
    section.basis = basis;
    std::vector<std::string> keys;
    for (const auto& [key, tally] : by_basis[basis]) keys.push_back(key);
    std::sort(keys.begin(), keys.end(),
              [group_by](const std::string& a, const std::string& b) { return keyBefore(a, b, group_by); });
    for (const auto& key : keys) section.groups.push_back(by_basis[basis][key].finish(key));
    section.total = totals[basis].finish("total");
    report.sections.push_back(std::move(section));
  }
  std::sort(report.misses.begin(), report.misses.end(), [](const Miss& a, const Miss& b) {
    return a.entry.due_by != b.entry.due_by ? a.entry.due_by < b.entry.due_by : a.entry.id < b.entry.id;
  });
  std::sort(report.extensions.begin(), report.extensions.end(), [](const Extension& a, const Extension& b) {
    return a.entry.due_by != b.entry.due_by ? a.entry.due_by < b.entry.due_by : a.entry.id < b.entry.id;
  });
  return report;
}

}  // namespace vc::domain
