#include "ingest/ingestor.h"

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <iterator>
#include <future>
#include <list>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string_view>
#include <thread>
#include <unordered_map>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "common/error.h"
#include "common/json_text.h"
#include "ingest/event_codec.h"
#include "ingest/state_json.h"
#include "storage/letter_store.h"
#include "storage/obligation_body.h"
#include "storage/outbox_store.h"
#include "storage/retention_store.h"
#include "storage/store.h"

namespace vc::ingest {

using Poco::JSON::Array;
using Poco::JSON::Object;

namespace {

Error badEvent(size_t index, const std::string& field, const std::string& what) {
  return Error(Error::Kind::kInvalidArgument, "invalid_event",
               "events[" + std::to_string(index) + "]." + field + ": " + what, index, field);
}

Error conflict(size_t index, const std::string& field, const std::string& what) {
  return Error(Error::Kind::kConflict, "conflict", "events[" + std::to_string(index) + "]." + field + ": " + what,
               index, field);
}

void copyFields(const Object::Ptr& from, Object::Ptr to, const std::vector<std::string>& fields) {
  for (const auto& f : fields)
    if (from->has(f)) to->set(f, from->get(f));
}

std::vector<std::string> profileFields() {
  std::vector<std::string> out;
  for (const char* const* f = kVictimProfileFields; *f; ++f) out.emplace_back(*f);
  return out;
}

// Everything the store keeps about one case, derived from its events.
// The audit entry for one obligation's change, if it changed: created, recomputed (a new due
// date or tier), or closed (met, late, waived, cancelled). The actor is the system; the
// correlation id ties it to the request or pass whose events caused it.
void auditObligationChange(std::vector<storage::AuditEntry>& audit, const std::string& at,
                           const domain::Obligation& o, const std::optional<storage::ObligationState>& before) {
  auto entry = [&](std::string action, std::string detail) {
    storage::AuditEntry e;
    e.at = at;
    e.actor = "system";
    e.action = std::move(action);
    e.subject = "obligation:" + o.id;
    e.detail = std::move(detail);
    audit.push_back(std::move(e));
  };
  const std::string due = o.due_by.toString();
  if (!before) {
    entry("obligation_created", "rule:" + o.rule + " due_by:" + due + " tier:" + o.tier + " status:" + o.status +
                                    " trigger:" + o.trigger_event);
    return;
  }
  if (before->due_by != due || before->tier != o.tier)
    entry("obligation_recomputed", "due_by:" + before->due_by + "->" + due + " tier:" + before->tier + "->" + o.tier);
  if (before->status != o.status) {
    const bool done = o.status == "met" || o.status == "late";
    const std::string by = done                    ? o.completed_by
                           : o.status == "waived"  ? o.waived_by
                           : o.status == "pending" ? o.reopened_by
                                                   : o.cancelled_by;
    entry(done ? "obligation_completed" : o.status == "pending" ? "obligation_reopened" : "obligation_" + o.status,
          "status:" + before->status + "->" + o.status + (by.empty() ? "" : " by:" + by));
  }
}

// A closed ledger outcome: what happened is history, and no re-derivation (a later event, a corrected
// rule book or calendar) rewrites it. Cancelled is not closed: it is how a superseded duty is kept.
bool closedOutcome(const std::string& status) { return status == "met" || status == "late" || status == "waived"; }

std::string stateText(const std::string& due_by, const std::string& tier, const std::string& status) {
  return "due " + due_by + ", " + tier + ", " + status;
}

// What re-deriving a case under the current rule book would do to its stored obligations.
void planRederive(const domain::CaseDerivation& derived, const std::map<std::string, storage::ObligationState>& before,
                  RederiveResult& plan) {
  std::set<std::string> derived_ids;
  for (const auto& o : derived.obligations) {
    derived_ids.insert(o.id);
    const std::string now = stateText(o.due_by.toString(), o.tier, o.status);
    auto it = before.find(o.id);
    if (it == before.end()) {
      plan.changes.push_back({"appear", o.id, o.rule, o.victim_id, now});
      continue;
    }
    const storage::ObligationState& was = it->second;
    if (was.due_by == o.due_by.toString() && was.tier == o.tier && was.status == o.status && was.basis == o.basis)
      continue;
    std::string from = stateText(was.due_by, was.tier, was.status);
    std::string to = now;
    if (was.basis != o.basis) {
      from += ", basis " + was.basis;
      to += ", basis " + o.basis;
    }
    plan.changes.push_back({closedOutcome(was.status) ? "keep" : "change", o.id, o.rule, o.victim_id,
                            from + " -> " + to});
  }
  for (const auto& [id, was] : before) {
    if (derived_ids.count(id) || was.status == "cancelled") continue;
    const std::string rule = id.substr(0, id.find(':'));
    const std::string from = stateText(was.due_by, was.tier, was.status);
    plan.changes.push_back({closedOutcome(was.status) ? "keep" : "go", id, rule, "",
                            closedOutcome(was.status) ? from + " -> no longer created" : from});
  }
  std::set<std::string> policies;
  for (const auto& o : derived.obligations) policies.insert(o.policy);
  for (const auto& p : policies) plan.policy += (plan.policy.empty() ? "" : ",") + p;
}

}  // namespace

// The events a batch appended, by their stored body (the batch's DecodedEvents outlive it).
struct BatchEvent {
  const DecodedEvent* decoded;  // its json is the sender's tree, in the sender's key order
  bool needs_json;  // deriveAndSave copies fields from its JSON into the case's details or a profile
};

// What the Ingestor keeps of one case between batches, so a batch replays only the case's new events
// and writes only the derived rows that changed (see Ingestor::memos_ for why it can be trusted).
struct CaseMemo {
  explicit CaseMemo(const domain::Engine& engine) : replay(engine) {}
  domain::CaseReplay replay;  // every stored event up to last_seq applied, in seq order
  int64_t last_seq = 0;
  // The case's details and each victim's profile, member by member: a member's JSON text (keys sorted at
  // every level), by its key. Written as an object in key order, they are what a Poco Object (which sorts
  // its keys) holding the same values wrote.
  std::map<std::string, std::string> details;
  std::string registered_event;
  std::map<std::string, std::map<std::string, std::string>> profiles;
  // Their JSON text, made again only after an event changed them.
  std::string details_text;
  bool details_stale = true;
  std::map<std::string, std::string> profile_texts;
  std::set<std::string> profiles_stale;
  // Fresh: nothing is known of the stored derived rows, so they are read and all written (a full
  // derivation, as on the first touch after a start). Otherwise the fields below are what the store
  // holds, as this memo last wrote (or found) them.
  bool fresh = true;
  std::map<std::string, storage::ObligationState> stored;  // obligation id -> its stored state
  std::map<std::string, uint64_t> written;                 // obligation id -> obligationDigest last written
  std::map<std::string, uint64_t> victims;                 // victim id -> digest of its row and entitlement changes
  std::optional<uint64_t> meetings;                        // digest of the case's meeting rows
};

namespace {

uint64_t victimDigest(const storage::VictimRow& v, const std::vector<storage::EntitlementChangeRow>& changes) {
  uint64_t h = textDigest(v.case_urn);
  for (const std::string* t : {&v.reasons, &v.profile, &v.isva_id, &v.opted_out}) h = textDigest(*t, h);
  h = textDigest(std::string(v.enhanced ? "E" : "S") + (v.consent_to_share ? "C" : "N"), h);
  for (const auto& c : changes)
    h = textDigest(c.event_id + '\x1f' + c.date + '\x1f' + (c.from_enhanced ? 'E' : 'S') + (c.to_enhanced ? 'E' : 'S') +
                       '\x1f' + c.reasons,
                   h);
  return h;
}

uint64_t meetingsDigest(const std::vector<storage::MeetingRow>& rows) {
  uint64_t h = textDigest(std::to_string(rows.size()));
  for (const auto& r : rows)
    for (const std::string* t : {&r.id, &r.victim_id, &r.area, &r.meeting, &r.state, &r.held_obligation,
                                  &r.held_due_by, &r.body})
      h = textDigest(*t, h);
  return h;
}

// Appends `field`'s value in `from`, if it has one (null included), to `to` as JSON text with keys sorted at
// every level: `sender_order` says `from` is the sender's tree (written sorted here), else one parsed from a
// stored body, sorted already. False where the sender's tree holds a value only the long way writes the same.
bool fieldText(const Object::Ptr& from, const std::string& field, bool sender_order, std::map<std::string, std::string>& to) {
  if (!from->has(field)) return true;
  std::string text;
  if (sender_order) {
    if (!appendSortedPocoJson(text, from->get(field))) return false;
  } else {
    appendPocoJson(text, from->get(field));
  }
  to[field] = std::move(text);
  return true;
}

// An object of members held as text, in key order (as a Poco Object that sorts its keys writes them).
std::string objectText(const std::map<std::string, std::string>& members) {
  std::string out = "{";
  for (const auto& [key, value] : members) {
    if (out.size() > 1) out += ',';
    out += '"';
    appendJsonEscaped(out, key);
    out += "\":";
    out += value;
  }
  return out + "}";
}

// What the case's details and its victims' profiles take from one event's JSON. False as fieldText.
bool copyEventFields(const Object::Ptr& json, bool sender_order, const domain::Event& e, CaseMemo& memo) {
  auto copy = [&](std::map<std::string, std::string>& to, const std::vector<std::string>& fields) {
    for (const auto& f : fields)
      if (!fieldText(json, f, sender_order, to)) return false;
    return true;
  };
  if (e.type == "case.registered") {
    memo.registered_event = e.id;
    return copy(memo.details, {"area", "unit", "police_force", "offences", "offence_date", "prosecutor",
                               "victim_liaison_officer", "deceased"});
  }
  if (e.type == "case.updated") return copy(memo.details, {"deceased"});  // letters read details.deceased.name
  if (e.type == "prosecutor.assigned") {
    // The prosecutor's object with the event's email, phone and unit set in it.
    const Object::Ptr p = json->getObject("prosecutor");
    std::map<std::string, std::string> merged;
    for (auto it = p->begin(); it != p->end(); ++it)
      if (!fieldText(p, it->first, sender_order, merged)) return false;
    if (!copy(merged, {"email", "phone", "unit"})) return false;
    memo.details["prosecutor"] = objectText(merged);
    return true;
  }
  if (e.type == "victim.registered") {
    std::map<std::string, std::string> profile;
    profile["preferred_channel"] = "\"post\"";
    // No default language: unstated, a Welsh Area's letters are bilingual (letters.welsh_areas), others English.
    if (!copy(profile, profileFields())) return false;
    memo.profiles[e.victim_id] = std::move(profile);
    return true;
  }
  if (e.type == "victim.updated") return copy(memo.profiles[e.victim_id], profileFields());
  return true;
}

// Deriving a case is done in three steps, so that the middle one (the replay, the explanations, the
// packing of obligation bodies: a third of an import's CPU) can run on another thread while the writer
// reads and writes other cases on its connection (Ingestor::deriveCases):
//   readCase   (the writer's connection) arms the case and reads what it needs of the store;
//   deriveCase (no store; any thread)    replays the new events and works out the rows that changed;
//   writeCase  (the writer's connection) writes them.
// `memo` is the case's replay so far: only events stored after memo.last_seq are read and applied,
// and a row is written only if it differs from what memo says is stored. A fresh memo gives the
// full derivation, reading every event and writing every row. If any step throws, throw `memo` away.

// What readCase found: the case's stored events after the memo's last, by seq.
using NewerEvents = std::vector<std::pair<int64_t, std::string>>;

// What deriveCase decided to write, and the audit entries for it (in the order they are appended).
struct CaseWrites {
  storage::CaseRow case_row;
  int64_t last_event_seq = 0;
  std::vector<std::pair<storage::VictimRow, std::vector<storage::EntitlementChangeRow>>> victims;  // changed ones
  std::vector<storage::ObligationRow> obligations;  // changed ones, bodies packed
  std::optional<std::vector<storage::MeetingRow>> meetings;  // set when they changed
  std::vector<storage::AuditEntry> audit;
  size_t replayed = 0;  // stored events read back
};

void readCase(storage::Store& store, const domain::Engine& engine, const std::string& urn, CaseMemo& memo,
              NewerEvents& newer) {
  // Every derivation (a batch, a system event, a rederive) may change what the case's letters say:
  // the case is armed for the scheduler's next look once here, not by a trigger per row written.
  store.armCaseCheck(urn);
  int64_t derived_from = -1;
  newer = store.caseEventsAfter(urn, memo.last_seq, &derived_from);
  if (!memo.fresh && derived_from != static_cast<int64_t>(memo.replay.applied())) {
    // The stored derivation is not the one this memo made (another process derived the case since):
    // start again from the first event, as if nothing were remembered.
    memo = CaseMemo(engine);
    newer = store.caseEventsAfter(urn, 0);
  }
  if (memo.fresh) memo.stored = store.obligationStates(urn);
}

// With `plan`, also works out what changes against the store (rederive); the caller stops there on a dry run.
// `batch_events`: the events this batch decoded and appended, by their stored body; one read back with the
// same body is that event, and is not parsed and checked again (its JSON is, where the memo copies from it).
CaseWrites deriveCase(const domain::Engine& engine, const std::string& urn, const NewerEvents& newer,
                      const std::map<std::string, size_t>& batch_index, const std::string& at, CaseMemo& memo,
                      RederiveResult* plan = nullptr, const BatchEvents* batch_events = nullptr) {
  CaseWrites out;
  out.replayed = newer.size();
  for (const auto& [seq, body] : newer) {
    const BatchEvent* mine = nullptr;
    if (batch_events) {
      auto it = batch_events->find(body);
      if (it != batch_events->end()) mine = &it->second;
    }
    const DecodedEvent d = mine ? DecodedEvent() : decodeStoredEvent(body);
    const domain::Event& e = mine ? mine->decoded->event : d.event;
    if (e.type == "case.registered" || e.type == "case.updated" || e.type == "prosecutor.assigned")
      memo.details_stale = true;
    if (e.type == "victim.registered" || e.type == "victim.updated") memo.profiles_stale.insert(e.victim_id);
    if (mine && mine->needs_json) {
      // The sender's tree, its members written sorted; a value that is not written the same that way
      // (json_text.h) is copied from the stored body, parsed, instead.
      if (!copyEventFields(mine->decoded->json, true, e, memo)) copyEventFields(decodeStoredEvent(body).json, false, e, memo);
    } else if (!mine) {
      copyEventFields(d.json, false, e, memo);
    }
    try {
      memo.replay.apply(e);
    } catch (const domain::EventError& err) {
      auto it = batch_index.find(err.eventId());
      if (it != batch_index.end()) throw badEvent(it->second, err.field(), err.what());
      throw Error(Error::Kind::kInternal, "internal",
                  "case " + urn + " can no longer be derived at stored event " + err.eventId() + ": " + err.what());
    }
    memo.last_seq = seq;
  }
  const domain::CaseDerivation& derived = memo.replay.derivation();
  // An event that could do nothing (a vrr.extended with no open review) is refused when it is new;
  // one already stored stays a no-op.
  for (const auto& refused : derived.refused) {
    auto it = batch_index.find(refused.event_id);
    if (it != batch_index.end()) throw badEvent(it->second, refused.field, refused.message);
  }

  if (plan) {
    planRederive(derived, memo.stored, *plan);
    if (plan->policy.empty() && derived.case_facts.registered) {
      try {
        plan->policy = engine.rules().inForceOn(derived.case_facts.registered_date).policy;
      } catch (const domain::RuleError&) {
      }
    }
  }

  const domain::CaseFacts& c = derived.case_facts;
  if (memo.details_stale) memo.details_text = objectText(memo.details);
  memo.details_stale = false;
  out.case_row = {urn, c.area, c.unit, memo.details_text, memo.registered_event};
  out.last_event_seq = static_cast<int64_t>(memo.replay.applied());
  for (const auto& v : derived.victims) {
    storage::VictimRow row;
    row.victim_id = v.victim_id;
    row.case_urn = urn;
    row.enhanced = v.entitlement.enhanced;
    row.reasons = reasonsText(v.entitlement.reasons);
    auto text = memo.profile_texts.find(v.victim_id);
    if (text == memo.profile_texts.end() || memo.profiles_stale.count(v.victim_id))
      text = memo.profile_texts.insert_or_assign(v.victim_id, objectText(memo.profiles[v.victim_id])).first;
    row.profile = text->second;
    row.isva_id = v.isva_id;
    row.consent_to_share = v.consent_to_share;
    row.opted_out = "[";  // as a Poco Array of the keys wrote it
    for (const auto& k : v.opted_out) {
      if (row.opted_out.size() > 1) row.opted_out += ',';
      row.opted_out += '"';
      appendJsonEscaped(row.opted_out, k);
      row.opted_out += '"';
    }
    row.opted_out += ']';

    std::vector<storage::EntitlementChangeRow> changes;
    for (const auto& ch : derived.entitlement_changes)
      if (ch.victim_id == v.victim_id)
        changes.push_back({ch.victim_id, ch.event_id, ch.date.toString(), ch.from_enhanced, ch.to_enhanced,
                           reasonsText(ch.reasons)});
    const uint64_t digest = victimDigest(row, changes);
    auto known = memo.victims.find(v.victim_id);
    if (!memo.fresh && known != memo.victims.end() && known->second == digest) continue;
    memo.victims[v.victim_id] = digest;
    out.victims.emplace_back(std::move(row), std::move(changes));
  }
  memo.profiles_stale.clear();
  std::map<std::string, storage::ObligationState>& before = memo.stored;
  int64_t n = 0;
  for (const auto& o : derived.obligations) {
    auto it = before.find(o.id);
    // Kept as it was closed, unless the letter that closed it came back (letter.returned / letter.bounced):
    // a letter known to have failed did not meet it. Once met again, it is kept as closed like any other.
    if (it != before.end() && closedOutcome(it->second.status) && (o.reopened_by.empty() || closedOutcome(o.status)))
      continue;
    const int64_t created_n = n++;  // counted whether written or not, as when every row was written
    const uint64_t digest = obligationDigest(o);
    auto last = memo.written.find(o.id);
    if (!memo.fresh && it != before.end() && last != memo.written.end() && last->second == digest) continue;
    auditObligationChange(out.audit, at, o, it == before.end() ? std::nullopt : std::optional(it->second));
    storage::ObligationRow r;
    r.id = o.id;
    r.rule = o.rule;
    r.policy = o.policy;
    r.basis = o.basis;
    r.kind = o.kind;
    r.victim_id = o.victim_id;
    r.case_urn = o.case_urn;
    r.area = o.area;
    r.trigger_event = o.trigger_event;
    r.tier = o.tier;
    r.due_by = o.due_by.toString();
    r.status = o.status;
    r.completed_at = o.completed_at;
    r.body = obligationText(o);  // toText(obligationJson(o)), without the tree
    r.packed_body = storage::packObligationBody(r.body, r);
    r.stored_already = it != before.end();
    r.created_n = created_n;
    memo.written[r.id] = digest;
    out.obligations.push_back(std::move(r));
  }
  // The memo says what the store holds once these rows are written (or is thrown away if they are not).
  for (const auto& r : out.obligations) before[r.id] = {r.status, r.due_by, r.tier, r.basis};

  std::vector<storage::MeetingRow> meetings;
  for (const auto& m : derived.meetings) {
    storage::MeetingRow r;
    r.id = m.id;
    r.case_urn = urn;
    r.victim_id = m.victim_id;
    r.area = m.area;
    r.meeting = m.meeting;
    r.state = m.state;
    r.held_obligation = m.held_obligation;
    for (const auto& o : derived.obligations)
      if (o.id == m.held_obligation) r.held_due_by = o.due_by.toString();
    r.body = toText(meetingJson(m, derived));
    r.opened_n = static_cast<int64_t>(meetings.size());
    meetings.push_back(std::move(r));
  }
  const uint64_t digest = meetingsDigest(meetings);
  if (memo.fresh || memo.meetings != digest) out.meetings = std::move(meetings);
  memo.meetings = digest;
  memo.fresh = false;
  return out;
}

// Writes what deriveCase decided; its audit entries, then any of `plan`'s, are added to `audit` (the caller
// appends a whole batch's entries at once: the chain's end is then read once).
void writeCase(storage::Store& store, const std::string& at, CaseWrites& w, std::vector<storage::AuditEntry>& audit,
               const RederiveResult* plan = nullptr) {
  store.upsertCase(w.case_row, w.last_event_seq);
  for (const auto& [row, changes] : w.victims) {
    store.upsertVictim(row);
    store.replaceEntitlementChanges(row.victim_id, changes);
  }
  store.upsertObligations(w.obligations);
  std::move(w.audit.begin(), w.audit.end(), std::back_inserter(audit));
  if (plan) {
    // A pending obligation the rule book no longer creates is cancelled (never deleted: its letter,
    // reasons and alerts still point at it), saying why, so its letter is withdrawn with that reason.
    std::vector<storage::ObligationRow> gone;
    for (const auto& change : plan->changes) {
      if (change.what != "go") continue;
      auto row = store.findObligation(change.id);
      if (!row || row->status != "pending") continue;
      Poco::JSON::Parser parser;
      Object::Ptr body = parser.parse(row->body).extract<Object::Ptr>();
      const std::string note = "the rule book in force (" + plan->policy + ") no longer creates it (victim-comms rederive)";
      body->set("status", std::string("cancelled"));
      body->set("cancelled_note", note);
      row->status = "cancelled";
      row->body = toText(body);
      storage::AuditEntry e;
      e.at = at;
      e.actor = "system";
      e.action = "obligation_cancelled";
      e.subject = "obligation:" + row->id;
      e.detail = "status:pending->cancelled by:rederive";
      audit.push_back(std::move(e));
      gone.push_back(std::move(*row));
    }
    store.upsertObligations(gone);
  }
  if (w.meetings) store.replaceMeetings(w.case_row.urn, *w.meetings);
}

// The three steps in turn, on the caller's thread (a system event, a rederive). With `dry_run` it stops
// after working out `plan`, writing nothing. Returns how many stored events it read back.
size_t deriveAndSave(storage::Store& store, const domain::Engine& engine, const std::string& urn, const std::string& at,
                     std::vector<storage::AuditEntry>& audit, CaseMemo& memo, RederiveResult* plan = nullptr,
                     bool dry_run = false) {
  NewerEvents newer;
  readCase(store, engine, urn, memo, newer);
  CaseWrites w = deriveCase(engine, urn, newer, {}, at, memo, plan);
  if (!dry_run) writeCase(store, at, w, audit, plan);
  return w.replayed;
}

// How an event is stored: its canonical JSON, with the columns the store indexes.
storage::EventRow eventRow(const DecodedEvent& d, const std::string& received_at) {
  const domain::Event& e = d.event;
  storage::EventRow row;
  row.id = e.id;
  row.type = e.type;
  row.case_urn = e.case_urn;
  row.victim_id = e.victim_id;
  row.occurred_at = e.occurred_at_text;
  row.local_date = e.local_date.toString();
  row.received_at = received_at;
  row.body = d.canonical_json;
  return row;
}

bool knownOptKey(const domain::Engine& engine, const std::string& key) {
  if (key == "all" || key.find(':') != std::string::npos) return true;  // everything, or one obligation's id
  for (const auto& set : engine.rules().sets())
    if (set.find(key)) return true;
  return false;
}

// A sent letter that came back goes back to the review queue, blocked (returned), saying what
// happened, for an officer to choose another channel or check the address and approve it again.
// There is one letter per obligation, so it is this letter, not a new one, that goes again.
void letterCameBack(storage::Connection& session, int64_t n, const domain::Event& e, const std::string& at,
                    const std::string& actor, std::vector<storage::AuditEntry>& audit) {
  storage::LetterStore letters(session);
  auto row = letters.findLetter(n);
  if (!row) return;
  const std::string what = "came back: " + e.attr("why") + " (event " + e.id + ")";
  Poco::JSON::Parser parser;
  Array::Ptr blocked = row->blocked_by.empty() ? Array::Ptr(new Array)
                                               : parser.parse(row->blocked_by).extract<Array::Ptr>();
  Object::Ptr b = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  b->set("code", std::string("returned"));
  b->set("message", "the letter " + what + "; choose another channel or check the address, then approve it again");
  blocked->add(b);
  const std::string from = row->state;
  row->state = "blocked";
  row->blocked_by = toText(blocked);
  row->note = "letter " + row->id() + " " + what;
  row->updated_at = at;
  letters.updateLetterAsRead(*row);
  const std::string action = e.type == "letter.returned" ? "returned" : "bounced";
  letters.appendHistory(n, {at, actor, action, from, row->state, row->version, row->note});
  // The message that came back says so (its delivery status: returned, or failed_permanent for a bounce).
  storage::OutboxStore outbox(session);
  if (auto message = outbox.latestSentForLetter(n)) outbox.recordOutcome(message->id, action, at, e.attr("why"));
  storage::AuditEntry a;
  a.at = at;
  a.actor = actor;
  a.action = "letter_" + action;
  a.subject = "letter:" + row->id();
  a.detail = "obligation:" + row->obligation_id + " event:" + e.id +
             (e.type == "letter.returned" ? " reason:" + e.attr("reason") : " status:" + e.attr("status"));
  audit.push_back(std::move(a));
}

}  // namespace

// One thread that runs one job at a time for the writer (deriveCases' derivations), started on first
// use and kept, so that a batch does not pay for a thread, nor the packer's dictionary, each time.
class DeriveThread {
 public:
  ~DeriveThread() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      quit_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  // Runs `job` (which must not throw) on the thread; the previous job has finished (wait()).
  void start(std::function<void()> job) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!thread_.joinable()) thread_ = std::thread([this] { loop(); });
    job_ = std::move(job);
    busy_ = true;
    wake_.notify_all();
  }
  void wait() {
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [this] { return !busy_; });
  }

 private:
  void loop() {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [this] { return quit_ || job_; });
        if (!job_) return;
        job = std::move(job_);
        job_ = nullptr;
      }
      job();
      {
        std::lock_guard<std::mutex> lock(mutex_);
        busy_ = false;
      }
      done_.notify_all();
    }
  }
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  std::function<void()> job_;
  bool busy_ = false, quit_ = false;
  std::thread thread_;
};

