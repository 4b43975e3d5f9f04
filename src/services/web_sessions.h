#pragma once
// Logging in to the web pages: a name and password checked against the
// PBKDF2 hash, a session cookie (HttpOnly, SameSite=Strict, Secure when
// served over TLS) that expires after a configurable idle time, a CSRF token
// per session for every form, and repeated failed logins slowed: after five
// for a name, or twenty from one client address, each further attempt must
// wait (30 s, doubling, at most 15 minutes) and is refused unseen until then.
// An attempt is counted before its password is checked, in one write
// transaction with the check of the count, so parallel attempts cannot beat
// the slowdown: that transaction is where the invariant "at most five
// passwords checked before the wait" is kept. A name is capped before anything
// reads, stores or audits it; the store keeps only a keyed digest of a name
// that failed, never the name. Logins, failures, refusals and logouts are
// audited. Thread-safe (a store session per call).
//
// A service (it reads and writes the store and the audit log); the front
// names it http::WebSessions and only calls it and sets its cookies.

#include <cstdint>
#include <optional>
#include <string>

#include "domain/clock.h"
#include "services/principal.h"

namespace vc::storage {
class Database;  // storage/database.h: the front that holds this service needs no store header
}

namespace vc::services {

struct WebSessionSettings {
  int idle_minutes = 30;
  bool secure_cookie = false;  // true when the daemon is reached over TLS
  std::string name_key;        // keys the digest of a failed sign-in name (a secret kept outside the store)
};

class WebSessions {
 public:
  static constexpr const char* kCookieName = "vc_session";
  // Before anyone has logged in, the login form's CSRF token is checked against this cookie.
  static constexpr const char* kLoginFormCookieName = "vc_login";
  static constexpr int kFreeAttempts = 5;              // per name
  static constexpr int kFreeAttemptsPerAddress = 20;   // per client address (an office may share one)
  static constexpr int64_t kAddressWindowSeconds = 3600;  // an address's count starts again after an hour's quiet
  static constexpr size_t kMaxNameBytes = 200;         // no user name is longer (user add allows 100)

  WebSessions(storage::Database& db, const domain::Clock& clock, WebSessionSettings settings)
      : db_(db), clock_(clock), settings_(settings) {}

  struct Started {
    std::string cookie_value, csrf_token;
    Principal principal;
  };
  // Throws vc::Error: kUnauthenticated when the name or password is not
  // right (the same message either way; a name over kMaxNameBytes or with a
  // control character is simply wrong), kTooManyRequests while the name or
  // the client address must wait. `client_address` is the caller's IP address.
  Started login(const std::string& name, const std::string& password, const std::string& client_address = "");

  struct Current {
    Principal principal;
    std::string csrf_token;
  };
  // The session's user, if the cookie names a live session; each use keeps it alive.
  std::optional<Current> resume(const std::string& cookie_value);
  void logout(const std::string& cookie_value);

  // Set-Cookie values: one that starts the session, one that ends it in the browser.
  std::string cookieHeader(const std::string& cookie_value) const;
  std::string clearingCookieHeader() const;
  // The Set-Cookie value that pairs a login form with its browser (a random token in both).
  std::string loginFormCookieHeader(const std::string& token) const;
  // A cookie's value in a Cookie request header ("" if absent); ours by default.
  static std::string cookieValue(const std::string& cookie_header, const std::string& name = kCookieName);
  // Compares a form's CSRF token with the session's, in constant time.
  static bool csrfMatches(const std::string& expected, const std::string& given);
  // Seconds a name (or address) must still wait before its next attempt (0: it may try now).
  static int64_t waitSeconds(int failures, int64_t last_failed_at, int64_t now, int free_attempts = kFreeAttempts);

 private:
  storage::Database& db_;
  const domain::Clock& clock_;
  WebSessionSettings settings_;
};

}  // namespace vc::services
