#include "common/sha256.h"

#include <algorithm>
#include <stdexcept>

// SHA256_Init/Update/Final: deprecated in OpenSSL 3 but kept; the EVP calls that replace them fetch the
// digest's implementation and allocate a context for every use, which is what this file avoids.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

namespace vc {

std::string hmacSha256Hex(const std::string& key, const std::string& data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
            data.size(), mac, &length))
    throw std::runtime_error("HMAC-SHA256 failed");
  static const char* kHex = "0123456789abcdef";
  std::string out;
  out.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    out += kHex[mac[i] >> 4];
    out += kHex[mac[i] & 0xf];
  }
  return out;
}

namespace {
std::string hexOf(const unsigned char* bytes, size_t n) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out += kHex[bytes[i] >> 4];
    out += kHex[bytes[i] & 0xf];
  }
  return out;
}
}  // namespace

// OpenSSL's SHA-256 (its SHA extensions where the CPU has them) rather than Poco's: a letter's context hash
// hashes about 10 KB, and Poco's engine took ~200,000 instructions a letter (issue 16, "drafting's CPU").
std::string sha256Hex(const std::string& data) {
  SHA256_CTX sha;
  unsigned char digest[SHA256_DIGEST_LENGTH];
  if (!SHA256_Init(&sha) || !SHA256_Update(&sha, data.data(), data.size()) || !SHA256_Final(digest, &sha))
    throw std::runtime_error("SHA-256 failed");
  return hexOf(digest, sizeof digest);
}

// RFC 2104: H((K ^ opad) || H((K ^ ipad) || data)), K the key padded to the block (hashed first if longer).
struct HmacSha256::State {
  SHA256_CTX inner, outer;  // after their padded key block
};

HmacSha256::HmacSha256(const std::string& key) : state_(std::make_unique<State>()) {
  unsigned char block[SHA256_CBLOCK] = {0};
  if (key.size() > SHA256_CBLOCK)
    SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), block);
  else
    std::copy(key.begin(), key.end(), block);
  unsigned char pad[SHA256_CBLOCK];
  for (size_t i = 0; i < SHA256_CBLOCK; ++i) pad[i] = block[i] ^ 0x36;
  if (!SHA256_Init(&state_->inner) || !SHA256_Update(&state_->inner, pad, sizeof pad))
    throw std::runtime_error("HMAC-SHA256 failed");
  for (size_t i = 0; i < SHA256_CBLOCK; ++i) pad[i] = block[i] ^ 0x5c;
  if (!SHA256_Init(&state_->outer) || !SHA256_Update(&state_->outer, pad, sizeof pad))
    throw std::runtime_error("HMAC-SHA256 failed");
}

HmacSha256::~HmacSha256() = default;

std::string HmacSha256::hex(const std::string& data) const {
  SHA256_CTX inner = state_->inner, outer = state_->outer;  // copies: this object is shared and unchanged
  unsigned char digest[SHA256_DIGEST_LENGTH];
  if (!SHA256_Update(&inner, data.data(), data.size()) || !SHA256_Final(digest, &inner) ||
      !SHA256_Update(&outer, digest, sizeof digest) || !SHA256_Final(digest, &outer))
    throw std::runtime_error("HMAC-SHA256 failed");
  return hexOf(digest, sizeof digest);
}

}  // namespace vc
