#include "storage/database.h"
#include "storage/sqlite_connection.h"
#include "storage/sqlite_statement.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <vector>

#include <unistd.h>

#include <Poco/Logger.h>
#include <Poco/Data/RecordSet.h>
#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/SQLite/SQLiteException.h>
#include <Poco/Data/SQLite/SessionImpl.h>
#include <Poco/Data/SQLite/Utility.h>
#include <Poco/File.h>
#include <Poco/Path.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include "common/error.h"
#include "storage/audit_log.h"
#include "storage/obligation_body.h"
#include "storage/postgres/pg_session.h"
#include "storage/postgres/postgres_database.h"
#include "storage/retention_store.h"

using namespace Poco::Data::Keywords;

namespace vc::storage {
namespace {

// Each entry moves the schema from version i to i+1: its SQL, then (if any) a
// step in C++ (what SQL alone cannot do, e.g. SHA-256), then more SQL.
// Never edit a shipped entry: add one.
struct Migration {
  std::vector<std::string> sql;
  void (*step)(Poco::Data::Session&) = nullptr;
  std::vector<std::string> then_sql = {};
};

// A purge may replace a personal-data column with the marker {"purged":"sha256:<hex of what it held>"};
// nothing else may change an append-only row. `column` is an SQL expression over NEW and OLD rows.
std::string purgeMarker(const std::string& column) {
  return "(NEW." + column + " IS OLD." + column + " OR (NEW." + column + " LIKE '{\"purged\":\"sha256:%' AND OLD." +
         column + " NOT LIKE '{\"purged\":%'))";
}

std::string appendOnlyUnlessPurge(const std::string& table, const std::vector<std::string>& kept,
                                  const std::vector<std::string>& purgeable, const std::string& message) {
  std::string allowed;
  for (const auto& c : kept) allowed += (allowed.empty() ? "" : " AND ") + ("NEW." + c + " IS OLD." + c);
  for (const auto& c : purgeable) allowed += (allowed.empty() ? "" : " AND ") + purgeMarker(c);
  return "CREATE TRIGGER " + table + "_no_update BEFORE UPDATE ON " + table + " WHEN NOT (" + allowed +
         ") BEGIN SELECT RAISE(ABORT, '" + message + "'); END";
}

// From migration 8: a purge marker is keyed, {"purged":"hmac-sha256:<key id>:<hex>"}; a value may become
// one, and so may a marker of the older, unkeyed kind (the upgrade re-keys those), and nothing else changes.
std::string keyedPurgeMarker(const std::string& column) {
  const std::string n = "NEW." + column, o = "OLD." + column;
  return "(" + n + " IS " + o + " OR (" + n + " LIKE '{\"purged\":\"hmac-sha256:%' AND (" + o +
         " NOT LIKE '{\"purged\":%' OR " + o + " LIKE '{\"purged\":\"sha256:%')))";
}

std::string appendOnlyUnlessKeyedPurge(const std::string& table, const std::vector<std::string>& kept,
                                       const std::vector<std::string>& purgeable, const std::string& message) {
  std::string allowed;
  for (const auto& c : kept) allowed += (allowed.empty() ? "" : " AND ") + ("NEW." + c + " IS OLD." + c);
  for (const auto& c : purgeable) allowed += (allowed.empty() ? "" : " AND ") + keyedPurgeMarker(c);
  return "CREATE TRIGGER " + table + "_no_update BEFORE UPDATE ON " + table + " WHEN NOT (" + allowed +
         ") BEGIN SELECT RAISE(ABORT, '" + message + "'); END";
}

// Migration 12: arms a case in case_checks with a fresh token. No conflict clause (INSERT OR REPLACE): inside a
// trigger fired by an upsert, SQLite would use the upsert's conflict handling instead and abort.
std::string armCase(const std::string& urn) {
  return "UPDATE case_checks SET armed = random() WHERE case_urn = " + urn +
         "; INSERT INTO case_checks(case_urn, armed) SELECT " + urn +
         ", random() WHERE NOT EXISTS (SELECT 1 FROM case_checks WHERE case_urn = " + urn + ");";
}

// ... and every case with a victim the ISVA (NEW.isva_id) supports.
std::string armIsvaCases() {
  return "UPDATE case_checks SET armed = random() WHERE case_urn IN "
         "(SELECT case_urn FROM victims WHERE isva_id = NEW.isva_id); "
         "INSERT INTO case_checks(case_urn, armed) SELECT v.case_urn, random() FROM "
         "(SELECT DISTINCT case_urn FROM victims WHERE isva_id = NEW.isva_id) v "
         "WHERE NOT EXISTS (SELECT 1 FROM case_checks c WHERE c.case_urn = v.case_urn);";
}

// Migration 18: the case's change token moves on (case_versions; see the migration). A case without a row
// (none should be: the migration and every derivation make one) is simply never answered from the cache.
std::string bumpCaseVersion(const std::string& urn) {
  return "UPDATE case_versions SET version = version + 1 WHERE case_urn = " + urn + ";";
}

// Migration 16: every obligation body stored packed (storage/obligation_body.h), 2,000 rows at a time. A body
// that would not read back byte for byte (an older shape, a purged one) is left as it is.
void packObligationBodies(Poco::Data::Session& s) {
  Poco::Int64 after = -1;
  for (;;) {
    Poco::Data::Statement st(s);
    st << "SELECT rowid, id, rule, victim_id, case_urn, trigger_event, kind, basis, policy, tier, body "
          "FROM obligations WHERE rowid > ? ORDER BY rowid LIMIT 2000",
        bind(after);
    st.execute();
    Poco::Data::RecordSet rs(st);
    std::vector<Poco::Int64> rowids;
    std::vector<std::string> bodies;
    bool any = false;
    for (bool more = rs.moveFirst(); more; more = rs.moveNext()) {
      any = true;
      after = rs.value(0).convert<Poco::Int64>();
      ObligationRow r;
      size_t c = 1;
      for (std::string* field : {&r.id, &r.rule, &r.victim_id, &r.case_urn, &r.trigger_event, &r.kind, &r.basis,
                                 &r.policy, &r.tier, &r.body})
        *field = rs.value(c++).convert<std::string>();
      std::string packed = packObligationBody(r.body, r);
      if (packed == r.body) continue;
      rowids.push_back(after);
      bodies.push_back(std::move(packed));
    }
    if (!any) return;
    if (!rowids.empty()) s << "UPDATE obligations SET body = ? WHERE rowid = ?", use(bodies), use(rowids), now;
  }
}

const std::vector<Migration>& migrations() {
  static const std::vector<Migration> kMigrations = {
      {{
          // 1: events (append-only, the source of truth) and the state derived from them.
          R"(CREATE TABLE events(
               seq INTEGER PRIMARY KEY AUTOINCREMENT,
               id TEXT NOT NULL UNIQUE,
               type TEXT NOT NULL,
               case_urn TEXT,
               victim_id TEXT,
               occurred_at TEXT NOT NULL,
               local_date TEXT NOT NULL,
               received_at TEXT NOT NULL,
               body TEXT NOT NULL))",
          "CREATE INDEX events_by_case ON events(case_urn, seq)",
          "CREATE INDEX events_by_victim ON events(victim_id, seq)",
          "CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END",
          "CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END",
          R"(CREATE TABLE cases(
               urn TEXT PRIMARY KEY,
               area TEXT NOT NULL,
               unit TEXT NOT NULL,
               details TEXT NOT NULL,
               registered_event TEXT NOT NULL REFERENCES events(id),
               last_event_seq INTEGER NOT NULL))",
          "CREATE INDEX cases_by_area ON cases(area)",
          R"(CREATE TABLE victims(
               victim_id TEXT PRIMARY KEY,
               case_urn TEXT NOT NULL REFERENCES cases(urn),
               enhanced INTEGER NOT NULL,
               reasons TEXT NOT NULL,
               profile TEXT NOT NULL,
               isva_id TEXT,
               consent_to_share INTEGER NOT NULL,
               opted_out TEXT NOT NULL))",
          "CREATE INDEX victims_by_case ON victims(case_urn)",
          R"(CREATE TABLE entitlement_changes(
               victim_id TEXT NOT NULL REFERENCES victims(victim_id),
               n INTEGER NOT NULL,
               event_id TEXT NOT NULL REFERENCES events(id),
               date TEXT NOT NULL,
               from_enhanced INTEGER NOT NULL,
               to_enhanced INTEGER NOT NULL,
               reasons TEXT NOT NULL,
               PRIMARY KEY(victim_id, n)))",
          R"(CREATE TABLE obligations(
               id TEXT PRIMARY KEY,
               rule TEXT NOT NULL,
               policy TEXT NOT NULL,
               basis TEXT NOT NULL,
               kind TEXT NOT NULL,
               victim_id TEXT NOT NULL REFERENCES victims(victim_id),
               case_urn TEXT NOT NULL REFERENCES cases(urn),
               area TEXT NOT NULL,
               trigger_event TEXT NOT NULL REFERENCES events(id),
               tier TEXT NOT NULL,
               due_by TEXT NOT NULL,
               status TEXT NOT NULL,
               completed_at TEXT,
               body TEXT NOT NULL,
               created_n INTEGER NOT NULL))",
          "CREATE INDEX obligations_by_due ON obligations(due_by, id)",
          "CREATE INDEX obligations_by_case ON obligations(case_urn)",
          "CREATE INDEX obligations_by_victim ON obligations(victim_id)",
          R"(CREATE TABLE isvas(
               isva_id TEXT PRIMARY KEY,
               details TEXT NOT NULL,
               registered_event TEXT NOT NULL REFERENCES events(id)))",
          R"(CREATE TABLE users(
               id INTEGER PRIMARY KEY AUTOINCREMENT,
               name TEXT NOT NULL UNIQUE,
               role TEXT NOT NULL,
               isva_id TEXT,
               area TEXT,
               token_sha256 TEXT NOT NULL UNIQUE,
               created_at TEXT NOT NULL))",
          R"(CREATE TABLE audit_log(
               seq INTEGER PRIMARY KEY AUTOINCREMENT,
               at TEXT NOT NULL,
               actor TEXT NOT NULL,
               action TEXT NOT NULL,
               subject TEXT NOT NULL,
               detail TEXT NOT NULL))",
      }},
      {{
          // 2: letters (one per obligation that needs one), every version and every step kept,
          // and the outbox that delivers them.
          R"(CREATE TABLE letters(
               n INTEGER PRIMARY KEY AUTOINCREMENT,
               obligation_id TEXT NOT NULL UNIQUE REFERENCES obligations(id),
               kind TEXT NOT NULL,
               language TEXT NOT NULL,
               channel TEXT NOT NULL,
               state TEXT NOT NULL,
               version INTEGER NOT NULL,
               letter_date TEXT NOT NULL,
               blocked_by TEXT NOT NULL,
               last_edited_by TEXT,
               fields TEXT NOT NULL,
               free_text TEXT NOT NULL,
               context_hash TEXT NOT NULL,
               template_version TEXT NOT NULL,
               policy TEXT NOT NULL,
               recipient_email TEXT NOT NULL,
               html TEXT NOT NULL,
               text TEXT NOT NULL,
               note TEXT NOT NULL,
               created_at TEXT NOT NULL,
               updated_at TEXT NOT NULL,
               approved_by TEXT,
               approved_at TEXT,
               sent_at TEXT))",
          "CREATE INDEX letters_by_state ON letters(state)",
          R"(CREATE TABLE letter_versions(
               letter_n INTEGER NOT NULL REFERENCES letters(n),
               version INTEGER NOT NULL,
               at TEXT NOT NULL,
               author TEXT NOT NULL,
               why TEXT NOT NULL,
               language TEXT NOT NULL,
               channel TEXT NOT NULL,
               letter_date TEXT NOT NULL,
               blocked_by TEXT NOT NULL,
               fields TEXT NOT NULL,
               free_text TEXT NOT NULL,
               context_hash TEXT NOT NULL,
               template_version TEXT NOT NULL,
               policy TEXT NOT NULL,
               html TEXT NOT NULL,
               text TEXT NOT NULL,
               PRIMARY KEY(letter_n, version)))",
          R"(CREATE TABLE letter_history(
               letter_n INTEGER NOT NULL REFERENCES letters(n),
               n INTEGER NOT NULL,
               at TEXT NOT NULL,
               actor TEXT NOT NULL,
               action TEXT NOT NULL,
               from_state TEXT NOT NULL,
               to_state TEXT NOT NULL,
               version INTEGER NOT NULL,
               note TEXT NOT NULL,
               PRIMARY KEY(letter_n, n)))",
          "CREATE TRIGGER letter_versions_no_update BEFORE UPDATE ON letter_versions BEGIN SELECT RAISE(ABORT, 'letter versions are kept as written'); END",
          "CREATE TRIGGER letter_versions_no_delete BEFORE DELETE ON letter_versions BEGIN SELECT RAISE(ABORT, 'letter versions are kept as written'); END",
          "CREATE TRIGGER letter_history_no_update BEFORE UPDATE ON letter_history BEGIN SELECT RAISE(ABORT, 'letter history is append-only'); END",
          "CREATE TRIGGER letter_history_no_delete BEFORE DELETE ON letter_history BEGIN SELECT RAISE(ABORT, 'letter history is append-only'); END",
          R"(CREATE TABLE outbox(
               id INTEGER PRIMARY KEY AUTOINCREMENT,
               letter_n INTEGER REFERENCES letters(n),
               channel TEXT NOT NULL,
               name TEXT NOT NULL,
               recipient TEXT NOT NULL,
               subject TEXT NOT NULL,
               message_id TEXT NOT NULL UNIQUE,
               body_text TEXT NOT NULL,
               body_html TEXT NOT NULL,
               state TEXT NOT NULL,
               attempts INTEGER NOT NULL,
               next_attempt_at INTEGER NOT NULL,
               last_error TEXT NOT NULL,
               created_at TEXT NOT NULL,
               sent_at TEXT))",
          "CREATE INDEX outbox_due ON outbox(state, next_attempt_at)",
          "CREATE INDEX outbox_by_letter ON outbox(letter_n)",
      }},
      {{
          // 3: meetings (derived from the case's events, like obligations), ISVA notifications,
          // and the outbox carrying notifications as well as letters.
          R"(CREATE TABLE meetings(
               id TEXT PRIMARY KEY,
               case_urn TEXT NOT NULL REFERENCES cases(urn),
               victim_id TEXT NOT NULL REFERENCES victims(victim_id),
               area TEXT NOT NULL,
               meeting TEXT NOT NULL,
               state TEXT NOT NULL,
               held_obligation TEXT,
               held_due_by TEXT,
               body TEXT NOT NULL,
               opened_n INTEGER NOT NULL))",
          "CREATE INDEX meetings_by_case ON meetings(case_urn)",
          R"(CREATE TABLE notifications(
               n INTEGER PRIMARY KEY AUTOINCREMENT,
               obligation_id TEXT NOT NULL UNIQUE REFERENCES obligations(id),
               isva_id TEXT NOT NULL,
               victim_id TEXT NOT NULL REFERENCES victims(victim_id),
               case_urn TEXT NOT NULL REFERENCES cases(urn),
               area TEXT NOT NULL,
               event_type TEXT NOT NULL,
               occurred_on TEXT NOT NULL,
               language TEXT NOT NULL,
               recipient_email TEXT NOT NULL,
               subject TEXT NOT NULL,
               html TEXT NOT NULL,
               text TEXT NOT NULL,
               template_version TEXT NOT NULL,
               state TEXT NOT NULL,
               note TEXT NOT NULL,
               created_at TEXT NOT NULL,
               sent_at TEXT,
               read_at TEXT))",
          "CREATE INDEX notifications_by_isva ON notifications(isva_id, n)",
          "ALTER TABLE outbox ADD COLUMN notification_n INTEGER REFERENCES notifications(n)",
          "CREATE INDEX outbox_by_notification ON outbox(notification_n)",
      }},
      {
          // 4: the compliance ledger (reasons for a miss, warnings and breaches raised once), the
          // audit log hash-chained with correlation ids, and retention (a purge may replace personal
          // data with its hash, and nothing else may touch an append-only row).
          {
              "ALTER TABLE audit_log ADD COLUMN correlation_id TEXT NOT NULL DEFAULT ''",
              "ALTER TABLE audit_log ADD COLUMN prev_hash TEXT NOT NULL DEFAULT ''",
              "ALTER TABLE audit_log ADD COLUMN hash TEXT NOT NULL DEFAULT ''",
          },
          &AuditLog::chainUnchainedEntries,
          {
              "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
              "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
              "CREATE INDEX audit_by_subject ON audit_log(subject, seq)",
              "CREATE INDEX audit_by_action ON audit_log(action, seq)",
              R"(CREATE TABLE obligation_reasons(
                   n INTEGER PRIMARY KEY AUTOINCREMENT,
                   obligation_id TEXT NOT NULL REFERENCES obligations(id),
                   reason TEXT NOT NULL,
                   note TEXT NOT NULL,
                   outcome TEXT NOT NULL,
                   recorded_by TEXT NOT NULL,
                   recorded_at TEXT NOT NULL,
                   correlation_id TEXT NOT NULL))",
              "CREATE INDEX obligation_reasons_by_obligation ON obligation_reasons(obligation_id, n)",
              appendOnlyUnlessPurge("obligation_reasons",
                                    {"n", "obligation_id", "reason", "outcome", "recorded_by", "recorded_at",
                                     "correlation_id"},
                                    {"note"}, "reasons are changed only by adding a new one"),
              "CREATE TRIGGER obligation_reasons_no_delete BEFORE DELETE ON obligation_reasons BEGIN SELECT RAISE(ABORT, 'reasons are changed only by adding a new one'); END",
              R"(CREATE TABLE obligation_alerts(
                   obligation_id TEXT NOT NULL REFERENCES obligations(id),
                   alert TEXT NOT NULL,
                   due_by TEXT NOT NULL,
                   raised_at TEXT NOT NULL,
                   PRIMARY KEY(obligation_id, alert, due_by)))",
              "ALTER TABLE cases ADD COLUMN purged_at TEXT",
              "DROP TRIGGER events_no_update",
              appendOnlyUnlessPurge("events",
                                    {"seq", "id", "type", "case_urn", "victim_id", "occurred_at", "local_date",
                                     "received_at"},
                                    {"body"}, "events are append-only (a purge alone may replace a body with its hash)"),
              "DROP TRIGGER letter_versions_no_update",
              appendOnlyUnlessPurge("letter_versions",
                                    {"letter_n", "version", "at", "author", "why", "language", "channel",
                                     "letter_date", "blocked_by", "context_hash", "template_version", "policy"},
                                    {"fields", "free_text", "html", "text"}, "letter versions are kept as written"),
              "DROP TRIGGER letter_history_no_update",
              appendOnlyUnlessPurge("letter_history",
                                    {"letter_n", "n", "at", "actor", "action", "from_state", "to_state", "version"},
                                    {"note"}, "letter history is append-only"),
          },
      },
      {{
          // 5: passwords for the web pages' login (PBKDF2; see http/passwords.h).
          "ALTER TABLE users ADD COLUMN password_hash TEXT",
      }},
      {{
          // 6: web login sessions (only a hash of each cookie value is kept) and failed logins per name.
          R"(CREATE TABLE web_sessions(
               id_sha256 TEXT PRIMARY KEY,
               user_id INTEGER NOT NULL REFERENCES users(id),
               csrf_token TEXT NOT NULL,
               created_at INTEGER NOT NULL,
               last_seen_at INTEGER NOT NULL))",
          R"(CREATE TABLE login_failures(
               name TEXT PRIMARY KEY,
               failures INTEGER NOT NULL,
               last_failed_at INTEGER NOT NULL))",
      }},
      {
          // 7: the audit chain keyed with a secret kept outside the database (HMAC-SHA256 under the
          // key named by key_id), and a random id for the store, which its checkpoints carry. Entries
          // written before stay as they were (plain SHA-256, key_id ''); one keyed entry, audit_keyed,
          // records how many there are and chains to the last of them, so none can be added, removed
          // or changed, and no keyed entry relabelled as unkeyed, without the key.
          {
              "ALTER TABLE audit_log ADD COLUMN key_id TEXT NOT NULL DEFAULT ''",
              "CREATE TABLE store_identity(store_id TEXT NOT NULL)",
              "INSERT INTO store_identity(store_id) VALUES(lower(hex(randomblob(16))))",
          },
          &AuditLog::vouchForUnkeyedEntries,
      },
      {
          // 8: purge markers keyed (retention.key_file), so that holding the file no longer lets anyone
          // confirm a guessed name, email or postcode; markers of the older, unkeyed kind are re-keyed.
          {
              "DROP TRIGGER events_no_update",
              appendOnlyUnlessKeyedPurge("events",
                                         {"seq", "id", "type", "case_urn", "victim_id", "occurred_at", "local_date",
                                          "received_at"},
                                         {"body"}, "events are append-only (a purge alone may replace a body with its marker)"),
              "DROP TRIGGER letter_versions_no_update",
              appendOnlyUnlessKeyedPurge("letter_versions",
                                         {"letter_n", "version", "at", "author", "why", "language", "channel",
                                          "letter_date", "blocked_by", "context_hash", "template_version", "policy"},
                                         {"fields", "free_text", "html", "text"}, "letter versions are kept as written"),
              "DROP TRIGGER letter_history_no_update",
              appendOnlyUnlessKeyedPurge("letter_history",
                                         {"letter_n", "n", "at", "actor", "action", "from_state", "to_state", "version"},
                                         {"note"}, "letter history is append-only"),
              "DROP TRIGGER obligation_reasons_no_update",
              appendOnlyUnlessKeyedPurge("obligation_reasons",
                                         {"n", "obligation_id", "reason", "outcome", "recorded_by", "recorded_at",
                                          "correlation_id"},
                                         {"note"}, "reasons are changed only by adding a new one"),
          },
          &RetentionStore::rekeyUnkeyedMarkers,
      },
      {{
          // 9: the sender's display name per message (a neutral one where the victim asked for discretion;
          // '' for the address alone, as before).
          "ALTER TABLE outbox ADD COLUMN sender_name TEXT NOT NULL DEFAULT ''",
      }},
      {{
          // 10: print batches: the posted letters handed to the print room together, with the manifest
          // written beside them, and when (and by whom) the print room confirmed it had them.
          R"(CREATE TABLE print_batches(
               n INTEGER PRIMARY KEY AUTOINCREMENT,
               created_at TEXT NOT NULL,
               created_at_s INTEGER NOT NULL,
               letters INTEGER NOT NULL,
               manifest TEXT NOT NULL,
               confirmed_at TEXT,
               confirmed_by TEXT,
               overdue_logged INTEGER NOT NULL DEFAULT 0))",
          "ALTER TABLE outbox ADD COLUMN print_batch INTEGER",
      }},
      {{
          // 11: what was heard of a message after it left (issue 15): '' (nothing), delivered (a DSN
          // said so), returned (the post came back) or bounced (a DSN or letter.bounced), when, and what
          // was said; and the index a DSN is matched by. A letter that came back before this version
          // has the message it came back from marked from its history.
          "ALTER TABLE outbox ADD COLUMN outcome TEXT NOT NULL DEFAULT ''",
          "ALTER TABLE outbox ADD COLUMN outcome_at TEXT NOT NULL DEFAULT ''",
          "ALTER TABLE outbox ADD COLUMN outcome_detail TEXT NOT NULL DEFAULT ''",
          "CREATE INDEX outbox_by_message_id ON outbox(message_id)",
          R"(UPDATE outbox SET outcome = r.action, outcome_at = r.at, outcome_detail = r.note FROM (
               SELECT m.id AS id, h.action AS action, h.at AS at, h.note AS note
               FROM letter_history h JOIN outbox m ON m.letter_n = h.letter_n AND m.state = 'sent' AND m.sent_at <= h.at
               WHERE h.action IN ('returned', 'bounced') AND NOT EXISTS (
                 SELECT 1 FROM outbox later WHERE later.letter_n = m.letter_n AND later.state = 'sent'
                   AND later.id > m.id AND later.sent_at <= h.at)) AS r
             WHERE outbox.id = r.id)",
          // Letters posted before print batches existed (version 10) were handed over as they were
          // spooled: one batch, confirmed, holds them, so none waits for a confirmation that cannot come.
          R"(INSERT INTO print_batches(created_at, created_at_s, letters, manifest, confirmed_at, confirmed_by)
             SELECT MIN(sent_at), 0, COUNT(*), '', MAX(sent_at), 'store upgrade: posted before print batches'
             FROM outbox WHERE channel = 'post' AND state = 'sent' AND print_batch IS NULL HAVING COUNT(*) > 0)",
          R"(UPDATE outbox SET print_batch = (SELECT MAX(n) FROM print_batches
               WHERE confirmed_by = 'store upgrade: posted before print batches')
             WHERE channel = 'post' AND state = 'sent' AND print_batch IS NULL)",
      }},
      {{
          // 12: ids come from the store, not MAX(n) + 1 (takeNumber): a counter per kind of row, so a
          // second writer on a shared store (PostgreSQL, issue 17) cannot take the same number.
          "CREATE TABLE id_counters(name TEXT PRIMARY KEY, next INTEGER NOT NULL)",
          "INSERT INTO id_counters(name, next) VALUES('letters', (SELECT IFNULL(MAX(n), 0) + 1 FROM letters)), "
          "('notifications', (SELECT IFNULL(MAX(n), 0) + 1 FROM notifications))",
      }},
      {{
          // 13 (issue 16, item 6): a letter's words are stored once. A letter whose html and text are exactly
          // those of its current version keeps '' and words_in_version = 1, and is read through the version
          // row (storage/letter_store.cpp says how the flag is kept true). Letters whose words differ from
          // their version's, or that have no version row, keep their own copy. Nothing is lost: every
          // letter and version reads back byte for byte. (The file shrinks after a VACUUM; until then the
          // freed pages are reused by new rows.)
          "ALTER TABLE letters ADD COLUMN words_in_version INTEGER NOT NULL DEFAULT 0",
          R"(UPDATE letters SET html = '', text = '', words_in_version = 1 WHERE EXISTS (
               SELECT 1 FROM letter_versions v WHERE v.letter_n = letters.n AND v.version = letters.version
                 AND v.html = letters.html AND v.text = letters.text))",
      }},
      {{
          // 14: the review queue's page found from indexes alone (issue 16, item 3): open letters by state
          // with their obligation, and each obligation's due date and the queue's filters beside its id, so
          // that sorting the queue reads neither the letters' words nor the obligations' JSON.
          "CREATE INDEX IF NOT EXISTS letters_by_state_obligation ON letters(state, obligation_id)",
          "CREATE INDEX IF NOT EXISTS obligations_for_letter_queue ON obligations(id, due_by, area, rule)",
      }},
      {{
          // 15: the scheduler finds its work by index (issue 16, item 5) and the lists sort by index (item 4).
          //
          // case_checks: a case whose letters and notifications must be looked at again. Every write a
          // letter's words, fate or notification can depend on arms its case: each derivation of the case
          // (events stored and obligations written: Store::armCaseCheck, once per derivation, since a
          // trigger per row cost the ingest ~16%), and the triggers below for the writes that can come
          // from elsewhere: an event purged, the case, a victim, an ISVA's details. `armed` is a
          // fresh random token each time, so the scheduler clears only the arming it has dealt with
          // (DELETE ... WHERE armed = the token it read before it looked): a change made meanwhile
          // leaves the case armed for the next pass.
          "CREATE TABLE case_checks(case_urn TEXT PRIMARY KEY, armed INTEGER NOT NULL)",
          "CREATE TRIGGER events_purge_arm_case AFTER UPDATE OF body ON events WHEN NEW.case_urn IS NOT NULL BEGIN " +
              armCase("NEW.case_urn") + " END",
          "CREATE TRIGGER cases_arm_insert AFTER INSERT ON cases BEGIN " + armCase("NEW.urn") + " END",
          "CREATE TRIGGER cases_arm_update AFTER UPDATE ON cases BEGIN " + armCase("NEW.urn") + " END",
          "CREATE TRIGGER victims_arm_insert AFTER INSERT ON victims BEGIN " + armCase("NEW.case_urn") + " END",
          "CREATE TRIGGER victims_arm_update AFTER UPDATE ON victims BEGIN " + armCase("NEW.case_urn") + " END",
          // An ISVA's details are printed in the letters of every victim they support, on any case.
          "CREATE INDEX victims_by_isva ON victims(isva_id) WHERE isva_id IS NOT NULL",
          "CREATE TRIGGER isvas_arm_insert AFTER INSERT ON isvas BEGIN " + armIsvaCases() + " END",
          "CREATE TRIGGER isvas_arm_update AFTER UPDATE ON isvas BEGIN " + armIsvaCases() + " END",
          // A store from before: every case is looked at once.
          "INSERT INTO case_checks(case_urn, armed) SELECT urn, random() FROM cases",
          //
          // obligations.alert_on: the day (YYYY-MM-DD) from which the ledger sweep must next look at the
          // obligation ('' at once, NULL never): its at-risk date, then its breach date. The sweep sets it
          // after each look; a new obligation, and any change of status or due date, sets it to '' again.
          "ALTER TABLE obligations ADD COLUMN alert_on TEXT DEFAULT ''",
          "UPDATE obligations SET alert_on = NULL WHERE status <> 'pending'",
          "CREATE INDEX obligations_by_alert_on ON obligations(alert_on) WHERE alert_on IS NOT NULL",
          "CREATE TRIGGER obligations_rearm_alert AFTER UPDATE OF status, due_by ON obligations "
          "WHEN OLD.status IS NOT NEW.status OR OLD.due_by IS NOT NEW.due_by BEGIN "
          "UPDATE obligations SET alert_on = '' WHERE id = NEW.id; END",
          //
          // The lists (item 4): the review queue sorts by its obligation's due date, so each letter carries
          // that date (kept equal to obligations.due_by by the two triggers) and the queue walks an index
          // in its own order from the cursor; the obligations list has indexes for its commonest filters.
          "ALTER TABLE letters ADD COLUMN due_by TEXT NOT NULL DEFAULT ''",
          "UPDATE letters SET due_by = (SELECT o.due_by FROM obligations o WHERE o.id = letters.obligation_id)",
          "CREATE INDEX letters_by_due ON letters(due_by, n)",
          "CREATE INDEX letters_by_state_due ON letters(state, due_by, n)",
          "DROP INDEX letters_by_state",
          "CREATE TRIGGER letters_due_by_insert AFTER INSERT ON letters BEGIN "
          "UPDATE letters SET due_by = (SELECT o.due_by FROM obligations o WHERE o.id = NEW.obligation_id) "
          "WHERE n = NEW.n; END",
          "CREATE TRIGGER obligations_due_by_to_letter AFTER UPDATE OF due_by ON obligations "
          "WHEN OLD.due_by IS NOT NEW.due_by BEGIN UPDATE letters SET due_by = NEW.due_by WHERE obligation_id = NEW.id; END",
          // An officer bound to an Area always lists with it: the letter carries its obligation's Area too.
          "ALTER TABLE letters ADD COLUMN area TEXT NOT NULL DEFAULT ''",
          "UPDATE letters SET area = (SELECT o.area FROM obligations o WHERE o.id = letters.obligation_id)",
          "CREATE INDEX letters_by_area_due ON letters(area, due_by, n)",
          "CREATE INDEX letters_by_area_state_due ON letters(area, state, due_by, n)",
          "CREATE TRIGGER letters_area_insert AFTER INSERT ON letters BEGIN "
          "UPDATE letters SET area = (SELECT o.area FROM obligations o WHERE o.id = NEW.obligation_id) "
          "WHERE n = NEW.n; END",
          "CREATE TRIGGER obligations_area_to_letter AFTER UPDATE OF area ON obligations "
          "WHEN OLD.area IS NOT NEW.area BEGIN UPDATE letters SET area = NEW.area WHERE obligation_id = NEW.id; END",
          "CREATE INDEX obligations_by_status_due ON obligations(status, due_by, id)",
          "CREATE INDEX obligations_by_area_due ON obligations(area, due_by, id)",
          "CREATE INDEX obligations_by_area_status_due ON obligations(area, status, due_by, id)",
          // The queue now walks letters_by_*due in its own order: version 14's two indexes serve no query.
          "DROP INDEX IF EXISTS letters_by_state_obligation",
          "DROP INDEX IF EXISTS obligations_for_letter_queue",
      }},
      {{
           // 16 (issue 16, item 6): obligation bodies stored packed (storage/obligation_body.h): what the
           // row's columns hold, nulls and an empty `changes` left out, the explanation deflated. Each
           // reads back byte for byte; one that would not is kept as it was. (The file shrinks after a
           // VACUUM; until then the freed pages are reused by new rows.)
       },
       &packObligationBodies},
      {{
          // 17 (issue 16, item 4): the lists' filters that still walked a whole table at 100,000 cases.
          // The queue's "needs attention" filters (a communication need, an unsafe channel, a phone task)
          // matched few letters but read every open one, parsing its blocked_by JSON: a partial index
          // holds only the letters any of them can match, in the queue's order (listLetters adds the
          // same terms, then the exact JSON check). An obligation's rule filter (one rule is 5% of the
          // rows or less) read a page's worth of rows twenty times over, and a kind or a basis that matched
          // nothing (kind=notification in a store without ISVAs) read all 525,000 obligations (2.5-4.6 s):
          // each its own index, in list order.
          "CREATE INDEX letters_by_attention_due ON letters(due_by, n) WHERE channel = 'phone' OR "
          "instr(blocked_by, '\"needs_') > 0 OR instr(blocked_by, '\"unsafe_channel\"') > 0",
          "CREATE INDEX obligations_by_rule_due ON obligations(rule, due_by, id)",
          "CREATE INDEX obligations_by_kind_due ON obligations(kind, due_by, id)",
          "CREATE INDEX obligations_by_basis_due ON obligations(basis, due_by, id)",
          // The queue's rule filter read every letter in due order with its obligation, for the rule (a
          // quarter of the letters at most: 2-7 ms a page, more in one Area). A letter carries its
          // obligation's rule, as it carries its Area (an obligation's rule never changes: it is part of
          // its id), and the filter walks letters_by_rule_due.
          "ALTER TABLE letters ADD COLUMN rule TEXT NOT NULL DEFAULT ''",
          "UPDATE letters SET rule = (SELECT o.rule FROM obligations o WHERE o.id = letters.obligation_id)",
          "CREATE TRIGGER letters_rule_insert AFTER INSERT ON letters BEGIN "
          "UPDATE letters SET rule = (SELECT o.rule FROM obligations o WHERE o.id = NEW.obligation_id) "
          "WHERE n = NEW.n; END",
          "CREATE INDEX letters_by_rule_due ON letters(rule, due_by, n)",
      }},
      {{
          // 18 (issue 16, item 3): a change token per case, so that a victim's answer kept in memory
          // (services::ReadService's answer cache) is used only while nothing it shows has changed.
          // case_versions.version only ever grows. INVARIANT (a concurrent writer could break it): every
          // write that changes what GET /api/v1/victims/{id} shows (the victim, their entitlement
          // changes, the case, its events, the victim's obligations with their latest reason and alerts)
          // bumps its case's version IN THE SAME TRANSACTION. A derivation (events stored, the case,
          // victims, entitlement changes and obligations written) bumps it once, in Store::armCaseCheck,
          // as it arms the case (a trigger per event and obligation row would cost the ingest); events and
          // obligations are inserted by nothing else. Every other write is bumped by the triggers below,
          // whoever makes it: a purge (event bodies, the victim's columns, the case, obligation bodies,
          // reasons' notes), a reason recorded, an alert raised, a status or body written outside a
          // derivation. Writes that show nothing there (obligations.alert_on, the ledger sweep's mark) do
          // not bump it. tests/http/victim_answer_cache_test.cpp changes each and reads again.
          "CREATE TABLE case_versions(case_urn TEXT PRIMARY KEY, version INTEGER NOT NULL) WITHOUT ROWID",
          "INSERT INTO case_versions(case_urn, version) SELECT urn, 1 FROM cases",
          "CREATE TRIGGER events_bump_case_version AFTER UPDATE ON events WHEN NEW.case_urn IS NOT NULL BEGIN " +
              bumpCaseVersion("NEW.case_urn") + " END",
          "CREATE TRIGGER cases_bump_case_version AFTER UPDATE ON cases BEGIN " + bumpCaseVersion("NEW.urn") + " END",
          "CREATE TRIGGER victims_bump_case_version_insert AFTER INSERT ON victims BEGIN " +
              bumpCaseVersion("NEW.case_urn") + " END",
          "CREATE TRIGGER victims_bump_case_version_update AFTER UPDATE ON victims BEGIN " +
              bumpCaseVersion("NEW.case_urn") + " END",
          "CREATE TRIGGER victims_bump_case_version_delete AFTER DELETE ON victims BEGIN " +
              bumpCaseVersion("OLD.case_urn") + " END",
          "CREATE TRIGGER entitlement_changes_bump_case_version_insert AFTER INSERT ON entitlement_changes BEGIN " +
              bumpCaseVersion("(SELECT case_urn FROM victims WHERE victim_id = NEW.victim_id)") + " END",
          "CREATE TRIGGER entitlement_changes_bump_case_version_update AFTER UPDATE ON entitlement_changes BEGIN " +
              bumpCaseVersion("(SELECT case_urn FROM victims WHERE victim_id = NEW.victim_id)") + " END",
          "CREATE TRIGGER entitlement_changes_bump_case_version_delete AFTER DELETE ON entitlement_changes BEGIN " +
              bumpCaseVersion("(SELECT case_urn FROM victims WHERE victim_id = OLD.victim_id)") + " END",
          // Every column but alert_on (the ledger sweep's own mark, shown nowhere).
          "CREATE TRIGGER obligations_bump_case_version_update AFTER UPDATE OF id, rule, policy, basis, kind, "
          "victim_id, case_urn, area, trigger_event, tier, due_by, status, completed_at, body, created_n "
          "ON obligations BEGIN " + bumpCaseVersion("NEW.case_urn") + " END",  // an obligation's case never changes
          "CREATE TRIGGER obligations_bump_case_version_delete AFTER DELETE ON obligations BEGIN " +
              bumpCaseVersion("OLD.case_urn") + " END",
          "CREATE TRIGGER obligation_reasons_bump_case_version_insert AFTER INSERT ON obligation_reasons BEGIN " +
              bumpCaseVersion("(SELECT case_urn FROM obligations WHERE id = NEW.obligation_id)") + " END",
          "CREATE TRIGGER obligation_reasons_bump_case_version_update AFTER UPDATE ON obligation_reasons BEGIN " +
              bumpCaseVersion("(SELECT case_urn FROM obligations WHERE id = NEW.obligation_id)") + " END",
          "CREATE TRIGGER obligation_alerts_bump_case_version_insert AFTER INSERT ON obligation_alerts BEGIN " +
              bumpCaseVersion("(SELECT case_urn FROM obligations WHERE id = NEW.obligation_id)") + " END",
          "CREATE TRIGGER obligation_alerts_bump_case_version_update AFTER UPDATE ON obligation_alerts BEGIN " +
              bumpCaseVersion("(SELECT case_urn FROM obligations WHERE id = NEW.obligation_id)") + " END",
          "CREATE TRIGGER obligation_alerts_bump_case_version_delete AFTER DELETE ON obligation_alerts BEGIN " +
              bumpCaseVersion("(SELECT case_urn FROM obligations WHERE id = OLD.obligation_id)") + " END",
      }},
      {{
          // 19 (issue 16, item 1): a letter's due date, Area and rule, its obligation's, were set by three
          // AFTER INSERT triggers, each an UPDATE that rewrote the new row and its indexes again: about
          // 250 k instructions a letter, a tenth of a batch's work before its commit. LetterStore::insertLetter
          // now writes them in the INSERT itself, and one trigger, one UPDATE, fills them only for an insert
          // that leaves any of them out (as the three did, a letter without its obligation is refused: NOT NULL).
          "DROP TRIGGER IF EXISTS letters_due_by_insert",
          "DROP TRIGGER IF EXISTS letters_area_insert",
          "DROP TRIGGER IF EXISTS letters_rule_insert",
          "CREATE TRIGGER letters_from_obligation_insert AFTER INSERT ON letters "
          "WHEN NEW.due_by = '' OR NEW.area = '' OR NEW.rule = '' BEGIN "
          "UPDATE letters SET (due_by, area, rule) = (SELECT o.due_by, o.area, o.rule FROM obligations o "
          "WHERE o.id = NEW.obligation_id) WHERE n = NEW.n; END",
      }},
      {{
          // 20 (issue 17): an outbox message being sent is leased, by one daemon, until a time. Several daemons
          // on one PostgreSQL send from one outbox: a daemon that dies mid-send loses its lease when it runs out,
          // and the message goes again (same Message-ID) from whichever daemon takes it next; a live daemon's
          // lease is never taken. One shape on both stores (storage-seam.md): SQLite has one daemon a file, whose
          // start-up still takes back every 'sending' row at once (OutboxStore::requeueSending).
          "ALTER TABLE outbox ADD COLUMN claimed_by TEXT NOT NULL DEFAULT ''",
          "ALTER TABLE outbox ADD COLUMN lease_until INTEGER NOT NULL DEFAULT 0",
      }},
  };
  return kMigrations;
}

