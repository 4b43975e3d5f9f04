#include "rendering/html_text.h"

#include <cctype>
#include <string_view>
#include <vector>

#include "common/text.h"

namespace vc::rendering {
namespace {

// The tags that start and end a block of text, and those whose content is not text. Compared by length
// first, not looked up in a std::set: a letter has a few hundred tags, and the set's string comparisons
// were a tenth of turning a letter into text (issue 16, "drafting's CPU").
bool isBlockTag(std::string_view n) {  // string_view: compared inline, length first
  switch (n.size()) {
    case 1: return n[0] == 'p';
    case 2: return n == "h1" || n == "h2" || n == "h3" || n == "h4" || n == "ul" || n == "ol" || n == "li";
    case 3: return n == "div";
    case 4: return n == "html" || n == "body" || n == "main";
    case 6: return n == "header" || n == "footer";
    case 7: return n == "section" || n == "address";
    default: return false;
  }
}
bool isSkippedTag(std::string_view n) { return n == "head" || n == "style" || n == "title"; }

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}


size_t codePoints(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

struct Tag {
  std::string name;  // lower case, without "/"
  bool closing = false;
  std::string href;
};

// Parses the inside of <...>: the name, whether it closes, and an href if any.
Tag parseTag(std::string_view inside) {
  Tag t;
  size_t i = 0;
  if (i < inside.size() && inside[i] == '/') {
    t.closing = true;
    ++i;
  }
  size_t start = i;
  while (i < inside.size() && (std::isalnum(static_cast<unsigned char>(inside[i])) || inside[i] == '!')) ++i;
  t.name = lower(std::string(inside.substr(start, i - start)));
  if (t.name != "a" || t.closing) return t;  // only links carry what the text shows
  const std::string rest = lower(std::string(inside.substr(i)));
  size_t h = rest.find("href=\"");
  if (h != std::string::npos) {
    size_t from = i + h + 6, to = inside.find('"', from);
    if (to != std::string_view::npos) t.href = decodeEntities(std::string(inside.substr(from, to - from)));
  }
  return t;
}

// Calls on_tag for each tag and on_text for each run of text between tags (views into
// `html`, no copies); skips comments.
template <class OnTag, class OnText>
void scan(std::string_view html, OnTag on_tag, OnText on_text) {
  size_t pos = 0;
  while (pos < html.size()) {
    size_t lt = html.find('<', pos);
    if (lt == std::string_view::npos) lt = html.size();
    if (lt > pos) on_text(html.substr(pos, lt - pos));
    if (lt == html.size()) break;
    if (html.compare(lt, 4, "<!--") == 0) {
      size_t end = html.find("-->", lt + 4);
      pos = end == std::string_view::npos ? html.size() : end + 3;
      continue;
    }
    size_t gt = html.find('>', lt);
    if (gt == std::string_view::npos) {
      on_text(html.substr(lt));
      break;
    }
    on_tag(parseTag(html.substr(lt + 1, gt - lt - 1)));
    pos = gt + 1;
  }
}

}  // namespace

const std::set<std::string>& supportedLetterTags() {
  static const std::set<std::string> kTags = {"!doctype", "html", "head", "meta",   "title", "style", "body", "main",
                                              "header",   "footer", "section", "div", "p",     "h1",    "h2",   "h3",
                                              "h4",       "ul",   "ol",   "li",     "br",    "hr",    "strong", "em",
                                              "span",     "a",    "address", "small"};
  return kTags;
}

std::set<std::string> unsupportedTags(const std::string& html) {
  std::set<std::string> out;
  scan(
      html,
      [&](const Tag& t) {
        if (!supportedLetterTags().count(t.name)) out.insert(t.name);
      },
      [](std::string_view) {});
  return out;
}

std::string decodeEntities(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '&') {
      out += text[i];
      continue;
    }
    size_t semi = text.find(';', i);
    if (semi == std::string::npos || semi - i > 10) {
      out += '&';
      continue;
    }
    const std::string name = text.substr(i + 1, semi - i - 1);
    unsigned long cp = 0;
    bool ok = true;
    if (name == "amp") cp = '&';
    else if (name == "lt") cp = '<';
    else if (name == "gt") cp = '>';
    else if (name == "quot") cp = '"';
    else if (name == "apos") cp = '\'';
    else if (name == "nbsp") cp = ' ';
    else if (name.size() > 1 && name[0] == '#') {
      try {
        size_t used = 0;
        const bool hex = name[1] == 'x' || name[1] == 'X';
        const std::string digits = name.substr(hex ? 2 : 1);
        cp = std::stoul(digits, &used, hex ? 16 : 10);
        ok = used == digits.size() && cp > 0 && cp <= 0x10FFFF;
      } catch (...) {
        ok = false;
      }
    } else {
      ok = false;
    }
    if (!ok) {
      out += '&';
      continue;
    }
    appendUtf8(out, cp);
    i = semi;
  }
  return out;
}

