#pragma once
// Simple charts drawn by the server as inline SVG, readable without
// JavaScript and allowed by a Content-Security-Policy that forbids inline
// styles (presentation attributes only). Pure functions; thread-safe.

#include <optional>
#include <string>
#include <vector>

namespace vc::web {

struct Bar {
  std::string label;              // "Decision not to prosecute", "April 2026"; a long one wraps onto up to 3 lines
  std::optional<double> percent;  // 0..100; none: nothing to measure (drawn as a note, not a bar)
  std::string value_text;         // what is printed beside the bar: "60.0% (3 of 5)"
};

// A horizontal bar chart of percentages, one row per bar, on a 0-100 scale
// with gridlines at 25, 50 and 75. `title` is the chart's accessible name
// (role="img", <title>); the table beside it carries the same figures.
// Every text is XML-escaped.
std::string percentBarChart(const std::string& id, const std::string& title, const std::vector<Bar>& bars);

std::string xmlEscape(const std::string& text);

}  // namespace vc::web
