#pragma once
// A journey event as the domain core sees it: the facts the rules read.
// Personal details that no rule reads (names, addresses) stay in the stored
// JSON and never enter the core. Plain value type.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "domain/date.h"

namespace vc::domain {

struct Event {
  std::string id;
  std::string type;      // "charging.decided", ...
  std::string case_urn;  // empty only for isva.registered
  std::string victim_id; // empty for case-level events
  UnixSeconds occurred_at = 0;
  std::string occurred_at_text;  // as sent, for explanations
  Date local_date;               // Europe/London date of occurred_at

  // Scalar fields the rules match on, as text ("decision" -> "no_further_action",
  // "substantial" -> "true").
  std::map<std::string, std::string> attrs;

  // case.registered
  std::string area;
  std::string unit;
  std::vector<std::string> offences;
  std::optional<Date> offence_date;

  // victim.registered / victim.updated (an update sets only what it carries)
  std::optional<Date> date_of_birth;
  std::optional<std::vector<std::string>> flags;
  std::vector<std::string> opt_out;
  std::vector<std::string> opt_in;
  // The representative's relationship when the event carries one
  // ("parent_or_guardian" | "family_spokesperson").
  std::optional<std::string> representative;

  // isva.registered / isva.assigned / isva.consent_changed
  std::string isva_id;
  std::optional<bool> consent_to_share;

  // hearing.listed
  std::optional<Date> hearing_date;

  // vrr.extended: how many working days the review's due date moves, and why.
  std::optional<int> working_days;
  std::string reasons;

  std::string attr(const std::string& key) const {
    auto it = attrs.find(key);
    return it == attrs.end() ? std::string() : it->second;
  }
};

}  // namespace vc::domain
