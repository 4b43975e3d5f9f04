#include "app/backup_command.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <regex>

#include <Poco/File.h>
#include <Poco/Logger.h>
#include <Poco/Path.h>

#include "common/error.h"
#include "storage/audit_checkpoint.h"
#include "storage/audit_log.h"
#include "storage/database.h"

namespace vc::app {
namespace {

namespace fs = std::filesystem;

constexpr int kExitOk = 0, kExitUsage = 64, kExitDataErr = 65, kExitSoftware = 70, kExitTempFail = 75;

// "2026-12-02T04:15:00Z" -> "20261202T041500Z": a file name part that sorts by time.
std::string compactUtc(domain::UnixSeconds t) {
  std::string s = domain::formatRfc3339Utc(t), out;
  for (char c : s)
    if (c != '-' && c != ':') out += c;
  return out;
}

const std::regex kScheduledName(R"(victim-comms-(\d{8}T\d{6}Z)\.db)");

std::shared_ptr<const Keyring> auditKeys(const Settings& s) {
  if (!Poco::File(s.audit_key_file).exists()) return nullptr;  // a log with keyed entries then fails to verify
  return std::make_shared<const Keyring>(Keyring::open(s.audit_key_file, "audit.key_file", false));
}

void syncDirectoryOf(const std::string& path) {
  const std::string dir = Poco::Path(Poco::Path(path).absolute()).parent().toString();
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

std::string describe(const storage::BackupManifest& m) {
  return std::to_string(m.events) + " events, " + std::to_string(m.obligations) + " obligations, " +
         std::to_string(m.letters) + " letters, " + std::to_string(m.audit_entries) + " audit entries (head " +
         std::to_string(m.audit_head_seq) + "), " + std::to_string(m.bytes) + " bytes";
}

}  // namespace

storage::BackupManifest takeBackup(storage::Database& db, const std::string& store_path, const std::string& dest,
                                   std::shared_ptr<const Keyring> audit_keys, const std::string& at,
                                   const std::string& actor) {
  storage::copyLiveStore(store_path, dest);
  storage::BackupManifest m = storage::describeCopy(dest, std::move(audit_keys));
  m.made_at = at;
  m.source = store_path;
  storage::writeManifest(dest, m);
  // The copy holds every victim's personal data: who took it, and where, is on the record.
  auto lease = db.session();
  storage::AuditLog(lease).append(at, actor, "store_backed_up", Poco::Path(dest).getFileName(),
                                  "events:" + std::to_string(m.events) + " letters:" + std::to_string(m.letters) +
                                      " audit_head:" + std::to_string(m.audit_head_seq) + " sha256:" + m.sha256);
  return m;
}

std::vector<std::string> scheduledBackups(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && std::regex_match(name, kScheduledName)) out.push_back(entry.path().string());
  }
  std::sort(out.begin(), out.end());  // the names sort by time
  return out;
}

std::optional<domain::UnixSeconds> newestScheduledBackup(const std::string& dir) {
  const auto all = scheduledBackups(dir);
  if (all.empty()) return std::nullopt;
  std::smatch m;
  const std::string name = Poco::Path(all.back()).getFileName();
  if (!std::regex_match(name, m, kScheduledName)) return std::nullopt;
  const std::string c = m[1];  // YYYYMMDDTHHMMSSZ
  return domain::parseRfc3339(c.substr(0, 4) + "-" + c.substr(4, 2) + "-" + c.substr(6, 2) + "T" + c.substr(9, 2) +
                              ":" + c.substr(11, 2) + ":" + c.substr(13, 2) + "Z");
}

std::string takeScheduledBackup(storage::Database& db, const std::string& store_path, const std::string& dir, int keep,
                                std::shared_ptr<const Keyring> audit_keys, domain::UnixSeconds now) {
  fs::create_directories(dir);
  const std::string dest = (fs::path(dir) / ("victim-comms-" + compactUtc(now) + ".db")).string();
  takeBackup(db, store_path, dest, std::move(audit_keys), domain::formatRfc3339Utc(now), "scheduler");
  auto all = scheduledBackups(dir);
  for (size_t i = 0; keep > 0 && all.size() > static_cast<size_t>(keep) && i < all.size() - keep; ++i) {
    std::remove(storage::manifestPathOf(all[i]).c_str());
    std::remove(all[i].c_str());
  }
  return dest;
}

