#include "http/router.h"

#include <algorithm>

#include <Poco/Exception.h>
#include <Poco/URI.h>

#include "common/error.h"
#include "http/auth.h"
#include "http/error_response.h"
#include "storage/store.h"

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
  if (p.size() != s.size()) return false;
  std::map<std::string, std::string> found;
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i].size() > 2 && p[i].front() == '{' && p[i].back() == '}') {
      if (s[i].empty()) return false;
      std::string decoded;
      Poco::URI::decode(s[i], decoded);
      found[p[i].substr(1, p[i].size() - 2)] = decoded;
    } else if (p[i] != s[i]) {
      return false;
    }
  }
  params = std::move(found);
  return true;
}

}  // namespace

Response Router::route(Request& req) const {
  try {
    bool path_matched = false;
    for (const Route& r : routes_) {
      std::map<std::string, std::string> params;
      if (!matchPattern(r.pattern, req.path, params)) continue;
      path_matched = true;
      if (r.method != req.method && !(r.method == "GET" && req.method == "HEAD")) continue;
      req.params = std::move(params);
      if (!r.roles.empty()) {
        req.principal = authenticate(req.authorization, db_);
        const std::string& role = req.principal->role;
        if (role != "admin" && std::find(r.roles.begin(), r.roles.end(), role) == r.roles.end()) {
          auto lease = db_.session();
          storage::Store(lease).audit(domain::formatRfc3339Utc(clock_.now()), req.principal->user, "access_denied",
                                      req.method + " " + req.path, "role:" + role);
          throw Error(Error::Kind::kForbidden, "forbidden",
                      "the " + role + " role may not " + req.method + " " + r.pattern);
        }
      }
      return r.handler(req);
    }
    if (path_matched)
      throw Error(Error::Kind::kMethodNotAllowed, "method_not_allowed", req.method + " is not allowed on " + req.path);
    throw Error(Error::Kind::kNotFound, "not_found", "no such resource: " + req.path);
  } catch (const Error& e) {
    return errorResponse(e);
  } catch (const Poco::Exception& e) {
    return internalErrorResponse(e.displayText());
  } catch (const std::exception& e) {
    return internalErrorResponse(e.what());
  } catch (...) {
    return internalErrorResponse("unknown exception");
  }
}

}  // namespace vc::http
