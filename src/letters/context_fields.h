#pragma once
// Small readers shared by the letter and notification context builders: a
// field of stored JSON as text, and the shapes templates see for dates and
// contacts. Stateless; thread-safe.

#include <string>
#include <vector>

#include <Poco/JSON/Object.h>

#include "domain/date.h"
#include "rendering/value.h"

namespace vc::letters {

// A field as text ("" when absent or null); an object field, or null.
std::string str(const Poco::JSON::Object::Ptr& o, const std::string& key);
Poco::JSON::Object::Ptr obj(const Poco::JSON::Object::Ptr& o, const std::string& key);
std::vector<std::string> strings(const Poco::JSON::Object::Ptr& o, const std::string& key);
bool flag(const Poco::JSON::Object::Ptr& o, const std::string& key);

// {"en": "7 April 2026", "cy": "7 Ebrill 2026", "en_long": "Tuesday 7 April 2026", "cy_long": "dydd Mawrth 7 Ebrill 2026",
//  "cy_on": "ar ddydd Mawrth 7 Ebrill 2026"}. cy_long is the mid-sentence form (day names lower-case);
//  a date after "ar" is always cy_on (the soft mutation), never "ar" followed by cy_long.
rendering::Value dateValue(const domain::Date& d);
rendering::Value emptyDate();  // the same fields, empty
// A person ({"name", "phone", "email"}) as a list of none or one.
rendering::Value contactList(const Poco::JSON::Object::Ptr& person);

}  // namespace vc::letters
