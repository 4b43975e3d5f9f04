#include "scheduling/audit_chainer.h"

#include <Poco/Logger.h>

#include "storage/audit_log.h"

namespace vc::scheduling {
namespace {

Poco::Logger& log() { return Poco::Logger::get("vc.audit"); }

int64_t chain(storage::Database& db, storage::AuditLog::ChainWait wait) {
  auto lease = db.session();
  const auto chained = storage::AuditLog(lease).chainPending(wait);
  if (chained.refused > 0)
    log().warning("%Ld audit entries waiting to be chained did not carry a valid MAC under the audit key: each is on "
                  "the chain as audit_entry_refused instead (someone with the database but not the key wrote or "
                  "changed them, or a daemon runs with another key file)",
                  static_cast<long long>(chained.refused));
  return chained.entries;
}

}  // namespace

AuditChainer::AuditChainer(storage::Database& db, std::chrono::milliseconds interval) : db_(db), interval_(interval) {}

AuditChainer::~AuditChainer() {
  try {
    stop();
  } catch (const std::exception& e) {
    log().error("the audit entries left waiting at shutdown could not be chained: %s", std::string(e.what()));
  }
}

void AuditChainer::start() {
  if (!db_.postgres() || thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { loop(); });
}

void AuditChainer::stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
  chain(db_, storage::AuditLog::ChainWait::kWait);  // every writer has stopped: leave nothing waiting
}

int64_t AuditChainer::chainNow() { return chain(db_, storage::AuditLog::ChainWait::kSkipIfBusy); }

void AuditChainer::loop() {
  bool failing = false;  // logged once when it starts failing, once when it recovers
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      if (cv_.wait_for(lock, interval_, [this] { return stopping_; })) return;
    }
    try {
      const int64_t chained = chainNow();
      if (chained > 0 && log().debug()) log().debug("chained %Ld waiting audit entries", static_cast<long long>(chained));
      if (failing) log().information("audit entries are being chained again");
      failing = false;
    } catch (const std::exception& e) {
      if (!failing)
        log().error("waiting audit entries could not be chained: %s (tried again every %ld ms; readers of the log "
                    "chain them too)",
                    std::string(e.what()), static_cast<long>(interval_.count()));
      failing = true;
    }
  }
}

}  // namespace vc::scheduling
