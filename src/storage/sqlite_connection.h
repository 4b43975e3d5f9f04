#pragma once
// What a Connection is on SQLite: a Poco::Data session on the store's file. Storage-internal (and for
// tests that read the file's rows directly): services see only storage/connection.h.

#include <memory>

#include <Poco/Data/Session.h>

#include "storage/connection.h"

namespace vc::storage {

// A Connection that is a Poco::Data session: on SQLite (SqliteConnection) or on PostgreSQL
// (PostgresConnection). The repositories run their SQL on the session through Query (sqlite_statement.h),
// which knows which of the two it is (isPostgres).
class SessionConnection : public Connection {
 public:
  explicit SessionConnection(std::unique_ptr<Poco::Data::Session> session) : session_(std::move(session)) {}
  Poco::Data::Session& session() { return *session_; }

 private:
  std::unique_ptr<Poco::Data::Session> session_;
};

class SqliteConnection final : public SessionConnection {
 public:
  using SessionConnection::SessionConnection;
  // PRAGMA wal_autocheckpoint=0 applied (Database::checkpointInBackground).
  bool leaves_checkpoints = false;
};

// On PostgreSQL: a Poco PostgreSQL session (its impl is postgres/pg_session.h's PgStoreSessionImpl).
class PostgresConnection final : public SessionConnection {
 public:
  using SessionConnection::SessionConnection;
};

// The Poco session behind `connection` (every Connection a Database lends is a SessionConnection), whichever
// backend it is on: the name is older than the second backend.
inline Poco::Data::Session& sqlite(Connection& connection) {
  return static_cast<SessionConnection&>(connection).session();
}

// VACUUM, with its temporary copy of the whole store in a file for the statement's length. Every session
// keeps SQLite's temporary files in memory (temp_store=MEMORY, Database::session), which for a VACUUM
// would hold a second copy of the store in RAM.
void vacuum(Poco::Data::Session& session);

}  // namespace vc::storage