// A session that knows the options of the Database that opened it (see Database::optionsOf).
class StoreSessionImpl : public Poco::Data::SQLite::SessionImpl {
 public:
  StoreSessionImpl(const std::string& connect, const StoreOptions& options, AuditGroupCommit& audit_group_commit)
      : Poco::Data::SQLite::SessionImpl(connect), options_(options), audit_group_commit_(audit_group_commit) {}
  // The cached statements go first: they must be finalized while the connection is still open.
  ~StoreSessionImpl() override { statements_.reset(); }
  const StoreOptions& options() const { return options_; }
  AuditGroupCommit& auditGroupCommit() const { return audit_group_commit_; }
  // Made on first use, when the connection is open (the base class opens it in its constructor).
  StatementCache& statements(Poco::Data::Session& session) {
    if (!statements_) statements_ = std::make_unique<StatementCache>(Poco::Data::SQLite::Utility::dbHandle(session));
    return *statements_;
  }

 private:
  const StoreOptions& options_;
  AuditGroupCommit& audit_group_commit_;
  std::unique_ptr<StatementCache> statements_;
};

// A file: URI that opens `path` read-only: immutable (no lock, no -shm made beside it) when no -wal
// file is there, since then there is nothing else to read; otherwise read-only through the WAL.
std::string readOnlyUri(const std::string& path) {
  const std::string absolute = Poco::Path(path).absolute().toString();
  std::string uri = "file:";
  for (unsigned char c : absolute) {
    if (std::isalnum(c) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~') {
      uri += static_cast<char>(c);
    } else {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", c);
      uri += hex;
    }
  }
  return uri + (Poco::File(path + "-wal").exists() ? "?mode=ro" : "?immutable=1");
}

