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
  // queued|retrying -> sending, counting the attempt; false if another worker has it.
  // INVARIANT (outbox claims; what a concurrent sender could break): a message is sent by at most one
  // worker at a time. The claim is one conditional UPDATE (state IN ('queued', 'retrying')), so of two
  // workers racing for a row only the one whose UPDATE changed it goes on; this holds with several
  // writers too, as long as every caller checks the result. What does not yet hold with several
  // daemons: requeueSending below takes back EVERY 'sending' row, a live daemon's too (issue 17: leases).
  bool claim(int64_t id);
  void finish(int64_t id, const std::string& state, const std::string& sent_at, const std::string& last_error,
              int64_t next_attempt_at);
  // Rows left "sending" by a daemon that stopped mid-send go back to the queue. Run at start-up, when
  // this process is the only sender on the store (one daemon per SQLite file).
  int64_t requeueSending(int64_t now);
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
