#include <catch2/catch.hpp>

#include <algorithm>

#include "domain/engine.h"
#include "loading/policy_files.h"

using namespace vc::domain;

namespace {

const Engine& engine() {
  static const auto kCalendar = vc::loading::loadCalendar(VC_SOURCE_DIR "/config/calendars/england-and-wales.json");
  static const auto kRules = vc::loading::loadRuleBook({VC_SOURCE_DIR "/config/rules/victims-code-2020.json"});
  static const Engine kEngine(kRules, kCalendar);
  return kEngine;
}

// A small builder for the events a case management system would send.
struct Journey {
  std::vector<Event> events;
  int n = 0;

  Event& add(const std::string& type, const std::string& occurred_at, const std::string& victim = "",
             std::map<std::string, std::string> attrs = {}) {
    Event e;
    e.id = "e" + std::to_string(++n);
    e.type = type;
    e.case_urn = "52SW0100126";
    e.victim_id = victim;
    e.occurred_at_text = occurred_at;
    e.occurred_at = *parseRfc3339(occurred_at);
    e.local_date = londonDate(e.occurred_at);
    e.attrs = std::move(attrs);
    events.push_back(e);
    return events.back();
  }
  Journey& caseRegistered(std::vector<std::string> offences) {
    add("case.registered", "2026-03-30T09:00:00+01:00").offences = std::move(offences);
    events.back().area = "CPS South West";
    return *this;
  }
  Journey& victim(const std::string& id, std::vector<std::string> flags = {}, std::optional<Date> dob = {}) {
    Event& e = add("victim.registered", "2026-03-30T09:05:00+01:00", id);
    e.flags = std::move(flags);
    e.date_of_birth = dob;
    return *this;
  }
  CaseDerivation derive() const { return engine().derive(events); }
};

std::vector<const Obligation*> ofRule(const CaseDerivation& d, const std::string& rule) {
  std::vector<const Obligation*> out;
  for (const auto& o : d.obligations)
    if (o.rule == rule) out.push_back(&o);
  return out;
}

const std::string kThursdayBeforeEaster = "2026-04-02T15:20:00+01:00";

}  // namespace

TEST_CASE("each rule creates its obligation with the enhanced or standard deadline", "[domain][engine]") {
  // Triggered on Thursday 2 April 2026: 1 WD -> Tue 7 April, 5 WD -> Mon 13 April, 30 WD -> Tue 19 May.
  auto [rule, offence, trigger, field, value, enhanced_due, standard_due] =
      GENERATE(table<std::string, std::string, std::string, std::string, std::string, std::string, std::string>({
          {"VCL-NFA", "other", "charging.decided", "decision", "no_further_action", "2026-04-07", "2026-04-13"},
          {"VCL-DISC", "other", "case.discontinued", "scope", "all", "2026-04-07", "2026-04-13"},
          {"VCL-DISC", "other", "case.discontinued", "scope", "no_evidence_offered", "2026-04-07", "2026-04-13"},
          {"VCL-ALT", "other", "charges.altered", "substantial", "true", "2026-04-07", "2026-04-13"},
          {"VCL-ALT", "other", "case.discontinued", "scope", "partial", "2026-04-07", "2026-04-13"},
          {"RASSO-INTRO", "rape", "charging.referred", "kind", "full_code_test", "2026-04-13", "2026-04-13"},
          {"RASSO-CHARGE", "sexual_offence", "charging.decided", "decision", "charge", "2026-04-07", "2026-04-13"},
          {"FAM-MEET", "rape", "plea.entered", "plea", "not_guilty", "2026-04-13", "2026-04-13"},
          {"SM-MEET", "other", "plea.entered", "plea", "not_guilty", "2026-04-13", ""},
          // A victim on a homicide case is not bereaved by that alone (engine_rules_test.cpp has who is).
          {"BRV-MEET", "homicide", "verdict.recorded", "outcome", "convicted", "", ""},
          {"VRR-ACK", "other", "vrr.requested", "", "", "2026-04-13", "2026-04-13"},
          {"VRR-OUT", "other", "vrr.requested", "", "", "2026-05-19", "2026-05-19"},
          {"WCU-HEARING", "other", "hearing.listed", "kind", "trial", "2026-04-07", "2026-04-07"},
          {"WCU-EVIDENCE", "other", "plea.entered", "plea", "not_guilty", "2026-04-07", "2026-04-07"},
          {"WCU-VERDICT", "other", "verdict.recorded", "outcome", "acquitted", "2026-04-07", "2026-04-07"},
          {"WCU-SENTENCE", "other", "sentence.passed", "", "", "2026-04-07", "2026-04-07"},
      }));
  for (bool enhanced : {true, false}) {
    const std::string& expected = enhanced ? enhanced_due : standard_due;
    CAPTURE(rule, trigger, value, enhanced);
    Journey j;
    j.caseRegistered({offence});
    // An enhanced victim on an "other" case needs a flag; RASSO and homicide cases are enhanced by offence.
    const bool enhanced_by_offence = offence != "other";
    if (enhanced_by_offence && !enhanced) continue;  // no standard victim on such a case
    j.victim("v1", enhanced && !enhanced_by_offence ? std::vector<std::string>{"intimidated"} : std::vector<std::string>{});
    const bool about_victim = trigger == "vrr.requested";
    j.add(trigger, kThursdayBeforeEaster, about_victim ? "v1" : "", field.empty() ? std::map<std::string, std::string>{}
                                                                                  : std::map<std::string, std::string>{{field, value}});
    auto d = j.derive();
    auto found = ofRule(d, rule);
    if (expected.empty()) {
      CHECK(found.empty());  // the rule's condition excludes this victim
      continue;
    }
    REQUIRE(found.size() == 1);
    CHECK(found[0]->due_by.toString() == expected);
    CHECK(found[0]->tier == (enhanced ? "enhanced" : "standard"));
    CHECK(found[0]->status == "pending");
    CHECK(found[0]->id == rule + ":v1:e3");
  }
}

