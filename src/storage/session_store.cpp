#include "storage/session_store.h"
#include "storage/sqlite_connection.h"
#include "storage/sqlite_statement.h"

namespace vc::storage {

void SessionStore::create(const std::string& id_sha256, int64_t user_id, const std::string& csrf_token, int64_t at_seconds) {
  Query q(s_, "INSERT INTO web_sessions(id_sha256, user_id, csrf_token, created_at, last_seen_at) VALUES(?, ?, ?, ?, ?)");
  q.bind(id_sha256).bind(user_id).bind(csrf_token).bind(at_seconds).bind(at_seconds).run();
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
  Query q(s_, "DELETE FROM web_sessions WHERE id_sha256 = ?");
  q.bind(id_sha256).run();
}

void SessionStore::removeIdleSince(int64_t last_seen_before) {
  Query q(s_, "DELETE FROM web_sessions WHERE last_seen_at < ?");
  q.bind(last_seen_before).run();
}

LoginFailures SessionStore::failures(const std::string& key, int64_t window_start) {
  Query q(s_, "SELECT failures, last_failed_at FROM login_failures WHERE name = ? AND last_failed_at >= ?");
  q.bind(key).bind(window_start);
  if (!q.next()) return {};
  return {static_cast<int>(q.int64(0)), q.int64(1)};
}

// The update's columns are named with their table: PostgreSQL's DO UPDATE sees the row as login_failures and
// the proposed one as excluded (SQLite reads the same text the same way).
LoginFailures SessionStore::recordFailure(const std::string& key, int64_t at_seconds, int64_t window_start) {
  Query q(s_,
          "INSERT INTO login_failures(name, failures, last_failed_at) VALUES(?, 1, ?) "
          "ON CONFLICT(name) DO UPDATE SET failures = CASE WHEN login_failures.last_failed_at < ? THEN 1 "
          "ELSE login_failures.failures + 1 END, last_failed_at = excluded.last_failed_at");
  q.bind(key).bind(at_seconds).bind(window_start).run();
  return failures(key);
}

void SessionStore::forgetOneFailure(const std::string& key) {
  Query q(s_, "UPDATE login_failures SET failures = failures - 1 WHERE name = ? AND failures > 0");
  q.bind(key).run();
}

void SessionStore::clearFailures(const std::string& key) {
  Query q(s_, "DELETE FROM login_failures WHERE name = ?");
  q.bind(key).run();
}

void SessionStore::forgetFailuresBefore(int64_t last_failed_before) {
  Query q(s_, "DELETE FROM login_failures WHERE last_failed_at < ?");
  q.bind(last_failed_before).run();
}

SessionStore::SessionStore(Connection& connection) : s_(sqlite(connection)) {}

}  // namespace vc::storage
