#include "http/ops_endpoints.h"

#include <cstdio>
#include <sstream>

#include <Poco/JSON/Object.h>

#include "http/json_io.h"

namespace vc::http {

std::vector<Route> OpsEndpoints::routes() {
  return {
      {"GET", "/readyz", {}, [this](Request& r) { return ready(r); }},
      {"GET", "/metrics", {"metrics"}, [this](Request& r) { return metrics(r); }},
  };
}

Response OpsEndpoints::ready(Request&) {
  const auto checks = operations_.readiness();
  bool ready = true;
  Poco::JSON::Object::Ptr list = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
  for (const auto& c : checks) {
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    o->set("ok", c.ok);
    if (!c.detail.empty()) o->set("detail", c.detail);
    list->set(c.name, o);
    ready = ready && c.ok;
  }
  Poco::JSON::Object::Ptr body = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
  body->set("status", std::string(ready ? "ready" : "not_ready"));
  body->set("checks", list);
  Response r = json(body);
  r.status = ready ? 200 : 503;
  return r;
}

namespace {
void metric(std::ostringstream& out, const char* name, const char* type, const char* help) {
  out << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n";
}
}  // namespace

Response OpsEndpoints::metrics(Request&) {
  const services::OperationsSnapshot s = operations_.snapshot();
  std::ostringstream out;
  metric(out, "vc_events", "gauge", "Journey events stored.");
  out << "vc_events " << s.store.events << "\n";
  metric(out, "vc_letters", "gauge", "Letters by state.");
  for (const auto& [state, n] : s.store.letters_by_state)
    out << "vc_letters{state=\"" << prometheusLabel(state) << "\"} " << n << "\n";
  metric(out, "vc_outbox_messages", "gauge", "Outbox messages (letters and ISVA notifications) by state.");
  for (const auto& [state, n] : s.store.outbox_by_state)
    out << "vc_outbox_messages{state=\"" << prometheusLabel(state) << "\"} " << n << "\n";
  metric(out, "vc_outbox_oldest_unsent_age_seconds", "gauge",
         "Age of the oldest outbox message neither sent nor dead (0: none waits).");
  out << "vc_outbox_oldest_unsent_age_seconds " << s.oldest_unsent_age_seconds << "\n";
  metric(out, "vc_obligations_open", "gauge", "Pending obligations, by basis.");
  for (const auto& [basis, o] : s.store.obligations_by_basis)
    out << "vc_obligations_open{basis=\"" << prometheusLabel(basis) << "\"} " << o.open << "\n";
  metric(out, "vc_obligations_at_risk", "gauge", "Pending obligations due today or by the next working day, by basis.");
  for (const auto& [basis, o] : s.store.obligations_by_basis)
    out << "vc_obligations_at_risk{basis=\"" << prometheusLabel(basis) << "\"} " << o.at_risk << "\n";
  metric(out, "vc_obligations_breached", "gauge", "Pending obligations past their due date, by basis.");
  for (const auto& [basis, o] : s.store.obligations_by_basis)
    out << "vc_obligations_breached{basis=\"" << prometheusLabel(basis) << "\"} " << o.breached << "\n";
  metric(out, "vc_audit_entries", "gauge", "Entries on the audit chain.");
  out << "vc_audit_entries " << s.store.audit_entries << "\n";
  metric(out, "vc_database_size_bytes", "gauge", "Size of the store (SQLite file pages, or the PostgreSQL database).");
  out << "vc_database_size_bytes " << s.store.database_bytes << "\n";
  metric(out, "vc_scheduler_last_pass_seconds", "gauge", "Duration of the scheduler's last pass (-1: none yet).");
  char pass[32];
  std::snprintf(pass, sizeof pass, "%.6f", s.last_pass_seconds);
  out << "vc_scheduler_last_pass_seconds " << pass << "\n";
  metric(out, "vc_calendar_published_days_left", "gauge",
         "Days until the published bank holidays run out (negative: projected from the standing rules since).");
  out << "vc_calendar_published_days_left " << s.calendar_days_left << "\n";
  out << requests_.exposition();
  Response r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = out.str();
  return r;
}

}  // namespace vc::http
