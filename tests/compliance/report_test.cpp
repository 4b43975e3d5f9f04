// The managers' compliance report over the HTTP API, on a data set whose
// every figure was worked out by hand: two cases in two Areas in June 2026,
// sent as real journey events, read with the clock at noon on 30 June.
//
// Case A (CPS South West, rape: enhanced), victim rp-a:
//   RASSO-INTRO  referred Mon 1 Jun, due Mon 8 Jun, recorded done Fri 5 Jun   met, took 4 WD   (service standard)
//   WCU-HEARING  listed Mon 1 Jun, due Tue 2 Jun, told Tue 2 Jun              met, took 1 WD
//   WCU-HEARING  listed Wed 3 Jun, due Thu 4 Jun, told Mon 8 Jun              late by 2, took 3 WD
//   WCU-HEARING  listed Tue 9 Jun, due Wed 10 Jun, never told                 breached, 14 WD overdue on 30 Jun
//   WCU-HEARING  listed Thu 11 Jun, due Fri 12 Jun, victim opted out          waived
// Case B (CPS London North, standard), victim rp-b:
//   WCU-HEARING  listed Thu 28 May, due Fri 29 May, told Fri 29 May           met (May: outside the period)
//   WCU-HEARING  listed Mon 15 Jun, due Tue 16 Jun, told Tue 16 Jun           met, took 1 WD
//   WCU-HEARING  listed Wed 17 Jun, due Thu 18 Jun, told Thu 18 Jun           met, took 1 WD
//   VCL-NFA      no further action Mon 22 Jun, due Mon 29 Jun; charged Tue 23 cancelled
//   WCU-HEARING  listed Mon 29 Jun, due Tue 30 Jun                            pending (due today)
// So for June, code: WCU-HEARING met 3, late 1, breached 1, waived 1, pending 1 (7); 60.0% met on time
// (3 of 5 due); working days taken [1, 3, 1, 1]: median 1.0, 90th percentile 3. VCL-NFA: 1 cancelled.

#include <algorithm>
#include <string>

#include <catch2/catch.hpp>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include "compliance/report_format.h"
#include "support/events.h"
#include "support/replies.h"
#include "support/test_daemon.h"

using namespace vc;  // NOLINT
using Poco::JSON::Array;
using Poco::JSON::Object;
using testing::bearer;
constexpr auto ev = testing::jsonEvent;
using testing::ok;
using testing::Reply;
using testing::segment;
using testing::TestDaemon;

