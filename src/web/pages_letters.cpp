// The review queue and one letter: read, correct, approve (four eyes), reject.

#include <algorithm>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "common/text.h"
#include "domain/letter.h"
#include "http/error_response.h"
#include "http/form.h"
#include "http/json_io.h"
#include "http/views.h"
#include "web/letter_in_page.h"
#include "web/page_data.h"
#include "web/pages.h"
#include "web/words.h"

namespace vc::web {

using Poco::JSON::Object;
using rendering::Value;

namespace {

letters::Actor actorOf(const Request& req) {
  const http::Principal& p = *req.principal;
  return {p.user, p.areaScope()};
}

struct Tag {
  const char* text;
  const char* colour;  // a govuk-tag modifier
};

Tag stateTag(const std::string& state) {
  static const std::map<std::string, Tag> kTags = {
      {"draft", {"Ready for review", "blue"}}, {"blocked", {"Blocked", "red"}},
      {"approved", {"Approved, sending", "turquoise"}}, {"sent", {"Sent", "green"}},
      {"rejected", {"Sent back", "orange"}}, {"withdrawn", {"Withdrawn", "grey"}},
      {"met_another_way", {"Met another way", "green"}}};
  auto it = kTags.find(state);
  return it == kTags.end() ? Tag{"Unknown", "grey"} : it->second;
}

Tag urgencyTag(const std::string& urgency) {
  static const std::map<std::string, Tag> kTags = {{"overdue", {"Overdue", "red"}},
                                                   {"due_today", {"Due today", "orange"}},
                                                   {"due_next_working_day", {"Due next working day", "yellow"}}};
  auto it = kTags.find(urgency);
  return it == kTags.end() ? Tag{"", ""} : it->second;
}

Value tagValue(const Tag& t) {
  Value v = Value::map();
  v.set("text", t.text);
  v.set("colour", t.colour);
  return v;
}

const std::vector<std::pair<std::string, std::string>> kStateFilters = {
    {"open", "Still to send"}, {"draft", "Ready for review"}, {"blocked", "Blocked"}, {"rejected", "Sent back"},
    {"approved", "Approved, sending"}, {"sent", "Sent"}, {"withdrawn", "Withdrawn"},
    {"met_another_way", "Met another way"}, {"all", "All"}};

Value option(const std::string& value, const std::string& text, bool selected) {
  Value o = Value::map();
  o.set("value", value);
  o.set("text", text);
  o.set("selected", selected);
  return o;
}

const std::map<std::string, std::string> kDone = {
    {"saved", "Your changes are saved. Another officer must now approve the letter."},
    {"approved", "The letter is approved. It is being sent."},
    {"rejected", "The letter has been sent back with your reason."},
    {"met_another_way", "You have recorded how the victim was given this letter's content. It will not be sent."},
    {"call_attempted", "You have recorded the call attempt. The letter stays open, so you can call again."},
};

// What was typed in a search box, without the spaces around it.
std::string trimmed(const std::string& text) {
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

// A victim's name from their stored profile (JSON text), or their id when it has none (a purged victim's).
std::string victimName(const storage::VictimRow& v) {
  try {
    const Value profile = fromJson(Poco::JSON::Parser().parse(v.profile));
    return personName(&profile, v.victim_id);
  } catch (const Poco::Exception&) {
    return v.victim_id;
  }
}

// A browser sends a text area's line breaks as CRLF; letters keep plain ones.
std::string plainLines(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i)
    if (!(text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n')) out += text[i];
  return out;
}

// Someone saved the letter after this officer opened it, and their save was refused (stale_version). The
// page shows the letter as it now is, and in each box: the officer's own text where they changed it, else the
// new version's; beside a box both of them changed, the other officer's text, with who and when. The form's
// version and its "_was" values are the new version's, so saving again puts the officer's text on top of it.
void showOtherChange(const Request& req, const letters::LetterDetail& detail, Value& d) {
  int read = 0;
  try {
    read = std::stoi(req.formOr("version"));
  } catch (const std::exception&) {
  }
  std::vector<std::string> who;
  std::string at;
  for (const auto& v : detail.versions)
    if (v.version > read) {
      const std::string name = v.author == "system" ? std::string("the system") : v.author;
      if (std::find(who.begin(), who.end(), name) == who.end()) who.push_back(name);
      at = v.at;
    }
  std::string names = who.empty() ? std::string("Another officer") : who[0];
  for (size_t i = 1; i < who.size(); ++i) names += (i + 1 == who.size() ? " and " : ", ") + who[i];
  if (names.rfind("the system", 0) == 0) names[0] = 'T';  // it starts the sentences below
  const std::string when = at.empty() ? std::string() : " on " + displayTime(at);

  Value conflicts = Value::list();
  // One box: the officer's text kept if they changed it; beside it the other's, if they changed it too.
  auto box = [&](Value& holder, const std::string& key, const std::string& shown_key, const std::string& now,
                 const std::string& what) {
    if (!req.form.count(key) || !req.form.count(key + "_was")) return;
    const std::string was = plainLines(req.form.at(key + "_was"));
    if (plainLines(req.form.at(key)) == was) {
      holder.set(shown_key, now);  // the officer left it alone: the new version's text
      return;
    }
    holder.set(shown_key, req.form.at(key));
    if (plainLines(now) == was) return;
    Value theirs = Value::map();
    theirs.set("field", key);
    theirs.set("text", now);
    theirs.set("who", names);
    theirs.set("when", when);
    holder.set("theirs", theirs);
    Value c = Value::map();
    c.set("field", key);
    c.set("message", names + " also changed " + what + ". Their text is shown above yours.");
    conflicts.push(c);
  };
  static const std::vector<std::pair<std::string, std::string>> kBoxes = {
      {"reasons", "the reasons for the decision"},
      {"reasons_cy", "the reasons in Welsh"},
      {"free_text", "the paragraph of your own"},
      {"free_text_cy", "the Welsh of the paragraph of your own"},
      {"translation_language", "the language of the translation"},
      {"translation", "the translation"},
      {"easy_read_text", "the Easy Read version"}};
  for (const auto& [key, what] : kBoxes) {
    const Value* now = d.find(key + "_was");
    Value holder = Value::map();
    box(holder, key, "value", now ? now->text() : std::string(), what);
    if (const Value* v = holder.find("value")) d.set(key, *v);
    if (const Value* t = holder.find("theirs")) d.set("theirs_" + key, *t);
  }
  if (Value* extra = d.find("extra_fields"))
    for (Value& f : extra->items()) {
      std::string label = f.find("label")->text();
      if (!label.empty() && label[0] >= 'A' && label[0] <= 'Z') label[0] = static_cast<char>(label[0] - 'A' + 'a');
      box(f, f.find("name")->text(), "value", f.find("was")->text(), label);
    }

  Value stale = Value::map();
  stale.set("message", names + " changed this letter" + when +
                           ", after you opened it. Your own words are kept in the boxes below. Check them, then "
                           "save again.");
  stale.set("conflicts", conflicts);
  d.set("stale", stale);
}

}  // namespace

namespace {

// The queue's page size: a page of a GOV.UK table an officer can scan.
constexpr int kQueuePage = 50;

const std::vector<std::string> kOpenStates = {"draft", "blocked", "rejected", "approved"};

const std::vector<std::pair<std::string, std::string>> kDueFilters = {
    {"overdue", "Overdue"}, {"due_today", "Due today"}, {"due_next", "Due the next working day"}};

const std::vector<std::pair<std::string, std::string>> kNeedFilters = {
    {"communication_need", "Waiting for a translation or Easy Read"},
    {"unsafe_channel", "Channel not safe for the victim"},
    {"phone_task", "Phone tasks (call the victim)"}};

// What the queue is filtered by, as its links carry it.
struct QueueFilters {
  std::string state = "open", rule, area, need, due, q;
};

// The queue with these filters (and the cursor, if any); the defaults are left out of the link.
std::string queueHref(const QueueFilters& f, const std::string& after = "") {
  std::string query;
  auto add = [&](const char* name, const std::string& value) {
    if (!value.empty()) query += (query.empty() ? "?" : "&") + std::string(name) + "=" + http::urlEncode(value);
  };
  add("state", f.state == "open" ? "" : f.state);
  add("rule", f.rule);
  add("area", f.area);
  add("need", f.need);
  add("due", f.due);
  add("q", f.q);
  add("after", after);
  return "/queue" + query;
}

bool isOpen(const std::string& state) {
  return std::find(kOpenStates.begin(), kOpenStates.end(), state) != kOpenStates.end();
}

// Whether the letters of one group (a row of the grouped counts) are listed with these filters.
bool passes(const storage::LetterCount& c, const QueueFilters& f) {
  if (f.state != "all" && (f.state == "open" ? !isOpen(c.state) : c.state != f.state)) return false;
  if (!f.rule.empty() && c.rule != f.rule) return false;
  if (!f.area.empty() && c.area != f.area) return false;
  if (!f.need.empty() && !(f.need == "communication_need" ? c.communication_need
                           : f.need == "unsafe_channel"   ? c.unsafe_channel
                                                          : c.phone_task))
    return false;
  // Only a letter still to send has a time left (as the queue's tags show it).
  if (!f.due.empty() && !(isOpen(c.state) && c.due == (f.due == "overdue"     ? storage::LetterCount::kOverdue
                                                       : f.due == "due_today" ? storage::LetterCount::kDueToday
                                                                              : storage::LetterCount::kDueNext)))
    return false;
  return true;
}

// How many letters the queue lists with `f`, and with `option` chosen for the filter `which` instead (so that
// an option's count is the number its link lists; "" for f itself).
int64_t countWith(const std::vector<storage::LetterCount>& counts, const QueueFilters& f, const std::string& which,
                  const std::string& option) {
  QueueFilters g = f;
  if (which == "state") g.state = option;
  if (which == "rule") g.rule = option;
  if (which == "area") g.area = option;
  if (which == "need") g.need = option;
  if (which == "due") g.due = option;
  int64_t n = 0;
  for (const auto& c : counts)
    if (passes(c, g)) n += c.count;
  return n;
}

// The last date still "due the next working day" (domain::timeLeft): at most one working day after today.
domain::Date lastDueNext(const domain::WorkingDayCalendar& calendar, const domain::Date& today) {
  domain::Date last = today.plusDays(1);
  try {
    while (calendar.workingDaysBetween(today, last.plusDays(1)) <= 1) last = last.plusDays(1);
  } catch (const domain::CalendarRangeError&) {
  }
  return last;
}

}  // namespace

Response WebPages::queue(Request& req) {
  QueueFilters qf;
  qf.state = req.queryOr("state", "open");
  bool known = false;
  for (const auto& [value, text] : kStateFilters) known = known || value == qf.state;
  if (!known) throw Error(Error::Kind::kInvalidArgument, "invalid_query", "choose a state from the list", {}, "state");
  qf.rule = req.queryOr("rule");
  const bool bound = !req.principal->areaScope().empty();
  if (!bound) qf.area = req.queryOr("area");  // an officer bound to an Area sees theirs whatever the link says
  qf.need = req.queryOr("need");
  if (!qf.need.empty() && qf.need != "communication_need" && qf.need != "unsafe_channel" && qf.need != "phone_task")
    throw Error(Error::Kind::kInvalidArgument, "invalid_query", "choose a need from the list", {}, "need");
  qf.due = req.queryOr("due");
  if (!qf.due.empty() && qf.due != "overdue" && qf.due != "due_today" && qf.due != "due_next")
    throw Error(Error::Kind::kInvalidArgument, "invalid_query", "choose a time left from the list", {}, "due");
  const domain::Date today = s_.clock.today();
  const domain::Date due_next = lastDueNext(s_.calendar, today);

  storage::LetterFilter f;
  if (qf.state == "open") f.states = kOpenStates;
  else if (qf.state != "all") f.states = {qf.state};
  if (!qf.due.empty()) {  // only letters still to send have a time left
    if (f.states.empty()) f.states = kOpenStates;
    f.states.erase(std::remove_if(f.states.begin(), f.states.end(), [](const std::string& s) { return !isOpen(s); }),
                   f.states.end());
    if (f.states.empty()) f.states = {"none"};  // e.g. sent and overdue: no letter is both
    if (qf.due == "overdue") f.due_to = today.plusDays(-1).toString();
    if (qf.due == "due_today") f.due_from = f.due_to = today.toString();
    if (qf.due == "due_next") {
      f.due_from = today.plusDays(1).toString();
      f.due_to = due_next.toString();
    }
  }
  f.rule = qf.rule;
  f.area = qf.area;
  f.communication_need = qf.need == "communication_need";
  f.unsafe_channel = qf.need == "unsafe_channel";
  f.phone_task = qf.need == "phone_task";
  f.limit = kQueuePage + 1;  // one more than a page: is there a next page?
  const std::string cursor = req.queryOr("after");
  if (!cursor.empty()) {
    const size_t sep = cursor.find('~');
    try {
      if (sep == std::string::npos || !domain::Date::parse(cursor.substr(0, sep))) throw std::invalid_argument("after");
      f.after_n = std::stoll(cursor.substr(sep + 1));
      f.after_due = cursor.substr(0, sep);
    } catch (const std::exception&) {
      throw Error(Error::Kind::kInvalidArgument, "invalid_query", "after: not a link this page made", {}, "after");
    }
  }
  // One box finds a letter by its id, a case by its URN, a victim by their id or their name (issue 18 item 5).
  qf.q = trimmed(req.queryOr("q"));
  const std::string& q = qf.q;
  Value matched_victims = Value::list();
  std::string found_as;
  bool searched_names = false;
  if (!q.empty()) {
    if (q.size() > 2 && q.compare(0, 2, "l-") == 0 && q.find_first_not_of("0123456789", 2) == std::string::npos)
      return Response::redirect("/letters/" + q);  // the letter page checks the Area and audits the read
    if (q.size() > 200)
      throw Error(Error::Kind::kInvalidArgument, "invalid_query", "Search for at most 200 characters.", {}, "q");
    if (auto problem = textProblem(q, TextKind::kLine))
      throw Error(Error::Kind::kInvalidArgument, "invalid_query", "What you search for " + *problem + ".", {}, "q");
    // A case's URN or a victim's id: any of their letters (whatever the filters) says which it is.
    storage::LetterFilter any;
    any.limit = 1;  // in any Area the viewer may see (LetterService::list), whatever Area is chosen
    any.case_urn = q;
    if (!s_.letters.list(any, actorOf(req)).empty()) {
      found_as = "case";
      f.case_urn = q;
    } else {
      any.case_urn.clear();
      any.victim_id = q;
      if (!s_.letters.list(any, actorOf(req)).empty()) {
        found_as = "victim";
        f.victim_id = q;
      }
    }
    if (found_as.empty()) {
      // A name: which victims it may be (an audited read of names), each a link to their page and letters.
      searched_names = true;
      for (const auto& v : s_.reads.searchVictimsByName(q, *req.principal, 20)) {
        Value m = Value::map();
        m.set("name", victimName(v));
        m.set("victim_id", v.victim_id);
        m.set("case_urn", v.case_urn);
        m.set("letters_href", "/queue?state=all&q=" + http::urlEncode(v.victim_id));
        matched_victims.push(m);
      }
    }
  }
  std::vector<storage::LetterRow> rows;
  std::vector<storage::LetterCount> counts;
  if (!searched_names) {
    rows = s_.letters.list(f, actorOf(req));
    // Every count on the page, from one grouped query over the letters this viewer may see (in the search's
    // case or victim): the totals, each filter's options, and how many come before this page. Not only the
    // Area chosen: the other Areas' counts are the Area filter's options (an officer bound to an Area counts
    // only theirs: LetterService::count).
    storage::LetterCountScope scope;
    scope.case_urn = f.case_urn;
    scope.victim_id = f.victim_id;
    scope.today = today.toString();
    scope.next_working_day = due_next.toString();
    scope.cursor_due = f.after_due;
    scope.cursor_n = f.after_n;
    counts = s_.letters.count(scope, actorOf(req));
  }
  const bool more = rows.size() > static_cast<size_t>(kQueuePage);
  if (more) rows.pop_back();

  Value d = frame(req, "Letters to review", "queue");
  d.set("q", q);
  if (!found_as.empty())
    d.set("found_text", found_as == "case" ? "Letters for case " + q : "Letters for victim " + q);
  if (!matched_victims.items().empty()) {
    d.set("matched_victims", matched_victims);
    d.set("any_matched", true);
  }
  if (searched_names && matched_victims.items().empty()) d.set("nothing_found", q);

  // The filters chosen, each a tag whose link lists the queue without it; and one link to clear them all.
  Value selected = Value::list();
  auto selectedTag = [&](const std::string& label, const std::string& text, QueueFilters without) {
    Value t = Value::map();
    t.set("label", label);
    t.set("text", text);
    t.set("href", queueHref(without));
    selected.push(t);
  };
  auto textOf = [](const std::vector<std::pair<std::string, std::string>>& options, const std::string& value) {
    for (const auto& [v, text] : options)
      if (v == value) return text;
    return value;
  };
  if (!q.empty()) {
    QueueFilters g = qf;
    g.q.clear();
    selectedTag("Search", q, g);
  }
  if (qf.state != "open") {
    QueueFilters g = qf;
    g.state = "open";
    selectedTag("State", textOf(kStateFilters, qf.state), g);
  }
  if (!qf.due.empty()) {
    QueueFilters g = qf;
    g.due.clear();
    selectedTag("Time left", textOf(kDueFilters, qf.due), g);
  }
  if (!qf.rule.empty()) {
    QueueFilters g = qf;
    g.rule.clear();
    selectedTag("Rule", ruleTitle(qf.rule), g);
  }
  if (!qf.need.empty()) {
    QueueFilters g = qf;
    g.need.clear();
    selectedTag("Needs attention", textOf(kNeedFilters, qf.need), g);
  }
  if (!qf.area.empty()) {
    QueueFilters g = qf;
    g.area.clear();
    selectedTag("Area", qf.area, g);
  }
  if (!selected.items().empty()) {
    d.set("selected_filters", selected);
    d.set("clear_href", "/queue");
  }

  Value items = Value::list();
  for (const auto& row : rows) {
    Value l = fromJson(http::letterView(row, s_.calendar, today, false));
    l.set("title", ruleTitle(row.rule));
    l.set("state_tag", tagValue(stateTag(row.state)));
    l.set("due_text", displayDate(row.due_by));
    if (row.blocked_by.find("\"needs_translation\"") != std::string::npos)
      l.set("need_tag", tagValue({"Needs translation", "purple"}));
    else if (row.blocked_by.find("\"needs_easy_read\"") != std::string::npos)
      l.set("need_tag", tagValue({"Needs Easy Read", "purple"}));
    // Safe contact: a channel not safe for the victim, or a letter to be read to them by phone.
    if (row.channel == "phone")
      l.set("safety_tag", tagValue({"Phone task", "blue"}));
    else if (row.blocked_by.find("\"unsafe_channel\"") != std::string::npos)
      l.set("safety_tag", tagValue({"Unsafe channel", "red"}));
    // Four eyes, before the click: the letters this officer changed last wait for someone else.
    if (!row.last_edited_by.empty() && row.last_edited_by == req.principal->user)
      l.set("you_changed_tag", tagValue({"You changed this", "grey"}));
    if (const Value* t = l.find("time_left"); t && t->isMap()) {
      const Tag u = urgencyTag(t->find("urgency")->text());
      if (*u.text) l.set("urgency_tag", tagValue(u));
    }
    items.push(l);
  }
  d.set("letters", items);

  // The summary: how many letters these filters list, and how many of them each way; each number a link to
  // the queue filtered that way, which lists exactly that many.
  const int64_t total = countWith(counts, qf, "", "");
  d.set("count", std::to_string(total));
  auto summary = [&](const std::string& key, const std::string& filter, const std::string& option) {
    Value v = Value::map();
    v.set("count", std::to_string(countWith(counts, qf, filter, option)));
    QueueFilters g = qf;
    if (filter == "due") g.due = option;
    if (filter == "need") g.need = option;
    v.set("href", queueHref(g));
    d.set(key, v);
  };
  summary("overdue", "due", "overdue");
  summary("due_today", "due", "due_today");
  summary("due_next", "due", "due_next");
  summary("communication_need", "need", "communication_need");
  summary("unsafe_channel", "need", "unsafe_channel");
  summary("phone_tasks", "need", "phone_task");
  d.set("none", rows.empty());

  // Each filter's options with how many letters each would list, the other filters kept.
  auto counted = [&](const std::string& filter, const std::string& value, const std::string& text, bool chosen) {
    return option(value, text + " (" + std::to_string(countWith(counts, qf, filter, value)) + ")", chosen);
  };
  Value states = Value::list();
  for (const auto& [value, text] : kStateFilters) states.push(counted("state", value, text, value == qf.state));
  d.set("states", states);
  Value dues = Value::list();
  dues.push(counted("due", "", "Any", qf.due.empty()));
  for (const auto& [value, text] : kDueFilters) dues.push(counted("due", value, text, value == qf.due));
  d.set("dues", dues);
  Value needs = Value::list();
  needs.push(counted("need", "", "Any", qf.need.empty()));
  for (const auto& [value, text] : kNeedFilters) needs.push(counted("need", value, text, value == qf.need));
  d.set("needs", needs);
  Value rules = Value::list();
  rules.push(counted("rule", "", "Any rule", qf.rule.empty()));
  std::vector<std::pair<std::string, std::string>> letter_rules;
  for (const auto& r : s_.rules.sets().back().rules)
    if (domain::obligationNeedsLetter(r.kind, r.recipient, r.template_name)) letter_rules.push_back({r.id, ruleTitle(r.id)});
  for (const auto& [id, title] : letter_rules) rules.push(counted("rule", id, title, id == qf.rule));
  d.set("rules", rules);
  d.set("choose_area", !bound);
  Value areas = Value::list();
  areas.push(counted("area", "", "Every Area", qf.area.empty()));
  for (const auto& [area, contact] : s_.contacts) areas.push(counted("area", area, area, area == qf.area));
  d.set("areas", areas);

  // GOV.UK pagination: "Showing 51 to 100 of 378 letters", Previous and Next keeping the filters and search.
  // The cursor stays (due_by~n of the last row before the page); the position is counted, not carried.
  if (!rows.empty()) {
    int64_t before = 0;
    if (!f.after_due.empty())
      for (const auto& c : counts)
        if (c.at_or_before_cursor && passes(c, qf)) before += c.count;
    const int64_t first = before + 1, last = before + static_cast<int64_t>(rows.size());
    d.set("showing_from", std::to_string(first));
    d.set("showing_to", std::to_string(last));
    if (!f.after_due.empty()) {
      // The page before: the kQueuePage letters up to the cursor. Its own cursor is the letter before them.
      storage::LetterFilter back = f;
      back.backwards = true;
      back.limit = kQueuePage + 1;
      const auto earlier = s_.letters.list(back, actorOf(req));
      const bool first_page = earlier.size() <= static_cast<size_t>(kQueuePage);
      Value prev = Value::map();
      prev.set("href", queueHref(qf, first_page ? "" : earlier.back().due_by + "~" + std::to_string(earlier.back().n)));
      if (first > 1)
        prev.set("label", "Letters " + std::to_string(first_page ? 1 : std::max<int64_t>(1, first - kQueuePage)) +
                              " to " + std::to_string(first - 1));
      d.set("previous", prev);
    }
    if (more) {
      Value next = Value::map();
      next.set("href", queueHref(qf, rows.back().due_by + "~" + std::to_string(rows.back().n)));
      next.set("label", "Letters " + std::to_string(last + 1) + " to " +
                            std::to_string(std::max(last + 1, std::min(total, last + kQueuePage))));
      d.set("next", next);
    }
    d.set("paged", d.find("previous") || d.find("next"));
  }
  return page("queue", d);
}

Response WebPages::letter(Request& req) { return letterPage(req, nullptr, 200); }

Response WebPages::letterPage(Request& req, const Error* refused, int status) {
  const letters::LetterDetail detail = s_.letters.read(req.params.at("id"), actorOf(req));
  const storage::LetterRow& row = detail.letter;
  const domain::Date today = s_.clock.today();
  Value d = frame(req, ruleTitle(row.rule), "queue");
  Value l = fromJson(http::letterDetailView(detail, s_.calendar, today));
  l.set("title", ruleTitle(row.rule));
  l.set("state_tag", tagValue(stateTag(row.state)));
  l.set("due_text", displayDate(row.due_by));
  l.set("letter_date_text", displayDate(row.letter_date));
  if (const Value* t = l.find("time_left"); t && t->isMap()) {
    const Tag u = urgencyTag(t->find("urgency")->text());
    if (*u.text) l.set("urgency_tag", tagValue(u));
  }
  l.set("is_welsh", row.language == "cy");
  l.set("by_email", row.channel == "email");
  l.set("by_phone", row.channel == "phone");
  // A phone task's script: each half of what to say under its own heading.
  if (Value* script = l.find("phone_script"); script && script->isMap()) {
    const size_t halves = script->find("what_to_say")->items().size();
    for (Value& section : script->find("what_to_say")->items())
      section.set("heading", section.find("language")->text() == "cy" ? std::string("What to say (Welsh)")
                             : halves > 1                             ? std::string("What to say (English)")
                                                                      : std::string("What to say"));
    if (detail.call_attempts > 0)
      d.set("call_attempts_text", std::to_string(detail.call_attempts) + " call attempt" +
                                      (detail.call_attempts == 1 ? " has" : "s have") +
                                      " been recorded (see the history).");
  }
  // Times people read, not timestamps.
  for (Value& item : l.find("history")->items()) {
    item.set("at_text", displayTime(item.find("at")->text()));
    item.set("action_text", humanise(item.find("action")->text()));
    item.set("to_text", stateTag(item.find("to_state")->text()).text);
  }
  if (!row.sent_at.empty()) l.set("sent_text", displayTime(row.sent_at));
  if (!row.approved_at.empty()) l.set("approved_text", displayTime(row.approved_at));
  d.set("letter", l);
  // The letter itself, at full height in the page (its HTML is ours: see letterInPage).
  const std::string letter_html = letterInPage(row.html);
  d.set("letter_html", letter_html);
  d.set("has_letter_html", !letter_html.empty());
  d.set("free_text", row.free_text);
  d.set("free_text_was", row.free_text);

  // The deadline, and why it falls when it does (the obligation explains itself).
  {
    // The trigger event is read only when the officer has not written the reasons themselves (below).
    Object::Ptr fields = http::parseJson(row.fields).extract<Object::Ptr>();
    const bool edited_reasons = fields->has("reasons") && fields->get("reasons").isString() &&
                                !fields->getValue<std::string>("reasons").empty();
    const services::LetterBackground background = s_.reads.letterBackground(row, !edited_reasons);
    if (const auto& ob = background.obligation) {
      Object::Ptr o = http::obligationView(*ob, today, s_.calendar, true);
      Value obligation = fromJson(o);
      if (Value* x = obligation.find("explanation")) {
        if (Value* skipped = x->find("days_skipped"))
          for (Value& day : skipped->items()) {
            const std::string date_text = displayDate(day.find("date")->text());
            day.set("date_text", date_text);
            // A weekend day's reason is its weekday's name ("Saturday"), already in the date.
            const std::string why = day.find("why")->text();
            day.set("why_text", date_text.rfind(why + " ", 0) == 0 ? std::string("weekend") : why);
          }
        // For the officer: the due date, the day counted from and what happened then, how many working
        // days and why; the event's id, its time and UTC offset stay in the explanation's "details" part.
        x->set("due_text", displayDate(o->optValue<std::string>("due_by", "")));
        x->set("from_text", displayDate(x->find("trigger_date")->text()) + ": " +
                                eventName(x->find("trigger_type")->text()));
        const std::string days = x->find("working_days")->text();
        const bool enhanced = x->find("tier")->text() == "enhanced";
        std::string reasons;
        if (const Value* tr = x->find("tier_reasons"))
          for (const Value& r : tr->items()) reasons += (reasons.empty() ? "" : "; ") + r.find("detail")->text();
        x->set("days_text", days + (days == "1" ? " working day" : " working days") +
                                (enhanced ? ", because the victim has enhanced rights" + (reasons.empty() ? "" : " (" + reasons + ")")
                                          : ", because the victim has standard rights"));
        if (const Value* ext = obligation.find("extension"); ext && ext->isMap()) {
          const std::string by = ext->find("working_days")->text();
          x->set("extended_text", "By " + by + (by == "1" ? " working day" : " working days") + ", from " +
                                      displayDate(ext->find("original_due_by")->text()));
        }
        const Value* changes = obligation.find("changes");
        x->set("recomputed", changes && !changes->items().empty());
      }
      d.set("obligation", obligation);
      // The reasons as they stand: the officer's edit, else what the prosecutor recorded.
      std::string reasons;
      if (fields->has("reasons")) reasons = fields->getValue<std::string>("reasons");
      if (reasons.empty())
        if (const auto& e = background.trigger_event) {
          Object::Ptr body = http::parseJson(e->body).extract<Object::Ptr>();
          if (body->has("reasons") && body->get("reasons").isString()) reasons = body->getValue<std::string>("reasons");
        }
      const std::string reasons_cy = fields->has("reasons_cy") ? fields->getValue<std::string>("reasons_cy") : "";
      d.set("reasons", reasons);
      d.set("reasons_was", reasons);
      d.set("reasons_cy", reasons_cy);
      d.set("reasons_cy_was", reasons_cy);
      // What only some letters need when the events lack it: a review's reviewer and next step, and
      // the charges before and after an alteration (docs/letters.md).
      Value extra = Value::list();
      auto add = [&](const std::string& name, const std::string& label, const std::string& hint, bool multiline) {
        Value f = Value::map();
        const std::string value = fields->has(name) ? fields->getValue<std::string>(name) : "";
        f.set("name", name);
        f.set("label", label);
        f.set("hint", hint);
        f.set("value", req.form.count(name) ? req.form.at(name) : value);
        f.set("was", value);
        f.set("multiline", multiline);
        extra.push(f);
      };
      if (row.rule == "VRR-OUT") {
        add("reviewer", "Reviewing prosecutor", "Their name, as the letter is signed. Empty: the name vrr.decided gave.",
            false);
        add("next_step", "What happens next (if the decision was overturned)",
            "charge, proceedings_reinstated or explanation_and_apology. Empty: what vrr.decided said.", false);
      }
      if (row.rule == "VCL-ALT") {
        add("previous_charges", "The charges before this change",
            "One charge a line. Empty: the charges the case's events last listed.", true);
        add("charges", "The charges now", "One charge a line. Empty: the charges the event listed.", true);
      }
      d.set("extra_fields", extra);
      // The Welsh free text, and what a communication need asks for (Victims' Code Right 1).
      for (const char* key : {"free_text_cy", "translation", "translation_language", "easy_read_text"}) {
        const std::string text = fields->has(key) ? fields->get(key).toString() : "";
        d.set(key, text);
        d.set(std::string(key) + "_was", text);
      }
      if (const auto& victim = background.victim) {
        const letters::CommunicationNeeds needs =
            letters::communicationNeeds(http::parseJson(victim->profile).extract<Object::Ptr>());
        Value need = Value::map();
        need.set("interpreter", needs.interpreter);
        need.set("language", needs.language.empty() ? std::string("a language not recorded") : needs.language);
        need.set("easy_read", needs.easy_read);
        if (needs.any()) d.set("need", need);
        // A channel not safe for the victim (contact_safety): offer the other channel if it is safe.
        const letters::ContactSafety safety =
            letters::contactSafety(http::parseJson(victim->profile).extract<Object::Ptr>());
        const std::string other = row.channel == "post" ? "email" : "post";
        if (row.blocked_by.find("\"unsafe_channel\"") != std::string::npos) {
          Value unsafe = Value::map();
          unsafe.set("channel", row.channel);
          unsafe.set("other", safety.safe(other) ? other : std::string());
          unsafe.set("phone_safe", safety.phone);
          d.set("unsafe_channel", unsafe);
          d.find("letter")->set("unsafe_channel", unsafe);  // inside {{#letter}} its API flag would hide this
        }
      }
    }
  }

  // The plain-English findings, each shown beside its box, and listed again where the letter is approved.
  if (!detail.findings.empty() && domain::isOpen(domain::parseLetterState(row.state).value_or(domain::LetterState::kSent))) {
    Value all = Value::list();
    std::map<std::string, Value> by_field;
    for (const auto& f : detail.findings) {
      Value v = Value::map();
      v.set("field", f.field);
      v.set("is_term", f.kind == "term");
      v.set("text", f.text);
      v.set("suggestion", f.suggestion);
      auto [it, added] = by_field.emplace(f.field, Value::list());
      it->second.push(v);
      all.push(v);
    }
    for (auto& [field, list] : by_field) d.set("findings_" + field, list);
    d.set("findings", all);
    d.set("finding_count", std::to_string(detail.findings.size()));
  }

  const bool officer = req.principal->role == "vlu" || req.principal->role == "admin";
  const auto state = domain::parseLetterState(row.state);
  d.set("can_edit", officer && state && !domain::refuseEdit(*state, row.version, row.version));
  d.set("can_approve", officer && row.state == "draft" && row.channel != "phone");  // a phone task is called, not sent
  d.set("can_reject", officer && state && !domain::refuseRejection(*state) && !domain::refuseWhileBeingWritten(row.version));
  d.set("you_edited_last", !row.last_edited_by.empty() && row.last_edited_by == req.principal->user);
  d.set("blocked", row.state == "blocked");
  d.set("unsafe_switch", officer && d.find("unsafe_channel") && !d.find("unsafe_channel")->find("other")->text().empty() &&
                             state && !domain::refuseEdit(*state, row.version, row.version));
  d.set("can_meet_another_way", officer && (d.find("need") || d.find("unsafe_channel") || row.channel == "phone") && state && !domain::refuseMetAnotherWay(*state, row.version, row.version));
  d.set("can_record_call_attempt", officer && row.channel == "phone" && state && domain::isOpen(*state));
  Value channels = Value::list();
  static const std::map<std::string, std::string> kChannelText = {
      {"phone", "By phone"}, {"in_person", "In person"}, {"video", "By video call"}, {"other", "Another way"}};
  for (const auto& c : letters::metAnotherWayChannels())
    channels.push(option(c, kChannelText.at(c),
                         req.form.count("channel") ? req.form.at("channel") == c : row.channel == "phone" && c == "phone"));
  d.set("channels", channels);
  auto done = kDone.find(req.queryOr("done"));
  if (done != kDone.end()) d.set("done", done->second);
  // After an approval, the next letter this officer may approve: ready for review, soonest due, not a phone
  // task, not one they changed last (four eyes).
  if (officer && done != kDone.end() && done->first == "approved") {
    storage::LetterFilter f;
    f.states = {"draft"};
    f.limit = 100;
    std::optional<storage::LetterRow> next;
    for (int pages = 0; pages < 10 && !next; ++pages) {
      const auto rows = s_.letters.list(f, actorOf(req));
      for (const auto& r : rows)
        if (r.n != row.n && r.channel != "phone" && r.last_edited_by != req.principal->user &&
            !domain::refuseWhileBeingWritten(r.version)) {
          next = r;
          break;
        }
      if (rows.size() < static_cast<size_t>(f.limit)) break;
      f.after_due = rows.back().due_by;
      f.after_n = rows.back().n;
    }
    if (next) {
      Value n = Value::map();
      n.set("href", "/letters/l-" + std::to_string(next->n));
      n.set("text", ruleTitle(next->rule) + ", due by " + displayDate(next->due_by));
      d.set("next_letter", n);
    }
    d.set("approved_done", true);
  }
  if (refused) {
    Value e = Value::map();
    std::string message = refused->what();
    if (!message.empty() && message[0] >= 'a' && message[0] <= 'z') message[0] = static_cast<char>(message[0] - 'a' + 'A');
    e.set("message", message);
    e.set("four_eyes", refused->code() == "four_eyes");
    e.set("field", refused->field().empty() ? std::string("actions") : refused->field());
    d.set("refused", e);
    // Keep what the officer typed, so a refusal does not lose it.
    e.set("plain_english", refused->code() == "plain_english");
    const bool stale_edit = refused->code() == "stale_version" && req.form.count("reasons_was");
    // What the service says for its API callers, said here in words for the officer.
    if (refused->code() == "invalid_state")
      e.set("message", std::string("This letter is now \u201c") + stateTag(row.state).text +
                           "\u201d, so that can no longer be done.");
    if (refused->code() == "plain_english")
      e.set("message", std::to_string(detail.findings.size()) + " plain-English finding" +
                           (detail.findings.size() == 1 ? "" : "s") +
                           " in the officers' words, shown beside each box. Correct the letter, or say below why "
                           "the words should stand.");
    d.set("refused", e);
    // A correction the letter can no longer take: the officer's words, to copy, rather than lost.
    if (!d.find("can_edit")->truthy() && req.form.count("reasons_was")) {
      Value boxes = Value::list();
      for (const auto& [key, label] : std::vector<std::pair<std::string, std::string>>{
               {"reasons", "Reasons for the decision"}, {"reasons_cy", "Reasons in Welsh"},
               {"free_text", "Anything else to say"}, {"free_text_cy", "Anything else to say, in Welsh"},
               {"translation_language", "Language of the translation"}, {"translation", "Translation"},
               {"easy_read_text", "Easy Read version"}, {"reviewer", "Reviewing prosecutor"},
               {"next_step", "What happens next"}, {"previous_charges", "The charges before this change"},
               {"charges", "The charges now"}})
        if (req.form.count(key) && req.form.count(key + "_was") &&
            plainLines(req.form.at(key)) != plainLines(req.form.at(key + "_was"))) {
          Value b = Value::map();
          b.set("label", label);
          b.set("text", req.form.at(key));
          boxes.push(b);
        }
      d.set("has_unsaved", !boxes.items().empty());
      d.set("unsaved", boxes);
      if (!boxes.items().empty()) {
        e.set("field", "edit");  // the error summary links to them
        d.set("refused", e);
      }
    }
    for (const char* key : {"reasons", "reasons_cy", "free_text", "reject_reason", "override_reason", "free_text_cy",
                            "translation", "translation_language", "easy_read_text", "met_reason", "call_notes"})
      if (req.form.count(key) && !(stale_edit && req.form.count(std::string(key) + "_was")))
        d.set(key, req.form.at(key));
    if (stale_edit) showOtherChange(req, detail, d);
    // "Error: " in the title; a mistake in what was typed is also shown at its field (partials/field_error).
    d.set("error_title", true);
    if (refused->kind() == Error::Kind::kInvalidArgument && !refused->field().empty()) {
      FormErrors field_errors;
      field_errors.add(refused->field(), d.find("refused")->find("message")->text());
      Value fields = Value::map();
      fields.set(refused->field(), field_errors.field(refused->field()));
      d.set("errors", fields);
    }
  }
  return page("letter", d, status);
}

// The letter alone, as it will be posted (A4, by its own print CSS) or emailed: to print, or save as a PDF, from
// the browser. Not framed; it runs no script.
Response WebPages::letterPrint(Request& req) {
  const letters::LetterDetail detail = s_.letters.read(req.params.at("id"), actorOf(req));
  Response r;
  r.content_type = "text/html; charset=utf-8";
  r.body = detail.letter.html;
  r.headers["Content-Security-Policy"] =
      "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'; "
      "form-action 'none'";
  r.headers["X-Frame-Options"] = "DENY";
  return r;
}

namespace {

// A box's text, if the officer changed it from what the page showed (in `<name>_was`).
std::optional<std::string> changedField(const Request& req, const std::string& name) {
  auto given = req.form.find(name);
  if (given == req.form.end()) return std::nullopt;
  const std::string text = plainLines(given->second);
  auto was = req.form.find(name + "_was");
  if (was != req.form.end() && plainLines(was->second) == text) return std::nullopt;
  return text;
}

int versionFrom(const Request& req) {
  try {
    size_t used = 0;
    const std::string v = req.formOr("version");
    const int n = std::stoi(v, &used);
    if (used != v.size() || n < 1) throw std::invalid_argument("version");
    return n;
  } catch (const std::exception&) {
    throw Error(Error::Kind::kInvalidArgument, "invalid_edit", "the form did not say which version you read", {},
                "version");
  }
}

}  // namespace

Response WebPages::reviewAction(Request& req, const std::function<void()>& action, const std::string& done) {
  try {
    action();
  } catch (const Error& e) {
    if (e.kind() == Error::Kind::kNotFound) throw;
    return letterPage(req, &e, http::statusFor(e.kind()));
  }
  return Response::redirect("/letters/" + http::urlEncode(req.params.at("id")) + "?done=" + done);
}

Response WebPages::editLetter(Request& req) {
  return reviewAction(req, [&] {
    letters::LetterEdit e;
    e.version = versionFrom(req);
    for (const std::string& field : letters::editableFields())
      if (auto text = changedField(req, field)) e.fields[field] = *text;
    e.free_text = changedField(req, "free_text");
    if (e.fields.empty() && !e.free_text)
      throw Error(Error::Kind::kInvalidArgument, "invalid_edit", "You have not changed anything in the letter", {},
                  "reasons");
    s_.letters.edit(req.params.at("id"), actorOf(req), e);
  }, "saved");
}

Response WebPages::approveLetter(Request& req) {
  return reviewAction(req, [&] {
    s_.letters.approve(req.params.at("id"), actorOf(req), versionFrom(req), plainLines(req.formOr("override_reason")));
  }, "approved");
}

Response WebPages::meetLetterAnotherWay(Request& req) {
  return reviewAction(req, [&] {
    letters::MetAnotherWay m;
    m.version = versionFrom(req);
    m.channel = req.formOr("channel");
    m.reason = plainLines(req.formOr("met_reason"));
    if (m.channel.empty())
      throw Error(Error::Kind::kInvalidArgument, "invalid_reason", "Choose how the victim was reached", {}, "channel");
    if (m.reason.find_first_not_of(" \t\r\n") == std::string::npos)
      throw Error(Error::Kind::kInvalidArgument, "invalid_reason",
                  "Say how the victim was given the letter's content", {}, "met_reason");
    s_.letters.meetAnotherWay(req.params.at("id"), actorOf(req), m);
  }, "met_another_way");
}

Response WebPages::recordCallAttempt(Request& req) {
  return reviewAction(req, [&] {
    const std::string notes = plainLines(req.formOr("call_notes"));
    if (notes.find_first_not_of(" \t\r\n") == std::string::npos)
      throw Error(Error::Kind::kInvalidArgument, "invalid_reason", "Say what happened on the call", {}, "call_notes");
    s_.letters.recordCallAttempt(req.params.at("id"), actorOf(req), notes);
  }, "call_attempted");
}

Response WebPages::rejectLetter(Request& req) {
  return reviewAction(req, [&] {
    const std::string reason = req.formOr("reject_reason");
    if (reason.find_first_not_of(" \t\r\n") == std::string::npos)
      throw Error(Error::Kind::kInvalidArgument, "invalid_reason", "Say why you are sending the letter back", {},
                  "reject_reason");
    s_.letters.reject(req.params.at("id"), actorOf(req), reason);
  }, "rejected");
}

}  // namespace vc::web
