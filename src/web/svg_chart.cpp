#include "web/svg_chart.h"

#include <algorithm>
#include <cstdio>

namespace vc::web {
namespace {

constexpr int kLabelWidth = 190;  // room for a rule id or an Area's name
constexpr int kPlotWidth = 360;
constexpr int kValueWidth = 150;
constexpr int kRow = 28;
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
  const int width = kLabelWidth + kPlotWidth + kValueWidth;
  const int height = kTop + static_cast<int>(bars.size()) * kRow + kAxis;
  const std::string title_id = xmlEscape(id) + "-title";
  std::string s = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"vc-chart\" id=\"" + xmlEscape(id) +
                  "\" role=\"img\" aria-labelledby=\"" + title_id + "\" viewBox=\"0 0 " + std::to_string(width) + " " +
                  std::to_string(height) + "\" width=\"100%\" preserveAspectRatio=\"xMinYMin meet\">";
  s += "<title id=\"" + title_id + "\">" + xmlEscape(title) + "</title>";
  const int plot_bottom = kTop + static_cast<int>(bars.size()) * kRow;
  for (int tick : {0, 25, 50, 75, 100}) {
    const int x = kLabelWidth + kPlotWidth * tick / 100;
    s += "<line x1=\"" + std::to_string(x) + "\" y1=\"" + std::to_string(kTop) + "\" x2=\"" + std::to_string(x) +
         "\" y2=\"" + std::to_string(plot_bottom) + "\" stroke=\"#b1b4b6\" stroke-width=\"1\"/>";
    s += "<text x=\"" + std::to_string(x) + "\" y=\"" + std::to_string(plot_bottom + 16) +
         "\" font-size=\"12\" text-anchor=\"middle\" fill=\"#505a5f\">" + std::to_string(tick) + "%</text>";
  }
  for (size_t i = 0; i < bars.size(); ++i) {
    const Bar& b = bars[i];
    const int y = kTop + static_cast<int>(i) * kRow;
    const int text_y = y + kRow / 2 + 5;
    s += "<text x=\"" + std::to_string(kLabelWidth - 8) + "\" y=\"" + std::to_string(text_y) +
         "\" font-size=\"14\" text-anchor=\"end\" fill=\"#0b0c0c\">" + xmlEscape(shorten(b.label, 24)) + "</text>";
    if (b.percent) {
      const double p = std::clamp(*b.percent, 0.0, 100.0);
      const int bar_width = static_cast<int>(kPlotWidth * p / 100.0 + 0.5);
      s += "<rect x=\"" + std::to_string(kLabelWidth) + "\" y=\"" + std::to_string(y + (kRow - kBarHeight) / 2) +
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
