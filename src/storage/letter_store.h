#pragma once
// Repository for letters, their versions and history: the only SQL for them.
// Works on one Poco::Data session; not thread-safe (one per session); the
// caller owns the transaction (WriteTransaction) around writes.

#include <optional>
#include <utility>
#include <string>
#include <vector>


#include "storage/list_query.h"
#include "storage/records.h"
#include "storage/connection.h"

namespace Poco::Data {
class Session;  // storage-internal (sqlite_connection.h)
}

namespace vc::storage {

// The SQL listLetters runs for f and its text arguments in order (the cursor, if any, and the page size
// follow them): public so that a test can hold each filter's plan to the index it means to walk.
ListQuery letterListQuery(const LetterFilter& f, bool postgres = false);  // on SQLite or on PostgreSQL
// The SQL countLetters runs: its text arguments are today, today and the next working day (the cursor, if
// any, and then the scope's Area, victim and case, those not empty, follow them).
ListQuery letterCountQuery(const LetterCountScope& scope, bool postgres = false);

// An open letter or meeting obligation that has no letter, with what its body says of its letter (read
// in SQL from the stored, packed body: neither unpacked nor parsed here).
struct ObligationForLetter {
  std::string id, kind, policy, case_urn;
  std::string template_name, recipient, carried_by;  // "" where the body has none
};

class LetterStore {
 public:
  explicit LetterStore(Poco::Data::Session& session) : s_(session) {}
  explicit LetterStore(Connection& connection);

  // The next letter number, from the store counter (takeNumber), inside the write transaction that inserts it.
  int64_t nextLetterNumber();
  // words_follow: the caller appends version row.version with exactly row.html and row.text next, in
  // the same transaction, so the letter row need not hold them even for a moment (see letter_store.cpp).
  void insertLetter(const LetterRow& row, bool words_follow = false);
  // Writes every mutable column; false if the letter is no longer at `expected_version`.
  // INVARIANT (letter version checks; what a concurrent editor could break): a letter changes only from
  // the version its editor read. The UPDATE names expected_version in its WHERE, and false (no row
  // changed) means someone else changed it first: the caller refuses with 409 and changes nothing, so
  // two officers' edits or an edit and an approval never both apply, whatever the number of writers.
  bool updateLetter(const LetterRow& row, int expected_version, bool words_follow = false);
  // The same for a row read earlier in this same write transaction, at row.version: the write cannot
  // find it changed while one writer holds the store (SQLite); where it could (several writers), it throws
  // Error(kConflict, "stale_version") and the transaction is rolled back instead of writing over the change.
  void updateLetterAsRead(const LetterRow& row);
  void appendVersion(int64_t letter_n, const LetterVersionRow& v);
  void appendHistory(int64_t letter_n, const LetterHistoryRow& h);

  std::optional<LetterRow> findLetter(int64_t n);
  // The letter's version and state alone (a letter's words are written over version 0 only: LetterService).
  std::optional<std::pair<int, std::string>> versionAndState(int64_t n);
  std::optional<LetterRow> findLetterByObligation(const std::string& obligation_id);
  // Sorted by the obligation's due date, soonest first, then by number.
  std::vector<LetterRow> listLetters(const LetterFilter& f);
  // How many letters in the scope there are of each state, rule, Area, time left, need and side of the cursor:
  // one grouped query, from which the queue adds up its counts for every filter (letters are not read).
  std::vector<LetterCount> countLetters(const LetterCountScope& scope);
  // Store::obligationsWithoutLetters(cases) (cases not empty), in the same order (case, then creation),
  // as much as creating their letters' rows needs (LetterService::addPendingLetters, in the ingest's
  // transaction: the bodies' explanations are neither inflated nor parsed).
  std::vector<ObligationForLetter> obligationsForNewLetters(const std::vector<std::string>& cases);
  // The cases of the letters still being written (version 0, blocked: LetterService::addPendingLetters),
  // found from the blocked letters' index.
  std::vector<std::string> casesWithLettersBeingWritten();
  std::vector<LetterVersionRow> versions(int64_t letter_n, bool with_content);
  std::vector<LetterHistoryRow> history(int64_t letter_n);

  // A version's html and text are stored deflated (a zlib stream, made by libdeflate; then base64 so the
  // column stays text) when that saves at least a tenth: "\x01z:<bytes>:<base64>". Readers here unpack
  // (with zlib: any zlib stream, whatever made it); a value that is not
  // packed (older rows, short values, purge markers) comes back as it is.
  static std::string packWords(const std::string& value);
  static std::string unpackWords(const std::string& stored);


 private:
  Poco::Data::Session& s_;
};

}  // namespace vc::storage
