// The phone task's script (issue 15, item 6), table by table: the letter's own words without
// letterhead, address, date or sign-off; the checks before the call; the voicemail line (or never
// one); discretion; Welsh letters.

#include <catch2/catch.hpp>

#include "domain/phone_script.h"
#include "domain/text_lines.h"

using namespace vc::domain;  // NOLINT

namespace {

const char* kEnglish =
    "Crown Prosecution Service\n\nVictim Liaison Unit, CPS South West\n1 Example Plaza\nZZ90 1AA\n"
    "Phone: 01632 960900\n\nOur reference: 52PH0100126/l-3\nDate: 6 April 2026\n\n"
    "Mx Sam Example\n1 Example Street\nZZ1 1AA\n\n"
    "Dear Mx Example,\n\n"
    "Our decision not to charge\n==========================\n\n"
    "I am writing to tell you our decision.\n\n"
    "Contact us\n----------\n\n"
    "- your Victim Liaison Officer, on 01632 960101\n- the unit, on 01632 960900\n\n"
    "Yours sincerely,\n\nAda Prosecutor\nProsecutor, Crown Prosecution Service\n";

const char* kWelsh =
    "Gwasanaeth Erlyn y Goron\nCrown Prosecution Service\n\nDyddiad: 6 Ebrill 2026\nDate: 6 April 2026\n\n"
    "Mx Sam Example\n\n"
    "Annwyl Mx Example,\n\nEin penderfyniad\n================\n\nRwy'n ysgrifennu atoch.\n\n"
    "Yn gywir,\n\nAda Prosecutor\nErlynydd\n\n----------------------------------------\n\n"
    "Fersiwn Saesneg / English version\n\n"
    "Dear Mx Example,\n\nOur decision\n============\n\nI am writing to you.\n\n"
    "Yours sincerely,\n\nAda Prosecutor\nProsecutor\n";

PhoneScriptInput input(const std::string& text = kEnglish) {
  PhoneScriptInput in;
  in.letter_text = text;
  in.recipient_name = "Mx Sam Example";
  in.recipient_role = "the victim";
  in.number = "07700 900111";
  in.callback_phone = "01632 960900";
  return in;
}

bool anyContains(const std::vector<std::string>& lines, const std::string& what) {
  for (const auto& l : lines)
    if (l.find(what) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("What to say is the letter's own paragraphs, without letterhead, address, date or sign-off",
          "[phone_script]") {
  struct Row {
    std::string text;
    std::vector<ScriptSection> want;
  };
  const std::vector<Row> rows = {
      {kEnglish,
       {{"en",
         {"Our decision not to charge", "I am writing to tell you our decision.", "Contact us",
          "- your Victim Liaison Officer, on 01632 960101\n- the unit, on 01632 960900"}}}},
      // Welsh first, then English; the divider and "English version" line between them are not said.
      {kWelsh, {{"cy", {"Ein penderfyniad", "Rwy'n ysgrifennu atoch."}}, {"en", {"Our decision", "I am writing to you."}}}},
      // A parent's letter keeps the line saying on whose behalf.
      {"Dear Ms Parent,\n\nWe are writing to you as the parent or guardian of Mia Example.\n\nNews.\n\nYours sincerely,\n\nX\n",
       {{"en", {"We are writing to you as the parent or guardian of Mia Example.", "News."}}}},
      // CRLF line ends are read the same.
      {"Head\r\n\r\nDear Sam,\r\n\r\nOne.\r\n\r\nYours sincerely,\r\n", {{"en", {"One."}}}},
      // No salutation (a template that changed its shape): every paragraph, so nothing is lost.
      {"One.\n\nTwo.\n", {{"en", {"One.", "Two."}}}},
      {"", {}},
  };
  for (const auto& row : rows) {
    INFO(row.text);
    const auto got = letterWords(row.text);
    REQUIRE(got.size() == row.want.size());
    for (size_t i = 0; i < got.size(); ++i) {
      CHECK(got[i].language == row.want[i].language);
      CHECK(got[i].paragraphs == row.want[i].paragraphs);
    }
  }
}

TEST_CASE("The checks before the call: only the recorded number, the right person, a safe time", "[phone_script]") {
  const PhoneScript s = phoneScript(input());
  CHECK(anyContains(s.before_the_call, "Call only the number on the record for the victim: 07700 900111"));
  CHECK(anyContains(s.before_the_call, "ask to speak to Mx Sam Example"));
  CHECK(anyContains(s.before_the_call, "Before you say anything about the case, check you are speaking to them"));
  CHECK(anyContains(s.before_the_call, "safe time to talk"));
  CHECK(anyContains(s.after_the_call, "Record the call"));
  CHECK(anyContains(s.after_the_call, "call attempt"));
  const std::string text = s.text();
  CHECK(text.find("BEFORE AND AT THE START OF THE CALL") == 0);
  CHECK(text.find("WHAT TO SAY\n\nOur decision not to charge\n\nI am writing") != std::string::npos);
  CHECK(text.find("Yours sincerely") == std::string::npos);
  CHECK(text.find("1 Example Street") == std::string::npos);
  CHECK(text.find("Date: 6 April") == std::string::npos);

  PhoneScriptInput none = input();
  none.number = "";
  CHECK(anyContains(phoneScript(none).before_the_call, "No phone number is recorded for the victim"));
}

TEST_CASE("Voicemail: never a message when it is not safe; otherwise neutral, and discreet names no CPS",
          "[phone_script]") {
  struct Row {
    bool voicemail_safe, discreet;
    bool leave;
    std::vector<std::string> has, lacks;
  };
  const std::vector<Row> rows = {
      {true, false, true, {"a message for Mx Sam Example", "Crown Prosecution Service", "01632 960900"}, {"charge", "decision"}},
      {true, true, true, {"a message for Mx Sam Example", "01632 960900"}, {"Crown Prosecution", "CPS", "charge", "Victim Liaison"}},
      {false, false, false, {}, {}},
      {false, true, false, {}, {}},
  };
  for (const auto& row : rows) {
    INFO("voicemail safe " << row.voicemail_safe << ", discreet " << row.discreet);
    PhoneScriptInput in = input();
    in.voicemail_safe = row.voicemail_safe;
    in.discreet = row.discreet;
    const PhoneScript s = phoneScript(in);
    CHECK(s.leave_voicemail == row.leave);
    for (const auto& h : row.has) CHECK(s.voicemail.find(h) != std::string::npos);
    for (const auto& l : row.lacks) CHECK(s.voicemail.find(l) == std::string::npos);
    if (!row.leave) {
      CHECK(s.voicemail.empty());
      CHECK(anyContains(s.before_the_call, "never leave a message"));
      CHECK(s.text().find("Never leave a message.") != std::string::npos);
      CHECK(s.text().find("this is a message for") == std::string::npos);
    }
    CHECK(anyContains(s.before_the_call, "name neither the Crown Prosecution Service nor the offence") == row.discreet);
  }
}

TEST_CASE("A Welsh letter's script: English framing, the Welsh to say first, then the English", "[phone_script]") {
  PhoneScriptInput in = input(kWelsh);
  in.welsh = true;
  const PhoneScript s = phoneScript(in);
  REQUIRE(s.what_to_say.size() == 2);
  CHECK(s.what_to_say[0].language == "cy");
  CHECK(anyContains(s.before_the_call, "Offer to speak in Welsh"));
  const std::string text = s.text();
  CHECK(text.find("WHAT TO SAY (Welsh)") < text.find("WHAT TO SAY (English)"));
  CHECK(text.find("Fersiwn Saesneg") == std::string::npos);
  CHECK(text.find("Yn gywir") == std::string::npos);
}

TEST_CASE("Text splits into lines at LF or CRLF, keeping empty lines and a last line without an end",
          "[domain][text]") {
  using V = std::vector<std::string_view>;
  CHECK(splitLines("") == V{""});
  CHECK(splitLines("one") == V{"one"});
  CHECK(splitLines("one\n") == V{"one", ""});
  CHECK(splitLines("one\r\ntwo\n\nthree") == V{"one", "two", "", "three"});
  CHECK(splitLines("a\rb\r\n") == V{"a\rb", ""});  // a lone CR is not a line end
}
