// The domain's rules for letters, as tables: which review steps are refused
// and why, how much time a letter has left, which cases are "specified" (a
// meeting is offered), which decisions the Victims' Right to Review covers,
// and Welsh dates.

#include <catch2/catch.hpp>

#include "domain/letter.h"
#include "loading/policy_files.h"

using namespace vc::domain;  // NOLINT

namespace {

const WorkingDayCalendar& calendar() {
  static const WorkingDayCalendar kCalendar =
      vc::loading::loadCalendar(VC_SOURCE_DIR "/config/calendars/england-and-wales.json");
  return kCalendar;
}

std::string refusalCode(const std::optional<ReviewRefusal>& r) { return r ? r->code : "allowed"; }

}  // namespace

TEST_CASE("Approval: only a complete draft, by someone other than its last editor, at the version they read",
          "[domain][letters]") {
  struct Row {
    LetterState state;
    size_t blocked;
    std::string last_editor, approver;
    int version;
    std::optional<int> read;
    std::string expected;
  };
  const auto row = GENERATE(values<Row>({
      {LetterState::kDraft, 0, "", "alice", 1, std::nullopt, "allowed"},       // only the system wrote it
      {LetterState::kDraft, 0, "bob", "alice", 3, 3, "allowed"},
      {LetterState::kDraft, 0, "alice", "alice", 3, std::nullopt, "four_eyes"},
      {LetterState::kDraft, 0, "bob", "alice", 3, 2, "stale_version"},
      {LetterState::kBlocked, 2, "", "alice", 1, std::nullopt, "letter_blocked"},
      {LetterState::kDraft, 1, "", "alice", 1, std::nullopt, "letter_blocked"},
      {LetterState::kApproved, 0, "bob", "alice", 2, std::nullopt, "invalid_state"},
      {LetterState::kSent, 0, "bob", "alice", 2, std::nullopt, "invalid_state"},
      {LetterState::kRejected, 0, "bob", "alice", 2, std::nullopt, "invalid_state"},
      {LetterState::kWithdrawn, 0, "", "alice", 1, std::nullopt, "invalid_state"},
  }));
  INFO(toString(row.state) << " last editor '" << row.last_editor << "' approver " << row.approver);
  CHECK(refusalCode(refuseApproval(row.state, row.blocked, row.last_editor, row.approver, row.version, row.read)) ==
        row.expected);
}

TEST_CASE("A refused approval by its own editor is forbidden, the others are conflicts", "[domain][letters]") {
  CHECK(refuseApproval(LetterState::kDraft, 0, "alice", "alice", 1, std::nullopt)->why == ReviewRefusal::Why::kFourEyes);
  CHECK(refuseApproval(LetterState::kBlocked, 1, "", "alice", 1, std::nullopt)->message ==
        "the letter cannot be approved while 1 item of its content is missing (see blocked_by)");
}

TEST_CASE("Edits: drafts, blocked and rejected letters, at the current version", "[domain][letters]") {
  struct Row {
    LetterState state;
    int current, edited;
    std::string expected;
  };
  const auto row = GENERATE(values<Row>({
      {LetterState::kDraft, 2, 2, "allowed"},
      {LetterState::kBlocked, 1, 1, "allowed"},
      {LetterState::kRejected, 4, 4, "allowed"},
      {LetterState::kDraft, 2, 1, "stale_version"},
      {LetterState::kApproved, 2, 2, "invalid_state"},
      {LetterState::kSent, 2, 2, "invalid_state"},
      {LetterState::kWithdrawn, 2, 2, "invalid_state"},
  }));
  CHECK(refusalCode(refuseEdit(row.state, row.current, row.edited)) == row.expected);
  CHECK(refusalCode(refuseRejection(row.state)) ==
        (row.state == LetterState::kDraft || row.state == LetterState::kBlocked ? "allowed" : "invalid_state"));
}

TEST_CASE("Letter states: names, and which are still work for the unit", "[domain][letters]") {
  for (auto s : {LetterState::kDraft, LetterState::kBlocked, LetterState::kApproved, LetterState::kSent,
                 LetterState::kRejected, LetterState::kWithdrawn})
    CHECK(parseLetterState(toString(s)) == s);
  CHECK_FALSE(parseLetterState("pending"));
  CHECK(isOpen(LetterState::kRejected));
  CHECK(isOpen(LetterState::kApproved));
  CHECK_FALSE(isOpen(LetterState::kSent));
  CHECK_FALSE(isOpen(LetterState::kWithdrawn));
}

TEST_CASE("Which obligations need a letter", "[domain][letters]") {
  CHECK(obligationNeedsLetter("letter", "victim", "decision_not_to_prosecute"));
  CHECK(obligationNeedsLetter("meeting", "victim", "familiarisation_meeting"));
  CHECK_FALSE(obligationNeedsLetter("notification", "isva", "isva_notification"));
  CHECK_FALSE(obligationNeedsLetter("partner", "victim", ""));
  CHECK_FALSE(obligationNeedsLetter("letter", "victim", ""));
}

