#include "services/store_errors.h"

#include <atomic>
#include <chrono>

#include <Poco/Logger.h>

#include "storage/database.h"

namespace vc::services {

bool isStoreBusy(const std::exception& e) { return storage::isStoreBusy(e); }

Error storeBusy() { return storage::storeBusy(); }

bool isStoreFull(const std::exception& e) { return storage::isStoreFull(e); }

Error storeFull() { return storage::storeFull(); }

void logStoreFull(const std::exception& e) {
  static std::atomic<int64_t> last_logged{0};
  const int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
  int64_t last = last_logged.load();
  if (now - last < 60 || !last_logged.compare_exchange_strong(last, now)) return;
  Poco::Logger::get("vc.storage").warning("the store's disk is full: writes are refused (503 store_full) until space "
                                         "is freed; reads go on (%s)", std::string(e.what()));
}

}  // namespace vc::services
