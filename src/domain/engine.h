#pragma once
// The journey engine: replays one case's events, in the order they were
// received, into the case's state, each victim's entitlement and every
// obligation the rules create. Deterministic: the same events, rule book and
// calendar give the same result. Holds references to the rule book and the
// calendar, which must outlive it; const methods are thread-safe.

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "domain/calendar.h"
#include "domain/entitlement.h"
#include "domain/event.h"
#include "domain/rules.h"

namespace vc::domain {

// How a deadline was worked out, for the person who has to meet it.
struct DeadlineExplanation {
  std::string rule;
  std::string policy;
  Date policy_effective_from;
  std::string trigger_event;
  std::string trigger_type;
  std::string occurred_at;  // as sent
  Date trigger_date;        // Europe/London
  std::string zone;         // "BST (UTC+01:00)" or "GMT (UTC+00:00)"
  std::string tier;         // enhanced | standard
  std::vector<EnhancedReason> tier_reasons;
  int working_days = 0;
  WorkingDayCount count;
  std::string text;  // the whole explanation in one paragraph
};

// A recomputation of an open obligation, kept so nobody wonders why a deadline moved.
struct ObligationChange {
  std::string event_id;  // the event that changed the victim's entitlement
  Date date;
  std::string from_tier, to_tier;
  Date from_due, to_due;
  std::string why;
};

// A due date moved on purpose (vrr.extended): kept apart from recomputations so
// the ledger can show the extension, not a breach.
struct ObligationExtension {
  std::string event_id;
  Date date;  // the extending event's Europe/London date
  int working_days = 0;
  Date from_due, to_due;
};

struct Obligation {
  std::string id;  // "<rule>:<victim>:<trigger event>", stable across replays
  std::string rule;
  std::string title;
  std::string policy;
  std::string basis;
  std::optional<int> right;
  std::string kind;
  std::string template_name;
  std::string recipient;
  std::string owner;
  std::string victim_id;
  std::string case_urn;
  std::string area;
  std::string trigger_event;
  Date trigger_date;
  std::string tier;
  Date due_by;
  std::string status = "pending";  // pending | met | late | waived | cancelled (breached is read-time)
  std::string completed_at;         // RFC 3339 of the completing event, or ""
  std::string completed_by;         // event id
  std::optional<int> late_working_days;
  std::string waived_by;            // event id of the opt-out
  std::string cancelled_by;         // event id of the superseding event
  // The obligation (same event, same victim) whose letter carries this offer
  // (rule carries_offer): no letter of its own, completed when that one is.
  std::string carried_by;
  // The letter.returned / letter.bounced event that undid the last completion (the letter that met it
  // came back), and why in plain words; empty when never reopened. The status is pending again.
  std::string reopened_by;
  std::string reopened_note;
  DeadlineExplanation explanation;
  std::vector<ObligationChange> changes;
  std::vector<ObligationExtension> extensions;  // oldest first
  int extendedWorkingDays() const {
    int n = 0;
    for (const auto& x : extensions) n += x.working_days;
    return n;
  }
};

struct EntitlementChange {
  std::string victim_id;
  std::string event_id;
  Date date;
  bool from_enhanced = false;
  bool to_enhanced = false;
  std::vector<EnhancedReason> reasons;  // the reasons after the change
};

// The most recent listing of one kind of hearing (a re-listing replaces it).
struct HearingListing {
  Date date;
  std::string event_id;
  std::string kind;  // trial, s28, sentence, ...
};

struct CaseFacts {
  bool registered = false;
  std::string urn;
  std::string area;
  std::string unit;
  std::vector<std::string> offences;
  std::optional<Date> offence_date;
  Date registered_date;
  std::map<std::string, HearingListing> hearings;  // by kind: trial, sentence, ...
  bool convicted = false;  // a guilty or mixed plea, or a conviction at trial
  bool sentenced = false;
};

// A meeting the rules offer (or the victim asks for), from the offer through
// the victim's response to the meeting itself.
struct Meeting {
  std::string id;       // "<meeting>:<victim>:<event that opened it>", stable across replays
  std::string meeting;  // familiarisation_meeting | special_measures_meeting | bereaved_family_meeting
  std::string victim_id;
  std::string case_urn;
  std::string area;
  Date opened_date;
  std::string state = "offered";  // offered | accepted | declined | held | cancelled
  std::vector<std::string> offers;  // the offer obligations (FAM-MEET:...), oldest first
  std::string response;             // the latest response: accepted | declined | ""
  std::string response_event;
  std::string responded_at;
  std::string scheduled_for;        // RFC 3339 as sent, or ""
  bool isva_invited = false;        // accepted, the victim has an ISVA with consent, and did not say no
  std::string held_obligation;      // the obligation tracking the deadline, once it can be worked out
  std::string deadline_note;        // why there is no deadline (yet), when there is none
  std::string held_event;
  std::string held_at;
  std::string cancelled_by;
};

struct VictimFacts {
  std::string victim_id;
  Date registered_date;
  std::optional<Date> date_of_birth;
  std::set<std::string> flags;
  std::string representative;  // the representative's relationship, or ""
  std::string isva_id;
  bool consent_to_share = false;
  std::set<std::string> opted_out;  // rule ids, obligation ids or "all"
  Entitlement entitlement;
};

// An event that could not do what it asks (a vrr.extended with no open review
// to extend): the ingestor refuses it when it is new, and it changes nothing.
struct RefusedEvent {
  std::string event_id;
  std::string field;
  std::string message;
};

struct CaseDerivation {
  CaseFacts case_facts;
  std::vector<RefusedEvent> refused;  // in event order
  std::vector<VictimFacts> victims;  // in registration order
  std::vector<Obligation> obligations;  // in creation order
  std::vector<EntitlementChange> entitlement_changes;
  std::vector<Meeting> meetings;  // in the order they were opened
};

// An error tied to one event (e.g. a deadline the calendar cannot compute).
class EventError : public std::runtime_error {
 public:
  EventError(std::string event_id, std::string field, const std::string& message)
      : std::runtime_error(message), event_id_(std::move(event_id)), field_(std::move(field)) {}
  const std::string& eventId() const { return event_id_; }
  const std::string& field() const { return field_; }

