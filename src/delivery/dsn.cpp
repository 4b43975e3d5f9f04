#include "delivery/dsn.h"

#include <algorithm>
#include <cctype>
#include <utility>

#include "domain/text_lines.h"

namespace vc::delivery {
namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;  // lower-case name, unfolded value

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string trim(std::string_view s) {
  const size_t b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return {};
  const size_t e = s.find_last_not_of(" \t");
  return std::string(s.substr(b, e - b + 1));
}

using domain::splitLines;

// Header fields from `from` up to the first blank line or `to` (unfolded); `next` is set to the line after it.
Fields readFields(const std::vector<std::string_view>& ls, size_t from, size_t to, size_t* next) {
  Fields fields;
  size_t i = from;
  to = std::min(to, ls.size());
  for (; i < to && !ls[i].empty(); ++i) {
    const std::string_view line = ls[i];
    if ((line[0] == ' ' || line[0] == '\t') && !fields.empty()) {
      if (fields.back().second.size() < 2000) fields.back().second += " " + trim(line);
      continue;
    }
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) continue;
    fields.emplace_back(lower(trim(line.substr(0, colon))), trim(line.substr(colon + 1)).substr(0, 2000));
  }
  if (next) *next = i < to ? i + 1 : i;
  return fields;
}

std::string field(const Fields& fields, const std::string& name) {
  for (const auto& [n, v] : fields)
    if (n == name) return v;
  return {};
}

// A Content-Type's type/subtype (lower case) and its boundary parameter.
std::pair<std::string, std::string> contentType(const std::string& value) {
  const size_t semi = value.find(';');
  std::string type = lower(trim(value.substr(0, semi)));
  std::string boundary;
  const std::string l = lower(value);
  const size_t at = l.find("boundary=");
  if (at != std::string::npos) {
    size_t b = at + 9;
    if (b < value.size() && value[b] == '"') {
      const size_t e = value.find('"', b + 1);
      boundary = value.substr(b + 1, e == std::string::npos ? std::string::npos : e - b - 1);
    } else {
      const size_t e = value.find_first_of("; \t", b);
      boundary = value.substr(b, e == std::string::npos ? std::string::npos : e - b);
    }
  }
  return {type, boundary.substr(0, 200)};
}

bool enhancedStatus(const std::string& s) {
  // class.subject.detail: class 2, 4 or 5; subject and detail 1 to 3 digits.
  if (s.size() < 5 || (s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.') return false;
  size_t i = 2, digits = 0;
  for (; i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])); ++i) ++digits;
  if (digits < 1 || digits > 3 || i >= s.size() || s[i] != '.') return false;
  digits = 0;
  for (++i; i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])); ++i) ++digits;
  return digits >= 1 && digits <= 3 && i == s.size();
}

// One line of printable text, at most `limit` characters.
std::string oneLine(const std::string& s, size_t limit) {
  std::string out;
  for (char c : s) {
    if (out.size() >= limit) break;
    const unsigned char u = static_cast<unsigned char>(c);
    out += u < 0x20 || u == 0x7f ? ' ' : u >= 0x80 ? '?' : c;  // ASCII only: it is quoted in events and logs
  }
  return trim(out);
}

// A Message-ID value's "<...>" (no spaces), or "".
std::string messageIdOf(const std::string& value) {
  const size_t b = value.find('<');
  const size_t e = value.find('>', b == std::string::npos ? 0 : b);
  if (b == std::string::npos || e == std::string::npos || e - b > 300) return {};
  std::string id = value.substr(b, e - b + 1);
  for (unsigned char c : id)
    if (c <= 0x20 || c >= 0x7f) return {};  // one printable ASCII token
  return id;
}

void addId(DeliveryReport& r, const std::string& id) {
  if (!id.empty() && r.message_ids.size() < 10 &&
      std::find(r.message_ids.begin(), r.message_ids.end(), id) == r.message_ids.end())
    r.message_ids.push_back(id);
}

// The delivery-status body: a per-message block, then a block per recipient; the first recipient
// with an Action speaks for the report (a letter has one recipient).
void readStatus(DeliveryReport& r, const std::vector<std::string_view>& ls, size_t from, size_t to) {
  r.is_report = true;
  size_t i = from;
  while (i < to) {
    while (i < to && ls[i].empty()) ++i;
    if (i >= to) break;
    size_t next = i;
    const Fields f = readFields(ls, i, to, &next);
    if (next <= i) break;
    i = next;
    const std::string action = lower(field(f, "action"));
    if (action.empty() || !r.action.empty()) continue;
    r.action = oneLine(action, 20);
    const std::string status = trim(field(f, "status").substr(0, 20));
    const std::string code = status.substr(0, status.find_first_of(" \t("));
    r.status = enhancedStatus(code) ? code : "";
    r.diagnostic = oneLine(field(f, "diagnostic-code"), 300);
  }
}

void readPart(DeliveryReport& r, const std::vector<std::string_view>& ls, size_t from, size_t to, int depth);

// The parts of a multipart body between `from` and `to`, each read in turn.
void readMultipart(DeliveryReport& r, const std::vector<std::string_view>& ls, size_t from, size_t to,
                   const std::string& boundary, int depth) {
  const std::string delimiter = "--" + boundary, close = delimiter + "--";
  size_t part_start = std::string::npos;
  for (size_t i = from; i < to; ++i) {
    const std::string line = trim(ls[i]);
    if (line == delimiter || line == close) {
      if (part_start != std::string::npos) readPart(r, ls, part_start, i, depth + 1);
      if (line == close) return;
      part_start = i + 1;
    }
  }
  if (part_start != std::string::npos) readPart(r, ls, part_start, to, depth + 1);
}

void readPart(DeliveryReport& r, const std::vector<std::string_view>& ls, size_t from, size_t to, int depth) {
  if (depth > 5 || from >= to) return;  // deeper nesting is not a report of ours
  size_t body = from;
  const Fields headers = readFields(ls, from, to, &body);
  const auto [type, boundary] = contentType(field(headers, "content-type"));
  if (type == "message/delivery-status") {
    readStatus(r, ls, body, to);
  } else if (type == "text/rfc822-headers" || type == "message/rfc822") {
    size_t after = body;
    while (after < to && ls[after].empty()) ++after;
    addId(r, messageIdOf(field(readFields(ls, after, to, nullptr), "message-id")));
  } else if (type.rfind("multipart/", 0) == 0 && !boundary.empty()) {
    readMultipart(r, ls, body, to, boundary, depth);
  }
}

}  // namespace

DeliveryReport readDeliveryReport(std::string_view mail) {
  DeliveryReport r;
  if (mail.size() > kMaxDeliveryReportBytes) return r;
  const std::vector<std::string_view> ls = splitLines(mail);
  size_t body = 0;
  readFields(ls, 0, ls.size(), &body);
  readPart(r, ls, 0, ls.size(), 0);
  // Not MIME as it should be, but it may still quote the message: any Message-ID line below the
  // report's own headers (never the report's own Message-ID).
  if (r.message_ids.empty())
    for (size_t i = body; i < ls.size(); ++i) {
      const std::string l = lower(ls[i].substr(0, 11));
      if (l == "message-id:") addId(r, messageIdOf(std::string(ls[i].substr(11))));
    }
  return r;
}

}  // namespace vc::delivery
