#include "services/outbox_service.h"

#include "common/error.h"
#include "delivery/outbox.h"
#include "domain/date.h"
#include "storage/database.h"
#include "storage/letter_store.h"
#include "storage/notification_store.h"
#include "storage/outbox_store.h"
#include "storage/store.h"

namespace vc::services {

std::vector<storage::OutboxRow> OutboxService::list(const storage::OutboxFilter& f, const Principal& reader) {
  auto lease = db_.session();
  storage::WriteTransaction tx(lease);
  const auto rows = storage::OutboxStore(lease).list(f);
  // Errors may quote a server naming the recipient's address: the read is audited.
  storage::Store(lease).audit(domain::formatRfc3339Utc(clock_.now()), reader.user, "read_outbox",
                              "outbox", "state:" + f.state + " messages:" + std::to_string(rows.size()));
  tx.commit();
  return rows;
}

storage::OutboxRow OutboxService::retry(int64_t n, const std::string& id, const Principal& p) {
  auto lease = db_.session();
  // ONE RETRY PER DEAD MESSAGE: the message is read, requeued only if still dead, and the retry noted
  // on its letter or notification, all in one write transaction (the store's one writer), so two
  // officers pressing "try again" together requeue it once; the second is told it is no longer dead.
  storage::WriteTransaction tx(lease);
  storage::OutboxStore store(lease);
  auto message = store.find(n);
  if (!message || p.outsideArea(message->area))
    throw Error(Error::Kind::kNotFound, "not_found", "no outbox message " + id);
  if (!outbox_.retryDead(lease, n))
    throw Error(Error::Kind::kConflict, "invalid_state",
                "message " + id + " is " + message->state + "; only a dead message can be tried again");
  const std::string now = domain::formatRfc3339Utc(clock_.now());
  const std::string note = "tried again by " + p.user + " after " + std::to_string(message->attempts) + " attempt(s)";
  if (message->notification_n) {
    storage::NotificationStore(lease).setState(message->notification_n, "queued", "", note);
  } else if (auto letter = storage::LetterStore(lease).findLetter(message->letter_n)) {
    storage::LetterStore(lease).appendHistory(letter->n, {now, p.user, "delivery_retry", letter->state, letter->state,
                                                          letter->version, note});
  }
  storage::Store(lease).audit(now, p.user, "outbox_retry", id,
                              message->notification_n ? "notification:n-" + std::to_string(message->notification_n)
                                                      : "letter:l-" + std::to_string(message->letter_n));
  tx.commit();
  outbox_.requeued();
  return *store.find(n);
}

}  // namespace vc::services
