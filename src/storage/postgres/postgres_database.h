#pragma once
// The PostgreSQL store (issue 17), as far as it goes today: connecting, and creating and upgrading its
// schema with its own versioned migrations (storage/postgres/migrations/NNNN_*.sql, recorded in the
// schema_migrations table). Everything else the daemon does on a store (the repositories behind
// storage::Connection) is still SQLite's only: the commands other than `migrate` refuse a PostgreSQL store.
// No Poco here: the connector stays in the .cpp.

#include <string>
#include <utility>
#include <vector>

#include "storage/store_url.h"

namespace vc::storage::postgres {

// One migration: its version (the file's number), its file name, and its SQL.
struct MigrationFile {
  int version;
  std::string name;
  std::string sql;
};
// Every migration built into this executable, in version order (1, 2, ... with no gap).
const std::vector<MigrationFile>& migrationFiles();

class PostgresDatabase {
 public:
  // Connects once to check the store answers. Throws vc::Error(kUnavailable, "store_connect") naming the
  // store (never the password) with libpq's reason when it cannot connect or sign in.
  PostgresDatabase(StoreUrl url, std::string password);

  // Applies every migration not yet recorded, all in one transaction, under a transaction-level advisory
  // lock (two daemons migrating at once take turns; the second finds nothing left to do). Returns {from, to}.
  // Throws vc::Error(kInternal, "storage") for a schema newer than this build knows. `target`: stop at that
  // version instead of the latest (tests of an upgrade, which need a store as an earlier build left it).
  std::pair<int, int> migrate(int target = latestSchemaVersion());
  int schemaVersion();  // 0: no schema_migrations table yet
  // Whether the audit log holds entries made with a key (asked before a daemon's missing key file may be
  // made: a new key would leave them unverifiable, as on SQLite).
  bool hasKeyedAuditEntries();
  static int latestSchemaVersion();
  bool ping();

  const StoreUrl& url() const { return url_; }

 private:
  StoreUrl url_;
  std::string connection_string_;  // holds the password when one was given: never logged or shown
  std::string password_;
};

}  // namespace vc::storage::postgres
