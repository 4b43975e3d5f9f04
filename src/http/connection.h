#pragma once
// Connection: one client's TCP connection as the HTTP front passes it from
// hand to hand (connection_gate.h, server.cpp): the socket, the client's
// address, and the "carry": bytes read from the network but not yet parsed.
//
// The gate reads a request head into the carry without parsing it. A worker
// then parses it with Poco's HTTPServerSession through socket(), whose reads
// come from the carry first and only then from the network. Every network
// read through socket() also obeys one absolute deadline (setReadDeadline), so
// a worker is held no longer than that however a client paces its bytes; a
// read that misses it throws Poco::TimeoutException, and readDeadlinePassed()
// says so afterwards.
//
// Ownership: one owner at a time (the gate, the ready queue, or a worker),
// passed by unique_ptr. The Connection owns the socket and closes it when
// destroyed; the copies of socket() that Poco's session holds share it and
// must be detached before the session is destroyed (HTTPSession::detachSocket).
// Thread-safety: none; only the current owner may touch it. A hand-over
// through a mutex-guarded queue orders one owner's writes before the next
// owner's reads. The one exception is shutdownNow(), for HttpServer::stop().

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include <Poco/Net/StreamSocket.h>

namespace vc::http {

using Clock = std::chrono::steady_clock;

class CarrySocketImpl;  // connection.cpp: the Poco socket implementation behind socket()

class Connection {
 public:
  // Takes ownership of `fd`, a connected TCP socket; `client` is the peer's
  // address without its port (the per-client cap counts by it).
  Connection(int fd, std::string client);
  ~Connection();  // closes the socket
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  Poco::Net::StreamSocket& socket() { return socket_; }
  int fd() const;
  const std::string& client() const { return client_; }

  // ---- For the gate, between requests ----

  enum class ReadAhead {
    kData,     // something was added to the carry
    kNothing,  // nothing was waiting (or the carry already holds max_carry bytes)
    kClosed,   // the client closed the connection, or it failed
  };
  // One read that does not block, appended to the carry, which never grows past `max_carry`.
  ReadAhead readAhead(size_t max_carry);
  // True if the carry begins with a whole request head. Blank lines before
  // a request line are dropped first (RFC 9112 section 2.2 allows a server to).
  bool hasWholeHead();
  size_t carried() const;

  // ---- For a worker, while it serves a request ----

  // Every network read through socket() from now on fails with
  // Poco::TimeoutException once `deadline` has passed; nullopt: no deadline.
  void setReadDeadline(std::optional<Clock::time_point> deadline);
  // Puts `size` bytes back in front of the carry: what Poco's session read past
  // the end of its request (the start of a pipelined next one).
  void unread(const char* data, size_t size);

  // Ends both directions of the connection, so that a worker blocked on it
  // returns at once. The only method another thread may call, and only while
  // the owner cannot close the socket (HttpServer::stop() holds the lock that
  // a worker must take before it gives a connection away).
  void shutdownNow();

 private:
  CarrySocketImpl* impl_;  // owned (reference-counted) by socket_
  Poco::Net::StreamSocket socket_;
  std::string client_;
};

// True if `socket` is a Connection's and a read through it has missed the
// connection's read deadline: the request handler then answers 408.
bool readDeadlinePassed(Poco::Net::StreamSocket& socket);

}  // namespace vc::http
