#pragma once
// Repository over one Poco::Data session: the only SQL for events, derived
// state, users and the audit trail. Not thread-safe (one per session); the
// caller owns the transaction (WriteTransaction) around writes.

#include <map>
#include <optional>
#include <string>
#include <vector>


#include "storage/audit_log.h"
#include "storage/list_query.h"
#include "storage/records.h"
#include "storage/connection.h"

namespace Poco::Data {
class Session;  // storage-internal (sqlite_connection.h)
}

namespace vc::storage {

// The SQL listObligations runs for f (see storage/list_query.h), on SQLite or on PostgreSQL.
ListQuery obligationListQuery(const ObligationFilter& f, bool postgres = false);

class Store {
 public:
  explicit Store(Poco::Data::Session& session) : s_(session) {}
  explicit Store(Connection& connection);

  // Events (append-only).
  std::optional<std::string> eventBody(const std::string& id);
  void appendEvent(const EventRow& row);
  void appendEvents(const std::vector<EventRow>& rows);
  std::vector<std::string> caseEventBodies(const std::string& urn);
  // The case's events stored after seq `after` (0: all), oldest first: {seq, body}. With `derived_from`,
  // also how many events the case's stored derivation was made from (cases.last_event_seq; -1: none),
  // read in the same statement (it is only set when at least one event comes back).
  std::vector<std::pair<int64_t, std::string>> caseEventsAfter(const std::string& urn, int64_t after,
                                                               int64_t* derived_from = nullptr);
  std::vector<EventRow> caseTimeline(const std::string& urn);
  int64_t eventCount();

  // Derived state.
  std::optional<CaseRow> findCase(const std::string& urn);
  std::vector<std::string> caseUrns();  // every stored case, in URN order
  std::optional<std::string> victimCase(const std::string& victim_id);
  bool isvaExists(const std::string& isva_id);
  void upsertIsva(const std::string& isva_id, const std::string& details, const std::string& event_id);
  std::optional<std::string> isvaDetails(const std::string& isva_id);

  // INVARIANT (per-case derivation across daemons; what a concurrent writer could break): a case is
  // derived by one transaction at a time, from every event committed before it and its own. On SQLite the
  // store's single writer (WriteTransaction) gives that. On PostgreSQL several daemons write at once, so a
  // transaction that stores events for cases, or derives them, first takes each case's lock
  // (pg_advisory_xact_lock, held to its commit), in one order (by lock key), before it reads anything of
  // them: a second daemon taking events for the same case waits, then sees the first one's events and
  // derivation (the memo check in the Ingestor then replays from the store). Many cases at once, or a whole
  // import, take the lock on every case instead (lockAllCases); one-by-one lockers hold it shared.
  // Every transaction takes its cases' locks before any write, the audit chain's lock included (a letter
  // sent writes its audit entry and then derives its case: locking the case after the entry would wait on a
  // batch that waits on the chain: a deadlock between daemons, which PostgreSQL ends by failing one of them).
  void lockCasesForDerivation(const std::vector<std::string>& urns);
  void lockAllCases();

  void upsertCase(const CaseRow& row, int64_t last_event_seq);
  // Arms the case in case_checks (a fresh token), as the triggers do for writes outside a derivation,
  // and moves its change token (case_versions, migration 18) on: called once by every derivation, in its
  // transaction, for everything the derivation writes (events, the case, victims, obligations).
  void armCaseCheck(const std::string& urn);
  void upsertVictim(const VictimRow& row);
  void replaceEntitlementChanges(const std::string& victim_id, const std::vector<EntitlementChangeRow>& rows);
  void upsertObligations(const std::vector<ObligationRow>& rows);

  std::optional<VictimRow> findVictim(const std::string& victim_id);
  // What a victim read is decided and cached by, in one indexed lookup: the victim's case, its Area and
  // its change token (case_versions: nullopt if the case has none, and then nothing may be cached).
  struct VictimReadKey {
    std::string case_urn, area;
    std::optional<int64_t> case_version;
  };
  std::optional<VictimReadKey> victimReadKey(const std::string& victim_id);
  std::vector<VictimRow> caseVictims(const std::string& urn);
  // Victims whose given and family names, as "given family", contain `words` (any case), in `area` ("" every
  // Area): at most `limit`, by victim id. A purged victim's name is a marker and matches nothing.
  std::vector<VictimRow> findVictimsByName(const std::string& words, const std::string& area, int limit);
  std::vector<EntitlementChangeRow> entitlementChanges(const std::string& victim_id);
  std::optional<ObligationRow> findObligation(const std::string& id);
  // What a letter's words are worked out from (LetterService::prepare with the letter's kind given): id,
  // rule, policy, kind, victim_id, case_urn, area and trigger_event, the other fields and the body left
  // empty. Reading and inflating the whole row was a tenth of writing a letter being written.
  std::optional<ObligationRow> findObligationForLetter(const std::string& id);
  std::map<std::string, ObligationState> obligationStates(const std::string& case_urn);  // by id
  std::vector<ObligationRow> listObligations(const ObligationFilter& f);
  // Open obligations of the letter and meeting kinds that have no letter yet,
  // in the given cases (all when empty), in creation order.
  std::vector<ObligationRow> obligationsWithoutLetters(const std::vector<std::string>& cases);
  // Open ISVA notification obligations that have no notification yet, likewise.
  std::vector<ObligationRow> obligationsWithoutNotifications(const std::vector<std::string>& cases);

  // Meetings (derived: a case's meetings are replaced whenever it is derived).
  void replaceMeetings(const std::string& urn, const std::vector<MeetingRow>& rows);
  // Soonest "held by" deadline first (meetings without one last), then oldest first.
  std::vector<MeetingRow> listMeetings(const MeetingFilter& f);
  std::vector<MeetingRow> caseMeetings(const std::string& case_urn);

  // Users and tokens.
  int64_t addUser(const UserRow& row, const std::string& token_sha256);
  std::optional<UserRow> userByTokenHash(const std::string& token_sha256);
  std::optional<UserRow> userByName(const std::string& name);
  std::optional<UserRow> userById(int64_t id);

  // Audit trail of reads and changes (no personal data in `detail`), hash-chained (audit_log.h).
  void audit(const std::string& at, const std::string& actor, const std::string& action, const std::string& subject,
             const std::string& detail);
  // Several at once, in order (a batch and what it derives): the chain's end is read once.
  void auditAll(const std::vector<AuditEntry>& entries);
  int64_t auditCount(const std::string& action = "");

 private:
  std::vector<ObligationRow> openObligationsWithout(const std::string& kinds_sql, const std::string& table,
                                                    const std::vector<std::string>& cases);

  Poco::Data::Session& s_;
  std::optional<bool> has_case_checks_;    // asked once per Store (armCaseCheck)
  std::optional<bool> has_case_versions_;  // likewise
  bool all_cases_locked_ = false;          // this Store's transaction holds lockAllCases (PostgreSQL)
};

}  // namespace vc::storage
