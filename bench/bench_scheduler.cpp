// bench_scheduler: what an idle scheduler pass and the review queue's lists cost as the store grows.
//
//   bench_scheduler [CASES] [DATA_DIR] [PASSES]
//
// CASES: synthetic cases from bench_ingest's generator, ~10 events each (default 100000).
// DATA_DIR: where the store goes (default: bench-data beside this executable). The store for CASES is
//   built once, through the daemon's own services (ingest in case order, letters drafted as in service,
//   one settling pass), and kept as sched-CASES.db: later runs reuse it (delete it to build again). A run
//   works on a copy (sched-CASES.run.db), so every run starts from the same store. A store built by an
//   older build is upgraded by `migrate` when it is opened, as a daemon's would be.
// PASSES: idle passes timed after the first one (default 5).
//
// Prints one table: (1) the first pass after start and the idle passes (nothing due), wall and CPU ms;
// (2) LetterStore::listLetters and Store::listObligations pages of 50 (the queue's sort, every filter the API
// and the web queue offer, the rarest rule, basis and kind in the store, a victim's and a case's lists as an
// officer bound to their Area asks for them, keyset cursors deep in the list), p50 and p99, each against a plain indexed SQLite SELECT of a page of
// the same table in the same run; (3) the same lists through HTTP (one keep-alive client), against
// /healthz. Then a digest of the letters, obligations and ledger alerts, to compare builds by.
// See docs/benchmarks.md ("The scheduler finds its work by index").

// The synthetic journeys are bench_ingest's (generate(), caseOrder(), kBenchNow...): its file is included
// whole, its main() renamed, so the two benchmarks cannot drift apart.
#define main bench_ingest_main
#include "bench_ingest.cpp"
#undef main

#include <sys/resource.h>

#include <random>

#include <Poco/Logger.h>
#include <Poco/URI.h>

#include "app/http_front.h"
#include "letters/letter_service.h"
#include "storage/letter_store.h"
#include "storage/store.h"

