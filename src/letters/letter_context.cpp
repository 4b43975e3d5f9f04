#include "letters/letter_context.h"

#include "domain/text_lines.h"

#include <algorithm>
#include <stdexcept>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>

#include "domain/entitlement.h"
#include "domain/letter.h"
#include "letters/context_fields.h"

namespace vc::letters {

using Poco::JSON::Array;
using Poco::JSON::Object;
using rendering::Value;

namespace {

// A postal address from {"lines": [...], "postcode": "..."} or one line of text.
std::vector<std::string> addressLines(const Object::Ptr& holder, const std::string& key) {
  std::vector<std::string> lines;
  if (!holder || !holder->has(key) || holder->isNull(key)) return lines;
  const Poco::Dynamic::Var v = holder->get(key);
  if (v.isString()) {
    if (!v.extract<std::string>().empty()) lines.push_back(v.extract<std::string>());
    return lines;
  }
  Object::Ptr a = obj(holder, key);
  lines = strings(a, "lines");
  const std::string postcode = str(a, "postcode");
  if (!postcode.empty()) lines.push_back(postcode);
  return lines;
}

// A hearing ({"date", "court"}) as a list of none or one: {date: {en, cy, ...}, court}.
Value hearingList(const Object::Ptr& hearing) {
  Value list = Value::list();
  if (!hearing) return list;
  Value h;
  auto date = domain::Date::parse(str(hearing, "date"));
  h.set("date", date ? dateValue(*date) : emptyDate());
  h.set("court", str(hearing, "court"));
  list.push(h);
  return list;
}

// The latest event of a type in the timeline (optionally after a given event
// and for one victim), or null.
Object::Ptr latest(const std::vector<Object::Ptr>& timeline, const std::string& type, const std::string& after_id,
                   const std::string& victim_id, const std::string& kind = "") {
  bool seen_after = after_id.empty();
  Object::Ptr found;
  for (const auto& e : timeline) {
    if (!seen_after) {
      seen_after = str(e, "id") == after_id;
      continue;
    }
    if (str(e, "type") != type) continue;
    if (!victim_id.empty() && str(e, "victim_id") != victim_id) continue;
    if (!kind.empty() && str(e, "kind") != kind) continue;
    found = e;
  }
  return found;
}

// One item per non-blank line of an officer's edit.
std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  for (std::string_view line : domain::splitLines(text)) {
    const size_t b = line.find_first_not_of(" \t");
    if (b != std::string_view::npos) out.emplace_back(line.substr(b, line.find_last_not_of(" \t") - b + 1));
  }
  return out;
}

// The charges the case had before the event `before_id`: those of the last
// charging.decided (charge) or charges.altered before it that lists any.
std::vector<std::string> chargesBefore(const std::vector<Object::Ptr>& timeline, const std::string& before_id) {
  std::vector<std::string> found;
  for (const auto& e : timeline) {
    if (str(e, "id") == before_id) break;
    const std::string type = str(e, "type");
    const bool charged = type == "charging.decided" && str(e, "decision") == "charge";
    if ((charged || type == "charges.altered") && !strings(e, "charges").empty()) found = strings(e, "charges");
  }
  return found;
}

// The name of the person who died: the case details' deceased.name, else the
// latest case.registered or case.updated in the timeline that names them.
std::string deceasedName(const Object::Ptr& case_details, const std::vector<Object::Ptr>& timeline) {
  std::string name = str(obj(case_details, "deceased"), "name");
  if (!name.empty()) return name;
  for (const auto& e : timeline) {
    const std::string type = str(e, "type");
    if ((type == "case.registered" || type == "case.updated") && !str(obj(e, "deceased"), "name").empty())
      name = str(obj(e, "deceased"), "name");
  }
  return name;
}

std::string joinNames(const std::string& given, const std::string& family) {
  if (given.empty()) return family;
  if (family.empty()) return given;
  return given + " " + family;
}

// 3 calendar months after d (the last day of the month when it is shorter).
domain::Date plusMonths(const domain::Date& d, int months) {
  int m = d.month() - 1 + months;
  int y = d.year() + m / 12;
  m = m % 12 + 1;
  return domain::Date(y, m, std::min(d.day(), domain::daysInMonth(y, m)));
}

}  // namespace

std::vector<const SupportService*> servicesFor(const SupportServices& all, const std::vector<std::string>& offences,
                                               int age, bool bereaved) {
  std::vector<const SupportService*> out;
  for (const auto& s : all) {
    if (s.bereaved_only && !bereaved) continue;
    if (!s.offences.empty() && std::none_of(s.offences.begin(), s.offences.end(), [&](const std::string& o) {
          return std::find(offences.begin(), offences.end(), o) != offences.end();
        }))
      continue;
    // An unknown age is taken as an adult's: no service for children only, every one from an age.
    if (s.max_age >= 0 && (age < 0 || age > s.max_age)) continue;
    if (s.min_age >= 0 && age >= 0 && age < s.min_age) continue;
    out.push_back(&s);
  }
  return out;
}

const std::vector<std::string>& editableFields() {
  static const std::vector<std::string> kFields = {"reasons",          "reasons_cy",  "free_text_cy",         "reviewer",
                                                   "next_step",        "previous_charges", "charges",         "translation",
                                                   "translation_language", "easy_read_text", "channel"};
  return kFields;
}

CommunicationNeeds communicationNeeds(const Object::Ptr& profile) {
  CommunicationNeeds n;
  const Object::Ptr needs = obj(profile, "needs");
  if (!needs || !needs->has("interpreter") || needs->isNull("interpreter")) {
    n.easy_read = flag(needs, "easy_read");
    return n;
  }
  const Poco::Dynamic::Var v = needs->get("interpreter");
  if (v.isString()) {
    const std::string text = v.extract<std::string>();
    const size_t b = text.find_first_not_of(" \t");
    if (b != std::string::npos) {
      n.interpreter = true;
      n.language = text.substr(b, text.find_last_not_of(" \t") - b + 1);
    }
  } else if (v.type() == typeid(bool)) {
    n.interpreter = v.extract<bool>();
  }
  n.easy_read = flag(needs, "easy_read");
  return n;
}

bool ContactSafety::safe(const std::string& channel) const {
  if (channel == "post") return postSafe();
  if (channel == "email") return email;
  if (channel == "phone") return phone;
  if (channel == "voicemail") return voicemail;
  return false;
}

