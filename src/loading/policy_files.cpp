#include "loading/policy_files.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

namespace vc::loading {

using Poco::JSON::Array;
using Poco::JSON::Object;

namespace {

Object::Ptr readJsonObject(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot be read");
  std::stringstream ss;
  ss << in.rdbuf();
  try {
    Poco::JSON::Parser parser;
    Poco::Dynamic::Var v = parser.parse(ss.str());
    if (v.type() != typeid(Object::Ptr)) throw std::runtime_error("the top level must be an object");
    return v.extract<Object::Ptr>();
  } catch (const Poco::Exception& e) {
    throw std::runtime_error(path + ": not valid JSON: " + e.displayText());
  }
}

std::string str(const Object::Ptr& o, const std::string& key, const std::string& where, bool required = true) {
  if (!o->has(key) || o->isNull(key)) {
    if (required) throw std::runtime_error(where + ": '" + key + "' is required");
    return {};
  }
  return o->getValue<std::string>(key);
}

domain::Date date(const Object::Ptr& o, const std::string& key, const std::string& where) {
  auto d = domain::Date::parse(str(o, key, where));
  if (!d) throw std::runtime_error(where + ": '" + key + "' is not a YYYY-MM-DD date");
  return *d;
}

std::vector<domain::EventMatch> matches(const Object::Ptr& rule, const std::string& key, const std::string& where) {
  std::vector<domain::EventMatch> out;
  if (!rule->has(key)) return out;
  Array::Ptr arr = rule->getArray(key);
  if (!arr) throw std::runtime_error(where + ": '" + key + "' must be an array");
  for (size_t i = 0; i < arr->size(); ++i) {
    Object::Ptr m = arr->getObject(static_cast<unsigned>(i));
    const std::string at = where + "." + key + "[" + std::to_string(i) + "]";
    if (!m) throw std::runtime_error(at + ": must be an object");
    domain::EventMatch em;
    em.type = str(m, "type", at);
    if (m->has("where")) {
      Object::Ptr w = m->getObject("where");
      for (const auto& [field, values] : *w) {
        Array::Ptr vals = values.extract<Array::Ptr>();
        for (size_t j = 0; j < vals->size(); ++j) em.where[field].push_back(vals->getElement<std::string>(static_cast<unsigned>(j)));
      }
    }
    out.push_back(std::move(em));
  }
  return out;
}

}  // namespace

domain::WorkingDayCalendar loadCalendar(const std::string& path) {
  Object::Ptr root = readJsonObject(path);
  Array::Ptr events = root->getArray("events");
  if (!events) throw std::runtime_error(path + ": 'events' (the list of bank holidays) is required");
  std::vector<domain::Holiday> holidays;
  for (size_t i = 0; i < events->size(); ++i) {
    const std::string where = path + ": events[" + std::to_string(i) + "]";
    Object::Ptr h = events->getObject(static_cast<unsigned>(i));
    if (!h) throw std::runtime_error(where + ": must be an object");
    holidays.push_back({date(h, "date", where), str(h, "title", where)});
  }
  const std::string division = root->has("division") ? root->getValue<std::string>("division") : path;
  try {
    return domain::WorkingDayCalendar(division, std::move(holidays));
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(path + ": " + e.what());
  }
}

domain::RuleSet loadRuleSet(const std::string& path) {
  Object::Ptr root = readJsonObject(path);
  domain::RuleSet set;
  set.policy = str(root, "policy", path);
  set.effective_from = date(root, "effective_from", path);
  Array::Ptr rules = root->getArray("rules");
  if (!rules) throw std::runtime_error(path + ": 'rules' must be an array");
  for (size_t i = 0; i < rules->size(); ++i) {
    Object::Ptr r = rules->getObject(static_cast<unsigned>(i));
    std::string where = path + ": rules[" + std::to_string(i) + "]";
    if (!r) throw std::runtime_error(where + ": must be an object");
    domain::RuleDef d;
    d.id = str(r, "id", where);
    where += " (" + d.id + ")";
    d.title = str(r, "title", where);
    d.kind = str(r, "kind", where);
    d.template_name = str(r, "template", where, false);
    d.recipient = str(r, "recipient", where);
    d.owner = str(r, "owner", where);
    d.basis = str(r, "basis", where);
    if (r->has("right") && !r->isNull("right")) d.right = r->getValue<int>("right");
    d.basis_note = str(r, "basis_note", where, false);
    d.triggers = matches(r, "triggers", where);
    d.completed_by = matches(r, "completed_by", where);
    d.cancelled_by = matches(r, "cancelled_by", where);
    d.extended_by = matches(r, "extended_by", where);
    d.extension_closed_by = matches(r, "extension_closed_by", where);
    if (r->has("carries_offer")) {
      Array::Ptr c = r->getArray("carries_offer");
      if (!c) throw std::runtime_error(where + ": 'carries_offer' must be an array of rule ids");
      for (size_t j = 0; j < c->size(); ++j) d.carries_offer.push_back(c->getElement<std::string>(static_cast<unsigned>(j)));
    }
    if (r->has("conditions")) {
      Array::Ptr c = r->getArray("conditions");
      for (size_t j = 0; j < c->size(); ++j) d.conditions.push_back(c->getElement<std::string>(static_cast<unsigned>(j)));
    }
    d.meeting = str(r, "meeting", where, false);
    if (Object::Ptr held = r->getObject("held_before")) {
      domain::HeldBefore h;
      if (held->has("hearings")) {
        Array::Ptr kinds = held->getArray("hearings");
        if (!kinds) throw std::runtime_error(where + ".held_before: 'hearings' must be an array");
        for (size_t j = 0; j < kinds->size(); ++j) h.hearings.push_back(kinds->getElement<std::string>(static_cast<unsigned>(j)));
        if (!h.hearings.empty()) h.hearing = h.hearings.front();
      } else {
        h.hearing = str(held, "hearing", where + ".held_before");
        h.hearings = {h.hearing};
      }
      if (held->has("working_days")) h.working_days = held->getValue<int>("working_days");
      h.after_conviction = held->has("after_conviction") && held->getValue<bool>("after_conviction");
      d.held_before = h;
    }
    Object::Ptr days = r->getObject("days");
    if (d.kind == "meeting_held" && !days) {
      set.rules.push_back(std::move(d));  // its deadline is held_before, not a count from a trigger
      continue;
    }
    if (!days || !days->has("enhanced") || !days->has("standard"))
      throw std::runtime_error(where + ": 'days' needs 'enhanced' and 'standard' working-day counts");
    d.enhanced_days = days->getValue<int>("enhanced");
    d.standard_days = days->getValue<int>("standard");
    set.rules.push_back(std::move(d));
  }
  return set;
}

domain::RuleBook loadRuleBook(const std::vector<std::string>& paths) {
  std::vector<domain::RuleSet> sets;
  for (const auto& p : paths) sets.push_back(loadRuleSet(p));
  try {
    return domain::RuleBook(std::move(sets));
  } catch (const domain::RuleError& e) {
    throw std::runtime_error(std::string("rules: ") + e.what());
  }
}

letters::VluContacts loadVluContacts(const std::string& path) {
  Object::Ptr root = readJsonObject(path);
  Object::Ptr areas = root->getObject("areas");
  if (!areas) throw std::runtime_error(path + ": 'areas' (an object keyed by CPS Area) is required");
  letters::VluContacts out;
  for (const auto& [area, value] : *areas) {
    const std::string where = path + ": areas[\"" + area + "\"]";
    if (value.type() != typeid(Object::Ptr)) throw std::runtime_error(where + ": must be an object");
    Object::Ptr o = value.extract<Object::Ptr>();
    letters::VluContact c;
    c.name = str(o, "name", where);
    c.name_cy = str(o, "name_cy", where, false);
    c.phone = str(o, "phone", where);
    c.email = str(o, "email", where);
    Array::Ptr address = o->getArray("address");
    if (!address || address->size() == 0) throw std::runtime_error(where + ": 'address' must be a non-empty array of lines");
    for (size_t i = 0; i < address->size(); ++i) c.address.push_back(address->getElement<std::string>(static_cast<unsigned>(i)));
    for (const std::string* f : {&c.name, &c.phone, &c.email})
      if (f->empty()) throw std::runtime_error(where + ": name, phone and email must not be empty");
    out[area] = std::move(c);
  }
  return out;
}

letters::SupportServices loadSupportServices(const std::string& path) {
  // The offence categories of events.md, so that a misspelt one is not silently never shown.
  static const std::vector<std::string> kOffences = {
      "rape",     "sexual_offence",   "domestic_abuse", "stalking",           "harassment",          "hate_crime",
      "terrorism", "modern_slavery",  "homicide",       "attempted_murder",   "kidnap",              "false_imprisonment",
      "arson_endanger_life", "gbh_with_intent", "child_abuse", "other"};
  Object::Ptr root = readJsonObject(path);
  Array::Ptr services = root->getArray("services");
  if (!services) throw std::runtime_error(path + ": 'services' (an array of support services) is required");
  if (services->size() == 0)
    throw std::runtime_error(path + ": 'services' must list at least one service (every letter points to one)");
  letters::SupportServices out;
  std::set<std::string> ids;
  for (size_t i = 0; i < services->size(); ++i) {
    std::string where = path + ": services[" + std::to_string(i) + "]";
    Object::Ptr o = services->getObject(static_cast<unsigned>(i));
    if (!o) throw std::runtime_error(where + ": must be an object");
    letters::SupportService s;
    s.id = str(o, "id", where);
    where += " (" + s.id + ")";
    if (!ids.insert(s.id).second) throw std::runtime_error(where + ": the id is used twice");
    s.name = str(o, "name", where);
    s.name_cy = str(o, "name_cy", where, false);
    s.about_en = str(o, "about_en", where);
    s.about_cy = str(o, "about_cy", where);
    s.phone = str(o, "phone", where, false);
    s.hours_en = str(o, "hours_en", where, false);
    s.hours_cy = str(o, "hours_cy", where, false);
    s.web = str(o, "web", where, false);
    for (const std::string* f : {&s.name, &s.about_en, &s.about_cy})
      if (f->empty()) throw std::runtime_error(where + ": name, about_en and about_cy must not be empty");
    if (s.phone.empty() && s.web.empty()) throw std::runtime_error(where + ": needs a phone number or a web address");
    if (o->has("offences")) {
      Array::Ptr offences = o->getArray("offences");
      if (!offences || offences->size() == 0)
        throw std::runtime_error(where + ": 'offences' must be a non-empty array of offence categories (leave it out "
                                         "for every case)");
      for (size_t j = 0; j < offences->size(); ++j) {
        const std::string offence = offences->getElement<std::string>(static_cast<unsigned>(j));
        if (std::find(kOffences.begin(), kOffences.end(), offence) == kOffences.end())
          throw std::runtime_error(where + ": '" + offence + "' is not an offence category of events.md");
        s.offences.push_back(offence);
      }
    }
    for (auto [key, field] : {std::pair<const char*, int*>{"min_age", &s.min_age}, {"max_age", &s.max_age}}) {
      if (!o->has(key)) continue;
      const Poco::Dynamic::Var v = o->get(key);
      if (!v.isInteger() || v.convert<int>() < 0 || v.convert<int>() > 150)
        throw std::runtime_error(where + ": '" + key + "' must be a whole number of years (0 to 150)");
      *field = v.convert<int>();
    }
    if (o->has("bereaved_only")) {
      const Poco::Dynamic::Var v = o->get("bereaved_only");
      if (!v.isBoolean()) throw std::runtime_error(where + ": 'bereaved_only' must be true or false");
      s.bereaved_only = v.convert<bool>();
    }
    if (s.min_age >= 0 && s.max_age >= 0 && s.min_age > s.max_age)
      throw std::runtime_error(where + ": min_age is above max_age, so no one would see it");
    out.push_back(std::move(s));
  }
  return out;
}

domain::PlainEnglishRules loadPlainEnglish(const std::string& path) {
  const Object::Ptr root = readJsonObject(path);
  domain::PlainEnglishRules rules;
  if (root->has("max_sentence_words")) {
    const Poco::Dynamic::Var v = root->get("max_sentence_words");
    if (!v.isInteger() || v.convert<int>() < 5 || v.convert<int>() > 100)
      throw std::runtime_error(path + ": 'max_sentence_words' must be a whole number from 5 to 100");
    rules.max_sentence_words = v.convert<int>();
  }
  Array::Ptr terms = root->getArray("terms");
  if (!terms) throw std::runtime_error(path + ": 'terms' must be an array of {term, suggestion}");
  for (size_t i = 0; i < terms->size(); ++i) {
    const std::string where = path + ": terms[" + std::to_string(i) + "]";
    Object::Ptr t = terms->getObject(static_cast<unsigned>(i));
    if (!t) throw std::runtime_error(where + ": must be an object");
    domain::PlainTerm term{str(t, "term", where), str(t, "suggestion", where)};
    if (term.term.find_first_not_of(" \t") == std::string::npos || term.suggestion.empty())
      throw std::runtime_error(where + ": term and suggestion must not be empty");
    rules.terms.push_back(std::move(term));
  }
  return rules;
}

}  // namespace vc::loading
