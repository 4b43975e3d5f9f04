#pragma once
// The HTTP server: our own small front over Poco's HTTP parsing, feeding every
// request to one Router, built to stay up for everyone while some clients are
// slow or hostile.
//
//   listener --> ConnectionGate (one thread) --> ready queue --> workers (options.threads)
//                      ^                                           |
//                      +---- giveBack: keep alive, or close -------+
//
// The gate (connection_gate.h) holds every connection that is waiting for a
// request head, a new one or a kept-alive one between requests, and enforces
// the head deadline, the keep-alive idle time and the connection caps (503 at
// once beyond them). A worker only ever gets a connection whose whole head has
// arrived; it parses it with Poco's HTTPServerSession/RequestImpl/ResponseImpl,
// reads the body under a total deadline (408 if missed), runs the Router, and
// gives the connection back to the gate. So no client can hold a worker for
// longer than body_timeout (plus the handler's own work), and an idle
// connection costs no worker at all.
//
// Ownership: the server owns its listening socket, the gate, the worker
// threads and every connection. Threads: construct, start() and stop() from
// one thread; port() from any. stop() (also run by the destructor) closes
// held connections, shuts down those being served, and joins every thread
// before it returns, so the services the handlers use can be destroyed safely
// afterwards (toolchain.md gotcha 1).

#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

#include "http/router.h"

namespace vc::http {

struct ServerOptions {
  std::string bind = "127.0.0.1";
  uint16_t port = 8080;  // 0: any free port (see port())
  int threads = 8;
  size_t max_body_bytes = 8 * 1024 * 1024;
  // Against slow and hostile clients (the http.* settings of the same names).
  std::chrono::milliseconds header_timeout{10'000};   // accept (or a later request's first byte) to whole head
  std::chrono::milliseconds keepalive_idle{5'000};    // 0: every response closes its connection
  std::chrono::milliseconds body_timeout{30'000};     // whole head to whole body; also each write's timeout
  int max_connections = 512;                          // open at once, all clients
  int max_connections_per_client = 64;                // open at once from one address
  size_t max_head_bytes = 16 * 1024;                  // a longer request head is 431
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
  // `router` must outlive the server.
  HttpServer(const Router& router, ServerOptions options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  void start();
  void stop();
  uint16_t port() const { return port_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  uint16_t port_ = 0;
  bool running_ = false;
};

}  // namespace vc::http
