#pragma once
// What a storage::Connection is on PostgreSQL, under the repositories (issue 17). Storage-internal.
//
// A session is a Poco PostgreSQL session (Poco's connector opens it, and runs the odd statement Poco-style:
// `migrate`'s scripts), whose impl is PgStoreSessionImpl: like SQLite's StoreSessionImpl it carries the
// Database's options and audit group commit, and it keeps the session's prepared statements. The
// repositories' statements go through Query (sqlite_statement.h), which on such a session runs them on
// libpq directly (PgQuery below): prepared once per connection under a name of ours and kept, where Poco's
// connector prepares, executes and deallocates every statement (three round trips for one).
//
// The SQL a repository writes is SQLite's; translateForPostgres makes the mechanical changes (placeholders,
// IFNULL, IS / IS NOT). What is not mechanical (INSERT OR IGNORE, INDEXED BY, json_*, rowid, random(),
// sqlite_master, the writes SQLite makes by trigger) is written in its PostgreSQL form by the repository, in
// the one place the statement is made (`isPostgres(session)`). docs/storage-seam.md lists both.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <Poco/Data/DataException.h>
#include <Poco/Data/PostgreSQL/SessionImpl.h>
#include <Poco/Data/Session.h>

#include "storage/database.h"

struct pg_conn;
struct pg_result;

namespace vc::storage::postgres {

// SQLite's SQL in PostgreSQL's form, for what is mechanical (pure text; string literals, quoted names and
// comments are left alone):
//  * `?` becomes `$n` (the next number after the highest so far, as SQLite numbers them) and `?N` `$N`;
//  * `IFNULL(` becomes `COALESCE(`;
//  * `a IS b` becomes `a IS NOT DISTINCT FROM b` and `a IS NOT b` `a IS DISTINCT FROM b` (SQLite's IS compares
//    any two values, PostgreSQL's only NULL, TRUE, FALSE and UNKNOWN, which are left as they are).
// *parameters is set to the number of parameters.
std::string translateForPostgres(const std::string& sql, int* parameters = nullptr);

// An error PostgreSQL (or libpq) reported: displayText() and what() hold its message and the statement (a
// Poco exception's what() is only its name; the callers that log e.what() should say what went wrong);
// sqlstate() its SQLSTATE ("08006" when the connection is gone). isStoreBusy() knows the ones worth a retry.
class PostgresError : public Poco::Data::DataException {
 public:
  PostgresError(const std::string& message, std::string sqlstate)
      : Poco::Data::DataException(message), sqlstate_(std::move(sqlstate)), what_("PostgreSQL: " + message) {}
  const std::string& sqlstate() const { return sqlstate_; }
  const char* what() const noexcept override { return what_.c_str(); }
  const char* name() const noexcept override { return "PostgreSQL error"; }
  const char* className() const noexcept override { return typeid(*this).name(); }
  Poco::Exception* clone() const override { return new PostgresError(*this); }
  void rethrow() const override { throw *this; }

 private:
  std::string sqlstate_;
  std::string what_;
};

// The session impl every PostgreSQL session a Database opens has.
class PgStoreSessionImpl : public Poco::Data::PostgreSQL::SessionImpl {
 public:
  PgStoreSessionImpl(const std::string& connection_string, const StoreOptions& options,
                     AuditGroupCommit& audit_group_commit, std::string writer_key)
      : Poco::Data::PostgreSQL::SessionImpl(connection_string), options_(options),
        audit_group_commit_(audit_group_commit), writer_key_(std::move(writer_key)) {}
  const StoreOptions& options() const { return options_; }
  AuditGroupCommit& auditGroupCommit() const { return audit_group_commit_; }
  const std::string& writerKey() const { return writer_key_; }
  pg_conn* connection();

  struct Prepared {
    std::string name;  // "" : not kept (the cache is full); run with PQexecParams
    std::string sql;   // translated
    int parameters = 0;
  };
  // The statement for `sql` (SQLite's form), translated and prepared on this connection on first use.
  const Prepared& prepared(const std::string& sql);
  // Rows changed by the last write a Query ran on this session (changedRows()).
  int64_t last_changes = 0;

 private:
  const StoreOptions& options_;
  AuditGroupCommit& audit_group_commit_;
  std::string writer_key_;
  std::unordered_map<std::string, Prepared> statements_;
  Prepared unkept_;
};

// The PgStoreSessionImpl of `session`, or null when it is not a PostgreSQL session a Database opened.
PgStoreSessionImpl* pgSessionOf(Poco::Data::Session& session);

// One use of a statement on PostgreSQL: Query's state on that backend (sqlite_statement.cpp forwards to it).
// Parameters are sent as text, in SQLite's forms (integers in decimal); PostgreSQL infers each one's type from
// where it stands. Results come back as text; a boolean reads as 1 or 0.
class PgQuery {
 public:
  PgQuery(PgStoreSessionImpl& session, const std::string& sql);
  ~PgQuery();
  PgQuery(const PgQuery&) = delete;
  PgQuery& operator=(const PgQuery&) = delete;

  void bind(std::optional<std::string> value);
  void again();
  bool next();
  std::string text(int column) const;
  int64_t int64(int column) const;
  bool isNull(int column) const;
  int column(const std::string& name);  // runs the statement first if it has not run yet
  int64_t changes() const { return changes_; }

 private:
  void execute();
  PgStoreSessionImpl& session_;
  const PgStoreSessionImpl::Prepared prepared_;  // a copy: the session's unkept one may change
  std::vector<std::optional<std::string>> values_;
  pg_result* result_ = nullptr;
  int row_ = -1;
  bool executed_ = false;
  int64_t changes_ = 0;
};

// Whether a transaction is open on the session (BEGIN run, not yet ended).
bool inTransaction(PgStoreSessionImpl& session);
// Whether the connection may be lent again: still connected, and not inside a transaction.
bool reusable(PgStoreSessionImpl& session);

// Throws PostgresError for `result` if it is not a success (and clears it), naming `sql`.
void checkResult(pg_conn* connection, pg_result* result, const std::string& sql);

}  // namespace vc::storage::postgres
