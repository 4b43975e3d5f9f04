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
          {"RASSO-CHARGE", "sexual_offence", "charging.decided", "decision", "charge", "2026-04-13", "2026-04-13"},
          {"FAM-MEET", "rape", "plea.entered", "plea", "not_guilty", "2026-04-13", "2026-04-13"},
          {"SM-MEET", "other", "plea.entered", "plea", "not_guilty", "2026-04-13", ""},
          {"BRV-MEET", "homicide", "verdict.recorded", "outcome", "convicted", "2026-04-13", ""},
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

TEST_CASE("an event the calendar cannot cover is refused with the event named", "[domain][engine]") {
  Journey j;
  j.caseRegistered({"other"}).victim("v1");
  j.add("charging.decided", "2028-12-29T10:00:00Z", "", {{"decision", "no_further_action"}});
  try {
    j.derive();
    FAIL("expected an EventError");
  } catch (const EventError& e) {
    CHECK(e.eventId() == "e3");
    CHECK_THAT(e.what(), Catch::Contains("covers 2024 to 2028"));
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