int runBackup(const Settings& settings, const std::string& dest, const domain::Clock& clock, std::ostream& out,
              std::ostream& err) {
  if (!settings.db_postgres_url.empty()) {
    err << "victim-comms backup: the store is PostgreSQL; back it up with PostgreSQL's own tools (pg_dump, or base "
           "backups with WAL archiving): docs/deployment.md, \"Backups\""
        << std::endl;
    return kExitUsage;
  }
  storage::StoreOptions o;
  o.max_sessions = 2;
  o.audit_keys = auditKeys(settings);
  storage::Database db(settings.db_path, o);
  const auto m = takeBackup(db, settings.db_path, dest, o.audit_keys, domain::formatRfc3339Utc(clock.now()), "cli");
  out << "backed up " << settings.db_path << " to " << dest << ": " << describe(m) << "; manifest "
      << storage::manifestPathOf(dest) << std::endl;
  return kExitOk;
}

int runRestore(const Settings& settings, const std::string& source, const domain::Clock& clock, std::ostream& out,
               std::ostream& err) {
  if (!settings.db_postgres_url.empty()) {
    err << "victim-comms restore: the store is PostgreSQL; restore it with PostgreSQL's own tools (pg_restore, or "
           "a base backup): docs/deployment.md, \"Backups\""
        << std::endl;
    return kExitUsage;
  }
  if (!Poco::File(source).exists()) {
    err << "victim-comms restore: there is no copy at " << source << std::endl;
    return kExitDataErr;
  }
  // 1. The copy is what its manifest says, and its audit chain holds.
  const auto keys = auditKeys(settings);
  const storage::BackupManifest recorded = storage::readManifest(source);
  if (const std::string sha = storage::sha256OfFile(source); sha != recorded.sha256) {  // before opening it at all
    err << "victim-comms restore: refused: " << source << " is not the copy its manifest describes:" << std::endl
        << "  - SHA-256: the manifest says " << recorded.sha256 << ", the copy has " << sha << std::endl;
    return kExitDataErr;
  }
  storage::BackupManifest found;
  try {
    found = storage::describeCopy(source, keys);
  } catch (const Error& e) {
    err << "victim-comms restore: refused: " << e.what() << std::endl;
    return kExitDataErr;
  }
  const auto differences = storage::compareManifests(recorded, found);
  if (!differences.empty()) {
    err << "victim-comms restore: refused: " << source << " is not the copy its manifest describes:" << std::endl;
    for (const auto& d : differences) err << "  - " << d << std::endl;
    return kExitDataErr;
  }

  // 2. No daemon serves the store it would replace; one that starts meanwhile waits (the lock held here).
  const std::string target = settings.db_path;
  int held = -1;
  if (Poco::File(target).exists()) {
    held = ::open(target.c_str(), O_RDONLY | O_CLOEXEC);
    if (held < 0 || ::flock(held, LOCK_EX | LOCK_NB) != 0) {
      if (held >= 0) ::close(held);
      err << "victim-comms restore: refused: a daemon is serving " << target
          << " now; stop it first (systemctl stop victim-comms), then restore" << std::endl;
      return kExitTempFail;
    }
  }
  struct Unlock {
    int fd;
    ~Unlock() {
      if (fd >= 0) ::close(fd);  // closing releases the flock
    }
  } unlock{held};

  // 3. Nothing is lost: the store replaced, its write-ahead log and its checkpoint file are moved aside.
  const std::string stamp = compactUtc(clock.now());
  std::vector<std::string> kept;
  for (const std::string& suffix : {std::string(), std::string("-wal"), std::string("-shm")}) {
    const std::string from = target + suffix;
    if (!Poco::File(from).exists()) continue;
    const std::string to = target + ".before-restore-" + stamp + suffix;
    if (std::rename(from.c_str(), to.c_str()) != 0) {
      err << "victim-comms restore: cannot move " << from << " aside to " << to << std::endl;
      return kExitSoftware;
    }
    if (suffix.empty()) kept.push_back(to);
  }
  int64_t previous_checkpoint_seq = -1;
  if (!settings.audit_checkpoint_file.empty() && Poco::File(settings.audit_checkpoint_file).exists()) {
    const auto file = storage::readCheckpoints(settings.audit_checkpoint_file);
    if (!file.checkpoints.empty()) previous_checkpoint_seq = file.checkpoints.back().seq;
    const std::string to = settings.audit_checkpoint_file + ".before-restore-" + stamp;
    if (std::rename(settings.audit_checkpoint_file.c_str(), to.c_str()) != 0) {
      err << "victim-comms restore: cannot move " << settings.audit_checkpoint_file << " aside" << std::endl;
      return kExitSoftware;
    }
    kept.push_back(to);
  }

  // 4. The copy into place, whole or not at all. If it fails, say where what it replaced went.
  auto movedAside = [&](int code) {
    for (const auto& k : kept) err << "victim-comms restore: what it would have replaced is kept at " << k << std::endl;
    return code;
  };
  const std::string partial = target + ".partial";
  std::error_code ec;
  fs::create_directories(fs::path(target).parent_path(), ec);
  fs::copy_file(source, partial, fs::copy_options::overwrite_existing, ec);
  if (ec) {
    err << "victim-comms restore: cannot copy " << source << " to " << partial << ": " << ec.message() << std::endl;
    return movedAside(kExitSoftware);
  }
  {
    const int fd = ::open(partial.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || ::fsync(fd) != 0) {
      if (fd >= 0) ::close(fd);
      err << "victim-comms restore: cannot sync " << partial << std::endl;
      return movedAside(kExitSoftware);
    }
    ::close(fd);
  }
  if (std::rename(partial.c_str(), target.c_str()) != 0) {
    err << "victim-comms restore: cannot rename " << partial << " to " << target << std::endl;
    return movedAside(kExitSoftware);
  }
  syncDirectoryOf(target);

  // 5. The restored store says it was restored, and a new checkpoint file starts from its head.
  storage::StoreOptions o;
  o.max_sessions = 2;
  o.audit_keys = keys;
  o.audit_checkpoint_file = settings.audit_checkpoint_file;
  storage::Database db(target, o);
  db.migrate();
  const std::string at = domain::formatRfc3339Utc(clock.now());
  {
    auto lease = db.session();
    storage::AuditLog log(lease);
    log.append(at, "cli", "store_restored", Poco::Path(source).getFileName(),
               "made_at:" + recorded.made_at + " audit_head:" + std::to_string(recorded.audit_head_seq) +
                   " sha256:" + recorded.sha256 +
                   (previous_checkpoint_seq >= 0 ? " previous_checkpoint_seq:" + std::to_string(previous_checkpoint_seq)
                                                 : std::string()));
    log.writeCheckpoint(at);
  }
  out << "restored " << target << " from " << source << " (taken " << recorded.made_at << "): " << describe(recorded)
      << std::endl;
  for (const auto& k : kept) out << "kept what it replaced: " << k << std::endl;
  if (previous_checkpoint_seq > recorded.audit_head_seq)
    out << "the replaced store's checkpoints reached audit entry " << previous_checkpoint_seq << "; entries "
        << recorded.audit_head_seq + 1 << " to " << previous_checkpoint_seq
        << " are not in the restored store (they are in what was kept)" << std::endl;
  return kExitOk;
}

