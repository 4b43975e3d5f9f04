#pragma once
// The England and Wales working-day calendar: Monday to Friday, less the bank
// holidays it was loaded with. Immutable after construction; safe to share
// between threads. It refuses (CalendarRangeError) to answer for a year it
// has no holiday data for, rather than guess.

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "domain/date.h"

namespace vc::domain {

struct Holiday {
  Date date;
  std::string title;
};

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
  Date result;
  std::vector<Date> counted;        // the working days counted, in counting order
  std::vector<SkippedDay> skipped;  // the days passed over, in counting order
};

class WorkingDayCalendar {
 public:
  // Holidays may come in any order; the years covered are the first to the
  // last year that has a holiday, and every year between must have one.
  // Throws std::invalid_argument on an empty or gapped list.
  WorkingDayCalendar(std::string name, std::vector<Holiday> holidays);

  const std::string& name() const { return name_; }
  int firstYear() const { return first_year_; }
  int lastYear() const { return last_year_; }
  const std::map<Date, std::string>& holidays() const { return holidays_; }

  // Throws CalendarRangeError outside firstYear()..lastYear().
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
  int first_year_ = 0;
  int last_year_ = 0;
  // working_through_[i]: working days among the first i days covered (from 1 January of first_year_),
  // so that workingDaysBetween costs two lookups, not a walk over every day (a queue page asks it for
  // every letter, and an overdue letter's walk grows by a day every day).
  int64_t first_day_ = 0;
  std::vector<int> working_through_;
};

}  // namespace vc::domain
