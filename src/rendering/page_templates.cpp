#include "rendering/page_templates.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include <mstch/mstch.hpp>

#include "rendering/mstch_value.h"

namespace vc::rendering {
namespace {

namespace fs = std::filesystem;

bool endsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

void check(const std::vector<TemplateNode>& nodes, const std::map<std::string, std::string>& partials,
           std::vector<std::string>& problems) {
  for (const TemplateNode& n : nodes) {
    const std::string where = n.file + ":" + std::to_string(n.line) + ": " + n.tag + ": ";
    if (n.kind == TemplateNode::Kind::kRawVariable && !endsWith(n.name, "_html"))
      problems.push_back(where + "unescaped output is allowed only for names ending _html (HTML the server built)");
    if (n.kind == TemplateNode::Kind::kPartial && n.name != "content" && !partials.count(n.name))
      problems.push_back(where + "no such partial (partials/" + n.name + ".mustache)");
    check(n.children, partials, problems);
  }
}

// The *.mustache files directly in `dir`, by name without the extension.
std::map<std::string, std::string> readDir(const fs::path& dir) {
  std::map<std::string, std::string> out;
  if (!fs::is_directory(dir)) return out;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string file = entry.path().filename().string();
    if (!entry.is_regular_file() || !endsWith(file, ".mustache")) continue;
    out[file.substr(0, file.size() - 9)] = readTemplateFile(entry.path().string());
  }
  return out;
}

}  // namespace

PageTemplates PageTemplates::load(const std::string& dir) {
  PageTemplates set;
  set.pages_ = readDir(dir);
  set.partials_ = readDir(fs::path(dir) / "partials");
  auto layout = set.pages_.find("layout");
  if (layout == set.pages_.end()) throw TemplateError(dir + "/layout.mustache: missing");
  set.layout_ = layout->second;
  set.pages_.erase(layout);

  std::vector<std::string> problems;
  auto checkOne = [&](const std::string& file, const std::string& text) {
    try {
      check(parseTemplate(file, file, text).nodes, set.partials_, problems);
    } catch (const TemplateError& e) {
      problems.push_back(e.what());
    }
  };
  checkOne(dir + "/layout.mustache", set.layout_);
  for (const auto& [name, text] : set.pages_) checkOne(dir + "/" + name + ".mustache", text);
  for (const auto& [name, text] : set.partials_) checkOne(dir + "/partials/" + name + ".mustache", text);
  if (!problems.empty()) {
    std::string s = "web page templates in " + dir + ": " + std::to_string(problems.size()) + " problem" +
                    (problems.size() == 1 ? "" : "s") + ":";
    for (const auto& p : problems) s += "\n  " + p;
    throw TemplateError(s);
  }
  return set;
}

std::string PageTemplates::render(const std::string& page, const Value& data) const {
  auto it = pages_.find(page);
  if (it == pages_.end()) throw TemplateError("no web page template " + page);
  std::map<std::string, std::string> partials = partials_;
  partials["content"] = it->second;
  return mstch::render(layout_, toMstch(data), partials);
}

}  // namespace vc::rendering
