// The compliance ledger and the audit log: reasons for a miss, the managers'
// report (JSON or CSV), and the hash-chained audit log with its verification.

#include "compliance/report_format.h"
#include "domain/compliance.h"
#include "http/api.h"
#include "http/json_io.h"
#include "http/views.h"

namespace vc::http {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

namespace {

std::string stringField(const Object::Ptr& body, const std::string& key, bool required) {
  if (!body->has(key) || body->isNull(key)) {
    if (required) throw Error(Error::Kind::kInvalidArgument, "invalid_body", key + ": required", {}, key);
    return "";
  }
  Var v = body->get(key);
  if (!v.isString()) throw Error(Error::Kind::kInvalidArgument, "invalid_body", key + ": must be a string", {}, key);
  return v.convert<std::string>();
}

}  // namespace

Response Api::recordReason(Request& req) {
  Object::Ptr body = bodyObject(req);
  const std::string reason = stringField(body, "reason", true);
  const std::string note = stringField(body, "note", false);
  const Principal& p = *req.principal;
  const std::string& id = req.params.at("id");
  ledger_.recordReason(id, reason, note, p.user, p.areaScope());
  // The obligation as it now reads, reason included.
  Request one = req;
  return getObligation(one);
}

Response Api::complianceReport(Request& req) {
  const compliance::ReportRequest r =
      compliance::parseReportRequest([&req](const std::string& key) { return req.queryOr(key); }, clock_.today(),
                                     req.principal->areaScope());
  const domain::ComplianceReport report = ledger_.report(r.query, req.principal->user, r.format);
  if (r.format == "json") return json(compliance::reportJson(report, r.query.area));
  return csvDownload(report, r);
}

Response Api::listAudit(Request& req) {
  const storage::AuditFilter f = auditFilterFrom(req);
  // Who read the log is itself in the log (after the page was read, so the page does not show it).
  const auto entries = audit_.list(f, req.principal->user);
  Array::Ptr items = new Array;
  for (const auto& e : entries) {
    Object::Ptr o = ordered();
    o->set("seq", static_cast<Poco::Int64>(e.seq));
    o->set("at", e.at);
    o->set("actor", e.actor);
    o->set("action", e.action);
    o->set("subject", e.subject);
    o->set("detail", e.detail);
    o->set("correlation_id", e.correlation_id);
    o->set("prev_hash", e.prev_hash);
    o->set("hash", e.hash);
    items->add(o);
  }
  Object::Ptr o = ordered();
  o->set("items", items);
  o->set("next", entries.size() == static_cast<size_t>(f.limit) ? Var(std::to_string(entries.back().seq)) : Var());
  return json(o);
}

Response Api::verifyAudit(Request& req) {
  const storage::AuditVerification v = audit_.verify(req.principal->user);
  Object::Ptr o = ordered();
  o->set("ok", v.ok);
  o->set("entries", static_cast<Poco::Int64>(v.entries));
  if (v.ok) {
    o->set("head_hash", v.head_hash.empty() ? Var() : Var(v.head_hash));
    o->set("unkeyed_entries", static_cast<Poco::Int64>(v.unkeyed_entries));
    // The newest head noted in the checkpoint file outside the database (null: none checked or noted yet).
    Object::Ptr checkpoint = ordered();
    checkpoint->set("seq", static_cast<Poco::Int64>(v.checkpoint_seq));
    checkpoint->set("at", v.checkpoint_at);
    o->set("checkpoint", v.checkpoint_checked && v.checkpoint_seq > 0 ? Var(checkpoint) : Var());
  } else {
    Object::Ptr broken = ordered();
    broken->set("seq", static_cast<Poco::Int64>(v.broken_seq));
    broken->set("problem", v.problem);
    o->set("first_broken", broken);
  }
  return json(o);
}

}  // namespace vc::http
