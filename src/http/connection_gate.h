#pragma once
// ConnectionGate: the HTTP server's front door. One thread accepts
// connections and holds every connection that is waiting for a request head
// (a new one, or a kept-alive one between requests), so that waiting costs a
// file descriptor and a few bytes but no worker thread. A connection is handed
// on (to `dispatch`, the worker pool) only once a whole request head has
// arrived. The gate answers for itself, and then closes the connection:
//   503 with Retry-After, at once, to a new connection beyond a cap
//       (all clients together, or one client address);
//   408 when a head is not whole by its deadline (counted from the accept, or
//       from the first byte of a later request on a kept-alive connection: a
//       total, so a header line a second does not put it off);
//   431 when a head is longer than max_head_bytes.
// A kept-alive connection with no next request within keepalive_idle is
// closed without a word, as HTTP allows. Every close after a reply is a
// lingering one (shut our side, read and drop what the client still sends,
// for a moment), so the client reads the reply rather than a reset.
//
// Ownership: the gate owns the listening socket and every connection in it.
// A connection handed to `dispatch` belongs to the receiver, which must give
// it back with giveBack() when done with it, to keep or to close.
// Threads: the gate's thread does everything but giveBack(), which any
// thread may call. start() and stop() are for the gate's owner.
//
// Invariant, kept by the gate thread alone: open_ and per_client_ count every
// connection from its accept until the gate closes it, wherever it is
// meanwhile (in the gate, queued, or in a worker). No one else may close a
// counted connection: one closed elsewhere would never be subtracted, and the
// caps would slowly shut everyone out. That is why a worker gives back even
// the connections it wants closed.

#include <poll.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <Poco/Net/ServerSocket.h>
#include <Poco/Thread.h>

#include "http/connection.h"

namespace vc::http {

struct GateLimits {
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds keepalive_idle{5'000};
  std::chrono::milliseconds send_timeout{30'000};  // each write to a client (SO_SNDTIMEO)
  int max_connections = 512;
  int max_connections_per_client = 64;
  size_t max_head_bytes = 16 * 1024;
};

class ConnectionGate {
 public:
  using Dispatch = std::function<void(std::unique_ptr<Connection>)>;

  // `listener` must be bound and listening. `dispatch` is called on the gate
  // thread with each connection whose carry holds a whole request head.
  ConnectionGate(Poco::Net::ServerSocket listener, GateLimits limits, Dispatch dispatch);
  ~ConnectionGate();  // stops the gate if running; closes any connection given back since
  ConnectionGate(const ConnectionGate&) = delete;
  ConnectionGate& operator=(const ConnectionGate&) = delete;

  void start();
  // Stops accepting, closes every connection in the gate and the listening
  // socket, and returns once the gate thread has ended.
  void stop();

  // A connection back from a worker: to wait for its next request, or to be
  // closed. Thread-safe.
  void giveBack(std::unique_ptr<Connection> connection, bool keep_alive);

 private:
  enum class Phase {
    kHead,     // a request head is on its way; deadline: it must be whole by then
    kIdle,     // kept alive, no byte of a next request yet; deadline: closed then
    kClosing,  // replied to and shut on our side; what comes is dropped; deadline: closed then
  };
  struct Held {
    std::unique_ptr<Connection> connection;
    Phase phase;
    Clock::time_point deadline;
  };

  void run();
  void step(std::vector<pollfd>& fds);  // one wait for something to do, and doing it
  void acceptNew(Clock::time_point now);
  void onReadable(int fd, Clock::time_point now);
  void expire(Clock::time_point now);
  void takeBack(Clock::time_point now);
  // Waits for a head, or hands it on at once if one is already carried.
  void admit(std::unique_ptr<Connection> connection, Phase phase, Clock::time_point now);
  // Sends `reply` (a whole closing response), then closes gently.
  void refuse(std::unique_ptr<Connection> connection, const std::string& reply, bool counted, Clock::time_point now);
  // Shuts our side and lingers to drop what the client still sends, or closes at once if too many linger.
  void closeGently(std::unique_ptr<Connection> connection, bool counted, Clock::time_point now);
  void uncount(const std::string& client);
  void warnAtMostEveryMinute(const char* key, const std::string& what);

  // Constant after construction
  const GateLimits limits_;
  const Dispatch dispatch_;
  Poco::Net::ServerSocket listener_;
  int wake_fd_ = -1;  // an eventfd: giveBack() and stop() write it to wake the gate thread from poll()
  Poco::Thread thread_;
  bool started_ = false;  // the owner's: set by start(), read by stop()

  std::atomic<bool> stopping_{false};

  // Given back by workers, for the gate thread to take: guarded by returned_mutex_
  std::mutex returned_mutex_;
  std::deque<std::pair<std::unique_ptr<Connection>, bool>> returned_;

  // The gate thread's alone (see the invariant above)
  std::unordered_map<int, Held> held_;  // by file descriptor
  size_t closing_ = 0;                  // how many of held_ are kClosing
  int open_ = 0;
  std::unordered_map<std::string, int> per_client_;
  Clock::time_point accept_paused_until_{};  // out of file descriptors: stop accepting for a moment
  std::map<std::string, Clock::time_point> last_warned_;  // by warnAtMostEveryMinute's key
};

}  // namespace vc::http
