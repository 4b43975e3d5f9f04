#include "storage/notification_store.h"
#include "storage/sqlite_connection.h"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Statement.h>

#include "storage/database.h"
#include "storage/sqlite_statement.h"

using namespace Poco::Data::Keywords;
using Poco::Data::RecordSet;
using Poco::Data::Statement;

namespace vc::storage {
namespace {

std::string notificationSelect(bool with_content) {
  return std::string(
             "SELECT nt.n AS n, nt.obligation_id AS obligation_id, nt.isva_id AS isva_id, nt.victim_id AS victim_id, "
             "nt.case_urn AS case_urn, nt.area AS area, nt.event_type AS event_type, nt.occurred_on AS occurred_on, "
             "nt.language AS language, nt.recipient_email AS recipient_email, nt.subject AS subject, ") +
         (with_content ? "nt.html AS html, nt.text AS text, " : "'' AS html, '' AS text, ") +
         "nt.template_version AS template_version, nt.state AS state, nt.note AS note, nt.created_at AS created_at, "
         "IFNULL(nt.sent_at, '') AS sent_at, IFNULL(nt.read_at, '') AS read_at FROM notifications nt";
}

// The columns of notificationSelect, in its order (every statement through Query: on SQLite or PostgreSQL).
std::vector<NotificationRow> readNotifications(Query& q) {
  std::vector<NotificationRow> out;
  while (q.next()) {
    NotificationRow r;
    r.n = q.int64(0);
    int c = 1;
    for (std::string* field : {&r.obligation_id, &r.isva_id, &r.victim_id, &r.case_urn, &r.area, &r.event_type,
                               &r.occurred_on, &r.language, &r.recipient_email, &r.subject, &r.html, &r.text,
                               &r.template_version, &r.state, &r.note, &r.created_at, &r.sent_at, &r.read_at})
      *field = q.text(c++);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace

int64_t NotificationStore::nextNumber() { return takeNumber(s_, "notifications"); }

void NotificationStore::insert(const NotificationRow& r) {
  Query q(s_,
          "INSERT INTO notifications(n, obligation_id, isva_id, victim_id, case_urn, area, event_type, occurred_on, "
          "language, recipient_email, subject, html, text, template_version, state, note, created_at) "
          "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  q.bind(r.n).bind(r.obligation_id).bind(r.isva_id).bind(r.victim_id).bind(r.case_urn).bind(r.area).bind(r.event_type);
  q.bind(r.occurred_on).bind(r.language).bind(r.recipient_email).bind(r.subject).bind(r.html).bind(r.text);
  q.bind(r.template_version).bind(r.state).bind(r.note).bind(r.created_at).run();
}

void NotificationStore::setState(int64_t n, const std::string& state, const std::string& sent_at,
                                 const std::string& note) {
  Query q(s_, "UPDATE notifications SET state = ?, sent_at = COALESCE(NULLIF(?, ''), sent_at), note = ? WHERE n = ?");
  q.bind(state).bind(sent_at).bind(note).bind(n).run();
}

bool NotificationStore::markRead(int64_t n, const std::string& at) {
  Query q(s_, "UPDATE notifications SET read_at = COALESCE(read_at, ?) WHERE n = ?");
  q.bind(at).bind(n).run();
  return q.changes() == 1;
}

std::optional<NotificationRow> NotificationStore::find(int64_t n) {
  Query q(s_, notificationSelect(true) + " WHERE nt.n = ?");
  q.bind(n);
  auto rows = readNotifications(q);
  if (rows.empty()) return std::nullopt;
  return rows.front();
}

bool NotificationStore::existsFor(const std::string& obligation_id) {
  Query q(s_, "SELECT COUNT(*) FROM notifications WHERE obligation_id = ?");
  q.bind(obligation_id);
  return q.next() && q.int64(0) > 0;
}

// The WHERE clause for a filter, and the values it binds.
static std::string whereFor(const NotificationFilter& f, std::vector<std::string>& args) {
  std::string sql = " WHERE 1 = 1";
  for (auto [column, value] : std::vector<std::pair<const char*, const std::string*>>{
           {"nt.isva_id", &f.isva_id}, {"nt.state", &f.state}, {"nt.case_urn", &f.case_urn}, {"nt.area", &f.area}}) {
    if (value->empty()) continue;
    sql += std::string(" AND ") + column + " = ?";
    args.push_back(*value);
  }
  if (f.n > 0) sql += " AND nt.n = " + std::to_string(f.n);
  // What an ISVA may see: what was sent to them, and what is on its way while the
  // victim's consent to share with them stands (never what was withheld).
  if (f.isva_view)
    sql += " AND (nt.state = 'sent' OR (nt.state IN ('queued', 'dead') AND EXISTS (SELECT 1 FROM victims v "
           "WHERE v.victim_id = nt.victim_id AND v.isva_id = nt.isva_id AND v.consent_to_share = 1)))";
  if (f.unread_only) sql += " AND nt.read_at IS NULL";
  return sql;
}

std::vector<NotificationRow> NotificationStore::list(const NotificationFilter& f) {
  std::vector<std::string> args;
  const std::string sql = notificationSelect(f.with_content) + whereFor(f, args) +
                          " ORDER BY nt.read_at IS NOT NULL, nt.n DESC LIMIT " + std::to_string(f.limit);
  Query q(s_, sql);
  for (auto& a : args) q.bind(a);
  return readNotifications(q);
}

int64_t NotificationStore::count(const NotificationFilter& f) {
  std::vector<std::string> args;
  Query q(s_, "SELECT COUNT(*) FROM notifications nt" + whereFor(f, args));
  for (auto& a : args) q.bind(a);
  return q.next() ? q.int64(0) : 0;
}

NotificationStore::NotificationStore(Connection& connection) : s_(sqlite(connection)) {}

}  // namespace vc::storage