TEST_CASE("the events.md example gives VCL-NFA due 7 April 2026, explained", "[domain][engine]") {
  Journey j;
  j.caseRegistered({"rape"}).victim("v1", {}, Date(1990, 5, 1));
  j.add("charging.decided", kThursdayBeforeEaster, "", {{"decision", "no_further_action"}});
  auto d = j.derive();
  REQUIRE(d.victims.size() == 1);
  CHECK(d.victims[0].entitlement.enhanced);
  auto nfa = ofRule(d, "VCL-NFA");
  REQUIRE(nfa.size() == 1);
  const auto& x = nfa[0]->explanation;
  CHECK(nfa[0]->due_by == Date(2026, 4, 7));
  CHECK(x.trigger_date == Date(2026, 4, 2));
  CHECK(x.working_days == 1);
  CHECK(x.tier == "enhanced");
  CHECK(x.zone == "BST (UTC+01:00)");
  CHECK_THAT(x.text, Catch::Contains("Due by Tuesday 7 April 2026") && Catch::Contains("Good Friday") &&
                         Catch::Contains("Easter Monday") && Catch::Contains("complainant of a sexual offence") &&
                         Catch::Contains("policy victims-code-2020"));
}

TEST_CASE("a case-level event applies to every victim on the case, each with their own tier", "[domain][engine]") {
  Journey j;
  j.caseRegistered({"other"}).victim("v1").victim("v2", {"mental_disorder"});
  j.add("charging.decided", kThursdayBeforeEaster, "", {{"decision", "no_further_action"}});
  auto nfa = ofRule(j.derive(), "VCL-NFA");
  REQUIRE(nfa.size() == 2);
  CHECK(nfa[0]->due_by == Date(2026, 4, 13));
  CHECK(nfa[1]->due_by == Date(2026, 4, 7));
}

TEST_CASE("FAM-MEET is for adults on the plea date; a child gets SM-MEET instead", "[domain][engine]") {
  auto [dob, rule] = GENERATE(table<const char*, const char*>({
      {"2008-04-02", "FAM-MEET"},  // 18 on the day of the plea
      {"2008-04-03", "SM-MEET"},   // 18 the day after
  }));
  CAPTURE(dob);
  Journey j;
  j.caseRegistered({"rape"}).victim("v1", {}, Date::parse(dob));
  j.add("plea.entered", kThursdayBeforeEaster, "", {{"plea", "not_guilty"}});
  auto d = j.derive();
  CHECK(ofRule(d, rule).size() == 1);
  CHECK(ofRule(d, std::string(rule) == "FAM-MEET" ? "SM-MEET" : "FAM-MEET").empty());
}

