#include <catch2/catch.hpp>

#include "domain/calendar.h"
#include "loading/policy_files.h"

using vc::domain::Date;
using vc::domain::londonDate;
using vc::domain::parseRfc3339;

namespace {
const vc::domain::WorkingDayCalendar& calendar() {
  static const auto kCalendar = vc::loading::loadCalendar(VC_SOURCE_DIR "/config/calendars/england-and-wales.json");
  return kCalendar;
}
}  // namespace

// Every row of shared/domain/deadline-examples.md.
TEST_CASE("deadlines count N working days after the London date of the trigger", "[domain][calendar]") {
  auto [occurred_at, n, due] = GENERATE(table<const char*, int, const char*>({
      {"2026-04-02T15:20:00+01:00", 1, "2026-04-07"},  // Thursday before Easter
      {"2026-04-02T15:20:00+01:00", 5, "2026-04-13"},
      {"2026-04-03T10:00:00+01:00", 1, "2026-04-07"},  // Good Friday
      {"2026-04-04T10:00:00+01:00", 1, "2026-04-07"},  // Saturday
      {"2026-04-05T23:30:00Z", 1, "2026-04-07"},       // 00:30 BST Easter Monday
      {"2026-03-29T00:30:00Z", 1, "2026-03-30"},       // BST change day
      {"2026-03-28T23:30:00Z", 5, "2026-04-07"},
      {"2026-10-24T23:30:00Z", 1, "2026-10-26"},
      {"2026-10-25T23:30:00Z", 1, "2026-10-26"},
      {"2026-12-23T16:00:00Z", 1, "2026-12-24"},
      {"2026-12-23T16:00:00Z", 5, "2027-01-04"},
      {"2026-12-24T09:00:00Z", 1, "2026-12-29"},       // substitute Boxing Day
      {"2027-12-24T12:00:00Z", 1, "2027-12-29"},       // two substitute days
      {"2027-12-31T12:00:00Z", 1, "2028-01-04"},       // New Year substitute day
      {"2026-05-01T17:45:00+01:00", 1, "2026-05-05"},
      {"2026-05-22T12:00:00+01:00", 5, "2026-06-01"},
      {"2026-08-28T12:00:00+01:00", 1, "2026-09-01"},
      {"2026-06-03T14:00:00+01:00", 1, "2026-06-04"},
      {"2026-06-03T14:00:00+01:00", 5, "2026-06-10"},
      {"2026-06-03T14:00:00+01:00", 30, "2026-07-15"},
      {"2026-11-20T16:00:00Z", 1, "2026-11-23"},        // a Friday
  }));
  CAPTURE(occurred_at, n);
  auto count = calendar().addWorkingDays(londonDate(*parseRfc3339(occurred_at)), n);
  CHECK(count.result.toString() == due);
  CHECK(static_cast<int>(count.counted.size()) == n);
}

TEST_CASE("the count shows which days it skipped and why", "[domain][calendar]") {
  auto count = calendar().addWorkingDays(Date(2026, 4, 2), 1);
  REQUIRE(count.skipped.size() == 4);
  CHECK(count.skipped[0].date == Date(2026, 4, 3));
  CHECK(count.skipped[0].why == "Good Friday");
  CHECK(count.skipped[1].why == "Saturday");
  CHECK(count.skipped[2].why == "Sunday");
  CHECK(count.skipped[3].why == "Easter Monday");
}

TEST_CASE("N working days before a date counts backwards", "[domain][calendar]") {
  CHECK(calendar().workingDaysBefore(Date(2026, 9, 14), 2).result == Date(2026, 9, 10));
  CHECK(calendar().workingDaysBefore(Date(2026, 12, 29), 2).result == Date(2026, 12, 23));
}

