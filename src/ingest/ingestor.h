#pragma once
// Takes a batch of journey events, checks them against the contract and the
// store, appends the new ones and brings every affected case's derived state
// (victims, entitlements, obligations) up to date, all in one transaction:
// one bad event rejects the batch and stores nothing. Thread-safe: writers
// are serialised by SQLite's immediate transactions.

#include <cstddef>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Object.h>

#include "domain/clock.h"
#include "domain/engine.h"
#include "storage/database.h"
#include "storage/store.h"

namespace vc::ingest {

struct DecodedEvent;

struct IngestResult {
  size_t accepted = 0;
  size_t duplicates = 0;
  std::vector<std::string> affected_cases;
  // Stored events read back to derive the affected cases: with the case memos, about the batch's
  // own events; without (a case not seen since the start, or evicted), each case's whole history.
  size_t replayed = 0;
};

struct IngestLimits {
  size_t max_event_bytes = 64 * 1024;  // one event as compact JSON; larger is refused (413)
  // Cases whose replay the Ingestor keeps between batches (0: none, every batch replays each case
  // it touches from its first event). Each costs roughly 20-40 KB.
  size_t case_memos = 2000;
  // A first load (an import into a store without events) builds the list indexes once it has stored
  // this many events, or at its end (storage::FirstLoadIndexes): a build reads each table whole, so
  // this bounds its cost, and the pause between two progress lines, to about a second.
  size_t first_load_events = 100000;
};

struct CaseMemo;
struct BatchEvent;
using BatchEvents = std::unordered_map<std::string_view, BatchEvent>;
class DeriveThread;

// One stored obligation's fate when its case is derived again under the current rule book and calendar.
struct RederivedObligation {
  std::string what;  // appear | change | go | keep (a closed outcome, met/late/waived, that stays as stored)
  std::string id, rule, victim_id;
  std::string detail;  // "due 2026-04-07, standard, pending" or "<before> -> <after>"
};

struct RederiveResult {
  std::string urn;
  bool dry_run = false;
  std::string skipped;  // why the case was left alone (purged), or ""
  std::string policy;   // the rule set(s) its obligations now come from
  std::vector<RederivedObligation> changes;
  size_t count(const std::string& what) const {
    size_t n = 0;
    for (const auto& c : changes) n += c.what == what;
    return n;
  }
};

class Ingestor {
 public:
  Ingestor(storage::Database& db, const domain::Engine& engine, const domain::Clock& clock, IngestLimits limits = {});
  ~Ingestor();

  // Throws vc::Error: kInvalidArgument (400, names the index and field: an
  // event that has not happened yet by the clock is one), kPayloadTooLarge
  // (413: one event over the limit, by its index), kConflict (409: an id already stored with other content, or a case or
  // victim registered twice). Nothing is stored when it throws. Each stored
  // event, and each obligation it creates or changes, is audited; `actor` is
  // who sent the events.
  IngestResult ingest(const std::vector<Poco::Dynamic::Var>& items, const std::string& actor = "cli");

  // `victim-comms import`: events in chunks, as many as `next` gives (it fills its argument with the
  // next chunk and returns false when there are no more), all in ONE write transaction: any error
  // (from `next` too) rolls back everything, as ingest does for one batch. Memory does not grow with
  // the number of events (only the set of case URNs touched does). Error indexes count from the
  // first event of the first chunk. `progress` is called after each chunk with the totals so far
  // (and 0), then, once committed, as the after-commit listener is told the cases a slice at a time,
  // with the totals (affected_cases: all of them) and how many cases it has been told of.
  // `next` runs on a reader thread, one call at a time, a chunk ahead of the one being stored (the
  // chunk's events are decoded there too): reading and decoding take the machine's other core instead
  // of a tenth of the import's time. Its calls end before importStream returns or throws.
  IngestResult importStream(const std::function<bool(std::vector<Poco::Dynamic::Var>&)>& next,
                            const std::string& actor,
                            const std::function<void(const IngestResult&, size_t)>& progress);

  // How many cases' replays are kept (tests).
  size_t memoCount();

  // Re-derives one case from its stored events (used after a rules or calendar change).
  void rederiveCase(const std::string& urn);

  // `victim-comms rederive`: replays one case under the current rule book and calendar. The dry run
  // works out what would appear, change or go and writes nothing. The real run writes it in one
  // write transaction with a `case_rederived` audit entry by `actor`: pending obligations are
  // updated, new ones stored, and pending ones the rules no longer create are cancelled (with a
  // note); met, late and waived ones stay exactly as stored. Letters are the caller's to refresh.
  // A purged case is skipped. Throws Error(kNotFound) for an unknown case.
  RederiveResult rederive(const std::string& urn, bool dry_run, const std::string& actor);

  // Appends an event the daemon records itself (e.g. letter.sent, whose id
  // starts "sys:") and re-derives its case, inside the caller's open write
  // transaction on `store`. Throws vc::Error(kInternal) if it does not decode.
  void appendSystemEvent(storage::Store& store, const Poco::JSON::Object::Ptr& event);