TEST_CASE("BRV-MEET follows an appeal only when leave is granted", "[domain][engine]") {
  Journey j;
  j.caseRegistered({"homicide"}).victim("v1", {"bereaved_relative"});
  j.add("appeal.lodged", kThursdayBeforeEaster, "", {{"by", "defence"}, {"leave_granted", "false"}});
  CHECK(ofRule(j.derive(), "BRV-MEET").empty());
  j.add("appeal.lodged", kThursdayBeforeEaster, "", {{"by", "defence"}, {"leave_granted", "true"}});
  CHECK(ofRule(j.derive(), "BRV-MEET").size() == 1);
}

TEST_CASE("ISVA notifications follow consent at the time of the event", "[domain][engine]") {
  Journey j;
  j.caseRegistered({"rape"}).victim("v1");
  j.add("hearing.listed", "2026-04-01T10:00:00+01:00", "", {{"kind", "first_appearance"}});
  Event& assigned = j.add("isva.assigned", "2026-04-01T11:00:00+01:00", "v1");
  assigned.isva_id = "isva-1";
  assigned.consent_to_share = true;
  j.add("hearing.listed", "2026-04-01T12:00:00+01:00", "", {{"kind", "plea"}});
  j.add("isva.consent_changed", "2026-04-01T13:00:00+01:00", "v1").consent_to_share = false;
  j.add("hearing.listed", "2026-04-01T14:00:00+01:00", "", {{"kind", "trial"}});
  auto notes = ofRule(j.derive(), "ISVA-NOTE");
  REQUIRE(notes.size() == 1);
  CHECK(notes[0]->trigger_event == "e5");
  CHECK(notes[0]->due_by == Date(2026, 4, 2));
}

TEST_CASE("an opt-out waives what is open and what comes later; opt-in stops it", "[domain][engine]") {
  Journey j;
  j.caseRegistered({"other"}).victim("v1");
  j.add("charging.decided", "2026-04-01T10:00:00+01:00", "", {{"decision", "no_further_action"}});
  j.add("victim.updated", "2026-04-01T11:00:00+01:00", "v1").opt_out = {"all"};
  j.add("vrr.requested", "2026-04-01T12:00:00+01:00", "v1");
  j.add("victim.updated", "2026-04-01T13:00:00+01:00", "v1").opt_in = {"all"};
  j.add("vrr.requested", "2026-04-01T14:00:00+01:00", "v1");
  auto d = j.derive();
  auto nfa = ofRule(d, "VCL-NFA");
  REQUIRE(nfa.size() == 1);
  CHECK(nfa[0]->status == "waived");
  CHECK(nfa[0]->waived_by == "e4");
  auto acks = ofRule(d, "VRR-ACK");
  REQUIRE(acks.size() == 2);
  CHECK(acks[0]->status == "waived");
  CHECK(acks[1]->status == "pending");
}

TEST_CASE("a reversed decision cancels the open letter for the old one", "[domain][engine]") {
  Journey j;
  j.caseRegistered({"rape"}).victim("v1");
  j.add("charging.decided", "2026-04-01T10:00:00+01:00", "", {{"decision", "no_further_action"}});
  j.add("charging.decided", "2026-04-01T16:00:00+01:00", "", {{"decision", "charge"}});
  auto d = j.derive();
  auto nfa = ofRule(d, "VCL-NFA");
  REQUIRE(nfa.size() == 1);
  CHECK(nfa[0]->status == "cancelled");
  CHECK(nfa[0]->cancelled_by == "e4");
  CHECK(ofRule(d, "RASSO-CHARGE").size() == 1);
}

