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
#include <optional>
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

// A national support service a letter may point its reader to (letters.support_services_file).
struct SupportService {
  std::string id;
  std::string name, name_cy;
  std::string about_en, about_cy;  // one plain sentence (or two) on who it helps
  std::string phone, hours_en, hours_cy, web;
  std::vector<std::string> offences;  // shown only when the case has one of these; empty: every case
  int min_age = -1, max_age = -1;     // the victim's age on the letter's date, inclusive; -1: no limit
  bool bereaved_only = false;         // only for a bereaved reader (an injured survivor of a homicide is not)
};
using SupportServices = std::vector<SupportService>;

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
  const SupportServices* support = nullptr;       // the configured services (null: none)
  bool welsh_area = false;                        // the Area is in letters.welsh_areas: bilingual unless the
                                                  // victim stated a language
  std::map<std::string, std::string> fields;      // the officer's edits: editableFields()
  std::string free_text;                          // the officer's own paragraph(s)
  // When the trigger extended another obligation (vrr.extended moves VRR-OUT): its new due
  // date, as the engine stored it (the letter service reads it; nothing here recomputes it).
  std::optional<domain::Date> extended_due_by;
};

// The timeline's event types whose bodies a letter reads beyond id, type and victim_id (deceased,
// decision, charges, a hearing's kind, date and court, a review's decision, a discontinuance's scope).
// The letter service parses only these and gives every other event as timelineStub(): parsing each
// case's whole history for every letter was a sixth of an import's drafting (issue 16,
// docs/benchmarks.md). A letter that reads another field of a timeline event adds its type here; a test
// builds every sample both ways.
bool timelineBodyRead(const std::string& type);
// What a letter reads of any other timeline event: its id, type, case_urn, victim_id (when it names one)
// and occurred_at.
Poco::JSON::Object::Ptr timelineStub(const std::string& id, const std::string& type, const std::string& case_urn,
                                     const std::string& victim_id, const std::string& occurred_at);

// Something the letter needs before it can be approved.
struct BlockedItem {
  std::string code;     // postal_address | email_address | vlu_contact | reasons | charges | prosecutor | vrr_outcome |
                        // extended_date | representative | reviewer | next_step | deceased | previous_charges |
                        // needs_translation | needs_easy_read | welsh_text | unsafe_channel | phone_number | field:<path>
  std::string message;  // plain English, with what supplies it
};

struct LetterContext {
  rendering::Value data;
  std::vector<BlockedItem> blocked_by;
  std::string language;         // en | cy
  std::string channel;          // post | email | phone (a phone task: read to the recipient, never sent)
  std::string recipient_email;  // for the email channel
  std::string recipient_phone;  // for the phone channel: the number on the record
};

// The fields an officer may edit (PUT fields.<name>): the reasons paragraph;
// for Welsh letters the Welsh reasons and free text (reasons_cy, free_text_cy:
// shown in English until given, and the letter is blocked (welsh_text) until
// they are); for a victim with a communication need, the translation
// (translation, translation_language) or the Easy Read text (easy_read_text),
// printed before the English letter, which stays for the record;
// for a review's outcome, the reviewer's name and the next step when they are
// missing from vrr.decided; for altered charges, the charges now and before
// (one charge a line) when the events do not list them; the channel (post,
// email or phone: a phone task) when the officer sends it another way than the victim's preferred one
// (a channel that is not safe for the victim blocks the letter: unsafe_channel).
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

// Which channels are safe for the victim (profile `contact_safety`, events.md v1.1): each channel is safe
// unless stated false; post is also unsafe when the suspect may share the address. `discreet`: nothing
// others can see (envelope, letterhead, email sender and subject) names the CPS or the offence.
struct ContactSafety {
  bool post = true, email = true, phone = true, voicemail = true;
  bool suspect_shares_address = false;
  bool discreet = false;
  bool postSafe() const { return post && !suspect_shares_address; }
  bool safe(const std::string& channel) const;  // post | email | phone | voicemail
  std::vector<std::string> safeChannels() const;  // in that order
};
ContactSafety contactSafety(const Poco::JSON::Object::Ptr& profile);

// Who a phone task calls: the letter's recipient (the victim, or the representative events.md names), and
// the number on the record (the victim's `phone`; events.md gives a representative none, so "").
struct PhoneContact {
  std::string name;    // as the letter names them ("Mx Sam Example")
  std::string role;    // the victim | the victim's parent or guardian | the family spokesperson
  std::string number;  // "" when none is recorded
};
PhoneContact phoneContact(const Poco::JSON::Object::Ptr& profile);

LetterContext buildLetterContext(const LetterInputs& in, const domain::WorkingDayCalendar& calendar);

// Synthetic inputs for a kind and language, with every optional part filled
// (fictional people, ZZ postcodes, example.org addresses, Ofcom drama numbers).
// `variant` ("" for the default) picks another branch of a letter (a review's stage, a bereaved
// reader, a child ...); throws std::invalid_argument for a variant sampleVariants(kind) does not list.
LetterInputs sampleInputs(const std::string& kind, const std::string& language, const std::string& variant = "");
// Every variant, with what it shows (for `render --help`).
const std::map<std::string, std::string>& sampleVariants();
// The variants sampleInputs knows for a kind.
std::vector<std::string> sampleVariants(const std::string& kind);
// The built-in synthetic support services the sample uses when no file is given (every field filled).
const SupportServices& sampleSupportServices();
// The services a reader gets: those whose offences and ages fit (age < 0: not known, taken as an adult).
std::vector<const SupportService*> servicesFor(const SupportServices& all, const std::vector<std::string>& offences,
                                               int age, bool bereaved = false);
// The shape every template is checked against: the sample context with every field and list filled.
rendering::Value letterContextSchema(const domain::WorkingDayCalendar& calendar);

// Splits text into paragraphs at blank lines; single line breaks become spaces.
std::vector<std::string> paragraphs(const std::string& text);

}  // namespace vc::letters
