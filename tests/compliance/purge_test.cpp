// The retention purge on a real SQLite file: a case that ended long enough ago
// loses its personal data (replaced by hashes) from every table and from the
// file itself, while the compliance ledger's figures and the audit chain stay
// as they were; a case still open, or ended too recently, is left alone.

#include <fstream>
#include <iterator>
#include <string>

#include <catch2/catch.hpp>

#include <Poco/Data/Session.h>
#include <Poco/File.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include "common/sha256.h"
#include "retention/purger.h"
#include "storage/audit_log.h"
#include "support/events.h"
#include "support/replies.h"
#include "support/test_daemon.h"

using namespace vc;  // NOLINT
using namespace Poco::Data::Keywords;
using Poco::JSON::Object;
using testing::bearer;
constexpr auto ev = testing::jsonEvent;
using testing::ok;
using testing::segment;
using testing::TestDaemon;

namespace {

std::string victim(const std::string& id, const std::string& at, const std::string& urn, const std::string& family) {
  return ev(id + "-reg", "victim.registered", at, urn,
            R"("victim_id":")" + id + R"(","name":{"given":"Pat","family":")" + family +
                R"("},"address":{"lines":["1 )" + family + R"( Street","Sampleford"],"postcode":"SF1 1AA"},)"
                R"("email":"pat.)" + family + R"(@example.org","date_of_birth":"1990-02-03")");
}

