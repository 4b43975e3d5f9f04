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
