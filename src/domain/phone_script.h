#pragma once
// The script for a phone task (issue 15, item 6): a letter whose channel is `phone` is not sent but
// read to the victim (or their parent, guardian or family spokesperson) by a VLU officer. The script
// says what to check before and at the start of the call, the voicemail line (or never to leave one),
// what to say (the letter's own paragraphs, taken from its stored plain text, without the letterhead,
// address block, date and sign-off), and how to record the call. The framing lines are English (the
// officer reads them); what to say is the letter as rendered, so a Welsh letter gives the Welsh, then
// the English. Pure: no I/O; thread-safe.

#include <string>
#include <vector>

namespace vc::domain {

struct PhoneScriptInput {
  std::string letter_text;     // the letter's stored plain text (its `text` rendering)
  std::string recipient_name;  // who to speak to, as the letter names them ("Mx Sam Example")
  std::string recipient_role;  // "the victim" | "the victim's parent or guardian" | "the family spokesperson"
  std::string number;          // the phone number on the record ("": none recorded)
  std::string callback_phone;  // the unit's number, for a voicemail ("": none)
  bool voicemail_safe = true;  // contact_safety.voicemail
  bool discreet = false;       // contact_safety.discreet: the voicemail names neither the CPS nor the unit
  bool welsh = false;          // the letter is bilingual, Welsh first
};

// One language half of the letter, as the officer says it: paragraphs in order (a heading is a
// paragraph of its own; a list keeps one item a line).
struct ScriptSection {
  std::string language;  // en | cy
  std::vector<std::string> paragraphs;
};

struct PhoneScript {
  std::vector<std::string> before_the_call;  // checks before and at the start of the call
  bool leave_voicemail = false;              // false: never leave a message
  std::string voicemail;                     // the message to leave ("" when none may be left)
  std::vector<ScriptSection> what_to_say;
  std::vector<std::string> after_the_call;   // how to record it
  std::string text() const;                  // the whole script as plain text
};

// The letter's own words: from each salutation ("Dear ...," / "Annwyl ...,") to its sign-off
// ("Yours sincerely," / "Yn gywir,"), both left out, headings without their underlines. Text before
// the first salutation (letterhead, reference, date, address block, an attached translation or Easy
// Read text) and after a sign-off (the signature) is not said. A text with no salutation gives one
// section of every paragraph.
std::vector<ScriptSection> letterWords(const std::string& letter_text);

PhoneScript phoneScript(const PhoneScriptInput& in);

}  // namespace vc::domain
