#include "services/read_service.h"

#include "common/error.h"
#include "domain/date.h"
#include "storage/database.h"
#include "storage/ledger_store.h"
#include "storage/store.h"

namespace vc::services {
namespace {

Error notFound(const std::string& what) { return Error(Error::Kind::kNotFound, "not_found", what); }

// A VLU officer bound to an Area sees only that Area's cases; to anyone else
// the case does not exist.
void checkArea(const Principal& p, const std::string& area, const std::string& what) {
  if (p.outsideArea(area)) throw notFound(what);
}

}  // namespace

bool ReadService::storeAnswers() { return db_.ping(); }

VictimRecord ReadService::readVictim(const std::string& id, const Principal& reader) {
  auto lease = db_.session();
  storage::Connection& session = lease;
  storage::Store store(session);
  const std::string now_text = domain::formatRfc3339Utc(clock_.now());
  auto victim = store.findVictim(id);
  auto case_row = victim ? store.findCase(victim->case_urn) : std::nullopt;
  // A VLU officer bound to an Area sees only that Area's victims; to them any other does not exist.
  if (!victim || !case_row || reader.outsideArea(case_row->area)) {
    store.audit(now_text, reader.user, "read_victim_denied", "victim:" + id, "not found or outside area");
    throw notFound("no victim " + id);
  }
  // DURABLE BEFORE ANSWERED: audit() returns once the entry is committed with an fsync (shared with
  // the other readers of the moment: storage::AuditGroupCommit); only then is the record read and
  // returned, so no one is shown a victim's record without the read being in the audit log.
  store.audit(now_text, reader.user, "read_victim", "victim:" + id, "case:" + victim->case_urn);
  VictimRecord r;
  r.victim = *victim;
  r.case_row = *case_row;
  r.entitlement_changes = store.entitlementChanges(victim->victim_id);
  for (auto& e : store.caseTimeline(victim->case_urn))
    if (e.victim_id.empty() || e.victim_id == victim->victim_id) r.timeline.push_back(std::move(e));
  storage::ObligationFilter f;
  f.victim_id = victim->victim_id;
  f.limit = 1000;
  r.obligations = store.listObligations(f);
  return r;
}

std::shared_ptr<const std::string> ReadService::readVictimAnswer(const std::string& id, const Principal& reader,
                                                                  const VictimAnswerWriter& write) {
  auto lease = db_.session();
  storage::Connection& session = lease;
  storage::Store store(session);
  const domain::UnixSeconds now = clock_.now();
  const std::string now_text = domain::formatRfc3339Utc(now);
  // Read FIRST, before anything the answer shows: the case's change token. Whatever is read after it is at
  // least as new, so an answer kept under this token never shows less than the token stands for; a write
  // committed after this lookup moves the token on (storage migration 18's invariant), and the answer kept
  // here is then never given again.
  const auto key = store.victimReadKey(id);
  if (!key || reader.outsideArea(key->area)) {
    store.audit(now_text, reader.user, "read_victim_denied", "victim:" + id, "not found or outside area");
    throw notFound("no victim " + id);
  }
  // DURABLE BEFORE ANSWERED, as readVictim: the entry is committed (fsync shared with the readers of the
  // moment) before an answer, kept or new, is returned.
  store.audit(now_text, reader.user, "read_victim", "victim:" + id, "case:" + key->case_urn);
  const domain::Date today = domain::londonDate(now);
  // The answer depends on the stored rows (the token stands for them) and on today (time left, breaches,
  // working days overdue); the calendar is fixed for the life of the process.
  const std::string stamp =
      key->case_version ? std::to_string(*key->case_version) + " " + today.toString() : std::string();
  if (key->case_version && victim_answers_.enabled())
    if (auto kept = victim_answers_.find(id, stamp)) return kept;

  auto victim = store.findVictim(id);
  auto case_row = victim ? store.findCase(victim->case_urn) : std::nullopt;
  // Gone, or moved out of the reader's Area, since the lookup above (a write in between): as readVictim.
  if (!victim || !case_row || reader.outsideArea(case_row->area))
    throw notFound("no victim " + id);
  VictimRecord r;
  r.victim = std::move(*victim);
  r.case_row = std::move(*case_row);
  r.entitlement_changes = store.entitlementChanges(r.victim.victim_id);
  for (auto& e : store.caseTimeline(r.victim.case_urn))
    if (e.victim_id.empty() || e.victim_id == r.victim.victim_id) r.timeline.push_back(std::move(e));
  storage::ObligationFilter f;
  f.victim_id = r.victim.victim_id;
  f.limit = 1000;
  r.obligations = store.listObligations(f);
  auto answer = std::make_shared<const std::string>(write(r, today));
  if (key->case_version) victim_answers_.put(id, stamp, answer);
  return answer;
}

CaseRecord ReadService::readCase(const std::string& urn, const Principal& reader) {
  auto lease = db_.session();
  storage::Connection& session = lease;
  storage::Store store(session);
  const std::string now_text = domain::formatRfc3339Utc(clock_.now());
  auto case_row = store.findCase(urn);
  try {
    if (!case_row) throw notFound("no case " + urn);
    checkArea(reader, case_row->area, "no case " + urn);
  } catch (const Error&) {
    store.audit(now_text, reader.user, "read_case_denied", "case:" + urn, "not found or outside area");
    throw;
  }
  // DURABLE BEFORE ANSWERED, as readVictim.
  store.audit(now_text, reader.user, "read_case", "case:" + urn, "");
  CaseRecord r;
  r.case_row = *case_row;
  r.victims = store.caseVictims(urn);
  r.timeline = store.caseTimeline(urn);
  return r;
}

std::vector<storage::VictimRow> ReadService::searchVictimsByName(const std::string& words, const Principal& reader,
                                                                 int limit) {
  auto lease = db_.session();
  storage::Connection& session = lease;
  storage::Store store(session);
  auto found = store.findVictimsByName(words, reader.areaScope(), limit);
  // DURABLE BEFORE ANSWERED, as readVictim: the names go back only once the search is in the log.
  std::string ids;
  for (const auto& v : found) ids += (ids.empty() ? "" : ",") + v.victim_id;
  store.audit(domain::formatRfc3339Utc(clock_.now()), reader.user, "search_victims", "victims",
              "matches:" + std::to_string(found.size()) + (ids.empty() ? "" : " ids:" + ids));
  return found;
}

std::vector<storage::ObligationRow> ReadService::listObligations(const storage::ObligationFilter& f,
                                                                 const Principal& reader) {
  auto lease = db_.session();
  storage::Connection& session = lease;
  storage::Store store(session);
  auto rows = store.listObligations(f);
  // Each carries the victim's enhanced-rights reasons and any note on a miss: the read is recorded
  // (durable before the rows are returned, as readVictim).
  store.audit(domain::formatRfc3339Utc(clock_.now()), reader.user, "read_obligations", "obligations",
              "items:" + std::to_string(rows.size()) + (f.victim_id.empty() ? "" : " victim:" + f.victim_id) +
                  (f.case_urn.empty() ? "" : " case:" + f.case_urn) + (f.status.empty() ? "" : " status:" + f.status));
  return rows;
}

ObligationRecord ReadService::readObligation(const std::string& id, const Principal& reader) {
  auto lease = db_.session();
  storage::Connection& session = lease;
  storage::Store store(session);
  auto row = store.findObligation(id);
  if (!row) throw notFound("no obligation " + id);
  checkArea(reader, row->area, "no obligation " + id);
  // DURABLE BEFORE ANSWERED, as readVictim.
  store.audit(domain::formatRfc3339Utc(clock_.now()), reader.user, "read_obligation", "obligation:" + id,
              "victim:" + row->victim_id);
  ObligationRecord r;
  r.obligation = *row;
  r.reasons = storage::LedgerStore(session).reasons(id);
  return r;
}

std::vector<storage::MeetingRow> ReadService::listMeetings(const storage::MeetingFilter& f) {
  auto lease = db_.session();
  return storage::Store(lease).listMeetings(f);
}

LetterBackground ReadService::letterBackground(const storage::LetterRow& row, bool with_trigger_event) {
  auto lease = db_.session();
  storage::Connection& session = lease;
  storage::Store store(session);
  LetterBackground b;
  b.obligation = store.findObligation(row.obligation_id);
  if (!b.obligation) return b;
  if (with_trigger_event)
    for (auto& e : store.caseTimeline(row.case_urn))
      if (e.id == b.obligation->trigger_event) b.trigger_event = std::move(e);
  b.victim = store.findVictim(row.victim_id);
  return b;
}

}  // namespace vc::services
