#pragma once
// Bearer tokens: random, shown once, stored only as a SHA-256 hash (the
// tokens themselves and who holds one: services/accounts.h).
// Stateless functions; thread-safe.

#include <string>
#include <vector>

#include "http/request.h"
#include "services/accounts.h"

namespace vc::http {

using services::hashToken;
using services::kRoles;  // ingest, vlu, isva, manager, admin
using services::newToken;

// Resolves an "Authorization: Bearer <token>" header; throws Error(kUnauthenticated).
Principal authenticate(const std::string& authorization, services::AccountService& accounts);

}  // namespace vc::http
