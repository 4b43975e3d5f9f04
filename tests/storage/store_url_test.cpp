#include <catch2/catch.hpp>

#include <fstream>

#include <sys/stat.h>

#include <Poco/TemporaryFile.h>

#include "common/error.h"
#include "storage/postgres/sql_script.h"
#include "storage/store_url.h"

using vc::storage::parseStoreUrl;
using vc::storage::StoreUrl;

TEST_CASE("db.url: the stores it names, read in one place", "[storage][db_url]") {
  // url, backend, sqlite path, user, host, port, dbname, display
  auto [url, postgres, path, user, host, port, dbname, display] =
      GENERATE(table<std::string, bool, std::string, std::string, std::string, int, std::string, std::string>({
          {"sqlite:../var/victim-comms.db", false, "../var/victim-comms.db", "", "", 5432, "", "sqlite:../var/victim-comms.db"},
          {"sqlite:/srv/vc/store.db", false, "/srv/vc/store.db", "", "", 5432, "", "sqlite:/srv/vc/store.db"},
          {"postgresql://vc@db.example.org:5433/victims", true, "", "vc", "db.example.org", 5433, "victims",
           "postgresql://vc@db.example.org:5433/victims"},
          {"postgresql://vc@10.0.0.7/victims", true, "", "vc", "10.0.0.7", 5432, "victims",
           "postgresql://vc@10.0.0.7:5432/victims"},
          {"postgres://vc@db:6000/victims", true, "", "vc", "db", 6000, "victims", "postgresql://vc@db:6000/victims"},
          {"postgresql://db.example.org/victims", true, "", "", "db.example.org", 5432, "victims",
           "postgresql://db.example.org:5432/victims"},
          {"postgresql://vc@[::1]:5432/victims", true, "", "vc", "::1", 5432, "victims", "postgresql://vc@[::1]:5432/victims"},
          {"postgresql://vc@%2Fvar%2Frun%2Fpostgresql:5432/victims", true, "", "vc", "/var/run/postgresql", 5432, "victims",
           "postgresql://vc@%2Fvar%2Frun%2Fpostgresql:5432/victims"},
          {"postgresql://vc%2Dapp@db/vic%74ims", true, "", "vc-app", "db", 5432, "victims", "postgresql://vc-app@db:5432/victims"},
          {"postgresql://vc@db:5432/victims?sslmode=verify-full&application_name=vc-1", true, "", "vc", "db", 5432, "victims",
           "postgresql://vc@db:5432/victims?sslmode=verify-full&application_name=vc-1"},
      }));
  CAPTURE(url);
  const StoreUrl u = parseStoreUrl(url);
  CHECK(u.postgres() == postgres);
  CHECK(u.sqlite_path == path);
  CHECK(u.user == user);
  CHECK(u.host == host);
  CHECK(u.port == port);
  CHECK(u.dbname == dbname);
  CHECK(u.display() == display);
  CHECK(parseStoreUrl(u.display()).display() == display);  // what a message shows reads back the same
}

TEST_CASE("db.url: what is refused, with why, and never the password", "[storage][db_url]") {
  // url, a part of the message
  auto [url, why] = GENERATE(table<std::string, std::string>({
      {"", "empty"},
      {"postgresql://vc:s3cret-pw@db:5432/victims", "must not hold a password"},
      {"postgresql://vc:s3cret/pw@db:5432/victims", "must not hold a password"},   // a '/' in it
      {"postgresql://vc:s3cret?pw@db:5432/victims", "must not hold a password"},   // a '?' in it
      {"postgresql://vc:s3cret@pw@db:5432/victims", "must not hold a password"},   // an '@' in it
      {"postgresql://vc@db:5432/victims?password=s3cret", "must not say where the password is"},
      {"postgresql://vc@db:5432/victims?passfile=/tmp/s3cret", "must not say where the password is"},
      {"postgresql://vc@db:5432/victims?sslmod=require", "unknown option 'sslmod'"},
      {"postgresql://vc@db:5432/victims?sslmode", "needs a value"},
      {"postgresql://vc@db:5432", "needs a database name"},
      {"postgresql://vc@db:5432/", "needs a database name"},
      {"postgresql://vc@:5432/victims", "needs a host"},
      {"postgresql://vc@db:port/victims", "the port must be a number"},
      {"postgresql://vc@db:70000/victims", "the port must be a number"},
      {"postgresql://vc@db:/victims", "an empty port"},
      {"postgresql://@db/victims", "an empty user name"},
      {"postgresql://vc@db/vic%2", "bad percent escape"},
      {"postgresql://vc@db/my%20victims", "spaces"},
      {"postgresql://vc@[::1/victims", "closing ']'"},
      {"mysql://vc@db/victims", "unknown store 'mysql:'"},
      {"file:/srv/vc/store.db", "unknown store 'file:'"},
      {"sqlite://srv/vc/store.db", "without '//'"},
      {"sqlite:", "needs the path"},
      {"/srv/vc/store.db", "must start with sqlite:"},
  }));
  CAPTURE(url);
  try {
    parseStoreUrl(url);
    FAIL("accepted");
  } catch (const vc::Error& e) {
    CHECK(e.code() == "db_url");
    CHECK_THAT(e.what(), Catch::Contains(why));
    CHECK_THAT(e.what(), !Catch::Contains("s3cret"));
  }
}

