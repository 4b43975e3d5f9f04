// Hostile and slow clients (issue 13): the real daemon on a loopback port,
// driven through raw sockets so a test can send exactly what an attacker
// would: nothing at all, a header line a second, a body that stalls, more
// connections than allowed. Linux routes all of 127.0.0.0/8 to loopback, so a
// client may bind a source address such as 127.0.0.2 to look like another
// client to the per-client cap.
//
// Each daemon here has its own deadlines and caps (short ones, so the tests
// are quick); each TEST_CASE starts and stops its own.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/String.h>
#include <Poco/StreamCopier.h>

#include "http/server.h"
#include "support/test_daemon.h"

using namespace vc;  // NOLINT
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

using testing::DaemonOptions;
using testing::TestDaemon;

struct RawReply {
  int status = 0;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;

  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

// One client connection, as raw as an attacker's: bytes out, bytes in, no HTTP library in between.
class RawClient {
 public:
  explicit RawClient(uint16_t port, const std::string& source = "127.0.0.1")
      : socket_(Poco::Net::SocketAddress::IPv4) {
    socket_.impl()->bind(Poco::Net::SocketAddress(source, 0), false);
    socket_.connect(Poco::Net::SocketAddress("127.0.0.1", port), Poco::Timespan(2, 0));
  }

  void send(const std::string& bytes) { socket_.sendBytes(bytes.data(), static_cast<int>(bytes.size())); }

  // One whole response (head and Content-Length body), or nothing if it did not come within `timeout`.
  std::optional<RawReply> reply(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos)
      if (!fill(deadline)) return std::nullopt;
    RawReply r;
    const std::string head = buf_.substr(0, end);
    size_t line_end = head.find("\r\n");
    const std::string status_line = head.substr(0, line_end);
    if (status_line.rfind("HTTP/1.", 0) != 0 || status_line.size() < 12) return std::nullopt;
    r.status = std::stoi(status_line.substr(9, 3));
    while (line_end != std::string::npos) {
      const size_t start = line_end + 2;
      line_end = head.find("\r\n", start);
      const std::string line = head.substr(start, line_end == std::string::npos ? std::string::npos : line_end - start);
      const size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      r.headers[Poco::toLower(line.substr(0, colon))] = Poco::trim(line.substr(colon + 1));
    }
    const size_t length = r.headers.count("content-length") ? std::stoul(r.headers["content-length"]) : 0;
    while (buf_.size() < end + 4 + length)
      if (!fill(deadline)) return std::nullopt;
    r.body = buf_.substr(end + 4, length);
    buf_.erase(0, end + 4 + length);
    return r;
  }

  // True if the server closes the connection (end of stream or a reset) within `timeout`, sending nothing more.
  bool closedWithin(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (!eof_ && buf_.empty() && fill(deadline)) {
    }
    return eof_ && buf_.empty();
  }

  // True if nothing has arrived and the server has not closed the connection.
  bool quietAndOpen() {
    fill(Clock::now() + 50ms);
    return buf_.empty() && !eof_;
  }

  uint16_t localPort() { return socket_.address().port(); }

 private:
  // Reads what is there, waiting until `deadline` for something; false if nothing came (or the stream ended).
  bool fill(Clock::time_point deadline) {
    if (eof_) return false;
    const auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - Clock::now());
    if (left.count() <= 0 || !socket_.poll(Poco::Timespan(left.count()), Poco::Net::Socket::SELECT_READ)) return false;
    char chunk[4096];
    int n = 0;
    try {
      n = socket_.receiveBytes(chunk, sizeof chunk);
    } catch (const Poco::Net::ConnectionResetException&) {
      n = 0;
    }
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    buf_.append(chunk, static_cast<size_t>(n));
    return true;
  }

  Poco::Net::StreamSocket socket_;
  std::string buf_;
  bool eof_ = false;
};

std::string get(const std::string& target, const std::string& token = "", bool close = false) {
  std::string r = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  if (!token.empty()) r += "Authorization: Bearer " + token + "\r\n";
  if (close) r += "Connection: close\r\n";
  return r + "\r\n";
}

