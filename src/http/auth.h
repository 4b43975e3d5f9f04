#pragma once
// Bearer tokens: random, shown once, stored only as a SHA-256 hash.
// Stateless functions; thread-safe.

#include <string>
#include <vector>

#include "http/request.h"
#include "storage/database.h"

namespace vc::http {

extern const std::vector<std::string> kRoles;  // ingest, vlu, isva, manager, admin

std::string newToken();                       // "vc_" + 48 hex digits from the system's CSPRNG
std::string hashToken(const std::string& token);

// Resolves an "Authorization: Bearer <token>" header; throws Error(kUnauthenticated).
Principal authenticate(const std::string& authorization, storage::Database& db);

}  // namespace vc::http
