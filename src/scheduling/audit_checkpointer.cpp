#include "scheduling/audit_checkpointer.h"

#include <Poco/Logger.h>

#include "domain/date.h"
#include "storage/audit_log.h"

namespace vc::scheduling {
namespace {

Poco::Logger& log() { return Poco::Logger::get("vc.audit"); }

}  // namespace

AuditCheckpointer::AuditCheckpointer(storage::Database& db, const domain::Clock& clock, std::chrono::seconds interval)
    : db_(db), clock_(clock), interval_(interval) {}

AuditCheckpointer::~AuditCheckpointer() {
  try {
    stop();
  } catch (const std::exception& e) {
    log().error("the last audit checkpoint could not be written: %s", std::string(e.what()));
  }
}

void AuditCheckpointer::start() {
  if (thread_.joinable()) return;
  writeNow();  // a file that belongs to another store stops start-up here
  stopping_ = false;
  thread_ = std::thread([this] { loop(); });
}

void AuditCheckpointer::stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
  writeNow();
}

bool AuditCheckpointer::writeNow() {
  std::lock_guard<std::mutex> lock(write_mutex_);
  auto lease = db_.session();
  storage::AuditLog audit(lease);
  if (audit.head().first == last_seq_) return false;
  const int64_t seq = audit.writeCheckpoint(domain::formatRfc3339Utc(clock_.now()));
  if (seq < 0) return false;  // no checkpoint file configured
  last_seq_ = seq;
  return true;
}

void AuditCheckpointer::loop() {
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      if (cv_.wait_for(lock, interval_, [this] { return stopping_; })) return;
    }
    try {
      writeNow();
    } catch (const std::exception& e) {
      log().error("the audit checkpoint could not be written: %s (tried again in %ld s)", std::string(e.what()),
                  static_cast<long>(interval_.count()));
    }
  }
}

}  // namespace vc::scheduling
