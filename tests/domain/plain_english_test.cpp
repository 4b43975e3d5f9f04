// The plain-English check on officers' words (issue 14, item 9): terms inspectors flag and
// sentences over 25 words, table by table.

#include <catch2/catch.hpp>

#include "domain/plain_english.h"

using namespace vc::domain;  // NOLINT

namespace {

PlainEnglishRules rules() {
  PlainEnglishRules r;
  r.terms = {{"complainant", "you"},
             {"NFA", "no further action"},
             {"Full Code Test", "say what the test is"},
             {"CPIA", "the rules on sharing evidence"},
             {"evidential stage", "whether there is enough evidence"},
             {"realistic prospect of conviction", "explain it"}};
  r.max_sentence_words = 25;
  return r;
}

std::string words(int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += (i ? " " : "") + std::string("word");
  return s + ".";
}

}  // namespace

TEST_CASE("Sentences end at . ! ? before a space or the end, or at a line break, not inside abbreviations",
          "[plain-english]") {
  struct Row {
    std::string text;
    std::vector<std::string> sentences;
  };
  const std::vector<Row> table = {
      {"", {}},
      {"One. Two! Three?", {"One.", "Two!", "Three?"}},
      {"No full stop", {"No full stop"}},
      {"First line\nSecond line.", {"First line", "Second line."}},
      {"Para one.\n\nPara two.", {"Para one.", "Para two."}},
      {"We spoke to Mr. Jones, e.g. about the CCTV. Then we decided.",
       {"We spoke to Mr. Jones, e.g. about the CCTV.", "Then we decided."}},
      {"Section s.3(1) applies at 3.5 metres. Next.", {"Section s.3(1) applies at 3.5 metres.", "Next."}},
      {"He said \"stop.\" Then he left.", {"He said \"stop.\"", "Then he left."}},
      {"The answer is no. We are sorry.", {"The answer is no.", "We are sorry."}},
      {"  spaced  .  ", {"spaced  ."}},
  };
  for (const auto& row : table) {
    INFO(row.text);
    CHECK(splitSentences(row.text) == row.sentences);
  }
}

TEST_CASE("Words are runs of non-space characters with a letter or digit", "[plain-english]") {
  const std::vector<std::pair<std::string, int>> table = {
      {"", 0},           {"one", 1},       {"one two  three", 3}, {"one - two", 2},
      {"it's 3.5 m", 3}, {"\"Yes,\" she said.", 3}, {"Rydym wedi ymddiheuro'n llwyr", 4}, {"... ?", 0},
  };
  for (const auto& [text, n] : table) {
    INFO(text);
    CHECK(countWords(text) == n);
  }
}

TEST_CASE("Flagged terms are found as whole words, ignoring case, once each, in the order they appear",
          "[plain-english]") {
  struct Row {
    std::string text;
    std::vector<std::string> found;  // kind:text
  };
  const std::vector<Row> table = {
      {"There is not enough evidence to charge anyone.", {}},
      {"The complainant was interviewed.", {"term:complainant"}},
      {"NFA was decided after the full code test.", {"term:NFA", "term:full code test"}},
      {"The Full Code Test was applied; the complainant and the complainant's mother agreed.",
       {"term:Full Code Test", "term:complainant"}},
      {"Disclosure under the CPIA. There is no realistic prospect of conviction.",
       {"term:CPIA", "term:realistic prospect of conviction"}},
      {"The NFAs and complainants", {}},      // not whole words
      {"unNFA scheNFAme", {}},                // inside other words
      {"At the evidential stage", {"term:evidential stage"}},
      {words(25), {}},
      {words(26), {"long_sentence:" + words(26)}},
      {"Short one. " + words(30) + " Short again.", {"long_sentence:" + words(30)}},
  };
  for (const auto& row : table) {
    INFO(row.text);
    std::vector<std::string> found;
    for (const auto& f : checkPlainEnglish(rules(), "reasons", row.text)) {
      CHECK(f.field == "reasons");
      found.push_back(f.kind + ":" + f.text);
    }
    CHECK(found == row.found);
  }
  const auto f = checkPlainEnglish(rules(), "free_text", "The complainant said so. " + words(31));
  REQUIRE(f.size() == 2);
  CHECK(f[0].suggestion == "you");
  CHECK(f[1].field == "free_text");
  CHECK(f[1].suggestion == "31 words: split it into sentences of at most 25 words");
}

TEST_CASE("The sentence limit is the configured one", "[plain-english]") {
  PlainEnglishRules r = rules();
  r.max_sentence_words = 10;
  CHECK(checkPlainEnglish(r, "reasons", words(10)).empty());
  CHECK(checkPlainEnglish(r, "reasons", words(11)).size() == 1);
}
