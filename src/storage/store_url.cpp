#include "storage/store_url.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>

#include <sys/stat.h>

#include "common/error.h"

namespace vc::storage {
namespace {

Error bad(const std::string& what) { return Error(Error::Kind::kInvalidArgument, "db_url", what); }

const char* const kPasswordAdvice =
    "put the password in the file db.password_file names (mode 0600), or leave it to libpq (PGPASSWORD, "
    "PGPASSFILE or ~/.pgpass)";

// The options a daemon may need from libpq; anything else in the query is refused as a probable typo.
const std::vector<std::string> kOptions = {"sslmode",         "sslrootcert",      "sslcert", "sslkey",
                                           "connect_timeout", "application_name", "target_session_attrs"};

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percentDecode(const std::string& text, const std::string& part) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) throw bad("a bad percent escape in the " + part);
    const int hi = hexValue(text[i + 1]), lo = hexValue(text[i + 2]);
    if (hi < 0 || lo < 0) throw bad("a bad percent escape in the " + part);
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

// What the connector can pass on: no spaces or control characters (it splits its string at spaces).
void requirePlain(const std::string& value, const std::string& part) {
  for (unsigned char c : value)
    if (c <= 0x20 || c == 0x7f) throw bad("the " + part + " must not hold spaces or control characters");
}

bool startsWith(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

StoreUrl parsePostgres(const std::string& rest) {
  StoreUrl u;
  u.backend = StoreUrl::Backend::kPostgres;
  // Whatever follows a ':' before the first '@' is a password, whichever characters it holds ('/', '?', '@').
  if (const size_t at = rest.find('@'); at != std::string::npos && rest.substr(0, at).find(':') != std::string::npos)
    throw bad(std::string("db.url must not hold a password (it would show in logs, ps and backups of the "
                          "configuration): ") + kPasswordAdvice);
  std::string main = rest, query;
  if (const size_t q = rest.find('?'); q != std::string::npos) {
    main = rest.substr(0, q);
    query = rest.substr(q + 1);
  }
  // The user information goes first: whatever follows its ':' is a password (which may hold '/' or '@'),
  // never to be repeated. A database name holding '@' must be written %40.
  if (const size_t at = main.rfind('@'); at != std::string::npos) {
    const std::string userinfo = main.substr(0, at);
    if (userinfo.find(':') != std::string::npos)
      throw bad(std::string("db.url must not hold a password (it would show in logs, ps and backups of the "
                            "configuration): ") + kPasswordAdvice);
    u.user = percentDecode(userinfo, "user name");
    requirePlain(u.user, "user name");
    if (u.user.empty()) throw bad("an empty user name before '@': write postgresql://USER@HOST:PORT/DBNAME");
    main = main.substr(at + 1);
  }
  const size_t slash = main.find('/');
  std::string authority = main.substr(0, slash);
  if (slash == std::string::npos || slash + 1 == main.size())
    throw bad("a PostgreSQL URL needs a database name: postgresql://USER@HOST:PORT/DBNAME");
  u.dbname = percentDecode(main.substr(slash + 1), "database name");
  requirePlain(u.dbname, "database name");
  if (u.dbname.find('/') != std::string::npos) throw bad("the database name must not hold '/'");

  std::string port;
  if (startsWith(authority, "[")) {
    const size_t close = authority.find(']');
    if (close == std::string::npos) throw bad("an IPv6 host needs its closing ']'");
    u.host = authority.substr(1, close - 1);
    const std::string after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') throw bad("after an IPv6 host's ']' only ':PORT' may follow");
      port = after.substr(1);
      if (port.empty()) throw bad("an empty port after ':'");
    }
  } else {
    const size_t colon = authority.rfind(':');
    u.host = percentDecode(authority.substr(0, colon), "host");
    if (colon != std::string::npos) {
      port = authority.substr(colon + 1);
      if (port.empty()) throw bad("an empty port after ':'");
    }
  }
  if (u.host.empty()) throw bad("a PostgreSQL URL needs a host: postgresql://USER@HOST:PORT/DBNAME");
  requirePlain(u.host, "host");
  if (!port.empty()) {
    if (port.size() > 5 || !std::all_of(port.begin(), port.end(), [](unsigned char c) { return std::isdigit(c); }))
      throw bad("the port must be a number from 1 to 65535");
    u.port = std::stoi(port);
    if (u.port < 1 || u.port > 65535) throw bad("the port must be a number from 1 to 65535");
  }

  size_t start = 0;
  while (!query.empty() && start <= query.size()) {
    size_t amp = query.find('&', start);
    if (amp == std::string::npos) amp = query.size();
    const std::string pair = query.substr(start, amp - start);
    start = amp + 1;
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    const std::string key = percentDecode(pair.substr(0, eq), "option name");
    if (key == "password" || key == "passfile")
      throw bad(std::string("db.url must not say where the password is: ") + kPasswordAdvice);
    if (eq == std::string::npos) throw bad("the option " + key + " needs a value (" + key + "=...)");
    if (std::find(kOptions.begin(), kOptions.end(), key) == kOptions.end()) {
      std::string known;
      for (const auto& k : kOptions) known += (known.empty() ? "" : ", ") + k;
      throw bad("unknown option '" + key + "' (known: " + known + ")");
    }
    const std::string value = percentDecode(pair.substr(eq + 1), "option " + key);
    requirePlain(value, "option " + key);
    if (value.empty()) throw bad("the option " + key + " needs a value");
    u.options.emplace_back(key, value);
  }
  return u;
}

std::string percentEncodeHost(const std::string& host) {
  std::string out;
  for (unsigned char c : host) {
    if (c == '/' || c == '%' || c == '@' || c == ':' || c == '?') {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", c);
      out += hex;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

// A libpq keyword=value value: backslash and quote escaped (spaces were refused before).
std::string conninfoValue(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

StoreUrl parseStoreUrl(const std::string& url) {
  if (url.empty()) throw bad("db.url is empty: write sqlite:PATH or postgresql://USER@HOST:PORT/DBNAME");
  if (startsWith(url, "sqlite:")) {
    const std::string path = url.substr(7);
    if (startsWith(path, "//"))
      throw bad("write a SQLite store as sqlite:PATH (sqlite:/var/lib/victim-comms/store.db, or a path relative to "
                "the configuration file), without '//'");
    if (path.empty()) throw bad("sqlite: needs the path of the store's file (sqlite:PATH)");
    StoreUrl u;
    u.sqlite_path = path;
    return u;
  }
  if (startsWith(url, "postgresql://")) return parsePostgres(url.substr(13));
  if (startsWith(url, "postgres://")) return parsePostgres(url.substr(11));
  const size_t colon = url.find(':');
  const size_t slash = url.find('/');
  if (colon != std::string::npos && (slash == std::string::npos || colon < slash)) {
    std::string scheme = url.substr(0, colon);
    if (scheme.size() > 20) scheme = scheme.substr(0, 20) + "...";
    throw bad("unknown store '" + scheme + ":': db.url must start with sqlite: or postgresql://");
  }
  throw bad("db.url must start with sqlite: (a SQLite file, e.g. sqlite:" + std::string(url.size() > 60 ? "PATH" : url) +
            ") or postgresql://");
}

std::string StoreUrl::display() const {
  if (!postgres()) return "sqlite:" + sqlite_path;
  std::string out = "postgresql://" + (user.empty() ? "" : user + "@");
  out += host.find(':') != std::string::npos ? "[" + host + "]" : percentEncodeHost(host);
  out += ":" + std::to_string(port) + "/" + dbname;
  for (size_t i = 0; i < options.size(); ++i)
    out += (i == 0 ? "?" : "&") + options[i].first + "=" + options[i].second;
  return out;
}

std::string postgresConnectionString(const StoreUrl& url, const std::string& password, int default_connect_timeout_s) {
  if (!url.postgres()) throw Error(Error::Kind::kInternal, "db_url", "not a PostgreSQL store: " + url.display());
  for (unsigned char c : password)
    if (c <= 0x20 || c == 0x7f)
      throw Error(Error::Kind::kInvalidArgument, "db_password",
                  "the PostgreSQL password holds a space or a control character, which Poco's PostgreSQL connector "
                  "cannot pass on: choose one without, or leave db.password_file unset and give it to libpq in "
                  "~/.pgpass or PGPASSFILE");
  std::string s = "host=" + conninfoValue(url.host) + " port=" + std::to_string(url.port) +
                  " dbname=" + conninfoValue(url.dbname);
  if (!url.user.empty()) s += " user=" + conninfoValue(url.user);
  if (!password.empty()) s += " password=" + conninfoValue(password);
  bool timeout = false;
  for (const auto& [k, v] : url.options) {
    s += " " + k + "=" + conninfoValue(v);
    timeout = timeout || k == "connect_timeout";
  }
  if (!timeout) s += " connect_timeout=" + std::to_string(default_connect_timeout_s);
  return s;
}

std::string readPasswordFile(const std::string& path) {
  auto refuse = [&](const std::string& what) {
    return Error(Error::Kind::kInvalidArgument, "db_password", "db.password_file " + path + ": " + what);
  };
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw refuse("no such file");
  if (!S_ISREG(st.st_mode)) throw refuse("not a file");
  // A password, not a document: a file larger than this was given by mistake (and is not read into memory).
  if (st.st_size > 4096) throw refuse("larger than 4 KB: its first line must be the password, and nothing else");
  if (st.st_mode & 077) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    throw refuse(std::string("its group or others may read or write it (mode ") + mode +
                 "): chmod 600 it, as libpq asks of ~/.pgpass");
  }
  std::ifstream in(path);
  if (!in) throw refuse("cannot be read by this process");
  std::string line;
  std::getline(in, line);
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.pop_back();
  if (line.empty()) throw refuse("is empty: its first line must be the password");
  return line;
}

}  // namespace vc::storage
