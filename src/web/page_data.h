#pragma once
// Turning the shared JSON views into what a page template reads, and the
// words people read instead of codes and timestamps. Stateless; thread-safe.

#include <string>

#include <Poco/Dynamic/Var.h>

#include "rendering/value.h"

namespace vc::web {

// Objects become maps, arrays lists, strings text, true/false yes/no, numbers
// their text; null becomes empty text (false to a section, blank when printed).
rendering::Value fromJson(const Poco::Dynamic::Var& v);

std::string displayDate(const std::string& date);  // "2026-04-07" -> "Tuesday 7 April 2026"; else as given
std::string displayTime(const std::string& rfc3339);  // -> "7 April 2026 at 14:30" (UK time); else as given
std::string humanise(const std::string& code);      // "letter_blocked" or "hearing.listed" -> "Letter blocked", "Hearing listed"
// A victim's name as people write it ("given family") from their profile's JSON; `fallback` when it has none.
std::string personName(const rendering::Value* profile, const std::string& fallback);

}  // namespace vc::web
