#include "http/connection.h"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <Poco/Exception.h>
#include <Poco/Net/StreamSocketImpl.h>
#include <Poco/Timespan.h>

namespace vc::http {

// A stream socket that reads the carry before the network, and waits for the
// network no longer than the read deadline (nor than its own receive timeout,
// which Poco's session sets and the request handler's 413 drain shortens).
class CarrySocketImpl : public Poco::Net::StreamSocketImpl {
 public:
  explicit CarrySocketImpl(poco_socket_t fd) : StreamSocketImpl(fd) {}

  using StreamSocketImpl::receiveBytes;
  int receiveBytes(void* buffer, int length, int flags) override {
    if (length <= 0) return 0;
    if (!carry.empty()) {
      const size_t n = std::min(carry.size(), static_cast<size_t>(length));
      std::memcpy(buffer, carry.data(), n);
      if (!(flags & MSG_PEEK)) carry.erase(0, n);
      return static_cast<int>(n);
    }
    waitUntilReadable();
    return StreamSocketImpl::receiveBytes(buffer, length, flags);
  }

  int available() override { return static_cast<int>(carry.size()) + StreamSocketImpl::available(); }

  void setReceiveTimeout(const Poco::Timespan& timeout) override {
    StreamSocketImpl::setReceiveTimeout(timeout);
    receive_timeout_ = timeout;
  }

  std::string carry;
  std::optional<Clock::time_point> deadline;
  bool deadline_passed = false;

 protected:
  ~CarrySocketImpl() override = default;

 private:
  void waitUntilReadable() {
    if (!deadline) return;
    const auto left = std::chrono::duration_cast<std::chrono::microseconds>(*deadline - Clock::now());
    Poco::Timespan wait(std::max<long long>(left.count(), 0));
    bool waiting_for_deadline = true;
    if (receive_timeout_.totalMicroseconds() > 0 && receive_timeout_ < wait) {
      wait = receive_timeout_;
      waiting_for_deadline = false;
    }
    if (wait.totalMicroseconds() > 0 && poll(wait, SELECT_READ)) return;
    if (waiting_for_deadline) {
      deadline_passed = true;
      throw Poco::TimeoutException("the request did not arrive by its deadline");
    }
    throw Poco::TimeoutException("nothing arrived within the receive timeout");
  }

  Poco::Timespan receive_timeout_;
};

Connection::Connection(int fd, std::string client)
    : impl_(new CarrySocketImpl(fd)), socket_(impl_), client_(std::move(client)) {}

Connection::~Connection() {
  try {
    socket_.close();
  } catch (...) {
    // already closed, or the client reset it: nothing left to release
  }
}

int Connection::fd() const { return static_cast<int>(impl_->sockfd()); }

Connection::ReadAhead Connection::readAhead(size_t max_carry) {
  std::string& carry = impl_->carry;
  if (carry.size() >= max_carry) return ReadAhead::kNothing;
  char buf[16384];
  const size_t want = std::min(sizeof buf, max_carry - carry.size());
  const ssize_t n = ::recv(fd(), buf, want, MSG_DONTWAIT);
  if (n > 0) {
    carry.append(buf, static_cast<size_t>(n));
    return ReadAhead::kData;
  }
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return ReadAhead::kNothing;
  return ReadAhead::kClosed;
}

bool Connection::hasWholeHead() {
  std::string& carry = impl_->carry;
  const size_t start = carry.find_first_not_of("\r\n");
  carry.erase(0, start == std::string::npos ? carry.size() : start);
  // A head ends with an empty line; Poco's parser, like RFC 9112, accepts a bare LF as a line end.
  return carry.find("\n\r\n") != std::string::npos || carry.find("\n\n") != std::string::npos;
}

size_t Connection::carried() const { return impl_->carry.size(); }

void Connection::setReadDeadline(std::optional<Clock::time_point> deadline) {
  impl_->deadline = deadline;
  impl_->deadline_passed = false;
}

void Connection::unread(const char* data, size_t size) { impl_->carry.insert(0, data, size); }

void Connection::shutdownNow() { ::shutdown(fd(), SHUT_RDWR); }

bool readDeadlinePassed(Poco::Net::StreamSocket& socket) {
  const auto* impl = dynamic_cast<const CarrySocketImpl*>(socket.impl());
  return impl && impl->deadline_passed;
}

}  // namespace vc::http
