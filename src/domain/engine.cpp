#include "domain/engine.h"

#include <algorithm>

namespace vc::domain {
namespace {

bool contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

std::string plural(int n, const std::string& word) { return std::to_string(n) + " " + word + (n == 1 ? "" : "s"); }

std::string ordinal(int n) {
  const int tens = n % 100;
  const char* suffix = (tens >= 11 && tens <= 13) ? "th" : n % 10 == 1 ? "st" : n % 10 == 2 ? "nd" : n % 10 == 3 ? "rd" : "th";
  return std::to_string(n) + suffix;
}

// What every explanation starts from: the rule, its policy, the trigger and the victim's tier.
DeadlineExplanation explanationOf(const RuleSet& set, const RuleDef& rule, const Event& trigger,
                                  const Entitlement& entitlement) {
  DeadlineExplanation x;
  x.rule = rule.id;
  x.policy = set.policy;
  x.policy_effective_from = set.effective_from;
  x.trigger_event = trigger.id;
  x.trigger_type = trigger.type;
  x.occurred_at = trigger.occurred_at_text;
  x.trigger_date = trigger.local_date;
  x.zone = isBritishSummerTime(trigger.occurred_at) ? "BST (UTC+01:00)" : "GMT (UTC+00:00)";
  x.tier = entitlement.enhanced ? "enhanced" : "standard";
  x.tier_reasons = entitlement.reasons;
  return x;
}

// The end of every explanation: the days passed over, and where the rule comes from.
std::string skippedAndSource(const WorkingDayCount& count, const RuleDef& rule, const RuleSet& set) {
  std::string text;
  if (count.skipped.empty()) {
    text += "No days were skipped. ";
  } else {
    text += "Skipped: ";
    for (size_t i = 0; i < count.skipped.size(); ++i) {
      const auto& s = count.skipped[i];
      text += (i ? ", " : "") + s.date.longString();
      if (s.why != s.date.weekdayName()) text += " (" + s.why + ")";
    }
    text += ". ";
  }
  if (count.projected)
    text += "Some of these days are in a year the published bank holiday list does not cover yet: its bank holidays "
            "were worked out from the standing rules. ";
  return text + "Rule " + rule.id + ", policy " + set.policy + " effective from " + set.effective_from.toString() + ".";
}

// Whether any rule extends an obligation on, or closes extensions at, events of this type.
bool ruleExtendsOn(const RuleBook& book, const std::string& type) {
  for (const auto& set : book.sets())
    for (const auto& r : set.rules)
      for (const auto* list : {&r.extended_by, &r.extension_closed_by})
        for (const auto& m : *list)
          if (m.type == type) return true;
  return false;
}

bool ruleTriggersOn(const RuleBook& book, const std::string& type) {
  for (const auto& set : book.sets())
    for (const auto& r : set.rules)
      for (const auto& t : r.triggers)
        if (t.type == type) return true;
  return false;
}

// Everything the replay knows while it walks the events.
struct Replay {
  CaseDerivation out;
  std::map<std::string, size_t> victim_index;             // victim id -> index in out.victims
  std::map<std::string, Event> triggers;                  // trigger events, for recomputation
  std::map<std::string, std::map<std::string, std::string>> opt_out_events;  // victim -> key -> event id
  std::map<std::string, std::string> extended;            // extending event id -> the obligation it extended
  std::set<std::string> extension_closed;                 // obligations no longer open to extension
  std::map<std::string, std::string> letter_sent;         // letter id -> its latest letter.sent event

