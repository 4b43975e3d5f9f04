#include "storage/session_store.h"
#include "storage/sqlite_connection.h"
#include "storage/sqlite_statement.h"

#include <vector>

using namespace Poco::Data::Keywords;

namespace vc::storage {

void SessionStore::create(const std::string& id_sha256, int64_t user_id, const std::string& csrf_token, int64_t at_seconds) {
  Poco::Int64 user = user_id, at = at_seconds;
  s_ << "INSERT INTO web_sessions(id_sha256, user_id, csrf_token, created_at, last_seen_at) VALUES(?, ?, ?, ?, ?)",
      bind(id_sha256), bind(user), bind(csrf_token), bind(at), bind(at), now;
}

std::optional<WebSessionRow> SessionStore::find(const std::string& id_sha256) {
  Query q(s_, "SELECT user_id, csrf_token, created_at, last_seen_at FROM web_sessions WHERE id_sha256 = ?");
  q.bind(id_sha256);
  if (!q.next()) return std::nullopt;
  return WebSessionRow{q.int64(0), q.text(1), q.int64(2), q.int64(3)};
}

void SessionStore::touch(const std::string& id_sha256, int64_t at_seconds) {
  Query q(s_, "UPDATE web_sessions SET last_seen_at = ? WHERE id_sha256 = ?");
  q.bind(at_seconds).bind(id_sha256).run();
}

void SessionStore::remove(const std::string& id_sha256) {
  std::string id = id_sha256;
  s_ << "DELETE FROM web_sessions WHERE id_sha256 = ?", bind(id), now;
}

void SessionStore::removeIdleSince(int64_t last_seen_before) {
  Poco::Int64 before = last_seen_before;
  s_ << "DELETE FROM web_sessions WHERE last_seen_at < ?", bind(before), now;
}

LoginFailures SessionStore::failures(const std::string& key, int64_t window_start) {
  std::vector<int> count;
  std::vector<Poco::Int64> last;
  std::string k = key;
  Poco::Int64 since = window_start;
  s_ << "SELECT failures, last_failed_at FROM login_failures WHERE name = ? AND last_failed_at >= ?", bind(k),
      bind(since), into(count), into(last), now;
  if (count.empty()) return {};
  return {count[0], last[0]};
}

LoginFailures SessionStore::recordFailure(const std::string& key, int64_t at_seconds, int64_t window_start) {
  Poco::Int64 at = at_seconds, since = window_start;
  std::string k = key;
  s_ << "INSERT INTO login_failures(name, failures, last_failed_at) VALUES(?, 1, ?) "
        "ON CONFLICT(name) DO UPDATE SET failures = CASE WHEN last_failed_at < ? THEN 1 ELSE failures + 1 END, "
        "last_failed_at = excluded.last_failed_at",
      bind(k), bind(at), bind(since), now;
  return failures(key);
}

void SessionStore::forgetOneFailure(const std::string& key) {
  std::string k = key;
  s_ << "UPDATE login_failures SET failures = failures - 1 WHERE name = ? AND failures > 0", bind(k), now;
}

void SessionStore::clearFailures(const std::string& key) {
  std::string k = key;
  s_ << "DELETE FROM login_failures WHERE name = ?", bind(k), now;
}

void SessionStore::forgetFailuresBefore(int64_t last_failed_before) {
  Poco::Int64 before = last_failed_before;
  s_ << "DELETE FROM login_failures WHERE last_failed_at < ?", bind(before), now;
}

SessionStore::SessionStore(Connection& connection) : s_(sqlite(connection)) {}

}  // namespace vc::storage
