#include "domain/phone_script.h"

#include "domain/text_lines.h"

namespace vc::domain {

namespace {

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

bool startsWith(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

// A heading's underline (=== or ---) or a divider line: not words to say.
bool ruleLine(const std::string& line) {
  const std::string t = trim(line);
  return t.size() >= 3 && t.find_first_not_of(t[0] == '=' ? "=" : "-") == std::string::npos &&
         (t[0] == '=' || t[0] == '-');
}

// Blocks of text separated by blank lines, each without its rule lines; empty blocks dropped.
std::vector<std::string> blocks(const std::string& text) {
  std::vector<std::string> out;
  std::string current;
  auto finish = [&] {
    const std::string t = trim(current);
    if (!t.empty()) out.push_back(t);
    current.clear();
  };
  for (std::string_view view : splitLines(text)) {
    const std::string line(view);
    if (trim(line).empty()) {
      finish();
    } else if (!ruleLine(line)) {
      current += (current.empty() ? "" : "\n") + line;
    }
  }
  finish();
  return out;
}

// "Dear Mx Example," or "Annwyl Mx Example,": the language of the half it opens, else "".
std::string salutation(const std::string& block) {
  if (block.find('\n') != std::string::npos || block.empty() || block.back() != ',') return "";
  if (startsWith(block, "Dear ")) return "en";
  if (startsWith(block, "Annwyl ")) return "cy";
  return "";
}

bool signOff(const std::string& block) { return startsWith(block, "Yours sincerely") || startsWith(block, "Yn gywir"); }

}  // namespace

std::vector<ScriptSection> letterWords(const std::string& letter_text) {
  const std::vector<std::string> all = blocks(letter_text);
  std::vector<ScriptSection> out;
  bool inside = false;
  for (const auto& b : all) {
    const std::string lang = salutation(b);
    if (!lang.empty()) {
      out.push_back({lang, {}});
      inside = true;
    } else if (inside && signOff(b)) {
      inside = false;
    } else if (inside) {
      out.back().paragraphs.push_back(b);
    }
  }
  if (out.empty() && !all.empty()) out.push_back({"en", all});
  return out;
}

PhoneScript phoneScript(const PhoneScriptInput& in) {
  PhoneScript s;
  const std::string who = in.recipient_role.empty() ? std::string("the victim") : in.recipient_role;
  const std::string name = in.recipient_name.empty() ? who : in.recipient_name;
  auto& before = s.before_the_call;
  if (in.number.empty())
    before.push_back("No phone number is recorded for " + who +
                     ". Do not call a number from anywhere else: wait until one is recorded.");
  else
    before.push_back("Call only the number on the record for " + who + ": " + in.number +
                     ". Do not use a number from anywhere else.");
  before.push_back("When someone answers, give only your first name and ask to speak to " + name +
                   ". Before you say anything about the case, check you are speaking to them (for example, ask "
                   "them to confirm their date of birth or postcode).");
  before.push_back("If it is not them, do not say why you are calling" +
                   std::string(in.discreet ? " or where you are calling from" : "") + ".");
  before.push_back("Ask whether it is a safe time to talk and whether anyone else can hear. If it is not, ask when "
                   "would be safe, and end the call.");
  if (in.discreet)
    before.push_back("They asked for discretion: name neither the Crown Prosecution Service nor the offence to "
                     "anyone but them.");
  s.leave_voicemail = in.voicemail_safe;
  if (in.voicemail_safe) {
    s.voicemail = "Hello, this is a message for " + name + ". " +
                  (in.discreet ? std::string() : "I am calling from the Crown Prosecution Service. ") +
                  (in.callback_phone.empty() ? std::string("We will call you again soon.")
                                             : "Please call us back on " + in.callback_phone + ".") +
                  " Thank you.";
    before.push_back("If nobody answers, you may leave the voicemail message below, and nothing more.");
  } else {
    before.push_back("Voicemail is not safe for this person. If nobody answers, never leave a message: end the call "
                     "and record the attempt.");
  }
  if (in.welsh)
    before.push_back("The letter is in Welsh and English. Offer to speak in Welsh (or arrange a Welsh speaker): "
                     "what to say is the letter's Welsh, then its English.");
  before.push_back("Say you are calling instead of writing, then say what follows. Stop for questions, and check "
                   "they have understood.");
  s.what_to_say = letterWords(in.letter_text);
  s.after_the_call = {
      "Record the call on this letter (\"Record that the victim was told another way\", by phone): when you "
      "called, who you spoke to and what you told them. Do not put the phone number in the note. This completes "
      "the deadline; the letter is not sent.",
      "If nobody answered, or it was not a safe time, record a call attempt instead. The letter stays open, so "
      "you can call again.",
      "If they asked for anything (a meeting, a review, a copy another way), record it and act on it as you would "
      "a reply to a letter."};
  return s;
}

std::string PhoneScript::text() const {
  std::string out = "BEFORE AND AT THE START OF THE CALL\n\n";
  for (const auto& l : before_the_call) out += "- " + l + "\n";
  out += "\nVOICEMAIL\n\n";
  out += leave_voicemail ? voicemail + "\n" : std::string("Never leave a message.\n");
  for (const auto& section : what_to_say) {
    out += std::string("\nWHAT TO SAY") + (section.language == "cy" ? " (Welsh)" : what_to_say.size() > 1 ? " (English)" : "") +
           "\n";
    for (const auto& p : section.paragraphs) out += "\n" + p + "\n";
  }
  out += "\nAFTER THE CALL\n\n";
  for (const auto& l : after_the_call) out += "- " + l + "\n";
  return out;
}

}  // namespace vc::domain
