#pragma once
// The one place that maps errors to HTTP: status, and the JSON error body
// {"error": {"code", "message", "index"?, "field"?, "correlation_id"?}}.

#include <string>

#include "common/error.h"
#include "http/request.h"

namespace vc::http {

int statusFor(Error::Kind kind);
Response errorResponse(const Error& error);
// For anything unexpected: logs the detail under a new correlation id and
// answers 500 with that id only, so nothing internal leaks.
Response internalErrorResponse(const std::string& detail);

}  // namespace vc::http
