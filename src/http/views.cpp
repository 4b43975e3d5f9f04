#include "http/views.h"

#include <algorithm>
#include <map>
#include <optional>
#include <sstream>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Stringifier.h>

#include "domain/compliance.h"
#include "domain/delivery_status.h"
#include "domain/letter.h"
#include "http/json_io.h"
#include "http/json_writer.h"

namespace vc::http {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

namespace {

// What the ledger says of an obligation today, shared by obligationView and writeObligation.
struct ObligationLedger {
  std::string status;
  bool at_risk = false;
  std::optional<int> overdue;
};

ObligationLedger ledgerOf(const storage::ObligationRow& row, const domain::Date& today,
                          const domain::WorkingDayCalendar& calendar) {
  ObligationLedger l;
  const domain::Date due = *domain::Date::parse(row.due_by);
  l.status = domain::effectiveStatus(row.status, due, today);
  try {
    l.at_risk = domain::isAtRisk(row.status, due, today, calendar);
    if (l.status == "breached") l.overdue = calendar.workingDaysBetween(due, today);
  } catch (const domain::CalendarRangeError&) {
    // today is past the calendar's last year: say nothing rather than guess
  }
  return l;
}

const char* const kPurgedExplanation = "(removed by the retention purge)";

std::string stringified(const Object::Ptr& o) {
  std::ostringstream os;
  o->stringify(os);
  return os.str();
}

// Stored JSON as Poco writes it once parsed, through Poco where the writer's own pass cannot be sure.
void appendStored(std::string& out, const std::string& json) {
  if (appendStoredJson(out, json)) return;
  std::ostringstream os;
  Poco::JSON::Stringifier::stringify(parseJson(json), os);
  out += os.str();
}

// writeObligation without a tree: the stored body's members as they are, with the ledger's fields set
// and the explanation replaced by its text as obligationView does (Poco's Object::set keeps a key's place
// and adds a new one last; remove drops it). False (and `out` as it was) for a body this does not settle
// exactly: writeObligation then asks obligationView.
bool appendObligation(std::string& out, const storage::ObligationRow& row, const ObligationLedger& l,
                      bool with_explanation) {
  enum What { kStored, kStatus, kAtRisk, kOverdue, kWarned, kBreach, kReason, kExplanationText };
  struct Entry {
    std::string_view key;
    What what;
    std::string_view value;  // kStored: the stored value's text
  };
  thread_local std::vector<JsonMember> members;
  if (!storedMembers(row.body, members)) return false;
  std::vector<Entry> entries;
  entries.reserve(members.size() + 8);
  for (const auto& m : members) entries.push_back({m.key, kStored, m.value});
  auto find = [&](std::string_view key) {
    return std::find_if(entries.begin(), entries.end(), [&](const Entry& e) { return e.key == key; });
  };
  auto set = [&](std::string_view key, What what) {
    auto it = find(key);
    if (it == entries.end()) entries.push_back({key, what, {}});
    else it->what = what;
  };
  set("status", kStatus);
  set("at_risk", kAtRisk);
  set("working_days_overdue", kOverdue);
  set("at_risk_warned_at", kWarned);
  set("breach_detected_at", kBreach);
  set("reason", kReason);
  std::string explanation_text;
  if (!with_explanation) {
    auto x = find("explanation");
    if (x == entries.end() || x->what != kStored) return false;
    thread_local std::vector<JsonMember> xs;
    if (!storedMembers(x->value, xs)) return false;  // not an object: obligationView decides
    thread_local std::string scratch;  // left out, but Poco read it all: anything it would refuse, it decides
    scratch.clear();
    if (!appendStoredValue(scratch, x->value)) return false;
    auto text = std::find_if(xs.begin(), xs.end(), [](const JsonMember& m) { return m.key == "text"; });
    if (text == xs.end() || text->value == "null") explanation_text = kPurgedExplanation;
    else if (!storedString(text->value, explanation_text)) return false;
    entries.erase(x);
    set("explanation_text", kExplanationText);
  }
  const size_t start = out.size();
  JsonWriter w(out);
  w.beginObject();
  for (const auto& e : entries) {
    w.key(e.key);
    switch (e.what) {
      case kStored:
        w.next();
        if (!appendStoredValue(out, e.value)) {
          out.resize(start);
          return false;
        }
        break;
      case kStatus: w.value(l.status); break;
      case kAtRisk: w.value(l.at_risk); break;
      case kOverdue: l.overdue ? w.value(*l.overdue) : w.null(); break;
      case kWarned: w.stringOrNull(row.at_risk_raised_at); break;
      case kBreach: w.stringOrNull(row.breach_detected_at); break;
      case kReason:
        if (row.latest_reason.empty()) {
          w.null();
        } else {
          w.next();
          appendStored(out, row.latest_reason);
        }
        break;
      case kExplanationText: w.value(explanation_text); break;
    }
  }
  w.endObject();
  return true;
}

}  // namespace

Object::Ptr obligationView(const storage::ObligationRow& row, const domain::Date& today,
                           const domain::WorkingDayCalendar& calendar, bool with_explanation) {
  Object::Ptr o = parseJson(row.body).extract<Object::Ptr>();
  const ObligationLedger l = ledgerOf(row, today, calendar);
  o->set("status", l.status);
  o->set("at_risk", l.at_risk);
  o->set("working_days_overdue", l.overdue ? Var(*l.overdue) : Var());
  o->set("at_risk_warned_at", row.at_risk_raised_at.empty() ? Var() : Var(row.at_risk_raised_at));
  o->set("breach_detected_at", row.breach_detected_at.empty() ? Var() : Var(row.breach_detected_at));
  o->set("reason", row.latest_reason.empty() ? Var() : parseJson(row.latest_reason));
  if (!with_explanation) {
    Object::Ptr x = o->getObject("explanation");
    o->remove("explanation");
    // A purged obligation keeps its ledger fields; its explanation is replaced by a hash.
    o->set("explanation_text", x->optValue<std::string>("text", kPurgedExplanation));
  }
  return o;
}

void writeObligation(JsonWriter& w, const storage::ObligationRow& row, const domain::Date& today,
                     const domain::WorkingDayCalendar& calendar, bool with_explanation) {
  w.next();
  if (!appendObligation(w.out(), row, ledgerOf(row, today, calendar), with_explanation))
    w.out() += stringified(obligationView(row, today, calendar, with_explanation));
}

Object::Ptr entitlementView(const storage::VictimRow& v, const std::vector<storage::EntitlementChangeRow>& changes) {
  Object::Ptr e = ordered();
  e->set("enhanced", v.enhanced);
  e->set("reasons", parseJson(v.reasons));
  Array::Ptr history = new Array;
  for (const auto& c : changes) {
    Object::Ptr h = ordered();
    h->set("event_id", c.event_id);
    h->set("date", c.date);
    h->set("from_enhanced", c.from_enhanced);
    h->set("to_enhanced", c.to_enhanced);
    h->set("reasons", parseJson(c.reasons));
    history->add(h);
  }
  e->set("changes", history);
  return e;
}

Object::Ptr eventView(const storage::EventRow& e) {
  Object::Ptr o = ordered();
  o->set("id", e.id);
  o->set("type", e.type);
  o->set("occurred_at", e.occurred_at);
  o->set("local_date", e.local_date);
  o->set("received_at", e.received_at);
  o->set("event", parseJson(e.body));
  return o;
}

Object::Ptr caseView(const storage::CaseRow& c) {
  Object::Ptr o = ordered();
  o->set("case_urn", c.urn);
  o->set("area", c.area);
  o->set("unit", c.unit);
  o->set("details", parseJson(c.details));
  return o;
}


void writeEntitlement(JsonWriter& w, const storage::VictimRow& v,
                      const std::vector<storage::EntitlementChangeRow>& changes) {
  w.beginObject();
  w.key("enhanced").value(v.enhanced);
  w.key("reasons").stored(v.reasons);
  w.key("changes").beginArray();
  for (const auto& c : changes) {
    w.beginObject();
    w.key("event_id").value(c.event_id);
    w.key("date").value(c.date);
    w.key("from_enhanced").value(c.from_enhanced);
    w.key("to_enhanced").value(c.to_enhanced);
    w.key("reasons").stored(c.reasons);
    w.endObject();
  }
  w.endArray();
  w.endObject();
}

void writeEvent(JsonWriter& w, const storage::EventRow& e) {
  w.beginObject();
  w.key("id").value(e.id);
  w.key("type").value(e.type);
  w.key("occurred_at").value(e.occurred_at);
  w.key("local_date").value(e.local_date);
  w.key("received_at").value(e.received_at);
  w.key("event").stored(e.body);
  w.endObject();
}

void writeCase(JsonWriter& w, const storage::CaseRow& c) {
  w.beginObject();
  w.key("case_urn").value(c.urn);
  w.key("area").value(c.area);
  w.key("unit").value(c.unit);
  w.key("details").stored(c.details);
  w.endObject();
}


Var orNull(const std::string& s) { return s.empty() ? Var() : Var(s); }

Var deliveryFailure(const std::string& status) {
  if (status == "failed_temporary" || status == "failed_permanent") return status;
  return {};
}

std::string deliveryStatusOf(const storage::OutboxRow& m) {
  return domain::deliveryStatus({m.state, m.channel, !m.print_confirmed_at.empty(), m.outcome});
}

void setDeliveryStatus(Object::Ptr o, const storage::OutboxRow& m) {
  const std::string status = deliveryStatusOf(m);
  o->set("status", status);
  o->set("status_text", domain::describeDeliveryStatus(status, m.channel));
  o->set("failure", deliveryFailure(status));
  Object::Ptr heard;
  if (!m.outcome.empty()) {
    heard = ordered();
    heard->set("what", m.outcome);
    heard->set("at", m.outcome_at);
    heard->set("detail", orNull(m.outcome_detail));
  }
  o->set("outcome", heard ? Var(heard) : Var());
}

std::string outboxStateFilter(const std::string& asked) {
  if (asked == "failed_temporary") return "retrying";
  if (asked == "failed_permanent") return "dead";
  return asked;
}

namespace {

// What timeLeftView shows, shared by it and writeTimeLeft.
struct TimeLeftFigures {
  std::string urgency;
  std::optional<int> working_days;
  std::string text;
};

TimeLeftFigures timeLeftOf(const domain::WorkingDayCalendar& calendar, const domain::Date& today,
                           const std::string& due) {
  const auto due_by = domain::Date::parse(due);
  try {
    const domain::TimeLeft t = domain::timeLeft(calendar, today, *due_by);
    return {t.urgency, t.working_days, t.text};
  } catch (const domain::CalendarRangeError&) {
    return {*due_by < today ? "overdue" : "later", std::nullopt,
            "due " + due_by->longString() + " (outside the calendar's years)"};
  }
}

// What letterView works out as of today, shared by it and writeLetter.
struct LetterLedger {
  bool open = false;
  std::string obligation_status;
  bool at_risk = false;
};

LetterLedger ledgerOf(const storage::LetterRow& l, const domain::WorkingDayCalendar& calendar,
                      const domain::Date& today) {
  LetterLedger g;
  g.open = l.state != "sent" && l.state != "withdrawn" && l.state != "met_another_way";
  g.obligation_status = domain::effectiveStatus(l.obligation_status, *domain::Date::parse(l.due_by), today);
  try {
    g.at_risk = g.open && domain::isAtRisk(l.obligation_status, *domain::Date::parse(l.due_by), today, calendar);
  } catch (const domain::CalendarRangeError&) {
  }
  return g;
}

bool has(const std::string& json, const char* code) { return json.find(code) != std::string::npos; }

}  // namespace

Object::Ptr timeLeftView(const domain::WorkingDayCalendar& calendar, const domain::Date& today, const std::string& due) {
  Object::Ptr o = ordered();
  const TimeLeftFigures t = timeLeftOf(calendar, today, due);
  o->set("urgency", t.urgency);
  o->set("working_days", t.working_days ? Var(*t.working_days) : Var());
  o->set("text", t.text);
  return o;
}

void writeTimeLeft(JsonWriter& w, const domain::WorkingDayCalendar& calendar, const domain::Date& today,
                   const std::string& due) {
  const TimeLeftFigures t = timeLeftOf(calendar, today, due);
  w.beginObject();
  w.key("urgency").value(t.urgency);
  w.key("working_days");
  t.working_days ? w.value(*t.working_days) : w.null();
  w.key("text").value(t.text);
  w.endObject();
}

Object::Ptr letterView(const storage::LetterRow& l, const domain::WorkingDayCalendar& calendar,
                       const domain::Date& today, bool one) {
  const LetterLedger g = ledgerOf(l, calendar, today);
  Object::Ptr o = ordered();
  o->set("id", l.id());
  o->set("obligation_id", l.obligation_id);
  o->set("rule", l.rule);
  o->set("kind", l.kind);
  o->set("victim_id", l.victim_id);
  o->set("case_urn", l.case_urn);
  o->set("area", l.area);
  o->set("language", l.language);
  o->set("channel", l.channel);
  o->set("state", l.state);
  o->set("blocked_by", parseJson(l.blocked_by));
  // Needs attention: waiting for a translation or Easy Read text, or for a record of how the need was met.
  o->set("communication_need", has(l.blocked_by, "\"needs_translation\"") || has(l.blocked_by, "\"needs_easy_read\""));
  // Needs attention: a channel not safe for the victim; a phone task (read to them by phone, never sent).
  o->set("unsafe_channel", has(l.blocked_by, "\"unsafe_channel\""));
  o->set("phone_task", l.channel == "phone");
  o->set("version", l.version);
  o->set("due_by", l.due_by);
  o->set("time_left", g.open ? Var(timeLeftView(calendar, today, l.due_by)) : Var());
  o->set("obligation_status", g.obligation_status);
  o->set("at_risk", g.at_risk);  // due today or by the next working day, and not yet done (ledger warning)
  o->set("last_edited_by", orNull(l.last_edited_by));
  o->set("letter_date", l.letter_date);
  o->set("template_version", l.template_version);
  o->set("policy", l.policy);
  o->set("approved_by", orNull(l.approved_by));
  o->set("approved_at", orNull(l.approved_at));
  o->set("sent_at", orNull(l.sent_at));
  o->set("delivery_state", orNull(l.delivery_state));
  o->set("delivery_status", orNull(l.delivery_status));
  if (one) o->set("note", orNull(l.note));
  o->set("created_at", l.created_at);
  o->set("updated_at", l.updated_at);
  return o;
}

void writeLetter(JsonWriter& w, const storage::LetterRow& l, const domain::WorkingDayCalendar& calendar,
                 const domain::Date& today, bool one) {
  const LetterLedger g = ledgerOf(l, calendar, today);
  w.beginObject();
  w.key("id").value(l.id());
  w.key("obligation_id").value(l.obligation_id);
  w.key("rule").value(l.rule);
  w.key("kind").value(l.kind);
  w.key("victim_id").value(l.victim_id);
  w.key("case_urn").value(l.case_urn);
  w.key("area").value(l.area);
  w.key("language").value(l.language);
  w.key("channel").value(l.channel);
  w.key("state").value(l.state);
  w.key("blocked_by").stored(l.blocked_by);
  w.key("communication_need").value(has(l.blocked_by, "\"needs_translation\"") || has(l.blocked_by, "\"needs_easy_read\""));
  w.key("unsafe_channel").value(has(l.blocked_by, "\"unsafe_channel\""));
  w.key("phone_task").value(l.channel == "phone");
  w.key("version").value(l.version);
  w.key("due_by").value(l.due_by);
  w.key("time_left");
  if (g.open) writeTimeLeft(w, calendar, today, l.due_by);
  else w.null();
  w.key("obligation_status").value(g.obligation_status);
  w.key("at_risk").value(g.at_risk);
  w.key("last_edited_by").stringOrNull(l.last_edited_by);
  w.key("letter_date").value(l.letter_date);
  w.key("template_version").value(l.template_version);
  w.key("policy").value(l.policy);
  w.key("approved_by").stringOrNull(l.approved_by);
  w.key("approved_at").stringOrNull(l.approved_at);
  w.key("sent_at").stringOrNull(l.sent_at);
  w.key("delivery_state").stringOrNull(l.delivery_state);
  w.key("delivery_status").stringOrNull(l.delivery_status);
  if (one) w.key("note").stringOrNull(l.note);
  w.key("created_at").value(l.created_at);
  w.key("updated_at").value(l.updated_at);
  w.endObject();
}

std::string headline(const std::string& event_type) {
  static const std::map<std::string, std::string> kHeadlines = {
      {"charging.decided", "Charging decision"}, {"case.discontinued", "Case stopped"},
      {"charges.altered", "Charges changed"},    {"plea.entered", "Plea entered"},
      {"hearing.listed", "Hearing listed"},      {"meeting.responded", "Meeting arranged"},
      {"verdict.recorded", "Verdict"},           {"sentence.passed", "Sentence"}};
  auto it = kHeadlines.find(event_type);
  return it == kHeadlines.end() ? "Case update" : it->second;
}

Object::Ptr notificationView(const storage::NotificationRow& n, bool for_isva, bool with_content) {
  Object::Ptr o = ordered();
  o->set("id", n.id());
  o->set("headline", headline(n.event_type));
  o->set("event_type", n.event_type);
  o->set("occurred_on", n.occurred_on);
  o->set("case_urn", n.case_urn);
  o->set("language", n.language);
  o->set("subject", n.subject);
  o->set("state", n.state);
  o->set("created_at", n.created_at);
  o->set("sent_at", orNull(n.sent_at));
  o->set("read_at", orNull(n.read_at));
  if (!for_isva) {
    o->set("isva_id", n.isva_id);
    o->set("obligation_id", n.obligation_id);
    o->set("victim_id", n.victim_id);
    o->set("area", n.area);
    o->set("note", orNull(n.note));
  }
  if (with_content) {
    o->set("text", n.text);
    o->set("html", n.html);
  }
  return o;
}


Object::Ptr victimView(const services::VictimRecord& record, const domain::Date& today,
                       const domain::WorkingDayCalendar& calendar) {
  const storage::VictimRow& victim = record.victim;
  Object::Ptr o = ordered();
  o->set("victim_id", victim.victim_id);
  o->set("case_urn", victim.case_urn);
  o->set("profile", parseJson(victim.profile));
  o->set("entitlement", entitlementView(victim, record.entitlement_changes));
  Object::Ptr isva = ordered();
  isva->set("isva_id", victim.isva_id.empty() ? Var() : Var(victim.isva_id));
  isva->set("consent_to_share", victim.consent_to_share);
  o->set("isva", isva);
  o->set("opted_out", parseJson(victim.opted_out));
  o->set("case", caseView(record.case_row));
  Array::Ptr timeline = new Array;
  for (const auto& e : record.timeline) timeline->add(eventView(e));  // their own events and the case's
  o->set("timeline", timeline);
  Array::Ptr obligations = new Array;
  for (const auto& row : record.obligations) obligations->add(obligationView(row, today, calendar, false));
  o->set("obligations", obligations);
  return o;
}

void writeVictim(JsonWriter& w, const services::VictimRecord& record, const domain::Date& today,
                 const domain::WorkingDayCalendar& calendar) {
  const storage::VictimRow& victim = record.victim;
  w.beginObject();
  w.key("victim_id").value(victim.victim_id);
  w.key("case_urn").value(victim.case_urn);
  w.key("profile").stored(victim.profile);
  w.key("entitlement");
  writeEntitlement(w, victim, record.entitlement_changes);
  w.key("isva").beginObject();
  w.key("isva_id").stringOrNull(victim.isva_id);
  w.key("consent_to_share").value(victim.consent_to_share);
  w.endObject();
  w.key("opted_out").stored(victim.opted_out);
  w.key("case");
  writeCase(w, record.case_row);
  w.key("timeline").beginArray();
  for (const auto& e : record.timeline) writeEvent(w, e);
  w.endArray();
  w.key("obligations").beginArray();
  for (const auto& row : record.obligations) writeObligation(w, row, today, calendar, false);
  w.endArray();
  w.endObject();
}

Object::Ptr readVictim(services::ReadService& reads, const domain::Clock& clock,
                       const domain::WorkingDayCalendar& calendar, const std::string& id, const Principal& reader) {
  // DURABLE BEFORE ANSWERED: readVictim returns only once its audit entry is committed with an fsync
  // (services/read_service.h); only then is the answer built, so no one is shown a victim's record
  // without the read being in the audit log.
  const services::VictimRecord record = reads.readVictim(id, reader);
  return victimView(record, clock.today(), calendar);
}

Response csvDownload(const domain::ComplianceReport& report, const compliance::ReportRequest& request) {
  Response res;
  res.content_type = "text/csv; charset=utf-8; header=present";
  res.body = compliance::reportCsv(report, request.table);
  res.headers["Content-Disposition"] = "attachment; filename=\"" + compliance::csvFileName(request) + "\"";
  return res;
}

Array::Ptr findingsView(const std::vector<domain::PlainEnglishFinding>& findings) {
  Array::Ptr a = new Array;
  for (const auto& f : findings) {
    Object::Ptr o = ordered();
    o->set("field", f.field);
    o->set("kind", f.kind);
    o->set("text", f.text);
    o->set("suggestion", f.suggestion);
    a->add(o);
  }
  return a;
}

Object::Ptr letterDetailView(const letters::LetterDetail& d, const domain::WorkingDayCalendar& calendar,
                             const domain::Date& today) {
  Object::Ptr o = letterView(d.letter, calendar, today);
  o->set("fields", parseJson(d.letter.fields));
  o->set("free_text", d.letter.free_text);
  o->set("findings", findingsView(d.findings));
  Object::Ptr delivery;
  if (d.delivery) {
    delivery = ordered();
    delivery->set("state", d.delivery->state);
    delivery->set("attempts", d.delivery->attempts);
    delivery->set("message_id", d.delivery->message_id);
    delivery->set("next_attempt_at",
                  d.delivery->state == "retrying" ? Var(domain::formatRfc3339Utc(d.delivery->next_attempt_at)) : Var());
    setDeliveryStatus(delivery, *d.delivery);
    delivery->set("last_error", orNull(d.delivery->last_error));
    delivery->set("sent_at", orNull(d.delivery->sent_at));
    if (d.delivery->channel == "post") {
      delivery->set("batch", d.delivery->print_batch ? Var("pb-" + std::to_string(d.delivery->print_batch)) : Var());
      delivery->set("confirmed_at", orNull(d.delivery->print_confirmed_at));
    }
  }
  o->set("delivery", delivery ? Var(delivery) : Var());
  Array::Ptr versions = new Array;
  for (const auto& v : d.versions) {
    Object::Ptr vo = ordered();
    vo->set("version", v.version);
    vo->set("at", v.at);
    vo->set("by", v.author);
    vo->set("why", v.why);
    vo->set("letter_date", v.letter_date);
    vo->set("blocked_by", parseJson(v.blocked_by));
    vo->set("fields", parseJson(v.fields));  // the officer's edits in this version (a translation, Welsh text, ...)
    vo->set("template_version", v.template_version);
    vo->set("policy", v.policy);
    versions->add(vo);
  }
  o->set("versions", versions);
  Array::Ptr history = new Array;
  for (const auto& h : d.history) {
    Object::Ptr ho = ordered();
    ho->set("at", h.at);
    ho->set("by", h.actor);
    ho->set("action", h.action);
    ho->set("from_state", orNull(h.from_state));
    ho->set("to_state", h.to_state);
    ho->set("version", h.version);
    ho->set("note", orNull(h.note));
    history->add(ho);
  }
  o->set("history", history);
  Object::Ptr script;
  if (d.phone_script) {
    script = ordered();
    const domain::PhoneScript& s = *d.phone_script;
    Array::Ptr before = new Array;
    for (const auto& line : s.before_the_call) before->add(line);
    script->set("before_the_call", before);
    script->set("leave_voicemail", s.leave_voicemail);
    script->set("voicemail", s.leave_voicemail ? Var(s.voicemail) : Var());
    Array::Ptr say = new Array;
    for (const auto& section : s.what_to_say) {
      Object::Ptr so = ordered();
      so->set("language", section.language);
      Array::Ptr paragraphs = new Array;
      for (const auto& p : section.paragraphs) paragraphs->add(p);
      so->set("paragraphs", paragraphs);
      say->add(so);
    }
    script->set("what_to_say", say);
    Array::Ptr after = new Array;
    for (const auto& line : s.after_the_call) after->add(line);
    script->set("after_the_call", after);
    script->set("text", s.text());
  }
  o->set("phone_script", script ? Var(script) : Var());
  o->set("call_attempts", d.call_attempts);
  o->set("html", d.letter.html);
  o->set("text", d.letter.text);
  return o;
}

}  // namespace vc::http