std::string htmlToText(const std::string& html) {
  std::string out;
  std::string pending;               // the inline text of the block being read
  bool last_was_item = false;        // consecutive list items take one newline, not a blank line
  int skipping = 0;                  // inside <head>, <style> or <title>
  struct List { bool ordered; int n; };
  std::vector<List> lists;
  std::string item_prefix;           // for the list item being read
  std::vector<std::pair<size_t, std::string>> links;  // where each open <a>'s text starts, and its href
  std::string heading;               // "h1" / "h2" while inside one
  std::string flushed;               // the block being flushed (its room kept from block to block)
  out.reserve(html.size());

  auto emit = [&](const std::string& block, bool is_item) {
    if (!out.empty()) out += (is_item && last_was_item) ? "\n" : "\n\n";
    out += block;
    last_was_item = is_item;
  };
  auto flush = [&]() {
    // Each line trimmed; blank lines dropped at either end, kept between lines.
    std::string& text = flushed;
    text.clear();
    size_t blank_lines = 0;
    const std::string_view all(pending);
    for (size_t start = 0; start <= all.size();) {
      size_t end = all.find('\n', start);
      if (end == std::string_view::npos) end = all.size();
      std::string_view line = all.substr(start, end - start);
      while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
      while (!line.empty() && line.back() == ' ') line.remove_suffix(1);
      if (line.empty()) {
        ++blank_lines;
      } else {
        if (!text.empty()) text.append(blank_lines + 1, '\n');
        text.append(line);
        blank_lines = 0;
      }
      start = end + 1;
    }
    pending.clear();
    if (text.empty()) return;
    if (!heading.empty()) {
      const char rule = heading == "h1" ? '=' : heading == "h2" ? '-' : '\0';
      if (rule) text += "\n" + std::string(codePoints(text), rule);
    }
    const bool is_item = !item_prefix.empty();
    if (is_item) {
      std::string indented = item_prefix;
      for (char c : text) {
        indented += c;
        if (c == '\n') indented.append(item_prefix.size(), ' ');
      }
      text = std::move(indented);
      item_prefix.clear();
    }
    emit(text, is_item);
  };

  scan(
      html,
      [&](const Tag& t) {
        if (isSkippedTag(t.name)) {
          skipping += t.closing ? -1 : 1;
          if (skipping < 0) skipping = 0;
          return;
        }
        if (skipping) return;
        const std::string_view name = t.name;
        if (name == "br") {
          pending += '\n';
        } else if (name == "hr") {
          flush();
          emit(std::string(40, '-'), false);
        } else if (name == "a") {
          if (!t.closing) {
            links.emplace_back(pending.size(), t.href);
          } else if (!links.empty()) {
            auto [start, href] = links.back();
            links.pop_back();
            std::string shown = pending.substr(start);
            std::string target = href;
            for (const char* scheme : {"mailto:", "tel:"})
              if (target.rfind(scheme, 0) == 0) target = target.substr(std::string(scheme).size());
            size_t b = shown.find_first_not_of(' '), e = shown.find_last_not_of(' ');
            shown = b == std::string::npos ? "" : shown.substr(b, e - b + 1);
            if (!target.empty() && target != shown) pending += " (" + target + ")";
          }
        } else if (isBlockTag(name)) {
          flush();
          if (name == "ul" || name == "ol") {
            if (t.closing) {
              if (!lists.empty()) lists.pop_back();
              last_was_item = false;
            } else {
              lists.push_back({name == "ol", 0});
            }
          } else if (name == "li" && !t.closing) {
            if (lists.empty()) lists.push_back({false, 0});
            List& l = lists.back();
            item_prefix = l.ordered ? std::to_string(++l.n) + ". " : "- ";
          } else if (t.name[0] == 'h' && t.name.size() == 2 && std::isdigit(static_cast<unsigned char>(t.name[1]))) {
            heading = t.closing ? "" : t.name;
          }
        }
      },
      [&](std::string_view raw) {
        if (skipping) return;
        std::string decoded;
        if (raw.find('&') != std::string_view::npos) {  // most runs have no entity: read them in place
          decoded = decodeEntities(std::string(raw));
          raw = decoded;
        }
        // Each run of white space read as one space (none at the start of a block or after a line break);
        // the words between appended whole, not a character at a time.
        auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
        for (size_t i = 0; i < raw.size();) {
          if (space(raw[i])) {
            if (!pending.empty() && pending.back() != ' ' && pending.back() != '\n') pending += ' ';
            while (++i < raw.size() && space(raw[i])) {
            }
          } else {
            size_t end = i;
            while (++end < raw.size() && !space(raw[end])) {
            }
            pending.append(raw.data() + i, end - i);
            i = end;
          }
        }
      });
  flush();
  return out + "\n";
}

