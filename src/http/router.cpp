#include "http/router.h"

#include <chrono>

#include <algorithm>

#include <Poco/Exception.h>

#include "common/correlation.h"
#include "common/text.h"
#include "http/auth.h"
#include "http/error_response.h"
#include "http/form.h"
#include "services/store_errors.h"

namespace vc::http {
namespace {

std::vector<std::string> segments(const std::string& path) {
  std::vector<std::string> out;
  size_t start = 1;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    out.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

bool matchPattern(const std::string& pattern, const std::string& path, std::map<std::string, std::string>& params) {
  auto p = segments(pattern), s = segments(path);
  const bool rest = !p.empty() && p.back().size() > 3 && p.back().compare(p.back().size() - 2, 2, "*}") == 0;
  if (rest ? s.size() < p.size() : p.size() != s.size()) return false;
  std::map<std::string, std::string> found;
  for (size_t i = 0; i < p.size(); ++i) {
    if (rest && i + 1 == p.size()) {
      std::string tail;
      for (size_t k = i; k < s.size(); ++k) tail += (k > i ? "/" : "") + s[k];
      if (tail.empty()) return false;
      found[p[i].substr(1, p[i].size() - 3)] = percentDecode(tail);
    } else if (p[i].size() > 2 && p[i].front() == '{' && p[i].back() == '}') {
      if (s[i].empty()) return false;
      found[p[i].substr(1, p[i].size() - 2)] = percentDecode(s[i]);
    } else if (p[i] != s[i]) {
      return false;
    }
  }
  params = std::move(found);
  return true;
}

// A path no route serves is answered as the API would if it is the API's, else as a page.
Surface surfaceOfPath(const std::string& path) {
  return path.rfind("/api/", 0) == 0 || path == "/api" || path == "/healthz" ? Surface::kApi : Surface::kPage;
}

// Path segments and query parameters are single lines; a form's boxes may hold an officer's
// paragraphs (line breaks and tabs). Nothing else a control character could smuggle gets past here.
void refuseControlCharacters(const Request& req) {
  const auto check = [](const std::map<std::string, std::string>& values, TextKind kind, const char* where) {
    for (const auto& [name, value] : values) {
      auto problem = textProblem(name, TextKind::kLine);
      if (!problem) problem = textProblem(value, kind);
      if (!problem) continue;
      const std::string field = textProblem(name, TextKind::kLine) ? std::string(where) : name;
      throw Error(Error::Kind::kInvalidArgument, std::string("invalid_") + where, field + ": " + *problem, {}, field);
    }
  };
  check(req.params, TextKind::kLine, "path");
  check(req.query, TextKind::kLine, "query");
  check(req.form, TextKind::kFreeText, "form");
}

}  // namespace

std::string safeLocalPath(const std::string& next) {
  // Only "/something" on this site: not "//host", not "/\host", nothing with a scheme or control characters.
  if (next.empty() || next[0] != '/' || (next.size() > 1 && (next[1] == '/' || next[1] == '\\'))) return "/";
  for (unsigned char c : next)
    if (c < 0x20 || c == 0x7f || c == '\\') return "/";
  return next;
}

Response Router::route(Request& req) const {
  if (!metrics_) return routeUncounted(req);
  const auto started = std::chrono::steady_clock::now();
  Response r = routeUncounted(req);
  metrics_->record(req.method, req.route.empty() ? "unmatched" : req.route, r.status,
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  return r;
}

Response Router::routeUncounted(Request& req) const {
  Surface surface = surfaceOfPath(req.path);
  try {
    return dispatch(req, surface);
  } catch (const Error& e) {
    return renderError(e, req, surface);
  } catch (const Poco::Exception& e) {
    if (services::isStoreBusy(e)) return renderError(services::storeBusy(), req, surface);
    if (services::isStoreFull(e)) {
      services::logStoreFull(e);
      return renderError(services::storeFull(), req, surface);
    }
    return renderError(Error(Error::Kind::kInternal, "internal", e.displayText()), req, surface);
  } catch (const std::exception& e) {
    return renderError(Error(Error::Kind::kInternal, "internal", e.what()), req, surface);
  } catch (...) {
    return renderError(Error(Error::Kind::kInternal, "internal", "unknown exception"), req, surface);
  }
}

Response Router::dispatch(Request& req, Surface& surface) const {
  bool path_matched = false;
  for (const Route& r : routes_) {
    std::map<std::string, std::string> params;
    if (!matchPattern(r.pattern, req.path, params)) continue;
    path_matched = true;
    surface = r.surface;
    if (r.method != req.method && !(r.method == "GET" && req.method == "HEAD")) continue;
    req.route = r.pattern;
    req.params = std::move(params);
    if (r.surface == Surface::kPage && req.method == "POST" && isFormBody(req.content_type)) req.form = parseForm(req.body);
    refuseControlCharacters(req);
    if (r.roles.empty()) return r.handler(req);

    if (r.surface == Surface::kPage) {
      authenticatePage(req);
    } else {
      req.principal = authenticate(req.authorization, accounts_);
    }
    const std::string& role = req.principal->role;
    if (role != "admin" && std::find(r.roles.begin(), r.roles.end(), role) == r.roles.end()) {
      audit_.record(req.principal->user, "access_denied", req.method + " " + req.path, "role:" + role);
      throw Error(Error::Kind::kForbidden, "forbidden", "the " + role + " role may not " + req.method + " " + r.pattern);
    }
    return r.handler(req);
  }
  if (path_matched)
    throw Error(Error::Kind::kMethodNotAllowed, "method_not_allowed", req.method + " is not allowed on " + req.path);
  throw Error(Error::Kind::kNotFound, "not_found", "no such page: " + req.path);
}

void Router::authenticatePage(Request& req) const {
  if (!pages_.sessions) throw Error(Error::Kind::kUnauthenticated, "login_required", "log in to see this page");
  auto current = pages_.sessions->resume(WebSessions::cookieValue(req.cookie));
  if (!current) throw Error(Error::Kind::kUnauthenticated, "login_required", "log in to see this page");
  req.principal = current->principal;
  req.csrf_token = current->csrf_token;
  if (req.method == "POST") {
    // A form from one of our pages carries the session's token; a page on another site cannot know it.
    const std::string given = req.csrf_header.empty() ? req.formOr("csrf_token") : req.csrf_header;
    if (!WebSessions::csrfMatches(current->csrf_token, given)) {
      audit_.record(req.principal->user, "csrf_refused", req.method + " " + req.path,
                    given.empty() ? "no token" : "wrong token");
      throw Error(Error::Kind::kForbidden, "csrf",
                  "this form was not sent from a page of this service, or it is from an earlier session");
    }
  }
}

Response Router::renderError(const Error& e, const Request& req, Surface surface) const {
  Response r = renderErrorBody(e, req, surface);
  if (r.status == 503) r.headers["Retry-After"] = "2";
  return r;
}

Response Router::renderErrorBody(const Error& e, const Request& req, Surface surface) const {
  if (surface == Surface::kPage) {
    // Someone not logged in (or whose session ended) is sent to log in, and back here after.
    if (e.kind() == Error::Kind::kUnauthenticated && req.path != "/login") {
      const std::string back = req.method == "GET" ? req.target : "";
      return Response::redirect(back.empty() || back == "/" ? "/login" : "/login?next=" + urlEncode(back));
    }
    if (pages_.error_page) {
      try {
        if (e.kind() == Error::Kind::kInternal) {
          // Log the detail under the request's id, show only the id.
          internalErrorResponse(e.what());
          return pages_.error_page(Error(Error::Kind::kInternal, "internal", "correlation id " + correlationId()), req);
        }
        return pages_.error_page(e, req);
      } catch (const std::exception& page_failed) {
        return internalErrorResponse(std::string("the error page failed: ") + page_failed.what());
      }
    }
  }
  return errorResponse(e);
}

}  // namespace vc::http
