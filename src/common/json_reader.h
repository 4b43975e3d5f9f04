#pragma once
// Reads JSON that comes from outside the daemon (request bodies, import
// files) more strictly than Poco's parser alone: key order is kept, a key
// given twice in one object is refused (which of the two would count?), and
// so is text that is not UTF-8 or nesting deeper than kMaxJsonDepth.
// Stateless; thread-safe. JSON the daemon wrote itself is read with
// http::parseJson.

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>

#include <Poco/Dynamic/Var.h>

namespace vc {

constexpr size_t kMaxJsonDepth = 32;

class JsonSyntaxError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws JsonSyntaxError saying what is wrong (and, for a repeated key, which).
Poco::Dynamic::Var readUntrustedJson(const std::string& text);

// The fast path readUntrustedJson takes first (json_reader.cpp): the same tree, for the text it settles;
// nullopt for text it leaves to Poco's parser. Exposed for tests that hold the two to the same trees.
std::optional<Poco::Dynamic::Var> readJsonFast(const std::string& text);

// Calls `visit` for every object key and every string value in `value`, depth first, with the
// path to it ("address.lines[0]"; a key's own path is its object's) and the name of the member
// it belongs to (for a string inside an array, the array's member). For checking text.
void visitJsonText(const Poco::Dynamic::Var& value,
                   const std::function<void(const std::string& path, const std::string& member,
                                            const std::string& text, bool is_key)>& visit);

}  // namespace vc
