#pragma once
// Notes the audit chain's head in the checkpoint file outside the database
// (storage/audit_checkpoint.h): once when started, then every interval while
// the head has moved, and a last time when stopped, which serve does after
// the HTTP server and the scheduler have stopped writing. The CLI commands call
// writeNow() themselves, at start and when done.
//
// start() and stop() belong to the ServerApplication's main(); writeNow() is
// thread-safe. The thread never lets an exception out: it is logged.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "domain/clock.h"
#include "storage/database.h"

namespace vc::scheduling {

class AuditCheckpointer {
 public:
  AuditCheckpointer(storage::Database& db, const domain::Clock& clock, std::chrono::seconds interval);
  ~AuditCheckpointer();
  AuditCheckpointer(const AuditCheckpointer&) = delete;
  AuditCheckpointer& operator=(const AuditCheckpointer&) = delete;

  void start();  // writes one now, then one every interval while the head moves
  void stop();   // if started: waits for the thread, then writes the last one

  // Writes a checkpoint unless the head is where this one last noted it; returns whether it wrote.
  // Throws what the store or the file throws (storage::CheckpointError: the file is another store's).
  bool writeNow();

 private:
  void loop();

  storage::Database& db_;
  const domain::Clock& clock_;
  const std::chrono::seconds interval_;
  std::mutex write_mutex_;
  int64_t last_seq_ = -1;  // guarded by write_mutex_: the seq last noted (-1: none yet)
  std::mutex mutex_;       // guards stopping_
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace vc::scheduling