std::vector<TextBlock> htmlBlocks(const std::string& html) {
  std::vector<TextBlock> out;
  TextBlock block;          // the block being read
  int skipping = 0;         // inside <head>, <style> or <title>
  int strong = 0;           // inside <strong> or <b>
  std::vector<std::string> links;  // the open links' hrefs
  std::vector<bool> lists;  // the open lists, true for <ol>
  int heading = 0;          // the open heading's level
  bool in_item = false;
  auto flush = [&]() {
    // White space at either end of the block dropped, and empty runs with it.
    while (!block.runs.empty() && block.runs.front().text.find_first_not_of(' ') == std::string::npos)
      block.runs.erase(block.runs.begin());
    while (!block.runs.empty() && block.runs.back().text.find_first_not_of(' ') == std::string::npos)
      block.runs.pop_back();
    if (!block.runs.empty()) {
      std::string& first = block.runs.front().text;
      first.erase(0, first.find_first_not_of(' '));
      std::string& last = block.runs.back().text;
      last.erase(last.find_last_not_of(' ') + 1);
      block.kind = heading ? TextBlock::Kind::kHeading : in_item ? TextBlock::Kind::kListItem : TextBlock::Kind::kParagraph;
      block.level = heading;
      block.ordered = in_item && !lists.empty() && lists.back();
      out.push_back(std::move(block));
    }
    block = TextBlock{};
  };
  auto lastChar = [&]() -> char {
    for (auto r = block.runs.rbegin(); r != block.runs.rend(); ++r)
      if (!r->text.empty()) return r->text.back();
    return ' ';  // the start of a block: no space needed
  };
  auto append = [&](const std::string& text) {
    const std::string href = links.empty() ? "" : links.back();
    if (block.runs.empty() || block.runs.back().href != href || block.runs.back().strong != (strong > 0))
      block.runs.push_back(TextRun{"", href, strong > 0});
    block.runs.back().text += text;
  };
  scan(
      html,
      [&](const Tag& t) {
        if (isSkippedTag(t.name)) {
          skipping += t.closing ? -1 : 1;
          if (skipping < 0) skipping = 0;
          return;
        }
        if (skipping) return;
        const std::string& name = t.name;
        if (name == "br") {
          if (lastChar() != ' ') append(" ");
        } else if (name == "hr") {
          flush();
          TextBlock rule;
          rule.kind = TextBlock::Kind::kRule;
          out.push_back(rule);
        } else if (name == "strong" || name == "b") {
          strong += t.closing ? -1 : 1;
          if (strong < 0) strong = 0;
        } else if (name == "a") {
          if (!t.closing) links.push_back(t.href);
          else if (!links.empty()) links.pop_back();
        } else if (isBlockTag(name)) {
          flush();
          if (name == "ul" || name == "ol") {
            if (!t.closing) lists.push_back(name == "ol");
            else if (!lists.empty()) lists.pop_back();
            in_item = false;
          } else if (name == "li") {
            in_item = !t.closing;
          } else if (name[0] == 'h' && name.size() == 2 && std::isdigit(static_cast<unsigned char>(name[1]))) {
            heading = t.closing ? 0 : name[1] - '0';
          }
        }
      },
      [&](std::string_view raw) {
        if (skipping) return;
        const std::string text = raw.find('&') == std::string_view::npos ? std::string(raw) : decodeEntities(std::string(raw));
        auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
        std::string collapsed;
        char last = lastChar();
        for (char c : text) {
          if (space(c)) {
            if (last != ' ') collapsed += ' ';
            last = ' ';
          } else {
            collapsed += c;
            last = c;
          }
        }
        if (!collapsed.empty()) append(collapsed);
      });
  flush();
  return out;
}

}  // namespace vc::rendering