std::vector<std::string> ContactSafety::safeChannels() const {
  std::vector<std::string> out;
  for (const char* c : {"post", "email", "phone", "voicemail"})
    if (safe(c)) out.emplace_back(c);
  return out;
}

ContactSafety contactSafety(const Object::Ptr& profile) {
  ContactSafety s;
  const Object::Ptr o = obj(profile, "contact_safety");
  if (!o) return s;
  auto stated = [&](const char* key, bool fallback) {
    return o->has(key) && o->get(key).type() == typeid(bool) ? o->getValue<bool>(key) : fallback;
  };
  s.post = stated("post", true);
  s.email = stated("email", true);
  s.phone = stated("phone", true);
  s.voicemail = stated("voicemail", true);
  s.suspect_shares_address = stated("suspect_shares_address", false);
  s.discreet = stated("discreet", false);
  return s;
}

PhoneContact phoneContact(const Object::Ptr& profile) {
  PhoneContact c;
  const Object::Ptr rep = obj(profile, "representative");
  if (rep && !str(rep, "name").empty()) {
    c.name = str(rep, "name");
    c.role = str(rep, "relationship") == "parent_or_guardian" ? "the victim's parent or guardian" : "the family spokesperson";
    return c;  // events.md gives a representative no phone
  }
  const Object::Ptr name = obj(profile, "name");
  const std::string full = joinNames(str(name, "given"), str(name, "family")), title = str(profile, "title");
  c.name = title.empty() ? full : title + " " + full;
  c.role = "the victim";
  const std::string number = str(profile, "phone");
  const size_t b = number.find_first_not_of(" \t");
  if (b != std::string::npos) c.number = number.substr(b, number.find_last_not_of(" \t") - b + 1);
  return c;
}

std::vector<std::string> paragraphs(const std::string& text) {
  std::vector<std::string> out;
  std::string current;
  size_t newlines = 0;
  auto finish = [&]() {
    const size_t b = current.find_first_not_of(' ');
    if (b != std::string::npos) out.push_back(current.substr(b, current.find_last_not_of(' ') - b + 1));
    current.clear();
  };
  for (char c : text) {
    if (c == '\r') continue;
    if (c == '\n') {
      if (++newlines == 2) finish();
      continue;
    }
    if (newlines == 1 || c == '\t') current += ' ';
    newlines = 0;
    if (c != '\t') current += c;
  }
  finish();
  return out;
}

bool timelineBodyRead(const std::string& type) {
  // deceasedName (deceased), chargesBefore (decision, charges), latest hearing.listed (kind, date,
  // court), the review's vrr.decided (reviewer, reasons, stage, outcome, next_step, occurred_at) and the
  // last discontinuance's scope; every loop over the timeline reads id, type, victim_id.
  return type == "case.registered" || type == "case.updated" || type == "charging.decided" ||
         type == "charges.altered" || type == "hearing.listed" || type == "vrr.decided" ||
         type == "case.discontinued";
}

Object::Ptr timelineStub(const std::string& id, const std::string& type, const std::string& case_urn,
                         const std::string& victim_id, const std::string& occurred_at) {
  Object::Ptr e = new Object;
  e->set("id", id);
  e->set("type", type);
  if (!case_urn.empty()) e->set("case_urn", case_urn);
  if (!victim_id.empty()) e->set("victim_id", victim_id);
  e->set("occurred_at", occurred_at);
  return e;
}

