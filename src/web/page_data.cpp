#include "web/page_data.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

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

}  // namespace vc::web
