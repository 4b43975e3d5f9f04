#include "domain/calendar.h"

#include <algorithm>
#include <set>

namespace vc::domain {

Date easterSunday(int year) {  // the anonymous Gregorian algorithm (Meeus/Jones/Butcher)
  const int a = year % 19, b = year / 100, c = year % 100, d = b / 4, e = b % 4, f = (b + 8) / 25;
  const int g = (b - f + 1) / 3, h = (19 * a + b - d - g + 15) % 30, i = c / 4, k = c % 4;
  const int l = (32 + 2 * e + 2 * i - h - k) % 7, m = (a + 11 * h + 22 * l) / 451;
  const int month = (h + l - 7 * m + 114) / 31, day = (h + l - 7 * m + 114) % 31 + 1;
  return Date(year, month, day);
}

namespace {
Date firstMonday(int year, int month) {
  const Date first(year, month, 1);
  return first.plusDays((8 - first.isoWeekday()) % 7);
}
Date lastMonday(int year, int month) {
  const Date last = Date(year, month + 1, 1).plusDays(-1);
  return last.plusDays(-((last.isoWeekday() + 6) % 7));
}
}  // namespace

std::vector<Holiday> standingBankHolidays(int year) {
  std::vector<Holiday> out;
  const Date new_year(year, 1, 1);
  if (new_year.isWeekend())
    out.push_back({new_year.plusDays(new_year.isoWeekday() == 6 ? 2 : 1), "New Year's Day (substitute day)"});
  else
    out.push_back({new_year, "New Year's Day"});
  const Date easter = easterSunday(year);
  out.push_back({easter.plusDays(-2), "Good Friday"});
  out.push_back({easter.plusDays(1), "Easter Monday"});
  out.push_back({firstMonday(year, 5), "Early May bank holiday"});
  out.push_back({lastMonday(year, 5), "Spring bank holiday"});
  out.push_back({lastMonday(year, 8), "Summer bank holiday"});
  const Date christmas(year, 12, 25), boxing(year, 12, 26);
  switch (christmas.isoWeekday()) {
    case 5:  // Friday: Boxing Day is a Saturday, its substitute the Monday
      out.push_back({christmas, "Christmas Day"});
      out.push_back({boxing.plusDays(2), "Boxing Day (substitute day)"});
      break;
    case 6:  // Saturday: both move, to Monday and Tuesday
      out.push_back({christmas.plusDays(2), "Christmas Day (substitute day)"});
      out.push_back({christmas.plusDays(3), "Boxing Day (substitute day)"});
      break;
    case 7:  // Sunday: Boxing Day stays on Monday, Christmas's substitute is Tuesday
      out.push_back({boxing, "Boxing Day"});
      out.push_back({christmas.plusDays(2), "Christmas Day (substitute day)"});
      break;
    default:
      out.push_back({christmas, "Christmas Day"});
      out.push_back({boxing, "Boxing Day"});
  }
  std::sort(out.begin(), out.end(), [](const Holiday& a, const Holiday& b) { return a.date < b.date; });
  return out;
}

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
  covered_first_year_ = first_year_ - kProjectedYears;
  covered_last_year_ = last_year_ + kProjectedYears;
  for (int y = covered_first_year_; y <= covered_last_year_; ++y)
    if (y < first_year_ || y > last_year_)
      for (const Holiday& h : standingBankHolidays(y)) holidays_[h.date] = h.title + kProjectedSuffix;
  first_day_ = Date(covered_first_year_, 1, 1).daysSinceEpoch();
  const int64_t days = Date(covered_last_year_, 12, 31).daysSinceEpoch() - first_day_ + 1;
  working_through_.assign(static_cast<size_t>(days) + 1, 0);
  for (int64_t i = 0; i < days; ++i)
    working_through_[static_cast<size_t>(i) + 1] =
        working_through_[static_cast<size_t>(i)] +
        (whyNotWorking(Date::fromDaysSinceEpoch(first_day_ + i)).empty() ? 1 : 0);
}

void WorkingDayCalendar::checkCovered(const Date& d) const {
  if (d.year() < covered_first_year_ || d.year() > covered_last_year_)
    throw CalendarRangeError("the working-day calendar '" + name_ + "' publishes " + std::to_string(first_year_) +
                             " to " + std::to_string(last_year_) + " and projects " +
                             std::to_string(covered_first_year_) + " to " + std::to_string(covered_last_year_) +
                             " only; " + d.toString() + " is outside it");
}

// The same answer as whyNotWorking(d).empty(), without making the reason's text (workingDaysBetween asks
// this for every day between a due date and today, for every letter on a queue page).
// One lookup in working_through_ rather than a search of the holidays (over a century of them, with the
// projected years).
bool WorkingDayCalendar::isWorkingDay(const Date& d) const {
  checkCovered(d);
  const size_t i = static_cast<size_t>(d.daysSinceEpoch() - first_day_);
  return working_through_[i + 1] != working_through_[i];
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
    if (isProjected(d)) c.projected = true;
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

std::optional<std::string> calendarRunningOut(const WorkingDayCalendar& calendar, const Date& today) {
  const Date last = calendar.publishedUntil();
  const int64_t days_left = last.daysSinceEpoch() - today.daysSinceEpoch();
  if (days_left > kCalendarWarningDays) return std::nullopt;
  const std::string what = "Add the next year's bank holidays from www.gov.uk/bank-holidays to the calendar file.";
  if (days_left < 0)
    return "The published bank holidays ended on " + last.longString() +
           ". Working days since then use bank holidays projected from the standing rules. " + what;
  return "The published bank holidays end on " + last.longString() + ", in " + std::to_string(days_left) +
         (days_left == 1 ? " day" : " days") + ". After that, working days use bank holidays projected from the " +
         "standing rules. " + what;
}

}  // namespace vc::domain
