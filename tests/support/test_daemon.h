#pragma once
// A whole daemon for tests: the real object graph (app::Services) on a fresh
// SQLite file in its own temporary directory, the real HTTP server on a
// loopback port, users with tokens for every role, and a small HTTP client.
// Nothing is faked: templates, rules, calendar and contacts are the
// project's own files; only the clock is fixed and SMTP points where a test says.

#include <cstdio>
#include <cstdlib>
#include <random>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>

#include <Poco/File.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include "app/http_front.h"
#include "app/services.h"
#include "app/settings.h"
#include "app/users.h"
#include "common/keyring.h"
#include "domain/date.h"
#include "http/api.h"
#include "http/router.h"
#include "http/server.h"
#include "storage/store_url.h"

#include <libpq-fe.h>
#include <sqlite3.h>

namespace vc::testing {

inline std::string makeTempDir() {
  char templ[] = "/tmp/vc-test-XXXXXX";
  const char* dir = mkdtemp(templ);
  if (!dir) throw std::runtime_error("mkdtemp failed");
  return dir;
}

// Removed with everything in it when it goes (declare it first, so it goes last).
struct TempDir {
  std::string path = makeTempDir();
  TempDir() = default;
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    try {
      Poco::File(path).remove(true);
    } catch (...) {
    }
  }
};

struct DaemonOptions {
  std::string now = "2026-04-06T09:00:00+01:00";  // Easter Monday 2026
  size_t max_body_bytes = 64 * 1024;
  size_t max_events_per_request = 50;
  int smtp_port = 1;  // nothing listens there unless a test starts a server
  std::string smtp_host = "127.0.0.1";
  bool smtp_starttls = false;
  bool smtp_require_tls = false;  // the plain test sink offers no STARTTLS unless a test says so
  std::string smtp_ca_file;
  std::string smtp_user, smtp_password, smtp_auth = "plain";
  int scheduler_interval_seconds = 3600;
  bool start_scheduler = false;
  int retry_base_seconds = 1;
  int retry_max_seconds = 1;
  int max_attempts = 10;
  // The HTTP front's deadlines and caps (http.* settings); the defaults are the daemon's.
  int threads = 4;
  int header_timeout_seconds = 10;
  int keepalive_idle_seconds = 5;
  int body_timeout_seconds = 30;
  int max_connections = 512;
  int max_connections_per_client = 64;
  int checkpoint_interval_seconds = 300;
  std::string rules_file = VC_SOURCE_DIR "/config/rules/victims-code-2020.json";  // e.g. an older rule book
  std::string bounces_dir;  // bounces.dir: "" watches none
  // The drafting worker runs as in the daemon: a batch's letters are in the queue with it, being written,
  // and get their words just after its commit. With wait_for_drafting, each batch waits for the worker to
  // be idle before it answers (a hold only test daemons have), so a test reads a batch's letters with
  // their words right after posting it, as it could when they were written in the request. A test of the
  // letters being written sets it false, and calls TestDaemon::drafted() when it wants their words.
  bool wait_for_drafting = true;
  // drafting.max_lag_seconds. Long by default, so that a test that pauses the worker and posts a second
  // batch is not held until a resume that its own thread would give.
  int drafting_max_lag_seconds = 3600;
};

// The raw bytes of the (only) key in a key file, as someone holding the file would read it.
inline std::string rawKey(const std::string& key_file) {
  std::ifstream in(key_file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const std::string hex = line.substr(line.find(' ') + 1);
    std::string raw;
    for (size_t i = 0; i + 1 < hex.size(); i += 2) raw += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
    return raw;
  }
  return "";
}

// Keys for a store a test opens itself, in key files made (mode 0600) in `dir` as on a first start,
// and no checkpoint file unless one is named.
inline storage::StoreOptions keyedStore(const std::string& dir, int max_sessions = 4,
                                        const std::string& checkpoint_file = "") {
  storage::StoreOptions o;
  o.max_sessions = max_sessions;
  o.audit_keys = std::make_shared<const Keyring>(Keyring::open(dir + "/audit.key", "audit.key_file", true));
  o.retention_keys = std::make_shared<const Keyring>(Keyring::open(dir + "/retention.key", "retention.key_file", true));
  o.audit_checkpoint_file = checkpoint_file;
  return o;
}

// The default options with the clock fixed at `now` (RFC 3339).
inline DaemonOptions at(const std::string& now) {
  DaemonOptions o;
  o.now = now;
  return o;
}

