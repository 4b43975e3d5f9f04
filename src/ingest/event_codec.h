#pragma once
// Turns one JSON event (events.md) into a domain Event, checking every field
// the contract names. Structural checks only: whether the case or victim
// exists is the Ingestor's business. Stateless; thread-safe.

#include <optional>
#include <string>

#include <Poco/JSON/Object.h>

#include "domain/event.h"

namespace vc::ingest {

struct DecodedEvent {
  domain::Event event;
  std::string canonical_json;  // sorted keys, no whitespace: what "same content" compares
  Poco::JSON::Object::Ptr json;
};

// What an event from outside may be, beyond its fields' own rules.
struct DecodeLimits {
  size_t max_event_bytes = 64 * 1024;        // the whole event as compact JSON, unknown fields included
  std::optional<domain::UnixSeconds> now;    // set: occurred_at may be at most kClockSkewSeconds after it
};
// How far an event may seem to lie in the future: the CMS's clock and ours may differ a little.
constexpr int64_t kClockSkewSeconds = 5 * 60;

// Throws vc::Error(kInvalidArgument, "invalid_event") whose message starts
// with "events[<index>].<field>: " and which carries the index and field; a
// control character in any text (but the line breaks and tabs of free text:
// reasons, notes, summaries) is one such error. An event larger than
// limits.max_event_bytes is kPayloadTooLarge ("event_too_large") with its index.
DecodedEvent decodeEvent(const Poco::Dynamic::Var& value, size_t index, const DecodeLimits& limits = {});

// Re-reads an event that was stored after it passed decodeEvent.
DecodedEvent decodeStoredEvent(const std::string& canonical_json);

// Ids of events the daemon records itself (e.g. "sys:letter-sent:l-7") start
// with this; integrations may not use it.
constexpr const char* kSystemEventIdPrefix = "sys:";

// The victim-profile fields an event may carry (victim.registered/updated).
extern const char* const kVictimProfileFields[];

}  // namespace vc::ingest
