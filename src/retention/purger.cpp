#include "retention/purger.h"

#include "domain/retention.h"
#include "ingest/event_codec.h"
#include "storage/retention_store.h"
#include "storage/store.h"

namespace vc::retention {

PurgeResult Purger::run(const domain::Date& before, bool dry_run, const std::string& actor) {
  PurgeResult result;
  result.dry_run = dry_run;
  auto lease = db_.session();
  storage::Connection& session = lease;
  {
    storage::Store store(session);
    storage::RetentionStore retention(session);
    storage::WriteTransaction tx(session);
    const std::string at = domain::formatRfc3339Utc(clock_.now());
    for (const auto& quiet : retention.quietCasesBefore(before.toString())) {
      std::vector<domain::Event> events;
      for (const auto& body : store.caseEventBodies(quiet.urn)) events.push_back(ingest::decodeStoredEvent(body).event);
      if (!domain::caseHasEnded(events)) continue;
      PurgedCase c{quiet.urn, quiet.area, quiet.last_event_on, 0};
      if (!dry_run) {
        c.values = retention.purgeCase(quiet.urn, at);
        store.audit(at, actor, "case_purged", "case:" + quiet.urn,
                    "ended_on:" + quiet.last_event_on + " before:" + before.toString() +
                        " values:" + std::to_string(c.values));
      }
      result.cases.push_back(std::move(c));
    }
    tx.commit();
  }
  if (!dry_run && !result.cases.empty()) {
    // Freed cells are zeroed as they go (secure_delete, on every session), but a page's unused space
    // can still hold older copies of a value from before (a row moved, a page split or reused).
    // VACUUM writes every page afresh from the live rows only. Then copy the new pages over the old
    // in the file and empty the log, so the old text is gone from both.
    result.checkpointed = storage::RetentionStore(session).rewriteFileWithoutFreedContent();
  }
  return result;
}

}  // namespace vc::retention
