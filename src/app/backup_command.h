#pragma once
// `victim-comms backup DEST` and `victim-comms restore SRC` on the SQLite store (issue 19), and the lock
// that tells restore a daemon is serving the store. PostgreSQL's backups are its own (pg_dump, base
// backups): both commands refuse a PostgreSQL store and say so (docs/deployment.md, "Backups").

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>
#include <ostream>
#include <string>

#include "app/settings.h"
#include "common/keyring.h"
#include "domain/clock.h"
#include "storage/sqlite_backup.h"

namespace vc::storage {
class Database;
}

namespace vc::app {

// Takes a copy of the open store into `dest` with its manifest beside it, and records it in the audit log
// (store_backed_up: the copy's file name, its audit head and counts; never personal data). Returns the
// manifest. Throws vc::Error (backup_exists, backup_failed, audit_broken).
storage::BackupManifest takeBackup(storage::Database& db, const std::string& store_path, const std::string& dest,
                                   std::shared_ptr<const Keyring> audit_keys, const std::string& at,
                                   const std::string& actor);

// The scheduled backups' file names in `dir`: victim-comms-YYYYMMDDTHHMMSSZ.db, oldest first.
std::vector<std::string> scheduledBackups(const std::string& dir);
// Takes the next scheduled backup into `dir` (made if missing), then removes all but the newest `keep`
// (each with its manifest). Returns the new copy's path.
std::string takeScheduledBackup(storage::Database& db, const std::string& store_path, const std::string& dir, int keep,
                                std::shared_ptr<const Keyring> audit_keys, domain::UnixSeconds now);
// When the newest scheduled backup in `dir` was made (from its name), if there is one.
std::optional<domain::UnixSeconds> newestScheduledBackup(const std::string& dir);

int runBackup(const Settings& settings, const std::string& dest, const domain::Clock& clock, std::ostream& out,
              std::ostream& err);
int runRestore(const Settings& settings, const std::string& source, const domain::Clock& clock, std::ostream& out,
               std::ostream& err);

// `serve`'s scheduled backups (backup.dir, backup.interval_hours, backup.keep): a thread that wakes every
// minute and takes a backup when the newest one in the directory is an interval old (or there is none), so a
// restart neither skips one nor takes an extra one. A backup that fails is logged as an error and tried again
// at the next wake. start() and stop() belong to serve; nothing else is called from outside.
class BackupTimer {
 public:
  BackupTimer(storage::Database& db, const Settings& settings, const domain::Clock& clock);
  ~BackupTimer();
  BackupTimer(const BackupTimer&) = delete;
  BackupTimer& operator=(const BackupTimer&) = delete;
  void start();  // does nothing when backup.dir is "" (off) or the store is PostgreSQL
  void stop();
  // One check, on the caller's thread: takes a backup if one is due; returns its path, or "".
  std::string runIfDue();

 private:
  storage::Database& db_;
  const Settings& settings_;
  const domain::Clock& clock_;
  std::shared_ptr<const Keyring> keys_;
  std::mutex mutex_;  // guards stopping_
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

// Held by `serve` on its SQLite store for as long as it runs (flock, shared): restore will not replace a
// store while any daemon holds it. Independent of SQLite's own locks (fcntl), which it does not disturb.
class ServingLock {
 public:
  explicit ServingLock(const std::string& store_path);  // "" or a PostgreSQL store: holds nothing
  ~ServingLock();
  ServingLock(const ServingLock&) = delete;
  ServingLock& operator=(const ServingLock&) = delete;

 private:
  int fd_ = -1;
};

// Whether some process holds the ServingLock of the store at `path` now.
bool servedNow(const std::string& path);

}  // namespace vc::app
