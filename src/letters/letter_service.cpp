#include "letters/letter_service.h"

#include <algorithm>
#include <deque>
#include <set>
#include <sstream>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Logger.h>

#include "common/error.h"
#include "common/sha256.h"
#include "common/text.h"
#include "domain/letter.h"
#include "ingest/event_codec.h"
#include "storage/letter_store.h"
#include "storage/outbox_store.h"
#include "storage/store.h"

namespace vc::letters {

using Poco::JSON::Array;
using Poco::JSON::Object;

namespace {

constexpr size_t kMaxEditChars = 20000;
constexpr size_t kMaxReasonChars = 2000;
constexpr const char* kSystem = "system";

Poco::Logger& log() { return Poco::Logger::get("vc.letters"); }

Object::Ptr parseObject(const std::string& json) {
  if (json.empty()) return new Object;
  Poco::JSON::Parser p;
  return p.parse(json).extract<Object::Ptr>();
}

std::string toJson(const Poco::Dynamic::Var& v) {
  std::ostringstream os;
  Poco::JSON::Stringifier::stringify(v, os);
  return os.str();
}

Error notFound(const std::string& id) { return Error(Error::Kind::kNotFound, "not_found", "no letter " + id); }

int64_t parseLetterId(const std::string& id) {
  if (id.size() < 3 || id.compare(0, 2, "l-") != 0 || id.size() > 20) throw notFound(id);
  for (size_t i = 2; i < id.size(); ++i)
    if (id[i] < '0' || id[i] > '9') throw notFound(id);
  return std::stoll(id.substr(2));
}

Error refused(const domain::ReviewRefusal& r) {
  const Error::Kind kind =
      r.why == domain::ReviewRefusal::Why::kFourEyes ? Error::Kind::kForbidden : Error::Kind::kConflict;
  return Error(kind, r.code, r.message);
}

// Every change an officer makes starts here: a letter whose words are still being written (version 0)
// cannot be edited, approved, rejected, met another way or called about (409 being_written).
void refuseIfBeingWritten(const storage::LetterRow& row) {
  if (auto refusal = domain::refuseWhileBeingWritten(row.version)) {
    refusal->message = "letter " + row.id() + ": " + refusal->message;
    throw refused(*refusal);
  }
}

// What a letter being written shows in the queue until its words exist (blocked_by of its version 0).
constexpr const char* kBeingWrittenBlocked =
    R"([{"code":"being_written","message":"the letter is being written: its words follow within seconds"}])";

domain::LetterState stateOf(const storage::LetterRow& row) {
  return domain::parseLetterState(row.state).value_or(domain::LetterState::kDraft);
}

// The explicit items already say what these holes are for; the rest are named by field.
bool holeExplained(const std::string& hole, const std::vector<BlockedItem>& items) {
  static const std::vector<std::pair<std::string, std::string>> kCovers = {
      {"postal_address", "recipient.address_lines"}, {"email_address", "recipient.email"},
      {"vlu_contact", "vlu."},                        {"vlu_contact", "signatory."},
      {"reasons", "decision.reasons"},               {"charges", "decision.charges"},
      {"prosecutor", "prosecutor"},                  {"vrr_outcome", "vrr.outcome"},
      {"extended_date", "extension."},              {"vrr_outcome", "signatory."},
      {"reviewer", "signatory."},                    {"deceased", "deceased."},
      {"needs_translation", "translation"},          {"needs_easy_read", "easy_read"}};
  for (const auto& [code, prefix] : kCovers)
    if (hole.rfind(prefix, 0) == 0 &&
        std::any_of(items.begin(), items.end(), [&](const BlockedItem& b) { return b.code == code; }))
      return true;
  return false;
}

std::string blockedJson(const std::vector<BlockedItem>& items) {
  Array::Ptr a = new Array;
  for (const auto& b : items) {
    Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    o->set("code", b.code);
    o->set("message", b.message);
    a->add(o);
  }
  return toJson(a);
}

// The due date the trigger event moved another obligation of the victim's to (vrr.extended moves
// VRR-OUT's), as the engine worked it out and stored it: the letter layer never recomputes it.
std::optional<domain::Date> extendedDueBy(storage::Store& store, const storage::ObligationRow& o) {
  storage::ObligationFilter f;
  f.case_urn = o.case_urn;
  f.victim_id = o.victim_id;
  f.limit = 1000;
  for (const auto& other : store.listObligations(f)) {
    const Object::Ptr body = parseObject(other.body);
    const Object::Ptr extension = body->getObject("extension");
    if (!extension) continue;
    const Array::Ptr steps = extension->getArray("steps");
    for (size_t i = 0; steps && i < steps->size(); ++i) {
      const Object::Ptr step = steps->getObject(static_cast<unsigned>(i));
      if (step && step->optValue<std::string>("event_id", "") == o.trigger_event)
        return domain::Date::parse(step->optValue<std::string>("to_due_by", ""));
    }
  }
  return std::nullopt;
}

size_t blockedCount(const std::string& json) {
  Poco::JSON::Parser p;
  return json.empty() ? 0 : p.parse(json).extract<Array::Ptr>()->size();
}

}  // namespace

const std::vector<std::string>& metAnotherWayChannels() {
  static const std::vector<std::string> kChannels = {"phone", "in_person", "video", "other"};
  return kChannels;
}

std::string emailSubject(const std::string& language) {
  return language == "cy" ? "Llythyr gan Wasanaeth Erlyn y Goron / A letter from the Crown Prosecution Service"
                          : "A letter from the Crown Prosecution Service";
}

// A letter as it would be rendered now from what the store holds.
struct LetterService::Rendition {
  std::string kind;
  LetterContext context;
  rendering::RenderedLetter rendered;
  std::vector<BlockedItem> blocked;
  std::string blocked_json, hash, letter_date, fields_json, free_text, policy;
};

// The parsed timelines of the last few cases one refresh pass looked at, so that the letters of a case
// (its drafts, one after another in case order, and a changed letter's second look when it is rendered)
// parse its events once instead of once each (issue 16, docs/benchmarks.md). Every use reads the case's
// events again and takes the parsed ones only when each stored event (seq and body) is the one they were
// parsed from: an event a concurrent batch appended, or a body a purge rewrote, is never missed, it is
// parsed afresh. The parsed objects are only read (buildLetterContext takes them const). Held by one pass,
// on one thread, and bounded (kCases), so a large import's drafting stays within its memory.
struct LetterService::TimelineMemo {
  static constexpr size_t kCases = 16;
  struct Timeline {
    std::string case_urn;
    std::vector<std::pair<int64_t, std::string>> source;  // seq, stored body
    std::vector<Object::Ptr> events;
  };
  std::deque<Timeline> recent;  // newest first

