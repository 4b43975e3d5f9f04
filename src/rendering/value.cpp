#include "rendering/value.h"

namespace vc::rendering {

Value Value::list(std::vector<Value> items) {
  Value v;
  v.type_ = Type::kList;
  v.items_ = std::move(items);
  return v;
}

Value Value::textList(const std::vector<std::string>& items) {
  Value v = list();
  for (const auto& s : items) v.push(Value(s));
  return v;
}

Value& Value::set(const std::string& key, Value v) {
  if (Value* existing = find(key)) {
    *existing = std::move(v);
  } else {
    fields_.emplace_back(key, std::move(v));
  }
  return *this;
}

const Value* Value::find(const std::string& key) const {
  if (type_ != Type::kMap) return nullptr;
  for (const auto& [k, v] : fields_)
    if (k == key) return &v;
  return nullptr;
}

Value* Value::find(const std::string& key) { return const_cast<Value*>(static_cast<const Value*>(this)->find(key)); }

bool Value::truthy() const {
  switch (type_) {
    case Type::kText: return !text_.empty();
    case Type::kBool: return bool_;
    case Type::kList: return !items_.empty();
    case Type::kMap: return true;
  }
  return false;
}

namespace {
void appendQuoted(std::string& out, const std::string& s) {
  out += '"';
  size_t from = 0;
  for (size_t at = 0; at < s.size(); ++at) {
    if (s[at] != '"' && s[at] != '\\') continue;
    out.append(s, from, at - from);
    out += '\\';
    from = at;  // the quote or backslash itself goes with the next run
  }
  out.append(s, from, std::string::npos);
  out += '"';
}
}  // namespace

// Written into one string: each level returning its own, copied into its parent's, cost about as much as
// hashing the result (issue 16, "drafting's CPU"). The same text as before, byte for byte: stored context
// hashes are made from it.
void Value::appendCanonical(std::string& out) const {
  switch (type_) {
    case Type::kText: appendQuoted(out, text_); return;
    case Type::kBool: out += bool_ ? "true" : "false"; return;
    case Type::kList:
      out += '[';
      for (size_t i = 0; i < items_.size(); ++i) {
        if (i) out += ',';
        items_[i].appendCanonical(out);
      }
      out += ']';
      return;
    case Type::kMap:
      out += '{';
      for (size_t i = 0; i < fields_.size(); ++i) {
        if (i) out += ',';
        appendQuoted(out, fields_[i].first);
        out += ':';
        fields_[i].second.appendCanonical(out);
      }
      out += '}';
      return;
  }
}

std::string Value::canonical() const {
  std::string out;
  appendCanonical(out);
  return out;
}

const char* Value::typeName(Type t) {
  switch (t) {
    case Type::kText: return "text";
    case Type::kBool: return "yes/no";
    case Type::kList: return "list";
    case Type::kMap: return "group of fields";
  }
  return "?";
}

}  // namespace vc::rendering
