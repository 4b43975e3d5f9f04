#pragma once
// Reads of cases, victims, obligations and meetings for the front (the API
// and the web pages), with the audit entries that go with them. Who may see
// what is decided here: a VLU officer bound to an Area sees only that Area's
// cases, and to them any other does not exist (Error kNotFound, the refusal
// audited where the read would have been).
//
// Audited reads are DURABLE BEFORE ANSWERED: each method that returns
// personal data writes its audit entry first and returns only once that entry
// is committed (storage::AuditGroupCommit: an fsync shared with the other
// readers of the moment), so the caller never builds an answer from a read
// that is not in the audit log. Reads that are not audited say so.
//
// Thread-safe: each call takes its own store session.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "domain/clock.h"
#include "services/answer_cache.h"
#include "services/principal.h"
#include "storage/records.h"

namespace vc::storage {
class Database;  // storage/database.h: the front that holds this service needs no store header
}

namespace vc::services {

// A victim with their case, timeline (their own events and the case's), entitlement history and obligations.
struct VictimRecord {
  storage::VictimRow victim;
  storage::CaseRow case_row;
  std::vector<storage::EntitlementChangeRow> entitlement_changes;
  std::vector<storage::EventRow> timeline;
  std::vector<storage::ObligationRow> obligations;  // at most 1,000
};

// A case with its victims and its whole timeline.
struct CaseRecord {
  storage::CaseRow case_row;
  std::vector<storage::VictimRow> victims;
  std::vector<storage::EventRow> timeline;
};

// One obligation with every reason given for a miss, oldest first.
struct ObligationRecord {
  storage::ObligationRow obligation;
  std::vector<storage::ReasonRow> reasons;
};

// What a letter's page shows around the letter: its obligation (with the explanation of its deadline),
// the event that started it and the victim's profile (communication needs, safe channels).
struct LetterBackground {
  std::optional<storage::ObligationRow> obligation;
  std::optional<storage::EventRow> trigger_event;  // only when asked for
  std::optional<storage::VictimRow> victim;
};

// Writes a victim's answer from their record as of `today` (the front's JSON: http::writeVictim). It must
// depend on nothing else: not the reader, nor the time of day (see readVictimAnswer).
using VictimAnswerWriter = std::function<std::string(const VictimRecord& record, const domain::Date& today)>;

class ReadService {
 public:
  // victim_cache_bytes: how much readVictimAnswer may keep of answers already written (0: none).
  ReadService(storage::Database& db, const domain::Clock& clock, size_t victim_cache_bytes = 0)
      : db_(db), clock_(clock), victim_answers_(victim_cache_bytes) {}

  // Whether the store answers a trivial query (/healthz). Not audited.
  bool storeAnswers();

  // The victim as `reader` may see them; audits the read (read_victim) or the refusal
  // (read_victim_denied) before anything is returned. Throws Error(kNotFound).
  VictimRecord readVictim(const std::string& victim_id, const Principal& reader);
  // The same read, answered with what `write` makes of the record: audited exactly as readVictim (the
  // entry durable before anything is returned, whether the answer was kept or written now). An answer
  // already written is given again while its case's change token (case_versions, storage migration 18)
  // and today's date are what they were when it was written: one indexed lookup instead of reading the
  // victim, case, timeline, entitlement changes and obligations and writing them again. It needs no key
  // for the reader: whoever may see the victim (the Area check, made afresh on every read) is shown the
  // same answer. Throws Error(kNotFound) as readVictim.
  std::shared_ptr<const std::string> readVictimAnswer(const std::string& victim_id, const Principal& reader,
                                                      const VictimAnswerWriter& write);
  const AnswerCache& victimAnswers() const { return victim_answers_; }
  // The case as `reader` may see it; audited (read_case, read_case_denied). Throws Error(kNotFound).
  CaseRecord readCase(const std::string& urn, const Principal& reader);
  // Victims whose name contains `words`, in the reader's Area: at most `limit`. A search of names is a read of
  // personal data: audited (search_victims) with how many matched, never the words searched for.
  std::vector<storage::VictimRow> searchVictimsByName(const std::string& words, const Principal& reader, int limit);
  // Obligations as `filter` asks (the caller confines a bound officer to their Area); audited
  // (read_obligations: they carry enhanced-rights reasons and notes on misses).
  std::vector<storage::ObligationRow> listObligations(const storage::ObligationFilter& filter,
                                                      const Principal& reader);
  // One obligation as `reader` may see it, with its reasons; audited (read_obligation). Throws Error(kNotFound).
  ObligationRecord readObligation(const std::string& id, const Principal& reader);
  // Meetings as `filter` asks. Not audited (offers and their dates, no personal data).
  std::vector<storage::MeetingRow> listMeetings(const storage::MeetingFilter& filter);
  // What surrounds a letter on its page. Not audited here: the letter's own read is (LetterService::read).
  LetterBackground letterBackground(const storage::LetterRow& letter, bool with_trigger_event);

 private:
  storage::Database& db_;
  const domain::Clock& clock_;
  AnswerCache victim_answers_;
};

}  // namespace vc::services
