#include "web/words.h"

#include <map>

#include "web/page_data.h"

namespace vc::web {

std::string ruleName(const std::string& rule_id, const std::string& fallback) {
  // docs/rules.md section 3 (and ../shared/domain/rules.md): what each obligation is, said as a person would.
  static const std::map<std::string, std::string> kNames = {
      {"VCL-NFA", "Decision not to prosecute"},
      {"VCL-DISC", "Case stopped (discontinued)"},
      {"VCL-ALT", "Charges substantially changed"},
      {"RASSO-INTRO", "Introduction before charge (rape and serious sexual offences)"},
      {"RASSO-CHARGE", "Suspect charged (rape and serious sexual offences)"},
      {"FAM-MEET", "Offer of a meeting before the trial"},
      {"FAM-MEET-HELD", "Meeting before the trial held"},
      {"SM-MEET", "Offer of a special measures meeting"},
      {"BRV-MEET", "Offer of a meeting for a bereaved family"},
      {"BRV-MEET-HELD", "Meeting with a bereaved family held before sentence"},
      {"ISVA-NOTE", "Update to the victim's ISVA"},
      {"VRR-ACK", "Victims' Right to Review: request acknowledged"},
      {"VRR-OUT", "Victims' Right to Review: decision and outcome"},
      {"VRR-EXT", "Victims' Right to Review: will take longer"},
      {"WCU-HEARING", "Hearing details (Witness Care Unit)"},
      {"WCU-EVIDENCE", "Required to give evidence (Witness Care Unit)"},
      {"WCU-VERDICT", "Verdict (Witness Care Unit)"},
      {"WCU-SENTENCE", "Sentence (Witness Care Unit)"}};
  auto it = kNames.find(rule_id);
  if (it != kNames.end()) return it->second;
  return fallback.empty() ? rule_id : fallback;
}

std::string eventName(const std::string& event_type) {
  static const std::map<std::string, std::string> kNames = {
      {"appeal.lodged", "Appeal lodged"},
      {"case.discontinued", "Case stopped"},
      {"case.registered", "Case registered"},
      {"case.updated", "Case details changed"},
      {"charges.altered", "Charges changed"},
      {"charging.decided", "Charging decision"},
      {"charging.referred", "Sent to the CPS for a charging decision"},
      {"contact.recorded", "Contact with the victim recorded"},
      {"hearing.listed", "Hearing listed"},
      {"isva.assigned", "ISVA assigned"},
      {"isva.consent_changed", "Consent to keep the ISVA informed changed"},
      {"isva.registered", "ISVA registered"},
      {"letter.bounced", "Email bounced"},
      {"letter.returned", "Letter returned"},
      {"letter.sent", "Letter sent"},
      {"meeting.held", "Meeting held"},
      {"meeting.responded", "Meeting offer answered"},
      {"notification.sent", "Update sent to the ISVA"},
      {"notification.withheld", "Update to the ISVA not sent"},
      {"plea.entered", "Plea entered"},
      {"prosecutor.assigned", "Prosecutor assigned"},
      {"sentence.passed", "Sentence passed"},
      {"verdict.recorded", "Verdict"},
      {"victim.registered", "Victim registered"},
      {"victim.updated", "Victim's details changed"},
      {"vrr.decided", "Victims' Right to Review decided"},
      {"vrr.extended", "Victims' Right to Review will take longer"},
      {"vrr.requested", "Victims' Right to Review requested"}};
  auto it = kNames.find(event_type);
  return it == kNames.end() ? humanise(event_type) : it->second;
}

}  // namespace vc::web
