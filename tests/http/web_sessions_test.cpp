// Logging in to the web pages, on a real SQLite file with the clock walked
// forward: sessions, idle expiry, logout, slowed repeated failures, cookies
// and CSRF tokens.

#include <atomic>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "storage/sqlite_connection.h"
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
  http::WebSessions sessions{db, clock, {30, false, "a test key for sign-in name digests"}};

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
  http::WebSessions tls(w.db, w.clock, {30, true, "a test key"});
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

namespace {

// Every byte of the store as it is on disk: the database file and its write-ahead log.
std::string storeBytes(const std::string& db_path) {
  std::string all;
  for (const std::string& f : {db_path, db_path + "-wal"}) {
    std::ifstream in(f, std::ios::binary);
    all.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return all;
}

}  // namespace

TEST_CASE("A sign-in name is capped before anything reads, stores or audits it; an unknown name is never stored",
          "[web-login][hostile]") {
  Web w;
  const std::string path = w.dir.path + "/web.db";
  const size_t before = storeBytes(path).size();
  const std::string huge(5 << 20, 'A');
  for (int i = 0; i < 3; ++i) CHECK(statusOf([&] { w.sessions.login(huge, "whatever it is", "192.0.2.10"); }) == 401);
  CHECK(storeBytes(path).size() < before + 256 * 1024);  // was 88 MB for three 5 MiB names
  CHECK(w.audits("login_failed") == 3);

  // A name with a line break or other control character is no one's name either.
  CHECK(statusOf([&] { w.sessions.login("officer\r\nadmin", kPassword, "192.0.2.10"); }) == 401);

  // An unknown name fails like a wrong password, and its text is nowhere in the store.
  const std::string typed = "my-Secret-Passw0rd-typed-as-a-name";
  CHECK(statusOf([&] { w.sessions.login(typed, "x", "192.0.2.10"); }) == 401);
  CHECK(storeBytes(path).find(typed) == std::string::npos);
  // Nor is a real user's name kept in the failure counts: only a keyed digest.
  CHECK(statusOf([&] { w.sessions.login("officer", "wrong password here", "192.0.2.10"); }) == 401);
  auto lease = w.db.session();
  std::vector<std::string> keys;
  vc::storage::sqlite(lease) << "SELECT name FROM login_failures", Poco::Data::Keywords::into(keys), Poco::Data::Keywords::now;
  for (const auto& k : keys) {
    INFO(k);
    CHECK(k.find("officer") == std::string::npos);
    CHECK(k.size() < 100);
  }
}

TEST_CASE("Thirty parallel sign-ins get no more than five passwords checked before the wait", "[web-login][hostile]") {
  Web w;
  std::atomic<int> checked{0}, refused{0}, accepted{0};
  auto burst = [&](int right_one) {
    std::vector<std::thread> threads;
    for (int i = 0; i < 30; ++i)
      threads.emplace_back([&, i] {
        const int status = statusOf([&] {
          w.sessions.login("officer", i == right_one ? kPassword : "wrong password " + std::to_string(i),
                           "192.0.2." + std::to_string(i));
        });
        (status == 401 ? checked : status == 429 ? refused : accepted)++;
      });
    for (auto& t : threads) t.join();
  };
  SECTION("all wrong: exactly five are checked, the rest wait unseen") {
    burst(-1);
    CHECK(checked == 5);
    CHECK(refused == 25);
  }
  SECTION("the right password after a burst of wrong ones waits too") {
    burst(-1);
    CHECK(statusOf([&] { w.sessions.login("officer", kPassword, "192.0.2.200"); }) == 429);
    w.wait(31);
    CHECK(statusOf([&] { w.sessions.login("officer", kPassword, "192.0.2.200"); }) == 200);
  }
  SECTION("the right password in the middle of a burst is accepted only while fewer than five failures stand") {
    burst(17);
    CHECK(checked + accepted + refused == 30);
    if (accepted == 1) {
      // Counted in the order they reached the store: it may have been among the first five, never later.
      auto lease = w.db.session();
      std::string detail;
      vc::storage::sqlite(lease) << "SELECT detail FROM audit_log WHERE action = 'login'", Poco::Data::Keywords::into(detail),
          Poco::Data::Keywords::now;
      INFO(detail);
      const int before = std::stoi(detail.substr(detail.find("failures_before:") + 16));
      CHECK(before < 5);
    } else {
      CHECK(checked == 5);
    }
  }
}

TEST_CASE("One client address that fails twenty times must wait, whatever names it tries; others may still sign in",
          "[web-login][hostile]") {
  Web w;
  for (int i = 0; i < 20; ++i)
    CHECK(statusOf([&] { w.sessions.login("guess-" + std::to_string(i), "x", "198.51.100.7"); }) == 401);
  CHECK(statusOf([&] { w.sessions.login("officer", kPassword, "198.51.100.7"); }) == 429);
  CHECK(statusOf([&] { w.sessions.login("officer", kPassword, "198.51.100.8"); }) == 200);
  // Successful sign-ins are not failures: an office behind one address is not slowed by its own staff.
  for (int i = 0; i < 25; ++i) CHECK(statusOf([&] { w.sessions.login("officer", kPassword, "203.0.113.1"); }) == 200);
  // An hour after its last failure, the address starts again.
  w.wait(3601);
  CHECK(statusOf([&] { w.sessions.login("officer", kPassword, "198.51.100.7"); }) == 200);
}