// One writer mutex per store file in this process, found by the file's name as SQLite knows it,
// so that every session on the store shares it.
std::timed_mutex& writerMutex(Poco::Data::Session& session) {
  static std::mutex registry_mutex;
  static std::map<std::string, std::unique_ptr<std::timed_mutex>> registry;  // guarded by registry_mutex
  std::string key;
  if (auto* pg = postgres::pgSessionOf(session)) {
    key = "postgresql:" + pg->writerKey();
  } else {
    const char* file = sqlite3_db_filename(Poco::Data::SQLite::Utility::dbHandle(session), "main");
    key = file ? file : "";
  }
  std::lock_guard<std::mutex> lock(registry_mutex);
  auto& m = registry[key];
  if (!m) m = std::make_unique<std::timed_mutex>();
  return *m;
}

}  // namespace

// SQLite would otherwise find out itself, by retrying to open a file it may not create for as
// long as the connector lets it: start-up hung silently on a directory it could not write.
void checkStoreLocation(const std::string& path, bool create_missing_directory) {
  if (path == ":memory:") return;
  const std::string dir = Poco::Path(path).absolute().parent().toString();
  auto unusable = [&](const std::string& what) {
    return Error(Error::Kind::kUnavailable, "store_location", what + " (db.path = " + path + ")");
  };
  if (!Poco::File(dir).exists()) {
    if (!create_missing_directory)
      throw unusable("the store's directory " + dir + " does not exist: create it, or set db.path to a file in one that does");
    Poco::File(dir).createDirectories();
  }
  if (!Poco::File(dir).isDirectory()) throw unusable(dir + " is not a directory");
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    throw unusable("this process (uid " + std::to_string(::geteuid()) + ") cannot write in the store's directory " + dir +
                   ", where SQLite keeps its -wal and -shm files beside the database: change its owner or permissions");
  if (Poco::File(path).exists() && ::access(path.c_str(), R_OK | W_OK) != 0)
    throw unusable("this process (uid " + std::to_string(::geteuid()) + ") cannot read and write the store " + path);
}