LetterContext buildLetterContext(const LetterInputs& in, const domain::WorkingDayCalendar& calendar) {
  LetterContext ctx;
  Value& d = ctx.data;
  const Object::Ptr& profile = in.profile;
  // The victim's stated language; unstated, bilingual in a Welsh Area (letters.welsh_areas).
  const std::string stated_language = str(profile, "language");
  ctx.language = stated_language == "cy" || (stated_language.empty() && in.welsh_area) ? "cy" : "en";
  // The officer's choice of channel (fields.channel) over the victim's preferred one.
  const auto chosen = in.fields.find("channel");
  const std::string channel = chosen != in.fields.end() && !chosen->second.empty() ? chosen->second
                                                                                   : str(profile, "preferred_channel");
  const ContactSafety safety = contactSafety(profile);
  ctx.channel = channel == "email" || channel == "phone" ? channel : "post";
  // Neither post nor email is safe but the phone is, and the officer chose nothing: a phone task.
  if ((chosen == in.fields.end() || chosen->second.empty()) && !safety.postSafe() && !safety.email && safety.phone)
    ctx.channel = "phone";
  auto block = [&](std::string code, std::string message) { ctx.blocked_by.push_back({std::move(code), std::move(message)}); };

  Value lang;
  lang.set("en", ctx.language == "en");
  lang.set("cy", ctx.language == "cy");
  d.set("lang", lang);

  Value letter;
  letter.set("id", in.letter_id);
  letter.set("reference", in.case_urn + "/" + in.letter_id);
  letter.set("date", dateValue(in.letter_date));
  letter.set("large_print", flag(obj(profile, "needs"), "large_print"));
  letter.set("by_post", ctx.channel == "post");
  letter.set("by_email", ctx.channel == "email");
  letter.set("discreet", safety.discreet);
  d.set("letter", letter);

  // A channel that is not safe for the victim (contact_safety): blocked, saying what is safe, for the
  // officer to choose another channel or reach them another way (met another way, by phone).
  if (!safety.safe(ctx.channel)) {
    std::string safe;
    for (const auto& c : safety.safeChannels()) safe += (safe.empty() ? "" : ", ") + c;
    const std::string why = ctx.channel == "post" && safety.post ? " (the suspect may share the address)" : "";
    std::string other;
    if (safety.safe(ctx.channel == "post" ? "email" : "post"))
      other = "choose " + std::string(ctx.channel == "post" ? "email" : "post") + " as the letter's channel";
    if (safety.phone) other += (other.empty() ? "" : ", or ") + std::string("record a phone call that gave the victim the letter's content (met another way)");
    if (safety.phone && ctx.channel != "phone") other += ", or choose phone as the letter's channel (a phone task, with a script)";
    block("unsafe_channel", ctx.channel + " is not safe for this victim" + why + "; safe: " +
                                (safe.empty() ? std::string("none recorded") : safe) +
                                (other.empty() ? std::string() : ": " + other));
  }

  // Who it goes to: the victim, or the parent or guardian / family spokesperson events.md names.
  const Object::Ptr name = obj(profile, "name");
  const std::string given = str(name, "given"), family = str(name, "family"), title = str(profile, "title");
  const std::string victim_name = joinNames(given, family);
  const Object::Ptr rep = obj(profile, "representative");
  const std::string relationship = str(rep, "relationship");
  Value recipient;
  std::vector<std::string> address;
  std::string who;
  if (rep && !str(rep, "name").empty()) {
    recipient.set("name", str(rep, "name"));
    recipient.set("salutation", str(rep, "name"));
    address = addressLines(rep, "address");
    ctx.recipient_email = str(rep, "email");
    who = relationship == "parent_or_guardian" ? "the victim's parent or guardian" : "the family spokesperson";
  } else {
    recipient.set("name", title.empty() ? victim_name : title + " " + victim_name);
    recipient.set("salutation", title.empty() ? victim_name : title + " " + family);
    address = addressLines(profile, "address");
    ctx.recipient_email = str(profile, "email");
    who = "the victim";
  }
  recipient.set("address_lines", Value::textList(address));
  recipient.set("email", ctx.recipient_email);
  recipient.set("is_representative", rep && !str(rep, "name").empty());
  recipient.set("parent_or_guardian", relationship == "parent_or_guardian");
  recipient.set("family_spokesperson", relationship == "family_spokesperson");
  d.set("recipient", recipient);
  if (ctx.channel == "post" && address.empty())
    block("postal_address", "a postal address for " + who + " (send victim.updated with the address)");
  if (ctx.channel == "email" && ctx.recipient_email.empty())
    block("email_address", "an email address for " + who + " (send victim.updated with the email address)");
  // A phone task: the officer calls the number on the record, and no other.
  if (ctx.channel == "phone") {
    ctx.recipient_phone = phoneContact(profile).number;
    if (ctx.recipient_phone.empty())
      block("phone_number", "a phone number for " + who +
                                (who == "the victim" ? " (send victim.updated with phone)"
                                                     : ": the record holds none for them (events.md gives a representative "
                                                       "no phone); record how you reached them (met another way), or "
                                                       "choose another channel") +
                                ": this letter is a phone task, to be read to them by phone, not sent");
  }

  // Bereaved: the victim is flagged a bereaved relative, or a family spokesperson speaks for them. Not
  // every victim on a homicide case: an injured survivor is not bereaved.
  const std::vector<std::string> flags = strings(profile, "flags");
  const bool bereaved = std::find(flags.begin(), flags.end(), "bereaved_relative") != flags.end() ||
                        relationship == "family_spokesperson";
  const std::string deceased_name = deceasedName(in.case_details, in.timeline);
  d.set("bereaved", bereaved);
  Value deceased;
  deceased.set("name", deceased_name);
  d.set("deceased", deceased);
  if (bereaved && deceased_name.empty())
    block("deceased", "the name of the person who died, which a letter to a bereaved family gives (send case.updated "
                      "with deceased {name})");

  Value victim;
  victim.set("name", victim_name);
  victim.set("given_name", given);
  victim.set("enhanced", in.victim_enhanced);
  d.set("victim", victim);

  const std::vector<std::string> offences = strings(in.case_details, "offences");
  Value kase;
  kase.set("urn", in.case_urn);
  kase.set("area", in.area);
  kase.set("rasso", std::any_of(offences.begin(), offences.end(), domain::isRassoOffence));
  kase.set("homicide", std::find(offences.begin(), offences.end(), "homicide") != offences.end());
  d.set("case", kase);

  // Who reads it. A child (under 18 on the letter's date; without a date of birth, as the entitlement
  // found) is written to through a parent or guardian: a letter that would go to the child is blocked.
  const auto dob = domain::Date::parse(str(profile, "date_of_birth"));
  const int age = dob ? domain::ageOn(*dob, in.letter_date) : -1;
  const bool child = dob ? age < 18 : in.victim_under_18;
  const bool to_representative = rep && !str(rep, "name").empty();
  Value reader;
  reader.set("victim", !to_representative);
  reader.set("parent", to_representative && relationship == "parent_or_guardian");
  reader.set("child", child);
  // "This decision does not mean that we do not believe what you told the police": for the person who
  // made the complaint (not a bereaved relative) in a sexual-offence, domestic-abuse or child-abuse case.
  static const std::vector<std::string> kAccountCases = {"rape", "sexual_offence", "domestic_abuse", "child_abuse"};
  reader.set("complainant_sexual_or_domestic_abuse",
             !bereaved && std::any_of(offences.begin(), offences.end(), [](const std::string& o) {
               return std::find(kAccountCases.begin(), kAccountCases.end(), o) != kAccountCases.end();
             }));
  d.set("reader", reader);
  if (child && !to_representative)
    block("representative", "a parent or guardian for " + (given.empty() ? std::string("the victim") : given) +
                                ", who is under 18: letters to a child go to their parent or guardian (send "
                                "victim.updated with representative {relationship: parent_or_guardian, name, address})");

  // Support services for this reader, from letters.support_services_file.
  Value support = Value::list();
  if (in.support)
    for (const SupportService* s : servicesFor(*in.support, offences, age, bereaved)) {
      Value v;
      v.set("name", s->name);
      v.set("name_cy", s->name_cy.empty() ? s->name : s->name_cy);
      v.set("about_en", s->about_en);
      v.set("about_cy", s->about_cy);
      v.set("phone", s->phone);
      v.set("hours_en", s->hours_en);
      v.set("hours_cy", s->hours_cy.empty() ? s->hours_en : s->hours_cy);
      v.set("web", s->web);
      support.push(v);
    }
  d.set("has_support_services", !support.items().empty());
  d.set("support_services", support);

  const Object::Ptr prosecutor = obj(in.case_details, "prosecutor");
  const Object::Ptr vlo = obj(in.case_details, "victim_liaison_officer");
  d.set("prosecutor", contactList(prosecutor));
  d.set("vlo", contactList(vlo));
  if (in.kind == "rasso_introduction" && str(prosecutor, "name").empty())
    block("prosecutor", "the prosecutor's name (send prosecutor.assigned)");

  Value vlu;
  vlu.set("name", in.vlu ? in.vlu->name : "");
  vlu.set("name_cy", in.vlu ? (in.vlu->name_cy.empty() ? in.vlu->name : in.vlu->name_cy) : "");
  vlu.set("phone", in.vlu ? in.vlu->phone : "");
  vlu.set("email", in.vlu ? in.vlu->email : "");
  vlu.set("address_lines", Value::textList(in.vlu ? in.vlu->address : std::vector<std::string>{}));
  // For a discreet letter's letterhead: the address without its first line, which is the unit's name
  // (letters.contacts_file), so the victim can still write back without the page naming the unit.
  vlu.set("street_lines", Value::textList(in.vlu && in.vlu->address.size() > 1
                                              ? std::vector<std::string>(in.vlu->address.begin() + 1, in.vlu->address.end())
                                              : std::vector<std::string>{}));
  d.set("vlu", vlu);
  if (!in.vlu)
    block("vlu_contact", "the Victim Liaison Unit's contact details for " + in.area + " (add them to letters.contacts_file)");

  // The review's outcome (VRR-OUT): the latest vrr.decided for this victim after the request and before
  // their next request (asking for the independent review after local resolution starts a new one).
  const Object::Ptr& t = in.trigger;
  Object::Ptr vrr_decided;
  bool asked_again = false;  // the victim has already asked again (for the independent review)
  {
    bool after = false;
    for (const auto& e : in.timeline) {
      if (!after) {
        after = str(e, "id") == str(t, "id");
        continue;
      }
      if (str(e, "victim_id") != in.victim_id) continue;
      if (str(e, "type") == "vrr.requested") {
        asked_again = true;
        break;
      }
      if (str(e, "type") == "vrr.decided") vrr_decided = e;
    }
  }
  auto edit = [&](const std::string& field) {
    auto it = in.fields.find(field);
    return it == in.fields.end() ? std::string() : it->second;
  };
  std::string reviewer = edit("reviewer");
  if (reviewer.empty()) reviewer = str(obj(vrr_decided, "reviewer"), "name");

  // Signed by the prosecutor who made the decision, else the Victim Liaison Officer, else the unit. A
  // review's outcome is signed by the prosecutor who reviewed it, never by the one whose decision it was;
  // its other letters (the acknowledgement, an extension: every vrr_* kind) by the Victim Liaison Unit,
  // which runs the scheme.
  Value signatory;
  if (in.kind == "vrr_outcome") {
    signatory.set("name", reviewer);
    signatory.set("role_en", "Reviewing prosecutor, Crown Prosecution Service");
    signatory.set("role_cy", "Erlynydd sy'n adolygu, Gwasanaeth Erlyn y Goron");
  } else if (in.kind.rfind("vrr_", 0) != 0 && !str(prosecutor, "name").empty()) {
    signatory.set("name", str(prosecutor, "name"));
    signatory.set("role_en", "Prosecutor, Crown Prosecution Service");
    signatory.set("role_cy", "Erlynydd, Gwasanaeth Erlyn y Goron");
  } else if (!str(vlo, "name").empty()) {
    signatory.set("name", str(vlo, "name"));
    signatory.set("role_en", "Victim Liaison Officer, Crown Prosecution Service");
    signatory.set("role_cy", "Swyddog Cyswllt Dioddefwyr, Gwasanaeth Erlyn y Goron");
  } else {
    signatory.set("name", in.vlu ? in.vlu->name : "Victim Liaison Unit");
    signatory.set("role_en", "Crown Prosecution Service");
    signatory.set("role_cy", "Gwasanaeth Erlyn y Goron");
  }
  d.set("signatory", signatory);

  // What happened: the trigger event, with the officer's reasons taking precedence over the event's.
  const std::string type = str(t, "type");
  const std::string scope = str(t, "scope");
  Value trigger;
  for (const char* tt : {"charging.referred", "charging.decided", "charges.altered", "case.discontinued",
                         "plea.entered", "verdict.recorded", "sentence.passed", "appeal.lodged", "vrr.requested"}) {
    std::string key = tt;
    key[key.find('.')] = '_';
    trigger.set(key, type == tt);
  }
  trigger.set("convicted", type == "verdict.recorded" && str(t, "outcome") != "acquitted");
  trigger.set("acquitted", type == "verdict.recorded" && str(t, "outcome") == "acquitted");
  d.set("trigger", trigger);

  Value decision;
  decision.set("date", dateValue(domain::londonDate(*domain::parseRfc3339(str(t, "occurred_at")))));
  auto edited = in.fields.find("reasons");
  std::string reasons = edited != in.fields.end() && !edited->second.empty() ? edited->second : str(t, "reasons");
  if (in.kind == "vrr_outcome")
    reasons = edited != in.fields.end() && !edited->second.empty() ? edited->second : str(vrr_decided, "reasons");
  decision.set("reasons", Value::textList(paragraphs(reasons)));
  auto edited_cy = in.fields.find("reasons_cy");
  decision.set("reasons_cy", Value::textList(paragraphs(edited_cy != in.fields.end() ? edited_cy->second : "")));
  // Charges: as the event lists them (for an alteration, what they are now; an edit can supply them), and
  // for an alteration, what they were before it.
  std::vector<std::string> charges = strings(t, "charges");
  const bool altered = type == "charges.altered";
  if (altered && charges.empty()) charges = lines(edit("charges"));
  std::vector<std::string> previous = lines(edit("previous_charges"));
  if (altered && previous.empty()) previous = chargesBefore(in.timeline, str(t, "id"));
  decision.set("charges", Value::textList(charges));
  decision.set("has_charges", !charges.empty());
  decision.set("previous_charges", Value::textList(previous));
  decision.set("has_previous_charges", !previous.empty());
  decision.set("first_hearing", hearingList(obj(t, "first_hearing")));
  decision.set("scope_all", type == "case.discontinued" && scope == "all");
  decision.set("scope_partial", type == "case.discontinued" && scope == "partial");
  decision.set("no_evidence_offered", type == "case.discontinued" && scope == "no_evidence_offered");
  d.set("decision", decision);
  static const std::vector<std::string> kNeedReasons = {"decision_not_to_prosecute", "discontinuance",
                                                         "charges_altered", "vrr_outcome", "vrr_extension"};
  if (std::find(kNeedReasons.begin(), kNeedReasons.end(), in.kind) != kNeedReasons.end() && paragraphs(reasons).empty())
    block("reasons", in.kind == "vrr_outcome"
                         ? "the reviewing prosecutor's reasons, in plain English (send vrr.decided with reasons, or edit "
                           "the letter's reasons)"
                         : "the prosecutor's reasons for the decision, in plain English (edit the letter's reasons)");
  if (in.kind == "rasso_charge" && charges.empty())
    block("charges", "the charges (charging.decided did not list them)");
  if (in.kind == "charges_altered" && altered && charges.empty())
    block("charges", "the charges as they are now (charges.altered did not list them: edit the letter's charges, one "
                     "charge a line)");
  if (in.kind == "charges_altered" && altered && previous.empty())
    block("previous_charges", "the charges as they were before this change (no earlier charging.decided or "
                              "charges.altered lists them: edit the letter's previous_charges, one charge a line)");

  // Meetings: the offer in a specified case, the trial it prepares for.
  Value meeting;
  meeting.set("offered", domain::isSpecifiedCase(offences, in.victim_under_18, bereaved));
  meeting.set("bereaved", bereaved);  // the bereaved family meeting is offered instead
  meeting.set("trial", hearingList(latest(in.timeline, "hearing.listed", "", "", "trial")));
  d.set("meeting", meeting);

  // The Victims' Right to Review: ask within 10 working days of the letter, or up to 3 months.
  Value vrr;
  const bool applies = domain::decisionQualifiesForReview(in.kind, type, scope);
  vrr.set("applies", applies);
  vrr.set("ask_by", dateValue(calendar.addWorkingDays(in.letter_date, 10).result));
  vrr.set("latest", dateValue(plusMonths(in.letter_date, 3)));
  std::string requested_at = str(t, "received_at");
  if (requested_at.empty()) requested_at = str(t, "occurred_at");
  vrr.set("requested_on", type == "vrr.requested" ? dateValue(domain::londonDate(*domain::parseRfc3339(requested_at)))
                                                  : emptyDate());
  Value outcome = Value::list();
  if (vrr_decided) {
    // Two stages: local resolution (also when no stage is given), then an independent review.
    const bool independent = str(vrr_decided, "stage") == "independent_review";
    const bool overturned = str(vrr_decided, "outcome") == "overturned";
    std::string next_step = edit("next_step");
    if (next_step.empty()) next_step = str(vrr_decided, "next_step");
    Value o;
    o.set("upheld", !overturned);
    o.set("overturned", overturned);
    o.set("date", dateValue(domain::londonDate(*domain::parseRfc3339(str(vrr_decided, "occurred_at")))));
    o.set("local_resolution", !independent);
    o.set("independent_review", independent);
    o.set("asked_again", asked_again);
    o.set("reviewer", reviewer);
    o.set("next_charge", overturned && next_step == "charge");
    o.set("next_reinstated", overturned && next_step == "proceedings_reinstated");
    o.set("next_apology", overturned && next_step == "explanation_and_apology");
    // Whether the decision reviewed was to offer no evidence: the last discontinuance before the request.
    std::string last_scope;
    for (const auto& e : in.timeline) {
      if (str(e, "id") == str(t, "id")) break;
      if (str(e, "type") == "case.discontinued") last_scope = str(e, "scope");
    }
    o.set("no_evidence_offered", last_scope == "no_evidence_offered");
    outcome.push(o);
    if (in.kind == "vrr_outcome" && reviewer.empty())
      block("reviewer", "the name of the prosecutor who did the review, who signs the letter (send vrr.decided with "
                        "reviewer {name}, or edit the letter's reviewer)");
    if (in.kind == "vrr_outcome" && overturned && next_step != "charge" && next_step != "proceedings_reinstated" &&
        next_step != "explanation_and_apology")
      block("next_step", "what happens now the decision is overturned: charge, proceedings_reinstated or "
                         "explanation_and_apology (send vrr.decided with next_step, or edit the letter's next_step)");
  }
  vrr.set("outcome", outcome);
  d.set("vrr", vrr);
  if (in.kind == "vrr_outcome" && !vrr_decided)
    block("vrr_outcome", "the outcome of the review (send vrr.decided when the review is finished)");

  // An extension (vrr.extended): the new date the victim can expect the outcome by; its reasons are decision.reasons.
  Value extension;
  extension.set("new_date", in.extended_due_by ? dateValue(*in.extended_due_by) : emptyDate());
  d.set("extension", extension);
  if (in.kind == "vrr_extension" && !in.extended_due_by)
    block("extended_date", "the review's new due date (the vrr.extended event extended no open review)");

  Value isva = Value::list();
  if (in.isva && !str(in.isva, "name").empty()) {
    Value i;
    i.set("name", str(in.isva, "name"));
    i.set("organisation", str(in.isva, "organisation"));
    i.set("phone", str(in.isva, "phone"));
    i.set("email", str(in.isva, "email"));
    isva.push(i);
  }
  d.set("isva", isva);
  d.set("free_text", Value::textList(paragraphs(in.free_text)));

  auto field = [&](const char* name) {
    auto it = in.fields.find(name);
    return it == in.fields.end() ? std::string() : it->second;
  };
  d.set("free_text_cy", Value::textList(paragraphs(field("free_text_cy"))));
  // A Welsh letter goes with its Welsh text: the English under a line is not enough.
  if (ctx.language == "cy") {
    std::vector<std::string> missing;
    const bool prints_reasons = std::find(kNeedReasons.begin(), kNeedReasons.end(), in.kind) != kNeedReasons.end();
    if (prints_reasons && !paragraphs(reasons).empty() && paragraphs(field("reasons_cy")).empty())
      missing.push_back("the reasons in Welsh (edit reasons_cy)");
    if (!paragraphs(in.free_text).empty() && paragraphs(field("free_text_cy")).empty())
      missing.push_back("your own paragraph in Welsh (edit free_text_cy)");
    if (!missing.empty())
      block("welsh_text", "the Welsh text of this bilingual letter: " +
                              (missing.size() == 1 ? missing[0] : missing[0] + " and " + missing[1]));
  }

  // Communication needs (Right 1): the translation or Easy Read text goes first; the English stays.
  const CommunicationNeeds needs = communicationNeeds(profile);
  const std::string translation_language = field("translation_language").empty() ? needs.language
                                                                                 : field("translation_language");
  const std::vector<std::string> translated = paragraphs(field("translation"));
  Value translation = Value::list();
  if (!translated.empty()) {
    Value t;
    t.set("language", translation_language.empty() ? std::string("another language") : translation_language);
    t.set("paragraphs", Value::textList(translated));
    translation.push(t);
  }
  d.set("translation", translation);
  const std::vector<std::string> easy_read_text = paragraphs(field("easy_read_text"));
  Value easy_read = Value::list();
  if (!easy_read_text.empty()) {
    Value e;
    e.set("paragraphs", Value::textList(easy_read_text));
    easy_read.push(e);
  }
  d.set("easy_read", easy_read);
  const std::string or_another_way = ", or record how the letter reached the victim another way";
  if (needs.interpreter && translated.empty())
    block("needs_translation",
          "a translation of this letter into " + (needs.language.empty() ? "the victim's language" : needs.language) +
              " (attach it as the letter's translation)" + or_another_way +
              " (for example, read to them by phone with an interpreter)");
  else if (needs.interpreter && translation_language.empty())
    block("needs_translation", "the language of the attached translation (edit translation_language)");
  if (needs.easy_read && easy_read_text.empty())
    block("needs_easy_read", "an Easy Read version of this letter (attach it as the letter's Easy Read text)" +
                                 or_another_way + " (for example, explained to them in person in plain words)");
  return ctx;
}

