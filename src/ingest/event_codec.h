#pragma once
// Turns one JSON event (events.md) into a domain Event, checking every field
// the contract names. Structural checks only: whether the case or victim
// exists is the Ingestor's business. Stateless; thread-safe.

#include <string>

#include <Poco/JSON/Object.h>

#include "domain/event.h"

namespace vc::ingest {

struct DecodedEvent {
  domain::Event event;
  std::string canonical_json;  // sorted keys, no whitespace: what "same content" compares
  Poco::JSON::Object::Ptr json;
};

// Throws vc::Error(kInvalidArgument, "invalid_event") whose message starts
// with "events[<index>].<field>: " and which carries the index and field.
DecodedEvent decodeEvent(const Poco::Dynamic::Var& value, size_t index);

// Re-reads an event that was stored after it passed decodeEvent.
DecodedEvent decodeStoredEvent(const std::string& canonical_json);

// Ids of events the daemon records itself (e.g. "sys:letter-sent:l-7") start
// with this; integrations may not use it.
constexpr const char* kSystemEventIdPrefix = "sys:";

// The victim-profile fields an event may carry (victim.registered/updated).
extern const char* const kVictimProfileFields[];

}  // namespace vc::ingest
