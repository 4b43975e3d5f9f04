// The managers' pages: compliance at a glance (tables and charts by rule,
// right, Area and month; the misses with their reasons; CSV downloads) and
// the audit log with its filters and the chain's verification.

#include <cstdio>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include "compliance/report_format.h"
#include "http/form.h"
#include "http/json_io.h"
#include "http/views.h"
#include "web/page_data.h"
#include "web/pages.h"
#include "web/svg_chart.h"

namespace vc::web {

using rendering::Value;

namespace {

const char* const kMonths[] = {"January", "February", "March",     "April",   "May",      "June",
                               "July",    "August",   "September", "October", "November", "December"};

std::string percentText(const Value* v) {
  if (!v || v->text().empty()) return "";
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.1f%%", std::stod(v->text()));
  return buf;
}

std::string sectionTitle(const std::string& basis) {
  return basis == "code" ? "Victims' Code rights" : "CPS service standards";
}

}  // namespace

namespace {

// The period's two dates as typed in the date inputs (or given as from/to in a link). A mistake is shown at
// its field, and the page shows what it would without that date (the default period, or no date filter).
struct Period {
  FormErrors errors;
  DateField from, to;
};

Period readPeriod(const Request& req) {
  Period p;
  auto param = [&req](const std::string& key) { return req.queryOr(key); };
  p.from = readDateField(param, "from", "The from date", p.errors);
  p.to = readDateField(param, "to", "The to date", p.errors);
  if (p.from.date && p.to.date && *p.from.date > *p.to.date) {
    p.errors.add("from", "The from date must be the same as or before the to date", "from-day");
    p.from.date.reset();
    p.to.date.reset();
  }
  return p;
}

}  // namespace

Response WebPages::dashboard(Request& req) {
  Period period = readPeriod(req);
  if (period.from.date && !period.to.date && !period.errors.any() && *period.from.date > s_.clock.today())
    period.errors.add("from", "The from date must be today or before, or give a to date after it", "from-day");
  const compliance::ReportRequest r =
      compliance::parseReportRequest([&](const std::string& key) {
        if (key == "from" || key == "to") {  // a date with a mistake is left out: the default period
          const DateField& f = key == "from" ? period.from : period.to;
          return f.date && !period.errors.any() ? f.date->toString() : std::string();
        }
        return key == "area" ? req.queryOr(key) : std::string();
      }, s_.clock.today(), req.principal->areaScope());
  struct Grouping {
    domain::GroupBy by;
    const char* id;
    const char* title;
  };
  const std::vector<Grouping> groupings = {{domain::GroupBy::kRule, "rule", "By rule"},
                                           {domain::GroupBy::kRight, "right", "By right"},
                                           {domain::GroupBy::kArea, "area", "By Area"},
                                           {domain::GroupBy::kMonth, "month", "By month"}};
  std::vector<domain::GroupBy> bys;
  for (const auto& g : groupings) bys.push_back(g.by);
  const auto reports = s_.ledger.reports(r.query, bys, req.principal->user, "page");  // one audited read

  Value d = frame(req, "Compliance", "dashboard");
  if (!period.errors.any()) {  // the boxes show the period shown (the default one when none was asked for)
    period.from = readDateField([&](const std::string& k) { return k == "from" ? r.query.from.toString() : ""; },
                                "from", "", period.errors);
    period.to = readDateField([&](const std::string& k) { return k == "to" ? r.query.to.toString() : ""; }, "to",
                              "", period.errors);
  }
  period.errors.into(d);
  d.set("from_input", dateInput(period.from, "from", "From", period.errors));
  d.set("to_input", dateInput(period.to, "to", "To", period.errors));
  if (!reports.empty()) {  // Victims' Code Right 1: letters for victims who need an interpreter or Easy Read
    const domain::CommunicationNeedCounts& n = reports.front().communication_needs;
    Value needs = Value::map();
    needs.set("awaiting_translation", std::to_string(n.awaiting_translation));
    needs.set("awaiting_easy_read", std::to_string(n.awaiting_easy_read));
    needs.set("translation_attached", std::to_string(n.translation_attached));
    needs.set("easy_read_attached", std::to_string(n.easy_read_attached));
    needs.set("met_another_way", std::to_string(n.met_another_way));
    d.set("communication_needs", needs);
  }
  d.set("from_text", r.query.from.longString());
  d.set("to_text", r.query.to.longString());
  d.set("as_of_text", s_.clock.today().longString());
  Value areas = Value::list();
  const std::string& scope = req.principal->areaScope();  // a manager bound to an Area sees only it
  if (scope.empty()) {
    Value any = Value::map();
    any.set("value", "");
    any.set("text", "Every Area");
    any.set("selected", r.query.area.empty());
    areas.push(any);
  }
  for (const auto& [area, contact] : s_.contacts) {
    if (!scope.empty() && area != scope) continue;
    Value a = Value::map();
    a.set("value", area);
    a.set("text", area);
    a.set("selected", area == r.query.area);
    areas.push(a);
  }
  d.set("areas", areas);
  const std::string query = "from=" + r.query.from.toString() + "&to=" + r.query.to.toString() +
                            (r.query.area.empty() ? "" : "&area=" + http::urlEncode(r.query.area));

  Value tabs = Value::list();
  for (size_t i = 0; i < groupings.size(); ++i) {
    const Grouping& g = groupings[i];
    Value json = fromJson(compliance::reportJson(reports[i], r.query.area));
    Value tab = Value::map();
    tab.set("id", g.id);
    tab.set("title", g.title);
    tab.set("first", i == 0);
    tab.set("csv_href", "/dashboard/compliance.csv?" + query + "&group_by=" + g.id);
    Value sections = Value::list();
    for (Value& section : json.find("sections")->items()) {
      const std::string basis = section.find("basis")->text();
      std::vector<Bar> bars;
      for (Value& group : section.find("groups")->items()) {
        std::string key = group.find("key")->text();
        std::string label = key;
        if (g.by == domain::GroupBy::kRule) label = ruleTitle(key);
        if (g.by == domain::GroupBy::kRight) label = key == "none" ? "No numbered right" : "Right " + key;
        if (g.by == domain::GroupBy::kMonth && key.size() == 7)
          label = std::string(kMonths[std::stoi(key.substr(5)) - 1]) + " " + key.substr(0, 4);
        group.set("label", label);
        const Value* pct = group.find("met_on_time_percent");
        group.set("percent_text", pct->text().empty() ? "Nothing due" : percentText(pct));
        const Value* counts = group.find("counts");
        const int due = std::stoi(counts->find("met")->text()) + std::stoi(counts->find("late")->text()) +
                        std::stoi(counts->find("breached")->text());
        Bar b;
        b.label = label;
        if (!pct->text().empty()) b.percent = std::stod(pct->text());
        b.value_text = pct->text().empty() ? "nothing due"
                                           : percentText(pct) + " (" + counts->find("met")->text() + " of " +
                                                 std::to_string(due) + ")";
        bars.push_back(b);
      }
      Value* total = section.find("total");
      total->set("percent_text", total->find("met_on_time_percent")->text().empty()
                                     ? "Nothing due"
                                     : percentText(total->find("met_on_time_percent")));
      section.set("title", sectionTitle(basis));
      section.set("has_groups", !section.find("groups")->items().empty());
      section.set("chart_html", bars.empty() ? std::string()
                                             : percentBarChart(std::string("chart-") + g.id + "-" + basis,
                                                               sectionTitle(basis) + ", met on time, " +
                                                                   std::string(g.title).substr(3),
                                                               bars));
      sections.push(section);
    }
    tab.set("sections", sections);
    tabs.push(tab);
    if (i == 0) {
      // The headline figures, and the misses (the same in every grouping).
      for (Value& section : json.find("sections")->items()) {
        const std::string basis = section.find("basis")->text();
        d.set(basis == "code" ? "code_percent" : "standard_percent", section.find("total")->find("percent_text")->text());
      }
      Value misses = Value::list();
      int without_reason = 0;
      for (Value& m : json.find("misses")->items()) {
        m.set("rule_title", ruleTitle(m.find("rule")->text()));
        m.set("due_text", displayDate(m.find("due_by")->text()));
        const bool breached = m.find("outcome")->text() == "breached";
        m.set("breached", breached);
        m.set("working_days", m.find(breached ? "working_days_overdue" : "working_days_late")->text());
        if (Value* reason = m.find("reason"); reason && reason->isMap())
          reason->set("code_text", humanise(reason->find("code")->text()));
        else
          ++without_reason;
        misses.push(m);
      }
      d.set("misses", misses);
      d.set("miss_count", std::to_string(misses.items().size()));
      d.set("without_reason", std::to_string(without_reason));
      d.set("no_misses", misses.items().empty());
    }
  }
  d.set("tabs", tabs);
  // Print batches the print room has not confirmed in time (spool.confirm_within_hours).
  Value overdue_batches = Value::list();
  if (s_.print_room) {
    for (const auto& b : s_.print_room->list()) {
      if (b.state != "overdue") continue;
      Value o = Value::map();
      o.set("id", "pb-" + std::to_string(b.n));
      o.set("letters", std::to_string(b.letters));
      o.set("handed_over_at", b.created_at);
      overdue_batches.push(o);
    }
  }
  d.set("has_overdue_print_batches", !overdue_batches.items().empty());
  d.set("overdue_print_batches", overdue_batches);
  d.set("misses_csv_href", "/dashboard/compliance.csv?" + query + "&table=misses");
  return page("dashboard", d, period.errors.any() ? 400 : 200);
}

Response WebPages::dashboardCsv(Request& req) {
  const compliance::ReportRequest r =
      compliance::parseReportRequest([&req](const std::string& key) {
        return key == "format" ? std::string("csv") : req.queryOr(key);
      }, s_.clock.today(), req.principal->areaScope());
  return http::csvDownload(s_.ledger.report(r.query, req.principal->user, "csv"), r);
}

Response WebPages::audit(Request& req) {
  const Period period = readPeriod(req);
  // The filter reads the dates as from/to (YYYY-MM-DD); a date with a mistake filters nothing.
  const std::string from = period.from.date ? period.from.date->toString() : "",
                    to = period.to.date ? period.to.date->toString() : "";
  req.query["from"] = from;
  req.query["to"] = to;
  const storage::AuditFilter f = http::auditFilterFrom(req);
  // The chain's state first (the check is itself recorded), then the page of entries, then the read recorded.
  const services::AuditPage audit_page = s_.audit.page(f, req.principal->user);
  const storage::AuditVerification& v = audit_page.chain;
  const auto& entries = audit_page.entries;

  Value d = frame(req, "Audit log", "audit");
  Value chain = Value::map();
  chain.set("ok", v.ok);
  chain.set("entries", std::to_string(v.entries));
  chain.set("head_hash", v.head_hash);
  chain.set("broken_seq", std::to_string(v.broken_seq));
  chain.set("problem", v.problem);
  d.set("chain", chain);
  Value items = Value::list();
  for (const auto& e : entries) {
    Value item = Value::map();
    item.set("seq", std::to_string(e.seq));
    item.set("at_text", displayTime(e.at));
    item.set("at", e.at);
    item.set("actor", e.actor);
    item.set("action", e.action);
    item.set("subject", e.subject);
    item.set("detail", e.detail);
    item.set("correlation_id", e.correlation_id);
    items.push(item);
  }
  d.set("entries", items);
  d.set("none", entries.empty());
  for (const char* key : {"actor", "action", "subject"}) d.set(key, req.queryOr(key));
  period.errors.into(d);
  d.set("from_input", dateInput(period.from, "from", "From", period.errors));
  d.set("to_input", dateInput(period.to, "to", "To", period.errors));
  if (entries.size() == static_cast<size_t>(f.limit))
    d.set("older_href", "/audit?actor=" + http::urlEncode(f.actor) + "&action=" + http::urlEncode(f.action) +
                            "&subject=" + http::urlEncode(f.subject) +
                            "&correlation_id=" + http::urlEncode(f.correlation_id) + "&from=" + from + "&to=" + to +
                            "&cursor=" + std::to_string(entries.back().seq));
  return page("audit", d, period.errors.any() ? 400 : 200);
}

}  // namespace vc::web
