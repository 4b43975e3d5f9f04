// The compliance ledger's arithmetic (rules.md section 4), as tables: when an
// open obligation is at risk, what outcome it has on a given day, the
// percentiles, and a small report whose every figure was worked out by hand.

#include <catch2/catch.hpp>

#include "domain/compliance.h"
#include "loading/policy_files.h"

using vc::domain::Date;
using vc::domain::LedgerEntry;

namespace {

const vc::domain::WorkingDayCalendar& calendar() {
  static const auto kCalendar = vc::loading::loadCalendar(VC_SOURCE_DIR "/config/calendars/england-and-wales.json");
  return kCalendar;
}

Date d(const char* text) { return *Date::parse(text); }

}  // namespace

TEST_CASE("An open obligation is at risk from today until the end of the next working day", "[compliance]") {
  struct Row {
    const char* today;
    const char* due;
    bool at_risk;
    const char* why;
  };
  const Row rows[] = {
      {"2026-06-10", "2026-06-10", true, "due today"},
      {"2026-06-10", "2026-06-11", true, "due tomorrow, a working day"},
      {"2026-06-10", "2026-06-12", false, "two working days away"},
      {"2026-06-10", "2026-06-09", false, "past its date: breached, not at risk"},
      {"2026-06-12", "2026-06-15", true, "Friday: Monday is the next working day"},
      {"2026-06-12", "2026-06-16", false, "Friday: Tuesday is two working days away"},
      {"2026-04-02", "2026-04-07", true, "Thursday before Easter: Tuesday is the next working day"},
      {"2026-12-24", "2026-12-29", true, "Christmas Eve: the 25th, 26th (Sat), 27th (Sun) and 28th (Boxing Day "
                                        "substitute) are skipped"},
  };
  for (const Row& r : rows) {
    INFO(r.why);
    CHECK(vc::domain::isAtRisk("pending", d(r.due), d(r.today), calendar()) == r.at_risk);
  }
  CHECK_FALSE(vc::domain::isAtRisk("met", d("2026-06-10"), d("2026-06-10"), calendar()));
  CHECK(vc::domain::atRiskUntil(d("2026-08-28"), calendar()) == d("2026-09-01"));  // Friday before the August bank holiday
}

TEST_CASE("An open obligation is breached from the day after its due date", "[compliance]") {
  LedgerEntry e;
  e.status = "pending";
  e.due_by = d("2026-04-07");
  CHECK(vc::domain::ledgerOutcome(e, d("2026-04-07")) == "pending");
  CHECK(vc::domain::ledgerOutcome(e, d("2026-04-08")) == "breached");
  e.status = "late";
  CHECK(vc::domain::ledgerOutcome(e, d("2026-04-20")) == "late");
}

