#pragma once
// Adding users. The API token is returned once and only its hash is kept; a
// password (for the web pages) is kept only as a PBKDF2 hash.

#include <string>

#include "storage/database.h"

namespace vc::app {

// Throws vc::Error(kInvalidArgument) for an unknown role, an isva without
// --isva-id, or a name already taken.
struct NewPassword {
  std::string password;  // "" for none (an API-only user)
  int iterations = 600000;
};
std::string addUser(storage::Database& db, const std::string& name, const std::string& role,
                    const std::string& isva_id, const std::string& area, const std::string& now,
                    const NewPassword& password = {});

}  // namespace vc::app