Ingestor::Ingestor(storage::Database& db, const domain::Engine& engine, const domain::Clock& clock, IngestLimits limits)
    : db_(db), engine_(engine), clock_(clock), limits_(limits) {}

Ingestor::~Ingestor() = default;

size_t Ingestor::deriveCases(storage::Store& store, const std::vector<std::string>& urns,
                             const std::map<std::string, size_t>& batch_index, const std::string& at,
                             const BatchEvents& batch_events, std::vector<storage::AuditEntry>& audit) {
  // Each case goes through its slot: read (this thread), derived (the derive thread), written (this thread),
  // in the order of `urns`, so the store sees the same writes in the same order as from one thread, and the
  // first case whose derivation throws throws here once the cases before it are written, as it would inline.
  // What keeps this safe: a case's memo and slot belong to this thread until its read is published (`read`,
  // under `mutex`), to the derive thread until its derivation is (`derived`), then to this thread again; the
  // derive thread touches no store, and no other case's slot. Reads of a case do not depend on another
  // case's writes (each case's rows are its own), so reading ahead of the writes reads what inline would.
  struct Slot {
    std::unique_ptr<CaseMemo> memo;
    NewerEvents newer;
    std::optional<CaseWrites> writes;
    std::exception_ptr error;
  };
  const size_t n = urns.size();
  std::vector<Slot> slots(n);
  size_t replayed = 0;
  auto readOne = [&](size_t i) {
    slots[i].memo = takeMemo(urns[i]);
    readCase(store, engine_, urns[i], *slots[i].memo, slots[i].newer);
  };
  auto deriveOne = [&](size_t i) noexcept {
    try {
      slots[i].writes = deriveCase(engine_, urns[i], slots[i].newer, batch_index, at, *slots[i].memo, nullptr,
                                   &batch_events);
    } catch (...) {
      slots[i].error = std::current_exception();
    }
    NewerEvents().swap(slots[i].newer);
  };
  auto writeOne = [&](size_t i) {
    if (slots[i].error) std::rethrow_exception(slots[i].error);  // the memo goes with the slots
    writeCase(store, at, *slots[i].writes, audit);
    replayed += slots[i].writes->replayed;
    slots[i].writes.reset();
    keepMemo(urns[i], std::move(slots[i].memo));
  };

  // A few cases (most HTTP batches) are not worth the hand-over.
  constexpr size_t kPipelineFrom = 8;
  if (n < kPipelineFrom) {
    for (size_t i = 0; i < n; ++i) {
      readOne(i);
      deriveOne(i);
      writeOne(i);
    }
    return replayed;
  }

  // The writer reads at most kReadAhead cases ahead of the one it writes: the memos and events in flight stay few.
  constexpr size_t kReadAhead = 64;
  std::mutex mutex;
  std::condition_variable changed;
  size_t read = 0, derived = 0;  // slots below `read` are read; below `derived`, derived
  bool stop = false;
  if (!derive_thread_) derive_thread_ = std::make_unique<DeriveThread>();
  derive_thread_->start([&] {
    for (size_t i = 0; i < n; ++i) {
      {
        std::unique_lock<std::mutex> lock(mutex);
        changed.wait(lock, [&] { return stop || read > i; });
        if (stop) return;
      }
      deriveOne(i);
      const bool failed = slots[i].error != nullptr;
      {
        std::lock_guard<std::mutex> lock(mutex);
        derived = i + 1;
      }
      changed.notify_all();
      if (failed) return;  // nothing after it is written
    }
  });
  // However this ends, the derive thread is done with the slots before they go.
  struct StopOnExit {
    std::mutex& mutex;
    std::condition_variable& changed;
    bool& stop;
    DeriveThread& thread;
    ~StopOnExit() {
      {
        std::lock_guard<std::mutex> lock(mutex);
        stop = true;
      }
      changed.notify_all();
      thread.wait();
    }
  } stop_on_exit{mutex, changed, stop, *derive_thread_};

  size_t reading = 0;
  for (size_t i = 0; i < n; ++i) {
    while (reading < std::min(n, i + kReadAhead)) {
      readOne(reading++);
      {
        std::lock_guard<std::mutex> lock(mutex);
        read = reading;
      }
      changed.notify_all();
    }
    {
      std::unique_lock<std::mutex> lock(mutex);
      changed.wait(lock, [&] { return derived > i; });
    }
    writeOne(i);
  }
  return replayed;
}

