#pragma once
// The progress lines of `victim-comms import` on stderr (issue 16, item 2): at most one every `every`,
// after a chunk of events is stored (events read, accepted, duplicates, the rate so far), then, once
// the import is committed, as the letter drafting is told the cases a slice at a time. The import calls
// it after every chunk and every slice, each a couple of seconds' work at most, so a line comes at least
// every few seconds. The clock is a parameter, for tests.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <ostream>
#include <utility>

#include "ingest/ingestor.h"

namespace vc::app {

class ImportProgress {
 public:
  using Clock = std::chrono::steady_clock;

  ImportProgress(std::ostream& out, Clock::duration every,
                 std::function<Clock::time_point()> now = [] { return Clock::now(); })
      : out_(out), every_(every), now_(std::move(now)), started_(now_()), last_(started_), last_call_(started_) {}

  // Events read from the file so far (blank lines aside). From the import's reader thread.
  void read(size_t events) { read_ = events; }

  // Importer's progress callback: the totals so far, and how many committed cases the drafting has been
  // told of (0 while the events are still being stored).
  void operator()(const ingest::IngestResult& so_far, size_t cases_drafted) {
    std::lock_guard<std::mutex> lock(mutex_);
    accepted_ = so_far.accepted;
    const auto now = now_();
    last_call_ = now;
    if (now - last_ < every_) return;
    last_ = now;
    if (cases_drafted > 0) {
      out_ << "import: committed " << so_far.accepted << " events; letters drafted for " << cases_drafted << " of "
           << so_far.affected_cases.size() << " cases" << std::endl;
      return;
    }
    const double secs = std::chrono::duration<double>(now - started_).count();
    out_ << "import: " << read_ << " events read, " << so_far.accepted << " accepted, " << so_far.duplicates
         << " duplicates, " << static_cast<long long>(read_ / (secs > 0 ? secs : 1)) << " events/s" << std::endl;
  }

  // From a timer while the import runs: a line when the import has not called for an interval (and no
  // line came), so that one long step (the commit of a million events, the first letters after it) is not
  // mistaken for a hang. While chunks come, their own lines speak.
  void heartbeat() {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto now = now_();
    if (now - last_ < every_ || now - last_call_ < every_) return;
    last_ = now;
    out_ << "import: still working: " << read_ << " events read, " << accepted_ << " accepted so far" << std::endl;
  }

 private:
  std::ostream& out_;
  const Clock::duration every_;
  const std::function<Clock::time_point()> now_;
  const Clock::time_point started_;
  std::mutex mutex_;         // the callback (the import's thread) and heartbeat (a timer's)
  Clock::time_point last_;       // guarded by mutex_: the last line
  Clock::time_point last_call_;  // guarded by mutex_: the import's last call
  size_t accepted_ = 0;     // guarded by mutex_
  std::atomic<size_t> read_{0};
};

}  // namespace vc::app
