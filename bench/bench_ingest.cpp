// bench_ingest: how fast victim-comms takes in journey events, against plain SQLite.
//
//   bench_ingest [VICTIM_COMMS_EXE|-] [CASES] [DATA_DIR]
//
// VICTIM_COMMS_EXE: the built executable, to time `victim-comms import` (omit or "-" to skip).
// CASES: synthetic cases, ~10 events each (default 2000 -> ~20,000 events).
// DATA_DIR: where the fresh SQLite files go (default: bench-data beside this executable).
//
// Prints one table: (1) plain SQLite insert of the same rows, (2) vc::ingest::Ingestor in
// batches of 1,000, in feed (time) order and case order, (3) the real HTTP API, (4) the real
// CLI, (5) working-day deadline computations and full explanations. See docs/benchmarks.md.
//
//   bench_ingest --write-events FILE [CASES]
//
// Writes the same synthetic events (feed order, one JSON event a line) to FILE and stops: the input
// of the HTTP read benchmark (bench/bench_http.sh), which imports them into the daemon's store.
//
//   bench_ingest --memory VICTIM_COMMS_EXE [EVENTS] [DATA_DIR]
//
// Issue 16, item 2: writes EVENTS synthetic events (default 1,000,000; 10 a case, feed order), runs
// `victim-comms import` on them as a child into a fresh store and reports its peak RSS (wait4's
// ru_maxrss), against the peak RSS of the same command importing one case's first 2 events (the
// anchor: the process itself), with the RSS seen at each progress line (flat, or growing with the
// file?), the longest silence between progress lines and the store's size.
//
// Every figure also goes to stdout as a machine-readable line for bench/run.sh's table:
//   RESULT|id|label|value|unit|anchor|ratio

#include <sqlite3.h>
#include <sys/resource.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <functional>
#include <iomanip>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <Poco/File.h>
#include <Poco/Version.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Path.h>
#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <Poco/StreamCopier.h>

#include "app/services.h"
#include "app/users.h"
#include "domain/calendar.h"
#include "domain/clock.h"
#include "domain/date.h"
#include "domain/engine.h"
#include "http/api.h"
#include "http/router.h"
#include "http/server.h"
#include "ingest/ingestor.h"
#include "loading/policy_files.h"
#include "common/keyring.h"
#include "storage/database.h"

