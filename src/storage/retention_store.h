#pragma once
// The SQL of a retention purge: which cases have gone quiet (no open work,
// no event since a date), and replacing a case's personal data, wherever it
// was copied, with a keyed marker, {"purged":"hmac-sha256:<key id>:<hex>"}:
// HMAC-SHA256, under the retention key (retention.key_file, outside the
// database, which the session carries: Database::optionsOf), of the case URN
// and the SHA-256 of what the value held. Without that key the marker tells
// nothing about the value (a guessed name or email cannot be checked against
// it); whoever holds the key and a guess can check it; once the key is
// destroyed nobody can. The ledger's fields (rule, area, dates, outcome) and
// the audit log are left as they were. One per session; the caller owns the
// transaction.

#include <optional>
#include <string>
#include <vector>


#include "common/keyring.h"
#include "storage/connection.h"

namespace Poco::Data {
class Session;  // storage-internal (sqlite_connection.h)
}

namespace vc::storage {

struct QuietCase {
  std::string urn, area, last_event_on;  // the London date of its latest event
};

class RetentionStore {
 public:
  explicit RetentionStore(Poco::Data::Session& session) : s_(session) {}
  explicit RetentionStore(Connection& connection);

  // Cases not yet purged whose latest event is before `before` (YYYY-MM-DD) and that have
  // nothing open: no pending obligation, no letter still in review, no message waiting to go
  // or dead (a person must look at it first).
  std::vector<QuietCase> quietCasesBefore(const std::string& before);

  // Replaces every personal-data value of the case with its marker and records the purge;
  // returns how many values were replaced.
  int purgeCase(const std::string& urn, const std::string& at);

  // When the case was purged, if it was.
  std::optional<std::string> purgedAt(const std::string& urn);

  // After a purge, outside any transaction: rewrites every page from the live rows only (VACUUM), so
  // no page's unused space keeps an older copy of a purged value, then copies the pages into the file and
  // empties the write-ahead log. Returns whether the log was emptied (false: a reader held it).
  bool rewriteFileWithoutFreedContent();

  // The marker that stands in for `value`, a value of case `urn`, under the current key.
  static std::string marker(const Keyring& keys, const std::string& urn, const std::string& value);
  // The same, from the SHA-256 (hex) of the value: what an unkeyed marker of schema 7 and older held.
  static std::string markerOfDigest(const Keyring& keys, const std::string& urn, const std::string& sha256_hex);
  static bool isMarker(const std::string& value);

  // For migration 8: replaces every unkeyed marker, {"purged":"sha256:<hex>"}, with the keyed marker of
  // the same digest, so that the file no longer lets anyone check a guess. Needs the retention key if
  // there are any.
  static void rekeyUnkeyedMarkers(Poco::Data::Session& session);

 private:
  Poco::Data::Session& s_;
};

}  // namespace vc::storage
