#pragma once
// The JSON API (api.md): thin handlers over the services (ingest, letters,
// notifications, the ledger, the reads and the audit log); no store access of its own.
// Holds references to services that outlive it; handlers are thread-safe.

#include <cstddef>
#include <vector>

#include "compliance/ledger_service.h"
#include "domain/calendar.h"
#include "domain/clock.h"
#include "http/router.h"
#include "ingest/ingestor.h"
#include "delivery/print_room.h"
#include "letters/letter_service.h"
#include "notifications/notification_service.h"
#include "services/audit_service.h"
#include "services/outbox_service.h"
#include "services/read_service.h"

namespace vc::http {

struct ApiLimits {
  size_t max_events_per_request = 10000;
};

class Api {
 public:
  Api(services::ReadService& reads, services::AuditService& audit, ingest::Ingestor& ingestor,
      letters::LetterService& letters, notifications::NotificationService& notifications,
      services::OutboxService& outbox, compliance::LedgerService& ledger, const domain::Clock& clock,
      const domain::WorkingDayCalendar& calendar, ApiLimits limits)
      : reads_(reads), audit_(audit), ingestor_(ingestor), letters_(letters), notifications_(notifications),
        outbox_(outbox), ledger_(ledger), clock_(clock), calendar_(calendar), limits_(limits) {}

  // The print room's batches (api_print.cpp); without it the routes answer 404.
  void setPrintRoom(delivery::PrintRoom* print_room) { print_room_ = print_room; }
  // Every route, with its roles: the daemon's one route table.
  std::vector<Route> routes();

 private:
  Response health(Request& req);
  Response postEvents(Request& req);
  Response getVictim(Request& req);
  Response getCase(Request& req);
  Response listObligations(Request& req);
  Response getObligation(Request& req);
  // The review queue (api_letters.cpp).
  Response listLetters(Request& req);
  Response getLetter(Request& req);
  Response editLetter(Request& req);
  Response approveLetter(Request& req);
  Response rejectLetter(Request& req);
  Response meetLetterAnotherWay(Request& req);
  Response recordCallAttempt(Request& req);
  // ISVA notifications, meetings and the outbox (api_isva.cpp).
  Response isvaInbox(Request& req);
  Response isvaNotification(Request& req);
  Response isvaMarkRead(Request& req);
  Response listNotifications(Request& req);
  Response getNotification(Request& req);
  Response listMeetings(Request& req);
  Response listOutbox(Request& req);
  Response retryOutbox(Request& req);
  // The compliance ledger and the audit log (api_compliance.cpp).
  Response recordReason(Request& req);
  Response complianceReport(Request& req);
  Response listAudit(Request& req);
  Response verifyAudit(Request& req);
  // Print batches handed to the print room (api_print.cpp).
  Response listPrintBatches(Request& req);
  Response confirmPrintBatch(Request& req);

  services::ReadService& reads_;
  services::AuditService& audit_;
  ingest::Ingestor& ingestor_;
  letters::LetterService& letters_;
  notifications::NotificationService& notifications_;
  services::OutboxService& outbox_;
  compliance::LedgerService& ledger_;
  const domain::Clock& clock_;
  const domain::WorkingDayCalendar& calendar_;
  ApiLimits limits_;
  delivery::PrintRoom* print_room_ = nullptr;
};

}  // namespace vc::http
