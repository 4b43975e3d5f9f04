// Logging in to the web pages, on a real SQLite file with the clock walked
// forward: sessions, idle expiry, logout, slowed repeated failures, cookies
// and CSRF tokens.

#include <string>

#include <catch2/catch.hpp>

#include "app/users.h"
#include "common/error.h"
#include "domain/clock.h"
#include "http/web_sessions.h"
#include "storage/database.h"
#include "storage/store.h"
#include "support/test_daemon.h"

using namespace vc;  // NOLINT

namespace {

constexpr const char* kPassword = "correct horse battery";

struct Web {
  testing::TempDir dir;
  storage::Database db{dir.path + "/web.db", testing::keyedStore(dir.path, 2)};
  domain::FixedClock clock{*domain::parseRfc3339("2026-11-23T09:00:00Z")};
  http::WebSessions sessions{db, clock, {30, false}};

  Web() {
    db.migrate();
    app::addUser(db, "officer", "vlu", "", "CPS Wales", "2026-11-23T08:00:00Z", {kPassword, 100000});
    app::addUser(db, "api-only", "vlu", "", "", "2026-11-23T08:00:00Z");
  }
  void wait(int seconds) { clock.set(clock.now() + seconds); }
  int64_t audits(const std::string& action) {
    auto lease = db.session();
    return storage::Store(lease).auditCount(action);
  }
};

int statusOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.kind() == Error::Kind::kUnauthenticated ? 401 : e.kind() == Error::Kind::kTooManyRequests ? 429 : 0;
  }
  return 200;
}

}  // namespace

TEST_CASE("A login starts a session that idle time ends and logout ends at once", "[web-login]") {
  Web w;
  auto s = w.sessions.login("officer", kPassword);
  CHECK(s.principal.role == "vlu");
  CHECK(s.principal.area == "CPS Wales");
  CHECK(s.cookie_value.size() > 40);
  CHECK(s.csrf_token.size() > 40);
  CHECK(w.audits("login") == 1);

  auto current = w.sessions.resume(s.cookie_value);
  REQUIRE(current);
  CHECK(current->principal.user == "officer");
  CHECK(current->csrf_token == s.csrf_token);
  CHECK_FALSE(w.sessions.resume("vc_not-a-session"));
  CHECK_FALSE(w.sessions.resume(""));

  // Use within the idle time keeps it alive; 30 minutes of nothing ends it.
  w.wait(29 * 60);
  CHECK(w.sessions.resume(s.cookie_value));
  w.wait(29 * 60);
  CHECK(w.sessions.resume(s.cookie_value));
  w.wait(30 * 60 + 1);
  CHECK_FALSE(w.sessions.resume(s.cookie_value));

  auto again = w.sessions.login("officer", kPassword);
  w.sessions.logout(again.cookie_value);
  CHECK_FALSE(w.sessions.resume(again.cookie_value));
  CHECK(w.audits("logout") == 1);
}

TEST_CASE("A wrong name or password gets the same answer; a user with no password cannot log in", "[web-login]") {
  Web w;
  CHECK(statusOf([&] { w.sessions.login("officer", "wrong password here"); }) == 401);
  CHECK(statusOf([&] { w.sessions.login("nobody", kPassword); }) == 401);
  CHECK(statusOf([&] { w.sessions.login("api-only", ""); }) == 401);
  CHECK(statusOf([&] { w.sessions.login("api-only", kPassword); }) == 401);
  CHECK(w.audits("login_failed") == 4);
  CHECK(w.audits("login") == 0);
}

TEST_CASE("After five failures a name must wait, longer each time; the right password then clears it", "[web-login]") {
  Web w;
  for (int i = 0; i < 5; ++i) CHECK(statusOf([&] { w.sessions.login("officer", "wrong password " + std::to_string(i)); }) == 401);
  // The sixth attempt is refused unseen, even with the right password.
  CHECK(statusOf([&] { w.sessions.login("officer", kPassword); }) == 429);
  CHECK(w.audits("login_refused") == 1);
  w.wait(31);
  CHECK(statusOf([&] { w.sessions.login("officer", "wrong again, sixth"); }) == 401);
  w.wait(31);
  CHECK(statusOf([&] { w.sessions.login("officer", kPassword); }) == 429);  // now 60 s
  w.wait(30);
  CHECK(statusOf([&] { w.sessions.login("officer", kPassword); }) == 200);
  // Cleared: a slip afterwards does not lock the officer out.
  CHECK(statusOf([&] { w.sessions.login("officer", "one slip only"); }) == 401);
  CHECK(statusOf([&] { w.sessions.login("officer", kPassword); }) == 200);

  struct Row {
    int failures;
    int64_t since;
    int64_t wait;
  };
  for (const Row& r : {Row{4, 0, 0}, Row{5, 0, 30}, Row{5, 10, 20}, Row{6, 0, 60}, Row{8, 0, 240}, Row{20, 0, 900}})
    CHECK(http::WebSessions::waitSeconds(r.failures, 1000, 1000 + r.since) == r.wait);
}

TEST_CASE("The session cookie is HttpOnly and SameSite=Strict, Secure over TLS; CSRF tokens compare exactly",
          "[web-login]") {
  Web w;
  CHECK(w.sessions.cookieHeader("abc") == "vc_session=abc; Path=/; HttpOnly; SameSite=Strict");
  http::WebSessions tls(w.db, w.clock, {30, true});
  CHECK(tls.cookieHeader("abc") == "vc_session=abc; Path=/; HttpOnly; SameSite=Strict; Secure");
  CHECK(tls.clearingCookieHeader().find("Max-Age=0") != std::string::npos);
  CHECK(http::WebSessions::cookieValue("theme=dark; vc_session=abc123; other=1") == "abc123");
  CHECK(http::WebSessions::cookieValue("vc_session=abc123") == "abc123");
  CHECK(http::WebSessions::cookieValue("xvc_session=abc123") == "");
  CHECK(http::WebSessions::cookieValue("") == "");
  CHECK(http::WebSessions::csrfMatches("token-1", "token-1"));
  CHECK_FALSE(http::WebSessions::csrfMatches("token-1", "token-2"));
  CHECK_FALSE(http::WebSessions::csrfMatches("token-1", "token-"));
  CHECK_FALSE(http::WebSessions::csrfMatches("", ""));
}
