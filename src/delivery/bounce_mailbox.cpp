#include "delivery/bounce_mailbox.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <system_error>
#include <vector>

#include <Poco/Logger.h>

#include "common/error.h"
#include "storage/outbox_store.h"

namespace fs = std::filesystem;

namespace vc::delivery {
namespace {

Poco::Logger& log() { return Poco::Logger::get("vc.bounces"); }

// This daemon's Message-IDs: <letter.l-N.vV@domain> and <isva-notification.n-N@domain>.
bool ours(const std::string& id, const std::string& domain) {
  const std::string suffix = "@" + domain + ">";
  if (id.size() <= suffix.size() ||
      id.compare(id.size() - suffix.size(), suffix.size(), suffix) != 0)
    return false;
  return id.rfind("<letter.l-", 0) == 0 || id.rfind("<isva-notification.n-", 0) == 0;
}

void moveInto(const fs::path& file, const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  fs::rename(file, dir / file.filename(), ec);
  if (ec) throw std::runtime_error("cannot move " + file.filename().string() + " into " + dir.string() + ": " + ec.message());
}

}  // namespace

BounceMailbox::BounceMailbox(storage::Database& db, std::string dir, std::string message_id_domain)
    : db_(db), dir_(std::move(dir)), domain_(std::move(message_id_domain)) {}

std::string BounceMailbox::handle(const std::string& mail, std::string& done) {
  const DeliveryReport report = readDeliveryReport(mail);
  if (!report.is_report || report.action.empty()) return "not a delivery status notification";
  std::optional<storage::OutboxRow> message;
  {
    auto lease = db_.session();
    storage::OutboxStore outbox(lease);
    for (const auto& id : report.message_ids)
      if (ours(id, domain_) && (message = outbox.findByMessageId(id))) break;
  }
  if (!message) return "not about a message this daemon sent";
  const std::string what = message->kind() + " " +
                           (message->letter_n ? "l-" + std::to_string(message->letter_n)
                                              : "n-" + std::to_string(message->notification_n));
  if (report.action != "failed" && report.action != "delivered") {
    done = what + ": " + report.action + ", nothing to do";
    return {};
  }
  if (message->state != "sent") return what + " is " + message->state + ", not sent";
  auto listener = listeners_.find(message->kind());
  if (listener == listeners_.end() || !listener->second) return "nothing listens for " + message->kind() + " reports";
  try {
    done = what + ": " + listener->second->reportReceived(*message, report);
  } catch (const Error& e) {
    return what + ": " + e.what();
  }
  return {};
}

BounceMailbox::Result BounceMailbox::check() {
  Result result;
  if (dir_.empty()) return result;
  std::error_code ec;
  if (!fs::is_directory(dir_, ec)) {
    log().warning("the bounce mailbox %s is not a directory; no bounces are read", dir_);
    return result;
  }
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    const std::string name = entry.path().filename().string();
    // Regular files only (a symbolic link could point anywhere); dot files are a delivery in progress.
    if (name.empty() || name[0] == '.' || entry.symlink_status().type() != fs::file_type::regular) continue;
    files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const fs::path& file : files) {
    ++result.read;
    std::string why, done;
    std::error_code size_ec;
    const auto size = fs::file_size(file, size_ec);
    if (size_ec || size > kMaxDeliveryReportBytes) {
      why = "larger than a delivery report";
    } else {
      std::ifstream in(file, std::ios::binary);
      const std::string mail((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      try {
        why = handle(mail, done);
      } catch (const std::exception& e) {
        // The store could not be read or written: leave the file for the next pass.
        log().error("bounce %s could not be applied: %s (the next pass tries again)", file.filename().string(),
                    std::string(e.what()));
        --result.read;
        continue;
      }
    }
    if (why.empty()) {
      ++result.applied;
      log().information("bounce %s: %s", file.filename().string(), done);
      moveInto(file, fs::path(dir_) / "processed");
    } else {
      ++result.unmatched;
      log().warning("bounce %s not applied: %s (moved to unmatched/ for a person to look at)",
                    file.filename().string(), why);
      moveInto(file, fs::path(dir_) / "unmatched");
    }
  }
  return result;
}

}  // namespace vc::delivery
