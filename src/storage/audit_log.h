#pragma once
// The audit log: who did or read what, when, under which correlation id,
// kept as a hash chain. Each entry's hash is SHA-256 over the hash of the
// entry before it and the entry's own content (its seq included), so a
// changed byte, a deleted row or two rows swapped break the chain from that
// entry on, and verify() names the first entry that no longer matches.
// Append-only: triggers refuse UPDATE and DELETE on the table, and no code
// path tries. Entries carry ids and codes, never personal data.
// One per session; not thread-safe.

#include <cstdint>
#include <string>
#include <vector>

#include <Poco/Data/Session.h>

namespace vc::storage {

struct AuditEntry {
  int64_t seq = 0;
  std::string at, actor, action, subject, detail, correlation_id, prev_hash, hash;
};

struct AuditFilter {
  std::string actor, action, subject, correlation_id;
  std::string at_from, at_before;  // at >= at_from, at < at_before (RFC 3339 text, UTC)
  int64_t before_seq = 0;          // cursor: entries older than this one (0: from the newest)
  int limit = 100;
};

struct AuditVerification {
  bool ok = true;
  int64_t entries = 0;      // how many were checked
  std::string head_hash;    // the last entry's hash: note it elsewhere to pin the whole log
  int64_t broken_seq = 0;   // the first entry that does not match (0 when ok)
  std::string problem;      // what is wrong with it, in words
};

class AuditLog {
 public:
  static constexpr const char* kGenesisHash =
      "0000000000000000000000000000000000000000000000000000000000000000";

  explicit AuditLog(Poco::Data::Session& session) : s_(session) {}

  // Appends one entry chained to the last, with the thread's correlation id.
  // Joins the caller's open write transaction, or takes one of its own, so
  // that two writers never chain to the same predecessor.
  void append(const std::string& at, const std::string& actor, const std::string& action,
              const std::string& subject, const std::string& detail);
  // Appends several in order, reading the chain's end once and inserting them together (for a
  // batch of events and what they derive). Only at, actor, action, subject and detail are read.
  void appendAll(const std::vector<AuditEntry>& entries);

  // Newest first.
  std::vector<AuditEntry> list(const AuditFilter& filter);
  int64_t count(const std::string& action = "");

  // Re-walks the whole chain from the first entry.
  AuditVerification verify();
  // The same, then records who checked and what they found (audit_verified).
  AuditVerification verifyAndRecord(const std::string& at, const std::string& actor);

  // The hash an entry must carry, given its content and prev_hash.
  static std::string entryHash(const AuditEntry& e);

  // For migration 4: chains entries written before the log was chained.
  static void chainUnchainedEntries(Poco::Data::Session& session);

 private:
  Poco::Data::Session& s_;
};

}  // namespace vc::storage
