#include "storage/retention_store.h"
#include "storage/sqlite_connection.h"
#include "storage/sqlite_statement.h"

#include <functional>
#include <optional>

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Statement.h>

#include "common/error.h"
#include "common/sha256.h"
#include "storage/database.h"
#include "storage/letter_store.h"
#include "storage/obligation_body.h"

using namespace Poco::Data::Keywords;
using Poco::Data::Statement;

namespace vc::storage {
namespace {

// Where a case's personal data was written: the table, the column that names a row, the
// columns to replace, and which of its rows belong to the case (?1 is the case URN).
struct PurgeTarget {
  const char* table;
  const char* key;
  std::vector<const char*> columns;
  const char* rows_of_case;
};

#define VC_OBLIGATIONS_OF_CASE "(SELECT id FROM obligations WHERE case_urn = ?1)"
#define VC_LETTERS_OF_CASE "(SELECT n FROM letters WHERE obligation_id IN " VC_OBLIGATIONS_OF_CASE ")"

const std::vector<PurgeTarget>& targets() {
  static const std::vector<PurgeTarget> kTargets = {
      {"events", "seq", {"body"}, "case_urn = ?1"},
      {"cases", "urn", {"details"}, "urn = ?1"},
      {"victims", "victim_id", {"profile", "reasons"}, "case_urn = ?1"},
      {"entitlement_changes", "rowid", {"reasons"}, "victim_id IN (SELECT victim_id FROM victims WHERE case_urn = ?1)"},
      {"meetings", "id", {"body"}, "case_urn = ?1"},
      {"letters", "n", {"fields", "free_text", "recipient_email", "html", "text", "note"},
       "obligation_id IN " VC_OBLIGATIONS_OF_CASE},
      {"letter_versions", "rowid", {"fields", "free_text", "html", "text"}, "letter_n IN " VC_LETTERS_OF_CASE},
      {"letter_history", "rowid", {"note"}, "letter_n IN " VC_LETTERS_OF_CASE},
      {"notifications", "n", {"recipient_email", "html", "text"}, "case_urn = ?1"},
      {"outbox", "id", {"name", "recipient", "subject", "body_text", "body_html"},
       "letter_n IN " VC_LETTERS_OF_CASE " OR notification_n IN (SELECT n FROM notifications WHERE case_urn = ?1)"},
      {"obligation_reasons", "n", {"note"}, "obligation_id IN " VC_OBLIGATIONS_OF_CASE},
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
// are values here. Returns how many were replaced.
int replaceCaseValues(Poco::Data::Session& s, const std::string& urn,
                      const std::function<std::optional<std::string>(const std::string&)>& replace) {
  int replaced = 0;
  // Letters that keep their words in their current version (letter_store.cpp) get their own copy back
  // first, so that each value is replaced (and counted) in both places as before. Only from the schema
  // that has the column: an upgrade re-keys older markers before it exists.
  int words_once = 0;
  s << "SELECT COUNT(*) FROM pragma_table_info('letters') WHERE name = 'words_in_version'", into(words_once), now;
  if (words_once) {
    std::string u = urn;
    s << "UPDATE letters SET html = (SELECT v.html FROM letter_versions v WHERE v.letter_n = letters.n AND v.version = "
         "letters.version), text = (SELECT v.text FROM letter_versions v WHERE v.letter_n = letters.n AND v.version = "
         "letters.version), words_in_version = 0 WHERE words_in_version = 1 AND obligation_id IN "
         "(SELECT id FROM obligations WHERE case_urn = ?)",
        bind(u), now;
  }
  for (const PurgeTarget& t : targets()) {
    for (const char* column : t.columns) {
      Statement st(s);
      std::string u = urn;
      st << std::string("SELECT ") + t.key + ", " + column + " FROM " + t.table + " WHERE " + t.rows_of_case, bind(u);
      st.execute();
      Poco::Data::RecordSet rs(st);
      std::vector<std::pair<std::string, std::string>> rows;  // read whole before writing
      for (bool more = rs.moveFirst(); more; more = rs.moveNext())
        if (!rs.value(1).isEmpty()) rows.emplace_back(rs.value(0).convert<std::string>(), rs.value(1).convert<std::string>());
      for (const auto& [key, value] : rows) {
        // A letter version's words may be stored packed: the marker is of the words themselves, as before.
        auto replacement = replace(LetterStore::unpackWords(value));
        if (!replacement) continue;
        std::string k = key;
        s << std::string("UPDATE ") + t.table + " SET " + column + " = ? WHERE " + t.key + " = ?", bind(*replacement),
            bind(k), now;
        ++replaced;
      }
    }
  }
  Statement st(s);
  std::string u = urn;
  // The body may be stored packed (obligation_body.h): its values are read from the body as written.
  st << "SELECT id, rule, victim_id, case_urn, trigger_event, kind, basis, policy, tier, body "
        "FROM obligations WHERE case_urn = ?",
      bind(u);
  st.execute();
  Poco::Data::RecordSet rs(st);
  std::vector<std::vector<std::string>> obligations;
  for (bool more = rs.moveFirst(); more; more = rs.moveNext()) {
    ObligationRow r;
    size_t c = 0;
    for (std::string* field : {&r.id, &r.rule, &r.victim_id, &r.case_urn, &r.trigger_event, &r.kind, &r.basis,
                               &r.policy, &r.tier, &r.body})
      *field = rs.value(c++).convert<std::string>();
    obligations.push_back({r.id, unpackObligationBody(r.body, r), ""});
  }
  for (auto& o : obligations) {
    const std::string body = o[1];
    s << "SELECT IFNULL(json_extract(?, '$.explanation'), ''), IFNULL(json_extract(?, '$.changes'), '')", bind(body),
        bind(body), into(o[1]), into(o[2]), now;
  }
  for (auto& o : obligations) {
    for (auto [path, index] : {std::pair{"$.explanation", 1}, std::pair{"$.changes", 2}}) {
      auto replacement = replace(o[static_cast<size_t>(index)]);
      if (!replacement) continue;
      std::string p = path;
      s << "UPDATE obligations SET body = json_set(body, ?, json(?)) WHERE id = ?", bind(p), bind(*replacement),
          bind(o[0]), now;
      ++replaced;
    }
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
  std::string when = at, u = urn;
  s_ << "UPDATE cases SET purged_at = ? WHERE urn = ?", bind(when), bind(u), now;
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
  vacuum(s_);
  int busy = 1, log_pages = 0, checkpointed = 0;
  s_ << "PRAGMA wal_checkpoint(TRUNCATE)", into(busy), into(log_pages), into(checkpointed), now;
  return busy == 0;
}

}  // namespace vc::storage
