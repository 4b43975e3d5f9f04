#include "services/audit_service.h"

#include "domain/date.h"
#include "storage/audit_log.h"
#include "storage/database.h"
#include "storage/store.h"

namespace vc::services {

void AuditService::record(const std::string& actor, const std::string& action, const std::string& subject,
                          const std::string& detail) {
  auto lease = db_.session();
  storage::Store(lease).audit(domain::formatRfc3339Utc(clock_.now()), actor, action, subject, detail);
}

std::vector<storage::AuditEntry> AuditService::list(const storage::AuditFilter& f, const std::string& reader) {
  auto lease = db_.session();
  storage::Connection& session = lease;
  storage::AuditLog log(session);
  const auto entries = log.list(f);
  // Who read the log is itself in the log (after the page was read, so the page does not show it).
  log.append(domain::formatRfc3339Utc(clock_.now()), reader, "read_audit", "audit",
             "entries:" + std::to_string(entries.size()));
  return entries;
}

storage::AuditVerification AuditService::verify(const std::string& reader) {
  auto lease = db_.session();
  storage::Connection& session = lease;
  return storage::AuditLog(session).verifyAndRecord(domain::formatRfc3339Utc(clock_.now()), reader);
}

AuditPage AuditService::page(const storage::AuditFilter& f, const std::string& reader) {
  auto lease = db_.session();
  storage::Connection& session = lease;
  storage::AuditLog log(session);
  const std::string now_text = domain::formatRfc3339Utc(clock_.now());
  // The chain's state first (the check is itself recorded), then the page of entries.
  AuditPage p;
  p.chain = log.verifyAndRecord(now_text, reader);
  p.entries = log.list(f);
  log.append(now_text, reader, "read_audit", "audit", "entries:" + std::to_string(p.entries.size()));
  return p;
}

}  // namespace vc::services