IngestResult Ingestor::ingest(const std::vector<Poco::Dynamic::Var>& items, const std::string& actor) {
  std::vector<DecodedEvent> decoded;
  decoded.reserve(items.size());
  const DecodeLimits limits{limits_.max_event_bytes, clock_.now()};
  for (size_t i = 0; i < items.size(); ++i) decoded.push_back(decodeEvent(items[i], i, limits));

  IngestResult result = storeBatch(decoded, actor);
  if (result.accepted > 0 && after_commit_) after_commit_(result);
  return result;
}

// The cases an import's letters are created and drafted for at a time (each is one query naming them).
constexpr size_t kDraftSlice = 500;

IngestResult Ingestor::importStream(const std::function<bool(std::vector<Poco::Dynamic::Var>&)>& next,
                                    const std::string& actor,
                                    const std::function<void(const IngestResult&, size_t)>& progress) {
  IngestResult result;
  {
    std::lock_guard<std::mutex> lock(write_mutex_);
    auto lease = db_.session();
    storage::Connection& session = lease;
    storage::Store store(session);
    // The whole import is one transaction: its changed pages must stay in the cache (bounded: 64 MB).
    storage::setCacheSize(session, 64 * 1024);
    struct CacheBack {
      storage::Connection& s;
      ~CacheBack() {
        try {
          storage::setCacheSize(s, 2000);
        } catch (...) {
        }
      }
    } cache_back{session};
    storage::WriteTransaction tx(session);
    store.lockAllCases();  // an import may touch any case: every other daemon's ingest waits for its commit
    storage::FirstLoadIndexes first_load(session);  // into an empty store: list indexes built later, whole
    const std::string received_at = domain::formatRfc3339Utc(clock_.now());
    const DecodeLimits limits{limits_.max_event_bytes, clock_.now()};
    std::set<std::string> affected;
    size_t base = 0;
    // The next chunk, read and decoded on a reader thread while this one stores the current chunk. Its
    // errors (the file's JSON, an event's fields) come out of get() in the order they would have come
    // one chunk after another; a chunk that fails to store leaves the read-ahead to finish and be dropped
    // (the future's destructor waits for it), so `next` is never called after this returns.
    struct Chunk {
      std::vector<Poco::Dynamic::Var> items;
      std::vector<DecodedEvent> decoded;
    };
    auto read_chunk = [&next, &limits](size_t first) {
      Chunk c;
      if (!next(c.items)) return c;
      c.decoded.reserve(c.items.size());
      for (size_t k = 0; k < c.items.size(); ++k) c.decoded.push_back(decodeEvent(c.items[k], first + k, limits));
      return c;
    };
    try {
      std::future<Chunk> ahead = std::async(std::launch::async, read_chunk, base);
      while (true) {
        Chunk current = ahead.get();
        if (current.items.empty()) break;
        ahead = std::async(std::launch::async, read_chunk, base + current.items.size());
        IngestResult chunk = storeChunk(session, store, current.decoded, base, actor, received_at);
        result.accepted += chunk.accepted;
        result.duplicates += chunk.duplicates;
        result.replayed += chunk.replayed;
        affected.insert(chunk.affected_cases.begin(), chunk.affected_cases.end());
        base += current.items.size();
        // A long first load builds the list indexes once it has limits_.first_load_events events, and
        // keeps them as it goes from there: a build reads each table whole, so at the end of a million
        // events it took minutes without a progress line; here about a second, and the rest of the
        // import costs what one into a store in use costs.
        if (first_load.deferred() && base >= limits_.first_load_events) first_load.rebuild();
        trimMemos();  // a long import keeps only the newest memos: memory stays bounded
        if (progress) progress(result, 0);
      }
      // The letters the import calls for, in the queue with it (their words follow the commit), told
      // the cases in the same slices as drafting is below.
      if (result.accepted > 0 && before_commit_) {
        std::vector<std::string> slice;
        for (auto it = affected.begin(); it != affected.end();) {
          slice.clear();
          for (; it != affected.end() && slice.size() < kDraftSlice; ++it) slice.push_back(*it);
          before_commit_(session, slice);
          if (progress) progress(result, 0);  // a long import's letters take a while: say it is alive
        }
      }
      first_load.rebuild();
      tx.commit();
    } catch (...) {
      memosRolledBack();
      throw;
    }
    memosCommitted();
    // Moved node by node, so that the set and the list are not both held whole.
    result.affected_cases.reserve(affected.size());
    while (!affected.empty()) result.affected_cases.push_back(std::move(affected.extract(affected.begin()).value()));
  }
  // What follows a commit (drafting letters) is told the cases a slice at a time, so that a large
  // import's drafting, too, holds only a slice's obligations in memory.
  if (result.accepted > 0 && after_commit_) {
    for (size_t from = 0; from < result.affected_cases.size(); from += kDraftSlice) {
      IngestResult slice;
      slice.accepted = result.accepted;
      slice.duplicates = result.duplicates;
      const size_t to = std::min(result.affected_cases.size(), from + kDraftSlice);
      slice.affected_cases.assign(result.affected_cases.begin() + from, result.affected_cases.begin() + to);
      after_commit_(slice);
      if (progress) progress(result, to);
    }
  }
  return result;
}

