// The print room hand-off, against a real daemon and a real spool directory: the posted letters
// of one sending pass form a print batch with a manifest (ids, files and their SHA-256, estimated
// pages, large print); the print room confirms it by a batch-N.confirmed file or through the API;
// a batch unconfirmed past spool.confirm_within_hours is overdue, in the log and the API.

#include <filesystem>
#include <fstream>
#include <mutex>

#include <catch2/catch.hpp>

#include <Poco/AutoPtr.h>
#include <Poco/Channel.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Logger.h>
#include <Poco/Message.h>

#include "common/sha256.h"
#include "delivery/print_room.h"
#include "support/replies.h"
#include "support/test_daemon.h"

using namespace vc;           // NOLINT
using namespace vc::testing;  // NOLINT
using Poco::JSON::Array;
using Poco::JSON::Object;

namespace {

class RecordingChannel : public Poco::Channel {
 public:
  void log(const Poco::Message& m) override {
    std::lock_guard<std::mutex> lock(mutex_);
    lines_.push_back(std::to_string(static_cast<int>(m.getPriority())) + " " + m.getText());
  }
  std::vector<std::string> lines() {
    std::lock_guard<std::mutex> lock(mutex_);
    return lines_;
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> lines_;
};

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

struct PrintRoomFixture {
  TestDaemon d;
  Reply call(const std::string& method, const std::string& target, const std::string& token,
             const std::optional<std::string>& body = std::nullopt) {
    return httpRequest(d.port(), method, target, bearer(token), body);
  }
  // A case with one victim (large print when asked) and a decision not to charge: a postal letter, approved and sent.
  std::string postedLetter(const std::string& urn, const std::string& victim, bool large_print,
                           const std::string& more = "") {
    const std::string needs = (large_print ? R"(,"needs":{"large_print":true})" : "") + more;
    Reply r = call("POST", "/api/v1/events", d.ingest,
                   batch({R"({"id":")" + urn + R"(-e1","type":"case.registered","occurred_at":"2026-03-02T09:00:00Z","case_urn":")" +
                              urn + R"(","area":"CPS South West","offences":["rape"],"prosecutor":{"name":"Ada Prosecutor","phone":"01632 960102"}})",
                          R"({"id":")" + victim + R"(-reg","type":"victim.registered","occurred_at":"2026-03-02T09:05:00Z","case_urn":")" +
                              urn + R"(","victim_id":")" + victim +
                              R"(","title":"Mx","name":{"given":"Sam","family":"Testcase"},"address":{"lines":["1 Example Street","Sampleford"],"postcode":"ZZ1 1AA"})" +
                              needs + "}",
                          R"({"id":")" + victim + R"(-nfa","type":"charging.decided","occurred_at":"2026-04-02T15:20:00+01:00","case_urn":")" +
                              urn + R"(","decision":"no_further_action","reasons":"The evidence does not support a charge."})"}));
    INFO(r.body);
    REQUIRE(r.status == 200);
    Array::Ptr items = ok(call("GET", "/api/v1/letters?state=all&case_urn=" + urn, d.vlu))->getArray("items");
    REQUIRE(items->size() == 1);
    const std::string id = items->getObject(0)->getValue<std::string>("id");
    ok(call("POST", "/api/v1/letters/" + id + "/approve", d.vlu));
    return id;
  }
  Object::Ptr batches(const std::string& query = "") {
    return ok(call("GET", "/api/v1/print-batches" + query, d.manager));
  }
};

}  // namespace

