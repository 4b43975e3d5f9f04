// Issue 14's rule changes, as the engine applies the rule book
// (config/rules/victims-code-2020.json): who is bereaved, when a bereaved
// family is offered a meeting and which letter carries the offer, mixed pleas,
// RASSO-INTRO once per victim, RASSO-CHARGE's tier, vrr.extended, and the
// meetings held on or before a hearing.

#include <catch2/catch.hpp>

#include <algorithm>

#include "domain/engine.h"
#include "domain/letter.h"
#include "loading/policy_files.h"

using namespace vc::domain;

namespace {

const Engine& engine() {
  static const auto kCalendar = vc::loading::loadCalendar(VC_SOURCE_DIR "/config/calendars/england-and-wales.json");
  static const auto kRules = vc::loading::loadRuleBook({VC_SOURCE_DIR "/config/rules/victims-code-2020.json"});
  static const Engine kEngine(kRules, kCalendar);
  return kEngine;
}

struct Journey {
  std::vector<Event> events;
  int n = 0;

  Event& add(const std::string& type, const std::string& occurred_at, const std::string& victim = "",
             std::map<std::string, std::string> attrs = {}) {
    Event e;
    e.id = "e" + std::to_string(++n);
    e.type = type;
    e.case_urn = "52RB0100126";
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
  Journey& victim(const std::string& id, std::vector<std::string> flags = {}, std::string representative = "",
                  std::optional<Date> dob = {}) {
    Event& e = add("victim.registered", "2026-03-30T09:05:00+01:00", id);
    e.flags = std::move(flags);
    if (!representative.empty()) e.representative = representative;
    e.date_of_birth = dob;
    return *this;
  }
  Event& extend(const std::string& at, const std::string& victim, int working_days, const std::string& reasons) {
    Event& e = add("vrr.extended", at, victim, {{"working_days", std::to_string(working_days)}});
    e.working_days = working_days;
    e.reasons = reasons;
    return e;
  }
  CaseDerivation derive() const { return engine().derive(events); }
};

std::vector<const Obligation*> ofRule(const CaseDerivation& d, const std::string& rule, const std::string& victim = "") {
  std::vector<const Obligation*> out;
  for (const auto& o : d.obligations)
    if (o.rule == rule && (victim.empty() || o.victim_id == victim)) out.push_back(&o);
  return out;
}

const Obligation* byId(const CaseDerivation& d, const std::string& id) {
  for (const auto& o : d.obligations)
    if (o.id == id) return &o;
  return nullptr;
}

const std::string kThursdayBeforeEaster = "2026-04-02T15:20:00+01:00";

}  // namespace

// ---- bereaved families ---------------------------------------------------------------------------

TEST_CASE("bereaved means the victim's flag or a family spokesperson, not every victim on a homicide case",
          "[domain][engine][bereaved]") {
  auto [who, flags, representative, offered] =
      GENERATE(table<std::string, std::vector<std::string>, std::string, bool>({
          {"an injured survivor on a homicide case", {}, "", false},
          {"a victim with a parent or guardian", {}, "parent_or_guardian", false},
          {"a victim spoken for by a family spokesperson", {}, "family_spokesperson", true},
          {"a victim flagged bereaved_relative", {"bereaved_relative"}, "", true},
      }));
  CAPTURE(who);
  Journey j;
  j.caseRegistered({"homicide"}).victim("v1", flags, representative);
  j.add("verdict.recorded", kThursdayBeforeEaster, "", {{"outcome", "convicted"}});
  const CaseDerivation d = j.derive();
  const auto brv = ofRule(d, "BRV-MEET");
  CHECK(brv.size() == (offered ? 1u : 0u));
  if (offered) {
    CHECK(brv[0]->basis == "service_standard");  // the guidance sets no day count: 5 is a local standard
    CHECK_FALSE(brv[0]->right);
    CHECK(brv[0]->due_by == Date(2026, 4, 13));
  }
}

TEST_CASE("a family spokesperson named later by victim.updated makes the victim bereaved from then on",
          "[domain][engine][bereaved]") {
  Journey j;
  j.caseRegistered({"homicide"}).victim("v1");
  j.add("charging.decided", kThursdayBeforeEaster, "", {{"decision", "charge"}});
  j.add("victim.updated", "2026-04-07T10:00:00+01:00", "v1").representative = "family_spokesperson";
  j.add("verdict.recorded", "2026-04-08T10:00:00+01:00", "", {{"outcome", "convicted"}});
  const CaseDerivation d = j.derive();
  const auto brv = ofRule(d, "BRV-MEET");
  REQUIRE(brv.size() == 1);
  CHECK(brv[0]->trigger_event == "e5");
}

TEST_CASE("BRV-MEET follows each meeting point of the guidance, never refer_back", "[domain][engine][bereaved]") {
  auto [type, field, value, offered] = GENERATE(table<std::string, std::string, std::string, bool>({
      {"charging.decided", "decision", "charge", true},
      {"charging.decided", "decision", "no_further_action", true},
      {"charging.decided", "decision", "refer_back", false},
      {"charges.altered", "substantial", "true", true},
      {"charges.altered", "substantial", "false", false},
      {"case.discontinued", "scope", "all", true},
      {"case.discontinued", "scope", "partial", true},
      {"case.discontinued", "scope", "no_evidence_offered", true},
      {"verdict.recorded", "outcome", "convicted", true},
      {"verdict.recorded", "outcome", "acquitted", true},
      {"sentence.passed", "", "", true},
      {"appeal.lodged", "leave_granted", "true", true},
      {"appeal.lodged", "leave_granted", "false", false},
  }));
  CAPTURE(type, value);
  Journey j;
  j.caseRegistered({"homicide"}).victim("v1", {"bereaved_relative"});
  std::map<std::string, std::string> attrs;
  if (!field.empty()) attrs[field] = value;
  j.add(type, kThursdayBeforeEaster, "", attrs);
  CHECK(ofRule(j.derive(), "BRV-MEET").size() == (offered ? 1u : 0u));
}

TEST_CASE("a decision letter that carries the meeting offer is the only letter, and sending it completes the offer",
          "[domain][engine][bereaved]") {
  auto [type, field, value, carrier] = GENERATE(table<std::string, std::string, std::string, std::string>({
      {"charging.decided", "decision", "no_further_action", "VCL-NFA"},
      {"case.discontinued", "scope", "all", "VCL-DISC"},
      {"case.discontinued", "scope", "partial", "VCL-ALT"},
      {"charges.altered", "substantial", "true", "VCL-ALT"},
      {"charging.decided", "decision", "charge", ""},  // no decision letter: the offer has its own
      {"verdict.recorded", "outcome", "convicted", ""},
  }));
  CAPTURE(type, value);
  Journey j;
  j.caseRegistered({"homicide"}).victim("v1", {}, "family_spokesperson");
  j.add(type, kThursdayBeforeEaster, "", {{field, value}});  // e3
  CaseDerivation d = j.derive();
  const Obligation* brv = byId(d, "BRV-MEET:v1:e3");
  REQUIRE(brv);
  if (carrier.empty()) {
    CHECK(brv->carried_by.empty());
    CHECK(obligationNeedsLetter(brv->kind, brv->recipient, brv->template_name, brv->carried_by));
    return;
  }
  const std::string carrier_id = carrier + ":v1:e3";
  CHECK(brv->carried_by == carrier_id);
  CHECK_FALSE(obligationNeedsLetter(brv->kind, brv->recipient, brv->template_name, brv->carried_by));
  const Obligation* letter = byId(d, carrier_id);
  REQUIRE(letter);
  CHECK(obligationNeedsLetter(letter->kind, letter->recipient, letter->template_name, letter->carried_by));

  // The decision letter goes on Thursday 9 April: late itself (due Tuesday 7 April), but the offer
  // it carried (5 working days: due Monday 13 April) is met by the same letter.
  j.add("letter.sent", "2026-04-09T12:00:00+01:00", "v1", {{"obligation", carrier_id}});  // e4
  d = j.derive();
  CHECK(byId(d, carrier_id)->status == "late");
  brv = byId(d, "BRV-MEET:v1:e3");
  CHECK(brv->status == "met");
  CHECK(brv->completed_by == "e4");
}

TEST_CASE("a carried offer goes with its letter when that is superseded, and stands alone when it is opted out of",
          "[domain][engine][bereaved]") {
  SECTION("the NFA is reversed: its letter and the offer it carried are cancelled; the charge offers the meeting again") {
    Journey j;
    j.caseRegistered({"homicide"}).victim("v1", {"bereaved_relative"});
    j.add("charging.decided", kThursdayBeforeEaster, "", {{"decision", "no_further_action"}});  // e3
    j.add("charging.decided", "2026-04-08T10:00:00+01:00", "", {{"decision", "charge"}});       // e4
    const CaseDerivation d = j.derive();
    CHECK(byId(d, "VCL-NFA:v1:e3")->status == "cancelled");
    CHECK(byId(d, "BRV-MEET:v1:e3")->status == "cancelled");
    CHECK(byId(d, "BRV-MEET:v1:e3")->cancelled_by == "e4");
    CHECK(byId(d, "BRV-MEET:v1:e4")->status == "pending");
    CHECK(byId(d, "BRV-MEET:v1:e4")->carried_by.empty());
  }
  SECTION("the victim opts out of the NFA letter only: the offer needs a letter of its own") {
    Journey j;
    j.caseRegistered({"homicide"}).victim("v1", {"bereaved_relative"});
    j.add("charging.decided", kThursdayBeforeEaster, "", {{"decision", "no_further_action"}});  // e3
    j.add("victim.updated", "2026-04-03T10:00:00+01:00", "v1").opt_out = {"VCL-NFA"};
    const CaseDerivation d = j.derive();
    CHECK(byId(d, "VCL-NFA:v1:e3")->status == "waived");
    CHECK(byId(d, "BRV-MEET:v1:e3")->status == "pending");
    CHECK(byId(d, "BRV-MEET:v1:e3")->carried_by.empty());
  }
}

TEST_CASE("a bereaved family meeting after a conviction is due on or before the day of the sentencing hearing",
          "[domain][engine][bereaved][meetings]") {
  Journey j;
  j.caseRegistered({"homicide"}).victim("v1", {"bereaved_relative"});
  j.add("charging.decided", kThursdayBeforeEaster, "", {{"decision", "charge"}});  // e3
  j.add("meeting.responded", "2026-04-08T11:00:00+01:00", "v1",
        {{"meeting", "bereaved_family_meeting"}, {"response", "accepted"}});  // e4
  j.add("verdict.recorded", "2026-06-30T15:00:00+01:00", "", {{"outcome", "convicted"}});
  j.add("hearing.listed", "2026-06-30T16:00:00+01:00", "", {{"kind", "sentence"}}).hearing_date = Date(2026, 7, 10);
  const CaseDerivation d = j.derive();
  const Obligation* held = byId(d, "BRV-MEET-HELD:v1:e4");
  REQUIRE(held);
  CHECK(held->due_by == Date(2026, 7, 10));  // Friday 10 July, the sentencing hearing's own date
  CHECK(held->basis == "service_standard");
  CHECK_THAT(held->explanation.text, Catch::Contains("on or before the day of the sentence hearing listed for "
                                                     "Friday 10 July 2026"));
  // A meeting held on the day is on time.
  Journey on_the_day = j;
  on_the_day.add("meeting.held", "2026-07-10T09:30:00+01:00", "v1", {{"meeting", "bereaved_family_meeting"}});
  CHECK(byId(on_the_day.derive(), "BRV-MEET-HELD:v1:e4")->status == "met");
}

// ---- mixed pleas -------------------------------------------------------------------------------------

TEST_CASE("a mixed plea triggers everything a not guilty plea does", "[domain][engine][plea]") {
  auto [rule, offence, flags] = GENERATE(table<std::string, std::string, std::vector<std::string>>({
      {"FAM-MEET", "rape", {}},
      {"SM-MEET", "other", {"intimidated"}},
      {"WCU-EVIDENCE", "other", {}},
  }));
  for (const std::string plea : {"not_guilty", "mixed"}) {
    CAPTURE(rule, plea);
    Journey j;
    j.caseRegistered({offence}).victim("v1", flags);
    j.add("plea.entered", kThursdayBeforeEaster, "", {{"plea", plea}});
    CHECK(ofRule(j.derive(), rule).size() == 1);
  }
}

TEST_CASE("a familiarisation meeting counts back from the earlier of the trial and an s28 hearing",
          "[domain][engine][meetings]") {
  Journey j;
  j.caseRegistered({"rape"}).victim("v1", {}, "", Date(1990, 5, 1));
  j.add("plea.entered", kThursdayBeforeEaster, "", {{"plea", "mixed"}});  // e3
  j.add("meeting.responded", "2026-04-07T10:00:00+01:00", "v1",
        {{"meeting", "familiarisation_meeting"}, {"response", "accepted"}});  // e4
  j.add("hearing.listed", "2026-04-08T10:00:00+01:00", "", {{"kind", "trial"}}).hearing_date = Date(2026, 6, 15);
  CaseDerivation d = j.derive();
  REQUIRE(byId(d, "FAM-MEET-HELD:v1:e4"));
  CHECK(byId(d, "FAM-MEET-HELD:v1:e4")->due_by == Date(2026, 6, 11));  // 2 WD before Monday 15 June
  j.add("hearing.listed", "2026-04-09T10:00:00+01:00", "", {{"kind", "s28"}}).hearing_date = Date(2026, 5, 20);
  d = j.derive();
  const Obligation* held = byId(d, "FAM-MEET-HELD:v1:e4");
  CHECK(held->due_by == Date(2026, 5, 18));  // 2 WD before Wednesday 20 May, the s28 hearing
  CHECK_THAT(held->explanation.text, Catch::Contains("the s28 hearing listed for Wednesday 20 May 2026"));
  REQUIRE(held->changes.size() == 1);
  CHECK(held->changes[0].event_id == "e6");
}

// ---- RASSO letters -------------------------------------------------------------------------------------

TEST_CASE("RASSO-INTRO is sent once per victim per case, and not for early advice", "[domain][engine][rasso]") {
  SECTION("a second referral does not introduce the prosecutor again; absent kind counts as full code test") {
    Journey j;
    j.caseRegistered({"rape"}).victim("v1");
    j.add("charging.referred", "2026-03-31T10:00:00+01:00");                               // e3: no kind
    j.add("charging.referred", kThursdayBeforeEaster, "", {{"kind", "full_code_test"}});  // e4
    const CaseDerivation d = j.derive();
    const auto intro = ofRule(d, "RASSO-INTRO");
    REQUIRE(intro.size() == 1);
    CHECK(intro[0]->trigger_event == "e3");
  }
  SECTION("early advice introduces nobody; the full code test referral does") {
    Journey j;
    j.caseRegistered({"rape"}).victim("v1");
    j.add("charging.referred", "2026-03-31T10:00:00+01:00", "", {{"kind", "early_advice"}});  // e3
    CHECK(ofRule(j.derive(), "RASSO-INTRO").empty());
    j.add("charging.referred", kThursdayBeforeEaster, "", {{"kind", "full_code_test"}});  // e4
    const CaseDerivation d = j.derive();
    const auto intro = ofRule(d, "RASSO-INTRO");
    REQUIRE(intro.size() == 1);
    CHECK(intro[0]->trigger_event == "e4");
  }
  SECTION("a victim registered after the first referral gets theirs at the next; the first victim does not again") {
    Journey j;
    j.caseRegistered({"sexual_offence"}).victim("v1");
    j.add("charging.referred", "2026-03-31T10:00:00+01:00", "", {{"kind", "full_code_test"}});  // e3
    j.add("victim.registered", "2026-04-01T09:00:00+01:00", "v2");                             // e4
    j.add("charging.referred", kThursdayBeforeEaster, "", {{"kind", "full_code_test"}});       // e5
    const CaseDerivation d = j.derive();
    CHECK(ofRule(d, "RASSO-INTRO", "v1").size() == 1);
    REQUIRE(ofRule(d, "RASSO-INTRO", "v2").size() == 1);
    CHECK(ofRule(d, "RASSO-INTRO", "v2")[0]->trigger_event == "e5");
  }
}

TEST_CASE("RASSO-CHARGE is due within 1 working day for an enhanced victim, as the introduction letter promises",
          "[domain][engine][rasso]") {
  Journey j;
  j.caseRegistered({"rape"}).victim("v1");
  j.add("charging.decided", kThursdayBeforeEaster, "", {{"decision", "charge"}});
  const CaseDerivation d = j.derive();
  const auto charge = ofRule(d, "RASSO-CHARGE");
  REQUIRE(charge.size() == 1);
  CHECK(charge[0]->tier == "enhanced");
  CHECK(charge[0]->due_by == Date(2026, 4, 7));  // Thursday 2 April + 1 WD over Easter
  const RuleDef* rule = engine().rules().inForceOn(Date(2026, 4, 2)).find("RASSO-CHARGE");
  CHECK(rule->enhanced_days == 1);
  CHECK(rule->standard_days == 5);
}

// ---- Victims' Right to Review: extensions --------------------------------------------------------------

TEST_CASE("vrr.extended moves VRR-OUT's due date, keeps it as an extension and drafts VRR-EXT",
          "[domain][engine][vrr]") {
  Journey j;
  j.caseRegistered({"other"}).victim("v1");
  j.add("charging.decided", "2026-03-31T10:00:00+01:00", "", {{"decision", "no_further_action"}});  // e3
  j.add("vrr.requested", kThursdayBeforeEaster, "v1");                                               // e4
  CHECK(byId(j.derive(), "VRR-OUT:v1:e4")->due_by == Date(2026, 5, 19));
  j.extend("2026-05-12T10:00:00+01:00", "v1", 10, "We are waiting for a police statement.");  // e5
  const CaseDerivation d = j.derive();
  CHECK(d.refused.empty());
  const Obligation* out = byId(d, "VRR-OUT:v1:e4");
  // 10 working days after Tuesday 19 May, passing over the Spring bank holiday (25 May).
  CHECK(out->due_by == Date(2026, 6, 3));
  CHECK(out->status == "pending");
  REQUIRE(out->extensions.size() == 1);
  CHECK(out->extensions[0].from_due == Date(2026, 5, 19));
  CHECK(out->extensions[0].to_due == Date(2026, 6, 3));
  CHECK(out->extensions[0].working_days == 10);
  REQUIRE(out->changes.size() == 1);
  CHECK(out->changes[0].why == "extended: We are waiting for a police statement.");
  CHECK(out->changes[0].event_id == "e5");
  CHECK_THAT(out->explanation.text, Catch::Contains("Extended by 10 working days"));
  // On 25 May the old date has passed, but the review is not in breach: it is due 3 June.
  CHECK(effectiveStatus(*out, Date(2026, 5, 26)) == "pending");

  const auto ext = ofRule(d, "VRR-EXT");
  REQUIRE(ext.size() == 1);
  CHECK(ext[0]->template_name == "vrr_extension");
  CHECK(ext[0]->due_by == Date(2026, 5, 13));
  CHECK(ext[0]->basis == "service_standard");

  // A later change of tier recomputes from the trigger and keeps the extension.
  Journey later = j;
  later.add("victim.updated", "2026-05-13T10:00:00+01:00", "v1").flags = std::vector<std::string>{"intimidated"};
  CHECK(byId(later.derive(), "VRR-OUT:v1:e4")->due_by == Date(2026, 6, 3));
  // A second extension moves it on again and replaces the first letter if it has not gone.
  later.extend("2026-05-20T10:00:00+01:00", "v1", 5, "The reviewing prosecutor is ill.");
  const CaseDerivation twice = later.derive();
  CHECK(byId(twice, "VRR-OUT:v1:e4")->due_by == Date(2026, 6, 10));
  CHECK(byId(twice, "VRR-OUT:v1:e4")->extendedWorkingDays() == 15);
  CHECK(byId(twice, "VRR-EXT:v1:e5")->status == "cancelled");
  CHECK(byId(twice, "VRR-EXT:v1:e7")->status == "pending");
}

TEST_CASE("vrr.extended with no open review to extend is refused and changes nothing", "[domain][engine][vrr]") {
  Journey j;
  j.caseRegistered({"other"}).victim("v1");
  j.add("charging.decided", "2026-03-31T10:00:00+01:00", "", {{"decision", "no_further_action"}});  // e3
  SECTION("no review was asked for") {
    j.extend("2026-04-07T10:00:00+01:00", "v1", 5, "Reasons.");
  }
  SECTION("the review has been decided") {
    j.add("vrr.requested", kThursdayBeforeEaster, "v1");
    j.add("vrr.decided", "2026-04-20T10:00:00+01:00", "v1", {{"outcome", "upheld"}});
    j.extend("2026-04-21T10:00:00+01:00", "v1", 5, "Reasons.");
  }
  SECTION("the review's due date has already passed") {
    j.add("vrr.requested", kThursdayBeforeEaster, "v1");
    j.extend("2026-05-20T10:00:00+01:00", "v1", 5, "Reasons.");
  }
  const CaseDerivation d = j.derive();
  REQUIRE(d.refused.size() == 1);
  CHECK(d.refused[0].event_id == j.events.back().id);
  CHECK(ofRule(d, "VRR-EXT").empty());
  for (const auto* out : ofRule(d, "VRR-OUT")) {
    CHECK(out->extensions.empty());
    CHECK(out->due_by == Date(2026, 5, 19));
  }
}

// ---- the rule book's new keys are checked at load ----------------------------------------------------

TEST_CASE("the rule book refuses carries_offer, not_created_in_case and held_before that name nothing sensible",
          "[domain][rules]") {
  auto rule = [](std::string id, std::string kind) {
    RuleDef r;
    r.id = std::move(id);
    r.title = r.id;
    r.kind = std::move(kind);
    r.template_name = "t";
    r.recipient = "victim";
    r.owner = "cps";
    r.basis = "service_standard";
    r.triggers = {EventMatch{"charging.decided", {}}};
    return r;
  };
  auto load = [](std::vector<RuleDef> rules) {
    RuleSet set;
    set.policy = "test";
    set.effective_from = Date(2021, 4, 1);
    set.rules = std::move(rules);
    return RuleBook({set});
  };
  RuleDef letter = rule("L", "letter"), offer = rule("M", "meeting");
  letter.carries_offer = {"M"};
  CHECK_NOTHROW(load({letter, offer}));
  letter.carries_offer = {"L2"};
  CHECK_THROWS_WITH(load({letter, offer}), Catch::Contains("carries_offer 'L2' must name a meeting rule"));
  letter.carries_offer = {};
  letter.conditions = {"not_created_in_case:L"};  // itself: once per victim per case
  CHECK_NOTHROW(load({letter, offer}));
  letter.conditions = {"not_created_in_case:NOPE"};
  CHECK_THROWS_WITH(load({letter, offer}), Catch::Contains("names no rule"));
  letter.conditions = {};
  RuleDef held = rule("H", "meeting_held");
  held.triggers.clear();
  held.meeting = "t";
  held.held_before = HeldBefore{"sentence", {"sentence"}, 0, true};
  CHECK_NOTHROW(load({letter, offer, held}));
  held.held_before->working_days = -1;
  CHECK_THROWS_WITH(load({letter, offer, held}), Catch::Contains("0 or more working days"));
}