  VictimFacts* victim(const std::string& id) {
    auto it = victim_index.find(id);
    return it == victim_index.end() ? nullptr : &out.victims[it->second];
  }
};

EntitlementFacts factsFor(const CaseFacts& c, const VictimFacts& v) {
  EntitlementFacts f;
  f.offences = c.offences;
  f.offence_date = c.offence_date;
  f.case_registered_date = c.registered_date;
  f.date_of_birth = v.date_of_birth;
  f.flags = v.flags;
  f.family_spokesperson = v.representative == "family_spokesperson";
  return f;
}

bool conditionHolds(const std::string& condition, const Replay& r, const VictimFacts& v, const Event& e,
                    const std::vector<std::string>& created_for_victim) {
  const CaseFacts& c = r.out.case_facts;
  if (condition == "rasso_case")
    return std::any_of(c.offences.begin(), c.offences.end(), isRassoOffence);
  if (condition == "adult_on_trigger_date") return !v.date_of_birth || ageOn(*v.date_of_birth, e.local_date) >= 18;
  if (condition == "vulnerable_or_intimidated")
    return std::any_of(v.entitlement.reasons.begin(), v.entitlement.reasons.end(), [](const EnhancedReason& r) {
      return r.category == "vulnerable" || r.category == "intimidated";
    });
  // Bereaved: the victim's own flag, or a family spokesperson speaking for them (rules.md section 3),
  // not every victim on a homicide case (an injured survivor is not bereaved).
  if (condition == "bereaved_relative")
    return v.flags.count("bereaved_relative") || v.representative == "family_spokesperson";
  if (condition == "isva_with_consent") return !v.isva_id.empty() && v.consent_to_share;
  if (condition.rfind("not_created:", 0) == 0) return !contains(created_for_victim, condition.substr(12));
  if (condition.rfind("not_created_in_case:", 0) == 0) {
    const std::string rule = condition.substr(20);
    return !contains(created_for_victim, rule) &&
           std::none_of(r.out.obligations.begin(), r.out.obligations.end(), [&](const Obligation& o) {
             return o.rule == rule && o.victim_id == v.victim_id && o.status != "cancelled";
           });
  }
  if (condition == "extension_applied") return r.extended.count(e.id) > 0;
  return false;  // RuleBook rejects unknown conditions at load
}

// An opt-out covers an obligation when it names "all" (victim communications
// only: ISVA notifications follow consent instead), the rule or the obligation.
std::string optOutEvent(const Replay& r, const VictimFacts& v, const Obligation& o) {
  auto events = r.opt_out_events.find(v.victim_id);
  if (events == r.opt_out_events.end()) return {};
  for (const std::string& key : {o.id, o.rule, std::string("all")}) {
    if (key == "all" && o.kind == "notification") continue;
    if (v.opted_out.count(key)) {
      auto it = events->second.find(key);
      return it == events->second.end() ? std::string("?") : it->second;
    }
  }
  return {};
}

bool convicts(const Event& e) {
  if (e.type == "plea.entered") return e.attr("plea") == "guilty" || e.attr("plea") == "mixed";
  if (e.type == "verdict.recorded") return e.attr("outcome") == "convicted" || e.attr("outcome") == "mixed";
  return false;
}

bool anyMatch(const std::vector<EventMatch>& matches, const Event& e) {
  return std::any_of(matches.begin(), matches.end(), [&](const EventMatch& m) { return m.matches(e); });
}

// Follows each meeting from offer to response to the meeting itself, and keeps
// the obligation that it be held by its deadline (kind meeting_held) in step
// with the hearing it is counted back from.
class MeetingTracker {
 public:
  MeetingTracker(const Engine& engine, Replay& r) : engine_(engine), r_(r) {}

  // An offer was created: it joins the victim's open meeting of that kind, or opens one.
  void offered(const Obligation& offer, const Event& e) {
    Meeting* m = latest(offer.victim_id, offer.template_name, {"offered", "accepted"});
    if (!m) m = &open(offer.template_name, offer.victim_id, e);
    m->offers.push_back(offer.id);
  }

  // What any other event does to meetings.
  void apply(const Event& e) {
    if (e.type == "meeting.responded" || e.type == "meeting.held") {
      VictimFacts* v = r_.victim(e.victim_id);
      if (!v) return;
      const std::string kind = e.attr("meeting");
      Meeting* m = latest(v->victim_id, kind, {"offered", "accepted", "declined"});
      if (!m) m = &open(kind, v->victim_id, e);  // the victim asked before (or without) an offer
      if (e.type == "meeting.held") {
        m->state = "held";
        m->held_event = e.id;
        m->held_at = e.occurred_at_text;
        if (m->held_obligation.empty() && engine_.rules().inForceOn(m->opened_date).heldRule(kind))
          m->deadline_note = "held before any deadline applied";
        return;
      }
      const bool accepted = e.attr("response") == "accepted";
      m->state = accepted ? "accepted" : "declined";
      m->response = m->state;
      m->response_event = e.id;
      m->responded_at = e.occurred_at_text;
      m->scheduled_for = accepted ? e.attr("scheduled_for") : "";
      m->isva_invited = accepted && !v->isva_id.empty() && v->consent_to_share && e.attr("invite_isva") != "false";
      if (accepted) {
        r_.triggers.emplace(e.id, e);
        ensureHeldDeadline(*m, e);
      }
      return;
    }
    for (Meeting& m : r_.out.meetings) {
      if (m.state != "offered" && m.state != "accepted") continue;
      if (!e.victim_id.empty() && e.victim_id != m.victim_id) continue;
      const RuleSet& set = engine_.rules().inForceOn(m.opened_date);
      for (const RuleDef* rule : {set.offerRule(m.meeting), set.heldRule(m.meeting)})
        if (m.state != "cancelled" && rule && anyMatch(rule->cancelled_by, e)) {
          m.state = "cancelled";
          m.cancelled_by = e.id;
        }
      if (m.state == "accepted" && (e.type == "hearing.listed" || convicts(e) || e.type == "sentence.passed"))
        ensureHeldDeadline(m, e);
    }
  }

