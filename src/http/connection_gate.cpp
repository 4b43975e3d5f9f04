#include "http/connection_gate.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

#include <Poco/Logger.h>
#include <Poco/Net/SocketAddress.h>

#include "common/error.h"
#include "http/raw_reply.h"

namespace vc::http {
namespace {

// After a reply that closes, how long the gate keeps reading and dropping
// what the client still sends (so it reads our reply rather than a reset),
// and for how many connections at most (beyond that, closed at once).
constexpr auto kLinger = std::chrono::seconds(2);
constexpr size_t kMaxLingering = 128;
// Out of file descriptors: how long to stop accepting before trying again.
constexpr auto kAcceptPause = std::chrono::milliseconds(100);
// New connections taken per wake-up, so a flood cannot starve the others.
constexpr int kAcceptBatch = 64;
const char* const kRetryAfterSeconds = "2";

Poco::Logger& log() { return Poco::Logger::get("vc.http"); }

std::string describe(std::chrono::milliseconds d) {
  return d.count() % 1000 == 0 ? std::to_string(d.count() / 1000) + " s" : std::to_string(d.count()) + " ms";
}

}  // namespace

ConnectionGate::ConnectionGate(Poco::Net::ServerSocket listener, GateLimits limits, Dispatch dispatch)
    : limits_(limits), dispatch_(std::move(dispatch)), listener_(std::move(listener)), thread_("http-gate") {
  listener_.setBlocking(false);  // acceptNew() takes what is queued and stops at EAGAIN
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0) throw std::runtime_error(std::string("eventfd: ") + std::strerror(errno));
}

ConnectionGate::~ConnectionGate() {
  stop();
  {
    std::lock_guard<std::mutex> lock(returned_mutex_);
    returned_.clear();
  }
  ::close(wake_fd_);
}

void ConnectionGate::start() {
  thread_.startFunc([this] { run(); });
  started_ = true;
}

void ConnectionGate::stop() {
  if (stopping_.exchange(true)) return;
  const uint64_t one = 1;
  (void)!::write(wake_fd_, &one, sizeof one);
  // Always join a started thread, even one that has already left run(): the join is what
  // orders its last writes (to held_, say) before ours. (isRunning() would not.)
  if (started_) thread_.join();
  held_.clear();
  try {
    listener_.close();
  } catch (...) {
    // never opened, or already closed
  }
}

void ConnectionGate::giveBack(std::unique_ptr<Connection> connection, bool keep_alive) {
  {
    std::lock_guard<std::mutex> lock(returned_mutex_);
    returned_.emplace_back(std::move(connection), keep_alive);
  }
  const uint64_t one = 1;
  (void)!::write(wake_fd_, &one, sizeof one);
}

void ConnectionGate::run() {
  std::vector<pollfd> fds;
  while (!stopping_) {
    try {
      step(fds);
    } catch (const std::exception& e) {
      // Nothing here should throw but a failed allocation; the gate must not die of it, or no one is served.
      warnAtMostEveryMinute("step", std::string("the connection gate recovered from: ") + e.what());
    }
  }
  held_.clear();  // closes every connection still waiting
}

