#include "common/json_reader.h"

#include <set>
#include <vector>

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>

#include "common/text.h"

namespace vc {
namespace {

// Poco's handler, which keeps the last of two equal keys without a word; this one refuses the second.
class NoRepeatedKeys : public Poco::JSON::ParseHandler {
 public:
  NoRepeatedKeys() : Poco::JSON::ParseHandler(true) {}  // keep the sender's key order

  void reset() override {
    Poco::JSON::ParseHandler::reset();
    keys_.clear();
  }
  void startObject() override {
    keys_.emplace_back();
    Poco::JSON::ParseHandler::startObject();
  }
  void endObject() override {
    keys_.pop_back();
    Poco::JSON::ParseHandler::endObject();
  }
  void key(const std::string& k) override {
    if (!keys_.empty() && !keys_.back().insert(k).second)
      throw JsonSyntaxError("the key \"" + printable(k) + "\" appears twice in one object");
    Poco::JSON::ParseHandler::key(k);
  }

 private:
  static std::string printable(const std::string& k) {
    std::string out;
    for (char c : k.substr(0, 64)) out += static_cast<unsigned char>(c) < 0x20 || c == '"' ? '?' : c;
    return out;
  }

  std::vector<std::set<std::string>> keys_;  // one set per object being read, innermost last
};

using Visitor = std::function<void(const std::string&, const std::string&, const std::string&, bool)>;

void visit(const Poco::Dynamic::Var& value, const std::string& path, const std::string& member, const Visitor& f) {
  if (value.type() == typeid(Poco::JSON::Object::Ptr)) {
    const auto object = value.extract<Poco::JSON::Object::Ptr>();
    for (const auto& [key, child] : *object) {
      f(path, member, key, true);
      visit(child, path.empty() ? key : path + "." + key, key, f);
    }
  } else if (value.type() == typeid(Poco::JSON::Array::Ptr)) {
    const auto array = value.extract<Poco::JSON::Array::Ptr>();
    for (size_t i = 0; i < array->size(); ++i)
      visit(array->get(static_cast<unsigned>(i)), path + "[" + std::to_string(i) + "]", member, f);
  } else if (value.isString()) {
    f(path, member, value.extract<std::string>(), false);
  }
}

}  // namespace

void visitJsonText(const Poco::Dynamic::Var& value, const Visitor& f) { visit(value, "", "", f); }

Poco::Dynamic::Var readUntrustedJson(const std::string& text) {
  if (!isValidUtf8(text)) throw JsonSyntaxError("the text is not valid UTF-8");
  Poco::JSON::Parser parser(new NoRepeatedKeys);
  parser.setDepth(kMaxJsonDepth);
  try {
    return parser.parse(text);
  } catch (const Poco::Exception& e) {
    throw JsonSyntaxError(e.message().empty() ? e.displayText() : e.message());
  }
}

}  // namespace vc
