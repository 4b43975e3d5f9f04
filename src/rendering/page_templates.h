#pragma once
// The web pages' templates (web/templates/): loaded and checked once at
// start, then rendered with mstch inside one layout.
//
// Layout of the directory:
//   layout.mustache            the page around every view: head, header,
//                              navigation, {{> content}}, footer
//   <page>.mustache            one view per page (queue, letter, ...)
//   partials/<name>.mustache   shared pieces ({{> time_left}}, ...)
//
// Everything is escaped: the only unescaped tags allowed are {{{x_html}}}
// names ending in "_html", which the server builds itself (the SVG charts,
// a letter's rendering), so a field of personal data can never reach a page
// unescaped by a template's slip. Immutable after load(); render() is thread-safe.

#include <map>
#include <string>

#include "rendering/template_check.h"
#include "rendering/value.h"

namespace vc::rendering {

class PageTemplates {
 public:
  // Throws TemplateError listing every problem (file:line): a template that
  // does not parse, an unescaped tag not named *_html, a partial that does not exist.
  static PageTemplates load(const std::string& dir);

  // The page's view rendered inside the layout, both with `data`.
  // Throws TemplateError for a page that was not loaded.
  std::string render(const std::string& page, const Value& data) const;
  bool has(const std::string& page) const { return pages_.count(page) > 0; }

 private:
  std::string layout_;
  std::map<std::string, std::string> pages_;     // name -> text
  std::map<std::string, std::string> partials_;  // name -> text
};

}  // namespace vc::rendering
