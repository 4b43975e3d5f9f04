#include "storage/case_checks.h"
#include "storage/sqlite_connection.h"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Statement.h>

#include "storage/database.h"
#include "storage/sqlite_statement.h"

using namespace Poco::Data::Keywords;
using Poco::Data::Statement;

namespace vc::storage {
namespace {

std::vector<ArmedCase> read(Statement& st) {
  st.execute();
  Poco::Data::RecordSet rs(st);
  std::vector<ArmedCase> out;
  for (bool more = rs.moveFirst(); more; more = rs.moveNext())
    out.push_back({rs.value(0).convert<std::string>(), rs.value(1).convert<Poco::Int64>()});
  return out;
}

}  // namespace

std::vector<ArmedCase> CaseChecks::armed() {
  Statement st(s_);
  st << "SELECT case_urn, armed FROM case_checks ORDER BY case_urn";
  return read(st);
}

std::vector<ArmedCase> CaseChecks::armedAmong(const std::vector<std::string>& cases) {
  std::vector<ArmedCase> out;
  constexpr size_t kChunk = 500;  // well under SQLite's limit on bound parameters
  for (size_t i = 0; i < cases.size(); i += kChunk) {
    std::vector<std::string> chunk(cases.begin() + static_cast<std::ptrdiff_t>(i),
                                   cases.begin() + static_cast<std::ptrdiff_t>(std::min(cases.size(), i + kChunk)));
    std::string sql = "SELECT case_urn, armed FROM case_checks WHERE case_urn IN (";
    for (size_t k = 0; k < chunk.size(); ++k) sql += k ? ", ?" : "?";
    Statement st(s_);
    st << sql + ") ORDER BY case_urn";
    for (auto& c : chunk) st, bind(c);
    for (auto& a : read(st)) out.push_back(std::move(a));
  }
  return out;
}

size_t CaseChecks::disarm(const std::vector<ArmedCase>& cases) {
  if (cases.empty()) return 0;
  size_t n = 0;
  WriteTransaction tx(s_);
  // One statement prepared once per session and reused for each case (compiled per case, it was a
  // drafting pass's largest statement cost after the letters' own: issue 16, "drafting's CPU").
  Query q(s_, "DELETE FROM case_checks WHERE case_urn = ? AND armed = ?");
  for (size_t i = 0; i < cases.size(); ++i) {
    if (i) q.again();
    q.bind(cases[i].case_urn).bind(static_cast<int64_t>(cases[i].token)).run();
    n += static_cast<size_t>(q.changes());
  }
  tx.commit();
  return n;
}

CaseChecks::CaseChecks(Connection& connection) : s_(sqlite(connection)) {}

}  // namespace vc::storage
