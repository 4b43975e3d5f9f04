#pragma once
// Value: the data a template is rendered with, as a plain tree of text,
// yes/no, lists and named fields (insertion-ordered). Kept free of mstch so
// that context builders, checks and tests need not see it. A string literal
// becomes text, never a bool (the mstch pitfall). Plain value; copyable;
// const methods are thread-safe.

#include <string>
#include <utility>
#include <vector>

namespace vc::rendering {

class Value {
 public:
  enum class Type { kText, kBool, kList, kMap };

  Value() : type_(Type::kMap) {}
  Value(std::string text) : type_(Type::kText), text_(std::move(text)) {}  // NOLINT: implicit by design
  Value(const char* text) : type_(Type::kText), text_(text) {}             // NOLINT
  Value(bool b) : type_(Type::kBool), bool_(b) {}                          // NOLINT
  static Value list(std::vector<Value> items = {});
  static Value textList(const std::vector<std::string>& items);
  static Value map() { return Value(); }

  Type type() const { return type_; }
  bool isText() const { return type_ == Type::kText; }
  bool isBool() const { return type_ == Type::kBool; }
  bool isList() const { return type_ == Type::kList; }
  bool isMap() const { return type_ == Type::kMap; }

  const std::string& text() const { return text_; }
  bool boolean() const { return bool_; }
  const std::vector<Value>& items() const { return items_; }
  std::vector<Value>& items() { return items_; }
  const std::vector<std::pair<std::string, Value>>& fields() const { return fields_; }

  // Sets (or replaces) a field of a map; returns *this for chaining.
  Value& set(const std::string& key, Value v);
  void push(Value v) { items_.push_back(std::move(v)); }
  // The field, or nullptr when this is not a map or has no such field.
  const Value* find(const std::string& key) const;
  Value* find(const std::string& key);

  // Mustache truthiness: non-empty text, true, a non-empty list, any map.
  bool truthy() const;
  // A stable serialisation (for hashing what a letter was rendered from).
  std::string canonical() const;
  void appendCanonical(std::string& out) const;  // canonical(), appended to `out`

  static const char* typeName(Type t);

 private:
  Type type_;
  std::string text_;
  bool bool_ = false;
  std::vector<Value> items_;
  std::vector<std::pair<std::string, Value>> fields_;
};

}  // namespace vc::rendering
