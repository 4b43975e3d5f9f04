#pragma once
// Letters as the domain sees them: which obligations need one, the states a
// letter moves through, the review rules (four eyes, nothing approved while
// blocked, no edit on a stale version) and how much time a letter has left.
// Plain values and pure functions; thread-safe.

#include <optional>
#include <string>
#include <vector>

#include "domain/calendar.h"
#include "domain/date.h"

namespace vc::domain {

// draft -> approved -> sent; draft <-> blocked (content missing); draft/blocked
// -> rejected (a person sends it back) -> draft again on the next edit;
// any state before sent -> withdrawn (the obligation was superseded);
// draft/blocked/rejected -> met_another_way (an officer recorded, with a reason,
// that the victim was told another way because of a communication need, e.g.
// read to them by phone with an interpreter: the letter is never sent, and the
// daemon's contact.recorded completes the obligation). sent, withdrawn and
// met_another_way are final.
enum class LetterState { kDraft, kBlocked, kApproved, kSent, kRejected, kWithdrawn, kMetAnotherWay };

std::string toString(LetterState s);
std::optional<LetterState> parseLetterState(const std::string& text);
// Not yet sent, withdrawn or met another way: still work for the Victim Liaison Unit.
bool isOpen(LetterState s);

// Whether a letter is needed for an obligation: letters and meeting offers
// addressed to the victim (ISVA notifications and partner duties are not letters),
// except an offer another letter already carries (`carried_by`: that obligation's id).
bool obligationNeedsLetter(const std::string& kind, const std::string& recipient, const std::string& template_name,
                           const std::string& carried_by = "");

// A review step refused, with the code and message the caller shows.
struct ReviewRefusal {
  enum class Why { kWrongState, kBlocked, kFourEyes, kStaleVersion, kBeingWritten };
  Why why;
  std::string code;     // invalid_state | letter_blocked | four_eyes | stale_version | being_written
  std::string message;
};

// A letter at version 0 is being written: its row is in the review queue (blocked, being_written) from
// the commit of the events that called for it, and its words, its version 1, follow within seconds, after
// the commit (LetterService::refresh). Nothing can be done to it until they do: every review step below
// is refused with code being_written.
constexpr int kBeingWrittenVersion = 0;
std::optional<ReviewRefusal> refuseWhileBeingWritten(int current_version);

// Edits are allowed on drafts, blocked and rejected letters (an edit re-drafts
// a rejected one), and only against the version the editor read.
std::optional<ReviewRefusal> refuseEdit(LetterState state, int current_version, int edited_version);
// Approval needs a draft with nothing missing, approved by someone other than
// the person who made the last edit (a letter only the system has written has
// no last editor). `read_version`, when given, must be the current version.
std::optional<ReviewRefusal> refuseApproval(LetterState state, size_t blocked_items, const std::string& last_edited_by,
                                            const std::string& approver, int current_version,
                                            std::optional<int> read_version);
std::optional<ReviewRefusal> refuseRejection(LetterState state);
// Recording that a letter's content reached the victim another way (its
// communication need was met another way) is allowed on a letter that is not
// yet approved: draft, blocked or rejected, and only against the version read.
std::optional<ReviewRefusal> refuseMetAnotherWay(LetterState state, int current_version, int read_version);

// How long a letter has before its due date, in working days.
struct TimeLeft {
  std::string urgency;   // overdue | due_today | due_next_working_day | later
  int working_days = 0;  // working days left (0 on the due date); negative when overdue
  std::string text;      // "overdue by 2 working days (due Tuesday 7 April 2026)"
};
TimeLeft timeLeft(const WorkingDayCalendar& calendar, const Date& today, const Date& due_by);

// rules.md section 2: a "specified case", where a decision letter offers a
// meeting with the CPS: homicide (for the bereaved family: an adult injured in
// the same attack is not one), child abuse (a victim under 18 and a violent or
// sexual offence), a sexual offence, or hate crime.
bool isSpecifiedCase(const std::vector<std::string>& offences, bool victim_under_18, bool bereaved);

// Whether a letter's decision can be reviewed under the Victims' Right to
// Review scheme: a decision not to charge, or to stop the whole case
// (discontinuing every charge or offering no evidence). Altering charges or
// dropping some of them is not reviewable.
bool decisionQualifiesForReview(const std::string& template_name, const std::string& trigger_type,
                                const std::string& discontinuance_scope);

// Dates as a Welsh letter writes them: "Dydd Mawrth 7 Ebrill 2026" (a heading
// or the start of a sentence), "dydd Mawrth 7 Ebrill 2026" (mid-sentence: day
// names are lower-case), and after "ar", which takes the soft mutation:
// "ar ddydd Mawrth 7 Ebrill 2026".
std::string welshLongDate(const Date& d);
std::string welshLongDateInSentence(const Date& d);
std::string welshOnDate(const Date& d);
std::string welshDate(const Date& d);    // "7 Ebrill 2026"
std::string englishDate(const Date& d);  // "7 April 2026"

}  // namespace vc::domain
