#pragma once
// Passwords for the web pages' login: PBKDF2-HMAC-SHA256 with a random
// 16-byte salt per user and an iteration count from configuration, stored as
// "pbkdf2-sha256$<iterations>$<salt hex>$<hash hex>". The count is kept with
// each hash, so raising it applies to new passwords without breaking old ones.
// Stateless functions; thread-safe.

#include <string>

namespace vc::services {

constexpr int kDefaultPbkdf2Iterations = 600000;  // OWASP's 2023 figure for PBKDF2-HMAC-SHA256
constexpr int kMinPbkdf2Iterations = 100000;
constexpr size_t kMinPasswordLength = 12;

std::string hashPassword(const std::string& password, int iterations);

// True when `password` matches `stored` (compared in constant time); false
// for anything else, including a malformed or empty `stored`.
bool verifyPassword(const std::string& password, const std::string& stored);

// Why a new password is not acceptable ("" if it is): too short, too long, or not one line.
std::string passwordProblem(const std::string& password);

}  // namespace vc::services
