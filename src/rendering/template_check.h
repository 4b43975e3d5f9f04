#pragma once
// Strictness for mustache templates, independent of the engine that renders
// them: parses a template's tags (the text between them is not kept), checks
// at load that every field a template names exists in the letter context, and
// finds the "holes" a given letter would have (fields that would print empty).
// Parsed templates are immutable; the functions are thread-safe.

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "rendering/value.h"

namespace vc::rendering {

class TemplateError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A template file's text; throws TemplateError naming the file if it cannot be read.
std::string readTemplateFile(const std::string& path);

struct TemplateNode {
  enum class Kind { kVariable, kRawVariable, kSection, kInverted, kPartial };
  Kind kind = Kind::kVariable;
  std::string name;  // field or partial name, trimmed
  std::vector<std::string> path;  // the name split at dots, once ("." stays whole)
  std::string tag;   // as written, e.g. "{{#decision.reasons}}", for messages
  std::string file;
  int line = 0;
  std::vector<TemplateNode> children;  // sections only
};

struct ParsedTemplate {
  std::string name;
  std::string file;
  std::vector<TemplateNode> nodes;
};

// Throws TemplateError ("file:line: ...") for an unterminated tag, a section
// closed by the wrong name or never closed, or a delimiter change (letters
// keep the standard {{ }} so the checker and the renderer read them alike).
ParsedTemplate parseTemplate(const std::string& name, const std::string& file, const std::string& text);

using PartialMap = std::map<std::string, const ParsedTemplate*>;

// Every problem found checking `root`, and the partials it reaches, against
// `schema`: a context that has every field and one item in every list. One
// message per problem, "file:line: {{tag}}: what is wrong". Unescaped output
// ({{{x}}}, {{&x}}) is refused: personal data always goes through escaping.
std::vector<std::string> checkFields(const ParsedTemplate& root, const PartialMap& partials, const Value& schema);

// The fields a render of `root` with `data` would print as empty text, as
// dotted paths ("decision.reasons"), each once, in the order the letter reads.
// Optional content must sit inside a section on its field ({{#x}}...{{x}}...{{/x}}).
std::vector<std::string> findHoles(const ParsedTemplate& root, const PartialMap& partials, const Value& data);

}  // namespace vc::rendering
