#pragma once
// The SQL of a retention purge: which cases have gone quiet (no open work,
// no event since a date), and replacing a case's personal data, wherever it
// was copied, with the marker {"purged":"sha256:<hex of what it held>"}.
// The ledger's fields (rule, area, dates, outcome) and the audit log are
// left as they were. One per session; the caller owns the transaction.

#include <optional>
#include <string>
#include <vector>

#include <Poco/Data/Session.h>

namespace vc::storage {

struct QuietCase {
  std::string urn, area, last_event_on;  // the London date of its latest event
};

class RetentionStore {
 public:
  explicit RetentionStore(Poco::Data::Session& session) : s_(session) {}

  // Cases not yet purged whose latest event is before `before` (YYYY-MM-DD) and that have
  // nothing open: no pending obligation, no letter still in review, no message waiting to go
  // or dead (a person must look at it first).
  std::vector<QuietCase> quietCasesBefore(const std::string& before);

  // Replaces every personal-data value of the case with its marker and records the purge;
  // returns how many values were replaced.
  int purgeCase(const std::string& urn, const std::string& at);

  // When the case was purged, if it was.
  std::optional<std::string> purgedAt(const std::string& urn);

  // The marker that stands in for `value`.
  static std::string marker(const std::string& value);
  static bool isMarker(const std::string& value);

 private:
  Poco::Data::Session& s_;
};

}  // namespace vc::storage