IngestResult Ingestor::storeBatch(const std::vector<DecodedEvent>& decoded, const std::string& actor) {
  std::lock_guard<std::mutex> lock(write_mutex_);
  auto lease = db_.session();
  storage::Connection& session = lease;
  storage::Store store(session);
  storage::WriteTransaction tx(session);
  IngestResult result;
  try {
    result = storeChunk(session, store, decoded, 0, actor, domain::formatRfc3339Utc(clock_.now()));
    if (result.accepted > 0 && before_commit_) before_commit_(session, result.affected_cases);  // its letters
    tx.commit();
  } catch (...) {
    memosRolledBack();
    throw;
  }
  memosCommitted();
  return result;
}

IngestResult Ingestor::storeChunk(storage::Connection& session, storage::Store& store,
                                  const std::vector<DecodedEvent>& decoded, size_t base, const std::string& actor,
                                  const std::string& received_at) {
  IngestResult result;
  std::map<std::string, std::string> batch_bodies;  // id -> canonical content
  std::map<std::string, size_t> batch_index;        // id -> index, for errors found while deriving
  std::map<std::string, bool> case_known;           // urn -> registered (in the store or earlier in the batch)
  std::map<std::string, std::string> victim_case;   // victim -> urn ("" = unknown)
  std::set<std::string> isvas_known;
  std::set<std::string> affected;
  std::vector<storage::EventRow> rows;
  std::vector<const DecodedEvent*> new_isvas;
  std::set<int64_t> returned_letters;
  std::vector<std::pair<int64_t, const DecodedEvent*>> returns;  // letters that came back
  BatchEvents batch_events;

  {
    // Before anything of these cases is read (is it registered? is this event stored already?): another
    // daemon taking events for one of them waits here until it commits (Store::lockCasesForDerivation).
    std::set<std::string> urns;
    for (const DecodedEvent& d : decoded)
      if (!d.event.case_urn.empty()) urns.insert(d.event.case_urn);
    store.lockCasesForDerivation({urns.begin(), urns.end()});
  }
  auto caseKnown = [&](const std::string& urn) {
    auto it = case_known.find(urn);
    if (it == case_known.end()) it = case_known.emplace(urn, store.findCase(urn).has_value()).first;
    return it->second;
  };
  std::map<std::string, std::optional<std::string>> purged_at;
  auto purgedAt = [&](const std::string& urn) {
    auto it = purged_at.find(urn);
    if (it == purged_at.end()) it = purged_at.emplace(urn, storage::RetentionStore(session).purgedAt(urn)).first;
    return it->second;
  };
  auto caseOfVictim = [&](const std::string& victim) {
    auto it = victim_case.find(victim);
    if (it == victim_case.end()) it = victim_case.emplace(victim, store.victimCase(victim).value_or("")).first;
    return it->second;
  };

  for (size_t k = 0; k < decoded.size(); ++k) {
    const size_t i = base + k;  // the event's index in the whole import or request
    const DecodedEvent& d = decoded[k];
    const domain::Event& e = d.event;

    // Idempotency: same id and content is a duplicate; same id, other content, a conflict.
    auto in_batch = batch_bodies.find(e.id);
    std::optional<std::string> stored =
        in_batch != batch_bodies.end() ? std::optional<std::string>(in_batch->second) : store.eventBody(e.id);
    if (stored) {
      if (*stored != d.canonical_json)
        throw conflict(i, "id", "event '" + e.id + "' was already received with different content");
      ++result.duplicates;
      continue;
    }

    if (e.type == "case.registered") {
      if (caseKnown(e.case_urn)) throw conflict(i, "case_urn", "case " + e.case_urn + " is already registered");
      case_known[e.case_urn] = true;
    } else if (!e.case_urn.empty() && !caseKnown(e.case_urn)) {
      throw badEvent(i, "case_urn", "unknown case " + e.case_urn + " (send case.registered first)");
    } else if (!e.case_urn.empty()) {
      if (auto purged = purgedAt(e.case_urn))
        throw conflict(i, "case_urn", "case " + e.case_urn + " was purged under the retention policy at " + *purged +
                                          "; no more events can be added to it");
    }
    if (e.type == "victim.registered") {
      const std::string existing = caseOfVictim(e.victim_id);
      if (!existing.empty()) throw conflict(i, "victim_id", "victim " + e.victim_id + " is already registered");
      victim_case[e.victim_id] = e.case_urn;
    } else if (!e.victim_id.empty()) {
      const std::string urn = caseOfVictim(e.victim_id);
      if (urn.empty()) throw badEvent(i, "victim_id", "unknown victim " + e.victim_id + " (send victim.registered first)");
      if (urn != e.case_urn) throw badEvent(i, "victim_id", "victim " + e.victim_id + " is not on case " + e.case_urn);
    }
    if (e.type == "isva.registered") {
      isvas_known.insert(e.isva_id);
      new_isvas.push_back(&d);
    } else if (e.type == "isva.assigned" && !isvas_known.count(e.isva_id) && !store.isvaExists(e.isva_id)) {
      throw badEvent(i, "isva_id", "unknown ISVA " + e.isva_id + " (send isva.registered first)");
    }
    for (const auto& [field, keys] : {std::pair{"opt_out", &e.opt_out}, std::pair{"opt_in", &e.opt_in}})
      for (size_t k = 0; k < keys->size(); ++k)
        if (!knownOptKey(engine_, (*keys)[k]))
          throw badEvent(i, std::string(field) + "[" + std::to_string(k) + "]",
                         "'" + (*keys)[k] + "' is not \"all\", a rule id or an obligation id");

    if (e.type == "letter.returned" || e.type == "letter.bounced") {
      const std::string& id = e.attr("letter_id");
      auto letter = storage::LetterStore(session).findLetter(std::stoll(id.substr(2)));
      if (!letter) throw badEvent(i, "letter_id", "unknown letter " + id);
      if (letter->case_urn != e.case_urn) throw badEvent(i, "letter_id", "letter " + id + " is not on case " + e.case_urn);
      if (letter->state != "sent" || !returned_letters.insert(letter->n).second)
        throw badEvent(i, "letter_id", "letter " + id + " is " + (letter->state == "sent" ? "already coming back in this batch" : letter->state) +
                                           ", not sent: only a letter that was sent can come back");
      const bool post = e.type == "letter.returned";
      if (letter->channel != (post ? "post" : "email"))
        throw badEvent(i, "letter_id", "letter " + id + " went by " + letter->channel + "; " +
                                           (post ? "an email that came back is letter.bounced"
                                                 : "post that came back is letter.returned"));
      returns.push_back({letter->n, &d});
    }

    rows.push_back(eventRow(d, received_at));
    batch_events.emplace(d.canonical_json,
                         BatchEvent{&d, e.type == "case.registered" || e.type == "case.updated" ||
                                            e.type == "prosecutor.assigned" || e.type == "victim.registered" ||
                                            e.type == "victim.updated"});
    batch_bodies[e.id] = d.canonical_json;
    batch_index[e.id] = i;
    if (!e.case_urn.empty()) affected.insert(e.case_urn);
  }

  store.appendEvents(rows);
  for (const DecodedEvent* d : new_isvas) {
    Object::Ptr details = new Object;
    copyFields(d->json, details, {"isva_id", "name", "organisation", "email", "phone", "language"});
    store.upsertIsva(d->event.isva_id, toText(details), d->event.id);
  }
  std::vector<storage::AuditEntry> audit;
  for (const auto& row : rows) {
    storage::AuditEntry e;
    e.at = received_at;
    e.actor = actor;
    e.action = "event_ingested";
    e.subject = "event:" + row.id;
    e.detail = "type:" + row.type + (row.case_urn.empty() ? "" : " case:" + row.case_urn);
    audit.push_back(std::move(e));
  }
  result.replayed += deriveCases(store, std::vector<std::string>(affected.begin(), affected.end()), batch_index,
                                 received_at, batch_events, audit);
  for (const auto& [n, d] : returns) letterCameBack(session, n, d->event, received_at, actor, audit);
  store.auditAll(audit);

  result.accepted = rows.size();
  result.affected_cases.assign(affected.begin(), affected.end());
  return result;
}