bool isStoreBusy(const std::exception& e) {
  if (const auto* pg = dynamic_cast<const postgres::PostgresError*>(&e)) {
    const std::string& state = pg->sqlstate();
    return state == "40001" || state == "40P01" || state == "55P03" || state.rfind("08", 0) == 0;
  }
  return dynamic_cast<const Poco::Data::SQLite::DBLockedException*>(&e) != nullptr ||
         dynamic_cast<const Poco::Data::SQLite::TableLockedException*>(&e) != nullptr;
}

bool isStoreFull(const std::exception& e) {
  if (const auto* pg = dynamic_cast<const postgres::PostgresError*>(&e)) return pg->sqlstate() == "53100";
  return dynamic_cast<const Poco::Data::SQLite::DatabaseFullException*>(&e) != nullptr;
}

Error storeFull() {
  return Error(Error::Kind::kUnavailable, "store_full",
               "the store's disk is full, so nothing from this request was stored: try again once space is freed "
               "(reads still work)");
}

Error storeBusy() {
  return Error(Error::Kind::kUnavailable, "store_busy", "the store is busy with other work: try again in a moment");
}

Database::Database(const std::string& path, int max_sessions) : Database(path, [max_sessions] {
  StoreOptions o;
  o.max_sessions = max_sessions;
  return o;
}()) {}

