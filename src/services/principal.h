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
  std::string area;     // a vlu or manager bound to one CPS Area sees only that Area ("": every Area)

  // The Area this person's reads and writes are limited to ("": every Area). The one place that says which
  // roles an Area binds: officers and managers (`user add --area`); an ISVA is bound by isva_id instead.
  const std::string& areaScope() const {
    static const std::string kEveryArea;
    return role == "vlu" || role == "manager" ? area : kEveryArea;
  }
  // Whether something in `area` is outside what this person may see (a read of it is "not found").
  bool outsideArea(const std::string& area) const { return !areaScope().empty() && areaScope() != area; }
  // A list's Area filter as this person may have it: what they asked for when they are bound to none; else
  // their own Area, and for another Area a value no row has, so the list is empty.
  std::string areaFilter(const std::string& asked) const {
    const std::string& scope = areaScope();
    if (scope.empty()) return asked;
    return asked.empty() || asked == scope ? scope : "\x01no such area";
  }
};

}  // namespace vc::services