TEST_CASE("Posted letters sent in one pass form a print batch whose manifest lists each file's checksum, pages and large print",
          "[print]") {
  PrintRoomFixture f;
  const std::string plain = f.postedLetter("52PB0100126", "pb1-v", false);
  const std::string large = f.postedLetter("52PB0200126", "pb2-v", true);
  REQUIRE(f.d.services.outbox.sendDue() == 2);

  const std::string dir = f.d.settings.spool_dir;
  const std::string manifest_path = dir + "/batch-1.manifest.json";
  REQUIRE(std::filesystem::exists(manifest_path));
  CHECK_FALSE(std::filesystem::exists(manifest_path + ".part"));
  Object::Ptr m = Poco::JSON::Parser().parse(slurp(manifest_path)).extract<Object::Ptr>();
  CHECK(m->getValue<std::string>("batch") == "pb-1");
  CHECK(m->getValue<int>("letters") == 2);
  CHECK(m->getValue<std::string>("confirm_by_creating") == "batch-1.confirmed");
  Array::Ptr items = m->getArray("items");
  REQUIRE(items->size() == 2);
  std::map<std::string, Object::Ptr> by_id;
  for (unsigned i = 0; i < items->size(); ++i) by_id[items->getObject(i)->getValue<std::string>("letter_id")] = items->getObject(i);
  REQUIRE(by_id.count(plain));
  REQUIRE(by_id.count(large));
  for (const auto& [id, item] : by_id) {
    Array::Ptr files = item->getArray("files");
    REQUIRE(files->size() == 2);
    CHECK(files->getObject(0)->getValue<std::string>("file") == id + ".html");
    CHECK(files->getObject(1)->getValue<std::string>("file") == id + ".txt");
    for (unsigned i = 0; i < 2; ++i) {
      const std::string file = files->getObject(i)->getValue<std::string>("file");
      CHECK(files->getObject(i)->getValue<std::string>("sha256") == sha256Hex(slurp(dir + "/" + file)));
    }
    // The page estimate is the one documented: lines of 80 (40) characters, 50 (25) lines a page.
    const bool is_large = id == large;
    CHECK(item->getValue<bool>("large_print") == is_large);
    CHECK(item->getValue<int>("pages") == delivery::estimatePages(slurp(dir + "/" + id + ".txt"), is_large));
    CHECK(item->getValue<int>("pages") >= 1);
  }
  CHECK(by_id[large]->getValue<int>("pages") > by_id[plain]->getValue<int>("pages"));  // the same letter, larger print
  CHECK(by_id[plain]->getObject("envelope")->getValue<std::string>("style") == "cps");
  CHECK_FALSE(by_id[plain]->getObject("envelope")->has("return_name"));

  // The letter is sent (handed over) and its delivery names the batch, not yet confirmed.
  Object::Ptr l = ok(f.call("GET", "/api/v1/letters/" + plain, f.d.vlu));
  CHECK(l->getValue<std::string>("state") == "sent");
  CHECK(l->getObject("delivery")->getValue<std::string>("batch") == "pb-1");
  CHECK(l->getObject("delivery")->isNull("confirmed_at"));

  Array::Ptr listed = f.batches()->getArray("items");
  REQUIRE(listed->size() == 1);
  CHECK(listed->getObject(0)->getValue<std::string>("state") == "unconfirmed");
  CHECK(listed->getObject(0)->getValue<int>("letters") == 2);
  CHECK(listed->getObject(0)->getValue<std::string>("confirm_by") == "2026-04-07T08:00:00Z");

  // A pass with nothing posted makes no empty batch.
  CHECK(f.d.services.outbox.sendDue() == 0);
  CHECK_FALSE(std::filesystem::exists(dir + "/batch-2.manifest.json"));
}

TEST_CASE("A discreet victim's letter is marked in the manifest for a plain envelope with the neutral return name",
          "[print][discreet]") {
  PrintRoomFixture f;
  const std::string id = f.postedLetter("52PB0600126", "pb6-v", false, R"(,"contact_safety":{"discreet":true})");
  REQUIRE(f.d.services.outbox.sendDue() == 1);
  const std::string manifest = slurp(f.d.settings.spool_dir + "/batch-1.manifest.json");
  Object::Ptr item = Poco::JSON::Parser().parse(manifest).extract<Object::Ptr>()->getArray("items")->getObject(0);
  CHECK(item->getValue<std::string>("letter_id") == id);
  CHECK(item->getObject("envelope")->getValue<std::string>("style") == "plain");
  CHECK(item->getObject("envelope")->getValue<std::string>("return_name") == "Letters Team");
  CHECK(manifest.find("Crown Prosecution") == std::string::npos);
}

