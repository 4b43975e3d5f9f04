#include "storage/postgres/pg_session.h"

#include <libpq-fe.h>

#include <cctype>
#include <cstdlib>
#include <stdexcept>

namespace vc::storage::postgres {
namespace {

constexpr size_t kMaxStatements = 256;  // kept per connection, as on SQLite (sqlite_statement.cpp)

bool wordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

std::string upperWordAt(const std::string& sql, size_t at) {
  std::string word;
  while (at < sql.size() && wordChar(sql[at])) word += static_cast<char>(std::toupper(static_cast<unsigned char>(sql[at++])));
  return word;
}

size_t skipSpace(const std::string& sql, size_t at) {
  while (at < sql.size() && std::isspace(static_cast<unsigned char>(sql[at]))) ++at;
  return at;
}

bool isTestWord(const std::string& word) {
  return word == "NULL" || word == "DISTINCT" || word == "TRUE" || word == "FALSE" || word == "UNKNOWN";
}

}  // namespace

std::string translateForPostgres(const std::string& sql, int* parameters) {
  std::string out;
  out.reserve(sql.size() + 16);
  int highest = 0;
  size_t i = 0;
  while (i < sql.size()) {
    const char c = sql[i];
    if (c == '\'' || c == '"') {  // a literal or a quoted name, to its end ('' and "" inside)
      size_t end = i + 1;
      while (end < sql.size()) {
        if (sql[end] == c) {
          if (end + 1 < sql.size() && sql[end + 1] == c) {
            end += 2;
            continue;
          }
          break;
        }
        ++end;
      }
      out.append(sql, i, end + 1 - i);
      i = end + 1;
      continue;
    }
    if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      const size_t end = sql.find('\n', i);
      const size_t stop = end == std::string::npos ? sql.size() : end;
      out.append(sql, i, stop - i);
      i = stop;
      continue;
    }
    if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
      const size_t end = sql.find("*/", i + 2);
      const size_t stop = end == std::string::npos ? sql.size() : end + 2;
      out.append(sql, i, stop - i);
      i = stop;
      continue;
    }
    if (c == '?') {
      size_t end = i + 1;
      while (end < sql.size() && std::isdigit(static_cast<unsigned char>(sql[end]))) ++end;
      int n = end > i + 1 ? std::atoi(sql.substr(i + 1, end - i - 1).c_str()) : highest + 1;
      if (n > highest) highest = n;
      out += '$' + std::to_string(n);
      i = end;
      continue;
    }
    if (wordChar(c) && (i == 0 || !wordChar(sql[i - 1]))) {
      const std::string word = upperWordAt(sql, i);
      if (word == "IFNULL" && skipSpace(sql, i + word.size()) < sql.size() && sql[skipSpace(sql, i + word.size())] == '(') {
        out += "COALESCE";
        i += word.size();
        continue;
      }
      if (word == "IS") {
        size_t next = skipSpace(sql, i + 2);
        std::string following = upperWordAt(sql, next);
        if (following == "NOT") {
          const size_t after_not = skipSpace(sql, next + 3);
          if (!isTestWord(upperWordAt(sql, after_not))) {
            out += "IS DISTINCT FROM ";
            i = after_not;
            continue;
          }
        } else if (!isTestWord(following)) {
          out += "IS NOT DISTINCT FROM ";
          i = next;
          continue;
        }
      }
      out.append(sql, i, word.size());
      i += word.size();
      continue;
    }
    out += c;
    ++i;
  }
  if (parameters) *parameters = highest;
  return out;
}

pg_conn* PgStoreSessionImpl::connection() { return handle(); }

const PgStoreSessionImpl::Prepared& PgStoreSessionImpl::prepared(const std::string& sql) {
  auto found = statements_.find(sql);
  if (found != statements_.end()) return found->second;
  Prepared p;
  p.sql = translateForPostgres(sql, &p.parameters);
  if (statements_.size() >= kMaxStatements) {
    unkept_ = std::move(p);
    return unkept_;
  }
  p.name = "vc_" + std::to_string(statements_.size() + 1);
  PGresult* result = PQprepare(connection(), p.name.c_str(), p.sql.c_str(), p.parameters, nullptr);
  checkResult(connection(), result, p.sql);
  PQclear(result);
  return statements_.emplace(sql, std::move(p)).first->second;
}

