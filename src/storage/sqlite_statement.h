#pragma once
// SQLite's own prepared statements, prepared once per session and reused. Poco::Data compiles the SQL
// again for every Statement it makes: on an import that was a third of the CPU (docs/benchmarks.md),
// so the statements run per event, per obligation, per letter and per audited read go through here.
// Storage-internal: nothing outside src/storage/ includes this.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <Poco/Data/Session.h>

struct sqlite3;
struct sqlite3_stmt;

namespace vc::storage {
namespace postgres {
class PgQuery;
}

// The prepared statements of one session, by SQL text. Owned by the session (database.cpp's
// StoreSessionImpl) and finalized before it closes. Not thread-safe: like the session, one user at a time.
class StatementCache {
 public:
  explicit StatementCache(sqlite3* db);
  ~StatementCache();
  StatementCache(const StatementCache&) = delete;
  StatementCache& operator=(const StatementCache&) = delete;

  // The statement for `sql`, prepared on first use; nullptr with *busy when that one is in use
  // already (a query run inside a loop over the same query) or the cache is full, for the caller to
  // prepare its own.
  sqlite3_stmt* take(const std::string& sql, bool* busy);
  void giveBack(sqlite3_stmt* statement);

 private:
  struct Entries;
  sqlite3* db_;
  std::unique_ptr<Entries> entries_;
};

// One use of a cached statement: bind the parameters in order, then step (next()) or run(); reset and
// its bindings cleared when it goes out of scope, so the next use starts clean. Errors throw the same
// Poco::Data::SQLite exceptions as Poco's own statements (isStoreBusy() knows them).
//
// On a PostgreSQL session (isPostgres) the same Query runs on libpq, with the statement prepared once per
// connection (postgres/pg_session.h): the SQL is SQLite's, translated mechanically (`?` to `$n`, IFNULL, IS);
// errors throw postgres::PostgresError. A write's changes() and a read's rows behave as on SQLite.
class Query {
 public:
  Query(Poco::Data::Session& session, const std::string& sql);
  ~Query();
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;

  Query& bind(const std::string& value);
  Query& bind(const char* value) { return bind(std::string(value)); }
  Query& bind(int64_t value);
  Query& bind(int value) { return bind(static_cast<int64_t>(value)); }
  Query& bind(bool value) { return bind(static_cast<int64_t>(value ? 1 : 0)); }
  Query& bindNull();
  Query& bindOrNull(const std::string& value) { return value.empty() ? bindNull() : bind(value); }  // '' as NULL
  template <typename T>
  Query& bind(const std::optional<T>& value) { return value ? bind(*value) : bindNull(); }

  // Ready for the next use of the same statement in a loop (reset; bind every parameter again): a loop of
  // writes makes one Query instead of one an iteration, each of which looked the SQL up in the cache.
  Query& again();
  // Binds text that stays unchanged until the next again() or the end of this Query, without SQLite
  // copying it (SQLITE_STATIC): large values a loop has just built.
  Query& bindUncopied(const std::string& value);

  bool next();  // the next row; false when there is none
  void run();   // steps to the end (a write, or a query whose rows are not wanted)

  // Columns of the current row, from 0. NULL reads as "" or 0.
  std::string text(int column) const;
  int64_t int64(int column) const;
  bool isNull(int column) const;
  // The position of the result column named `name` (its AS name); throws if there is none.
  int column(const std::string& name) const;

  // Rows changed by this write (SQLite's changes()), after run().
  int64_t changes() const;

 private:
  void check(int rc) const;
  std::unique_ptr<postgres::PgQuery> pg_;  // set on a PostgreSQL session: everything below is unused
  sqlite3* db_;
  sqlite3_stmt* statement_;
  StatementCache* cache_;  // null: statement_ is this Query's own, finalized with it
  int next_parameter_ = 1;
};

// Whether `session` is on PostgreSQL (a session a PostgreSQL Database opened): where a repository's SQL
// must take PostgreSQL's form, it asks this, in the one place the statement is made.
bool isPostgres(Poco::Data::Session& session);
// Whether `session` is inside a transaction (SQLite: not in autocommit mode; PostgreSQL: not idle).
bool inTransaction(Poco::Data::Session& session);

// The cache of `session`'s prepared statements (one per session the Database opened; database.cpp).
StatementCache* statementCacheOf(Poco::Data::Session& session);

}  // namespace vc::storage
