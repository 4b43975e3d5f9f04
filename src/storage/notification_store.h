#pragma once
// Repository for ISVA notifications: the only SQL for them. Works on one
// Poco::Data session; not thread-safe (one per session); the caller owns the
// transaction (WriteTransaction) around writes.

#include <optional>
#include <string>
#include <vector>


#include "storage/records.h"
#include "storage/connection.h"

namespace Poco::Data {
class Session;  // storage-internal (sqlite_connection.h)
}

namespace vc::storage {

class NotificationStore {
 public:
  explicit NotificationStore(Poco::Data::Session& session) : s_(session) {}
  explicit NotificationStore(Connection& connection);

  // The next notification number, from the store counter (takeNumber), inside the write transaction that inserts it.
  int64_t nextNumber();
  void insert(const NotificationRow& row);  // with its number set
  void setState(int64_t n, const std::string& state, const std::string& sent_at, const std::string& note);
  // Sets read_at if it is not set yet; false if there is no such notification.
  bool markRead(int64_t n, const std::string& at);
  std::optional<NotificationRow> find(int64_t n);
  bool existsFor(const std::string& obligation_id);
  // Unread first, then newest first.
  std::vector<NotificationRow> list(const NotificationFilter& f);
  // How many match (limit and content ignored).
  int64_t count(const NotificationFilter& f);

 private:
  Poco::Data::Session& s_;
};

}  // namespace vc::storage
