#pragma once
// SHA-256 and HMAC-SHA256, as 64 lower-case hex digits: token hashes, letter
// context hashes, the audit chain, purge markers and sign-in name digests
// all use these.

#include <memory>
#include <string>

namespace vc {

std::string sha256Hex(const std::string& data);

// HMAC-SHA256 of `data` under `key` (raw bytes).
std::string hmacSha256Hex(const std::string& key, const std::string& data);

// HMAC-SHA256 under one key, the key's two padded blocks hashed once here rather than for every MAC (the
// audit chain makes one MAC an entry: the one-shot HMAC set the key up, and looked up its digest, each time,
// about 30,000 instructions a MAC; issue 16). hex(data) == hmacSha256Hex(key, data). Immutable once made;
// thread-safe to share.
class HmacSha256 {
 public:
  explicit HmacSha256(const std::string& key);
  ~HmacSha256();
  HmacSha256(const HmacSha256&) = delete;
  HmacSha256& operator=(const HmacSha256&) = delete;
  std::string hex(const std::string& data) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace vc
