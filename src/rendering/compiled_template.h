#pragma once
// A mustache template parsed once, at load, and rendered straight from a Value
// exactly as mstch 1.0.2's mstch::render renders the same text: same tokens,
// same standalone-line and partial-indent rules, same escaping, same lookups.
//
// Why: mstch::render re-parses the template and every partial on every call,
// copies the context into its own tree and copies each section's tokens as it
// goes. Letters are rendered from the same few files thousands of times, so the
// daemon parses them once here and walks the tokens (docs/benchmarks.md,
// "Issue 16, item 6"). The tokenizer and the render state machine below are a
// port of mstch 1.0.2's src/template_type.cpp, token.cpp, render_context.cpp and
// state/*.cpp (MIT licence, Daniel Sipka), kept line for line where it matters,
// quirks included. TemplateSet checks at load that both give the same bytes for
// each letter's sample, and tests compare every letter in every language and
// variant with mstch::render.
//
// Immutable after construction; render functions are thread-safe.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "rendering/value.h"

namespace vc::rendering {

class CompiledTemplate {
 public:
  struct Token {
    enum class Type {
      kText, kVariable, kSectionOpen, kSectionClose, kInvertedSectionOpen,
      kUnescapedVariable, kComment, kPartial, kDelimiterChange
    };
    Type type = Type::kText;
    std::string name;
    std::string raw;
    bool eol = false;
    bool ws_only = false;
    // Partials on a standalone line indented by whitespace: that whitespace, as the
    // text token mstch makes of it for every line of the partial (null if none).
    std::shared_ptr<const Token> prefix;
  };

  explicit CompiledTemplate(const std::string& text);
  CompiledTemplate(const CompiledTemplate&) = delete;
  CompiledTemplate& operator=(const CompiledTemplate&) = delete;
  CompiledTemplate(CompiledTemplate&&) = default;
  CompiledTemplate& operator=(CompiledTemplate&&) = default;

  const std::vector<const Token*>& tokens() const { return sequence_; }

 private:
  void processText(std::string::const_iterator begin, std::string::const_iterator end);
  void tokenize(const std::string& text);
  void stripWhitespace();
  void storePrefixes(std::vector<Token>::iterator begin);

  std::vector<Token> tokens_;
  std::vector<const Token*> sequence_;  // into tokens_ (a moved vector keeps its elements)
  std::string open_ = "{{";
  std::string close_ = "}}";
};

// Partials by name; a name not here renders as nothing (as in mstch).
using CompiledPartials = std::map<std::string, const CompiledTemplate*>;

// What mstch::render(text of root, toMstch(data), texts of partials) returns.
std::string renderCompiled(const CompiledTemplate& root, const CompiledPartials& partials, const Value& data);

}  // namespace vc::rendering
