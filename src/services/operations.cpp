#include "services/operations.h"

#include <sys/statvfs.h>

#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Timespan.h>

#include "storage/database.h"
#include "storage/store.h"

namespace vc::services {

std::vector<ReadinessCheck> OperationsService::readiness() {
  std::vector<ReadinessCheck> out;
  out.push_back({"store", db_.ping(), ""});
  if (!out.back().ok) out.back().detail = "the store does not answer";
  if (!probes_.store_dir.empty()) {
    struct statvfs fs {};
    ReadinessCheck disk{"disk", true, ""};
    if (::statvfs(probes_.store_dir.c_str(), &fs) != 0) {
      disk = {"disk", false, "cannot read the free space of " + probes_.store_dir};
    } else {
      const uint64_t free_bytes = static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize;
      if (free_bytes < kMinFreeBytes)
        disk = {"disk", false,
                "the store's disk is full (" + std::to_string(free_bytes) + " bytes free): writes are refused until "
                "space is freed; reads go on"};
    }
    out.push_back(disk);
  }
  const size_t templates = probes_.template_files ? probes_.template_files() : 0;
  out.push_back({"templates", templates > 0, templates > 0 ? "" : "no letter templates are loaded"});
  {
    std::lock_guard<std::mutex> lock(smtp_mutex_);
    const domain::UnixSeconds now = clock_.now();
    if (!smtp_checked_ || now - smtp_checked_->first >= 10 || now < smtp_checked_->first) {
      ReadinessCheck smtp{"smtp", true, ""};
      try {
        Poco::Net::StreamSocket socket;
        socket.connect(Poco::Net::SocketAddress(probes_.smtp_host, static_cast<Poco::UInt16>(probes_.smtp_port)),
                       Poco::Timespan(1, 0));
        socket.close();
      } catch (const Poco::Exception& e) {
        smtp.ok = false;
        smtp.detail = "cannot connect to " + probes_.smtp_host + ":" + std::to_string(probes_.smtp_port) + ": " +
                      e.displayText();
      }
      smtp_checked_ = std::make_pair(now, smtp);
    }
    out.push_back(smtp_checked_->second);
  }
  ReadinessCheck calendar{"calendar", true, ""};
  if (auto warning = domain::calendarRunningOut(calendar_, clock_.today())) calendar.detail = *warning;
  out.push_back(calendar);
  return out;
}

OperationsSnapshot OperationsService::snapshot() {
  OperationsSnapshot s;
  const domain::Date today = clock_.today();
  const domain::Date next = calendar_.addWorkingDays(today, 1).result;
  {
    auto lease = db_.session();
    s.store = storage::Store(lease).gauges(today.toString(), next.toString());
  }
  if (!s.store.oldest_unsent_created_at.empty())
    if (auto t = domain::parseRfc3339(s.store.oldest_unsent_created_at))
      s.oldest_unsent_age_seconds = std::max<int64_t>(0, clock_.now() - *t);
  s.last_pass_seconds = probes_.last_pass_seconds ? probes_.last_pass_seconds() : -1;
  s.calendar_days_left = calendar_.publishedUntil().daysSinceEpoch() - today.daysSinceEpoch();
  return s;
}

}  // namespace vc::services