 private:
  std::string event_id_;
  std::string field_;
};

class Engine;

// One case's replay, event by event: derive() is a CaseReplay fed every event at once. Kept between
// batches (ingest/ingestor.cpp) so a batch applies only its new events; apply() in the same order as
// derive would (the store's seq) gives exactly derive's result. Move-only. If apply() throws, the
// replay is left half-applied and must be thrown away.
class CaseReplay {
 public:
  explicit CaseReplay(const Engine& engine);
  ~CaseReplay();
  CaseReplay(CaseReplay&&) noexcept;
  CaseReplay& operator=(CaseReplay&&) noexcept;

  void apply(const Event& e);  // throws EventError, as derive does
  const CaseDerivation& derivation() const;  // everything applied so far
  size_t applied() const { return applied_; }
  CaseDerivation take() &&;

  struct State;

 private:
  const Engine* engine_;
  std::unique_ptr<State> state_;
  size_t applied_ = 0;
};

class Engine {
 public:
  Engine(const RuleBook& rules, const WorkingDayCalendar& calendar) : rules_(rules), calendar_(calendar) {}

  // Replays a case's events (case.registered first). Throws EventError when
  // an event cannot be applied (no rule set in force, calendar out of range).
  CaseDerivation derive(const std::vector<Event>& events) const;

  // Works out one deadline: N working days after the trigger's London date.
  DeadlineExplanation explain(const RuleSet& set, const RuleDef& rule, const Event& trigger,
                              const Entitlement& entitlement) const;

  // Works out when an accepted meeting must be held: `rule.held_before`
  // working days before the listed hearing.
  DeadlineExplanation explainHeld(const RuleSet& set, const RuleDef& rule, const Event& acceptance,
                                  const HearingListing& hearing, const Entitlement& entitlement) const;

  const WorkingDayCalendar& calendar() const { return calendar_; }
  const RuleBook& rules() const { return rules_; }

 private:
  friend class CaseReplay;
  void apply(CaseReplay::State& state, const Event& e) const;

  const RuleBook& rules_;
  const WorkingDayCalendar& calendar_;
};

// The status a person should see today: an open obligation past its due date is "breached".
std::string effectiveStatus(const Obligation& o, const Date& today);
std::string effectiveStatus(const std::string& stored_status, const Date& due_by, const Date& today);

}  // namespace vc::domain
