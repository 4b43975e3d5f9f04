#pragma once
// What a Connection is on SQLite: a Poco::Data session on the store's file. Storage-internal (and for
// tests that read the file's rows directly): services see only storage/connection.h.

#include <memory>

#include <Poco/Data/Session.h>

#include "storage/connection.h"

namespace vc::storage {

class SqliteConnection final : public Connection {
 public:
  explicit SqliteConnection(std::unique_ptr<Poco::Data::Session> session) : session_(std::move(session)) {}
  Poco::Data::Session& session() { return *session_; }
  // PRAGMA wal_autocheckpoint=0 applied (Database::checkpointInBackground).
  bool leaves_checkpoints = false;

 private:
  std::unique_ptr<Poco::Data::Session> session_;
};

// The Poco session behind `connection` (every Connection the Database lends is a SqliteConnection).
inline Poco::Data::Session& sqlite(Connection& connection) {
  return static_cast<SqliteConnection&>(connection).session();
}

// VACUUM, with its temporary copy of the whole store in a file for the statement's length. Every session
// keeps SQLite's temporary files in memory (temp_store=MEMORY, Database::session), which for a VACUUM
// would hold a second copy of the store in RAM.
void vacuum(Poco::Data::Session& session);

}  // namespace vc::storage
