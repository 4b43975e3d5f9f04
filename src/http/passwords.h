#pragma once
// The web pages' password hashing, under the names the front has always used:
// it lives with the sign-in it serves (services/passwords.h).

#include "services/passwords.h"

namespace vc::http {

using services::hashPassword;
using services::kDefaultPbkdf2Iterations;
using services::kMinPasswordLength;
using services::kMinPbkdf2Iterations;
using services::passwordProblem;
using services::verifyPassword;

}  // namespace vc::http
