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

std::vector<ArmedCase> read(Query& q) {
  std::vector<ArmedCase> out;
  while (q.next()) out.push_back({q.text(0), q.int64(1)});
  return out;
}

}  // namespace

std::vector<ArmedCase> CaseChecks::armed() {
  Query q(s_, "SELECT case_urn, armed FROM case_checks ORDER BY case_urn");
  return read(q);
}

std::vector<ArmedCase> CaseChecks::armedAmong(const std::vector<std::string>& cases) {
  std::vector<ArmedCase> out;
  constexpr size_t kChunk = 500;  // well under SQLite's limit on bound parameters
  for (size_t i = 0; i < cases.size(); i += kChunk) {
    std::vector<std::string> chunk(cases.begin() + static_cast<std::ptrdiff_t>(i),
                                   cases.begin() + static_cast<std::ptrdiff_t>(std::min(cases.size(), i + kChunk)));
    std::string sql = "SELECT case_urn, armed FROM case_checks WHERE case_urn IN (";
    for (size_t k = 0; k < chunk.size(); ++k) sql += k ? ", ?" : "?";
    Query q(s_, sql + ") ORDER BY case_urn");
    for (auto& c : chunk) q.bind(c);
    for (auto& a : read(q)) out.push_back(std::move(a));
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
