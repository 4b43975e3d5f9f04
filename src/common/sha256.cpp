#include "common/sha256.h"

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
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), mac, &length);
  return Poco::DigestEngine::digestToHex(Poco::DigestEngine::Digest(mac, mac + length));
}

}  // namespace vc