namespace {

Object::Ptr parse(const std::string& json) {
  Poco::JSON::Parser p;
  return p.parse(json).extract<Object::Ptr>();
}

// The sample case's events, most of them there only for the kinds that need them.
std::string sampleTrigger(const std::string& kind) {
  static const std::map<std::string, std::string> kTriggers = {
      {"decision_not_to_prosecute",
       R"j({"id":"sample-e5","type":"charging.decided","occurred_at":"2026-04-02T15:20:00+01:00","case_urn":"52SW0100126","decision":"no_further_action","reasons":"We have looked carefully at all of the evidence the police sent us. This includes your account, the medical evidence and the messages between you and the suspect.\n\nThe messages do not show what happened that night, and nobody else saw it. We decided that there is not enough evidence to give a realistic prospect of conviction. "})j"},
      {"discontinuance",
       R"j({"id":"sample-e5","type":"case.discontinued","occurred_at":"2026-04-02T15:20:00+01:00","case_urn":"52SW0100126","scope":"all","reasons":"A witness whose evidence was important to the case has said they will no longer give evidence. Without it, there is no longer a realistic prospect of conviction."})j"},
      {"charges_altered",
       R"j({"id":"sample-e5","type":"charges.altered","occurred_at":"2026-04-02T15:20:00+01:00","case_urn":"52SW0100126","substantial":true,"charges":["Sexual assault (Sexual Offences Act 2003, s.3) - sample"],"reasons":"The medical evidence does not support the original charge, so the charge has been changed to one the evidence does support."})j"},
      {"rasso_introduction",
       R"j({"id":"sample-e5","type":"charging.referred","occurred_at":"2026-04-02T15:20:00+01:00","case_urn":"52SW0100126","kind":"full_code_test"})j"},
      {"rasso_charge",
       R"j({"id":"sample-e5","type":"charging.decided","occurred_at":"2026-04-02T15:20:00+01:00","case_urn":"52SW0100126","decision":"charge","charges":["Rape (Sexual Offences Act 2003, s.1) - sample"],"first_hearing":{"date":"2026-04-16","court":"Sampleford Magistrates' Court (sample)"}})j"},
      {"familiarisation_meeting",
       R"j({"id":"sample-e5","type":"plea.entered","occurred_at":"2026-04-02T15:20:00+01:00","case_urn":"52SW0100126","plea":"not_guilty"})j"},
      {"special_measures_meeting",
       R"j({"id":"sample-e5","type":"plea.entered","occurred_at":"2026-04-02T15:20:00+01:00","case_urn":"52SW0100126","plea":"not_guilty"})j"},
      {"bereaved_family_meeting",
       R"j({"id":"sample-e5","type":"verdict.recorded","occurred_at":"2026-04-02T15:20:00+01:00","case_urn":"52SW0100126","outcome":"convicted","summary":"Convicted (sample)."})j"},
      {"vrr_acknowledgement",
       R"j({"id":"sample-e5","type":"vrr.requested","occurred_at":"2026-04-02T15:20:00+01:00","case_urn":"52SW0100126","victim_id":"v-sample","received_at":"2026-04-02T15:20:00+01:00"})j"},
      {"vrr_outcome",
       R"j({"id":"sample-e5","type":"vrr.requested","occurred_at":"2026-04-02T15:20:00+01:00","case_urn":"52SW0100126","victim_id":"v-sample","received_at":"2026-04-02T15:20:00+01:00"})j"},
      {"vrr_extension",
       R"j({"id":"sample-e5","type":"vrr.extended","occurred_at":"2026-04-02T15:20:00+01:00","case_urn":"52SW0100126","victim_id":"v-sample","working_days":10,"reasons":"The reviewing prosecutor has asked the police for a statement that was not in the file. They need it to look at the case fully."})j"},
  };
  auto it = kTriggers.find(kind);
  // Any other kind (a new rule's template): a decision with everything in it.
  return it != kTriggers.end()
             ? it->second
             : R"j({"id":"sample-e5","type":"charging.decided","occurred_at":"2026-04-02T15:20:00+01:00","case_urn":"52SW0100126","decision":"no_further_action","reasons":"Sample reasons.","charges":["Sample charge"],"first_hearing":{"date":"2026-04-16","court":"Sample Court"}})j";
}

// The variants of the sample: what each shows, and the kinds it applies to (none listed: every kind).
struct SampleVariant {
  std::string name, what;
  std::vector<std::string> kinds;
};
const std::vector<SampleVariant>& sampleVariantTable() {
  static const std::vector<SampleVariant> kVariants = {
      {"local_resolution", "a review upheld at local resolution: the independent review is still open", {"vrr_outcome"}},
      {"independent_review", "a review upheld after an independent review: final, judicial review", {"vrr_outcome"}},
      {"overturned_charge", "a decision overturned: the suspect will now be charged", {"vrr_outcome"}},
      {"overturned_reinstated", "a decision overturned: the case starts again", {"vrr_outcome"}},
      {"overturned_apology", "a decision overturned where the case cannot restart: explanation and apology", {"vrr_outcome"}},
      {"bereaved", "a relative bereaved by a homicide (flagged bereaved_relative)", {}},
      {"family_spokesperson", "a family spokesperson writing for a bereaved family", {}},
      {"child-no-guardian", "a victim aged 13 with no parent or guardian recorded: blocked (representative)", {}},
      {"child-with-parent", "a victim aged 11, written to through her mother: the letter speaks to the parent", {}},
      {"teen-rape", "a victim aged 16 on a rape case, through a parent: children's and 16-and-over support lines", {}},
      {"standard", "an adult on an assault case without enhanced rights: the standard tier, no meeting offer", {}},
      {"domestic-abuse", "an adult on a domestic abuse case: the domestic abuse helpline", {}},
      {"interpreter", "the victim needs a Polish interpreter; the officer has attached the Polish translation", {}},
      {"easy_read", "the victim asked for Easy Read; the officer has attached the Easy Read text", {}},
      {"discreet", "the victim asked for discretion: the letterhead names neither the CPS nor the unit", {}},
      {"unsafe-post", "the suspect may share the victim's address: blocked (unsafe_channel), naming the safe channels", {}},
      {"phone-only", "neither post nor email is safe, the phone is (no voicemail): a phone task (--format script prints its call script)", {}},
  };
  return kVariants;
}

}  // namespace

const SupportServices& sampleSupportServices() {
  static const SupportServices kServices = {
      {"everyone", "Example Support (sample)", "Cymorth Enghreifftiol (sampl)", "Free help for anyone affected by crime.",
       "Help am ddim i unrhyw un y mae trosedd wedi effeithio arno.", "01632 960500", "free, every day and night",
       "am ddim, bob dydd a nos", "www.example.org", {}, -1, -1},
      {"sexual_violence", "Example Sexual Violence Line (sample)", "Llinell Trais Rhywiol Enghreifftiol (sampl)",
       "Free help for anyone aged 16 or over affected by sexual violence.",
       "Help am ddim i unrhyw un 16 oed neu hŷn y mae trais rhywiol wedi effeithio arno.", "01632 960501",
       "free, any time", "am ddim, unrhyw bryd", "www.example.org/line", {"rape", "sexual_offence"}, 16, -1},
      {"children", "Example Children's Line (sample)", "Llinell Plant Enghreifftiol (sampl)",
       "Free help for children and young people.", "Help am ddim i blant a phobl ifanc.", "01632 960502", "free, any time",
       "am ddim, unrhyw bryd", "www.example.org/children", {}, -1, 17},
      {"homicide", "National Homicide Service (sample)", "Gwasanaeth Dynladdiad Cenedlaethol (sampl)",
       "Help for families bereaved by murder or manslaughter.",
       "Help i deuluoedd sydd wedi colli rhywun drwy lofruddiaeth neu ddynladdiad.", "01632 960503", "free, any time",
       "am ddim, unrhyw bryd", "www.example.org/homicide", {"homicide"}, -1, -1, true},
  };
  return kServices;
}

const std::map<std::string, std::string>& sampleVariants() {
  static const std::map<std::string, std::string> kAll = [] {
    std::map<std::string, std::string> all;
    for (const auto& v : sampleVariantTable())
      all[v.name] = v.what + (v.kinds.empty() ? "" : " (" + v.kinds.front() + " only)");
    return all;
  }();
  return kAll;
}

std::vector<std::string> sampleVariants(const std::string& kind) {
  std::vector<std::string> out;
  for (const auto& v : sampleVariantTable())
    if (v.kinds.empty() || std::find(v.kinds.begin(), v.kinds.end(), kind) != v.kinds.end()) out.push_back(v.name);
  return out;
}

LetterInputs sampleInputs(const std::string& kind, const std::string& language, const std::string& variant) {
  if (!variant.empty()) {
    const auto known = sampleVariants(kind);
    if (std::find(known.begin(), known.end(), variant) == known.end())
      throw std::invalid_argument("no sample variant '" + variant + "' for " + kind);
  }
  static const VluContact kVlu = {"Victim Liaison Unit, CPS South West (sample)",
                                  "Uned Cyswllt Dioddefwyr, CPS De-orllewin (sampl)",
                                  "01632 960900",
                                  "vlu.sample@example.org",
                                  {"Victim Liaison Unit (sample)", "1 Example Plaza", "Sampleford", "ZZ90 1AA"}};
  LetterInputs in;
  in.letter_id = "l-0";
  in.kind = kind;
  in.victim_id = "v-sample";
  in.case_urn = "52SW0100126";
  in.area = "CPS South West";
  in.victim_enhanced = true;
  in.letter_date = domain::Date(2026, 4, 7);
  in.profile = parse(R"j({"name":{"given":"Sam","family":"Example"},"title":"Mx","preferred_channel":"post",)j"
                     R"j("address":{"lines":["1 Example Street","Sampleford"],"postcode":"ZZ1 1AA"},)j"
                     R"j("email":"sam.example@example.org","needs":{"large_print":false},"language":")j" +
                     language + "\"}");
  in.case_details = parse(
      R"j({"area":"CPS South West","offences":["rape"],"prosecutor":{"name":"Ada Prosecutor","email":"ada.prosecutor@example.org","phone":"01632 960102"},)j"
      R"j("victim_liaison_officer":{"name":"Bea Liaison","email":"bea.liaison@example.org","phone":"01632 960101"}})j");
  in.trigger = parse(sampleTrigger(kind));
  in.timeline = {
      parse(R"j({"id":"sample-e2","type":"charging.decided","occurred_at":"2026-02-10T11:00:00Z","case_urn":"52SW0100126","decision":"charge","charges":["Rape (Sexual Offences Act 2003, s.1) - sample"]})j"),
      parse(R"j({"id":"sample-e3","type":"hearing.listed","occurred_at":"2026-03-20T10:00:00Z","case_urn":"52SW0100126","kind":"trial","date":"2026-06-15","court":"Sampleford Crown Court (sample)"})j"),
      in.trigger,
      parse(R"j({"id":"sample-e9","type":"vrr.decided","occurred_at":"2026-04-20T10:00:00+01:00","case_urn":"52SW0100126","victim_id":"v-sample","outcome":"upheld","reviewer":{"name":"Rhys Reviewer"},"reasons":"I looked at all of the evidence again. I agree with the original decision: there is not enough evidence for a realistic prospect of conviction."})j"),
  };
  in.isva = parse(R"j({"name":"Jo Advocate","organisation":"Example Sexual Violence Support (sample)","email":"jo.advocate@example.org","phone":"01632 960001"})j");
  in.vlu = &kVlu;
  in.fields["reasons_cy"] = "Rydym wedi edrych yn ofalus ar yr holl dystiolaeth. (Cyfieithiad sampl.)";
  in.free_text = "If you would like us to send future letters in large print or another format, please tell us.";
  in.extended_due_by = domain::Date(2026, 6, 3);  // VRR-OUT's 19 May 2026, extended by 10 working days
  in.support = &sampleSupportServices();
  auto parent = [&] {
    in.profile->set("representative",
                    parse(R"j({"relationship":"parent_or_guardian","name":"Rhian Example","address":{"lines":["1 Example Street","Sampleford"],"postcode":"ZZ1 1AA"},"email":"rhian.example@example.org"})j"));
  };
  if (variant == "child-no-guardian" || variant == "child-with-parent" || variant == "teen-rape") {
    in.profile->getObject("name")->set("given", std::string(variant == "teen-rape" ? "Alex" : "Mia"));
    in.profile->remove("title");
    in.profile->set("date_of_birth", std::string(variant == "child-no-guardian" ? "2012-09-01"
                                                 : variant == "teen-rape"        ? "2009-06-10"
                                                                                 : "2014-09-01"));
    in.victim_under_18 = true;
    if (variant != "child-no-guardian") parent();
    // The prosecutor writes the reasons for the parent, about the child.
    const std::string given = variant == "teen-rape" ? "Alex" : "Mia";
    std::string reasons = in.trigger->optValue<std::string>("reasons", "");
    for (auto [from, to] : {std::pair<std::string, std::string>{"your account", given + "'s account"},
                            {"between you and", "between " + given + " and"}})
      if (reasons.find(from) != std::string::npos) reasons.replace(reasons.find(from), from.size(), to);
    if (!reasons.empty()) in.trigger->set("reasons", reasons);
    if (variant != "teen-rape") in.isva = nullptr;
    if (variant == "child-with-parent") in.case_details->set("offences", parse(R"j({"o":["child_abuse"]})j")->get("o"));
  } else if (variant == "standard") {
    in.victim_enhanced = false;
    in.case_details->set("offences", parse(R"j({"o":["other"]})j")->get("o"));
    in.isva = nullptr;
  } else if (variant == "domestic-abuse") {
    in.case_details->set("offences", parse(R"j({"o":["domestic_abuse"]})j")->get("o"));
    in.isva = nullptr;
  }