TEST_CASE("Median and 90th percentile (nearest rank)", "[compliance]") {
  using vc::domain::median;
  using vc::domain::nearestRankPercentile;
  CHECK_FALSE(median({}).has_value());
  CHECK(*median({4}) == 4.0);
  CHECK(*median({3, 1, 2}) == 2.0);
  CHECK(*median({1, 1, 3, 1}) == 1.0);
  CHECK(*median({1, 2, 3, 4}) == 2.5);
  CHECK_FALSE(nearestRankPercentile({}, 90).has_value());
  CHECK(*nearestRankPercentile({7}, 90) == 7);
  CHECK(*nearestRankPercentile({1, 1, 1, 3}, 90) == 3);                       // rank ceil(3.6) = 4
  CHECK(*nearestRankPercentile({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 90) == 9);    // rank 9 exactly
  CHECK(*nearestRankPercentile({10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 11}, 90) == 10);  // rank ceil(9.9) = 10
}

TEST_CASE("Reason codes are the rule book's", "[compliance]") {
  for (const char* code : {"awaiting_reasons_from_prosecutor", "contact_details_missing", "victim_unreachable",
                           "partner_delay", "system_fault", "workload", "other"})
    CHECK(vc::domain::isMissReasonCode(code));
  CHECK_FALSE(vc::domain::isMissReasonCode("forgot"));
  CHECK_FALSE(vc::domain::isMissReasonCode(""));
}

TEST_CASE("A report counts outcomes per group, code and service standards apart, with figures worked by hand",
          "[compliance]") {
  auto entry = [](const char* id, const char* rule, const char* basis, std::optional<int> right, const char* area,
                  const char* trigger, const char* due, const char* status, const char* completed) {
    LedgerEntry e;
    e.id = id;
    e.rule = rule;
    e.basis = basis;
    e.right = right;
    e.area = area;
    e.trigger_date = d(trigger);
    e.due_by = d(due);
    e.status = status;
    if (*completed) e.completed_on = d(completed);
    return e;
  };
  std::vector<LedgerEntry> entries = {
      // Took 1, 3 (Wed 3 -> Mon 8 June), 1 and 1 working days; one breached, one waived, one still due.
      entry("a1", "WCU-HEARING", "code", 8, "South", "2026-06-01", "2026-06-02", "met", "2026-06-02"),
      entry("a2", "WCU-HEARING", "code", 8, "South", "2026-06-03", "2026-06-04", "late", "2026-06-08"),
      entry("a3", "WCU-HEARING", "code", 8, "South", "2026-06-09", "2026-06-10", "pending", ""),
      entry("a4", "WCU-HEARING", "code", 8, "South", "2026-06-11", "2026-06-12", "waived", ""),
      entry("b1", "WCU-HEARING", "code", 8, "North", "2026-06-15", "2026-06-16", "met", "2026-06-16"),
      entry("b2", "WCU-HEARING", "code", 8, "North", "2026-06-17", "2026-06-18", "met", "2026-06-18"),
      entry("b3", "WCU-HEARING", "code", 8, "North", "2026-06-29", "2026-06-30", "pending", ""),
      entry("b4", "VCL-NFA", "code", 6, "North", "2026-06-22", "2026-06-29", "cancelled", ""),
      entry("a5", "RASSO-INTRO", "service_standard", std::nullopt, "South", "2026-06-01", "2026-06-08", "met",
            "2026-06-05"),
      entry("old", "WCU-HEARING", "code", 8, "North", "2026-05-28", "2026-05-29", "met", "2026-05-29"),  // before `from`
  };
  entries[1].late_working_days = 2;
  const auto report = vc::domain::buildComplianceReport(entries, d("2026-06-01"), d("2026-06-30"),
                                                        vc::domain::GroupBy::kRule, d("2026-06-30"), calendar());
  REQUIRE(report.sections.size() == 2);
  const auto& code = report.sections[0];
  CHECK(code.basis == "code");
  REQUIRE(code.groups.size() == 2);
  CHECK(code.groups[0].key == "VCL-NFA");
  CHECK(code.groups[0].counts.cancelled == 1);
  CHECK_FALSE(code.groups[0].met_on_time_percent.has_value());  // nothing was due
  const auto& wcu = code.groups[1];
  CHECK(wcu.key == "WCU-HEARING");
  CHECK(wcu.counts.met == 3);
  CHECK(wcu.counts.late == 1);
  CHECK(wcu.counts.breached == 1);
  CHECK(wcu.counts.waived == 1);
  CHECK(wcu.counts.pending == 1);
  CHECK(wcu.counts.total() == 7);
  CHECK(*wcu.met_on_time_percent == Approx(60.0));  // 3 of the 5 due
  CHECK(wcu.completed == 4);
  CHECK(*wcu.median_working_days == 1.0);  // [1, 1, 1, 3]
  CHECK(*wcu.p90_working_days == 3);
  CHECK(code.total.counts.total() == 8);
  CHECK(*code.total.met_on_time_percent == Approx(60.0));
  const auto& service = report.sections[1];
  CHECK(service.basis == "service_standard");
  REQUIRE(service.groups.size() == 1);
  CHECK(*service.groups[0].median_working_days == 4.0);  // Mon 1 -> Fri 5 June
  CHECK(*service.groups[0].met_on_time_percent == Approx(100.0));

  REQUIRE(report.misses.size() == 2);
  CHECK(report.misses[0].entry.id == "a2");
  CHECK(report.misses[0].outcome == "late");
  CHECK(report.misses[0].working_days == 2);
  CHECK(report.misses[1].entry.id == "a3");
  CHECK(report.misses[1].outcome == "breached");
  CHECK(report.misses[1].working_days == 14);  // 11 June to 30 June, weekdays

  SECTION("grouped by area") {
    const auto by_area = vc::domain::buildComplianceReport(entries, d("2026-06-01"), d("2026-06-30"),
                                                           vc::domain::GroupBy::kArea, d("2026-06-30"), calendar());
    const auto& groups = by_area.sections[0].groups;
    REQUIRE(groups.size() == 2);
    CHECK(groups[0].key == "North");
    CHECK(*groups[0].met_on_time_percent == Approx(100.0));
    CHECK(groups[1].key == "South");
    CHECK(*groups[1].met_on_time_percent == Approx(100.0 / 3));
    CHECK(*groups[1].median_working_days == 2.0);  // [1, 3]
    CHECK(*groups[1].p90_working_days == 3);
  }
  SECTION("grouped by right: numbers in order") {
    const auto by_right = vc::domain::buildComplianceReport(entries, d("2026-06-01"), d("2026-06-30"),
                                                            vc::domain::GroupBy::kRight, d("2026-06-30"), calendar());
    const auto& groups = by_right.sections[0].groups;
    REQUIRE(groups.size() == 2);
    CHECK(groups[0].key == "6");
    CHECK(groups[1].key == "8");
    CHECK(by_right.sections[1].groups[0].key == "none");
  }
}
