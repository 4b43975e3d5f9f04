#include "ingest/state_json.h"

#include <sstream>

namespace vc::ingest {

using Poco::JSON::Array;
using Poco::JSON::Object;

namespace {

Object::Ptr ordered() { return new Object(Poco::JSON_PRESERVE_KEY_ORDER); }

Poco::Dynamic::Var orNull(const std::string& s) { return s.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(s); }

Object::Ptr explanationJson(const domain::DeadlineExplanation& x) {
  Object::Ptr o = ordered();
  o->set("text", x.text);
  o->set("rule", x.rule);
  o->set("policy", x.policy);
  o->set("policy_effective_from", x.policy_effective_from.toString());
  o->set("trigger_event", x.trigger_event);
  o->set("trigger_type", x.trigger_type);
  o->set("occurred_at", x.occurred_at);
  o->set("trigger_date", x.trigger_date.toString());
  o->set("trigger_weekday", x.trigger_date.weekdayName());
  o->set("time_zone", x.zone);
  o->set("tier", x.tier);
  o->set("tier_reasons", reasonsJson(x.tier_reasons));
  o->set("working_days", x.working_days);
  Array::Ptr counted = new Array;
  for (const auto& d : x.count.counted) counted->add(d.toString());
  o->set("working_days_counted", counted);
  Array::Ptr skipped = new Array;
  for (const auto& s : x.count.skipped) {
    Object::Ptr day = ordered();
    day->set("date", s.date.toString());
    day->set("why", s.why);
    skipped->add(day);
  }
  o->set("days_skipped", skipped);
  o->set("due_by", x.count.result.toString());
  return o;
}

}  // namespace

Array::Ptr reasonsJson(const std::vector<domain::EnhancedReason>& reasons) {
  Array::Ptr a = new Array;
  for (const auto& r : reasons) {
    Object::Ptr o = ordered();
    o->set("category", r.category);
    o->set("code", r.code);
    o->set("detail", r.detail);
    a->add(o);
  }
  return a;
}

Object::Ptr obligationJson(const domain::Obligation& ob) {
  Object::Ptr o = ordered();
  o->set("id", ob.id);
  o->set("rule", ob.rule);
  o->set("title", ob.title);
  o->set("basis", ob.basis);
  o->set("right", ob.right ? Poco::Dynamic::Var(*ob.right) : Poco::Dynamic::Var());
  o->set("victim_id", ob.victim_id);
  o->set("case_urn", ob.case_urn);
  o->set("area", ob.area);
  o->set("kind", ob.kind);
  o->set("template", orNull(ob.template_name));
  o->set("recipient", ob.recipient);
  o->set("owner", ob.owner);
  o->set("trigger_event", ob.trigger_event);
  o->set("trigger_date", ob.trigger_date.toString());
  o->set("tier", ob.tier);
  o->set("due_by", ob.due_by.toString());
  o->set("status", ob.status);
  o->set("completed_at", orNull(ob.completed_at));
  o->set("completed_by_event", orNull(ob.completed_by));
  o->set("late_working_days", ob.late_working_days ? Poco::Dynamic::Var(*ob.late_working_days) : Poco::Dynamic::Var());
  o->set("reason", Poco::Dynamic::Var());
  o->set("waived_by_event", orNull(ob.waived_by));
  o->set("cancelled_by_event", orNull(ob.cancelled_by));
  // The obligation whose letter carries this offer (no letter of its own), or null.
  o->set("carried_by", orNull(ob.carried_by));
  // The letter.returned / letter.bounced event that reopened it (its letter came back), and why.
  o->set("reopened_by_event", orNull(ob.reopened_by));
  o->set("reopened_note", orNull(ob.reopened_note));
  // Due dates moved on purpose (vrr.extended), kept as ledger facts (no free text: that is in `changes`).
  Poco::Dynamic::Var extension;
  if (!ob.extensions.empty()) {
    Object::Ptr x = ordered();
    x->set("working_days", ob.extendedWorkingDays());
    x->set("original_due_by", ob.extensions.front().from_due.toString());
    Array::Ptr steps = new Array;
    for (const auto& step : ob.extensions) {
      Object::Ptr st = ordered();
      st->set("event_id", step.event_id);
      st->set("date", step.date.toString());
      st->set("working_days", step.working_days);
      st->set("from_due_by", step.from_due.toString());
      st->set("to_due_by", step.to_due.toString());
      steps->add(st);
    }
    x->set("steps", steps);
    extension = x;
  }
  o->set("extension", extension);
  o->set("policy", ob.policy);
  Array::Ptr changes = new Array;
  for (const auto& c : ob.changes) {
    Object::Ptr ch = ordered();
    ch->set("event_id", c.event_id);
    ch->set("date", c.date.toString());
    ch->set("from_tier", c.from_tier);
    ch->set("to_tier", c.to_tier);
    ch->set("from_due_by", c.from_due.toString());
    ch->set("to_due_by", c.to_due.toString());
    ch->set("why", c.why);
    changes->add(ch);
  }
  o->set("changes", changes);
  o->set("explanation", explanationJson(ob.explanation));
  return o;
}

Object::Ptr meetingJson(const domain::Meeting& m, const domain::CaseDerivation& derived) {
  auto obligation = [&](const std::string& id) -> const domain::Obligation* {
    for (const auto& o : derived.obligations)
      if (o.id == id) return &o;
    return nullptr;
  };
  Object::Ptr o = ordered();
  o->set("id", m.id);
  o->set("meeting", m.meeting);
  o->set("victim_id", m.victim_id);
  o->set("case_urn", m.case_urn);
  o->set("area", m.area);
  o->set("state", m.state);
  Array::Ptr offers = new Array;
  for (const auto& id : m.offers) {
    Object::Ptr offer = ordered();
    offer->set("obligation", id);
    if (const domain::Obligation* ob = obligation(id)) {
      offer->set("rule", ob->rule);
      offer->set("due_by", ob->due_by.toString());
      offer->set("status", ob->status);
    }
    offers->add(offer);
  }
  o->set("offers", offers);
  Poco::Dynamic::Var response;
  if (!m.response.empty()) {
    Object::Ptr r = ordered();
    r->set("response", m.response);
    r->set("event_id", m.response_event);
    r->set("responded_at", m.responded_at);
    r->set("scheduled_for", orNull(m.scheduled_for));
    response = r;
  }
  o->set("response", response);
  o->set("isva_invited", m.isva_invited);
  Poco::Dynamic::Var held_by;
  if (const domain::Obligation* ob = obligation(m.held_obligation)) {
    Object::Ptr h = ordered();
    h->set("obligation", ob->id);
    h->set("rule", ob->rule);
    h->set("due_by", ob->due_by.toString());
    h->set("status", ob->status);
    h->set("explanation", ob->explanation.text);
    held_by = h;
  }
  o->set("held_by", held_by);
  o->set("deadline_note", orNull(m.deadline_note));
  Poco::Dynamic::Var held;
  if (!m.held_event.empty()) {
    Object::Ptr h = ordered();
    h->set("event_id", m.held_event);
    h->set("held_at", m.held_at);
    held = h;
  }
  o->set("held", held);
  o->set("cancelled_by_event", orNull(m.cancelled_by));
  return o;
}

std::string toText(const Object::Ptr& o) {
  std::ostringstream os;
  o->stringify(os);
  return os.str();
}

std::string toText(const Array::Ptr& a) {
  std::ostringstream os;
  a->stringify(os);
  return os.str();
}

}  // namespace vc::ingest
