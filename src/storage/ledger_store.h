#pragma once
// The compliance ledger's own rows: reasons given for a miss (append-only),
// the warnings and breaches the scheduler raises (each once per due date),
// and the obligations read as ledger entries for reports. The obligations
// themselves are derived state (store.h). One per session; not thread-safe.

#include <string>
#include <vector>


#include "domain/compliance.h"
#include "storage/records.h"
#include "storage/connection.h"

namespace Poco::Data {
class Session;  // storage-internal (sqlite_connection.h)
}

namespace vc::storage {

struct AlertCandidate {
  std::string obligation_id, rule, area, due_by;
  std::string status;  // alertsDue() only
};

class LedgerStore {
 public:
  explicit LedgerStore(Poco::Data::Session& session) : s_(session) {}
  explicit LedgerStore(Connection& connection);

  void appendReason(const ReasonRow& row);
  std::vector<ReasonRow> reasons(const std::string& obligation_id);  // oldest first

  // Open obligations due from `today` to `until` with no at-risk warning for that due date yet.
  std::vector<AlertCandidate> unwarnedAtRisk(const std::string& today, const std::string& until);
  // Open obligations due before `today` with no breach recorded for that due date yet.
  std::vector<AlertCandidate> unrecordedBreaches(const std::string& today);
  // Obligations whose alert_on (migration 12: the day the sweep must next look at them) has come, by
  // (due_by, id). Found by index, not by reading every open obligation.
  std::vector<AlertCandidate> alertsDue(const std::string& today);
  // When the sweep must next look at the obligation (YYYY-MM-DD; "" for never).
  void setAlertOn(const std::string& obligation_id, const std::string& day);
  // Records an alert; false if it was already raised for that due date.
  bool raiseAlert(const std::string& obligation_id, const std::string& alert, const std::string& due_by,
                  const std::string& raised_at);

  // Obligations due from `from` to `to` (YYYY-MM-DD, inclusive), in one Area or all.
  std::vector<domain::LedgerEntry> entries(const std::string& from, const std::string& to, const std::string& area);
  // The communication-need counts over the letters of those obligations.
  domain::CommunicationNeedCounts communicationNeeds(const std::string& from, const std::string& to,
                                                     const std::string& area);

 private:
  std::vector<AlertCandidate> candidates(const std::string& sql, const std::vector<std::string>& args);

  Poco::Data::Session& s_;
};

}  // namespace vc::storage
