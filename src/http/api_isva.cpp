// ISVA notifications (the ISVA's inbox and the VLU's view), meetings, and the
// outbox's messages for a person to handle: thin handlers over the services.

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include "common/error.h"
#include "domain/delivery_status.h"
#include "domain/engine.h"
#include "http/api.h"
#include "http/json_io.h"
#include "http/views.h"

namespace vc::http {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

namespace {

notifications::Reader readerOf(const Request& req) {
  const Principal& p = *req.principal;
  return {p.user, p.role == "isva" ? p.isva_id : "", p.areaScope()};
}

Object::Ptr outboxView(const storage::OutboxRow& m) {
  Object::Ptr o = ordered();
  o->set("id", "m-" + std::to_string(m.id));
  o->set("kind", m.kind());
  o->set("letter_id", m.letter_n ? Var("l-" + std::to_string(m.letter_n)) : Var());
  o->set("notification_id", m.notification_n ? Var("n-" + std::to_string(m.notification_n)) : Var());
  o->set("channel", m.channel);
  o->set("area", m.area);
  o->set("state", m.state);
  o->set("attempts", m.attempts);
  o->set("message_id", m.message_id);
  o->set("next_attempt_at",
         m.state == "retrying" || m.state == "queued" ? Var(domain::formatRfc3339Utc(m.next_attempt_at)) : Var());
  setDeliveryStatus(o, m);
  o->set("last_error", orNull(m.last_error));
  o->set("created_at", m.created_at);
  o->set("sent_at", orNull(m.sent_at));
  return o;
}

int64_t outboxId(const std::string& id) {
  const auto bad = [&] { return notFound("no outbox message " + id); };
  if (id.size() < 3 || id.size() > 20 || id.compare(0, 2, "m-") != 0) throw bad();
  for (size_t i = 2; i < id.size(); ++i)
    if (id[i] < '0' || id[i] > '9') throw bad();
  return std::stoll(id.substr(2));
}

// Someone bound to an Area sees only that Area; an Area filter outside it matches nothing.
std::string areaFor(const Request& req) { return req.principal->areaFilter(req.queryOr("area")); }

void oneOf(const std::string& key, const std::string& value, const std::vector<std::string>& allowed) {
  if (value.empty() || std::find(allowed.begin(), allowed.end(), value) != allowed.end()) return;
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  throw Error(Error::Kind::kInvalidArgument, "invalid_query", key + ": must be one of " + list, {}, key);
}

}  // namespace

Response Api::isvaInbox(Request& req) {
  const std::string unread = req.queryOr("unread", "false");
  oneOf("unread", unread, {"true", "false"});
  const notifications::Inbox inbox = notifications_.inbox(readerOf(req), unread == "true", limitFrom(req));
  Array::Ptr items = new Array;
  for (const auto& n : inbox.items) items->add(notificationView(n, true, false));
  Object::Ptr o = ordered();
  o->set("isva_id", req.principal->isva_id);
  o->set("unread", static_cast<Poco::Int64>(inbox.unread));
  o->set("items", items);
  return json(o);
}

Response Api::isvaNotification(Request& req) {
  return json(notificationView(notifications_.read(req.params.at("id"), readerOf(req)), true, true));
}

Response Api::isvaMarkRead(Request& req) {
  return json(notificationView(notifications_.markRead(req.params.at("id"), readerOf(req)), true, false));
}

Response Api::listNotifications(Request& req) {
  storage::NotificationFilter f;
  f.state = req.queryOr("state");
  oneOf("state", f.state, {"queued", "sent", "withheld", "dead"});
  f.isva_id = req.queryOr("isva_id");
  f.case_urn = req.queryOr("case_urn");
  f.area = areaFor(req);
  f.limit = limitFrom(req);
  Array::Ptr items = new Array;
  for (const auto& n : notifications_.list(f)) items->add(notificationView(n, false, false));
  Object::Ptr o = ordered();
  o->set("items", items);
  return json(o);
}

Response Api::getNotification(Request& req) {
  return json(notificationView(notifications_.read(req.params.at("id"), readerOf(req)), false, true));
}

Response Api::listMeetings(Request& req) {
  storage::MeetingFilter f;
  f.state = req.queryOr("state");
  oneOf("state", f.state, {"offered", "accepted", "declined", "held", "cancelled"});
  f.meeting = req.queryOr("meeting");
  oneOf("meeting", f.meeting, {"familiarisation_meeting", "special_measures_meeting", "bereaved_family_meeting"});
  f.case_urn = req.queryOr("case_urn");
  f.victim_id = req.queryOr("victim_id");
  f.area = areaFor(req);
  f.limit = limitFrom(req);
  const auto rows = reads_.listMeetings(f);
  const domain::Date today = clock_.today();
  Array::Ptr items = new Array;
  for (const auto& row : rows) {
    Object::Ptr m = parseJson(row.body).extract<Object::Ptr>();
    // Each obligation's status as a person should see it today (open past its day: breached).
    auto asOfToday = [&](Object::Ptr o) {
      if (!o || !o->has("due_by")) return;
      auto due = domain::Date::parse(o->getValue<std::string>("due_by"));
      o->set("status", domain::effectiveStatus(o->getValue<std::string>("status"), *due, today));
    };
    asOfToday(m->getObject("held_by"));
    Array::Ptr offers = m->getArray("offers");
    for (size_t i = 0; offers && i < offers->size(); ++i) asOfToday(offers->getObject(static_cast<unsigned>(i)));
    items->add(m);
  }
  Object::Ptr o = ordered();
  o->set("items", items);
  return json(o);
}

Response Api::listOutbox(Request& req) {
  storage::OutboxFilter f;
  f.state = req.queryOr("state");
  oneOf("state", f.state,
        {"queued", "sending", "retrying", "sent", "dead", "withheld", "cancelled", "failed_temporary", "failed_permanent"});
  f.state = outboxStateFilter(f.state);
  f.status = req.queryOr("status");
  oneOf("status", f.status, domain::deliveryStatuses());
  f.kind = req.queryOr("kind");
  oneOf("kind", f.kind, {"letter", "notification"});
  f.area = areaFor(req);
  f.limit = limitFrom(req);
  // Errors may quote a server naming the recipient's address: the read is audited.
  const auto rows = outbox_.list(f, *req.principal);
  Array::Ptr items = new Array;
  for (const auto& m : rows) items->add(outboxView(m));
  Object::Ptr o = ordered();
  o->set("items", items);
  return json(o);
}

Response Api::retryOutbox(Request& req) {
  const std::string& id = req.params.at("id");
  const int64_t n = outboxId(id);
  return json(outboxView(outbox_.retry(n, id, *req.principal)));
}

}  // namespace vc::http