  // Called after every batch that stored something, once it is committed
  // (the drafting worker writes the words of its letters). Set before serving; not thread-safe to change.
  void setAfterCommit(std::function<void(const IngestResult&)> listener) { after_commit_ = std::move(listener); }
  // Called inside the write transaction of every batch (and of an import, once, before its commit) that
  // stored something, with the cases it touched (sorted; an import's in slices): the rows of the letters
  // their new obligations need are created there, so that they are in the queue the moment the batch is
  // (LetterService::addPendingLetters). What it throws rolls the batch back. Set before serving.
  void setBeforeCommit(std::function<void(storage::Connection&, const std::vector<std::string>&)> listener) {
    before_commit_ = std::move(listener);
  }

 private:
  IngestResult storeBatch(const std::vector<DecodedEvent>& decoded, const std::string& actor);  // the transaction
  // One batch's (or import chunk's) checks, appends and derivations, in the caller's open transaction;
  // `base` is the index of decoded[0] in the whole request or import.
  IngestResult storeChunk(storage::Connection& session, storage::Store& store, const std::vector<DecodedEvent>& decoded,
                          size_t base, const std::string& actor, const std::string& received_at);

  // Derives and writes the touched cases of one batch or import chunk (`urns`, sorted), each as
  // deriveAndSave would, in the caller's open transaction; their audit entries are added to `audit`.
  // Many cases: the derivations run on derive_thread_ while this thread reads ahead and writes behind
  // them (ingestor.cpp). Returns how many stored events were read back.
  size_t deriveCases(storage::Store& store, const std::vector<std::string>& urns,
                     const std::map<std::string, size_t>& batch_index, const std::string& at,
                     const BatchEvents& batch_events, std::vector<storage::AuditEntry>& audit);

  // Case memos: each touched case's replay state, kept between batches so that a batch costs its new
  // events, not the case's history (ingestor.cpp, deriveAndSave).
  //
  // INVARIANT (per-case derivation; what a concurrent writer could break): a memo for case C holds
  // exactly C's stored, COMMITTED events up to memo.last_seq, applied in seq order, and the derived
  // rows (cases, victims, entitlement_changes, obligations, meetings) exactly as the memo last wrote
  // them. It holds because
  //  - events are append-only and replayed in seq order, so new events only ever come after
  //    last_seq (an event dated earlier than the case's last is still applied last, as a full replay
  //    would: the engine replays in the order received); the retention purge rewrites a case's
  //    events, but a purged case is never derived again (ingest refuses it, rederive skips it);
  //  - only the Ingestor writes derived rows, one derivation of C at a time: write_mutex_ in this
  //    process, and across processes SQLite's single writer (WriteTransaction) or, on PostgreSQL, C's lock
  //    (Store::lockCasesForDerivation, taken before C is read). Another process deriving C (a CLI import
  //    into the daemon's file, another daemon on the same PostgreSQL) is detected: cases.last_event_seq
  //    then differs from the memo's count and C is replayed from its first event;
  //  - a memo taken or made inside a transaction is marked dirty and dropped unless that transaction
  //    commits (memosRolledBack), so no memo holds uncommitted state; appendSystemEvent, whose
  //    transaction the caller owns, and rederive drop C's memo and derive from scratch.
  // The memos are guarded by memo_mutex_ (appendSystemEvent may run on another thread).
  std::unique_ptr<CaseMemo> takeMemo(const std::string& urn);  // the cached memo (taken out) or a fresh one
  void keepMemo(const std::string& urn, std::unique_ptr<CaseMemo> memo);
  void dropMemo(const std::string& urn);
  void trimMemos();        // evicts the least recently used beyond limits_.case_memos
  void evictMemosLocked();  // the same, memo_mutex_ held
  void memosCommitted();   // the open transaction committed: its memos may stay
  void memosRolledBack();  // it did not: drop every memo it touched

  storage::Database& db_;
  const domain::Engine& engine_;
  const domain::Clock& clock_;
  const IngestLimits limits_;
  std::mutex write_mutex_;  // one writer at a time within this process
  // Derives cases for deriveCases, one batch at a time: only the holder of write_mutex_ uses it.
  std::unique_ptr<DeriveThread> derive_thread_;
  std::function<void(const IngestResult&)> after_commit_;
  std::function<void(storage::Connection&, const std::vector<std::string>&)> before_commit_;

  struct MemoSlot {
    std::unique_ptr<CaseMemo> memo;
    std::list<std::string>::iterator place;  // in memo_order_
  };
  std::mutex memo_mutex_;
  std::list<std::string> memo_order_;  // most recently used first
  std::unordered_map<std::string, MemoSlot> memos_;
  // Touched by the open transaction and still kept: every memo in memos_ that the open transaction took
  // is named here (an evicted one is not: it has nothing left to drop on a rollback). One set serves
  // because there is one write transaction at a time (write_mutex_, and SQLite's single writer).
  std::set<std::string> memo_dirty_;
};

}  // namespace vc::ingest
