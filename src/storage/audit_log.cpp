#include "storage/audit_log.h"
#include "storage/sqlite_connection.h"
#include "storage/sqlite_statement.h"

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <optional>

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/SQLite/Utility.h>
#include <Poco/Data/Statement.h>
#include <sqlite3.h>

#include "common/correlation.h"
#include "common/error.h"
#include "common/sha256.h"
#include "domain/date.h"
#include "storage/audit_checkpoint.h"
#include "storage/database.h"

using namespace Poco::Data::Keywords;
using Poco::Data::Statement;

namespace vc::storage {
namespace {

constexpr const char* kAuditKeyedAction = "audit_keyed";
constexpr int64_t kAuditChainLock = AuditLog::kChainLockKey;

// The columns read; key_id exists from schema 7 (before it, every entry is unkeyed).
std::string columns(bool keyed_schema) {
  return std::string("seq, at, actor, action, subject, detail, correlation_id, prev_hash, hash, ") +
         (keyed_schema ? "key_id" : "'' AS key_id");
}

int schemaVersion(Poco::Data::Session& s) {
  // PostgreSQL's schema 1 is SQLite's latest, translated (postgres/migrations/0001_schema.sql): the audit log is
  // keyed and chained there from the start.
  if (isPostgres(s)) return Database::latestSchemaVersion();
  int version = 0;
  s << "PRAGMA user_version", into(version), now;
  return version;
}

bool keyedSchema(Poco::Data::Session& s) { return schemaVersion(s) >= Database::kKeyedAuditSchema; }

std::vector<AuditEntry> readEntries(Statement& st) {
  st.execute();
  Poco::Data::RecordSet rs(st);
  std::vector<AuditEntry> out;
  for (bool more = rs.moveFirst(); more; more = rs.moveNext()) {
    AuditEntry e;
    e.seq = rs.value(0).convert<Poco::Int64>();
    size_t c = 1;
    for (std::string* f :
         {&e.at, &e.actor, &e.action, &e.subject, &e.detail, &e.correlation_id, &e.prev_hash, &e.hash, &e.key_id})
      *f = rs.value(c++).convert<std::string>();
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<AuditEntry> readEntries(Query& q) {
  std::vector<AuditEntry> out;
  while (q.next()) {
    AuditEntry e;
    e.seq = q.int64(0);
    int c = 1;
    for (std::string* f :
         {&e.at, &e.actor, &e.action, &e.subject, &e.detail, &e.correlation_id, &e.prev_hash, &e.hash, &e.key_id})
      *f = q.text(c++);
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
// On PostgreSQL the entries' seq is taken from the log itself under the chain's lock (insertChained) and rows
// can be neither deleted nor truncated (the append-only guard): the highest there.
int64_t highestSeqIssued(Poco::Data::Session& s) {
  if (isPostgres(s)) {
    Query q(s, "SELECT COALESCE(MAX(seq), 0) FROM audit_log");
    return q.next() ? q.int64(0) : 0;
  }
  Query q(s, "SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'");
  return q.next() ? q.int64(0) : 0;
}

const Keyring& auditKeys(Poco::Data::Session& s) {
  const auto& keys = Database::optionsOf(s).audit_keys;
  if (!keys)
    throw Error(Error::Kind::kInternal, "audit",
                "the audit log is keyed, and this store was opened without its key (audit.key_file)");
  return *keys;
}

// A transaction that does not take the store's writer mutex (WriteTransaction's): on PostgreSQL, the chainer's
// and the group commit's, which must not queue behind this daemon's other writers. Rolls back unless committed.
class PlainTransaction {
 public:
  explicit PlainTransaction(Poco::Data::Session& s) : s_(s) { Query(s_, "BEGIN").run(); }
  ~PlainTransaction() {
    if (done_) return;
    try {
      Query(s_, "ROLLBACK").run();
    } catch (...) {
      // Never throw from a destructor; a lost connection has rolled back already.
    }
  }
  PlainTransaction(const PlainTransaction&) = delete;
  PlainTransaction& operator=(const PlainTransaction&) = delete;
  void commit() {
    Query(s_, "COMMIT").run();
    done_ = true;
  }

 private:
  Poco::Data::Session& s_;
  bool done_ = false;
};

// A PostgreSQL array literal of `values` (text[] or bigint[] once cast): each element quoted, with its quotes
// and backslashes escaped, so any text, braces and commas included, comes back as it was given. Rows sent as
// one array a column and unnested on the server take one round trip however many there are.
std::string pgArray(const std::vector<std::string>& values) {
  std::string out = "{";
  for (const std::string& v : values) {
    if (out.size() > 1) out += ',';
    out += '"';
    for (char c : v) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

// 128 random bits in hex: a waiting entry's token (glibc's arc4random_buf, as correlation ids).
std::string randomToken() {
  unsigned char raw[16];
  arc4random_buf(raw, sizeof raw);
  static const char* const kHex = "0123456789abcdef";
  std::string out;
  for (unsigned char b : raw) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

std::string range(int64_t from, int64_t to) {
  return from == to ? "entry " + std::to_string(from) : "entries " + std::to_string(from) + " to " + std::to_string(to);
}

}  // namespace

std::string AuditLog::unkeyedHash(const AuditEntry& e) {
  std::string content = "victim-comms audit v1\n";
  appendField(content, e.prev_hash);
  appendField(content, std::to_string(e.seq));
  for (const std::string* f : {&e.at, &e.actor, &e.action, &e.subject, &e.detail, &e.correlation_id})
    appendField(content, *f);
  return sha256Hex(content);
}

std::string AuditLog::keyedContent(const AuditEntry& e) {
  std::string content = "victim-comms audit v2\n";
  appendField(content, e.prev_hash);
  appendField(content, std::to_string(e.seq));
  appendField(content, e.key_id);
  for (const std::string* f : {&e.at, &e.actor, &e.action, &e.subject, &e.detail, &e.correlation_id})
    appendField(content, *f);
  return content;
}

std::optional<std::string> AuditLog::keyedHash(const AuditEntry& e, const Keyring& keys) {
  return keys.macWith(e.key_id, keyedContent(e));
}

std::string AuditLog::pendingContent(const AuditEntry& e, const std::string& token) {
  std::string content = "victim-comms audit pending v1\n";
  appendField(content, token);
  appendField(content, e.key_id);
  for (const std::string* f : {&e.at, &e.actor, &e.action, &e.subject, &e.detail, &e.correlation_id})
    appendField(content, *f);
  return content;
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
  if (!inTransaction(s_)) {
    // Not in a transaction: share one with the other threads appending now (audit_log.h).
    Database::auditGroupCommitOf(s_).appendDurably(s_, entries);
    return;
  }
  if (isPostgres(s_)) {
    insertPending(entries, false);  // chained by chainPending, after this transaction commits
    return;
  }
  insertChained(entries, false);
}

void AuditLog::insertPending(const std::vector<AuditEntry>& entries, bool keep_correlation) {
  const Keyring& keys = auditKeys(s_);
  const std::string& correlation = correlationId();
  // One array a column, unnested in the entries' order (WITH ORDINALITY), so their ids follow it.
  std::vector<std::string> columns[9];
  for (const AuditEntry& given : entries) {
    AuditEntry e = given;
    if (!keep_correlation) e.correlation_id = correlation;
    e.key_id = keys.currentId();
    const std::string token = randomToken();
    columns[8].push_back(keys.mac(pendingContent(e, token)));
    columns[0].push_back(token);
    size_t c = 1;
    for (std::string* f : {&e.at, &e.actor, &e.action, &e.subject, &e.detail, &e.correlation_id, &e.key_id})
      columns[c++].push_back(std::move(*f));
  }
  Query q(s_,
          "INSERT INTO audit_pending(token, at, actor, action, subject, detail, correlation_id, key_id, mac) "
          "SELECT token, at, actor, action, subject, detail, correlation_id, key_id, mac "
          "FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], "
          "?::text[]) WITH ORDINALITY AS e(token, at, actor, action, subject, detail, correlation_id, key_id, mac, n) "
          "ORDER BY n");
  for (const auto& column : columns) q.bind(pgArray(column));
  q.run();
}

AuditLog::Chained AuditLog::chainPending(ChainWait wait) {
  if (!isPostgres(s_)) return {};
  if (inTransaction(s_)) throw std::logic_error("AuditLog::chainPending inside a transaction");
  const Keyring& keys = auditKeys(s_);
  constexpr int kPage = 5000;  // entries moved in one transaction
  Chained chained;
  while (true) {
    PlainTransaction tx(s_);
    // ONE CHAIN HEAD: the chain's end is read and extended only under this lock, held to the commit, so two
    // chainers (in this daemon or another) never chain to the same predecessor nor take the same seq.
    if (wait == ChainWait::kWait) {
      Query(s_, "SELECT pg_advisory_xact_lock(" + std::to_string(kAuditChainLock) + ")").run();
    } else {
      Query q(s_, "SELECT pg_try_advisory_xact_lock(" + std::to_string(kAuditChainLock) + ")::int");
      if (!q.next() || q.int64(0) != 1) return chained;
    }
    Query(s_, "SET LOCAL vc.audit_chaining = 'on'").run();  // the table's guard lets this transaction delete
    std::vector<AuditEntry> entries;
    std::string moved;  // the ids taken, for the DELETE
    {
      Query q(s_,
              "SELECT id, token, at, actor, action, subject, detail, correlation_id, key_id, mac FROM audit_pending "
              "ORDER BY id LIMIT " +
                  std::to_string(kPage));
      while (q.next()) {
        AuditEntry e;
        const std::string id = std::to_string(q.int64(0));
        const std::string token = q.text(1);
        int c = 2;
        for (std::string* f : {&e.at, &e.actor, &e.action, &e.subject, &e.detail, &e.correlation_id, &e.key_id})
          *f = q.text(c++);
        const std::string mac = q.text(9);
        const auto expected = keys.macWith(e.key_id, pendingContent(e, token));
        if (!expected || *expected != mac) {
          // Not written by a daemon that holds the key, or changed since: never vouched for by the chain.
          AuditEntry refused;
          refused.at = e.at;
          refused.actor = "system";
          refused.action = "audit_entry_refused";
          refused.subject = "audit";
          refused.detail = "pending:" + id + " reason:" + (expected ? "mac_mismatch" : "key_not_held:" + e.key_id) +
                           " actor:" + e.actor + " action:" + e.action + " subject:" + e.subject;
          refused.correlation_id = e.correlation_id;
          e = std::move(refused);
          ++chained.refused;
        }
        entries.push_back(std::move(e));
        if (!moved.empty()) moved += ',';
        moved += id;
      }
    }
    if (entries.empty()) {
      tx.commit();
      return chained;
    }
    insertChained(entries, true);
    Query del(s_, "DELETE FROM audit_pending WHERE id = ANY(string_to_array(?, ',')::bigint[])");
    del.bind(moved).run();
    // Read committed: the DELETE names its rows, so an entry committed since the SELECT stays for the next pass.
    if (changedRows(s_) != static_cast<int64_t>(entries.size()))
      throw std::logic_error("audit_pending changed under the chain's lock");
    tx.commit();
    chained.entries += static_cast<int64_t>(entries.size());
    if (entries.size() < static_cast<size_t>(kPage)) return chained;
  }
}

void AuditLog::chainBeforeReading() {
  if (!isPostgres(s_) || inTransaction(s_) || !Database::optionsOf(s_).audit_keys) return;
  chainPending(ChainWait::kWait);
}

void AuditLog::insertChained(const std::vector<AuditEntry>& entries, bool keep_correlation) {
  // The caller holds a WriteTransaction (the store's writer mutex and SQLite's write lock), so the
  // chain's end read here is still the end when the insert commits: no other writer can extend it.
  // On PostgreSQL the writer mutex keeps out no other daemon: the caller is the chainer, holding the chain's
  // advisory lock (chainPending).
  const Keyring& keys = auditKeys(s_);
  const bool postgres = isPostgres(s_);
  std::string prev_hash = kGenesisHash;
  {
    Query q(s_, "SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1");
    if (q.next()) prev_hash = q.text(0);
  }
  int64_t seq = highestSeqIssued(s_);
  const std::string& correlation = correlationId();
  auto chain = [&](AuditEntry& e) {
    e.seq = ++seq;
    if (!keep_correlation) e.correlation_id = correlation;
    e.prev_hash = prev_hash;
    e.key_id = keys.currentId();
    e.hash = keys.mac(keyedContent(e));
    prev_hash = e.hash;
  };
  if (postgres) {
    // One round trip for the lot: an array a column. The hash covers seq, so it is chosen here, not by the
    // table's identity (GENERATED ALWAYS: OVERRIDING SYSTEM VALUE).
    std::vector<std::string> columns[10];
    for (const AuditEntry& given : entries) {
      AuditEntry e = given;
      chain(e);
      columns[0].push_back(std::to_string(e.seq));
      size_t c = 1;
      for (std::string* f : {&e.at, &e.actor, &e.action, &e.subject, &e.detail, &e.correlation_id, &e.prev_hash,
                             &e.hash, &e.key_id})
        columns[c++].push_back(std::move(*f));
    }
    Query q(s_,
            "INSERT INTO audit_log(seq, at, actor, action, subject, detail, correlation_id, prev_hash, hash, key_id) "
            "OVERRIDING SYSTEM VALUE SELECT * FROM unnest(?::bigint[], ?::text[], ?::text[], ?::text[], ?::text[], "
            "?::text[], ?::text[], ?::text[], ?::text[], ?::text[])");
    for (const auto& column : columns) q.bind(pgArray(column));
    q.run();
    return;
  }
  Query q(s_,
          "INSERT INTO audit_log(seq, at, actor, action, subject, detail, correlation_id, prev_hash, hash, key_id) "
          "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  AuditEntry e;
  for (const AuditEntry& given : entries) {
    if (&given != &entries.front()) q.again();
    e = given;
    chain(e);
    // `e` is left alone until the next again(): its text is bound without a copy.
    q.bind(e.seq).bindUncopied(e.at).bindUncopied(e.actor).bindUncopied(e.action).bindUncopied(e.subject);
    q.bindUncopied(e.detail).bindUncopied(e.correlation_id).bindUncopied(e.prev_hash).bindUncopied(e.hash);
    q.bindUncopied(e.key_id).run();
  }
}

void AuditGroupCommit::appendDurably(Poco::Data::Session& session, const std::vector<AuditEntry>& entries) {
  auditKeys(session);  // a store opened without its key fails this caller alone, at once
  Queued mine;
  mine.slot = std::make_shared<Slot>();
  mine.entries.reserve(entries.size());
  for (const AuditEntry& given : entries) {
    AuditEntry e;
    e.at = given.at;
    e.actor = given.actor;
    e.action = given.action;
    e.subject = given.subject;
    e.detail = given.detail;
    e.correlation_id = correlationId();  // the caller's request, not the leader's
    mine.entries.push_back(std::move(e));
  }
  const std::shared_ptr<Slot> slot = mine.slot;
  std::unique_lock<std::mutex> lock(mutex_);
  queue_.push_back(std::move(mine));
  while (!slot->done) {
    if (flushing_) {
      slot->wake.wait(lock);
      continue;
    }
    // No flush under way and ours not yet written: it is still queued, so this caller leads.
    flushing_ = true;
    std::vector<Queued> batch;
    batch.swap(queue_);
    lock.unlock();
    std::exception_ptr error;
    try {
      std::vector<AuditEntry> all;
      for (Queued& q : batch)
        for (AuditEntry& e : q.entries) all.push_back(std::move(e));
      if (isPostgres(session)) {
        PlainTransaction tx(session);  // waits on no writer, here or in another daemon
        AuditLog(session).insertPending(all, true);
        tx.commit();  // synchronous_commit on: flushed when this returns (DURABLE BEFORE ANSWERED)
      } else {
        WriteTransaction tx(session);
        AuditLog(session).insertChained(all, true);
        tx.commit();  // synchronous=FULL: durable when this returns (the DURABLE BEFORE ANSWERED invariant)
      }
    } catch (...) {
      error = std::current_exception();
    }
    lock.lock();
    if (!error) ++commits_;
    for (Queued& q : batch) {
      q.slot->done = true;
      q.slot->error = error;
      q.slot->wake.notify_one();
    }
    flushing_ = false;
    // Whoever queued during this flush waits for a leader: the first of them leads the next batch (it finds
    // no flush under way and its entry still queued). notify_all woke every waiter, most only to wait again.
    if (!queue_.empty()) queue_.front().slot->wake.notify_one();
  }
  if (slot->error) std::rethrow_exception(slot->error);
}

uint64_t AuditGroupCommit::commits() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return commits_;
}

std::vector<AuditEntry> AuditLog::list(const AuditFilter& f) {
  chainBeforeReading();
  std::string sql = "SELECT " + columns(keyedSchema(s_)) + " FROM audit_log WHERE 1 = 1";
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
  if (!f.area.empty()) {
    // The entry's subject names its case, victim, obligation, letter or notification: each looked up by its
    // key as the newest entries are walked, so a page costs a few lookups an entry, not a scan of the Area.
    // A letter's or notification's number is compared only when it is all digits (PostgreSQL's cast would
    // fail on anything else, and a refused read may name an id nobody has).
    const bool pg = isPostgres(s_);
    auto digits = [pg](const std::string& expr) {
      return pg ? expr + " ~ '^[0-9]{1,18}$'" : "(" + expr + " <> '' AND " + expr + " NOT GLOB '*[^0-9]*')";
    };
    sql += " AND CASE"
           " WHEN subject LIKE 'case:%' THEN EXISTS(SELECT 1 FROM cases c WHERE c.urn = substr(subject, 6) AND c.area = ?)"
           " WHEN subject LIKE 'victim:%' THEN EXISTS(SELECT 1 FROM victims v JOIN cases c ON c.urn = v.case_urn"
           " WHERE v.victim_id = substr(subject, 8) AND c.area = ?)"
           " WHEN subject LIKE 'obligation:%' THEN EXISTS(SELECT 1 FROM obligations o WHERE o.id = substr(subject, 12)"
           " AND o.area = ?)"
           " WHEN subject LIKE 'letter:l-%' AND " + digits("substr(subject, 10)") +
           " THEN EXISTS(SELECT 1 FROM letters l WHERE l.n = CAST(substr(subject, 10) AS BIGINT) AND l.area = ?)"
           " WHEN subject LIKE 'notification:n-%' AND " + digits("substr(subject, 16)") +
           " THEN EXISTS(SELECT 1 FROM notifications n WHERE n.n = CAST(substr(subject, 16) AS BIGINT) AND n.area = ?)"
           " ELSE false END";
    for (int i = 0; i < 5; ++i) args.push_back(f.area);
  }
  sql += " ORDER BY seq DESC LIMIT " + std::to_string(f.limit);
  Query q(s_, sql);
  for (auto& a : args) q.bind(a);
  return readEntries(q);
}

int64_t AuditLog::count(const std::string& action) {
  chainBeforeReading();
  Query q(s_, action.empty() ? "SELECT COUNT(*) FROM audit_log" : "SELECT COUNT(*) FROM audit_log WHERE action = ?");
  if (!action.empty()) q.bind(action);
  return q.next() ? q.int64(0) : 0;
}

AuditVerification AuditLog::walk(bool keyed_schema, const Keyring* keys) {
  AuditVerification v;
  v.keyed = keyed_schema;
  std::string prev_hash = kGenesisHash;
  int64_t prev_seq = 0;
  int64_t first_keyed = 0;  // the seq of the first keyed entry (0: none yet)
  auto broken = [&](int64_t seq, std::string problem) {
    v.ok = false;
    v.broken_seq = seq;
    v.problem = std::move(problem);
    return v;
  };
  // In pages, so a long log is not held in memory at once.
  constexpr int kPage = 5000;
  while (true) {
    Query q(s_, "SELECT " + columns(keyed_schema) + " FROM audit_log WHERE seq > ? ORDER BY seq LIMIT " +
                    std::to_string(kPage));
    q.bind(prev_seq);
    const auto page = readEntries(q);
    for (const AuditEntry& e : page) {
      const std::string entry = "entry " + std::to_string(e.seq);
      if (e.seq != prev_seq + 1)
        return broken(e.seq, entry + " follows entry " + std::to_string(prev_seq) + ": " +
                                 range(prev_seq + 1, e.seq - 1) + (e.seq - prev_seq > 2 ? " are" : " is") + " missing");
      if (e.prev_hash != prev_hash)
        return broken(e.seq, entry + " does not chain to the entry before it "
                                     "(an entry was removed, inserted or moved, or its chain field changed)");
      if (e.key_id.empty()) {
        if (first_keyed)
          return broken(e.seq, entry + " carries no key, but entry " + std::to_string(first_keyed) +
                                   " before it does: only entries from before the chain was keyed may be unkeyed "
                                   "(a keyed entry was relabelled and rehashed without the key)");
        if (unkeyedHash(e) != e.hash)
          return broken(e.seq, entry + " has been changed since it was written "
                                       "(its content no longer matches its hash)");
        ++v.unkeyed_entries;
      } else {
        if (!keys)
          throw Error(Error::Kind::kInternal, "audit",
                      "the audit log holds keyed entries; checking them needs the audit key (audit.key_file)");
        const auto expected = keyedHash(e, *keys);
        if (!expected)
          return broken(e.seq, entry + " was made with key " + e.key_id + ", which " +
                                   (keys->path().empty() ? std::string("the key file") : keys->path()) +
                                   " does not hold (the key file is not this log's, or the entry was made with "
                                   "another key)");
        if (*expected != e.hash)
          return broken(e.seq, entry + " has been changed since it was written "
                                       "(its content no longer matches its keyed hash)");
        if (!first_keyed) {
          first_keyed = e.seq;
          const std::string vouch = "unkeyed_entries:" + std::to_string(v.unkeyed_entries) + " ";
          if (v.unkeyed_entries > 0 && (e.action != kAuditKeyedAction || e.detail.rfind(vouch, 0) != 0)) {
            v.entries = 0;
            return broken(1, range(1, v.unkeyed_entries) + " carry no key, and entry " + std::to_string(e.seq) +
                                 ", the first keyed one, is not the upgrade's audit_keyed entry vouching for exactly "
                                 "them (keyed entries were relabelled as unkeyed)");
          }
        }
      }
      prev_hash = e.hash;
      prev_seq = e.seq;
      ++v.entries;
    }
    if (page.size() < static_cast<size_t>(kPage)) break;
  }
  if (keyed_schema && v.unkeyed_entries > 0 && !first_keyed) {
    v.entries = 0;
    return broken(1, range(1, v.unkeyed_entries) + " carry no key, and no keyed entry vouches for them (the upgrade "
                                                   "that keyed the chain writes one): the log was rewritten without the key");
  }
  const int64_t issued = highestSeqIssued(s_);
  if (issued > prev_seq)
    return broken(prev_seq + 1, range(prev_seq + 1, issued) + (issued > prev_seq + 1 ? " were" : " was") +
                                    " written but " + (issued > prev_seq + 1 ? "are" : "is") +
                                    " missing (the log was cut short)");
  v.head_hash = prev_seq ? prev_hash : "";
  return v;
}

AuditVerification AuditLog::verify() {
  const int version = schemaVersion(s_);
  if (version < 4) {
    AuditVerification v;
    v.ok = false;
    v.keyed = false;
    v.problem = "the store is at schema " + std::to_string(version) + ", from before the audit log was chained: "
                "migrate it first";
    return v;
  }
  chainBeforeReading();  // every entry committed before the check is on the chain it walks
  const StoreOptions& options = Database::optionsOf(s_);
  const bool keyed_schema = version >= Database::kKeyedAuditSchema;
  AuditVerification v = walk(keyed_schema, options.audit_keys.get());
  if (!v.ok) return v;
  if (v.entries == 0) {
    // Adding a user and storing an event are audited, so a store that holds either had entries.
    int64_t events = 0, users = 0;
    {
      Query q(s_, "SELECT (SELECT COUNT(*) FROM events), (SELECT COUNT(*) FROM users)");
      if (q.next()) {
        events = q.int64(0);
        users = q.int64(1);
      }
    }
    if (events + users > 0) {
      v.ok = false;
      v.broken_seq = 1;
      v.problem = "the log is empty, but the store holds " + std::to_string(events) + " events and " +
                  std::to_string(users) + " users, each audited as it was added: the log was emptied";
      return v;
    }
  }
  if (keyed_schema && !options.audit_checkpoint_file.empty())
    checkAgainstCheckpoints(v, auditKeys(s_), options.audit_checkpoint_file);
  return v;
}

void AuditLog::checkAgainstCheckpoints(AuditVerification& v, const Keyring& keys, const std::string& file) {
  v.checkpoint_checked = true;
  v.checkpoint_file = file;
  auto broken = [&](int64_t seq, std::string problem) {
    v.ok = false;
    v.broken_seq = seq;
    v.problem = std::move(problem);
  };
  const CheckpointFile f = readCheckpoints(file);
  const std::string where = "the checkpoint file " + file;
  if (!f.malformed.empty())
    return broken(0, "line " + std::to_string(f.malformed.front()) + " of " + where +
                         " is not a checkpoint line: the file was edited");
  const std::string store = storeId();
  const Checkpoint* newest = nullptr;
  for (const Checkpoint& c : f.checkpoints) {
    const std::string line = "line " + std::to_string(c.line) + " of " + where;
    if (c.store != store)
      return broken(0, line + " is a checkpoint of another store (" + c.store + "; this one is " + store +
                           "): each store needs its own checkpoint file, or this store is not the one it was");
    const auto authentic = checkpointAuthentic(c, keys);
    if (!authentic)
      return broken(0, line + " was made with key " + c.key_id + ", which " + keys.path() + " does not hold");
    if (!*authentic)
      return broken(0, line + " does not carry its MAC: it was written or changed by something other than "
                              "victim-comms");
    if (!newest || c.seq > newest->seq) newest = &c;
  }
  const int64_t last = v.entries;  // the walk checked 1..entries, each in turn
  if (!newest) {
    if (last > 0)
      broken(1, where + " holds no checkpoint of this store, though the log has " + std::to_string(last) +
                    " entries: its checkpoints were removed, or this is a copy examined without them (set "
                    "audit.checkpoint_file to the store's own)");
    return;
  }
  v.checkpoint_seq = newest->seq;
  v.checkpoint_at = newest->at;
  if (newest->seq > last)
    return broken(last + 1, last == 0 ? "the log is empty, but the checkpoint of " + newest->at + " recorded " +
                                            std::to_string(newest->seq) + " entries: the log was emptied"
                                      : "the log ends at entry " + std::to_string(last) + ", but the checkpoint of " +
                                            newest->at + " recorded entry " + std::to_string(newest->seq) + ": " +
                                            range(last + 1, newest->seq) + " were removed from its end");
  std::vector<const Checkpoint*> by_seq;
  for (const Checkpoint& c : f.checkpoints)
    if (c.seq > 0) by_seq.push_back(&c);
  std::sort(by_seq.begin(), by_seq.end(), [](const Checkpoint* a, const Checkpoint* b) { return a->seq < b->seq; });
  for (const Checkpoint* c : by_seq) {
    std::vector<std::string> hash;
    Query q(s_, "SELECT hash FROM audit_log WHERE seq = ?");
    q.bind(static_cast<int64_t>(c->seq));
    if (q.next()) hash.push_back(q.text(0));
    if (hash.empty() || hash.front() != c->hash)
      return broken(c->seq, "entry " + std::to_string(c->seq) + " does not match the checkpoint of " + c->at +
                                " (line " + std::to_string(c->line) + " of " + where +
                                "): it or an entry before it was rewritten since, by someone who holds the key");
  }
}

AuditVerification AuditLog::verifyAndRecord(const std::string& at, const std::string& actor) {
  const AuditVerification v = verify();
  append(at, actor, "audit_verified", "audit",
         std::string(v.ok ? "ok" : "broken at " + std::to_string(v.broken_seq)) + " entries:" + std::to_string(v.entries));
  return v;
}

std::pair<int64_t, std::string> AuditLog::head() {
  chainBeforeReading();
  Query q(s_, "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1");
  if (!q.next()) return {0, kGenesisHash};
  return {q.int64(0), q.text(1)};
}

std::string AuditLog::storeId() {
  Query q(s_, "SELECT store_id FROM store_identity LIMIT 1");
  if (!q.next()) throw Error(Error::Kind::kInternal, "audit", "the store has no id (store_identity is empty)");
  return q.text(0);
}

int64_t AuditLog::writeCheckpoint(const std::string& at) {
  const StoreOptions& options = Database::optionsOf(s_);
  if (options.audit_checkpoint_file.empty()) return -1;
  const Keyring& keys = auditKeys(s_);
  const std::string store = storeId();
  if (auto other = checkpointStore(options.audit_checkpoint_file); other && *other != store)
    throw CheckpointError("audit.checkpoint_file " + options.audit_checkpoint_file +
                          " holds the checkpoints of another store (" + *other + "); this store is " + store +
                          ": give each store its own checkpoint file");
  const auto [seq, hash] = head();
  appendCheckpoint(options.audit_checkpoint_file, formatCheckpoint(store, seq, hash, at, keys));
  return seq;
}

void AuditLog::chainUnchainedEntries(Poco::Data::Session& s) {
  Statement st(s);
  st << "SELECT " + columns(false) + " FROM audit_log ORDER BY seq";
  std::string prev_hash = kGenesisHash;
  for (AuditEntry e : readEntries(st)) {
    e.prev_hash = prev_hash;
    e.hash = unkeyedHash(e);
    Poco::Int64 seq = e.seq;
    s << "UPDATE audit_log SET prev_hash = ?, hash = ? WHERE seq = ?", bind(e.prev_hash), bind(e.hash), bind(seq), now;
    prev_hash = e.hash;
  }
}

void AuditLog::vouchForUnkeyedEntries(Poco::Data::Session& s) {
  AuditLog log(s);
  if (log.count() == 0) return;
  // Every entry is unkeyed here; the walk says whether their chain is intact as the key takes over.
  const AuditVerification unkeyed = log.walk(false, nullptr);
  const auto [seq, hash] = log.head();
  log.append(domain::formatRfc3339Utc(static_cast<domain::UnixSeconds>(std::time(nullptr))), "system",
             kAuditKeyedAction, "audit",
             "unkeyed_entries:" + std::to_string(seq) + " head:" + hash + " chain:" +
                 (unkeyed.ok ? std::string("intact") : "broken_at_" + std::to_string(unkeyed.broken_seq)));
}

AuditLog::AuditLog(Connection& connection) : s_(sqlite(connection)) {}

}  // namespace vc::storage
