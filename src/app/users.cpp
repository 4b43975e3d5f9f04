#include "app/users.h"

#include <algorithm>


#include "common/error.h"
#include "common/text.h"
#include "http/auth.h"
#include "http/passwords.h"
#include "storage/store.h"

namespace vc::app {

std::string addUser(storage::Database& db, const std::string& name, const std::string& role,
                    const std::string& isva_id, const std::string& area, const std::string& now,
                    const NewPassword& password) {
  auto bad = [](const std::string& what) { return Error(Error::Kind::kInvalidArgument, "invalid_user", what); };
  if (name.empty() || name.size() > 100) throw bad("a user name of 1 to 100 characters is required");
  if (auto problem = textProblem(name, TextKind::kLine)) throw bad("the user name " + *problem);
  if (std::find(http::kRoles.begin(), http::kRoles.end(), role) == http::kRoles.end())
    throw bad("--role must be one of ingest, vlu, isva, manager, admin");
  if (role == "isva" && isva_id.empty()) throw bad("an isva user needs --isva-id, the ISVA they are");
  if (role != "isva" && !isva_id.empty()) throw bad("--isva-id is only for the isva role");
  if (!area.empty() && role != "vlu" && role != "manager") throw bad("--area is only for the vlu and manager roles");
  std::string password_hash;
  if (!password.password.empty()) {
    if (auto problem = http::passwordProblem(password.password); !problem.empty()) throw bad(problem);
    password_hash = http::hashPassword(password.password, password.iterations);
  }

  const std::string token = http::newToken();
  auto lease = db.session();
  storage::Connection& session = lease;
  storage::Store store(session);
  storage::WriteTransaction tx(session);
  storage::UserRow row;
  row.name = name;
  row.role = role;
  row.isva_id = isva_id;
  row.area = area;
  row.created_at = now;
  row.password_hash = password_hash;
  try {
    store.addUser(row, http::hashToken(token));
  } catch (const Error& e) {
    if (e.code() == "user_exists") throw bad("a user named '" + name + "' already exists");
    throw;
  }
  store.audit(now, "cli", "user_added", "user:" + name,
              "role:" + role + (password_hash.empty() ? "" : " password:set"));
  tx.commit();
  return token;
}

}  // namespace vc::app
