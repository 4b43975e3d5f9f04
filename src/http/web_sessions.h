#pragma once
// Logging in to the web pages: a name and password checked against the
// PBKDF2 hash, a session cookie (HttpOnly, SameSite=Strict, Secure when
// served over TLS) that expires after a configurable idle time, a CSRF token
// per session for every form, and repeated failed logins slowed: after five
// for a name, each further attempt must wait (30 s, doubling, at most
// 15 minutes) and is refused unseen until then. Logins, failures, refusals and
// logouts are audited. Thread-safe (a store session per call).

#include <cstdint>
#include <optional>
#include <string>

#include "domain/clock.h"
#include "http/request.h"
#include "storage/database.h"

namespace vc::http {

struct WebSessionSettings {
  int idle_minutes = 30;
  bool secure_cookie = false;  // true when the daemon is reached over TLS
};

class WebSessions {
 public:
  static constexpr const char* kCookieName = "vc_session";
  // Before anyone has logged in, the login form's CSRF token is checked against this cookie.
  static constexpr const char* kLoginFormCookieName = "vc_login";
  static constexpr int kFreeAttempts = 5;

  WebSessions(storage::Database& db, const domain::Clock& clock, WebSessionSettings settings)
      : db_(db), clock_(clock), settings_(settings) {}

  struct Started {
    std::string cookie_value, csrf_token;
    Principal principal;
  };
  // Throws vc::Error: kUnauthenticated when the name or password is not
  // right (the same message either way), kTooManyRequests while the name must wait.
  Started login(const std::string& name, const std::string& password);

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
  // Seconds a name must still wait before its next attempt (0: it may try now).
  static int64_t waitSeconds(int failures, int64_t last_failed_at, int64_t now);

 private:
  storage::Database& db_;
  const domain::Clock& clock_;
  WebSessionSettings settings_;
};

}  // namespace vc::http