TEST_CASE("beyond the published years, bank holidays are projected from the standing rules and say so",
          "[domain][calendar]") {
  CHECK(calendar().firstYear() == 2024);
  CHECK(calendar().lastYear() == 2028);
  CHECK(calendar().publishedUntil() == Date(2028, 12, 31));

  // The case: on Friday 29 December 2028, five working days run into 2029, which no file covers yet.
  auto count = calendar().addWorkingDays(Date(2028, 12, 29), 5);
  CHECK(count.result == Date(2029, 1, 8));  // Monday 1 January 2029 is New Year's Day
  CHECK(count.projected);
  REQUIRE(count.skipped.size() == 5);  // 30 and 31 December, 1 January, and the weekend of 6 and 7 January
  CHECK(count.skipped[2].date == Date(2029, 1, 1));
  CHECK(count.skipped[2].why == "New Year's Day, projected from the standing rules");
  CHECK_FALSE(calendar().isProjected(Date(2028, 12, 31)));
  CHECK(calendar().isProjected(Date(2029, 1, 1)));

  // Within the published years nothing is marked projected.
  CHECK_FALSE(calendar().addWorkingDays(Date(2027, 12, 24), 1).projected);
  CHECK(calendar().whyNotWorking(Date(2028, 12, 26)) == "Boxing Day");

  // Before the published years too: an old trigger date still gets a deadline.
  CHECK(calendar().addWorkingDays(Date(2023, 12, 22), 1).result == Date(2023, 12, 27));

  // Far beyond the projection window it still refuses rather than guess.
  const int beyond = calendar().lastYear() + vc::domain::WorkingDayCalendar::kProjectedYears + 1;
  CHECK_THROWS_AS(calendar().addWorkingDays(Date(beyond, 1, 2), 1), vc::domain::CalendarRangeError);
  CHECK_THROWS_WITH(calendar().addWorkingDays(Date(beyond, 1, 2), 1), Catch::Contains("publishes 2024 to 2028"));
}

TEST_CASE("the standing rules give back every year of the published file", "[domain][calendar]") {
  // The file 2024-2028 has no one-off holiday: the rules must reproduce it day for day, title for title.
  for (int year = calendar().firstYear(); year <= calendar().lastYear(); ++year) {
    CAPTURE(year);
    std::vector<std::pair<std::string, std::string>> from_file, from_rules;
    for (const auto& [date, title] : calendar().holidays())
      if (date.year() == year) from_file.push_back({date.toString(), title});
    for (const auto& h : vc::domain::standingBankHolidays(year)) from_rules.push_back({h.date.toString(), h.title});
    CHECK(from_rules == from_file);
  }
}

TEST_CASE("the standing rules: Easter, the Mondays, and substitute days at the weekend", "[domain][calendar]") {
  // Easter Sunday from published tables (including the earliest and latest possible dates).
  auto [year, month, day] = GENERATE(table<int, int, int>({{1818, 3, 22}, {1943, 4, 25}, {2008, 3, 23}, {2011, 4, 24},
                                                           {2019, 4, 21}, {2029, 4, 1}, {2038, 4, 25}, {2285, 3, 22}}));
  CAPTURE(year);
  CHECK(vc::domain::easterSunday(year) == Date(year, month, day));

  auto dates = [](int y) {
    std::vector<std::string> out;
    for (const auto& h : vc::domain::standingBankHolidays(y)) out.push_back(h.date.toString() + " " + h.title);
    return out;
  };
  // 2029: worked by hand. Easter Sunday 1 April; 1 January and 25 December fall on weekdays.
  CHECK(dates(2029) == std::vector<std::string>{"2029-01-01 New Year's Day", "2029-03-30 Good Friday",
                                                "2029-04-02 Easter Monday", "2029-05-07 Early May bank holiday",
                                                "2029-05-28 Spring bank holiday", "2029-08-27 Summer bank holiday",
                                                "2029-12-25 Christmas Day", "2029-12-26 Boxing Day"});
  // 2032: Christmas Day is a Saturday, so both days move to Monday 27 and Tuesday 28.
  auto y2032 = dates(2032);
  CHECK(y2032[y2032.size() - 2] == "2032-12-27 Christmas Day (substitute day)");
  CHECK(y2032.back() == "2032-12-28 Boxing Day (substitute day)");
  // 2033: New Year's Day is a Saturday (substitute Monday 3 January); Christmas Day a Sunday (Boxing Day on
  // Monday 26, Christmas's substitute Tuesday 27).
  auto y2033 = dates(2033);
  CHECK(y2033.front() == "2033-01-03 New Year's Day (substitute day)");
  CHECK(y2033[y2033.size() - 2] == "2033-12-26 Boxing Day");
  CHECK(y2033.back() == "2033-12-27 Christmas Day (substitute day)");
}

