#pragma once
// The SQLite store behind Poco::Data: a pool of sessions on one file, each
// with WAL, synchronous=FULL, foreign keys and a busy timeout; versioned
// schema migrations. Thread-safe: take one session per request or task.

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <Poco/Data/Session.h>

#include "common/error.h"

namespace vc::storage {

class Database;

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

// How the store is opened.
struct StoreOptions {
  int busy_timeout_ms = 2000;            // a writer waits this long for another's lock, then gives up
  bool create_missing_directory = true;  // false: a missing directory is an error, not made
};

class Database {
 public:
  // Opens (creating if needed) the SQLite file. Does not migrate. Throws
  // vc::Error(kUnavailable, "store_location") naming the path when its
  // directory is missing (unless the options allow making it) or is not
  // writable, or the file is not readable and writable, by this process.
  explicit Database(const std::string& path, int max_sessions = 16, StoreOptions options = {});
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // A session with this store's pragmas applied, for one request or task.
  SessionLease session();

  // Brings the schema to the latest version (or `target`, for tests of an
  // upgrade); returns {from, to}.
  std::pair<int, int> migrate();
  std::pair<int, int> migrateTo(int target);
  int schemaVersion();
  static int latestSchemaVersion();

  const std::string& path() const { return path_; }

 private:
  friend class SessionLease;
  void giveBack(std::unique_ptr<Poco::Data::Session> s);

  std::string path_;
  size_t max_idle_;
  StoreOptions options_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<Poco::Data::Session>> idle_;  // guarded by mutex_
};

// BEGIN IMMEDIATE ... COMMIT; rolls back in the destructor unless committed.
// Immediate, so two writers queue instead of deadlocking. Within this process
// writers to one store queue on its writer mutex first (waking in turn, where
// SQLite's busy handler polls and can starve one writer for seconds under
// load); only another process's lock is left to SQLite's busy timeout. This
// is where "one writer at a time per store" is kept in a process. Either wait
// longer than the busy timeout throws vc::Error(kUnavailable, "store_busy").
class WriteTransaction {
 public:
  explicit WriteTransaction(Poco::Data::Session& session);
  ~WriteTransaction();
  WriteTransaction(const WriteTransaction&) = delete;
  WriteTransaction& operator=(const WriteTransaction&) = delete;
  void commit();

 private:
  Poco::Data::Session& session_;
  std::unique_lock<std::timed_mutex> writer_;
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

// True when `e` says the store was locked by another writer for longer than the busy timeout:
// worth trying again in a moment (HTTP 503 with Retry-After), not an internal error.
bool isStoreBusy(const std::exception& e);
// The error that says so.
Error storeBusy();

}  // namespace vc::storage
