#pragma once
// Letters from obligation to post box: drafts them the moment their
// obligation exists, keeps drafts in step with the case (re-rendering when
// what they say changes, withdrawing them when the obligation is superseded),
// runs the review (edit, approve with four eyes, reject), queues approved
// letters in the outbox, and records delivery (the letter is "sent" and a
// letter.sent event completes its obligation as met or late).
//
// Every change is one write transaction, with the letter's version, history
// and the audit trail written with it. Thread-safe: each call takes its own
// session; concurrent writers are serialised by SQLite.

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "delivery/bounce_mailbox.h"
#include "delivery/outbox.h"
#include "domain/clock.h"
#include "domain/engine.h"
#include "domain/phone_script.h"
#include "domain/plain_english.h"
#include "ingest/ingestor.h"
#include "letters/letter_context.h"
#include "rendering/template_set.h"
#include "storage/database.h"
#include "storage/records.h"

namespace vc::storage {
class Store;
class LetterStore;
}  // namespace vc::storage

namespace vc::letters {

// Who is acting, and the one CPS Area a VLU officer is bound to (empty: any).
struct Actor {
  std::string name;
  std::string area;
};

struct RefreshReport {
  size_t drafted = 0, rerendered = 0, withdrawn = 0, failed = 0;
  size_t looked_at = 0;                // open letters and undrafted obligations read
  std::set<std::string> retry_cases;  // a letter failed, or waits on a message being sent: look again next pass
};

struct LetterDetail {
  storage::LetterRow letter;
  std::vector<storage::LetterVersionRow> versions;
  std::vector<storage::LetterHistoryRow> history;
  std::optional<storage::OutboxRow> delivery;
  std::vector<domain::PlainEnglishFinding> findings;  // the plain-English check of the officers' words, now
  std::optional<domain::PhoneScript> phone_script;    // a phone task's script (channel phone), from its text
  int call_attempts = 0;                              // unanswered calls recorded on a phone task
};

struct LetterEdit {
  int version = 0;                              // the version the editor read
  std::map<std::string, std::string> fields;    // editableFields() only; "" clears an edit
  std::optional<std::string> free_text;         // replaces the free text when given
};

// How a letter's content reached a victim with a communication need another
// way (e.g. read to them by phone with an interpreter), instead of the letter.
struct MetAnotherWay {
  int version = 0;      // the version the officer read
  std::string channel;  // metAnotherWayChannels()
  std::string reason;   // how the need was met, in the officer's words (the contact's notes)
};
const std::vector<std::string>& metAnotherWayChannels();  // phone, in_person, video, other

// The subject line of an emailed letter; it carries nothing identifying.
std::string emailSubject(const std::string& language);

// What an emailed letter shows outside for a victim who asked for discretion (contact_safety.discreet):
// a neutral sender display name and subject (letters.discreet_*), never the CPS or the offence.
struct Discretion {
  std::string sender_name = "Letters Team";
  std::string subject = "A letter for you";
  std::string subject_cy = "Llythyr i chi / A letter for you";
};

class LetterService : public delivery::DeliveryListener, public delivery::ReportListener {
 public:
  LetterService(storage::Database& db, ingest::Ingestor& ingestor, const rendering::TemplateSet& templates,
                const domain::Engine& engine, const domain::Clock& clock, const VluContacts& contacts,
                delivery::Outbox& outbox, const SupportServices* support = nullptr);

  // Drafts a letter for every open obligation that needs one and has none,
  // re-renders drafts whose content has changed, and withdraws open letters
  // whose obligation is no longer open; in the given cases (all when empty).
  // A letter that fails is logged and counted, and the rest go on.
  // Letters being written (created by addPendingLetters, version 0) get their words here, first.
  RefreshReport refresh(const std::vector<std::string>& cases);

  // Inside the caller's open write transaction (the ingest's, before it commits): creates the row of
  // every letter the cases' open obligations need and do not have, as a draft would (same number, kind,
  // obligation), at version 0, blocked with the reason being_written and without words. The queue shows
  // it at once; nothing can be done to it (409 being_written) until refresh() writes its words, just
  // after the commit and off the request path (scheduling::DraftingWorker).
  void addPendingLetters(storage::Connection& session, const std::vector<std::string>& cases);

