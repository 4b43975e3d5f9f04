#include "http/error_response.h"

#include "common/correlation.h"

#include <sstream>

#include <Poco/JSON/Object.h>
#include <Poco/Logger.h>

namespace vc::http {

int statusFor(Error::Kind kind) {
  switch (kind) {
    case Error::Kind::kInvalidArgument: return 400;
    case Error::Kind::kUnauthenticated: return 401;
    case Error::Kind::kForbidden: return 403;
    case Error::Kind::kNotFound: return 404;
    case Error::Kind::kMethodNotAllowed: return 405;
    case Error::Kind::kRequestTimeout: return 408;
    case Error::Kind::kConflict: return 409;
    case Error::Kind::kPayloadTooLarge: return 413;
    case Error::Kind::kUnsupportedMediaType: return 415;
    case Error::Kind::kTooManyRequests: return 429;
    case Error::Kind::kHeadersTooLarge: return 431;
    case Error::Kind::kUnavailable: return 503;
    case Error::Kind::kInternal: return 500;
  }
  return 500;
}

namespace {

Response render(int status, const std::string& code, const std::string& message, const Error* e,
                const std::string& correlation_id) {
  Poco::JSON::Object::Ptr inner = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
  inner->set("code", code);
  inner->set("message", message);
  if (e && e->index()) inner->set("index", static_cast<Poco::UInt64>(*e->index()));
  if (e && !e->field().empty()) inner->set("field", e->field());
  if (!correlation_id.empty()) inner->set("correlation_id", correlation_id);
  Poco::JSON::Object outer;
  outer.set("error", inner);
  std::ostringstream os;
  outer.stringify(os);
  Response r;
  r.status = status;
  r.body = os.str();
  return r;
}

}  // namespace

Response errorResponse(const Error& e) {
  if (e.kind() == Error::Kind::kInternal) return internalErrorResponse(e.what());
  return render(statusFor(e.kind()), e.code(), e.what(), &e, "");
}

Response internalErrorResponse(const std::string& detail) {
  // The request's correlation id, so the reply, the log line and its audit entries match.
  const std::string id = correlationId().empty() ? newCorrelationId("err") : correlationId();
  Poco::Logger::get("vc.http").error("internal error " + id + ": " + detail);
  return render(500, "internal", "internal error; quote correlation id " + id + " to the operator", nullptr, id);
}

}  // namespace vc::http
