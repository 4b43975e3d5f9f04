// The keyed audit chain on a real SQLite file. The tampering is done the way
// someone with the database file (but not the key file or the checkpoint file)
// would do it: a separate connection that drops the append-only triggers, edits
// rows directly and, to cover their tracks, recomputes the hashes that follow
// with whatever they have: plain SHA-256, or HMAC under a key of their own.

#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include <Poco/Data/Session.h>
#include <Poco/File.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include "storage/sqlite_connection.h"
#include "common/correlation.h"
#include "common/keyring.h"
#include "common/sha256.h"
#include "storage/audit_checkpoint.h"
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

// Every entry as the file holds it, read outside the daemon's code (key_id "" where there is no such column).
std::vector<storage::AuditEntry> rawEntries(const std::string& path, bool* has_key_id = nullptr) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  const std::string columns = "SELECT seq, at, actor, action, subject, detail, correlation_id, prev_hash, hash, ";
  const bool keyed = sqlite3_prepare_v2(db, (columns + "key_id FROM audit_log ORDER BY seq").c_str(), -1, &st,
                                        nullptr) == SQLITE_OK;
  if (!keyed) REQUIRE(sqlite3_prepare_v2(db, (columns + "'' FROM audit_log ORDER BY seq").c_str(), -1, &st, nullptr) == SQLITE_OK);
  if (has_key_id) *has_key_id = keyed;
  std::vector<storage::AuditEntry> out;
  while (sqlite3_step(st) == SQLITE_ROW) {
    storage::AuditEntry e;
    e.seq = sqlite3_column_int64(st, 0);
    int c = 1;
    for (std::string* f : {&e.at, &e.actor, &e.action, &e.subject, &e.detail, &e.correlation_id, &e.prev_hash, &e.hash,
                           &e.key_id})
      *f = reinterpret_cast<const char*>(sqlite3_column_text(st, c++));
    out.push_back(std::move(e));
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

// After an edit, recomputes prev_hash and hash of every entry from `from` on with `rehash` and writes
// them back (what an attacker does so that the chain links up again).
template <typename Rehash>
void rechainFrom(const std::string& path, int64_t from, Rehash rehash) {
  bool has_key_id = false;
  auto entries = rawEntries(path, &has_key_id);
  std::string prev = storage::AuditLog::kGenesisHash, sql;
  for (auto& e : entries) {
    if (e.seq >= from) {
      e.prev_hash = prev;
      rehash(e);
      sql += "UPDATE audit_log SET prev_hash = '" + e.prev_hash + "', hash = '" + e.hash + "'" +
             (has_key_id ? ", key_id = '" + e.key_id + "'" : std::string()) + " WHERE seq = " + std::to_string(e.seq) +
             ";";
    }
    prev = e.hash;
  }
  tamper(path, sql);
}

// The attacker's means: plain SHA-256 (the entry relabelled as from before the key), or HMAC under
// a key of their own, with the real key id kept or with their own key's id.
void plainSha256(storage::AuditEntry& e) {
  e.key_id = "";
  e.hash = storage::AuditLog::unkeyedHash(e);
}
const std::string kWrongKey(32, 'x');
void wrongKeySameId(storage::AuditEntry& e) { e.hash = hmacSha256Hex(kWrongKey, storage::AuditLog::keyedContent(e)); }
void ownKeyAndId(storage::AuditEntry& e) {
  e.key_id = Keyring::keyId(kWrongKey);
  e.hash = hmacSha256Hex(kWrongKey, storage::AuditLog::keyedContent(e));
}

std::string fileBytes(const std::string& path) {
  if (!Poco::File(path).exists()) return "";
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A keyed store with six entries and its head noted in a checkpoint file beside it.
struct Log {
  testing::TempDir dir;
  std::string path = dir.path + "/audit.db";
  std::string checkpoints = dir.path + "/audit.checkpoint";
  storage::Database db{path, testing::keyedStore(dir.path, 4, checkpoints)};

  explicit Log(int entries = 6) {
    db.migrate();
    add(entries);
    checkpoint();
  }

  void add(int entries, int first = 1) {
    auto lease = db.session();
    storage::Store store(lease);
    for (int i = first; i < first + entries; ++i) {
      CorrelationScope scope("req-" + std::to_string(i));
      store.audit("2026-06-0" + std::to_string(i % 9 + 1) + "T09:00:00Z", "officer-" + std::to_string(i % 2),
                  "read_victim", "victim:v" + std::to_string(i), "case:52AB000000" + std::to_string(i));
    }
  }

  int64_t checkpoint() {
    auto lease = db.session();
    return storage::AuditLog(lease).writeCheckpoint("2026-06-10T09:00:00Z");
  }

  storage::AuditVerification verify() {
    auto lease = db.session();
    return storage::AuditLog(lease).verify();
  }
};

}  // namespace

TEST_CASE("An untouched log verifies, every entry keyed and chained to the one before with its correlation id",
          "[audit]") {
  Log log;
  auto v = log.verify();
  CHECK(v.ok);
  CHECK(v.entries == 6);
  CHECK(v.unkeyed_entries == 0);
  CHECK(v.checkpoint_checked);
  CHECK(v.checkpoint_seq == 6);
  auto lease = log.db.session();
  storage::AuditLog audit(lease);
  auto entries = audit.list({});
  REQUIRE(entries.size() == 6);
  CHECK(v.head_hash == entries.front().hash);  // newest first
  CHECK(entries.back().prev_hash == storage::AuditLog::kGenesisHash);
  CHECK(entries.front().correlation_id == "req-6");
  for (size_t i = 0; i + 1 < entries.size(); ++i) CHECK(entries[i].prev_hash == entries[i + 1].hash);
  for (const auto& e : entries) {
    CHECK(e.key_id == log.db.options().audit_keys->currentId());
    CHECK(e.hash != storage::AuditLog::unkeyedHash(e));  // not a hash anyone could recompute
  }
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
}

// The four attacks that a plain SHA-256 chain let through, each with the hashes recomputed.
TEST_CASE("An entry changed and every later hash recomputed is found, whatever the attacker recomputes with",
          "[audit]") {
  Log log;
  tamper(log.path, "UPDATE audit_log SET actor = 'nobody' WHERE seq = 3");
  SECTION("HMAC under a key of their own, with the real key id") {
    rechainFrom(log.path, 3, wrongKeySameId);
    auto v = log.verify();
    CHECK_FALSE(v.ok);
    CHECK(v.broken_seq == 3);
    CHECK(v.problem.find("changed") != std::string::npos);
  }
  SECTION("HMAC under a key of their own, with its own id") {
    rechainFrom(log.path, 3, ownKeyAndId);
    auto v = log.verify();
    CHECK(v.broken_seq == 3);
    CHECK(v.problem.find("was made with key " + Keyring::keyId(kWrongKey)) != std::string::npos);
  }
  SECTION("plain SHA-256 from that entry on, the later ones relabelled as unkeyed") {
    rechainFrom(log.path, 3, plainSha256);
    auto v = log.verify();
    CHECK_FALSE(v.ok);
    CHECK(v.broken_seq == 3);  // entry 3 no longer chains to what entry 2's keyed hash vouches for... or:
    INFO(v.problem);
    CHECK((v.problem.find("carries no key") != std::string::npos ||
           v.problem.find("does not chain") != std::string::npos));
  }
  SECTION("plain SHA-256 over the whole log, every entry relabelled as from before the key") {
    rechainFrom(log.path, 1, plainSha256);
    auto v = log.verify();
    CHECK_FALSE(v.ok);
    CHECK(v.broken_seq == 1);
    CHECK(v.problem.find("no keyed entry vouches for them") != std::string::npos);
  }
}

TEST_CASE("An entry deleted and the rest renumbered and rehashed is found", "[audit]") {
  Log log;
  tamper(log.path,
         "DELETE FROM audit_log WHERE seq = 4; UPDATE audit_log SET seq = seq - 1 WHERE seq > 4; "
         "UPDATE sqlite_sequence SET seq = seq - 1 WHERE name = 'audit_log'");
  SECTION("with a key of their own") {
    rechainFrom(log.path, 4, wrongKeySameId);
    auto v = log.verify();
    CHECK(v.broken_seq == 4);
    CHECK(v.problem.find("changed") != std::string::npos);
  }
  SECTION("with plain SHA-256, relabelled") {
    rechainFrom(log.path, 1, plainSha256);
    CHECK_FALSE(log.verify().ok);
  }
}

TEST_CASE("The tail cut and sqlite_sequence lowered is found against the checkpoint", "[audit]") {
  Log log;  // the checkpoint noted entry 6
  tamper(log.path,
         "DELETE FROM audit_log WHERE seq >= 4; UPDATE sqlite_sequence SET seq = 3 WHERE name = 'audit_log'");
  auto v = log.verify();
  CHECK_FALSE(v.ok);
  CHECK(v.broken_seq == 4);
  CHECK(v.entries == 3);
  CHECK(v.problem.find("the log ends at entry 3, but the checkpoint of 2026-06-10T09:00:00Z recorded entry 6") !=
        std::string::npos);
  CHECK(v.problem.find("entries 4 to 6 were removed from its end") != std::string::npos);
}

TEST_CASE("The whole log deleted is found, against the checkpoint and against what the store holds", "[audit]") {
  Log log;
  tamper(log.path, "DELETE FROM audit_log; DELETE FROM sqlite_sequence WHERE name = 'audit_log'");
  auto v = log.verify();
  CHECK_FALSE(v.ok);
  CHECK(v.entries == 0);
  CHECK(v.broken_seq == 1);
  CHECK(v.problem.find("the log is empty, but the checkpoint of 2026-06-10T09:00:00Z recorded 6 entries: the log "
                       "was emptied") != std::string::npos);

  // Without a checkpoint file, a store holding users or events still gives it away.
  testing::TempDir other;
  storage::Database db(other.path + "/s.db", testing::keyedStore(other.path, 2));
  db.migrate();
  app::addUser(db, "officer", "vlu", "", "", "2026-06-01T09:00:00Z");
  tamper(other.path + "/s.db", "DELETE FROM audit_log; DELETE FROM sqlite_sequence WHERE name = 'audit_log'");
  auto lease = db.session();
  auto w = storage::AuditLog(lease).verify();
  CHECK_FALSE(w.ok);
  CHECK(w.problem.find("holds 0 events and 1 users") != std::string::npos);
}

TEST_CASE("Entries rewritten by someone who holds the key are found up to the last checkpoint", "[audit]") {
  Log log;  // the checkpoint noted entry 6
  // The key is no use to them before the checkpoint: entry 2 rewritten, the chain made whole under the key,
  // and the head no longer the one noted.
  const Keyring& keys = *log.db.options().audit_keys;
  tamper(log.path, "UPDATE audit_log SET subject = 'victim:someone-else' WHERE seq = 2");
  rechainFrom(log.path, 2, [&keys](storage::AuditEntry& e) { e.hash = *storage::AuditLog::keyedHash(e, keys); });
  auto v = log.verify();
  CHECK_FALSE(v.ok);
  CHECK(v.broken_seq == 6);
  CHECK(v.problem.find("entry 6 does not match the checkpoint of 2026-06-10T09:00:00Z") != std::string::npos);
  CHECK(v.problem.find("it or an entry before it was rewritten") != std::string::npos);
}

TEST_CASE("A checkpoint file edited, removed or belonging to another store is reported", "[audit]") {
  Log log;
  SECTION("a line changed") {
    std::string text = fileBytes(log.checkpoints);
    const auto at = text.find("seq=6");
    REQUIRE(at != std::string::npos);
    text.replace(at, 5, "seq=3");
    std::ofstream(log.checkpoints, std::ios::binary | std::ios::trunc) << text;
    auto v = log.verify();
    CHECK_FALSE(v.ok);
    CHECK(v.problem.find("does not carry its MAC") != std::string::npos);
  }
  SECTION("the file removed") {
    Poco::File(log.checkpoints).remove();
    auto v = log.verify();
    CHECK_FALSE(v.ok);
    CHECK(v.problem.find("holds no checkpoint of this store") != std::string::npos);
  }
  SECTION("another store's checkpoints: refused when writing, reported when verifying") {
    Log other;
    std::ofstream(log.checkpoints, std::ios::binary | std::ios::app) << fileBytes(other.checkpoints);
    CHECK_FALSE(log.verify().ok);
    CHECK(log.verify().problem.find("is a checkpoint of another store") != std::string::npos);
    auto lease = other.db.session();
    Poco::File(other.checkpoints).remove();
    Poco::File(log.checkpoints).copyTo(other.checkpoints);
    CHECK_THROWS_AS(storage::AuditLog(lease).writeCheckpoint("2026-06-11T09:00:00Z"), storage::CheckpointError);
  }
}

TEST_CASE("A read-only copy verifies without being migrated or written", "[audit]") {
  Log log;
  testing::TempDir copy_dir;
  const std::string copy = copy_dir.path + "/snapshot.db";
  SECTION("the main file alone, in a directory nobody may write (opened immutable)") {
    {
      auto lease = log.db.session();
      vc::storage::sqlite(lease) << "PRAGMA wal_checkpoint(TRUNCATE)", now;
    }
    Poco::File(log.path).copyTo(copy);
  }
  SECTION("with the write-ahead log that still holds the newest entries") {
    log.add(2, 7);
    log.checkpoint();
    REQUIRE(Poco::File(log.path + "-wal").getSize() > 0);
    Poco::File(log.path).copyTo(copy);
    Poco::File(log.path + "-wal").copyTo(copy + "-wal");
  }
  const int64_t expected = [&log] {
    auto lease = log.db.session();
    return storage::AuditLog(lease).count();
  }();
  ::chmod(copy.c_str(), 0444);
  if (Poco::File(copy + "-wal").exists()) ::chmod((copy + "-wal").c_str(), 0444);
  ::chmod(copy_dir.path.c_str(), 0555);
  const std::string before = fileBytes(copy);
  {
    storage::StoreOptions o = testing::keyedStore(log.dir.path, 2, log.checkpoints);
    o.read_only = true;
    storage::Database snapshot(copy, o);
    auto lease = snapshot.session();
    storage::AuditLog audit(lease);
    auto v = audit.verify();
    INFO(v.problem);
    CHECK(v.ok);
    CHECK(v.entries == expected);
    CHECK_THROWS(snapshot.migrate());
    CHECK_THROWS(audit.verifyAndRecord("2026-06-12T09:00:00Z", "examiner"));  // nothing can be recorded there
    CHECK(audit.count() == expected);
  }
  ::chmod(copy_dir.path.c_str(), 0755);
  CHECK(fileBytes(copy) == before);
  if (!Poco::File(copy + "-wal").exists()) CHECK_FALSE(Poco::File(copy + "-shm").exists());  // immutable: nothing made
}

TEST_CASE("A rotated key keeps the older entries verifiable; a key file without their key does not", "[audit]") {
  testing::TempDir dir;
  const std::string path = dir.path + "/s.db", key_file = dir.path + "/audit.key";
  std::string first_id;
  {
    storage::Database db(path, testing::keyedStore(dir.path, 2));
    db.migrate();
    first_id = db.options().audit_keys->currentId();
    auto lease = db.session();
    storage::Store(lease).audit("2026-06-01T09:00:00Z", "cli", "user_added", "user:a", "role:vlu");
  }
  const std::string second_id = Keyring::addKey(key_file, "audit.key_file");
  CHECK(second_id != first_id);
  {
    storage::Database db(path, testing::keyedStore(dir.path, 2));
    CHECK(db.options().audit_keys->currentId() == second_id);
    auto lease = db.session();
    storage::Store(lease).audit("2026-06-02T09:00:00Z", "cli", "user_added", "user:b", "role:vlu");
    auto v = storage::AuditLog(lease).verify();
    CHECK(v.ok);
    auto entries = storage::AuditLog(lease).list({});
    REQUIRE(entries.size() == 2);
    CHECK(entries[0].key_id == second_id);
    CHECK(entries[1].key_id == first_id);
  }
  // A key file that lacks the first key (someone replaced it) names what is missing.
  storage::StoreOptions o;
  o.audit_keys = std::make_shared<const Keyring>(Keyring::fromKeys({std::string(32, 'k')}));
  storage::Database db(path, o);
  auto lease = db.session();
  auto v = storage::AuditLog(lease).verify();
  CHECK_FALSE(v.ok);
  CHECK(v.broken_seq == 1);
  CHECK(v.problem.find("was made with key " + first_id) != std::string::npos);
}

TEST_CASE("The daemon cannot update or delete an audit entry, nor write one without the key", "[audit]") {
  Log log;
  auto lease = log.db.session();
  Poco::Data::Session& s = vc::storage::sqlite(lease);
  CHECK_THROWS(s << "UPDATE audit_log SET actor = 'x' WHERE seq = 1", now);
  CHECK_THROWS(s << "DELETE FROM audit_log WHERE seq = 1", now);
  CHECK(log.verify().ok);
  storage::Database keyless(log.path, 2);
  auto other = keyless.session();
  CHECK_THROWS_WITH(storage::Store(other).audit("2026-06-01T09:00:00Z", "x", "read_case", "case:1", ""),
                    Catch::Contains("audit.key_file"));
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

TEST_CASE("Entries written outside a transaction are group-committed: each once, in one chain, with its own id",
          "[audit]") {
  // Many threads, each on its own session and under its own correlation id, append at once; their entries
  // share commits (storage::AuditGroupCommit), and each call returns only once its entry is committed.
  Log log(0);
  constexpr int kThreads = 8, kCalls = 30;
  std::vector<std::string> missing_after_return(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&log, &missing_after_return, t] {
      for (int i = 0; i < kCalls; ++i) {
        const std::string id = "req-" + std::to_string(t) + "-" + std::to_string(i);
        CorrelationScope scope(id);
        auto lease = log.db.session();
        storage::Store(lease).audit("2026-06-01T09:00:00Z", "reader-" + std::to_string(t), "read_victim",
                                    "victim:v" + std::to_string(i), "");
        // Committed when audit() returns: another connection already sees it.
        auto other = log.db.session();
        Poco::Int64 n = 0;
        vc::storage::sqlite(other) << "SELECT COUNT(*) FROM audit_log WHERE correlation_id = ?", bind(id), into(n), now;
        if (n != 1) missing_after_return[static_cast<size_t>(t)] += id + " ";
      }
    });
  for (auto& th : threads) th.join();
  for (const auto& m : missing_after_return) CHECK(m.empty());
  auto v = log.verify();
  CHECK(v.ok);
  CHECK(v.entries == kThreads * kCalls);
  const auto entries = rawEntries(log.path);
  std::map<std::string, int> by_id;
  for (const auto& e : entries) {
    ++by_id[e.correlation_id];
    // The entry carries the request that made it, not the one whose thread happened to write the batch.
    const std::string thread = e.correlation_id.substr(4, e.correlation_id.find('-', 4) - 4);
    CHECK(e.actor == "reader-" + thread);
  }
  CHECK(by_id.size() == static_cast<size_t>(kThreads * kCalls));
  for (const auto& [id, n] : by_id) CHECK(n == 1);
  auto lease = log.db.session();
  CHECK(storage::Database::auditGroupCommitOf(vc::storage::sqlite(lease)).commits() <= static_cast<uint64_t>(kThreads * kCalls));
}

TEST_CASE("A group commit that fails tells its caller, writes nothing of it, and the next one goes through",
          "[audit]") {
  Log log(2);
  // Something refuses the insert (as a full disk or a broken file would): the caller must not be told it was written.
  tamper(log.path,
         "CREATE TRIGGER refuse_poison BEFORE INSERT ON audit_log WHEN NEW.actor = 'poison' "
         "BEGIN SELECT RAISE(ABORT, 'refused'); END");
  auto lease = log.db.session();
  storage::Store store(lease);
  CHECK_THROWS(store.audit("2026-06-01T09:00:00Z", "poison", "read_victim", "victim:v9", ""));
  store.audit("2026-06-01T09:00:00Z", "officer-1", "read_victim", "victim:v10", "");
  auto v = log.verify();
  CHECK(v.ok);
  CHECK(v.entries == 3);
  CHECK(rawEntries(log.path).back().subject == "victim:v10");
}

TEST_CASE("Upgrading a store from before the chain chains the entries it already has", "[audit]") {
  testing::TempDir dir;
  const std::string path = dir.path + "/old.db";
  {
    storage::Database db(path, 2);
    db.migrateTo(3);
    auto lease = db.session();
    Poco::Data::Session& s = vc::storage::sqlite(lease);
    for (int i = 0; i < 3; ++i)
      s << "INSERT INTO audit_log(at, actor, action, subject, detail) VALUES('2026-01-01T00:00:00Z', 'cli', "
           "'user_added', 'user:u" + std::to_string(i) + "', 'role:vlu')",
          now;
  }
  storage::Database db(path, testing::keyedStore(dir.path, 2));
  CHECK(db.migrate() == std::make_pair(3, storage::Database::latestSchemaVersion()));
  auto lease = db.session();
  storage::Store store(lease);
  store.audit("2026-06-01T00:00:00Z", "cli", "user_added", "user:new", "role:manager");
  auto v = storage::AuditLog(lease).verify();
  CHECK(v.ok);
  CHECK(v.entries == 5);  // the three, the upgrade's audit_keyed, and the new one
  CHECK(v.unkeyed_entries == 3);
}

// A store written by schema 6: entries chained with plain SHA-256, as that build wrote them.
TEST_CASE("A store written by schema 6 upgrades with nothing lost and verifies under the key", "[audit]") {
  testing::TempDir dir;
  const std::string path = dir.path + "/v6.db";
  std::vector<std::string> old_hashes;
  {
    storage::Database db(path, 2);
    db.migrateTo(6);
    auto lease = db.session();
    Poco::Data::Session& s = vc::storage::sqlite(lease);
    std::string prev = storage::AuditLog::kGenesisHash;
    for (int i = 1; i <= 5; ++i) {
      storage::AuditEntry e;
      e.seq = i;
      e.at = "2026-03-0" + std::to_string(i) + "T09:00:00Z";
      e.actor = i % 2 ? "cli" : "vlu-officer";
      e.action = i % 2 ? "user_added" : "read_victim";
      e.subject = i % 2 ? "user:u" + std::to_string(i) : "victim:v" + std::to_string(i);
      e.detail = "role:vlu";
      e.correlation_id = "cli-" + std::to_string(i);
      e.prev_hash = prev;
      e.hash = storage::AuditLog::unkeyedHash(e);  // what schema 6's build wrote
      Poco::Int64 seq = e.seq;
      s << "INSERT INTO audit_log(seq, at, actor, action, subject, detail, correlation_id, prev_hash, hash) "
           "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)",
          bind(seq), bind(e.at), bind(e.actor), bind(e.action), bind(e.subject), bind(e.detail),
          bind(e.correlation_id), bind(e.prev_hash), bind(e.hash), now;
      prev = e.hash;
      old_hashes.push_back(e.hash);
    }
    REQUIRE(db.schemaVersion() == 6);
  }
  const std::string checkpoints = dir.path + "/v6.checkpoint";
  {
    storage::Database db(path, testing::keyedStore(dir.path, 2, checkpoints));
    CHECK(db.migrate() == std::make_pair(6, storage::Database::latestSchemaVersion()));
    auto lease = db.session();
    storage::AuditLog audit(lease);
    audit.append("2026-06-01T09:00:00Z", "vlu-officer", "read_case", "case:52AB0000001", "");
    audit.writeCheckpoint("2026-06-01T09:00:00Z");
    auto v = audit.verify();
    INFO(v.problem);
    CHECK(v.ok);
    CHECK(v.entries == 7);
    CHECK(v.unkeyed_entries == 5);
    auto entries = audit.list({});
    REQUIRE(entries.size() == 7);
    for (int i = 0; i < 5; ++i) {  // nothing lost or rewritten
      CHECK(entries[static_cast<size_t>(6 - i)].hash == old_hashes[static_cast<size_t>(i)]);
      CHECK(entries[static_cast<size_t>(6 - i)].key_id.empty());
    }
    const auto& vouch = entries[1];
    CHECK(vouch.action == "audit_keyed");
    CHECK(vouch.detail == "unkeyed_entries:5 head:" + old_hashes.back() + " chain:intact");
    CHECK(vouch.prev_hash == old_hashes.back());
    CHECK(vouch.key_id == db.options().audit_keys->currentId());
    CHECK(entries[0].key_id == vouch.key_id);
  }
  storage::Database db(path, testing::keyedStore(dir.path, 2, checkpoints));
  auto verify = [&db] {
    auto lease = db.session();
    return storage::AuditLog(lease).verify();
  };
  SECTION("an unkeyed entry changed and the unkeyed chain recomputed: the keyed entry after it pins them") {
    tamper(path, "UPDATE audit_log SET actor = 'nobody' WHERE seq = 2");
    rechainFrom(path, 2, [](storage::AuditEntry& e) {
      if (e.key_id.empty()) e.hash = storage::AuditLog::unkeyedHash(e);
    });
    auto v = verify();
    CHECK_FALSE(v.ok);
    CHECK(v.broken_seq == 6);  // audit_keyed, whose keyed hash covers the unkeyed head it chained to
    CHECK(v.problem.find("changed") != std::string::npos);
  }
  SECTION("the keyed entries relabelled as unkeyed and rehashed with plain SHA-256") {
    rechainFrom(path, 6, plainSha256);
    auto v = verify();
    CHECK_FALSE(v.ok);
    CHECK(v.broken_seq == 1);
    CHECK(v.problem.find("no keyed entry vouches for them") != std::string::npos);
  }
  SECTION("the last keyed entry relabelled: it follows a keyed one") {
    rechainFrom(path, 7, plainSha256);
    auto v = verify();
    CHECK(v.broken_seq == 7);
    CHECK(v.problem.find("carries no key") != std::string::npos);
  }
  SECTION("the store taken back to schema 6 and the whole log rewritten, then upgraded again") {
    tamper(path,
           "DROP TRIGGER letters_from_obligation_insert; "
           "DROP TRIGGER events_bump_case_version; DROP TRIGGER cases_bump_case_version; "
           "DROP TRIGGER victims_bump_case_version_insert; DROP TRIGGER victims_bump_case_version_update; "
           "DROP TRIGGER victims_bump_case_version_delete; "
           "DROP TRIGGER entitlement_changes_bump_case_version_insert; "
           "DROP TRIGGER entitlement_changes_bump_case_version_update; "
           "DROP TRIGGER entitlement_changes_bump_case_version_delete; "
           "DROP TRIGGER obligations_bump_case_version_update; "
           "DROP TRIGGER obligations_bump_case_version_delete; "
           "DROP TRIGGER obligation_reasons_bump_case_version_insert; "
           "DROP TRIGGER obligation_reasons_bump_case_version_update; "
           "DROP TRIGGER obligation_alerts_bump_case_version_insert; "
           "DROP TRIGGER obligation_alerts_bump_case_version_update; "
           "DROP TRIGGER obligation_alerts_bump_case_version_delete; DROP TABLE case_versions; "
           "DROP INDEX letters_by_attention_due; DROP INDEX obligations_by_rule_due; DROP INDEX obligations_by_kind_due; "
           "DROP INDEX obligations_by_basis_due; DROP TRIGGER IF EXISTS letters_rule_insert; DROP INDEX letters_by_rule_due; "
           "ALTER TABLE letters DROP COLUMN rule; "
           "ALTER TABLE audit_log DROP COLUMN key_id; DROP TABLE store_identity; ALTER TABLE outbox DROP COLUMN sender_name; "
           "ALTER TABLE outbox DROP COLUMN print_batch; DROP TABLE print_batches; DROP INDEX outbox_by_message_id; "
           "ALTER TABLE outbox DROP COLUMN outcome; ALTER TABLE outbox DROP COLUMN outcome_at; "
           "ALTER TABLE outbox DROP COLUMN outcome_detail; DROP TABLE id_counters; "
           "ALTER TABLE outbox DROP COLUMN claimed_by; ALTER TABLE outbox DROP COLUMN lease_until; "
           "ALTER TABLE letters DROP COLUMN words_in_version; "
           "DROP TRIGGER events_purge_arm_case; DROP TRIGGER cases_arm_insert; "
           "DROP TRIGGER cases_arm_update; DROP TRIGGER victims_arm_insert; DROP TRIGGER victims_arm_update; "
           "DROP TRIGGER isvas_arm_insert; "
           "DROP TRIGGER isvas_arm_update; DROP TRIGGER obligations_rearm_alert; DROP TRIGGER IF EXISTS letters_due_by_insert; "
           "DROP TRIGGER obligations_due_by_to_letter; DROP TABLE case_checks; DROP INDEX victims_by_isva; "
           "DROP INDEX obligations_by_alert_on; ALTER TABLE obligations DROP COLUMN alert_on; "
           "DROP TRIGGER IF EXISTS letters_area_insert; DROP TRIGGER obligations_area_to_letter; DROP INDEX letters_by_area_due; DROP INDEX letters_by_area_state_due; "
           "ALTER TABLE letters DROP COLUMN area; DROP INDEX letters_by_due; DROP INDEX letters_by_state_due; ALTER TABLE letters DROP COLUMN due_by; "
           "CREATE INDEX letters_by_state ON letters(state); DROP INDEX obligations_by_status_due; "
           "DROP INDEX obligations_by_area_due; DROP INDEX obligations_by_area_status_due; "
           "PRAGMA user_version = 6; "
           "DELETE FROM audit_log WHERE seq > 5; UPDATE sqlite_sequence SET seq = 5 WHERE name = 'audit_log'; "
           "UPDATE audit_log SET actor = 'nobody' WHERE seq = 2");
    rechainFrom(path, 2, [](storage::AuditEntry& e) { e.hash = storage::AuditLog::unkeyedHash(e); });
    storage::Database again(path, testing::keyedStore(dir.path, 2, checkpoints));
    again.migrate();
    auto lease = again.session();
    auto v = storage::AuditLog(lease).verify();
    CHECK_FALSE(v.ok);  // the checkpoint file remembers the store it was, and its head
    INFO(v.problem);
    CHECK(v.problem.find("another store") != std::string::npos);
  }
}

TEST_CASE("Key files: made with mode 0600, refused when others may read them, checked line by line", "[audit][keys]") {
  testing::TempDir dir;
  const std::string file = dir.path + "/keys/audit.key";
  const Keyring made = Keyring::open(file, "audit.key_file", true);
  CHECK(made.created());
  struct stat st {};
  REQUIRE(::stat(file.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0600);
  CHECK(Keyring::open(file, "audit.key_file", false).currentId() == made.currentId());  // read back, not remade
  CHECK_FALSE(Keyring::open(file, "audit.key_file", true).created());

  for (mode_t mode : {0644, 0640, 0604, 0660}) {
    INFO(mode);
    ::chmod(file.c_str(), mode);
    CHECK_THROWS_WITH(Keyring::open(file, "audit.key_file", true),
                      Catch::Contains("audit.key_file " + file) && Catch::Contains("chmod 600"));
  }
  ::chmod(file.c_str(), 0600);
  CHECK_THROWS_WITH(Keyring::open(dir.path + "/none.key", "retention.key_file", false),
                    Catch::Contains("retention.key_file " + dir.path + "/none.key does not exist"));
  std::ofstream(file, std::ios::app) << "0123456789abcdef " << std::string(64, 'a') << "\n";
  CHECK_THROWS_WITH(Keyring::open(file, "audit.key_file", false), Catch::Contains(":4: the id"));
}

TEST_CASE("The keyring's HMAC with its key set up once is HMAC-SHA256, for every key and data length", "[audit]") {
  // RFC 4231 test case 2: key "Jefe".
  CHECK(vc::HmacSha256("Jefe").hex("what do ya want for nothing?") ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  for (const size_t key_size : {0, 1, 32, 63, 64, 65, 131}) {
    std::string key;
    for (size_t i = 0; i < key_size; ++i) key += static_cast<char>(i * 7 + 1);
    const vc::HmacSha256 mac(key);
    std::string data;
    for (size_t n = 0; n <= 300; ++n) {
      INFO("key " << key_size << " bytes, data " << n << " bytes");
      REQUIRE(mac.hex(data) == vc::hmacSha256Hex(key, data));
      data += static_cast<char>(n * 13);
    }
  }
  const vc::Keyring ring = vc::Keyring::fromKeys({std::string(32, 'a'), std::string(32, 'b')});
  CHECK(ring.mac("x") == vc::hmacSha256Hex(std::string(32, 'b'), "x"));
  CHECK(ring.macWith(ring.currentId(), "x") == vc::hmacSha256Hex(std::string(32, 'b'), "x"));
  CHECK(ring.macWith(vc::Keyring::keyId(std::string(32, 'a')), "x") == vc::hmacSha256Hex(std::string(32, 'a'), "x"));
}
