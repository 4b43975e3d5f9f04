#include "storage/outbox_store.h"
#include "storage/sqlite_connection.h"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Statement.h>

#include "storage/database.h"
#include "storage/sqlite_statement.h"

using namespace Poco::Data::Keywords;
using Poco::Data::RecordSet;
using Poco::Data::Statement;

namespace vc::storage {

// Mirrors domain::deliveryStatus for filtering in SQL; a storage test holds the two to the same answers.
std::string deliveryStatusSql(const std::string& m, const std::string& pb) {
  return "(CASE WHEN " + m + ".state = 'retrying' THEN 'failed_temporary' WHEN " + m +
         ".state = 'dead' THEN 'failed_permanent' WHEN " + m + ".state <> 'sent' THEN " + m + ".state WHEN " + m +
         ".outcome = 'returned' THEN 'returned' WHEN " + m + ".outcome = 'bounced' THEN 'failed_permanent' WHEN " + m +
         ".outcome = 'delivered' THEN 'delivered' WHEN " + m + ".channel = 'post' AND " + pb +
         ".confirmed_at IS NULL THEN 'sending' ELSE 'accepted' END)";
}

namespace {

// The Area comes from the letter's obligation or the notification.
std::string outboxSelect(bool with_bodies) {
  return std::string(
             "SELECT m.id AS id, IFNULL(m.letter_n, 0) AS letter_n, IFNULL(m.notification_n, 0) AS notification_n, "
             "m.channel AS channel, m.name AS name, m.recipient AS recipient, m.subject AS subject, "
             "m.sender_name AS sender_name, "
             "m.message_id AS message_id, ") +
         (with_bodies ? "m.body_text AS body_text, m.body_html AS body_html, " : "'' AS body_text, '' AS body_html, ") +
         "m.state AS state, m.attempts AS attempts, m.next_attempt_at AS next_attempt_at, m.last_error AS last_error, "
         "m.created_at AS created_at, IFNULL(m.sent_at, '') AS sent_at, "
         "COALESCE(o.area, nt.area, '') AS area, "
         "IFNULL(m.print_batch, 0) AS print_batch, IFNULL(pb.confirmed_at, '') AS print_confirmed_at, "
         "m.outcome AS outcome, m.outcome_at AS outcome_at, m.outcome_detail AS outcome_detail "
         "FROM outbox m LEFT JOIN letters l ON l.n = m.letter_n LEFT JOIN obligations o ON o.id = l.obligation_id "
         "LEFT JOIN notifications nt ON nt.n = m.notification_n LEFT JOIN print_batches pb ON pb.n = m.print_batch";
}

// The columns of outboxSelect, in its order (every statement through Query: on SQLite or PostgreSQL).
std::vector<OutboxRow> readOutbox(Query& q) {
  std::vector<OutboxRow> out;
  while (q.next()) {
    OutboxRow r;
    r.id = q.int64(0);
    r.letter_n = q.int64(1);
    r.notification_n = q.int64(2);
    int c = 3;
    for (std::string* field : {&r.channel, &r.name, &r.recipient, &r.subject, &r.sender_name, &r.message_id,
                               &r.body_text, &r.body_html, &r.state})
      *field = q.text(c++);
    r.attempts = static_cast<int>(q.int64(c++));
    r.next_attempt_at = q.int64(c++);
    for (std::string* field : {&r.last_error, &r.created_at, &r.sent_at, &r.area}) *field = q.text(c++);
    r.print_batch = q.int64(c++);
    for (std::string* field : {&r.print_confirmed_at, &r.outcome, &r.outcome_at, &r.outcome_detail})
      *field = q.text(c++);
    out.push_back(std::move(r));
  }
  return out;
}

std::optional<OutboxRow> first(std::vector<OutboxRow> rows) {
  if (rows.empty()) return std::nullopt;
  return std::move(rows.front());
}

}  // namespace

int64_t OutboxStore::insert(const OutboxRow& r) {
  // The id the store gave it, read back by RETURNING (SQLite's last_insert_rowid has no PostgreSQL twin).
  Query q(s_,
          "INSERT INTO outbox(letter_n, notification_n, channel, name, recipient, subject, message_id, body_text, "
          "body_html, state, attempts, next_attempt_at, last_error, created_at, sender_name) "
          "VALUES(NULLIF(?, 0), NULLIF(?, 0), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
  q.bind(r.letter_n).bind(r.notification_n).bind(r.channel).bind(r.name).bind(r.recipient).bind(r.subject);
  q.bind(r.message_id).bind(r.body_text).bind(r.body_html).bind(r.state).bind(r.attempts).bind(r.next_attempt_at);
  q.bind(r.last_error).bind(r.created_at).bind(r.sender_name);
  if (!q.next()) throw std::logic_error("an outbox insert returned no id");
  const int64_t id = q.int64(0);
  q.run();  // to the statement's end
  return id;
}

std::vector<OutboxRow> OutboxStore::due(int64_t now_unix, int limit) {
  Query q(s_, outboxSelect(true) + " WHERE m.state IN ('queued', 'retrying') AND m.next_attempt_at <= ? "
                                   "ORDER BY m.next_attempt_at, m.id LIMIT " + std::to_string(limit));
  q.bind(now_unix);
  return readOutbox(q);
}

bool OutboxStore::claim(int64_t id, const std::string& owner, int64_t lease_until) {
  // PostgreSQL: a row another daemon is claiming at this moment is skipped, not waited for (it is theirs).
  Query q(s_, isPostgres(s_)
                  ? "UPDATE outbox SET state = 'sending', attempts = attempts + 1, claimed_by = ?, lease_until = ? "
                    "WHERE id = (SELECT id FROM outbox WHERE id = ? AND state IN ('queued', 'retrying') "
                    "FOR UPDATE SKIP LOCKED)"
                  : "UPDATE outbox SET state = 'sending', attempts = attempts + 1, claimed_by = ?, lease_until = ? "
                    "WHERE id = ? AND state IN ('queued', 'retrying')");
  q.bind(owner).bind(lease_until).bind(id).run();
  return q.changes() == 1;
}

bool OutboxStore::finishClaimed(int64_t id, const std::string& owner, const std::string& state,
                                const std::string& sent_at, const std::string& last_error, int64_t next_attempt_at) {
  Query q(s_,
          "UPDATE outbox SET state = ?, sent_at = NULLIF(?, ''), last_error = ?, next_attempt_at = ?, lease_until = 0 "
          "WHERE id = ? AND state = 'sending' AND claimed_by = ?");
  q.bind(state).bind(sent_at).bind(last_error).bind(next_attempt_at).bind(id).bind(owner).run();
  return q.changes() == 1;
}

void OutboxStore::finish(int64_t id, const std::string& state, const std::string& sent_at,
                         const std::string& last_error, int64_t next_attempt_at) {
  Query q(s_, "UPDATE outbox SET state = ?, sent_at = NULLIF(?, ''), last_error = ?, next_attempt_at = ? WHERE id = ?");
  q.bind(state).bind(sent_at).bind(last_error).bind(next_attempt_at).bind(id).run();
}

int64_t OutboxStore::requeueSending(int64_t now_unix) {
  Query q(s_,
          "UPDATE outbox SET state = 'retrying', next_attempt_at = ?, "
          "last_error = 'the daemon stopped while sending; sent again with the same Message-ID', lease_until = 0 "
          "WHERE state = 'sending'");
  q.bind(now_unix).run();
  return q.changes();
}

int64_t OutboxStore::requeueExpired(int64_t now_unix) {
  Query q(s_,
          "UPDATE outbox SET state = 'retrying', next_attempt_at = ?, last_error = 'the daemon sending it stopped "
          "(its lease ran out); sent again with the same Message-ID', lease_until = 0 "
          "WHERE state = 'sending' AND lease_until <= ?");
  q.bind(now_unix).bind(now_unix).run();
  return q.changes();
}

bool OutboxStore::retryDead(int64_t id, int64_t now_unix) {
  Query q(s_, "UPDATE outbox SET state = 'retrying', attempts = 0, next_attempt_at = ? WHERE id = ? AND state = 'dead'");
  q.bind(now_unix).bind(id).run();
  return q.changes() == 1;
}

bool OutboxStore::recordOutcome(int64_t id, const std::string& outcome, const std::string& at,
                                const std::string& detail) {
  Query q(s_, "UPDATE outbox SET outcome = ?, outcome_at = ?, outcome_detail = ? WHERE id = ? AND state = 'sent'");
  q.bind(outcome).bind(at).bind(detail).bind(id).run();
  return q.changes() == 1;
}

std::optional<OutboxRow> OutboxStore::findByMessageId(const std::string& message_id) {
  Query q(s_, outboxSelect(false) + " WHERE m.message_id = ? ORDER BY m.id DESC LIMIT 1");
  q.bind(message_id);
  return first(readOutbox(q));
}

std::optional<OutboxRow> OutboxStore::latestSentForLetter(int64_t letter_n) {
  Query q(s_, outboxSelect(false) + " WHERE m.letter_n = ? AND m.state = 'sent' ORDER BY m.id DESC LIMIT 1");
  q.bind(letter_n);
  return first(readOutbox(q));
}

std::optional<OutboxRow> OutboxStore::find(int64_t id) {
  Query q(s_, outboxSelect(true) + " WHERE m.id = ?");
  q.bind(id);
  return first(readOutbox(q));
}

std::optional<OutboxRow> OutboxStore::latestForLetter(int64_t letter_n) {
  Query q(s_, outboxSelect(false) + " WHERE m.letter_n = ? ORDER BY m.id DESC LIMIT 1");
  q.bind(letter_n);
  return first(readOutbox(q));
}

std::optional<OutboxRow> OutboxStore::latestForNotification(int64_t notification_n) {
  Query q(s_, outboxSelect(false) + " WHERE m.notification_n = ? ORDER BY m.id DESC LIMIT 1");
  q.bind(notification_n);
  return first(readOutbox(q));
}

std::vector<OutboxRow> OutboxStore::list(const OutboxFilter& f) {
  std::string sql = outboxSelect(false) + " WHERE 1 = 1";
  std::vector<std::string> args;
  if (!f.state.empty()) {
    sql += " AND m.state = ?";
    args.push_back(f.state);
  }
  if (!f.status.empty()) {
    sql += " AND " + deliveryStatusSql("m", "pb") + " = ?";
    args.push_back(f.status);
  }
  if (f.kind == "letter") sql += " AND m.letter_n IS NOT NULL";
  if (f.kind == "notification") sql += " AND m.notification_n IS NOT NULL";
  if (!f.area.empty()) {
    sql += " AND COALESCE(o.area, nt.area, '') = ?";
    args.push_back(f.area);
  }
  sql += " ORDER BY m.id DESC LIMIT " + std::to_string(f.limit);
  Query q(s_, sql);
  for (auto& a : args) q.bind(a);
  return readOutbox(q);
}

OutboxStore::OutboxStore(Connection& connection) : s_(sqlite(connection)) {}

}  // namespace vc::storage