TEST_CASE("completion by the named event is met on time and late after, in working days", "[domain][engine]") {
  Journey j;
  j.caseRegistered({"other"}).victim("v1");
  j.add("hearing.listed", "2026-04-02T10:00:00+01:00", "", {{"kind", "trial"}});  // due Tue 7 April
  j.add("hearing.listed", "2026-04-02T11:00:00+01:00", "", {{"kind", "trial"}});
  j.add("contact.recorded", "2026-04-07T17:00:00+01:00", "v1", {{"obligation", "WCU-HEARING"}, {"by", "wcu"}});
  j.add("contact.recorded", "2026-04-09T09:00:00+01:00", "v1", {{"obligation", "WCU-HEARING"}, {"by", "wcu"}});
  auto hearings = ofRule(j.derive(), "WCU-HEARING");
  REQUIRE(hearings.size() == 2);
  CHECK(hearings[0]->status == "met");
  CHECK(hearings[0]->completed_by == "e5");
  CHECK(hearings[1]->status == "late");
  CHECK(hearings[1]->late_working_days == 2);
}

TEST_CASE("a victim who becomes enhanced has open obligations recomputed, and the change kept", "[domain][engine]") {
  Journey j;
  j.caseRegistered({"other"}).victim("v1");
  j.add("charging.decided", kThursdayBeforeEaster, "", {{"decision", "no_further_action"}});
  j.add("victim.updated", "2026-04-03T09:00:00+01:00", "v1").flags = std::vector<std::string>{"intimidated"};
  auto d = j.derive();
  auto nfa = ofRule(d, "VCL-NFA");
  REQUIRE(nfa.size() == 1);
  CHECK(nfa[0]->tier == "enhanced");
  CHECK(nfa[0]->due_by == Date(2026, 4, 7));
  REQUIRE(nfa[0]->changes.size() == 1);
  CHECK(nfa[0]->changes[0].from_due == Date(2026, 4, 13));
  CHECK(nfa[0]->changes[0].to_due == Date(2026, 4, 7));
  REQUIRE(d.entitlement_changes.size() == 1);
  CHECK_FALSE(d.entitlement_changes[0].from_enhanced);
  CHECK(d.entitlement_changes[0].to_enhanced);
  CHECK(d.entitlement_changes[0].event_id == "e4");
}

TEST_CASE("replaying the same events gives the same obligations", "[domain][engine]") {
  Journey j;
  j.caseRegistered({"domestic_abuse"}).victim("v1").victim("v2");
  j.add("charging.decided", kThursdayBeforeEaster, "", {{"decision", "no_further_action"}});
  auto a = j.derive(), b = j.derive();
  REQUIRE(a.obligations.size() == b.obligations.size());
  for (size_t i = 0; i < a.obligations.size(); ++i) {
    CHECK(a.obligations[i].id == b.obligations[i].id);
    CHECK(a.obligations[i].explanation.text == b.obligations[i].explanation.text);
  }
}

TEST_CASE("a deadline past the published calendar is still computed, and its explanation says the holidays are "
          "projected",
          "[domain][engine]") {
  Journey j;
  j.caseRegistered({"other"}).victim("v1");
  j.add("charging.decided", "2028-12-29T10:00:00Z", "", {{"decision", "no_further_action"}});
  auto out = j.derive();
  auto found = ofRule(out, "VCL-NFA");
  REQUIRE(found.size() == 1);
  const auto* nfa = found[0];
  CHECK(nfa->due_by.year() == 2029);
  CHECK(nfa->explanation.count.projected);
  CHECK_THAT(nfa->explanation.text, Catch::Contains("Monday 1 January 2029 (New Year's Day, projected from the "
                                                    "standing rules)"));
  CHECK_THAT(nfa->explanation.text, Catch::Contains("worked out from the standing rules"));

  // Within the published years the explanation says nothing of projection.
  Journey k;
  k.caseRegistered({"other"}).victim("v1");
  k.add("charging.decided", kThursdayBeforeEaster, "", {{"decision", "no_further_action"}});
  auto k_out = k.derive();
  auto k_found = ofRule(k_out, "VCL-NFA");
  REQUIRE(k_found.size() == 1);
  const auto* published = k_found[0];
  CHECK_THAT(published->explanation.text, !Catch::Contains("projected"));
}

TEST_CASE("an event the calendar cannot cover, even by projection, is refused with the event named",
          "[domain][engine]") {
  Journey j;
  j.caseRegistered({"other"}).victim("v1");
  j.add("charging.decided", "2088-12-29T10:00:00Z", "", {{"decision", "no_further_action"}});
  try {
    j.derive();
    FAIL("expected an EventError");
  } catch (const EventError& e) {
    CHECK(e.eventId() == "e3");
    CHECK_THAT(e.what(), Catch::Contains("publishes 2024 to 2028"));
  }
}

