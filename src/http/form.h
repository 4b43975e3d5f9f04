#pragma once
// HTML form bodies (application/x-www-form-urlencoded) and URL query text.
// Stateless; thread-safe.

#include <map>
#include <string>

namespace vc::http {

// name=value pairs split at '&', '+' as space, %XX decoded; a repeated name keeps its last value.
std::map<std::string, std::string> parseForm(const std::string& body);

// A request line's target ("/queue?state=draft#top") taken apart the way a form is read: the
// path as sent (still percent-encoded: the router decodes each segment), the target without its
// fragment, and the query's name=value pairs. Never throws: a stray '%' is kept as it is.
struct RequestTarget {
  std::string path, target;
  std::map<std::string, std::string> query;
};
RequestTarget parseRequestTarget(const std::string& raw);
// %XX decoded ('+' left as it is, as in a path); a '%' without two hex digits is kept as sent.
std::string percentDecode(const std::string& text);
// For building links: every byte but A-Z a-z 0-9 - . _ ~ is %XX.
std::string urlEncode(const std::string& text);
bool isFormBody(const std::string& content_type);

}  // namespace vc::http