void Ingestor::appendSystemEvent(storage::Store& store, const Object::Ptr& event) {
  std::ostringstream canonical;
  event->stringify(canonical);  // a plain Object keeps its keys sorted: canonical already
  DecodedEvent d;
  try {
    d = decodeStoredEvent(canonical.str());
  } catch (const Error& e) {
    throw Error(Error::Kind::kInternal, "internal", std::string("a system event does not decode: ") + e.what());
  }
  const std::string now = domain::formatRfc3339Utc(clock_.now());
  store.lockCasesForDerivation({d.event.case_urn});  // before the event is stored or its case read
  store.appendEvent(eventRow(d, now));
  std::vector<storage::AuditEntry> audit(1);
  audit[0].at = now;
  audit[0].actor = "system";
  audit[0].action = "event_recorded";
  audit[0].subject = "event:" + d.event.id;
  audit[0].detail = "type:" + d.event.type + " case:" + d.event.case_urn;
  // The caller owns this transaction and may still roll it back: derive afresh and forget the case's
  // memo, so no memo ever holds what was not committed (the next batch for the case replays it whole).
  dropMemo(d.event.case_urn);
  CaseMemo memo(engine_);
  deriveAndSave(store, engine_, d.event.case_urn, now, audit, memo);
  store.auditAll(audit);
}

