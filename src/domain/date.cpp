#include "domain/date.h"

#include <cstdio>

namespace vc::domain {
namespace {

// Howard Hinnant's days_from_civil / civil_from_days.
int64_t daysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void civilFromDays(int64_t z, int& year, int& month, int& day) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  year = static_cast<int>(y + (month <= 2));
}

bool digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

// The last Sunday of a month at 01:00 UTC, as Unix seconds.
UnixSeconds lastSundayAt0100Utc(int year, int month) {
  Date last(year, month, daysInMonth(year, month));
  Date sunday = last.plusDays(-(last.isoWeekday() % 7));
  return sunday.daysSinceEpoch() * 86400 + 3600;
}

const char* const kWeekdays[] = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};
const char* const kMonths[] = {"January", "February", "March",     "April",   "May",      "June",
                               "July",    "August",   "September", "October", "November", "December"};

}  // namespace

bool isLeapYear(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int daysInMonth(int year, int month) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && isLeapYear(year) ? 29 : kDays[month - 1];
}

Date::Date(int year, int month, int day) : year_(year), month_(month), day_(day) {}

std::optional<Date> Date::parse(std::string_view s) {
  int y, m, d;
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  if (!digits(s, 0, 4, y) || !digits(s, 5, 2, m) || !digits(s, 8, 2, d)) return std::nullopt;
  if (m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) return std::nullopt;
  return Date(y, m, d);
}

Date Date::fromDaysSinceEpoch(int64_t days) {
  int y, m, d;
  civilFromDays(days, y, m, d);
  return Date(y, m, d);
}

int64_t Date::daysSinceEpoch() const {
  return daysFromCivil(year_, static_cast<unsigned>(month_), static_cast<unsigned>(day_));
}

int Date::isoWeekday() const {
  const int64_t z = daysSinceEpoch();  // 1970-01-01 was a Thursday (4)
  const int64_t w = ((z % 7) + 7 + 3) % 7;  // 0 = Monday
  return static_cast<int>(w) + 1;
}

std::string Date::toString() const {
  if (year_ >= 0 && year_ <= 9999 && month_ >= 0 && month_ <= 99 && day_ >= 0 && day_ <= 99) {
    // "%04d-%02d-%02d" by hand: snprintf was most of writing an obligation's body (about 20 dates each).
    char buf[10] = {static_cast<char>('0' + year_ / 1000),      static_cast<char>('0' + year_ / 100 % 10),
                    static_cast<char>('0' + year_ / 10 % 10),   static_cast<char>('0' + year_ % 10),
                    '-',
                    static_cast<char>('0' + month_ / 10),      static_cast<char>('0' + month_ % 10),
                    '-',
                    static_cast<char>('0' + day_ / 10),        static_cast<char>('0' + day_ % 10)};
    return std::string(buf, sizeof buf);
  }
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", year_, month_, day_);
  return buf;
}

std::string Date::weekdayName() const { return kWeekdays[isoWeekday() - 1]; }

std::string Date::longString() const {
  return weekdayName() + " " + std::to_string(day_) + " " + kMonths[month_ - 1] + " " + std::to_string(year_);
}

int ageOn(const Date& dob, const Date& on) {
  int age = on.year() - dob.year();
  if (on.month() < dob.month() || (on.month() == dob.month() && on.day() < dob.day())) --age;
  return age;
}

std::optional<UnixSeconds> parseRfc3339(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)
  if (s.size() < 20) return std::nullopt;
  auto date = Date::parse(s.substr(0, 10));
  if (!date) return std::nullopt;
  if (s[10] != 'T' && s[10] != 't' && s[10] != ' ') return std::nullopt;
  int hh, mm, ss;
  if (!digits(s, 11, 2, hh) || s[13] != ':' || !digits(s, 14, 2, mm) || s[16] != ':' || !digits(s, 17, 2, ss))
    return std::nullopt;
  if (hh > 23 || mm > 59 || ss > 60) return std::nullopt;
  size_t pos = 19;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
    if (pos == start) return std::nullopt;
  }
  if (pos >= s.size()) return std::nullopt;  // a zone is required
  int offset_seconds = 0;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    int oh, om;
    if (!digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' || !digits(s, pos + 4, 2, om))
      return std::nullopt;
    if (oh > 23 || om > 59) return std::nullopt;
    offset_seconds = (oh * 3600 + om * 60) * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  if (ss == 60) ss = 59;  // a leap second counts as the last second of its minute
  return date->daysSinceEpoch() * 86400 + hh * 3600 + mm * 60 + ss - offset_seconds;
}

std::string formatRfc3339Utc(UnixSeconds t) {
  int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
  int64_t secs = t - days * 86400;
  Date d = Date::fromDaysSinceEpoch(days);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%sT%02d:%02d:%02dZ", d.toString().c_str(), static_cast<int>(secs / 3600),
                static_cast<int>(secs / 60 % 60), static_cast<int>(secs % 60));
  return buf;
}

Date utcDate(UnixSeconds t) {
  int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
  return Date::fromDaysSinceEpoch(days);
}

bool isBritishSummerTime(UnixSeconds t) {
  const int year = utcDate(t).year();
  return t >= lastSundayAt0100Utc(year, 3) && t < lastSundayAt0100Utc(year, 10);
}

Date londonDate(UnixSeconds t) { return utcDate(t + (isBritishSummerTime(t) ? 3600 : 0)); }

std::string londonTime(UnixSeconds t) {
  const UnixSeconds local = t + (isBritishSummerTime(t) ? 3600 : 0);
  const int64_t secs = ((local % 86400) + 86400) % 86400;
  char buf[6];
  std::snprintf(buf, sizeof buf, "%02d:%02d", static_cast<int>(secs / 3600), static_cast<int>(secs / 60 % 60));
  return buf;
}

}  // namespace vc::domain
