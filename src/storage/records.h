#pragma once
// What the store keeps, row by row. JSON-valued columns are kept as text
// and handed over as text; the HTTP layer embeds them.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vc::storage {

struct EventRow {
  int64_t seq = 0;
  std::string id, type, case_urn, victim_id, occurred_at, local_date, received_at, body;
};

struct CaseRow {
  std::string urn, area, unit, details, registered_event;
};

struct VictimRow {
  std::string victim_id, case_urn;
  bool enhanced = false;
  std::string reasons;  // JSON array
  std::string profile;  // JSON object: personal data
  std::string isva_id;
  bool consent_to_share = false;
  std::string opted_out;  // JSON array
};

struct EntitlementChangeRow {
  std::string victim_id, event_id, date;
  bool from_enhanced = false, to_enhanced = false;
  std::string reasons;  // JSON array
};

struct ObligationRow {
  std::string id, rule, policy, basis, kind, victim_id, case_urn, area, trigger_event, tier, due_by, status,
      completed_at;
  std::string body;  // JSON object: the whole obligation, explanation included
  int64_t created_n = 0;
};

struct ObligationFilter {
  std::string status;  // pending | met | late | waived | cancelled | breached | open
  std::string rule, victim_id, case_urn, area, basis, kind;
  std::string due_before, due_after;  // inclusive bounds, YYYY-MM-DD
  std::string today;                  // for breached/pending, YYYY-MM-DD
  std::string after_due, after_id;    // cursor: rows after (due_by, id)
  int limit = 100;
};

struct UserRow {
  int64_t id = 0;
  std::string name, role, isva_id, area, created_at;
};

}  // namespace vc::storage
