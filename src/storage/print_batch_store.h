#pragma once
// The print room's batches (delivery/print_room.h): one row per hand-over, its manifest's file name,
// and when and by whom the print room confirmed it. The caller owns the transaction.

#include <cstdint>
#include <string>
#include <vector>

#include "storage/connection.h"

namespace Poco::Data {
class Session;  // storage-internal (sqlite_connection.h)
}

namespace vc::storage {

struct PrintBatchRow {
  int64_t n = 0;
  std::string created_at;
  int64_t created_at_s = 0;
  int64_t letters = 0;
  std::string manifest;
  std::string confirmed_at;  // "" until confirmed
  std::string confirmed_by;
};

class PrintBatchStore {
 public:
  explicit PrintBatchStore(Connection& connection);

  // A new batch of `letters` letters, its manifest named by `manifest_name(n)`; returns n.
  template <typename NameOf>
  int64_t open(const std::string& at, int64_t at_s, int64_t letters, NameOf manifest_name) {
    const int64_t n = insert(at, at_s, letters);
    setManifest(n, manifest_name(n));
    return n;
  }
  void assign(int64_t batch, int64_t outbox_id);  // the message was posted in the batch
  bool exists(int64_t batch);
  // Records the confirmation; false if the batch was confirmed already (the first one is kept).
  bool confirm(int64_t batch, const std::string& at, const std::string& by);
  std::vector<int64_t> letterNumbers(int64_t batch);  // the letters posted in it, in order
  // Notes that the batch's overdue warning was logged; false if it was noted already.
  bool noteOverdueLogged(int64_t batch);
  std::vector<PrintBatchRow> list();  // newest first

 private:
  int64_t insert(const std::string& at, int64_t at_s, int64_t letters);
  void setManifest(int64_t batch, const std::string& name);
  Poco::Data::Session& s_;
};

}  // namespace vc::storage
