#include "domain/plain_english.h"

#include <algorithm>
#include <cctype>

namespace vc::domain {

namespace {

bool space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
// ASCII letters and digits, and every byte of a UTF-8 sequence (Welsh â, ŵ, ŷ ... are letters).
bool wordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || (static_cast<unsigned char>(c) & 0x80); }
char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

std::string trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && space(s[b])) ++b;
  while (e > b && space(s[e - 1])) --e;
  return s.substr(b, e - b);
}

// The word just before position `dot` (a '.'), lower-cased, with its own dots: "e.g", "mr".
std::string wordBefore(const std::string& text, size_t dot) {
  size_t b = dot;
  while (b > 0 && !space(text[b - 1])) --b;
  std::string w = text.substr(b, dot - b);
  std::transform(w.begin(), w.end(), w.begin(), lower);
  while (!w.empty() && (w.front() == '(' || w.front() == '"' || w.front() == '\'')) w.erase(0, 1);
  return w;
}

bool abbreviation(const std::string& word) {
  static const std::vector<std::string> kAbbreviations = {"e.g", "i.e", "mr", "mrs", "ms", "dr", "para", "cf", "approx", "vs"};
  return std::find(kAbbreviations.begin(), kAbbreviations.end(), word) != kAbbreviations.end();
}

}  // namespace

std::vector<std::string> splitSentences(const std::string& text) {
  std::vector<std::string> out;
  std::string current;
  auto finish = [&] {
    std::string s = trim(current);
    if (!s.empty()) out.push_back(s);
    current.clear();
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') {
      finish();
      continue;
    }
    current += c;
    if (c != '.' && c != '!' && c != '?') continue;
    // Closing quotes or brackets stay with their sentence.
    while (i + 1 < text.size() && (text[i + 1] == '"' || text[i + 1] == '\'' || text[i + 1] == ')')) current += text[++i];
    const bool at_end = i + 1 >= text.size() || space(text[i + 1]);
    if (!at_end) continue;  // 3.5, s.3(1), a.m.
    if (c == '.' && abbreviation(wordBefore(text, text.rfind('.', i)))) continue;
    finish();
  }
  finish();
  return out;
}

int countWords(const std::string& sentence) {
  int n = 0;
  bool in_word = false, has_alnum = false;
  for (size_t i = 0; i <= sentence.size(); ++i) {
    const bool end = i == sentence.size() || space(sentence[i]);
    if (end) {
      if (in_word && has_alnum) ++n;
      in_word = has_alnum = false;
    } else {
      in_word = true;
      has_alnum = has_alnum || wordChar(sentence[i]);
    }
  }
  return n;
}

std::vector<PlainEnglishFinding> checkPlainEnglish(const PlainEnglishRules& rules, const std::string& field,
                                                   const std::string& text) {
  std::string folded = text;
  std::transform(folded.begin(), folded.end(), folded.begin(), lower);
  // Terms, each whole-word and ignoring case, in the order they first appear in the text.
  std::vector<std::pair<size_t, PlainEnglishFinding>> terms;
  for (const auto& t : rules.terms) {
    if (t.term.empty()) continue;
    std::string needle = t.term;
    std::transform(needle.begin(), needle.end(), needle.begin(), lower);
    for (size_t at = folded.find(needle); at != std::string::npos; at = folded.find(needle, at + 1)) {
      const bool starts = at == 0 || !wordChar(folded[at - 1]);
      const size_t end = at + needle.size();
      const bool ends = end >= folded.size() || !wordChar(folded[end]);
      if (!starts || !ends) continue;
      terms.push_back({at, {field, "term", text.substr(at, needle.size()), t.suggestion}});
      break;  // once per term and field is enough for the officer to see it
    }
  }
  std::stable_sort(terms.begin(), terms.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<PlainEnglishFinding> out;
  for (auto& t : terms) out.push_back(std::move(t.second));
  for (const auto& sentence : splitSentences(text)) {
    const int words = countWords(sentence);
    if (words <= rules.max_sentence_words) continue;
    out.push_back({field, "long_sentence", sentence,
                   std::to_string(words) + " words: split it into sentences of at most " +
                       std::to_string(rules.max_sentence_words) + " words"});
  }
  return out;
}

}  // namespace vc::domain
