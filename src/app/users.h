#pragma once
// Adding API users. The token is returned once and only its hash is kept.

#include <string>

#include "storage/database.h"

namespace vc::app {

// Throws vc::Error(kInvalidArgument) for an unknown role, an isva without
// --isva-id, or a name already taken.
std::string addUser(storage::Database& db, const std::string& name, const std::string& role,
                    const std::string& isva_id, const std::string& area, const std::string& now);

}  // namespace vc::app