Database::Database(const std::string& path, StoreOptions options)
    : path_(path),
      options_(std::move(options)),
      audit_group_commit_(std::make_shared<AuditGroupCommit>()),
      max_idle_(static_cast<size_t>(options_.max_sessions)) {
  openSqlite();
}

void Database::openSqlite() {
  Poco::Data::SQLite::Connector::registerConnector();
  if (options_.read_only) {
    if (!Poco::File(path_).exists())
      throw Error(Error::Kind::kInvalidArgument, "storage", path_ + ": no such file to open read-only");
    connect_ = readOnlyUri(path_);
    try {
      auto lease = session();
      int version = 0;
      sqlite(lease) << "PRAGMA user_version", into(version), now;
    } catch (const Poco::Exception& e) {
      throw Error(Error::Kind::kInvalidArgument, "storage",
                  "cannot open " + path_ + " read-only: " + e.displayText() +
                      (Poco::File(path_ + "-wal").exists()
                           ? " (SQLite reads its write-ahead log " + path_ +
                                 "-wal only with a -shm file beside it, which it cannot make here: copy both files "
                                 "to a directory you can write to and examine the copy)"
                           : ""));
    }
    return;
  }
  connect_ = path_;
  checkStoreLocation(path_, options_.create_missing_directory);
  auto lease = session();
  std::string mode;
  sqlite(lease) << "PRAGMA journal_mode=WAL", into(mode), now;
  if (mode != "wal" && path_ != ":memory:")
    throw Error(Error::Kind::kInternal, "storage", "could not switch " + path_ + " to WAL (got '" + mode + "')");
}

