#pragma once
// Who is asking: the signed-in person (or API client) a service acts for.
// Set by the HTTP front once authenticated (http::Request::principal) and
// handed to the services, which decide what that person may see and write
// their name in the audit trail. A plain value; thread-compatible.

#include <string>

namespace vc::services {

struct Principal {
  std::string user;     // the user's name, for the audit trail
  std::string role;     // ingest | vlu | isva | manager | admin
  std::string isva_id;  // for the isva role
  std::string area;     // a vlu bound to one CPS Area sees only that Area
};

}  // namespace vc::services