namespace {

using Clock = std::chrono::steady_clock;
using vc::domain::Date;

constexpr size_t kBatch = 1000;

double secondsSince(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// ---------------------------------------------------------------------------------------------
// Synthetic events

struct GenEvent {
  std::string id, type, urn, victim, occurred_at, local_date, json;
  int64_t utc = 0;
  int case_no = 0;
  int seq = 0;
};

std::string pad(int n, int width) {
  std::ostringstream os;
  os << std::setw(width) << std::setfill('0') << n;
  return os.str();
}

// Europe/London wall-clock time on `d` as RFC 3339: +01:00 in BST (29 March to 25 October 2026,
// all our times are after 01:00 UTC on the change days), Z in GMT.
std::string londonTime(const Date& d, int hour, int minute) {
  const bool bst = Date(2026, 3, 29) <= d && d < Date(2026, 10, 25);
  return d.toString() + "T" + pad(hour, 2) + ":" + pad(minute, 2) + ":00" + (bst ? "+01:00" : "Z");
}

// "Now" for every figure: after the last generated event (events dated after now are refused).
constexpr const char* kBenchNow = "2027-03-01T12:00:00Z";

std::vector<GenEvent> generate(int cases) {
  static const char* kOffences[] = {"rape", "domestic_abuse", "other", "homicide"};
  static const char* kAreas[] = {"CPS South West", "CPS London North", "CPS Wales", "CPS North East",
                                 "CPS Mersey-Cheshire"};
  std::vector<GenEvent> out;
  out.reserve(static_cast<size_t>(cases) * 10);
  for (int i = 0; i < cases; ++i) {
    const Date d0 = Date(2026, 1, 2).plusDays((static_cast<int64_t>(i) * 7919) % 300);
    const std::string urn = "99BM" + pad(i, 7) + "26";
    const std::string victim = "v-bench-" + std::to_string(i);
    const std::string offence = kOffences[i % 4];
    const int m = i % 50;  // minutes, so cases do not all tick at once
    const Date hearing = d0.plusDays(24);
    int seq = 0;
    auto add = [&](const std::string& type, int day, int hour, int minute, const std::string& fields,
                   bool with_victim) {
      GenEvent e;
      e.id = "bench-c" + std::to_string(i) + "-e" + pad(++seq, 2);
      e.type = type;
      e.urn = urn;
      e.victim = with_victim ? victim : "";
      const Date d = d0.plusDays(day);
      e.occurred_at = londonTime(d, hour, minute);
      e.local_date = d.toString();
      e.utc = *vc::domain::parseRfc3339(e.occurred_at);
      e.case_no = i;
      e.seq = seq;
      e.json = "{\"id\":\"" + e.id + "\",\"type\":\"" + type + "\",\"occurred_at\":\"" + e.occurred_at +
               "\",\"case_urn\":\"" + urn + "\"" + (with_victim ? ",\"victim_id\":\"" + victim + "\"" : "") +
               fields + "}";
      out.push_back(std::move(e));
    };
    add("case.registered", 0, 9, m,
        ",\"area\":\"" + std::string(kAreas[i % 5]) + "\",\"offences\":[\"" + offence + "\"],\"offence_date\":\"" +
            d0.plusDays(-20).toString() + "\",\"police_force\":\"Test Constabulary\",\"unit\":\"Test Unit " +
            std::to_string(i % 7) + "\",\"prosecutor\":{\"name\":\"Test Prosecutor " + std::to_string(i % 40) +
            "\",\"email\":\"prosecutor" + std::to_string(i % 40) + "@example.org\"}",
        false);
    add("victim.registered", 0, 9, m + 5,
        ",\"title\":\"Mx\",\"name\":{\"given\":\"Test\",\"family\":\"Person " + std::to_string(i) +
            "\"},\"date_of_birth\":\"" + std::to_string(1950 + i % 55) + "-0" + std::to_string(1 + i % 9) +
            "-1" + std::to_string(i % 10) + "\",\"address\":{\"lines\":[\"" + std::to_string(1 + i % 200) +
            " Test Street\",\"Testtown\"],\"postcode\":\"ZZ1 1AA\"},\"email\":\"test.person" + std::to_string(i) +
            "@example.org\",\"preferred_channel\":\"" + (i % 2 ? "post" : "email") + "\",\"language\":\"en\"",
        true);
    add("charging.referred", 2, 14, m, ",\"kind\":\"full_code_test\"", false);
    if (i % 2 == 0)
      add("charging.decided", 9, 15, m,
          ",\"decision\":\"charge\",\"charges\":[\"Test charge (" + offence + ")\"],\"first_hearing\":{\"date\":\"" +
              hearing.toString() + "\",\"court\":\"Testtown Magistrates' Court\"}",
          false);
    else
      add("charging.decided", 9, 15, m,
          ",\"decision\":\"no_further_action\",\"reasons\":\"The evidence does not give a realistic prospect of "
          "conviction (synthetic test data).\"",
          false);
    add("hearing.listed", 10, 10, m,
        ",\"kind\":\"first_appearance\",\"date\":\"" + hearing.toString() +
            "\",\"court\":\"Testtown Magistrates' Court\",\"time\":\"10:00\"",
        false);
    add("plea.entered", 24, 12, m, ",\"plea\":\"not_guilty\"", false);
    add("victim.updated", 30, 10, m,
        ",\"phone\":\"07700 900" + pad(i % 1000, 3) + "\"" + (i % 3 == 0 ? ",\"flags\":[\"intimidated\"]" : ""), true);
    add("verdict.recorded", 50, 16, m,
        std::string(",\"outcome\":\"") + (i % 5 == 4 ? "acquitted" : "convicted") +
            "\",\"summary\":\"Synthetic verdict for benchmarking.\"",
        false);
    add("sentence.passed", 58, 12, m, ",\"summary\":\"Synthetic sentence for benchmarking.\"", false);
    add("contact.recorded", 59, 11, m,
        ",\"obligation\":\"WCU-HEARING\",\"by\":\"wcu\",\"channel\":\"phone\",\"notes\":\"Synthetic contact.\"",
        true);
  }
  return out;
}

// The order a real feed delivers: by occurred_at across all cases (a case's events keep their order).
std::vector<const GenEvent*> feedOrder(const std::vector<GenEvent>& events) {
  std::vector<const GenEvent*> v;
  for (const auto& e : events) v.push_back(&e);
  std::stable_sort(v.begin(), v.end(), [](const GenEvent* a, const GenEvent* b) {
    if (a->utc != b->utc) return a->utc < b->utc;
    if (a->case_no != b->case_no) return a->case_no < b->case_no;
    return a->seq < b->seq;
  });
  return v;
}

std::vector<const GenEvent*> caseOrder(const std::vector<GenEvent>& events) {
  std::vector<const GenEvent*> v;
  for (const auto& e : events) v.push_back(&e);
  return v;  // generated case by case
}

std::vector<std::vector<const GenEvent*>> batches(const std::vector<const GenEvent*>& order) {
  std::vector<std::vector<const GenEvent*>> out;
  for (size_t i = 0; i < order.size(); i += kBatch)
    out.emplace_back(order.begin() + static_cast<std::ptrdiff_t>(i),
                     order.begin() + static_cast<std::ptrdiff_t>(std::min(order.size(), i + kBatch)));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Files and SQLite helpers

void removeDb(const std::string& path) {
  for (const std::string suffix : {"", "-wal", "-shm", "-journal", ".audit-checkpoint"}) {
    Poco::File f(path + suffix);
    if (f.exists()) f.remove();
  }
}

void check(int rc, sqlite3* db, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
    throw std::runtime_error(std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
}

void exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = std::string(sql) + ": " + (err ? err : "?");
    sqlite3_free(err);
    throw std::runtime_error(msg);
  }
}

// What a finished store holds: event and obligation counts and a digest of every obligation's
// (id, status, due_by), so the four ingest paths can be checked to agree.
struct StoreSummary {
  int64_t events = 0, cases = 0, victims = 0, obligations = 0;
  uint64_t digest = 1469598103934665603ull;
};

StoreSummary summarise(const std::string& path) {
  StoreSummary s;
  sqlite3* db = nullptr;
  check(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), db, "open");
  auto count = [&](const char* sql) {
    sqlite3_stmt* st = nullptr;
    check(sqlite3_prepare_v2(db, sql, -1, &st, nullptr), db, sql);
    int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    return n;
  };
  s.events = count("SELECT COUNT(*) FROM events");
  s.cases = count("SELECT COUNT(*) FROM cases");
  s.victims = count("SELECT COUNT(*) FROM victims");
  s.obligations = count("SELECT COUNT(*) FROM obligations");
  sqlite3_stmt* st = nullptr;
  const char* sql = "SELECT id || '|' || status || '|' || due_by FROM obligations ORDER BY id";
  check(sqlite3_prepare_v2(db, sql, -1, &st, nullptr), db, sql);
  while (sqlite3_step(st) == SQLITE_ROW) {
    const unsigned char* t = sqlite3_column_text(st, 0);
    for (; *t; ++t) s.digest = (s.digest ^ *t) * 1099511628211ull;
    s.digest = (s.digest ^ '\n') * 1099511628211ull;
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return s;
}

// What a finished store weighs (issue 16, item 6): the file after a checkpoint, each table with its
// indexes (SQLite's dbstat), and bytes per event, per letter (its row, versions and history) and per
// audit entry.
std::string storeSizes(const std::string& label, const std::string& path) {
  sqlite3* db = nullptr;
  check(sqlite3_open(path.c_str(), &db), db, "open");
  auto one = [&](const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    check(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr), db, sql.c_str());
    int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return n;
  };
  one("PRAGMA wal_checkpoint(TRUNCATE)");
  const int64_t file = one("PRAGMA page_count") * one("PRAGMA page_size");
  std::map<std::string, int64_t> tables;
  sqlite3_stmt* st = nullptr;
  const char* sql = "SELECT m.tbl_name, SUM(d.pgsize) FROM dbstat d JOIN sqlite_master m ON m.name = d.name "
                    "GROUP BY m.tbl_name";
  check(sqlite3_prepare_v2(db, sql, -1, &st, nullptr), db, sql);
  while (sqlite3_step(st) == SQLITE_ROW)
    tables[reinterpret_cast<const char*>(sqlite3_column_text(st, 0))] = sqlite3_column_int64(st, 1);
  sqlite3_finalize(st);
  const int64_t events = one("SELECT COUNT(*) FROM events"), letters = one("SELECT COUNT(*) FROM letters"),
                versions = one("SELECT COUNT(*) FROM letter_versions"), audit = one("SELECT COUNT(*) FROM audit_log"),
                obligations = one("SELECT COUNT(*) FROM obligations");
  sqlite3_close(db);
  auto mb = [](int64_t b) {
    std::ostringstream o;
    o << std::fixed << std::setprecision(1) << b / 1e6 << " MB";
    return o.str();
  };
  auto per = [](int64_t b, int64_t n) { return n ? std::to_string(b / n) : std::string("-"); };
  std::vector<std::pair<std::string, int64_t>> sorted(tables.begin(), tables.end());
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  std::ostringstream o;
  o << "store " << label << ": " << mb(file) << " (" << per(file, events) << " bytes/event); " << events << " events, "
    << letters << " letters (" << versions << " versions), " << obligations << " obligations, " << audit
    << " audit entries\n  tables with their indexes:";
  for (const auto& [name, bytes] : sorted)
    if (bytes >= file / 100) o << " " << name << " " << mb(bytes) << ";";
  const int64_t letter_bytes = tables["letters"] + tables["letter_versions"] + tables["letter_history"];
  o << "\n  bytes per event (events table) " << per(tables["events"], events) << ", per letter (row, versions, history) "
    << per(letter_bytes, letters) << ", per obligation " << per(tables["obligations"], obligations)
    << ", per audit entry " << per(tables["audit_log"], audit) << "\n";
  return o.str();
}

// ---------------------------------------------------------------------------------------------
// Results table

struct Row {
  std::string label;
  double count = 0;  // events (or computations)
  double seconds = 0;
  std::string unit = "events/s";
  std::string note;
  bool ratio = true;
  Row(std::string l, double c, double s, std::string u = "events/s")
      : label(std::move(l)), count(c), seconds(s), unit(std::move(u)) {}
  double rate() const { return seconds > 0 ? count / seconds : 0; }
};

std::vector<Row> g_rows;
double g_baseline = 0;

void report(const Row& r) {
  g_rows.push_back(r);
  std::cerr << "  done: " << r.label << ": " << std::fixed << std::setprecision(0) << r.rate() << " " << r.unit
            << " (" << std::setprecision(2) << r.seconds << " s)" << std::endl;
}

// ---------------------------------------------------------------------------------------------
// (1) Plain SQLite: the same rows, the same table, the same pragmas; no validation, no derivation.

Row benchSqlite(const std::vector<const GenEvent*>& order, const std::string& path, const std::string& received_at) {
  removeDb(path);
  sqlite3* db = nullptr;
  check(sqlite3_open(path.c_str(), &db), db, "open");
  exec(db, "PRAGMA journal_mode=WAL");
  exec(db, "PRAGMA synchronous=FULL");
  exec(db, "PRAGMA foreign_keys=ON");
  // The events table exactly as migration 1 creates it, so indexes and uniqueness cost the same.
  exec(db,
       "CREATE TABLE events(seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, type TEXT NOT NULL, "
       "case_urn TEXT, victim_id TEXT, occurred_at TEXT NOT NULL, local_date TEXT NOT NULL, "
       "received_at TEXT NOT NULL, body TEXT NOT NULL)");
  exec(db, "CREATE INDEX events_by_case ON events(case_urn, seq)");
  exec(db, "CREATE INDEX events_by_victim ON events(victim_id, seq)");

  const auto t0 = Clock::now();
  sqlite3_stmt* st = nullptr;
  const char* sql =
      "INSERT INTO events(id, type, case_urn, victim_id, occurred_at, local_date, received_at, body) "
      "VALUES(?, ?, NULLIF(?, ''), NULLIF(?, ''), ?, ?, ?, ?)";
  check(sqlite3_prepare_v2(db, sql, -1, &st, nullptr), db, "prepare");
  for (size_t i = 0; i < order.size(); i += kBatch) {
    exec(db, "BEGIN IMMEDIATE");
    for (size_t j = i; j < std::min(order.size(), i + kBatch); ++j) {
      const GenEvent& e = *order[j];
      int k = 0;
      for (const std::string* v : {&e.id, &e.type, &e.urn, &e.victim, &e.occurred_at, &e.local_date, &received_at,
                                   &e.json})
        sqlite3_bind_text(st, ++k, v->data(), static_cast<int>(v->size()), SQLITE_STATIC);
      check(sqlite3_step(st), db, "insert");
      sqlite3_reset(st);
    }
    exec(db, "COMMIT");
  }
  sqlite3_finalize(st);
  const double s = secondsSince(t0);
  sqlite3_close(db);
  Row r{"1  plain SQLite insert (sqlite3 API, same table, WAL, sync=FULL)", double(order.size()), s};
  r.note = "prepared statement reused, 1 tx per 1,000 rows";
  return r;
}

// ---------------------------------------------------------------------------------------------
// (2) The Ingestor, as `victim-comms import` drives it, in batches of 1,000.

struct Policy {
  vc::domain::WorkingDayCalendar calendar;
  vc::domain::RuleBook rules;
  vc::domain::Engine engine;
  Policy()
      : calendar(vc::loading::loadCalendar(VC_SOURCE_DIR "/config/calendars/england-and-wales.json")),
        rules(vc::loading::loadRuleBook({VC_SOURCE_DIR "/config/rules/victims-code-2020.json"})),
        engine(rules, calendar) {}
};

std::vector<Poco::Dynamic::Var> parseBatch(const std::vector<const GenEvent*>& batch) {
  std::vector<Poco::Dynamic::Var> items;
  items.reserve(batch.size());
  for (const GenEvent* e : batch) {
    Poco::JSON::Parser parser;  // one per line, as the CLI does
    items.push_back(parser.parse(e->json));
  }
  return items;
}

Row benchIngestor(const Policy& p, const std::vector<const GenEvent*>& order, const std::string& path,
                  const std::string& label) {
  removeDb(path);
  vc::storage::StoreOptions options;
  options.max_sessions = 4;
  options.audit_keys = std::make_shared<const vc::Keyring>(vc::Keyring::open(path + ".audit.key", "audit.key_file", true));
  options.retention_keys =
      std::make_shared<const vc::Keyring>(vc::Keyring::open(path + ".retention.key", "retention.key_file", true));
  vc::storage::Database db(path, options);
  db.migrate();
  vc::domain::FixedClock clock(*vc::domain::parseRfc3339(kBenchNow));
  vc::ingest::Ingestor ingestor(db, p.engine, clock);
  double parse_s = 0, ingest_s = 0;
  size_t derivations = 0, accepted = 0, reread = 0;
  const auto all = batches(order);
  for (const auto& batch : all) {
    auto t0 = Clock::now();
    auto items = parseBatch(batch);
    auto t1 = Clock::now();
    vc::ingest::IngestResult r = ingestor.ingest(items);
    auto t2 = Clock::now();
    parse_s += std::chrono::duration<double>(t1 - t0).count();
    ingest_s += std::chrono::duration<double>(t2 - t1).count();
    derivations += r.affected_cases.size();
    accepted += r.accepted;
    reread += r.replayed;
  }
  if (accepted != order.size())
    throw std::runtime_error(label + ": accepted " + std::to_string(accepted) + " of " + std::to_string(order.size()));
  // Stored events read back to derive the touched cases, as the Ingestor counts them: with its case
  // memos (issue 16) about one per event; before, each touched case's whole history per batch.
  Row r{label, double(order.size()), parse_s + ingest_s};
  std::ostringstream note;
  note << std::fixed << std::setprecision(0) << derivations << " case derivations ("
       << double(derivations) / double(all.size()) << "/batch), " << reread << " stored events re-read ("
       << std::setprecision(1) << double(reread) / double(order.size()) << "/event); input JSON parse "
       << 100.0 * parse_s / (parse_s + ingest_s) << "%";
  r.note = note.str();
  return r;
}

// ---------------------------------------------------------------------------------------------
// (3) The real HTTP API: HttpServer on 127.0.0.1, port 0, one keep-alive client.

// The daemon's own object graph (app::Services) with its drafting worker started, as serve() starts it:
// a POST answers once its events and its letters' rows are stored, and the worker writes the letters'
// words just after (issue 16 item 1). Besides (3), the POSTs' rate, it reports (3d) how long after the
// last answer the last letter got its words, and (3e) the rate from the first POST until then.
std::vector<Row> benchHttp(const Policy& p, const std::vector<const GenEvent*>& order, const std::string& path) {
  removeDb(path);
  vc::app::Settings settings;
  settings.db_path = path;
  settings.http_threads = 8;
  settings.rules_files = {VC_SOURCE_DIR "/config/rules/victims-code-2020.json"};
  settings.calendar_file = VC_SOURCE_DIR "/config/calendars/england-and-wales.json";
  settings.templates_dir = VC_SOURCE_DIR "/letter_templates";
  settings.contacts_file = VC_SOURCE_DIR "/config/letters/vlu-contacts.json";
  settings.support_services_file = VC_SOURCE_DIR "/config/letters/support-services.json";
  settings.plain_english_file = VC_SOURCE_DIR "/config/letters/plain-english.json";
  settings.support_services_file = VC_SOURCE_DIR "/config/letters/support-services.json";
  settings.spool_dir = path + ".spool";
  settings.web_dir = VC_SOURCE_DIR "/web";  // the web pages' templates are checked at start, as in service
  settings.audit_key_file = path + ".audit.key";
  settings.retention_key_file = path + ".retention.key";
  settings.audit_checkpoint_file = path + ".audit-checkpoint";
  settings.clock_now = vc::domain::parseRfc3339(kBenchNow);
  vc::app::Services services(settings);
  vc::storage::Database& db = services.db;
  const vc::domain::Clock& clock = *services.clock;
  vc::http::Api api(services.reads, services.audit, services.ingestor, services.letters, services.notifications,
                    services.outbox_service, services.ledger, clock,
                    services.calendar, vc::http::ApiLimits{10000});
  vc::http::Router router(api.routes(), services.accounts, services.audit);
  vc::http::ServerOptions options;
  options.bind = "127.0.0.1";
  options.port = 0;
  options.threads = 8;
  options.max_body_bytes = 16 * 1024 * 1024;
  vc::http::HttpServer server(router, options);
  // As `serve` runs (main.cpp): the write-ahead log is checkpointed on a thread of its own, not in a
  // request's commit.
  services.db.checkpointInBackground(vc::app::kWalCheckpointEvery);
  services.drafter.start();
  server.start();
  const std::string token =
      vc::app::addUser(db, "bench-feed", "ingest", "", "", vc::domain::formatRfc3339Utc(clock.now()));

  std::vector<std::string> bodies;
  for (const auto& batch : batches(order)) {
    std::string body = "[";
    for (size_t i = 0; i < batch.size(); ++i) body += (i ? "," : "") + batch[i]->json;
    bodies.push_back(body + "]");
  }

  Poco::Net::HTTPClientSession session("127.0.0.1", server.port());
  session.setKeepAlive(true);
  session.setTimeout(Poco::Timespan(120, 0));
  size_t accepted = 0;
  const auto t0 = Clock::now();
  for (const std::string& body : bodies) {
    Poco::Net::HTTPRequest req(Poco::Net::HTTPRequest::HTTP_POST, "/api/v1/events", Poco::Net::HTTPMessage::HTTP_1_1);
    req.setKeepAlive(true);
    req.setContentType("application/json");
    req.set("Authorization", "Bearer " + token);
    req.setContentLength(static_cast<std::streamsize>(body.size()));
    session.sendRequest(req) << body;
    Poco::Net::HTTPResponse res;
    std::istream& in = session.receiveResponse(res);
    std::string text;
    Poco::StreamCopier::copyToString(in, text);
    if (res.getStatus() != Poco::Net::HTTPResponse::HTTP_OK)
      throw std::runtime_error("POST /api/v1/events: " + std::to_string(res.getStatus()) + " " + text);
    Poco::JSON::Parser parser;
    accepted += parser.parse(text).extract<Poco::JSON::Object::Ptr>()->getValue<size_t>("accepted");
  }
  const double s = secondsSince(t0);
  const auto answered = Clock::now();
  services.drafter.waitIdle();
  const double lag = secondsSince(answered), all = secondsSince(t0);
  const vc::scheduling::DraftingStats drafted = services.drafter.stats();
  server.stop();
  services.drafter.stop();
  if (accepted != order.size())
    throw std::runtime_error("http: accepted " + std::to_string(accepted) + " of " + std::to_string(order.size()));
  std::ostringstream letters;
  letters << std::fixed << std::setprecision(0) << drafted.letters << " letters written in " << drafted.runs
          << " runs of the worker, " << drafted.letters / std::max(drafted.busy_seconds, 1e-9)
          << " letters/s while it ran; longest wait from a commit " << drafted.max_lag_seconds * 1000 << " ms";
  Row r{"3  HTTP POST /api/v1/events, feed order", double(order.size()), s};
  r.note = std::to_string(bodies.size()) + " requests of <=1,000 events, one keep-alive connection";
  Row d{"3d HTTP: last answer until its last letter is written (ms)", lag * 1000, 1.0, "ms"};
  d.ratio = false;
  d.note = letters.str();
  Row e{"3e HTTP, until every letter is written", double(order.size()), all};
  e.note = "from the first POST until the drafting worker is idle";
  return {r, d, e};
}

// ---------------------------------------------------------------------------------------------
// (4) The real CLI: `victim-comms import FILE --db FRESH` (one process, one batch).

std::vector<Row> benchCli(const std::string& exe, const std::vector<const GenEvent*>& order, const std::string& dir,
             const std::string& path) {
  removeDb(path);
  const std::string jsonl = dir + "/bench-events.jsonl";
  {
    std::ofstream out(jsonl);
    for (const GenEvent* e : order) out << e->json << '\n';
  }
  const std::string local = dir + "/bench-local.properties";
  {
    std::ofstream out(local);
    out << "clock.now = " << kBenchNow << "\naudit.key_file = " << path << ".audit.key\nretention.key_file = " << path
        << ".retention.key\n";
  }
  Poco::Process::Args args{"import", jsonl,  "--db", path, "--config", VC_SOURCE_DIR "/config/victim-comms.properties",
                           "--config", local};
  Poco::Pipe out_pipe, err_pipe;
  const auto t0 = Clock::now();
  Poco::ProcessHandle ph = Poco::Process::launch(exe, args, nullptr, &out_pipe, &err_pipe);
  Poco::PipeInputStream out_stream(out_pipe), err_stream(err_pipe);
  std::string out_text, err_text;
  Poco::StreamCopier::copyToString(out_stream, out_text);
  Poco::StreamCopier::copyToString(err_stream, err_text);
  const int rc = ph.wait();
  const double s = secondsSince(t0);
  if (rc != 0) throw std::runtime_error("victim-comms import exited " + std::to_string(rc) + ": " + err_text + out_text);
  Row r{"4  CLI `victim-comms import FILE --db NEW`", double(order.size()), s};
  r.note = "whole file = 1 transaction in chunks of 2,000, incl. process start, migrate, JSON parse";
  // Its last line on stderr: "import: committed N events in X s; the letters of M cases written in Y s
  // after the commit (L letters, Z letters/s)".
  std::vector<Row> rows{r};
  const size_t at = err_text.find("import: committed ");
  const size_t in = err_text.find(" written in ", at == std::string::npos ? 0 : at);
  if (at != std::string::npos && in != std::string::npos) {
    const double written = std::atof(err_text.c_str() + in + 12);
    const size_t paren = err_text.find('(', in);
    const long letters = paren == std::string::npos ? 0 : std::atol(err_text.c_str() + paren + 1);
    Row d{"4d CLI: commit until its last letter is written (ms)", written * 1000, 1.0, "ms"};
    d.ratio = false;
    std::ostringstream note;
    note << letters << " letters, " << std::fixed << std::setprecision(0) << (written > 0 ? letters / written : 0)
         << " letters/s; the import until its commit: " << std::setprecision(2) << s - written << " s";
    d.note = note.str();
    Row c{"4c CLI import until its commit", double(order.size()), s - written};
    c.note = "(4) without the letters' words written after the commit";
    rows.push_back(c);
    rows.push_back(d);
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// (5) Deadlines.

volatile int64_t g_sink = 0;

Row benchAddWorkingDays(const Policy& p, int n) {
  std::vector<Date> triggers;
  for (Date d(2026, 1, 1); d <= Date(2027, 12, 31); d = d.plusDays(1)) triggers.push_back(d);
  size_t calls = 0;
  const auto t0 = Clock::now();
  double s = 0;
  do {
    for (const Date& d : triggers) g_sink += p.calendar.addWorkingDays(d, n).result.daysSinceEpoch();
    calls += triggers.size();
  } while ((s = secondsSince(t0)) < 0.4);
  Row r{"5  WorkingDayCalendar::addWorkingDays, N=" + std::to_string(n), double(calls), s, "calls/s"};
  r.note = "trigger dates 2026-01-01..2027-12-31";
  r.ratio = false;
  return r;
}

Row benchExplain(const Policy& p) {
  const vc::domain::RuleSet& set = p.rules.sets().front();
  std::vector<const vc::domain::RuleDef*> rules;
  for (const char* id : {"VCL-NFA", "WCU-HEARING", "FAM-MEET", "ISVA-NOTE"})
    if (const auto* r = set.find(id)) rules.push_back(r);
  std::vector<vc::domain::Event> triggers;
  for (Date d(2026, 1, 1); d <= Date(2027, 12, 31); d = d.plusDays(1)) {
    vc::domain::Event e;
    e.id = "bench-" + d.toString();
    e.type = "charging.decided";
    e.occurred_at_text = londonTime(d, 15, 20);
    e.occurred_at = *vc::domain::parseRfc3339(e.occurred_at_text);
    e.local_date = d;
    triggers.push_back(e);
  }
  vc::domain::Entitlement standard, enhanced;
  enhanced.enhanced = true;
  enhanced.reasons.push_back({"most_serious_crime", "rape", "the case includes rape, one of the most serious crimes"});
  size_t calls = 0;
  const auto t0 = Clock::now();
  double s = 0;
  do {
    for (size_t i = 0; i < triggers.size(); ++i) {
      auto x = p.engine.explain(set, *rules[i % rules.size()], triggers[i], i % 2 ? enhanced : standard);
      g_sink += static_cast<int64_t>(x.text.size());
    }
    calls += triggers.size();
  } while ((s = secondsSince(t0)) < 0.4);
  Row r{"5  Engine::explain (deadline + explanation text)", double(calls), s, "calls/s"};
  r.note = "4 rules, both tiers, 2026-2027";
  r.ratio = false;
  return r;
}

// ---------------------------------------------------------------------------------------------
// Machine description

std::string exeDir() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return ".";
  buf[n] = 0;
  return Poco::Path(buf).parent().toString();
}

std::string buildType() {
  std::ifstream in(exeDir() + "/CMakeCache.txt");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("CMAKE_BUILD_TYPE:", 0) == 0) return line.substr(line.find('=') + 1);
#ifdef NDEBUG
  return "unknown (NDEBUG)";
#else
  return "unknown (assertions on)";
#endif
}

std::string cpuModel() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "?";
}