namespace {

double cpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

vc::app::Settings benchSettings(const std::string& path) {
  vc::app::Settings s;
  s.db_path = path;
  s.http_threads = 8;
  s.rules_files = {VC_SOURCE_DIR "/config/rules/victims-code-2020.json"};
  s.calendar_file = VC_SOURCE_DIR "/config/calendars/england-and-wales.json";
  s.templates_dir = VC_SOURCE_DIR "/letter_templates";
  s.contacts_file = VC_SOURCE_DIR "/config/letters/vlu-contacts.json";
  s.support_services_file = VC_SOURCE_DIR "/config/letters/support-services.json";
  s.plain_english_file = VC_SOURCE_DIR "/config/letters/plain-english.json";
  s.spool_dir = path + ".spool";
  s.web_dir = VC_SOURCE_DIR "/web";
  s.audit_key_file = path + ".audit.key";
  s.retention_key_file = path + ".retention.key";
  s.audit_checkpoint_file = path + ".audit-checkpoint";
  s.clock_now = vc::domain::parseRfc3339(kBenchNow);
  return s;
}

void copyStore(const std::string& from, const std::string& to) {
  removeDb(to);
  for (const std::string suffix : {".audit.key", ".retention.key"}) {
    Poco::File f(to + suffix);
    if (f.exists()) f.remove();
  }
  for (const std::string suffix : {"", "-wal", ".audit.key", ".retention.key"}) {
    Poco::File f(from + suffix);
    if (f.exists()) f.copyTo(to + suffix);
  }
}

// Builds the store once: every case through the Ingestor (case order, 5,000 events a batch), each batch's
// letters drafted by the after-commit refresh as in service, then one pass (the ledger records the breaches).
void buildStore(int cases, const std::string& path) {
  const std::string tmp = path + ".building";
  copyStore("/nonexistent", tmp);
  std::cerr << "building the store for " << cases << " cases (once; kept as " << path << ")..." << std::endl;
  const std::vector<GenEvent> events = generate(cases);
  const auto order = caseOrder(events);
  {
    vc::app::Services services(benchSettings(tmp));
    const auto t0 = Clock::now();
    size_t done = 0;
    for (size_t i = 0; i < order.size(); i += 5000) {
      std::vector<const GenEvent*> batch(order.begin() + static_cast<std::ptrdiff_t>(i),
                                         order.begin() + static_cast<std::ptrdiff_t>(std::min(order.size(), i + 5000)));
      const auto r = services.ingestor.ingest(parseBatch(batch), "bench");
      done += r.accepted;
      std::cerr << "  " << done << " / " << order.size() << " events, " << std::fixed << std::setprecision(0)
                << secondsSince(t0) << " s" << std::endl;
    }
    services.scheduler.runPass();
    std::cerr << "  built in " << secondsSince(t0) << " s" << std::endl;
  }
  for (const std::string suffix : {"", "-wal", ".audit.key", ".retention.key"}) {
    Poco::File f(tmp + suffix);
    if (f.exists()) f.renameTo(path + suffix);
  }
}

struct Quantiles {
  double p50 = 0, p99 = 0, max = 0;
};

Quantiles quantiles(std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  auto at = [&](double q) { return ms[std::min(ms.size() - 1, static_cast<size_t>(q * double(ms.size())))]; };
  return {at(0.5), at(0.99), ms.back()};
}

struct Line {
  std::string what;
  Quantiles q;
  std::string anchor;  // what the ratio is against
  Quantiles a;
  std::string note;
};
std::vector<Line> g_lines;

void line(const Line& l) {
  g_lines.push_back(l);
  std::cerr << "  done: " << l.what << ": p50 " << std::fixed << std::setprecision(2) << l.q.p50 << " ms, p99 "
            << l.q.p99 << " ms" << std::endl;
}

// A plain indexed SELECT of one page with the sqlite3 API: the anchor of the list figures.
struct PlainPage {
  sqlite3* db = nullptr;
  sqlite3_stmt* st = nullptr;
  PlainPage(const std::string& path, const char* sql) {
    check(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), db, "open");
    check(sqlite3_prepare_v2(db, sql, -1, &st, nullptr), db, sql);
  }
  ~PlainPage() {
    sqlite3_finalize(st);
    sqlite3_close(db);
  }
  double run(const std::string& a, const std::string& b) {
    const auto t0 = Clock::now();
    sqlite3_bind_text(st, 1, a.data(), static_cast<int>(a.size()), SQLITE_STATIC);
    sqlite3_bind_text(st, 2, b.data(), static_cast<int>(b.size()), SQLITE_STATIC);
    size_t bytes = 0;
    while (sqlite3_step(st) == SQLITE_ROW)
      for (int c = 0; c < sqlite3_column_count(st); ++c) bytes += static_cast<size_t>(sqlite3_column_bytes(st, c));
    sqlite3_reset(st);
    g_sink += static_cast<int64_t>(bytes);
    return secondsSince(t0) * 1000;
  }
};

template <typename F>
Quantiles timeMs(int n, F&& f) {
  std::vector<double> ms;
  for (int i = 0; i < n; ++i) {
    const auto t0 = Clock::now();
    f(i);
    ms.push_back(secondsSince(t0) * 1000);
  }
  return quantiles(ms);
}

std::string httpGet(Poco::Net::HTTPClientSession& session, const std::string& target, const std::string& token) {
  Poco::Net::HTTPRequest req(Poco::Net::HTTPRequest::HTTP_GET, target, Poco::Net::HTTPMessage::HTTP_1_1);
  req.setKeepAlive(true);
  if (!token.empty()) req.set("Authorization", "Bearer " + token);
  session.sendRequest(req);
  Poco::Net::HTTPResponse res;
  std::istream& in = session.receiveResponse(res);
  std::string text;
  Poco::StreamCopier::copyToString(in, text);
  if (res.getStatus() != Poco::Net::HTTPResponse::HTTP_OK)
    throw std::runtime_error("GET " + target + ": " + std::to_string(res.getStatus()) + " " + text);
  return text;
}

