#include "domain/rules.h"

#include <algorithm>
#include <set>

namespace vc::domain {

const std::vector<std::string> kKnownConditions = {
    "rasso_case",                 // the case has rape or sexual_offence
    "adult_on_trigger_date",      // aged 18 or over on the trigger date (no date of birth: taken as adult)
    "vulnerable_or_intimidated",  // an enhanced reason in either category
    "bereaved_relative",          // flagged bereaved_relative, or represented by a family spokesperson
    "isva_with_consent",          // an ISVA is assigned and consent to share stands
    "leave_granted",              // appeal.lodged with leave_granted true
    "extension_applied",          // the triggering event moved an obligation's due date (vrr.extended)
};
// Also: "not_created:RULE" (RULE not created for the victim by this same event; RULE listed
// earlier) and "not_created_in_case:RULE" (no RULE obligation for the victim earlier in the
// case, other than a cancelled one: once per victim per case).

bool EventMatch::matches(const Event& e) const {
  if (e.type != type) return false;
  for (const auto& [field, values] : where) {
    const std::string v = e.attr(field);
    if (std::find(values.begin(), values.end(), v) == values.end()) return false;
  }
  return true;
}

const RuleDef* RuleSet::find(const std::string& rule_id) const {
  for (const auto& r : rules)
    if (r.id == rule_id) return &r;
  return nullptr;
}

const RuleDef* RuleSet::offerRule(const std::string& meeting) const {
  for (const auto& r : rules)
    if (r.kind == "meeting" && r.template_name == meeting) return &r;
  return nullptr;
}

const RuleDef* RuleSet::heldRule(const std::string& meeting) const {
  for (const auto& r : rules)
    if (r.kind == "meeting_held" && r.meeting == meeting) return &r;
  return nullptr;
}

RuleBook::RuleBook(std::vector<RuleSet> sets) : sets_(std::move(sets)) {
  if (sets_.empty()) throw RuleError("no rule sets loaded");
  static const std::set<std::string> kKinds = {"letter", "meeting", "notification", "partner",
                                                  "meeting_held"};
  static const std::set<std::string> kBases = {"code", "service_standard"};
  for (const auto& set : sets_) {
    std::set<std::string> ids;
    for (const auto& r : set.rules) {
      const std::string where = "policy " + set.policy + ", rule " + r.id + ": ";
      if (r.id.empty()) throw RuleError("policy " + set.policy + ": a rule has no id");
      if (!ids.insert(r.id).second) throw RuleError(where + "id used twice");
      if (!kKinds.count(r.kind)) throw RuleError(where + "unknown kind '" + r.kind + "'");
      if (!kBases.count(r.basis)) throw RuleError(where + "unknown basis '" + r.basis + "'");
      if (r.kind == "meeting_held") {
        if (!r.triggers.empty()) throw RuleError(where + "a meeting_held rule has no triggers (its meeting creates it)");
        if (r.meeting.empty() || !r.held_before) throw RuleError(where + "a meeting_held rule needs 'meeting' and 'held_before'");
        if (r.held_before->hearings.empty() || r.held_before->hearing.empty() || r.held_before->working_days < 0)
          throw RuleError(where + "held_before needs a hearing kind and 0 or more working days");
      } else if (r.triggers.empty()) {
        throw RuleError(where + "no triggers");
      }
      if (r.enhanced_days < 0 || r.standard_days < 0) throw RuleError(where + "negative working days");
      for (const auto& c : r.conditions) {
        bool known = std::find(kKnownConditions.begin(), kKnownConditions.end(), c) != kKnownConditions.end();
        bool not_created = c.rfind("not_created:", 0) == 0;
        bool not_in_case = c.rfind("not_created_in_case:", 0) == 0;
        if (!known && !not_created && !not_in_case) throw RuleError(where + "unknown condition '" + c + "'");
        if (not_created && !ids.count(c.substr(12)))
          throw RuleError(where + "condition '" + c + "' must name a rule listed before it");
        if (not_in_case && !set.find(c.substr(20)))
          throw RuleError(where + "condition '" + c + "' names no rule in the set");
      }
      for (const auto& offer : r.carries_offer) {
        const RuleDef* carried = set.find(offer);
        if (!carried || carried->kind != "meeting")
          throw RuleError(where + "carries_offer '" + offer + "' must name a meeting rule in the set");
      }
      if (!r.extension_closed_by.empty() && r.extended_by.empty())
        throw RuleError(where + "extension_closed_by needs extended_by");
    }
  }
  std::sort(sets_.begin(), sets_.end(),
            [](const RuleSet& a, const RuleSet& b) { return a.effective_from < b.effective_from; });
}

const RuleSet& RuleBook::inForceOn(const Date& date) const {
  const RuleSet* found = nullptr;
  for (const auto& s : sets_)
    if (s.effective_from <= date) found = &s;
  if (!found)
    throw RuleError("no rule set is in force on " + date.toString() + " (the earliest, " + sets_.front().policy +
                    ", is effective from " + sets_.front().effective_from.toString() + ")");
  return *found;
}

}  // namespace vc::domain
