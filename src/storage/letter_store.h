#pragma once
// Repository for letters, their versions and history: the only SQL for them.
// Works on one Poco::Data session; not thread-safe (one per session); the
// caller owns the transaction (WriteTransaction) around writes.

#include <optional>
#include <string>
#include <vector>

#include <Poco/Data/Session.h>

#include "storage/records.h"

namespace vc::storage {

class LetterStore {
 public:
  explicit LetterStore(Poco::Data::Session& session) : s_(session) {}

  // The next letter number, from the store counter (takeNumber), inside the write transaction that inserts it.
  int64_t nextLetterNumber();
  void insertLetter(const LetterRow& row);
  // Writes every mutable column; false if the letter is no longer at `expected_version`.
  bool updateLetter(const LetterRow& row, int expected_version);
  void appendVersion(int64_t letter_n, const LetterVersionRow& v);
  void appendHistory(int64_t letter_n, const LetterHistoryRow& h);

  std::optional<LetterRow> findLetter(int64_t n);
  std::optional<LetterRow> findLetterByObligation(const std::string& obligation_id);
  // Sorted by the obligation's due date, soonest first, then by number.
  std::vector<LetterRow> listLetters(const LetterFilter& f);
  std::vector<LetterVersionRow> versions(int64_t letter_n, bool with_content);
  std::vector<LetterHistoryRow> history(int64_t letter_n);


 private:
  Poco::Data::Session& s_;
};

}  // namespace vc::storage
