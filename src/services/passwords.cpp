#include "services/passwords.h"

#include <stdexcept>
#include <vector>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

namespace vc::services {
namespace {

constexpr size_t kSaltBytes = 16;
constexpr size_t kHashBytes = 32;

std::string hex(const unsigned char* data, size_t n) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out += kDigits[data[i] >> 4];
    out += kDigits[data[i] & 15];
  }
  return out;
}

bool unhex(const std::string& text, std::vector<unsigned char>& out) {
  if (text.size() % 2) return false;
  out.clear();
  for (size_t i = 0; i < text.size(); i += 2) {
    auto nibble = [](char c) {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      return -1;
    };
    int hi = nibble(text[i]), lo = nibble(text[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out.push_back(static_cast<unsigned char>(hi * 16 + lo));
  }
  return true;
}

std::vector<unsigned char> derive(const std::string& password, const std::vector<unsigned char>& salt, int iterations) {
  std::vector<unsigned char> key(kHashBytes);
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), salt.data(), static_cast<int>(salt.size()),
                        iterations, EVP_sha256(), static_cast<int>(key.size()), key.data()) != 1)
    throw std::runtime_error("PBKDF2 failed");
  return key;
}

}  // namespace

std::string hashPassword(const std::string& password, int iterations) {
  if (iterations < kMinPbkdf2Iterations) throw std::invalid_argument("too few PBKDF2 iterations");
  std::vector<unsigned char> salt(kSaltBytes);
  if (RAND_bytes(salt.data(), static_cast<int>(salt.size())) != 1) throw std::runtime_error("no random bytes for a salt");
  const auto key = derive(password, salt, iterations);
  return "pbkdf2-sha256$" + std::to_string(iterations) + "$" + hex(salt.data(), salt.size()) + "$" +
         hex(key.data(), key.size());
}

bool verifyPassword(const std::string& password, const std::string& stored) {
  // pbkdf2-sha256$<iterations>$<salt>$<hash>
  const std::string prefix = "pbkdf2-sha256$";
  if (stored.rfind(prefix, 0) != 0) return false;
  const size_t a = prefix.size(), b = stored.find('$', a), c = b == std::string::npos ? b : stored.find('$', b + 1);
  if (b == std::string::npos || c == std::string::npos) return false;
  int iterations = 0;
  try {
    size_t used = 0;
    iterations = std::stoi(stored.substr(a, b - a), &used);
    if (used != b - a) return false;
  } catch (const std::exception&) {
    return false;
  }
  if (iterations < 1) return false;
  std::vector<unsigned char> salt, expected;
  if (!unhex(stored.substr(b + 1, c - b - 1), salt) || !unhex(stored.substr(c + 1), expected)) return false;
  if (salt.empty() || expected.size() != kHashBytes) return false;
  const auto key = derive(password, salt, iterations);
  return CRYPTO_memcmp(key.data(), expected.data(), kHashBytes) == 0;
}

std::string passwordProblem(const std::string& password) {
  if (password.size() < kMinPasswordLength)
    return "a password needs at least " + std::to_string(kMinPasswordLength) + " characters";
  if (password.size() > 1024) return "a password may have at most 1024 characters";
  if (password.find_first_of("\r\n") != std::string::npos) return "a password is one line";
  return "";
}

}  // namespace vc::services
