#include "storage/audit_checkpoint.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fcntl.h>
#include <unistd.h>

#include <Poco/File.h>
#include <Poco/Path.h>

namespace vc::storage {
namespace {

constexpr const char* kPrefix = "audit-checkpoint v1 ";

bool isHex(const std::string& s, size_t size) {
  return s.size() == size && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

std::optional<Checkpoint> parseLine(const std::string& text, int line) {
  if (text.rfind(kPrefix, 0) != 0) return std::nullopt;
  const auto mac_at = text.rfind(" mac=");
  if (mac_at == std::string::npos) return std::nullopt;
  Checkpoint c;
  c.line = line;
  c.made_over = text.substr(0, mac_at);
  c.mac = text.substr(mac_at + 5);
  std::istringstream fields(c.made_over.substr(std::string(kPrefix).size()));
  std::string field;
  int seen = 0;
  while (fields >> field) {
    const auto eq = field.find('=');
    if (eq == std::string::npos) return std::nullopt;
    const std::string name = field.substr(0, eq), value = field.substr(eq + 1);
    if (name == "store") c.store = value;
    else if (name == "hash") c.hash = value;
    else if (name == "at") c.at = value;
    else if (name == "key") c.key_id = value;
    else if (name == "seq") {
      if (value.empty() || value.find_first_not_of("0123456789") != std::string::npos || value.size() > 18)
        return std::nullopt;
      c.seq = std::stoll(value);
    } else {
      return std::nullopt;
    }
    ++seen;
  }
  if (seen != 5 || c.store.empty() || !isHex(c.hash, 64) || c.at.empty() || c.key_id.empty() || !isHex(c.mac, 64))
    return std::nullopt;
  return c;
}

}  // namespace

std::string formatCheckpoint(const std::string& store, int64_t seq, const std::string& hash, const std::string& at,
                             const Keyring& keys) {
  const std::string text = std::string(kPrefix) + "store=" + store + " seq=" + std::to_string(seq) + " hash=" + hash +
                           " at=" + at + " key=" + keys.currentId();
  return text + " mac=" + keys.mac(text) + "\n";
}

CheckpointFile readCheckpoints(const std::string& path) {
  CheckpointFile f;
  if (!Poco::File(path).exists()) return f;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("audit.checkpoint_file " + path + ": cannot be read");
  f.exists = true;
  std::string text;
  for (int n = 1; std::getline(in, text); ++n) {
    if (!text.empty() && text.back() == '\r') text.pop_back();
    if (text.empty()) continue;
    if (auto c = parseLine(text, n))
      f.checkpoints.push_back(std::move(*c));
    else
      f.malformed.push_back(n);
  }
  return f;
}

std::optional<std::string> checkpointStore(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string text;
  for (int n = 1; std::getline(in, text); ++n)
    if (auto c = parseLine(text, n)) return c->store;
  return std::nullopt;
}

std::optional<bool> checkpointAuthentic(const Checkpoint& c, const Keyring& keys) {
  const auto mac = keys.macWith(c.key_id, c.made_over);
  if (!mac) return std::nullopt;
  return *mac == c.mac;
}

void appendCheckpoint(const std::string& path, const std::string& line) {
  Poco::File(Poco::Path(path).absolute().parent()).createDirectories();
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0)
    throw std::runtime_error("audit.checkpoint_file " + path + ": cannot be opened to append: " + std::strerror(errno));
  size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(fd, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const std::string why = std::strerror(errno);
      ::close(fd);
      throw std::runtime_error("audit.checkpoint_file " + path + ": cannot be written: " + why);
    }
    done += static_cast<size_t>(n);
  }
  const int synced = ::fsync(fd);
  ::close(fd);
  if (synced != 0) throw std::runtime_error("audit.checkpoint_file " + path + ": cannot be synced");
}

}  // namespace vc::storage