// Takes back what workers returned, expires deadlines, then polls the wake-up
// fd, the listener and every held connection until the nearest deadline.
// poll(2) over a vector rebuilt each time is O(held), and held is capped by
// http.max_connections plus kMaxLingering: a few hundred descriptors, which
// poll handles in microseconds. (Plain poll(2) rather than Poco's PollSet,
// which in 1.11 has no way to be woken from another thread and returns at
// once when empty.)
void ConnectionGate::step(std::vector<pollfd>& fds) {
  Clock::time_point now = Clock::now();
  takeBack(now);
  expire(now);

  fds.clear();
  fds.push_back({wake_fd_, POLLIN, 0});
  const bool accepting = now >= accept_paused_until_;
  fds.push_back({accepting ? static_cast<int>(listener_.impl()->sockfd()) : -1, POLLIN, 0});
  Clock::time_point next = accepting ? Clock::time_point::max() : accept_paused_until_;
  for (const auto& [fd, held] : held_) {
    fds.push_back({fd, POLLIN, 0});
    next = std::min(next, held.deadline);
  }
  int timeout_ms = -1;
  if (next != Clock::time_point::max()) {
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(next - now).count();
    timeout_ms = static_cast<int>(std::clamp<long long>(ms, 0, 60'000));
  }

  const int ready = ::poll(fds.data(), fds.size(), timeout_ms);
  if (ready < 0) {
    if (errno == EINTR) return;
    warnAtMostEveryMinute("poll", std::string("poll failed: ") + std::strerror(errno));
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // not a busy loop, whatever the cause
    return;
  }
  if (ready == 0) return;
  now = Clock::now();
  if (fds[0].revents) {
    uint64_t count;
    (void)!::read(wake_fd_, &count, sizeof count);
  }
  if (fds[1].revents) acceptNew(now);
  // A connection closed below frees its descriptor, but nothing is accepted after
  // acceptNew() above, so no descriptor in fds can belong to a newer connection.
  for (size_t i = 2; i < fds.size(); ++i)
    if (fds[i].revents) onReadable(fds[i].fd, now);
}

void ConnectionGate::acceptNew(Clock::time_point now) {
  const int listen_fd = static_cast<int>(listener_.impl()->sockfd());
  for (int i = 0; i < kAcceptBatch; ++i) {
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    const int fd = ::accept4(listen_fd, reinterpret_cast<sockaddr*>(&address), &length, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO) continue;
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        accept_paused_until_ = now + kAcceptPause;
        warnAtMostEveryMinute("accept-fds", std::string("cannot accept connections: ") + std::strerror(errno) +
                              " (raise the open-files limit, or lower http.max_connections)");
        return;
      }
      warnAtMostEveryMinute("accept", std::string("accept failed: ") + std::strerror(errno));
      return;
    }
    std::string client;
    try {
      client = Poco::Net::SocketAddress(reinterpret_cast<const sockaddr*>(&address), length).host().toString();
    } catch (const Poco::Exception&) {
      client = "?";
    }
    auto connection = std::make_unique<Connection>(fd, client);
    try {
      connection->socket().setNoDelay(true);
      connection->socket().setSendTimeout(Poco::Timespan(
          std::chrono::duration_cast<std::chrono::microseconds>(limits_.send_timeout).count()));
    } catch (const Poco::Exception&) {
      continue;  // gone already: the Connection closes it
    }

    auto known = per_client_.find(client);
    const int from_client = known == per_client_.end() ? 0 : known->second;
    if (open_ >= limits_.max_connections || from_client >= limits_.max_connections_per_client) {
      const bool overall = open_ >= limits_.max_connections;
      const std::string why =
          overall ? "the server has as many connections as it takes (http.max_connections = " +
                        std::to_string(limits_.max_connections) + "); try again shortly"
                  : "too many connections from your address (http.max_connections_per_client = " +
                        std::to_string(limits_.max_connections_per_client) + "); close one, or try again shortly";
      if (overall)
        warnAtMostEveryMinute("cap", "refusing new connections (503): " + std::to_string(open_) +
                                         " open, the cap (http.max_connections)");
      else
        warnAtMostEveryMinute("client-cap", "refusing new connections (503) from " + client + ": " +
                                                std::to_string(from_client) +
                                                " open, the cap (http.max_connections_per_client)");
      refuse(std::move(connection),
             closingErrorReply(Error(Error::Kind::kUnavailable, "unavailable", why),
                               {{"Retry-After", kRetryAfterSeconds}}),
             false, now);
      continue;
    }
    ++open_;
    ++per_client_[client];
    held_[fd] = Held{std::move(connection), Phase::kHead, now + limits_.header_timeout};
  }
}

void ConnectionGate::onReadable(int fd, Clock::time_point now) {
  auto it = held_.find(fd);
  if (it == held_.end()) return;
  Held& held = it->second;

  if (held.phase == Phase::kClosing) {
    char sink[16384];
    const ssize_t n = ::recv(fd, sink, sizeof sink, MSG_DONTWAIT);
    if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))) return;
    held_.erase(it);  // the client has closed too (or failed): done
    --closing_;
    return;
  }

  const Connection::ReadAhead read = held.connection->readAhead(limits_.max_head_bytes);
  if (read == Connection::ReadAhead::kClosed) {
    uncount(held.connection->client());
    held_.erase(it);
    return;
  }
  if (read == Connection::ReadAhead::kNothing && held.connection->carried() < limits_.max_head_bytes) return;
  if (held.phase == Phase::kIdle) {
    // The first byte of a next request: from now on its head must be whole within header_timeout.
    held.phase = Phase::kHead;
    held.deadline = now + limits_.header_timeout;
  }
  if (held.connection->hasWholeHead()) {
    std::unique_ptr<Connection> connection = std::move(held.connection);
    held_.erase(it);
    dispatch_(std::move(connection));
    return;
  }
  if (held.connection->carried() >= limits_.max_head_bytes) {
    std::unique_ptr<Connection> connection = std::move(held.connection);
    held_.erase(it);
    refuse(std::move(connection),
           closingErrorReply(Error(Error::Kind::kHeadersTooLarge, "headers_too_large",
                                   "the request line and headers are longer than " +
                                       std::to_string(limits_.max_head_bytes) + " bytes")),
           true, now);
  }
}

