#pragma once
// The cases whose letters and notifications must be looked at again (table case_checks, migration 12).
// Triggers arm a case on every write its letters can depend on (events, the case, its victims, its
// obligations, an ISVA's details); the scheduler reads the armed cases, brings them up to date, then
// disarms each with the token it read. One per session; not thread-safe.
//
// Invariant a concurrent writer could break, and how it is kept: a case is disarmed only if its token is
// still the one read BEFORE the case was looked at. Any write after that read re-arms it with a fresh
// token (the triggers run inside the writer's own transaction), so the DELETE ... WHERE armed = token
// matches nothing and the change is seen by the next pass. No lock is needed for this.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>
#include "storage/connection.h"

namespace Poco::Data {
class Session;  // storage-internal (sqlite_connection.h)
}


namespace vc::storage {

struct ArmedCase {
  std::string case_urn;
  int64_t token = 0;
};

class CaseChecks {
 public:
  explicit CaseChecks(Poco::Data::Session& session) : s_(session) {}
  explicit CaseChecks(Connection& connection);

  // Every armed case, in case order.
  std::vector<ArmedCase> armed();
  // The armed ones among these cases.
  std::vector<ArmedCase> armedAmong(const std::vector<std::string>& cases);
  // Disarms each case whose token is unchanged; returns how many were.
  size_t disarm(const std::vector<ArmedCase>& cases);

 private:
  Poco::Data::Session& s_;
};

}  // namespace vc::storage
