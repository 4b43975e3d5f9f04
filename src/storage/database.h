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

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/error.h"
#include "common/keyring.h"
#include "storage/connection.h"
#include "storage/store_url.h"

namespace Poco::Data {
class Session;  // storage-internal: what a Connection holds on SQLite (sqlite_connection.h)
}

struct pg_conn;  // libpq's PGconn (libpq-fe.h), for the leader's connection

namespace vc::storage {

class SessionConnection;

class Database;
class AuditGroupCommit;

// Set once at start from the settings (app/services.cpp), constant after.
struct StoreOptions {
  int max_sessions = 16;
  int busy_timeout_ms = 2000;            // a writer waits this long for another's lock, then gives up (store_busy)
  bool create_missing_directory = true;  // false: a missing directory is an error, not made
  // A copy to examine (e.g. a forensic snapshot): opened read-only, never migrated or written. A file
  // without a -wal beside it is opened immutable (nothing is created next to it, not even a -shm).
  bool read_only = false;
  std::shared_ptr<const Keyring> audit_keys;      // HMAC keys of the audit chain; null: no entry can be written
  std::shared_ptr<const Keyring> retention_keys;  // HMAC key of purge markers; null: nothing can be purged
  std::string audit_checkpoint_file;              // where the chain's head is noted; "": none kept (unit tests)
};

// A connection borrowed from the Database; goes back to the pool when destroyed.
// (Poco's SessionPool is not used: its janitor timer deadlocks with shutdown in 1.11.)
class SessionLease {
 public:
  SessionLease(Database& db, std::unique_ptr<SessionConnection> c);
  SessionLease(SessionLease&&) noexcept;
  SessionLease& operator=(SessionLease&&) = delete;
  ~SessionLease();
  Connection& get();
  operator Connection&() { return get(); }

 private:
  Database* db_;
  std::unique_ptr<SessionConnection> connection_;
};

class Database {
 public:
  // Opens (creating if needed) the SQLite file. Does not migrate. No keys: the audit log cannot be
  // written (tests of other things).
  explicit Database(const std::string& path, int max_sessions = 16);
  // The same with keys and a checkpoint file; read-only if options.read_only (then the file must exist).
  // Throws vc::Error(kUnavailable, "store_location") naming the path when a writable store's directory
  // is missing (unless the options allow making it) or is not writable, or the file is not readable
  // and writable, by this process.
  Database(const std::string& path, StoreOptions options);
  // The store `url` names: a SQLite file (url.sqlite_path, as the constructor above; no password) or a
  // PostgreSQL store (issue 17): the database at `url`, signed in with `password` ("": libpq's environment
  // and .pgpass). Sessions come from a pool of this Database's own, as on SQLite (options.max_sessions idle
  // at most); each sets lock_timeout to options.busy_timeout_ms, so a write that waits longer for another's
  // row lock throws what isStoreBusy() knows. Connects once to check the store answers: throws
  // vc::Error(kUnavailable, "store_connect") when it cannot (postgres_database.h). read_only is refused.
  Database(const StoreUrl& url, const std::string& password, StoreOptions options);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // A session with this store's pragmas applied, for one request or task.
  SessionLease session();
  // Whether the store answers a query now (/healthz); a failure to borrow a connection propagates.
  bool ping();

  // Brings the schema to the latest version (or `target`, for tests of an
  // upgrade); returns {from, to}. Upgrading a store that already has audit entries or purge
  // markers needs the audit or retention keys. Refused on a read-only store.
  std::pair<int, int> migrate();
  std::pair<int, int> migrateTo(int target);
  int schemaVersion();
  static int latestSchemaVersion();

  // SQLite: the file. PostgreSQL: the URL as logs show it (no password).
  const std::string& path() const { return path_; }
  bool postgres() const { return postgres_; }
  const StoreOptions& options() const { return options_; }

