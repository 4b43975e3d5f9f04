#pragma once
// What a letter may say: the context a letter template is rendered with,
// built from what the store holds about the case (the victim's profile, the
// case, the event that triggered the letter, the case's timeline, the ISVA,
// the Area's Victim Liaison Unit) and the officer's edits. It also says what
// is missing for the letter to go out (blocked_by).
//
// Every field is always present (empty text, false, an empty list), so the
// shape of the context does not depend on the data; optional groups (the
// prosecutor, the first hearing, ...) are lists of none or one. The sample
// context fills everything, and is the schema templates are checked against.
// Stateless functions; thread-safe.

#include <map>
#include <string>
#include <vector>

#include <Poco/JSON/Object.h>

#include "domain/calendar.h"
#include "domain/date.h"
#include "rendering/value.h"

namespace vc::letters {

// The Victim Liaison Unit of one CPS Area, as its letters show it.
struct VluContact {
  std::string name;     // "Victim Liaison Unit, CPS South West"
  std::string name_cy;  // the Welsh name, if it has one
  std::string phone, email;
  std::vector<std::string> address;  // lines, postcode last
};
using VluContacts = std::map<std::string, VluContact>;  // by Area

struct LetterInputs {
  std::string letter_id;  // "l-7"
  std::string kind;       // the template, e.g. "decision_not_to_prosecute"
  std::string victim_id;
  std::string case_urn;
  std::string area;
  bool victim_enhanced = false;  // entitled to Enhanced Rights
  bool victim_under_18 = false;  // from the victim's entitlement reasons
  domain::Date letter_date;      // the date the letter carries
  Poco::JSON::Object::Ptr profile;                // the victim's stored profile
  Poco::JSON::Object::Ptr case_details;           // the case's stored details
  Poco::JSON::Object::Ptr trigger;                // the event that created the obligation
  std::vector<Poco::JSON::Object::Ptr> timeline;  // the case's events in the order received
  Poco::JSON::Object::Ptr isva;                   // null when no ISVA is assigned
  const VluContact* vlu = nullptr;                // null when the Area has no entry
  bool welsh_area = false;                        // the Area is in letters.welsh_areas: bilingual unless the
                                                  // victim stated a language
  std::map<std::string, std::string> fields;      // the officer's edits: editableFields()
  std::string free_text;                          // the officer's own paragraph(s)
};

// Something the letter needs before it can be approved.
struct BlockedItem {
  std::string code;     // postal_address | email_address | vlu_contact | reasons | charges | prosecutor | vrr_outcome
                        // | needs_translation | needs_easy_read | welsh_text | field:<path>
  std::string message;  // plain English, with what supplies it
};

struct LetterContext {
  rendering::Value data;
  std::vector<BlockedItem> blocked_by;
  std::string language;         // en | cy
  std::string channel;          // post | email
  std::string recipient_email;  // for the email channel
};

// The fields an officer may edit (PUT fields.<name>): the reasons paragraph;
// for Welsh letters the Welsh reasons and free text (reasons_cy, free_text_cy:
// shown in English until given, and the letter is blocked (welsh_text) until
// they are); for a victim with a communication need, the translation
// (translation, translation_language) or the Easy Read text (easy_read_text),
// printed before the English letter, which stays for the record.
const std::vector<std::string>& editableFields();

// The victim's communication needs (Victims' Code Right 1), from the profile's
// `needs`: `interpreter` is a language ("Polish", "pl") or true (language not
// recorded: "" here); `easy_read` is true or false.
struct CommunicationNeeds {
  bool interpreter = false;
  std::string language;
  bool easy_read = false;
  bool any() const { return interpreter || easy_read; }
};
CommunicationNeeds communicationNeeds(const Poco::JSON::Object::Ptr& profile);

LetterContext buildLetterContext(const LetterInputs& in, const domain::WorkingDayCalendar& calendar);

// Synthetic inputs for a kind and language, with every optional part filled
// (fictional people, ZZ postcodes, example.org addresses, Ofcom drama numbers).
// `variant` ("" for the default) picks a branch of the letter to show; see sampleVariants().
LetterInputs sampleInputs(const std::string& kind, const std::string& language, const std::string& variant = "");
// The sample's variants, with what each shows (for `render --help` and the docs).
const std::map<std::string, std::string>& sampleVariants();
// The shape every template is checked against: the sample context with every field and list filled.
rendering::Value letterContextSchema(const domain::WorkingDayCalendar& calendar);

// Splits text into paragraphs at blank lines; single line breaks become spaces.
std::vector<std::string> paragraphs(const std::string& text);

}  // namespace vc::letters
