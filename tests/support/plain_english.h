#pragma once
// How the plain-English tests read a letter: its sentences, as scripts/reading_grade.py reads them.
//
// A letter's prose runs from its salutation ("Dear ...", or "Annwyl ...") to its sign-off
// ("Yours sincerely," / "Yn gywir,"); the letterhead, the date, the recipient's address, the
// signature and the English that follows a Welsh letter are not prose and are left out. Within it,
// every line of the plain text is a block: a paragraph, a heading (its ==== or ---- underline
// dropped), or a list item (its "- " or "1. " marker dropped), so headings and list items count as
// sentences. A block is split into sentences and words as domain::splitSentences and countWords do
// for the officers' words at approval ("s.1)", "www.example.org" and "e.g." do not end a sentence).

#include <cctype>
#include <string>
#include <vector>

#include "domain/plain_english.h"

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

// Sentences and words are counted as the approval check counts an officer's words (domain/plain_english),
// so the templates and the officers' text are held to one measure.
inline std::vector<std::string> sentences(const std::string& block) { return domain::splitSentences(block); }

inline size_t wordCount(const std::string& sentence) { return static_cast<size_t>(domain::countWords(sentence)); }

// Every sentence of a letter's prose.
inline std::vector<std::string> letterSentences(const std::string& text, const std::string& salutation = "Dear ",
                                                const std::string& signoff = "Yours sincerely,") {
  std::vector<std::string> out;
  for (const auto& b : proseBlocks(text, salutation, signoff))
    for (auto& s : sentences(b)) out.push_back(s);
  return out;
}

}  // namespace vc::testing
