#include "notifications/notification_service.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Logger.h>

#include "common/error.h"
#include "ingest/event_codec.h"
#include "notifications/notification_context.h"
#include "storage/notification_store.h"
#include "storage/outbox_store.h"
#include "storage/store.h"

namespace vc::notifications {

using Poco::JSON::Object;

const char* const kNotificationKind = "isva_notification";

namespace {

constexpr const char* kSystem = "system";

Poco::Logger& log() { return Poco::Logger::get("vc.notifications"); }

Object::Ptr parseObject(const std::string& json) {
  if (json.empty()) return new Object;
  Poco::JSON::Parser p;
  return p.parse(json).extract<Object::Ptr>();
}

Error notFound(const std::string& id) { return Error(Error::Kind::kNotFound, "not_found", "no notification " + id); }

int64_t parseNotificationId(const std::string& id) {
  if (id.size() < 3 || id.compare(0, 2, "n-") != 0 || id.size() > 20) throw notFound(id);
  for (size_t i = 2; i < id.size(); ++i)
    if (id[i] < '0' || id[i] > '9') throw notFound(id);
  return std::stoll(id.substr(2));
}

std::string withheldMessage(const std::string& reason) {
  if (reason == "consent_withdrawn") return "not sent: the victim withdrew consent to share with their ISVA";
  if (reason == "isva_changed") return "not sent: the victim's ISVA changed after it was written";
  return "not sent: the obligation closed before it could go";
}

// The meeting a response is about: the one whose latest response it is, else
// the victim's latest meeting of that kind.
Object::Ptr meetingFor(storage::Store& store, const std::string& urn, const Object::Ptr& trigger) {
  Object::Ptr fallback;
  for (const auto& row : store.caseMeetings(urn)) {
    if (row.victim_id != trigger->optValue<std::string>("victim_id", "") ||
        row.meeting != trigger->optValue<std::string>("meeting", ""))
      continue;
    Object::Ptr m = parseObject(row.body);
    Object::Ptr response = m->getObject("response");
    if (response && response->optValue<std::string>("event_id", "") == trigger->getValue<std::string>("id")) return m;
    fallback = m;
  }
  return fallback;
}

}  // namespace

rendering::TemplateSet loadNotificationTemplates(const std::string& dir) {
  return rendering::TemplateSet::load(dir, {kNotificationKind}, {"en", "cy"}, notificationContextSchema(),
                                      [](const std::string&, const std::string& lang) {
                                        return buildNotificationContext(
                                                   sampleNotificationInputs("meeting.responded", lang))
                                            .data;
                                      });
}

NotificationService::NotificationService(storage::Database& db, ingest::Ingestor& ingestor,
                                         const rendering::TemplateSet& templates, const domain::Clock& clock,
                                         const letters::VluContacts& contacts, delivery::Outbox& outbox,
                                         std::string public_url)
    : db_(db), ingestor_(ingestor), templates_(templates), clock_(clock), contacts_(contacts), outbox_(outbox),
      public_url_(std::move(public_url)) {
  while (!public_url_.empty() && public_url_.back() == '/') public_url_.pop_back();
}

size_t NotificationService::refresh(const std::vector<std::string>& cases, std::set<std::string>* failed_cases) {
  std::vector<storage::ObligationRow> open;
  {
    auto lease = db_.session();
    open = storage::Store(lease).obligationsWithoutNotifications(cases);
  }
  size_t queued = 0;
  for (const auto& o : open) {
    try {
      if (queue(o)) ++queued;
    } catch (const std::exception& e) {
      if (failed_cases) failed_cases->insert(o.case_urn);
      log().error("notification for obligation %s could not be queued: %s (the next pass tries again)", o.id,
                  std::string(e.what()));
    }
  }
  return queued;
}

bool NotificationService::queue(const storage::ObligationRow& o) {
  auto lease = db_.session();
  storage::Store store(lease);
  storage::NotificationStore notes(lease);
  storage::WriteTransaction tx(lease);
  auto current = store.findObligation(o.id);
  if (!current || current->status != "pending") return false;
  if (notes.existsFor(o.id)) return false;
  auto victim = store.findVictim(o.victim_id);
  auto kase = store.findCase(o.case_urn);
  auto trigger = store.eventBody(o.trigger_event);
  if (!victim || !kase || !trigger)
    throw Error(Error::Kind::kInternal, "internal", "obligation " + o.id + " refers to a victim, case or event not stored");
  if (victim->isva_id.empty() || !victim->consent_to_share) return false;  // the obligation is about to be cancelled
  auto isva = store.isvaDetails(victim->isva_id);
  if (!isva) throw Error(Error::Kind::kInternal, "internal", "ISVA " + victim->isva_id + " is not registered");

  storage::NotificationRow row;
  row.n = notes.nextNumber();
  NotificationInputs in;
  in.notification_id = row.id();
  in.case_urn = o.case_urn;
  in.victim_profile = parseObject(victim->profile);
  in.case_details = parseObject(kase->details);
  in.trigger = parseObject(*trigger);
  in.isva = parseObject(*isva);
  if (in.trigger->optValue<std::string>("type", "") == "meeting.responded")
    in.meeting = meetingFor(store, o.case_urn, in.trigger);
  auto vlu = contacts_.find(o.area);
  in.vlu = vlu == contacts_.end() ? nullptr : &vlu->second;
  in.inbox_url = public_url_ + "/inbox/" + row.id();  // the ISVA's page for it (web/templates/inbox_item.mustache)
  const NotificationContext ctx = buildNotificationContext(in);
  const rendering::RenderedLetter rendered = templates_.render(kNotificationKind, ctx.language, ctx.data);
  if (!rendered.holes.empty())
    log().warning("notification %s prints nothing for %z field(s), first %s; it is sent anyway", row.id(),
                  rendered.holes.size(), rendered.holes.front());

  const std::string now = domain::formatRfc3339Utc(clock_.now());
  auto occurred = domain::parseRfc3339(in.trigger->optValue<std::string>("occurred_at", ""));
  row.obligation_id = o.id;
  row.isva_id = victim->isva_id;
  row.victim_id = o.victim_id;
  row.case_urn = o.case_urn;
  row.area = o.area;
  row.event_type = in.trigger->optValue<std::string>("type", "");
  row.occurred_on = occurred ? domain::londonDate(*occurred).toString() : "";
  row.language = ctx.language;
  row.recipient_email = ctx.recipient_email;
  row.subject = notificationSubject(ctx.language);
  row.html = rendered.html;
  row.text = rendered.text;
  row.template_version = rendered.template_version;
  row.state = "queued";
  row.created_at = now;
  notes.insert(row);
  storage::OutboxRow owner;
  owner.notification_n = row.n;
  outbox_.enqueue(lease, {"email", row.id(), row.recipient_email, row.subject, "", row.text, row.html, ""}, owner,
                  "isva-notification." + row.id());
  store.audit(now, kSystem, "notification_queued", "notification:" + row.id(),
              "obligation:" + o.id + " isva:" + row.isva_id);
  tx.commit();
  return true;
}

Inbox NotificationService::inbox(const Reader& isva, bool unread_only, int limit) {
  storage::NotificationFilter f;
  f.isva_id = isva.isva_id;
  f.isva_view = true;
  auto lease = db_.session();
  storage::Store store(lease);
  storage::NotificationStore notes(lease);
  storage::WriteTransaction tx(lease);
  Inbox inbox;
  f.unread_only = true;
  inbox.unread = notes.count(f);
  f.unread_only = unread_only;
  f.limit = limit;
  inbox.items = notes.list(f);
  store.audit(domain::formatRfc3339Utc(clock_.now()), isva.name, "read_isva_inbox", "isva:" + isva.isva_id,
              "notifications:" + std::to_string(inbox.items.size()));
  tx.commit();
  return inbox;
}

storage::NotificationRow NotificationService::read(const std::string& id, const Reader& reader) {
  auto lease = db_.session();
  storage::Store store(lease);
  storage::NotificationStore notes(lease);
  storage::WriteTransaction tx(lease);
  const std::string now = domain::formatRfc3339Utc(clock_.now());
  std::optional<storage::NotificationRow> row;
  try {
    row = notes.find(parseNotificationId(id));
    if (!row) throw notFound(id);
    if (!reader.isva_id.empty()) {
      // An ISVA sees only what is theirs to see: the same rule as the inbox.
      storage::NotificationFilter mine;
      mine.isva_id = reader.isva_id;
      mine.isva_view = true;
      mine.n = row->n;
      if (notes.count(mine) == 0) throw notFound(id);
    } else if (!reader.area.empty() && reader.area != row->area) {
      throw notFound(id);
    }
  } catch (const Error&) {
    store.audit(now, reader.name, "read_notification_denied", "notification:" + id,
                reader.isva_id.empty() ? "not found or outside area" : "not found or not this ISVA's: isva:" + reader.isva_id);
    tx.commit();
    throw;
  }
  store.audit(now, reader.name, "read_notification", "notification:" + row->id(), "victim:" + row->victim_id);
  tx.commit();
  return *row;
}

storage::NotificationRow NotificationService::markRead(const std::string& id, const Reader& isva) {
  if (isva.isva_id.empty()) {
    // Reading one is open to an admin; marking it read is the ISVA's own act, or their unread count lies.
    auto lease = db_.session();
    storage::Store(lease).audit(domain::formatRfc3339Utc(clock_.now()), isva.name, "mark_read_denied",
                                "notification:" + id, "not an ISVA");
    throw Error(Error::Kind::kForbidden, "forbidden", "only the ISVA a notification is for may mark it read");
  }
  storage::NotificationRow row = read(id, isva);
  auto lease = db_.session();
  storage::WriteTransaction tx(lease);
  const std::string now = domain::formatRfc3339Utc(clock_.now());
  storage::NotificationStore notes(lease);
  notes.markRead(row.n, now);
  storage::Store(lease).audit(now, isva.name, "notification_marked_read", "notification:" + row.id(), "");
  tx.commit();
  return *notes.find(row.n);
}

std::vector<storage::NotificationRow> NotificationService::list(storage::NotificationFilter filter) {
  filter.with_content = false;
  auto lease = db_.session();
  return storage::NotificationStore(lease).list(filter);
}

// ---- delivery -----------------------------------------------------------------------------

std::string NotificationService::withholdReason(storage::Connection& session, const storage::OutboxRow& message) {
  storage::Store store(session);
  auto row = storage::NotificationStore(session).find(message.notification_n);
  if (!row) return "obligation_closed";
  auto victim = store.findVictim(row->victim_id);
  if (!victim || !victim->consent_to_share) return "consent_withdrawn";
  if (victim->isva_id != row->isva_id) return "isva_changed";
  auto obligation = store.findObligation(row->obligation_id);
  if (!obligation || obligation->status != "pending") return "obligation_closed";
  return {};
}

void NotificationService::withheld(storage::Connection& session, const storage::OutboxRow& message,
                                   const std::string& reason) {
  storage::Store store(session);
  storage::NotificationStore notes(session);
  auto row = notes.find(message.notification_n);
  if (!row) return;
  // Its case's lock before any write (the audit chain's lock among them): the order every derivation takes.
  store.lockCasesForDerivation({row->case_urn});
  const std::string now = domain::formatRfc3339Utc(clock_.now());
  notes.setState(row->n, "withheld", "", withheldMessage(reason));
  store.audit(now, kSystem, "notification_withheld", "notification:" + row->id(),
              "obligation:" + row->obligation_id + " reason:" + reason);
  Object::Ptr event = new Object;
  event->set("id", std::string(ingest::kSystemEventIdPrefix) + "notification-withheld:" + row->id());
  event->set("type", std::string("notification.withheld"));
  event->set("occurred_at", now);
  event->set("case_urn", row->case_urn);
  event->set("victim_id", row->victim_id);
  event->set("obligation", row->obligation_id);
  event->set("notification_id", row->id());
  event->set("reason", reason);
  ingestor_.appendSystemEvent(store, event);
}

void NotificationService::delivered(storage::Connection& session, const storage::OutboxRow& message,
                                    const std::string& receipt) {
  storage::Store store(session);
  storage::NotificationStore notes(session);
  auto row = notes.find(message.notification_n);
  if (!row) throw Error(Error::Kind::kInternal, "internal", "outbox message for unknown notification " + message.name);
  // Its case's lock before any write (the audit chain's lock among them): the order every derivation takes.
  store.lockCasesForDerivation({row->case_urn});
  notes.setState(row->n, "sent", message.sent_at, receipt);
  store.audit(domain::formatRfc3339Utc(clock_.now()), kSystem, "notification_sent", "notification:" + row->id(),
              "obligation:" + row->obligation_id + " isva:" + row->isva_id);
  // The ledger learns of it as an event, so the obligation is met or late like any other.
  Object::Ptr event = new Object;
  event->set("id", std::string(ingest::kSystemEventIdPrefix) + "notification-sent:" + row->id());
  event->set("type", std::string("notification.sent"));
  event->set("occurred_at", message.sent_at);
  event->set("case_urn", row->case_urn);
  event->set("victim_id", row->victim_id);
  event->set("obligation", row->obligation_id);
  event->set("notification_id", row->id());
  ingestor_.appendSystemEvent(store, event);
}

void NotificationService::attemptFailed(storage::Connection& session, const storage::OutboxRow& message,
                                        const delivery::DeliveryOutcome& outcome, bool dead, int64_t next_attempt_at) {
  storage::NotificationStore notes(session);
  auto row = notes.find(message.notification_n);
  if (!row) return;
  const std::string note =
      "attempt " + std::to_string(message.attempts) + " failed: " + outcome.summary +
      (dead ? "; no more attempts will be made, so a person must look (retry it once the cause is fixed)"
            : "; next attempt at " + domain::formatRfc3339Utc(next_attempt_at));
  notes.setState(row->n, dead ? "dead" : "queued", "", note);
  // A message given up on is audited with the reason's class; the summary names no address.
  if (dead)
    storage::Store(session).audit(domain::formatRfc3339Utc(clock_.now()), kSystem, "notification_delivery_failed",
                                  "notification:" + row->id(),
                                  std::string(outcome.permanent || outcome.undeliverable ? "failed_permanent"
                                                                                        : "out_of_attempts") +
                                      " attempts:" + std::to_string(message.attempts) + " " + outcome.summary);
}

std::string NotificationService::reportReceived(const storage::OutboxRow& message,
                                                const delivery::DeliveryReport& report) {
  const std::string outcome = report.action == "failed" ? "bounced" : "delivered";
  const std::string status = report.status.empty() ? (outcome == "bounced" ? "5.0.0" : "2.0.0") : report.status;
  const std::string detail = (outcome == "bounced" ? "email bounced (" : "delivered (") + status + ")" +
                             (report.diagnostic.empty() ? "" : ": " + report.diagnostic);
  if (message.outcome == outcome) return outcome + " (" + status + "): already recorded";  // a report sent twice
  const std::string now = domain::formatRfc3339Utc(clock_.now());
  auto lease = db_.session();
  storage::WriteTransaction tx(lease);
  storage::NotificationStore notes(lease);
  auto row = notes.find(message.notification_n);
  if (!row) throw Error(Error::Kind::kNotFound, "not_found", "no notification n-" + std::to_string(message.notification_n));
  if (!storage::OutboxStore(lease).recordOutcome(message.id, outcome, now, detail))
    throw Error(Error::Kind::kConflict, "invalid_state", row->id() + " is no longer sent");
  if (outcome == "bounced")
    notes.setState(row->n, row->state, row->sent_at,
                   "the email bounced after the server accepted it (" + status +
                       "): the ISVA did not get it by email; check their address and tell them another way");
  storage::Store(lease).audit(now, kSystem, "notification_" + outcome, "notification:" + row->id(), "status:" + status);
  tx.commit();
  return outcome + " (" + status + ")";
}

}  // namespace vc::notifications
