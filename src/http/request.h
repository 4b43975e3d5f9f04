#pragma once
// The request and response as handlers see them: plain values, no sockets.
// One per request; not shared between threads.

#include <map>
#include <optional>
#include <string>

namespace vc::http {

struct Principal {
  std::string user;     // the user's name, for the audit trail
  std::string role;     // ingest | vlu | isva | manager | admin
  std::string isva_id;  // for the isva role
  std::string area;     // a vlu bound to one CPS Area sees only that Area
};

struct Request {
  std::string method;
  std::string path;
  std::map<std::string, std::string> query;
  std::map<std::string, std::string> params;  // from the route pattern, e.g. {id}
  std::string body;
  std::string content_type;
  std::string authorization;
  std::optional<Principal> principal;  // set by the router once authenticated

  std::string queryOr(const std::string& key, const std::string& fallback = "") const {
    auto it = query.find(key);
    return it == query.end() ? fallback : it->second;
  }
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::map<std::string, std::string> headers;  // more, e.g. Content-Disposition for a download
};

}  // namespace vc::http
