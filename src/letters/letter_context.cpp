#include "letters/letter_context.h"

#include <algorithm>

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

const std::vector<std::string>& editableFields() {
  static const std::vector<std::string> kFields = {"reasons",     "reasons_cy",           "free_text_cy",
                                                   "translation", "translation_language", "easy_read_text"};
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

LetterContext buildLetterContext(const LetterInputs& in, const domain::WorkingDayCalendar& calendar) {
  LetterContext ctx;
  Value& d = ctx.data;
  const Object::Ptr& profile = in.profile;
  // The victim's stated language; unstated, bilingual in a Welsh Area (letters.welsh_areas).
  const std::string stated_language = str(profile, "language");
  ctx.language = stated_language == "cy" || (stated_language.empty() && in.welsh_area) ? "cy" : "en";
  ctx.channel = str(profile, "preferred_channel") == "email" ? "email" : "post";
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
  d.set("letter", letter);

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
  d.set("case", kase);

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
  d.set("vlu", vlu);
  if (!in.vlu)
    block("vlu_contact", "the Victim Liaison Unit's contact details for " + in.area + " (add them to letters.contacts_file)");

  // Signed by the prosecutor who made the decision, else the Victim Liaison Officer, else the unit.
  Value signatory;
  if (!str(prosecutor, "name").empty()) {
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
  const Object::Ptr& t = in.trigger;
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
  const Object::Ptr vrr_decided = latest(in.timeline, "vrr.decided", str(t, "id"), in.victim_id);
  if (in.kind == "vrr_outcome")
    reasons = edited != in.fields.end() && !edited->second.empty() ? edited->second : str(vrr_decided, "reasons");
  decision.set("reasons", Value::textList(paragraphs(reasons)));
  auto edited_cy = in.fields.find("reasons_cy");
  decision.set("reasons_cy", Value::textList(paragraphs(edited_cy != in.fields.end() ? edited_cy->second : "")));
  const std::vector<std::string> charges = strings(t, "charges");
  decision.set("charges", Value::textList(charges));
  decision.set("has_charges", !charges.empty());
  decision.set("first_hearing", hearingList(obj(t, "first_hearing")));
  decision.set("scope_all", type == "case.discontinued" && scope == "all");
  decision.set("scope_partial", type == "case.discontinued" && scope == "partial");
  decision.set("no_evidence_offered", type == "case.discontinued" && scope == "no_evidence_offered");
  d.set("decision", decision);
  static const std::vector<std::string> kNeedReasons = {"decision_not_to_prosecute", "discontinuance",
                                                         "charges_altered", "vrr_outcome"};
  if (std::find(kNeedReasons.begin(), kNeedReasons.end(), in.kind) != kNeedReasons.end() && paragraphs(reasons).empty())
    block("reasons", in.kind == "vrr_outcome"
                         ? "the reviewing prosecutor's reasons, in plain English (send vrr.decided with reasons, or edit "
                           "the letter's reasons)"
                         : "the prosecutor's reasons for the decision, in plain English (edit the letter's reasons)");
  if (in.kind == "rasso_charge" && charges.empty())
    block("charges", "the charges (charging.decided did not list them)");

  // Meetings: the offer in a specified case, the trial it prepares for.
  Value meeting;
  meeting.set("offered", domain::isSpecifiedCase(offences, in.victim_under_18));
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
    Value o;
    o.set("upheld", str(vrr_decided, "outcome") == "upheld");
    o.set("overturned", str(vrr_decided, "outcome") == "overturned");
    o.set("date", dateValue(domain::londonDate(*domain::parseRfc3339(str(vrr_decided, "occurred_at")))));
    outcome.push(o);
  }
  vrr.set("outcome", outcome);
  d.set("vrr", vrr);
  if (in.kind == "vrr_outcome" && !vrr_decided)
    block("vrr_outcome", "the outcome of the review (send vrr.decided when the review is finished)");

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
       R"j({"id":"sample-e5","type":"charging.decided","occurred_at":"2026-04-02T15:20:00+01:00","case_urn":"52SW0100126","decision":"no_further_action","reasons":"We have looked carefully at all of the evidence the police sent us, including your account, the medical evidence and the messages between you and the suspect.\n\nThe law says we can only charge someone if there is enough evidence for a court to be more likely than not to convict. The messages do not show what happened that night, and nobody else saw it. We decided that there is not enough evidence to give a realistic prospect of conviction. "})j"},
      {"discontinuance",
       R"j({"id":"sample-e5","type":"case.discontinued","occurred_at":"2026-04-02T15:20:00+01:00","case_urn":"52SW0100126","scope":"all","reasons":"A witness whose evidence was important to the case has said they will no longer give evidence, and without it there is no longer a realistic prospect of conviction."})j"},
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
  };
  auto it = kTriggers.find(kind);
  // Any other kind (a new rule's template): a decision with everything in it.
  return it != kTriggers.end()
             ? it->second
             : R"j({"id":"sample-e5","type":"charging.decided","occurred_at":"2026-04-02T15:20:00+01:00","case_urn":"52SW0100126","decision":"no_further_action","reasons":"Sample reasons.","charges":["Sample charge"],"first_hearing":{"date":"2026-04-16","court":"Sample Court"}})j";
}

}  // namespace

const std::map<std::string, std::string>& sampleVariants() {
  static const std::map<std::string, std::string> kVariants = {
      {"interpreter", "the victim needs a Polish interpreter; the officer has attached the Polish translation"},
      {"easy_read", "the victim asked for Easy Read; the officer has attached the Easy Read text"},
  };
  return kVariants;
}

LetterInputs sampleInputs(const std::string& kind, const std::string& language, const std::string& variant) {
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
      parse(R"j({"id":"sample-e3","type":"hearing.listed","occurred_at":"2026-03-20T10:00:00Z","case_urn":"52SW0100126","kind":"trial","date":"2026-06-15","court":"Sampleford Crown Court (sample)"})j"),
      in.trigger,
      parse(R"j({"id":"sample-e9","type":"vrr.decided","occurred_at":"2026-04-20T10:00:00+01:00","case_urn":"52SW0100126","victim_id":"v-sample","outcome":"upheld","reasons":"A prosecutor who had not worked on the case looked at all of the evidence again. They agreed with the original decision: there is not enough evidence for a realistic prospect of conviction."})j"),
  };
  in.isva = parse(R"j({"name":"Jo Advocate","organisation":"Example Sexual Violence Support (sample)","email":"jo.advocate@example.org","phone":"01632 960001"})j");
  in.vlu = &kVlu;
  in.fields["reasons_cy"] = "Rydym wedi edrych yn ofalus ar yr holl dystiolaeth. (Cyfieithiad sampl.)";
  in.free_text = "If you would like us to send future letters in large print or another format, please tell us.";
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
  }
  return in;
}

rendering::Value letterContextSchema(const domain::WorkingDayCalendar& calendar) {
  LetterInputs in = sampleInputs("", "en");
  in.trigger = parse(sampleTrigger(""));  // a decision carrying reasons, charges and a first hearing
  in.timeline[1] = in.trigger;
  in.fields["translation"] = "Sample translation.";  // every optional part filled
  in.fields["translation_language"] = "Polish";
  in.fields["easy_read_text"] = "Sample Easy Read text.";
  return buildLetterContext(in, calendar).data;
}

}  // namespace vc::letters
