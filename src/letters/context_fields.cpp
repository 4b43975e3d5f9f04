#include "letters/context_fields.h"

#include <Poco/JSON/Array.h>

#include "domain/letter.h"

namespace vc::letters {

using Poco::JSON::Array;
using Poco::JSON::Object;
using rendering::Value;

std::string str(const Object::Ptr& o, const std::string& key) {
  if (!o || !o->has(key) || o->isNull(key)) return {};
  const Poco::Dynamic::Var v = o->get(key);
  return v.isString() ? v.extract<std::string>() : v.toString();
}

Object::Ptr obj(const Object::Ptr& o, const std::string& key) {
  if (!o || !o->has(key) || o->get(key).type() != typeid(Object::Ptr)) return nullptr;
  return o->getObject(key);
}

std::vector<std::string> strings(const Object::Ptr& o, const std::string& key) {
  std::vector<std::string> out;
  if (!o || !o->has(key) || o->get(key).type() != typeid(Array::Ptr)) return out;
  Array::Ptr a = o->getArray(key);
  for (size_t i = 0; i < a->size(); ++i) out.push_back(a->get(static_cast<unsigned>(i)).toString());
  return out;
}

bool flag(const Object::Ptr& o, const std::string& key) {
  return o && o->has(key) && o->get(key).type() == typeid(bool) && o->getValue<bool>(key);
}


Value dateValue(const domain::Date& d) {
  Value v;
  v.set("en", domain::englishDate(d));
  v.set("cy", domain::welshDate(d));
  v.set("en_long", d.longString());
  v.set("cy_long", domain::welshLongDateInSentence(d));  // mid-sentence: "dydd Mawrth 7 Ebrill 2026"
  v.set("cy_on", domain::welshOnDate(d));                 // "ar ddydd Mawrth 7 Ebrill 2026"
  return v;
}

Value emptyDate() {
  Value v;
  for (const char* k : {"en", "cy", "en_long", "cy_long", "cy_on"}) v.set(k, "");
  return v;
}

Value contactList(const Object::Ptr& person) {
  Value list = Value::list();
  if (!person || str(person, "name").empty()) return list;
  Value p;
  p.set("name", str(person, "name"));
  p.set("phone", str(person, "phone"));
  p.set("email", str(person, "email"));
  list.push(p);
  return list;
}

}  // namespace vc::letters
