#include "http/server.h"

#include <sys/resource.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <deque>
#include <istream>
#include <mutex>
#include <optional>
#include <set>
#include <vector>

#include <Poco/Buffer.h>
#include <Poco/Logger.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/HTTPServerResponseImpl.h>
#include <Poco/Net/HTTPServerSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Thread.h>
#include <Poco/Timestamp.h>

#include "common/correlation.h"
#include "common/error.h"
#include "http/connection.h"
#include "http/connection_gate.h"
#include "http/error_response.h"
#include "http/form.h"
#include "http/raw_reply.h"

namespace vc::http {
namespace {

// On every response, API and pages alike; a handler may override one (a static
// asset may be cached; a letter's print view allows its own inline print CSS).
void setSecurityHeaders(Poco::Net::HTTPServerResponse& out) {
  for (const auto& [name, value] : securityHeaders()) out.set(name, value);
}

class RequestHandler : public Poco::Net::HTTPRequestHandler {
 public:
  RequestHandler(const Router& router, size_t max_body) : router_(router), max_body_(max_body) {}

  void handleRequest(Poco::Net::HTTPServerRequest& in, Poco::Net::HTTPServerResponse& out) override {
    // Everything this request records (audit entries, a 500's log line) carries one id, echoed to the caller.
    const std::string correlation_id = correlationIdFor(in);
    CorrelationScope scope(correlation_id);
    Response res;
    try {
      Request req = read(in);
      res = router_.route(req);
    } catch (const Error& e) {
      res = errorResponse(e);
    } catch (const Poco::Exception& e) {
      res = internalErrorResponse(e.displayText());
    } catch (const std::exception& e) {
      res = internalErrorResponse(e.what());
    }
    if (res.status == 413) {
      // Read (and drop) what the client is still sending, up to a cap, so it gets the 413
      // rather than a reset; then close, since the connection's framing can't be trusted.
      drain(in);
      out.setKeepAlive(false);
    } else if (res.status == 408) {
      out.setKeepAlive(false);  // the rest of a late body may still come: the framing is lost
    }
    out.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(res.status));
    out.setContentType(res.content_type);
    setSecurityHeaders(out);
    out.set("X-Correlation-Id", correlation_id);
    for (const auto& [name, value] : res.headers) out.set(name, value);
    if (res.status == 401 && res.content_type == "application/json") out.set("WWW-Authenticate", "Bearer");
    out.setContentLength(static_cast<std::streamsize>(res.body.size()));
    if (in.getMethod() == "HEAD" || res.body.empty()) {
      out.send();
    } else {
      // The head, then the whole body in one write (through send()'s stream it went in 4 KB pieces, one
      // system call each: a victim's record or a page of letters is 10-60 KB).
      out.sendBuffer(res.body.data(), res.body.size());
    }
  }

 private:
  // A caller's own X-Request-Id is kept if it is short and plain (so the CMS can match its logs); else a new one.
  static std::string correlationIdFor(const Poco::Net::HTTPServerRequest& in) {
    const std::string given = in.get("X-Request-Id", "");
    const bool plain = !given.empty() && given.size() <= 64 &&
                       given.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-") ==
                           std::string::npos;
    return plain ? given : newCorrelationId("req");
  }

  // At most 64 MiB, and never waiting more than a second for the next piece:
  // a client that holds its body back still gets its answer promptly.
  static void drain(Poco::Net::HTTPServerRequest& in) {
    if (auto* impl = dynamic_cast<Poco::Net::HTTPServerRequestImpl*>(&in))
      impl->socket().setReceiveTimeout(Poco::Timespan(1, 0));
    try {
      std::istream& body = in.stream();
      char buf[16384];
      size_t total = 0;
      while (total < (64u << 20) && (body.read(buf, sizeof buf) || body.gcount() > 0))
        total += static_cast<size_t>(body.gcount());
    } catch (const Poco::Exception&) {
      // a timeout or a reset: the connection is closed next anyway
    }
  }

  Request read(Poco::Net::HTTPServerRequest& in) {
    Request req;
    req.method = in.getMethod();
    // Keep the path encoded: the router decodes each segment, so a URN with "/" sent as %2F still matches.
    RequestTarget target = parseRequestTarget(in.getURI());
    req.path = std::move(target.path);
    req.target = std::move(target.target);
    req.query = std::move(target.query);
    req.content_type = in.getContentType();
    req.authorization = in.get("Authorization", "");
    req.cookie = in.get("Cookie", "");
    req.csrf_header = in.get("X-CSRF-Token", "");
    req.client_address = in.clientAddress().host().toString();
    if (in.hasContentLength() && in.getContentLength64() > static_cast<Poco::Int64>(max_body_))
      throw tooLarge();
    // Without Content-Length or chunked encoding an HTTP/1.1 request has no body (RFC 9112 6.3);
    // Poco would read a POST until the client closes, which a client awaiting the answer never does.
    if (!in.hasContentLength() && !in.getChunkedTransferEncoding()) return req;
    std::istream& body = in.stream();
    char buf[16384];
    while (body.read(buf, sizeof buf) || body.gcount() > 0) {
      req.body.append(buf, static_cast<size_t>(body.gcount()));
      if (req.body.size() > max_body_) throw tooLarge();
    }
    // The stream fails (rather than ends) when a read throws: the body missed its deadline,
    // its chunked encoding is broken, or the connection failed. Never route half a body.
    if (body.bad()) throw unfinishedBody(in);
    return req;
  }

