#include "common/keyring.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sstream>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/rand.h>
#include <Poco/File.h>
#include <Poco/Path.h>

#include "common/sha256.h"

namespace vc {
namespace {

constexpr size_t kKeyBytes = 32;
constexpr const char* kHeader =
    "# victim-comms keys, one per line: <id> <key, 64 hex digits>. The last makes new MACs; keep the\n"
    "# older ones, which check what they made. Readable by the daemon's user only (chmod 600).\n";

std::string toHex(const std::string& raw) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : raw) {
    out += kHex[c >> 4];
    out += kHex[c & 0xf];
  }
  return out;
}

std::optional<std::string> fromHex(const std::string& hex) {
  if (hex.size() % 2) return std::nullopt;
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    int v = 0;
    for (size_t j = i; j < i + 2; ++j) {
      const char c = hex[j];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= c - '0';
      else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
      else return std::nullopt;
    }
    out += static_cast<char>(v);
  }
  return out;
}

std::string newKeyLine() {
  unsigned char raw[kKeyBytes];
  if (RAND_bytes(raw, sizeof raw) != 1) throw KeyFileError("could not draw a random key (OpenSSL RAND_bytes failed)");
  const std::string key(reinterpret_cast<const char*>(raw), sizeof raw);
  return Keyring::keyId(key) + " " + toHex(key) + "\n";
}

std::string systemError(const std::string& what) { return what + ": " + std::strerror(errno); }

void writeAll(int fd, const std::string& text, const std::string& path, const std::string& setting) {
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw KeyFileError(systemError(setting + " " + path + ": cannot write"));
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) throw KeyFileError(systemError(setting + " " + path + ": cannot sync"));
}

// Opens the file for reading or appending after checking it is a regular file only its owner may use.
// Returns -1 (errno ENOENT) when it does not exist.
int openChecked(const std::string& path, const std::string& setting, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return -1;
    throw KeyFileError(systemError(setting + " " + path + ": cannot open"));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    throw KeyFileError(systemError(setting + " " + path + ": cannot stat"));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    throw KeyFileError(setting + " " + path + " is not a regular file");
  }
  if (st.st_mode & 077) {
    ::close(fd);
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    throw KeyFileError(setting + " " + path + " may be read or changed by others than its owner (mode " + mode +
                       "): it holds a secret key, so it must be readable by the daemon's user only. Run "
                       "`chmod 600 " + path + "`, and if others could have read it, treat the key as disclosed");
  }
  return fd;
}

std::string readAll(int fd, const std::string& path, const std::string& setting) {
  std::string text;
  char buf[4096];
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw KeyFileError(systemError(setting + " " + path + ": cannot read"));
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  return text;
}

// Makes the file with one key, atomically: written beside it, then linked into place (which fails
// if another process got there first; then its key is the one). Returns false if it already existed.
bool createKeyFile(const std::string& path, const std::string& setting) {
  Poco::File(Poco::Path(path).absolute().parent()).createDirectories();
  const std::string temp = path + ".new-" + std::to_string(::getpid());
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) throw KeyFileError(systemError(setting + " " + path + ": cannot create " + temp));
  try {
    if (::fchmod(fd, 0600) != 0) throw KeyFileError(systemError(setting + " " + temp + ": cannot chmod"));
    writeAll(fd, std::string(kHeader) + newKeyLine(), temp, setting);
  } catch (...) {
    ::close(fd);
    ::unlink(temp.c_str());
    throw;
  }
  ::close(fd);
  const int linked = ::link(temp.c_str(), path.c_str());
  const int link_errno = errno;
  ::unlink(temp.c_str());
  if (linked == 0) return true;
  if (link_errno == EEXIST) return false;
  errno = link_errno;
  throw KeyFileError(systemError(setting + " " + path + ": cannot put the new key file in place"));
}

void appendKey(const std::string& path, const std::string& setting) {
  const int fd = openChecked(path, setting, O_WRONLY | O_APPEND);
  if (fd < 0) throw KeyFileError(setting + " " + path + " does not exist");
  try {
    writeAll(fd, newKeyLine(), path, setting);
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
}

}  // namespace

std::string Keyring::keyId(const std::string& raw_key) { return sha256Hex(raw_key).substr(0, 16); }

Keyring Keyring::open(const std::string& path, const std::string& setting, bool create) {
  bool created = false;
  int fd = openChecked(path, setting, O_RDONLY);
  if (fd < 0) {
    if (!create)
      throw KeyFileError(setting + " " + path + " does not exist (it holds the key the entries were made with; "
                         "restore it from its backup)");
    created = createKeyFile(path, setting);
    fd = openChecked(path, setting, O_RDONLY);
    if (fd < 0) throw KeyFileError(setting + " " + path + " vanished as it was made");
  }
  std::string text;
  try {
    text = readAll(fd, path, setting);
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);

  Keyring k;
  k.path_ = path;
  k.created_ = created;
  std::istringstream lines(text);
  std::string line;
  for (int n = 1; std::getline(lines, line); ++n) {
    const auto start = line.find_first_not_of(" \t\r");
    if (start == std::string::npos || line[start] == '#') continue;
    std::istringstream fields(line);
    std::string id, hex, extra;
    fields >> id >> hex >> extra;
    const auto key = fromHex(hex);
    if (!extra.empty() || !key || key->size() != kKeyBytes)
      throw KeyFileError(setting + " " + path + ":" + std::to_string(n) + ": not a key line (<id> <64 hex digits>)");
    if (keyId(*key) != id)
      throw KeyFileError(setting + " " + path + ":" + std::to_string(n) + ": the id " + id +
                         " is not that of the key beside it (the line was changed)");
    k.keys_.emplace_back(id, *key);
  }
  if (k.keys_.empty()) {
    if (!create) throw KeyFileError(setting + " " + path + " holds no key");
    appendKey(path, setting);
    return open(path, setting, false);
  }
  return std::move(k.ready());
}

std::string Keyring::addKey(const std::string& path, const std::string& setting) {
  open(path, setting, false);  // the same checks, and it must already hold its keys
  appendKey(path, setting);
  return open(path, setting, false).currentId();
}

Keyring Keyring::fromKeys(const std::vector<std::string>& raw_keys) {
  if (raw_keys.empty()) throw std::invalid_argument("a keyring needs a key");
  Keyring k;
  for (const auto& key : raw_keys) k.keys_.emplace_back(keyId(key), key);
  return std::move(k.ready());
}

bool Keyring::holds(const std::string& id) const {
  for (const auto& [kid, key] : keys_)
    if (kid == id) return true;
  return false;
}

Keyring& Keyring::ready() {
  current_ = std::make_shared<const HmacSha256>(keys_.back().second);
  return *this;
}

std::string Keyring::mac(const std::string& data) const { return current_->hex(data); }

std::optional<std::string> Keyring::macWith(const std::string& id, const std::string& data) const {
  if (id == keys_.back().first) return current_->hex(data);
  for (const auto& [kid, key] : keys_)
    if (kid == id) return hmacSha256Hex(key, data);
  return std::nullopt;
}

}  // namespace vc
