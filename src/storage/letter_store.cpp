#include "storage/letter_store.h"
#include "storage/sqlite_connection.h"

#include <libdeflate.h>
#include <zlib.h>

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Statement.h>

#include "storage/database.h"
#include "common/base64.h"
#include "common/error.h"
#include "storage/outbox_store.h"
#include "storage/sqlite_statement.h"

using namespace Poco::Data::Keywords;
using Poco::Data::RecordSet;
using Poco::Data::Statement;

namespace vc::storage {
namespace {

// The state of the letter's latest outbox message ("" before approval).
constexpr const char* kDeliveryState =
    "IFNULL((SELECT m.state FROM outbox m WHERE m.letter_n = l.n ORDER BY m.id DESC LIMIT 1), '')";

// The latest outbox message's domain::deliveryStatus ("" before approval).
const std::string& deliveryStatusColumn() {
  static const std::string kColumn = "IFNULL((SELECT " + deliveryStatusSql("m", "pb") +
                                     " FROM outbox m LEFT JOIN print_batches pb ON pb.n = m.print_batch "
                                     "WHERE m.letter_n = l.n ORDER BY m.id DESC LIMIT 1), '')";
  return kColumn;
}

// A letter's words (html, text) are stored once (issue 16, item 6). A letter row with
// words_in_version = 1 holds '' in html and text, and its words are those of its current version,
// letter_versions(letter_n = n, version = letters.version); with 0 it holds its own words.
// Invariant (a concurrent writer could break it; every write here runs in one WriteTransaction under the
// store's writer mutex): words_in_version = 1 only while that version row exists and holds exactly the
// words the letter would otherwise hold. Version rows never change (their triggers) except by a purge,
// which first gives the case's letters their words back (RetentionStore::purgeCase). Only
// updateLetter and appendVersion set the flag, each after comparing the words (updateLetter reads the version's
// and compares them unpacked; appendVersion compares the letter row's in SQL), and insertLetter and
// updateLetter with words_follow, whose caller appends that version with the same words in the same
// transaction (LetterService::write), so the letter row never holds a copy to be freed a moment later.

// Every letter column, and the obligation's, by name; html and text only when asked for.
std::string letterSelect(bool with_content) {
  return std::string(
             "SELECT l.n AS n, l.obligation_id AS obligation_id, l.kind AS kind, l.language AS language, "
             "l.channel AS channel, l.state AS state, l.version AS version, l.letter_date AS letter_date, "
             "l.blocked_by AS blocked_by, IFNULL(l.last_edited_by, '') AS last_edited_by, l.fields AS fields, "
             "l.free_text AS free_text, l.context_hash AS context_hash, l.template_version AS template_version, "
             "l.policy AS policy, l.recipient_email AS recipient_email, ") +
         (with_content ? "CASE WHEN l.words_in_version = 1 THEN (SELECT v.html FROM letter_versions v WHERE v.letter_n = l.n "
                         "AND v.version = l.version) ELSE l.html END AS html, "
                         "CASE WHEN l.words_in_version = 1 THEN (SELECT v.text FROM letter_versions v WHERE v.letter_n = l.n "
                         "AND v.version = l.version) ELSE l.text END AS text, "
                       : "'' AS html, '' AS text, ") +
         "l.note AS note, l.created_at AS created_at, l.updated_at AS updated_at, "
         "IFNULL(l.approved_by, '') AS approved_by, IFNULL(l.approved_at, '') AS approved_at, "
         "IFNULL(l.sent_at, '') AS sent_at, o.rule AS rule, o.victim_id AS victim_id, o.case_urn AS case_urn, "
         "o.area AS area, o.due_by AS due_by, o.status AS obligation_status, " +
         std::string(kDeliveryState) + " AS delivery_state, " + deliveryStatusColumn() +
         " AS delivery_status FROM letters l JOIN obligations o ON o.id = l.obligation_id";
}


constexpr const char* kPackedPrefix = "\x01z:";

std::string unbase64(const std::string& in, size_t from) {
  auto out = base64Decode(std::string_view(in).substr(from));
  if (!out) throw Error(Error::Kind::kInternal, "storage", "a packed letter version is damaged");
  return std::move(*out);
}

std::vector<LetterRow> readLetters(Query& q) {
  std::vector<LetterRow> out;
  const int n_column = q.column("n"), version_column = q.column("version");
  std::vector<std::pair<size_t, int>> text_columns;  // offset of the field in LetterRow, result column
  static const std::vector<std::pair<std::string LetterRow::*, const char*>> kTextFields = {
      {&LetterRow::obligation_id, "obligation_id"}, {&LetterRow::kind, "kind"}, {&LetterRow::language, "language"},
      {&LetterRow::channel, "channel"}, {&LetterRow::state, "state"}, {&LetterRow::letter_date, "letter_date"},
      {&LetterRow::blocked_by, "blocked_by"}, {&LetterRow::last_edited_by, "last_edited_by"},
      {&LetterRow::fields, "fields"}, {&LetterRow::free_text, "free_text"}, {&LetterRow::context_hash, "context_hash"},
      {&LetterRow::template_version, "template_version"}, {&LetterRow::policy, "policy"},
      {&LetterRow::recipient_email, "recipient_email"}, {&LetterRow::html, "html"}, {&LetterRow::text, "text"},
      {&LetterRow::note, "note"}, {&LetterRow::created_at, "created_at"}, {&LetterRow::updated_at, "updated_at"},
      {&LetterRow::approved_by, "approved_by"}, {&LetterRow::approved_at, "approved_at"},
      {&LetterRow::sent_at, "sent_at"}, {&LetterRow::rule, "rule"}, {&LetterRow::victim_id, "victim_id"},
      {&LetterRow::case_urn, "case_urn"}, {&LetterRow::area, "area"}, {&LetterRow::due_by, "due_by"},
      {&LetterRow::obligation_status, "obligation_status"}, {&LetterRow::delivery_state, "delivery_state"},
      {&LetterRow::delivery_status, "delivery_status"}};
  std::vector<int> columns;
  for (const auto& [field, name] : kTextFields) columns.push_back(q.column(name));
  while (q.next()) {
    LetterRow r;
    r.n = q.int64(n_column);
    r.version = static_cast<int>(q.int64(version_column));
    for (size_t i = 0; i < kTextFields.size(); ++i) r.*(kTextFields[i].first) = q.text(columns[i]);
    r.html = LetterStore::unpackWords(r.html);  // a purge may have copied a version's packed words here
    r.text = LetterStore::unpackWords(r.text);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace

int64_t LetterStore::nextLetterNumber() { return takeNumber(s_, "letters"); }

void LetterStore::insertLetter(const LetterRow& r, bool words_follow) {
  Query q(s_,
          "INSERT INTO letters(n, obligation_id, kind, language, channel, state, version, letter_date, blocked_by, "
          "last_edited_by, fields, free_text, context_hash, template_version, policy, recipient_email, html, text, "
          "words_in_version, note, created_at, updated_at, due_by, area, rule) "
          "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, "
          // Its obligation's (migration 19: no trigger rewrites the row); none without one: NOT NULL refuses it.
          "(SELECT due_by FROM obligations WHERE id = ?2), (SELECT area FROM obligations WHERE id = ?2), "
          "(SELECT rule FROM obligations WHERE id = ?2))");
  const std::string none;
  q.bind(r.n).bind(r.obligation_id).bind(r.kind).bind(r.language).bind(r.channel).bind(r.state).bind(r.version);
  q.bind(r.letter_date).bind(r.blocked_by).bindOrNull(r.last_edited_by).bind(r.fields).bind(r.free_text);
  q.bind(r.context_hash).bind(r.template_version).bind(r.policy).bind(r.recipient_email);
  q.bind(words_follow ? none : r.html).bind(words_follow ? none : r.text).bind(words_follow).bind(r.note);
  q.bind(r.created_at).bind(r.updated_at).run();
}

bool LetterStore::updateLetter(const LetterRow& r, int expected_version, bool words_follow) {
  // The words are kept in the version row when it already holds them (an approval, a send: same version),
  // or when the caller appends that version next (a redraft: words_follow). The version's words are
  // compared unpacked: a version packed by an older build (another level, another deflater) holds the same
  // words in other bytes, and a version written before packing holds them as they are.
  // Prepared once per session (sqlite_statement.h): compiled on each call, these statements were most of a
  // draft's update (issue 16, "drafting's CPU").
  bool in_version = words_follow;
  if (!words_follow) {
    Query q(s_, "SELECT html, text FROM letter_versions WHERE letter_n = ? AND version = ?");
    q.bind(r.n).bind(r.version);
    in_version = q.next() && unpackWords(q.text(0)) == r.html && unpackWords(q.text(1)) == r.text;
  }
  const std::string none;
  Query q(s_,
          "UPDATE letters SET language = ?, channel = ?, state = ?, version = ?, letter_date = ?, blocked_by = ?, "
          "last_edited_by = NULLIF(?, ''), fields = ?, free_text = ?, context_hash = ?, template_version = ?, "
          "policy = ?, recipient_email = ?, html = ?, text = ?, words_in_version = ?, note = ?, updated_at = ?, "
          "approved_by = NULLIF(?, ''), approved_at = NULLIF(?, ''), sent_at = NULLIF(?, '') WHERE n = ? AND "
          "version = ?");
  q.bind(r.language).bind(r.channel).bind(r.state).bind(r.version).bind(r.letter_date).bind(r.blocked_by);
  q.bind(r.last_edited_by).bind(r.fields).bind(r.free_text).bind(r.context_hash).bind(r.template_version);
  q.bind(r.policy).bind(r.recipient_email).bindUncopied(in_version ? none : r.html).bindUncopied(in_version ? none : r.text);
  q.bind(in_version).bind(r.note).bind(r.updated_at).bind(r.approved_by).bind(r.approved_at).bind(r.sent_at);
  q.bind(r.n).bind(expected_version).run();
  return q.changes() == 1;
}

void LetterStore::updateLetterAsRead(const LetterRow& row) {
  if (!updateLetter(row, row.version))
    throw Error(Error::Kind::kConflict, "stale_version", "letter " + row.id() + " changed while it was being written");
}

void LetterStore::appendVersion(int64_t letter_n, const LetterVersionRow& v) {
  {
    const std::string html = packWords(v.html), text = packWords(v.text);  // outlive the query: bound uncopied
    Query q(s_,
            "INSERT INTO letter_versions(letter_n, version, at, author, why, language, channel, letter_date, "
            "blocked_by, fields, free_text, context_hash, template_version, policy, html, text) "
            "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    q.bind(letter_n).bind(v.version).bind(v.at).bind(v.author).bind(v.why).bind(v.language).bind(v.channel);
    q.bind(v.letter_date).bind(v.blocked_by).bind(v.fields).bind(v.free_text).bind(v.context_hash);
    q.bind(v.template_version).bind(v.policy).bindUncopied(html).bindUncopied(text).run();
  }
  // The letter at this version holds the same words (a draft or redraft): keep them here only.
  Query q(s_,
          "UPDATE letters SET html = '', text = '', words_in_version = 1 WHERE n = ? AND version = ? AND "
          "words_in_version = 0 AND html = ? AND text = ?");
  q.bind(letter_n).bind(v.version).bindUncopied(v.html).bindUncopied(v.text).run();
}

void LetterStore::appendHistory(int64_t letter_n, const LetterHistoryRow& h) {
  Query q(s_,
          "INSERT INTO letter_history(letter_n, n, at, actor, action, from_state, to_state, version, note) "
          "VALUES(?, (SELECT IFNULL(MAX(n), 0) + 1 FROM letter_history WHERE letter_n = ?), ?, ?, ?, ?, ?, ?, ?)");
  q.bind(letter_n).bind(letter_n).bind(h.at).bind(h.actor).bind(h.action).bind(h.from_state).bind(h.to_state);
  q.bind(h.version).bind(h.note).run();
}

std::optional<LetterRow> LetterStore::findLetter(int64_t n) {
  Query q(s_, letterSelect(true) + " WHERE l.n = ?");
  q.bind(n);
  auto rows = readLetters(q);
  if (rows.empty()) return std::nullopt;
  return rows.front();
}

std::optional<std::pair<int, std::string>> LetterStore::versionAndState(int64_t n) {
  Query q(s_, "SELECT version, state FROM letters WHERE n = ?");
  q.bind(n);
  if (!q.next()) return std::nullopt;
  return std::make_pair(static_cast<int>(q.int64(0)), q.text(1));
}

std::optional<LetterRow> LetterStore::findLetterByObligation(const std::string& obligation_id) {
  Query q(s_, letterSelect(true) + " WHERE l.obligation_id = ?");
  q.bind(obligation_id);
  auto rows = readLetters(q);
  if (rows.empty()) return std::nullopt;
  return rows.front();
}

namespace {

// Each attention filter first names the term of letters_by_attention_due's WHERE it implies (a code in
// blocked_by is always the quoted string these look for), then checks the code exactly.
// PostgreSQL: strpos for instr, json_array_elements for json_each.
std::string blockedCode(bool postgres) {
  return postgres ? " FROM json_array_elements(l.blocked_by::json) b WHERE b ->> 'code'"
                  : " FROM json_each(l.blocked_by) b WHERE json_extract(b.value, '$.code')";
}

std::string communicationNeedTerm(bool postgres) {
  return std::string(postgres ? "strpos" : "instr") + "(l.blocked_by, '\"needs_') > 0 AND EXISTS (SELECT 1" +
         blockedCode(postgres) + " IN ('needs_translation', 'needs_easy_read'))";
}

std::string unsafeChannelTerm(bool postgres) {
  return std::string(postgres ? "strpos" : "instr") + "(l.blocked_by, '\"unsafe_channel\"') > 0 AND EXISTS (SELECT 1" +
         blockedCode(postgres) + " = 'unsafe_channel')";
}

}  // namespace

ListQuery letterListQuery(const LetterFilter& f, bool postgres) {
  ListQuery q;
  q.sql = letterSelect(f.with_content);
  // The queue's order is (due_by, n), and l.due_by is its obligation's (migration 12 keeps them equal):
  // walked in an index in that order from the cursor, a page reads about as many rows as it returns
  // (more only when filters skip many). A case's or a victim's letters are few: found from their
  // obligations by the obligations' own index, then sorted (a handful of rows). The indexes are named:
  // the planner has no statistics, and given a victim and an Area (every Area-bound officer's view of a
  // victim) it walked the whole Area's letters in due order, looking for the victim's one or two.
  const std::string from = " FROM letters l JOIN obligations o ON o.id = l.obligation_id";
  if (!f.victim_id.empty() || !f.case_urn.empty() || !f.cases.empty()) {
    // CROSS JOIN keeps the obligations outside: SQLite never reorders the tables of a CROSS JOIN.
    // PostgreSQL has no INDEXED BY (its planner has statistics): the join as it is.
    if (!postgres)
      q.sql.replace(q.sql.find(from), from.size(),
                    std::string(" FROM obligations o INDEXED BY ") +
                        (!f.victim_id.empty() ? "obligations_by_victim" : "obligations_by_case") +
                        " CROSS JOIN letters l ON o.id = l.obligation_id");
  } else {
    // Letters that need attention (few, in any Area): the partial index of exactly the letters the terms
    // below can match (migration 17). One rule (a quarter of the letters or less): the letters by their
    // own copy of the rule, the Area and state riding along (migration 17). In one Area (every officer bound to one): that Area's letters in
    // order (l.area is its obligation's).
    const bool one_state = f.states.size() == 1;
    const bool attention = f.communication_need || f.unsafe_channel || f.phone_task;
    const char* index = attention     ? "letters_by_attention_due"
                        : !f.rule.empty() ? "letters_by_rule_due"
                        : !f.area.empty() ? (one_state ? "letters_by_area_state_due" : "letters_by_area_due")
                        : one_state       ? "letters_by_state_due"
                                          : "letters_by_due";
    if (!postgres)
      q.sql.replace(q.sql.find(from), from.size(),
                    std::string(" FROM letters l INDEXED BY ") + index + " JOIN obligations o ON o.id = l.obligation_id");
  }
  q.sql += " WHERE 1 = 1";
  auto in = [&](const char* column, const std::vector<std::string>& values) {
    if (values.empty()) return;
    q.sql += std::string(" AND ") + column + " IN (";
    for (size_t i = 0; i < values.size(); ++i) {
      q.sql += i ? ", ?" : "?";
      q.args.push_back(values[i]);
    }
    q.sql += ")";
  };
  auto eq = [&](const char* column, const std::string& value) {
    if (!value.empty()) in(column, {value});
  };
  in("l.state", f.states);
  in("o.case_urn", f.cases);
  eq("o.rule", f.rule);
  eq("l.rule", f.rule);  // the same, by the letter's own copy: what letters_by_rule_due starts from
  eq("o.area", f.area);
  eq("l.area", f.area);  // the same, by the letter's own copy: what letters_by_area_due starts from
  eq("o.victim_id", f.victim_id);
  eq("o.case_urn", f.case_urn);
  eq(kDeliveryState, f.delivery_state);
  eq(deliveryStatusColumn().c_str(), f.delivery_status);
  if (f.communication_need) q.sql += " AND " + communicationNeedTerm(postgres);
  if (f.unsafe_channel) q.sql += " AND " + unsafeChannelTerm(postgres);
  if (f.phone_task) q.sql += " AND l.channel = 'phone'";
  if (!f.due_from.empty()) {
    q.sql += " AND l.due_by >= ?";
    q.args.push_back(f.due_from);
  }
  if (!f.due_to.empty()) {
    q.sql += " AND l.due_by <= ?";
    q.args.push_back(f.due_to);
  }
  // The cursor is bound by listLetters (text, number). Backwards: the rows up to it, latest first.
  if (!f.after_due.empty()) q.sql += f.backwards ? " AND (l.due_by, l.n) <= (?, ?)" : " AND (l.due_by, l.n) > (?, ?)";
  q.sql += f.backwards ? " ORDER BY l.due_by DESC, l.n DESC LIMIT ?" : " ORDER BY l.due_by, l.n LIMIT ?";
  return q;
}

ListQuery letterCountQuery(const LetterCountScope& scope, bool postgres) {
  ListQuery q;
  // Every letter in the scope is read once (by the Area's, victim's or case's index) and counted by what the
  // queue filters on: state, rule, Area, when it is due (against today and the next working day), each
  // need, and whether it is at or before the page's cursor. The groups are few (they are combinations of
  // those values, not letters), and the page adds up from them each filter's counts.
  q.sql = "SELECT l.state, l.rule, l.area, CASE WHEN l.due_by < ? THEN 0 WHEN l.due_by = ? THEN 1 "
          "WHEN l.due_by <= ? THEN 2 ELSE 3 END, CASE WHEN " + communicationNeedTerm(postgres) +
          " THEN 1 ELSE 0 END, CASE WHEN " + unsafeChannelTerm(postgres) +
          " THEN 1 ELSE 0 END, CASE WHEN l.channel = 'phone' THEN 1 ELSE 0 END, " +
          (scope.cursor_due.empty() ? std::string("0") : "CASE WHEN (l.due_by, l.n) <= (?, ?) THEN 1 ELSE 0 END") +
          ", COUNT(*)";
  q.args = {scope.today, scope.today, scope.next_working_day};
  if (!scope.victim_id.empty() || !scope.case_urn.empty())
    q.sql += postgres ? " FROM obligations o JOIN letters l ON o.id = l.obligation_id"
                      : std::string(" FROM obligations o INDEXED BY ") +
                            (!scope.victim_id.empty() ? "obligations_by_victim" : "obligations_by_case") +
                            " CROSS JOIN letters l ON o.id = l.obligation_id";
  else
    q.sql += " FROM letters l";
  q.sql += " WHERE 1 = 1";
  if (!scope.area.empty()) q.sql += " AND l.area = ?";
  if (!scope.victim_id.empty()) q.sql += " AND o.victim_id = ?";
  if (!scope.case_urn.empty()) q.sql += " AND o.case_urn = ?";
  q.sql += " GROUP BY 1, 2, 3, 4, 5, 6, 7, 8";
  return q;
}

std::vector<LetterRow> LetterStore::listLetters(const LetterFilter& f) {
  const ListQuery list = letterListQuery(f, isPostgres(s_));
  Query q(s_, list.sql);  // cached per combination of filters: the values are all bound
  for (const auto& a : list.args) q.bind(a);
  if (!f.after_due.empty()) q.bind(f.after_due).bind(f.after_n);
  q.bind(static_cast<int64_t>(f.limit));
  return readLetters(q);
}

std::vector<LetterCount> LetterStore::countLetters(const LetterCountScope& scope) {
  const ListQuery counts = letterCountQuery(scope, isPostgres(s_));
  Query q(s_, counts.sql);
  for (const auto& a : counts.args) q.bind(a);  // today, today, the next working day
  if (!scope.cursor_due.empty()) q.bind(scope.cursor_due).bind(scope.cursor_n);
  for (const std::string* v : {&scope.area, &scope.victim_id, &scope.case_urn})
    if (!v->empty()) q.bind(*v);
  std::vector<LetterCount> out;
  while (q.next()) {
    LetterCount c;
    c.state = q.text(0);
    c.rule = q.text(1);
    c.area = q.text(2);
    c.due = static_cast<int>(q.int64(3));
    c.communication_need = q.int64(4) != 0;
    c.unsafe_channel = q.int64(5) != 0;
    c.phone_task = q.int64(6) != 0;
    c.at_or_before_cursor = q.int64(7) != 0;
    c.count = q.int64(8);
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<ObligationForLetter> LetterStore::obligationsForNewLetters(const std::vector<std::string>& cases) {
  // The WHERE and ORDER BY of Store::openObligationsWithout for letters, by each case's own obligations
  // (not every pending one in the store: see there).
  if (cases.empty()) return {};
  // PostgreSQL: ->> for json_extract of a text value, and no INDEXED BY.
  std::string sql =
      isPostgres(s_)
          ? "SELECT id, kind, policy, case_urn, COALESCE(body::json ->> 'template', ''), "
            "COALESCE(body::json ->> 'recipient', ''), COALESCE(body::json ->> 'carried_by', '') FROM obligations "
          : "SELECT id, kind, policy, case_urn, IFNULL(json_extract(body, '$.template'), ''), "
            "IFNULL(json_extract(body, '$.recipient'), ''), IFNULL(json_extract(body, '$.carried_by'), '') "
            "FROM obligations INDEXED BY obligations_by_case ";
  sql +=
      "WHERE status = 'pending' AND kind IN ('letter', 'meeting') AND NOT EXISTS "
      "(SELECT 1 FROM letters x WHERE x.obligation_id = obligations.id) AND case_urn IN (";
  for (size_t i = 0; i < cases.size(); ++i) sql += i ? ", ?" : "?";
  sql += ") ORDER BY case_urn, created_n";
  Query q(s_, sql);
  for (const auto& c : cases) q.bind(c);
  std::vector<ObligationForLetter> out;
  while (q.next()) {
    ObligationForLetter o;
    int c = 0;
    for (std::string* field : {&o.id, &o.kind, &o.policy, &o.case_urn, &o.template_name, &o.recipient, &o.carried_by})
      *field = q.text(c++);
    out.push_back(std::move(o));
  }
  return out;
}

std::vector<std::string> LetterStore::casesWithLettersBeingWritten() {
  Query q(s_,
          std::string("SELECT DISTINCT o.case_urn FROM letters l") +
              (isPostgres(s_) ? "" : " INDEXED BY letters_by_state_due") +
              " JOIN obligations o ON o.id = l.obligation_id WHERE l.state = 'blocked' AND l.version = 0 ORDER BY o.case_urn");
  std::vector<std::string> out;
  while (q.next()) out.push_back(q.text(0));
  return out;
}

std::vector<LetterVersionRow> LetterStore::versions(int64_t letter_n, bool with_content) {
  Query q(s_, std::string("SELECT version, at, author, why, language, channel, letter_date, blocked_by, fields, "
                          "free_text, context_hash, template_version, policy, ") +
                  (with_content ? "html, text" : "'' AS html, '' AS text") +
                  " FROM letter_versions WHERE letter_n = ? ORDER BY version");
  q.bind(letter_n);
  std::vector<LetterVersionRow> out;
  while (q.next()) {
    LetterVersionRow v;
    v.version = static_cast<int>(q.int64(0));
    int c = 1;
    for (std::string* field : {&v.at, &v.author, &v.why, &v.language, &v.channel, &v.letter_date, &v.blocked_by,
                               &v.fields, &v.free_text, &v.context_hash, &v.template_version, &v.policy, &v.html,
                               &v.text})
      *field = q.text(c++);
    v.html = unpackWords(v.html);
    v.text = unpackWords(v.text);
    out.push_back(std::move(v));
  }
  return out;
}

namespace {
// The words are deflated by libdeflate, whole buffer at once, at its level 1, one compressor per thread made
// once. zlib (level 3, one stream reset per value) took ~420,000 instructions a value, about a sixth of
// drafting a letter; libdeflate's level 1 takes less than half that and packs a little smaller (docs/
// benchmarks.md, issue 16 "drafting's CPU"). Its output is a zlib stream like any other: the stored format
// ("\x01z:", read by zlib's uncompress) is unchanged, and words packed by zlib at any level read back the same.
// Packing is not byte-for-byte stable across versions of this code, so nothing compares packed bytes to
// find out whether words are the same (LetterStore::updateLetter compares them unpacked).
constexpr int kWordsLevel = 1;
struct WordsCompressor {
  libdeflate_compressor* c = libdeflate_alloc_compressor(kWordsLevel);
  std::vector<unsigned char> out;  // kept between values: no allocation, nothing zeroed, per value
  ~WordsCompressor() {
    if (c) libdeflate_free_compressor(c);
  }
};
}  // namespace

std::string LetterStore::packWords(const std::string& value) {
  if (value.size() < 256) return value;
  thread_local WordsCompressor d;
  if (!d.c) return value;
  const size_t bound = libdeflate_zlib_compress_bound(d.c, value.size());
  if (d.out.size() < bound) d.out.resize(bound);
  const size_t size = libdeflate_zlib_compress(d.c, value.data(), value.size(), d.out.data(), d.out.size());
  if (size == 0) return value;
  std::string packed = kPackedPrefix;
  packed += std::to_string(value.size());
  packed += ':';
  if ((packed.size() + (size + 2) / 3 * 4) * 10 > value.size() * 9) return value;  // saves less than a tenth
  packed.reserve(packed.size() + (size + 2) / 3 * 4);
  base64Append(packed, d.out.data(), size);
  return packed;
}

std::string LetterStore::unpackWords(const std::string& stored) {
  const std::string prefix = kPackedPrefix;
  if (stored.compare(0, prefix.size(), prefix) != 0) return stored;
  const size_t colon = stored.find(':', prefix.size());
  if (colon == std::string::npos) throw Error(Error::Kind::kInternal, "storage", "a packed letter version is damaged");
  uLongf size = std::stoul(stored.substr(prefix.size(), colon - prefix.size()));
  const std::string deflated = unbase64(stored, colon + 1);
  std::string out(size, '\0');
  if (uncompress(reinterpret_cast<Bytef*>(&out[0]), &size, reinterpret_cast<const Bytef*>(deflated.data()),
                 static_cast<uLong>(deflated.size())) != Z_OK ||
      size != out.size())
    throw Error(Error::Kind::kInternal, "storage", "a packed letter version is damaged");
  return out;
}

std::vector<LetterHistoryRow> LetterStore::history(int64_t letter_n) {
  Query q(s_, "SELECT at, actor, action, from_state, to_state, version, note FROM letter_history WHERE letter_n = ? "
              "ORDER BY n");
  q.bind(letter_n);
  std::vector<LetterHistoryRow> out;
  while (q.next()) {
    LetterHistoryRow h;
    h.version = static_cast<int>(q.int64(5));
    int c = 0;
    for (std::string* field : {&h.at, &h.actor, &h.action, &h.from_state, &h.to_state}) *field = q.text(c++);
    h.note = q.text(6);
    out.push_back(std::move(h));
  }
  return out;
}

LetterStore::LetterStore(Connection& connection) : s_(sqlite(connection)) {}

}  // namespace vc::storage