long long msSince(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

// A GET through Poco's own client on a fresh connection from 127.0.0.1, and how long the answer took.
struct TimedReply {
  int status = 0;
  std::string body;
  long long ms = 0;
};
TimedReply timedGet(uint16_t port, const std::string& target, const std::string& token = "") {
  const auto start = Clock::now();
  Poco::Net::HTTPClientSession session("127.0.0.1", port);
  session.setTimeout(Poco::Timespan(3, 0));  // long enough to see a hang fail, short enough not to wait for one
  Poco::Net::HTTPRequest req("GET", target, Poco::Net::HTTPMessage::HTTP_1_1);
  if (!token.empty()) req.set("Authorization", "Bearer " + token);
  TimedReply r;
  try {
    session.sendRequest(req);
    Poco::Net::HTTPResponse res;
    std::istream& in = session.receiveResponse(res);
    r.status = static_cast<int>(res.getStatus());
    Poco::StreamCopier::copyToString(in, r.body);
  } catch (const Poco::Exception& e) {
    r.body = e.displayText();  // a timeout: status stays 0
  }
  r.ms = msSince(start);
  return r;
}

void requireUnavailable(const std::optional<RawReply>& r) {
  REQUIRE(r);
  INFO(r->status << " " << r->body);
  CHECK(r->status == 503);
  CHECK(!r->header("retry-after").empty());
  CHECK(Poco::toLower(r->header("connection")) == "close");
  CHECK(r->header("content-type") == "application/json");
  CHECK(r->body.find(R"({"error":{"code":"unavailable","message":")") == 0);
}

}  // namespace

TEST_CASE("while 64 idle, slow-header and idle keep-alive connections are held, the daemon answers others within a second",
          "[http][connections]") {
  DaemonOptions o;
  o.threads = 4;
  o.header_timeout_seconds = 10;  // longer than the test: every held connection stays held
  o.keepalive_idle_seconds = 10;
  o.max_connections = 100;
  o.max_connections_per_client = 16;
  TestDaemon d(o);
  const uint16_t port = d.port();
  // 64 connections from 127.0.0.2 to 127.0.0.9, eight from each: under the per-client cap, as 8 clients would be.
  auto source = [](int i) { return "127.0.0." + std::to_string(2 + i % 8); };

  // 21 keep-alive connections that made one request and then went quiet (each once held a worker for good).
  std::vector<std::unique_ptr<RawClient>> kept_alive, idle, slow;
  for (int i = 0; i < 21; ++i) {
    kept_alive.push_back(std::make_unique<RawClient>(port, source(i)));
    kept_alive.back()->send(get("/healthz"));
    auto r = kept_alive.back()->reply(2s);
    INFO("keep-alive connection " << i);
    REQUIRE(r);
    REQUIRE(r->status == 200);
  }
  // 22 that send nothing at all.
  for (int i = 21; i < 43; ++i) idle.push_back(std::make_unique<RawClient>(port, source(i)));
  // 21 that send a request line, then one header line a second (each read is prompt; the head never ends).
  for (int i = 43; i < 64; ++i) {
    slow.push_back(std::make_unique<RawClient>(port, source(i)));
    slow.back()->send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n");
  }
  std::atomic<bool> dripping{true};
  std::thread drip([&] {
    for (int n = 0; dripping; ++n) {
      for (auto& c : slow) c->send("X-Slow-" + std::to_string(n) + ": a line a second\r\n");
      for (int t = 0; t < 10 && dripping; ++t) std::this_thread::sleep_for(100ms);
    }
  });
  struct Join {
    std::atomic<bool>& flag;
    std::thread& t;
    ~Join() {
      flag = false;
      if (t.joinable()) t.join();
    }
  } join{dripping, drip};
  std::this_thread::sleep_for(1200ms);  // at least one header line from each slow client has arrived

  const TimedReply health = timedGet(port, "/healthz");
  INFO("GET /healthz: " << health.status << " in " << health.ms << " ms: " << health.body);
  CHECK(health.status == 200);
  CHECK(health.ms < 1000);
  const TimedReply letters = timedGet(port, "/api/v1/letters", d.vlu);
  INFO("GET /api/v1/letters: " << letters.status << " in " << letters.ms << " ms");
  CHECK(letters.status == 200);
  CHECK(letters.ms < 1000);

  // They were held, not dropped: each kind still works once its client goes on.
  for (auto& c : idle) CHECK(c->quietAndOpen());
  for (auto& c : slow) CHECK(c->quietAndOpen());
  dripping = false;
  drip.join();
  for (auto& c : slow) c->send("\r\n");
  for (auto& c : slow) {
    auto r = c->reply(2s);
    REQUIRE(r);
    CHECK(r->status == 200);
  }
  kept_alive.front()->send(get("/healthz"));
  auto again = kept_alive.front()->reply(2s);
  REQUIRE(again);
  CHECK(again->status == 200);
}

TEST_CASE("a connection beyond the per-client cap, or beyond the overall cap, is answered 503 at once",
          "[http][connections]") {
  DaemonOptions o;
  o.max_connections = 12;
  o.max_connections_per_client = 4;
  TestDaemon d(o);
  const uint16_t port = d.port();
  std::vector<std::unique_ptr<RawClient>> held;
  for (int i = 0; i < 4; ++i) held.push_back(std::make_unique<RawClient>(port, "127.0.0.2"));

  SECTION("a fifth connection from one address is refused; another address is still served") {
    RawClient fifth(port, "127.0.0.2");
    fifth.send(get("/healthz"));
    requireUnavailable(fifth.reply(1s));  // at once: the others have sent nothing, and never will
    CHECK(fifth.closedWithin(1s));

    RawClient other(port, "127.0.0.3");
    other.send(get("/healthz"));
    auto ok = other.reply(2s);
    REQUIRE(ok);
    CHECK(ok->status == 200);
  }

  SECTION("once all clients together hold the cap, a new client is refused until one closes") {
    for (int i = 0; i < 4; ++i) held.push_back(std::make_unique<RawClient>(port, "127.0.0.3"));
    for (int i = 0; i < 4; ++i) held.push_back(std::make_unique<RawClient>(port, "127.0.0.4"));
    RawClient newcomer(port, "127.0.0.5");
    newcomer.send(get("/healthz"));
    requireUnavailable(newcomer.reply(1s));
    CHECK(newcomer.closedWithin(1s));

    held.pop_back();  // one client goes away: its place is free again (once the server has seen it close)
    std::optional<RawReply> r;
    for (int attempt = 0; attempt < 20; ++attempt) {
      RawClient retry(port, "127.0.0.5");
      retry.send(get("/healthz", "", true));
      r = retry.reply(1s);
      if (r && r->status == 200) break;
      std::this_thread::sleep_for(50ms);
    }
    REQUIRE(r);
    CHECK(r->status == 200);
  }
}

TEST_CASE("a request head or body that misses its deadline is answered 408 and closed, and an idle keep-alive connection is closed",
          "[http][connections]") {
  DaemonOptions o;
  o.header_timeout_seconds = 1;
  o.keepalive_idle_seconds = 1;
  o.body_timeout_seconds = 1;
  TestDaemon d(o);
  const uint16_t port = d.port();

  SECTION("a header line every 300 ms: every read is prompt, the whole head is late") {
    RawClient c(port);
    const auto start = Clock::now();
    c.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    std::optional<RawReply> r;
    for (int n = 0; n < 10 && !r; ++n) {
      try {
        c.send("X-Slow-" + std::to_string(n) + ": drip\r\n");
      } catch (const Poco::Exception&) {
        // the server has answered and closed: read what it said
      }
      r = c.reply(300ms);
    }
    REQUIRE(r);
    CHECK(r->status == 408);
    CHECK(Poco::toLower(r->header("connection")) == "close");
    CHECK(r->body.find(R"({"error":{"code":"request_timeout")") == 0);
    CHECK(msSince(start) >= 900);
    CHECK(msSince(start) < 2500);
    CHECK(c.closedWithin(1s));
  }

  SECTION("a connection that sends nothing") {
    RawClient c(port);
    auto r = c.reply(2500ms);
    REQUIRE(r);
    CHECK(r->status == 408);
    CHECK(c.closedWithin(1s));
  }

  SECTION("a body that stalls half way") {
    RawClient c(port);
    const auto start = Clock::now();
    c.send("POST /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + d.ingest +
           "\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n[{\"id\":");
    auto r = c.reply(2500ms);
    REQUIRE(r);
    INFO(r->body);
    CHECK(r->status == 408);
    CHECK(r->body.find(R"({"error":{"code":"request_timeout")") == 0);
    CHECK(msSince(start) >= 900);
    CHECK(c.closedWithin(1s));
  }

  SECTION("a keep-alive connection with no next request") {
    RawClient c(port);
    c.send(get("/healthz"));
    auto r = c.reply(1s);
    REQUIRE(r);
    REQUIRE(r->status == 200);
    CHECK(Poco::toLower(r->header("connection")) == "keep-alive");
    const auto start = Clock::now();
    CHECK(c.closedWithin(2500ms));
    CHECK(msSince(start) >= 800);
  }
}

TEST_CASE("a request head longer than 16 KiB is 431, and one that is not HTTP is 400, each at once and closed",
          "[http][connections]") {
  TestDaemon d;
  const uint16_t port = d.port();

  SECTION("a head longer than 16 KiB") {
    RawClient c(port);
    c.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + std::string(17 * 1024, 'a') + "\r\n");
    auto r = c.reply(1s);
    REQUIRE(r);
    CHECK(r->status == 431);
    CHECK(r->body.find(R"({"error":{"code":"headers_too_large")") == 0);
    CHECK(c.closedWithin(1s));
  }

  SECTION("a whole head that is not HTTP") {
    RawClient c(port);
    c.send("HELLO THERE\r\n\r\n");
    auto r = c.reply(1s);
    REQUIRE(r);
    CHECK(r->status == 400);
    CHECK(r->body.find(R"({"error":{"code":"invalid_request")") == 0);
    CHECK(c.closedWithin(1s));
  }
}

