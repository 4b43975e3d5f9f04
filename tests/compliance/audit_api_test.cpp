// The audit log through the API: what is recorded for a change and for a read
// of personal data, tied together by the request's correlation id; filtered
// reads; the chain verified before and after someone edits the file; the
// head noted in the checkpoint file; and the key files checked at start.

#include <chrono>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>
#include <sys/stat.h>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <sqlite3.h>

#include "common/keyring.h"
#include "storage/audit_checkpoint.h"
#include "storage/audit_log.h"
#include "support/replies.h"
#include "support/test_daemon.h"

using namespace vc;  // NOLINT
using Poco::JSON::Array;
using Poco::JSON::Object;
using testing::bearer;
using testing::ok;
using testing::Reply;
using testing::TestDaemon;

namespace {

const std::string kEvents = testing::batch({
    R"({"id":"au-reg","type":"case.registered","occurred_at":"2026-04-01T09:00:00+01:00","case_urn":"52AU0000001","area":"CPS South West","offences":["rape"]})",
    R"({"id":"au-v","type":"victim.registered","occurred_at":"2026-04-01T09:01:00+01:00","case_urn":"52AU0000001","victim_id":"au-v1","name":{"given":"Sam","family":"Auditcase"}})",
    R"({"id":"au-nfa","type":"charging.decided","occurred_at":"2026-04-02T15:20:00+01:00","case_urn":"52AU0000001","decision":"no_further_action"})",
});

std::vector<Object::Ptr> auditItems(TestDaemon& d, const std::string& query) {
  auto items = ok(testing::httpRequest(d.port(), "GET", "/api/v1/audit?" + query, bearer(d.manager)))->getArray("items");
  std::vector<Object::Ptr> out;
  for (size_t i = 0; i < items->size(); ++i) out.push_back(items->getObject(static_cast<unsigned>(i)));
  return out;
}

}  // namespace

TEST_CASE("Changes and reads are audited with who, what, when and the request's correlation id", "[audit]") {
  TestDaemon d;
  Reply posted = testing::httpRequest(d.port(), "POST", "/api/v1/events", bearer(d.ingest), kEvents, "application/json",
                                      {{"X-Request-Id", "cms-batch-0001"}});
  REQUIRE(posted.status == 200);
  CHECK(posted.headers["X-Correlation-Id"] == "cms-batch-0001");

  // Everything that batch changed carries its id: the three events and the obligation they created.
  auto batch = auditItems(d, "correlation_id=cms-batch-0001&limit=1000");
  std::map<std::string, int> actions;
  for (const auto& e : batch) ++actions[e->getValue<std::string>("action")];
  CHECK(actions["event_ingested"] == 3);
  CHECK(actions["obligation_created"] >= 1);
  auto ingested = auditItems(d, "action=event_ingested&subject=event:au-nfa");
  REQUIRE(ingested.size() == 1);
  CHECK(ingested[0]->getValue<std::string>("actor") == "cms-feed");
  CHECK(ingested[0]->getValue<std::string>("detail") == "type:charging.decided case:52AU0000001");
  auto created = auditItems(d, "action=obligation_created&subject=obligation:VCL-NFA:au-v1:au-nfa");
  REQUIRE(created.size() == 1);
  CHECK(created[0]->getValue<std::string>("detail").find("due_by:2026-04-07") != std::string::npos);

  // A read of the victim: audited under the reader's own request id; a refused role too.
  Reply read = testing::httpRequest(d.port(), "GET", "/api/v1/victims/au-v1", bearer(d.vlu));
  REQUIRE(read.status == 200);
  const std::string read_id = read.headers["X-Correlation-Id"];
  CHECK(read_id.rfind("req-", 0) == 0);
  auto reads = auditItems(d, "correlation_id=" + read_id);
  REQUIRE(reads.size() == 1);
  CHECK(reads[0]->getValue<std::string>("action") == "read_victim");
  CHECK(reads[0]->getValue<std::string>("actor") == "vlu-officer");
  CHECK(reads[0]->getValue<std::string>("subject") == "victim:au-v1");
  // Obligations carry the victim's enhanced-rights reasons: reading one, or a list, is recorded too.
  ok(testing::httpRequest(d.port(), "GET", "/api/v1/obligations/" + testing::segment("VCL-NFA:au-v1:au-nfa"), bearer(d.manager)));
  auto one = auditItems(d, "action=read_obligation&actor=vlu-manager");
  REQUIRE(one.size() == 1);
  CHECK(one[0]->getValue<std::string>("detail") == "victim:au-v1");
  ok(testing::httpRequest(d.port(), "GET", "/api/v1/obligations?victim_id=au-v1", bearer(d.vlu)));
  CHECK(auditItems(d, "action=read_obligations&actor=vlu-officer").size() == 1);
  CHECK(testing::httpRequest(d.port(), "GET", "/api/v1/audit", bearer(d.vlu)).status == 403);
  CHECK(auditItems(d, "action=access_denied&actor=vlu-officer").size() == 1);

  // A recomputation and a completion are audited too: the case is charged, which cancels the NFA letter.
  ok(testing::httpRequest(d.port(), "POST", "/api/v1/events", bearer(d.ingest),
                          std::string(R"({"id":"au-charge","type":"charging.decided","occurred_at":"2026-04-03T10:00:00+01:00","case_urn":"52AU0000001","decision":"charge"})")));
  auto cancelled = auditItems(d, "action=obligation_cancelled&subject=obligation:VCL-NFA:au-v1:au-nfa");
  REQUIRE(cancelled.size() == 1);
  CHECK(cancelled[0]->getValue<std::string>("detail") == "status:pending->cancelled by:au-charge");

  // Nothing personal in any entry: the victim's name never appears.
  for (const auto& e : auditItems(d, "limit=1000")) CHECK(e->getValue<std::string>("detail").find("Auditcase") == std::string::npos);
}