BackupTimer::BackupTimer(storage::Database& db, const Settings& settings, const domain::Clock& clock)
    : db_(db), settings_(settings), clock_(clock), keys_(auditKeys(settings)) {}

BackupTimer::~BackupTimer() { stop(); }

std::string BackupTimer::runIfDue() {
  if (settings_.backup_dir.empty() || !settings_.db_postgres_url.empty()) return "";
  const domain::UnixSeconds now = clock_.now();
  const auto newest = newestScheduledBackup(settings_.backup_dir);
  if (newest && now < *newest + static_cast<domain::UnixSeconds>(settings_.backup_interval_hours) * 3600) return "";
  return takeScheduledBackup(db_, settings_.db_path, settings_.backup_dir, settings_.backup_keep, keys_, now);
}

void BackupTimer::start() {
  Poco::Logger& log = Poco::Logger::get("vc.backup");
  if (settings_.backup_dir.empty()) return;
  if (!settings_.db_postgres_url.empty()) {
    log.warning("backup.dir is set but the store is PostgreSQL: back it up with PostgreSQL's own tools "
                "(docs/deployment.md, \"Backups\"); no scheduled backups are taken");
    return;
  }
  thread_ = std::thread([this, &log] {
    while (true) {
      try {
        const std::string path = runIfDue();
        if (!path.empty()) log.information("scheduled backup written: %s", path);
      } catch (const std::exception& e) {
        log.error("the scheduled backup failed: %s (tried again in a minute)", std::string(e.what()));
      }
      std::unique_lock<std::mutex> lock(mutex_);
      if (cv_.wait_for(lock, std::chrono::minutes(1), [this] { return stopping_; })) return;
    }
  });
}

void BackupTimer::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

ServingLock::ServingLock(const std::string& store_path) {
  if (store_path.empty() || store_path == ":memory:") return;
  fd_ = ::open(store_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) return;
  if (::flock(fd_, LOCK_SH | LOCK_NB) != 0) {
    ::close(fd_);
    fd_ = -1;
    throw Error(Error::Kind::kUnavailable, "store_restoring",
                "a restore is replacing " + store_path + " now: start again when it has finished");
  }
}

ServingLock::~ServingLock() {
  if (fd_ >= 0) ::close(fd_);
}

bool servedNow(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool served = ::flock(fd, LOCK_EX | LOCK_NB) != 0;
  ::close(fd);
  return served;
}

}  // namespace vc::app
