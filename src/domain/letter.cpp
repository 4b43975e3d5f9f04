#include "domain/letter.h"

#include <algorithm>

namespace vc::domain {
namespace {

const std::vector<std::pair<LetterState, std::string>>& stateNames() {
  static const std::vector<std::pair<LetterState, std::string>> kNames = {
      {LetterState::kDraft, "draft"},       {LetterState::kBlocked, "blocked"},
      {LetterState::kApproved, "approved"}, {LetterState::kSent, "sent"},
      {LetterState::kRejected, "rejected"}, {LetterState::kWithdrawn, "withdrawn"},
      {LetterState::kMetAnotherWay, "met_another_way"},
  };
  return kNames;
}

ReviewRefusal refusal(ReviewRefusal::Why why, std::string code, std::string message) {
  return ReviewRefusal{why, std::move(code), std::move(message)};
}

std::string plural(int n, const std::string& word) { return std::to_string(n) + " " + word + (n == 1 ? "" : "s"); }

bool has(const std::vector<std::string>& v, const char* x) { return std::find(v.begin(), v.end(), x) != v.end(); }

}  // namespace

std::string toString(LetterState s) {
  for (const auto& [state, name] : stateNames())
    if (state == s) return name;
  return "draft";
}

std::optional<LetterState> parseLetterState(const std::string& text) {
  for (const auto& [state, name] : stateNames())
    if (name == text) return state;
  return std::nullopt;
}

bool isOpen(LetterState s) {
  return s != LetterState::kSent && s != LetterState::kWithdrawn && s != LetterState::kMetAnotherWay;
}

bool obligationNeedsLetter(const std::string& kind, const std::string& recipient, const std::string& template_name,
                           const std::string& carried_by) {
  return (kind == "letter" || kind == "meeting") && recipient == "victim" && !template_name.empty() && carried_by.empty();
}

std::optional<ReviewRefusal> refuseWhileBeingWritten(int current_version) {
  if (current_version != kBeingWrittenVersion) return std::nullopt;
  return refusal(ReviewRefusal::Why::kBeingWritten, "being_written",
                 "the letter is being written: its words follow within seconds; read it again then");
}

std::optional<ReviewRefusal> refuseEdit(LetterState state, int current_version, int edited_version) {
  if (auto r = refuseWhileBeingWritten(current_version)) return r;
  if (state != LetterState::kDraft && state != LetterState::kBlocked && state != LetterState::kRejected)
    return refusal(ReviewRefusal::Why::kWrongState, "invalid_state",
                   "the letter is " + toString(state) + "; only a draft, blocked or rejected letter can be edited");
  if (edited_version != current_version)
    return refusal(ReviewRefusal::Why::kStaleVersion, "stale_version",
                   "someone changed the letter after you opened it: read it again, then make your change");
  return std::nullopt;
}

std::optional<ReviewRefusal> refuseApproval(LetterState state, size_t blocked_items, const std::string& last_edited_by,
                                            const std::string& approver, int current_version,
                                            std::optional<int> read_version) {
  if (auto r = refuseWhileBeingWritten(current_version)) return r;
  if (state == LetterState::kBlocked || (state == LetterState::kDraft && blocked_items > 0))
    return refusal(ReviewRefusal::Why::kBlocked, "letter_blocked",
                   "the letter cannot be approved while " + plural(static_cast<int>(blocked_items), "item") +
                       " of its content " + (blocked_items == 1 ? "is" : "are") + " missing (see blocked_by)");
  if (state != LetterState::kDraft)
    return refusal(ReviewRefusal::Why::kWrongState, "invalid_state",
                   "the letter is " + toString(state) + "; only a draft can be approved");
  if (read_version && *read_version != current_version)
    return refusal(ReviewRefusal::Why::kStaleVersion, "stale_version",
                   "someone changed the letter after you opened it: read it again before approving it");
  if (!last_edited_by.empty() && last_edited_by == approver)
    return refusal(ReviewRefusal::Why::kFourEyes, "four_eyes",
                   "you made the last change to this letter, so another officer must approve it");
  return std::nullopt;
}

std::optional<ReviewRefusal> refuseRejection(LetterState state) {
  if (state != LetterState::kDraft && state != LetterState::kBlocked)
    return refusal(ReviewRefusal::Why::kWrongState, "invalid_state",
                   "the letter is " + toString(state) + "; only a draft or blocked letter can be rejected");
  return std::nullopt;
}

TimeLeft timeLeft(const WorkingDayCalendar& calendar, const Date& today, const Date& due_by) {
  TimeLeft t;
  const std::string due = " (due " + due_by.longString() + ")";
  if (due_by < today) {
    const int late = calendar.workingDaysBetween(due_by, today);
    t.urgency = "overdue";
    t.working_days = -late;
    t.text = late == 0 ? "overdue" + due : "overdue by " + plural(late, "working day") + due;
  } else if (due_by == today) {
    t.urgency = "due_today";
    t.text = "due today" + due;
  } else {
    t.working_days = calendar.workingDaysBetween(today, due_by);
    if (t.working_days <= 1) {
      t.urgency = "due_next_working_day";
      t.text = (due_by == today.plusDays(1) ? "due tomorrow" : "due on the next working day") + due;
    } else {
      t.urgency = "later";
      t.text = plural(t.working_days, "working day") + " left" + due;
    }
  }
  return t;
}

bool isSpecifiedCase(const std::vector<std::string>& offences, bool victim_under_18, bool bereaved) {
  if ((has(offences, "homicide") && bereaved) || has(offences, "rape") || has(offences, "sexual_offence") ||
      has(offences, "hate_crime") || has(offences, "child_abuse"))
    return true;
  static const char* const kViolent[] = {"homicide", "domestic_abuse", "attempted_murder", "gbh_with_intent", "kidnap",
                                         "false_imprisonment", "arson_endanger_life", "terrorism",    "modern_slavery"};
  if (!victim_under_18) return false;
  for (const char* v : kViolent)
    if (has(offences, v)) return true;
  return false;
}

bool decisionQualifiesForReview(const std::string& template_name, const std::string& trigger_type,
                                const std::string& discontinuance_scope) {
  if (template_name == "decision_not_to_prosecute") return trigger_type == "charging.decided";
  if (template_name == "discontinuance")
    return discontinuance_scope == "all" || discontinuance_scope == "no_evidence_offered";
  return false;
}

std::optional<ReviewRefusal> refuseMetAnotherWay(LetterState state, int current_version, int read_version) {
  if (auto r = refuseWhileBeingWritten(current_version)) return r;
  if (state != LetterState::kDraft && state != LetterState::kBlocked && state != LetterState::kRejected)
    return refusal(ReviewRefusal::Why::kWrongState, "invalid_state",
                   "the letter is " + toString(state) +
                       "; only a draft, blocked or rejected letter can be recorded as met another way");
  if (read_version != current_version)
    return refusal(ReviewRefusal::Why::kStaleVersion, "stale_version",
                   "someone changed the letter after you opened it: read it again first");
  return std::nullopt;
}

std::string englishDate(const Date& d) {
  static const char* const kMonths[] = {"January", "February", "March",     "April",   "May",      "June",
                                        "July",    "August",   "September", "October", "November", "December"};
  return std::to_string(d.day()) + " " + kMonths[d.month() - 1] + " " + std::to_string(d.year());
}

std::string welshDate(const Date& d) {
  static const char* const kMisoedd[] = {"Ionawr", "Chwefror", "Mawrth", "Ebrill", "Mai",      "Mehefin",
                                         "Gorffennaf", "Awst",  "Medi",   "Hydref", "Tachwedd", "Rhagfyr"};
  return std::to_string(d.day()) + " " + kMisoedd[d.month() - 1] + " " + std::to_string(d.year());
}

std::string welshLongDate(const Date& d) {
  static const char* const kDyddiau[] = {"Dydd Llun",   "Dydd Mawrth", "Dydd Mercher", "Dydd Iau",
                                         "Dydd Gwener", "Dydd Sadwrn", "Dydd Sul"};
  return std::string(kDyddiau[d.isoWeekday() - 1]) + " " + welshDate(d);
}

std::string welshLongDateInSentence(const Date& d) { return "d" + welshLongDate(d).substr(1); }

// "ar" takes the soft mutation: dydd -> ddydd.
std::string welshOnDate(const Date& d) { return "ar d" + welshLongDateInSentence(d); }

}  // namespace vc::domain