Database::Database(const StoreUrl& url, const std::string& password, StoreOptions options)
    : path_(url.postgres() ? url.display() : url.sqlite_path),
      postgres_(url.postgres()),
      pg_connection_string_(url.postgres() ? postgresConnectionString(url, password) : std::string()),
      pg_url_(url),
      pg_password_(password),
      options_(std::move(options)),
      audit_group_commit_(std::make_shared<AuditGroupCommit>()),
      max_idle_(static_cast<size_t>(options_.max_sessions)) {
  if (!postgres_) {
    openSqlite();
    return;
  }
  if (options_.read_only)
    throw Error(Error::Kind::kInvalidArgument, "storage", "a PostgreSQL store is not opened read-only: " + path_);
  postgres::PostgresDatabase check(pg_url_, pg_password_);  // throws store_connect, with libpq's reason
}

StatementCache* statementCacheOf(Poco::Data::Session& session) {
  auto* impl = dynamic_cast<StoreSessionImpl*>(session.impl());
  return impl ? &impl->statements(session) : nullptr;
}

const StoreOptions& Database::optionsOf(Poco::Data::Session& session) {
  if (auto* pg = postgres::pgSessionOf(session)) return pg->options();
  auto* impl = dynamic_cast<StoreSessionImpl*>(session.impl());
  if (!impl) throw Error(Error::Kind::kInternal, "storage", "a session that no Database opened");
  return impl->options();
}