TEST_CASE("Time left counts working days, skipping weekends and bank holidays", "[domain][letters]") {
  struct Row {
    const char* today;
    const char* due;
    const char* urgency;
    int working_days;
    const char* text;
  };
  const auto row = GENERATE(values<Row>({
      {"2026-04-06", "2026-04-07", "due_next_working_day", 1, "due tomorrow (due Tuesday 7 April 2026)"},
      {"2026-04-02", "2026-04-07", "due_next_working_day", 1,  // Good Friday and Easter Monday between
       "due on the next working day (due Tuesday 7 April 2026)"},
      {"2026-04-07", "2026-04-07", "due_today", 0, "due today (due Tuesday 7 April 2026)"},
      {"2026-04-06", "2026-04-13", "later", 5, "5 working days left (due Monday 13 April 2026)"},
      {"2026-04-06", "2026-03-30", "overdue", -3, "overdue by 3 working days (due Monday 30 March 2026)"},
      {"2026-11-21", "2026-11-20", "overdue", 0, "overdue (due Friday 20 November 2026)"},  // the next day, a Saturday
      {"2026-12-24", "2026-12-29", "due_next_working_day", 1,
       "due on the next working day (due Tuesday 29 December 2026)"},
  }));
  INFO(row.today << " -> " << row.due);
  const TimeLeft t = timeLeft(calendar(), *Date::parse(row.today), *Date::parse(row.due));
  CHECK(t.urgency == row.urgency);
  CHECK(t.working_days == row.working_days);
  CHECK(t.text == row.text);
}

TEST_CASE("Specified cases, where a decision letter offers a meeting", "[domain][letters]") {
  using V = std::vector<std::string>;
  CHECK(isSpecifiedCase(V{"homicide"}, false, true));   // the bereaved family
  CHECK_FALSE(isSpecifiedCase(V{"homicide"}, false, false));  // an adult injured in the same attack
  CHECK(isSpecifiedCase(V{"homicide"}, true, false));   // a child injured in it: a child victim of violence
  CHECK(isSpecifiedCase(V{"rape"}, false, false));
  CHECK(isSpecifiedCase(V{"sexual_offence"}, false, false));
  CHECK(isSpecifiedCase(V{"hate_crime"}, false, false));
  CHECK(isSpecifiedCase(V{"child_abuse"}, false, false));
  CHECK(isSpecifiedCase(V{"gbh_with_intent"}, true, false));  // a child victim of violence
  CHECK_FALSE(isSpecifiedCase(V{"gbh_with_intent"}, false, false));
  CHECK_FALSE(isSpecifiedCase(V{"harassment"}, true, false));  // not violent
  CHECK_FALSE(isSpecifiedCase(V{"other"}, false, false));
}

TEST_CASE("The Victims' Right to Review covers not charging and stopping the whole case", "[domain][letters]") {
  CHECK(decisionQualifiesForReview("decision_not_to_prosecute", "charging.decided", ""));
  CHECK(decisionQualifiesForReview("discontinuance", "case.discontinued", "all"));
  CHECK(decisionQualifiesForReview("discontinuance", "case.discontinued", "no_evidence_offered"));
  CHECK_FALSE(decisionQualifiesForReview("charges_altered", "case.discontinued", "partial"));
  CHECK_FALSE(decisionQualifiesForReview("charges_altered", "charges.altered", ""));
  CHECK_FALSE(decisionQualifiesForReview("rasso_charge", "charging.decided", ""));
}

TEST_CASE("Dates in Welsh and English letters", "[domain][letters]") {
  CHECK(welshLongDate(Date(2026, 4, 7)) == "Dydd Mawrth 7 Ebrill 2026");
  CHECK(welshLongDate(Date(2026, 11, 23)) == "Dydd Llun 23 Tachwedd 2026");
  CHECK(welshDate(Date(2026, 2, 1)) == "1 Chwefror 2026");
  CHECK(englishDate(Date(2026, 12, 25)) == "25 December 2026");
}

TEST_CASE("Met another way: only an unapproved letter, at the version read, and then it is closed",
          "[domain][letters][needs]") {
  CHECK(toString(LetterState::kMetAnotherWay) == "met_another_way");
  CHECK(parseLetterState("met_another_way") == LetterState::kMetAnotherWay);
  CHECK_FALSE(isOpen(LetterState::kMetAnotherWay));
  for (LetterState s : {LetterState::kDraft, LetterState::kBlocked, LetterState::kRejected})
    CHECK_FALSE(refuseMetAnotherWay(s, 3, 3));
  for (LetterState s : {LetterState::kApproved, LetterState::kSent, LetterState::kWithdrawn, LetterState::kMetAnotherWay})
    CHECK(refuseMetAnotherWay(s, 3, 3)->code == "invalid_state");
  CHECK(refuseMetAnotherWay(LetterState::kBlocked, 3, 2)->code == "stale_version");
  CHECK(refuseEdit(LetterState::kMetAnotherWay, 1, 1)->code == "invalid_state");
  CHECK(refuseRejection(LetterState::kMetAnotherWay)->code == "invalid_state");
}