 private:
  Meeting* latest(const std::string& victim, const std::string& kind, std::initializer_list<const char*> states) {
    for (auto it = r_.out.meetings.rbegin(); it != r_.out.meetings.rend(); ++it)
      if (it->victim_id == victim && it->meeting == kind &&
          std::any_of(states.begin(), states.end(), [&](const char* st) { return it->state == st; }))
        return &*it;
    return nullptr;
  }

  Meeting& open(const std::string& kind, const std::string& victim, const Event& e) {
    Meeting m;
    m.id = kind + ":" + victim + ":" + e.id;
    m.meeting = kind;
    m.victim_id = victim;
    m.case_urn = r_.out.case_facts.urn;
    m.area = r_.out.case_facts.area;
    m.opened_date = e.local_date;
    r_.out.meetings.push_back(std::move(m));
    return r_.out.meetings.back();
  }

  Obligation* obligation(const std::string& id) {
    for (Obligation& o : r_.out.obligations)
      if (o.id == id) return &o;
    return nullptr;
  }

  // Creates the meeting's "held by" obligation once its deadline can be worked
  // out, and moves that deadline when the hearing it counts back from is re-listed.
  void ensureHeldDeadline(Meeting& m, const Event& e) {
    const Event& acceptance = r_.triggers.at(m.response_event);
    const RuleSet& set = engine_.rules().inForceOn(acceptance.local_date);
    const RuleDef* rule = set.heldRule(m.meeting);
    if (!rule) {
      m.deadline_note = "the rule book sets no date by which this meeting must be held";
      return;
    }
    Obligation* held = obligation(m.held_obligation);
    if (held && held->status == "cancelled") held = nullptr;  // declined, then accepted again: a new deadline
    if (held && held->status != "pending") return;
    const HeldBefore& hb = *rule->held_before;
    const CaseFacts& c = r_.out.case_facts;
    if (hb.after_conviction && c.sentenced) {
      if (!held) m.deadline_note = "sentence has been passed, so no deadline applies";
      return;
    }
    if (hb.after_conviction && !c.convicted) {
      m.deadline_note = "a deadline applies after a conviction: before the " + hb.hearing + " hearing";
      return;
    }
    // The earliest of the hearings it counts back from, each as most recently listed.
    auto listing = c.hearings.end();
    for (const auto& kind : hb.hearings) {
      auto it = c.hearings.find(kind);
      if (it != c.hearings.end() && (listing == c.hearings.end() || it->second.date < listing->second.date)) listing = it;
    }
    if (listing == c.hearings.end()) {
      std::string kinds;
      for (size_t i = 0; i < hb.hearings.size(); ++i)
        kinds += (i == 0 ? "" : i + 1 == hb.hearings.size() ? " or " : ", ") + hb.hearings[i];
      m.deadline_note = "no " + kinds + " hearing is listed yet; the deadline is set when one is";
      return;
    }
    if (!held && listing->second.date < acceptance.local_date) {
      m.deadline_note = "the " + listing->first + " hearing listed for " + listing->second.date.toString() +
                        " was already past when the victim accepted";
      return;
    }
    const VictimFacts& v = *r_.victim(m.victim_id);
    DeadlineExplanation x;
    try {
      x = engine_.explainHeld(set, *rule, acceptance, listing->second, v.entitlement);
    } catch (const CalendarRangeError& err) {
      throw EventError(e.id, "date", std::string("cannot compute the ") + rule->id + " deadline: " + err.what());
    }
    m.deadline_note.clear();
    if (!held) {
      Obligation o;
      o.id = rule->id + ":" + v.victim_id + ":" + acceptance.id;
      o.rule = rule->id;
      o.title = rule->title;
      o.policy = set.policy;
      o.basis = rule->basis;
      o.right = rule->right;
      o.kind = rule->kind;
      o.recipient = rule->recipient;
      o.owner = rule->owner;
      o.victim_id = v.victim_id;
      o.case_urn = c.urn;
      o.area = c.area;
      o.trigger_event = acceptance.id;
      o.trigger_date = acceptance.local_date;
      o.explanation = x;
      o.tier = x.tier;
      o.due_by = x.count.result;
      std::string waived_by = optOutEvent(r_, v, o);
      if (!waived_by.empty()) {
        o.status = "waived";
        o.waived_by = waived_by;
      }
      m.held_obligation = o.id;
      r_.out.obligations.push_back(std::move(o));
      return;
    }
    if (held->due_by == x.count.result) return;
    held->changes.push_back({e.id, e.local_date, held->tier, x.tier, held->due_by, x.count.result,
                             "the " + listing->first + " hearing was listed for " + listing->second.date.toString() +
                                 " (event " + listing->second.event_id + ")"});
    held->tier = x.tier;
    held->due_by = x.count.result;
    held->explanation = x;
    held->explanation.text += " Recomputed after event " + e.id + ".";
  }

