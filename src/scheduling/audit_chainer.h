#pragma once
// PostgreSQL (issue 17): moves audit entries that writers left waiting in audit_pending onto the chain
// (storage::AuditLog::chainPending), every `interval`, on a thread of its own. Every daemon runs one; the
// chain's lock lets one of them chain at a time, and a daemon that finds another chaining skips its turn,
// so the entries are chained while any daemon lives. Readers of the log chain first themselves, so this
// keeps the waiting entries few, not the log correct. Does nothing on SQLite.
//
// start() and stop() belong to the ServerApplication's main(); chainNow() is thread-safe. The thread never
// lets an exception out: it is logged.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "storage/database.h"

namespace vc::scheduling {

class AuditChainer {
 public:
  AuditChainer(storage::Database& db, std::chrono::milliseconds interval);
  ~AuditChainer();
  AuditChainer(const AuditChainer&) = delete;
  AuditChainer& operator=(const AuditChainer&) = delete;

  void start();  // PostgreSQL: chains every interval from now
  void stop();   // if started: waits for the thread, then chains what is left (waiting for another chainer)

  // Chains the waiting entries unless another chainer is at it; returns how many it chained. An entry it
  // refused (its MAC does not check) is logged as a warning.
  int64_t chainNow();

 private:
  void loop();

  storage::Database& db_;
  const std::chrono::milliseconds interval_;
  std::mutex mutex_;  // guards stopping_
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace vc::scheduling
