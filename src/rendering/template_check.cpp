#include "rendering/template_check.h"

#include <fstream>
#include <sstream>

#include <algorithm>
#include <functional>
#include <set>

namespace vc::rendering {

std::string readTemplateFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw TemplateError(path + ": cannot be read");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
namespace {

constexpr int kMaxPartialDepth = 16;

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

std::vector<std::string> splitDots(const std::string& name) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t dot = name.find('.', start);
    parts.push_back(name.substr(start, dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return parts;
}

// One level of the context stack: a value and the dotted path it came from.
struct Scope {
  const Value* value;
  std::string path;
};

struct Resolved {
  const Value* value = nullptr;
  std::string path;
};

// Mustache lookup: "." is the top of the stack; otherwise the first part of a
// dotted name is looked up from the top of the stack down, the rest strictly.
// Where a lookup ended, without the path's text: findHoles names the path only for a hole or a section
// (building it for every field a letter prints was most of finding its holes; issue 16, "drafting's CPU").
struct Lookup {
  const Value* value = nullptr;
  const Scope* scope = nullptr;  // where the first part was found; nullptr when nowhere (or for ".")
  bool whole = false;            // every part found
};

Lookup lookUp(const std::vector<Scope>& scopes, const TemplateNode& node) {
  if (node.name == ".") return {scopes.back().value, nullptr, true};
  const std::vector<std::string>& parts = node.path;
  for (auto it = scopes.rbegin(); it != scopes.rend(); ++it) {
    const Value* v = it->value->find(parts[0]);
    if (!v) continue;
    for (size_t i = 1; i < parts.size(); ++i) {
      v = v->find(parts[i]);
      if (!v) return {nullptr, &*it, false};
    }
    return {v, &*it, true};
  }
  return {nullptr, nullptr, false};
}

// The path resolve() names for what lookUp() found.
std::string pathOf(const std::vector<Scope>& scopes, const TemplateNode& node, const Lookup& l) {
  const std::string& name = node.name;
  if (name == ".") return scopes.back().path;
  if (!l.scope) return name;
  if (!l.whole) return l.scope->path.empty() ? name : l.scope->path + "." + name;
  const std::vector<std::string>& parts = node.path;
  std::string path = l.scope->path.empty() ? parts[0] : l.scope->path + "." + parts[0];
  for (size_t i = 1; i < parts.size(); ++i) path += "." + parts[i];
  return path;
}

Resolved resolve(const std::vector<Scope>& scopes, const TemplateNode& node) {
  const Lookup l = lookUp(scopes, node);
  return {l.value, pathOf(scopes, node, l)};
}

std::string where(const TemplateNode& n) { return n.file + ":" + std::to_string(n.line) + ": " + n.tag + ": "; }

const ParsedTemplate* partialOrNull(const PartialMap& partials, const std::string& name) {
  auto it = partials.find(name);
  return it == partials.end() ? nullptr : it->second;
}

}  // namespace

ParsedTemplate parseTemplate(const std::string& name, const std::string& file, const std::string& text) {
  ParsedTemplate out{name, file, {}};
  std::vector<std::vector<TemplateNode>*> open = {&out.nodes};
  std::vector<TemplateNode*> sections;
  size_t pos = 0;
  int line = 1;
  size_t counted = 0;  // text[0, counted) has been scanned for newlines
  auto lineAt = [&](size_t p) {
    line += static_cast<int>(std::count(text.begin() + static_cast<long>(counted), text.begin() + static_cast<long>(p), '\n'));
    counted = p;
    return line;
  };
  while (true) {
    const size_t start = text.find("{{", pos);
    if (start == std::string::npos) break;
    const int at = lineAt(start);
    const bool triple = text.compare(start, 3, "{{{") == 0;
    const std::string closer = triple ? "}}}" : "}}";
    const size_t end = text.find(closer, start + closer.size());
    if (end == std::string::npos)
      throw TemplateError(file + ":" + std::to_string(at) + ": a tag opened with " + (triple ? "{{{" : "{{") +
                          " is never closed");
    const std::string tag = text.substr(start, end + closer.size() - start);
    std::string inner = trim(text.substr(start + closer.size(), end - start - closer.size()));
    pos = end + closer.size();

    TemplateNode node;
    node.tag = tag;
    node.file = file;
    node.line = at;
    const char sigil = triple ? '{' : (inner.empty() ? '\0' : inner[0]);
    switch (sigil) {
      case '!': continue;  // comment
      case '=':
        throw TemplateError(file + ":" + std::to_string(at) + ": " + tag +
                            ": changing the delimiters is not supported in letter templates");
      case '{': node.kind = TemplateNode::Kind::kRawVariable; node.name = inner; break;
      case '&': node.kind = TemplateNode::Kind::kRawVariable; node.name = trim(inner.substr(1)); break;
      case '#': node.kind = TemplateNode::Kind::kSection; node.name = trim(inner.substr(1)); break;
      case '^': node.kind = TemplateNode::Kind::kInverted; node.name = trim(inner.substr(1)); break;
      case '>': node.kind = TemplateNode::Kind::kPartial; node.name = trim(inner.substr(1)); break;
      case '/': {
        const std::string closing = trim(inner.substr(1));
        if (sections.empty())
          throw TemplateError(file + ":" + std::to_string(at) + ": " + tag + ": closes a section that was never opened");
        if (sections.back()->name != closing)
          throw TemplateError(file + ":" + std::to_string(at) + ": " + tag + ": closes '" + closing + "' but '" +
                              sections.back()->name + "' (opened on line " + std::to_string(sections.back()->line) +
                              ") is the section still open");
        sections.pop_back();
        open.pop_back();
        continue;
      }
      default: node.kind = TemplateNode::Kind::kVariable; node.name = inner; break;
    }
    if (node.name.empty()) throw TemplateError(file + ":" + std::to_string(at) + ": " + tag + ": an empty tag");
    node.path = node.name == "." ? std::vector<std::string>{"."} : splitDots(node.name);
    open.back()->push_back(std::move(node));
    if (open.back()->back().kind == TemplateNode::Kind::kSection ||
        open.back()->back().kind == TemplateNode::Kind::kInverted) {
      sections.push_back(&open.back()->back());
      open.push_back(&open.back()->back().children);
    }
  }
  if (!sections.empty())
    throw TemplateError(file + ":" + std::to_string(sections.back()->line) + ": " + sections.back()->tag +
                        ": the section is never closed");
  return out;
}

std::vector<std::string> checkFields(const ParsedTemplate& root, const PartialMap& partials, const Value& schema) {
  std::vector<std::string> problems;
  std::set<std::string> seen;
  auto problem = [&](const std::string& message) {
    if (seen.insert(message).second) problems.push_back(message);
  };
  std::vector<Scope> scopes = {{&schema, ""}};
  std::function<void(const std::vector<TemplateNode>&, int)> walk = [&](const std::vector<TemplateNode>& nodes,
                                                                         int depth) {
    for (const TemplateNode& n : nodes) {
      if (n.kind == TemplateNode::Kind::kPartial) {
        const ParsedTemplate* p = partialOrNull(partials, n.name);
        if (!p) {
          problem(where(n) + "there is no partial named '" + n.name + "'");
        } else if (depth >= kMaxPartialDepth) {
          problem(where(n) + "partials include one another more than " + std::to_string(kMaxPartialDepth) +
                  " deep (a loop?)");
        } else {
          walk(p->nodes, depth + 1);
        }
        continue;
      }
      if (n.kind == TemplateNode::Kind::kRawVariable) {
        problem(where(n) + "unescaped output is not allowed in letters; write {{" + n.name + "}}");
        continue;
      }
      const Resolved r = resolve(scopes, n);
      if (!r.value) {
        problem(where(n) + "the letter context has no field '" + r.path + "'");
        continue;
      }
      if (n.kind == TemplateNode::Kind::kVariable) {
        if (!r.value->isText())
          problem(where(n) + "'" + r.path + "' is a " + Value::typeName(r.value->type()) +
                  ", not text; use it as a section ({{#" + n.name + "}}...{{/" + n.name + "}})");
        continue;
      }
      if (n.kind == TemplateNode::Kind::kSection && r.value->isList()) {
        if (r.value->items().empty()) {
          problem(where(n) + "the schema's list '" + r.path + "' is empty, so what is inside cannot be checked");
          continue;
        }
        scopes.push_back({&r.value->items().front(), r.path + "[]"});
      } else {
        scopes.push_back({r.value, r.path});
      }
      walk(n.children, depth);
      scopes.pop_back();
    }
  };
  walk(root.nodes, 0);
  return problems;
}

std::vector<std::string> findHoles(const ParsedTemplate& root, const PartialMap& partials, const Value& data) {
  std::vector<std::string> holes;
  std::vector<Scope> scopes = {{&data, ""}};
  std::function<void(const std::vector<TemplateNode>&, int)> walk = [&](const std::vector<TemplateNode>& nodes,
                                                                         int depth) {
    for (const TemplateNode& n : nodes) {
      if (n.kind == TemplateNode::Kind::kPartial) {
        const ParsedTemplate* p = partialOrNull(partials, n.name);
        if (p && depth < kMaxPartialDepth) walk(p->nodes, depth + 1);
        continue;
      }
      const Lookup r = lookUp(scopes, n);
      const bool present = r.value && r.value->truthy();
      switch (n.kind) {
        case TemplateNode::Kind::kVariable:
        case TemplateNode::Kind::kRawVariable:
          if (!present) {
            std::string path = pathOf(scopes, n, r);
            if (std::find(holes.begin(), holes.end(), path) == holes.end()) holes.push_back(std::move(path));
          }
          break;
        case TemplateNode::Kind::kInverted:
          if (!present) walk(n.children, depth);
          break;
        case TemplateNode::Kind::kSection:
          if (!present) break;
          if (r.value->isList()) {
            const std::string path = pathOf(scopes, n, r) + "[]";
            for (const Value& item : r.value->items()) {
              scopes.push_back({&item, path});
              walk(n.children, depth);
              scopes.pop_back();
            }
          } else {
            scopes.push_back({r.value, pathOf(scopes, n, r)});
            walk(n.children, depth);
            scopes.pop_back();
          }
          break;
        case TemplateNode::Kind::kPartial: break;
      }
    }
  };
  walk(root.nodes, 0);
  return holes;
}

}  // namespace vc::rendering
