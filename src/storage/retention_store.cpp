#include "storage/retention_store.h"
#include "storage/sqlite_connection.h"
#include "storage/sqlite_statement.h"

#include <functional>
#include <optional>

#include <Poco/Data/Session.h>

#include "common/error.h"
#include "common/sha256.h"
#include "storage/database.h"
#include "storage/letter_store.h"
#include "storage/obligation_body.h"
#include "storage/store.h"

using namespace Poco::Data::Keywords;

namespace vc::storage {
namespace {

// Where a case's personal data was written: the table, the columns that name a row (its key: never rowid, which
// PostgreSQL has not), the columns to replace, and which of its rows belong to the case (?1 is the case URN).
struct PurgeTarget {
  const char* table;
  std::vector<const char*> key;
  std::vector<const char*> columns;
  const char* rows_of_case;
};

#define VC_OBLIGATIONS_OF_CASE "(SELECT id FROM obligations WHERE case_urn = ?1)"
#define VC_LETTERS_OF_CASE "(SELECT n FROM letters WHERE obligation_id IN " VC_OBLIGATIONS_OF_CASE ")"

const std::vector<PurgeTarget>& targets() {
  static const std::vector<PurgeTarget> kTargets = {
      {"events", {"seq"}, {"body"}, "case_urn = ?1"},
      {"cases", {"urn"}, {"details"}, "urn = ?1"},
      {"victims", {"victim_id"}, {"profile", "reasons"}, "case_urn = ?1"},
      {"entitlement_changes", {"victim_id", "n"}, {"reasons"},
       "victim_id IN (SELECT victim_id FROM victims WHERE case_urn = ?1)"},
      {"meetings", {"id"}, {"body"}, "case_urn = ?1"},
      {"letters", {"n"}, {"fields", "free_text", "recipient_email", "html", "text", "note"},
       "obligation_id IN " VC_OBLIGATIONS_OF_CASE},
      {"letter_versions", {"letter_n", "version"}, {"fields", "free_text", "html", "text"},
       "letter_n IN " VC_LETTERS_OF_CASE},
      {"letter_history", {"letter_n", "n"}, {"note"}, "letter_n IN " VC_LETTERS_OF_CASE},
      {"notifications", {"n"}, {"recipient_email", "html", "text"}, "case_urn = ?1"},
      {"outbox", {"id"}, {"name", "recipient", "subject", "body_text", "body_html"},
       "letter_n IN " VC_LETTERS_OF_CASE " OR notification_n IN (SELECT n FROM notifications WHERE case_urn = ?1)"},
      {"obligation_reasons", {"n"}, {"note"}, "obligation_id IN " VC_OBLIGATIONS_OF_CASE},
  };
  return kTargets;
}

constexpr const char* kUnkeyedPrefix = "{\"purged\":\"sha256:";

const Keyring& retentionKeys(Poco::Data::Session& s) {
  const auto& keys = Database::optionsOf(s).retention_keys;
  if (!keys)
    throw Error(Error::Kind::kInternal, "retention",
                "purge markers are keyed, and this store was opened without the retention key (retention.key_file)");
  return *keys;
}

// The digest an unkeyed marker holds, if `value` is one.
std::optional<std::string> unkeyedDigest(const std::string& value) {
  const std::string prefix = kUnkeyedPrefix;
  if (value.size() != prefix.size() + 64 + 2 || value.rfind(prefix, 0) != 0 || value.compare(value.size() - 2, 2, "\"}") != 0)
    return std::nullopt;
  std::string hex = value.substr(prefix.size(), 64);
  if (hex.find_first_not_of("0123456789abcdef") != std::string::npos) return std::nullopt;
  return hex;
}

// Every personal-data value the case `urn` left in the store, each given to `replace`; where it
// returns a replacement, the value is overwritten with it. Obligations stay in the ledger: only their
// explanation (which names the victim's reasons for enhanced rights) and record of recomputations
// are values here. Returns how many were replaced. Every statement goes through Query, in SQLite's dialect,
// so the same walk runs on both stores (on PostgreSQL the append-only guards let exactly these writes through:
// a purgeable column turned into a keyed marker).
int replaceCaseValues(Poco::Data::Session& s, const std::string& urn,
                      const std::function<std::optional<std::string>(const std::string&)>& replace) {
  const bool postgres = isPostgres(s);
  int replaced = 0;
  // Letters that keep their words in their current version (letter_store.cpp) get their own copy back
  // first, so that each value is replaced (and counted) in both places as before. Only from the schema
  // that has the column: an upgrade re-keys older markers before it exists (PostgreSQL's schema has had it
  // from its first version).
  bool words_once = postgres;
  if (!postgres) {
    Query q(s, "SELECT COUNT(*) FROM pragma_table_info('letters') WHERE name = 'words_in_version'");
    words_once = q.next() && q.int64(0) > 0;
  }
  if (words_once) {
    Query q(s,
            "UPDATE letters SET html = (SELECT v.html FROM letter_versions v WHERE v.letter_n = letters.n AND "
            "v.version = letters.version), text = (SELECT v.text FROM letter_versions v WHERE v.letter_n = letters.n "
            "AND v.version = letters.version), words_in_version = 0 WHERE words_in_version = 1 AND obligation_id IN "
            "(SELECT id FROM obligations WHERE case_urn = ?)");
    q.bind(urn).run();
  }
  for (const PurgeTarget& t : targets()) {
    std::string key_list, key_match;
    for (const char* k : t.key) {
      key_list += std::string(key_list.empty() ? "" : ", ") + k;
      key_match += std::string(key_match.empty() ? "" : " AND ") + k + " = ?";
    }
    for (const char* column : t.columns) {
      std::vector<std::pair<std::vector<std::string>, std::string>> rows;  // read whole before writing
      {
        Query q(s, "SELECT " + key_list + ", " + column + " FROM " + t.table + " WHERE " + t.rows_of_case);
        q.bind(urn);
        const int value = static_cast<int>(t.key.size());
        while (q.next()) {
          if (q.isNull(value)) continue;
          std::vector<std::string> key;
          for (int i = 0; i < value; ++i) key.push_back(q.text(i));
          rows.emplace_back(std::move(key), q.text(value));
        }
      }
      for (const auto& [key, value] : rows) {
        // A letter version's words may be stored packed: the marker is of the words themselves, as before.
        auto replacement = replace(LetterStore::unpackWords(value));
        if (!replacement) continue;
        Query u(s, std::string("UPDATE ") + t.table + " SET " + column + " = ? WHERE " + key_match);
        u.bind(*replacement);
        for (const auto& k : key) u.bind(k);
        u.run();
        ++replaced;
      }
    }
  }
  // The body may be stored packed (obligation_body.h): its values are read from the body as written, and set in
  // the body as stored, in its text (each other byte kept: the same text on both stores).
  struct Obligation {
    std::string id, stored, whole;
  };
  std::vector<Obligation> obligations;
  {
    Query q(s,
            "SELECT id, rule, victim_id, case_urn, trigger_event, kind, basis, policy, tier, body "
            "FROM obligations WHERE case_urn = ? ORDER BY id");
    q.bind(urn);
    while (q.next()) {
      ObligationRow r;
      int c = 0;
      for (std::string* field : {&r.id, &r.rule, &r.victim_id, &r.case_urn, &r.trigger_event, &r.kind, &r.basis,
                                 &r.policy, &r.tier, &r.body})
        *field = q.text(c++);
      obligations.push_back({r.id, r.body, unpackObligationBody(r.body, r)});
    }
  }
  for (const auto& o : obligations) {
    std::string body = o.stored;
    bool changed = false;
    for (const char* key : {"explanation", "changes"}) {
      std::optional<std::string> value = obligationBodyMember(o.whole, key);
      if (!value) {  // a body this build did not write (white space, another shape): SQLite reads it itself
        if (postgres)
          throw Error(Error::Kind::kInternal, "retention",
                      "obligation " + o.id + "'s body is not one this build wrote");
        Query q(s, std::string("SELECT IFNULL(json_extract(?, '$.") + key + "'), '')");
        q.bind(o.whole);
        value = q.next() ? q.text(0) : "";
      }
      auto replacement = replace(*value);
      if (!replacement) continue;
      std::optional<std::string> rewritten = withObligationBodyMember(body, key, *replacement);
      if (!rewritten) {  // SQLite only, as above
        Query q(s, std::string("SELECT json_set(?, '$.") + key + "', json(?))");
        q.bind(body).bind(*replacement);
        if (!q.next()) throw Error(Error::Kind::kInternal, "retention", "json_set gave no row");
        rewritten = q.text(0);
      }
      body = std::move(*rewritten);
      changed = true;
      ++replaced;
    }
    if (!changed) continue;
    Query u(s, "UPDATE obligations SET body = ? WHERE id = ?");
    u.bind(body).bind(o.id).run();
  }
  return replaced;
}

}  // namespace

std::string RetentionStore::markerOfDigest(const Keyring& keys, const std::string& urn, const std::string& sha256_hex) {
  return "{\"purged\":\"hmac-sha256:" + keys.currentId() + ":" +
         keys.mac("victim-comms purge v1\n" + urn + "\n" + sha256_hex) + "\"}";
}

std::string RetentionStore::marker(const Keyring& keys, const std::string& urn, const std::string& value) {
  return markerOfDigest(keys, urn, sha256Hex(value));
}

void RetentionStore::rekeyUnkeyedMarkers(Poco::Data::Session& s) {
  std::vector<std::string> urns;
  s << "SELECT urn FROM cases WHERE purged_at IS NOT NULL ORDER BY urn", into(urns), now;
  for (const std::string& urn : urns)
    replaceCaseValues(s, urn, [&](const std::string& value) -> std::optional<std::string> {
      const auto digest = unkeyedDigest(value);
      if (!digest) return std::nullopt;
      return markerOfDigest(retentionKeys(s), urn, *digest);
    });
}

bool RetentionStore::isMarker(const std::string& value) { return value.rfind("{\"purged\":", 0) == 0; }

std::vector<QuietCase> RetentionStore::quietCasesBefore(const std::string& before) {
  // The latest event's date in a subquery: PostgreSQL's WHERE cannot name an answer's column (SQLite's can).
  Query q(s_,
          "SELECT urn, area, last_on FROM (SELECT c.urn AS urn, c.area AS area, "
          "(SELECT MAX(local_date) FROM events e WHERE e.case_urn = c.urn) AS last_on "
          "FROM cases c WHERE c.purged_at IS NULL "
          "AND NOT EXISTS (SELECT 1 FROM obligations o WHERE o.case_urn = c.urn AND o.status = 'pending') "
          "AND NOT EXISTS (SELECT 1 FROM letters l JOIN obligations o ON o.id = l.obligation_id "
          "  WHERE o.case_urn = c.urn AND l.state IN ('draft', 'blocked', 'rejected', 'approved')) "
          "AND NOT EXISTS (SELECT 1 FROM outbox m JOIN letters l ON l.n = m.letter_n JOIN obligations o "
          "  ON o.id = l.obligation_id WHERE o.case_urn = c.urn AND m.state IN ('queued', 'sending', 'retrying', 'dead')) "
          "AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.case_urn = c.urn AND n.state IN ('queued', 'dead'))) "
          "quiet WHERE last_on < ? ORDER BY last_on, urn");
  q.bind(before);
  std::vector<QuietCase> out;
  while (q.next()) out.push_back({q.text(0), q.text(1), q.text(2)});
  return out;
}

int RetentionStore::purgeCase(const std::string& urn, const std::string& at) {
  const Keyring& keys = retentionKeys(s_);
  const int replaced = replaceCaseValues(s_, urn, [&](const std::string& value) -> std::optional<std::string> {
    if (value.empty() || value == "[]" || isMarker(value)) return std::nullopt;  // nothing there, or purged already
    return marker(keys, urn, value);
  });
  Query q(s_, "UPDATE cases SET purged_at = ? WHERE urn = ?");
  q.bind(at).bind(urn).run();
  // On SQLite triggers arm the case (case_checks) and move its change token (case_versions) for each row the
  // purge wrote (events, the case, victims, entitlement changes, obligations, reasons): on PostgreSQL, where
  // no trigger writes, the purge does both itself, once, in its transaction (docs/storage-seam.md).
  if (isPostgres(s_)) Store(s_).armCaseCheck(urn);
  return replaced;
}

std::optional<std::string> RetentionStore::purgedAt(const std::string& urn) {
  Query q(s_, "SELECT purged_at FROM cases WHERE urn = ? AND purged_at IS NOT NULL");
  q.bind(urn);
  if (!q.next()) return std::nullopt;
  return q.text(0);
}

RetentionStore::RetentionStore(Connection& connection) : s_(sqlite(connection)) {}

bool RetentionStore::rewriteFileWithoutFreedContent() {
  if (isPostgres(s_)) {
    // No file to rebuild and no log to empty (docs/compliance.md, "The purge on PostgreSQL"): VACUUM removes the
    // old row versions the purge left in the tables it changed, which no open snapshot still sees. Not VACUUM
    // FULL: its lock would stop every daemon reading those tables for as long as the rewrite takes.
    std::string tables;
    for (const PurgeTarget& t : targets()) tables += std::string(t.table) + ", ";
    Query(s_, "VACUUM " + tables + "obligations").run();
    return true;
  }
  vacuum(s_);
  int busy = 1, log_pages = 0, checkpointed = 0;
  s_ << "PRAGMA wal_checkpoint(TRUNCATE)", into(busy), into(log_pages), into(checkpointed), now;
  return busy == 0;
}

}  // namespace vc::storage