namespace {

std::string listed(const std::string& id, const std::string& at, const std::string& urn, const std::string& kind) {
  return ev(id, "hearing.listed", at, urn, R"("kind":")" + kind + R"(","date":"2026-07-20","court":"Test Court")");
}

std::string told(const std::string& id, const std::string& at, const std::string& urn, const std::string& victim,
                 const std::string& obligation) {
  return ev(id, "contact.recorded", at, urn,
            R"("victim_id":")" + victim + R"(","obligation":")" + obligation + R"(","by":"wcu")");
}

TestDaemon& juneData() {
  static TestDaemon d([] {
    testing::DaemonOptions o;
    o.now = "2026-06-30T12:00:00+01:00";
    return o;
  }());
  static bool loaded = false;
  if (loaded) return d;
  loaded = true;
  const std::string a = "52RP0000001", b = "52RP0000002";
  std::vector<std::string> events = {
      ev("rp-a-reg", "case.registered", "2026-06-01T09:00:00+01:00", a, R"("area":"CPS South West","offences":["rape"])"),
      ev("rp-a-v", "victim.registered", "2026-06-01T09:01:00+01:00", a,
         R"("victim_id":"rp-a","name":{"given":"Alex","family":"Testcase"})"),
      ev("rp-a-ref", "charging.referred", "2026-06-01T10:00:00+01:00", a, ""),
      listed("rp-a-h1", "2026-06-01T11:00:00+01:00", a, "first_appearance"),
      told("rp-a-t1", "2026-06-02T10:00:00+01:00", a, "rp-a", "WCU-HEARING"),
      listed("rp-a-h2", "2026-06-03T11:00:00+01:00", a, "plea"),
      ev("rp-a-intro", "contact.recorded", "2026-06-05T10:00:00+01:00", a,
         R"("victim_id":"rp-a","obligation":"RASSO-INTRO:rp-a:rp-a-ref","by":"cps")"),
      told("rp-a-t2", "2026-06-08T10:00:00+01:00", a, "rp-a", "WCU-HEARING"),
      listed("rp-a-h3", "2026-06-09T11:00:00+01:00", a, "trial"),
      listed("rp-a-h4", "2026-06-11T10:00:00+01:00", a, "appeal"),
      ev("rp-a-opt", "victim.updated", "2026-06-11T11:00:00+01:00", a,
         R"("victim_id":"rp-a","opt_out":["WCU-HEARING:rp-a:rp-a-h4"])"),
      ev("rp-b-reg", "case.registered", "2026-05-28T09:00:00+01:00", b, R"("area":"CPS London North","offences":["other"])"),
      ev("rp-b-v", "victim.registered", "2026-05-28T09:01:00+01:00", b,
         R"("victim_id":"rp-b","name":{"given":"Bo","family":"Testcase"})"),
      listed("rp-b-h0", "2026-05-28T11:00:00+01:00", b, "first_appearance"),
      told("rp-b-t0", "2026-05-29T10:00:00+01:00", b, "rp-b", "WCU-HEARING"),
      listed("rp-b-h1", "2026-06-15T11:00:00+01:00", b, "plea"),
      told("rp-b-t1", "2026-06-16T10:00:00+01:00", b, "rp-b", "WCU-HEARING"),
      listed("rp-b-h2", "2026-06-17T11:00:00+01:00", b, "trial"),
      told("rp-b-t2", "2026-06-18T10:00:00+01:00", b, "rp-b", "WCU-HEARING"),
      ev("rp-b-nfa", "charging.decided", "2026-06-22T10:00:00+01:00", b, R"("decision":"no_further_action")"),
      ev("rp-b-charge", "charging.decided", "2026-06-23T10:00:00+01:00", b, R"("decision":"charge")"),
      listed("rp-b-h3", "2026-06-29T11:00:00+01:00", b, "sentence"),
  };
  ok(testing::httpRequest(d.port(), "POST", "/api/v1/events", bearer(d.ingest), testing::batch(events)));
  // Reasons for the two misses; the second note is what a spreadsheet would run as a formula.
  ok(testing::httpRequest(d.port(), "POST", "/api/v1/obligations/" + segment("WCU-HEARING:rp-a:rp-a-h2") + "/reason",
                          bearer(d.vlu), std::string(R"({"reason":"workload"})")));
  ok(testing::httpRequest(
      d.port(), "POST", "/api/v1/obligations/" + segment("WCU-HEARING:rp-a:rp-a-h3") + "/reason", bearer(d.vlu),
      std::string(R"x({"reason":"other","note":"=HYPERLINK(\"http://evil.example\",\"click\"), then \"more\""})x")));
  return d;
}

Reply get(const std::string& target, const std::string& token) {
  return testing::httpRequest(juneData().port(), "GET", target, bearer(token));
}

Object::Ptr group(const Object::Ptr& report, const std::string& basis, const std::string& key) {
  auto sections = report->getArray("sections");
  for (size_t i = 0; i < sections->size(); ++i) {
    auto s = sections->getObject(static_cast<unsigned>(i));
    if (s->getValue<std::string>("basis") != basis) continue;
    if (key == "total") return s->getObject("total");
    auto groups = s->getArray("groups");
    for (size_t j = 0; j < groups->size(); ++j)
      if (groups->getObject(static_cast<unsigned>(j))->getValue<std::string>("key") == key)
        return groups->getObject(static_cast<unsigned>(j));
  }
  FAIL("no group " << basis << "/" << key);
  return nullptr;
}

int count(const Object::Ptr& g, const std::string& outcome) { return g->getObject("counts")->getValue<int>(outcome); }

}  // namespace

TEST_CASE("The June report by rule: counts, % met on time and working days, as worked by hand", "[report]") {
  auto r = ok(get("/api/v1/compliance?from=2026-06-01&to=2026-06-30&group_by=rule", juneData().manager));
  CHECK(r->getValue<std::string>("as_of") == "2026-06-30");
  auto wcu = group(r, "code", "WCU-HEARING");
  CHECK(count(wcu, "met") == 3);
  CHECK(count(wcu, "late") == 1);
  CHECK(count(wcu, "breached") == 1);
  CHECK(count(wcu, "waived") == 1);
  CHECK(count(wcu, "cancelled") == 0);
  CHECK(count(wcu, "pending") == 1);
  CHECK(count(wcu, "total") == 7);
  CHECK(wcu->getValue<double>("met_on_time_percent") == Approx(60.0));
  CHECK(wcu->getValue<int>("completed") == 4);
  CHECK(wcu->getValue<double>("median_working_days") == Approx(1.0));
  CHECK(wcu->getValue<int>("p90_working_days") == 3);
  auto nfa = group(r, "code", "VCL-NFA");
  CHECK(count(nfa, "cancelled") == 1);
  CHECK(nfa->isNull("met_on_time_percent"));
  CHECK(count(group(r, "code", "total"), "total") == 8);
  // Service standards apart.
  auto intro = group(r, "service_standard", "RASSO-INTRO");
  CHECK(count(intro, "met") == 1);
  CHECK(intro->getValue<double>("median_working_days") == Approx(4.0));
  // The misses, with their reasons.
  auto misses = r->getArray("misses");
  REQUIRE(misses->size() == 2);
  auto late = misses->getObject(0), breached = misses->getObject(1);
  CHECK(late->getValue<std::string>("obligation_id") == "WCU-HEARING:rp-a:rp-a-h2");
  CHECK(late->getValue<std::string>("outcome") == "late");
  CHECK(late->getValue<int>("working_days_late") == 2);
  CHECK(late->getObject("reason")->getValue<std::string>("code") == "workload");
  CHECK(breached->getValue<std::string>("outcome") == "breached");
  CHECK(breached->getValue<int>("working_days_overdue") == 14);
  CHECK(breached->getObject("reason")->getValue<std::string>("code") == "other");
}

TEST_CASE("The June report by area and by month", "[report]") {
  auto by_area = ok(get("/api/v1/compliance?from=2026-06-01&to=2026-06-30&group_by=area", juneData().manager));
  auto north = group(by_area, "code", "CPS London North"), south = group(by_area, "code", "CPS South West");
  CHECK(count(north, "total") == 4);
  CHECK(north->getValue<double>("met_on_time_percent") == Approx(100.0));
  CHECK(count(south, "total") == 4);
  CHECK(south->getValue<double>("met_on_time_percent") == Approx(33.3));  // 1 of 3, to one decimal place
  CHECK(south->getValue<double>("median_working_days") == Approx(2.0));   // [1, 3]
  auto by_area_south = ok(get("/api/v1/compliance?from=2026-06-01&to=2026-06-30&group_by=area&area=" +
                                  segment("CPS South West"),
                              juneData().manager));
  CHECK(by_area_south->getArray("sections")->getObject(0)->getArray("groups")->size() == 1);

  auto by_month = ok(get("/api/v1/compliance?from=2026-05-01&to=2026-06-30&group_by=month", juneData().manager));
  CHECK(count(group(by_month, "code", "2026-05"), "met") == 1);
  CHECK(count(group(by_month, "code", "2026-06"), "total") == 8);
}

TEST_CASE("The report as CSV opens cleanly in a spreadsheet", "[report]") {
  Reply r = get("/api/v1/compliance?from=2026-06-01&to=2026-06-30&format=csv", juneData().manager);
  REQUIRE(r.status == 200);
  CHECK(r.content_type.rfind("text/csv", 0) == 0);
  CHECK(r.headers["Content-Disposition"] == "attachment; filename=\"compliance-summary-by-rule-2026-06-01-to-2026-06-30.csv\"");
  CHECK(r.body.rfind("\xEF\xBB\xBF" "basis,group_by,group,met,late,breached,waived,cancelled,pending,total,met_on_time_percent,"
                     "completed,median_working_days,p90_working_days,from,to,as_of\r\n", 0) == 0);
  CHECK(r.body.find("\r\ncode,rule,WCU-HEARING,3,1,1,1,0,1,7,60.0,4,1.0,3,2026-06-01,2026-06-30,2026-06-30\r\n") !=
        std::string::npos);
  CHECK(r.body.find("\r\ncode,rule,total,3,1,1,1,1,1,8,60.0,4,1.0,3,") != std::string::npos);
  CHECK(r.body.find("\r\nservice_standard,rule,RASSO-INTRO,1,0,0,0,0,0,1,100.0,1,4.0,4,") != std::string::npos);

  Reply misses = get("/api/v1/compliance?from=2026-06-01&to=2026-06-30&format=csv&table=misses", juneData().manager);
  REQUIRE(misses.status == 200);
  // The officer's note is one quoted cell, its quotes doubled, and starts with an apostrophe, not "=".
  CHECK(misses.body.find(",other,\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"click\"\"), then \"\"more\"\"\",vlu-officer,") !=
        std::string::npos);
  CHECK(misses.body.find(",=") == std::string::npos);
}

TEST_CASE("CSV cells: quoting and formula escaping", "[report]") {
  struct Row {
    const char* in;
    const char* out;
  };
  const Row rows[] = {
      {"plain", "plain"},
      {"", ""},
      {"a,b", "\"a,b\""},
      {"say \"hi\"", "\"say \"\"hi\"\"\""},
      {"two\nlines", "\"two\nlines\""},
      {"=1+2", "'=1+2"},
      {"+44 20 7946 0000", "'+44 20 7946 0000"},
      {"-2", "'-2"},
      {"@SUM(A1)", "'@SUM(A1)"},
      {"\tTab", "'\tTab"},
      {"=A1,B1", "\"'=A1,B1\""},
      {"Ŵyn Llŷr", "Ŵyn Llŷr"},
  };
  for (const Row& r : rows) {
    INFO(r.in);
    CHECK(compliance::csvCell(r.in) == r.out);
  }
}

TEST_CASE("A manager bound to an Area sees that Area's compliance and audit entries only; a national manager sees "
          "every Area",
          "[report][area]") {
  auto& d = juneData();
  static const std::string south_west = d.addUser("sw-area-manager", "manager", "", "CPS South West");
  // The national manager reads both victims, so the log holds a read of each Area's victim.
  ok(get("/api/v1/victims/rp-a", d.manager));
  ok(get("/api/v1/victims/rp-b", d.manager));

  // Compliance: their Area when they ask for every Area; another Area is refused, and says whose they may see.
  auto by_area = ok(get("/api/v1/compliance?from=2026-06-01&to=2026-06-30&group_by=area", south_west));
  auto groups = by_area->getArray("sections")->getObject(0)->getArray("groups");
  REQUIRE(groups->size() == 1);
  CHECK(groups->getObject(0)->getValue<std::string>("key") == "CPS South West");
  CHECK(count(group(by_area, "code", "CPS South West"), "total") == 4);
  Reply other = get("/api/v1/compliance?from=2026-06-01&to=2026-06-30&area=" + segment("CPS London North"), south_west);
  CHECK(other.status == 403);
  CHECK(other.object()->getObject("error")->getValue<std::string>("code") == "outside_area");
  CHECK_THAT(other.object()->getObject("error")->getValue<std::string>("message"), Catch::Contains("CPS South West"));
  Reply csv = get("/api/v1/compliance?from=2026-06-01&to=2026-06-30&group_by=area&format=csv", south_west);
  CHECK(csv.status == 200);
  CHECK_THAT(csv.body, Catch::Contains("CPS South West") && !Catch::Contains("CPS London North"));
  auto national = ok(get("/api/v1/compliance?from=2026-06-01&to=2026-06-30&group_by=area", d.manager));
  CHECK(national->getArray("sections")->getObject(0)->getArray("groups")->size() == 2);

  // The audit log: entries about their Area's victims, cases, obligations and letters; nothing else.
  auto subjects = [&](const std::string& token, const std::string& query) {
    std::vector<std::string> out;
    auto items = ok(get("/api/v1/audit?limit=500" + query, token))->getArray("items");
    for (size_t i = 0; i < items->size(); ++i)
      out.push_back(items->getObject(static_cast<unsigned>(i))->getValue<std::string>("subject"));
    return out;
  };
  const auto reads = subjects(south_west, "&action=read_victim");
  CHECK(std::count(reads.begin(), reads.end(), "victim:rp-a") >= 1);
  CHECK(std::count(reads.begin(), reads.end(), "victim:rp-b") == 0);
  const auto all_national = subjects(d.manager, "&action=read_victim");
  CHECK(std::count(all_national.begin(), all_national.end(), "victim:rp-b") >= 1);
  const auto everything = subjects(south_west, "");
  REQUIRE_FALSE(everything.empty());
  for (const auto& subject : everything) {
    INFO(subject);
    CHECK(subject.find("rp-b") == std::string::npos);
    CHECK(subject.find("52RP0000002") == std::string::npos);
    CHECK((subject.rfind("victim:", 0) == 0 || subject.rfind("case:", 0) == 0 ||
           subject.rfind("obligation:", 0) == 0 || subject.rfind("letter:", 0) == 0 ||
           subject.rfind("notification:", 0) == 0));
  }
  // A reason for the miss in their Area is theirs to give; one outside it is not found.
  CHECK(get("/api/v1/obligations/" + segment("WCU-HEARING:rp-b:rp-b-h3"), south_west).status == 404);
  CHECK(get("/api/v1/obligations/" + segment("WCU-HEARING:rp-a:rp-a-h3"), south_west).status == 200);
}

TEST_CASE("The report is for managers, checks its parameters, and its reading is audited", "[report]") {
  CHECK(get("/api/v1/compliance", juneData().vlu).status == 403);
  CHECK(get("/api/v1/compliance", juneData().isva).status == 403);
  struct Bad {
    const char* query;
    const char* field;
  };
  const Bad bad[] = {{"from=2026-13-01", "from"},     {"to=yesterday", "to"},
                     {"from=2026-07-01&to=2026-06-01", "from"}, {"group_by=victim", "group_by"},
                     {"format=xlsx", "format"},       {"format=csv&table=everything", "table"}};
  for (const Bad& b : bad) {
    INFO(b.query);
    Reply r = get(std::string("/api/v1/compliance?") + b.query, juneData().manager);
    CHECK(r.status == 400);
    CHECK(r.object()->getObject("error")->getValue<std::string>("field") == b.field);
  }
  // No dates: the three months up to today.
  auto r = ok(get("/api/v1/compliance", juneData().manager));
  CHECK(r->getValue<std::string>("from") == "2026-03-31");
  CHECK(r->getValue<std::string>("to") == "2026-06-30");
  auto audit = ok(get("/api/v1/audit?action=read_compliance&actor=vlu-manager", juneData().manager));
  CHECK(audit->getArray("items")->size() >= 1);
}
