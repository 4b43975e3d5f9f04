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

TEST_CASE("the calendar refuses to compute beyond the years it covers", "[domain][calendar]") {
  CHECK(calendar().firstYear() == 2024);
  CHECK(calendar().lastYear() == 2028);
  CHECK_THROWS_AS(calendar().addWorkingDays(Date(2028, 12, 29), 5), vc::domain::CalendarRangeError);
  CHECK_THROWS_WITH(calendar().addWorkingDays(Date(2029, 1, 2), 1), Catch::Contains("covers 2024 to 2028"));
  CHECK_THROWS_AS(calendar().addWorkingDays(Date(2023, 12, 29), 1), vc::domain::CalendarRangeError);
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
  // Every pair a week apart, and a spread of long spans, across every year the calendar covers.
  const Date first(calendar().firstYear(), 1, 1), last(calendar().lastYear(), 12, 31);
  for (Date d = first; d.plusDays(9) <= last; d = d.plusDays(3)) {
    CHECK(calendar().workingDaysBetween(d, d.plusDays(9)) == workingDaysCountedOneByOne(d, d.plusDays(9)));
    CHECK(calendar().workingDaysBetween(first.plusDays(-1), d) == workingDaysCountedOneByOne(first.plusDays(-1), d));
  }
  // Outside the years covered: the same error as counting would give.
  CHECK_THROWS_AS(calendar().workingDaysBetween(first.plusDays(-2), first), vc::domain::CalendarRangeError);
  CHECK_THROWS_AS(calendar().workingDaysBetween(last, last.plusDays(1)), vc::domain::CalendarRangeError);
  CHECK(calendar().workingDaysBetween(last.plusDays(5), last.plusDays(1)) == 0);  // backwards: nothing is counted
}
