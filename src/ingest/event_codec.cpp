#include "ingest/event_codec.h"

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>

#include "common/email_address.h"
#include "common/json_text.h"
#include "common/error.h"
#include "common/json_reader.h"
#include "common/text.h"

namespace vc::ingest {

const char* const kVictimProfileFields[] = {"name",      "title",   "date_of_birth", "address", "email",
                                            "phone",     "preferred_channel", "language", "needs", "flags",
                                            "representative", "contact_safety", nullptr};

namespace {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

const std::set<std::string> kOffences = {"rape",     "sexual_offence", "domestic_abuse",     "stalking",
                                         "harassment", "hate_crime",   "terrorism",          "modern_slavery",
                                         "homicide", "attempted_murder", "kidnap",           "false_imprisonment",
                                         "arson_endanger_life", "gbh_with_intent", "child_abuse", "other"};
const std::set<std::string> kFlags = {"mental_disorder", "learning_disability",   "physical_disability",
                                      "intimidated",     "persistently_targeted", "bereaved_relative"};
const std::set<std::string> kMeetings = {"familiarisation_meeting", "special_measures_meeting",
                                         "bereaved_family_meeting"};

const domain::Date kEarliestDate(1900, 1, 1);

// Fields whose text is paragraphs from a person: line breaks and tabs are allowed there, nowhere else.
const std::set<std::string> kFreeTextFields = {"reasons", "notes", "summary", "diagnostic"};

bool idChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
         c == ':' || c == '-';
}
bool urnChar(char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '/' || c == '-'; }

std::string joined(const std::set<std::string>& values) {
  std::string s;
  for (const auto& v : values) s += (s.empty() ? "" : ", ") + v;
  return s;
}

// Reads fields from one JSON object, naming "events[i].path.field" in every error.
class Reader {
 public:
  Reader(Object::Ptr obj, size_t index, std::string prefix) : obj_(std::move(obj)), index_(index), prefix_(std::move(prefix)) {}

  [[noreturn]] void fail(const std::string& field, const std::string& what) const {
    const std::string path = prefix_ + field;
    throw Error(Error::Kind::kInvalidArgument, "invalid_event",
                "events[" + std::to_string(index_) + "]." + path + ": " + what, index_, path);
  }

  bool has(const std::string& f) const { return obj_->has(f) && !obj_->isNull(f); }
  bool isString(const std::string& f) const { return has(f) && obj_->get(f).isString(); }
  void stringOrBool(const std::string& f) const {
    if (has(f) && !obj_->get(f).isString() && obj_->get(f).type() != typeid(bool))
      fail(f, "must be a language name or true/false");
  }