// The daemon's store on PostgreSQL instead of SQLite, when the environment names a running test cluster
// (VC_TEST_PG_STATE_DIR: the state directory of tests/support/pg_cluster.sh): a database of the daemon's
// own, made at its start and dropped after it. CTest runs the HTTP and web suites both ways (CMakeLists.txt),
// so `serve` answers the same on both stores. Tests that read the store's rows through SQLite's own file are
// tagged [sqlite_file] and run on SQLite only.
struct PgTestDatabase {
  std::string url;            // "" : the daemon is on SQLite
  std::string password_file;  // the cluster role's password (mode 0600)

  PgTestDatabase() {
    const char* state = std::getenv("VC_TEST_PG_STATE_DIR");
    if (!state || !*state) return;
    const std::string cluster_url = firstLineOf(std::string(state) + "/url");
    if (cluster_url.empty()) throw std::runtime_error(std::string("no PostgreSQL cluster in ") + state);
    password_file = std::string(state) + "/password_file";
    cluster_ = storage::parseStoreUrl(cluster_url);
    char name[32];
    std::snprintf(name, sizeof name, "vc_d_%08x%08x", static_cast<unsigned>(std::random_device{}()),
                  static_cast<unsigned>(std::random_device{}()));
    name_ = name;
    run("CREATE DATABASE " + name_);
    storage::StoreUrl mine = cluster_;
    mine.dbname = name_;
    url = mine.display();
  }
  ~PgTestDatabase() {
    if (name_.empty()) return;
    try {
      run("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    } catch (...) {
    }
  }
  PgTestDatabase(const PgTestDatabase&) = delete;
  PgTestDatabase& operator=(const PgTestDatabase&) = delete;

  // A connection of the test's own to the daemon's database (as another daemon or tool would have).
  PGconn* connectToStore() const {
    storage::StoreUrl mine = cluster_;
    mine.dbname = name_;
    PGconn* c = PQconnectdb(storage::postgresConnectionString(mine, firstLineOf(password_file)).c_str());
    if (PQstatus(c) != CONNECTION_OK) {
      const std::string error = PQerrorMessage(c);
      PQfinish(c);
      throw std::runtime_error("cannot reach the test database: " + error);
    }
    return c;
  }

 private:
  static std::string firstLineOf(const std::string& path) {
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    return line;
  }
  void run(const std::string& sql) const {
    PGconn* c = PQconnectdb(storage::postgresConnectionString(cluster_, firstLineOf(password_file)).c_str());
    std::string error;
    if (PQstatus(c) != CONNECTION_OK) {
      error = PQerrorMessage(c);
    } else {
      PGresult* r = PQexec(c, sql.c_str());
      if (PQresultStatus(r) != PGRES_COMMAND_OK) error = PQresultErrorMessage(r);
      PQclear(r);
    }
    PQfinish(c);
    if (!error.empty()) throw std::runtime_error(sql + ": " + error);
  }
  storage::StoreUrl cluster_;
  std::string name_;
};

inline app::Settings testSettings(const std::string& dir, const DaemonOptions& o, const PgTestDatabase* pg = nullptr) {
  app::Settings s;
  s.http_bind = "127.0.0.1";
  s.http_port = 0;
  s.http_threads = o.threads;
  s.http_header_timeout_seconds = o.header_timeout_seconds;
  s.http_keepalive_idle_seconds = o.keepalive_idle_seconds;
  s.http_body_timeout_seconds = o.body_timeout_seconds;
  s.http_max_connections = o.max_connections;
  s.http_max_connections_per_client = o.max_connections_per_client;
  s.http_max_body_bytes = o.max_body_bytes;
  s.http_max_events_per_request = o.max_events_per_request;
  s.db_path = dir + "/victim-comms.db";
  s.rules_files = {o.rules_file};
  s.calendar_file = VC_SOURCE_DIR "/config/calendars/england-and-wales.json";
  s.templates_dir = VC_SOURCE_DIR "/letter_templates";
  s.contacts_file = VC_SOURCE_DIR "/config/letters/vlu-contacts.json";
  s.support_services_file = VC_SOURCE_DIR "/config/letters/support-services.json";
  s.plain_english_file = VC_SOURCE_DIR "/config/letters/plain-english.json";
  s.spool_dir = dir + "/spool";
  s.bounces_dir = o.bounces_dir;
  s.web_dir = VC_SOURCE_DIR "/web";
  s.scheduler_interval_seconds = o.scheduler_interval_seconds;
  s.drafting_max_lag_seconds = o.drafting_max_lag_seconds;
  s.clock_now = domain::parseRfc3339(o.now);
  s.smtp_host = o.smtp_host;
  s.smtp_port = o.smtp_port;
  s.smtp_sender = "vlu@cps.example.org";
  s.smtp_starttls = o.smtp_starttls;
  s.smtp_require_tls = o.smtp_require_tls;
  s.smtp_ca_file = o.smtp_ca_file;
  s.smtp_user = o.smtp_user;
  s.smtp_password = o.smtp_password;
  s.smtp_auth = o.smtp_auth;
  s.smtp_timeout_seconds = 5;
  s.outbox_max_attempts = o.max_attempts;
  s.outbox_retry_base_seconds = o.retry_base_seconds;
  s.outbox_retry_max_seconds = o.retry_max_seconds;
  s.audit_key_file = dir + "/audit.key";
  s.retention_key_file = dir + "/retention.key";
  s.audit_checkpoint_file = s.db_path + ".audit-checkpoint";
  s.audit_checkpoint_interval_seconds = o.checkpoint_interval_seconds;
  if (pg && !pg->url.empty()) {
    s.db_postgres_url = pg->url;
    s.db_password_file = pg->password_file;
  }
  return s;
}

inline http::ServerOptions serverOptions(const app::Settings& s) {
  http::ServerOptions o;
  o.bind = s.http_bind;
  o.port = s.http_port;
  o.threads = s.http_threads;
  o.max_body_bytes = s.http_max_body_bytes;
  o.header_timeout = std::chrono::seconds(s.http_header_timeout_seconds);
  o.keepalive_idle = std::chrono::seconds(s.http_keepalive_idle_seconds);
  o.body_timeout = std::chrono::seconds(s.http_body_timeout_seconds);
  o.max_connections = s.http_max_connections;
  o.max_connections_per_client = s.http_max_connections_per_client;
  return o;
}

// Members in dependency order: destroyed server first, the directory last.
struct TestDaemon {
  TempDir dir;
  PgTestDatabase pg;  // the store on PostgreSQL when the environment asks for it (above)
  DaemonOptions options;
  app::Settings settings;
  app::Services services;
  app::HttpFront front;
  http::HttpServer server;
  std::string ingest, vlu, vlu2, vlu_london, isva, isva2, manager, admin, metrics;  // bearer tokens

