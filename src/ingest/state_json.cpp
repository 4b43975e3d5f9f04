#include "ingest/state_json.h"

#include <sstream>

#include "common/json_text.h"

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

namespace {

// Appends JSON as Poco's Stringifier writes it without indent (json_text.h): members in the order given,
// strings escaped by appendJsonEscaped, whole numbers in decimal, null for an absent value.
class TextOut {
 public:
  explicit TextOut(std::string& out) : out_(out) {}
  TextOut& open() {
    comma();
    out_ += '{';
    first_ = true;
    return *this;
  }
  TextOut& close() {
    out_ += '}';
    first_ = false;
    return *this;
  }
  TextOut& openArray() {
    comma();
    out_ += '[';
    first_ = true;
    return *this;
  }
  TextOut& closeArray() {
    out_ += ']';
    first_ = false;
    return *this;
  }
  TextOut& key(const char* k) {  // a plain key: nothing in it needs escaping
    comma();
    out_ += '"';
    out_ += k;
    out_ += "\":";
    first_ = true;  // the value follows without a comma
    return *this;
  }
  TextOut& str(const std::string& v) {
    comma();
    out_ += '"';
    appendJsonEscaped(out_, v);
    out_ += '"';
    return *this;
  }
  TextOut& strOrNull(const std::string& v) { return v.empty() ? null() : str(v); }
  TextOut& num(int64_t n) {
    comma();
    out_ += std::to_string(n);
    return *this;
  }
  TextOut& numOrNull(const std::optional<int>& n) { return n ? num(*n) : null(); }
  TextOut& null() {
    comma();
    out_ += "null";
    return *this;
  }

 private:
  void comma() {
    if (!first_) out_ += ',';
    first_ = false;
  }
  std::string& out_;
  bool first_ = true;
};

void reasonsTo(TextOut& t, const std::vector<domain::EnhancedReason>& reasons) {
  t.openArray();
  for (const auto& r : reasons)
    t.open().key("category").str(r.category).key("code").str(r.code).key("detail").str(r.detail).close();
  t.closeArray();
}

}  // namespace

std::string reasonsText(const std::vector<domain::EnhancedReason>& reasons) {
  std::string out;
  TextOut t(out);
  reasonsTo(t, reasons);
  return out;
}

std::string obligationText(const domain::Obligation& ob) {
  std::string out;
  out.reserve(2048);
  TextOut t(out);
  t.open();
  t.key("id").str(ob.id).key("rule").str(ob.rule).key("title").str(ob.title).key("basis").str(ob.basis);
  t.key("right").numOrNull(ob.right);
  t.key("victim_id").str(ob.victim_id).key("case_urn").str(ob.case_urn).key("area").str(ob.area);
  t.key("kind").str(ob.kind).key("template").strOrNull(ob.template_name).key("recipient").str(ob.recipient);
  t.key("owner").str(ob.owner).key("trigger_event").str(ob.trigger_event);
  t.key("trigger_date").str(ob.trigger_date.toString()).key("tier").str(ob.tier);
  t.key("due_by").str(ob.due_by.toString()).key("status").str(ob.status);
  t.key("completed_at").strOrNull(ob.completed_at).key("completed_by_event").strOrNull(ob.completed_by);
  t.key("late_working_days").numOrNull(ob.late_working_days).key("reason").null();
  t.key("waived_by_event").strOrNull(ob.waived_by).key("cancelled_by_event").strOrNull(ob.cancelled_by);
  t.key("carried_by").strOrNull(ob.carried_by).key("reopened_by_event").strOrNull(ob.reopened_by);
  t.key("reopened_note").strOrNull(ob.reopened_note);
  t.key("extension");
  if (ob.extensions.empty()) {
    t.null();
  } else {
    t.open().key("working_days").num(ob.extendedWorkingDays());
    t.key("original_due_by").str(ob.extensions.front().from_due.toString()).key("steps").openArray();
    for (const auto& step : ob.extensions)
      t.open()
          .key("event_id").str(step.event_id)
          .key("date").str(step.date.toString())
          .key("working_days").num(step.working_days)
          .key("from_due_by").str(step.from_due.toString())
          .key("to_due_by").str(step.to_due.toString())
          .close();
    t.closeArray().close();
  }
  t.key("policy").str(ob.policy).key("changes").openArray();
  for (const auto& c : ob.changes)
    t.open()
        .key("event_id").str(c.event_id)
        .key("date").str(c.date.toString())
        .key("from_tier").str(c.from_tier)
        .key("to_tier").str(c.to_tier)
        .key("from_due_by").str(c.from_due.toString())
        .key("to_due_by").str(c.to_due.toString())
        .key("why").str(c.why)
        .close();
  t.closeArray();
  const domain::DeadlineExplanation& x = ob.explanation;
  t.key("explanation").open();
  t.key("text").str(x.text).key("rule").str(x.rule).key("policy").str(x.policy);
  t.key("policy_effective_from").str(x.policy_effective_from.toString()).key("trigger_event").str(x.trigger_event);
  t.key("trigger_type").str(x.trigger_type).key("occurred_at").str(x.occurred_at);
  t.key("trigger_date").str(x.trigger_date.toString()).key("trigger_weekday").str(x.trigger_date.weekdayName());
  t.key("time_zone").str(x.zone).key("tier").str(x.tier).key("tier_reasons");
  reasonsTo(t, x.tier_reasons);
  t.key("working_days").num(x.working_days).key("working_days_counted").openArray();
  for (const auto& d : x.count.counted) t.str(d.toString());
  t.closeArray().key("days_skipped").openArray();
  for (const auto& sk : x.count.skipped) t.open().key("date").str(sk.date.toString()).key("why").str(sk.why).close();
  t.closeArray().key("due_by").str(x.count.result.toString());
  t.close().close();
  return out;
}

