#pragma once
// Turning the shared JSON views into what a page template reads, and the
// words people read instead of codes and timestamps. Stateless; thread-safe.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <Poco/Dynamic/Var.h>

#include "domain/date.h"

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

// A form's mistakes, shown the GOV.UK way by one shared pair of partials: `partials/error_summary`
// (at the top of the page, each message a link to its field) and `partials/field_error` (the inline
// message, in the context of `errors.<key>`). into() also sets `error_title`, the layout's "Error: ".
class FormErrors {
 public:
  // `key` names the field in the template (errors.<key>); `anchor` is the id of the box the summary
  // links to (the key itself, or for a date the day box, "from-day").
  void add(const std::string& key, const std::string& message, const std::string& anchor = "");
  bool any() const { return !items_.empty(); }
  bool has(const std::string& key) const;
  // One field's error for the template ({id, message}), or false when the field is right.
  rendering::Value field(const std::string& key) const;
  // Sets error_title, has_errors, error_summary ([{href, message}]) and errors ({key: {id, message}}).
  void into(rendering::Value& page) const;

 private:
  struct Item {
    std::string key, message, anchor;
  };
  std::vector<Item> items_;
};

// A date typed in a GOV.UK date input (`<name>-day`, `<name>-month`, `<name>-year`), read as people type
// it ("1" or "01", a month as a number or a name), or from the single `<name>` parameter links and the
// API use ("2026-12-31"; "31/12/2026" too). A mistake is added to `errors` under `name`.
struct DateField {
  std::string day, month, year;  // as typed (or as the single parameter gave them), for the boxes
  std::optional<domain::Date> date;  // empty when nothing was given or it was not a real date
};
DateField readDateField(const std::function<std::string(const std::string&)>& param, const std::string& name,
                        const std::string& label, FormErrors& errors);
// The partial `date_input`'s data for one date: name, legend, the boxes' values and the field's error.
rendering::Value dateInput(const DateField& f, const std::string& name, const std::string& legend,
                           const FormErrors& errors);

}  // namespace vc::web
