#pragma once
// Takes a batch of journey events, checks them against the contract and the
// store, appends the new ones and brings every affected case's derived state
// (victims, entitlements, obligations) up to date, all in one transaction:
// one bad event rejects the batch and stores nothing. Thread-safe: writers
// are serialised by SQLite's immediate transactions.

#include <cstddef>
#include <functional>
#include <mutex>
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
};

struct IngestLimits {
  size_t max_event_bytes = 64 * 1024;  // one event as compact JSON; larger is refused (413)
};

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
  Ingestor(storage::Database& db, const domain::Engine& engine, const domain::Clock& clock, IngestLimits limits = {})
      : db_(db), engine_(engine), clock_(clock), limits_(limits) {}

  // Throws vc::Error: kInvalidArgument (400, names the index and field: an
  // event that has not happened yet by the clock is one), kPayloadTooLarge
  // (413: one event over the limit, by its index), kConflict (409: an id already stored with other content, or a case or
  // victim registered twice). Nothing is stored when it throws. Each stored
  // event, and each obligation it creates or changes, is audited; `actor` is
  // who sent the events.
  IngestResult ingest(const std::vector<Poco::Dynamic::Var>& items, const std::string& actor = "cli");

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
  // (the scheduler drafts letters from it). Set before serving; not thread-safe to change.
  void setAfterCommit(std::function<void(const IngestResult&)> listener) { after_commit_ = std::move(listener); }

 private:
  IngestResult storeBatch(const std::vector<DecodedEvent>& decoded, const std::string& actor);  // the transaction

  storage::Database& db_;
  const domain::Engine& engine_;
  const domain::Clock& clock_;
  const IngestLimits limits_;
  std::mutex write_mutex_;  // one writer at a time within this process
  std::function<void(const IngestResult&)> after_commit_;
};

}  // namespace vc::ingest