  // From now on the write-ahead log is checkpointed on a thread of its own, every `every`
  // (PRAGMA wal_checkpoint(PASSIVE): it waits for no reader or writer), and never by a commit. SQLite's
  // default checkpoints in whichever commit takes the log past 1,000 pages: that commit copied the pages
  // into the store and fsynced the file before it returned, and every audited read waiting in the same
  // group commit waited with it, which made the victim read's p99 (docs/benchmarks.md). For `serve`; a
  // command that runs and exits keeps SQLite's own. The thread stops with the Database.
  void checkpointInBackground(std::chrono::milliseconds every);

  // Whether this process leads the store's scheduled passes now (issue 17: one daemon at a time drafts
  // letters, sweeps the ledger, checks the print room and reads the bounce mailbox; every daemon sends).
  // SQLite: always (one daemon a file). PostgreSQL: a session-level advisory lock held on a connection of
  // its own, taken when it is free and kept while that connection lives; asked again, the leader checks its
  // connection still answers. A leader that dies loses the lock with its connection, at once when its
  // process dies (the socket closes), and the next daemon to ask takes it. A leader that loses its
  // connection steps down at its next ask. Never throws: a store it cannot reach is not led.
  bool holdLeadership();

  // The options of the Database that opened `session`; throws if no Database opened it.
  static const StoreOptions& optionsOf(Poco::Data::Session& session);
  // The group commit that audit entries written outside a transaction go through (audit_log.h):
  // one per Database, shared by every session it opens.
  static AuditGroupCommit& auditGroupCommitOf(Poco::Data::Session& session);
  // Whether the SQLite file at `path` (if there is one) holds audit entries made with a key: looked at
  // read-only, before a Database is opened on it (a missing key file must not be replaced then).
  static bool hasKeyedAuditEntries(const std::string& path);
  // The schema version from which audit entries are keyed (HMAC) and purge markers keyed.
  static constexpr int kKeyedAuditSchema = 7;
  static constexpr int kKeyedMarkerSchema = 8;

 private:
  friend class SessionLease;
  void openSqlite();  // the SQLite constructors' work, once the members are set
  void giveBack(std::unique_ptr<SessionConnection> c);

  std::string path_;
  bool postgres_ = false;
  std::string pg_connection_string_;  // PostgreSQL: what libpq is given (may hold the password: never shown)
  StoreUrl pg_url_;
  std::string pg_password_;
  std::mutex leader_mutex_;            // guards the two below
  ::pg_conn* leader_ = nullptr;   // PostgreSQL: the connection holding the leader's lock (libpq's PGconn)
  bool leading_ = false;
  std::string connect_;  // what SQLite opens: the path, or a file: URI for a read-only store
  const StoreOptions options_;
  const std::shared_ptr<AuditGroupCommit> audit_group_commit_;
  size_t max_idle_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<SessionConnection>> idle_;  // guarded by mutex_
  // checkpointInBackground: sessions lent from then on leave the log to the thread.
  std::atomic<bool> checkpoints_in_background_{false};
  std::mutex checkpointer_mutex_;
  std::condition_variable checkpointer_wake_;
  bool checkpointer_stopping_ = false;  // guarded by checkpointer_mutex_
  std::thread checkpointer_;
};

// BEGIN IMMEDIATE ... COMMIT; rolls back in the destructor unless committed.
// Immediate, so two writers queue instead of deadlocking. Within this process
// writers to one store queue on its writer mutex first (waking in turn, where
// SQLite's busy handler polls and can starve one writer for seconds under
// load); only another process's lock is left to SQLite's busy timeout. This
// is where "one writer at a time per store" is kept in a process. Either wait
// longer than the busy timeout throws vc::Error(kUnavailable, "store_busy").
// On PostgreSQL: BEGIN (read committed), after the same writer mutex of this process (one per store URL), so
// a daemon's writers take turns as on SQLite; other daemons' writers are kept apart by row locks (and, for
// the audit chain, by AuditLog's advisory lock), waited for up to lock_timeout.
class WriteTransaction {
 public:
  explicit WriteTransaction(Connection& connection);
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
  explicit Savepoint(Connection& connection);
  explicit Savepoint(Poco::Data::Session& session);
  ~Savepoint();
  Savepoint(const Savepoint&) = delete;
  Savepoint& operator=(const Savepoint&) = delete;
  void release();

