#pragma once
// Plain English, measured: the check an officer's words (a prosecutor's reasons, an officer's free
// text) get before a letter is approved. Terms inspectors flag, each with a plain alternative, come
// from a configuration file (letters.plain_english_file); sentences are held to a maximum length
// (GOV.UK: at most 25 words). Pure: no I/O; thread-safe.

#include <string>
#include <vector>

namespace vc::domain {

struct PlainTerm {
  std::string term;        // matched as whole words, ignoring case ("Full Code Test", "NFA")
  std::string suggestion;  // what to write instead, or how to explain it
};

struct PlainEnglishRules {
  std::vector<PlainTerm> terms;
  int max_sentence_words = 25;
};

struct PlainEnglishFinding {
  std::string field;       // reasons | reasons_cy | free_text | ...
  std::string kind;        // term | long_sentence
  std::string text;        // the term as written, or the whole sentence
  std::string suggestion;  // the plain alternative, or how long the sentence is and what to do
};

// Sentences of a text: ended by ".", "!" or "?" before a space or the end (not after a common
// abbreviation such as "e.g." or "Mr."), or by a line break. Trimmed; empty ones dropped.
std::vector<std::string> splitSentences(const std::string& text);

// Words of a sentence: runs of non-space characters holding at least one letter or digit.
int countWords(const std::string& sentence);

// Every flagged term (in the order they appear) and every sentence over the maximum, in `text`.
std::vector<PlainEnglishFinding> checkPlainEnglish(const PlainEnglishRules& rules, const std::string& field,
                                                   const std::string& text);

}  // namespace vc::domain
