#pragma once
// Text split into lines, "\n" or "\r\n" ended, the way letters, call scripts and mail are read.
// Standard library only.

#include <string_view>
#include <vector>

namespace vc::domain {

// Every line of `text`, without its line end (a final line without one counts; "" is one empty line).
// The views point into `text`.
std::vector<std::string_view> splitLines(std::string_view text);

}  // namespace vc::domain
