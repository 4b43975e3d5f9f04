#pragma once
// Catch2 checks on the daemon's HTTP replies, shared by the suites that drive it.

#include <catch2/catch.hpp>

#include <Poco/JSON/Object.h>

#include "support/test_daemon.h"

namespace vc::testing {

// The reply's JSON object; the test stops (showing status and body) unless it is a 200.
inline Poco::JSON::Object::Ptr ok(const Reply& r) {
  INFO(r.status << ": " << r.body);
  REQUIRE(r.status == 200);
  return r.object();
}

// The error object of a refused request; the test stops unless the status is `status`, and checks the code.
inline Poco::JSON::Object::Ptr error(const Reply& r, int status, const std::string& code) {
  INFO(r.status << ": " << r.body);
  REQUIRE(r.status == status);
  Poco::JSON::Object::Ptr e = r.object()->getObject("error");
  REQUIRE(e);
  CHECK(e->getValue<std::string>("code") == code);
  return e;
}

}  // namespace vc::testing
