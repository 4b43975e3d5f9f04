#pragma once
// vc::Error: the one exception type that carries an expected failure to the
// edge (HTTP status, CLI exit). http/error_response.cpp is the only place
// that turns a Kind into an HTTP status.

#include <optional>
#include <stdexcept>
#include <string>

namespace vc {

class Error : public std::runtime_error {
 public:
  enum class Kind {
    kInvalidArgument,       // 400
    kUnauthenticated,       // 401
    kForbidden,             // 403
    kNotFound,              // 404
    kMethodNotAllowed,      // 405
    kRequestTimeout,        // 408: the request did not arrive in time (http.*_timeout_seconds)
    kConflict,              // 409
    kPayloadTooLarge,       // 413
    kUnsupportedMediaType,  // 415
    kTooManyRequests,       // 429
    kHeadersTooLarge,       // 431: a request head over the server's limit
    kUnavailable,           // 503
    kInternal,              // 500
  };

  Error(Kind kind, std::string code, const std::string& message, std::optional<size_t> index = std::nullopt,
        std::string field = {})
      : std::runtime_error(message), kind_(kind), code_(std::move(code)), index_(index), field_(std::move(field)) {}

  Kind kind() const { return kind_; }
  const std::string& code() const { return code_; }
  const std::optional<size_t>& index() const { return index_; }
  const std::string& field() const { return field_; }

 private:
  Kind kind_;
  std::string code_;
  std::optional<size_t> index_;
  std::string field_;
};

}  // namespace vc