TEST_CASE("The print room confirms a batch by a .confirmed file in the spool or through the API", "[print]") {
  PrintRoomFixture f;
  const std::string first = f.postedLetter("52PB0300126", "pb3-v", false);
  f.d.services.outbox.sendDue();
  const std::string second = f.postedLetter("52PB0400126", "pb4-v", false);
  f.d.services.outbox.sendDue();
  const std::string dir = f.d.settings.spool_dir;
  REQUIRE(std::filesystem::exists(dir + "/batch-2.manifest.json"));

  // Written to the spool is not yet handed over: the delivery says so until the print room confirms.
  Object::Ptr before = ok(f.call("GET", "/api/v1/letters/" + first, f.d.vlu));
  CHECK(before->getObject("delivery")->getValue<std::string>("status") == "sending");
  CHECK(before->getObject("delivery")->getValue<std::string>("status_text") ==
        "in the print spool, waiting for the print room to confirm it");
  CHECK(ok(f.call("GET", "/api/v1/outbox?status=sending", f.d.manager))->getArray("items")->size() == 2);
  CHECK(ok(f.call("GET", "/api/v1/outbox?status=accepted", f.d.manager))->getArray("items")->size() == 0);

  SECTION("a file") {
    std::ofstream(dir + "/batch-1.confirmed") << "";
    f.d.setNow("2026-04-06T10:30:00+01:00");
    f.d.services.scheduler.runPass();
    Object::Ptr listed = f.batches("?state=confirmed");
    REQUIRE(listed->getArray("items")->size() == 1);
    Object::Ptr b = listed->getArray("items")->getObject(0);
    CHECK(b->getValue<std::string>("id") == "pb-1");
    CHECK(b->getValue<std::string>("confirmed_at") == "2026-04-06T09:30:00Z");
    CHECK(b->getValue<std::string>("confirmed_by") == "print room (batch-1.confirmed)");
    Object::Ptr l = ok(f.call("GET", "/api/v1/letters/" + first, f.d.vlu));
    CHECK(l->getObject("delivery")->getValue<std::string>("confirmed_at") == "2026-04-06T09:30:00Z");
    CHECK(f.batches("?state=unconfirmed")->getArray("items")->getObject(0)->getValue<std::string>("id") == "pb-2");
    // Now accepted: in the letter's delivery, its history, the lists and the audit log.
    CHECK(l->getObject("delivery")->getValue<std::string>("status") == "accepted");
    Array::Ptr history = l->getArray("history");
    Object::Ptr last = history->getObject(history->size() - 1);
    CHECK(last->getValue<std::string>("action") == "accepted");
    CHECK(last->getValue<std::string>("note") == "the print room confirmed it has batch pb-1");
    // Asked by delivery status, the queue lists every state (a letter that went is sent, not open).
    Array::Ptr accepted = ok(f.call("GET", "/api/v1/letters?delivery_status=accepted", f.d.vlu))->getArray("items");
    REQUIRE(accepted->size() == 1);
    CHECK(accepted->getObject(0)->getValue<std::string>("id") == first);
    CHECK(accepted->getObject(0)->getValue<std::string>("delivery_status") == "accepted");
    CHECK(ok(f.call("GET", "/api/v1/outbox?status=accepted", f.d.manager))->getArray("items")->size() == 1);
    Array::Ptr audit = ok(f.call("GET", "/api/v1/audit?action=letter_accepted", f.d.manager))->getArray("items");
    REQUIRE(audit->size() == 1);
    CHECK(audit->getObject(0)->getValue<std::string>("subject") == "letter:" + first);
    CHECK(f.call("GET", "/api/v1/letters?delivery_status=lost", f.d.vlu).status == 400);
    CHECK(f.call("GET", "/api/v1/outbox?status=lost", f.d.manager).status == 400);
  }
  SECTION("the API, for a VLU officer or an admin, not a manager") {
    CHECK(f.call("POST", "/api/v1/print-batches/pb-2/confirm", f.d.manager).status == 403);
    Object::Ptr b = ok(f.call("POST", "/api/v1/print-batches/pb-2/confirm", f.d.vlu));
    CHECK(b->getValue<std::string>("state") == "confirmed");
    CHECK(b->getValue<std::string>("confirmed_by") == "vlu-officer");
    // The confirmation is in the audit log: who confirmed which batch.
    Array::Ptr audited =
        ok(f.call("GET", "/api/v1/audit?action=print_batch_confirm&subject=pb-2", f.d.manager))->getArray("items");
    REQUIRE(audited->size() == 1);
    CHECK(audited->getObject(0)->getValue<std::string>("actor") == "vlu-officer");
    CHECK(ok(f.call("POST", "/api/v1/print-batches/pb-1/confirm", f.d.admin))->getValue<std::string>("confirmed_by") ==
          "operator");
    // Confirming again keeps the first confirmation.
    f.d.setNow("2026-04-06T11:00:00+01:00");
    Object::Ptr again = ok(f.call("POST", "/api/v1/print-batches/pb-2/confirm", f.d.admin));
    CHECK(again->getValue<std::string>("confirmed_by") == "vlu-officer");
    CHECK(again->getValue<std::string>("confirmed_at") == "2026-04-06T08:00:00Z");
    Object::Ptr l = ok(f.call("GET", "/api/v1/letters/" + second, f.d.vlu));
    CHECK(l->getObject("delivery")->getValue<std::string>("confirmed_at") == "2026-04-06T08:00:00Z");
    Reply missing = f.call("POST", "/api/v1/print-batches/pb-9/confirm", f.d.vlu);
    CHECK(missing.status == 404);
    CHECK(f.call("POST", "/api/v1/print-batches/nine/confirm", f.d.vlu).status == 404);
    CHECK(f.call("GET", "/api/v1/print-batches?state=lost", f.d.vlu).status == 400);
  }
}

