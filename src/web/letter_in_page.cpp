#include "web/letter_in_page.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <utility>
#include <vector>

namespace vc::web {
namespace {

std::string lower(std::string t) {
  for (char& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return t;
}

bool space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f'; }

// The name="value" pairs of one start tag's text (without its < and >), names in lower case.
std::vector<std::pair<std::string, std::string>> attributesOf(const std::string& tag) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t i = tag.find_first_of(" \t\r\n\f/");
  while (i != std::string::npos && i < tag.size()) {
    i = tag.find_first_not_of(" \t\r\n\f/", i);
    if (i == std::string::npos) break;
    const size_t e = tag.find_first_of(" \t\r\n\f/=", i);
    std::string name = lower(tag.substr(i, e == std::string::npos ? std::string::npos : e - i));
    std::string value;
    i = e == std::string::npos ? e : tag.find_first_not_of(" \t\r\n\f", e);
    if (i != std::string::npos && tag[i] == '=') {
      i = tag.find_first_not_of(" \t\r\n\f", i + 1);
      if (i == std::string::npos) {
        out.push_back({name, ""});
        break;
      }
      if (tag[i] == '"' || tag[i] == '\'') {
        const size_t close = tag.find(tag[i], i + 1);
        value = tag.substr(i + 1, close == std::string::npos ? std::string::npos : close - i - 1);
        i = close == std::string::npos ? close : close + 1;
      } else {
        const size_t end = tag.find_first_of(" \t\r\n\f", i);
        value = tag.substr(i, end == std::string::npos ? std::string::npos : end - i);
        i = end;
      }
    }
    out.push_back({name, value});
  }
  return out;
}

// An attribute value, quoted; nothing in it can end the attribute or start a tag.
std::string quoted(const std::string& v) {
  std::string q = "\"";
  for (char c : v) q += c == '"' ? std::string("&quot;") : c == '<' ? std::string("&lt;") : c == '>' ? std::string("&gt;") : std::string(1, c);
  return q + "\"";
}

// Only the letter's own classes (letter_templates/), which app.css styles as its print CSS does.
std::string keptClasses(const std::string& value) {
  static const std::set<std::string> kClasses = {"letterhead", "org",           "unit",      "meta",
                                                 "recipient",  "language-divider", "signature", "large-print"};
  std::string out;
  size_t i = 0;
  while (i < value.size()) {
    while (i < value.size() && space(value[i])) ++i;
    size_t e = i;
    while (e < value.size() && !space(value[e])) ++e;
    const std::string c = value.substr(i, e - i);
    if (kClasses.count(c)) out += (out.empty() ? "" : " ") + c;
    i = e;
  }
  return out;
}

int headingLevel(const std::string& name) {
  return name.size() == 2 && name[0] == 'h' && name[1] >= '1' && name[1] <= '6' ? name[1] - '0' : 0;
}

}  // namespace

std::string letterInPage(const std::string& doc) {
  const std::string low = lower(doc);
  std::string lang = "en-GB", body_class;
  if (size_t h = low.find("<html"); h != std::string::npos && doc.find('>', h) != std::string::npos)
    for (const auto& [n, v] : attributesOf(doc.substr(h + 1, doc.find('>', h) - h - 1)))
      if (n == "lang") lang = v;
  const size_t b = low.find("<body");
  if (b == std::string::npos) return "";
  const size_t start = doc.find('>', b);
  if (start == std::string::npos) return "";
  for (const auto& [n, v] : attributesOf(doc.substr(b + 1, start - b - 1)))
    if (n == "class") body_class = keptClasses(v);
  size_t end = low.find("</body", start);
  if (end == std::string::npos) end = doc.size();

  static const std::set<std::string> kKept = {"p",    "br",     "strong", "em",     "ul",      "ol",     "li",
                                              "div",  "span",   "hr",     "a",      "address", "small",  "h1",
                                              "h2",   "h3",     "h4",     "h5",     "h6",      "main",   "header",
                                              "footer", "section"};
  static const std::set<std::string> kVoid = {"br", "hr"};
  // Dropped with everything in them, not only their tags.
  static const std::set<std::string> kDropWithContent = {"script", "style",    "template", "iframe", "object",
                                                         "embed",  "svg",      "math",     "noscript", "textarea",
                                                         "title",  "head",     "select",   "xmp",    "noembed",
                                                         "noframes", "plaintext"};

  // The tags of the body, in order: (is an end tag, lower-case name, the tag's text between < and >).
  struct Tag {
    size_t lt, gt;
    bool closing;
    std::string name;
  };
  auto tagAt = [&](size_t lt) -> Tag {
    const size_t gt = doc.find('>', lt);
    Tag t{lt, gt, false, ""};
    if (gt == std::string::npos || gt >= end) return t;
    const std::string inner = doc.substr(lt + 1, gt - lt - 1);
    t.closing = !inner.empty() && inner[0] == '/';
    const size_t from = t.closing ? 1 : 0;
    const size_t stop = inner.find_first_of(" \t\r\n\f/", from);
    t.name = lower(inner.substr(from, stop == std::string::npos ? std::string::npos : stop - from));
    return t;
  };

  // The highest heading in the letter becomes an h3, under the page's "The letter as it will print" (an h2).
  int top = 7;
  for (size_t i = doc.find('<', start); i != std::string::npos && i < end; i = doc.find('<', i + 1)) {
    const Tag t = tagAt(i);
    if (!t.closing && headingLevel(t.name)) top = std::min(top, headingLevel(t.name));
  }
  const int shift = top == 7 ? 0 : 3 - top;

  std::string out;
  std::vector<std::pair<std::string, std::string>> open;  // (the letter's name, the name written) of what is open
  size_t i = start + 1;
  while (i < end) {
    const size_t lt = doc.find('<', i);
    if (lt == std::string::npos || lt >= end) {
      out += doc.substr(i, end - i);
      break;
    }
    out += doc.substr(i, lt - i);  // text: it holds no '<', so it can only be text
    if (low.compare(lt, 4, "<!--") == 0) {
      const size_t close = low.find("-->", lt + 4);
      i = close == std::string::npos ? end : close + 3;
      continue;
    }
    const Tag t = tagAt(lt);
    if (t.gt == std::string::npos || t.gt >= end) break;  // a tag cut off: the rest is dropped
    i = t.gt + 1;
    if (!t.closing && kDropWithContent.count(t.name)) {
      const size_t close = low.find("</" + t.name, i);
      const size_t close_end = close == std::string::npos ? std::string::npos : doc.find('>', close);
      i = close_end == std::string::npos ? end : std::min(end, close_end + 1);
      continue;
    }
    if (!kKept.count(t.name)) continue;
    std::string shown = t.name;
    if (const int level = headingLevel(t.name))
      shown = "h" + std::to_string(std::min(6, level + shift));
    else if (t.name == "main" || t.name == "header" || t.name == "footer" || t.name == "section")
      shown = "div";
    if (t.closing) {
      // Only an end tag that closes something the letter opened here; and whatever is open inside it with it.
      auto it = std::find_if(open.rbegin(), open.rend(), [&](const auto& o) { return o.first == t.name; });
      if (it == open.rend()) continue;
      const size_t keep = static_cast<size_t>(open.rend() - it) - 1;
      while (open.size() > keep) {
        out += "</" + open.back().second + ">";
        open.pop_back();
      }
      continue;
    }
    out += "<" + shown;
    for (const auto& [n, v] : attributesOf(doc.substr(lt + 1, t.gt - lt - 1))) {
      if (n == "class") {
        const std::string kept = keptClasses(v);
        if (!kept.empty()) out += " class=" + quoted(kept);
      } else if (n == "lang" || n == "dir") {
        out += " " + n + "=" + quoted(v);
      } else if (n == "href" && t.name == "a") {
        const std::string l = lower(v);
        if (l.rfind("mailto:", 0) == 0 || l.rfind("https://", 0) == 0) out += " href=" + quoted(v);
      }
    }
    out += ">";
    if (!kVoid.count(t.name)) open.push_back({t.name, shown});
  }
  while (!open.empty()) {
    out += "</" + open.back().second + ">";
    open.pop_back();
  }
  return "<div class=\"vc-letter" + std::string(body_class.empty() ? "" : " ") + body_class + "\" id=\"letter\" lang=" +
         quoted(lang) + ">\n" + out + "\n</div>";
}

}  // namespace vc::web