// An FNV-1a digest of what a query returns, row by row.
uint64_t digestOf(sqlite3* db, const char* sql, int64_t* rows) {
  uint64_t d = 1469598103934665603ull;
  sqlite3_stmt* st = nullptr;
  check(sqlite3_prepare_v2(db, sql, -1, &st, nullptr), db, sql);
  *rows = 0;
  while (sqlite3_step(st) == SQLITE_ROW) {
    ++*rows;
    const unsigned char* t = sqlite3_column_text(st, 0);
    for (; t && *t; ++t) d = (d ^ *t) * 1099511628211ull;
    d = (d ^ '\n') * 1099511628211ull;
  }
  sqlite3_finalize(st);
  return d;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const int cases = argc > 1 ? std::atoi(argv[1]) : 100000;
    const std::string dir = argc > 2 ? argv[2] : exeDir() + "/bench-data";
    const int passes = argc > 3 ? std::atoi(argv[3]) : 5;
    if (cases < 1 || passes < 1) throw std::runtime_error("CASES and PASSES must be positive numbers");
    Poco::File(dir).createDirectories();
    const std::string dir_abs = Poco::Path(dir).absolute().toString();
    const std::string kept = dir_abs + "/sched-" + std::to_string(cases) + ".db";
    const std::string path = dir_abs + "/sched-" + std::to_string(cases) + ".run.db";
    if (!Poco::File(kept).exists()) buildStore(cases, kept);
    copyStore(kept, path);

    // The scheduler's own lines (counts at debug, overruns as warnings) go to stderr with the progress.
    Poco::Logger::root().setLevel("warning");
    std::cerr << "opening a copy of the store (migrate upgrades it if it was built by an older build)..." << std::endl;
    const auto t_open = Clock::now();
    vc::app::Services services(benchSettings(path));
    const double open_s = secondsSince(t_open);

    int64_t stored_cases = 0, letters = 0, open_letters = 0, obligations = 0, pending = 0;
    {
      sqlite3* db = nullptr;
      check(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), db, "open");
      auto count = [&](const char* sql) {
        sqlite3_stmt* st = nullptr;
        check(sqlite3_prepare_v2(db, sql, -1, &st, nullptr), db, sql);
        int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
        sqlite3_finalize(st);
        return n;
      };
      stored_cases = count("SELECT COUNT(*) FROM cases");
      letters = count("SELECT COUNT(*) FROM letters");
      open_letters = count("SELECT COUNT(*) FROM letters WHERE state IN ('draft', 'blocked', 'rejected', 'approved')");
      obligations = count("SELECT COUNT(*) FROM obligations");
      pending = count("SELECT COUNT(*) FROM obligations WHERE status = 'pending'");
      sqlite3_close(db);
    }

    // (1) Passes: the first after start, then idle ones (nothing is due: no event, no message, no date).
    std::cerr << "timing scheduler passes..." << std::endl;
    std::vector<double> wall, cpu;
    double first_wall = 0, first_cpu = 0;
    for (int i = 0; i <= passes; ++i) {
      const double c0 = cpuSeconds();
      const auto t0 = Clock::now();
      services.scheduler.runPass();
      const double w = secondsSince(t0) * 1000, c = (cpuSeconds() - c0) * 1000;
      std::cerr << "  pass " << i << ": " << std::fixed << std::setprecision(1) << w << " ms wall, " << c << " ms CPU"
                << std::endl;
      if (i == 0) {
        first_wall = w;
        first_cpu = c;
      } else {
        wall.push_back(w);
        cpu.push_back(c);
      }
    }

    // (2) The lists in the store: pages of 50 as the API asks for them.
    std::cerr << "timing list queries..." << std::endl;
    std::mt19937 rng(42);
    std::vector<std::pair<std::string, std::string>> letter_cursors, obligation_cursors;  // (due_by, n or id)
    // Victims and cases to look up, each with its Area (as an officer bound to that Area asks for them).
    struct Whose {
      std::string victim_id, case_urn, area;
    };
    std::vector<Whose> whose;
    // The rarest rule and basis among the obligations, and the rarest rule among the letters: a filter
    // that matches few rows is the one whose walk reads most rows for a page.
    std::string rare_rule, rare_basis, rare_letter_rule;
    {
      sqlite3* db = nullptr;
      check(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), db, "open");
      sqlite3_stmt* st = nullptr;
      const char* sql =
          "SELECT o.due_by, l.n, o.id, o.victim_id, o.case_urn, o.area FROM letters l "
          "JOIN obligations o ON o.id = l.obligation_id WHERE l.n % 97 = 0";
      check(sqlite3_prepare_v2(db, sql, -1, &st, nullptr), db, sql);
      auto col = [&](int i) { return std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, i))); };
      while (sqlite3_step(st) == SQLITE_ROW) {
        letter_cursors.push_back({col(0), std::to_string(sqlite3_column_int64(st, 1))});
        obligation_cursors.push_back({col(0), col(2)});
        whose.push_back({col(3), col(4), col(5)});
      }
      sqlite3_finalize(st);
      auto rarest = [&](const char* q) {
        sqlite3_stmt* r = nullptr;
        check(sqlite3_prepare_v2(db, q, -1, &r, nullptr), db, q);
        std::string out = sqlite3_step(r) == SQLITE_ROW ? reinterpret_cast<const char*>(sqlite3_column_text(r, 0)) : "";
        sqlite3_finalize(r);
        return out;
      };
      rare_rule = rarest("SELECT rule FROM obligations GROUP BY rule ORDER BY COUNT(*), rule LIMIT 1");
      rare_basis = rarest("SELECT basis FROM obligations GROUP BY basis ORDER BY COUNT(*), basis LIMIT 1");
      rare_letter_rule = rarest(
          "SELECT o.rule FROM letters l JOIN obligations o ON o.id = l.obligation_id GROUP BY o.rule "
          "ORDER BY COUNT(*), o.rule LIMIT 1");
      std::cerr << "  the rarest rule " << rare_rule << ", basis " << rare_basis << ", rule among letters "
                << rare_letter_rule << std::endl;
      sqlite3_close(db);
    }
    if (letter_cursors.empty()) throw std::runtime_error("the store has no letters");
    std::shuffle(letter_cursors.begin(), letter_cursors.end(), rng);
    std::shuffle(obligation_cursors.begin(), obligation_cursors.end(), rng);
    std::shuffle(whose.begin(), whose.end(), rng);
    const int kQueries = 300;
    PlainPage plain_letters(path, "SELECT * FROM letters WHERE n > CAST(?2 AS INTEGER) AND ?1 = ?1 ORDER BY n LIMIT 50");
    PlainPage plain_obligations(
        path, "SELECT * FROM obligations WHERE due_by > ?1 OR (due_by = ?1 AND id > ?2) ORDER BY due_by, id LIMIT 50");
    const Quantiles plain_l = timeMs(kQueries, [&](int i) {
      const auto& c = letter_cursors[size_t(i) % letter_cursors.size()];
      plain_letters.run(c.first, c.second);
    });
    const Quantiles plain_o = timeMs(kQueries, [&](int i) {
      const auto& c = obligation_cursors[size_t(i) % obligation_cursors.size()];
      plain_obligations.run(c.first, c.second);
    });
    const std::string plain_l_name = "plain SELECT * FROM letters WHERE n > ? ORDER BY n LIMIT 50";
    const std::string plain_o_name = "plain SELECT * FROM obligations keyset page of 50";

    const std::vector<std::string> open_states = {"draft", "blocked", "rejected", "approved"};
    struct LetterCase {
      std::string name;
      std::function<void(vc::storage::LetterFilter&)> set;
      bool cursor;
    };
    const std::vector<LetterCase> letter_cases = {
        {"open queue, first page", [&](auto& f) { f.states = open_states; }, false},
        {"open queue, keyset cursor", [&](auto& f) { f.states = open_states; }, true},
        {"open queue, area filter, cursor", [&](auto& f) { f.states = open_states; f.area = "CPS Wales"; }, true},
        {"open queue, rule filter, cursor", [&](auto& f) { f.states = open_states; f.rule = "VCL-NFA"; }, true},
        {"state=all, cursor", [&](auto&) {}, true},
        {"state=withdrawn, area, cursor", [&](auto& f) { f.states = {"withdrawn"}; f.area = "CPS London North"; }, true},
        {"state=draft, area, cursor", [&](auto& f) { f.states = {"draft"}; f.area = "CPS Wales"; }, true},
        {"open queue, rarest rule " + rare_letter_rule + ", cursor",
         [&](auto& f) { f.states = open_states; f.rule = rare_letter_rule; }, true},
        {"open queue, area, rarest rule, cursor",
         [&](auto& f) { f.states = open_states; f.area = "CPS Wales"; f.rule = rare_letter_rule; }, true},
        {"a victim's letters in their Area (victim page)", [&](auto&) {}, false},
        {"a case's open letters in its Area", [&](auto&) {}, false},
        {"attention=communication_need, first page", [&](auto& f) { f.states = open_states; f.communication_need = true; }, false},
        {"attention=unsafe_channel, first page", [&](auto& f) { f.states = open_states; f.unsafe_channel = true; }, false},
        {"attention=phone_task, first page", [&](auto& f) { f.states = open_states; f.phone_task = true; }, false},
        {"delivery=dead (none), first page", [&](auto& f) { f.delivery_state = "dead"; }, false},
        {"delivery_status=returned (none), first page", [&](auto& f) { f.delivery_status = "returned"; }, false},
    };
    for (const auto& lc : letter_cases) {
      auto lease = services.db.session();
      vc::storage::LetterStore store(lease);
      const Quantiles q = timeMs(lc.name.find("first page") != std::string::npos ? 50 : kQueries, [&](int i) {
        vc::storage::LetterFilter f;
        f.limit = 50;
        lc.set(f);
        const Whose& w = whose[size_t(i) % whose.size()];
        if (lc.name.rfind("a victim's", 0) == 0) {
          f.victim_id = w.victim_id;
          f.area = w.area;
        } else if (lc.name.rfind("a case's", 0) == 0) {
          f.case_urn = w.case_urn;
          f.states = open_states;
          f.area = w.area;
        }
        if (lc.cursor) {
          const auto& c = letter_cursors[size_t(i) % letter_cursors.size()];
          f.after_due = c.first;
          f.after_n = std::stoll(c.second);
        }
        g_sink += static_cast<int64_t>(store.listLetters(f).size());
      });
      line({"LetterStore::listLetters: " + lc.name, q, plain_l_name, plain_l, ""});
    }
    struct ObligationCase {
      std::string name;
      std::function<void(vc::storage::ObligationFilter&)> set;
      bool cursor;
    };
    const std::string bench_today = std::string(kBenchNow).substr(0, 10);
    const std::vector<ObligationCase> obligation_cases = {
        {"all, first page", [&](auto&) {}, false},
        {"all, keyset cursor", [&](auto&) {}, true},
        {"status=open, cursor", [&](auto& f) { f.status = "open"; }, true},
        {"status=breached, cursor", [&](auto& f) { f.status = "breached"; }, true},
        {"area filter, cursor", [&](auto& f) { f.area = "CPS Wales"; }, true},
        {"rule filter, cursor", [&](auto& f) { f.rule = "VCL-NFA"; }, true},
        {"status=met, area, cursor", [&](auto& f) { f.status = "met"; f.area = "CPS North East"; }, true},
        {"status=breached, area, cursor", [&](auto& f) { f.status = "breached"; f.area = "CPS Wales"; }, true},
        {"status=at_risk, first page", [&](auto& f) { f.status = "at_risk"; }, false},
        {"rarest rule " + rare_rule + ", cursor", [&](auto& f) { f.rule = rare_rule; }, true},
        {"area, rarest rule, cursor", [&](auto& f) { f.area = "CPS Wales"; f.rule = rare_rule; }, true},
        {"rarest basis " + rare_basis + ", cursor", [&](auto& f) { f.basis = rare_basis; }, true},
        {"kind=meeting (5%), cursor", [&](auto& f) { f.kind = "meeting"; }, true},
        {"due_before (overdue by a date), cursor", [&](auto& f) { f.due_before = bench_today; }, true},
        {"due_after, area, cursor", [&](auto& f) { f.due_after = "2026-01-01"; f.area = "CPS Wales"; }, true},
        {"a victim's obligations in their Area", [&](auto&) {}, false},
        {"a victim's open obligations", [&](auto&) {}, false},
        {"a case's obligations in its Area, open", [&](auto&) {}, false},
    };
    for (const auto& oc : obligation_cases) {
      auto lease = services.db.session();
      vc::storage::Store store(lease);
      const Quantiles q = timeMs(oc.name.find("first page") != std::string::npos ? 50 : kQueries, [&](int i) {
        vc::storage::ObligationFilter f;
        f.limit = 50;
        f.today = bench_today;
        f.at_risk_until = bench_today;
        oc.set(f);
        const Whose& w = whose[size_t(i) % whose.size()];
        if (oc.name.rfind("a victim's obligations", 0) == 0) {
          f.victim_id = w.victim_id;
          f.area = w.area;
        } else if (oc.name.rfind("a victim's open", 0) == 0) {
          f.victim_id = w.victim_id;
          f.status = "open";
        } else if (oc.name.rfind("a case's", 0) == 0) {
          f.case_urn = w.case_urn;
          f.area = w.area;
          f.status = "open";
        }
        if (oc.cursor) {
          const auto& c = obligation_cursors[size_t(i) % obligation_cursors.size()];
          f.after_due = c.first;
          f.after_id = c.second;
        }
        g_sink += static_cast<int64_t>(store.listObligations(f).size());
      });
      line({"Store::listObligations: " + oc.name, q, plain_o_name, plain_o, ""});
    }

    // (3) The same through HTTP: the real server and router, one keep-alive client, a VLU officer's token.
    std::cerr << "timing the lists through HTTP..." << std::endl;
    {
      vc::app::Settings settings = benchSettings(path);
      vc::app::HttpFront front(services, settings);
      vc::http::ServerOptions options;
      options.bind = "127.0.0.1";
      options.port = 0;
      options.threads = 8;
      vc::http::HttpServer server(front.router, options);
      server.start();
      const std::string token = vc::app::addUser(services.db, "bench-vlu-" + std::to_string(std::time(nullptr)), "vlu",
                                                 "", "", vc::domain::formatRfc3339Utc(services.clock->now()));
      // Officers bound to an Area (each lists with it always): one per Area the sampled victims are in.
      std::map<std::string, std::string> area_tokens;
      for (const auto& w : whose)
        if (!area_tokens.count(w.area))
          area_tokens[w.area] = vc::app::addUser(
              services.db, "bench-vlu-" + std::to_string(area_tokens.size()) + "-" + std::to_string(std::time(nullptr)),
              "vlu", "", w.area, vc::domain::formatRfc3339Utc(services.clock->now()));
      Poco::Net::HTTPClientSession session("127.0.0.1", server.port());
      session.setKeepAlive(true);
      session.setTimeout(Poco::Timespan(60, 0));
      const Quantiles health = timeMs(kQueries, [&](int) { g_sink += httpGet(session, "/healthz", "").size(); });
      auto encode = [](const std::string& s) {
        std::string out;
        Poco::URI::encode(s, "~&=+ ", out);
        return out;
      };
      // A target's token: the plain officer's, or for "[Area]" targets the officer of the sampled victim's Area.
      const std::vector<std::pair<std::string, std::function<std::string(int)>>> targets = {
          {"GET /api/v1/letters?limit=50", [&](int) { return std::string("/api/v1/letters?limit=50"); }},
          {"GET /api/v1/letters?limit=50&cursor=...",
           [&](int i) {
             const auto& c = letter_cursors[size_t(i) % letter_cursors.size()];
             return "/api/v1/letters?limit=50&cursor=" + encode(c.first + "~" + c.second);
           }},
          {"GET /api/v1/letters?limit=50&area=CPS Wales&cursor=...",
           [&](int i) {
             const auto& c = letter_cursors[size_t(i) % letter_cursors.size()];
             return "/api/v1/letters?limit=50&area=" + encode("CPS Wales") + "&cursor=" + encode(c.first + "~" + c.second);
           }},
          {"GET /api/v1/obligations?limit=50", [&](int) { return std::string("/api/v1/obligations?limit=50"); }},
          {"GET /api/v1/obligations?limit=50&cursor=...",
           [&](int i) {
             const auto& c = obligation_cursors[size_t(i) % obligation_cursors.size()];
             return "/api/v1/obligations?limit=50&cursor=" + encode(c.first + "~" + c.second);
           }},
          {"GET /api/v1/obligations?limit=50&status=open&cursor=...",
           [&](int i) {
             const auto& c = obligation_cursors[size_t(i) % obligation_cursors.size()];
             return "/api/v1/obligations?limit=50&status=open&cursor=" + encode(c.first + "~" + c.second);
           }},
          {"GET /api/v1/letters?limit=50&rule=(rarest)&cursor=...",
           [&](int i) {
             const auto& c = letter_cursors[size_t(i) % letter_cursors.size()];
             return "/api/v1/letters?limit=50&rule=" + encode(rare_letter_rule) + "&cursor=" +
                    encode(c.first + "~" + c.second);
           }},
          {"GET /api/v1/letters?victim_id=... [Area officer]",
           [&](int i) { return "/api/v1/letters?victim_id=" + encode(whose[size_t(i) % whose.size()].victim_id); }},
          {"GET /api/v1/letters?limit=50&attention=phone_task",
           [&](int) { return std::string("/api/v1/letters?limit=50&attention=phone_task"); }},
          {"GET /api/v1/obligations?limit=50&status=breached&cursor=... [Area officer]",
           [&](int i) {
             const auto& c = obligation_cursors[size_t(i) % obligation_cursors.size()];
             return "/api/v1/obligations?limit=50&status=breached&cursor=" + encode(c.first + "~" + c.second);
           }},
          {"GET /api/v1/obligations?limit=50&rule=(rarest)&cursor=...",
           [&](int i) {
             const auto& c = obligation_cursors[size_t(i) % obligation_cursors.size()];
             return "/api/v1/obligations?limit=50&rule=" + encode(rare_rule) + "&cursor=" + encode(c.first + "~" + c.second);
           }},
          {"GET /api/v1/obligations?limit=50&basis=(rarest)&cursor=...",
           [&](int i) {
             const auto& c = obligation_cursors[size_t(i) % obligation_cursors.size()];
             return "/api/v1/obligations?limit=50&basis=" + encode(rare_basis) + "&cursor=" + encode(c.first + "~" + c.second);
           }},
          {"GET /api/v1/obligations?victim_id=... [Area officer]",
           [&](int i) { return "/api/v1/obligations?victim_id=" + encode(whose[size_t(i) % whose.size()].victim_id); }},
      };
      for (const auto& [name, target] : targets) {
        const bool by_area = name.find("[Area officer]") != std::string::npos;
        const Quantiles q = timeMs(kQueries, [&](int i) {
          g_sink += httpGet(session, target(i), by_area ? area_tokens.at(whose[size_t(i) % whose.size()].area) : token)
                        .size();
        });
        line({name, q, "GET /healthz", health, "audited reads pay their own fsync (item 3)"});
      }
      server.stop();
    }

    // What the store holds, to compare builds by: letters (state, version, words), obligations, ledger alerts.
    std::ostringstream digest;
    {
      sqlite3* db = nullptr;
      check(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), db, "open");
      int64_t n = 0;
      const uint64_t l = digestOf(db,
                                  "SELECT n || '|' || obligation_id || '|' || state || '|' || version || '|' || "
                                  "letter_date || '|' || context_hash FROM letters ORDER BY n",
                                  &n);
      digest << "letters " << n << " digest " << std::hex << l << std::dec;
      const uint64_t o =
          digestOf(db, "SELECT id || '|' || status || '|' || due_by FROM obligations ORDER BY id", &n);
      digest << "; obligations " << n << " digest " << std::hex << o << std::dec;
      const uint64_t a = digestOf(
          db, "SELECT obligation_id || '|' || alert || '|' || due_by FROM obligation_alerts ORDER BY 1", &n);
      digest << "; ledger alerts " << n << " digest " << std::hex << a << std::dec;
      sqlite3_close(db);
    }

    std::cout << "\nvictim-comms scheduler and lists benchmark, " << today() << "\n"
              << "machine: " << std::thread::hardware_concurrency() << " cores, " << cpuModel() << "; build type "
              << buildType() << "; SQLite " << sqlite3_libversion() << "\n"
              << "store: " << stored_cases << " cases, " << letters << " letters (" << open_letters << " open), "
              << obligations << " obligations (" << pending << " pending); opened (and migrated) in " << std::fixed
              << std::setprecision(2) << open_s << " s\n\n";
    const auto median = [](std::vector<double> v) {
      std::sort(v.begin(), v.end());
      return v[v.size() / 2];
    };
    std::cout << "1  scheduler pass                          wall ms     CPU ms\n"
              << "   first pass after start              " << std::setw(10) << std::setprecision(1) << first_wall
              << std::setw(11) << first_cpu << "\n"
              << "   idle pass, median of " << passes << "            " << std::setw(10) << median(wall)
              << std::setw(11) << median(cpu) << "   (target: under 100 ms)\n"
              << "   idle pass, slowest                  " << std::setw(10)
              << *std::max_element(wall.begin(), wall.end()) << std::setw(11)
              << *std::max_element(cpu.begin(), cpu.end()) << "\n\n";
    std::cout << std::left << std::setw(64) << "2/3 list (pages of 50)" << std::right << std::setw(9) << "p50 ms"
              << std::setw(9) << "p99 ms" << std::setw(9) << "max ms" << std::setw(11) << "p50 ratio" << "  anchor (p50 ms)\n"
              << std::string(130, '-') << "\n";
    for (const auto& l : g_lines)
      std::cout << std::left << std::setw(64) << l.what << std::right << std::fixed << std::setprecision(2)
                << std::setw(9) << l.q.p50 << std::setw(9) << l.q.p99 << std::setw(9) << l.q.max << std::setw(10)
                << std::setprecision(1) << l.q.p50 / std::max(l.a.p50, 1e-6) << "x  " << l.anchor << " ("
                << std::setprecision(3) << l.a.p50 << ")" << (l.note.empty() ? "" : "; " + l.note) << "\n";
    std::cout << "\n" << digest.str() << "\n";
    // For bench/run.sh's table (RESULT|id|label|value|unit|anchor|ratio): the idle pass, and the slowest
    // p99 of the lists' pages through HTTP, against GET /healthz on the same connection.
    std::ostringstream scale;
    scale << stored_cases << " cases, " << letters << " letters, " << obligations << " obligations";
    std::cout << "\n" << std::fixed << std::setprecision(2) << "RESULT|scheduler.idle_pass|idle scheduler pass, median of "
              << passes << " (" << scale.str() << ")|" << median(wall) << "|ms|first pass after start " << first_wall
              << " ms|" << std::setprecision(4) << median(wall) / std::max(first_wall, 1e-9) << "\n";
    for (const std::string list : {"letters", "obligations"}) {
      const Line* worst = nullptr;
      for (const auto& l : g_lines)
        if (l.what.rfind("GET /api/v1/" + list, 0) == 0 && (!worst || l.q.p99 > worst->q.p99)) worst = &l;
      if (!worst) continue;
      std::cout << std::setprecision(2) << "RESULT|scheduler." << list << "_p99|slowest GET /api/v1/" << list
                << " page p99 (" << worst->what.substr(std::string("GET /api/v1/").size() + list.size()) << "; "
                << scale.str() << ")|" << worst->q.p99 << "|ms|GET /healthz p99 " << worst->a.p99 << " ms|"
                << std::setprecision(1) << worst->q.p99 / std::max(worst->a.p99, 1e-6) << "\n";
    }
    std::cout << std::flush;
    return 0;
  } catch (const Poco::Exception& e) {
    std::cerr << "bench_scheduler: " << e.displayText() << std::endl;
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "bench_scheduler: " << e.what() << std::endl;
    return 1;
  }
}