RederiveResult Ingestor::rederive(const std::string& urn, bool dry_run, const std::string& actor) {
  std::lock_guard<std::mutex> lock(write_mutex_);
  auto lease = db_.session();
  storage::Connection& session = lease;
  storage::Store store(session);
  RederiveResult result;
  result.urn = urn;
  result.dry_run = dry_run;
  if (!store.findCase(urn)) throw Error(Error::Kind::kNotFound, "not_found", "no case " + urn);
  if (auto purged = storage::RetentionStore(session).purgedAt(urn)) {
    result.skipped = "purged under the retention policy at " + *purged;
    return result;
  }
  const std::string now = domain::formatRfc3339Utc(clock_.now());
  std::vector<storage::AuditEntry> audit;
  // One per case; the daemon's writers wait for it (and it for them). The dry run takes it too, so it
  // reads the case as one consistent whole, writes nothing and never commits (rolled back on return).
  storage::WriteTransaction tx(session);
  store.lockCasesForDerivation({urn});
  // Always a full replay, against what is stored (a new rule book or calendar changes everything).
  dropMemo(urn);
  CaseMemo memo(engine_);
  if (dry_run) {
    deriveAndSave(store, engine_, urn, now, audit, memo, &result, true);
    return result;
  }
  deriveAndSave(store, engine_, urn, now, audit, memo, &result, false);
  storage::AuditEntry e;
  e.at = now;
  e.actor = actor;
  e.action = "case_rederived";
  e.subject = "case:" + urn;
  e.detail = "command:rederive appear:" + std::to_string(result.count("appear")) +
             " change:" + std::to_string(result.count("change")) + " go:" + std::to_string(result.count("go")) +
             " kept_closed:" + std::to_string(result.count("keep")) + " policy:" + result.policy;
  audit.push_back(std::move(e));
  store.auditAll(audit);
  tx.commit();
  return result;
}

