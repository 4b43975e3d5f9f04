#include "delivery/outbox.h"

#include <unistd.h>

#include <Poco/Logger.h>

#include "common/correlation.h"

#include "storage/outbox_store.h"

namespace vc::delivery {
namespace {

int64_t systemNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

Poco::Logger& log() { return Poco::Logger::get("vc.outbox"); }

// Who holds a lease: the host, the process, and a random part (a restarted daemon with a reused pid is
// someone else: its predecessor's leases run out like anyone's).
std::string makeInstanceId() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return std::string(host) + ":" + std::to_string(getpid()) + ":" + newCorrelationId("").substr(1, 8);
}

}  // namespace

Outbox::Outbox(storage::Database& db, const domain::Clock& clock, std::map<std::string, Channel*> channels,
               RetryPolicy policy, std::string message_id_domain)
    : db_(db), clock_(clock), channels_(std::move(channels)), policy_(policy), domain_(std::move(message_id_domain)),
      real_now_(systemNow), instance_id_(makeInstanceId()) {}

int64_t Outbox::retryDelay(int attempts) const {
  int64_t delay = policy_.base_seconds;
  for (int i = 1; i < attempts && delay < policy_.max_seconds; ++i) delay *= 2;
  return std::min<int64_t>(delay, policy_.max_seconds);
}

DeliveryListener* Outbox::listenerFor(const storage::OutboxRow& row) const {
  auto it = listeners_.find(row.kind());
  return it == listeners_.end() ? nullptr : it->second;
}

int64_t Outbox::enqueue(storage::Connection& session, OutgoingMessage m, const storage::OutboxRow& owner,
                        const std::string& key) {
  storage::OutboxRow row;
  row.letter_n = owner.letter_n;
  row.notification_n = owner.notification_n;
  row.channel = m.channel;
  row.name = m.name;
  row.recipient = m.recipient;
  row.subject = m.subject;
  row.sender_name = m.sender_name;
  row.message_id = messageId(key);
  row.body_text = m.text;
  row.body_html = m.html;
  row.state = "queued";
  row.next_attempt_at = real_now_();
  row.created_at = domain::formatRfc3339Utc(clock_.now());
  return storage::OutboxStore(session).insert(row);
}

bool Outbox::retryDead(storage::Connection& session, int64_t id) {
  return storage::OutboxStore(session).retryDead(id, real_now_());
}

int64_t Outbox::recover() {
  auto lease = db_.session();
  storage::WriteTransaction tx(lease);
  // SQLite: this process is the file's only sender, so every 'sending' row is a stopped daemon's. PostgreSQL:
  // other daemons may be sending right now; only the leases that ran out are taken back.
  storage::OutboxStore store(lease);
  const int64_t n = db_.postgres() ? store.requeueExpired(real_now_()) : store.requeueSending(real_now_());
  tx.commit();
  if (n > 0) log().warning("%Ld message(s) were being sent when the daemon stopped; they will be sent again", n);
  return n;
}

size_t Outbox::sendDue() {
  std::vector<storage::OutboxRow> due;
  {
    auto lease = db_.session();
    {
      // A daemon that died mid-send (another one, on a shared store) leaves its messages leased: once the
      // lease has run out they go back to the queue, and this pass may send them.
      storage::WriteTransaction tx(lease);
      const int64_t expired = storage::OutboxStore(lease).requeueExpired(real_now_());
      tx.commit();
      if (expired > 0)
        log().warning("%Ld message(s) were left being sent by a daemon that stopped (their lease ran out); they "
                      "will be sent again with the same Message-ID",
                      expired);
    }
    due = storage::OutboxStore(lease).due(real_now_(), 100);
  }
  size_t sent = 0;
  std::vector<storage::OutboxRow> posted;
  for (auto& row : due) {
    try {
      if (attempt(row)) {
        ++sent;
        if (row.channel == "post" && row.letter_n) posted.push_back(row);
      }
    } catch (const std::exception& e) {
      // Nothing of this attempt was committed (the claim is undone with it): the message waits
      // for the next pass, and the rest of the queue still goes.
      log().error("message %Ld could not be claimed or checked: %s (the next pass tries again)", row.id,
                  std::string(e.what()));
    }
  }
  if (!posted.empty() && on_posted_) {
    try {
      on_posted_(posted);
    } catch (const std::exception& e) {
      // The letters are in the spool; only their manifest is missing. A person must look.
      log().error("the print batch of %z posted letter(s) could not be recorded: %s", posted.size(),
                  std::string(e.what()));
    }
  }
  return sent;
}

