#include "http/api.h"

#include <sstream>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Logger.h>

#include "common/error.h"
#include "common/json_reader.h"
#include "domain/compliance.h"
#include "domain/engine.h"
#include "http/json_io.h"
#include "http/json_writer.h"
#include "http/views.h"

namespace vc::http {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

std::vector<Route> Api::routes() {
  auto bind = [this](Response (Api::*fn)(Request&)) { return [this, fn](Request& r) { return (this->*fn)(r); }; };
  return {
      {"GET", "/healthz", {}, bind(&Api::health)},
      {"POST", "/api/v1/events", {"ingest"}, bind(&Api::postEvents)},
      {"GET", "/api/v1/victims/{victim_id}", {"vlu", "manager"}, bind(&Api::getVictim)},
      {"GET", "/api/v1/cases/{case_urn}", {"vlu", "manager"}, bind(&Api::getCase)},
      {"GET", "/api/v1/obligations", {"vlu", "manager"}, bind(&Api::listObligations)},
      {"GET", "/api/v1/obligations/{id}", {"vlu", "manager"}, bind(&Api::getObligation)},
      {"POST", "/api/v1/obligations/{id}/reason", {"vlu", "manager"}, bind(&Api::recordReason)},
      {"GET", "/api/v1/letters", {"vlu", "manager"}, bind(&Api::listLetters)},
      {"GET", "/api/v1/letters/{id}", {"vlu", "manager"}, bind(&Api::getLetter)},
      {"PUT", "/api/v1/letters/{id}", {"vlu"}, bind(&Api::editLetter)},
      {"POST", "/api/v1/letters/{id}/approve", {"vlu"}, bind(&Api::approveLetter)},
      {"POST", "/api/v1/letters/{id}/reject", {"vlu"}, bind(&Api::rejectLetter)},
      {"POST", "/api/v1/letters/{id}/met-another-way", {"vlu"}, bind(&Api::meetLetterAnotherWay)},
      {"POST", "/api/v1/letters/{id}/call-attempts", {"vlu"}, bind(&Api::recordCallAttempt)},
      {"GET", "/api/v1/isva/notifications", {"isva"}, bind(&Api::isvaInbox)},
      {"GET", "/api/v1/isva/notifications/{id}", {"isva"}, bind(&Api::isvaNotification)},
      {"POST", "/api/v1/isva/notifications/{id}/read", {"isva"}, bind(&Api::isvaMarkRead)},
      {"GET", "/api/v1/notifications", {"vlu", "manager"}, bind(&Api::listNotifications)},
      {"GET", "/api/v1/notifications/{id}", {"vlu", "manager"}, bind(&Api::getNotification)},
      {"GET", "/api/v1/meetings", {"vlu", "manager"}, bind(&Api::listMeetings)},
      {"GET", "/api/v1/outbox", {"vlu", "manager"}, bind(&Api::listOutbox)},
      {"POST", "/api/v1/outbox/{id}/retry", {"vlu"}, bind(&Api::retryOutbox)},
      {"GET", "/api/v1/print-batches", {"vlu", "manager"}, bind(&Api::listPrintBatches)},
      {"POST", "/api/v1/print-batches/{id}/confirm", {"vlu"}, bind(&Api::confirmPrintBatch)},
      {"GET", "/api/v1/compliance", {"manager"}, bind(&Api::complianceReport)},
      {"GET", "/api/v1/audit", {"manager"}, bind(&Api::listAudit)},
      {"GET", "/api/v1/audit/verify", {"manager"}, bind(&Api::verifyAudit)},
  };
}

Response Api::health(Request&) {
  Object::Ptr o = ordered();
  o->set("status", std::string(reads_.storeAnswers() ? "ok" : "degraded"));
  return json(o);
}

Response Api::postEvents(Request& req) {
  requireJsonBody(req);
  Var body;
  try {
    body = readUntrustedJson(req.body);
  } catch (const JsonSyntaxError& e) {
    throw Error(Error::Kind::kInvalidArgument, "invalid_json", std::string("the body is not valid JSON: ") + e.what());
  }
  std::vector<Var> items;
  if (body.type() == typeid(Array::Ptr)) {
    Array::Ptr arr = body.extract<Array::Ptr>();
    if (arr->size() == 0) throw Error(Error::Kind::kInvalidArgument, "invalid_event", "the array of events is empty");
    if (arr->size() > limits_.max_events_per_request)
      throw Error(Error::Kind::kPayloadTooLarge, "too_many_events",
                  "at most " + std::to_string(limits_.max_events_per_request) + " events per request");
    for (size_t i = 0; i < arr->size(); ++i) items.push_back(arr->get(static_cast<unsigned>(i)));
  } else {
    items.push_back(body);
  }
  ingest::IngestResult result = ingestor_.ingest(items, req.principal->user);
  Poco::Logger::get("vc.ingest")
      .information("%s posted %z events: %z accepted, %z duplicates, %z cases updated", req.principal->user,
                   items.size(), result.accepted, result.duplicates, result.affected_cases.size());
  Object::Ptr o = ordered();
  o->set("accepted", static_cast<Poco::UInt64>(result.accepted));
  o->set("duplicates", static_cast<Poco::UInt64>(result.duplicates));
  return json(o);
}

Response Api::getVictim(Request& req) {
  // DURABLE BEFORE ANSWERED: readVictimAnswer returns only once its audit entry is committed with an fsync
  // (services/read_service.h), whether the answer is one it kept or one written now by writeVictim.
  const auto answer = reads_.readVictimAnswer(
      req.params.at("victim_id"), *req.principal, [this](const services::VictimRecord& record, const domain::Date& today) {
        std::string body;
        body.reserve(16384);
        JsonWriter w(body);
        writeVictim(w, record, today, calendar_);
        return body;
      });
  return json(std::string(*answer));
}

Response Api::getCase(Request& req) {
  const std::string& urn = req.params.at("case_urn");
  const services::CaseRecord record = reads_.readCase(urn, *req.principal);  // audited

  Object::Ptr o = caseView(record.case_row);
  Array::Ptr victims = new Array;
  for (const auto& v : record.victims) {
    Object::Ptr vo = ordered();
    vo->set("victim_id", v.victim_id);
    vo->set("profile", parseJson(v.profile));
    Object::Ptr ent = ordered();
    ent->set("enhanced", v.enhanced);
    ent->set("reasons", parseJson(v.reasons));
    vo->set("entitlement", ent);
    victims->add(vo);
  }
  o->set("victims", victims);
  Array::Ptr timeline = new Array;
  for (const auto& e : record.timeline) timeline->add(eventView(e));
  o->set("timeline", timeline);
  return json(o);
}

Response Api::listObligations(Request& req) {
  static const std::vector<std::string> kStatuses = {"pending",   "met",  "late",   "breached", "waived",
                                                     "cancelled", "open", "at_risk"};
  storage::ObligationFilter f;
  f.status = req.queryOr("status");
  if (!f.status.empty() && std::find(kStatuses.begin(), kStatuses.end(), f.status) == kStatuses.end())
    throw Error(Error::Kind::kInvalidArgument, "invalid_query",
                "status: must be one of pending, met, late, breached, waived, cancelled, open, at_risk", {}, "status");
  f.rule = req.queryOr("rule");
  f.victim_id = req.queryOr("victim_id");
  f.case_urn = req.queryOr("case_urn");
  f.area = req.principal->areaFilter(req.queryOr("area"));
  f.basis = req.queryOr("basis");
  f.kind = req.queryOr("kind");
  f.due_before = dateParam(req, "due_before");
  f.due_after = dateParam(req, "due_after");
  f.limit = limitFrom(req);
  const std::string cursor = req.queryOr("cursor");
  if (!cursor.empty()) {
    size_t sep = cursor.find('~');
    if (sep == std::string::npos || !domain::Date::parse(cursor.substr(0, sep)))
      throw Error(Error::Kind::kInvalidArgument, "invalid_query", "cursor: not a cursor this API returned", {}, "cursor");
    f.after_due = cursor.substr(0, sep);
    f.after_id = cursor.substr(sep + 1);
  }
  const domain::Date today = clock_.today();
  f.today = today.toString();
  f.at_risk_until = domain::atRiskUntil(today, calendar_).toString();

  // Each carries the victim's enhanced-rights reasons and any note on a miss: the read is audited.
  const auto rows = reads_.listObligations(f, *req.principal);
  std::string body;
  body.reserve(2048 * rows.size() + 64);
  JsonWriter w(body);
  w.beginObject().key("items").beginArray();
  for (const auto& row : rows) writeObligation(w, row, today, calendar_, false);
  w.endArray().key("next");
  rows.size() == static_cast<size_t>(f.limit) ? w.value(rows.back().due_by + "~" + rows.back().id) : w.null();
  w.endObject();
  return json(std::move(body));
}

Response Api::getObligation(Request& req) {
  const std::string& id = req.params.at("id");
  const services::ObligationRecord record = reads_.readObligation(id, *req.principal);  // audited
  Object::Ptr o = obligationView(record.obligation, clock_.today(), calendar_, true);
  Array::Ptr reasons = new Array;
  for (const auto& r : record.reasons) {
    Object::Ptr ro = ordered();
    ro->set("code", r.reason);
    ro->set("note", r.note);
    ro->set("outcome", r.outcome);
    ro->set("recorded_by", r.recorded_by);
    ro->set("recorded_at", r.recorded_at);
    reasons->add(ro);
  }
  o->set("reasons", reasons);  // every reason given, oldest first: a change is a new one
  return json(o);
}

}  // namespace vc::http
