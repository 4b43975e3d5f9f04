#pragma once
// What a failure of the store means to someone asking: the front's one error
// mapping (http::Router::route, http/error_response.cpp) asks here whether an
// exception it caught is the store being busy, without knowing the store's
// library. Stateless functions; thread-safe.

#include <exception>

#include "common/error.h"

namespace vc::services {

// True when `e` is the store refusing for now because another writer holds it (SQLite's locks).
bool isStoreBusy(const std::exception& e);
// The error such a refusal is answered with (kUnavailable, "store_busy").
Error storeBusy();
// True when `e` is the store refusing a write because its disk is full; the error it is answered with
// (kUnavailable, "store_full"). Logged as a warning at most once a minute (logStoreFull).
bool isStoreFull(const std::exception& e);
Error storeFull();
void logStoreFull(const std::exception& e);

}  // namespace vc::services
