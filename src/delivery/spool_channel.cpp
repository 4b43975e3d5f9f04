#include "delivery/spool_channel.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <system_error>

namespace fs = std::filesystem;

namespace vc::delivery {
namespace {

// Writes `content` to `path` through a temporary name, so a reader never sees half a file.
void writeWhole(const fs::path& path, const std::string& content) {
  const fs::path temporary = path.string() + ".part";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << content;
    out.flush();
    if (!out) throw std::runtime_error("cannot write " + temporary.string());
  }
  fs::rename(temporary, path);
}

}  // namespace

SpoolChannel::SpoolChannel(std::string dir) : dir_(std::move(dir)) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec || !fs::is_directory(dir_)) throw std::runtime_error("spool.dir " + dir_ + ": cannot be created (" + ec.message() + ")");
}

DeliveryOutcome SpoolChannel::deliver(const OutgoingMessage& m) {
  DeliveryOutcome out;
  try {
    // The text first: the HTML file appearing is the sign that both are there.
    writeWhole(fs::path(dir_) / (m.name + ".txt"), m.text);
    writeWhole(fs::path(dir_) / (m.name + ".html"), m.html);
    out.delivered = true;
    out.receipt = "spooled for printing as " + m.name + ".html and " + m.name + ".txt";
  } catch (const std::exception& e) {
    out.error = std::string("spool: ") + e.what();
    out.summary = "could not write to the spool directory";
  }
  return out;
}

}  // namespace vc::delivery
