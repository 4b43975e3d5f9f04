#pragma once
// Pieces of a response shared by the request handler (server.cpp, which
// writes through Poco's response classes) and the connection gate
// (connection_gate.cpp, which answers on a bare socket before any request has
// been parsed): the security headers every response carries, and a whole
// error response as bytes. Stateless; thread-safe.

#include <string>
#include <utility>
#include <vector>

#include "common/error.h"

namespace vc::http {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// On every response, API and pages alike (a handler may override one).
const HeaderList& securityHeaders();

// A whole HTTP/1.1 response for `error` in the one error shape (error_response.cpp),
// with the security headers, a new X-Correlation-Id, `extra` headers and
// "Connection: close": the connection is closed after it.
std::string closingErrorReply(const Error& error, const HeaderList& extra = {});

}  // namespace vc::http
