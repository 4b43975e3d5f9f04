#include "rendering/compiled_template.h"

#include <deque>
#include <string_view>

namespace vc::rendering {
namespace {

using Token = CompiledTemplate::Token;
using citer = std::string::const_iterator;
using criter = std::string::const_reverse_iterator;

// mstch's utils.cpp.
citer firstNotWs(citer begin, citer end) {
  for (auto it = begin; it != end; ++it)
    if (*it != ' ') return it;
  return end;
}

citer firstNotWs(criter begin, criter end) {
  for (auto rit = begin; rit != end; ++rit)
    if (*rit != ' ') return --(rit.base());
  return --(end.base());
}

criter reverse(citer it) { return criter(it); }

Token::Type tokenInfo(char c) {
  switch (c) {
    case '>': return Token::Type::kPartial;
    case '^': return Token::Type::kInvertedSectionOpen;
    case '/': return Token::Type::kSectionClose;
    case '&': return Token::Type::kUnescapedVariable;
    case '#': return Token::Type::kSectionOpen;
    case '!': return Token::Type::kComment;
    default: return Token::Type::kVariable;
  }
}

// mstch's token::token(str, left, right): a tag when left and right (the delimiters' sizes) are given.
Token makeToken(const std::string& str, std::size_t left = 0, std::size_t right = 0) {
  Token t;
  t.raw = str;
  if (left != 0 && right != 0) {
    if (str[left] == '=' && str[str.size() - right - 1] == '=') {
      t.type = Token::Type::kDelimiterChange;
    } else if (str[left] == '{' && str[str.size() - right - 1] == '}') {
      t.type = Token::Type::kUnescapedVariable;
      t.name = std::string(firstNotWs(str.begin() + left + 1, str.end() - right),
                           firstNotWs(str.rbegin() + 1 + right, str.rend() - left) + 1);
    } else {
      auto c = firstNotWs(str.begin() + left, str.end() - right);
      t.type = tokenInfo(*c);
      if (t.type != Token::Type::kVariable) c = firstNotWs(c + 1, str.end() - right);
      t.name = std::string(c, firstNotWs(str.rbegin() + right, str.rend() - left) + 1);
    }
  } else {
    t.type = Token::Type::kText;
    t.eol = (!str.empty() && str[str.size() - 1] == '\n');
    t.ws_only = (str.find_first_not_of(" \r\n\t") == std::string::npos);
  }
  return t;
}

// mstch's html_escape (its config::escape is never set by the daemon).
void appendEscaped(std::string& out, const std::string& s) {
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const char* rep = nullptr;
    switch (s[i]) {
      case '&': rep = "&amp;"; break;
      case '\'': rep = "&#39;"; break;
      case '"': rep = "&quot;"; break;
      case '<': rep = "&lt;"; break;
      case '>': rep = "&gt;"; break;
      case '/': rep = "&#x2F;"; break;
      default: continue;
    }
    out.append(s, start, i - start);
    out += rep;
    start = i + 1;
  }
  out.append(s, start, std::string::npos);
}

// mstch's render_context with its two states (outside_section, in_section), on
// Value: a null node (mstch's nullptr) is a null pointer here.
class Renderer {
 public:
  Renderer(const CompiledPartials& partials, const Value& root, std::string& out) : partials_(partials), out_(out) {
    nodes_.push_back(&root);
    levels_.emplace_back();
  }

  void render(const std::vector<const Token*>& tokens, const Token* prefix) {
    bool prev_eol = true;
    for (const Token* token : tokens) {
      if (prev_eol && prefix) step(*prefix);
      step(*token);
      prev_eol = token->eol;
    }
  }

 private:
  // One push level: mstch's render_state at the top of its stack.
  struct Level {
    bool in_section = false;
    bool inverted = false;
    const Token* start = nullptr;
    std::vector<const Token*> section;
    int skipped_openings = 0;
  };

