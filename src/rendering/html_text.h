#pragma once
// The plain-text form of a rendered letter. Letters are written once, as
// HTML, so the printed, emailed and plain-text forms cannot drift apart; this
// turns the small set of tags letters use into readable text (paragraphs,
// headings, lists, line breaks) and decodes entities. Stateless; thread-safe.

#include <set>
#include <string>
#include <vector>

namespace vc::rendering {

// Tags the text conversion understands; a template using any other is refused at load.
const std::set<std::string>& supportedLetterTags();

// The tags in `html` outside supportedLetterTags(), lower-cased.
std::set<std::string> unsupportedTags(const std::string& html);

// Paragraphs and headings separated by blank lines, <br> as a line break,
// list items as "- " (or "1. " in <ol>), <hr> as a line of dashes, links as
// "text (address)" when they differ; <head>, <style> and <title> dropped.
std::string htmlToText(const std::string& html);

// A run of inline text in a block: plain, bold (<strong>) or a link (its href as written).
struct TextRun {
  std::string text;  // entities decoded, white space collapsed
  std::string href;  // empty: not a link
  bool strong = false;
};

// One block of a rendered letter or notification, read for a page to show with its own markup
// (headings, paragraphs, list items, rules between parts) instead of the plain text's underlines.
struct TextBlock {
  enum class Kind { kHeading, kParagraph, kListItem, kRule };
  Kind kind = Kind::kParagraph;
  int level = 0;         // a heading's: 1 for <h1> ... 4 for <h4>
  bool ordered = false;  // a list item's list is an <ol>
  std::vector<TextRun> runs;
};

// The blocks of `html` in order, with the same reading as htmlToText (<head>, <style>, <title> dropped;
// a block with no text left out). Text is decoded, never markup: a page escapes it again as it prints it.
std::vector<TextBlock> htmlBlocks(const std::string& html);

// Decodes the entities mstch and the templates produce (&amp; &lt; &gt;
// &quot; &#39; &#x2F; &nbsp; and numeric ones).
std::string decodeEntities(const std::string& text);

}  // namespace vc::rendering
