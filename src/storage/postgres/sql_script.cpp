#include "storage/postgres/sql_script.h"

#include <cctype>

#include "common/error.h"

namespace vc::storage::postgres {
namespace {

Error unterminated(const std::string& what) {
  return Error(Error::Kind::kInternal, "migration", "a migration script ends inside " + what);
}

std::string trimmed(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

// The tag of a dollar quote starting at `i` ("$$" or "$name$"), or "" if none starts there.
std::string dollarTag(const std::string& s, size_t i) {
  if (s[i] != '$') return "";
  size_t j = i + 1;
  if (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) return "";  // $1: a placeholder
  while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '_')) ++j;
  if (j < s.size() && s[j] == '$') return s.substr(i, j - i + 1);
  return "";
}

}  // namespace

std::vector<std::string> splitSqlScript(const std::string& script) {
  std::vector<std::string> statements;
  std::string current;
  const size_t n = script.size();
  size_t i = 0;
  while (i < n) {
    const char c = script[i];
    if (c == '-' && i + 1 < n && script[i + 1] == '-') {  // a line comment: dropped
      while (i < n && script[i] != '\n') ++i;
      continue;
    }
    if (c == '/' && i + 1 < n && script[i + 1] == '*') {  // a block comment (they nest in PostgreSQL)
      int depth = 1;
      i += 2;
      while (depth > 0) {
        if (i + 1 >= n) throw unterminated("a /* comment */");
        if (script[i] == '/' && script[i + 1] == '*') {
          ++depth;
          i += 2;
        } else if (script[i] == '*' && script[i + 1] == '/') {
          --depth;
          i += 2;
        } else {
          ++i;
        }
      }
      current += ' ';
      continue;
    }
    if (c == '\'' || c == '"') {  // a string or a quoted name; a doubled quote stays inside
      size_t j = i + 1;
      for (;;) {
        if (j >= n) throw unterminated(c == '\'' ? "a 'string'" : "a \"quoted name\"");
        if (script[j] == c) {
          if (j + 1 < n && script[j + 1] == c) {
            j += 2;
            continue;
          }
          break;
        }
        ++j;
      }
      current.append(script, i, j + 1 - i);
      i = j + 1;
      continue;
    }
    if (c == '$') {
      const std::string tag = dollarTag(script, i);
      if (!tag.empty()) {
        const size_t end = script.find(tag, i + tag.size());
        if (end == std::string::npos) throw unterminated("a " + tag + " body");
        current.append(script, i, end + tag.size() - i);
        i = end + tag.size();
        continue;
      }
    }
    if (c == ';') {
      std::string s = trimmed(current);
      if (!s.empty()) statements.push_back(std::move(s));
      current.clear();
      ++i;
      continue;
    }
    current += c;
    ++i;
  }
  std::string s = trimmed(current);
  if (!s.empty()) statements.push_back(std::move(s));
  return statements;
}

}  // namespace vc::storage::postgres
