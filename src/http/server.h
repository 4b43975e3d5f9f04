#pragma once
// The HTTP server: a Poco::Net::HTTPServer with its own thread pool, feeding
// every request to one Router. Owns its socket and threads; stop() (also run
// by the destructor) waits for in-flight handlers before returning, so the
// services they use can be destroyed safely afterwards.

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

#include "http/router.h"

namespace Poco {
class ThreadPool;
namespace Net {
class HTTPServer;
}
}  // namespace Poco

namespace vc::http {

struct ServerOptions {
  std::string bind = "127.0.0.1";
  uint16_t port = 8080;  // 0: any free port (see port())
  int threads = 8;
  size_t max_body_bytes = 8 * 1024 * 1024;
};

// The address cannot be listened on: in use (by another program, or another
// victim-comms), not this host's, or not allowed. A configuration problem.
class ListenError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class HttpServer {
 public:
  // Binds and listens at once (without SO_REUSEPORT, so a port in use is an
  // error rather than shared); throws ListenError naming the address and port.
  HttpServer(const Router& router, ServerOptions options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  void start();
  void stop();
  uint16_t port() const { return port_; }

 private:
  std::unique_ptr<Poco::ThreadPool> threads_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
  uint16_t port_ = 0;
  bool running_ = false;
};

}  // namespace vc::http
