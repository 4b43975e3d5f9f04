// The review queue (api.md: letters): thin handlers over the LetterService.

#include <algorithm>
#include <set>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include "common/error.h"
#include "domain/compliance.h"
#include "domain/delivery_status.h"
#include "domain/letter.h"
#include "http/api.h"
#include "http/json_io.h"
#include "http/json_writer.h"
#include "http/views.h"

namespace vc::http {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

namespace {

const std::vector<std::string> kOpenStates = {"draft", "blocked", "rejected", "approved"};

letters::Actor actorOf(const Request& req) {
  const Principal& p = *req.principal;
  return {p.user, p.areaScope()};
}

std::optional<int> versionIn(const Object::Ptr& body, bool required) {
  if (!body->has("version") || body->isNull("version")) {
    if (required)
      throw Error(Error::Kind::kInvalidArgument, "invalid_edit", "version: the version you read is required", {},
                  "version");
    return std::nullopt;
  }
  const Var v = body->get("version");
  if (!v.isInteger() || v.convert<Poco::Int64>() < 1 || v.convert<Poco::Int64>() > 1000000)
    throw Error(Error::Kind::kInvalidArgument, "invalid_edit", "version: must be a whole number, 1 or more", {},
                "version");
  return v.convert<int>();
}

}  // namespace

Response Api::listLetters(Request& req) {
  static const std::vector<std::string> kStates = {"draft",    "blocked",   "approved",       "sent",
                                                   "rejected", "withdrawn", "met_another_way"};
  storage::LetterFilter f;
  // Asked by delivery status, the default is every state: a letter that went is sent, not open.
  const std::string state = req.queryOr("state", req.queryOr("delivery_status").empty() ? "open" : "all");
  if (state == "open") {
    f.states = kOpenStates;
  } else if (state != "all") {
    if (std::find(kStates.begin(), kStates.end(), state) == kStates.end())
      throw Error(Error::Kind::kInvalidArgument, "invalid_query",
                  "state: must be one of open (the default), all, draft, blocked, approved, sent, rejected, withdrawn, "
                  "met_another_way",
                  {}, "state");
    f.states = {state};
  }
  f.rule = req.queryOr("rule");
  f.area = req.queryOr("area");
  f.victim_id = req.queryOr("victim_id");
  f.case_urn = req.queryOr("case_urn");
  f.delivery_state = req.queryOr("delivery");
  f.delivery_status = req.queryOr("delivery_status");
  if (!f.delivery_status.empty()) {
    const auto& statuses = domain::deliveryStatuses();
    if (std::find(statuses.begin(), statuses.end(), f.delivery_status) == statuses.end()) {
      std::string allowed;
      for (const auto& s : statuses) allowed += (allowed.empty() ? "" : ", ") + s;
      throw Error(Error::Kind::kInvalidArgument, "invalid_query", "delivery_status: must be one of " + allowed, {},
                  "delivery_status");
    }
  }
  const std::string attention = req.queryOr("attention");
  if (!attention.empty() && attention != "communication_need" && attention != "unsafe_channel" &&
      attention != "phone_task")
    throw Error(Error::Kind::kInvalidArgument, "invalid_query",
                "attention: must be communication_need (letters waiting for a translation, Easy Read text, or a "
                "record of how the need was met), unsafe_channel (letters blocked because their channel is not safe "
                "for the victim) or phone_task (letters to be read to the victim by phone)",
                {}, "attention");
  f.communication_need = attention == "communication_need";
  f.unsafe_channel = attention == "unsafe_channel";
  f.phone_task = attention == "phone_task";
  f.limit = limitFrom(req);
  const std::string cursor = req.queryOr("cursor");
  if (!cursor.empty()) {
    const size_t sep = cursor.find('~');
    bool ok = sep != std::string::npos && domain::Date::parse(cursor.substr(0, sep)).has_value();
    try {
      if (ok) f.after_n = std::stoll(cursor.substr(sep + 1));
    } catch (...) {
      ok = false;
    }
    if (!ok)
      throw Error(Error::Kind::kInvalidArgument, "invalid_query", "cursor: not a cursor this API returned", {}, "cursor");
    f.after_due = cursor.substr(0, sep);
  }
  const auto rows = letters_.list(f, actorOf(req));
  const domain::Date today = clock_.today();
  std::string body;
  body.reserve(1024 * rows.size() + 64);
  JsonWriter w(body);
  w.beginObject().key("items").beginArray();
  for (const auto& row : rows) writeLetter(w, row, calendar_, today, false);
  w.endArray().key("next");
  rows.size() == static_cast<size_t>(f.limit) ? w.value(rows.back().due_by + "~" + std::to_string(rows.back().n))
                                              : w.null();
  w.endObject();
  return json(std::move(body));
}

Response Api::getLetter(Request& req) {
  const letters::LetterDetail d = letters_.read(req.params.at("id"), actorOf(req));
  return json(letterDetailView(d, calendar_, clock_.today()));
}

Response Api::editLetter(Request& req) {
  const Object::Ptr body = bodyObject(req);
  letters::LetterEdit e;
  e.version = *versionIn(body, true);
  if (body->has("fields") && !body->isNull("fields")) {
    if (body->get("fields").type() != typeid(Object::Ptr))
      throw Error(Error::Kind::kInvalidArgument, "invalid_edit", "fields: must be an object", {}, "fields");
    for (const auto& [k, v] : *body->getObject("fields")) {
      if (!v.isString() && !v.isEmpty())
        throw Error(Error::Kind::kInvalidArgument, "invalid_edit", "fields." + k + ": must be text", {}, "fields." + k);
      e.fields[k] = v.isEmpty() ? std::string() : v.extract<std::string>();
    }
  }
  if (body->has("free_text") && !body->isNull("free_text")) {
    if (!body->get("free_text").isString())
      throw Error(Error::Kind::kInvalidArgument, "invalid_edit", "free_text: must be text", {}, "free_text");
    e.free_text = body->getValue<std::string>("free_text");
  }
  static const std::set<std::string> kKnown = {"version", "fields", "free_text"};
  for (const auto& name : body->getNames())
    if (!kKnown.count(name))
      throw Error(Error::Kind::kInvalidArgument, "invalid_edit",
                  name + ": not part of an edit (send version, fields and free_text)", {}, name);
  if (e.fields.empty() && !e.free_text)
    throw Error(Error::Kind::kInvalidArgument, "invalid_edit", "nothing to change: send fields or free_text");
  const storage::LetterRow row = letters_.edit(req.params.at("id"), actorOf(req), e);
  Object::Ptr o = letterView(row, calendar_, clock_.today());
  o->set("html", row.html);
  o->set("text", row.text);
  o->set("findings", findingsView(letters_.findings(row)));
  return json(o);
}

Response Api::approveLetter(Request& req) {
  std::optional<int> version;
  std::string override_reason;
  if (!req.body.empty()) {
    const Object::Ptr body = bodyObject(req);
    version = versionIn(body, false);
    if (body->has("override_reason") && !body->isNull("override_reason")) {
      if (!body->get("override_reason").isString())
        throw Error(Error::Kind::kInvalidArgument, "invalid_reason",
                    "override_reason: must be text saying why the words stand", {}, "override_reason");
      override_reason = body->getValue<std::string>("override_reason");
    }
  }
  const storage::LetterRow row = letters_.approve(req.params.at("id"), actorOf(req), version, override_reason);
  return json(letterView(row, calendar_, clock_.today()));
}

Response Api::meetLetterAnotherWay(Request& req) {
  const Object::Ptr body = bodyObject(req);
  letters::MetAnotherWay m;
  m.version = *versionIn(body, true);
  static const std::set<std::string> kKnown = {"version", "channel", "reason"};
  for (const auto& name : body->getNames())
    if (!kKnown.count(name))
      throw Error(Error::Kind::kInvalidArgument, "invalid_reason",
                  name + ": not part of this request (send version, channel and reason)", {}, name);
  for (const char* key : {"channel", "reason"}) {
    if (!body->has(key) || !body->get(key).isString())
      throw Error(Error::Kind::kInvalidArgument, "invalid_reason",
                  std::string(key) + (std::string(key) == "channel"
                                          ? ": say how the victim was reached: phone, in_person, video or other"
                                          : ": say how the victim was given the letter's content"),
                  {}, key);
  }
  m.channel = body->getValue<std::string>("channel");
  m.reason = body->getValue<std::string>("reason");
  const storage::LetterRow row = letters_.meetAnotherWay(req.params.at("id"), actorOf(req), m);
  Object::Ptr o = letterView(row, calendar_, clock_.today());
  o->set("note", row.note);
  return json(o);
}

Response Api::recordCallAttempt(Request& req) {
  const Object::Ptr body = bodyObject(req);
  static const std::set<std::string> kKnown = {"notes"};
  for (const auto& name : body->getNames())
    if (!kKnown.count(name))
      throw Error(Error::Kind::kInvalidArgument, "invalid_reason", name + ": not part of this request (send notes)",
                  {}, name);
  if (!body->has("notes") || !body->get("notes").isString())
    throw Error(Error::Kind::kInvalidArgument, "invalid_reason",
                "notes: say what happened (for example, no answer and no message left)", {}, "notes");
  const storage::LetterRow row =
      letters_.recordCallAttempt(req.params.at("id"), actorOf(req), body->getValue<std::string>("notes"));
  return json(letterView(row, calendar_, clock_.today()));
}

Response Api::rejectLetter(Request& req) {
  const Object::Ptr body = bodyObject(req);
  if (!body->has("reason") || !body->get("reason").isString())
    throw Error(Error::Kind::kInvalidArgument, "invalid_reason", "reason: say why the letter is rejected", {}, "reason");
  const storage::LetterRow row =
      letters_.reject(req.params.at("id"), actorOf(req), body->getValue<std::string>("reason"));
  return json(letterView(row, calendar_, clock_.today()));
}

}  // namespace vc::http
