#include "storage/print_batch_store.h"

#include "storage/sqlite_connection.h"
#include "storage/sqlite_statement.h"

namespace vc::storage {

PrintBatchStore::PrintBatchStore(Connection& connection) : s_(sqlite(connection)) {}

int64_t PrintBatchStore::insert(const std::string& at, int64_t at_s, int64_t letters) {
  Query q(s_, "INSERT INTO print_batches(created_at, created_at_s, letters, manifest) VALUES(?, ?, ?, '') RETURNING n");
  q.bind(at).bind(at_s).bind(letters);
  q.next();
  return q.int64(0);
}

void PrintBatchStore::setManifest(int64_t batch, const std::string& name) {
  Query q(s_, "UPDATE print_batches SET manifest = ? WHERE n = ?");
  q.bind(name).bind(batch).run();
}

void PrintBatchStore::assign(int64_t batch, int64_t outbox_id) {
  Query q(s_, "UPDATE outbox SET print_batch = ? WHERE id = ?");
  q.bind(batch).bind(outbox_id).run();
}

bool PrintBatchStore::exists(int64_t batch) {
  Query q(s_, "SELECT 1 FROM print_batches WHERE n = ?");
  q.bind(batch);
  return q.next();
}

bool PrintBatchStore::confirm(int64_t batch, const std::string& at, const std::string& by) {
  Query q(s_, "UPDATE print_batches SET confirmed_at = ?, confirmed_by = ? WHERE n = ? AND confirmed_at IS NULL");
  q.bind(at).bind(by).bind(batch).run();
  return q.changes() > 0;
}

std::vector<int64_t> PrintBatchStore::letterNumbers(int64_t batch) {
  Query q(s_, "SELECT letter_n FROM outbox WHERE print_batch = ? AND letter_n IS NOT NULL ORDER BY letter_n");
  q.bind(batch);
  std::vector<int64_t> out;
  while (q.next()) out.push_back(q.int64(0));
  return out;
}

bool PrintBatchStore::noteOverdueLogged(int64_t batch) {
  Query q(s_, "UPDATE print_batches SET overdue_logged = 1 WHERE n = ? AND overdue_logged = 0");
  q.bind(batch).run();
  return q.changes() > 0;
}

std::vector<PrintBatchRow> PrintBatchStore::list() {
  Query q(s_,
          "SELECT n, created_at, created_at_s, letters, manifest, COALESCE(confirmed_at, ''), "
          "COALESCE(confirmed_by, '') FROM print_batches ORDER BY n DESC");
  std::vector<PrintBatchRow> out;
  while (q.next()) {
    PrintBatchRow b;
    b.n = q.int64(0);
    b.created_at = q.text(1);
    b.created_at_s = q.int64(2);
    b.letters = q.int64(3);
    b.manifest = q.text(4);
    b.confirmed_at = q.text(5);
    b.confirmed_by = q.text(6);
    out.push_back(std::move(b));
  }
  return out;
}

}  // namespace vc::storage