void ConnectionGate::expire(Clock::time_point now) {
  std::vector<int> due;
  for (const auto& [fd, held] : held_)
    if (held.deadline <= now) due.push_back(fd);
  for (int fd : due) {
    auto it = held_.find(fd);
    Held held = std::move(it->second);
    held_.erase(it);
    switch (held.phase) {
      case Phase::kHead:
        log().debug("408 to " + held.connection->client() + ": no whole request head in time");
        refuse(std::move(held.connection),
               closingErrorReply(Error(Error::Kind::kRequestTimeout, "request_timeout",
                                       "the request line and headers did not all arrive within " +
                                           describe(limits_.header_timeout) + " (http.header_timeout_seconds)")),
               true, now);
        break;
      case Phase::kIdle:
        uncount(held.connection->client());
        break;  // closed here, without a word: the client asked nothing
      case Phase::kClosing:
        --closing_;
        break;
    }
  }
}

void ConnectionGate::takeBack(Clock::time_point now) {
  std::deque<std::pair<std::unique_ptr<Connection>, bool>> returned;
  {
    std::lock_guard<std::mutex> lock(returned_mutex_);
    returned.swap(returned_);
  }
  for (auto& [connection, keep_alive] : returned) {
    if (keep_alive)
      admit(std::move(connection), Phase::kIdle, now);
    else
      closeGently(std::move(connection), true, now);
  }
}

void ConnectionGate::admit(std::unique_ptr<Connection> connection, Phase phase, Clock::time_point now) {
  // A pipelined request the worker's parser read ahead may already be whole: hand it on at once.
  if (connection->hasWholeHead()) {
    dispatch_(std::move(connection));
    return;
  }
  if (connection->carried() > 0) phase = Phase::kHead;  // part of the next head is here already
  const int fd = connection->fd();
  const auto wait = phase == Phase::kHead ? limits_.header_timeout : limits_.keepalive_idle;
  held_[fd] = Held{std::move(connection), phase, now + wait};
}

void ConnectionGate::refuse(std::unique_ptr<Connection> connection, const std::string& reply, bool counted,
                            Clock::time_point now) {
  // A new or waiting connection has sent us at most a head, so its send buffer is
  // empty: the small reply fits and send() does not block. If it did not all fit, the
  // client has stopped reading and loses only the rest of a refusal.
  (void)!::send(connection->fd(), reply.data(), reply.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  closeGently(std::move(connection), counted, now);
}

void ConnectionGate::closeGently(std::unique_ptr<Connection> connection, bool counted, Clock::time_point now) {
  if (counted) uncount(connection->client());
  if (closing_ >= kMaxLingering) return;  // closed at once by ~Connection
  const int fd = connection->fd();
  if (::shutdown(fd, SHUT_WR) != 0) return;  // already gone
  held_[fd] = Held{std::move(connection), Phase::kClosing, now + kLinger};
  ++closing_;
}

void ConnectionGate::uncount(const std::string& client) {
  --open_;
  auto it = per_client_.find(client);
  if (it != per_client_.end() && --it->second <= 0) per_client_.erase(it);
}

// A flood would otherwise write a log line per connection; `key` names the kind of warning.
void ConnectionGate::warnAtMostEveryMinute(const char* key, const std::string& what) {
  const auto now = Clock::now();
  auto it = last_warned_.find(key);
  if (it != last_warned_.end() && now - it->second < std::chrono::minutes(1)) {
    log().debug(what);
    return;
  }
  last_warned_[key] = now;
  log().warning(what);
}

}  // namespace vc::http