  void step(const Token& token) {
    Level& level = levels_.back();
    if (!level.in_section) {
      switch (token.type) {
        case Token::Type::kSectionOpen:
        case Token::Type::kInvertedSectionOpen:
          level.in_section = true;
          level.inverted = token.type == Token::Type::kInvertedSectionOpen;
          level.start = &token;
          level.section.clear();
          level.skipped_openings = 0;
          break;
        case Token::Type::kVariable: renderNode(getNode(token.name), true); break;
        case Token::Type::kUnescapedVariable: renderNode(getNode(token.name), false); break;
        case Token::Type::kText: out_ += token.raw; break;
        case Token::Type::kPartial: {
          auto it = partials_.find(token.name);
          if (it != partials_.end()) render(it->second->tokens(), token.prefix.get());
          break;
        }
        default: break;
      }
      return;
    }
    if (token.type == Token::Type::kSectionClose) {
      if (token.name == level.start->name && level.skipped_openings == 0) {
        const Value* node = getNode(level.start->name);
        const bool inverted = level.inverted;
        const std::vector<const Token*> section = std::move(level.section);
        level.section.clear();
        level.in_section = false;  // mstch sets this after rendering; the render below runs on a pushed level
        if (!inverted && !isEmpty(node)) {
          renderSection(node, section, false);
        } else if (inverted && isEmpty(node)) {
          push(nullptr);
          render(section, nullptr);
          pop();
        }
        return;
      }
      level.skipped_openings--;
    } else if (token.type == Token::Type::kInvertedSectionOpen || token.type == Token::Type::kSectionOpen) {
      level.skipped_openings++;
    }
    level.section.push_back(&token);
  }

  // mstch's render_section visitor.
  void renderSection(const Value* node, const std::vector<const Token*>& section, bool keep_array) {
    if (node && node->isList() && !keep_array) {
      for (const Value& item : node->items()) renderSection(&item, section, true);
      return;
    }
    push(node);
    render(section, nullptr);
    pop();
  }

  void push(const Value* node) {
    nodes_.push_back(node);
    levels_.emplace_back();
  }
  void pop() {
    nodes_.pop_back();
    levels_.pop_back();
  }

  // mstch's render_node visitor.
  void renderNode(const Value* node, bool escape) {
    if (!node) return;
    if (node->isText()) {
      if (escape)
        appendEscaped(out_, node->text());
      else
        out_ += node->text();
    } else if (node->isBool()) {
      out_ += node->boolean() ? "true" : "false";
    }
  }

  // mstch's is_node_empty visitor.
  static bool isEmpty(const Value* node) {
    if (!node) return true;
    switch (node->type()) {
      case Value::Type::kBool: return !node->boolean();
      case Value::Type::kText: return node->text().empty();
      case Value::Type::kList: return node->items().empty();
      case Value::Type::kMap: return false;
    }
    return false;
  }

  // mstch's has_token and get_token: a map has its fields; anything else (null included) only ".".
  static bool hasToken(const Value* node, std::string_view token, const Value** found) {
    if (node && node->isMap()) {
      for (const auto& [k, v] : node->fields())
        if (k == token) {
          *found = &v;
          return true;
        }
      return false;
    }
    if (token == ".") {
      *found = node;
      return true;
    }
    return false;
  }

  // mstch's find_node: a dotted name is looked up segment by segment, each in the one node found so far.
  static const Value* findNode(std::string_view token, const Value* const* nodes, size_t count) {
    if (token != "." && token.find('.') != std::string_view::npos) {
      const size_t dot = token.rfind('.');
      const Value* parent = findNode(token.substr(0, dot), nodes, count);
      return findNode(token.substr(dot + 1), &parent, 1);
    }
    for (size_t i = count; i-- > 0;) {  // innermost first
      const Value* found = nullptr;
      if (hasToken(nodes[i], token, &found)) return found;
    }
    return nullptr;
  }

