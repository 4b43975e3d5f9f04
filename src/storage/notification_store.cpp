#include "storage/notification_store.h"
#include "storage/sqlite_connection.h"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Statement.h>

#include "storage/database.h"

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

std::vector<NotificationRow> readNotifications(Statement& st) {
  st.execute();
  RecordSet rs(st);
  std::vector<NotificationRow> out;
  for (bool more = rs.moveFirst(); more; more = rs.moveNext()) {
    NotificationRow r;
    r.n = rs.value("n").convert<Poco::Int64>();
    for (auto [field, column] : std::vector<std::pair<std::string*, const char*>>{
             {&r.obligation_id, "obligation_id"}, {&r.isva_id, "isva_id"}, {&r.victim_id, "victim_id"},
             {&r.case_urn, "case_urn"}, {&r.area, "area"}, {&r.event_type, "event_type"},
             {&r.occurred_on, "occurred_on"}, {&r.language, "language"}, {&r.recipient_email, "recipient_email"},
             {&r.subject, "subject"}, {&r.html, "html"}, {&r.text, "text"}, {&r.template_version, "template_version"},
             {&r.state, "state"}, {&r.note, "note"}, {&r.created_at, "created_at"}, {&r.sent_at, "sent_at"},
             {&r.read_at, "read_at"}})
      *field = rs.value(column).convert<std::string>();
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace

int64_t NotificationStore::nextNumber() { return takeNumber(s_, "notifications"); }

void NotificationStore::insert(const NotificationRow& r) {
  Poco::Int64 n = r.n;
  s_ << "INSERT INTO notifications(n, obligation_id, isva_id, victim_id, case_urn, area, event_type, occurred_on, "
        "language, recipient_email, subject, html, text, template_version, state, note, created_at) "
        "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      bind(n), bind(r.obligation_id), bind(r.isva_id), bind(r.victim_id), bind(r.case_urn), bind(r.area), bind(r.event_type),
      bind(r.occurred_on), bind(r.language), bind(r.recipient_email), bind(r.subject), bind(r.html), bind(r.text),
      bind(r.template_version), bind(r.state), bind(r.note), bind(r.created_at), now;
}

void NotificationStore::setState(int64_t n, const std::string& state, const std::string& sent_at,
                                 const std::string& note) {
  Poco::Int64 key = n;
  s_ << "UPDATE notifications SET state = ?, sent_at = COALESCE(NULLIF(?, ''), sent_at), note = ? WHERE n = ?",
      bind(state), bind(sent_at), bind(note), bind(key), now;
}

bool NotificationStore::markRead(int64_t n, const std::string& at) {
  Poco::Int64 key = n;
  s_ << "UPDATE notifications SET read_at = COALESCE(read_at, ?) WHERE n = ?", bind(at), bind(key), now;
  return changedRows(s_) == 1;
}

std::optional<NotificationRow> NotificationStore::find(int64_t n) {
  Poco::Int64 key = n;
  Statement st(s_);
  st << notificationSelect(true) + " WHERE nt.n = ?", bind(key);
  auto rows = readNotifications(st);
  if (rows.empty()) return std::nullopt;
  return rows.front();
}

bool NotificationStore::existsFor(const std::string& obligation_id) {
  Poco::Int64 count = 0;
  std::string id = obligation_id;
  s_ << "SELECT COUNT(*) FROM notifications WHERE obligation_id = ?", bind(id), into(count), now;
  return count > 0;
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
  Statement st(s_);
  st << sql;
  for (auto& a : args) st, bind(a);
  return readNotifications(st);
}

int64_t NotificationStore::count(const NotificationFilter& f) {
  std::vector<std::string> args;
  Statement st(s_);
  Poco::Int64 n = 0;
  st << "SELECT COUNT(*) FROM notifications nt" + whereFor(f, args), into(n);
  for (auto& a : args) st, bind(a);
  st.execute();
  return n;
}

NotificationStore::NotificationStore(Connection& connection) : s_(sqlite(connection)) {}

}  // namespace vc::storage
