#pragma once
// The letter templates (letter_templates/): loaded and checked once at start,
// then used to render letters with mstch, the only code that uses mstch.
//
// Layout of the directory:
//   layout.mustache              the page: letterhead, address, {{> content}}
//   <kind>.<lang>.mustache       one letter body per kind and language (en, cy);
//                                each is also a partial of that name, so a Welsh
//                                letter can end with its English version
//   partials/<name>.mustache     shared pieces ({{> signature.en}}, ...)
//
// Immutable after load(); render() is thread-safe (mstch's global escape
// setting is never changed).

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "rendering/compiled_template.h"
#include "rendering/template_check.h"
#include "rendering/value.h"

namespace vc::rendering {

struct RenderedLetter {
  std::string html;                // a whole HTML document, every field escaped
  std::string text;                // the same letter as plain text
  std::vector<std::string> holes;  // fields that would print empty (the letter must not go out)
  std::string template_version;    // "<kind>.<lang>@<first 12 hex of the SHA-256 of every file used>"
};

class TemplateSet {
 public:
  using SampleFn = std::function<Value(const std::string& kind, const std::string& lang)>;

  // Loads and checks `dir` for every kind in every language: each template and
  // partial it reaches may name only fields `schema` has; each must render with
  // sample(kind, lang) using only tags the plain-text form can show. Throws
  // TemplateError listing every problem, each naming its file and field.
  static TemplateSet load(const std::string& dir, const std::vector<std::string>& kinds,
                          const std::vector<std::string>& languages, const Value& schema, const SampleFn& sample);

  // Throws TemplateError if no template was loaded for the kind and language.
  RenderedLetter render(const std::string& kind, const std::string& lang, const Value& data) const;

  // The sources one letter is rendered from: the layout, and every partial by
  // name ("content" is the letter's own template). For tools and benchmarks.
  const std::string& layoutText(const std::string& kind, const std::string& lang) const {
    return letter(kind, lang).layout_text;
  }
  const std::map<std::string, std::string>& partialTexts(const std::string& kind, const std::string& lang) const {
    return letter(kind, lang).partial_texts;
  }

  // Whether render() walks the templates parsed at load (true) or hands their text to
  // mstch::render (false: only if the two disagreed on the letter's sample at load).
  bool compiled(const std::string& kind, const std::string& lang) const { return !letter(kind, lang).use_mstch; }

  // "<kind>.<lang>@<hash>", as render() reports it, without rendering.
  const std::string& version(const std::string& kind, const std::string& lang) const {
    return letter(kind, lang).version;
  }

  size_t fileCount() const { return file_count_; }
  const std::string& dir() const { return dir_; }

 private:
  struct Letter {
    std::string layout_text;
    std::map<std::string, std::string> partial_texts;  // for mstch: those the letter reaches, "content" included
    PartialMap partials;                                 // for the checks, "content" included
    CompiledPartials compiled;                           // parsed once: the same names as partial_texts
    bool use_mstch = false;                              // the compiled path disagreed with mstch at load
    std::string version;
  };

  TemplateSet() = default;
  const Letter& letter(const std::string& kind, const std::string& lang) const;

  std::string dir_;
  size_t file_count_ = 0;
  // Parsed files, owned here; Letter::partials point into it.
  std::map<std::string, std::unique_ptr<ParsedTemplate>> parsed_;
  std::unique_ptr<ParsedTemplate> layout_;
  // The same files parsed once for rendering; Letter::compiled points into these.
  std::map<std::string, std::unique_ptr<CompiledTemplate>> compiled_;
  std::unique_ptr<CompiledTemplate> compiled_layout_;
  std::map<std::string, Letter> letters_;  // "<kind>.<lang>"
};

}  // namespace vc::rendering