TEST_CASE("the connection string handed to libpq: escaped, with a password only when given", "[storage][db_url]") {
  const StoreUrl u = parseStoreUrl("postgresql://vc@db:5433/victims?sslmode=require");
  CHECK(vc::storage::postgresConnectionString(u, "") ==
        "host=db port=5433 dbname=victims user=vc sslmode=require connect_timeout=10");
  CHECK(vc::storage::postgresConnectionString(u, "it's\\=ok") ==
        "host=db port=5433 dbname=victims user=vc password=it\\'s\\\\=ok sslmode=require connect_timeout=10");
  CHECK(vc::storage::postgresConnectionString(parseStoreUrl("postgresql://db/v?connect_timeout=3"), "") ==
        "host=db port=5432 dbname=v connect_timeout=3");
  // Poco's connector splits its string at spaces: such a password could not reach libpq whole.
  CHECK_THROWS_WITH(vc::storage::postgresConnectionString(u, "two words"), Catch::Contains("~/.pgpass"));
  CHECK_THROWS_WITH(vc::storage::postgresConnectionString(u, "two words"), !Catch::Contains("two words"));
}

TEST_CASE("db.password_file: the first line, from a file only its owner may read", "[storage][db_url]") {
  Poco::TemporaryFile file;
  std::ofstream(file.path()) << "s3cret-pw\r\nignored\n";
  ::chmod(file.path().c_str(), 0600);
  CHECK(vc::storage::readPasswordFile(file.path()) == "s3cret-pw");
  ::chmod(file.path().c_str(), 0640);
  CHECK_THROWS_WITH(vc::storage::readPasswordFile(file.path()), Catch::Contains("mode 0640") && !Catch::Contains("s3cret"));
  std::ofstream(file.path()) << "\n";
  ::chmod(file.path().c_str(), 0600);
  CHECK_THROWS_WITH(vc::storage::readPasswordFile(file.path()), Catch::Contains("empty"));
  CHECK_THROWS_WITH(vc::storage::readPasswordFile(file.path() + ".missing"), Catch::Contains("no such file"));
  std::ofstream(file.path()) << std::string(5000, 'x') << "\n";  // not a password: refused, not read
  CHECK_THROWS_WITH(vc::storage::readPasswordFile(file.path()), Catch::Contains("larger than 4 KB"));
}

TEST_CASE("a migration script splits into its statements, a function body kept whole", "[storage][postgres]") {
  using vc::storage::postgres::splitSqlScript;
  const std::string script = R"(-- a comment; with a semicolon
CREATE TABLE a(x text DEFAULT 'it''s; fine');  /* block; /* nested; */ comment */
CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'no; never';
  RETURN NEW;
END
$$;
CREATE FUNCTION g() RETURNS int LANGUAGE sql AS $body$ SELECT 1; $body$;
;
INSERT INTO "odd;name" VALUES ($1)
)";
  const auto s = splitSqlScript(script);
  REQUIRE(s.size() == 4);
  CHECK(s[0] == "CREATE TABLE a(x text DEFAULT 'it''s; fine')");
  CHECK(s[1].rfind("CREATE FUNCTION f()", 0) == 0);
  CHECK_THAT(s[1], Catch::Contains("RAISE EXCEPTION 'no; never';\n  RETURN NEW;\nEND\n$$"));
  CHECK(s[2] == "CREATE FUNCTION g() RETURNS int LANGUAGE sql AS $body$ SELECT 1; $body$");
  CHECK(s[3] == "INSERT INTO \"odd;name\" VALUES ($1)");
  CHECK_THROWS_WITH(splitSqlScript("SELECT 'open"), Catch::Contains("'string'"));
  CHECK_THROWS_WITH(splitSqlScript("DO $$ BEGIN"), Catch::Contains("$$ body"));
  CHECK_THROWS_WITH(splitSqlScript("SELECT 1 /* open"), Catch::Contains("comment"));
}
