#include "scheduling/scheduler.h"

#include <map>
#include <set>

#include <Poco/Logger.h>

#include "common/correlation.h"
#include "storage/case_checks.h"

namespace vc::scheduling {
namespace {

Poco::Logger& log() { return Poco::Logger::get("vc.scheduler"); }

}  // namespace

Scheduler::Scheduler(storage::Database& db, letters::LetterService& letters,
                     notifications::NotificationService& notifications, delivery::Outbox& outbox,
                     compliance::LedgerService& ledger, std::chrono::seconds interval)
    : db_(db),
      letters_(letters), notifications_(notifications), outbox_(outbox), ledger_(ledger), interval_(interval) {}

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

letters::RefreshReport Scheduler::refreshCases(const std::vector<std::string>& cases,
                                               const std::vector<storage::ArmedCase>& armed) {
  letters::RefreshReport report;
  std::set<std::string> retry;
  bool done = true;
  try {
    report = letters_.refresh(cases);
    retry = report.retry_cases;
  } catch (const std::exception& e) {
    done = false;
    log().error("letters could not be brought up to date: %s (the next pass tries again)", std::string(e.what()));
  }
  try {
    if (notifications_.refresh(cases, &retry) > 0) wake();
  } catch (const std::exception& e) {
    done = false;
    log().error("notifications could not be queued: %s (the next pass tries again)", std::string(e.what()));
  }
  if (!done) return report;  // everything stays armed
  std::vector<storage::ArmedCase> settled;
  for (const auto& a : armed)
    if (!retry.count(a.case_urn)) settled.push_back(a);
  try {
    auto lease = db_.session();
    storage::CaseChecks(lease).disarm(settled);
  } catch (const std::exception& e) {
    log().error("the cases looked at could not be marked done: %s (the next pass looks again)", std::string(e.what()));
  }
  return report;
}

letters::RefreshReport Scheduler::refreshNow(const std::vector<std::string>& cases) {
  std::lock_guard<std::mutex> lock(refresh_mutex_);
  // The tokens are read before anything is looked at: a change made after this re-arms the case.
  std::vector<storage::ArmedCase> armed;
  try {
    auto lease = db_.session();
    armed = cases.empty() ? storage::CaseChecks(lease).armed() : storage::CaseChecks(lease).armedAmong(cases);
  } catch (const std::exception& e) {
    log().error("the cases to look at could not be read: %s (the next pass tries again)", std::string(e.what()));
    return {};
  }
  // A few hundred cases at a time (each refresh names its cases in one query, and SQLite bounds how many).
  std::vector<std::string> urns = cases;
  if (cases.empty())
    for (const auto& a : armed) urns.push_back(a.case_urn);
  std::map<std::string, int64_t> tokens;
  for (const auto& a : armed) tokens[a.case_urn] = a.token;
  letters::RefreshReport total;
  constexpr size_t kChunk = 500;
  for (size_t i = 0; i < urns.size(); i += kChunk) {
    const std::vector<std::string> chunk(urns.begin() + static_cast<std::ptrdiff_t>(i),
                                         urns.begin() + static_cast<std::ptrdiff_t>(std::min(urns.size(), i + kChunk)));
    std::vector<storage::ArmedCase> chunk_armed;
    for (const auto& urn : chunk)
      if (auto t = tokens.find(urn); t != tokens.end()) chunk_armed.push_back({urn, t->second});
    const auto r = refreshCases(chunk, chunk_armed);
    if (urns.size() <= kChunk) return r;
    total.drafted += r.drafted;
    total.rerendered += r.rerendered;
    total.withdrawn += r.withdrawn;
    total.failed += r.failed;
    total.looked_at += r.looked_at;
    total.retry_cases.insert(r.retry_cases.begin(), r.retry_cases.end());
  }
  return total;
}

bool Scheduler::leads() {
  const bool now = db_.holdLeadership();
  if (now != leading_ && db_.postgres())  // (SQLite: one daemon a file, always leading: nothing to say)
    log().information(now ? "this daemon now runs the scheduler's passes (changed cases' letters, the ledger sweep, the "
                            "print room, the bounce mailbox); every daemon sends from the outbox"
                          : "another daemon runs the scheduler's passes; this one sends from the outbox");
  leading_ = now;
  return now;
}

void Scheduler::runPass() {
  CorrelationScope scope(newCorrelationId("pass"));
  const auto started = std::chrono::steady_clock::now();
  size_t sent = 0;
  letters::RefreshReport letters;
  bool all = false;
  // Several daemons on one PostgreSQL: one at a time leads (Database::holdLeadership); the others only send.
  const bool leading = leads();
  if (leading) {
    std::unique_lock<std::mutex> lock(refresh_mutex_);
    all = !checked_all_;
    if (all) {
      // The first pass: every open letter once (templates and settings may have changed while stopped).
      std::vector<storage::ArmedCase> armed;
      try {
        auto lease = db_.session();
        armed = storage::CaseChecks(lease).armed();
      } catch (const std::exception& e) {
        log().error("the cases to look at could not be read: %s (the next pass tries again)", std::string(e.what()));
      }
      letters = refreshCases({}, armed);
      checked_all_ = true;
    }
  }
  if (leading && !all) letters = refreshNow({});
  try {
    sent = outbox_.sendDue();
  } catch (const std::exception& e) {
    log().error("the outbox could not be worked: %s (the next pass tries again)", std::string(e.what()));
  }
  if (leading && print_room_) {
    try {
      print_room_->check();
    } catch (const std::exception& e) {
      log().error("the print batches could not be checked: %s (the next pass tries again)", std::string(e.what()));
    }
  }
  if (leading && bounces_) {
    try {
      bounces_->check();
    } catch (const std::exception& e) {
      log().error("the bounce mailbox could not be read: %s (the next pass tries again)", std::string(e.what()));
    }
  }
  // After sending: a letter that just went is met, not at risk.
  compliance::SweepResult swept;
  if (leading) {
    try {
      swept = ledger_.sweep();
    } catch (const std::exception& e) {
      log().error("the compliance ledger could not be swept: %s (the next pass tries again)", std::string(e.what()));
    }
  }
  // Once a day while it holds (and on the first pass): the published bank holidays are running out.
  if (auto warning = ledger_.calendarWarning()) {
    const int64_t today = ledger_.clock().today().daysSinceEpoch();
    if (calendar_warned_day_.exchange(today) != today) log().warning("%s", *warning);
  }
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  last_pass_ms_.store(ms);
  if (log().debug())
    log().debug("pass: %Ld ms; %s%z letters and undrafted obligations looked at (%z drafted, %z re-rendered, "
                "%z withdrawn, %z failed); %z messages sent; %d obligations' alert dates come (%d at risk, %d breached)",
                static_cast<Poco::Int64>(ms), std::string(all ? "first pass, every case; " : ""), letters.looked_at,
                letters.drafted, letters.rerendered, letters.withdrawn, letters.failed, sent, swept.looked,
                swept.warned, swept.breached);
  if (std::chrono::milliseconds(ms) > interval_)
    log().warning("a scheduler pass took %Ld ms, longer than its interval of %Ld s: the next one starts late",
                  static_cast<Poco::Int64>(ms), static_cast<Poco::Int64>(interval_.count()));
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
