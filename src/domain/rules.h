#pragma once
// The rule book as data: which event creates which obligation, for whom, by
// when (rules.md section 3). Loaded from config/rules/*.json by the app layer
// and handed to the engine; versions are chosen by the trigger event's date.
// Immutable after construction; safe to share between threads.

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "domain/date.h"
#include "domain/event.h"

namespace vc::domain {

class RuleError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Matches an event by type and, optionally, by scalar field values.
struct EventMatch {
  std::string type;
  std::map<std::string, std::vector<std::string>> where;  // field -> accepted values

  bool matches(const Event& e) const;
};

// The predicates a rule can name in its "conditions" (the engine evaluates them).
// Kept as a closed list so a typo in the rules file is caught at load.
extern const std::vector<std::string> kKnownConditions;

// When an accepted meeting must be held: `working_days` before the most
// recently listed hearing of kind `hearing` (a re-listing moves it), or of the
// earliest listed of several kinds (`hearings`, e.g. a trial or an s28
// hearing); 0 working days means on or before the hearing's own date. With
// after_conviction, only once the defendant stands convicted.
struct HeldBefore {
  std::string hearing;                // trial | sentence | ...: the first of `hearings`
  std::vector<std::string> hearings;  // every kind it counts back from (at least `hearing`)
  int working_days = 1;
  bool after_conviction = false;
};

struct RuleDef {
  std::string id;           // "VCL-NFA"
  std::string title;        // "Decision not to prosecute letter"
  std::string kind;         // letter | meeting | notification | partner | meeting_held
  std::string template_name;
  std::string recipient;    // victim | isva
  std::string owner;        // cps | witness_care_unit
  std::string basis;        // code | service_standard
  std::optional<int> right; // Victims' Code right number, when basis is code
  std::string basis_note;   // where the duty or standard comes from
  std::vector<EventMatch> triggers;  // none for meeting_held: the engine creates those from the meeting
  std::vector<std::string> conditions;
  // kind meeting_held: the meeting (familiarisation_meeting, ...) and its deadline.
  std::string meeting;
  std::optional<HeldBefore> held_before;
  int enhanced_days = 0;
  int standard_days = 0;
  std::vector<EventMatch> completed_by;
  std::vector<EventMatch> cancelled_by;
  // Offers this rule's letter makes itself (e.g. VCL-NFA carries BRV-MEET): an
  // obligation of such a rule created by the same event for the same victim
  // gets no letter of its own and is completed when this one is.
  std::vector<std::string> carries_offer;
  // Events that move the due date of the victim's latest open obligation of this
  // rule by their `working_days` (vrr.extended for VRR-OUT), until an event in
  // extension_closed_by (vrr.decided) says there is nothing left to extend.
  std::vector<EventMatch> extended_by;
  std::vector<EventMatch> extension_closed_by;
};

struct RuleSet {
  std::string policy;  // "victims-code-2020"
  Date effective_from;
  std::vector<RuleDef> rules;  // in evaluation order

  const RuleDef* find(const std::string& rule_id) const;
  // The rule that offers a meeting (kind meeting) and the one its holding is
  // tracked by (kind meeting_held), or nullptr.
  const RuleDef* offerRule(const std::string& meeting) const;
  const RuleDef* heldRule(const std::string& meeting) const;
};

// Several rule sets, each in force from its effective date until the next.
class RuleBook {
 public:
  // Validates every rule (known kind, basis, conditions; non-negative days;
  // at least one trigger, or, for meeting_held, a meeting and its deadline). Throws RuleError naming the policy and rule.
  explicit RuleBook(std::vector<RuleSet> sets);

  // The set in force on `date`; throws RuleError if none is.
  const RuleSet& inForceOn(const Date& date) const;
  const std::vector<RuleSet>& sets() const { return sets_; }

 private:
  std::vector<RuleSet> sets_;  // sorted by effective_from
};

}  // namespace vc::domain
