#include "scheduling/scheduler.h"

#include <Poco/Logger.h>

#include "common/correlation.h"

namespace vc::scheduling {
namespace {

Poco::Logger& log() { return Poco::Logger::get("vc.scheduler"); }

}  // namespace

Scheduler::Scheduler(letters::LetterService& letters, notifications::NotificationService& notifications,
                     delivery::Outbox& outbox, compliance::LedgerService& ledger, std::chrono::seconds interval)
    : letters_(letters), notifications_(notifications), outbox_(outbox), ledger_(ledger), interval_(interval) {}

Scheduler::~Scheduler() { stop(); }

void Scheduler::start() {
  if (thread_.joinable()) return;
  outbox_.recover();
  stopping_ = false;
  thread_ = std::thread([this] { loop(); });
}

void Scheduler::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Scheduler::wake() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    woken_ = true;
  }
  cv_.notify_all();
}

letters::RefreshReport Scheduler::refreshNow(const std::vector<std::string>& cases) {
  std::lock_guard<std::mutex> lock(refresh_mutex_);
  letters::RefreshReport report;
  try {
    report = letters_.refresh(cases);
  } catch (const std::exception& e) {
    log().error("letters could not be brought up to date: %s (the next pass tries again)", std::string(e.what()));
  }
  try {
    if (notifications_.refresh(cases) > 0) wake();
  } catch (const std::exception& e) {
    log().error("notifications could not be queued: %s (the next pass tries again)", std::string(e.what()));
  }
  return report;
}

void Scheduler::runPass() {
  CorrelationScope scope(newCorrelationId("pass"));
  refreshNow({});
  try {
    outbox_.sendDue();
  } catch (const std::exception& e) {
    log().error("the outbox could not be worked: %s (the next pass tries again)", std::string(e.what()));
  }
  if (print_room_) {
    try {
      print_room_->check();
    } catch (const std::exception& e) {
      log().error("the print batches could not be checked: %s (the next pass tries again)", std::string(e.what()));
    }
  }
  if (bounces_) {
    try {
      bounces_->check();
    } catch (const std::exception& e) {
      log().error("the bounce mailbox could not be read: %s (the next pass tries again)", std::string(e.what()));
    }
  }
  // After sending: a letter that just went is met, not at risk.
  try {
    ledger_.sweep();
  } catch (const std::exception& e) {
    log().error("the compliance ledger could not be swept: %s (the next pass tries again)", std::string(e.what()));
  }
}

void Scheduler::loop() {
  while (true) {
    runPass();
    std::unique_lock<std::mutex> lock(mutex_);
    cv_.wait_for(lock, interval_, [this] { return stopping_ || woken_; });
    if (stopping_) return;
    woken_ = false;
  }
}

}  // namespace vc::scheduling
