#pragma once
// JSON forms of derived state, written once at ingest and stored, so every
// reader shows the same thing. Stateless.

#include <cstdint>
#include <string>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include "domain/engine.h"

namespace vc::ingest {

Poco::JSON::Array::Ptr reasonsJson(const std::vector<domain::EnhancedReason>& reasons);
Poco::JSON::Object::Ptr obligationJson(const domain::Obligation& o);
// toText(obligationJson(o)) byte for byte, written straight as text (no Poco tree, no Var per value): the
// Ingestor writes every changed obligation's body with it (issue 16: building the tree and writing it was a
// tenth of an import's instructions). tests/storage/json_text_test.cpp holds the two to the same bytes.
std::string obligationText(const domain::Obligation& o);
// toText(reasonsJson(reasons)), the same way.
std::string reasonsText(const std::vector<domain::EnhancedReason>& reasons);
// A meeting, with its offers' and deadline's obligations as they stand in `derived`.
Poco::JSON::Object::Ptr meetingJson(const domain::Meeting& m, const domain::CaseDerivation& derived);
// A 64-bit digest of everything obligationJson(o) writes, without building it: two obligations with
// the same digest store the same row. Cheap beside obligationJson + toText (no JSON, no ostream), so a
// derivation builds JSON only for obligations that changed. Keep it reading every field obligationJson reads.
uint64_t obligationDigest(const domain::Obligation& o);
// FNV-1a over some text, for comparing rows already built (victims, meetings).
uint64_t textDigest(const std::string& text, uint64_t seed = 1469598103934665603ull);
std::string toText(const Poco::JSON::Object::Ptr& o);
std::string toText(const Poco::JSON::Array::Ptr& a);

}  // namespace vc::ingest
