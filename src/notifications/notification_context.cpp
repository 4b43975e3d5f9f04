#include "notifications/notification_context.h"

#include <map>

#include <Poco/JSON/Parser.h>

#include "domain/date.h"
#include "letters/context_fields.h"

namespace vc::notifications {

using letters::contactList;
using letters::dateValue;
using letters::obj;
using letters::str;
using Poco::JSON::Object;
using rendering::Value;

namespace {

Value is(const std::string& actual, const std::vector<std::string>& names) {
  Value v;
  for (const auto& n : names) v.set(n, actual == n);
  return v;
}

// A time and date ("scheduled_for") in London: {date: {en, cy, ...}, time: "14:30"}.
Value momentList(const std::string& rfc3339) {
  Value list = Value::list();
  auto t = domain::parseRfc3339(rfc3339);
  if (!t) return list;
  Value m;
  m.set("date", dateValue(domain::londonDate(*t)));
  m.set("time", domain::londonTime(*t));
  list.push(m);
  return list;
}

}  // namespace

std::string initials(const Object::Ptr& name) {
  std::string out;
  for (const char* part : {"given", "family"}) {
    const std::string s = str(name, part);
    if (s.empty()) continue;
    // The whole first character, not its first byte: "Ŵyn" starts with two bytes in UTF-8.
    size_t len = 1;
    while (len < s.size() && (static_cast<unsigned char>(s[len]) & 0xC0) == 0x80) ++len;
    out += s.substr(0, len) + ".";
  }
  return out;
}

std::string notificationSubject(const std::string& language) {
  return language == "cy" ? "Diweddariad achos gan Wasanaeth Erlyn y Goron / Case update from the Crown Prosecution Service"
                          : "Case update from the Crown Prosecution Service";
}

NotificationContext buildNotificationContext(const NotificationInputs& in) {
  NotificationContext ctx;
  ctx.language = str(in.isva, "language") == "cy" ? "cy" : "en";
  ctx.recipient_email = str(in.isva, "email");
  const Object::Ptr& t = in.trigger;
  const std::string type = str(t, "type");

  Value& d = ctx.data;
  Value lang;
  lang.set("cy", ctx.language == "cy");
  d.set("lang", lang);
  Value isva;
  isva.set("name", str(in.isva, "name"));
  d.set("isva", isva);
  Value kase;
  kase.set("urn", in.case_urn);
  d.set("case", kase);
  Value victim;
  victim.set("initials", initials(obj(in.victim_profile, "name")));
  d.set("victim", victim);
  d.set("notification_id", in.notification_id);
  d.set("link", in.inbox_url);

  Value e;
  auto when = domain::parseRfc3339(str(t, "occurred_at"));
  e.set("date", when ? dateValue(domain::londonDate(*when)) : letters::emptyDate());
  e.set("charging", is(type == "charging.decided" ? str(t, "decision") : "", {"charge", "no_further_action", "refer_back"}));
  Value first_hearing = Value::list();
  if (Object::Ptr h = obj(t, "first_hearing"); h && type == "charging.decided") {
    Value fh;
    auto date = domain::Date::parse(str(h, "date"));
    fh.set("date", date ? dateValue(*date) : letters::emptyDate());
    fh.set("court", str(h, "court"));
    first_hearing.push(fh);
  }
  e.set("first_hearing", first_hearing);
  e.set("discontinued", is(type == "case.discontinued" ? str(t, "scope") : "", {"all", "partial", "no_evidence_offered"}));
  e.set("charges_altered", type == "charges.altered");
  e.set("plea", is(type == "plea.entered" ? str(t, "plea") : "", {"guilty", "not_guilty", "mixed"}));
  Value hearing = Value::list();
  if (type == "hearing.listed") {
    Value h;
    h.set("kind", is(str(t, "kind"), {"first_appearance", "plea", "trial", "sentence", "appeal"}));
    auto date = domain::Date::parse(str(t, "date"));
    h.set("date", date ? dateValue(*date) : letters::emptyDate());
    h.set("time", str(t, "time"));
    h.set("court", str(t, "court"));
    hearing.push(h);
  }
  e.set("hearing", hearing);
  Value meeting = Value::list();
  if (type == "meeting.responded" && in.meeting) {
    Value m;
    m.set("kind", is(str(in.meeting, "meeting"),
                     {"familiarisation_meeting", "special_measures_meeting", "bereaved_family_meeting"}));
    m.set("scheduled", momentList(str(t, "scheduled_for")));
    m.set("invited", letters::flag(in.meeting, "isva_invited"));
    meeting.push(m);
  }
  e.set("meeting", meeting);
  e.set("verdict", is(type == "verdict.recorded" ? str(t, "outcome") : "", {"convicted", "acquitted", "mixed"}));
  Value sentence = Value::list();
  if (type == "sentence.passed") {
    Value s;
    s.set("summary", str(t, "summary"));
    sentence.push(s);
  }
  e.set("sentence", sentence);
  d.set("event", e);

  Value contact;
  contact.set("prosecutor", contactList(obj(in.case_details, "prosecutor")));
  contact.set("vlo", contactList(obj(in.case_details, "victim_liaison_officer")));
  Value vlu = Value::list();
  if (in.vlu) {
    Value v;
    v.set("name", ctx.language == "cy" && !in.vlu->name_cy.empty() ? in.vlu->name_cy : in.vlu->name);
    v.set("name_en", in.vlu->name);
    v.set("phone", in.vlu->phone);
    v.set("email", in.vlu->email);
    vlu.push(v);
  }
  contact.set("vlu", vlu);
  d.set("contact", contact);
  return ctx;
}

namespace {

Object::Ptr parse(const std::string& json) {
  Poco::JSON::Parser p;
  return p.parse(json).extract<Object::Ptr>();
}

}  // namespace

const std::vector<std::string>& sampleNotificationEvents() {
  static const std::vector<std::string> kEvents = {"charging.decided", "case.discontinued", "charges.altered",
                                                   "plea.entered",     "hearing.listed",    "meeting.responded",
                                                   "verdict.recorded", "sentence.passed"};
  return kEvents;
}

NotificationInputs sampleNotificationInputs(const std::string& event_type, const std::string& language) {
  static const std::map<std::string, std::string> kTriggers = {
      {"charging.decided",
       R"j({"id":"sample-e5","type":"charging.decided","occurred_at":"2026-04-02T15:20:00+01:00","case_urn":"52SW0100126","decision":"charge","charges":["Sample charge"],"first_hearing":{"date":"2026-04-16","court":"Sampleford Magistrates' Court (sample)"}})j"},
      {"case.discontinued",
       R"j({"id":"sample-e5","type":"case.discontinued","occurred_at":"2026-04-02T15:20:00+01:00","case_urn":"52SW0100126","scope":"all"})j"},
      {"charges.altered",
       R"j({"id":"sample-e5","type":"charges.altered","occurred_at":"2026-04-02T15:20:00+01:00","case_urn":"52SW0100126","substantial":true})j"},
      {"plea.entered",
       R"j({"id":"sample-e5","type":"plea.entered","occurred_at":"2026-04-02T15:20:00+01:00","case_urn":"52SW0100126","plea":"not_guilty"})j"},
      {"hearing.listed",
       R"j({"id":"sample-e5","type":"hearing.listed","occurred_at":"2026-04-02T15:20:00+01:00","case_urn":"52SW0100126","kind":"trial","date":"2026-06-15","time":"10:00","court":"Sampleford Crown Court (sample)"})j"},
      {"meeting.responded",
       R"j({"id":"sample-e5","type":"meeting.responded","occurred_at":"2026-04-02T15:20:00+01:00","case_urn":"52SW0100126","victim_id":"v-sample","meeting":"familiarisation_meeting","response":"accepted","scheduled_for":"2026-05-12T14:30:00+01:00"})j"},
      {"verdict.recorded",
       R"j({"id":"sample-e5","type":"verdict.recorded","occurred_at":"2026-04-02T15:20:00+01:00","case_urn":"52SW0100126","outcome":"convicted"})j"},
      {"sentence.passed",
       R"j({"id":"sample-e5","type":"sentence.passed","occurred_at":"2026-04-02T15:20:00+01:00","case_urn":"52SW0100126","summary":"Sample sentence summary."})j"},
  };
  static const letters::VluContact kVlu = {"Victim Liaison Unit, CPS South West (sample)",
                                           "Uned Cyswllt Dioddefwyr, CPS De-orllewin (sampl)",
                                           "01632 960900",
                                           "vlu.sample@example.org",
                                           {"1 Example Plaza", "ZZ90 1AA"}};
  NotificationInputs in;
  in.notification_id = "n-0";
  in.case_urn = "52SW0100126";
  in.victim_profile = parse(R"j({"name":{"given":"Sam","family":"Example"}})j");
  in.case_details = parse(
      R"j({"prosecutor":{"name":"Ada Prosecutor","email":"ada.prosecutor@example.org","phone":"01632 960102"},)j"
      R"j("victim_liaison_officer":{"name":"Bea Liaison","email":"bea.liaison@example.org","phone":"01632 960101"}})j");
  auto it = kTriggers.find(event_type);
  in.trigger = parse(it != kTriggers.end() ? it->second : kTriggers.at("hearing.listed"));
  in.isva = parse(R"j({"isva_id":"isva-sample","name":"Jo Advocate","organisation":"Example Support (sample)",)j"
                  R"j("email":"jo.advocate@example.org","language":")j" + language + "\"}");
  in.meeting = parse(R"j({"meeting":"familiarisation_meeting","isva_invited":true})j");
  in.vlu = &kVlu;
  in.inbox_url = "https://victim-comms.example.org/inbox/n-0";
  return in;
}

rendering::Value notificationContextSchema() {
  // One sample fills the lists another leaves empty: merge them so every field is known.
  Value schema = buildNotificationContext(sampleNotificationInputs("hearing.listed", "en")).data;
  Value* event = schema.find("event");
  for (const auto& type : sampleNotificationEvents()) {
    const Value other = buildNotificationContext(sampleNotificationInputs(type, "en")).data;
    for (const auto& [name, field] : other.find("event")->fields())
      if (field.isList() && !field.items().empty() && event->find(name)->items().empty()) event->set(name, field);
  }
  return schema;
}

}  // namespace vc::notifications
