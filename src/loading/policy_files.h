#pragma once
// Reads the rule book and the working-day calendar from their JSON files.
// Throws std::runtime_error naming the file and what is wrong.

#include <string>
#include <vector>

#include "domain/calendar.h"
#include "domain/rules.h"
#include "domain/plain_english.h"
#include "letters/letter_context.h"

namespace vc::loading {

domain::WorkingDayCalendar loadCalendar(const std::string& path);

// One file holds one rule set; several files (later Codes) make the book.
domain::RuleSet loadRuleSet(const std::string& path);
domain::RuleBook loadRuleBook(const std::vector<std::string>& paths);

// Each CPS Area's Victim Liaison Unit contact (letters.contacts_file); every
// entry needs a name, phone, email and address.
letters::VluContacts loadVluContacts(const std::string& path);

// The national support services letters point to (letters.support_services_file): each needs
// an id, a name, English and Welsh 'about' text and a phone or web address; 'offences' must be
// events.md categories and the ages whole years.
letters::SupportServices loadSupportServices(const std::string& path);

// The terms inspectors flag in officers' words, each with a plain alternative, and the longest
// sentence allowed (letters.plain_english_file; see docs/letters.md).
domain::PlainEnglishRules loadPlainEnglish(const std::string& path);

}  // namespace vc::loading
