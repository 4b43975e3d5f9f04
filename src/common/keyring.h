#pragma once
// A key file: the secret HMAC-SHA256 keys that the audit chain
// (audit.key_file) or the purge markers (retention.key_file) are made with,
// kept outside the database. One key per line, "<id> <64 hex digits>" ('#'
// starts a comment). The id is the first 16 hex digits of the key's SHA-256:
// it names one key and tells nothing about it. The last key makes new MACs;
// the ones before it stay to check what they made before a rotation.
// Read once at start; a Keyring is immutable, and thread-safe to share.

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "common/sha256.h"

namespace vc {

// A key file that cannot be used (missing, readable by others, malformed): a configuration problem.
class KeyFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Keyring {
 public:
  // Reads the key file named by the setting `setting` (for messages). It must be a regular file
  // that neither its group nor others may read or write (mode 0600 or stricter), else KeyFileError
  // naming it. A missing file is made when `create` is set (its directory too): mode 0600, one new
  // key, put in place atomically so that two processes starting at once agree on one key; else
  // KeyFileError. With `create`, an existing file that holds no key gets one (starting afresh).
  static Keyring open(const std::string& path, const std::string& setting, bool create);
  // Appends a new key to the file (rotation): it makes the MACs from the next start, and the keys
  // before it stay to check older ones. Returns its id. Same checks as open().
  static std::string addKey(const std::string& path, const std::string& setting);
  // Keys held in memory only, the last current (for tests). Each is raw bytes.
  static Keyring fromKeys(const std::vector<std::string>& raw_keys);
  // The id of a raw key.
  static std::string keyId(const std::string& raw_key);

  const std::string& currentId() const { return keys_.back().first; }
  bool holds(const std::string& id) const;
  // HMAC-SHA256 of `data` (hex) under the current key.
  std::string mac(const std::string& data) const;
  // The same under the key `id`; nullopt when this file does not hold it.
  std::optional<std::string> macWith(const std::string& id, const std::string& data) const;

  const std::string& path() const { return path_; }
  size_t size() const { return keys_.size(); }
  bool created() const { return created_; }  // this open() made the file

 private:
  Keyring() = default;

  std::string path_;
  bool created_ = false;
  std::vector<std::pair<std::string, std::string>> keys_;  // id, raw key; never empty; the last is current
  std::shared_ptr<const HmacSha256> current_;              // the last key's MAC, set up once (ready())
  Keyring& ready();
};

}  // namespace vc
