#pragma once
// A rendered letter (the HTML document the letter templates make, as it is posted or emailed) set into the
// letter page itself, so that an officer reads it at full height, with no frame and no scrollbar of its own.
// Stateless; thread-safe.

#include <string>

namespace vc::web {

// The body of `letter_document` as markup for a page, inside <div class="vc-letter" id="letter" lang="...">.
//
// The letters' HTML comes only from our own templates (letter_templates/, whose tags are checked at load
// against rendering::supportedLetterTags()), with every value, the officers' free text included, escaped by
// mstch. This does not rely on that: it keeps only a list of known tags, each with only class (the letter's
// own classes), lang and dir, and a link's href only if it starts https:// or mailto:. Every other tag is
// dropped (script, style and the like with their content), comments too; end tags that close nothing it
// opened are dropped, and what it opened it closes, so the letter cannot close the page's own elements.
// The letter's headings move down so that its highest is an h3 (under the page's h2); <main>, <header>,
// <footer> and <section> become plain <div>s inside the page's own <main>.
// "" if the document has no <body>.
std::string letterInPage(const std::string& letter_document);

}  // namespace vc::web
