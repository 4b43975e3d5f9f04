#pragma once
// The request and response as handlers see them: plain values, no sockets.
// One per request; not shared between threads.

#include <map>
#include <optional>
#include <string>

#include "services/principal.h"

namespace vc::http {

using Principal = services::Principal;  // who is asking, as the services see them

struct Request {
  std::string method;
  std::string path;
  std::string target;  // path and query as sent, e.g. "/queue?state=draft"
  std::map<std::string, std::string> query;
  std::map<std::string, std::string> params;  // from the route pattern, e.g. {id}
  std::string route;  // the pattern that matched, e.g. "/api/v1/victims/{id}" (set by the router; metrics' label)
  std::string body;
  std::string content_type;
  std::string authorization;
  std::string cookie;       // the Cookie header
  std::string csrf_header;  // X-CSRF-Token, for a script's POST
  std::string client_address;  // the peer's IP address (a proxy's, behind one)
  std::map<std::string, std::string> form;  // a web page's urlencoded POST body, parsed by the router
  std::optional<Principal> principal;  // set by the router once authenticated
  std::string csrf_token;  // a web session's token, for the forms a page renders (set by the router)

  std::string formOr(const std::string& key, const std::string& fallback = "") const {
    auto it = form.find(key);
    return it == form.end() ? fallback : it->second;
  }
  std::string queryOr(const std::string& key, const std::string& fallback = "") const {
    auto it = query.find(key);
    return it == query.end() ? fallback : it->second;
  }
};

struct Response {
  // A 303 See Other to a path on this site (after a form's POST, or to the login page).
  static Response redirect(const std::string& location) {
    Response r;
    r.status = 303;
    r.content_type = "text/plain; charset=utf-8";
    r.headers["Location"] = location;
    return r;
  }

  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::map<std::string, std::string> headers;  // more, e.g. Content-Disposition for a download
};

}  // namespace vc::http
