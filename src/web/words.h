#pragma once
// The names people use for the service's codes: a rule ("Decision not to
// prosecute", not VCL-NFA) and a kind of event ("Victims' Right to Review
// requested", not vrr.requested). One table each, here and nowhere else: the
// pages, charts and tables read them, and a code is never shown to a person in
// their place (CSV downloads may carry the code in a column of its own).
// Stateless; thread-safe.

#include <string>

namespace vc::web {

// The rule's name, from the rule book (docs/rules.md section 3) in the words officers use; a rule
// this table does not know is given `fallback` (the rule book's own title), else its code.
std::string ruleName(const std::string& rule_id, const std::string& fallback = "");

// What happened, for an event type ("hearing.listed" -> "Hearing listed"); an unknown type is
// made readable from its code.
std::string eventName(const std::string& event_type);

}  // namespace vc::web
