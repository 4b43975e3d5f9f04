#pragma once
// What the store keeps, row by row. JSON-valued columns are kept as text
// and handed over as text; the HTTP layer embeds them.

#include <cstdint>
#include <optional>
#include <map>
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
  // The body as stored (packObligationBody(body, *this)), made ahead by a writer that packs off its own
  // thread (ingest's derivation pipeline); empty: Store::upsertObligations packs it.
  std::string packed_body;
  // The writer knows the store holds a row with this id already (ingest's case memo): upsertObligations then
  // tries the update first. Only a hint: a row that is not there after all is still inserted.
  bool stored_already = false;
  int64_t created_n = 0;
  // From the ledger (read-only here).
  std::string latest_reason;       // JSON object of the latest reason given for a miss, or ""
  std::string at_risk_raised_at;   // when the at-risk warning for the current due date was raised, or ""
  std::string breach_detected_at;  // when the scheduler saw the current due date pass, or ""
};

// What the audit compares when an obligation is derived again.
struct ObligationState {
  std::string status, due_by, tier;
  std::string basis;  // code | service_standard: a corrected rule book may change it (rederive)
};

struct ObligationFilter {
  std::string status;  // pending | met | late | waived | cancelled | breached | open | at_risk
  std::string rule, victim_id, case_urn, area, basis, kind;
  std::string due_before, due_after;  // inclusive bounds, YYYY-MM-DD
  std::string today;                  // for breached/pending/at_risk, YYYY-MM-DD
  std::string at_risk_until;          // for at_risk: the last due date that counts, YYYY-MM-DD
  std::string after_due, after_id;    // cursor: rows after (due_by, id)
  int limit = 100;
};

// A reason given for a late or breached obligation. Append-only: a change is a new one.
struct ReasonRow {
  int64_t n = 0;
  std::string obligation_id, reason, note, outcome, recorded_by, recorded_at, correlation_id;
};

// A letter, with what the review queue shows of its obligation.
struct LetterRow {
  int64_t n = 0;  // the letter's id is "l-<n>"
  std::string obligation_id, kind, language, channel, state;
  int version = 0;
  std::string letter_date;  // YYYY-MM-DD the current version carries
  std::string blocked_by;   // JSON array of {"code", "message"}
  std::string last_edited_by;  // the person who made the last edit ("" if only the system has written it)
  std::string fields;          // JSON object: the officer's field edits
  std::string free_text, context_hash, template_version, policy, recipient_email, html, text, note;
  std::string created_at, updated_at, approved_by, approved_at, sent_at;
  // From the obligation (read-only here).
  std::string rule, victim_id, case_urn, area, due_by, obligation_status;
  std::string delivery_state;  // the latest outbox message's state, "" before approval
  std::string delivery_status;  // its domain::deliveryStatus ("accepted", "returned", ...), "" before approval

  std::string id() const { return "l-" + std::to_string(n); }
};

struct LetterVersionRow {
  int version = 0;
  std::string at, author, why, language, channel, letter_date, blocked_by, fields, free_text, context_hash,
      template_version, policy, html, text;
};

struct LetterHistoryRow {
  std::string at, actor, action, from_state, to_state;
  int version = 0;
  std::string note;
};

struct LetterFilter {
  std::vector<std::string> states;  // empty: every state
  std::string rule, area, victim_id, case_urn;
  std::string delivery_state;       // e.g. "dead": letters whose delivery needs a person
  std::string delivery_status;      // e.g. "returned", "sending" (a domain::deliveryStatus)
  bool communication_need = false;  // only letters blocked by needs_translation or needs_easy_read
  bool unsafe_channel = false;      // only letters blocked by unsafe_channel
  bool phone_task = false;          // only letters whose channel is phone
  std::vector<std::string> cases;   // any of these cases (empty: all)
  std::string due_from, due_to;     // only letters due on or after / on or before these dates ("": open)
  std::string after_due;            // cursor: rows after (due_by, n)
  int64_t after_n = 0;
  bool backwards = false;           // the rows at or before the cursor instead, latest first (a page back)
  int limit = 100;
  bool with_content = false;        // html and text too
};

// Which letters the queue's counts are of (LetterStore::countLetters): one Area, victim or case ("" for
// any), and the dates and cursor the counts are split by.
struct LetterCountScope {
  std::string area, victim_id, case_urn;
  std::string today, next_working_day;  // due before today, on it, after it up to this date, or later
  std::string cursor_due;               // "" for none: else rows at or before (cursor_due, cursor_n) are marked
  int64_t cursor_n = 0;
};

// How many letters share all of these (one row of LetterStore::countLetters' grouped answer).
struct LetterCount {
  enum Due { kOverdue = 0, kDueToday = 1, kDueNext = 2, kLater = 3 };
  std::string state, rule, area;
  int due = kLater;
  bool communication_need = false, unsafe_channel = false, phone_task = false;
  bool at_or_before_cursor = false;
  int64_t count = 0;
};