 private:
  Poco::Data::Session& session_;
  bool done_ = false;
};

// Sets the session's page cache to `kib` KiB (SQLite's default: 2,000 KiB). A long write transaction
// (an import) whose changed pages no longer fit re-reads them from the WAL, at a cost that grows with it.
void setCacheSize(Connection& connection, int kib);

// A first load's index build. An import into a store that holds no events yet drops, inside its transaction,
// the secondary indexes that only lists and reads walk (obligations' and letters' list orders, the audit
// log's by subject and action; never one an import's own statements use), and builds each again whole,
// from a sort of its rows, before the commit or once it has stored enough events that a build would take
// long (rebuild(); ingest::IngestLimits::first_load_events): a B-tree insert at a random place for every row
// and every index was a fifth of such an import's CPU (issue 16 item 1, docs/benchmarks.md). An import into
// a store already in use keeps its indexes as they are (a rebuild would cost the whole store, not the
// import). Atomic with the import: if it does not commit, the drops roll back with it and the schema is as
// it was. Invariant (what another writer could break): the indexes are missing only inside this
// transaction, which holds the store's write lock throughout, and readers see the committed schema.
class FirstLoadIndexes {
 public:
  // Drops the indexes if the store has no events; otherwise does nothing. Call inside the transaction.
  explicit FirstLoadIndexes(Connection& connection);
  bool deferred() const { return !dropped_.empty(); }
  void rebuild();  // each dropped index created again with its own SQL; before the commit

 private:
  Connection& connection_;
  std::vector<std::string> dropped_;  // the CREATE INDEX statements of the dropped indexes
};

// Rows changed by the session's last INSERT, UPDATE or DELETE (SQLite's changes(); on PostgreSQL, the
// affected-row count of the last write a Query ran).
int64_t changedRows(Poco::Data::Session& session);
int64_t changedRows(Connection& connection);

// The next number of `counter` ("letters", "notifications"), taken inside the caller's write
// transaction. Invariant: the UPDATE holds the counter's row until the transaction ends, so no two
// writers (threads, or daemons sharing a store) take the same number; a rolled-back transaction
// gives its number back. Never MAX(n) + 1, which two writers could both read.
// On PostgreSQL: nextval of the table's own identity sequence (pg_get_serial_sequence(counter, 'n')), taken
// without a lock; a rolled-back transaction does not give it back (gaps, never repeats).
int64_t takeNumber(Poco::Data::Session& session, const std::string& counter);
int64_t takeNumber(Connection& connection, const std::string& counter);

// Checks, before SQLite sees it, that a writable store can live at `path`: its directory exists (or is
// made, if allowed) and this process may write in it, and the file (if there) may be read and written.
// Throws vc::Error(kUnavailable, "store_location") naming the path.
void checkStoreLocation(const std::string& path, bool create_missing_directory);

// True when `e` says the store was locked by another writer for longer than the busy timeout:
// worth trying again in a moment (HTTP 503 with Retry-After), not an internal error. On PostgreSQL: a
// serialization failure or deadlock (SQLSTATE 40001, 40P01), a lock timeout (55P03), or a lost connection (08...).
bool isStoreBusy(const std::exception& e);
// The error that says so.
Error storeBusy();
// True when `e` is the store refusing a write because its disk is full (SQLite's SQLITE_FULL, PostgreSQL's
// 53100 disk_full): the transaction was rolled back whole, and reads still work.
bool isStoreFull(const std::exception& e);
// The error such a refusal is answered with (kUnavailable, "store_full").
Error storeFull();

}  // namespace vc::storage
