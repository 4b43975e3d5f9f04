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

std::string Value::canonical() const {
  auto quote = [](const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    return out + "\"";
  };
  switch (type_) {
    case Type::kText: return quote(text_);
    case Type::kBool: return bool_ ? "true" : "false";
    case Type::kList: {
      std::string out = "[";
      for (size_t i = 0; i < items_.size(); ++i) out += (i ? "," : "") + items_[i].canonical();
      return out + "]";
    }
    case Type::kMap: {
      std::string out = "{";
      for (size_t i = 0; i < fields_.size(); ++i)
        out += (i ? "," : "") + quote(fields_[i].first) + ":" + fields_[i].second.canonical();
      return out + "}";
    }
  }
  return {};
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
