#include "http/auth.h"

#include "common/error.h"

namespace vc::http {

Principal authenticate(const std::string& authorization, services::AccountService& accounts) {
  static const std::string kScheme = "Bearer ";
  if (authorization.empty())
    throw Error(Error::Kind::kUnauthenticated, "unauthenticated", "an Authorization: Bearer <token> header is required");
  if (authorization.compare(0, kScheme.size(), kScheme) != 0 || authorization.size() == kScheme.size())
    throw Error(Error::Kind::kUnauthenticated, "unauthenticated", "the Authorization header must be 'Bearer <token>'");
  const std::string token = authorization.substr(kScheme.size());
  auto user = accounts.byToken(token);
  if (!user) throw Error(Error::Kind::kUnauthenticated, "unauthenticated", "the token is not valid");
  return *user;
}

}  // namespace vc::http
