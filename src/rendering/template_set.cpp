#include "rendering/template_set.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>
#include <mstch/mstch.hpp>

#include "rendering/mstch_value.h"

#include "rendering/html_text.h"

namespace fs = std::filesystem;

namespace vc::rendering {
namespace {

constexpr const char* kExtension = ".mustache";
constexpr const char* kContent = "content";  // the partial name the layout includes the letter body by

std::string readFile(const fs::path& p) { return readTemplateFile(p.string()); }

bool endsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The partials a template reaches, by name, following includes.
void reachable(const std::vector<TemplateNode>& nodes, const PartialMap& partials, std::set<std::string>& seen) {
  for (const TemplateNode& n : nodes) {
    if (n.kind == TemplateNode::Kind::kPartial) {
      auto it = partials.find(n.name);
      if (it != partials.end() && seen.insert(n.name).second) reachable(it->second->nodes, partials, seen);
    } else {
      reachable(n.children, partials, seen);
    }
  }
}

std::string joinProblems(const std::string& dir, const std::vector<std::string>& problems) {
  std::string s = "letter templates in " + dir + ": " + std::to_string(problems.size()) + " problem" +
                  (problems.size() == 1 ? "" : "s") + ":";
  for (const auto& p : problems) s += "\n  " + p;
  return s;
}

}  // namespace

mstch::node toMstch(const Value& v) {
  switch (v.type()) {
    case Value::Type::kText: return v.text();
    case Value::Type::kBool: return v.boolean();
    case Value::Type::kList: {
      mstch::array a;
      a.reserve(v.items().size());
      for (const Value& item : v.items()) a.push_back(toMstch(item));
      return a;
    }
    case Value::Type::kMap: {
      mstch::map m;
      for (const auto& [k, f] : v.fields()) m.emplace(k, toMstch(f));
      return m;
    }
  }
  return std::string();
}

TemplateSet TemplateSet::load(const std::string& dir, const std::vector<std::string>& kinds,
                              const std::vector<std::string>& languages, const Value& schema, const SampleFn& sample) {
  TemplateSet set;
  set.dir_ = dir;
  std::vector<std::string> problems;
  std::map<std::string, std::string> texts;  // partial name -> text

  auto addFile = [&](const std::string& name, const fs::path& path) {
    std::string text = readFile(path);
    if (set.parsed_.count(name)) {
      problems.push_back(path.string() + ": a partial named '" + name + "' is defined twice");
      return;
    }
    try {
      set.parsed_[name] = std::make_unique<ParsedTemplate>(parseTemplate(name, path.string(), text));
      set.compiled_[name] = std::make_unique<CompiledTemplate>(text);
      texts[name] = std::move(text);
      ++set.file_count_;
    } catch (const TemplateError& e) {
      problems.push_back(e.what());
    }
  };

  const fs::path root(dir);
  if (!fs::is_directory(root)) throw TemplateError("letter templates: " + dir + " is not a directory");
  const fs::path layout_path = root / "layout.mustache";
  std::string layout_text;
  if (!fs::exists(layout_path)) {
    problems.push_back(layout_path.string() + ": missing (the page every letter is laid out on)");
  } else {
    layout_text = readFile(layout_path);
    try {
      set.layout_ = std::make_unique<ParsedTemplate>(parseTemplate("layout", layout_path.string(), layout_text));
      set.compiled_layout_ = std::make_unique<CompiledTemplate>(layout_text);
      ++set.file_count_;
    } catch (const TemplateError& e) {
      problems.push_back(e.what());
    }
  }
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(root))
    if (entry.is_regular_file() && endsWith(entry.path().filename().string(), kExtension) &&
        entry.path().filename() != "layout.mustache")
      files.push_back(entry.path());
  if (fs::is_directory(root / "partials"))
    for (const auto& entry : fs::directory_iterator(root / "partials"))
      if (entry.is_regular_file() && endsWith(entry.path().filename().string(), kExtension))
        files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    const std::string file = f.filename().string();
    addFile(file.substr(0, file.size() - std::string(kExtension).size()), f);
  }

  for (const auto& kind : kinds)
    for (const auto& lang : languages) {
      const std::string name = kind + "." + lang;
      if (!set.parsed_.count(name))
        problems.push_back((root / (name + kExtension)).string() + ": missing (the " + lang + " template for " + kind +
                           " letters)");
    }
  if (!problems.empty() || !set.layout_) throw TemplateError(joinProblems(dir, problems));

  PartialMap all;
  for (const auto& [name, parsed] : set.parsed_) all[name] = parsed.get();
  for (const auto& kind : kinds) {
    for (const auto& lang : languages) {
      const std::string name = kind + "." + lang;
      Letter l;
      l.layout_text = layout_text;
      l.partials = all;
      l.partials[kContent] = set.parsed_.at(name).get();
      l.partial_texts = texts;
      l.partial_texts[kContent] = texts.at(name);

      std::vector<std::string> found = checkFields(*set.layout_, l.partials, schema);
      for (auto& p : found) problems.push_back(p + " (in the " + name + " letter)");
      if (!found.empty()) continue;

      std::set<std::string> used;
      reachable(set.layout_->nodes, l.partials, used);
      Poco::SHA2Engine sha(Poco::SHA2Engine::SHA_256);
      sha.update(layout_text);
      std::map<std::string, std::string> used_texts;
      for (const auto& u : used) {
        sha.update("\0" + u + "\0");
        sha.update(l.partial_texts.at(u));
        used_texts[u] = l.partial_texts.at(u);
        l.compiled[u] = set.compiled_.at(u == kContent ? name : u).get();
      }
      // mstch parses every partial it is handed on every render: hand it only those this letter uses.
      l.partial_texts = std::move(used_texts);
      l.version = name + "@" + Poco::DigestEngine::digestToHex(sha.digest()).substr(0, 12);
      set.letters_[name] = std::move(l);

      const Value sample_data = sample(kind, lang);
      const RenderedLetter r = set.render(kind, lang, sample_data);
      // The compiled path must give mstch's bytes; if it ever does not for a template, that letter
      // keeps going through mstch::render (slower, never different).
      if (r.html != mstch::render(layout_text, toMstch(sample_data), set.letters_[name].partial_texts))
        set.letters_[name].use_mstch = true;
      for (const auto& tag : unsupportedTags(r.html))
        problems.push_back(set.parsed_.at(name)->file + ": the " + name + " letter uses <" + tag +
                           ">, which the plain-text version cannot show");
      for (const auto& hole : r.holes)
        problems.push_back(set.parsed_.at(name)->file + ": with the full sample context, {{" + hole +
                           "}} prints nothing; put optional content inside {{#" + hole + "}}...{{/" + hole + "}}");
    }
  }
  if (!problems.empty()) throw TemplateError(joinProblems(dir, problems));
  return set;
}

const TemplateSet::Letter& TemplateSet::letter(const std::string& kind, const std::string& lang) const {
  auto it = letters_.find(kind + "." + lang);
  if (it == letters_.end()) throw TemplateError("no letter template for " + kind + " in language '" + lang + "'");
  return it->second;
}

RenderedLetter TemplateSet::render(const std::string& kind, const std::string& lang, const Value& data) const {
  const Letter& l = letter(kind, lang);
  RenderedLetter r;
  r.holes = findHoles(*layout_, l.partials, data);
  if (l.use_mstch)
    r.html = mstch::render(l.layout_text, toMstch(data), l.partial_texts);
  else
    r.html = renderCompiled(*compiled_layout_, l.compiled, data);
  r.text = htmlToText(r.html);
  r.template_version = l.version;
  return r;
}

}  // namespace vc::rendering
