#pragma once
// The England and Wales working-day calendar: Monday to Friday, less the bank
// holidays it was loaded with (the published file). Immutable after
// construction; safe to share between threads.
//
// A forgotten calendar update must not stop the service at the turn of a year:
// for years the published file does not cover, the bank holidays are projected
// from their standing rules (standingBankHolidays), and every holiday so made
// says so in its title. The file wins for every year it covers (one-off
// holidays, moved holidays). Beyond the projection window (kProjectedYears each
// side) it still refuses (CalendarRangeError) rather than guess.

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "domain/date.h"

namespace vc::domain {

struct Holiday {
  Date date;
  std::string title;
};

// England and Wales bank holidays by their standing rules (Banking and Financial Dealings Act 1971,
// Schedule 1, and the standing proclamations): New Year's Day, Good Friday, Easter Monday, the first and
// last Mondays of May, the last Monday of August, Christmas Day and Boxing Day, with substitute days when
// one falls at a weekend. No one-off holidays: only the published file knows those.
std::vector<Holiday> standingBankHolidays(int year);

// The date of Easter Sunday in the Gregorian calendar.
Date easterSunday(int year);

// What a projected holiday's title ends with, so that every explanation naming it says so.
inline constexpr const char* kProjectedSuffix = ", projected from the standing rules";

// Thrown when a computation needs a day outside the calendar's years.
class CalendarRangeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A day passed over while counting, and why ("Saturday", "Good Friday").
struct SkippedDay {
  Date date;
  std::string why;
};

// The result of counting working days, with the workings shown.
struct WorkingDayCount {
  Date from;
  int working_days = 0;
  bool before = false;  // counted backwards ("N working days before")
  bool projected = false;  // some day counted or passed over is in a year the published file does not cover
  Date result;
  std::vector<Date> counted;        // the working days counted, in counting order
  std::vector<SkippedDay> skipped;  // the days passed over, in counting order
};

class WorkingDayCalendar {
 public:
  // How many years each side of the published file are projected from the standing rules.
  static constexpr int kProjectedYears = 60;

  // Holidays may come in any order; the years published are the first to the
  // last year that has a holiday, and every year between must have one.
  // Throws std::invalid_argument on an empty or gapped list.
  WorkingDayCalendar(std::string name, std::vector<Holiday> holidays);

  const std::string& name() const { return name_; }
  // The years the published file covers.
  int firstYear() const { return first_year_; }
  int lastYear() const { return last_year_; }
  // The last day the published file covers; after it, holidays are projected.
  Date publishedUntil() const { return Date(last_year_, 12, 31); }
  // Whether d's bank holidays are projected rather than published.
  bool isProjected(const Date& d) const { return d.year() < first_year_ || d.year() > last_year_; }
  // Every holiday, published and projected, over the years the calendar answers for.
  const std::map<Date, std::string>& holidays() const { return holidays_; }

  // Throws CalendarRangeError more than kProjectedYears outside firstYear()..lastYear().
  bool isWorkingDay(const Date& d) const;
  // Why a day is not a working day ("Saturday", "Christmas Day"), or "" if it is one.
  std::string whyNotWorking(const Date& d) const;

  // "Within N working days" of `trigger`: the N-th working day strictly after it.
  WorkingDayCount addWorkingDays(const Date& trigger, int n) const;
  // "N working days before" `event`: the N-th working day strictly before it.
  WorkingDayCount workingDaysBefore(const Date& event, int n) const;
  // Working days in (from, to]; 0 when to <= from.
  int workingDaysBetween(const Date& from, const Date& to) const;

 private:
  void checkCovered(const Date& d) const;
  WorkingDayCount count(const Date& start, int n, int step) const;

  std::string name_;
  std::map<Date, std::string> holidays_;
  int first_year_ = 0;  // published
  int last_year_ = 0;
  int covered_first_year_ = 0;  // published and projected
  int covered_last_year_ = 0;
  // working_through_[i]: working days among the first i days covered (from 1 January of covered_first_year_),
  // so that workingDaysBetween costs two lookups, not a walk over every day (a queue page asks it for
  // every letter, and an overdue letter's walk grows by a day every day).
  int64_t first_day_ = 0;
  std::vector<int> working_through_;
};

// How long before the published holidays run out the people who run the service are warned.
inline constexpr int kCalendarWarningDays = 90;

// From kCalendarWarningDays before the published file's last day (and after it): what to tell the operator,
// in words. Nothing before that.
std::optional<std::string> calendarRunningOut(const WorkingDayCalendar& calendar, const Date& today);

}  // namespace vc::domain