  // A review's outcome at each stage, and each next step after an overturned decision.
  Object::Ptr decided = in.timeline.back();
  if (variant == "independent_review") decided->set("stage", std::string("independent_review"));
  if (variant == "local_resolution") decided->set("stage", std::string("local_resolution"));
  if (variant.rfind("overturned_", 0) == 0) {
    decided->set("outcome", std::string("overturned"));
    decided->set("stage", std::string("independent_review"));
  }
  if (variant == "overturned_charge") {
    decided->set("next_step", std::string("charge"));
    decided->set("reasons", std::string("I looked at all of the evidence again. The messages and the medical evidence "
                                        "together give a realistic prospect of conviction."));
  }
  if (variant == "overturned_reinstated") {
    decided->set("next_step", std::string("proceedings_reinstated"));
    decided->set("reasons", std::string("I looked at all of the evidence again. The witness's earlier statement can "
                                        "still be used, so the case should not have been stopped."));
  }
  if (variant == "overturned_apology") {
    decided->set("next_step", std::string("explanation_and_apology"));
    in.timeline.insert(in.timeline.end() - 2, parse(R"j({"id":"sample-e4","type":"case.discontinued","occurred_at":"2026-03-16T10:00:00Z","case_urn":"52SW0100126","scope":"no_evidence_offered"})j"));
    decided->set("reasons", std::string("We offered no evidence at court, so the court found the defendant not "
                                        "guilty. The evidence was strong enough, and we should have gone on."));
  }
  // A family bereaved by a homicide: the victim is a bereaved relative, or a family spokesperson writes for them.
  // The bereaved family meeting only ever goes to a bereaved reader, whatever else the variant changes.
  if (variant == "bereaved" || variant == "family_spokesperson" || kind == "bereaved_family_meeting") {
    in.case_details->set("offences", parse(R"j({"o":["homicide"]})j")->getArray("o"));
    in.case_details->set("deceased", parse(R"j({"name":"Alex Example"})j"));
    in.isva = nullptr;  // ISVAs support victims of sexual violence
    if (in.trigger->has("reasons"))
      in.trigger->set("reasons", std::string("We have looked carefully at all of the evidence the police sent us about "
                                             "how Alex Example died.\n\nWe decided that there is not enough evidence "
                                             "to give a realistic prospect of conviction."));
    if (kind == "charges_altered") {
      in.trigger->set("charges", parse(R"j({"c":["Manslaughter - sample"]})j")->getArray("c"));
      in.timeline.front()->set("charges", parse(R"j({"c":["Murder - sample"]})j")->getArray("c"));
    }
    if (variant == "family_spokesperson")
      in.profile->set("representative", parse(R"j({"relationship":"family_spokesperson","name":"Jo Example",)j"
                                              R"j("address":{"lines":["2 Example Street","Sampleford"],"postcode":"ZZ1 1AB"}})j"));
    else
      in.profile->set("flags", parse(R"j({"f":["bereaved_relative"]})j")->getArray("f"));
  }
  in.fields["free_text_cy"] =
      "Os hoffech i ni anfon llythyrau atoch mewn print bras neu mewn ffordd arall, rhowch wybod i ni.";
  if (variant == "interpreter") {
    in.profile->getObject("needs")->set("interpreter", std::string("Polish"));
    in.fields["translation"] =
        "To jest przykładowe tłumaczenie tego listu na język polski. (Próbka.)\n\n"
        "Jeśli mają Państwo pytania, prosimy o kontakt.";
  } else if (variant == "easy_read") {
    in.profile->getObject("needs")->set("easy_read", true);
    in.fields["easy_read_text"] =
        "This letter is from the Crown Prosecution Service. (Sample.)\n\n"
        "We are writing to tell you what has happened in your case.\n\n"
        "The full letter is below.\n\n"
        "You can phone us. The number is at the top of this letter.";
  } else if (variant == "discreet") {
    in.profile->set("contact_safety", parse(R"j({"discreet":true})j"));
  } else if (variant == "unsafe-post") {
    in.profile->set("contact_safety", parse(R"j({"suspect_shares_address":true})j"));
  } else if (variant == "phone-only") {
    in.profile->set("phone", std::string("07700 900999"));
    in.profile->set("contact_safety", parse(R"j({"post":false,"email":false,"voicemail":false})j"));
  }
  return in;
}

rendering::Value letterContextSchema(const domain::WorkingDayCalendar& calendar) {
  LetterInputs in = sampleInputs("", "en");
  in.trigger = parse(sampleTrigger(""));  // a decision carrying reasons, charges and a first hearing
  in.timeline[2] = in.trigger;
  in.fields["previous_charges"] = "Sample earlier charge";
  in.fields["translation"] = "Sample translation.";  // every optional part filled
  in.fields["translation_language"] = "Polish";
  in.fields["easy_read_text"] = "Sample Easy Read text.";
  return buildLetterContext(in, calendar).data;
}

}  // namespace vc::letters
