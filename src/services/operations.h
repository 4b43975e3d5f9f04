#pragma once
// What the people who run the daemon watch (issue 19): the readiness checks behind GET /readyz and the
// figures behind GET /metrics. Counts and durations only: never a name, an id or a row's content.

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "domain/calendar.h"
#include "domain/clock.h"
#include "storage/records.h"

namespace vc::storage {
class Database;
}

namespace vc::services {

struct ReadinessCheck {
  std::string name;  // store, templates, smtp, calendar
  bool ok = true;
  std::string detail;  // what is wrong, or a warning that does not make it unready (the calendar's)
};

struct OperationsSnapshot {
  storage::StoreGauges store;
  int64_t oldest_unsent_age_seconds = 0;  // 0 when nothing waits
  double last_pass_seconds = -1;          // the scheduler's last pass (-1: none yet)
  int64_t calendar_days_left = 0;         // days until the published bank holidays end (negative: ended)
};

class OperationsService {
 public:
  struct Probes {
    std::function<double()> last_pass_seconds;  // -1 before the first pass
    std::function<size_t()> template_files;     // letter template files loaded and checked at start
    std::string smtp_host;
    int smtp_port = 25;
    std::string store_dir;  // the SQLite store's directory, whose free space is checked ("": PostgreSQL)
  };
  // Below this much free space on the store's disk, /readyz says the disk is full (writes would be refused).
  static constexpr uint64_t kMinFreeBytes = 1 << 20;
  OperationsService(storage::Database& db, const domain::Clock& clock, const domain::WorkingDayCalendar& calendar,
                    Probes probes)
      : db_(db), clock_(clock), calendar_(calendar), probes_(std::move(probes)) {}

  // Each check, in order; ready when every one is ok. The SMTP check connects (1 s at most) and is cached for
  // 10 s, so a scraper asking often does not knock on the relay each time.
  std::vector<ReadinessCheck> readiness();
  // Throws what the store throws (the metrics route answers 503 then).
  OperationsSnapshot snapshot();

 private:
  storage::Database& db_;
  const domain::Clock& clock_;
  const domain::WorkingDayCalendar& calendar_;
  Probes probes_;
  std::mutex smtp_mutex_;
  std::optional<std::pair<domain::UnixSeconds, ReadinessCheck>> smtp_checked_;  // guarded by smtp_mutex_
};

}  // namespace vc::services
