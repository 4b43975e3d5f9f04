#include "web/svg_chart.h"

#include <algorithm>
#include <cstdio>
#include <vector>

namespace vc::web {
namespace {

constexpr int kLabelWidth = 220;  // room for a line of about 28 characters (a rule's name wraps)
constexpr int kPlotWidth = 360;
constexpr int kValueWidth = 150;
constexpr int kRow = 28;         // a row with a one-line label
constexpr int kLine = 16;        // each further line of a label adds this
constexpr size_t kLineChars = 28;
constexpr size_t kMaxLines = 3;
constexpr int kBarHeight = 18;
constexpr int kTop = 8;
constexpr int kAxis = 22;

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  std::string s = buf;
  if (s.size() > 2 && s.compare(s.size() - 2, 2, ".0") == 0) s.resize(s.size() - 2);
  return s;
}

// Long labels are shortened with an ellipsis (the table beside has them whole), by characters, not bytes.
std::string shorten(const std::string& label, size_t max_chars) {
  size_t chars = 0, i = 0;
  for (; i < label.size(); ++i) {
    if ((static_cast<unsigned char>(label[i]) & 0xC0) != 0x80) {
      if (chars == max_chars) return label.substr(0, i) + "\xE2\x80\xA6";
      ++chars;
    }
  }
  return label;
}

// A label in lines of at most `line_chars` characters, broken between words; what does not fit in
// `max_lines` is shortened with an ellipsis (the table beside has it whole).
std::vector<std::string> wrap(const std::string& label, size_t line_chars, size_t max_lines) {
  std::vector<std::string> words;
  for (size_t i = 0; i < label.size();) {
    size_t end = label.find(' ', i);
    if (end == std::string::npos) end = label.size();
    if (end > i) words.push_back(label.substr(i, end - i));
    i = end + 1;
  }
  auto chars = [](const std::string& s) {
    size_t n = 0;
    for (unsigned char c : s)
      if ((c & 0xC0) != 0x80) ++n;
    return n;
  };
  std::vector<std::string> lines;
  for (size_t w = 0; w < words.size(); ++w) {
    if (!lines.empty() && chars(lines.back()) + 1 + chars(words[w]) <= line_chars) {
      lines.back() += " " + words[w];
      continue;
    }
    if (lines.size() == max_lines) {  // no room for the rest
      std::string rest = lines.back();
      for (size_t r = w; r < words.size(); ++r) rest += " " + words[r];
      lines.back() = shorten(rest, line_chars - 1);
      return lines;
    }
    lines.push_back(shorten(words[w], line_chars - 1));
  }
  if (lines.empty()) lines.push_back("");
  return lines;
}

}  // namespace

std::string xmlEscape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string percentBarChart(const std::string& id, const std::string& title, const std::vector<Bar>& bars) {
  // Each row as tall as its label: a long name wraps onto a second or third line rather than being cut.
  std::vector<std::vector<std::string>> labels;
  std::vector<int> tops;
  int plot_bottom = kTop;
  for (const Bar& b : bars) {
    labels.push_back(wrap(b.label, kLineChars, kMaxLines));
    tops.push_back(plot_bottom);
    plot_bottom += kRow + kLine * static_cast<int>(labels.back().size() - 1);
  }
  const int width = kLabelWidth + kPlotWidth + kValueWidth;
  const int height = plot_bottom + kAxis;
  const std::string title_id = xmlEscape(id) + "-title";
  std::string s = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"vc-chart\" id=\"" + xmlEscape(id) +
                  "\" role=\"img\" aria-labelledby=\"" + title_id + "\" viewBox=\"0 0 " + std::to_string(width) + " " +
                  std::to_string(height) + "\" width=\"100%\" preserveAspectRatio=\"xMinYMin meet\">";
  s += "<title id=\"" + title_id + "\">" + xmlEscape(title) + "</title>";
  for (int tick : {0, 25, 50, 75, 100}) {
    const int x = kLabelWidth + kPlotWidth * tick / 100;
    s += "<line x1=\"" + std::to_string(x) + "\" y1=\"" + std::to_string(kTop) + "\" x2=\"" + std::to_string(x) +
         "\" y2=\"" + std::to_string(plot_bottom) + "\" stroke=\"#b1b4b6\" stroke-width=\"1\"/>";
    s += "<text x=\"" + std::to_string(x) + "\" y=\"" + std::to_string(plot_bottom + 16) +
         "\" font-size=\"12\" text-anchor=\"middle\" fill=\"#505a5f\">" + std::to_string(tick) + "%</text>";
  }
  for (size_t i = 0; i < bars.size(); ++i) {
    const Bar& b = bars[i];
    const int lines = static_cast<int>(labels[i].size());
    const int row = kRow + kLine * (lines - 1);
    const int y = tops[i];
    const int text_y = y + row / 2 + 5;
    s += "<text x=\"" + std::to_string(kLabelWidth - 8) + "\" y=\"" + std::to_string(text_y - kLine * (lines - 1) / 2) +
         "\" font-size=\"14\" text-anchor=\"end\" fill=\"#0b0c0c\">";
    if (lines == 1) {
      s += xmlEscape(labels[i][0]);
    } else {
      for (int l = 0; l < lines; ++l)
        s += "<tspan x=\"" + std::to_string(kLabelWidth - 8) + "\"" + (l ? " dy=\"" + std::to_string(kLine) + "\"" : "") +
             ">" + xmlEscape(labels[i][l]) + "</tspan>";
    }
    s += "</text>";
    if (b.percent) {
      const double p = std::clamp(*b.percent, 0.0, 100.0);
      const int bar_width = static_cast<int>(kPlotWidth * p / 100.0 + 0.5);
      s += "<rect x=\"" + std::to_string(kLabelWidth) + "\" y=\"" + std::to_string(y + (row - kBarHeight) / 2) +
           "\" width=\"" + std::to_string(bar_width) + "\" height=\"" + std::to_string(kBarHeight) +
           "\" fill=\"#1d70b8\"><title>" + xmlEscape(b.label + ": " + num(p) + "%") + "</title></rect>";
    }
    s += "<text x=\"" + std::to_string(kLabelWidth + kPlotWidth + 8) + "\" y=\"" + std::to_string(text_y) +
         "\" font-size=\"14\" fill=\"#0b0c0c\">" + xmlEscape(b.value_text) + "</text>";
  }
  s += "</svg>";
  return s;
}

}  // namespace vc::web
