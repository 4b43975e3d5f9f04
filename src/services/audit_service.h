#pragma once
// The audit log as people use it: entries written for what the front refuses
// (a role that may not call a route, a form without its CSRF token, ...), the
// log's pages for managers, and the chain's verification. Every read of the
// log is itself written to the log, after the entries it returns were read.
// Thread-safe: each call takes its own store session.

#include <string>
#include <vector>

#include "domain/clock.h"
#include "storage/records.h"

namespace vc::storage {
class Database;  // storage/database.h: the front that holds this service needs no store header
}

namespace vc::services {

// A page of the log with the state of the whole chain, as the managers' audit page shows it.
struct AuditPage {
  storage::AuditVerification chain;
  std::vector<storage::AuditEntry> entries;
};

class AuditService {
 public:
  AuditService(storage::Database& db, const domain::Clock& clock) : db_(db), clock_(clock) {}

  // Appends one entry stamped now; returns once it is committed (the store's group commit).
  void record(const std::string& actor, const std::string& action, const std::string& subject,
              const std::string& detail);
  // Entries newest first, as `filter` asks; the read is recorded (read_audit) after it.
  std::vector<storage::AuditEntry> list(const storage::AuditFilter& filter, const std::string& reader);
  // Walks the whole chain and its checkpoints, and records who checked (audit_verified).
  storage::AuditVerification verify(const std::string& reader);
  // The chain checked first (and the check recorded), then the entries, then the read recorded.
  AuditPage page(const storage::AuditFilter& filter, const std::string& reader);

 private:
  storage::Database& db_;
  const domain::Clock& clock_;
};

}  // namespace vc::services