std::string fileText(const std::string& path) {
  if (!Poco::File(path).exists()) return "";
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("A purge replaces an ended case's personal data with hashes and keeps the ledger and audit chain", "[purge]") {
  TestDaemon d([] {
    testing::DaemonOptions o;
    o.now = "2026-09-01T09:00:00+01:00";
    return o;
  }());
  const std::string ended = "52PG0000001", open = "52PG0000002", recent = "52PG0000003";
  const std::string nfa_id = "VCL-NFA:pg1-v:pg1-nfa";
  ok(testing::httpRequest(
      d.port(), "POST", "/api/v1/events", bearer(d.ingest),
      testing::batch({
          ev("pg1-case", "case.registered", "2026-04-01T09:00:00+01:00", ended,
             R"("area":"CPS South West","offences":["other"],"prosecutor":{"name":"Ann Lawyer, synthetic"})"),
          victim("pg1-v", "2026-04-01T09:01:00+01:00", ended, "Purgecase"),
          ev("pg1-nfa", "charging.decided", "2026-04-02T10:00:00+01:00", ended,
             R"("decision":"no_further_action","reasons":"The account of Purgecase's neighbour could not be tested.")"),
          ev("pg1-done", "contact.recorded", "2026-04-15T10:00:00+01:00", ended,
             R"("victim_id":"pg1-v","obligation":")" + nfa_id + R"(","by":"cps","notes":"Phoned Purgecase.")"),
          ev("pg2-case", "case.registered", "2026-04-01T09:00:00+01:00", open, R"("area":"CPS South West","offences":["other"])"),
          victim("pg2-v", "2026-04-01T09:01:00+01:00", open, "Keepcase"),
          ev("pg2-charge", "charging.decided", "2026-04-02T10:00:00+01:00", open, R"("decision":"charge")"),
          ev("pg3-case", "case.registered", "2026-08-01T09:00:00+01:00", recent, R"("area":"CPS South West","offences":["other"])"),
          victim("pg3-v", "2026-08-01T09:01:00+01:00", recent, "Recentcase"),
          ev("pg3-nfa", "charging.decided", "2026-08-20T10:00:00+01:00", recent, R"("decision":"no_further_action")"),
          ev("pg3-done", "contact.recorded", "2026-08-21T10:00:00+01:00", recent,
             R"("victim_id":"pg3-v","obligation":"VCL-NFA:pg3-v:pg3-nfa","by":"cps")"),
      })));
  // The NFA letter was late (due Monday 13 April, recorded on the 15th); the officer's note names the victim.
  ok(testing::httpRequest(d.port(), "POST", "/api/v1/obligations/" + segment(nfa_id) + "/reason", bearer(d.vlu),
                          std::string(R"({"reason":"victim_unreachable","note":"Purgecase was abroad"})")));

  const std::string report_query = "/api/v1/compliance?from=2026-04-01&to=2026-08-31&group_by=area";
  auto before_report = ok(testing::httpRequest(d.port(), "GET", report_query, bearer(d.manager)));
  std::string event_body;
  {
    auto lease = d.services.db.session();
    Poco::Data::Session& s = lease;
    s << "SELECT body FROM events WHERE id = 'pg1-v-reg'", into(event_body), now;
  }
  REQUIRE(event_body.find("Purgecase") != std::string::npos);
  const auto before_chain = [&] {
    auto lease = d.services.db.session();
    return storage::AuditLog(lease).verify();
  }();
  REQUIRE(before_chain.ok);

  retention::Purger purger(d.services.db, *d.services.clock);
  SECTION("a dry run lists the ended case and changes nothing") {
    auto dry = purger.run(*domain::Date::parse("2026-06-01"), true, "cli");
    REQUIRE(dry.cases.size() == 1);
    CHECK(dry.cases[0].urn == ended);
    CHECK(dry.cases[0].ended_on == "2026-04-15");
    const std::string file = fileText(d.settings.db_path) + fileText(d.settings.db_path + "-wal");
    CHECK(file.find("Purgecase") != std::string::npos);
    auto lease = d.services.db.session();
    CHECK(storage::AuditLog(lease).count("case_purged") == 0);
  }

  SECTION("the purge") {
    auto result = purger.run(*domain::Date::parse("2026-06-01"), false, "cli");
    REQUIRE(result.cases.size() == 1);  // not the open case, nor the one that ended in August
    CHECK(result.cases[0].urn == ended);
    CHECK(result.cases[0].values > 5);
    CHECK(result.checkpointed);

    // The victim's name is nowhere in the database file any more; the other victims' still are.
    const std::string file = fileText(d.settings.db_path) + fileText(d.settings.db_path + "-wal");
    CHECK(file.find("Purgecase") == std::string::npos);
    CHECK(file.find("1990-02-03") != std::string::npos);  // the other two victims share the synthetic birth date
    CHECK(file.find("Keepcase") != std::string::npos);
    CHECK(file.find("Recentcase") != std::string::npos);

    // What was there is replaced by its hash.
    {
      auto lease = d.services.db.session();
      Poco::Data::Session& s = lease;
      std::string purged_body;
      s << "SELECT body FROM events WHERE id = 'pg1-v-reg'", into(purged_body), now;
      CHECK(purged_body == "{\"purged\":\"sha256:" + sha256Hex(event_body) + "\"}");
    }
    auto v = ok(testing::httpRequest(d.port(), "GET", "/api/v1/victims/pg1-v", bearer(d.vlu)));
    CHECK(v->getObject("profile")->getValue<std::string>("purged").rfind("sha256:", 0) == 0);
    auto obligations = v->getArray("obligations");
    REQUIRE(obligations->size() == 1);
    CHECK(obligations->getObject(0)->getValue<std::string>("status") == "late");
    CHECK(obligations->getObject(0)->getValue<std::string>("explanation_text") == "(removed by the retention purge)");

    // The ledger counts exactly as before; the audit chain verifies, one entry longer.
    auto after_report = ok(testing::httpRequest(d.port(), "GET", report_query, bearer(d.manager)));
    std::ostringstream before_sections, after_sections;
    before_report->getArray("sections")->stringify(before_sections);
    after_report->getArray("sections")->stringify(after_sections);
    CHECK(after_sections.str() == before_sections.str());
    auto misses = after_report->getArray("misses");
    REQUIRE(misses->size() == 1);
    CHECK(misses->getObject(0)->getValue<std::string>("outcome") == "late");
    CHECK(misses->getObject(0)->getObject("reason")->getValue<std::string>("code") == "victim_unreachable");
    auto chain = ok(testing::httpRequest(d.port(), "GET", "/api/v1/audit/verify", bearer(d.manager)));
    CHECK(chain->getValue<bool>("ok"));
    auto purges = ok(testing::httpRequest(d.port(), "GET", "/api/v1/audit?action=case_purged", bearer(d.manager)))
                      ->getArray("items");
    REQUIRE(purges->size() == 1);
    CHECK(purges->getObject(0)->getValue<std::string>("subject") == "case:" + ended);

    // The purged case takes no more events; nothing of a refused batch is stored.
    const auto events_before = [&] {
      auto lease = d.services.db.session();
      return storage::Store(lease).eventCount();
    }();
    auto refused = testing::httpRequest(
        d.port(), "POST", "/api/v1/events", bearer(d.ingest),
        testing::batch({ev("pg2-late", "hearing.listed", "2026-09-01T08:00:00+01:00", open,
                           R"("kind":"trial","date":"2026-10-01","court":"Test Court")"),
                        ev("pg1-late", "hearing.listed", "2026-09-01T08:00:00+01:00", ended,
                           R"("kind":"appeal","date":"2026-10-01","court":"Test Court")")}));
    CHECK(refused.status == 409);
    CHECK(refused.object()->getObject("error")->getValue<std::string>("field") == "case_urn");
    auto lease = d.services.db.session();
    CHECK(storage::Store(lease).eventCount() == events_before);

    // Running it again finds nothing more to do.
    CHECK(purger.run(*domain::Date::parse("2026-06-01"), false, "cli").cases.empty());
  }
}