std::string today() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", std::gmtime(&t));
  return buf;
}

// ---------------------------------------------------------------------------------------------
// Import memory (issue 16, item 2): `victim-comms import` as a child, its peak RSS from wait4.

// One machine-readable figure for bench/run.sh's table (which holds the targets).
void result(const std::string& id, const std::string& label, double value, const std::string& unit,
            const std::string& anchor, double ratio) {
  std::ostringstream o;
  o << "RESULT|" << id << "|" << label << "|" << std::fixed << std::setprecision(value < 10 ? 3 : 1) << value << "|"
    << unit << "|" << anchor << "|";
  if (ratio >= 0) o << std::setprecision(3) << ratio;
  std::cout << o.str() << std::endl;
}

struct ImportRun {
  double peak_mb = 0;  // ru_maxrss of the child
  double seconds = 0;
  double longest_silence = 0;  // seconds between progress lines (or from the start to the first)
  std::vector<std::pair<long, double>> seen;  // (events read, VmHWM MB) at each "events read" progress line
  std::string err;  // what it said on stderr besides progress
};

long procStatusKb(pid_t pid, const std::string& key) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(key + ":", 0) == 0) return std::atol(line.c_str() + key.size() + 1);
  return -1;
}

ImportRun runImport(const std::string& exe, const std::string& jsonl, const std::string& db) {
  removeDb(db);
  const std::string local = db + ".properties";
  {
    std::ofstream out(local);
    out << "clock.now = " << kBenchNow << "\naudit.key_file = " << db << ".audit.key\nretention.key_file = " << db
        << ".retention.key\nspool.dir = " << db << ".spool\n";
  }
  const std::vector<std::string> args{exe,        "import", jsonl, "--db", db, "--config",
                                      VC_SOURCE_DIR "/config/victim-comms.properties", "--config", local};
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
  const auto t0 = Clock::now();
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    dup2(fds[1], 2);
    const int null = ::open("/dev/null", O_WRONLY);
    if (null >= 0) dup2(null, 1);
    close(fds[0]);
    close(fds[1]);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(exe.c_str(), argv.data());
    _exit(127);
  }
  close(fds[1]);
  ImportRun run;
  FILE* err = fdopen(fds[0], "r");
  char buf[4096];
  auto last = t0;
  while (fgets(buf, sizeof buf, err)) {
    const std::string line(buf);
    const auto now = Clock::now();
    if (line.rfind("import: ", 0) == 0) {
      run.longest_silence = std::max(run.longest_silence, std::chrono::duration<double>(now - last).count());
      last = now;
      const auto read_at = line.find(" events read");
      if (read_at != std::string::npos) {
        const long read = std::atol(line.c_str() + 8);
        run.seen.push_back({read, procStatusKb(pid, "VmHWM") / 1024.0});
        std::cerr << "  " << line.substr(0, line.size() - 1) << "; peak RSS so far " << std::fixed
                  << std::setprecision(0) << run.seen.back().second << " MB" << std::endl;
      }
    } else {
      run.err += line;
    }
  }
  fclose(err);
  int status = 0;
  struct rusage usage {};
  if (wait4(pid, &status, 0, &usage) != pid) throw std::runtime_error("wait4 failed");
  run.seconds = secondsSince(t0);
  run.longest_silence = std::max(run.longest_silence, std::chrono::duration<double>(Clock::now() - last).count());
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error("victim-comms import failed: " + run.err);
  run.peak_mb = usage.ru_maxrss / 1024.0;  // kilobytes on Linux
  return run;
}

