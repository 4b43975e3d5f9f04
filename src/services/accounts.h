#pragma once
// Users as the front meets them: API tokens (random, shown once, stored only
// as a SHA-256 hash) and who a token belongs to. Web sign-in and sessions are
// services/web_sessions.h. Thread-safe: each call takes its own store session.

#include <optional>
#include <string>
#include <vector>

#include "services/principal.h"

namespace vc::storage {
class Database;  // storage/database.h: the front that holds this service needs no store header
}

namespace vc::services {

extern const std::vector<std::string> kRoles;  // ingest, vlu, isva, manager, admin, metrics (GET /metrics only)

std::string newToken();                       // "vc_" + 48 hex digits from the system's CSPRNG
std::string hashToken(const std::string& token);

class AccountService {
 public:
  explicit AccountService(storage::Database& db) : db_(db) {}

  // The user whose API token this is (looked up by its hash), if any.
  std::optional<Principal> byToken(const std::string& token);

 private:
  storage::Database& db_;
};

}  // namespace vc::services
