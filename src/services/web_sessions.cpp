#include "services/web_sessions.h"

#include <algorithm>

#include <openssl/crypto.h>

#include "common/error.h"
#include "common/sha256.h"
#include "common/text.h"
#include "services/accounts.h"
#include "services/passwords.h"
#include "storage/database.h"
#include "storage/session_store.h"
#include "storage/store.h"

namespace vc::services {
namespace {

Error wrongNameOrPassword() {
  return Error(Error::Kind::kUnauthenticated, "login_failed", "the name or the password is not right");
}

}  // namespace

int64_t WebSessions::waitSeconds(int failures, int64_t last_failed_at, int64_t now, int free_attempts) {
  if (failures < free_attempts) return 0;
  const int doublings = std::min(failures - free_attempts, 5);  // 30 s, 60 s, ... 16 min, capped at 15 min
  const int64_t wait = std::min<int64_t>(30LL << doublings, 15 * 60);
  return std::max<int64_t>(0, last_failed_at + wait - now);
}

WebSessions::Started WebSessions::login(const std::string& name, const std::string& password,
                                        const std::string& client_address) {
  const int64_t now = clock_.now();
  const std::string at = domain::formatRfc3339Utc(now);
  // Checked before anything reads, stores or audits the name: no user is called this.
  const bool plausible = !name.empty() && name.size() <= kMaxNameBytes && !textProblem(name, TextKind::kLine);
  const std::string name_key = plausible ? "name:" + hmacSha256Hex(settings_.name_key, name) : "";
  const std::string address_key = client_address.empty() ? "" : "address:" + client_address.substr(0, 64);
  auto lease = db_.session();
  storage::Connection& session = lease;
  storage::Store store(session);
  storage::SessionStore sessions(session);

  std::optional<storage::UserRow> user;
  storage::LoginFailures by_name, by_address;
  {
    // Check the counts and count this attempt in one immediate transaction, before the slow
    // hash: parallel attempts queue here, so each sees those before it.
    storage::WriteTransaction tx(session);
    if (plausible) user = store.userByName(name);
    const std::string actor = user ? user->name : "unknown";
    const std::string subject = user ? "user:" + user->name : "login";
    if (plausible) by_name = sessions.failures(name_key);
    if (!address_key.empty()) by_address = sessions.failures(address_key, now - kAddressWindowSeconds);
    const int64_t wait = std::max(waitSeconds(by_name.failures, by_name.last_failed_at, now),
                                  waitSeconds(by_address.failures, by_address.last_failed_at, now,
                                              kFreeAttemptsPerAddress));
    if (wait > 0) {
      store.audit(at, actor, "login_refused", subject,
                  "failures:" + std::to_string(by_name.failures) + " address_failures:" +
                      std::to_string(by_address.failures) + (client_address.empty() ? "" : " from:" + client_address));
      tx.commit();
      throw Error(Error::Kind::kTooManyRequests, "too_many_attempts",
                  "too many failed sign-ins: try again in " + std::to_string(wait) + " seconds");
    }
    if (plausible) by_name = sessions.recordFailure(name_key, now);
    if (!address_key.empty()) by_address = sessions.recordFailure(address_key, now, now - kAddressWindowSeconds);
    sessions.forgetFailuresBefore(now - 24 * 3600);
    tx.commit();
  }

  // Hash even for an unknown name, so the answer takes as long either way.
  static const std::string kDecoy = hashPassword("not anyone's password", kMinPbkdf2Iterations);
  const bool has_password = user && !user->password_hash.empty();
  const bool right = verifyPassword(password, has_password ? user->password_hash : kDecoy) && has_password;
  storage::WriteTransaction tx(session);
  if (!right) {
    // The attempt was counted when it was reserved; only the audit entry is left to write.
    store.audit(at, user ? user->name : "unknown", "login_failed", user ? "user:" + user->name : "login",
                "failures:" + std::to_string(by_name.failures) +
                    (user ? "" : plausible ? " unknown name" : " name not plausible") +
                    (client_address.empty() ? "" : " from:" + client_address));
    tx.commit();
    throw wrongNameOrPassword();
  }
  sessions.clearFailures(name_key);
  if (!address_key.empty()) sessions.forgetOneFailure(address_key);  // this one was not a failure after all
  Started s;
  s.cookie_value = newToken();
  s.csrf_token = newToken();
  s.principal = Principal{user->name, user->role, user->isva_id, user->area};
  sessions.create(hashToken(s.cookie_value), user->id, s.csrf_token, now);
  store.audit(at, user->name, "login", "user:" + user->name,
              "role:" + user->role + " failures_before:" + std::to_string(std::max(0, by_name.failures - 1)));
  tx.commit();
  return s;
}

std::optional<WebSessions::Current> WebSessions::resume(const std::string& cookie_value) {
  if (cookie_value.empty()) return std::nullopt;
  const int64_t now = clock_.now();
  auto lease = db_.session();
  storage::Connection& session = lease;
  storage::SessionStore sessions(session);
  const std::string id = hashToken(cookie_value);
  auto row = sessions.find(id);
  if (!row) return std::nullopt;
  if (now - row->last_seen_at > int64_t{settings_.idle_minutes} * 60) {
    sessions.remove(id);
    return std::nullopt;
  }
  auto user = storage::Store(session).userById(row->user_id);
  if (!user) return std::nullopt;
  sessions.touch(id, now);
  return Current{Principal{user->name, user->role, user->isva_id, user->area}, row->csrf_token};
}

void WebSessions::logout(const std::string& cookie_value) {
  if (cookie_value.empty()) return;
  auto current = resume(cookie_value);
  auto lease = db_.session();
  storage::Connection& session = lease;
  storage::SessionStore(session).remove(hashToken(cookie_value));
  if (current)
    storage::Store(session).audit(domain::formatRfc3339Utc(clock_.now()), current->principal.user, "logout",
                                  "user:" + current->principal.user, "");
}

std::string WebSessions::cookieHeader(const std::string& cookie_value) const {
  return std::string(kCookieName) + "=" + cookie_value + "; Path=/; HttpOnly; SameSite=Strict" +
         (settings_.secure_cookie ? "; Secure" : "");
}

std::string WebSessions::clearingCookieHeader() const {
  return std::string(kCookieName) + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict" +
         (settings_.secure_cookie ? "; Secure" : "");
}

std::string WebSessions::cookieValue(const std::string& header, const std::string& name) {
  const std::string key = name + "=";
  size_t start = 0;
  while (start < header.size()) {
    size_t end = header.find(';', start);
    if (end == std::string::npos) end = header.size();
    size_t first = header.find_first_not_of(' ', start);
    if (first != std::string::npos && first < end && header.compare(first, key.size(), key) == 0)
      return header.substr(first + key.size(), end - first - key.size());
    start = end + 1;
  }
  return "";
}

std::string WebSessions::loginFormCookieHeader(const std::string& token) const {
  return std::string(kLoginFormCookieName) + "=" + token + "; Path=/login; HttpOnly; SameSite=Strict" +
         (settings_.secure_cookie ? "; Secure" : "");
}

bool WebSessions::csrfMatches(const std::string& expected, const std::string& given) {
  return !expected.empty() && expected.size() == given.size() &&
         CRYPTO_memcmp(expected.data(), given.data(), expected.size()) == 0;
}

}  // namespace vc::services
