#pragma once
// The audit log: who did or read what, when, under which correlation id,
// kept as a keyed hash chain. Each entry's hash is HMAC-SHA256, under a
// secret key kept outside the database (audit.key_file, named by the entry's
// key_id), over the hash of the entry before it and the entry's own content
// (its seq and key id included). Someone who can write the database file but
// does not hold the key can therefore neither change, remove, insert nor
// reorder an entry and make the chain match again. Removing entries from the
// end, or emptying the log, is caught against the checkpoint file (outside
// the database; storage/audit_checkpoint.h), where the head is noted every
// few minutes and at shutdown.
//
// Entries written before the chain was keyed (schema 6 and older) keep their
// plain SHA-256 hashes and an empty key_id; the upgrade appends one keyed
// entry, audit_keyed, that chains to the last of them and records how many
// there are, so they too are pinned by the key from then on.
//
// The key and the checkpoint file come with the session (Database::optionsOf).
// Append-only: triggers refuse UPDATE and DELETE on the table, and no code
// path tries. Entries carry ids and codes, never personal data.
// One per session; not thread-safe.

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>


#include "common/keyring.h"
#include "storage/connection.h"
#include "storage/records.h"  // AuditEntry, AuditFilter, AuditVerification

namespace Poco::Data {
class Session;  // storage-internal (sqlite_connection.h)
}

namespace vc::storage {

// A checkpoint file that belongs to another store (a configuration problem).
class CheckpointError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class AuditLog {
 public:
  static constexpr const char* kGenesisHash =
      "0000000000000000000000000000000000000000000000000000000000000000";
  // PostgreSQL: the transaction-level advisory lock a chainer holds while it extends the chain ("vcaudit").
  static constexpr int64_t kChainLockKey = 0x7663617564697400;

  explicit AuditLog(Poco::Data::Session& session) : s_(session) {}
  explicit AuditLog(Connection& connection);

  // Appends one entry chained to the last, with the thread's correlation id, made with the current
  // audit key. Joins the caller's open write transaction; outside one (an audited read, a login ...)
  // it goes through the store's AuditGroupCommit: it shares one write transaction, and one fsync,
  // with whatever other threads are appending at the same moment, and returns only once that
  // transaction has committed. Either way two writers never chain to the same predecessor.
  // Throws (vc::Error, internal) without a key.
  void append(const std::string& at, const std::string& actor, const std::string& action,
              const std::string& subject, const std::string& detail);
  // Appends several in order, reading the chain's end once and inserting them together (for a
  // batch of events and what they derive). Only at, actor, action, subject and detail are read.
  void appendAll(const std::vector<AuditEntry>& entries);

  // Newest first.
  std::vector<AuditEntry> list(const AuditFilter& filter);
  int64_t count(const std::string& action = "");

  // Re-walks the whole chain from the first entry, then checks it against every line of the
  // checkpoint file (when the store has one configured). Reads only: works on a read-only store.
  // Throws (vc::Error, internal) if there are keyed entries and no key to check them with.
  AuditVerification verify();
  // The same, then records who checked and what they found (audit_verified).
  AuditVerification verifyAndRecord(const std::string& at, const std::string& actor);

  // The last entry's seq and hash (0 and the genesis hash for an empty log).
  std::pair<int64_t, std::string> head();

  // PostgreSQL, where several daemons write the log (0004_audit_pending.sql): writers add their entries to
  // audit_pending, unchained, under no shared lock; this moves them onto the chain in the order they were
  // added, under the chain's lock, one chainer at a time. Returns how many it chained, and how many of them
  // it refused (below). kSkipIfBusy returns at once, chaining none, when another chainer holds the lock (the chaining thread: the other will take these too);
  // kWait waits for it. A waiting entry whose MAC does not check under the audit keys is not chained: an
  // audit_entry_refused entry takes its place, naming it. list, count, head, verify and writeCheckpoint
  // chain first (kWait), outside a transaction, when the store was opened with its key, so a reader sees
  // every entry committed before it asked. Does nothing on SQLite, whose writers chain as they write.
  enum class ChainWait { kWait, kSkipIfBusy };
  struct Chained {
    int64_t entries = 0;  // taken from audit_pending onto the chain
    int64_t refused = 0;  // of them, chained as audit_entry_refused
  };
  Chained chainPending(ChainWait wait = ChainWait::kWait);
  // What a waiting entry's MAC is made over: its random token and its content.
  static std::string pendingContent(const AuditEntry& e, const std::string& token);
  // The store's random id (schema 7 on), which its checkpoints carry.
  std::string storeId();
  // Appends the head to the checkpoint file, if the store has one; returns the seq noted (-1: none
  // kept). Throws CheckpointError if the file holds another store's checkpoints.
  int64_t writeCheckpoint(const std::string& at);