TEST_CASE("the published file wins over the rules for every year it covers", "[domain][calendar]") {
  // A one-off holiday (as for a coronation) is a holiday because the file says so; a standing-rule day
  // the file moved (as the early May holiday in 2020) is a working day because the file does not list it.
  std::vector<vc::domain::Holiday> file = vc::domain::standingBankHolidays(2020);
  for (auto& h : file)
    if (h.title == "Early May bank holiday") h = {Date(2020, 5, 8), "Early May bank holiday (VE day)"};
  file.push_back({Date(2020, 6, 3), "A one-off holiday"});
  const vc::domain::WorkingDayCalendar cal("one-offs", file);
  CHECK(cal.whyNotWorking(Date(2020, 6, 3)) == "A one-off holiday");
  CHECK(cal.whyNotWorking(Date(2020, 5, 8)) == "Early May bank holiday (VE day)");
  CHECK(cal.isWorkingDay(Date(2020, 5, 4)));  // the standing rule's first Monday, moved by the file
  CHECK(cal.whyNotWorking(Date(2021, 5, 3)) == "Early May bank holiday, projected from the standing rules");
}

TEST_CASE("a calendar with a missing year is rejected at load", "[domain][calendar]") {
  CHECK_THROWS_AS(vc::domain::WorkingDayCalendar("gap", {{Date(2024, 1, 1), "a"}, {Date(2026, 1, 1), "b"}}),
                  std::invalid_argument);
}

// Working days in (from, to], counted one day at a time: the definition workingDaysBetween must keep.
int workingDaysCountedOneByOne(const Date& from, const Date& to) {
  int n = 0;
  for (Date d = from.plusDays(1); d <= to; d = d.plusDays(1))
    if (calendar().isWorkingDay(d)) ++n;
  return n;
}

TEST_CASE("Working days between two dates agree with counting each day, across weekends, bank holidays and years",
          "[calendar]") {
  struct Case {
    Date from, to;
    int expected;
  };
  // Worked by hand from the calendar file: Easter 2026 is Friday 3 April and Monday 6 April.
  for (const Case& c : std::vector<Case>{{Date(2026, 4, 2), Date(2026, 4, 7), 1},     // Fri and Mon are bank holidays
                                         {Date(2026, 4, 7), Date(2026, 4, 7), 0},     // the same day: none
                                         {Date(2026, 4, 8), Date(2026, 4, 7), 0},     // backwards: none
                                         {Date(2026, 4, 10), Date(2026, 4, 13), 1},   // Friday to Monday
                                         {Date(2026, 12, 24), Date(2027, 1, 4), 4}})  // 29, 30, 31 Dec and 4 Jan
    CHECK(calendar().workingDaysBetween(c.from, c.to) == c.expected);
  // Every pair a week apart, and a spread of long spans, across every year published and the years either side.
  const Date first(calendar().firstYear() - 1, 1, 1), last(calendar().lastYear() + 2, 12, 31);
  for (Date d = first; d.plusDays(9) <= last; d = d.plusDays(3)) {
    CHECK(calendar().workingDaysBetween(d, d.plusDays(9)) == workingDaysCountedOneByOne(d, d.plusDays(9)));
    CHECK(calendar().workingDaysBetween(first.plusDays(-1), d) == workingDaysCountedOneByOne(first.plusDays(-1), d));
  }
  // Outside the years covered, published or projected: the same error as counting would give.
  const int window = vc::domain::WorkingDayCalendar::kProjectedYears;
  const Date covered_first(calendar().firstYear() - window, 1, 1), covered_last(calendar().lastYear() + window, 12, 31);
  CHECK_THROWS_AS(calendar().workingDaysBetween(covered_first.plusDays(-2), covered_first),
                  vc::domain::CalendarRangeError);
  CHECK_THROWS_AS(calendar().workingDaysBetween(covered_last, covered_last.plusDays(1)), vc::domain::CalendarRangeError);
  CHECK(calendar().workingDaysBetween(covered_last.plusDays(5), covered_last.plusDays(1)) == 0);  // backwards: none
}

TEST_CASE("from 90 days before the published holidays run out, the operator is told what to do", "[domain][calendar]") {
  using vc::domain::calendarRunningOut;
  CHECK_FALSE(calendarRunningOut(calendar(), Date(2028, 10, 1)));  // 91 days before 31 December 2028
  auto early = calendarRunningOut(calendar(), Date(2028, 10, 2));
  REQUIRE(early);
  CHECK_THAT(*early, Catch::StartsWith("The published bank holidays end on Sunday 31 December 2028, in 90 days."));
  CHECK_THAT(*early, Catch::Contains("www.gov.uk/bank-holidays"));
  CHECK_THAT(*calendarRunningOut(calendar(), Date(2028, 12, 30)), Catch::Contains("in 1 day."));
  CHECK_THAT(*calendarRunningOut(calendar(), Date(2029, 1, 1)),
             Catch::StartsWith("The published bank holidays ended on Sunday 31 December 2028."));
}
