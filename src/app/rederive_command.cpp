#include "app/rederive_command.h"

#include <Poco/Util/Application.h>

#include "common/error.h"
#include "ingest/ingestor.h"
#include "storage/store.h"

namespace vc::app {

namespace {

std::string counts(const ingest::RederiveResult& r) {
  const char* verb = r.dry_run ? "would " : "";
  return std::to_string(r.count("appear")) + " " + verb + "appear, " + std::to_string(r.count("change")) + " " + verb +
         "change, " + std::to_string(r.count("go")) + " " + verb + "go, " + std::to_string(r.count("keep")) +
         " closed kept as stored";
}

}  // namespace

int runRederive(Services& services, const std::string& only_case, bool dry_run, std::ostream& out,
                std::ostream& err, const std::string& actor) {
  using App = Poco::Util::Application;
  std::vector<std::string> urns;
  {
    auto lease = services.db.session();
    storage::Store store(lease);
    if (only_case.empty()) {
      urns = store.caseUrns();
    } else if (store.findCase(only_case)) {
      urns = {only_case};
    } else {
      err << "victim-comms rederive: no case " << only_case << " in " << services.db.path() << std::endl;
      return App::EXIT_DATAERR;
    }
  }
  size_t changed_cases = 0, failed = 0, appear = 0, change = 0, go = 0, keep = 0;
  size_t drafted = 0, withdrawn = 0, rerendered = 0;
  for (const auto& urn : urns) {
    ingest::RederiveResult r;
    try {
      r = services.ingestor.rederive(urn, dry_run, actor);
    } catch (const std::exception& e) {  // e.g. the store stayed busy past db.busy_timeout_ms: nothing written
      ++failed;
      err << urn << ": cannot be re-derived: " << e.what() << " (nothing was written for it)" << std::endl;
      continue;
    }
    if (!r.skipped.empty()) {
      out << urn << ": skipped, " << r.skipped << std::endl;
      continue;
    }
    appear += r.count("appear");
    change += r.count("change");
    go += r.count("go");
    keep += r.count("keep");
    if (!r.changes.empty()) ++changed_cases;
    out << urn << ": " << (r.changes.empty() ? "no change" : counts(r)) << " (" << r.policy << ")" << std::endl;
    for (const auto& c : r.changes)
      out << "  " << c.what << (c.what.size() < 6 ? std::string(6 - c.what.size(), ' ') : "") << " " << c.id << "  "
          << c.detail << (c.what == "keep" ? " (closed: kept as stored)" : "") << std::endl;
    if (dry_run) continue;
    // Letters follow the obligations: new ones drafted, those of gone ones withdrawn, drafts re-rendered.
    const letters::RefreshReport letters = services.scheduler.refreshNow({urn});
    drafted += letters.drafted;
    withdrawn += letters.withdrawn;
    rerendered += letters.rerendered;
    if (letters.drafted || letters.withdrawn || letters.rerendered || letters.failed)
      out << "  letters: " << letters.drafted << " drafted, " << letters.rerendered << " re-rendered, "
          << letters.withdrawn << " withdrawn" << (letters.failed ? ", " + std::to_string(letters.failed) + " failed (see the log)" : "")
          << std::endl;
  }
  out << (dry_run ? "dry run: " : "") << urns.size() << " cases read, " << changed_cases
      << (dry_run ? " would change" : " changed") << ": " << appear << " obligations " << (dry_run ? "would " : "")
      << "appear, " << change << " " << (dry_run ? "would " : "") << "change, " << go << " "
      << (dry_run ? "would " : "") << "go; " << keep << " closed outcomes kept as stored";
  if (dry_run)
    out << "; nothing was written";
  else
    out << "; letters: " << drafted << " drafted, " << rerendered << " re-rendered, " << withdrawn << " withdrawn";
  if (failed) out << "; " << failed << " cases could not be re-derived";
  out << std::endl;
  return failed ? App::EXIT_DATAERR : App::EXIT_OK;
}

}  // namespace vc::app
