#pragma once
// The print room hand-off. Posted letters the outbox wrote to the spool in one
// sending pass form one print batch: a manifest, batch-<n>.manifest.json, is
// written beside them (whole: written aside, then renamed) listing each
// letter's id, files, estimated page count, large print, and the SHA-256 of
// each file. The print room confirms a batch by putting batch-<n>.confirmed in
// the spool directory (checked on every scheduler pass) or through the API.
// A batch not confirmed within `confirm_within_hours` is overdue: a warning in
// the log (batch number and count only) and on the dashboard.
//
// A letter stays "sent" when it is spooled (the obligation is met then, as
// before): the batch and its confirmation are recorded beside it, so a person
// sees what the print room has not yet accepted without the ledger moving.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/clock.h"
#include "storage/database.h"
#include "storage/records.h"

namespace vc::delivery {

struct PrintBatch {
  int64_t n = 0;
  std::string created_at;
  int64_t created_at_s = 0;
  int64_t letters = 0;
  std::string manifest;  // file name in the spool directory
  std::string confirmed_at;  // "" until confirmed
  std::string confirmed_by;
  std::string state;  // unconfirmed | confirmed | overdue
  std::string due_at;  // when it becomes overdue
};

// The print estimate for one letter: lines of 80 characters (40 in large
// print), 50 lines (25 in large print) to an A4 page.
int estimatePages(const std::string& text, bool large_print);
bool isLargePrint(const std::string& html);

class PrintRoom {
 public:
  PrintRoom(storage::Database& db, const domain::Clock& clock, std::string spool_dir, int confirm_within_hours);

  // The posted messages (with their bodies) one outbox pass wrote to the spool:
  // records a batch and writes its manifest. Returns the batch number (0 if none).
  int64_t handOver(const std::vector<storage::OutboxRow>& posted);
  // Confirms batches whose .confirmed file has appeared, and logs batches newly overdue.
  void check();
  // False if there is no such batch; confirming twice keeps the first confirmation.
  bool confirm(int64_t n, const std::string& by);
  std::vector<PrintBatch> list();
  std::optional<PrintBatch> find(int64_t n);
  int confirmWithinHours() const { return hours_; }

 private:
  PrintBatch withState(PrintBatch b) const;

  storage::Database& db_;
  const domain::Clock& clock_;
  std::string dir_;
  int hours_;
};

}  // namespace vc::delivery
