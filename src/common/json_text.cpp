#include "common/json_text.h"

#include <sstream>
#include <typeinfo>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Stringifier.h>

namespace vc {
namespace {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

// An object or array through its own stringify (Stringifier::stringify would reset its escaping option).
void appendByPoco(std::string& out, const Var& value) {
  std::ostringstream os;
  if (value.type() == typeid(Object::Ptr))
    value.extract<Object::Ptr>()->stringify(os);
  else if (value.type() == typeid(Array::Ptr))
    value.extract<Array::Ptr>()->stringify(os);
  else
    Poco::JSON::Stringifier::stringify(value, os);
  out += os.str();
}

void appendString(std::string& out, const std::string& s) {
  out += '"';
  appendJsonEscaped(out, s);
  out += '"';
}

void appendValue(std::string& out, const Var& v);

void appendObject(std::string& out, const Object& o) {
  out += '{';
  bool first = true;
  // getNames() gives the keys in the order stringify() walks them: insertion order for an ordered
  // object, sorted for a plain one.
  for (const std::string& name : o.getNames()) {
    if (!first) out += ',';
    first = false;
    appendString(out, name);
    out += ':';
    appendValue(out, o.get(name));
  }
  out += '}';
}

void appendArray(std::string& out, const Array& a) {
  out += '[';
  bool first = true;
  for (auto it = a.begin(); it != a.end(); ++it) {  // by reference: get(i) copies each value
    if (!first) out += ',';
    first = false;
    appendValue(out, *it);
  }
  out += ']';
}

// Inside a tree whose root does not escape all of Unicode, Poco writes every nested object and array
// without it too (Stringifier passes the root's option down), so only the root's setting matters.
void appendValue(std::string& out, const Var& v) {
  const std::type_info& t = v.type();
  if (t == typeid(Object::Ptr)) {
    appendObject(out, *v.extract<Object::Ptr>());
  } else if (t == typeid(Array::Ptr)) {
    appendArray(out, *v.extract<Array::Ptr>());
  } else if (t == typeid(std::string)) {
    appendString(out, v.extract<std::string>());
  } else if (v.isEmpty()) {
    out += "null";
  } else if (t == typeid(bool)) {
    out += v.extract<bool>() ? "true" : "false";
  } else if (t == typeid(int)) {
    out += std::to_string(v.extract<int>());
  } else if (t == typeid(Poco::Int64)) {
    out += std::to_string(v.extract<Poco::Int64>());
  } else if (t == typeid(Poco::UInt64)) {
    out += std::to_string(v.extract<Poco::UInt64>());
  } else if (t == typeid(long)) {
    out += std::to_string(v.extract<long>());
  } else if (t == typeid(unsigned)) {
    out += std::to_string(v.extract<unsigned>());
  } else if (t == typeid(long long)) {
    out += std::to_string(v.extract<long long>());
  } else if (t == typeid(unsigned long long)) {
    out += std::to_string(v.extract<unsigned long long>());
  } else if (t == typeid(unsigned long)) {
    out += std::to_string(v.extract<unsigned long>());
  } else {
    appendByPoco(out, v);  // a double, a char, a date, an Object or Array by value ...
  }
}

// Objects walked in their map's order (sorted by key, whatever order the object keeps for stringify).
bool appendSorted(std::string& out, const Var& v) {
  const std::type_info& t = v.type();
  if (t == typeid(Object::Ptr)) {
    const Object& o = *v.extract<Object::Ptr>();
    if (o.getEscapeUnicode()) return false;
    out += '{';
    bool first = true;
    for (auto it = o.begin(); it != o.end(); ++it) {
      if (!first) out += ',';
      first = false;
      appendString(out, it->first);
      out += ':';
      if (!appendSorted(out, it->second)) return false;
    }
    out += '}';
    return true;
  }
  if (t == typeid(Array::Ptr)) {
    const Array& a = *v.extract<Array::Ptr>();
    if (a.getEscapeUnicode()) return false;
    out += '[';
    bool first = true;
    for (auto it = a.begin(); it != a.end(); ++it) {
      if (!first) out += ',';
      first = false;
      if (!appendSorted(out, *it)) return false;
    }
    out += ']';
    return true;
  }
  if (t == typeid(std::string) || v.isEmpty() || t == typeid(bool) || t == typeid(int) || t == typeid(Poco::Int64) ||
      t == typeid(Poco::UInt64) || t == typeid(long) || t == typeid(unsigned) || t == typeid(long long) ||
      t == typeid(unsigned long long) || t == typeid(unsigned long)) {
    appendValue(out, v);
    return true;
  }
  return false;
}

}  // namespace

bool appendSortedPocoJson(std::string& out, const Var& value) { return appendSorted(out, value); }

void appendPocoJson(std::string& out, const Var& value) {
  const std::type_info& t = value.type();
  if ((t == typeid(Object::Ptr) && value.extract<Object::Ptr>()->getEscapeUnicode()) ||
      (t == typeid(Array::Ptr) && value.extract<Array::Ptr>()->getEscapeUnicode())) {
    appendByPoco(out, value);
    return;
  }
  appendValue(out, value);
}

std::string pocoJsonText(const Var& value) {
  std::string out;
  appendPocoJson(out, value);
  return out;
}

}  // namespace vc
