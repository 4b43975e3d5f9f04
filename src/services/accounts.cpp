#include "services/accounts.h"

#include <Poco/DigestEngine.h>
#include <Poco/RandomStream.h>

#include "common/sha256.h"
#include "storage/database.h"
#include "storage/store.h"

namespace vc::services {

const std::vector<std::string> kRoles = {"ingest", "vlu", "isva", "manager", "admin", "metrics"};

std::string newToken() {
  Poco::RandomInputStream random;
  std::vector<unsigned char> bytes(24);
  for (auto& b : bytes) b = static_cast<unsigned char>(random.get());
  return "vc_" + Poco::DigestEngine::digestToHex(bytes);
}

std::string hashToken(const std::string& token) { return sha256Hex(token); }

std::optional<Principal> AccountService::byToken(const std::string& token) {
  auto lease = db_.session();
  storage::Connection& session = lease;
  storage::Store store(session);
  auto user = store.userByTokenHash(hashToken(token));
  if (!user) return std::nullopt;
  return Principal{user->name, user->role, user->isva_id, user->area};
}

}  // namespace vc::services