int benchMemory(const std::string& exe, long events, const std::string& dir) {
  Poco::File(dir).createDirectories();
  const std::string dir_abs = Poco::Path(dir).absolute().toString();
  const int cases = static_cast<int>((events + 9) / 10);
  const std::string big = dir_abs + "/memory-events.jsonl", small = dir_abs + "/memory-anchor.jsonl";
  size_t written = 0;
  {
    std::cerr << "generating " << cases << " cases..." << std::endl;
    const std::vector<GenEvent> all = generate(cases);
    std::ofstream out(big), anchor(small);
    for (const GenEvent* e : feedOrder(all)) out << e->json << '\n';
    anchor << all[0].json << '\n' << all[1].json << '\n';  // case 1's case.registered and victim.registered
    if (!out.flush() || !anchor.flush()) throw std::runtime_error("cannot write " + big);
    written = all.size();
  }
  std::cerr << "importing 2 events (the anchor)..." << std::endl;
  const ImportRun base = runImport(exe, small, dir_abs + "/memory-anchor.db");
  std::cerr << "importing " << written << " events (peak RSS from wait4; data in " << dir_abs << ")..." << std::endl;
  const ImportRun run = runImport(exe, big, dir_abs + "/memory.db");
  int64_t store_bytes = 0;
  {
    sqlite3* db = nullptr;
    check(sqlite3_open((dir_abs + "/memory.db").c_str(), &db), db, "open");
    sqlite3_stmt* st = nullptr;
    check(sqlite3_prepare_v2(db, "SELECT page_count * page_size FROM pragma_page_count, pragma_page_size", -1, &st,
                             nullptr),
          db, "size");
    if (sqlite3_step(st) == SQLITE_ROW) store_bytes = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
  }
  // RSS while reading the file: at a tenth of it, half of it and all of it (before the commit and drafting).
  auto hwmAt = [&](double share) {  // at the first progress line that far into the file
    for (const auto& [read, hwm] : run.seen)
      if (read >= share * written) return hwm;
    return run.seen.empty() ? 0.0 : run.seen.back().second;
  };
  std::cout << "\nvictim-comms import memory benchmark, " << today() << "\n"
            << "machine: " << sysconf(_SC_NPROCESSORS_ONLN) << " cores, " << cpuModel() << "; build type "
            << buildType() << "\n"
            << "data: " << written << " events of " << cases << " cases (feed order), files in " << dir_abs << "\n\n"
            << std::fixed << std::setprecision(0)
            << "peak RSS, import of 2 events (anchor)        " << std::setw(8) << base.peak_mb << " MB\n"
            << "peak RSS while reading, at 10% of the file   " << std::setw(8) << hwmAt(0.1) << " MB\n"
            << "peak RSS while reading, at 50% of the file   " << std::setw(8) << hwmAt(0.5) << " MB\n"
            << "peak RSS while reading, at 100% of the file  " << std::setw(8) << hwmAt(1.0) << " MB\n"
            << "peak RSS of the whole import (drafting too)  " << std::setw(8) << run.peak_mb
            << " MB   (target: under 256 MB at 1,000,000 events)\n"
            << "wall time                                    " << std::setw(8) << run.seconds << " s ("
            << written / std::max(run.seconds, 1e-9) << " events/s)\n"
            << std::setprecision(1) << "longest silence between progress lines      " << std::setw(8)
            << run.longest_silence << " s\n"
            << "store after the import                       " << std::setw(8) << store_bytes / 1e6 << " MB ("
            << store_bytes / std::max<size_t>(written, 1) << " bytes/event)\n\n";
  std::ostringstream anchor;
  anchor << std::fixed << std::setprecision(0) << "import of 2 events " << base.peak_mb << " MB";
  result("memory.import_peak_rss", "import peak RSS, " + std::to_string(written) + " events", run.peak_mb, "MB",
         anchor.str(), run.peak_mb / base.peak_mb);
  std::ostringstream tenth;
  tenth << std::fixed << std::setprecision(0) << "at 10% of the file " << hwmAt(0.1) << " MB";
  result("memory.read_growth", "import RSS while reading, 100% vs 10% of the file", hwmAt(1.0), "MB", tenth.str(),
         hwmAt(0.1) > 0 ? hwmAt(1.0) / hwmAt(0.1) : -1);
  result("memory.progress_silence", "import: longest silence between progress lines", run.longest_silence, "s",
         "", -1);
  result("size.store_per_87181", "store for 87,181 events (scaled from this import)",
         store_bytes / 1e6 / std::max<size_t>(written, 1) * 87181, "MB", "", -1);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    // `--write-events FILE [CASES]` (also `--write-jsonl`): only write the generated events, in feed order, one
    // per line, for `victim-comms import` (bench_http.sh; peak RSS of a large import: docs/benchmarks.md).
    if (argc > 2 && (std::string(argv[1]) == "--write-events" || std::string(argv[1]) == "--write-jsonl")) {
      const int cases = argc > 3 ? std::atoi(argv[3]) : 2000;
      if (cases < 1) throw std::runtime_error("CASES must be a positive number");
      const std::vector<GenEvent> events = generate(cases);
      std::ofstream out(argv[2]);
      for (const GenEvent* e : feedOrder(events)) out << e->json << '\n';
      if (!out.flush()) throw std::runtime_error(std::string("cannot write ") + argv[2]);
      std::cerr << "wrote " << events.size() << " events of " << cases << " cases to " << argv[2] << std::endl;
      return 0;
    }
    if (argc > 2 && std::string(argv[1]) == "--memory") {
      const long events = argc > 3 ? std::atol(argv[3]) : 1000000;
      if (events < 10) throw std::runtime_error("EVENTS must be at least 10");
      return benchMemory(argv[2], events, argc > 4 ? argv[4] : exeDir() + "/bench-data");
    }
    const std::string exe = argc > 1 && std::string(argv[1]) != "-" ? argv[1] : "";
    const int cases = argc > 2 ? std::atoi(argv[2]) : 2000;
    const std::string dir = argc > 3 ? argv[3] : exeDir() + "/bench-data";
    if (cases < 1) throw std::runtime_error("CASES must be a positive number");
    Poco::File(dir).createDirectories();
    const std::string dir_abs = Poco::Path(dir).absolute().toString();

    std::cerr << "generating " << cases << " cases..." << std::endl;
    const std::vector<GenEvent> events = generate(cases);
    const auto feed = feedOrder(events);
    const auto by_case = caseOrder(events);
    const std::string received_at = vc::domain::formatRfc3339Utc(vc::domain::SystemClock().now());
    Policy policy;

    std::cerr << "running (data in " << dir_abs << ")..." << std::endl;
    // The baseline is short (a fraction of a second, 20 fsyncs), so take the median of three runs.
    std::vector<Row> bases;
    for (int i = 0; i < 3; ++i) bases.push_back(benchSqlite(feed, dir_abs + "/1-sqlite.db", received_at));
    std::sort(bases.begin(), bases.end(), [](const Row& a, const Row& b) { return a.rate() < b.rate(); });
    Row base = bases[1];
    base.note += "; median of 3 runs";
    g_baseline = base.rate();
    report(base);
    report(benchIngestor(policy, feed, dir_abs + "/2-ingestor.db", "2  Ingestor::ingest, feed (time) order"));
    report(benchIngestor(policy, by_case, dir_abs + "/2b-ingestor-by-case.db", "2b Ingestor::ingest, case-ordered"));
    for (const Row& r : benchHttp(policy, feed, dir_abs + "/3-http.db")) report(r);
    bool cli_ran = false;
    if (!exe.empty() && Poco::File(exe).exists()) {
      for (const Row& r : benchCli(exe, feed, dir_abs, dir_abs + "/4-cli.db")) report(r);
      cli_ran = true;
    }
    for (int n : {1, 5, 30}) report(benchAddWorkingDays(policy, n));
    report(benchExplain(policy));

    // The ingest paths must agree on what they stored.
    std::vector<std::pair<std::string, std::string>> stores = {{"2", "2-ingestor.db"},
                                                               {"2b", "2b-ingestor-by-case.db"},
                                                               {"3", "3-http.db"}};
    if (cli_ran) stores.push_back({"4", "4-cli.db"});
    std::ostringstream consistency;
    StoreSummary first = summarise(dir_abs + "/" + stores.front().second);
    bool agree = true;
    for (const auto& [name, file] : stores) {
      StoreSummary s = summarise(dir_abs + "/" + file);
      agree = agree && s.events == first.events && s.obligations == first.obligations && s.digest == first.digest &&
              s.events == static_cast<int64_t>(events.size());
    }
    consistency << "stores 2/2b/3" << (cli_ran ? "/4" : "") << (agree ? " agree" : " DISAGREE") << ": "
                << first.events << " events, " << first.cases << " cases, " << first.victims << " victims, "
                << first.obligations << " obligations";

    std::cout << "\nvictim-comms ingest benchmark, " << today() << "\n"
              << "machine: " << std::thread::hardware_concurrency() << " cores (nproc " << sysconf(_SC_NPROCESSORS_ONLN)
              << "), " << cpuModel() << "; build type " << buildType() << "; SQLite " << sqlite3_libversion()
              << "; Poco " << (POCO_VERSION >> 24) << "." << ((POCO_VERSION >> 16) & 0xff) << "."
              << ((POCO_VERSION >> 8) & 0xff) << "\n"
              << "data: " << cases << " cases, " << events.size() << " events, batches of " << kBatch << ", files in "
              << dir_abs << "\n"
              << (exe.empty() || cli_ran ? "" : "(CLI skipped: " + exe + " not found)\n") << "\n";
    std::cout << std::left << std::setw(66) << "what" << std::right << std::setw(12) << "rate" << "  "
              << std::left << std::setw(9) << "unit" << std::right << std::setw(7) << "vs (1)" << std::setw(9)
              << "seconds" << "  notes\n"
              << std::string(130, '-') << "\n";
    for (const Row& r : g_rows) {
      std::ostringstream ratio;
      if (r.ratio) ratio << std::fixed << std::setprecision(3) << r.rate() / g_baseline;
      std::cout << std::left << std::setw(66) << r.label << std::right << std::setw(12) << std::fixed
                << std::setprecision(0) << r.rate() << "  " << std::left << std::setw(9) << r.unit << std::right
                << std::setw(7) << ratio.str() << std::setw(9) << std::setprecision(2) << r.seconds << "  " << r.note
                << "\n";
    }
    std::cout << "\n" << consistency.str() << "\n";
    std::cout << "\n" << storeSizes("3 (HTTP)", dir_abs + "/3-http.db");
    if (cli_ran) std::cout << storeSizes("4 (CLI import)", dir_abs + "/4-cli.db");
    // For bench/run.sh's table: each ingest figure against (1), plain SQLite in this run.
    std::ostringstream plain;
    plain << std::fixed << std::setprecision(0) << "plain SQLite " << g_baseline << " rows/s";
    std::cout << "\n";
    for (const Row& r : g_rows) {
      const std::string n = r.label.substr(0, r.label.find(' '));
      const std::string id = n == "2" ? "ingest.feed" : n == "2b" ? "ingest.case_ordered" : n == "3" ? "ingest.http"
                           : n == "3d" ? "ingest.http_letters_lag" : n == "3e" ? "ingest.http_until_written"
                           : n == "4" ? "ingest.import" : n == "4c" ? "ingest.import_until_commit"
                           : n == "4d" ? "ingest.import_letters_lag" : "";
      if (!id.empty())
        result(id, r.label.substr(r.label.find_first_not_of(' ', n.size())) + " (" + std::to_string(cases) + " cases)",
               r.rate(), r.unit, r.ratio ? plain.str() : "", r.ratio ? r.rate() / g_baseline : -1);
    }
    return agree ? 0 : 1;
  } catch (const Poco::Exception& e) {
    std::cerr << "bench_ingest: " << e.displayText() << std::endl;
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "bench_ingest: " << e.what() << std::endl;
    return 1;
  }
}