AuditGroupCommit& Database::auditGroupCommitOf(Poco::Data::Session& session) {
  if (auto* pg = postgres::pgSessionOf(session)) return pg->auditGroupCommit();
  auto* impl = dynamic_cast<StoreSessionImpl*>(session.impl());
  if (!impl) throw Error(Error::Kind::kInternal, "storage", "a session that no Database opened");
  return impl->auditGroupCommit();
}

bool Database::hasKeyedAuditEntries(const std::string& path) {
  if (path == ":memory:" || !Poco::File(path).exists()) return false;
  sqlite3* db = nullptr;
  bool keyed = false;
  if (sqlite3_open_v2(readOnlyUri(path).c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr) == SQLITE_OK) {
    sqlite3_busy_timeout(db, 10000);
    auto one = [db](const char* sql) {
      sqlite3_stmt* st = nullptr;
      int value = 0;
      if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        value = sqlite3_column_int(st, 0);
      sqlite3_finalize(st);
      return value;
    };
    keyed = one("PRAGMA user_version") >= kKeyedAuditSchema &&
            one("SELECT EXISTS(SELECT 1 FROM audit_log WHERE key_id <> '')") == 1;
  }
  sqlite3_close(db);
  return keyed;
}

SessionLease Database::session() {
  std::unique_ptr<SessionConnection> reused;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!idle_.empty()) {
      reused = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  if (reused) {
    auto* sqlite_connection = dynamic_cast<SqliteConnection*>(reused.get());
    if (sqlite_connection && checkpoints_in_background_ && !sqlite_connection->leaves_checkpoints) {
      reused->session() << "PRAGMA wal_autocheckpoint=0", now;
      sqlite_connection->leaves_checkpoints = true;
    }
    return SessionLease(*this, std::move(reused));
  }
  if (postgres_) {
    std::unique_ptr<Poco::Data::Session> s;
    try {
      s = std::make_unique<Poco::Data::Session>(Poco::AutoPtr<Poco::Data::SessionImpl>(
          new postgres::PgStoreSessionImpl(pg_connection_string_, options_, *audit_group_commit_, path_)));
    } catch (const Poco::Exception& e) {
      std::string why = e.message().empty() ? e.displayText() : e.message();
      if (!pg_password_.empty())
        for (size_t at = why.find(pg_password_); at != std::string::npos; at = why.find(pg_password_))
          why.replace(at, pg_password_.size(), "(password)");
      throw Error(Error::Kind::kUnavailable, "store_connect", "cannot connect to the PostgreSQL store " + path_ + ": " + why);
    }
    // NOTICEs (CREATE ... IF NOT EXISTS and the like) would go to standard error; a write that waits for
    // another's row lock longer than the busy timeout gives up with 55P03 (isStoreBusy).
    Query(*s, "SET client_min_messages = warning").run();
    Query(*s, "SET lock_timeout = " + std::to_string(std::max(1, options_.busy_timeout_ms))).run();
    return SessionLease(*this, std::make_unique<PostgresConnection>(std::move(s)));
  }
  auto s = std::make_unique<Poco::Data::Session>(
      Poco::AutoPtr<Poco::Data::SessionImpl>(new StoreSessionImpl(connect_, options_, *audit_group_commit_)));
  *s << "PRAGMA foreign_keys=ON", now;
  if (options_.read_only) {
    *s << "PRAGMA query_only=ON", now;
  } else {
    *s << "PRAGMA synchronous=FULL", now;
    // Freed content is overwritten with zeros, so that what a purge replaces leaves no copy behind
    // (Debian's SQLite does this by default; not every build does).
    *s << "PRAGMA secure_delete=ON", now;
  }
  *s << "PRAGMA busy_timeout=" + std::to_string(options_.busy_timeout_ms), now;
  // Statement journals (the pages a statement changes inside a transaction, kept in case that statement
  // alone must be undone), temporary tables and sort spills stay in memory. In files under /var/tmp they
  // were a write system call for every page a statement touched: most of the kernel's share of an import
  // (issue 16 item 1, docs/benchmarks.md), and a copy of victims' data on disk outside the store, where a
  // purge does not reach.
  *s << "PRAGMA temp_store=MEMORY", now;
  const bool leave_checkpoints = checkpoints_in_background_;
  if (leave_checkpoints) *s << "PRAGMA wal_autocheckpoint=0", now;
  auto connection = std::make_unique<SqliteConnection>(std::move(s));
  connection->leaves_checkpoints = leave_checkpoints;
  return SessionLease(*this, std::move(connection));
}

void Database::checkpointInBackground(std::chrono::milliseconds every) {
  if (postgres_) return;  // PostgreSQL checkpoints by itself
  if (options_.read_only || checkpoints_in_background_.exchange(true)) return;
  checkpointer_ = std::thread([this, every] {
    std::unique_lock<std::mutex> lock(checkpointer_mutex_);
    while (!checkpointer_wake_.wait_for(lock, every, [this] { return checkpointer_stopping_; })) {
      lock.unlock();
      try {
        auto lease = session();
        sqlite(lease) << "PRAGMA wal_checkpoint(PASSIVE)", now;
      } catch (const std::exception& e) {
        // A failed checkpoint leaves the log longer, nothing else: the next one goes on from where it is.
        Poco::Logger::get("vc.storage").warning(std::string("write-ahead log checkpoint failed: ") + e.what());
      }
      lock.lock();
    }
  });
}

void Database::giveBack(std::unique_ptr<SessionConnection> c) {
  // A PostgreSQL connection that was lost (a server restart, a failover) or left inside a transaction is
  // not lent again: the next session() connects afresh, and its statements are prepared again.
  if (auto* pg = postgres::pgSessionOf(c->session()); pg && !postgres::reusable(*pg)) return;
  std::lock_guard<std::mutex> lock(mutex_);
  if (idle_.size() < max_idle_) idle_.push_back(std::move(c));
}

namespace {
constexpr const char* kLeaderLock = "1986199554, 1";  // pg_try_advisory_lock(class, key): the scheduler's leader
}  // namespace

bool Database::holdLeadership() {
  if (!postgres_) return true;
  std::lock_guard<std::mutex> lock(leader_mutex_);
  auto ask = [this](const char* sql) -> std::optional<std::string> {
    PGresult* r = PQexec(leader_, sql);
    std::optional<std::string> value;
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) value = PQgetvalue(r, 0, 0);
    PQclear(r);
    return value;
  };
  if (leader_ && leading_) {
    if (ask("SELECT 1")) return true;  // still connected, so still holding it
    Poco::Logger::get("vc.storage")
        .warning("lost the connection that held the scheduler's lead; another daemon may take it");
    leading_ = false;
    PQfinish(leader_);  // the lock went with the connection
    leader_ = nullptr;
  } else if (leader_ && PQstatus(leader_) != CONNECTION_OK) {
    PQfinish(leader_);
    leader_ = nullptr;
  }
  if (!leader_) {
    // TCP keepalives and a send timeout: were the server's machine or the network lost, the leader's "SELECT 1"
    // fails within about 20 s instead of waiting on a dead connection for the kernel's minutes, so the pass
    // thread goes on and the leader steps down (PostgreSQL releases the lock by its own keepalives: docs).
    const std::string conninfo = pg_connection_string_ +
                                 " keepalives=1 keepalives_idle=10 keepalives_interval=5 keepalives_count=2"
                                 " tcp_user_timeout=20000";
    leader_ = PQconnectdb(conninfo.c_str());
    if (PQstatus(leader_) != CONNECTION_OK) {
      PQfinish(leader_);
      leader_ = nullptr;
      return false;
    }
  }
  const auto got = ask((std::string("SELECT pg_try_advisory_lock(") + kLeaderLock + ")").c_str());
  leading_ = got && *got == "t";
  return leading_;
}

Database::~Database() {
  if (leader_) PQfinish(leader_);  // gives the lead up at once
  if (checkpointer_.joinable()) {
    {
      std::lock_guard<std::mutex> lock(checkpointer_mutex_);
      checkpointer_stopping_ = true;
    }
    checkpointer_wake_.notify_all();
    checkpointer_.join();
  }
}

bool Database::ping() {
  auto lease = session();
  Query q(sqlite(lease), "SELECT 1");
  return q.next() && q.int64(0) == 1;
}