// A message waiting to go out, going out, or gone: a letter by post (the spool)
// or by email, or an ISVA notification by email. next_attempt_at is real time
// (Unix seconds), not the domain clock.
// state: queued | sending | retrying | sent | dead (out of attempts: a person must look)
//        | withheld (not sent: checked at sending, e.g. consent withdrawn) | cancelled (letter withdrawn)
struct OutboxRow {
  int64_t id = 0;
  int64_t letter_n = 0;        // exactly one of letter_n and notification_n is set
  int64_t notification_n = 0;
  std::string channel, name, recipient, subject, message_id, body_text, body_html, state;
  std::string sender_name;  // the From display name ("" for the address alone)
  int attempts = 0;
  int64_t next_attempt_at = 0;
  std::string last_error, created_at, sent_at;
  std::string area;  // read-only: the letter's or notification's CPS Area
  int64_t print_batch = 0;         // read-only: the print batch a posted letter went in (0: none)
  std::string print_confirmed_at;  // read-only: when the print room confirmed that batch ("" not yet)
  // What was heard after it left: "" | delivered | returned | bounced (see domain/delivery_status.h).
  std::string outcome, outcome_at, outcome_detail;

  std::string kind() const { return notification_n ? "notification" : "letter"; }
};

struct OutboxFilter {
  std::string state, kind, area;  // kind: letter | notification
  std::string status;             // a domain::deliveryStatus, e.g. accepted | returned
  int limit = 100;
};

// A meeting, as derived from the case's events (the body is the whole meeting as JSON).
struct MeetingRow {
  std::string id, case_urn, victim_id, area, meeting, state, held_obligation, held_due_by, body;
  int64_t opened_n = 0;
};

struct MeetingFilter {
  std::string state, meeting, case_urn, victim_id, area;
  int limit = 100;
};

// An ISVA notification: rendered once, sent automatically (no review).
// state: queued | sent | withheld | dead
struct NotificationRow {
  int64_t n = 0;  // the notification's id is "n-<n>"
  std::string obligation_id, isva_id, victim_id, case_urn, area, event_type, occurred_on, language, recipient_email,
      subject, html, text, template_version, state, note, created_at, sent_at, read_at;

  std::string id() const { return "n-" + std::to_string(n); }
};

struct NotificationFilter {
  std::string isva_id;  // one ISVA's own (the inbox); empty: everyone's (VLU view)
  bool isva_view = false;  // only what the ISVA may see: sent, or waiting while consent to them stands
  bool unread_only = false;
  std::string state, case_urn, area;
  int64_t n = 0;  // just this one
  int limit = 100;
  bool with_content = false;
};

struct UserRow {
  int64_t id = 0;
  std::string name, role, isva_id, area, created_at;
  std::string password_hash;  // "" when the user has no password (API token only)
};

// The audit log's entries, how they are asked for, and what a check of the chain found (audit_log.h).
struct AuditEntry {
  int64_t seq = 0;
  std::string at, actor, action, subject, detail, correlation_id, prev_hash, hash;
  std::string key_id;  // the key the hash was made with; "" for an entry from before the chain was keyed
};

struct AuditFilter {
  std::string actor, action, subject, correlation_id;
  std::string at_from, at_before;  // at >= at_from, at < at_before (RFC 3339 text, UTC)
  int64_t before_seq = 0;          // cursor: entries older than this one (0: from the newest)
  int limit = 100;
  // Only entries about this Area's cases, victims, obligations, letters and notifications ("": every entry).
  // Entries about nothing in an Area (sign-ins, users, the log itself) are left out.
  std::string area;
};

struct AuditVerification {
  bool ok = true;
  int64_t entries = 0;      // how many were checked
  std::string head_hash;    // the last entry's hash
  int64_t broken_seq = 0;   // the first entry that does not match (0 when ok)
  std::string problem;      // what is wrong with it, in words
  bool keyed = true;        // false: a store from before schema 7, chained with plain SHA-256 only
  int64_t unkeyed_entries = 0;  // entries from before the chain was keyed (vouched for by audit_keyed)
  // The checkpoint file: whether it was checked, and the newest head it holds.
  bool checkpoint_checked = false;
  std::string checkpoint_file;
  int64_t checkpoint_seq = 0;
  std::string checkpoint_at;
};

// What GET /metrics shows of the store: counts only, never a row's content.
struct StoreGauges {
  int64_t events = 0;
  int64_t audit_entries = 0;
  std::map<std::string, int64_t> letters_by_state;
  std::map<std::string, int64_t> outbox_by_state;
  std::string oldest_unsent_created_at;  // the oldest outbox message not yet sent nor dead ("" for none)
  struct Obligations {
    int64_t open = 0;      // pending
    int64_t at_risk = 0;   // pending, due today or by the next working day
    int64_t breached = 0;  // pending, due before today
  };
  std::map<std::string, Obligations> obligations_by_basis;
  int64_t database_bytes = 0;
};

}  // namespace vc::storage
