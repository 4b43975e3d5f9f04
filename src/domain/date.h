#pragma once
// Civil dates and instants for the domain core: proleptic Gregorian dates,
// RFC 3339 parsing, and the Europe/London local date of an instant.
// Plain values; safe to copy and share between threads.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vc::domain {

// A calendar date (no time, no zone). Ordered; cheap to copy.
class Date {
 public:
  Date() = default;
  // Builds a date from year, month (1-12), day (1-31); the caller guarantees validity
  // (use parse() for untrusted text).
  Date(int year, int month, int day);

  // Parses exactly "YYYY-MM-DD" and checks the day exists; nullopt otherwise.
  static std::optional<Date> parse(std::string_view text);
  static Date fromDaysSinceEpoch(int64_t days);

  int year() const { return year_; }
  int month() const { return month_; }
  int day() const { return day_; }
  int64_t daysSinceEpoch() const;  // 1970-01-01 is 0
  int isoWeekday() const;          // 1 = Monday ... 7 = Sunday
  bool isWeekend() const { return isoWeekday() >= 6; }
  Date plusDays(int64_t n) const { return fromDaysSinceEpoch(daysSinceEpoch() + n); }

  std::string toString() const;      // "2026-04-07"
  std::string weekdayName() const;   // "Tuesday"
  std::string longString() const;    // "Tuesday 7 April 2026"

  friend bool operator==(const Date& a, const Date& b) { return a.daysSinceEpoch() == b.daysSinceEpoch(); }
  friend bool operator!=(const Date& a, const Date& b) { return !(a == b); }
  friend bool operator<(const Date& a, const Date& b) { return a.daysSinceEpoch() < b.daysSinceEpoch(); }
  friend bool operator<=(const Date& a, const Date& b) { return !(b < a); }
  friend bool operator>(const Date& a, const Date& b) { return b < a; }
  friend bool operator>=(const Date& a, const Date& b) { return !(a < b); }

 private:
  int year_ = 1970;
  int month_ = 1;
  int day_ = 1;
};

bool isLeapYear(int year);
int daysInMonth(int year, int month);

// Whole years between a birth date and a date; someone born on 29 February
// turns a year older on 1 March in common years.
int ageOn(const Date& date_of_birth, const Date& on);

// Seconds since 1970-01-01T00:00:00Z.
using UnixSeconds = int64_t;

// Parses an RFC 3339 timestamp that carries a zone ("Z" or "+01:00");
// fractional seconds are accepted and dropped. nullopt when malformed or zoneless.
std::optional<UnixSeconds> parseRfc3339(std::string_view text);
std::string formatRfc3339Utc(UnixSeconds t);  // "2026-04-02T14:20:00Z"

// British Summer Time runs from 01:00 UTC on the last Sunday of March to
// 01:00 UTC on the last Sunday of October.
bool isBritishSummerTime(UnixSeconds t);
Date londonDate(UnixSeconds t);
std::string londonTime(UnixSeconds t);  // "14:30", the Europe/London wall clock
Date utcDate(UnixSeconds t);

}  // namespace vc::domain
