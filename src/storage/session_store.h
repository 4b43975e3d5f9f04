#pragma once
// Web login sessions and failed-login counts. Times are the domain clock's
// Unix seconds. Only the SHA-256 of a session's cookie value is stored, so a
// copy of the database does not let anyone in. One per session; the caller
// owns any transaction.

#include <cstdint>
#include <optional>
#include <string>
#include "storage/connection.h"

namespace Poco::Data {
class Session;  // storage-internal (sqlite_connection.h)
}


namespace vc::storage {

struct WebSessionRow {
  int64_t user_id = 0;
  std::string csrf_token;
  int64_t created_at = 0, last_seen_at = 0;
};

struct LoginFailures {
  int failures = 0;
  int64_t last_failed_at = 0;
};

class SessionStore {
 public:
  explicit SessionStore(Poco::Data::Session& session) : s_(session) {}
  explicit SessionStore(Connection& connection);

  void create(const std::string& id_sha256, int64_t user_id, const std::string& csrf_token, int64_t at_seconds);
  std::optional<WebSessionRow> find(const std::string& id_sha256);
  void touch(const std::string& id_sha256, int64_t at_seconds);
  void remove(const std::string& id_sha256);
  void removeIdleSince(int64_t last_seen_before);

  // Failed sign-ins counted under `key` (a keyed digest of a name, or a client address).
  // Failures last seen before `window_start` count as none (0: they always count).
  LoginFailures failures(const std::string& key, int64_t window_start = 0);
  LoginFailures recordFailure(const std::string& key, int64_t at_seconds, int64_t window_start = 0);
  void forgetOneFailure(const std::string& key);
  void clearFailures(const std::string& key);
  void forgetFailuresBefore(int64_t last_failed_before);

 private:
  Poco::Data::Session& s_;
};

}  // namespace vc::storage
