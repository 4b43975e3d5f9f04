#pragma once
// `victim-comms rederive [--case URN] [--dry-run]`: replays stored cases under the rule book and
// calendar the configuration names now, after a correction to either. Per case: what appears,
// changes (due date, tier, status) or goes; the real run writes each case in one audited write
// transaction and then re-drafts or withdraws its letters (and ISVA notifications). Met, late and
// waived obligations, and sent letters, are never touched.

#include <ostream>
#include <string>

#include "app/services.h"

namespace vc::app {

// Runs the command over `services` (opened on the store); `only_case` empty means every case.
// Prints human-readable lines to `out`, problems to `err`, and returns the exit code: 0 done,
// 65 (EX_DATAERR) an unknown case or one that cannot be derived (the other cases are still done).
int runRederive(Services& services, const std::string& only_case, bool dry_run, std::ostream& out,
                std::ostream& err, const std::string& actor = "cli");

}  // namespace vc::app
