#pragma once
// One connection to the store, lent for one request or task (Database::session() returns it in a
// SessionLease). Services, delivery and the scheduler pass it to the repositories (Store,
// LetterStore, OutboxStore, ...) and to WriteTransaction; they never see what is inside. Only
// src/storage/ does (sqlite_connection.h), so that a second backend can stand behind the same
// repositories (docs/storage-seam.md).

namespace vc::storage {

class Connection {
 public:
  virtual ~Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

 protected:
  Connection() = default;
};

}  // namespace vc::storage