  static Error unfinishedBody(Poco::Net::HTTPServerRequest& in) {
    auto* impl = dynamic_cast<Poco::Net::HTTPServerRequestImpl*>(&in);
    if (impl && readDeadlinePassed(impl->socket()))
      return Error(Error::Kind::kRequestTimeout, "request_timeout",
                   "the request body did not all arrive in time (http.body_timeout_seconds)");
    return Error(Error::Kind::kInvalidArgument, "invalid_body",
                 "the request body could not be read to its end (broken chunked encoding, or the connection failed)");
  }

  Error tooLarge() const {
    return Error(Error::Kind::kPayloadTooLarge, "payload_too_large",
                 "the body is larger than the limit of " + std::to_string(max_body_) + " bytes (http.max_body_bytes)");
  }

  const Router& router_;
  size_t max_body_;
};

}  // namespace

// ---- The server: listener, gate, ready queue, workers --------------------------

struct HttpServer::Impl {
  Impl(const Router& r, ServerOptions o, Poco::Net::ServerSocket listener)
      : router(r), options(std::move(o)), params(new Poco::Net::HTTPServerParams) {
    params->setKeepAlive(options.keepalive_idle.count() > 0);
    // The receive timeout Poco's session sets on the socket; the body deadline is the real bound.
    params->setTimeout(Poco::Timespan(std::chrono::duration_cast<std::chrono::microseconds>(options.body_timeout).count()));
    GateLimits limits;
    limits.header_timeout = options.header_timeout;
    limits.keepalive_idle = options.keepalive_idle;
    limits.send_timeout = options.body_timeout;
    limits.max_connections = options.max_connections;
    limits.max_connections_per_client = options.max_connections_per_client;
    limits.max_head_bytes = options.max_head_bytes;
    gate = std::make_unique<ConnectionGate>(std::move(listener), limits,
                                            [this](std::unique_ptr<Connection> c) { enqueue(std::move(c)); });
  }

  // On the gate thread: a connection whose whole head has arrived, for the next free worker.
  void enqueue(std::unique_ptr<Connection> connection) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      // Never while stopping (the gate is stopped first), but if so, the connection just closes.
      if (stopping) return;
      ready.push_back(std::move(connection));
    }
    ready_cv.notify_one();
  }

  // A worker thread: serve one request at a time, from any connection, until stop().
  void work() {
    for (;;) {
      std::unique_ptr<Connection> connection;
      {
        std::unique_lock<std::mutex> lock(mutex);
        ready_cv.wait(lock, [this] { return stopping || !ready.empty(); });
        if (stopping) return;
        connection = std::move(ready.front());
        ready.pop_front();
        serving.insert(connection.get());
      }
      bool keep_alive = false;
      try {
        keep_alive = exchange(*connection);
      } catch (...) {
        // exchange() catches what a request can throw; this is for what it cannot foresee
        Poco::Logger::get("vc.http").error("a connection failed unexpectedly; closed");
      }
      {
        std::lock_guard<std::mutex> lock(mutex);
        serving.erase(connection.get());
      }
      gate->giveBack(std::move(connection), keep_alive);
    }
  }

  // One request and its response, as Poco's HTTPServerConnection::run does it,
  // but for one request only. Returns true to keep the connection for another.
  bool exchange(Connection& connection) {
    connection.setReadDeadline(Clock::now() + options.body_timeout);
    Poco::Net::HTTPServerSession session(connection.socket(), params);
    bool keep_alive = false;
    try {
      // The response is destroyed (its buffered body written) before the session is inspected below.
      Poco::Net::HTTPServerResponseImpl response(session);
      try {
        Poco::Net::HTTPServerRequestImpl request(response, session, params.get());  // the head: in the carry
        response.setDate(Poco::Timestamp());
        response.setVersion(request.getVersion());
        response.setKeepAlive(params->getKeepAlive() && request.getKeepAlive() && !stopping);
        if (request.getExpectContinue() && response.getStatus() == Poco::Net::HTTPResponse::HTTP_OK)
          response.sendContinue();
        RequestHandler handler(router, options.max_body_bytes);
        handler.handleRequest(request, response);
        keep_alive = response.getKeepAlive();
      } catch (const Poco::Net::MessageException&) {
        // A head Poco cannot parse (bad request line, too many or too long fields).
        if (!response.sent()) {
          const std::string reply = closingErrorReply(Error(Error::Kind::kInvalidArgument, "invalid_request",
                                                            "the request line or headers are malformed"));
          connection.socket().sendBytes(reply.data(), static_cast<int>(reply.size()));
        }
        keep_alive = false;
      }
    } catch (const Poco::Exception& e) {
      // The client went away, or stopped reading our answer: nothing more to say to it.
      Poco::Logger::get("vc.http").debug("connection from " + connection.client() + " ended: " + e.displayText());
      keep_alive = false;
    } catch (const std::exception& e) {
      // The handler answers its own errors; this is something else (out of memory): close.
      Poco::Logger::get("vc.http").error("connection from " + connection.client() + " failed: " + e.what());
      keep_alive = false;
    }
    if (session.networkException()) keep_alive = false;
    // What the session read past this request (a pipelined next one) goes back in front of the carry,
    // and the socket goes back to the connection (a session closes the socket it holds when destroyed).
    Poco::Buffer<char> rest(0);
    session.drainBuffer(rest);
    connection.unread(rest.begin(), rest.size());
    session.detachSocket();
    connection.setReadDeadline(std::nullopt);
    return keep_alive;
  }

  // Constant after construction
  const Router& router;
  const ServerOptions options;
  Poco::Net::HTTPServerParams::Ptr params;  // set up in the constructor, then only read
  std::unique_ptr<ConnectionGate> gate;
  std::vector<std::unique_ptr<Poco::Thread>> workers;

  // Guarded by mutex. Invariant: a connection in `serving` is open, since its worker must
  // take this mutex to remove it before giving it away; so stop() may shut it down.
  std::mutex mutex;
  std::condition_variable ready_cv;
  std::deque<std::unique_ptr<Connection>> ready;  // whole head arrived, no worker yet
  std::set<Connection*> serving;                  // owned by the worker serving it
  std::atomic<bool> stopping{false};              // written under mutex; read anywhere
};

