#include "common/sha256.h"

#include <stdexcept>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>

namespace vc {

std::string sha256Hex(const std::string& data) {
  Poco::SHA2Engine sha(Poco::SHA2Engine::SHA_256);
  sha.update(data);
  return Poco::DigestEngine::digestToHex(sha.digest());
}

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

}  // namespace vc