TEST_CASE("A batch the print room has not confirmed within spool.confirm_within_hours is overdue, logged once",
          "[print]") {
  Poco::AutoPtr<RecordingChannel> channel(new RecordingChannel);
  Poco::Logger& logger = Poco::Logger::get("vc.printroom");
  Poco::AutoPtr<Poco::Channel> old(logger.getChannel(), true);
  const int old_level = logger.getLevel();
  logger.setChannel(channel);
  logger.setLevel(Poco::Message::PRIO_INFORMATION);
  PrintRoomFixture f;
  f.postedLetter("52PB0500126", "pb5-v", false);
  f.d.services.outbox.sendDue();

  f.d.setNow("2026-04-07T08:59:00+01:00");  // 23 h 59 min later: still in time
  f.d.services.scheduler.runPass();
  CHECK(f.batches()->getArray("items")->getObject(0)->getValue<std::string>("state") == "unconfirmed");
  f.d.setNow("2026-04-07T09:00:00+01:00");
  f.d.services.scheduler.runPass();
  f.d.services.scheduler.runPass();
  Array::Ptr overdue = f.batches("?state=overdue")->getArray("items");
  REQUIRE(overdue->size() == 1);
  CHECK(overdue->getObject(0)->getValue<std::string>("id") == "pb-1");

  size_t warnings = 0;
  for (const auto& line : channel->lines()) {
    if (line.find("not confirmed by the print room") == std::string::npos) continue;
    ++warnings;
    CHECK(line.rfind(std::to_string(static_cast<int>(Poco::Message::PRIO_WARNING)) + " ", 0) == 0);
    CHECK(line.find("print batch 1 (1 letter(s)") != std::string::npos);
    CHECK(line.find("Testcase") == std::string::npos);  // no personal data
  }
  CHECK(warnings == 1);
  logger.setChannel(old);
  logger.setLevel(old_level);
}