TEST_CASE("an event before any rule set is in force is refused", "[domain][engine]") {
  Journey j;
  j.caseRegistered({"other"}).victim("v1");
  j.add("charging.decided", "2021-03-31T10:00:00+01:00", "", {{"decision", "no_further_action"}});
  CHECK_THROWS_AS(j.derive(), EventError);
}

TEST_CASE("a letter the daemon sent completes exactly the obligation it names, met or late", "[domain][engine]") {
  Journey j;
  j.caseRegistered({"rape"}).victim("v1");
  j.add("charging.decided", kThursdayBeforeEaster, "", {{"decision", "no_further_action"}});  // e3: due 7 April
  j.add("vrr.requested", "2026-04-08T10:00:00+01:00", "v1");                                 // e4: VRR-ACK, VRR-OUT
  j.add("vrr.decided", "2026-04-20T10:00:00+01:00", "v1", {{"outcome", "upheld"}});
  CHECK(ofRule(j.derive(), "VRR-OUT")[0]->status == "pending");  // the decision alone is not the letter

  j.add("letter.sent", "2026-04-09T12:00:00+01:00", "v1", {{"obligation", "VCL-NFA:v1:e3"}});
  j.add("letter.sent", "2026-04-21T12:00:00+01:00", "v1", {{"obligation", "VRR-OUT:v1:e4"}});
  const CaseDerivation d = j.derive();
  const Obligation* nfa = ofRule(d, "VCL-NFA")[0];
  CHECK(nfa->status == "late");
  CHECK(nfa->late_working_days == 2);  // due Tuesday 7 April, sent Thursday 9 April
  CHECK(nfa->completed_by == "e6");
  CHECK(ofRule(d, "VRR-OUT")[0]->status == "met");
  CHECK(ofRule(d, "VRR-ACK")[0]->status == "pending");  // not named by either letter
}

TEST_CASE("a letter that came back undoes what its sending met; sent again, it meets it against the same date",
          "[domain][engine][returned]") {
  Journey j;
  j.caseRegistered({"rape"}).victim("v1");
  j.add("charging.decided", kThursdayBeforeEaster, "", {{"decision", "no_further_action"}});  // e3: due 7 April
  j.add("letter.sent", "2026-04-06T12:00:00+01:00", "v1", {{"obligation", "VCL-NFA:v1:e3"}, {"letter_id", "l-1"}});
  REQUIRE(ofRule(j.derive(), "VCL-NFA")[0]->status == "met");

  j.add("letter.returned", "2026-04-08T09:00:00+01:00", "",
        {{"letter_id", "l-1"}, {"reason", "moved"}, {"why", "returned by post (moved)"}});  // e5
  CaseDerivation d = j.derive();
  const Obligation* nfa = ofRule(d, "VCL-NFA")[0];
  CHECK(nfa->status == "pending");  // past 7 April: read as breached
  CHECK(nfa->completed_by.empty());
  CHECK(nfa->due_by.toString() == "2026-04-07");
  CHECK(nfa->reopened_by == "e5");
  CHECK(nfa->reopened_note == "letter l-1 came back: returned by post (moved) (event e5)");
  REQUIRE(!nfa->changes.empty());
  CHECK(nfa->changes.back().why == nfa->reopened_note);

  j.add("letter.sent", "2026-04-09T12:00:00+01:00", "v1", {{"obligation", "VCL-NFA:v1:e3"}, {"letter_id", "l-1"}});
  d = j.derive();
  nfa = ofRule(d, "VCL-NFA")[0];
  CHECK(nfa->status == "late");
  CHECK(nfa->late_working_days == 2);
  CHECK(nfa->completed_by == "e6");
}

// ---- meetings: from offer to response to the meeting itself ----------------------------------

