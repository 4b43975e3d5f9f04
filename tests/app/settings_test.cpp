#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>

#include <sys/stat.h>

#include <Poco/File.h>
#include <Poco/Path.h>
#include <Poco/TemporaryFile.h>

#include "app/services.h"
#include "app/settings.h"
#include "common/error.h"
#include "loading/policy_files.h"

using vc::app::loadSettings;
using vc::app::SettingsError;

namespace {
struct TempDir {
  Poco::TemporaryFile dir;
  TempDir() { dir.createDirectories(); }
  std::string write(const std::string& name, const std::string& text) {
    const std::string p = dir.path() + "/" + name;
    std::ofstream(p) << text;
    return p;
  }
};
const std::string kShipped = VC_SOURCE_DIR "/config/victim-comms.properties";
}  // namespace

TEST_CASE("the shipped configuration loads with every path made absolute", "[app][settings]") {
  auto s = loadSettings({kShipped});
  CHECK(s.http_bind == "127.0.0.1");
  CHECK(s.http_port == 8080);
  CHECK(s.db_path == VC_SOURCE_DIR "/var/victim-comms.db");
  REQUIRE(s.rules_files.size() == 1);
  CHECK(s.rules_files[0] == VC_SOURCE_DIR "/config/rules/victims-code-2020.json");
  CHECK(s.calendar_file == VC_SOURCE_DIR "/config/calendars/england-and-wales.json");
  CHECK_FALSE(s.clock_now.has_value());
  CHECK(s.logging.count("logging.loggers.root.level"));
  CHECK(s.templates_dir == VC_SOURCE_DIR "/letter_templates");
  CHECK(s.contacts_file == VC_SOURCE_DIR "/config/letters/vlu-contacts.json");
  CHECK(s.support_services_file == VC_SOURCE_DIR "/config/letters/support-services.json");
  CHECK(s.plain_english_file == VC_SOURCE_DIR "/config/letters/plain-english.json");
  CHECK(s.spool_dir == VC_SOURCE_DIR "/var/spool");
  CHECK(s.http_header_timeout_seconds == 10);
  CHECK(s.http_keepalive_idle_seconds == 5);
  CHECK(s.http_body_timeout_seconds == 30);
  CHECK(s.http_max_connections == 512);
  CHECK(s.http_max_connections_per_client == 64);
  CHECK(s.smtp_host == "localhost");
  CHECK(s.smtp_port == 25);
  CHECK_FALSE(s.smtp_starttls);
  CHECK(s.smtp_require_tls);  // email is never sent in clear text unless the operator says so
  CHECK(s.smtp_ca_file.empty());
  CHECK(s.outbox_max_attempts == 10);
  CHECK(s.outbox_retry_base_seconds == 60);
}

