#pragma once
// The plain-text form of a rendered letter. Letters are written once, as
// HTML, so the printed, emailed and plain-text forms cannot drift apart; this
// turns the small set of tags letters use into readable text (paragraphs,
// headings, lists, line breaks) and decodes entities. Stateless; thread-safe.

#include <set>
#include <string>

namespace vc::rendering {

// Tags the text conversion understands; a template using any other is refused at load.
const std::set<std::string>& supportedLetterTags();

// The tags in `html` outside supportedLetterTags(), lower-cased.
std::set<std::string> unsupportedTags(const std::string& html);

// Paragraphs and headings separated by blank lines, <br> as a line break,
// list items as "- " (or "1. " in <ol>), <hr> as a line of dashes, links as
// "text (address)" when they differ; <head>, <style> and <title> dropped.
std::string htmlToText(const std::string& html);

// Decodes the entities mstch and the templates produce (&amp; &lt; &gt;
// &quot; &#39; &#x2F; &nbsp; and numeric ones).
std::string decodeEntities(const std::string& text);

}  // namespace vc::rendering
