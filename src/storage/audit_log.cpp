#include "storage/audit_log.h"

#include <optional>

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/SQLite/Utility.h>
#include <Poco/Data/Statement.h>
#include <sqlite3.h>

#include "common/correlation.h"
#include "common/sha256.h"
#include "storage/database.h"

using namespace Poco::Data::Keywords;
using Poco::Data::Statement;

namespace vc::storage {
namespace {

constexpr const char* kColumns = "seq, at, actor, action, subject, detail, correlation_id, prev_hash, hash";

std::vector<AuditEntry> readEntries(Statement& st) {
  st.execute();
  Poco::Data::RecordSet rs(st);
  std::vector<AuditEntry> out;
  for (bool more = rs.moveFirst(); more; more = rs.moveNext()) {
    AuditEntry e;
    e.seq = rs.value(0).convert<Poco::Int64>();
    size_t c = 1;
    for (std::string* f : {&e.at, &e.actor, &e.action, &e.subject, &e.detail, &e.correlation_id, &e.prev_hash, &e.hash})
      *f = rs.value(c++).convert<std::string>();
    out.push_back(std::move(e));
  }
  return out;
}

// Length-prefixed, so no choice of field values can make two entries read alike.
void appendField(std::string& out, const std::string& value) {
  out += std::to_string(value.size());
  out += ':';
  out += value;
  out += '\n';
}

// The highest seq ever given out (SQLite's AUTOINCREMENT record), even if rows were since removed.
int64_t highestSeqIssued(Poco::Data::Session& s) {
  std::vector<Poco::Int64> seq;
  s << "SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'", into(seq), now;
  return seq.empty() ? 0 : seq.front();
}

}  // namespace

std::string AuditLog::entryHash(const AuditEntry& e) {
  std::string content = "victim-comms audit v1\n";
  appendField(content, e.prev_hash);
  appendField(content, std::to_string(e.seq));
  for (const std::string* f : {&e.at, &e.actor, &e.action, &e.subject, &e.detail, &e.correlation_id})
    appendField(content, *f);
  return sha256Hex(content);
}

void AuditLog::append(const std::string& at, const std::string& actor, const std::string& action,
                      const std::string& subject, const std::string& detail) {
  AuditEntry e;
  e.at = at;
  e.actor = actor;
  e.action = action;
  e.subject = subject;
  e.detail = detail;
  appendAll({e});
}

void AuditLog::appendAll(const std::vector<AuditEntry>& entries) {
  if (entries.empty()) return;
  std::optional<WriteTransaction> own;
  if (sqlite3_get_autocommit(Poco::Data::SQLite::Utility::dbHandle(s_))) own.emplace(s_);
  std::vector<std::string> prev;
  s_ << "SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1", into(prev), now;
  std::string prev_hash = prev.empty() ? kGenesisHash : prev.front();
  int64_t seq = highestSeqIssued(s_);
  const std::string& correlation = correlationId();
  std::vector<Poco::Int64> seqs;
  std::vector<std::string> at, actor, action, subject, detail, correlation_ids, prev_hashes, hashes;
  for (const AuditEntry& given : entries) {
    AuditEntry e = given;
    e.seq = ++seq;
    e.correlation_id = correlation;
    e.prev_hash = prev_hash;
    e.hash = entryHash(e);
    prev_hash = e.hash;
    seqs.push_back(e.seq);
    at.push_back(std::move(e.at));
    actor.push_back(std::move(e.actor));
    action.push_back(std::move(e.action));
    subject.push_back(std::move(e.subject));
    detail.push_back(std::move(e.detail));
    correlation_ids.push_back(std::move(e.correlation_id));
    prev_hashes.push_back(std::move(e.prev_hash));
    hashes.push_back(std::move(e.hash));
  }
  s_ << "INSERT INTO audit_log(seq, at, actor, action, subject, detail, correlation_id, prev_hash, hash) "
        "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)",
      use(seqs), use(at), use(actor), use(action), use(subject), use(detail), use(correlation_ids), use(prev_hashes),
      use(hashes), now;
  if (own) own->commit();
}

std::vector<AuditEntry> AuditLog::list(const AuditFilter& f) {
  std::string sql = std::string("SELECT ") + kColumns + " FROM audit_log WHERE 1 = 1";
  std::vector<std::string> args;
  for (auto [column, value] : std::vector<std::pair<const char*, const std::string*>>{
           {"actor", &f.actor}, {"action", &f.action}, {"subject", &f.subject}, {"correlation_id", &f.correlation_id}}) {
    if (value->empty()) continue;
    sql += std::string(" AND ") + column + " = ?";
    args.push_back(*value);
  }
  if (!f.at_from.empty()) {
    sql += " AND at >= ?";
    args.push_back(f.at_from);
  }
  if (!f.at_before.empty()) {
    sql += " AND at < ?";
    args.push_back(f.at_before);
  }
  if (f.before_seq > 0) sql += " AND seq < " + std::to_string(f.before_seq);
  sql += " ORDER BY seq DESC LIMIT " + std::to_string(f.limit);
  Statement st(s_);
  st << sql;
  for (auto& a : args) st, bind(a);
  return readEntries(st);
}

int64_t AuditLog::count(const std::string& action) {
  Poco::Int64 n = 0;
  if (action.empty())
    s_ << "SELECT COUNT(*) FROM audit_log", into(n), now;
  else
    s_ << "SELECT COUNT(*) FROM audit_log WHERE action = ?", bind(action), into(n), now;
  return n;
}

AuditVerification AuditLog::verify() {
  AuditVerification v;
  std::string prev_hash = kGenesisHash;
  int64_t prev_seq = 0;
  auto broken = [&](int64_t seq, std::string problem) {
    v.ok = false;
    v.broken_seq = seq;
    v.problem = std::move(problem);
    return v;
  };
  // In pages, so a long log is not held in memory at once.
  constexpr int kPage = 5000;
  while (true) {
    Statement st(s_);
    st << std::string("SELECT ") + kColumns + " FROM audit_log WHERE seq > " + std::to_string(prev_seq) +
              " ORDER BY seq LIMIT " + std::to_string(kPage);
    const auto page = readEntries(st);
    for (const AuditEntry& e : page) {
      if (e.seq != prev_seq + 1)
        return broken(e.seq, "entry " + std::to_string(e.seq) + " follows entry " + std::to_string(prev_seq) +
                                 ": entries " + std::to_string(prev_seq + 1) +
                                 (e.seq - prev_seq > 2 ? " to " + std::to_string(e.seq - 1) : "") + " are missing");
      if (e.prev_hash != prev_hash)
        return broken(e.seq, "entry " + std::to_string(e.seq) + " does not chain to the entry before it "
                                 "(an entry was removed, inserted or moved, or its chain field changed)");
      if (entryHash(e) != e.hash)
        return broken(e.seq, "entry " + std::to_string(e.seq) + " has been changed since it was written "
                                 "(its content no longer matches its hash)");
      prev_hash = e.hash;
      prev_seq = e.seq;
      ++v.entries;
    }
    if (page.size() < static_cast<size_t>(kPage)) break;
  }
  const int64_t issued = highestSeqIssued(s_);
  if (issued > prev_seq)
    return broken(prev_seq + 1, "entries " + std::to_string(prev_seq + 1) + " to " + std::to_string(issued) +
                                    " were written but are missing (the log was cut short)");
  v.head_hash = prev_seq ? prev_hash : "";
  return v;
}

AuditVerification AuditLog::verifyAndRecord(const std::string& at, const std::string& actor) {
  const AuditVerification v = verify();
  append(at, actor, "audit_verified", "audit",
         std::string(v.ok ? "ok" : "broken at " + std::to_string(v.broken_seq)) + " entries:" + std::to_string(v.entries));
  return v;
}

void AuditLog::chainUnchainedEntries(Poco::Data::Session& s) {
  Statement st(s);
  st << std::string("SELECT ") + kColumns + " FROM audit_log ORDER BY seq";
  std::string prev_hash = kGenesisHash;
  for (AuditEntry e : readEntries(st)) {
    e.prev_hash = prev_hash;
    e.hash = entryHash(e);
    Poco::Int64 seq = e.seq;
    s << "UPDATE audit_log SET prev_hash = ?, hash = ? WHERE seq = ?", bind(e.prev_hash), bind(e.hash), bind(seq), now;
    prev_hash = e.hash;
  }
}

}  // namespace vc::storage