bool Outbox::attempt(storage::OutboxRow row) {
  DeliveryListener* listener = listenerFor(row);
  const std::string what = row.letter_n         ? "letter l-" + std::to_string(row.letter_n)
                           : row.notification_n ? "notification n-" + std::to_string(row.notification_n)
                                                : "message " + std::to_string(row.id);
  {
    auto lease = db_.session();
    storage::WriteTransaction tx(lease);
    storage::OutboxStore store(lease);
    if (!store.claim(row.id, instance_id_, real_now_() + policy_.lease_seconds)) return false;  // someone else's
    // Checked now, not only when it was queued: what was true then (consent) may not be.
    const std::string reason = listener ? listener->withholdReason(lease, row) : "";
    if (!reason.empty()) {
      store.finishClaimed(row.id, instance_id_, "withheld", "", reason, 0);  // claimed just now, in this transaction
      row.state = "withheld";
      listener->withheld(lease, row, reason);
      tx.commit();
      log().information("%s withheld at sending: %s", what, reason);
      return false;
    }
    tx.commit();
  }
  ++row.attempts;
  DeliveryOutcome outcome;
  auto channel = channels_.find(row.channel);
  if (channel == channels_.end()) {
    // Our own configuration, not the message: tried again, so a restart with the channel sends it.
    outcome.error = outcome.summary = "no channel '" + row.channel + "' is configured";
  } else {
    outcome = channel->second->deliver({row.channel, row.name, row.recipient, row.subject, row.message_id,
                                        row.body_text, row.body_html, row.sender_name});
  }

  try {
    auto lease = db_.session();
    storage::WriteTransaction tx(lease);
    storage::OutboxStore store(lease);
    const auto lostLease = [&] {
      // The send took longer than the lease, and another daemon took the message back meanwhile: it is
      // theirs now (sent again under the same Message-ID), and this outcome is not recorded.
      log().warning("%s: the lease ran out while sending (outbox.lease_seconds = %d); another daemon has it now",
                    what, policy_.lease_seconds);
      return false;
    };
    if (outcome.delivered) {
      const std::string sent_at = domain::formatRfc3339Utc(clock_.now());
      if (!store.finishClaimed(row.id, instance_id_, "sent", sent_at, "", row.next_attempt_at)) return lostLease();
      row.state = "sent";
      row.sent_at = sent_at;
      if (listener) listener->delivered(lease, row, outcome.receipt);
      tx.commit();
      log().information("%s sent by %s (attempt %d)", what, row.channel, row.attempts);
    } else {
      // A permanent refusal (an SMTP 5xx to MAIL FROM, RCPT TO or DATA; TLS required but not
      // offered) is the server's final word on this message: trying again would only delay the
      // person who must act, so it is dead at once, as is a message no channel could send as it is.
      // Anything else is tried again until the attempts run out.
      const bool dead = outcome.undeliverable || outcome.permanent || row.attempts >= policy_.max_attempts;
      const int64_t next = dead ? 0 : real_now_() + retryDelay(row.attempts);
      if (!store.finishClaimed(row.id, instance_id_, dead ? "dead" : "retrying", "", outcome.error, next))
        return lostLease();
      row.state = dead ? "dead" : "retrying";
      row.last_error = outcome.error;
      if (listener) listener->attemptFailed(lease, row, outcome, dead, next);
      tx.commit();
      if (dead)
        log().error("%s by %s failed for good after %d attempt(s): %s; a person must look at it", what, row.channel,
                    row.attempts, outcome.summary);
      else
        log().warning("%s by %s failed (attempt %d): %s; next try in %Ld s", what, row.channel, row.attempts,
                      outcome.summary, next - real_now_());
    }
  } catch (const std::exception& e) {
    // The outcome could not be recorded. Put the message back in the queue rather than leave it
    // "sending": if it did go out, it goes again with the same Message-ID (at least once).
    log().error("%s: could not record the delivery attempt (%s); it will be tried again", what, std::string(e.what()));
    auto lease = db_.session();
    storage::WriteTransaction tx(lease);
    storage::OutboxStore(lease).finishClaimed(row.id, instance_id_, "retrying", "",
                                              std::string("recording failed: ") + e.what(),
                                              real_now_() + retryDelay(row.attempts));
    tx.commit();
    return false;
  }
  return outcome.delivered;
}

}  // namespace vc::delivery
