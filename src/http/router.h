#pragma once
// The route table: every route the daemon serves, with the roles that may
// call it, in one place. Matches "/api/v1/victims/{id}" style patterns,
// authenticates, checks the role (a refusal is audited: someone tried), and
// maps any error to its response.
// Built once at start; route() is thread-safe.

#include <functional>
#include <string>
#include <vector>

#include "domain/clock.h"
#include "http/request.h"
#include "storage/database.h"

namespace vc::http {

using Handler = std::function<Response(Request&)>;

struct Route {
  std::string method;
  std::string pattern;
  std::vector<std::string> roles;  // empty: no authentication (health checks); admin is always allowed
  Handler handler;
};

class Router {
 public:
  Router(std::vector<Route> routes, storage::Database& db, const domain::Clock& clock)
      : routes_(std::move(routes)), db_(db), clock_(clock) {}

  // Never throws: errors become the JSON error response.
  Response route(Request& request) const;

 private:
  std::vector<Route> routes_;
  storage::Database& db_;
  const domain::Clock& clock_;
};

}  // namespace vc::http
