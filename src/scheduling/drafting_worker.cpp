#include "scheduling/drafting_worker.h"

#include <Poco/Logger.h>

#include "common/correlation.h"
#include "storage/letter_store.h"

namespace vc::scheduling {
namespace {

Poco::Logger& log() { return Poco::Logger::get("vc.drafting"); }

// A batch's letters should have their words within seconds of its commit; past this, say so.
constexpr std::chrono::seconds kSlowLag(10);

}  // namespace

DraftingWorker::DraftingWorker(storage::Database& db, Scheduler& scheduler, std::chrono::seconds max_lag)
    : db_(db), scheduler_(scheduler), max_lag_(max_lag) {}

DraftingWorker::~DraftingWorker() { stop(); }

void DraftingWorker::start() {
  std::vector<std::string> left;
  try {
    auto lease = db_.session();
    left = storage::LetterStore(lease).casesWithLettersBeingWritten();
  } catch (const std::exception& e) {
    log().error("the letters left being written could not be found: %s (the scheduler's first pass writes them)",
                std::string(e.what()));
  }
  std::lock_guard<std::mutex> lock(mutex_);
  if (started_) return;
  if (!left.empty()) {
    log().information("%z cases have letters left being written (stopped before their words): writing them now",
                      left.size());
    if (queued_.empty()) oldest_ = std::chrono::steady_clock::now();
    queued_.insert(left.begin(), left.end());
  }
  stopping_ = false;
  started_ = true;
  thread_ = std::thread([this] { loop(); });
}

void DraftingWorker::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!started_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::lock_guard<std::mutex> lock(mutex_);
  started_ = false;
  cv_.notify_all();  // waitIdle() callers: nothing more will run
}

bool DraftingWorker::running() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return started_;
}

void DraftingWorker::afterCommit(const std::vector<std::string>& cases) {
  const auto now = std::chrono::steady_clock::now();
  {
    std::unique_lock<std::mutex> lock(mutex_);
    if (started_ && !stopping_) {
      // BOUNDED LAG (see the header): behind when a commit older than max_lag_ is still waiting.
      const bool behind = !queued_.empty() && now - oldest_ > max_lag_;
      if (queued_.empty()) oldest_ = now;
      queued_.insert(cases.begin(), cases.end());
      cv_.notify_all();
      if (behind) {
        ++stats_.held;
        const uint64_t seen = taken_;
        cv_.wait(lock, [&] { return taken_ != seen || stopping_ || !started_; });
      }
      return;
    }
  }
  run(cases, now);  // not started (the CLI): at once, on this thread
}

void DraftingWorker::waitIdle() {
  std::unique_lock<std::mutex> lock(mutex_);
  cv_.wait(lock, [this] { return !busy_ && (queued_.empty() || !started_ || stopping_ || paused_); });
}

void DraftingWorker::pause() {
  std::lock_guard<std::mutex> lock(mutex_);
  paused_ = true;
}

void DraftingWorker::resume() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    paused_ = false;
  }
  cv_.notify_all();
}

DraftingStats DraftingWorker::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

void DraftingWorker::run(const std::vector<std::string>& cases, std::chrono::steady_clock::time_point oldest) {
  const auto started = std::chrono::steady_clock::now();
  // Scheduler::refreshNow logs its own failures and leaves the cases armed for the next pass.
  const letters::RefreshReport r = scheduler_.refreshNow(cases);
  const auto ended = std::chrono::steady_clock::now();
  const double busy = std::chrono::duration<double>(ended - started).count();
  const double lag = std::chrono::duration<double>(ended - oldest).count();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ++stats_.runs;
    stats_.cases += cases.size();
    stats_.letters += r.drafted + r.rerendered;
    stats_.busy_seconds += busy;
    stats_.last_lag_seconds = lag;
    if (lag > stats_.max_lag_seconds) stats_.max_lag_seconds = lag;
  }
  if (log().debug())
    log().debug("letters of %z cases: %z written, %z re-rendered, %z withdrawn, %z failed in %.0f ms, %.0f ms after "
                "the commit",
                cases.size(), r.drafted, r.rerendered, r.withdrawn, r.failed, busy * 1000, lag * 1000);
  if (ended - oldest > kSlowLag)
    log().warning("the letters of %z cases got their words %.1f s after their events were stored (more than %d s): "
                  "the drafting worker is behind",
                  cases.size(), lag, static_cast<int>(kSlowLag.count()));
}

void DraftingWorker::loop() {
  while (true) {
    std::vector<std::string> cases;
    std::chrono::steady_clock::time_point oldest;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      cv_.wait(lock, [this] { return stopping_ || (!queued_.empty() && !paused_); });
      if (stopping_) return;
      cases.assign(queued_.begin(), queued_.end());
      queued_.clear();
      oldest = oldest_;
      busy_ = true;
      ++taken_;
    }
    cv_.notify_all();  // batches held for the worker to take the queue (BOUNDED LAG)
    CorrelationScope scope(newCorrelationId("draft"));
    try {
      run(cases, oldest);
    } catch (const std::exception& e) {  // refreshNow catches its own; this is the last guard of the thread
      log().error("drafting failed: %s (the scheduler's next pass looks again)", std::string(e.what()));
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      busy_ = false;
    }
    cv_.notify_all();
  }
}

}  // namespace vc::scheduling
