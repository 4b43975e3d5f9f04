#pragma once
// A real SMTP server (tests/support/smtp_sink.py, on Debian's aiosmtpd) run
// by a test on a loopback port, delivering into a Maildir the test reads.
// Started by the constructor (which waits until it accepts connections) and
// stopped by the destructor. Not copyable.

#include <cctype>
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

// A header's value ("" when absent).
inline std::string mailHeader(const std::string& message, const std::string& name) {
  const std::string key = "\n" + name + ": ";
  auto at = ("\n" + message).find(key);
  if (at == std::string::npos) return "";
  const auto start = at + key.size() - 1;
  auto end = message.find('\n', start);
  std::string value = message.substr(start, end - start);
  if (!value.empty() && value.back() == '\r') value.pop_back();
  return value;
}

// The message with quoted-printable undone (soft line breaks joined, =XX decoded),
// so a test can search the text as the reader sees it.
inline std::string decodedMail(const std::string& message) {
  std::string out;
  for (size_t i = 0; i < message.size(); ++i) {
    if (message[i] != '=') {
      out += message[i];
      continue;
    }
    if (message.compare(i + 1, 2, "\r\n") == 0) {
      i += 2;
    } else if (i + 1 < message.size() && message[i + 1] == '\n') {
      i += 1;
    } else if (i + 2 < message.size() && std::isxdigit(static_cast<unsigned char>(message[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(message[i + 2]))) {
      out += static_cast<char>(std::stoi(message.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += '=';
    }
  }
  return out;
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

  // With --commands FILE among the extra arguments: every command line the server has received.
  static std::vector<std::string> commandLines(const std::string& file) {
    std::vector<std::string> out;
    std::ifstream in(file, std::ios::binary);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  }

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
