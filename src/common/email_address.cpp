#include "common/email_address.h"

#include <cstring>

namespace vc {
namespace {

constexpr size_t kMaxAddress = 254;  // RFC 5321 4.5.3.1.3, less the angle brackets of the path
constexpr size_t kMaxLocalPart = 64;
constexpr size_t kMaxLabel = 63;

bool isAlnum(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
// RFC 5322 atext: what a dot-atom may hold between its dots.
bool isAtext(char c) { return isAlnum(c) || (c != '\0' && std::strchr("!#$%&'*+-/=?^_`{|}~", c) != nullptr); }

std::optional<std::string> localPartProblem(std::string_view local) {
  if (local.empty()) return "has nothing before the @";
  if (local.size() > kMaxLocalPart) return "has more than 64 characters before the @";
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos)
    return "has a dot at the start or end of the part before the @, or two dots together";
  for (char c : local)
    if (c != '.' && !isAtext(c)) return "has a character that is not allowed before the @ ('" + std::string(1, c) + "')";
  return std::nullopt;
}

bool isIpv4(std::string_view s) {
  int parts = 0;
  size_t i = 0;
  while (i <= s.size()) {
    size_t j = i;
    int value = 0;
    while (j < s.size() && s[j] >= '0' && s[j] <= '9' && j - i < 3) value = value * 10 + (s[j++] - '0');
    if (j == i || value > 255) return false;
    ++parts;
    if (j == s.size()) break;
    if (s[j] != '.') return false;
    i = j + 1;
  }
  return parts == 4;
}

bool isIpv6(std::string_view s) {
  if (s.empty() || s.size() > 45) return false;
  for (char c : s)
    if (!(isAlnum(c) && (c <= '9' || (c | 0x20) <= 'f')) && c != ':' && c != '.') return false;
  return s.find(':') != std::string_view::npos;
}

std::optional<std::string> domainProblem(std::string_view domain) {
  if (domain.empty()) return "has nothing after the @";
  if (domain.front() == '[') {
    if (domain.back() != ']') return "has an address literal without its closing ]";
    std::string_view inner = domain.substr(1, domain.size() - 2);
    if (inner.rfind("IPv6:", 0) == 0 ? isIpv6(inner.substr(5)) : isIpv4(inner)) return std::nullopt;
    return "has an address literal that is not an IP address";
  }
  size_t labels = 0, start = 0;
  while (true) {
    const size_t dot = domain.find('.', start);
    const std::string_view label = domain.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty()) return "has an empty part in its domain (a dot at the start or end, or two together)";
    if (label.size() > kMaxLabel) return "has a part of its domain longer than 63 characters";
    if (label.front() == '-' || label.back() == '-') return "has a part of its domain that starts or ends with a hyphen";
    for (char c : label)
      if (!isAlnum(c) && c != '-') return "has a character that is not allowed in a domain ('" + std::string(1, c) + "')";
    ++labels;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (labels < 2) return "has a domain without a dot (e.g. example.org)";
  return std::nullopt;
}

}  // namespace

std::optional<std::string> emailAddressProblem(std::string_view address) {
  if (address.empty()) return "is empty";
  // Control characters first: a CR or LF is how a second SMTP command or header gets in.
  for (unsigned char c : address) {
    if (c < 0x20 || c == 0x7f) return "contains a line break or another control character";
    if (c >= 0x80) return "contains a character outside ASCII";
  }
  if (address.find_first_of("<>") != std::string_view::npos) return "contains < or > (give the bare address)";
  if (address.find(' ') != std::string_view::npos) return "contains a space";
  if (address.size() > kMaxAddress) return "is longer than 254 characters";
  const size_t at = address.find('@');
  if (at == std::string_view::npos) return "has no @";
  if (address.find('@', at + 1) != std::string_view::npos) return "has more than one @";
  if (auto p = localPartProblem(address.substr(0, at))) return p;
  return domainProblem(address.substr(at + 1));
}

}  // namespace vc