TEST_CASE("the configuration table in the README lists every key the daemon reads", "[app][settings]") {
  std::ifstream in(VC_SOURCE_DIR "/README.md");
  const std::string readme((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const auto& doc : vc::app::kSettingDocs) {
    INFO(doc.key);
    CHECK(readme.find(std::string("| `") + doc.key + "` |") != std::string::npos);
  }
}

TEST_CASE("a later file overrides an earlier one, and its relative paths are its own", "[app][settings]") {
  TempDir t;
  auto local = t.write("local.properties", "http.port = 9090\ndb.path = data/local.db\nclock.now = 2026-04-06T09:00:00+01:00\n");
  auto s = loadSettings({kShipped, local});
  CHECK(s.http_port == 9090);
  CHECK(s.db_path == t.dir.path() + "/data/local.db");
  CHECK(s.calendar_file == VC_SOURCE_DIR "/config/calendars/england-and-wales.json");  // still from the first file
  REQUIRE(s.clock_now);
}

TEST_CASE("letters.welsh_areas: CPS Cymru-Wales by default, or the Areas listed", "[app][settings][welsh]") {
  CHECK(loadSettings({kShipped}).welsh_areas == std::set<std::string>{"CPS Cymru-Wales"});
  CHECK(loadSettings({kShipped}, {{"letters.welsh_areas", " CPS Cymru-Wales , CPS Example Border ,"}}).welsh_areas ==
        std::set<std::string>{"CPS Cymru-Wales", "CPS Example Border"});
  CHECK(loadSettings({kShipped}, {{"letters.welsh_areas", ""}}).welsh_areas.empty());
}

TEST_CASE("letters.discreet_*: a neutral sender name and subject by default, or as configured", "[app][settings][safety]") {
  const auto s = loadSettings({kShipped});
  CHECK(s.discreet_sender_name == "Letters Team");
  CHECK(s.discreet_subject == "A letter for you");
  CHECK(s.discreet_subject_cy == "Llythyr i chi / A letter for you");
  CHECK(loadSettings({kShipped}, {{"letters.discreet_subject", "Your appointment"}}).discreet_subject ==
        "Your appointment");
}

TEST_CASE("command-line overrides win over every file", "[app][settings]") {
  auto s = loadSettings({kShipped}, {{"http.port", "7070"}});
  CHECK(s.http_port == 7070);
}

TEST_CASE("a bad value stops start-up with the key named", "[app][settings]") {
  TempDir t;
  auto [text, key] = GENERATE(table<std::string, std::string>({
      {"http.port = eighty", "http.port"},
      {"http.port = 70000", "http.port"},
      {"http.threads = 0", "http.threads"},
      {"clock.now = tomorrow", "clock.now"},
      {"calendar.file = missing.json", "calendar.file"},
      {"rules.file = a.json,,b.json", "rules.file"},
      {"scheduler.interval_seconds = -5", "scheduler.interval_seconds"},
      {"http.prot = 80", "http.prot"},
      {"smtp.port = 0", "smtp.port"},
      {"smtp.sender = nobody", "smtp.sender"},
      {"letters.discreet_sender_name = Crown Prosecution Service", "letters.discreet_sender_name"},
      {"letters.discreet_subject = Your CPS letter", "letters.discreet_subject"},
      {"letters.discreet_sender_name = \"Team\" <x@example.org>", "letters.discreet_sender_name"},
      {"smtp.starttls = yes", "smtp.starttls"},
      {"smtp.require_tls = maybe", "smtp.require_tls"},
      {"smtp.auth = cram", "smtp.auth"},
      {"smtp.ca_file = missing.pem", "smtp.ca_file"},
      {"letters.contacts_file = missing.json", "letters.contacts_file"},
      {"letters.support_services_file = missing.json", "letters.support_services_file"},
      {"outbox.max_attempts = 0", "outbox.max_attempts"},
      {"outbox.retry_max_seconds = 1", "outbox.retry_max_seconds"},
      {"outbox.lease_seconds = 59", "outbox.lease_seconds"},  // under twice smtp.timeout_seconds (30)
      {"smtp.timeout_seconds = 200", "outbox.lease_seconds"},   // the default lease (300) is then too short
      {"http.header_timeout_seconds = 0", "http.header_timeout_seconds"},
      {"http.keepalive_idle_seconds = -1", "http.keepalive_idle_seconds"},
      {"http.body_timeout_seconds = 0", "http.body_timeout_seconds"},
      {"http.max_connections = 0", "http.max_connections"},
      {"http.max_connections_per_client = 513", "http.max_connections_per_client"},  // above http.max_connections
      {"audit.checkpoint_interval_seconds = 0", "audit.checkpoint_interval_seconds"},
  }));
  CAPTURE(text);
  auto bad = t.write("bad.properties", text + "\n");
  CHECK_THROWS_WITH(loadSettings({kShipped, bad}), Catch::StartsWith("config: " + key));
}

TEST_CASE("a missing configuration file is named", "[app][settings]") {
  CHECK_THROWS_AS(loadSettings({"/nonexistent/victim-comms.properties"}), SettingsError);
}

TEST_CASE("the key files default under var/, the checkpoint beside the database, and the two keys apart",
          "[app][settings]") {
  auto s = loadSettings({kShipped});
  CHECK(s.audit_key_file == VC_SOURCE_DIR "/var/audit.key");
  CHECK(s.retention_key_file == VC_SOURCE_DIR "/var/retention.key");
  CHECK(s.audit_checkpoint_file == VC_SOURCE_DIR "/var/victim-comms.db.audit-checkpoint");
  CHECK(s.audit_checkpoint_interval_seconds == 300);
  // Another database (--db) has its own checkpoint file unless one is named.
  CHECK(loadSettings({kShipped}, {{"db.path", "/tmp/other.db"}}).audit_checkpoint_file == "/tmp/other.db.audit-checkpoint");
  TempDir t;
  auto local = t.write("local.properties", "audit.checkpoint_file = ../elsewhere/audit.checkpoint\n");
  CHECK(loadSettings({kShipped, local}).audit_checkpoint_file ==
        Poco::Path(t.dir.path() + "/../elsewhere/audit.checkpoint").absolute().toString());
  auto same = t.write("same.properties", "retention.key_file = " VC_SOURCE_DIR "/var/audit.key\n");
  CHECK_THROWS_WITH(loadSettings({kShipped, same}), Catch::Contains("retention.key_file"));
}

TEST_CASE("The plain-English file: the shipped one loads; a bad one is refused naming the file and the entry",
          "[settings][plain-english]") {
  const auto shipped = vc::loading::loadPlainEnglish(VC_SOURCE_DIR "/config/letters/plain-english.json");
  CHECK(shipped.max_sentence_words == 25);
  std::vector<std::string> terms;
  for (const auto& t : shipped.terms) terms.push_back(t.term);
  for (const char* inspectors_flag : {"complainant", "NFA", "Full Code Test", "CPIA", "evidential stage",
                                      "realistic prospect of conviction"})
    CHECK(std::find(terms.begin(), terms.end(), inspectors_flag) != terms.end());

  Poco::TemporaryFile file;
  const std::vector<std::pair<std::string, std::string>> bad = {
      {R"({"max_sentence_words":25})", "'terms' must be an array"},
      {R"({"terms":[{"term":"NFA"}]})", "terms[0]: 'suggestion' is required"},
      {R"({"terms":[{"term":"  ","suggestion":"x"}]})", "terms[0]: term and suggestion must not be empty"},
      {R"({"terms":[],"max_sentence_words":2})", "'max_sentence_words' must be a whole number from 5 to 100"},
      {R"({"terms":[],"max_sentence_words":"25"})", "'max_sentence_words' must be a whole number from 5 to 100"},
      {"not json", "not valid JSON"},
  };
  for (const auto& [text, message] : bad) {
    INFO(text);
    std::ofstream(file.path()) << text;
    CHECK_THROWS_WITH(vc::loading::loadPlainEnglish(file.path()),
                      Catch::Contains(file.path()) && Catch::Contains(message));
  }
}

TEST_CASE("db.url: a SQLite file as db.path says, or a PostgreSQL store; db.path stays working", "[app][settings][db_url]") {
  TempDir t;
  const std::string default_path = VC_SOURCE_DIR "/var/victim-comms.db";
  // What the shipped file says (db.path at its default) is no store named: db.url alone decides.
  auto pg = loadSettings({kShipped, t.write("pg.properties", "db.url = postgresql://vc@db.example.org:5433/victims\n")});
  CHECK(pg.db_postgres_url == "postgresql://vc@db.example.org:5433/victims");
  CHECK(pg.db_password_file.empty());
  auto pw = loadSettings({kShipped, t.write("pw.properties", "db.url = postgres://vc@db/victims\n"
                                                             "db.password_file = secrets/pg-password\n")});
  CHECK(pw.db_postgres_url == "postgresql://vc@db:5432/victims");
  CHECK(pw.db_password_file == t.dir.path() + "/secrets/pg-password");
  // sqlite:PATH is db.path: relative to the file that says it.
  auto sq = loadSettings({kShipped, t.write("sq.properties", "db.url = sqlite:data/store.db\n")});
  CHECK(sq.db_postgres_url.empty());
  CHECK(sq.db_path == t.dir.path() + "/data/store.db");
  CHECK_FALSE(sq.db_path_is_default);
  // The same file twice is one store.
  auto both = loadSettings({kShipped, t.write("both.properties", "db.path = data/store.db\ndb.url = sqlite:data/store.db\n")});
  CHECK(both.db_path == t.dir.path() + "/data/store.db");
  // And without db.url nothing changes.
  auto plain = loadSettings({kShipped});
  CHECK(plain.db_path == default_path);
  CHECK(plain.db_postgres_url.empty());
}

TEST_CASE("db.url: refused with the key named, and never the password it held", "[app][settings][db_url]") {
  TempDir t;
  auto [text, why] = GENERATE(table<std::string, std::string>({
      {"db.url = mysql://vc@db/victims", "unknown store 'mysql:'"},
      {"db.url = postgresql://vc:s3cret-pw@db/victims", "must not hold a password"},
      {"db.url = /srv/store.db", "must start with sqlite:"},
      {"db.url = postgresql://vc@db/victims\ndb.path = other.db", "but db.path = '"},
      {"db.url = sqlite:one.db\ndb.path = two.db", "remove one of them"},
      {"db.password_file = pg-password", "db.password_file"},  // a SQLite store has no password
  }));
  CAPTURE(text);
  auto bad = t.write("bad.properties", text + "\n");
  try {
    loadSettings({kShipped, bad});
    FAIL("accepted");
  } catch (const SettingsError& e) {
    CHECK_THAT(e.what(), Catch::StartsWith("config: db."));
    CHECK_THAT(e.what(), Catch::Contains(why));
    CHECK_THAT(e.what(), !Catch::Contains("s3cret"));
  }
  // --db names db.path on the command line: with a PostgreSQL db.url that is two stores.
  auto pg = t.write("pg.properties", "db.url = postgresql://vc@db/victims\n");
  CHECK_THROWS_WITH(loadSettings({kShipped, pg}, {{"db.path", "x.db"}}), Catch::Contains("remove one of them"));
}

TEST_CASE("a PostgreSQL db.url needs audit.checkpoint_file, and no SQLite file is looked at for it",
          "[app][settings][db_url]") {
  auto s = loadSettings({kShipped}, {{"db.url", "postgresql://vc@db.example.org/victims"}});
  CHECK(s.audit_checkpoint_file.empty());  // no db.path to put it beside
  try {
    vc::app::storeOptions(s, 2);  // what import and the other commands open the store with
    FAIL("opened");
  } catch (const vc::Error& e) {
    CHECK(e.code() == "store_incomplete");
    CHECK_THAT(e.what(), Catch::Contains("needs audit.checkpoint_file"));
    CHECK_THAT(e.what(), Catch::Contains("postgresql://vc@db.example.org:5432/victims"));
  }
  TempDir t;
  auto pg = t.write("pg.properties", "db.url = postgresql://vc@db.example.org/victims\n"
                                     "audit.checkpoint_file = pg.audit-checkpoint\n"
                                     "audit.key_file = keys/audit.key\nretention.key_file = keys/retention.key\n");
  s = loadSettings({kShipped, pg});
  // Key files present but empty (mode 0600), as an operator makes them: a key is added to each without asking
  // the database (a missing audit key file would be checked against the database's audit log first).
  Poco::File(t.dir.path() + "/keys").createDirectories();
  for (const char* key : {"/keys/audit.key", "/keys/retention.key"}) {
    std::ofstream(t.dir.path() + key).flush();
    ::chmod((t.dir.path() + key).c_str(), 0600);
  }
  // The shipped db.path (var/victim-comms.db) exists in a checkout where the daemon has run: then only its
  // being left untouched can be checked.
  const bool sqlite_file_there = Poco::File(s.db_path).exists();
  const auto sqlite_modified = sqlite_file_there ? Poco::File(s.db_path).getLastModified() : Poco::Timestamp(0);
  const auto options = vc::app::storeOptions(s, 2);
  CHECK(options.audit_checkpoint_file == t.dir.path() + "/pg.audit-checkpoint");
  CHECK(options.audit_keys);
  CHECK(vc::app::storeUrl(s).postgres());
  CHECK(vc::app::storeUrl(s).display() == "postgresql://vc@db.example.org:5432/victims");
  CHECK(Poco::File(s.db_path).exists() == sqlite_file_there);
  if (sqlite_file_there) CHECK(Poco::File(s.db_path).getLastModified() == sqlite_modified);
}