  std::string string(const std::string& f, size_t min_len = 1, size_t max_len = 10000) const {
    if (!has(f)) fail(f, "is required");
    Var v = obj_->get(f);
    if (!v.isString()) fail(f, "must be a string");
    std::string s = v.extract<std::string>();
    if (s.size() < min_len) fail(f, "must not be empty");
    if (s.size() > max_len) fail(f, "must be at most " + std::to_string(max_len) + " characters");
    return s;
  }
  std::string optString(const std::string& f, size_t max_len = 10000) const {
    return has(f) ? string(f, 0, max_len) : std::string();
  }
  // An email address: a plain addr-spec (common/email_address.h); "" is kept as "none".
  std::string optEmail(const std::string& f) const {
    const std::string s = optString(f, 320);
    if (s.empty()) return s;
    if (auto problem = emailAddressProblem(s)) fail(f, "not a plain email address (like name@example.org): it " + *problem);
    return s;
  }
  std::string email(const std::string& f) const {
    if (!has(f)) fail(f, "is required");
    const std::string s = optEmail(f);
    if (s.empty()) fail(f, "must not be empty");
    return s;
  }
  // A date that must fall from 1900 to the event's own date (a birth, an offence).
  std::optional<domain::Date> optPastDate(const std::string& f, const domain::Date& event_date) const {
    auto d = optDate(f);
    if (d && *d < kEarliestDate) fail(f, "is before 1900");
    if (d && event_date < *d) fail(f, "is after the event itself (" + event_date.toString() + ")");
    return d;
  }
  std::string identifier(const std::string& f) const {
    std::string s = string(f, 1, 128);
    for (char c : s)
      if (!idChar(c)) fail(f, "may contain only letters, digits and . _ : -");
    return s;
  }
  std::string oneOf(const std::string& f, const std::set<std::string>& allowed) const {
    std::string s = string(f);
    if (!allowed.count(s)) fail(f, "'" + s + "' is not one of: " + joined(allowed));
    return s;
  }
  std::string optOneOf(const std::string& f, const std::set<std::string>& allowed) const {
    return has(f) ? oneOf(f, allowed) : std::string();
  }
  bool boolean(const std::string& f) const {
    if (!has(f)) fail(f, "is required");
    Var v = obj_->get(f);
    if (v.type() != typeid(bool)) fail(f, "must be true or false");
    return v.extract<bool>();
  }
  std::optional<bool> optBoolean(const std::string& f) const {
    return has(f) ? std::optional<bool>(boolean(f)) : std::nullopt;
  }
  int integer(const std::string& f, int min, int max) const {
    if (!has(f)) fail(f, "is required");
    Var v = obj_->get(f);
    if (!v.isInteger() || v.type() == typeid(bool)) fail(f, "must be a whole number");
    Poco::Int64 n = 0;
    try {
      n = v.convert<Poco::Int64>();
    } catch (const Poco::Exception&) {  // beyond 64 bits
      n = max + 1;
    }
    if (n < min || n > max) fail(f, "must be from " + std::to_string(min) + " to " + std::to_string(max));
    return static_cast<int>(n);
  }
  // Free text a person writes, which must say something (not only spaces and line breaks).
  std::string text(const std::string& f, size_t max_len = 10000) const {
    std::string s = string(f, 1, max_len);
    if (s.find_first_not_of(" \t\r\n") == std::string::npos) fail(f, "must not be empty");
    return s;
  }
  domain::Date date(const std::string& f) const {
    auto d = domain::Date::parse(string(f));
    if (!d) fail(f, "not a date (YYYY-MM-DD)");
    return *d;
  }
  std::optional<domain::Date> optDate(const std::string& f) const {
    return has(f) ? std::optional<domain::Date>(date(f)) : std::nullopt;
  }
  domain::UnixSeconds timestamp(const std::string& f) const {
    auto t = domain::parseRfc3339(string(f));
    if (!t) fail(f, "not an RFC 3339 timestamp with an offset (e.g. 2026-04-02T15:20:00+01:00)");
    return *t;
  }
  Array::Ptr array(const std::string& f, bool allow_empty = true) const {
    if (!has(f)) fail(f, "is required");
    Var v = obj_->get(f);
    if (v.type() != typeid(Array::Ptr)) fail(f, "must be an array");
    Array::Ptr a = v.extract<Array::Ptr>();
    if (!allow_empty && a->size() == 0) fail(f, "must not be empty");
    return a;
  }
  std::vector<std::string> enumArray(const std::string& f, const std::set<std::string>& allowed,
                                     bool allow_empty = true) const {
    std::vector<std::string> out;
    Array::Ptr a = array(f, allow_empty);
    for (size_t i = 0; i < a->size(); ++i) {
      const std::string at = f + "[" + std::to_string(i) + "]";
      Var v = a->get(static_cast<unsigned>(i));
      if (!v.isString()) fail(at, "must be a string");
      std::string s = v.extract<std::string>();
      if (!allowed.empty() && !allowed.count(s)) fail(at, "'" + s + "' is not one of: " + joined(allowed));
      out.push_back(s);
    }
    return out;
  }
  std::vector<std::string> stringArray(const std::string& f, size_t max_len = 10000) const {
    std::vector<std::string> out = enumArray(f, {});
    for (size_t i = 0; i < out.size(); ++i)
      if (out[i].size() > max_len) fail(f + "[" + std::to_string(i) + "]", "too long");
    return out;
  }
  Reader object(const std::string& f) const {
    if (!has(f)) fail(f, "is required");
    Var v = obj_->get(f);
    if (v.type() != typeid(Object::Ptr)) fail(f, "must be an object");
    return Reader(v.extract<Object::Ptr>(), index_, prefix_ + f + ".");
  }
  std::optional<Reader> optObject(const std::string& f) const {
    return has(f) ? std::optional<Reader>(object(f)) : std::nullopt;
  }
  // Refuses a field not in `allowed` (where a misspelt field would silently mean its default).
  void onlyFields(const std::set<std::string>& allowed) const {
    for (const auto& [k, v] : *obj_)
      if (!allowed.count(k)) fail(k, "not a field here (fields: " + joined(allowed) + ")");
  }