  const Engine& engine_;
  Replay& r_;
};

}  // namespace

DeadlineExplanation Engine::explainHeld(const RuleSet& set, const RuleDef& rule, const Event& acceptance,
                                        const HearingListing& hearing, const Entitlement& entitlement) const {
  const HeldBefore& hb = *rule.held_before;
  DeadlineExplanation x = explanationOf(set, rule, acceptance, entitlement);
  x.working_days = hb.working_days;
  x.count = calendar_.workingDaysBefore(hearing.date, hb.working_days);

  const std::string kind = hearing.kind.empty() ? hb.hearing : hearing.kind;
  const std::string listed = " the " + kind + " hearing listed for " + hearing.date.longString() + " (event " +
                             hearing.event_id + ")";
  std::string text = "Due by " + x.count.result.longString() + ": the meeting is to be held ";
  if (hb.working_days == 0)
    text += "on or before the day of" + listed + ", so by that day itself";  // 0 working days: the hearing date
  else
    text += (hb.working_days == 1 ? std::string("before") : "at least " + plural(hb.working_days, "working day") + " before") +
            listed + ", that is by the " + ordinal(hb.working_days) + " working day before it";
  if (hb.hearings.size() > 1) {
    text += " (the earliest listed of the ";
    for (size_t i = 0; i < hb.hearings.size(); ++i)
      text += (i == 0 ? "" : i + 1 == hb.hearings.size() ? " and " : ", ") + hb.hearings[i];
    text += " hearings)";
  }
  text += ". The victim accepted the meeting on " + x.trigger_date.longString() + " (event " + acceptance.id + "). ";
  if (hb.after_conviction) text += "This deadline applies because the defendant has been convicted. ";
  text += skippedAndSource(x.count, rule, set);
  x.text = text;
  return x;
}

DeadlineExplanation Engine::explain(const RuleSet& set, const RuleDef& rule, const Event& trigger,
                                    const Entitlement& entitlement) const {
  DeadlineExplanation x = explanationOf(set, rule, trigger, entitlement);
  x.working_days = entitlement.enhanced ? rule.enhanced_days : rule.standard_days;
  x.count = calendar_.addWorkingDays(x.trigger_date, x.working_days);

  std::string text = "Due by " + x.count.result.longString() + ": " + plural(x.working_days, "working day") +
                     " after the trigger date, " + x.trigger_date.longString() + " (event " + trigger.id + ", " +
                     trigger.type + ", occurred at " + trigger.occurred_at_text + "; Europe/London date, " + x.zone +
                     "). ";
  if (rule.enhanced_days == rule.standard_days) {
    text += "Every victim gets " + plural(x.working_days, "working day") + " for this rule";
    text += entitlement.enhanced ? " (this victim is enhanced). " : ". ";
  } else if (entitlement.enhanced) {
    text += "Enhanced tier (" + plural(rule.enhanced_days, "working day") + " rather than " +
            std::to_string(rule.standard_days) + ") because: ";
    for (size_t i = 0; i < entitlement.reasons.size(); ++i)
      text += (i ? "; " : "") + entitlement.reasons[i].detail;
    text += ". ";
  } else {
    text += "Standard tier (" + plural(rule.standard_days, "working day") +
            "): no enhanced-rights reason applied on the trigger date. ";
  }
  text += skippedAndSource(x.count, rule, set);
  x.text = text;
  return x;
}

// A replay in progress: the same walk as derive, kept between calls so more events can follow.
struct CaseReplay::State {
  Replay r;
};

CaseReplay::CaseReplay(const Engine& engine) : engine_(&engine), state_(std::make_unique<State>()) {}
CaseReplay::~CaseReplay() = default;
CaseReplay::CaseReplay(CaseReplay&&) noexcept = default;
CaseReplay& CaseReplay::operator=(CaseReplay&&) noexcept = default;

void CaseReplay::apply(const Event& e) {
  engine_->apply(*state_, e);
  ++applied_;
}

const CaseDerivation& CaseReplay::derivation() const { return state_->r.out; }

CaseDerivation CaseReplay::take() && { return std::move(state_->r.out); }

CaseDerivation Engine::derive(const std::vector<Event>& events) const {
  CaseReplay replay(*this);
  for (const Event& e : events) replay.apply(e);
  return std::move(replay).take();
}

// One event of a replay. Everything it reads of earlier events is in `state`, so applying events
// one call at a time gives exactly what one derive over all of them gives.
void Engine::apply(CaseReplay::State& state, const Event& e) const {
  Replay& r = state.r;
  CaseFacts& c = r.out.case_facts;
  auto& obligations = r.out.obligations;
  MeetingTracker meetings(*this, r);

  auto complete = [&](Obligation& o, const Event& e) {
    o.completed_at = e.occurred_at_text;
    o.completed_by = e.id;
    if (e.local_date <= o.due_by) {
      o.status = "met";
    } else {
      o.status = "late";
      o.late_working_days = calendar_.workingDaysBetween(o.due_by, e.local_date);
    }
  };

  auto extend = [&](const Event& e) {
    if (!ruleExtendsOn(rules_, e.type)) return;
    // What closes an obligation to extension (the review was decided) comes first.
    for (const Obligation& o : r.out.obligations) {
      if (!e.victim_id.empty() && e.victim_id != o.victim_id) continue;
      const RuleDef* rule = rules_.inForceOn(o.trigger_date).find(o.rule);
      if (rule && anyMatch(rule->extension_closed_by, e)) r.extension_closed.insert(o.id);
    }
    if (!e.working_days || e.victim_id.empty()) return;
    bool named = false;  // a rule in force extends on this event
    Obligation* target = nullptr;
    for (Obligation& o : r.out.obligations) {
      if (o.victim_id != e.victim_id) continue;
      const RuleDef* rule = rules_.inForceOn(o.trigger_date).find(o.rule);
      if (!rule || !anyMatch(rule->extended_by, e)) continue;
      named = true;
      target = &o;  // the latest
    }
    if (!named) {
      std::string rules;  // the rules this event would extend
      for (const auto& set : rules_.sets())
        for (const auto& rule : set.rules)
          if (anyMatch(rule.extended_by, e) && rules.find(rule.id) == std::string::npos)
            rules += (rules.empty() ? "" : ", ") + rule.id;
      r.out.refused.push_back({e.id, "victim_id",
                               "victim " + e.victim_id + " has no open review to extend (no " +
                                   (rules.empty() ? std::string("obligation this event extends") : rules) +
                                   " obligation for this victim)"});
      return;
    }
    if (target->status != "pending" || r.extension_closed.count(target->id)) {
      r.out.refused.push_back(
          {e.id, "victim_id",
           "victim " + e.victim_id + " has no open review to extend: " + target->id +
               (target->status != "pending" ? " is " + target->status : std::string(" has been decided already"))});
      return;
    }
    if (target->due_by < e.local_date) {
      r.out.refused.push_back({e.id, "occurred_at",
                               "an extension must be made by the due date: " + target->id + " was due " +
                                   target->due_by.longString() + ", before this event's date (" +
                                   e.local_date.longString() + ")"});
      return;
    }
    WorkingDayCount count;
    try {
      count = calendar_.addWorkingDays(target->due_by, *e.working_days);
    } catch (const CalendarRangeError& err) {
      throw EventError(e.id, "working_days", std::string("cannot extend ") + target->id + ": " + err.what());
    }
    const Date from = target->due_by;
    target->extensions.push_back({e.id, e.local_date, *e.working_days, from, count.result});
    target->changes.push_back({e.id, e.local_date, target->tier, target->tier, from, count.result,
                               "extended: " + e.reasons});
    target->due_by = count.result;
    target->explanation.count.result = count.result;
    target->explanation.text += " Extended by " + plural(*e.working_days, "working day") + " from " +
                                from.longString() + " to " + count.result.longString() + " (event " + e.id + ").";
    r.extended[e.id] = target->id;
  };

  {  // the event
    // 1. Facts.
    bool entitlement_may_change = false;
    if (e.type == "case.registered") {
      c.registered = true;
      c.urn = e.case_urn;
      c.area = e.area;
      c.unit = e.unit;
      c.offences = e.offences;
      c.offence_date = e.offence_date;
      c.registered_date = e.local_date;
    } else if (e.type == "victim.registered") {
      VictimFacts v;
      v.victim_id = e.victim_id;
      v.registered_date = e.local_date;
      v.date_of_birth = e.date_of_birth;
      if (e.flags) v.flags = std::set<std::string>(e.flags->begin(), e.flags->end());
      v.representative = e.representative.value_or("");
      v.entitlement = evaluateEntitlement(factsFor(c, v));
      r.victim_index[v.victim_id] = r.out.victims.size();
      r.out.victims.push_back(std::move(v));
    } else if (e.type == "hearing.listed" && e.hearing_date) {
      c.hearings[e.attr("kind")] = {*e.hearing_date, e.id, e.attr("kind")};
    } else if (convicts(e)) {
      c.convicted = true;
    } else if (e.type == "sentence.passed") {
      c.sentenced = true;
    } else if (VictimFacts* v = r.victim(e.victim_id)) {
      if (e.type == "victim.updated") {
        if (e.date_of_birth) v->date_of_birth = e.date_of_birth;
        if (e.flags) v->flags = std::set<std::string>(e.flags->begin(), e.flags->end());
        if (e.representative) v->representative = *e.representative;
        for (const auto& key : e.opt_out) {
          v->opted_out.insert(key);
          r.opt_out_events[v->victim_id][key] = e.id;
        }
        for (const auto& key : e.opt_in) v->opted_out.erase(key);
        entitlement_may_change = true;
      } else if (e.type == "isva.assigned") {
        v->isva_id = e.isva_id;
        v->consent_to_share = e.consent_to_share.value_or(false);
      } else if (e.type == "isva.consent_changed") {
        v->consent_to_share = e.consent_to_share.value_or(false);
      }
    }

    // 2. An entitlement change recomputes the victim's open obligations, and is kept.
    if (entitlement_may_change) {
      VictimFacts& v = *r.victim(e.victim_id);
      Entitlement now = evaluateEntitlement(factsFor(c, v));
      if (now != v.entitlement) {
        r.out.entitlement_changes.push_back(
            {v.victim_id, e.id, e.local_date, v.entitlement.enhanced, now.enhanced, now.reasons});
        for (Obligation& o : obligations) {
          if (o.victim_id != v.victim_id || o.status != "pending") continue;
          if (o.kind == "meeting_held") continue;  // counted back from a hearing: the tier does not move it
          const RuleSet& set = rules_.inForceOn(o.trigger_date);
          const RuleDef* rule = set.find(o.rule);
          DeadlineExplanation x = explain(set, *rule, r.triggers.at(o.trigger_event), now);
          if (!o.extensions.empty()) {  // an extension stays: it moves the recomputed date too
            x.count.result = calendar_.addWorkingDays(x.count.result, o.extendedWorkingDays()).result;
            x.text += " Extended by " + plural(o.extendedWorkingDays(), "working day") + " (see extensions).";
          }
          if (x.tier == o.tier && x.count.result == o.due_by) {
            o.explanation = x;  // same deadline, reasons refreshed
            continue;
          }
          o.changes.push_back({e.id, e.local_date, o.tier, x.tier, o.due_by, x.count.result,
                               "entitlement changed: " + now.summary()});
          o.tier = x.tier;
          o.due_by = x.count.result;
          o.explanation = x;
          o.explanation.text += " Recomputed after event " + e.id + " changed the victim's entitlement.";
        }
        v.entitlement = std::move(now);
      }
    }

    // 3. Opt-outs waive what is open; opt-ins do not revive what was waived.
    if (e.type == "victim.updated" && !e.opt_out.empty()) {
      VictimFacts& v = *r.victim(e.victim_id);
      for (Obligation& o : obligations) {
        if (o.victim_id != v.victim_id || o.status != "pending") continue;
        std::string by = optOutEvent(r, v, o);
        if (!by.empty()) {
          o.status = "waived";
          o.waived_by = by;
        }
      }
      // An offer whose carrying letter will not go now needs a letter of its own.
      for (Obligation& o : obligations)
        if (o.status == "pending" && !o.carried_by.empty())
          for (const Obligation& carrier : obligations)
            if (carrier.id == o.carried_by && carrier.status == "waived") o.carried_by.clear();
    }

    // 3a. A letter that came back (post returned, email bounced) did not meet what its letter.sent
    //     completed: those obligations (the letter's own and any offer it carried) are pending again,
    //     with their due dates as they were, so they may now be breached.
    if (e.type == "letter.sent" && !e.attr("letter_id").empty()) r.letter_sent[e.attr("letter_id")] = e.id;
    if (e.type == "letter.returned" || e.type == "letter.bounced") {
      auto sent = r.letter_sent.find(e.attr("letter_id"));
      if (sent != r.letter_sent.end()) {
        const std::string why = "letter " + e.attr("letter_id") + " came back: " + e.attr("why") + " (event " + e.id + ")";
        for (Obligation& o : obligations) {
          if ((o.status != "met" && o.status != "late") || o.completed_by != sent->second) continue;
          o.status = "pending";
          o.completed_at.clear();
          o.completed_by.clear();
          o.late_working_days.reset();
          o.reopened_by = e.id;
          o.reopened_note = why;
          o.changes.push_back({e.id, e.local_date, o.tier, o.tier, o.due_by, o.due_by, why});
        }
        r.letter_sent.erase(sent);
      }
    }

    // 4. Completions: each matching rule's oldest open obligation for the victim,
    //    or exactly the obligation an event names.
    std::set<std::pair<std::string, std::string>> completed;  // (rule, victim) done by this event
    for (Obligation& o : obligations) {
      if (o.status != "pending") continue;
      if (!e.victim_id.empty() && e.victim_id != o.victim_id) continue;
      const RuleDef* rule = rules_.inForceOn(o.trigger_date).find(o.rule);
      // contact.recorded (a partner's contact), letter.sent and notification.sent (recorded by
      // the daemon when it delivers) may name the one obligation they complete.
      bool named = (e.type == "contact.recorded" || e.type == "letter.sent" || e.type == "notification.sent") &&
                   e.attr("obligation") == o.id;
      bool matches = named || std::any_of(rule->completed_by.begin(), rule->completed_by.end(),
                                          [&](const EventMatch& m) { return m.matches(e); });
      if (!matches) continue;
      if (!named && !completed.insert({o.rule, o.victim_id}).second) continue;
      complete(o, e);
    }
    // An offer carried by a letter is done when that letter is (met or late against its own due date).
    for (Obligation& o : obligations) {
      if (o.status != "pending" || o.carried_by.empty()) continue;
      for (const Obligation& carrier : obligations)
        if (carrier.id == o.carried_by && (carrier.status == "met" || carrier.status == "late") &&
            carrier.completed_by == e.id)
          complete(o, e);
    }

    // 5. Superseding events cancel what they make moot; a notification the daemon
    //    withheld (consent withdrawn before it went) names the one it cancels.
    for (Obligation& o : obligations) {
      if (o.status != "pending") continue;
      if (!e.victim_id.empty() && e.victim_id != o.victim_id) continue;
      const RuleDef* rule = rules_.inForceOn(o.trigger_date).find(o.rule);
      const bool withheld = e.type == "notification.withheld" && e.attr("obligation") == o.id;
      if (withheld || anyMatch(rule->cancelled_by, e)) {
        o.status = "cancelled";
        o.cancelled_by = e.id;
      }
    }
    // An offer carried by a letter that is no longer needed goes with it (a later event offers it again).
    for (Obligation& o : obligations) {
      if (o.status != "pending" || o.carried_by.empty()) continue;
      for (const Obligation& carrier : obligations)
        if (carrier.id == o.carried_by && carrier.status == "cancelled" && carrier.cancelled_by == e.id) {
          o.status = "cancelled";
          o.cancelled_by = e.id;
        }
    }

    // 5a. Extensions: an event a rule lists in extended_by moves the due date of the victim's
    //     latest open obligation of that rule, unless nothing is left to extend.
    extend(e);

    // 6. Meetings: responses, meetings held, what cancels them, when they must be held.
    meetings.apply(e);

    // 7. New obligations.
    if (!ruleTriggersOn(rules_, e.type)) return;
    const RuleSet* set;
    try {
      set = &rules_.inForceOn(e.local_date);
    } catch (const RuleError& err) {
      throw EventError(e.id, "occurred_at", err.what());
    }
    std::vector<VictimFacts*> in_scope;
    if (!e.victim_id.empty()) {
      if (VictimFacts* v = r.victim(e.victim_id)) in_scope.push_back(v);
    } else {
      for (auto& v : r.out.victims) in_scope.push_back(&v);
    }
    for (VictimFacts* v : in_scope) {
      std::vector<std::string> created_for_victim;
      const size_t first_created = obligations.size();
      for (const RuleDef& rule : set->rules) {
        bool triggered = std::any_of(rule.triggers.begin(), rule.triggers.end(),
                                     [&](const EventMatch& m) { return m.matches(e); });
        if (!triggered) continue;
        bool holds = std::all_of(rule.conditions.begin(), rule.conditions.end(), [&](const std::string& cond) {
          return conditionHolds(cond, r, *v, e, created_for_victim);
        });
        if (!holds) continue;

        Obligation o;
        o.id = rule.id + ":" + v->victim_id + ":" + e.id;
        o.rule = rule.id;
        o.title = rule.title;
        o.policy = set->policy;
        o.basis = rule.basis;
        o.right = rule.right;
        o.kind = rule.kind;
        o.template_name = rule.template_name;
        o.recipient = rule.recipient;
        o.owner = rule.owner;
        o.victim_id = v->victim_id;
        o.case_urn = c.urn;
        o.area = c.area;
        o.trigger_event = e.id;
        o.trigger_date = e.local_date;
        try {
          o.explanation = explain(*set, rule, e, v->entitlement);
        } catch (const CalendarRangeError& err) {
          throw EventError(e.id, "occurred_at", std::string("cannot compute the ") + rule.id + " deadline: " + err.what());
        }
        o.tier = o.explanation.tier;
        o.due_by = o.explanation.count.result;
        std::string waived_by = optOutEvent(r, *v, o);
        if (!waived_by.empty()) {
          o.status = "waived";
          o.waived_by = waived_by;
        }
        created_for_victim.push_back(rule.id);
        r.triggers.emplace(e.id, e);
        obligations.push_back(std::move(o));
        if (rule.kind == "meeting") meetings.offered(obligations.back(), e);
      }
      // Offers the same event's letter for this victim already carries (carries_offer) get no letter of their own.
      for (size_t i = first_created; i < obligations.size(); ++i) {
        Obligation& carried = obligations[i];
        if (carried.status != "pending") continue;
        for (size_t j = first_created; j < obligations.size(); ++j) {
          const Obligation& carrier = obligations[j];
          if (carrier.status != "pending") continue;
          const RuleDef* carrier_rule = set->find(carrier.rule);
          if (carrier_rule && contains(carrier_rule->carries_offer, carried.rule) && carried.carried_by.empty())
            carried.carried_by = carrier.id;
        }
      }
    }
  }
}

std::string effectiveStatus(const std::string& stored_status, const Date& due_by, const Date& today) {
  if (stored_status == "pending" && today > due_by) return "breached";
  return stored_status;
}

std::string effectiveStatus(const Obligation& o, const Date& today) { return effectiveStatus(o.status, o.due_by, today); }

}  // namespace vc::domain