  const Value* getNode(const std::string& token) const { return findNode(token, nodes_.data(), nodes_.size()); }

  const CompiledPartials& partials_;
  std::string& out_;
  std::vector<const Value*> nodes_;  // the context stack, innermost last
  std::deque<Level> levels_;         // references stay valid as levels are pushed
};

}  // namespace

CompiledTemplate::CompiledTemplate(const std::string& text) {
  tokenize(text);
  stripWhitespace();
  sequence_.reserve(tokens_.size());
  for (const Token& t : tokens_) sequence_.push_back(&t);
}

void CompiledTemplate::processText(citer begin, citer end) {
  if (begin == end) return;
  auto start = begin;
  for (auto it = begin; it != end; ++it)
    if (*it == '\n' || it == end - 1) {
      tokens_.push_back(makeToken(std::string(start, it + 1)));
      start = it + 1;
    }
}

void CompiledTemplate::tokenize(const std::string& tmp) {
  citer beg = tmp.begin();
  const auto npos = std::string::npos;
  for (std::size_t cur_pos = 0; cur_pos < tmp.size();) {
    auto open_pos = tmp.find(open_, cur_pos);
    auto close_pos = tmp.find(close_, open_pos == npos ? open_pos : open_pos + 1);
    if (close_pos != npos && open_pos != npos) {
      if (tmp[open_pos + open_.size()] == '{' && tmp[close_pos + close_.size()] == '}') ++close_pos;
      processText(beg + cur_pos, beg + open_pos);
      cur_pos = close_pos + close_.size();
      tokens_.push_back(
          makeToken(std::string(beg + open_pos, beg + close_pos + close_.size()), open_.size(), close_.size()));
      if (cur_pos == tmp.size()) {
        tokens_.push_back(makeToken(""));
        tokens_.back().eol = true;
      }
      if (tmp[open_pos + open_.size()] == '=' && tmp[close_pos - 1] == '=') {
        auto tok_beg = beg + open_pos + open_.size() + 1;
        auto tok_end = beg + close_pos - 1;
        auto front_skip = firstNotWs(tok_beg, tok_end);
        auto back_skip = firstNotWs(reverse(tok_end), reverse(tok_beg));
        open_ = std::string(front_skip, beg + tmp.find(' ', front_skip - beg));
        close_ = std::string(beg + tmp.rfind(' ', back_skip - beg) + 1, back_skip + 1);
      }
    } else {
      processText(beg + cur_pos, tmp.end());
      cur_pos = close_pos;
    }
  }
}

void CompiledTemplate::stripWhitespace() {
  auto line_begin = tokens_.begin();
  bool has_tag = false, non_space = false;
  for (auto it = tokens_.begin(); it != tokens_.end(); ++it) {
    auto type = it->type;
    if (type != Token::Type::kText && type != Token::Type::kVariable && type != Token::Type::kUnescapedVariable)
      has_tag = true;
    else if (!it->ws_only)
      non_space = true;
    if (it->eol) {
      if (has_tag && !non_space) {
        storePrefixes(line_begin);
        auto c = line_begin;
        for (bool end = false; !end; c->ws_only ? c = tokens_.erase(c) : ++c)
          if ((end = c->eol)) it = c - 1;
      }
      non_space = has_tag = false;
      line_begin = it + 1;
    }
  }
}

void CompiledTemplate::storePrefixes(std::vector<Token>::iterator begin) {
  for (auto cur = begin; !cur->eol; ++cur)
    if (cur->type == Token::Type::kPartial && cur != begin && (cur - 1)->ws_only)
      cur->prefix = std::make_shared<const Token>(makeToken((cur - 1)->raw));
}

std::string renderCompiled(const CompiledTemplate& root, const CompiledPartials& partials, const Value& data) {
  std::string out;
  out.reserve(16 * 1024);
  Renderer(partials, data, out).render(root.tokens(), nullptr);
  return out;
}

}  // namespace vc::rendering
