// What the people who run the daemon watch (issue 19 item 3): GET /readyz (no token; whether the store,
// templates and SMTP are usable) and GET /metrics (the metrics role; Prometheus text, counts only).

#include <regex>

#include <catch2/catch.hpp>

#include "support/smtp_sink.h"
#include "support/test_daemon.h"

using namespace vc;           // NOLINT
using namespace vc::testing;  // NOLINT

namespace {

// The value of one sample line ("name{labels} value"), or -1 if the line is not there.
double sample(const std::string& text, const std::string& series) {
  const size_t at = text.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + series.size() + 2));
}

const char* kCase = R"([
  {"id":"op-e1","type":"case.registered","occurred_at":"2026-04-01T09:00:00+01:00","case_urn":"52OP0100126","area":"CPS South West","offences":["rape"]},
  {"id":"op-e2","type":"victim.registered","occurred_at":"2026-04-01T09:05:00+01:00","case_urn":"52OP0100126","victim_id":"v-op","name":{"given":"Robin","family":"Metrics"},"address":{"lines":["1 Gauge Road","Sampleford"],"postcode":"ZZ1 1AA"}},
  {"id":"op-e3","type":"charging.decided","occurred_at":"2026-04-02T15:00:00+01:00","case_urn":"52OP0100126","decision":"no_further_action","reasons":"Not enough evidence."}
])";

}  // namespace

TEST_CASE("/readyz says the daemon is ready only when the store, templates and SMTP are usable", "[http][operations]") {
  SECTION("nothing listens for SMTP: not ready, and it says which part") {
    TestDaemon d;  // smtp.port 1
    Reply r = httpRequest(d.port(), "GET", "/readyz", "");
    CHECK(r.status == 503);
    auto checks = r.object()->getObject("checks");
    CHECK(r.object()->getValue<std::string>("status") == "not_ready");
    CHECK(checks->getObject("store")->getValue<bool>("ok"));
    CHECK(checks->getObject("templates")->getValue<bool>("ok"));
    CHECK_FALSE(checks->getObject("smtp")->getValue<bool>("ok"));
    CHECK_THAT(checks->getObject("smtp")->getValue<std::string>("detail"), Catch::Contains("127.0.0.1:1"));
    // Liveness is another question: the daemon is alive.
    CHECK(httpRequest(d.port(), "GET", "/healthz", "").status == 200);
  }
  SECTION("an SMTP server listens: ready; at the calendar's edge it still is, with the warning") {
    TempDir maildir;
    const uint16_t smtp_port = freePort();
    SmtpSink sink(smtp_port, maildir.path);
    DaemonOptions o;
    o.smtp_port = smtp_port;
    o.now = "2028-11-15T10:00:00Z";
    TestDaemon d(o);
    Reply r = httpRequest(d.port(), "GET", "/readyz", "");
    INFO(r.body);
    CHECK(r.status == 200);
    CHECK(r.object()->getValue<std::string>("status") == "ready");
    CHECK_THAT(r.object()->getObject("checks")->getObject("calendar")->getValue<std::string>("detail"),
               Catch::StartsWith("The published bank holidays end on Sunday 31 December 2028, in 46 days."));
  }
}

TEST_CASE("/metrics shows counts, durations and requests to the metrics role, and nothing about anyone",
          "[http][operations]") {
  TestDaemon d;
  REQUIRE(httpRequest(d.port(), "POST", "/api/v1/events", bearer(d.ingest), std::string(kCase)).status == 200);
  for (int i = 0; i < 3; ++i) REQUIRE(httpRequest(d.port(), "GET", "/api/v1/victims/v-op", bearer(d.vlu)).status == 200);
  REQUIRE(httpRequest(d.port(), "GET", "/api/v1/victims/nobody", bearer(d.vlu)).status == 404);

  CHECK(httpRequest(d.port(), "GET", "/metrics", "").status == 401);
  CHECK(httpRequest(d.port(), "GET", "/metrics", bearer(d.vlu)).status == 403);
  // The metrics role reads nothing else.
  CHECK(httpRequest(d.port(), "GET", "/api/v1/victims/v-op", bearer(d.metrics)).status == 403);

  Reply m = httpRequest(d.port(), "GET", "/metrics", bearer(d.metrics));
  REQUIRE(m.status == 200);
  CHECK_THAT(m.content_type, Catch::StartsWith("text/plain; version=0.0.4"));
  const std::string t = "\n" + m.body;
  INFO(m.body);
  CHECK(sample(t, "vc_events") == 3);
  CHECK(sample(t, "vc_letters{state=\"draft\"}") == 1);
  CHECK(sample(t, "vc_obligations_open{basis=\"code\"}") >= 1);
  CHECK(sample(t, "vc_audit_entries") > 0);
  CHECK(sample(t, "vc_database_size_bytes") > 0);
  CHECK(sample(t, "vc_calendar_published_days_left") > 900);
  // Requests by route pattern (never the victim's id) and status, with a histogram.
  CHECK(sample(t, "vc_http_requests_total{method=\"GET\",route=\"/api/v1/victims/{victim_id}\",status=\"200\"}") == 3);
  CHECK(sample(t, "vc_http_requests_total{method=\"GET\",route=\"/api/v1/victims/{victim_id}\",status=\"404\"}") == 1);
  CHECK(sample(t, "vc_http_requests_total{method=\"GET\",route=\"/api/v1/victims/{victim_id}\",status=\"403\"}") == 1);
  CHECK(sample(t, "vc_http_request_duration_seconds_count{method=\"GET\",route=\"/api/v1/victims/{victim_id}\"}") == 5);
  CHECK(sample(t, "vc_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/victims/{victim_id}\",le=\"+Inf\"}") == 5);
  // No personal data: not the name, not the ids.
  for (const char* personal : {"Robin", "Metrics\"", "v-op", "52OP0100126", "nobody", "Gauge Road"})
    CHECK(m.body.find(personal) == std::string::npos);
}