namespace {

const Meeting* meetingOf(const CaseDerivation& d, const std::string& kind) {
  for (const auto& m : d.meetings)
    if (m.meeting == kind) return &m;
  return nullptr;
}

const Obligation* obligation(const CaseDerivation& d, const std::string& id) {
  for (const auto& o : d.obligations)
    if (o.id == id) return &o;
  return nullptr;
}

Journey adultRassoTrial() {
  Journey j;
  j.caseRegistered({"rape"}).victim("v1");
  j.add("plea.entered", kThursdayBeforeEaster, "", {{"plea", "not_guilty"}});  // e3: FAM-MEET offered
  return j;
}

}  // namespace

TEST_CASE("an accepted familiarisation meeting must be held 2 working days before the trial, moved when it is re-listed",
          "[domain][engine][meetings]") {
  Journey j = adultRassoTrial();
  j.add("hearing.listed", "2026-04-08T10:00:00+01:00", "", {{"kind", "trial"}}).hearing_date = Date(2026, 6, 15);
  j.add("meeting.responded", "2026-04-10T11:00:00+01:00", "v1",
        {{"meeting", "familiarisation_meeting"}, {"response", "accepted"}, {"scheduled_for", "2026-05-12T14:30:00+01:00"}});
  auto d = j.derive();
  const Meeting* m = meetingOf(d, "familiarisation_meeting");
  REQUIRE(m);
  CHECK(m->state == "accepted");
  CHECK(m->offers == std::vector<std::string>{"FAM-MEET:v1:e3"});
  CHECK(m->scheduled_for == "2026-05-12T14:30:00+01:00");
  CHECK(obligation(d, "FAM-MEET:v1:e3")->status == "met");  // the offer was answered in time
  const Obligation* held = obligation(d, m->held_obligation);
  REQUIRE(held);
  CHECK(held->rule == "FAM-MEET-HELD");
  CHECK(held->due_by == Date(2026, 6, 11));  // Mon 15 June: Fri 12 is the 1st working day before, Thu 11 the 2nd
  CHECK(held->explanation.text.find("trial hearing listed for Monday 15 June 2026") != std::string::npos);

  // Re-listed for Tuesday 29 December: Mon 28 (Boxing Day, substitute) and Fri 25 (Christmas) are skipped.
  j.add("hearing.listed", "2026-05-01T10:00:00+01:00", "", {{"kind", "trial"}}).hearing_date = Date(2026, 12, 29);
  d = j.derive();
  held = obligation(d, meetingOf(d, "familiarisation_meeting")->held_obligation);
  CHECK(held->due_by == Date(2026, 12, 23));
  REQUIRE(held->changes.size() == 1);
  CHECK(held->changes[0].from_due == Date(2026, 6, 11));
  CHECK(held->changes[0].to_due == Date(2026, 12, 23));
  CHECK(held->changes[0].event_id == "e6");

  // Re-listed earlier, for Tuesday 2 June: Mon 1 June is the 1st working day before, Fri 29 May the 2nd.
  j.add("hearing.listed", "2026-05-05T10:00:00+01:00", "", {{"kind", "trial"}}).hearing_date = Date(2026, 6, 2);
  d = j.derive();
  held = obligation(d, meetingOf(d, "familiarisation_meeting")->held_obligation);
  CHECK(held->due_by == Date(2026, 5, 29));
  CHECK(held->changes.size() == 2);

  // Held on the day it was due: met, and a later re-listing moves nothing.
  j.add("meeting.held", "2026-05-29T16:00:00+01:00", "v1", {{"meeting", "familiarisation_meeting"}});
  j.add("hearing.listed", "2026-06-01T10:00:00+01:00", "", {{"kind", "trial"}}).hearing_date = Date(2026, 9, 1);
  d = j.derive();
  m = meetingOf(d, "familiarisation_meeting");
  CHECK(m->state == "held");
  held = obligation(d, m->held_obligation);
  CHECK(held->status == "met");
  CHECK(held->due_by == Date(2026, 5, 29));
}

