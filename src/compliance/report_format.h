#pragma once
// A compliance report written out for people: JSON for the API and the web
// pages, CSV for a spreadsheet (RFC 4180: a header row, CRLF line ends,
// UTF-8 with a byte-order mark so Excel reads it as UTF-8, and no cell that
// a spreadsheet would run as a formula).

#include <functional>
#include <string>

#include <Poco/JSON/Object.h>

#include "compliance/ledger_service.h"
#include "domain/compliance.h"

namespace vc::compliance {

// The two tables a report has: the figures per group, and the misses with their reasons.
enum class CsvTable { kSummary, kMisses };

// What a manager asked for, from the API's query or the CLI's options.
struct ReportRequest {
  ReportQuery query;
  std::string format = "json";  // json | csv
  CsvTable table = CsvTable::kSummary;
};

// Reads from, to (default: the three months up to and including today),
// group_by (default rule), format (json | csv), table (summary | misses, for
// csv) and area through `param` ("" when not given). Throws vc::Error
// (400, naming the parameter) for a bad value. `area_scope`: the Area the reader is bound to ("" for
// every Area, services::Principal::areaScope): the report is of that Area when they asked for every Area,
// and another Area is refused (403, naming theirs).
ReportRequest parseReportRequest(const std::function<std::string(const std::string&)>& param,
                                 const domain::Date& today, const std::string& area_scope = "");

Poco::JSON::Object::Ptr reportJson(const domain::ComplianceReport& report, const std::string& area);

std::string reportCsv(const domain::ComplianceReport& report, CsvTable table);
// The CSV download's file name: compliance-summary-by-rule-FROM-to-TO.csv, compliance-misses-FROM-to-TO.csv.
std::string csvFileName(const ReportRequest& request);

// One CSV cell: quoted when it holds a comma, quote or line break; text a
// spreadsheet would take for a formula (starting =, +, -, @, tab or CR) is
// prefixed with an apostrophe so it shows as typed.
std::string csvCell(const std::string& text);

}  // namespace vc::compliance
