#pragma once
// The retention purge: for each case whose journey has ended
// (domain/retention.h) and that has had no event since the cut-off, replaces
// its personal data with keyed markers (storage/retention_store.h), in one
// transaction, audited per case. The ledger keeps its counts and the audit
// chain stays verifiable: neither is touched. Freed content is zeroed
// (secure_delete), the file is then rebuilt (VACUUM) so that no page keeps an
// older copy in its unused space, and the write-ahead log is checkpointed and
// emptied, so the old text is left in neither file.

#include <string>
#include <vector>

#include "domain/clock.h"
#include "domain/date.h"
#include "storage/database.h"

namespace vc::retention {

struct PurgedCase {
  std::string urn, area, ended_on;
  int values = 0;  // personal-data values replaced (0 in a dry run)
};

struct PurgeResult {
  std::vector<PurgedCase> cases;
  bool dry_run = false;
  bool checkpointed = false;  // the write-ahead log was emptied (false if a reader held it)
};

class Purger {
 public:
  Purger(storage::Database& db, const domain::Clock& clock) : db_(db), clock_(clock) {}

  // Purges (or, dry, lists) the cases that ended, with no event since, before `before`.
  PurgeResult run(const domain::Date& before, bool dry_run, const std::string& actor);

 private:
  storage::Database& db_;
  const domain::Clock& clock_;
};

}  // namespace vc::retention
