#pragma once
// The SQLite store behind Poco::Data: a pool of sessions on one file, each
// with WAL, synchronous=FULL, foreign keys and a busy timeout; versioned
// schema migrations. Thread-safe: take one session per request or task.
//
// What the store needs from outside its file (StoreOptions: the audit and
// retention keys, the audit checkpoint file) is given once, at construction,
// and every session the Database opens carries it, so that whatever writes
// the audit chain or a purge marker on that session finds it
// (Database::optionsOf) without it being passed through every layer.

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <Poco/Data/Session.h>

#include "common/keyring.h"

namespace vc::storage {

class Database;

// Set once at start from the settings (app/services.cpp), constant after.
struct StoreOptions {
  int max_sessions = 16;
  // A copy to examine (e.g. a forensic snapshot): opened read-only, never migrated or written. A file
  // without a -wal beside it is opened immutable (nothing is created next to it, not even a -shm).
  bool read_only = false;
  std::shared_ptr<const Keyring> audit_keys;      // HMAC keys of the audit chain; null: no entry can be written
  std::shared_ptr<const Keyring> retention_keys;  // HMAC key of purge markers; null: nothing can be purged
  std::string audit_checkpoint_file;              // where the chain's head is noted; "": none kept (unit tests)
};

// A session borrowed from the Database; goes back to the pool when destroyed.
// (Poco's SessionPool is not used: its janitor timer deadlocks with shutdown in 1.11.)
class SessionLease {
 public:
  SessionLease(Database& db, std::unique_ptr<Poco::Data::Session> s) : db_(&db), session_(std::move(s)) {}
  SessionLease(SessionLease&&) = default;
  SessionLease& operator=(SessionLease&&) = delete;
  ~SessionLease();
  Poco::Data::Session& get() { return *session_; }
  operator Poco::Data::Session&() { return *session_; }

 private:
  Database* db_;
  std::unique_ptr<Poco::Data::Session> session_;
};

class Database {
 public:
  // Opens (creating if needed) the SQLite file. Does not migrate. No keys: the audit log cannot be
  // written (tests of other things).
  explicit Database(const std::string& path, int max_sessions = 16);
  // The same with keys and a checkpoint file; read-only if options.read_only (then the file must exist).
  Database(const std::string& path, StoreOptions options);
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // A session with this store's pragmas applied, for one request or task.
  SessionLease session();

  // Brings the schema to the latest version (or `target`, for tests of an
  // upgrade); returns {from, to}. Upgrading a store that already has audit entries or purge
  // markers needs the audit or retention keys. Refused on a read-only store.
  std::pair<int, int> migrate();
  std::pair<int, int> migrateTo(int target);
  int schemaVersion();
  static int latestSchemaVersion();

  const std::string& path() const { return path_; }
  const StoreOptions& options() const { return options_; }

  // The options of the Database that opened `session`; throws if no Database opened it.
  static const StoreOptions& optionsOf(Poco::Data::Session& session);
  // Whether the SQLite file at `path` (if there is one) holds audit entries made with a key: looked at
  // read-only, before a Database is opened on it (a missing key file must not be replaced then).
  static bool hasKeyedAuditEntries(const std::string& path);
  // The schema version from which audit entries are keyed (HMAC) and purge markers keyed.
  static constexpr int kKeyedAuditSchema = 7;
  static constexpr int kKeyedMarkerSchema = 8;

 private:
  friend class SessionLease;
  void giveBack(std::unique_ptr<Poco::Data::Session> s);

  std::string path_;
  std::string connect_;  // what SQLite opens: the path, or a file: URI for a read-only store
  const StoreOptions options_;
  size_t max_idle_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<Poco::Data::Session>> idle_;  // guarded by mutex_
};

// BEGIN IMMEDIATE ... COMMIT; rolls back in the destructor unless committed.
// Immediate, so two writers queue on the busy timeout instead of deadlocking.
class WriteTransaction {
 public:
  explicit WriteTransaction(Poco::Data::Session& session);
  ~WriteTransaction();
  WriteTransaction(const WriteTransaction&) = delete;
  WriteTransaction& operator=(const WriteTransaction&) = delete;
  void commit();

 private:
  Poco::Data::Session& session_;
  bool done_ = false;
};

// SAVEPOINT ... RELEASE inside an open transaction: if not released, the
// destructor rolls back to the savepoint (undoing only what came after it)
// and the enclosing transaction goes on.
class Savepoint {
 public:
  explicit Savepoint(Poco::Data::Session& session);
  ~Savepoint();
  Savepoint(const Savepoint&) = delete;
  Savepoint& operator=(const Savepoint&) = delete;
  void release();

 private:
  Poco::Data::Session& session_;
  bool done_ = false;
};

// Rows changed by the session's last INSERT, UPDATE or DELETE (SQLite's changes()).
int64_t changedRows(Poco::Data::Session& session);

}  // namespace vc::storage