  explicit TestDaemon(DaemonOptions o = {})
      : options(o),
        settings(testSettings(dir.path, o, &pg)),
        services(settings),
        front(services, settings),
        server(front.router, serverOptions(settings)) {
    ingest = addUser("cms-feed", "ingest");
    vlu = addUser("vlu-officer", "vlu");
    vlu2 = addUser("vlu-second-officer", "vlu");
    vlu_london = addUser("vlu-london-north", "vlu", "", "CPS London North");
    isva = addUser("isva-worker", "isva", "isva-1");
    isva2 = addUser("isva-other-worker", "isva", "isva-2");
    manager = addUser("vlu-manager", "manager");
    admin = addUser("operator", "admin");
    metrics = addUser("scraper", "metrics");
    services.checkpointer.start();  // as serve does
    services.chainer.start();
    services.db.checkpointInBackground(app::kWalCheckpointEvery);
    services.drafter.start();
    if (o.wait_for_drafting)
      services.ingestor.setAfterCommit([this](const ingest::IngestResult& r) {
        services.drafter.afterCommit(r.affected_cases);
        services.drafter.waitIdle();
      });
    if (o.start_scheduler) services.scheduler.start();
    server.start();
  }
  ~TestDaemon() {
    server.stop();
    services.drafter.stop();
    services.scheduler.stop();
    services.chainer.stop();
    services.checkpointer.stop();
  }

  std::string addUser(const std::string& name, const std::string& role, const std::string& isva_id = "",
                      const std::string& area = "") {
    return app::addUser(services.db, name, role, isva_id, area, domain::formatRfc3339Utc(services.clock->now()));
  }
  uint16_t port() const { return server.port(); }
  bool onPostgres() const { return !pg.url.empty(); }

  // Waits until the drafting worker has written the words of every letter the batches posted so far call
  // for (and is idle).
  void drafted() { services.drafter.waitIdle(); }