void Ingestor::rederiveCase(const std::string& urn) {
  std::lock_guard<std::mutex> lock(write_mutex_);
  auto lease = db_.session();
  storage::Connection& session = lease;
  storage::Store store(session);
  storage::WriteTransaction tx(session);
  store.lockCasesForDerivation({urn});
  std::vector<storage::AuditEntry> audit;
  dropMemo(urn);
  CaseMemo memo(engine_);
  deriveAndSave(store, engine_, urn, domain::formatRfc3339Utc(clock_.now()), audit, memo);
  store.auditAll(audit);
  tx.commit();
}

// ---- Case memos ------------------------------------------------------------------------------

std::unique_ptr<CaseMemo> Ingestor::takeMemo(const std::string& urn) {
  std::lock_guard<std::mutex> lock(memo_mutex_);
  memo_dirty_.insert(urn);  // whatever happens now, this case's memo is the open transaction's
  auto it = memos_.find(urn);
  if (it == memos_.end()) return std::make_unique<CaseMemo>(engine_);
  std::unique_ptr<CaseMemo> memo = std::move(it->second.memo);
  memo_order_.erase(it->second.place);
  memos_.erase(it);
  return memo;
}

void Ingestor::keepMemo(const std::string& urn, std::unique_ptr<CaseMemo> memo) {
  std::lock_guard<std::mutex> lock(memo_mutex_);
  if (limits_.case_memos == 0) return;
  memo_order_.push_front(urn);
  memos_[urn] = {std::move(memo), memo_order_.begin()};
  // At most case_memos even within a batch: an import chunk of 2,000 events in feed order touches
  // about as many cases, mostly not kept, and holding them all until the chunk ends doubled the memos.
  evictMemosLocked();
}