TEST_CASE("Every read the front asks a service for is audited under the reader's own request id", "[audit]") {
  TestDaemon d;
  ok(testing::httpRequest(d.port(), "POST", "/api/v1/events", bearer(d.ingest), kEvents));
  // The one entry a request left, found by the correlation id its answer carried.
  auto entryOf = [&](const Reply& r) {
    auto items = auditItems(d, "correlation_id=" + r.headers.at("X-Correlation-Id"));
    REQUIRE(items.size() == 1);
    return items[0];
  };

  Reply read_case = testing::httpRequest(d.port(), "GET", "/api/v1/cases/52AU0000001", bearer(d.vlu));
  REQUIRE(read_case.status == 200);
  auto e = entryOf(read_case);
  CHECK(e->getValue<std::string>("action") == "read_case");
  CHECK(e->getValue<std::string>("actor") == "vlu-officer");
  CHECK(e->getValue<std::string>("subject") == "case:52AU0000001");

  // Outside the officer's Area the case does not exist, and the attempt is recorded.
  Reply denied = testing::httpRequest(d.port(), "GET", "/api/v1/cases/52AU0000001", bearer(d.vlu_london));
  CHECK(denied.status == 404);
  e = entryOf(denied);
  CHECK(e->getValue<std::string>("action") == "read_case_denied");
  CHECK(e->getValue<std::string>("actor") == "vlu-london-north");
  CHECK(e->getValue<std::string>("detail") == "not found or outside area");

  Reply outbox = testing::httpRequest(d.port(), "GET", "/api/v1/outbox", bearer(d.manager));
  REQUIRE(outbox.status == 200);
  e = entryOf(outbox);
  CHECK(e->getValue<std::string>("action") == "read_outbox");
  CHECK(e->getValue<std::string>("actor") == "vlu-manager");

  Reply verified = testing::httpRequest(d.port(), "GET", "/api/v1/audit/verify", bearer(d.manager));
  REQUIRE(verified.status == 200);
  e = entryOf(verified);
  CHECK(e->getValue<std::string>("action") == "audit_verified");

  // Reading the log is recorded after the page was read, so the page itself does not show it.
  Reply listed = testing::httpRequest(d.port(), "GET", "/api/v1/audit?action=read_case", bearer(d.manager));
  REQUIRE(listed.status == 200);
  CHECK(listed.object()->getArray("items")->size() == 1);
  e = entryOf(listed);
  CHECK(e->getValue<std::string>("action") == "read_audit");
  CHECK(e->getValue<std::string>("detail") == "entries:1");
}

TEST_CASE("The audit list pages newest first and filters by date", "[audit]") {
  TestDaemon d;
  ok(testing::httpRequest(d.port(), "POST", "/api/v1/events", bearer(d.ingest), kEvents));
  auto first = ok(testing::httpRequest(d.port(), "GET", "/api/v1/audit?limit=2", bearer(d.manager)));
  auto page = first->getArray("items");
  REQUIRE(page->size() == 2);
  const auto newest = page->getObject(0)->getValue<Poco::Int64>("seq");
  CHECK(page->getObject(1)->getValue<Poco::Int64>("seq") == newest - 1);
  const std::string next = first->getValue<std::string>("next");
  auto second = ok(testing::httpRequest(d.port(), "GET", "/api/v1/audit?limit=2&cursor=" + next, bearer(d.manager)));
  CHECK(second->getArray("items")->getObject(0)->getValue<Poco::Int64>("seq") == newest - 2);
  // The clock says 6 April 2026: nothing is dated the 7th.
  CHECK(auditItems(d, "from=2026-04-07").empty());
  CHECK_FALSE(auditItems(d, "from=2026-04-06&to=2026-04-06").empty());
  CHECK(testing::httpRequest(d.port(), "GET", "/api/v1/audit?cursor=abc", bearer(d.manager)).status == 400);
  CHECK(testing::httpRequest(d.port(), "GET", "/api/v1/audit?from=6-4-2026", bearer(d.manager)).status == 400);
}

