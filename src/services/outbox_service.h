#pragma once
// The outbox's messages as officers see and handle them: the list (audited:
// a delivery error may quote a server naming the recipient's address) and
// trying a dead message again, recorded on its letter or notification and in
// the audit log. Sending itself is delivery::Outbox's.
// Thread-safe: each call takes its own store session.

#include <cstdint>
#include <string>
#include <vector>

#include "domain/clock.h"
#include "services/principal.h"
#include "storage/records.h"

namespace vc::delivery {
class Outbox;
}
namespace vc::storage {
class Database;  // storage/database.h: the front that holds this service needs no store header
}

namespace vc::services {

class OutboxService {
 public:
  OutboxService(storage::Database& db, delivery::Outbox& outbox, const domain::Clock& clock)
      : db_(db), outbox_(outbox), clock_(clock) {}

  // Messages as `filter` asks; the read is audited (read_outbox) in the same transaction.
  std::vector<storage::OutboxRow> list(const storage::OutboxFilter& filter, const Principal& reader);
  // Queues dead message `n` (named `id`, "m-<n>") again for `by`, and returns it as it now stands.
  // Throws Error(kNotFound) for no such message or one outside a bound officer's Area, and
  // Error(kConflict, "invalid_state") for a message that is not dead.
  storage::OutboxRow retry(int64_t n, const std::string& id, const Principal& by);

 private:
  storage::Database& db_;
  delivery::Outbox& outbox_;
  const domain::Clock& clock_;
};

}  // namespace vc::services