  // The review queue, soonest due first. A VLU officer bound to an Area sees only that Area.
  std::vector<storage::LetterRow> list(storage::LetterFilter filter, const Actor& actor);
  // The queue's counts, grouped (storage::LetterStore::countLetters), of the letters the actor may see: an
  // officer bound to an Area counts that Area's only (nothing when the scope names another).
  std::vector<storage::LetterCount> count(storage::LetterCountScope scope, const Actor& actor);
  // One letter with its versions, history and delivery; the read is audited.
  // Throws Error(kNotFound) for an unknown id or one outside the actor's Area.
  LetterDetail read(const std::string& id, const Actor& actor);

  // Throw vc::Error: kNotFound; kInvalidArgument for a bad field or reason;
  // kConflict (invalid_state, stale_version, letter_blocked, letter_changed; phone_task: a letter
  // whose channel is phone is read to the recipient by phone, never approved or sent);
  // kForbidden (four_eyes).
  storage::LetterRow edit(const std::string& id, const Actor& actor, const LetterEdit& edit);
  // Approval also runs the plain-English check (findings()): with findings it is refused (kConflict,
  // plain_english) unless `override_reason` says why the words stand; that reason is kept in the
  // letter's history and the override in the audit trail.
  storage::LetterRow approve(const std::string& id, const Actor& actor, std::optional<int> read_version,
                             const std::string& override_reason = "");
  storage::LetterRow reject(const std::string& id, const Actor& actor, const std::string& reason);
  // Victims' Code Right 1: the letter of a victim with a communication need
  // (an interpreter or Easy Read) reached them another way. In one transaction
  // the letter becomes met_another_way (final; never sent) with the reason in
  // its note and history, and the daemon records a contact.recorded event (by
  // cps, the channel, notes = the reason) naming the obligation, which completes
  // it as met or late. Audited (letter_met_another_way, without the reason's
  // words). Also for a letter blocked because its channel is not safe for the
  // victim (unsafe_channel: e.g. a phone call instead of a letter the suspect
  // could read), and for a phone task (channel phone: the call was made). Throws
  // as edit(), and kConflict no_communication_need when the victim has no
  // communication need recorded, the letter is not blocked by unsafe_channel and
  // it is no phone task.
  storage::LetterRow meetAnotherWay(const std::string& id, const Actor& actor, const MetAnotherWay& m);
  // A phone task's call that did not reach the recipient (no answer, not a safe time): a history entry
  // (call_attempted) with the officer's notes and an audit entry (letter_call_attempted, without the
  // notes); the letter and its obligation stay open. Throws kInvalidArgument (invalid_reason) for
  // missing or over-long notes, kConflict not_phone_task for a letter whose channel is not phone and
  // invalid_state for one no longer open, kNotFound as read().
  storage::LetterRow recordCallAttempt(const std::string& id, const Actor& actor, const std::string& notes);

  // letters.welsh_areas: Areas whose letters are bilingual (cy) when the victim has not stated a language.
  void setWelshAreas(std::set<std::string> areas) { welsh_areas_ = std::move(areas); }
  // letters.discreet_sender_name / discreet_subject / discreet_subject_cy.
  void setDiscretion(Discretion d) { discretion_ = std::move(d); }

  // The terms and sentence length officers' words are checked against (letters.plain_english_file).
  // Set before serving; not thread-safe to change. Without it nothing is flagged.
  void setPlainEnglish(const domain::PlainEnglishRules* rules) { plain_english_ = rules; }

  // The plain-English findings on a letter's officers' words: the reasons as the letter gives them
  // (the officer's edit, else the prosecutor's), every other edited field (reasons_cy, ...) and the
  // free text. Letters whose templates do not print the reasons are not held to them.
  std::vector<domain::PlainEnglishFinding> findings(const storage::LetterRow& row);

  // Called after an approval is committed (the scheduler sends it at once).
  void setOnApproved(std::function<void()> f) { on_approved_ = std::move(f); }

