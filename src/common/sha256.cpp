#include "common/sha256.h"

#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>

namespace vc {

std::string sha256Hex(const std::string& data) {
  Poco::SHA2Engine sha(Poco::SHA2Engine::SHA_256);
  sha.update(data);
  return Poco::DigestEngine::digestToHex(sha.digest());
}

}  // namespace vc