SessionLease::SessionLease(Database& db, std::unique_ptr<SessionConnection> c) : db_(&db), connection_(std::move(c)) {}
SessionLease::SessionLease(SessionLease&&) noexcept = default;
Connection& SessionLease::get() { return *connection_; }

SessionLease::~SessionLease() {
  if (connection_) db_->giveBack(std::move(connection_));
}

int Database::latestSchemaVersion() { return static_cast<int>(migrations().size()); }

int Database::schemaVersion() {
  if (postgres_) return postgres::PostgresDatabase(pg_url_, pg_password_).schemaVersion();
  auto lease = session();
  Poco::Data::Session& s = sqlite(lease);
  int version = 0;
  s << "PRAGMA user_version", into(version), now;
  return version;
}

std::pair<int, int> Database::migrate() {
  if (postgres_) return postgres::PostgresDatabase(pg_url_, pg_password_).migrate();
  return migrateTo(latestSchemaVersion());
}

std::pair<int, int> Database::migrateTo(int target) {
  if (postgres_) return postgres::PostgresDatabase(pg_url_, pg_password_).migrate(target);
  if (options_.read_only)
    throw Error(Error::Kind::kInternal, "storage", path_ + " is open read-only: it is never migrated");
  auto lease = session();
  Poco::Data::Session& s = sqlite(lease);
  // An upgrade may replace values (e.g. unkeyed purge markers): freed content is zeroed (secure_delete is on
  // for every session), and the write-ahead log emptied afterwards, so what they held is left in neither file.
  WriteTransaction tx(s);
  int from = 0;
  s << "PRAGMA user_version", into(from), now;
  if (from > latestSchemaVersion())
    throw Error(Error::Kind::kInternal, "storage",
                path_ + " has schema version " + std::to_string(from) + ", newer than this build knows (" +
                    std::to_string(latestSchemaVersion()) + ")");
  for (int v = from; v < target; ++v) {
    const Migration& m = migrations()[static_cast<size_t>(v)];
    for (const auto& sql : m.sql) s << sql, now;
    if (m.step) m.step(s);
    for (const auto& sql : m.then_sql) s << sql, now;
    s << "PRAGMA user_version=" + std::to_string(v + 1), now;
  }
  tx.commit();
  if (from < target && path_ != ":memory:") {
    // Unkeyed markers re-keyed: rebuild the file, so that no page keeps an older copy in its unused space.
    Poco::Int64 purged = 0;
    if (from < kKeyedMarkerSchema && target >= kKeyedMarkerSchema)
      s << "SELECT COUNT(*) FROM cases WHERE purged_at IS NOT NULL", into(purged), now;
    if (purged > 0) vacuum(s);
    int busy = 0, log_pages = 0, checkpointed = 0;
    s << "PRAGMA wal_checkpoint(TRUNCATE)", into(busy), into(log_pages), into(checkpointed), now;
  }
  return {from, std::max(from, target)};
}

WriteTransaction::WriteTransaction(Poco::Data::Session& session)
    : session_(session), writer_(writerMutex(session), std::defer_lock) {
  if (isPostgres(session_)) {
    if (!writer_.try_lock_for(std::chrono::milliseconds(Database::optionsOf(session_).busy_timeout_ms))) throw storeBusy();
    Query(session_, "BEGIN").run();  // read committed
    return;
  }
  int64_t busy_timeout_ms = 0;
  {
    Query q(session_, "PRAGMA busy_timeout");
    if (q.next()) busy_timeout_ms = q.int64(0);
  }
  if (!writer_.try_lock_for(std::chrono::milliseconds(busy_timeout_ms))) throw storeBusy();
  Query(session_, "BEGIN IMMEDIATE").run();
}

WriteTransaction::~WriteTransaction() {
  if (done_) return;
  try {
    Query(session_, "ROLLBACK").run();
  } catch (...) {
    // Never throw from a destructor; SQLite rolls back a failed transaction itself.
  }
}

void WriteTransaction::commit() {
  Query(session_, "COMMIT").run();
  done_ = true;
}

void setCacheSize(Connection& connection, int kib) {
  if (isPostgres(sqlite(connection))) return;  // the server's shared_buffers: not a session's to choose
  sqlite(connection) << "PRAGMA cache_size = " + std::to_string(-kib), Poco::Data::Keywords::now;
}
namespace {
// FirstLoadIndexes' indexes: only lists and reads walk them (store.cpp's and letter_store.cpp's list
// queries, some by INDEXED BY, and the audit views), never an import's own statements. Not letters by
// state, which the drafting of an import's letters reads (LetterStore::pendingLetterCases).
const char* const kFirstLoadIndexes[] = {
    "obligations_by_due",      "obligations_by_status_due", "obligations_by_area_due", "obligations_by_area_status_due",
    "obligations_by_rule_due", "obligations_by_kind_due",   "obligations_by_basis_due", "letters_by_due",
    "letters_by_area_due",     "letters_by_area_state_due", "letters_by_rule_due",     "letters_by_attention_due",
    "audit_by_subject",        "audit_by_action"};
}  // namespace

FirstLoadIndexes::FirstLoadIndexes(Connection& connection) : connection_(connection) {
  Poco::Data::Session& s = sqlite(connection);
  // PostgreSQL keeps its indexes: dropping one takes a lock every reader of the table would wait on, in
  // every daemon, for the whole import (docs/storage-seam.md, "an import's list indexes").
  if (isPostgres(s)) return;
  {
    Query any(s, "SELECT 1 FROM events LIMIT 1");
    if (any.next()) return;
  }
  for (const char* name : kFirstLoadIndexes) {
    std::string sql;
    {
      Query q(s, "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?");
      q.bind(std::string(name));
      if (!q.next()) continue;  // an older store without it
      sql = q.text(0);
    }
    s << "DROP INDEX " + std::string(name), now;
    dropped_.push_back(sql);
  }
}

void FirstLoadIndexes::rebuild() {
  Poco::Data::Session& s = sqlite(connection_);
  for (const auto& sql : dropped_) s << sql, now;
  dropped_.clear();
}

void vacuum(Poco::Data::Session& session) {
  session << "PRAGMA temp_store=FILE", now;
  struct Back {
    Poco::Data::Session& s;
    ~Back() {
      try {
        s << "PRAGMA temp_store=MEMORY", now;
      } catch (...) {
      }
    }
  } back{session};
  session << "VACUUM", now;
}

int64_t changedRows(Connection& connection) { return changedRows(sqlite(connection)); }
int64_t takeNumber(Connection& connection, const std::string& counter) { return takeNumber(sqlite(connection), counter); }
WriteTransaction::WriteTransaction(Connection& connection) : WriteTransaction(sqlite(connection)) {}
Savepoint::Savepoint(Connection& connection) : Savepoint(sqlite(connection)) {}

int64_t changedRows(Poco::Data::Session& session) {
  if (auto* pg = postgres::pgSessionOf(session)) return pg->last_changes;
  return sqlite3_changes(Poco::Data::SQLite::Utility::dbHandle(session));
}
int64_t takeNumber(Poco::Data::Session& session, const std::string& counter) {
  if (isPostgres(session)) {  // the table's own sequence: no row lock (docs/storage-seam.md, "Ids")
    Query q(session, "SELECT nextval(pg_get_serial_sequence(?, 'n'))");
    q.bind(counter);
    if (!q.next() || q.isNull(0)) throw std::logic_error("no sequence for " + counter);
    return q.int64(0);
  }
  // RETURNING: the row is updated and read in one statement, still held until the transaction ends.
  Query q(session, "UPDATE id_counters SET next = next + 1 WHERE name = ? RETURNING next - 1");
  q.bind(counter);
  if (!q.next()) throw std::logic_error("no id counter " + counter);
  return q.int64(0);
}

Savepoint::Savepoint(Poco::Data::Session& session) : session_(session) { Query(session_, "SAVEPOINT vc_step").run(); }

Savepoint::~Savepoint() {
  if (done_) return;
  try {
    Query(session_, "ROLLBACK TO vc_step").run();
    Query(session_, "RELEASE vc_step").run();
  } catch (...) {
    // Never throw from a destructor; if SQLite already rolled the transaction back, there is nothing to undo.
  }
}

void Savepoint::release() {
  Query(session_, "RELEASE vc_step").run();
  done_ = true;
}

}  // namespace vc::storage
