#include <cstdio>
#include <string>

#include <catch2/catch.hpp>

#include "domain/date.h"

using vc::domain::Date;
using vc::domain::londonDate;
using vc::domain::parseRfc3339;

TEST_CASE("London dates follow the BST rule at the edges of summer time", "[domain][date]") {
  auto [instant, london] = GENERATE(table<const char*, const char*>({
      {"2026-04-02T15:20:00+01:00", "2026-04-02"},
      {"2026-04-05T23:30:00Z", "2026-04-06"},   // 00:30 BST on Easter Monday
      {"2026-03-29T00:30:00Z", "2026-03-29"},   // BST begins at 01:00 UTC: still Sunday
      {"2026-03-29T00:59:59Z", "2026-03-29"},
      {"2026-03-29T23:00:00Z", "2026-03-30"},   // first evening of BST: midnight local
      {"2026-03-28T23:30:00Z", "2026-03-28"},   // Saturday 23:30 GMT
      {"2026-10-24T23:30:00Z", "2026-10-25"},   // BST still in force
      {"2026-10-25T00:59:59Z", "2026-10-25"},
      {"2026-10-25T23:30:00Z", "2026-10-25"},   // GMT again
      {"2026-12-31T23:59:59Z", "2026-12-31"},   // winter: London is UTC
      {"2027-01-01T00:00:01+00:00", "2027-01-01"},
      {"2026-07-01T00:15:00+01:00", "2026-07-01"},  // just after midnight in summer
      {"2026-06-30T23:15:00Z", "2026-07-01"},
      {"2026-02-10T00:05:00Z", "2026-02-10"},       // just after midnight in winter
      {"2026-02-09T23:55:00-05:00", "2026-02-10"},  // an offset elsewhere
  }));
  CAPTURE(instant);
  auto t = parseRfc3339(instant);
  REQUIRE(t.has_value());
  CHECK(londonDate(*t).toString() == london);
}

TEST_CASE("only zoned RFC 3339 timestamps are accepted", "[domain][date]") {
  CHECK(parseRfc3339("2026-04-02T15:20:00.123+01:00").has_value());
  CHECK_FALSE(parseRfc3339("2026-04-02T15:20:00").has_value());  // no zone
  CHECK_FALSE(parseRfc3339("2026-04-02 15:20").has_value());
  CHECK_FALSE(parseRfc3339("2026-02-30T10:00:00Z").has_value());
  CHECK_FALSE(parseRfc3339("2026-04-02T25:00:00Z").has_value());
  CHECK_FALSE(parseRfc3339("yesterday").has_value());
  CHECK(*parseRfc3339("2026-04-02T15:20:00+01:00") == *parseRfc3339("2026-04-02T14:20:00Z"));
}

TEST_CASE("dates parse strictly and know their weekday", "[domain][date]") {
  CHECK(Date::parse("2026-04-07")->weekdayName() == "Tuesday");
  CHECK(Date::parse("2024-02-29").has_value());
  CHECK_FALSE(Date::parse("2026-02-29").has_value());
  CHECK_FALSE(Date::parse("2026-4-7").has_value());
  CHECK(Date(2026, 4, 7).longString() == "Tuesday 7 April 2026");
  CHECK(Date(2026, 12, 31).plusDays(1) == Date(2027, 1, 1));
}

TEST_CASE("age turns over on the birthday, and on 1 March for a 29 February birthday", "[domain][date]") {
  CHECK(vc::domain::ageOn(Date(2008, 4, 2), Date(2026, 4, 1)) == 17);
  CHECK(vc::domain::ageOn(Date(2008, 4, 2), Date(2026, 4, 2)) == 18);
  CHECK(vc::domain::ageOn(Date(2008, 2, 29), Date(2026, 2, 28)) == 17);
  CHECK(vc::domain::ageOn(Date(2008, 2, 29), Date(2026, 3, 1)) == 18);
}

TEST_CASE("a date is written YYYY-MM-DD, as printf's %04d-%02d-%02d writes it", "[domain][date]") {
  auto printf_form = [](const vc::domain::Date& d) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", d.year(), d.month(), d.day());
    return std::string(buf);
  };
  for (int64_t day = -800000; day <= 3000000; day += 997) {  // from the year -221 to 10183
    const auto d = vc::domain::Date::fromDaysSinceEpoch(day);
    INFO(day);
    REQUIRE(d.toString() == printf_form(d));
  }
  CHECK(vc::domain::Date(2026, 3, 4).toString() == "2026-03-04");
  CHECK(vc::domain::Date(999, 12, 31).toString() == "0999-12-31");
}
