#pragma once
// Configures Poco's logging from the logging.* settings (LoggingConfigurator);
// with none, logs to the console at information level. SIGHUP, while serve
// runs, reopens the log files (after logrotate has moved them).

#include <atomic>
#include <thread>

#include "app/settings.h"

namespace vc::app {
void configureLogging(const Settings& settings);

// Closes and opens again every file a configured log channel writes to (a FileChannel, directly or inside a
// FormattingChannel), so that a file moved away is made anew. Returns how many files it reopened.
int reopenLogFiles(const Settings& settings);

// serve's SIGHUP: blocked in every thread started after construction (construct it before any), and taken by
// a thread of its own that calls reopenLogFiles. Other commands keep SIGHUP's default (it ends them).
class HangupReopensLogs {
 public:
  explicit HangupReopensLogs(const Settings& settings);
  ~HangupReopensLogs();  // stops the thread and unblocks SIGHUP
  HangupReopensLogs(const HangupReopensLogs&) = delete;
  HangupReopensLogs& operator=(const HangupReopensLogs&) = delete;

 private:
  const Settings& settings_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};
}  // namespace vc::app
