#pragma once
// How the plain-English tests read a letter: its sentences, as scripts/reading_grade.py reads them.
//
// A letter's prose runs from its salutation ("Dear ...", or "Annwyl ...") to its sign-off
// ("Yours sincerely," / "Yn gywir,"); the letterhead, the date, the recipient's address, the
// signature and the English that follows a Welsh letter are not prose and are left out. Within it,
// every line of the plain text is a block: a paragraph, a heading (its ==== or ---- underline
// dropped), or a list item (its "- " or "1. " marker dropped), so headings and list items count as
// sentences. A block is split after ".", "!" or "?" followed by a space, so "s.1)" or
// "www.example.org" do not end a sentence. A word is a run of non-spaces with a letter or digit in it.

#include <cctype>
#include <string>
#include <vector>

namespace vc::testing {

inline std::vector<std::string> proseBlocks(const std::string& text, const std::string& salutation = "Dear ",
                                            const std::string& signoff = "Yours sincerely,") {
  std::vector<std::string> blocks;
  bool in = false;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    start = end + 1;
    if (!in) {
      if (line.rfind(salutation, 0) == 0) in = true;
      continue;
    }
    if (line.rfind(signoff, 0) == 0) break;
    if (line.empty() || line.find_first_not_of("=-") == std::string::npos) continue;  // blank, underline, rule
    if (line.rfind("- ", 0) == 0) line = line.substr(2);
    size_t digits = 0;
    while (digits < line.size() && std::isdigit(static_cast<unsigned char>(line[digits]))) ++digits;
    if (digits > 0 && line.compare(digits, 2, ". ") == 0) line = line.substr(digits + 2);
    blocks.push_back(line);
  }
  return blocks;
}

inline std::vector<std::string> sentences(const std::string& block) {
  std::vector<std::string> out;
  std::string current;
  for (size_t i = 0; i < block.size(); ++i) {
    current += block[i];
    const char c = block[i];
    if ((c == '.' || c == '!' || c == '?') && (i + 1 == block.size() || block[i + 1] == ' ')) {
      out.push_back(current);
      current.clear();
      while (i + 1 < block.size() && block[i + 1] == ' ') ++i;
    }
  }
  if (current.find_first_not_of(' ') != std::string::npos) out.push_back(current);
  return out;
}

inline size_t wordCount(const std::string& sentence) {
  size_t n = 0;
  bool word = false, has_alnum = false;
  for (size_t i = 0; i <= sentence.size(); ++i) {
    const bool space = i == sentence.size() || std::isspace(static_cast<unsigned char>(sentence[i]));
    if (!space) {
      word = true;
      if (std::isalnum(static_cast<unsigned char>(sentence[i])) || static_cast<unsigned char>(sentence[i]) >= 0x80)
        has_alnum = true;
    } else if (word) {
      if (has_alnum) ++n;
      word = has_alnum = false;
    }
  }
  return n;
}

// Every sentence of a letter's prose.
inline std::vector<std::string> letterSentences(const std::string& text, const std::string& salutation = "Dear ",
                                                const std::string& signoff = "Yours sincerely,") {
  std::vector<std::string> out;
  for (const auto& b : proseBlocks(text, salutation, signoff))
    for (auto& s : sentences(b)) out.push_back(s);
  return out;
}

}  // namespace vc::testing
