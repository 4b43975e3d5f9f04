// Backups of the SQLite store (issue 19): the copy and its manifest, the checks restore relies on, and the
// scheduled backups' timing and pruning. The drill with the real executable is tests/e2e/restore_drill_test.sh.

#include <fstream>

#include <catch2/catch.hpp>

#include <Poco/File.h>

#include "app/backup_command.h"
#include "common/error.h"
#include "storage/audit_log.h"
#include "storage/database.h"
#include "storage/sqlite_backup.h"
#include "storage/store.h"
#include "support/test_daemon.h"

using namespace vc;  // NOLINT

namespace {

struct Live {
  testing::TempDir dir;
  std::string path = dir.path + "/live.db";
  storage::StoreOptions options = testing::keyedStore(dir.path);
  storage::Database db{path, options};
  Live() {
    db.migrate();
    auto lease = db.session();
    storage::AuditLog log(lease);
    for (int i = 0; i < 5; ++i) log.append("2026-12-01T10:00:00Z", "test", "something_read", "v-" + std::to_string(i), "");
  }
  app::Settings settings() const {
    app::Settings s;
    s.db_path = path;
    s.audit_key_file = dir.path + "/audit.key";
    s.backup_dir = dir.path + "/scheduled";
    s.backup_interval_hours = 24;
    s.backup_keep = 2;
    return s;
  }
};

}  // namespace

TEST_CASE("A backup is one whole file with a manifest that describes it, and the backup is on the record",
          "[app][backup]") {
  Live live;
  const std::string dest = live.dir.path + "/copy.db";
  const auto m = app::takeBackup(live.db, live.path, dest, live.options.audit_keys, "2026-12-01T11:00:00Z", "cli");
  CHECK_FALSE(Poco::File(dest + ".partial").exists());
  CHECK_FALSE(Poco::File(dest + "-wal").exists());
  CHECK(m.schema == storage::Database::latestSchemaVersion());
  CHECK(m.audit_entries >= 5);
  CHECK(m.sha256 == storage::sha256OfFile(dest));

  const auto recorded = storage::readManifest(dest);
  CHECK(storage::compareManifests(recorded, storage::describeCopy(dest, live.options.audit_keys)).empty());
  CHECK(recorded.made_at == "2026-12-01T11:00:00Z");

  {
    auto lease = live.db.session();
    CHECK(storage::Store(lease).auditCount("store_backed_up") == 1);
  }
  // Never over an existing file.
  CHECK_THROWS_WITH(app::takeBackup(live.db, live.path, dest, live.options.audit_keys, "2026-12-01T12:00:00Z", "cli"),
                    Catch::Contains("is there already"));
}

TEST_CASE("A copy whose counts are not its manifest's does not check", "[app][backup]") {
  Live live;
  const std::string dest = live.dir.path + "/copy.db";
  app::takeBackup(live.db, live.path, dest, live.options.audit_keys, "2026-12-01T11:00:00Z", "cli");
  auto recorded = storage::readManifest(dest);
  recorded.events += 1;
  const auto differences = storage::compareManifests(recorded, storage::describeCopy(dest, live.options.audit_keys));
  REQUIRE(differences.size() == 1);
  CHECK_THAT(differences[0], Catch::StartsWith("events: the manifest says"));
}

TEST_CASE("Scheduled backups come an interval after the newest copy, and only the newest are kept", "[app][backup]") {
  Live live;
  const app::Settings s = live.settings();
  domain::FixedClock clock(*domain::parseRfc3339("2026-12-01T02:00:00Z"));
  app::BackupTimer timer(live.db, s, clock);

  const std::string first = timer.runIfDue();  // none yet: one now
  CHECK_THAT(first, Catch::EndsWith("/victim-comms-20261201T020000Z.db"));
  CHECK(Poco::File(storage::manifestPathOf(first)).exists());
  clock.set(*domain::parseRfc3339("2026-12-01T20:00:00Z"));
  CHECK(timer.runIfDue().empty());  // 18 hours on: not due
  clock.set(*domain::parseRfc3339("2026-12-02T02:00:00Z"));
  const std::string second = timer.runIfDue();
  CHECK_THAT(second, Catch::EndsWith("/victim-comms-20261202T020000Z.db"));
  clock.set(*domain::parseRfc3339("2026-12-03T03:00:00Z"));
  const std::string third = timer.runIfDue();
  REQUIRE_FALSE(third.empty());

  // backup.keep = 2: the first copy and its manifest are gone, the two newest stay.
  CHECK(app::scheduledBackups(s.backup_dir) == std::vector<std::string>{second, third});
  CHECK_FALSE(Poco::File(first).exists());
  CHECK_FALSE(Poco::File(storage::manifestPathOf(first)).exists());
  CHECK(*app::newestScheduledBackup(s.backup_dir) == *domain::parseRfc3339("2026-12-03T03:00:00Z"));
}

TEST_CASE("restore will not replace a store a daemon serves", "[app][backup]") {
  Live live;
  CHECK_FALSE(app::servedNow(live.path));
  {
    app::ServingLock serving(live.path);
    CHECK(app::servedNow(live.path));
  }
  CHECK_FALSE(app::servedNow(live.path));
}

TEST_CASE("A manifest far larger than one is refused without being read into memory", "[app][backup]") {
  Live live;
  const std::string dest = live.dir.path + "/copy.db";
  app::takeBackup(live.db, live.path, dest, live.options.audit_keys, "2026-12-01T11:00:00Z", "cli");
  {
    std::ofstream out(storage::manifestPathOf(dest), std::ios::trunc);
    out << std::string(65 * 1024, ' ') << "{}";
  }
  CHECK_THROWS_WITH(storage::readManifest(dest), Catch::Contains("larger than 64 KiB"));
}