// [sqlite_only]: the entry is changed through SQLite's own file (on PostgreSQL, by psql as superuser, in
// tests/e2e/postgres_cli_test.sh).
TEST_CASE("GET /api/v1/audit/verify: ok on an untouched log, the first broken entry after an edit", "[sqlite_only][audit]") {
  TestDaemon d;
  ok(testing::httpRequest(d.port(), "POST", "/api/v1/events", bearer(d.ingest), kEvents));
  auto v = ok(testing::httpRequest(d.port(), "GET", "/api/v1/audit/verify", bearer(d.manager)));
  CHECK(v->getValue<bool>("ok"));
  CHECK(v->getValue<int>("entries") > 5);
  CHECK(v->getValue<std::string>("head_hash").size() == 64);
  CHECK(testing::httpRequest(d.port(), "GET", "/api/v1/audit/verify", bearer(d.vlu)).status == 403);

  // Someone with the file changes who read the victim in entry 4.
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(d.settings.db_path.c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db, "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET actor = 'nobody' WHERE seq = 4",
                       nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
  v = ok(testing::httpRequest(d.port(), "GET", "/api/v1/audit/verify", bearer(d.manager)));
  CHECK_FALSE(v->getValue<bool>("ok"));
  CHECK(v->getValue<int>("entries") == 3);
  CHECK(v->getObject("first_broken")->getValue<int>("seq") == 4);
  CHECK(v->getObject("first_broken")->getValue<std::string>("problem").find("changed") != std::string::npos);
}

TEST_CASE("The daemon notes the chain's head in the checkpoint file at start, every interval and at shutdown",
          "[audit]") {
  auto head = [](TestDaemon& d) {
    auto lease = d.services.db.session();
    return storage::AuditLog(lease).head().first;
  };
  {
    testing::DaemonOptions o;
    o.checkpoint_interval_seconds = 1;
    TestDaemon d(o);
    const std::string file = d.settings.audit_checkpoint_file;
    auto at_start = storage::readCheckpoints(file).checkpoints;
    REQUIRE(at_start.size() == 1);
    CHECK(at_start[0].seq == head(d));  // the users the test daemon added

    ok(testing::httpRequest(d.port(), "POST", "/api/v1/events", bearer(d.ingest), kEvents));
    const int64_t moved = head(d);
    REQUIRE(moved > at_start[0].seq);
    bool noted = false;
    for (int i = 0; i < 50 && !noted; ++i) {  // within a few intervals
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      for (const auto& c : storage::readCheckpoints(file).checkpoints) noted = noted || c.seq == moved;
    }
    CHECK(noted);
    // Nothing new is written while the head stays where it is.
    const size_t lines = storage::readCheckpoints(file).checkpoints.size();
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    CHECK(storage::readCheckpoints(file).checkpoints.size() == lines);

    // The verification reads the checkpoint (and is itself an entry, noted only at shutdown).
    auto v = ok(testing::httpRequest(d.port(), "GET", "/api/v1/audit/verify", bearer(d.manager)));
    CHECK(v->getValue<bool>("ok"));
    CHECK(v->getObject("checkpoint")->getValue<Poco::Int64>("seq") == moved);
    ok(testing::httpRequest(d.port(), "GET", "/api/v1/audit?limit=5", bearer(d.manager)));
    const int64_t head_at_shutdown = head(d);
    REQUIRE(head_at_shutdown > moved);
    d.services.checkpointer.stop();  // as serve does once the server and scheduler have stopped
    const auto last = storage::readCheckpoints(file).checkpoints;
    REQUIRE_FALSE(last.empty());
    CHECK(last.back().seq == head_at_shutdown);
  }
}

TEST_CASE("Start-up refuses a key file others may read, and will not make a new key over a keyed log", "[audit]") {
  testing::TempDir dir;
  const app::Settings settings = testing::testSettings(dir.path, {});
  SECTION("an audit key file readable by its group and others") {
    Keyring::open(settings.audit_key_file, "audit.key_file", true);
    ::chmod(settings.audit_key_file.c_str(), 0644);
    CHECK_THROWS_AS(app::Services(settings), KeyFileError);
    CHECK_THROWS_WITH(app::Services(settings),
                      Catch::Contains("audit.key_file " + settings.audit_key_file) && Catch::Contains("(mode 0644)"));
  }
  SECTION("a retention key file readable by its group") {
    Keyring::open(settings.retention_key_file, "retention.key_file", true);
    ::chmod(settings.retention_key_file.c_str(), 0640);
    CHECK_THROWS_WITH(app::Services(settings), Catch::Contains("retention.key_file " + settings.retention_key_file));
  }
  SECTION("the audit key file gone from under a keyed log") {
    {
      app::Services services(settings);
      app::addUser(services.db, "officer", "vlu", "", "", "2026-04-06T09:00:00Z");
    }
    struct stat st {};
    REQUIRE(::stat(settings.audit_key_file.c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0600);  // as it was made on the first start
    const std::string lost = Keyring::open(settings.audit_key_file, "audit.key_file", false).currentId();
    Poco::File(settings.audit_key_file).remove();
    CHECK_THROWS_WITH(app::Services(settings), Catch::Contains("restore the key file from its backup"));
    CHECK_FALSE(Poco::File(settings.audit_key_file).exists());  // no new key was made
    // An operator who knows the key is lost for good starts afresh with an empty file, knowingly.
    std::ofstream(settings.audit_key_file).close();
    ::chmod(settings.audit_key_file.c_str(), 0600);
    app::Services services(settings);
    auto lease = services.db.session();
    auto v = storage::AuditLog(lease).verify();
    CHECK_FALSE(v.ok);
    CHECK(v.problem.find("was made with key " + lost) != std::string::npos);
  }
}

TEST_CASE("Concurrent audited reads each leave exactly one entry, under their own request id, and the chain verifies",
          "[audit]") {
  // The audit entries of reads made at the same moment share write transactions (storage::AuditGroupCommit):
  // none may be lost, written twice, chained to the same predecessor or given another request's id.
  testing::DaemonOptions o;
  o.threads = 8;
  TestDaemon d(o);
  ok(testing::httpRequest(d.port(), "POST", "/api/v1/events", bearer(d.ingest), kEvents));
  constexpr int kClients = 8, kReads = 20;
  std::vector<int> statuses(kClients * kReads, 0);
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c)
    clients.emplace_back([&d, &statuses, c] {
      for (int i = 0; i < kReads; ++i) {
        // A read of a victim who does not exist is audited too (read_victim_denied).
        const std::string victim = i % 5 == 4 ? "au-nobody" : "au-v1";
        try {
          statuses[static_cast<size_t>(c * kReads + i)] =
              testing::httpRequest(d.port(), "GET", "/api/v1/victims/" + victim, bearer(d.vlu), std::nullopt,
                                   "application/json",
                                   {{"X-Request-Id", "conc-" + std::to_string(c) + "-" + std::to_string(i)}})
                  .status;
        } catch (...) {
          statuses[static_cast<size_t>(c * kReads + i)] = -1;
        }
      }
    });
  for (auto& t : clients) t.join();
  for (int c = 0; c < kClients; ++c)
    for (int i = 0; i < kReads; ++i) {
      INFO("client " << c << ", read " << i);
      CHECK(statuses[static_cast<size_t>(c * kReads + i)] == (i % 5 == 4 ? 404 : 200));
    }

  std::map<std::string, std::vector<std::string>> by_request;  // correlation id -> actions
  for (const std::string action : {"read_victim", "read_victim_denied"})
    for (const auto& e : auditItems(d, "action=" + action + "&actor=vlu-officer&limit=1000"))
      by_request[e->getValue<std::string>("correlation_id")].push_back(e->getValue<std::string>("action") + " " +
                                                                       e->getValue<std::string>("subject"));
  CHECK(by_request.size() == static_cast<size_t>(kClients * kReads));
  for (int c = 0; c < kClients; ++c)
    for (int i = 0; i < kReads; ++i) {
      const std::string id = "conc-" + std::to_string(c) + "-" + std::to_string(i);
      INFO(id);
      const std::vector<std::string> expected = {i % 5 == 4 ? "read_victim_denied victim:au-nobody"
                                                            : "read_victim victim:au-v1"};
      CHECK(by_request[id] == expected);
    }
  auto v = ok(testing::httpRequest(d.port(), "GET", "/api/v1/audit/verify", bearer(d.manager)));
  CHECK(v->getValue<bool>("ok"));
}
