#pragma once
// The scheduler: one thread that, at start and then every interval, brings
// letters up to date (drafts, re-renders, withdrawals), queues ISVA
// notifications, sends what the outbox has due, and sweeps the compliance
// ledger (at-risk warnings and breaches, raised as the clock passes). Work that cannot wait
// comes in two other ways: refreshNow() drafts and queues on the caller's
// thread as soon as events are stored (never at the deadline: the drafting
// worker calls it just after each batch's commit, drafting_worker.h), and wake()
// runs a pass at once (after an approval or a queued notification, so it goes
// out without waiting for the next tick).
//
// start() and stop() belong to the ServerApplication's main(); the other
// methods are thread-safe. A pass never lets an exception out: it is logged.
//
// A pass finds its work by index, so an idle one costs little however much the
// store holds: the letters and notifications of the cases armed in case_checks
// (storage/case_checks.h: every write a letter depends on arms its case), the
// outbox's messages whose next attempt is due, and the obligations whose alert
// date has come (obligations.alert_on). The first pass after start looks at
// every open letter once, since templates and settings may have changed while
// the daemon was stopped. Each pass logs its duration and counts at debug level,
// and a warning when it took longer than the interval.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "compliance/ledger_service.h"
#include "delivery/outbox.h"
#include "delivery/bounce_mailbox.h"
#include "delivery/print_room.h"
#include "letters/letter_service.h"
#include "notifications/notification_service.h"
#include "storage/case_checks.h"
#include "storage/database.h"

namespace vc::scheduling {

class Scheduler {
 public:
  Scheduler(storage::Database& db, letters::LetterService& letters, notifications::NotificationService& notifications,
            delivery::Outbox& outbox, compliance::LedgerService& ledger, std::chrono::seconds interval);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  void start();  // recovers the outbox, then runs a pass now and every interval
  void stop();   // waits for the pass in progress
  void wake();
  // Checked on every pass, after sending: print batches confirmed by a file, and batches overdue.
  void setPrintRoom(delivery::PrintRoom* print_room) { print_room_ = print_room; }
  // Read on every pass, after the print room: delivery reports that arrived since.
  void setBounceMailbox(delivery::BounceMailbox* bounces) { bounces_ = bounces; }

  // Brings the letters and notifications of these cases up to date now, on the
  // caller's thread (with none given: every armed case); wakes the sender when a
  // notification was queued. Cases looked at are disarmed, unless one of their
  // letters or notifications failed or must be looked at again.
  letters::RefreshReport refreshNow(const std::vector<std::string>& cases);
  // One whole pass on the caller's thread: the armed cases' letters (every open
  // letter on the first pass), then the outbox, then the ledger.
  void runPass();
  // How long the last pass took, in seconds (-1 before the first); for GET /metrics.
  double lastPassSeconds() const { return last_pass_ms_.load() / 1000.0; }

 private:
  void loop();
  bool leads();  // whether this daemon leads the passes now (logged when that changes); the pass thread only
  // Refreshes `cases` (every case when empty), then disarms those of `armed` not to be looked at again.
  letters::RefreshReport refreshCases(const std::vector<std::string>& cases,
                                      const std::vector<storage::ArmedCase>& armed);

  storage::Database& db_;
  letters::LetterService& letters_;
  notifications::NotificationService& notifications_;
  delivery::Outbox& outbox_;
  compliance::LedgerService& ledger_;
  delivery::PrintRoom* print_room_ = nullptr;
  delivery::BounceMailbox* bounces_ = nullptr;
  std::atomic<int64_t> calendar_warned_day_{-1};
  std::atomic<int64_t> last_pass_ms_{-1000};  // the London day the calendar warning was last logged (days since 1970)
  const std::chrono::seconds interval_;
  std::mutex refresh_mutex_;  // one letter refresh at a time (the store would cope; this saves the work)
  std::mutex mutex_;          // guards the two flags below
  std::condition_variable cv_;
  bool stopping_ = false;
  bool woken_ = false;
  bool leading_ = false;      // as last found by leads() (the pass thread only)
  bool checked_all_ = false;  // the first pass has looked at every open letter (guarded by refresh_mutex_)
  std::thread thread_;
};

}  // namespace vc::scheduling