  // delivery::DeliveryListener
  // At sending: a letter whose channel is no longer safe for the victim (contact_safety changed after it
  // was approved) is withheld, and goes back to the queue re-rendered, blocked (unsafe_channel).
  std::string withholdReason(storage::Connection& session, const storage::OutboxRow& row) override;
  void withheld(storage::Connection& session, const storage::OutboxRow& row, const std::string& reason) override;
  void delivered(storage::Connection& session, const storage::OutboxRow& row, const std::string& receipt) override;
  void attemptFailed(storage::Connection& session, const storage::OutboxRow& row,
                     const delivery::DeliveryOutcome& outcome, bool dead, int64_t next_attempt_at) override;

  // delivery::ReportListener: a delivery report from the bounce mailbox. The letter's latest sending
  // bounced: recorded as the letter.bounced event an integration would post (the obligation reopens,
  // the letter goes back to the queue). Delivered, or an older sending bounced: the message says so.
  std::string reportReceived(const storage::OutboxRow& row, const delivery::DeliveryReport& report) override;

 private:
  struct Rendition;
  struct TimelineMemo;  // one refresh pass's parsed case timelines (letter_service.cpp)
  // What the letter would say now (its context and that context's hash), without rendering it.
  Rendition prepare(storage::Store& store, const storage::ObligationRow& obligation, int64_t letter_n,
                    const domain::Date& letter_date, const std::string& fields_json, const std::string& free_text,
                    TimelineMemo* timelines = nullptr, const std::string* kind = nullptr);
  // prepare(), then the HTML and text, and what blocks it.
  Rendition render(storage::Store& store, const storage::ObligationRow& obligation, int64_t letter_n,
                   const domain::Date& letter_date, const std::string& fields_json, const std::string& free_text,
                   TimelineMemo* timelines = nullptr, const std::string* kind = nullptr);
  // Drafts the obligation's letter inside the caller's transaction; false if it has one already. `kind`:
  // the template its body names, when the caller has read that body already (prepare() reads it otherwise).
  bool draft(storage::Store& store, storage::LetterStore& letters, const storage::ObligationRow& obligation,
             TimelineMemo* timelines = nullptr, const std::string* kind = nullptr);
  // The template of the obligation's letter, if it needs one (and none is carried by another letter).
  static std::optional<std::string> letterKindFor(const storage::ObligationRow& obligation);
  // Writes the words of letters being written (version 0), in the order given; returns how many it wrote.
  size_t writePending(const std::vector<const storage::LetterRow*>& pending, TimelineMemo& timelines,
                      RefreshReport& report);
  // Both set *retry when they could not decide now (someone else changed the letter; its message is being
  // sent): the scheduler looks at the case again on its next pass.
  bool rerenderIfChanged(int64_t letter_n, bool* retry = nullptr, TimelineMemo* timelines = nullptr);
  bool withdrawIfSuperseded(int64_t letter_n, bool* retry = nullptr);
  void write(storage::Store& store, storage::LetterStore& letters, storage::LetterRow& row, const Rendition& r,
             const std::string& author, const std::string& why, const std::string& action);
  std::vector<domain::PlainEnglishFinding> findingsOf(const Rendition* r, const storage::LetterRow& row) const;
  std::vector<domain::PlainEnglishFinding> findingsIn(storage::Store& store, const storage::LetterRow& row);
  storage::LetterRow loadForChange(storage::LetterStore& letters, const std::string& id, const Actor& actor);

  storage::Database& db_;
  ingest::Ingestor& ingestor_;
  const rendering::TemplateSet& templates_;
  const domain::Engine& engine_;
  const domain::Clock& clock_;
  const VluContacts& contacts_;
  const SupportServices* support_;  // letters.support_services_file (null: letters list none)
  delivery::Outbox& outbox_;
  std::function<void()> on_approved_;
  std::set<std::string> welsh_areas_;
  Discretion discretion_;
  const domain::PlainEnglishRules* plain_english_ = nullptr;
};

}  // namespace vc::letters
