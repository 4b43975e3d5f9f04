#pragma once
// A migration file split into its statements, for a connector that prepares one statement at a time
// (Poco's PostgreSQL connector: PQprepare takes exactly one). Statements end at a ';' outside quotes,
// comments and dollar-quoted bodies ($$ ... $$, $fn$ ... $fn$), so a PL/pgSQL function stays whole.
// Comments are dropped; empty statements are skipped. No Poco: tested on its own.

#include <string>
#include <vector>

namespace vc::storage::postgres {

// Throws vc::Error(kInternal, "migration") for an unterminated quote, comment or dollar-quoted body.
std::vector<std::string> splitSqlScript(const std::string& script);

}  // namespace vc::storage::postgres
