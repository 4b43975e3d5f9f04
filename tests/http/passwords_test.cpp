// Passwords for the web pages: PBKDF2-HMAC-SHA256, a salt per user, the
// iteration count from configuration kept with each hash.

#include <string>

#include <catch2/catch.hpp>

#include <Poco/Data/Session.h>

#include "app/users.h"
#include "http/passwords.h"
#include "storage/database.h"
#include "storage/store.h"
#include "support/test_daemon.h"

using namespace vc;  // NOLINT

TEST_CASE("PBKDF2-HMAC-SHA256 matches the RFC 7914 test vector", "[passwords]") {
  // P = "passwd", S = "salt", c = 1: the first 32 bytes of the RFC's 64-byte output.
  CHECK(http::verifyPassword(
      "passwd", "pbkdf2-sha256$1$73616c74$55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"));
  CHECK_FALSE(http::verifyPassword(
      "passwd", "pbkdf2-sha256$2$73616c74$55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"));
}

TEST_CASE("A password hash carries its iterations and salt, and only the right password matches", "[passwords]") {
  const std::string a = http::hashPassword("correct horse battery", http::kMinPbkdf2Iterations);
  const std::string b = http::hashPassword("correct horse battery", http::kMinPbkdf2Iterations);
  CHECK(a.rfind("pbkdf2-sha256$100000$", 0) == 0);
  CHECK(a.size() == std::string("pbkdf2-sha256$100000$").size() + 32 + 1 + 64);
  CHECK(a != b);  // a fresh salt each time
  CHECK(http::verifyPassword("correct horse battery", a));
  CHECK(http::verifyPassword("correct horse battery", b));
  CHECK_FALSE(http::verifyPassword("correct horse batterY", a));
  CHECK_FALSE(http::verifyPassword("", a));
  CHECK_THROWS(http::hashPassword("correct horse battery", 1000));  // below the floor

  for (const char* stored : {"", "plain text", "pbkdf2-sha256$", "pbkdf2-sha256$x$00$00", "pbkdf2-sha256$1$zz$00",
                             "pbkdf2-sha256$1$73616c74$55ac", "sha1$1$73616c74$55ac046e56e3089fec1691c22544b605"}) {
    INFO(stored);
    CHECK_FALSE(http::verifyPassword("passwd", stored));
  }
}

TEST_CASE("A new password must be long enough and one line", "[passwords]") {
  CHECK(http::passwordProblem("correct horse battery").empty());
  CHECK_FALSE(http::passwordProblem("short").empty());
  CHECK_FALSE(http::passwordProblem("eleven char").empty());
  CHECK(http::passwordProblem("twelve chars").empty());
  CHECK_FALSE(http::passwordProblem("two lines are\nnot one").empty());
  CHECK_FALSE(http::passwordProblem(std::string(1025, 'x')).empty());
}

TEST_CASE("user add with a password stores only its hash, with the configured iterations, and audits it",
          "[passwords]") {
  testing::TempDir dir;
  storage::Database db(dir.path + "/users.db", testing::keyedStore(dir.path, 2));
  db.migrate();
  app::addUser(db, "vlu-web", "vlu", "", "", "2026-11-23T09:00:00Z", {"correct horse battery", 123456});
  CHECK_THROWS_WITH(app::addUser(db, "vlu-short", "vlu", "", "", "2026-11-23T09:00:00Z", {"too short", 123456}),
                    Catch::Contains("at least 12"));
  auto lease = db.session();
  storage::Store store(lease);
  auto user = store.userByName("vlu-web");
  REQUIRE(user);
  CHECK(user->password_hash.rfind("pbkdf2-sha256$123456$", 0) == 0);
  CHECK(user->password_hash.find("correct horse") == std::string::npos);
  CHECK(http::verifyPassword("correct horse battery", user->password_hash));
  CHECK_FALSE(store.userByName("vlu-short"));
  CHECK(store.auditCount("user_added") == 1);
}