  // What an entry's hash is made over (the v2, keyed, encoding), and the hash itself under `keys`
  // (nullopt: they do not hold the entry's key_id).
  static std::string keyedContent(const AuditEntry& e);
  static std::optional<std::string> keyedHash(const AuditEntry& e, const Keyring& keys);
  // The plain SHA-256 hash of the entries written before the chain was keyed.
  static std::string unkeyedHash(const AuditEntry& e);

  // For migration 4: chains entries written before the log was chained (plain SHA-256).
  static void chainUnchainedEntries(Poco::Data::Session& session);
  // For migration 7: appends the keyed audit_keyed entry that pins the unkeyed entries, if any.
  static void vouchForUnkeyedEntries(Poco::Data::Session& session);

 private:
  AuditVerification walk(bool keyed_schema, const Keyring* keys);
  void checkAgainstCheckpoints(AuditVerification& v, const Keyring& keys, const std::string& file);

  // Chains and inserts `entries` in the caller's open write transaction; each keeps its own
  // correlation_id when keep_correlation (the group commit's, gathered from several requests).
  // On PostgreSQL only the chainer calls it, holding the chain's lock (chainPending).
  void insertChained(const std::vector<AuditEntry>& entries, bool keep_correlation);
  // PostgreSQL: adds `entries` to audit_pending in the caller's open transaction, each with its MAC.
  void insertPending(const std::vector<AuditEntry>& entries, bool keep_correlation);
  // PostgreSQL, outside a transaction and with the key: chainPending(kWait), so a read sees every entry.
  void chainBeforeReading();
  friend class AuditGroupCommit;

  Poco::Data::Session& s_;
};

// Group commit of audit entries written outside a write transaction (audited reads, logins, ...),
// one per Database, shared by all its sessions (Database::auditGroupCommit).
//
// Each caller queues its entries and waits. Whichever waiting caller finds no flush under way
// becomes the leader: it takes everything queued so far, appends it to the chain in one write
// transaction on its own session, commits, and wakes the callers whose entries that commit held;
// callers that queued meanwhile form the next batch. So N concurrent readers pay for one fsync
// between them instead of queueing for N, and no thread is kept for it. Each caller waits on its own
// slot: a flush wakes the callers it wrote and the first one queued (the next leader), no one else.
//
// Invariants kept here:
// - DURABLE BEFORE ANSWERED: appendDurably returns only after the COMMIT holding the caller's
//   entries has returned, and every session runs synchronous=FULL in WAL mode (Database::session),
//   so that COMMIT has fsynced the write-ahead log. A caller that answers after appendDurably
//   returns (services::ReadService::readVictim) therefore never sends an answer whose audit entry could be lost.
//   If the batch's transaction fails, every caller in it gets the error: none is told "written".
// - ONE CHAIN HEAD: the leader reads the chain's end and extends it inside a WriteTransaction,
//   i.e. under the store's writer mutex and BEGIN IMMEDIATE, like every other audit writer
//   (ingest, letters, the scheduler), so no two writers ever chain to the same predecessor;
//   and only one leader flushes at a time (flushing_). On PostgreSQL the leader adds the batch to
//   audit_pending in a transaction of its own, waiting on no other writer (AuditLog::chainPending
//   chains it); its COMMIT returns once PostgreSQL has flushed it (synchronous_commit on).
// - ONE ENTRY PER CALL, IN ORDER: a batch is exactly the entries queued before the leader took
//   them, each taken once (the queue is swapped out under mutex_) and written in queue order,
//   each with the correlation id of the request that queued it.
class AuditGroupCommit {
 public:
  AuditGroupCommit() = default;
  AuditGroupCommit(const AuditGroupCommit&) = delete;
  AuditGroupCommit& operator=(const AuditGroupCommit&) = delete;

  // Appends `entries` (at, actor, action, subject, detail; the calling thread's correlation id is
  // added) and returns once they are committed. `session` is the caller's, not in a transaction;
  // it writes the batch if this caller becomes the leader. Throws what the batch's write threw.
  void appendDurably(Poco::Data::Session& session, const std::vector<AuditEntry>& entries);

  // Write transactions committed so far (for tests: fewer than the calls when batches formed).
  uint64_t commits() const;

 private:
  struct Slot {
    bool done = false;
    std::exception_ptr error;
    std::condition_variable wake;  // with mutex_: its batch is written, or it is to lead the next
  };
  struct Queued {
    std::vector<AuditEntry> entries;
    std::shared_ptr<Slot> slot;
  };

  mutable std::mutex mutex_;
  std::vector<Queued> queue_;  // guarded by mutex_: waiting for the next batch
  bool flushing_ = false;      // guarded by mutex_: a leader is writing a batch
  uint64_t commits_ = 0;       // guarded by mutex_
};

}  // namespace vc::storage