  // The case's timeline as LetterInputs holds it: an event no letter reads as a stub (timelineBodyRead).
  std::vector<Object::Ptr> timeline(storage::Store& store, const std::string& case_urn) {
    const std::vector<storage::EventRow> rows = store.caseTimeline(case_urn);
    for (auto it = recent.begin(); it != recent.end(); ++it) {
      if (it->case_urn != case_urn) continue;
      bool same = it->source.size() == rows.size();
      for (size_t i = 0; same && i < rows.size(); ++i)
        same = it->source[i].first == rows[i].seq && it->source[i].second == rows[i].body;
      if (same) return it->events;
      recent.erase(it);
      break;
    }
    Timeline t;
    t.case_urn = case_urn;
    for (const auto& e : rows) {
      t.events.push_back(timelineBodyRead(e.type) ? parseObject(e.body)
                                                  : timelineStub(e.id, e.type, e.case_urn, e.victim_id, e.occurred_at));
      t.source.emplace_back(e.seq, e.body);
    }
    recent.push_front(std::move(t));
    if (recent.size() > kCases) recent.pop_back();
    return recent.front().events;
  }
};

LetterService::LetterService(storage::Database& db, ingest::Ingestor& ingestor, const rendering::TemplateSet& templates,
                             const domain::Engine& engine, const domain::Clock& clock, const VluContacts& contacts,
                             delivery::Outbox& outbox, const SupportServices* support)
    : db_(db), ingestor_(ingestor), templates_(templates), engine_(engine), clock_(clock), contacts_(contacts),
      support_(support), outbox_(outbox) {}

LetterService::Rendition LetterService::prepare(storage::Store& store, const storage::ObligationRow& o,
                                                int64_t letter_n, const domain::Date& letter_date,
                                                const std::string& fields_json, const std::string& free_text,
                                                TimelineMemo* timelines, const std::string* kind) {
  // The body is read for its template alone: a caller that has read this same body passes it (a draft
  // parsed the body three times, a large body, which was 4% of an import).
  auto victim = store.findVictim(o.victim_id);
  auto kase = store.findCase(o.case_urn);
  auto trigger = store.eventBody(o.trigger_event);
  if (!victim || !kase || !trigger)
    throw Error(Error::Kind::kInternal, "internal", "obligation " + o.id + " refers to a victim, case or event not stored");

  LetterInputs in;
  in.letter_id = "l-" + std::to_string(letter_n);
  in.kind = kind ? *kind : parseObject(o.body)->getValue<std::string>("template");
  in.victim_id = o.victim_id;
  in.case_urn = o.case_urn;
  in.area = o.area;
  in.victim_enhanced = victim->enhanced;
  in.victim_under_18 = victim->reasons.find("\"under_18\"") != std::string::npos;
  in.letter_date = letter_date;
  in.profile = parseObject(victim->profile);
  in.case_details = parseObject(kase->details);
  in.trigger = parseObject(*trigger);
  TimelineMemo one_use;
  in.timeline = (timelines ? *timelines : one_use).timeline(store, o.case_urn);
  if (!victim->isva_id.empty())
    if (auto isva = store.isvaDetails(victim->isva_id)) in.isva = parseObject(*isva);
  auto vlu = contacts_.find(o.area);
  in.vlu = vlu == contacts_.end() ? nullptr : &vlu->second;
  in.support = support_;
  in.welsh_area = welsh_areas_.count(o.area) > 0;
  const Object::Ptr fields = parseObject(fields_json);
  for (const auto& [k, v] : *fields) in.fields[k] = v.toString();
  // An extending event (it carries working_days: vrr.extended) moved another obligation's due date.
  if (in.trigger->has("working_days")) in.extended_due_by = extendedDueBy(store, o);
  in.free_text = free_text;

  Rendition r;
  r.kind = in.kind;
  r.context = buildLetterContext(in, engine_.calendar());
  // Whether the channel is safe is not in the data the template reads, but it changes the letter's fate: a
  // letter drafted before the victim said post is unsafe must be looked at again.
  std::string unsafe;
  for (const auto& b : r.context.blocked_by)
    if (b.code == "unsafe_channel") unsafe += "\n" + b.message;
  // What the hash is made from, written into one string (the same bytes as before: stored hashes are
  // compared with it). The context hash is how a later pass knows a letter must be redrafted.
  std::string hashed;
  hashed.reserve(16384);
  r.context.data.appendCanonical(hashed);
  hashed += "\n" + r.context.language + "\n" + r.context.channel + "\n" + r.context.recipient_email + "\n";
  hashed += templates_.version(in.kind, r.context.language);
  hashed += unsafe;
  // A phone task is looked at again when the number on the record changes (or arrives).
  if (r.context.channel == "phone") hashed += "\nphone:" + r.context.recipient_phone;
  r.hash = sha256Hex(hashed);
  r.letter_date = letter_date.toString();
  r.fields_json = toJson(fields);
  r.free_text = free_text;
  r.policy = o.policy;
  return r;
}

LetterService::Rendition LetterService::render(storage::Store& store, const storage::ObligationRow& o,
                                               int64_t letter_n, const domain::Date& letter_date,
                                               const std::string& fields_json, const std::string& free_text,
                                               TimelineMemo* timelines, const std::string* kind) {
  Rendition r = prepare(store, o, letter_n, letter_date, fields_json, free_text, timelines, kind);
  r.rendered = templates_.render(r.kind, r.context.language, r.context.data);
  r.blocked = r.context.blocked_by;
  for (const auto& hole : r.rendered.holes)
    if (!holeExplained(hole, r.context.blocked_by))
      r.blocked.push_back({"field:" + hole, "the letter has nothing to print for " + hole});
  r.blocked_json = blockedJson(r.blocked);
  return r;
}

void LetterService::write(storage::Store& store, storage::LetterStore& letters, storage::LetterRow& row,
                          const Rendition& r, const std::string& author, const std::string& why,
                          const std::string& action) {
  const std::string now = domain::formatRfc3339Utc(clock_.now());
  const int previous = row.version;
  const std::string from_state = row.state;
  row.version = previous + 1;
  row.state = r.blocked.empty() ? "draft" : "blocked";
  row.language = r.context.language;
  row.channel = r.context.channel;
  row.letter_date = r.letter_date;
  row.blocked_by = r.blocked_json;
  row.fields = r.fields_json;
  row.free_text = r.free_text;
  row.context_hash = r.hash;
  row.template_version = r.rendered.template_version;
  row.policy = r.policy;
  row.recipient_email = r.context.recipient_email;
  row.html = r.rendered.html;
  row.text = r.rendered.text;
  row.updated_at = now;
  // A letter drafted in one step (draft()) is new here; a letter being written (addPendingLetters) is
  // stored already, at version 0, and gets its words by an update from that version like any other.
  if (previous == 0 && row.created_at.empty()) {
    row.created_at = now;
    letters.insertLetter(row, true);  // its words are in the version appended below
  } else if (!letters.updateLetter(row, previous, true)) {
    throw Error(Error::Kind::kConflict, "stale_version", "letter " + row.id() + " changed while it was being written");
  }
  letters.appendVersion(row.n, {row.version, now, author, why, row.language, row.channel, row.letter_date,
                                row.blocked_by, row.fields, row.free_text, row.context_hash, row.template_version,
                                row.policy, row.html, row.text});
  letters.appendHistory(row.n, {now, author, action, from_state, row.state, row.version, why});
  store.audit(now, author, "letter_" + action, "letter:" + row.id(),
              "obligation:" + row.obligation_id + " version:" + std::to_string(row.version) + " state:" + row.state);
}

// ---- the scheduler's side -----------------------------------------------------------------

RefreshReport LetterService::refresh(const std::vector<std::string>& cases) {
  RefreshReport report;
  auto attempt = [&](const std::string& what, const std::string& case_urn, const std::function<bool()>& step) {
    try {
      return step();
    } catch (const std::exception& e) {
      ++report.failed;
      report.retry_cases.insert(case_urn);
      log().error("%s: %s", what, std::string(e.what()));
      return false;
    }
  };
  storage::LetterFilter open;
  open.states = {"draft", "blocked", "rejected", "approved"};
  open.cases = cases;
  open.limit = 1000000;
  std::vector<storage::LetterRow> letters;
  std::vector<storage::ObligationRow> undrafted;
  TimelineMemo timelines;
  {
    auto lease = db_.session();
    letters = storage::LetterStore(lease).listLetters(open);
    undrafted = storage::Store(lease).obligationsWithoutLetters(cases);
  }
  report.looked_at = letters.size() + undrafted.size();
  // Only letters whose obligation is no longer open, or may now be carried by another letter (a
  // decision letter that carries the meeting offer), need the write transaction withdrawal takes.
  std::set<std::string> carriable;
  for (const auto& set : engine_.rules().sets())
    for (const auto& rule : set.rules) carriable.insert(rule.carries_offer.begin(), rule.carries_offer.end());
  auto withdrawIfDue = [&](const storage::LetterRow& l) {
    if (l.obligation_status != "pending" || carriable.count(l.rule))
      if (attempt("withdrawing letter " + l.id(), l.case_urn, [&] {
            bool retry = false;
            const bool withdrawn = withdrawIfSuperseded(l.n, &retry);
            if (retry) report.retry_cases.insert(l.case_urn);
            return withdrawn;
          }))
        ++report.withdrawn;
  };
  for (const auto& l : letters)
    if (l.version != domain::kBeingWrittenVersion) withdrawIfDue(l);
  // Letters being written (made in the ingest's transaction by addPendingLetters): their words now, in the
  // order they were numbered, which is the order a refresh drafted them in before (case, then obligation).
  std::vector<const storage::LetterRow*> pending;
  for (const auto& l : letters)
    if (l.version == domain::kBeingWrittenVersion) pending.push_back(&l);
  std::sort(pending.begin(), pending.end(), [](const auto* a, const auto* b) { return a->n < b->n; });
  report.drafted += writePending(pending, timelines, report);
  // One whose obligation closed (or whose offer another letter came to carry) while it was being written
  // goes the way a drafted letter would have gone: written, then withdrawn.
  for (const auto* l : pending) withdrawIfDue(*l);
  // Drafts are committed a few dozen at a time (each commit is an fsync); each letter is its own
  // savepoint, so one that fails is undone alone and the others still go in.
  std::vector<const storage::ObligationRow*> to_draft;
  std::vector<std::string> kinds;  // each one's template, read here once (a short string: no memory to speak of)
  for (const auto& o : undrafted)
    if (std::optional<std::string> kind = letterKindFor(o)) {
      to_draft.push_back(&o);
      kinds.push_back(std::move(*kind));
    }
  constexpr size_t kDraftsPerCommit = 50;
  for (size_t i = 0; i < to_draft.size();) {
    auto lease = db_.session();
    storage::Store store(lease);
    storage::LetterStore letter_store(lease);
    storage::WriteTransaction tx(lease);
    for (const size_t end = std::min(i + kDraftsPerCommit, to_draft.size()); i < end; ++i)
      if (attempt("drafting the letter for obligation " + to_draft[i]->id, to_draft[i]->case_urn, [&] {
            storage::Savepoint step(lease);
            const bool drafted = draft(store, letter_store, *to_draft[i], &timelines, &kinds[i]);
            step.release();
            return drafted;
          }))
        ++report.drafted;
    tx.commit();
  }
  for (const auto& l : letters)
    if ((l.state == "draft" || l.state == "blocked") && l.version != domain::kBeingWrittenVersion)  // just written
      if (attempt("re-rendering letter " + l.id(), l.case_urn, [&] {
            bool retry = false;
            const bool rerendered = rerenderIfChanged(l.n, &retry, &timelines);
            if (retry) report.retry_cases.insert(l.case_urn);
            return rerendered;
          }))
        ++report.rerendered;
  if (report.drafted || report.rerendered || report.withdrawn)
    log().information("letters: %z drafted, %z re-rendered, %z withdrawn", report.drafted, report.rerendered,
                      report.withdrawn);
  return report;
}

std::optional<std::string> LetterService::letterKindFor(const storage::ObligationRow& o) {
  const Object::Ptr body = parseObject(o.body);
  std::string kind = body->optValue<std::string>("template", "");
  if (!domain::obligationNeedsLetter(o.kind, body->optValue<std::string>("recipient", ""), kind,
                                     body->optValue<std::string>("carried_by", "")))
    return std::nullopt;
  return kind;
}

void LetterService::addPendingLetters(storage::Connection& session, const std::vector<std::string>& cases) {
  if (cases.empty()) return;
  storage::LetterStore letters(session);
  const std::string now = domain::formatRfc3339Utc(clock_.now());
  const std::string today = clock_.today().toString();
  for (auto& o : letters.obligationsForNewLetters(cases)) {
    if (!domain::obligationNeedsLetter(o.kind, o.recipient, o.template_name, o.carried_by)) continue;
    // Exactly the row a draft makes (number, obligation, kind, policy; its due date, Area and rule from the
    // obligation, written by LetterStore::insertLetter), at version 0, blocked with one plain reason, and without words:
    // its language, channel and words are worked out with them (writePending).
    storage::LetterRow row;
    row.n = letters.nextLetterNumber();
    row.obligation_id = o.id;
    row.kind = std::move(o.template_name);
    row.state = "blocked";
    row.version = domain::kBeingWrittenVersion;
    row.letter_date = today;
    row.blocked_by = kBeingWrittenBlocked;
    row.fields = "{}";
    row.policy = o.policy;
    row.created_at = now;
    row.updated_at = now;
    letters.insertLetter(row);
  }
}

size_t LetterService::writePending(const std::vector<const storage::LetterRow*>& pending, TimelineMemo& timelines,
                                   RefreshReport& report) {
  auto attempt = [&](const storage::LetterRow& l, const std::function<bool()>& step) {
    try {
      return step();
    } catch (const std::exception& e) {
      ++report.failed;
      report.retry_cases.insert(l.case_urn);
      log().error("writing letter %s (obligation %s): %s", l.id(), l.obligation_id, std::string(e.what()));
      return false;
    }
  };
  // INVARIANT (a letter's words and a concurrent batch; what a second writer could break): the words are
  // rendered outside the write lock, so a batch may commit a change to the case between their rendering
  // and their writing. That batch is not lost under them: the scheduler read the case's arming token
  // (case_checks) before this look, the batch armed the case again with a new token, so this look leaves
  // the case armed and the batch's own after-commit call (or the next pass) looks again and re-renders
  // the letter from what the batch stored (rerenderIfChanged, itself version-checked). And nothing is
  // written over: the words go in only while the letter, read again inside the write transaction, is
  // still at version 0 (another pass, or another process's import, may have written it first: then these
  // words are dropped, not counted as a failure), and the update names version 0 in its WHERE.
  constexpr size_t kDraftsPerCommit = 50;
  size_t written = 0;
  for (size_t i = 0; i < pending.size();) {
    const size_t end = std::min(i + kDraftsPerCommit, pending.size());
    std::vector<std::pair<const storage::LetterRow*, Rendition>> rendered;
    {
      auto lease = db_.session();
      storage::Store store(lease);
      for (; i < end; ++i) {
        const storage::LetterRow& l = *pending[i];
        attempt(l, [&] {
          // Without its body: the letter's kind, all prepare() would read from it, is the letter's own.
          auto obligation = store.findObligationForLetter(l.obligation_id);
          if (!obligation) throw Error(Error::Kind::kInternal, "internal", "obligation " + l.obligation_id + " is not stored");
          rendered.emplace_back(&l, render(store, *obligation, l.n, clock_.today(), l.fields, l.free_text, &timelines,
                                           &l.kind));
          return true;
        });
      }
    }
    if (rendered.empty()) continue;
    auto lease = db_.session();
    storage::Store store(lease);
    storage::LetterStore letters(lease);
    storage::WriteTransaction tx(lease);
    for (const auto& [l, r] : rendered)
      if (attempt(*l, [&, &l = l, &r = r] {
            storage::Savepoint step(lease);
            // As listed: nothing but this (or another look like it) changes a letter being written.
            const auto now = letters.versionAndState(l->n);
            if (!now || now->first != domain::kBeingWrittenVersion || now->second != "blocked")
              return false;  // written (or withdrawn) meanwhile
            storage::LetterRow row = *l;
            row.state.clear();  // its history starts with its words, as a letter drafted in one step does
            write(store, letters, row, r, kSystem, "drafted when obligation " + row.obligation_id + " was created",
                  "drafted");
            step.release();
            return true;
          }))
        ++written;
    tx.commit();
  }
  return written;
}

bool LetterService::draft(storage::Store& store, storage::LetterStore& letters,
                          const storage::ObligationRow& obligation, TimelineMemo* timelines,
                          const std::string* kind) {
  if (letters.findLetterByObligation(obligation.id)) return false;  // drafted meanwhile
  storage::LetterRow row;
  row.n = letters.nextLetterNumber();
  row.obligation_id = obligation.id;
  row.kind = kind ? *kind : parseObject(obligation.body)->getValue<std::string>("template");
  const Rendition r = render(store, obligation, row.n, clock_.today(), "{}", "", timelines, &row.kind);
  write(store, letters, row, r, kSystem, "drafted when obligation " + obligation.id + " was created", "drafted");
  return true;
}

bool LetterService::rerenderIfChanged(int64_t letter_n, bool* retry, TimelineMemo* timelines) {
  auto lease = db_.session();
  storage::Store store(lease);
  storage::LetterStore letters(lease);
  auto row = letters.findLetter(letter_n);
  if (!row || (row->state != "draft" && row->state != "blocked")) return false;
  auto obligation = store.findObligation(row->obligation_id);
  if (!obligation || obligation->status != "pending") return false;
  const Rendition as_is = prepare(store, *obligation, row->n, *domain::Date::parse(row->letter_date), row->fields,
                                  row->free_text, timelines);
  if (as_is.hash == row->context_hash) return false;  // the usual case: no render needed

  const Rendition fresh = render(store, *obligation, row->n, clock_.today(), row->fields, row->free_text, timelines);
  storage::WriteTransaction tx(lease);
  auto current = letters.findLetter(letter_n);
  if (!current || current->version != row->version || (current->state != "draft" && current->state != "blocked")) {
    if (retry) *retry = true;
    return false;  // someone else changed it; the next pass looks again
  }
  const std::string why = fresh.rendered.template_version != row->template_version
                              ? "re-rendered: the letter templates changed"
                              : "re-rendered: what the letter says changed (new information about the case)";
  write(store, letters, *current, fresh, kSystem, why, "rerendered");
  tx.commit();
  return true;
}

bool LetterService::withdrawIfSuperseded(int64_t letter_n, bool* retry) {
  auto lease = db_.session();
  storage::Store store(lease);
  storage::LetterStore letters(lease);
  storage::WriteTransaction tx(lease);
  auto row = letters.findLetter(letter_n);
  if (!row || !domain::isOpen(stateOf(*row))) return false;
  auto obligation = store.findObligation(row->obligation_id);
  if (!obligation) return false;
  const Object::Ptr body = parseObject(obligation->body);
  // A pending offer another letter now carries (e.g. after rederive): that letter makes the offer.
  const std::string carried_by = body->optValue<std::string>("carried_by", "");
  if (obligation->status == "pending" && carried_by.empty()) return false;

  if (row->state == "approved") {
    storage::OutboxStore outbox(lease);
    auto message = outbox.latestForLetter(row->n);
    if (message && message->state == "sending") {  // it may be on its way; the outcome decides
      if (retry) *retry = true;
      return false;
    }
    if (message && (message->state == "queued" || message->state == "retrying" || message->state == "dead"))
      outbox.finish(message->id, "cancelled", "", "the letter was withdrawn", 0);
  }
  auto eventOf = [&](const char* key) { return body->optValue<std::string>(key, ""); };
  auto typeOf = [&](const std::string& id) {
    auto e = store.eventBody(id);
    return e ? parseObject(*e)->optValue<std::string>("type", "") : std::string();
  };
  std::string reason;
  if (obligation->status == "pending") {
    reason = "the letter for obligation " + carried_by + " carries this offer, so obligation " + obligation->id +
             " needs no letter of its own";
  } else if (obligation->status == "cancelled" && !eventOf("cancelled_note").empty()) {
    reason = "superseded: obligation " + obligation->id + " was cancelled: " + eventOf("cancelled_note");  // rederive
  } else if (obligation->status == "cancelled") {
    reason = "superseded: obligation " + obligation->id + " was cancelled by event " + eventOf("cancelled_by_event") +
             " (" + typeOf(eventOf("cancelled_by_event")) + ")";
  } else if (obligation->status == "waived") {
    reason = "the victim opted out (event " + eventOf("waived_by_event") + "), so obligation " + obligation->id +
             " is waived";
  } else {
    reason = "obligation " + obligation->id + " was completed by event " + eventOf("completed_by_event") + " (" +
             typeOf(eventOf("completed_by_event")) + ") before this letter was sent";
  }
  const std::string now = domain::formatRfc3339Utc(clock_.now());
  const std::string from = row->state;
  // A phone task done: the CPS recorded the call (contact.recorded by cps, e.g. from the case management
  // system). The letter's content reached the victim another way: met_another_way, not withdrawn.
  if (row->channel == "phone" && (obligation->status == "met" || obligation->status == "late")) {
    const std::string event_id = eventOf("completed_by_event");
    auto event = store.eventBody(event_id);
    const Object::Ptr e = event ? parseObject(*event) : Object::Ptr(new Object);
    if (e->optValue<std::string>("type", "") == "contact.recorded" && e->optValue<std::string>("by", "") == "cps") {
      std::string how = e->optValue<std::string>("channel", "phone");
      const auto& known = metAnotherWayChannels();
      if (std::find(known.begin(), known.end(), how) == known.end()) how = "other";
      std::string said = how;
      std::replace(said.begin(), said.end(), '_', ' ');
      row->state = domain::toString(domain::LetterState::kMetAnotherWay);
      row->note = "met another way (" + said + "): the CPS recorded the contact (event " + event_id +
                  ", contact.recorded), completing obligation " + obligation->id;
      row->updated_at = now;
      letters.updateLetterAsRead(*row);
      letters.appendHistory(row->n, {now, kSystem, "met_another_way", from, row->state, row->version, row->note});
      store.audit(now, kSystem, "letter_met_another_way", "letter:" + row->id(),
                  "obligation:" + obligation->id + " channel:" + how + " event:" + event_id);
      tx.commit();
      log().information("letter %s met another way: obligation %s completed by event %s", row->id(), obligation->id,
                        event_id);
      return true;
    }
  }
  row->state = "withdrawn";
  row->note = reason;
  row->updated_at = now;
  letters.updateLetterAsRead(*row);
  letters.appendHistory(row->n, {now, kSystem, "withdrawn", from, "withdrawn", row->version, reason});
  store.audit(now, kSystem, "letter_withdrawn", "letter:" + row->id(), "obligation:" + obligation->id);
  tx.commit();
  log().information("letter %s withdrawn: obligation %s is %s", row->id(), obligation->id, obligation->status);
  return true;
}

// ---- plain English ---------------------------------------------------------------------------

std::vector<domain::PlainEnglishFinding> LetterService::findingsOf(const Rendition* r,
                                                                   const storage::LetterRow& row) const {
  std::vector<domain::PlainEnglishFinding> out;
  if (!plain_english_) return out;
  auto check = [&](const std::string& field, const std::string& text) {
    for (auto& f : domain::checkPlainEnglish(*plain_english_, field, text)) out.push_back(std::move(f));
  };
  // The reasons as the letter prints them (the officer's edit, else the prosecutor's), if it does.
  bool prints_reasons = false;
  try {
    for (const auto& [name, text] : templates_.partialTexts(row.kind, row.language))
      prints_reasons = prints_reasons || name == "reasons" || text.find("decision.reasons") != std::string::npos;
  } catch (const std::exception&) {
  }
  const Object::Ptr fields = parseObject(row.fields);
  if (prints_reasons) {
    std::string reasons;
    const rendering::Value* decision = r ? r->context.data.find("decision") : nullptr;
    const rendering::Value* printed = decision ? decision->find("reasons") : nullptr;
    if (printed)
      for (const auto& paragraph : printed->items()) reasons += paragraph.text() + "\n";
    else if (fields->has("reasons"))
      reasons = fields->getValue<std::string>("reasons");
    check("reasons", reasons);
  }
  // Every other paragraph the officers wrote: the Welsh reasons and free text, the Easy Read text. Not a
  // translation into another language, nor names and charge lists (reviewer, next_step, *charges).
  for (const char* key : {"reasons_cy", "free_text_cy", "easy_read_text"})
    if (fields->has(key) && fields->get(key).isString()) check(key, fields->get(key).toString());
  check("free_text", row.free_text);
  return out;
}

std::vector<domain::PlainEnglishFinding> LetterService::findings(const storage::LetterRow& row) {
  if (!plain_english_) return {};
  auto lease = db_.session();
  storage::Store store(lease);
  return findingsIn(store, row);
}

std::vector<domain::PlainEnglishFinding> LetterService::findingsIn(storage::Store& store, const storage::LetterRow& row) {
  if (!plain_english_) return {};
  std::optional<Rendition> r;
  try {
    if (auto obligation = store.findObligation(row.obligation_id))
      r = prepare(store, *obligation, row.n, *domain::Date::parse(row.letter_date), row.fields, row.free_text);
  } catch (const std::exception&) {  // a purged case: what the officers wrote is still checked
  }
  return findingsOf(r ? &*r : nullptr, row);
}

// ---- the review queue -----------------------------------------------------------------------

std::vector<storage::LetterRow> LetterService::list(storage::LetterFilter filter, const Actor& actor) {
  if (!actor.area.empty()) {
    if (!filter.area.empty() && filter.area != actor.area) return {};  // nothing outside their Area
    filter.area = actor.area;
  }
  auto lease = db_.session();
  return storage::LetterStore(lease).listLetters(filter);
}

std::vector<storage::LetterCount> LetterService::count(storage::LetterCountScope scope, const Actor& actor) {
  if (!actor.area.empty()) {
    if (!scope.area.empty() && scope.area != actor.area) return {};  // nothing outside their Area
    scope.area = actor.area;
  }
  auto lease = db_.session();
  return storage::LetterStore(lease).countLetters(scope);
}

storage::LetterRow LetterService::loadForChange(storage::LetterStore& letters, const std::string& id,
                                                const Actor& actor) {
  auto row = letters.findLetter(parseLetterId(id));
  if (!row || (!actor.area.empty() && row->area != actor.area)) throw notFound(id);
  return *row;
}

LetterDetail LetterService::read(const std::string& id, const Actor& actor) {
  auto lease = db_.session();
  storage::Store store(lease);
  storage::LetterStore letters(lease);
  const std::string now = domain::formatRfc3339Utc(clock_.now());
  LetterDetail d;
  try {
    d.letter = loadForChange(letters, id, actor);
  } catch (const Error&) {
    store.audit(now, actor.name, "read_letter_denied", "letter:" + id, "not found or outside area");
    throw;
  }
  store.audit(now, actor.name, "read_letter", "letter:" + id, "victim:" + d.letter.victim_id);
  d.versions = letters.versions(d.letter.n, false);
  d.history = letters.history(d.letter.n);
  d.delivery = storage::OutboxStore(lease).latestForLetter(d.letter.n);
  d.findings = findingsIn(store, d.letter);  // on this session: a second one per request could starve the pool
  if (d.letter.channel == "phone") {
    for (const auto& h : d.history) d.call_attempts += h.action == "call_attempted";
    domain::PhoneScriptInput in;
    in.letter_text = d.letter.text;
    in.welsh = d.letter.language == "cy";
    if (auto victim = store.findVictim(d.letter.victim_id)) {
      const Object::Ptr profile = parseObject(victim->profile);
      const ContactSafety safety = contactSafety(profile);
      const PhoneContact who = phoneContact(profile);
      in.recipient_name = who.name;
      in.recipient_role = who.role;
      in.number = who.number;
      in.voicemail_safe = safety.voicemail;
      in.discreet = safety.discreet;
    } else {
      in.voicemail_safe = false;  // nothing on the record (a purged case): leave nothing
    }
    auto vlu = contacts_.find(d.letter.area);
    if (vlu != contacts_.end()) in.callback_phone = vlu->second.phone;
    d.phone_script = domain::phoneScript(in);
  }
  return d;
}

storage::LetterRow LetterService::edit(const std::string& id, const Actor& actor, const LetterEdit& e) {
  const auto& editable = editableFields();
  std::string changed;
  for (const auto& [k, v] : e.fields) {
    if (std::find(editable.begin(), editable.end(), k) == editable.end()) {
      std::string names;
      for (const auto& f : editable) names += (names.empty() ? "" : ", ") + f;
      throw Error(Error::Kind::kInvalidArgument, "invalid_edit",
                  "fields." + k + ": not an editable field (editable: " + names + ")", {}, "fields." + k);
    }
    if (k == "channel" && !v.empty() && v != "post" && v != "email" && v != "phone")
      throw Error(Error::Kind::kInvalidArgument, "invalid_edit",
                  "fields.channel: post, email or phone (or empty for the victim's preferred channel)", {},
                  "fields.channel");
    if (k == "next_step" && !v.empty() && v != "charge" && v != "proceedings_reinstated" && v != "explanation_and_apology")
      throw Error(Error::Kind::kInvalidArgument, "invalid_edit",
                  "fields.next_step: one of charge, proceedings_reinstated, explanation_and_apology", {},
                  "fields.next_step");
    if (v.size() > kMaxEditChars)
      throw Error(Error::Kind::kInvalidArgument, "invalid_edit",
                  "fields." + k + ": at most " + std::to_string(kMaxEditChars) + " characters", {}, "fields." + k);
    changed += (changed.empty() ? "" : ", ") + k;
  }
  if (e.free_text && e.free_text->size() > kMaxEditChars)
    throw Error(Error::Kind::kInvalidArgument, "invalid_edit",
                "free_text: at most " + std::to_string(kMaxEditChars) + " characters", {}, "free_text");
  if (e.free_text) changed += (changed.empty() ? "" : ", ") + std::string("free text");

  auto lease = db_.session();
  storage::Store store(lease);
  storage::LetterStore letters(lease);
  storage::WriteTransaction tx(lease);
  storage::LetterRow row = loadForChange(letters, id, actor);
  refuseIfBeingWritten(row);
  if (auto refusal = domain::refuseEdit(stateOf(row), row.version, e.version)) throw refused(*refusal);
  auto obligation = store.findObligation(row.obligation_id);
  Object::Ptr fields = parseObject(row.fields);
  for (const auto& [k, v] : e.fields) {
    if (v.empty())
      fields->remove(k);
    else
      fields->set(k, v);
  }
  const Rendition r = render(store, *obligation, row.n, clock_.today(), toJson(fields), e.free_text.value_or(row.free_text));
  row.last_edited_by = actor.name;
  write(store, letters, row, r, actor.name, "edited by " + actor.name + (changed.empty() ? "" : ": " + changed), "edited");
  tx.commit();
  return *letters.findLetter(row.n);
}

storage::LetterRow LetterService::approve(const std::string& id, const Actor& actor, std::optional<int> read_version,
                                         const std::string& override_reason) {
  const bool overridden = override_reason.find_first_not_of(" \t\r\n") != std::string::npos;
  if (override_reason.size() > kMaxReasonChars)
    throw Error(Error::Kind::kInvalidArgument, "invalid_reason",
                "override_reason: at most " + std::to_string(kMaxReasonChars) + " characters", {}, "override_reason");
  auto lease = db_.session();
  storage::Store store(lease);
  storage::LetterStore letters(lease);
  storage::WriteTransaction tx(lease);
  storage::LetterRow row = loadForChange(letters, id, actor);
  refuseIfBeingWritten(row);
  // A phone task is read to the recipient by phone, never sent: nothing to approve for the outbox.
  if (row.channel == "phone" && domain::isOpen(stateOf(row)))
    throw Error(Error::Kind::kConflict, "phone_task",
                "letter " + row.id() + " is a phone task: it is not approved or sent. Call the number on the record "
                "using the script, then record the call (met-another-way, channel phone), or record a call attempt "
                "if nobody answered");
  if (auto refusal = domain::refuseApproval(stateOf(row), blockedCount(row.blocked_by), row.last_edited_by, actor.name,
                                            row.version, read_version))
    throw refused(*refusal);
  auto obligation = store.findObligation(row.obligation_id);
  if (obligation->status != "pending")
    throw Error(Error::Kind::kConflict, "invalid_state",
                "obligation " + obligation->id + " is " + obligation->status + "; the letter is being withdrawn");

  // What the approver read must still be what the letter says.
  const Rendition as_read =
      prepare(store, *obligation, row.n, *domain::Date::parse(row.letter_date), row.fields, row.free_text);
  const domain::Date today = clock_.today();
  if (as_read.hash != row.context_hash) {
    write(store, letters, row,
          render(store, *obligation, row.n, today, row.fields, row.free_text), kSystem,
          "re-rendered: what the letter says changed before it was approved", "rerendered");
    tx.commit();
    throw Error(Error::Kind::kConflict, "letter_changed",
                "what the letter says changed before it could be approved: read it again");
  }
  // Officers' words in plain English, or a reason why they stand (recorded below).
  const std::vector<domain::PlainEnglishFinding> found = findingsOf(&as_read, row);
  if (!found.empty() && !overridden) {
    std::string what;
    for (size_t i = 0; i < found.size() && i < 3; ++i)
      what += (i ? "; " : "") + found[i].field + ": " +
              (found[i].kind == "term" ? "\"" + found[i].text + "\" (" + found[i].suggestion + ")"
                                       : "a sentence of " + found[i].suggestion.substr(0, found[i].suggestion.find(':')));
    throw Error(Error::Kind::kConflict, "plain_english",
                std::to_string(found.size()) + " plain-English finding" + (found.size() == 1 ? "" : "s") +
                    " in the officers' words (" + what + (found.size() > 3 ? "; ..." : "") +
                    "): correct the letter, or approve it with an override_reason saying why the words stand",
                {}, found[0].field);
  }
  // A letter carries the date it is sent on.
  if (row.letter_date != today.toString())
    write(store, letters, row, render(store, *obligation, row.n, today, row.fields, row.free_text), kSystem,
          "dated " + today.toString() + " for sending", "dated");

  const std::string now = domain::formatRfc3339Utc(clock_.now());
  const std::string from = row.state;
  row.state = "approved";
  row.approved_by = actor.name;
  row.approved_at = now;
  row.updated_at = now;
  letters.updateLetterAsRead(row);
  const bool override_used = !found.empty();
  letters.appendHistory(row.n, {now, actor.name, "approved", from, "approved", row.version,
                                override_used ? "approved despite " + std::to_string(found.size()) +
                                                    " plain-English findings: " + override_reason
                                              : ""});
  store.audit(now, actor.name, "letter_approved", "letter:" + row.id(),
              "obligation:" + row.obligation_id + " version:" + std::to_string(row.version) +
                  (override_used ? " plain_english_override:" + std::to_string(found.size()) : ""));
  if (override_used) {
    size_t terms = 0;
    for (const auto& f : found) terms += f.kind == "term";
    store.audit(now, actor.name, "letter_plain_english_overridden", "letter:" + row.id(),
                "version:" + std::to_string(row.version) + " terms:" + std::to_string(terms) +
                    " long_sentences:" + std::to_string(found.size() - terms) + " reason:in the letter history");
  }
  storage::OutboxRow owner;
  owner.letter_n = row.n;
  // Discretion: a neutral subject and sender name, so an inbox someone else sees names neither the CPS
  // nor the offence.
  auto victim = store.findVictim(row.victim_id);
  const bool discreet = victim && contactSafety(parseObject(victim->profile)).discreet;
  const std::string subject = !discreet                ? emailSubject(row.language)
                              : row.language == "cy" ? discretion_.subject_cy
                                                     : discretion_.subject;
  outbox_.enqueue(lease,
                  {row.channel, row.id(), row.channel == "email" ? row.recipient_email : "", subject, "", row.text,
                   row.html, discreet ? discretion_.sender_name : ""},
                  owner, "letter." + row.id() + ".v" + std::to_string(row.version));
  tx.commit();
  if (on_approved_) on_approved_();
  return *letters.findLetter(row.n);
}

storage::LetterRow LetterService::reject(const std::string& id, const Actor& actor, const std::string& reason) {
  const auto b = reason.find_first_not_of(" \t\r\n");
  if (b == std::string::npos)
    throw Error(Error::Kind::kInvalidArgument, "invalid_reason", "reason: say why the letter is rejected", {}, "reason");
  if (reason.size() > kMaxReasonChars)
    throw Error(Error::Kind::kInvalidArgument, "invalid_reason",
                "reason: at most " + std::to_string(kMaxReasonChars) + " characters", {}, "reason");
  auto lease = db_.session();
  storage::Store store(lease);
  storage::LetterStore letters(lease);
  storage::WriteTransaction tx(lease);
  storage::LetterRow row = loadForChange(letters, id, actor);
  refuseIfBeingWritten(row);
  if (auto refusal = domain::refuseRejection(stateOf(row))) throw refused(*refusal);
  const std::string now = domain::formatRfc3339Utc(clock_.now());
  const std::string from = row.state;
  row.state = "rejected";
  row.note = reason;
  row.updated_at = now;
  letters.updateLetterAsRead(row);
  letters.appendHistory(row.n, {now, actor.name, "rejected", from, "rejected", row.version, reason});
  store.audit(now, actor.name, "letter_rejected", "letter:" + row.id(), "obligation:" + row.obligation_id);
  tx.commit();
  return *letters.findLetter(row.n);
}

storage::LetterRow LetterService::meetAnotherWay(const std::string& id, const Actor& actor, const MetAnotherWay& m) {
  const auto& channels = metAnotherWayChannels();
  if (std::find(channels.begin(), channels.end(), m.channel) == channels.end())
    throw Error(Error::Kind::kInvalidArgument, "invalid_reason",
                "channel: say how the victim was reached: phone, in_person, video or other", {}, "channel");
  if (m.reason.find_first_not_of(" \t\r\n") == std::string::npos)
    throw Error(Error::Kind::kInvalidArgument, "invalid_reason",
                "reason: say how the victim was given the letter's content (for example, read to them by phone "
                "with a Polish interpreter)",
                {}, "reason");
  if (m.reason.size() > kMaxReasonChars)
    throw Error(Error::Kind::kInvalidArgument, "invalid_reason",
                "reason: at most " + std::to_string(kMaxReasonChars) + " characters", {}, "reason");
  if (auto problem = textProblem(m.reason, TextKind::kFreeText))
    throw Error(Error::Kind::kInvalidArgument, "invalid_reason", "reason: " + *problem, {}, "reason");

  auto lease = db_.session();
  storage::Store store(lease);
  storage::LetterStore letters(lease);
  storage::WriteTransaction tx(lease);
  storage::LetterRow row = loadForChange(letters, id, actor);
  refuseIfBeingWritten(row);
  // Its case's lock before any write (the audit chain's lock among them): the order every derivation takes.
  store.lockCasesForDerivation({row.case_urn});
  if (auto refusal = domain::refuseMetAnotherWay(stateOf(row), row.version, m.version)) throw refused(*refusal);
  auto obligation = store.findObligation(row.obligation_id);
  if (!obligation || obligation->status != "pending")
    throw Error(Error::Kind::kConflict, "invalid_state",
                "obligation " + row.obligation_id + " is no longer open; the letter is being withdrawn");
  auto victim = store.findVictim(row.victim_id);
  const bool unsafe_channel = row.blocked_by.find("\"unsafe_channel\"") != std::string::npos;
  const bool phone_task = row.channel == "phone";
  if (!victim || (!communicationNeeds(parseObject(victim->profile)).any() && !unsafe_channel && !phone_task))
    throw Error(Error::Kind::kConflict, "no_communication_need",
                "the victim has no interpreter or Easy Read need recorded and the letter's channel is safe; a letter "
                "is met another way only for a communication need, an unsafe channel or a phone task (send or withdraw it as "
                "usual)");

  const std::string now = domain::formatRfc3339Utc(clock_.now());
  const std::string from = row.state;
  row.state = domain::toString(domain::LetterState::kMetAnotherWay);
  std::string how = m.channel;
  std::replace(how.begin(), how.end(), '_', ' ');  // "in person"
  row.note = "met another way (" + how + "): " + m.reason;
  row.updated_at = now;
  row.last_edited_by = actor.name;
  letters.updateLetterAsRead(row);
  letters.appendHistory(row.n, {now, actor.name, "met_another_way", from, row.state, row.version, row.note});
  // The reason may name people: the audit keeps the channel, not the words.
  store.audit(now, actor.name, "letter_met_another_way", "letter:" + row.id(),
              "obligation:" + row.obligation_id + " channel:" + m.channel);

  // The contact completes the obligation, through the same event-derived ledger as a letter sent.
  Object::Ptr event = new Object;
  event->set("id", std::string(ingest::kSystemEventIdPrefix) + "contact-recorded:" + row.id());
  event->set("type", std::string("contact.recorded"));
  event->set("occurred_at", now);
  event->set("case_urn", row.case_urn);
  event->set("victim_id", row.victim_id);
  event->set("obligation", row.obligation_id);
  event->set("by", std::string("cps"));
  event->set("channel", m.channel);
  event->set("notes", m.reason);
  event->set("letter_id", row.id());
  ingestor_.appendSystemEvent(store, event);
  tx.commit();
  return *letters.findLetter(row.n);
}

storage::LetterRow LetterService::recordCallAttempt(const std::string& id, const Actor& actor,
                                                   const std::string& notes) {
  if (notes.find_first_not_of(" \t\r\n") == std::string::npos)
    throw Error(Error::Kind::kInvalidArgument, "invalid_reason",
                "notes: say what happened (for example, no answer and no message left)", {}, "notes");
  if (notes.size() > kMaxReasonChars)
    throw Error(Error::Kind::kInvalidArgument, "invalid_reason",
                "notes: at most " + std::to_string(kMaxReasonChars) + " characters", {}, "notes");
  if (auto problem = textProblem(notes, TextKind::kFreeText))
    throw Error(Error::Kind::kInvalidArgument, "invalid_reason", "notes: " + *problem, {}, "notes");
  auto lease = db_.session();
  storage::Store store(lease);
  storage::LetterStore letters(lease);
  storage::WriteTransaction tx(lease);
  storage::LetterRow row = loadForChange(letters, id, actor);
  refuseIfBeingWritten(row);
  if (row.channel != "phone")
    throw Error(Error::Kind::kConflict, "not_phone_task",
                "letter " + row.id() + " goes by " + row.channel + ", not by phone: a call attempt is recorded only "
                "on a phone task");
  const domain::LetterState state = stateOf(row);
  auto obligation = store.findObligation(row.obligation_id);
  if (!domain::isOpen(state) || !obligation || obligation->status != "pending")
    throw Error(Error::Kind::kConflict, "invalid_state",
                "letter " + row.id() + " is " + row.state + " and its obligation is no longer open: nothing to call about");
  int attempts = 1;
  for (const auto& h : letters.history(row.n)) attempts += h.action == "call_attempted";
  const std::string now = domain::formatRfc3339Utc(clock_.now());
  letters.appendHistory(row.n, {now, actor.name, "call_attempted", row.state, row.state, row.version,
                                "call attempt " + std::to_string(attempts) + ": " + notes});
  // The notes may name people: the audit keeps the count, not the words.
  store.audit(now, actor.name, "letter_call_attempted", "letter:" + row.id(),
              "obligation:" + row.obligation_id + " attempt:" + std::to_string(attempts));
  tx.commit();
  return row;
}

// ---- delivery -----------------------------------------------------------------------------

std::string LetterService::withholdReason(storage::Connection& session, const storage::OutboxRow& message) {
  storage::Store store(session);
  auto row = storage::LetterStore(session).findLetter(message.letter_n);
  if (!row) return {};
  auto victim = store.findVictim(row->victim_id);
  if (!victim || contactSafety(parseObject(victim->profile)).safe(row->channel)) return {};
  return row->channel + " is no longer safe for this victim (their contact_safety changed after approval)";
}

void LetterService::withheld(storage::Connection& session, const storage::OutboxRow& message,
                             const std::string& reason) {
  storage::Store store(session);
  storage::LetterStore letters(session);
  auto row = letters.findLetter(message.letter_n);
  if (!row) return;
  auto obligation = store.findObligation(row->obligation_id);
  if (!obligation) return;
  // Back to the queue as a new version, blocked (unsafe_channel), for an officer to choose another way.
  write(store, letters, *row, render(store, *obligation, row->n, clock_.today(), row->fields, row->free_text), kSystem,
        "not sent: " + reason, "withheld");
}

void LetterService::delivered(storage::Connection& session, const storage::OutboxRow& message,
                              const std::string& receipt) {
  storage::Store store(session);
  storage::LetterStore letters(session);
  auto row = letters.findLetter(message.letter_n);
  if (!row) throw Error(Error::Kind::kInternal, "internal", "outbox message for unknown letter " + message.name);
  // Its case's lock before any write (the audit chain's lock among them): the order every derivation takes.
  store.lockCasesForDerivation({row->case_urn});
  const std::string now = domain::formatRfc3339Utc(clock_.now());
  const std::string from = row->state;
  row->state = "sent";
  row->sent_at = message.sent_at;
  row->updated_at = now;
  letters.updateLetterAsRead(*row);
  letters.appendHistory(row->n, {now, kSystem, "sent", from, "sent", row->version, receipt});
  store.audit(now, kSystem, "letter_sent", "letter:" + row->id(),
              "obligation:" + row->obligation_id + " channel:" + row->channel);

  // The ledger learns of it as an event, so the obligation is met or late like any other.
  Object::Ptr event = new Object;
  // A letter that came back and went again is sent a second time: that sending is its own event.
  std::string sent_id = std::string(ingest::kSystemEventIdPrefix) + "letter-sent:" + row->id();
  if (store.eventBody(sent_id)) sent_id += ":v" + std::to_string(row->version);
  event->set("id", sent_id);
  event->set("type", std::string("letter.sent"));
  event->set("occurred_at", message.sent_at);
  event->set("case_urn", row->case_urn);
  event->set("victim_id", row->victim_id);
  event->set("obligation", row->obligation_id);
  event->set("letter_id", row->id());
  event->set("channel", row->channel);
  ingestor_.appendSystemEvent(store, event);
}

void LetterService::attemptFailed(storage::Connection& session, const storage::OutboxRow& message,
                                  const delivery::DeliveryOutcome& outcome, bool dead, int64_t next_attempt_at) {
  storage::LetterStore letters(session);
  auto row = letters.findLetter(message.letter_n);
  if (!row) return;
  const std::string note =
      "attempt " + std::to_string(message.attempts) + " failed: " + outcome.summary +
      (dead ? "; no more attempts will be made, so a person must send it another way"
            : "; next attempt at " + domain::formatRfc3339Utc(next_attempt_at));
  const std::string now = domain::formatRfc3339Utc(clock_.now());
  letters.appendHistory(row->n, {now, kSystem, dead ? "delivery_failed" : "delivery_retry", row->state, row->state,
                                 row->version, note});
  // A message given up on is audited with the reason's class; the summary names no address.
  if (dead)
    storage::Store(session).audit(now, kSystem, "letter_delivery_failed", "letter:" + row->id(),
                                  std::string(outcome.permanent || outcome.undeliverable ? "failed_permanent"
                                                                                        : "out_of_attempts") +
                                      " attempts:" + std::to_string(message.attempts) + " " + outcome.summary);
}

// ---- delivery reports (the bounce mailbox) ------------------------------------------------------

namespace {

// "<letter.l-7.v3@example.org>" -> "letter.l-7.v3": names the sending, not the person.
std::string sendingKey(const std::string& message_id) {
  const size_t at = message_id.find('@');
  return message_id.substr(1, (at == std::string::npos ? message_id.size() - 1 : at) - 1);
}

}  // namespace

std::string LetterService::reportReceived(const storage::OutboxRow& message, const delivery::DeliveryReport& report) {
  const std::string key = sendingKey(message.message_id);
  const std::string status = report.status.empty() ? (report.action == "failed" ? "5.0.0" : "2.0.0") : report.status;
  std::optional<storage::LetterRow> row;
  bool latest = false;
  {
    auto lease = db_.session();
    row = storage::LetterStore(lease).findLetter(message.letter_n);
    auto last = storage::OutboxStore(lease).latestSentForLetter(message.letter_n);
    latest = last && last->id == message.id;
  }
  if (!row) throw Error(Error::Kind::kNotFound, "not_found", "no letter for " + key);
  const std::string outcome = report.action == "failed" ? "bounced" : "delivered";
  if (message.outcome == outcome) return outcome + " (" + status + "): already recorded";  // a report sent twice

  if (report.action == "failed" && latest && row->state == "sent") {
    // The sending that met the obligation bounced: the letter.bounced event an integration would post,
    // with an id that names the sending, so a second report of the same bounce changes nothing.
    Object::Ptr event = new Object;
    event->set("id", "dsn:" + key);
    event->set("type", std::string("letter.bounced"));
    event->set("occurred_at", domain::formatRfc3339Utc(clock_.now()));
    event->set("case_urn", row->case_urn);
    event->set("letter_id", row->id());
    event->set("status", status);
    if (!report.diagnostic.empty()) event->set("diagnostic", report.diagnostic);
    const ingest::IngestResult result = ingestor_.ingest({Poco::Dynamic::Var(event)}, "bounce-mailbox");
    return result.accepted ? "bounced (" + status + "): event dsn:" + key + " reopened its obligation"
                           : "bounced (" + status + "): already recorded";
  }

  // Delivered, or a sending bounced that no longer stands for the letter (it has gone again since, or
  // already came back another way): the message says so.
  const std::string detail = (outcome == "bounced" ? "email bounced (" : "delivered (") + status + ")" +
                             (report.diagnostic.empty() ? "" : ": " + report.diagnostic);
  const std::string now = domain::formatRfc3339Utc(clock_.now());
  auto lease = db_.session();
  storage::WriteTransaction tx(lease);
  storage::LetterStore letters(lease);
  if (!storage::OutboxStore(lease).recordOutcome(message.id, outcome, now, detail))
    throw Error(Error::Kind::kConflict, "invalid_state", key + " is no longer sent");
  const std::string note =
      outcome == "delivered" ? "the recipient's mail server reported " + key + " delivered"
      : latest               ? "the sending " + key + " bounced (" + status + ")"
                             : "an earlier sending (" + key + ") bounced (" + status + "); the letter has been sent again since";
  letters.appendHistory(row->n, {now, kSystem, outcome, row->state, row->state, row->version, note});
  storage::Store(lease).audit(now, kSystem, "letter_" + outcome, "letter:" + row->id(), "message:" + key + " status:" + status);
  tx.commit();
  return outcome + " (" + status + ")";
}

}  // namespace vc::letters