void Ingestor::dropMemo(const std::string& urn) {
  std::lock_guard<std::mutex> lock(memo_mutex_);
  auto it = memos_.find(urn);
  if (it == memos_.end()) return;
  memo_order_.erase(it->second.place);
  memos_.erase(it);
}

void Ingestor::trimMemos() {
  std::lock_guard<std::mutex> lock(memo_mutex_);
  evictMemosLocked();
}

void Ingestor::evictMemosLocked() {
  while (memos_.size() > limits_.case_memos) {
    const std::string urn = memo_order_.back();
    memo_order_.pop_back();
    memos_.erase(urn);
    // An evicted memo has nothing left to drop on a rollback, so the open transaction need not remember
    // it: memo_dirty_ stays as small as the memos (an import's one transaction touches every case).
    // If the case is touched again in this transaction, takeMemo marks it again.
    memo_dirty_.erase(urn);
  }
}

void Ingestor::memosCommitted() {
  {
    std::lock_guard<std::mutex> lock(memo_mutex_);
    memo_dirty_.clear();
  }
  trimMemos();
}

void Ingestor::memosRolledBack() {
  std::lock_guard<std::mutex> lock(memo_mutex_);
  for (const auto& urn : memo_dirty_) {
    auto it = memos_.find(urn);
    if (it == memos_.end()) continue;
    memo_order_.erase(it->second.place);
    memos_.erase(it);
  }
  memo_dirty_.clear();
}

size_t Ingestor::memoCount() {
  std::lock_guard<std::mutex> lock(memo_mutex_);
  return memos_.size();
}

}  // namespace vc::ingest
