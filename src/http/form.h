#pragma once
// HTML form bodies (application/x-www-form-urlencoded) and URL query text.
// Stateless; thread-safe.

#include <map>
#include <string>

namespace vc::http {

// name=value pairs split at '&', '+' as space, %XX decoded; a repeated name keeps its last value.
std::map<std::string, std::string> parseForm(const std::string& body);
// For building links: every byte but A-Z a-z 0-9 - . _ ~ is %XX.
std::string urlEncode(const std::string& text);
bool isFormBody(const std::string& content_type);

}  // namespace vc::http
