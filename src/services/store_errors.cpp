#include "services/store_errors.h"

#include "storage/database.h"

namespace vc::services {

bool isStoreBusy(const std::exception& e) { return storage::isStoreBusy(e); }

Error storeBusy() { return storage::storeBusy(); }

}  // namespace vc::services
