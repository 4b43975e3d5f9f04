#pragma once
// Repository for the outbox every letter and notification goes out through:
// the only SQL for it. Works on one Poco::Data session; not thread-safe (one
// per session); the caller owns the transaction (WriteTransaction) around writes.

#include <optional>
#include <string>
#include <vector>


#include "storage/records.h"
#include "storage/connection.h"

namespace Poco::Data {
class Session;  // storage-internal (sqlite_connection.h)
}

namespace vc::storage {

// domain::deliveryStatus as an SQL expression over an outbox row `m` and its print batch `pb`
// (LEFT JOINed), for filters.
std::string deliveryStatusSql(const std::string& m, const std::string& pb);

class OutboxStore {
 public:
  explicit OutboxStore(Poco::Data::Session& session) : s_(session) {}
  explicit OutboxStore(Connection& connection);

  int64_t insert(const OutboxRow& row);
  std::vector<OutboxRow> due(int64_t now, int limit);
  // queued|retrying -> sending, counting the attempt, leased to `owner` (a daemon's instance id) until
  // `lease_until` (Unix seconds); false if another worker has it.
  // INVARIANT (outbox claims; what a concurrent sender could break): a message is sent by at most one
  // worker at a time, and a live worker's message is never taken from it. The claim is one conditional
  // UPDATE (state IN ('queued', 'retrying')), so of two workers racing for a row only the one whose UPDATE
  // changed it goes on (on PostgreSQL the row is locked FOR UPDATE SKIP LOCKED, so the other does not even
  // wait); a 'sending' row goes back to the queue only when its lease has run out (requeueExpired), and
  // its outcome is recorded only by the lease's holder (finishClaimed). Every caller checks the result.
  bool claim(int64_t id, const std::string& owner, int64_t lease_until);
  // The outcome of a claimed message, recorded only while `owner` still holds it: false if its lease ran
  // out and another daemon took it back (the caller then records nothing).
  bool finishClaimed(int64_t id, const std::string& owner, const std::string& state, const std::string& sent_at,
                     const std::string& last_error, int64_t next_attempt_at);
  // A message no one is sending (queued, retrying, dead) put in its final state (a withdrawn letter's).
  void finish(int64_t id, const std::string& state, const std::string& sent_at, const std::string& last_error,
              int64_t next_attempt_at);
  // Every 'sending' row back to the queue: at start-up on SQLite, where this process is the only sender on
  // the file (one daemon a file), so any such row was left by a daemon that stopped mid-send.
  int64_t requeueSending(int64_t now);
  // The 'sending' rows whose lease ran out by `now` back to the queue (a daemon died mid-send): on every
  // sending pass, and at start-up on PostgreSQL, where other daemons' live leases must be left alone.
  int64_t requeueExpired(int64_t now);
  // dead -> retrying at `now`, with the attempts counted afresh; false unless it was dead.
  bool retryDead(int64_t id, int64_t now);
  // What was heard of a sent message after it left (delivered | returned | bounced); false unless it was sent.
  bool recordOutcome(int64_t id, const std::string& outcome, const std::string& at, const std::string& detail);
  std::optional<OutboxRow> findByMessageId(const std::string& message_id);
  std::optional<OutboxRow> latestSentForLetter(int64_t letter_n);
  std::optional<OutboxRow> find(int64_t id);
  std::optional<OutboxRow> latestForLetter(int64_t letter_n);
  std::optional<OutboxRow> latestForNotification(int64_t notification_n);
  // Newest first, without bodies.
  std::vector<OutboxRow> list(const OutboxFilter& f);

 private:
  Poco::Data::Session& s_;
};

}  // namespace vc::storage
