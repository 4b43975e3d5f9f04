#include "domain/calendar.h"

#include <set>

namespace vc::domain {

WorkingDayCalendar::WorkingDayCalendar(std::string name, std::vector<Holiday> holidays) : name_(std::move(name)) {
  if (holidays.empty()) throw std::invalid_argument("calendar " + name_ + " has no holidays");
  std::set<int> years;
  for (auto& h : holidays) {
    years.insert(h.date.year());
    holidays_[h.date] = h.title;
  }
  first_year_ = *years.begin();
  last_year_ = *years.rbegin();
  for (int y = first_year_; y <= last_year_; ++y)
    if (!years.count(y))
      throw std::invalid_argument("calendar " + name_ + " has no holidays for " + std::to_string(y) +
                                  " between " + std::to_string(first_year_) + " and " + std::to_string(last_year_));
  first_day_ = Date(first_year_, 1, 1).daysSinceEpoch();
  const int64_t days = Date(last_year_, 12, 31).daysSinceEpoch() - first_day_ + 1;
  working_through_.assign(static_cast<size_t>(days) + 1, 0);
  for (int64_t i = 0; i < days; ++i)
    working_through_[static_cast<size_t>(i) + 1] =
        working_through_[static_cast<size_t>(i)] + (isWorkingDay(Date::fromDaysSinceEpoch(first_day_ + i)) ? 1 : 0);
}

void WorkingDayCalendar::checkCovered(const Date& d) const {
  if (d.year() < first_year_ || d.year() > last_year_)
    throw CalendarRangeError("the working-day calendar '" + name_ + "' covers " + std::to_string(first_year_) + " to " +
                             std::to_string(last_year_) + " only; " + d.toString() +
                             " is outside it (add that year's bank holidays to the calendar file)");
}

// The same answer as whyNotWorking(d).empty(), without making the reason's text (workingDaysBetween asks
// this for every day between a due date and today, for every letter on a queue page).
bool WorkingDayCalendar::isWorkingDay(const Date& d) const {
  checkCovered(d);
  return !d.isWeekend() && holidays_.find(d) == holidays_.end();
}

std::string WorkingDayCalendar::whyNotWorking(const Date& d) const {
  checkCovered(d);
  auto it = holidays_.find(d);
  if (it != holidays_.end()) return it->second;
  if (d.isWeekend()) return d.weekdayName();
  return {};
}

WorkingDayCount WorkingDayCalendar::count(const Date& start, int n, int step) const {
  if (n < 0) throw std::invalid_argument("a working-day count cannot be negative");
  WorkingDayCount c;
  c.from = start;
  c.working_days = n;
  c.before = step < 0;
  Date d = start;
  int found = 0;
  while (found < n) {
    d = d.plusDays(step);
    std::string why = whyNotWorking(d);
    if (why.empty()) {
      ++found;
      c.counted.push_back(d);
    } else {
      c.skipped.push_back({d, why});
    }
  }
  c.result = d;
  return c;
}

WorkingDayCount WorkingDayCalendar::addWorkingDays(const Date& trigger, int n) const {
  checkCovered(trigger);
  return count(trigger, n, +1);
}

WorkingDayCount WorkingDayCalendar::workingDaysBefore(const Date& event, int n) const {
  checkCovered(event);
  return count(event, n, -1);
}

int WorkingDayCalendar::workingDaysBetween(const Date& from, const Date& to) const {
  if (!(from < to)) return 0;
  checkCovered(from.plusDays(1));  // every day in (from, to] is covered: the years covered are contiguous
  checkCovered(to);
  return working_through_[static_cast<size_t>(to.daysSinceEpoch() - first_day_ + 1)] -
         working_through_[static_cast<size_t>(from.daysSinceEpoch() - first_day_ + 1)];
}

}  // namespace vc::domain