TEST_CASE("pipelined requests are all answered, and a keep-alive client keeps its connection", "[http][connections]") {
  TestDaemon d;
  const uint16_t port = d.port();

  SECTION("two GETs in one packet") {
    RawClient c(port);
    c.send(get("/healthz") + get("/api/v1/letters", d.vlu));
    auto first = c.reply(2s);
    auto second = c.reply(2s);
    REQUIRE(first);
    REQUIRE(second);
    CHECK(first->status == 200);
    CHECK(first->body == R"({"status":"ok"})");
    CHECK(second->status == 200);
    CHECK(second->body.find(R"("items":)") != std::string::npos);
  }

  SECTION("a POST with a body, then a GET, in one packet; then another request on the same connection") {
    RawClient c(port);
    const std::string body = "[]";
    c.send("POST /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + d.ingest +
           "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body +
           get("/healthz"));
    auto first = c.reply(2s);
    auto second = c.reply(2s);
    REQUIRE(first);
    REQUIRE(second);
    CHECK(first->status < 500);
    CHECK(second->status == 200);
    CHECK(second->body == R"({"status":"ok"})");
    std::this_thread::sleep_for(200ms);  // the connection now waits in the server for its next request
    c.send(get("/healthz", "", true));
    auto third = c.reply(2s);
    REQUIRE(third);
    CHECK(third->status == 200);
    CHECK(c.closedWithin(1s));
  }

  SECTION("Poco's HTTPClientSession reuses one connection for five requests") {
    Poco::Net::HTTPClientSession session("127.0.0.1", port);
    session.setKeepAlive(true);
    session.setTimeout(Poco::Timespan(3, 0));
    uint16_t local_port = 0;
    for (int i = 0; i < 5; ++i) {
      Poco::Net::HTTPRequest req("GET", i % 2 ? "/api/v1/letters" : "/healthz", Poco::Net::HTTPMessage::HTTP_1_1);
      req.setKeepAlive(true);
      req.set("Authorization", "Bearer " + d.vlu);
      session.sendRequest(req);
      Poco::Net::HTTPResponse res;
      std::string body;
      Poco::StreamCopier::copyToString(session.receiveResponse(res), body);
      CHECK(res.getStatus() == Poco::Net::HTTPResponse::HTTP_OK);
      CHECK(res.getKeepAlive());
      if (i == 0) local_port = session.socket().address().port();
      CHECK(session.socket().address().port() == local_port);  // the same connection, not a new one
    }
  }
}

TEST_CASE("stopping the server closes the connections it holds at once", "[http][connections]") {
  auto d = std::make_unique<TestDaemon>();
  const uint16_t port = d->port();
  RawClient idle(port);
  RawClient kept(port);
  kept.send(get("/healthz"));
  REQUIRE(kept.reply(2s));
  const auto start = Clock::now();
  d.reset();
  CHECK(msSince(start) < 1000);
  CHECK(idle.closedWithin(1s));
  CHECK(kept.closedWithin(1s));
}

TEST_CASE("a second server on a port already in use fails at once, naming the address and port", "[http][connections]") {
  TestDaemon d;
  http::ServerOptions o;
  o.bind = "127.0.0.1";
  o.port = d.port();
  std::string message;
  try {
    http::HttpServer second(d.front.router, o);
  } catch (const std::exception& e) {
    message = e.what();
  }
  INFO(message);
  CHECK(message.find("127.0.0.1:" + std::to_string(d.port())) != std::string::npos);
  CHECK(message.find("in use") != std::string::npos);
}
