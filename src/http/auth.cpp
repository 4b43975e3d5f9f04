#include "http/auth.h"

#include <Poco/DigestEngine.h>
#include <Poco/RandomStream.h>

#include "common/error.h"
#include "common/sha256.h"
#include "storage/store.h"

namespace vc::http {

const std::vector<std::string> kRoles = {"ingest", "vlu", "isva", "manager", "admin"};

std::string newToken() {
  Poco::RandomInputStream random;
  std::vector<unsigned char> bytes(24);
  for (auto& b : bytes) b = static_cast<unsigned char>(random.get());
  return "vc_" + Poco::DigestEngine::digestToHex(bytes);
}

std::string hashToken(const std::string& token) { return sha256Hex(token); }

Principal authenticate(const std::string& authorization, storage::Database& db) {
  static const std::string kScheme = "Bearer ";
  if (authorization.empty())
    throw Error(Error::Kind::kUnauthenticated, "unauthenticated", "an Authorization: Bearer <token> header is required");
  if (authorization.compare(0, kScheme.size(), kScheme) != 0 || authorization.size() == kScheme.size())
    throw Error(Error::Kind::kUnauthenticated, "unauthenticated", "the Authorization header must be 'Bearer <token>'");
  const std::string token = authorization.substr(kScheme.size());
  auto lease = db.session();
  storage::Connection& session = lease;
  storage::Store store(session);
  auto user = store.userByTokenHash(hashToken(token));
  if (!user) throw Error(Error::Kind::kUnauthenticated, "unauthenticated", "the token is not valid");
  return Principal{user->name, user->role, user->isva_id, user->area};
}

}  // namespace vc::http
