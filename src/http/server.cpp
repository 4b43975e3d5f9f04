#include "http/server.h"

#include <cerrno>
#include <istream>

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/ThreadPool.h>
#include <Poco/URI.h>

#include "common/correlation.h"
#include "common/error.h"
#include "http/error_response.h"

namespace vc::http {
namespace {

// On every response, API and pages alike; a handler may override one (a static
// asset may be cached; a letter's print preview may be framed by our own page).
// Nothing personal is cached; no script but our own files runs; no other site
// may frame a page or learn from a Referer which page linked to it.
void setSecurityHeaders(Poco::Net::HTTPServerResponse& out) {
  out.set("Cache-Control", "no-store");
  out.set("X-Content-Type-Options", "nosniff");
  out.set("Content-Security-Policy",
          "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; "
          "connect-src 'self'; frame-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
  out.set("X-Frame-Options", "DENY");
  out.set("Referrer-Policy", "no-referrer");
  out.set("Cross-Origin-Opener-Policy", "same-origin");
  out.set("Cross-Origin-Resource-Policy", "same-origin");
  out.set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()");
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
    }
    out.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(res.status));
    out.setContentType(res.content_type);
    setSecurityHeaders(out);
    out.set("X-Correlation-Id", correlation_id);
    for (const auto& [name, value] : res.headers) out.set(name, value);
    if (res.status == 401 && res.content_type == "application/json") out.set("WWW-Authenticate", "Bearer");
    out.setContentLength(static_cast<std::streamsize>(res.body.size()));
    if (in.getMethod() == "HEAD") {
      out.send();
    } else {
      out.send() << res.body;
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
    Poco::URI uri(in.getURI());
    // Keep the path encoded: the router decodes each segment, so a URN with "/" sent as %2F still matches.
    const std::string& raw = in.getURI();
    req.path = raw.substr(0, raw.find_first_of("?#"));
    req.target = raw.substr(0, raw.find('#'));
    for (const auto& [k, v] : uri.getQueryParameters()) req.query[k] = v;
    req.content_type = in.getContentType();
    req.authorization = in.get("Authorization", "");
    req.cookie = in.get("Cookie", "");
    req.csrf_header = in.get("X-CSRF-Token", "");
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
    return req;
  }

  Error tooLarge() const {
    return Error(Error::Kind::kPayloadTooLarge, "payload_too_large",
                 "the body is larger than the limit of " + std::to_string(max_body_) + " bytes (http.max_body_bytes)");
  }

  const Router& router_;
  size_t max_body_;
};

class HandlerFactory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  HandlerFactory(const Router& router, size_t max_body) : router_(router), max_body_(max_body) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
    return new RequestHandler(router_, max_body_);  // Poco owns and deletes it
  }

 private:
  const Router& router_;
  size_t max_body_;
};

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

}  // namespace

HttpServer::HttpServer(const Router& router, ServerOptions options) {
  Poco::Net::ServerSocket socket = listenOn(options);
  port_ = socket.address().port();
  threads_ = std::make_unique<Poco::ThreadPool>(2, options.threads);
  auto* params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(options.threads);
  params->setMaxQueued(256);
  params->setKeepAlive(true);
  server_ = std::make_unique<Poco::Net::HTTPServer>(new HandlerFactory(router, options.max_body_bytes), *threads_,
                                                    socket, params);
}

HttpServer::~HttpServer() { stop(); }

void HttpServer::start() {
  server_->start();
  running_ = true;
}

void HttpServer::stop() {
  if (!running_) return;
  running_ = false;
  // Abort keep-alive connections and wait for handlers: toolchain.md gotcha 1.
  server_->stopAll(true);
  threads_->joinAll();
}

}  // namespace vc::http
