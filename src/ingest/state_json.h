#pragma once
// JSON forms of derived state, written once at ingest and stored, so every
// reader shows the same thing. Stateless.

#include <string>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include "domain/engine.h"

namespace vc::ingest {

Poco::JSON::Array::Ptr reasonsJson(const std::vector<domain::EnhancedReason>& reasons);
Poco::JSON::Object::Ptr obligationJson(const domain::Obligation& o);
// A meeting, with its offers' and deadline's obligations as they stand in `derived`.
Poco::JSON::Object::Ptr meetingJson(const domain::Meeting& m, const domain::CaseDerivation& derived);
std::string toText(const Poco::JSON::Object::Ptr& o);
std::string toText(const Poco::JSON::Array::Ptr& a);

}  // namespace vc::ingest