namespace {

Poco::Net::ServerSocket listenOn(const ServerOptions& options) {
  const std::string where = options.bind + ":" + std::to_string(options.port);
  try {
    Poco::Net::ServerSocket listener;
    // SO_REUSEADDR (a restart need not wait out TIME_WAIT) but not SO_REUSEPORT, which
    // Poco's ServerSocket(SocketAddress) sets: with it a second daemon would share the
    // port and the requests would be split between two stores.
    listener.bind(Poco::Net::SocketAddress(options.bind, options.port), true, false);
    listener.listen(256);
    return listener;
  } catch (const Poco::Exception& e) {
    if (e.code() == EADDRINUSE)
      throw ListenError("cannot listen on " + where +
                        ": the address is already in use (is another victim-comms running? see http.bind and http.port)");
    throw ListenError("cannot listen on " + where + ": " + e.displayText() + " (see http.bind and http.port)");
  }
}

// Each connection is a file descriptor: warn if the caps cannot all be open at once.
void checkOpenFilesLimit(const ServerOptions& options) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return;
  const rlim_t wanted = static_cast<rlim_t>(options.max_connections) + 128 + 64;  // lingering closes, the rest
  if (limit.rlim_cur < wanted)
    Poco::Logger::get("vc.http").warning(
        "the open-files limit (%lu) is below what http.max_connections = %d may need (%lu): raise it (ulimit -n, "
        "or LimitNOFILE= for systemd) or lower http.max_connections",
        static_cast<unsigned long>(limit.rlim_cur), options.max_connections, static_cast<unsigned long>(wanted));
}

}  // namespace

HttpServer::HttpServer(const Router& router, ServerOptions options) {
  Poco::Net::ServerSocket listener = listenOn(options);
  port_ = listener.address().port();
  checkOpenFilesLimit(options);
  impl_ = std::make_unique<Impl>(router, std::move(options), std::move(listener));
}

HttpServer::~HttpServer() { stop(); }

void HttpServer::start() {
  if (running_) return;
  for (int i = 0; i < impl_->options.threads; ++i) {
    auto thread = std::make_unique<Poco::Thread>("http-worker-" + std::to_string(i + 1));
    // Poco threads block SIGTERM and SIGPIPE, as ServerApplication's signal handling needs.
    thread->startFunc([this] { impl_->work(); });
    impl_->workers.push_back(std::move(thread));
  }
  impl_->gate->start();
  running_ = true;
}

void HttpServer::stop() {
  if (!running_) return;
  running_ = false;
  // 1. No new connections or requests; every connection waiting in the gate is closed.
  impl_->gate->stop();
  // 2. Queued requests are dropped; those being served are cut off, so their workers return promptly.
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    impl_->stopping = true;
    impl_->ready.clear();
    for (Connection* c : impl_->serving) c->shutdownNow();
  }
  impl_->ready_cv.notify_all();
  // 3. No handler runs after this: the services may now be destroyed (toolchain.md gotcha 1).
  for (auto& t : impl_->workers) t->join();
  impl_->workers.clear();
}

}  // namespace vc::http
