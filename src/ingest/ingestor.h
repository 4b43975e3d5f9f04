#pragma once
// Takes a batch of journey events, checks them against the contract and the
// store, appends the new ones and brings every affected case's derived state
// (victims, entitlements, obligations) up to date, all in one transaction:
// one bad event rejects the batch and stores nothing. Thread-safe: writers
// are serialised by SQLite's immediate transactions.

#include <cstddef>
#include <mutex>
#include <vector>

#include <Poco/Dynamic/Var.h>

#include "domain/clock.h"
#include "domain/engine.h"
#include "storage/database.h"

namespace vc::ingest {

struct IngestResult {
  size_t accepted = 0;
  size_t duplicates = 0;
  std::vector<std::string> affected_cases;
};

class Ingestor {
 public:
  Ingestor(storage::Database& db, const domain::Engine& engine, const domain::Clock& clock)
      : db_(db), engine_(engine), clock_(clock) {}

  // Throws vc::Error: kInvalidArgument (400, names the index and field),
  // kConflict (409: an id already stored with other content, or a case or
  // victim registered twice). Nothing is stored when it throws.
  IngestResult ingest(const std::vector<Poco::Dynamic::Var>& items);

  // Re-derives one case from its stored events (used after a rules or calendar change).
  void rederiveCase(const std::string& urn);

 private:
  storage::Database& db_;
  const domain::Engine& engine_;
  const domain::Clock& clock_;
  std::mutex write_mutex_;  // one writer at a time within this process
};

}  // namespace vc::ingest
