#pragma once
// The route table: every route the daemon serves, API and web pages, with
// the roles that may call it, in one place. Matches "/api/v1/victims/{id}"
// style patterns (a last segment "{name*}" takes the rest of the path),
// authenticates, checks the role (a refusal is audited: someone tried), and
// maps any error to its response: the JSON error body for the API, an error
// page for the web pages.
//
// API routes authenticate with a Bearer token. Page routes authenticate with
// the web session's cookie; a POST to one must also carry the session's CSRF
// token (form field csrf_token, or an X-CSRF-Token header), and someone not
// logged in is sent to the login page.
// Built once at start; route() is thread-safe.

#include <functional>
#include <string>
#include <vector>

#include "common/error.h"
#include "http/request.h"
#include "http/request_metrics.h"
#include "http/web_sessions.h"
#include "services/accounts.h"
#include "services/audit_service.h"

namespace vc::http {

using Handler = std::function<Response(Request&)>;

enum class Surface { kApi, kPage };

struct Route {
  std::string method;
  std::string pattern;
  std::vector<std::string> roles;  // empty: no authentication (health checks, login, assets); admin is always allowed
  Handler handler;
  Surface surface = Surface::kApi;
};

// What the router needs from the web pages: sessions, and how an error looks as a page.
struct PageSupport {
  WebSessions* sessions = nullptr;
  std::function<Response(const Error& error, const Request& req)> error_page;
};

class Router {
 public:
  // `accounts` resolves API tokens; `audit` records refusals (a role that may not, a missing CSRF token).
  Router(std::vector<Route> routes, services::AccountService& accounts, services::AuditService& audit,
         PageSupport pages = {})
      : routes_(std::move(routes)), accounts_(accounts), audit_(audit), pages_(std::move(pages)) {}

  // Never throws: errors become the JSON error response or an error page.
  Response route(Request& request) const;
  // Every answer from then on is counted (method, route pattern, status, time) in `metrics`.
  void countInto(RequestMetrics* metrics) { metrics_ = metrics; }

 private:
  Response routeUncounted(Request& request) const;
  Response dispatch(Request& request, Surface& surface) const;
  void authenticatePage(Request& request) const;
  Response renderError(const Error& e, const Request& request, Surface surface) const;
  Response renderErrorBody(const Error& e, const Request& request, Surface surface) const;

  std::vector<Route> routes_;
  services::AccountService& accounts_;
  services::AuditService& audit_;
  PageSupport pages_;
  RequestMetrics* metrics_ = nullptr;
};

// Where the login page sends someone back to: a path on this site, else "/".
std::string safeLocalPath(const std::string& next);

}  // namespace vc::http
