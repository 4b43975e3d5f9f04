#pragma once
// A real SMTP server (tests/support/smtp_sink.py, on Debian's aiosmtpd) run
// by a test on a loopback port, delivering into a Maildir the test reads.
// Started by the constructor (which waits until it accepts connections) and
// stopped by the destructor. Not copyable.

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <Poco/Net/ServerSocket.h>
#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>

namespace vc::testing {

// A port nothing listens on right now.
inline uint16_t freePort() {
  Poco::Net::ServerSocket s(Poco::Net::SocketAddress("127.0.0.1", 0));
  const uint16_t port = s.address().port();
  s.close();
  return port;
}

class SmtpSink {
 public:
  SmtpSink(uint16_t port, std::string maildir, const std::vector<std::string>& extra = {})
      : port_(port), maildir_(std::move(maildir)) {
    std::vector<std::string> args = {VC_SOURCE_DIR "/tests/support/smtp_sink.py", std::to_string(port), maildir_};
    args.insert(args.end(), extra.begin(), extra.end());
    Poco::ProcessHandle handle = Poco::Process::launch("/usr/bin/python3", args, &in_, &out_, nullptr);
    handle_ = std::make_unique<Poco::ProcessHandle>(handle);
    Poco::PipeInputStream out(out_);
    std::string line;
    if (!std::getline(out, line) || line != "ready")
      throw std::runtime_error("the SMTP sink did not start on port " + std::to_string(port) + " (got '" + line + "')");
  }
  ~SmtpSink() {
    try {
      in_.close(Poco::Pipe::CLOSE_WRITE);  // the sink stops when its stdin closes
      handle_->wait();
    } catch (...) {
      try {
        Poco::Process::kill(*handle_);
      } catch (...) {
      }
    }
  }
  SmtpSink(const SmtpSink&) = delete;
  SmtpSink& operator=(const SmtpSink&) = delete;

  uint16_t port() const { return port_; }

  // Every message delivered so far, raw (headers and body).
  std::vector<std::string> messages() const {
    std::vector<std::string> out;
    const std::filesystem::path dir = std::filesystem::path(maildir_) / "new";
    if (!std::filesystem::exists(dir)) return out;
    for (const auto& f : std::filesystem::directory_iterator(dir)) {
      std::ifstream in(f.path(), std::ios::binary);
      std::ostringstream ss;
      ss << in.rdbuf();
      out.push_back(ss.str());
    }
    return out;
  }

 private:
  uint16_t port_;
  std::string maildir_;
  Poco::Pipe in_, out_;
  std::unique_ptr<Poco::ProcessHandle> handle_;
};

}  // namespace vc::testing
