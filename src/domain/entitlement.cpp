#include "domain/entitlement.h"

#include <algorithm>
#include <map>

namespace vc::domain {
namespace {

const std::map<std::string, std::string>& mostSeriousOffences() {
  static const std::map<std::string, std::string> kOffences = {
      {"domestic_abuse", "domestic abuse"},
      {"hate_crime", "hate crime"},
      {"terrorism", "terrorism"},
      {"rape", "rape (a sexual offence)"},
      {"sexual_offence", "a sexual offence"},
      {"modern_slavery", "human trafficking or modern slavery"},
      {"attempted_murder", "attempted murder"},
      {"kidnap", "kidnap"},
      {"false_imprisonment", "false imprisonment"},
      {"arson_endanger_life", "arson with intent to endanger life"},
      {"gbh_with_intent", "wounding or GBH with intent (s.18)"},
  };
  return kOffences;
}

bool has(const std::vector<std::string>& v, const std::string& x) { return std::find(v.begin(), v.end(), x) != v.end(); }

}  // namespace

bool isMostSeriousCrimeOffence(const std::string& offence) { return mostSeriousOffences().count(offence) > 0; }
bool isRassoOffence(const std::string& offence) { return offence == "rape" || offence == "sexual_offence"; }

Entitlement evaluateEntitlement(const EntitlementFacts& f) {
  Entitlement e;
  auto add = [&](std::string category, std::string code, std::string detail) {
    e.reasons.push_back({std::move(category), std::move(code), std::move(detail)});
  };

  for (const auto& offence : f.offences) {
    auto it = mostSeriousOffences().find(offence);
    if (it != mostSeriousOffences().end())
      add("most_serious_crime", offence, "victim of the most serious crime: " + it->second);
  }
  // Bereaved as the meeting rules read it (the flag, or a family spokesperson), not every victim on a
  // homicide case: someone harmed in the attack that killed another is a victim of the most serious
  // crime in their own right (the contract records only the case's offence categories).
  const bool bereaved = f.flags.count("bereaved_relative") || f.family_spokesperson;
  if (bereaved)
    add("most_serious_crime", "bereaved_close_relative", "close relative bereaved by criminal conduct");
  else if (has(f.offences, "homicide"))
    add("most_serious_crime", "homicide", "victim of the most serious crime: harmed in a homicide case, not bereaved");
  if (f.flags.count("persistently_targeted"))
    add("persistently_targeted", "persistently_targeted", "persistently targeted");

  if (f.date_of_birth) {
    const Date on = f.offence_date ? *f.offence_date : f.case_registered_date;
    const int age = ageOn(*f.date_of_birth, on);
    if (age < 18)
      add("vulnerable", "under_18",
          "under 18 (aged " + std::to_string(age) + ") on " + on.toString() +
              (f.offence_date ? " (the offence date)" : " (the date the case was registered; no offence date)"));
  }
  if (f.flags.count("mental_disorder")) add("vulnerable", "mental_disorder", "has a mental disorder");
  if (f.flags.count("learning_disability"))
    add("vulnerable", "learning_disability", "significant impairment of intelligence and social functioning");
  if (f.flags.count("physical_disability"))
    add("vulnerable", "physical_disability", "has a physical disability or disorder");

  if (f.flags.count("intimidated")) add("intimidated", "intimidated", "in fear or distress about testifying");
  if (has(f.offences, "rape") || has(f.offences, "sexual_offence"))
    add("intimidated", "sexual_offence_complainant", "complainant of a sexual offence (intimidated automatically)");
  if (has(f.offences, "modern_slavery"))
    add("intimidated", "modern_slavery_complainant",
        "complainant of human trafficking or modern slavery (intimidated automatically)");

  e.enhanced = !e.reasons.empty();
  return e;
}

std::string Entitlement::summary() const {
  if (!enhanced) return "standard: no enhanced-rights reason applies";
  std::string s = "enhanced: ";
  for (size_t i = 0; i < reasons.size(); ++i) s += (i ? "; " : "") + reasons[i].detail;
  return s;
}

}  // namespace vc::domain
