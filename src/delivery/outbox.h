#pragma once
// The durable outbox every letter and ISVA notification goes out through. A message is queued inside the transaction that approved it,
// so it is never lost; the worker claims a message before sending it
// (queued -> sending, counting the attempt) so two workers never send it at
// once; a temporary failure (no connection, a 4xx reply) is tried again
// after an exponentially growing delay ("retrying", shown as failure
// "failed_temporary"), until it succeeds or runs out of attempts; a permanent
// one (a 5xx reply to the message, TLS required but not offered, a malformed
// address) is not tried again. Either way it ends "dead" (failure
// "failed_permanent"): a person must look.
// A message a stopped daemon left "sending" is sent again with the same
// Message-ID (at least once), so the receiving side can recognise the resend.
//
// sendDue() and recover() are for one worker at a time (the scheduler's
// thread); enqueue() is safe from any thread, each with its own session.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "storage/connection.h"

#include "delivery/channel.h"
#include "domain/clock.h"
#include "storage/database.h"
#include "storage/records.h"

namespace vc::delivery {

struct RetryPolicy {
  int max_attempts = 10;
  int base_seconds = 60;    // the delay after the first failed attempt; doubled after each
  int max_seconds = 3600;   // the longest delay
  // How long a daemon has to send a message it claimed before another daemon may take it back and send it
  // again (outbox.lease_seconds): longer than any send can take (settings: at least twice smtp.timeout_seconds).
  int lease_seconds = 300;
};

// Told, inside the transaction that records it, what became of a message.
// One listener per kind of message (letter, notification).
class DeliveryListener {
 public:
  virtual ~DeliveryListener() = default;
  // Asked at the moment of sending, inside the claiming transaction: a reason
  // not to send the message after all (e.g. consent withdrawn), or "".
  virtual std::string withholdReason(storage::Connection&, const storage::OutboxRow&) { return {}; }
  virtual void withheld(storage::Connection&, const storage::OutboxRow&, const std::string& /*reason*/) {}
  virtual void delivered(storage::Connection& session, const storage::OutboxRow& row, const std::string& receipt) = 0;
  virtual void attemptFailed(storage::Connection& session, const storage::OutboxRow& row, const DeliveryOutcome& outcome,
                             bool dead, int64_t next_attempt_at) = 0;
};

class Outbox {
 public:
  // `clock` stamps the delivery time the ledger records; retry delays run on
  // real time (`real_now`, the system clock unless a test replaces it).
  Outbox(storage::Database& db, const domain::Clock& clock, std::map<std::string, Channel*> channels,
         RetryPolicy policy, std::string message_id_domain);

  // `kind` is OutboxRow::kind(): letter | notification.
  void setListener(const std::string& kind, DeliveryListener* listener) { listeners_[kind] = listener; }
  void setRealTime(std::function<int64_t()> real_now) { real_now_ = std::move(real_now); }
  // Called (after the caller commits) when a message was put back in the queue by a person.
  void setOnRequeued(std::function<void()> f) { on_requeued_ = std::move(f); }
  // Called after each sending pass with the posted messages it wrote to the spool (the print batch).
  void setOnPosted(std::function<void(const std::vector<storage::OutboxRow>&)> f) { on_posted_ = std::move(f); }
  void requeued() const {
    if (on_requeued_) on_requeued_();
  }

  // Queues a message for a letter or a notification (`owner`: only its
  // letter_n or notification_n is read) inside the caller's open write
  // transaction; `key` makes its Message-ID ("<key@domain>"), so it must be
  // unique (e.g. "letter.l-7.v3"). Returns the outbox row id.
  int64_t enqueue(storage::Connection& session, OutgoingMessage message, const storage::OutboxRow& owner,
                  const std::string& key);

  // A dead message goes back in the queue with its attempts counted afresh
  // (a person has fixed the cause); inside the caller's write transaction.
  // False unless it was dead.
  bool retryDead(storage::Connection& session, int64_t id);

  // Sends every message that is due; returns how many went out.
  size_t sendDue();
  // At start: messages left "sending" are queued again; returns how many.
  int64_t recover();

  std::string messageId(const std::string& key) const { return "<" + key + "@" + domain_ + ">"; }
  int64_t retryDelay(int attempts) const;  // seconds to wait after this many failed attempts

 private:
  bool attempt(storage::OutboxRow row);  // true when delivered and recorded

  storage::Database& db_;
  const domain::Clock& clock_;
  std::map<std::string, Channel*> channels_;
  RetryPolicy policy_;
  std::string domain_;
  DeliveryListener* listenerFor(const storage::OutboxRow& row) const;

  std::map<std::string, DeliveryListener*> listeners_;
  std::function<int64_t()> real_now_;
  const std::string instance_id_;  // this daemon's name on the messages it claims (host, process, random)
  std::function<void()> on_requeued_;
  std::function<void(const std::vector<storage::OutboxRow>&)> on_posted_;
};

}  // namespace vc::delivery