  // Moves the daemon's fixed clock (the scheduler and every request see the new time).
  void setNow(const std::string& rfc3339) {
    auto t = domain::parseRfc3339(rfc3339);
    if (!t) throw std::runtime_error("not an RFC 3339 time: " + rfc3339);
    dynamic_cast<domain::FixedClock&>(*services.clock).set(*t);
  }
};

// Another writer (a backup, a purge, a stuck tool, another daemon's long import) holding the daemon's store
// until this goes: on SQLite the file's write lock (BEGIN IMMEDIATE on a connection of its own); on
// PostgreSQL a transaction of its own holding the tables every write and every audited read must insert
// into (LOCK ... IN EXCLUSIVE MODE: readers may still read them).
class StoreHeldByAnother {
 public:
  explicit StoreHeldByAnother(const TestDaemon& d) {
    if (d.onPostgres()) {
      pg_ = d.pg.connectToStore();
      PGresult* r = PQexec(pg_, "BEGIN; LOCK TABLE events, audit_log IN EXCLUSIVE MODE");
      const bool locked = PQresultStatus(r) == PGRES_COMMAND_OK;
      PQclear(r);
      if (!locked) throw std::runtime_error(std::string("could not hold the store: ") + PQerrorMessage(pg_));
    } else {
      if (sqlite3_open(d.settings.db_path.c_str(), &sqlite_) != SQLITE_OK ||
          sqlite3_exec(sqlite_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK)
        throw std::runtime_error("could not hold the store's write lock");
    }
  }
  ~StoreHeldByAnother() {
    if (pg_) {
      PQclear(PQexec(pg_, "ROLLBACK"));
      PQfinish(pg_);
    }
    if (sqlite_) {
      sqlite3_exec(sqlite_, "ROLLBACK", nullptr, nullptr, nullptr);
      sqlite3_close(sqlite_);
    }
  }
  StoreHeldByAnother(const StoreHeldByAnother&) = delete;
  StoreHeldByAnother& operator=(const StoreHeldByAnother&) = delete;

 private:
  PGconn* pg_ = nullptr;
  sqlite3* sqlite_ = nullptr;
};

// ---- HTTP client ------------------------------------------------------------

struct Reply {
  int status = 0;
  std::string content_type;
  std::string www_authenticate;
  std::string body;
  std::map<std::string, std::string> headers;  // every response header, by name as sent

  Poco::JSON::Object::Ptr object() const {
    Poco::JSON::Parser parser;
    Poco::Dynamic::Var v = parser.parse(body);
    if (v.type() != typeid(Poco::JSON::Object::Ptr)) throw std::runtime_error("not a JSON object: " + body);
    return v.extract<Poco::JSON::Object::Ptr>();
  }
};

inline Reply httpRequest(uint16_t port, const std::string& method, const std::string& target,
                         const std::string& authorization, const std::optional<std::string>& body = std::nullopt,
                         const std::string& content_type = "application/json",
                         const std::map<std::string, std::string>& extra_headers = {}) {
  Poco::Net::HTTPClientSession session("127.0.0.1", port);
  session.setTimeout(Poco::Timespan(20, 0));
  Poco::Net::HTTPRequest req(method, target, Poco::Net::HTTPMessage::HTTP_1_1);
  if (!authorization.empty()) req.set("Authorization", authorization);
  for (const auto& [name, value] : extra_headers) req.set(name, value);
  if (body) {
    req.setContentType(content_type);
    req.setContentLength(static_cast<std::streamsize>(body->size()));
  }
  std::ostream& out = session.sendRequest(req);
  if (body) out << *body;
  Poco::Net::HTTPResponse res;
  std::istream& in = session.receiveResponse(res);
  Reply r;
  r.status = static_cast<int>(res.getStatus());
  r.content_type = res.getContentType();
  r.www_authenticate = res.get("WWW-Authenticate", "");
  for (const auto& [name, value] : res) r.headers[name] = value;
  Poco::StreamCopier::copyToString(in, r.body);
  return r;
}

inline std::string bearer(const std::string& token) { return token.empty() ? "" : "Bearer " + token; }

// One path segment, percent-encoded (obligation ids contain ':').
inline std::string segment(const std::string& s) {
  std::string out;
  Poco::URI::encode(s, "/:?#[]@!$&'()*+,;=%", out);
  return out;
}

inline std::string batch(const std::vector<std::string>& events) {
  std::string s = "[";
  for (size_t i = 0; i < events.size(); ++i) s += (i ? "," : "") + events[i];
  return s + "]";
}

}  // namespace vc::testing
