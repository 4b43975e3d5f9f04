#include "http/raw_reply.h"

#include <sstream>

#include <Poco/Net/HTTPResponse.h>
#include <Poco/Timestamp.h>

#include "common/correlation.h"
#include "http/error_response.h"

namespace vc::http {

const HeaderList& securityHeaders() {
  // Nothing personal is cached; no script but our own files runs; no other site
  // may frame a page or learn from a Referer which page linked to it.
  static const HeaderList headers = {
      {"Cache-Control", "no-store"},
      {"X-Content-Type-Options", "nosniff"},
      {"Content-Security-Policy",
       "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; "
       "connect-src 'self'; frame-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"},
      {"X-Frame-Options", "DENY"},
      {"Referrer-Policy", "no-referrer"},
      {"Cross-Origin-Opener-Policy", "same-origin"},
      {"Cross-Origin-Resource-Policy", "same-origin"},
      {"Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"},
  };
  return headers;
}

std::string closingErrorReply(const Error& error, const HeaderList& extra) {
  const Response r = errorResponse(error);
  // Poco writes the status line and headers, so these replies are formatted as every other.
  Poco::Net::HTTPResponse head(Poco::Net::HTTPMessage::HTTP_1_1,
                               static_cast<Poco::Net::HTTPResponse::HTTPStatus>(r.status));
  head.setDate(Poco::Timestamp());
  head.setContentType(r.content_type);
  head.setContentLength(static_cast<std::streamsize>(r.body.size()));
  head.setKeepAlive(false);
  for (const auto& [name, value] : securityHeaders()) head.set(name, value);
  head.set("X-Correlation-Id", newCorrelationId("req"));
  for (const auto& [name, value] : extra) head.set(name, value);
  std::ostringstream out;
  head.write(out);
  out << r.body;
  return out.str();
}

}  // namespace vc::http