PgStoreSessionImpl* pgSessionOf(Poco::Data::Session& session) {
  return dynamic_cast<PgStoreSessionImpl*>(session.impl());
}

bool inTransaction(PgStoreSessionImpl& session) {
  return PQtransactionStatus(session.connection()) != PQTRANS_IDLE;
}

bool reusable(PgStoreSessionImpl& session) {
  return PQstatus(session.connection()) == CONNECTION_OK && PQtransactionStatus(session.connection()) == PQTRANS_IDLE;
}

void checkResult(pg_conn* connection, pg_result* result, const std::string& sql) {
  const ExecStatusType status = result ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return;
  std::string message = result ? PQresultErrorMessage(result) : "";
  if (message.empty()) message = PQerrorMessage(connection);
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string sqlstate = state ? state : "";
  if (sqlstate.empty() && PQstatus(connection) == CONNECTION_BAD) sqlstate = "08006";
  if (result) PQclear(result);
  throw PostgresError(message + " [" + sqlstate + "] in: " + sql, sqlstate);
}

PgQuery::PgQuery(PgStoreSessionImpl& session, const std::string& sql)
    : session_(session), prepared_(session.prepared(sql)) {
  values_.reserve(static_cast<size_t>(prepared_.parameters));
}

PgQuery::~PgQuery() {
  if (result_) PQclear(result_);
}

void PgQuery::bind(std::optional<std::string> value) {
  if (values_.size() >= static_cast<size_t>(prepared_.parameters))
    throw std::logic_error("more values bound than the statement has parameters: " + prepared_.sql);
  values_.push_back(std::move(value));
}

void PgQuery::again() {
  if (result_) PQclear(result_);
  result_ = nullptr;
  values_.clear();
  row_ = -1;
  executed_ = false;
}

void PgQuery::execute() {
  std::vector<const char*> values(static_cast<size_t>(prepared_.parameters), nullptr);
  for (size_t i = 0; i < values_.size(); ++i) values[i] = values_[i] ? values_[i]->c_str() : nullptr;
  PGresult* result =
      prepared_.name.empty()
          ? PQexecParams(session_.connection(), prepared_.sql.c_str(), prepared_.parameters, nullptr, values.data(),
                         nullptr, nullptr, 0)
          : PQexecPrepared(session_.connection(), prepared_.name.c_str(), prepared_.parameters, values.data(), nullptr,
                           nullptr, 0);
  checkResult(session_.connection(), result, prepared_.sql);
  result_ = result;
  const char* tuples = PQcmdTuples(result_);
  changes_ = tuples && *tuples ? std::atoll(tuples) : 0;
  // Like sqlite3_changes: a statement that writes nothing (a SELECT) leaves the count as it was.
  const std::string status = PQcmdStatus(result_);
  if (status.rfind("INSERT", 0) == 0 || status.rfind("UPDATE", 0) == 0 || status.rfind("DELETE", 0) == 0 ||
      status.rfind("MERGE", 0) == 0)
    session_.last_changes = changes_;
  executed_ = true;
}

bool PgQuery::next() {
  if (!executed_) execute();
  if (row_ + 1 >= PQntuples(result_)) return false;
  ++row_;
  return true;
}

std::string PgQuery::text(int column) const {
  if (!result_ || row_ < 0 || PQgetisnull(result_, row_, column)) return std::string();
  return std::string(PQgetvalue(result_, row_, column), static_cast<size_t>(PQgetlength(result_, row_, column)));
}

int64_t PgQuery::int64(int column) const {
  if (!result_ || row_ < 0 || PQgetisnull(result_, row_, column)) return 0;
  const char* value = PQgetvalue(result_, row_, column);
  if (value[0] == 't' && value[1] == '\0') return 1;  // a boolean
  if (value[0] == 'f' && value[1] == '\0') return 0;
  return std::strtoll(value, nullptr, 10);
}

bool PgQuery::isNull(int column) const {
  return !result_ || row_ < 0 || PQgetisnull(result_, row_, column);
}

int PgQuery::column(const std::string& name) {
  if (!executed_) execute();  // SQLite knows a statement's columns before its first step; libpq from its result
  const int n = result_ ? PQfnumber(result_, ("\"" + name + "\"").c_str()) : -1;
  if (n < 0) throw std::logic_error("no result column " + name + " in " + prepared_.sql);
  return n;
}

}  // namespace vc::storage::postgres
