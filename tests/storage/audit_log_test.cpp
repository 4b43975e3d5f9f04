// The hash-chained audit log on a real SQLite file. The tampering is done the
// way someone with the file would do it: a separate connection that drops the
// append-only triggers and edits rows directly.

#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include <Poco/Data/Session.h>
#include <sqlite3.h>

#include "common/correlation.h"
#include "storage/audit_log.h"
#include "storage/database.h"
#include "storage/store.h"
#include "support/test_daemon.h"

using namespace vc;  // NOLINT
using namespace Poco::Data::Keywords;

namespace {

// Raw SQL on the file, outside the daemon's code (as a person with the file could).
void tamper(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  char* error = nullptr;
  const std::string all = "DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_no_delete; " + sql;
  const int rc = sqlite3_exec(db, all.c_str(), nullptr, nullptr, &error);
  INFO((error ? error : ""));
  sqlite3_free(error);
  sqlite3_close(db);
  REQUIRE(rc == SQLITE_OK);
}

struct Log {
  testing::TempDir dir;
  std::string path = dir.path + "/audit.db";
  storage::Database db{path, 4};

  Log(int entries = 6) {
    db.migrate();
    auto lease = db.session();
    storage::Store store(lease);
    for (int i = 1; i <= entries; ++i) {
      CorrelationScope scope("req-" + std::to_string(i));
      store.audit("2026-06-0" + std::to_string(i % 9 + 1) + "T09:00:00Z", "officer-" + std::to_string(i % 2),
                  "read_victim", "victim:v" + std::to_string(i), "case:52AB000000" + std::to_string(i));
    }
  }

  storage::AuditVerification verify() {
    auto lease = db.session();
    return storage::AuditLog(lease).verify();
  }
};

}  // namespace

TEST_CASE("An untouched log verifies, every entry chained to the one before with its correlation id", "[audit]") {
  Log log;
  auto v = log.verify();
  CHECK(v.ok);
  CHECK(v.entries == 6);
  auto lease = log.db.session();
  storage::AuditLog audit(lease);
  auto entries = audit.list({});
  REQUIRE(entries.size() == 6);
  CHECK(v.head_hash == entries.front().hash);  // newest first
  CHECK(entries.back().prev_hash == storage::AuditLog::kGenesisHash);
  CHECK(entries.front().correlation_id == "req-6");
  for (size_t i = 0; i + 1 < entries.size(); ++i) CHECK(entries[i].prev_hash == entries[i + 1].hash);
}

TEST_CASE("Verification names the first entry that was changed, removed, reordered or cut", "[audit]") {
  Log log;
  SECTION("one byte of one entry changed") {
    tamper(log.path, "UPDATE audit_log SET detail = 'case:52AB0000004' WHERE seq = 3");
    auto v = log.verify();
    CHECK_FALSE(v.ok);
    CHECK(v.broken_seq == 3);
    CHECK(v.problem.find("changed") != std::string::npos);
    CHECK(v.entries == 2);  // the two before it are sound
  }
  SECTION("the actor changed") {
    tamper(log.path, "UPDATE audit_log SET actor = 'someone-else' WHERE seq = 5");
    CHECK(log.verify().broken_seq == 5);
  }
  SECTION("a row deleted") {
    tamper(log.path, "DELETE FROM audit_log WHERE seq = 4");
    auto v = log.verify();
    CHECK_FALSE(v.ok);
    CHECK(v.broken_seq == 5);
    CHECK(v.problem.find("missing") != std::string::npos);
  }
  SECTION("a row deleted and the later ones renumbered to hide the gap") {
    tamper(log.path, "DELETE FROM audit_log WHERE seq = 4; UPDATE audit_log SET seq = seq - 1 WHERE seq > 4");
    auto v = log.verify();
    CHECK(v.broken_seq == 4);
    CHECK(v.problem.find("does not chain") != std::string::npos);
  }
  SECTION("a pair swapped") {
    tamper(log.path,
           "UPDATE audit_log SET seq = -1 WHERE seq = 3; UPDATE audit_log SET seq = 3 WHERE seq = 4; "
           "UPDATE audit_log SET seq = 4 WHERE seq = -1");
    CHECK(log.verify().broken_seq == 3);
  }
  SECTION("the last rows cut off") {
    tamper(log.path, "DELETE FROM audit_log WHERE seq >= 5");
    auto v = log.verify();
    CHECK_FALSE(v.ok);
    CHECK(v.broken_seq == 5);
    CHECK(v.problem.find("cut short") != std::string::npos);
  }
  SECTION("one entry rewritten with a freshly computed hash still breaks the next") {
    storage::AuditEntry e;
    {
      auto lease = log.db.session();
      for (const auto& x : storage::AuditLog(lease).list({}))
        if (x.seq == 2) e = x;
    }
    e.subject = "victim:someone-else";
    const std::string forged = storage::AuditLog::entryHash(e);
    tamper(log.path, "UPDATE audit_log SET subject = 'victim:someone-else', hash = '" + forged + "' WHERE seq = 2");
    auto v = log.verify();
    CHECK(v.broken_seq == 3);
  }
}

TEST_CASE("The daemon cannot update or delete an audit entry", "[audit]") {
  Log log;
  auto lease = log.db.session();
  Poco::Data::Session& s = lease;
  CHECK_THROWS(s << "UPDATE audit_log SET actor = 'x' WHERE seq = 1", now);
  CHECK_THROWS(s << "DELETE FROM audit_log WHERE seq = 1", now);
  CHECK(log.verify().ok);
}

TEST_CASE("Writers on many sessions at once still make one chain", "[audit]") {
  Log log(0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t)
    threads.emplace_back([&log, t] {
      for (int i = 0; i < 40; ++i) {
        auto lease = log.db.session();
        storage::Store(lease).audit("2026-06-01T09:00:00Z", "writer-" + std::to_string(t), "read_case",
                                    "case:" + std::to_string(i), "");
      }
    });
  for (auto& th : threads) th.join();
  auto v = log.verify();
  CHECK(v.ok);
  CHECK(v.entries == 240);
}

TEST_CASE("Upgrading a store from before the chain chains the entries it already has", "[audit]") {
  testing::TempDir dir;
  const std::string path = dir.path + "/old.db";
  {
    storage::Database db(path, 2);
    db.migrateTo(3);
    auto lease = db.session();
    Poco::Data::Session& s = lease;
    for (int i = 0; i < 3; ++i)
      s << "INSERT INTO audit_log(at, actor, action, subject, detail) VALUES('2026-01-01T00:00:00Z', 'cli', "
           "'user_added', 'user:u" + std::to_string(i) + "', 'role:vlu')",
          now;
  }
  storage::Database db(path, 2);
  CHECK(db.migrate() == std::make_pair(3, storage::Database::latestSchemaVersion()));
  auto lease = db.session();
  storage::Store store(lease);
  store.audit("2026-06-01T00:00:00Z", "cli", "user_added", "user:new", "role:manager");
  auto v = storage::AuditLog(lease).verify();
  CHECK(v.ok);
  CHECK(v.entries == 4);
}
