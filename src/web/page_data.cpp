#include "web/page_data.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <cctype>

#include "domain/date.h"

namespace vc::web {

using Poco::Dynamic::Var;
using rendering::Value;

Value fromJson(const Var& v) {
  if (v.isEmpty()) return Value(std::string());
  if (v.type() == typeid(Poco::JSON::Object::Ptr)) {
    Value m = Value::map();
    for (const auto& [k, f] : *v.extract<Poco::JSON::Object::Ptr>()) m.set(k, fromJson(f));
    return m;
  }
  if (v.type() == typeid(Poco::JSON::Array::Ptr)) {
    Value l = Value::list();
    for (const auto& item : *v.extract<Poco::JSON::Array::Ptr>()) l.push(fromJson(item));
    return l;
  }
  if (v.type() == typeid(bool)) return Value(v.extract<bool>());
  return Value(v.convert<std::string>());
}

std::string displayDate(const std::string& date) {
  auto d = domain::Date::parse(date);
  return d ? d->longString() : date;
}

std::string displayTime(const std::string& rfc3339) {
  auto t = domain::parseRfc3339(rfc3339);
  if (!t) return rfc3339;
  std::string day = domain::londonDate(*t).longString();
  day = day.substr(day.find(' ') + 1);  // without the weekday
  return day + " at " + domain::londonTime(*t);
}

std::string humanise(const std::string& code) {
  std::string s = code;
  for (char& c : s)
    if (c == '_' || c == '.') c = ' ';
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s;
}

std::string personName(const rendering::Value* profile, const std::string& fallback) {
  const rendering::Value* n = profile ? profile->find("name") : nullptr;
  if (!n || !n->isMap()) return fallback;
  const rendering::Value* given = n->find("given");
  const rendering::Value* family = n->find("family");
  std::string name = (given ? given->text() : "") + (given && family ? " " : "") + (family ? family->text() : "");
  return name.empty() ? fallback : name;
}

void FormErrors::add(const std::string& key, const std::string& message, const std::string& anchor) {
  if (has(key)) return;  // one message a field: the first thing to put right
  items_.push_back({key, message, anchor.empty() ? key : anchor});
}

bool FormErrors::has(const std::string& key) const {
  for (const Item& i : items_)
    if (i.key == key) return true;
  return false;
}

Value FormErrors::field(const std::string& key) const {
  for (const Item& i : items_)
    if (i.key == key) {
      Value e = Value::map();
      e.set("id", key + "-error");
      e.set("message", i.message);
      return e;
    }
  return Value(false);
}

void FormErrors::into(Value& page) const {
  Value summary = Value::list(), fields = Value::map();
  for (const Item& i : items_) {
    Value link = Value::map();
    link.set("href", "#" + i.anchor);
    link.set("message", i.message);
    summary.push(link);
    fields.set(i.key, field(i.key));
  }
  page.set("error_title", any());
  page.set("has_errors", any());
  page.set("error_summary", summary);
  page.set("errors", fields);
}

namespace {

std::string trimmed(const std::string& s) {
  const size_t a = s.find_first_not_of(" \t\r\n");
  return a == std::string::npos ? std::string() : s.substr(a, s.find_last_not_of(" \t\r\n") - a + 1);
}

// "1", "01" -> 1; anything but 1 to 6 digits -> -1.
int number(const std::string& s) {
  if (s.empty() || s.size() > 6) return -1;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return -1;
  return std::stoi(s);
}

// A month as a number, or its name or first three letters ("jan", "June").
int monthNumber(const std::string& s) {
  static const char* const kNames[] = {"january", "february", "march",     "april",   "may",      "june",
                                       "july",    "august",   "september", "october", "november", "december"};
  if (int n = number(s); n >= 0) return n;
  std::string lower;
  for (char c : s) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (int m = 0; m < 12; ++m)
    if (lower == kNames[m] || (lower.size() == 3 && std::string(kNames[m]).compare(0, 3, lower) == 0)) return m + 1;
  return -1;
}

}  // namespace

DateField readDateField(const std::function<std::string(const std::string&)>& param, const std::string& name,
                        const std::string& label, FormErrors& errors) {
  DateField f;
  f.day = trimmed(param(name + "-day"));
  f.month = trimmed(param(name + "-month"));
  f.year = trimmed(param(name + "-year"));
  if (f.day.empty() && f.month.empty() && f.year.empty()) {
    // The single parameter of links and the API: 2026-12-31, or as typed in the old single box, 31/12/2026.
    const std::string single = trimmed(param(name));
    if (single.empty()) return f;
    if (auto d = domain::Date::parse(single)) {
      f.date = d;
      f.day = std::to_string(d->day());
      f.month = std::to_string(d->month());
      f.year = std::to_string(d->year());
      return f;
    }
    const size_t a = single.find('/'), b = a == std::string::npos ? a : single.find('/', a + 1);
    if (b == std::string::npos) {
      errors.add(name, label + " must be a real date, for example 27 3 2026", name + "-day");
      f.day = single;  // kept where the person will see it
      return f;
    }
    f.day = single.substr(0, a);
    f.month = single.substr(a + 1, b - a - 1);
    f.year = single.substr(b + 1);
  }
  for (const auto& [part, what] : {std::pair<const std::string&, const char*>{f.day, "day"},
                                   {f.month, "month"}, {f.year, "year"}})
    if (part.empty()) {
      errors.add(name, label + " must include a " + what, name + "-" + what);
      return f;
    }
  const int day = number(f.day), month = monthNumber(f.month), year = number(f.year);
  if (f.year.size() != 4 || year < 0) {
    errors.add(name, "Year must include 4 numbers", name + "-year");
    return f;
  }
  if (month < 1 || month > 12 || day < 1 || day > domain::daysInMonth(year, month)) {
    errors.add(name, label + " must be a real date", name + (month < 1 || month > 12 ? "-month" : "-day"));
    return f;
  }
  f.date = domain::Date(year, month, day);
  return f;
}

Value dateInput(const DateField& f, const std::string& name, const std::string& legend, const FormErrors& errors) {
  Value v = Value::map();
  v.set("name", name);
  v.set("legend", legend);
  v.set("day", f.day);
  v.set("month", f.month);
  v.set("year", f.year);
  v.set("error", errors.field(name));
  return v;
}

}  // namespace vc::web
