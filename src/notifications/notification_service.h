#pragma once
// ISVA notifications from obligation to inbox: as soon as an ISVA-NOTE
// obligation exists (the victim has an ISVA and consents to sharing), the
// notification is rendered and queued in the outbox, with no review; at the
// moment of sending the outbox asks again whether the victim's consent and
// ISVA still stand, and a notification that may no longer go is withheld and
// recorded (a notification.withheld event cancels its obligation). Delivery
// records a notification.sent event, which completes the obligation as met
// or late. An ISVA reads only their own notifications; every read is audited.
//
// Thread-safe: each call takes its own session; writers are serialised by SQLite.

#include <set>
#include <string>
#include <vector>

#include "delivery/bounce_mailbox.h"
#include "delivery/outbox.h"
#include "domain/clock.h"
#include "ingest/ingestor.h"
#include "letters/letter_context.h"
#include "rendering/template_set.h"
#include "storage/database.h"
#include "storage/records.h"

namespace vc::notifications {

// The ISVA-NOTE template kind, and the languages notifications are written in.
extern const char* const kNotificationKind;  // "isva_notification"

// Loads and checks letter_templates/notifications/ as start-up does; throws rendering::TemplateError.
rendering::TemplateSet loadNotificationTemplates(const std::string& dir);

// Who is reading: a person's name (for the audit trail) and, for the isva role, which ISVA they are.
struct Reader {
  std::string name;
  std::string isva_id;  // empty: a VLU officer or manager
  std::string area;     // a VLU officer bound to one Area
};

struct Inbox {
  std::vector<storage::NotificationRow> items;
  int64_t unread = 0;  // all of them, not only those listed
};

class NotificationService : public delivery::DeliveryListener, public delivery::ReportListener {
 public:
  NotificationService(storage::Database& db, ingest::Ingestor& ingestor, const rendering::TemplateSet& templates,
                      const domain::Clock& clock, const letters::VluContacts& contacts, delivery::Outbox& outbox,
                      std::string public_url);

  // Renders and queues a notification for every open ISVA-NOTE obligation that
  // has none, in the given cases (all when empty); returns how many were queued.
  // One that fails is logged (its case added to `failed_cases`, if given) and the rest go on.
  size_t refresh(const std::vector<std::string>& cases, std::set<std::string>* failed_cases = nullptr);

  // An ISVA's own notifications (unread first, then newest) and how many are
  // unread in all; the read is audited.
  Inbox inbox(const Reader& isva, bool unread_only, int limit);
  // One notification with its content. An ISVA gets only their own (anything
  // else is kNotFound, and the attempt is audited); every read is audited.
  storage::NotificationRow read(const std::string& id, const Reader& reader);
  // Marks an ISVA's own notification read (idempotent); returns it as read() does.
  // Anyone but an ISVA (an admin reading the inbox) is kForbidden, and the attempt is audited.
  storage::NotificationRow markRead(const std::string& id, const Reader& isva);
  // Notifications for VLU officers and managers (no content; not personal data).
  // The caller binds a VLU officer's Area into the filter.
  std::vector<storage::NotificationRow> list(storage::NotificationFilter filter);

  // delivery::DeliveryListener
  std::string withholdReason(storage::Connection& session, const storage::OutboxRow& row) override;
  void withheld(storage::Connection& session, const storage::OutboxRow& row, const std::string& reason) override;
  void delivered(storage::Connection& session, const storage::OutboxRow& row, const std::string& receipt) override;
  void attemptFailed(storage::Connection& session, const storage::OutboxRow& row,
                     const delivery::DeliveryOutcome& outcome, bool dead, int64_t next_attempt_at) override;

  // delivery::ReportListener: the email bounced after it was accepted, or was delivered. The message
  // and the notification's note say so, and it is audited; a bounce is then failed_permanent, listed
  // for a person in GET /api/v1/outbox?status=failed_permanent. The ISVA's inbox keeps it.
  std::string reportReceived(const storage::OutboxRow& row, const delivery::DeliveryReport& report) override;

 private:
  bool queue(const storage::ObligationRow& obligation);  // false if it has one already or may not go

  storage::Database& db_;
  ingest::Ingestor& ingestor_;
  const rendering::TemplateSet& templates_;
  const domain::Clock& clock_;
  const letters::VluContacts& contacts_;
  delivery::Outbox& outbox_;
  std::string public_url_;
};

}  // namespace vc::notifications
