#pragma once
// What the storage tests that drive the Ingestor directly share: the real calendar and rule book, an
// engine over them, a fixed clock, and a fresh directory for one SQLite file.

#include <string>

#include <Poco/TemporaryFile.h>

#include "domain/clock.h"
#include "domain/date.h"
#include "domain/engine.h"
#include "loading/policy_files.h"

namespace vc::testing {

struct StorePolicy {
  explicit StorePolicy(const char* now) : clock(*domain::parseRfc3339(now)) {}
  domain::WorkingDayCalendar calendar = loading::loadCalendar(VC_SOURCE_DIR "/config/calendars/england-and-wales.json");
  domain::RuleBook rules = loading::loadRuleBook({VC_SOURCE_DIR "/config/rules/victims-code-2020.json"});
  domain::Engine engine{rules, calendar};
  domain::FixedClock clock;
};

// A fresh directory holding one SQLite file, removed afterwards.
struct TempDb {
  Poco::TemporaryFile dir;
  std::string path;
  TempDb() {
    dir.createDirectories();
    path = dir.path() + "/store.db";
  }
};

}  // namespace vc::testing