TEST_CASE("a meeting accepted before the trial is listed gets its deadline when it is", "[domain][engine][meetings]") {
  Journey j = adultRassoTrial();
  j.add("meeting.responded", "2026-04-20T11:00:00+01:00", "v1",
        {{"meeting", "familiarisation_meeting"}, {"response", "accepted"}});
  auto d = j.derive();
  const Meeting* m = meetingOf(d, "familiarisation_meeting");
  CHECK(m->held_obligation.empty());
  CHECK(m->deadline_note == "no trial or s28 hearing is listed yet; the deadline is set when one is");
  CHECK(ofRule(d, "FAM-MEET-HELD").empty());

  j.add("hearing.listed", "2026-04-22T10:00:00+01:00", "", {{"kind", "trial"}}).hearing_date = Date(2026, 6, 15);
  d = j.derive();
  m = meetingOf(d, "familiarisation_meeting");
  CHECK(m->deadline_note.empty());
  auto held = ofRule(d, "FAM-MEET-HELD");
  REQUIRE(held.size() == 1);
  CHECK(held[0]->id == "FAM-MEET-HELD:v1:e4");  // named after the acceptance, so stable across replays
  CHECK(held[0]->trigger_event == "e4");
  CHECK(held[0]->due_by == Date(2026, 6, 11));
}

TEST_CASE("declining cancels the deadline; accepting again sets a new one", "[domain][engine][meetings]") {
  Journey j = adultRassoTrial();
  j.add("hearing.listed", "2026-04-08T10:00:00+01:00", "", {{"kind", "trial"}}).hearing_date = Date(2026, 6, 15);
  j.add("meeting.responded", "2026-04-20T11:00:00+01:00", "v1",
        {{"meeting", "familiarisation_meeting"}, {"response", "accepted"}});
  j.add("meeting.responded", "2026-04-21T11:00:00+01:00", "v1",
        {{"meeting", "familiarisation_meeting"}, {"response", "declined"}});
  auto d = j.derive();
  CHECK(meetingOf(d, "familiarisation_meeting")->state == "declined");
  CHECK(obligation(d, "FAM-MEET-HELD:v1:e5")->status == "cancelled");
  CHECK(obligation(d, "FAM-MEET-HELD:v1:e5")->cancelled_by == "e6");

  j.add("meeting.responded", "2026-04-27T11:00:00+01:00", "v1",
        {{"meeting", "familiarisation_meeting"}, {"response", "accepted"}});
  d = j.derive();
  REQUIRE(d.meetings.size() == 1);  // the same meeting, accepted again
  CHECK(d.meetings[0].state == "accepted");
  CHECK(d.meetings[0].held_obligation == "FAM-MEET-HELD:v1:e7");
  CHECK(obligation(d, "FAM-MEET-HELD:v1:e7")->status == "pending");
}

TEST_CASE("a guilty plea cancels a familiarisation meeting: there is no trial to prepare for", "[domain][engine][meetings]") {
  Journey j = adultRassoTrial();
  j.add("plea.entered", "2026-04-20T11:00:00+01:00", "", {{"plea", "guilty"}});
  auto d = j.derive();
  const Meeting* m = meetingOf(d, "familiarisation_meeting");
  CHECK(m->state == "cancelled");
  CHECK(m->cancelled_by == "e4");
}

TEST_CASE("a bereaved family meeting accepted after a conviction must be held before the sentencing hearing",
          "[domain][engine][meetings]") {
  Journey j;
  j.caseRegistered({"homicide"}).victim("v1", {"bereaved_relative"});
  j.add("charging.decided", kThursdayBeforeEaster, "", {{"decision", "charge"}});  // e3: BRV-MEET offered
  j.add("meeting.responded", "2026-04-08T11:00:00+01:00", "v1",
        {{"meeting", "bereaved_family_meeting"}, {"response", "accepted"}});
  auto d = j.derive();
  const Meeting* m = meetingOf(d, "bereaved_family_meeting");
  CHECK(m->state == "accepted");
  CHECK(m->deadline_note == "a deadline applies after a conviction: before the sentence hearing");

  j.add("verdict.recorded", "2026-06-30T15:00:00+01:00", "", {{"outcome", "convicted"}});
  j.add("hearing.listed", "2026-06-30T16:00:00+01:00", "", {{"kind", "sentence"}}).hearing_date = Date(2026, 7, 10);
  d = j.derive();
  m = meetingOf(d, "bereaved_family_meeting");
  const Obligation* held = obligation(d, m->held_obligation);
  REQUIRE(held);
  CHECK(held->rule == "BRV-MEET-HELD");
  CHECK(held->due_by == Date(2026, 7, 10));  // on or before the day of the hearing, Friday 10 July
  CHECK(held->basis == "service_standard");
  // The verdict offered another meeting; it joins the one already accepted.
  CHECK(d.meetings.size() == 1);
  CHECK(m->offers.size() == 2);
}