 private:
  Object::Ptr obj_;
  size_t index_;
  std::string prefix_;
};

// v1.1: the person who died (homicide and road-death cases), named in bereaved families' letters.
void deceased(const Reader& r, bool required) {
  if (!required && !r.has("deceased")) return;
  r.object("deceased").string("name", 1, 200);
}

void contact(const Reader& r, const std::string& f, bool name_required) {
  auto o = r.optObject(f);
  if (!o) return;
  if (name_required) o->string("name", 1, 200); else o->optString("name", 200);
  o->optEmail("email");
  o->optString("phone", 64);
}

// Victim profile fields, shared by victim.registered and victim.updated.
void victimProfile(const Reader& r, domain::Event& e, bool registering) {
  if (registering || r.has("name")) {
    Reader name = r.object("name");
    name.string("given", 1, 200);
    name.string("family", 1, 200);
  }
  r.optString("title", 50);
  e.date_of_birth = r.optPastDate("date_of_birth", e.local_date);
  if (auto a = r.optObject("address")) {
    std::vector<std::string> lines = a->stringArray("lines", 200);
    if (lines.empty()) a->fail("lines", "must not be empty");
    a->optString("postcode", 16);
  }
  r.optEmail("email");
  r.optString("phone", 64);
  r.optOneOf("preferred_channel", {"post", "email"});
  r.optOneOf("language", {"en", "cy"});
  if (auto n = r.optObject("needs")) {
    n->optBoolean("large_print");
    n->optBoolean("easy_read");
    n->stringOrBool("interpreter");  // a language ("Polish") or true/false
  }
  if (r.has("flags")) e.flags = r.enumArray("flags", kFlags);
  if (auto rep = r.optObject("representative")) {
    e.representative = rep->oneOf("relationship", {"parent_or_guardian", "family_spokesperson"});
    rep->string("name", 1, 200);
    if (rep->has("address") && !rep->isString("address")) {
      // an address object like the victim's, or one line of text
      Reader a = rep->object("address");
      a.stringArray("lines", 200);
      a.optString("postcode", 16);
    }
    rep->optEmail("email");
  }
  // v1.1: which channels are safe. A misspelt field is refused rather than read as its default
  // ("safe"), since a wrong default could send a letter where the suspect reads it.
  if (auto safety = r.optObject("contact_safety")) {
    static const std::set<std::string> kSafetyFields = {"post", "email", "phone", "voicemail",
                                                        "suspect_shares_address", "discreet"};
    safety->onlyFields(kSafetyFields);
    for (const auto& f : kSafetyFields) safety->optBoolean(f);
  }
}

using TypeReader = std::function<void(const Reader&, domain::Event&)>;

// A letter's id as the API shows it: "l-" and its number.
std::string letterId(const Reader& r) {
  const std::string id = r.string("letter_id", 1, 14);
  bool ok = id.size() > 2 && id.compare(0, 2, "l-") == 0 && id[2] != '0';
  for (size_t i = 2; ok && i < id.size(); ++i) ok = id[i] >= '0' && id[i] <= '9';
  if (!ok) r.fail("letter_id", "'" + id + "' is not a letter id (l- and its number, e.g. l-12)");
  return id;
}

// An SMTP enhanced status code (RFC 3463): class 2, 4 or 5, subject 0-999, detail 0-999.
bool smtpStatus(const std::string& s) {
  size_t i = 0;
  auto digits = [&](size_t max) {
    size_t n = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9' && n < max) ++i, ++n;
    return n > 0;
  };
  if (s.empty() || (s[0] != '2' && s[0] != '4' && s[0] != '5')) return false;
  ++i;
  if (i >= s.size() || s[i++] != '.' || !digits(3)) return false;
  if (i >= s.size() || s[i++] != '.' || !digits(3)) return false;
  return i == s.size();
}

const std::map<std::string, TypeReader>& typeReaders() {
  static const std::map<std::string, TypeReader> kReaders = {
      {"case.registered",
       [](const Reader& r, domain::Event& e) {
         e.area = r.string("area", 1, 100);
         e.offences = r.enumArray("offences", kOffences, false);
         e.offence_date = r.optPastDate("offence_date", e.local_date);
         r.optString("police_force", 100);
         e.unit = r.optString("unit", 100);
         contact(r, "prosecutor", true);
         contact(r, "victim_liaison_officer", true);
         deceased(r, false);
       }},
      {"case.updated",  // v1.1: case details that arrive after registration (today only `deceased`)
       [](const Reader& r, domain::Event&) { deceased(r, true); }},
      {"victim.registered", [](const Reader& r, domain::Event& e) { victimProfile(r, e, true); }},
      {"victim.updated",
       [](const Reader& r, domain::Event& e) {
         victimProfile(r, e, false);
         if (r.has("opt_out")) e.opt_out = r.stringArray("opt_out", 128);
         if (r.has("opt_in")) e.opt_in = r.stringArray("opt_in", 128);
       }},
      {"prosecutor.assigned",
       [](const Reader& r, domain::Event&) {
         r.object("prosecutor").string("name", 1, 200);
         contact(r, "prosecutor", true);
         r.optEmail("email");
         r.optString("phone", 64);
         r.optString("unit", 100);
       }},
      {"isva.registered",
       [](const Reader& r, domain::Event& e) {
         e.isva_id = r.identifier("isva_id");
         r.string("name", 1, 200);
         r.string("organisation", 1, 200);
         r.email("email");
         r.optString("phone", 64);
         r.optOneOf("language", {"en", "cy"});  // extension: the language notifications are written in (default en)
       }},
      {"isva.assigned",
       [](const Reader& r, domain::Event& e) {
         e.isva_id = r.identifier("isva_id");
         e.consent_to_share = r.boolean("consent_to_share");
         e.attrs["consent_to_share"] = *e.consent_to_share ? "true" : "false";
       }},
      {"isva.consent_changed",
       [](const Reader& r, domain::Event& e) {
         e.consent_to_share = r.boolean("consent_to_share");
         e.attrs["consent_to_share"] = *e.consent_to_share ? "true" : "false";
       }},
      {"charging.referred", [](const Reader& r, domain::Event& e) {
         std::string k = r.optOneOf("kind", {"early_advice", "full_code_test"});
         if (!k.empty()) e.attrs["kind"] = k;
       }},
      {"charging.decided",
       [](const Reader& r, domain::Event& e) {
         e.attrs["decision"] = r.oneOf("decision", {"charge", "no_further_action", "refer_back"});
         if (r.has("charges")) r.stringArray("charges", 500);
         r.optString("reasons");
         if (auto h = r.optObject("first_hearing")) {
           h->date("date");
           h->string("court", 1, 200);
         }
       }},
      {"charges.altered",
       [](const Reader& r, domain::Event& e) {
         e.attrs["substantial"] = r.boolean("substantial") ? "true" : "false";
         if (r.has("charges")) r.stringArray("charges", 500);
         r.optString("reasons");
       }},
      {"case.discontinued",
       [](const Reader& r, domain::Event& e) {
         e.attrs["scope"] = r.oneOf("scope", {"all", "partial", "no_evidence_offered"});
         r.optString("reasons");
       }},
      {"plea.entered",
       [](const Reader& r, domain::Event& e) { e.attrs["plea"] = r.oneOf("plea", {"guilty", "not_guilty", "mixed"}); }},
      {"hearing.listed",
       [](const Reader& r, domain::Event& e) {
         e.attrs["kind"] = r.oneOf("kind", {"first_appearance", "plea", "trial", "s28", "sentence", "appeal"});
         e.hearing_date = r.date("date");
         r.string("court", 1, 200);
         r.optString("time", 20);
       }},
      {"verdict.recorded",
       [](const Reader& r, domain::Event& e) {
         e.attrs["outcome"] = r.oneOf("outcome", {"convicted", "acquitted", "mixed"});
         r.optString("summary");
       }},
      {"sentence.passed", [](const Reader& r, domain::Event&) { r.string("summary"); }},
      {"appeal.lodged",
       [](const Reader& r, domain::Event& e) {
         e.attrs["by"] = r.oneOf("by", {"defence", "prosecution"});
         auto leave = r.optBoolean("leave_granted");
         e.attrs["leave_granted"] = leave ? (*leave ? "true" : "false") : "";
       }},
      {"vrr.requested", [](const Reader& r, domain::Event&) {
         if (r.has("received_at")) r.timestamp("received_at");
       }},
      {"vrr.decided",
       [](const Reader& r, domain::Event& e) {
         e.attrs["outcome"] = r.oneOf("outcome", {"upheld", "overturned"});
         r.optString("reasons");
         // v1.1: which stage of the scheme this was (absent: local resolution), who reviewed, what happens next.
         const std::string stage = r.optOneOf("stage", {"local_resolution", "independent_review"});
         e.attrs["stage"] = stage.empty() ? "local_resolution" : stage;
         if (auto reviewer = r.optObject("reviewer")) reviewer->string("name", 1, 200);
         const std::string next = r.optOneOf("next_step", {"charge", "proceedings_reinstated", "explanation_and_apology"});
         if (!next.empty() && e.attrs["outcome"] != "overturned")
           r.fail("next_step", "applies only when the outcome is overturned (this review upheld the decision)");
         if (!next.empty()) e.attrs["next_step"] = next;
       }},
      {"vrr.extended",  // v1.1: the review's outcome will take longer; its due date moves
       [](const Reader& r, domain::Event& e) {
         e.working_days = r.integer("working_days", 1, 60);
         e.attrs["working_days"] = std::to_string(*e.working_days);
         e.reasons = r.text("reasons");
       }},
      {"meeting.responded",
       [](const Reader& r, domain::Event& e) {
         e.attrs["meeting"] = r.oneOf("meeting", kMeetings);
         e.attrs["response"] = r.oneOf("response", {"accepted", "declined"});
         if (r.has("scheduled_for")) {
           r.timestamp("scheduled_for");
           e.attrs["scheduled_for"] = r.optString("scheduled_for", 40);
         }
         // Extension: whether the victim wants their ISVA at the meeting (default: yes, if consent stands).
         if (auto invite = r.optBoolean("invite_isva")) e.attrs["invite_isva"] = *invite ? "true" : "false";
       }},
      {"meeting.held",
       [](const Reader& r, domain::Event& e) {
         e.attrs["meeting"] = r.oneOf("meeting", kMeetings);
         r.optString("notes");
       }},
      {"letter.sent",  // recorded by the daemon itself when it dispatches a letter; never posted
       [](const Reader& r, domain::Event& e) {
         e.attrs["obligation"] = r.string("obligation", 1, 300);
         e.attrs["letter_id"] = r.string("letter_id", 1, 64);
         r.oneOf("channel", {"post", "email"});
       }},
      {"letter.returned",  // v1.1: the post came back; the letter's obligation reopens
       [](const Reader& r, domain::Event& e) {
         e.attrs["letter_id"] = letterId(r);
         const std::string reason =
             r.oneOf("reason", {"addressee_unknown", "moved", "refused", "other"});
         e.attrs["reason"] = reason;
         r.optString("notes");
         std::string why = reason;
         std::replace(why.begin(), why.end(), '_', ' ');
         e.attrs["why"] = "returned by post (" + why + ")";
       }},
      {"letter.bounced",  // v1.1: an email was refused after it was accepted; the letter's obligation reopens
       [](const Reader& r, domain::Event& e) {
         e.attrs["letter_id"] = letterId(r);
         const std::string status = r.string("status", 1, 16);
         if (!smtpStatus(status))
           r.fail("status", "'" + status + "' is not an SMTP enhanced status (class.subject.detail, e.g. 5.1.1)");
         e.attrs["status"] = status;
         r.optString("diagnostic");
         e.attrs["why"] = "email bounced (" + status + ")";
       }},
      {"notification.sent",  // recorded by the daemon when an ISVA notification is delivered; never posted
       [](const Reader& r, domain::Event& e) {
         e.attrs["obligation"] = r.string("obligation", 1, 300);
         r.string("notification_id", 1, 64);
       }},
      {"notification.withheld",  // recorded by the daemon when it does not send a notification; never posted
       [](const Reader& r, domain::Event& e) {
         e.attrs["obligation"] = r.string("obligation", 1, 300);
         r.string("notification_id", 1, 64);
         e.attrs["reason"] = r.oneOf("reason", {"consent_withdrawn", "isva_changed", "obligation_closed"});
       }},
      {"contact.recorded",
       [](const Reader& r, domain::Event& e) {
         e.attrs["obligation"] = r.string("obligation", 1, 300);
         e.attrs["by"] = r.oneOf("by", {"wcu", "police", "cps"});
         r.optString("channel", 50);
         r.optString("notes");
       }},
  };
  return kReaders;
}

// Types whose events are about one victim.
const std::set<std::string> kVictimTypes = {"victim.registered", "victim.updated",    "isva.assigned",
                                            "isva.consent_changed", "vrr.requested", "vrr.decided", "vrr.extended",
                                            "meeting.responded", "meeting.held",     "contact.recorded",
                                            "letter.sent", "notification.sent", "notification.withheld"};

// Types only the daemon writes (kSystemEventIdPrefix ids); an integration may not post them.
const std::set<std::string> kSystemTypes = {"letter.sent", "notification.sent", "notification.withheld"};

std::string typeList() {
  std::set<std::string> types;
  for (const auto& [t, _] : typeReaders())
    if (!kSystemTypes.count(t)) types.insert(t);
  return joined(types);
}

// `from_outside`: posted or imported by an integration (canonicalised, and
// barred from the daemon's own event types and ids); else re-read from the store.
// Every key and every string anywhere in the event, unknown fields included, is text of its kind:
// one line, or free text where a person writes paragraphs.
void checkText(const Object::Ptr& event, const Reader& r) {
  visitJsonText(event, [&r](const std::string& path, const std::string& member, const std::string& text, bool is_key) {
    const TextKind kind = !is_key && kFreeTextFields.count(member) ? TextKind::kFreeText : TextKind::kLine;
    if (auto problem = textProblem(text, kind)) r.fail(path.empty() ? "keys" : path, (is_key ? "a key " : "") + *problem);
  });
}

DecodedEvent decodeObject(Object::Ptr obj, size_t index, bool from_outside, const DecodeLimits& limits = {}) {
  Reader r(obj, index, "");
  std::string compact, canonical;
  if (from_outside) {
    // Canonical form: keys sorted at every level, no whitespace, so two spellings of the same content compare
    // equal whatever key order the sender used. Written straight from the tree (json_text.h); it holds the
    // same members as the compact text in the sender's order, so it is as long.
    if (!appendSortedPocoJson(canonical, obj)) {
      canonical.clear();
      compact = pocoJsonText(obj);  // Poco's bytes, without its ostream
    }
    const size_t size = compact.empty() ? canonical.size() : compact.size();
    if (size > limits.max_event_bytes)
      throw Error(Error::Kind::kPayloadTooLarge, "event_too_large",
                  "events[" + std::to_string(index) + "]: the event is " + std::to_string(size) +
                      " bytes, more than the limit of " + std::to_string(limits.max_event_bytes) +
                      " (ingest.max_event_bytes)",
                  index, "");
    checkText(obj, r);
  }
  DecodedEvent d;
  domain::Event& e = d.event;
  e.id = r.identifier("id");
  e.type = r.string("type", 1, 64);
  auto reader = typeReaders().find(e.type);
  if (reader == typeReaders().end() || (from_outside && kSystemTypes.count(e.type)))
    r.fail("type", "'" + e.type + "' is not a known event type (" + typeList() + ")");
  if (from_outside && e.id.rfind(kSystemEventIdPrefix, 0) == 0)
    r.fail("id", std::string("ids starting '") + kSystemEventIdPrefix + "' are reserved for events victim-comms records itself");
  e.occurred_at_text = r.string("occurred_at", 1, 64);
  e.occurred_at = r.timestamp("occurred_at");
  e.local_date = domain::londonDate(e.occurred_at);
  if (from_outside && limits.now && e.occurred_at > *limits.now + kClockSkewSeconds)
    r.fail("occurred_at", "is later than now (" + domain::formatRfc3339Utc(*limits.now) +
                              "): an event is something that has already happened");
  if (e.type != "isva.registered") {
    e.case_urn = r.string("case_urn", 1, 32);
    for (char c : e.case_urn)
      if (!urnChar(c)) r.fail("case_urn", "may contain only capital letters, digits, / and -");
  } else if (r.has("case_urn")) {
    r.fail("case_urn", "isva.registered is not about a case; leave case_urn out");
  }
  if (kVictimTypes.count(e.type)) e.victim_id = r.identifier("victim_id");
  reader->second(r, e);

  d.json = obj;
  if (!from_outside) return d;  // stored events are canonical already
  if (!compact.empty()) {  // a fraction, say: written, parsed again sorted and written, as before
    Poco::JSON::Parser sorted;  // the default handler sorts keys
    canonical = pocoJsonText(sorted.parse(compact));
  }
  d.canonical_json = std::move(canonical);
  return d;
}

}  // namespace

DecodedEvent decodeEvent(const Var& value, size_t index, const DecodeLimits& limits) {
  if (value.type() != typeid(Object::Ptr))
    throw Error(Error::Kind::kInvalidArgument, "invalid_event",
                "events[" + std::to_string(index) + "]: must be a JSON object", index, "");
  return decodeObject(value.extract<Object::Ptr>(), index, true, limits);
}

DecodedEvent decodeStoredEvent(const std::string& canonical_json) {
  Poco::JSON::Parser parser;
  DecodedEvent d = decodeObject(parser.parse(canonical_json).extract<Object::Ptr>(), 0, false);
  d.canonical_json = canonical_json;
  return d;
}

}  // namespace vc::ingest
