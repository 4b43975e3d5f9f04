#include "storage/sqlite_statement.h"

#include <sqlite3.h>

#include <stdexcept>
#include <unordered_map>

#include <Poco/Data/SQLite/Utility.h>

#include "storage/postgres/pg_session.h"

namespace vc::storage {

constexpr size_t kMaxStatements = 256;  // per session

struct StatementCache::Entries {
  struct Entry {
    sqlite3_stmt* statement = nullptr;
    bool in_use = false;
  };
  std::unordered_map<std::string, Entry> by_sql;
  std::unordered_map<sqlite3_stmt*, Entry*> by_statement;  // pointers stay valid: unordered_map nodes do not move
};

StatementCache::StatementCache(sqlite3* db) : db_(db), entries_(std::make_unique<Entries>()) {}

StatementCache::~StatementCache() {
  for (auto& [sql, entry] : entries_->by_sql) sqlite3_finalize(entry.statement);
}

sqlite3_stmt* StatementCache::take(const std::string& sql, bool* busy) {
  *busy = false;
  auto found = entries_->by_sql.find(sql);
  if (found != entries_->by_sql.end()) {
    if (found->second.in_use) {
      *busy = true;
      return nullptr;
    }
    found->second.in_use = true;
    return found->second.statement;
  }
  // SQL made from filters comes in a bounded number of shapes, but nothing here relies on that.
  if (entries_->by_sql.size() >= kMaxStatements) {
    *busy = true;
    return nullptr;
  }
  sqlite3_stmt* statement = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                                    &statement, nullptr);
  if (rc != SQLITE_OK) Poco::Data::SQLite::Utility::throwException(db_, rc, sql);
  auto& entry = entries_->by_sql[sql];
  entry.statement = statement;
  entry.in_use = true;
  entries_->by_statement[statement] = &entry;
  return statement;
}

void StatementCache::giveBack(sqlite3_stmt* statement) {
  auto found = entries_->by_statement.find(statement);
  if (found != entries_->by_statement.end()) found->second->in_use = false;
}

bool isPostgres(Poco::Data::Session& session) { return postgres::pgSessionOf(session) != nullptr; }

bool inTransaction(Poco::Data::Session& session) {
  if (auto* pg = postgres::pgSessionOf(session)) return postgres::inTransaction(*pg);
  return !sqlite3_get_autocommit(Poco::Data::SQLite::Utility::dbHandle(session));
}

namespace {
std::unique_ptr<postgres::PgQuery> postgresQuery(Poco::Data::Session& session, const std::string& sql) {
  postgres::PgStoreSessionImpl* pg = postgres::pgSessionOf(session);
  return pg ? std::make_unique<postgres::PgQuery>(*pg, sql) : nullptr;
}
}  // namespace

Query::Query(Poco::Data::Session& session, const std::string& sql)
    : pg_(postgresQuery(session, sql)),
      db_(pg_ ? nullptr : Poco::Data::SQLite::Utility::dbHandle(session)),
      statement_(nullptr),
      cache_(pg_ ? nullptr : statementCacheOf(session)) {
  if (pg_) return;
  bool busy = false;
  if (cache_) statement_ = cache_->take(sql, &busy);
  if (!statement_) {  // no cache, or this SQL is already running on the session: a statement of its own
    cache_ = nullptr;
    const int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &statement_, nullptr);
    if (rc != SQLITE_OK) Poco::Data::SQLite::Utility::throwException(db_, rc, sql);
  }
}

Query::~Query() {
  if (pg_) return;
  if (cache_) {
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
    cache_->giveBack(statement_);
  } else {
    sqlite3_finalize(statement_);
  }
}

void Query::check(int rc) const {
  if (rc != SQLITE_OK) Poco::Data::SQLite::Utility::throwException(db_, rc, sqlite3_sql(statement_));
}

Query& Query::bind(const std::string& value) {
  if (pg_) {
    pg_->bind(value);
    return *this;
  }
  check(sqlite3_bind_text(statement_, next_parameter_++, value.data(), static_cast<int>(value.size()),
                          SQLITE_TRANSIENT));
  return *this;
}
Query& Query::bindUncopied(const std::string& value) {
  if (pg_) return bind(value);
  check(sqlite3_bind_text(statement_, next_parameter_++, value.data(), static_cast<int>(value.size()), SQLITE_STATIC));
  return *this;
}
Query& Query::again() {
  if (pg_) {
    pg_->again();
    return *this;
  }
  sqlite3_reset(statement_);  // its error, if any, was the last step's, already thrown by next()
  next_parameter_ = 1;
  return *this;
}
Query& Query::bind(int64_t value) {
  if (pg_) {
    pg_->bind(std::to_string(value));
    return *this;
  }
  check(sqlite3_bind_int64(statement_, next_parameter_++, value));
  return *this;
}
Query& Query::bindNull() {
  if (pg_) {
    pg_->bind(std::nullopt);
    return *this;
  }
  check(sqlite3_bind_null(statement_, next_parameter_++));
  return *this;
}

bool Query::next() {
  if (pg_) return pg_->next();
  const int rc = sqlite3_step(statement_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  // The primary code (the extended one, masked): what Poco's exception mapping knows, so a busy store
  // and a broken constraint throw the same exceptions as Poco's own statements do.
  Poco::Data::SQLite::Utility::throwException(db_, sqlite3_extended_errcode(db_) & 0xff, sqlite3_sql(statement_));
  return false;
}

void Query::run() {
  while (next()) {
  }
}

std::string Query::text(int column) const {
  if (pg_) return pg_->text(column);
  const auto* bytes = static_cast<const char*>(sqlite3_column_blob(statement_, column));
  return bytes ? std::string(bytes, static_cast<size_t>(sqlite3_column_bytes(statement_, column))) : std::string();
}
int64_t Query::int64(int column) const { return pg_ ? pg_->int64(column) : sqlite3_column_int64(statement_, column); }
bool Query::isNull(int column) const {
  return pg_ ? pg_->isNull(column) : sqlite3_column_type(statement_, column) == SQLITE_NULL;
}
int Query::column(const std::string& name) const {
  if (pg_) return pg_->column(name);  // (the PgQuery is the Query's own: const here means no new bindings)
  const int count = sqlite3_column_count(statement_);
  for (int i = 0; i < count; ++i)
    if (name == sqlite3_column_name(statement_, i)) return i;
  throw std::logic_error("no result column " + name + " in " + sqlite3_sql(statement_));
}
int64_t Query::changes() const { return pg_ ? pg_->changes() : sqlite3_changes(db_); }

}  // namespace vc::storage