TEST_CASE("ISVA notifications follow consent: withdrawn consent cancels what is open", "[domain][engine][isva]") {
  Journey j;
  j.caseRegistered({"rape"}).victim("v1");
  Event& assigned = j.add("isva.assigned", "2026-03-31T09:00:00+01:00", "v1", {{"consent_to_share", "true"}});
  assigned.isva_id = "isva-1";
  assigned.consent_to_share = true;
  j.add("hearing.listed", kThursdayBeforeEaster, "", {{"kind", "trial"}}).hearing_date = Date(2026, 6, 15);
  auto d = j.derive();
  auto notes = ofRule(d, "ISVA-NOTE");
  REQUIRE(notes.size() == 1);
  CHECK(notes[0]->due_by == Date(2026, 4, 7));
  CHECK(notes[0]->recipient == "isva");

  Event& withdrawn = j.add("isva.consent_changed", "2026-04-03T09:00:00+01:00", "v1", {{"consent_to_share", "false"}});
  withdrawn.consent_to_share = false;
  j.add("hearing.listed", "2026-04-03T10:00:00+01:00", "", {{"kind", "sentence"}}).hearing_date = Date(2026, 7, 1);
  d = j.derive();
  notes = ofRule(d, "ISVA-NOTE");
  REQUIRE(notes.size() == 1);  // nothing new without consent
  CHECK(notes[0]->status == "cancelled");
  CHECK(notes[0]->cancelled_by == "e5");
}

TEST_CASE("the daemon's own notification events complete or cancel the one they name", "[domain][engine][isva]") {
  Journey j;
  j.caseRegistered({"rape"}).victim("v1");
  Event& assigned = j.add("isva.assigned", "2026-03-31T09:00:00+01:00", "v1", {{"consent_to_share", "true"}});
  assigned.isva_id = "isva-1";
  assigned.consent_to_share = true;
  j.add("plea.entered", kThursdayBeforeEaster, "", {{"plea", "not_guilty"}});  // e4
  j.add("hearing.listed", kThursdayBeforeEaster, "", {{"kind", "trial"}}).hearing_date = Date(2026, 6, 15);  // e5
  j.add("notification.sent", "2026-04-08T09:00:00+01:00", "v1", {{"obligation", "ISVA-NOTE:v1:e5"}});
  j.add("notification.withheld", "2026-04-08T09:00:00+01:00", "v1", {{"obligation", "ISVA-NOTE:v1:e4"}});
  auto d = j.derive();
  const Obligation* sent = obligation(d, "ISVA-NOTE:v1:e5");
  CHECK(sent->status == "late");  // due Tuesday 7 April
  CHECK(sent->late_working_days == 1);
  CHECK(obligation(d, "ISVA-NOTE:v1:e4")->status == "cancelled");
  CHECK(obligation(d, "ISVA-NOTE:v1:e4")->cancelled_by == "e7");
}

TEST_CASE("a meeting held before any deadline applied says so; one the rule book sets no date for says that",
          "[domain][engine][meetings]") {
  Journey j = adultRassoTrial();
  j.add("meeting.held", "2026-04-08T11:00:00+01:00", "v1", {{"meeting", "familiarisation_meeting"}});
  j.add("meeting.responded", "2026-04-08T12:00:00+01:00", "v1",
        {{"meeting", "special_measures_meeting"}, {"response", "accepted"}});  // asked for without an offer
  auto d = j.derive();
  CHECK(meetingOf(d, "familiarisation_meeting")->state == "held");
  CHECK(meetingOf(d, "familiarisation_meeting")->deadline_note == "held before any deadline applied");
  const Meeting* sm = meetingOf(d, "special_measures_meeting");
  REQUIRE(sm);
  CHECK(sm->offers.empty());
  CHECK(sm->id == "special_measures_meeting:v1:e5");
  CHECK(sm->deadline_note == "the rule book sets no date by which this meeting must be held");
}
