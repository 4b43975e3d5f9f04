#pragma once
// Who is entitled to Enhanced Rights under the Victims' Code 2020
// (rules.md section 2): a pure function of the case's offences and the
// victim's facts on a given date. Every reason that applies is kept.

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "domain/date.h"

namespace vc::domain {

struct EnhancedReason {
  std::string category;  // most_serious_crime | persistently_targeted | vulnerable | intimidated
  std::string code;      // e.g. "sexual_offence", "under_18", "sexual_offence_complainant"
  std::string detail;    // plain English, for the VLU officer

  friend bool operator==(const EnhancedReason& a, const EnhancedReason& b) {
    return a.category == b.category && a.code == b.code && a.detail == b.detail;
  }
};

struct Entitlement {
  bool enhanced = false;
  std::vector<EnhancedReason> reasons;

  friend bool operator==(const Entitlement& a, const Entitlement& b) {
    return a.enhanced == b.enhanced && a.reasons == b.reasons;
  }
  friend bool operator!=(const Entitlement& a, const Entitlement& b) { return !(a == b); }
  std::string summary() const;  // "enhanced: most serious crime (rape); ..." or "standard: no enhanced reason"
};

struct EntitlementFacts {
  std::vector<std::string> offences;  // case offence categories
  std::optional<Date> offence_date;
  Date case_registered_date;          // used for the age test when there is no offence date
  std::optional<Date> date_of_birth;
  std::set<std::string> flags;
  bool family_spokesperson = false;   // a family spokesperson speaks for the victim (a bereaved family)
};

Entitlement evaluateEntitlement(const EntitlementFacts& facts);

// Offence categories that make a victim one of the most serious crime.
bool isMostSeriousCrimeOffence(const std::string& offence);
bool isRassoOffence(const std::string& offence);

}  // namespace vc::domain
