#include "compliance/report_format.h"

#include <algorithm>
#include <cstdio>

#include <Poco/JSON/Array.h>

#include "common/error.h"

namespace vc::compliance {

ReportRequest parseReportRequest(const std::function<std::string(const std::string&)>& param,
                                 const domain::Date& today, const std::string& area_scope) {
  auto bad = [](const std::string& key, const std::string& message) {
    return Error(Error::Kind::kInvalidArgument, "invalid_query", key + ": " + message, {}, key);
  };
  auto date = [&](const std::string& key, const domain::Date& fallback) {
    const std::string text = param(key);
    if (text.empty()) return fallback;
    auto d = domain::Date::parse(text);
    if (!d) throw bad(key, "not a date (YYYY-MM-DD)");
    return *d;
  };
  ReportRequest r;
  r.query.to = date("to", today);
  // Three calendar months up to and including `to`: 2026-08-24 to 2026-11-23.
  const domain::Date& to = r.query.to;
  int year = to.year(), month = to.month() - 3;
  if (month < 1) {
    month += 12;
    --year;
  }
  const domain::Date three_months_back(year, month, std::min(to.day(), domain::daysInMonth(year, month)));
  r.query.from = date("from", three_months_back.plusDays(1));
  if (r.query.from > r.query.to) throw bad("from", "is after `to`");
  const std::string group_by = param("group_by");
  if (!group_by.empty()) {
    auto g = domain::parseGroupBy(group_by);
    if (!g) throw bad("group_by", std::string("must be one of ") + domain::kGroupByChoices);
    r.query.group_by = *g;
  }
  const std::string format = param("format");
  if (!format.empty() && format != "json" && format != "csv") throw bad("format", "must be json or csv");
  if (!format.empty()) r.format = format;
  const std::string table = param("table");
  if (!table.empty() && table != "summary" && table != "misses") throw bad("table", "must be summary or misses");
  if (table == "misses") r.table = CsvTable::kMisses;
  r.query.area = param("area");
  if (!area_scope.empty()) {
    if (!r.query.area.empty() && r.query.area != area_scope)
      throw Error(Error::Kind::kForbidden, "outside_area",
                  "You can see the compliance of " + area_scope + " only, not of " + r.query.area + ".", {}, "area");
    r.query.area = area_scope;
  }
  return r;
}

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

namespace {

Object::Ptr ordered() { return new Object(Poco::JSON_PRESERVE_KEY_ORDER); }
Var orNull(const std::string& s) { return s.empty() ? Var() : Var(s); }

// One decimal place, as a manager would read it ("87.5").
std::string oneDecimal(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

Var number(const std::optional<double>& v) { return v ? Var(std::stod(oneDecimal(*v))) : Var(); }

Object::Ptr groupJson(const domain::ReportGroup& g) {
  Object::Ptr o = ordered();
  o->set("key", g.key);
  Object::Ptr counts = ordered();
  const auto& c = g.counts;
  counts->set("met", c.met);
  counts->set("late", c.late);
  counts->set("breached", c.breached);
  counts->set("waived", c.waived);
  counts->set("cancelled", c.cancelled);
  counts->set("pending", c.pending);
  counts->set("total", c.total());
  o->set("counts", counts);
  o->set("met_on_time_percent", number(g.met_on_time_percent));
  o->set("completed", g.completed);
  o->set("median_working_days", number(g.median_working_days));
  o->set("p90_working_days", g.p90_working_days ? Var(*g.p90_working_days) : Var());
  o->set("extended", g.extended);
  return o;
}

}  // namespace

Object::Ptr reportJson(const domain::ComplianceReport& r, const std::string& area) {
  Object::Ptr o = ordered();
  o->set("from", r.from.toString());
  o->set("to", r.to.toString());
  o->set("as_of", r.today.toString());
  o->set("group_by", domain::groupByName(r.group_by));
  o->set("area", orNull(area));
  Object::Ptr defs = ordered();
  defs->set("period", "obligations due from `from` to `to`, inclusive, with their outcome as of `as_of`");
  defs->set("met_on_time_percent", "met / (met + late + breached), to one decimal place; null when none was due");
  defs->set("working_days", "working days from the trigger's date to the completion date (England and Wales), "
                            "over met and late obligations; median, and 90th percentile by nearest rank");
  defs->set("extended", "obligations whose due date was extended on purpose (vrr.extended); each counts against "
                        "its new due date, so an extension is not a breach; listed under `extensions`");
  defs->set("communication_needs", "letters of the period's obligations for victims needing an interpreter or Easy "
                                   "Read: still waiting (awaiting_*), carrying the translation or Easy Read text "
                                   "(*_attached), or met another way (the content reached the victim by another "
                                   "route, recorded with a reason as a contact)");
  o->set("definitions", defs);
  Array::Ptr sections = new Array;
  for (const auto& s : r.sections) {
    Object::Ptr so = ordered();
    so->set("basis", s.basis);
    Array::Ptr groups = new Array;
    for (const auto& g : s.groups) groups->add(groupJson(g));
    so->set("groups", groups);
    so->set("total", groupJson(s.total));
    sections->add(so);
  }
  o->set("sections", sections);
  Array::Ptr misses = new Array;
  for (const auto& m : r.misses) {
    const auto& e = m.entry;
    Object::Ptr mo = ordered();
    mo->set("obligation_id", e.id);
    mo->set("rule", e.rule);
    mo->set("basis", e.basis);
    mo->set("right", e.right ? Var(*e.right) : Var());
    mo->set("area", e.area);
    mo->set("case_urn", e.case_urn);
    mo->set("victim_id", e.victim_id);
    mo->set("due_by", e.due_by.toString());
    mo->set("outcome", m.outcome);
    mo->set(m.outcome == "late" ? "working_days_late" : "working_days_overdue", m.working_days);
    mo->set("completed_on", e.completed_on ? Var(e.completed_on->toString()) : Var());
    mo->set("breach_detected_at", orNull(e.breach_detected_at));
    Var reason;
    if (!e.reason.empty()) {
      Object::Ptr ro = ordered();
      ro->set("code", e.reason);
      ro->set("note", e.reason_note);
      ro->set("recorded_by", e.reason_by);
      ro->set("recorded_at", e.reason_at);
      reason = ro;
    }
    mo->set("reason", reason);
    misses->add(mo);
  }
  o->set("misses", misses);
  // Due dates moved on purpose (vrr.extended): shown as extensions, each judged against its new date.
  Array::Ptr extensions = new Array;
  for (const auto& x : r.extensions) {
    const auto& e = x.entry;
    Object::Ptr xo = ordered();
    xo->set("obligation_id", e.id);
    xo->set("rule", e.rule);
    xo->set("basis", e.basis);
    xo->set("area", e.area);
    xo->set("case_urn", e.case_urn);
    xo->set("victim_id", e.victim_id);
    xo->set("original_due_by", e.original_due_by ? Var(e.original_due_by->toString()) : Var());
    xo->set("due_by", e.due_by.toString());
    xo->set("extended_working_days", e.extended_working_days);
    xo->set("outcome", x.outcome);
    extensions->add(xo);
  }
  o->set("extensions", extensions);
  // Victims' Code Right 1: letters that needed a translation or Easy Read, and how each was handled.
  Object::Ptr needs = ordered();
  const auto& n = r.communication_needs;
  needs->set("awaiting_translation", n.awaiting_translation);
  needs->set("awaiting_easy_read", n.awaiting_easy_read);
  needs->set("translation_attached", n.translation_attached);
  needs->set("easy_read_attached", n.easy_read_attached);
  needs->set("met_another_way", n.met_another_way);
  o->set("communication_needs", needs);
  return o;
}

std::string csvFileName(const ReportRequest& r) {
  return std::string("compliance-") +
         (r.table == CsvTable::kMisses ? "misses" : "summary-by-" + domain::groupByName(r.query.group_by)) + "-" +
         r.query.from.toString() + "-to-" + r.query.to.toString() + ".csv";
}

std::string csvCell(const std::string& text) {
  std::string cell = text;
  if (!cell.empty() && std::string("=+-@\t\r").find(cell.front()) != std::string::npos) cell = "'" + cell;
  if (cell.find_first_of(",\"\r\n") == std::string::npos) return cell;
  std::string quoted = "\"";
  for (char c : cell) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

namespace {

void row(std::string& out, const std::vector<std::string>& cells) {
  for (size_t i = 0; i < cells.size(); ++i) out += (i ? "," : "") + csvCell(cells[i]);
  out += "\r\n";
}

std::string optionalText(const std::optional<double>& v) { return v ? oneDecimal(*v) : ""; }

}  // namespace

std::string reportCsv(const domain::ComplianceReport& r, CsvTable table) {
  std::string out = "\xEF\xBB\xBF";  // UTF-8 byte-order mark: Excel otherwise reads the file as ANSI
  if (table == CsvTable::kSummary) {
    row(out, {"basis", "group_by", "group", "met", "late", "breached", "waived", "cancelled", "pending",
              "total", "met_on_time_percent", "completed", "median_working_days", "p90_working_days", "from", "to",
              "as_of"});
    for (const auto& s : r.sections) {
      std::vector<const domain::ReportGroup*> groups;
      for (const auto& g : s.groups) groups.push_back(&g);
      groups.push_back(&s.total);
      for (const auto* g : groups) {
        const auto& c = g->counts;
        row(out, {s.basis, domain::groupByName(r.group_by), g->key, std::to_string(c.met), std::to_string(c.late), std::to_string(c.breached),
                  std::to_string(c.waived), std::to_string(c.cancelled), std::to_string(c.pending),
                  std::to_string(c.total()), optionalText(g->met_on_time_percent), std::to_string(g->completed),
                  optionalText(g->median_working_days),
                  g->p90_working_days ? std::to_string(*g->p90_working_days) : "", r.from.toString(),
                  r.to.toString(), r.today.toString()});
      }
    }
    return out;
  }
  row(out, {"basis", "obligation_id", "rule", "right", "area", "case_urn", "victim_id", "due_by", "outcome",
            "working_days_late_or_overdue", "completed_on", "breach_detected_at", "reason", "reason_note",
            "reason_recorded_by", "reason_recorded_at"});
  for (const auto& m : r.misses) {
    const auto& e = m.entry;
    row(out, {e.basis, e.id, e.rule, e.right ? std::to_string(*e.right) : "", e.area, e.case_urn, e.victim_id,
              e.due_by.toString(), m.outcome, std::to_string(m.working_days),
              e.completed_on ? e.completed_on->toString() : "", e.breach_detected_at, e.reason, e.reason_note,
              e.reason_by, e.reason_at});
  }
  return out;
}

}  // namespace vc::compliance
