#pragma once
// The drafting worker (issue 16, item 1): writes the words of the letters a batch of events calls for
// just after the batch commits, off the request path. The batch's own transaction has already put
// every such letter in the review queue, blocked and "being written" (LetterService::addPendingLetters);
// the worker, one thread, then brings the batch's cases up to date as the request thread used to
// (Scheduler::refreshNow: the new letters' words, re-renders, withdrawals, ISVA notifications), so a
// POST /api/v1/events answers as soon as its events are stored.
//
// Not started (the CLI: import, demo, rederive, and tests that build the services alone), afterCommit()
// does that work at once on the caller's thread, as before. start() first queues the cases of letters
// left being written (the daemon stopped or crashed between a commit and their words), so they are
// written at start-up.
//
// BOUNDED LAG: a feed faster than drafting must not leave the words ever further behind. When a batch
// commits while the oldest commit still waiting for its letters' words is older than `max_lag`, the
// batch (stored, its letters in the queue being written) answers only once the worker has taken the
// queue that holds its cases: the feed is slowed to drafting's pace, and a letter gets its words about
// `max_lag` plus one run after its commit at worst. `max_lag` 0 holds every batch that finds an earlier
// one still queued. Thread-safe.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "scheduling/scheduler.h"
#include "storage/database.h"

namespace vc::scheduling {

// What the worker has done since it was made (for the benchmarks and the CLI import's last line).
struct DraftingStats {
  size_t runs = 0;                    // times it took the queue
  size_t held = 0;                    // batches that waited for the worker to take the queue (BOUNDED LAG)
  size_t cases = 0;                   // cases brought up to date
  size_t letters = 0;                 // letters written (drafted, and their words written) and re-rendered
  double busy_seconds = 0;            // time spent doing it
  double last_lag_seconds = 0;        // the last run: from the earliest commit it served to its end
  double max_lag_seconds = 0;         // the longest such wait
};

class DraftingWorker {
 public:
  DraftingWorker(storage::Database& db, Scheduler& scheduler, std::chrono::seconds max_lag = std::chrono::seconds(5));
  ~DraftingWorker();
  DraftingWorker(const DraftingWorker&) = delete;
  DraftingWorker& operator=(const DraftingWorker&) = delete;

  void start();  // queues the cases of letters left being written, then starts the thread
  void stop();   // finishes the run in progress; what is still queued is written at the next start
  bool running() const;

  // After a commit that stored events: queue these cases and wake the worker, or (not started) bring
  // them up to date now on the caller's thread. Returns at once unless the worker is behind (BOUNDED LAG),
  // then once it has taken these cases (or stops); a paused worker holds such a caller until resume().
  void afterCommit(const std::vector<std::string>& cases);
  // Returns once nothing is queued and no run is in progress (tests, benchmarks).
  void waitIdle();
  // While paused, commits queue their cases but the worker takes none (tests: letters being written stay
  // so until resume()). waitIdle() does not wait for what a pause holds back.
  void pause();
  void resume();
  DraftingStats stats() const;

 private:
  void loop();
  void run(const std::vector<std::string>& cases, std::chrono::steady_clock::time_point oldest);

  storage::Database& db_;
  Scheduler& scheduler_;
  const std::chrono::seconds max_lag_;
  mutable std::mutex mutex_;  // guards everything below
  std::condition_variable cv_;
  std::set<std::string> queued_;
  std::chrono::steady_clock::time_point oldest_;  // when the oldest queued commit happened
  uint64_t taken_ = 0;  // times the worker has taken the queue: a held caller waits for it to move on
  bool busy_ = false;
  bool paused_ = false;
  bool stopping_ = false;
  bool started_ = false;
  DraftingStats stats_;
  std::thread thread_;
};

}  // namespace vc::scheduling