namespace {

// FNV-1a, each field followed by a separator so ("ab", "c") and ("a", "bc") differ.
struct Digest {
  uint64_t h = 1469598103934665603ull;
  Digest& add(const std::string& s) {
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
    h = (h ^ 0x1f) * 1099511628211ull;
    return *this;
  }
  Digest& add(int64_t n) { return add(std::to_string(n)); }
  Digest& add(const domain::Date& d) { return add(static_cast<int64_t>(d.daysSinceEpoch())); }
  Digest& add(const std::optional<int>& n) { return n ? add(static_cast<int64_t>(*n)) : add(std::string("\x01null")); }
  Digest& add(const std::vector<domain::EnhancedReason>& reasons) {
    add(static_cast<int64_t>(reasons.size()));
    for (const auto& r : reasons) add(r.category).add(r.code).add(r.detail);
    return *this;
  }
};

}  // namespace

uint64_t obligationDigest(const domain::Obligation& ob) {
  Digest d;
  d.add(ob.id).add(ob.rule).add(ob.title).add(ob.basis).add(ob.right).add(ob.victim_id).add(ob.case_urn).add(ob.area);
  d.add(ob.kind).add(ob.template_name).add(ob.recipient).add(ob.owner).add(ob.trigger_event).add(ob.trigger_date);
  d.add(ob.tier).add(ob.due_by).add(ob.status).add(ob.completed_at).add(ob.completed_by).add(ob.late_working_days);
  d.add(ob.waived_by).add(ob.cancelled_by).add(ob.carried_by).add(ob.reopened_by).add(ob.reopened_note);
  d.add(static_cast<int64_t>(ob.extensions.size()));
  for (const auto& x : ob.extensions) d.add(x.event_id).add(x.date).add(x.working_days).add(x.from_due).add(x.to_due);
  d.add(ob.policy);
  d.add(static_cast<int64_t>(ob.changes.size()));
  for (const auto& c : ob.changes)
    d.add(c.event_id).add(c.date).add(c.from_tier).add(c.to_tier).add(c.from_due).add(c.to_due).add(c.why);
  const domain::DeadlineExplanation& x = ob.explanation;
  d.add(x.text).add(x.rule).add(x.policy).add(x.policy_effective_from).add(x.trigger_event).add(x.trigger_type);
  d.add(x.occurred_at).add(x.trigger_date).add(x.zone).add(x.tier).add(x.tier_reasons).add(x.working_days);
  d.add(static_cast<int64_t>(x.count.counted.size()));
  for (const auto& day : x.count.counted) d.add(day);
  d.add(static_cast<int64_t>(x.count.skipped.size()));
  for (const auto& s : x.count.skipped) d.add(s.date).add(s.why);
  d.add(x.count.result);
  return d.h;
}

uint64_t textDigest(const std::string& text, uint64_t seed) {
  Digest d;
  d.h = seed;
  return d.add(text).h;
}

std::string toText(const Object::Ptr& o) { return pocoJsonText(o); }

std::string toText(const Array::Ptr& a) { return pocoJsonText(a); }

}  // namespace vc::ingest
