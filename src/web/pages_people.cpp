// A victim's page (journey, entitlement, obligations, letters), reasons for a
// miss, and the ISVA's inbox.

#include <algorithm>

#include <Poco/JSON/Object.h>

#include "domain/compliance.h"
#include "http/error_response.h"
#include "http/form.h"
#include "http/views.h"
#include "rendering/html_text.h"
#include "web/page_data.h"
#include "web/pages.h"
#include "web/words.h"

namespace vc::web {

using rendering::Value;

namespace {

const std::map<std::string, std::pair<const char*, const char*>> kObligationTags = {
    {"pending", {"Open", "blue"}},     {"met", {"Met", "green"}},         {"late", {"Late", "orange"}},
    {"breached", {"Missed", "red"}},   {"waived", {"Waived", "grey"}},    {"cancelled", {"Cancelled", "grey"}}};

const std::map<std::string, std::string> kReasonTexts = {
    {"awaiting_reasons_from_prosecutor", "Waiting for the prosecutor's reasons"},
    {"contact_details_missing", "The victim's contact details were missing"},
    {"victim_unreachable", "We could not reach the victim"},
    {"partner_delay", "A partner agency was late (police, Witness Care Unit)"},
    {"system_fault", "A system fault"},
    {"workload", "Workload: not enough staff to do it in time"},
    {"other", "Another reason (say what in the note)"}};

std::string reasonText(const std::string& code) {
  auto it = kReasonTexts.find(code);
  return it == kReasonTexts.end() ? humanise(code) : it->second;
}

// The notification as the ISVA's email shows it, as page markup: its headings (the page's own h1 is the
// headline, so the email's h1 and h2 are h2 here), paragraphs, lists and links, every word escaped by the
// template. A Welsh notification's Welsh part (before the rule and the English version) is marked lang="cy".
Value notificationBlocks(const std::string& html, const std::string& language) {
  Value blocks = Value::list();
  bool welsh = language == "cy";
  Value* list = nullptr;  // the list being filled, while list items follow one another
  auto runsOf = [](const rendering::TextBlock& b) {
    Value runs = Value::list();
    for (const auto& r : b.runs) {
      // Only a web, email or phone link is kept as a link; anything else is shown as its text.
      const bool link = r.href.rfind("https://", 0) == 0 || r.href.rfind("http://", 0) == 0 ||
                        r.href.rfind("mailto:", 0) == 0 || r.href.rfind("tel:", 0) == 0;
      Value run = Value::map();
      run.set("text", r.text);
      run.set("link", link);
      run.set("href", link ? r.href : std::string());
      run.set("strong", r.strong);
      runs.push(run);
    }
    return runs;
  };
  for (const auto& b : rendering::htmlBlocks(html)) {
    using Kind = rendering::TextBlock::Kind;
    if (b.kind == Kind::kListItem && list) {
      Value item = Value::map();
      item.set("runs", runsOf(b));
      list->find("items")->push(item);
      continue;
    }
    Value block = Value::map();
    const int level = b.kind == Kind::kHeading ? std::max(2, b.level) : 0;
    block.set("h2", level == 2);
    block.set("h3", level == 3);
    block.set("h4", level >= 4);
    block.set("paragraph", b.kind == Kind::kParagraph);
    block.set("list", b.kind == Kind::kListItem);
    block.set("numbered", b.ordered);
    block.set("rule", b.kind == Kind::kRule);
    block.set("cy", welsh && b.kind != Kind::kRule);
    block.set("runs", runsOf(b));
    Value items = Value::list();
    if (b.kind == Kind::kListItem) {
      Value item = Value::map();
      item.set("runs", runsOf(b));
      items.push(item);
    }
    block.set("items", items);
    if (b.kind == Kind::kRule) welsh = false;  // the English version follows
    blocks.push(block);
    list = b.kind == Kind::kListItem ? &blocks.items().back() : nullptr;
  }
  return blocks;
}

notifications::Reader readerOf(const Request& req) {
  const http::Principal& p = *req.principal;
  return {p.user, p.role == "isva" ? p.isva_id : "", p.areaScope()};
}

}  // namespace

Response WebPages::victim(Request& req) { return victimPage(req, req.params.at("id"), "", nullptr, 200); }

Response WebPages::victimPage(Request& req, const std::string& id, const std::string& refused_obligation,
                              const Error* refused, int status) {
  FormErrors errors;
  Value v = fromJson(http::readVictim(s_.reads, s_.clock, s_.calendar, id, *req.principal));  // audited
  const Value* profile = v.find("profile");
  const std::string name = personName(profile, id);
  Value d = frame(req, name, "queue");
  v.set("name", name);
  const Value* language = profile ? profile->find("language") : nullptr;
  v.set("language_text", !language || language->text().empty() ? "the language of their Area (not stated)"
                         : language->text() == "cy"                ? "Welsh (Cymraeg), with English"
                                                                   : "English");
  for (Value& e : v.find("timeline")->items()) {
    e.set("when", displayTime(e.find("occurred_at")->text()));
    e.set("what", eventName(e.find("type")->text()));
  }
  const bool can_give_reason = req.principal->role == "vlu" || req.principal->role == "manager" ||
                               req.principal->role == "admin";
  std::vector<Value>& obligations = v.find("obligations")->items();
  for (size_t i = 0; i < obligations.size(); ++i) {
    Value& o = obligations[i];
    const std::string status = o.find("status")->text();
    auto tag = kObligationTags.find(status);
    Value t = Value::map();
    t.set("text", tag == kObligationTags.end() ? status : tag->second.first);
    t.set("colour", tag == kObligationTags.end() ? "grey" : tag->second.second);
    o.set("status_tag", t);
    o.set("title", ruleTitle(o.find("rule")->text()));
    o.set("due_text", displayDate(o.find("due_by")->text()));
    o.set("missed", status == "late" || status == "breached");
    o.set("can_give_reason", can_give_reason && (status == "late" || status == "breached"));
    o.set("form_id", "reason-" + std::to_string(i));
    if (o.find("id")->text() == refused_obligation) {  // the form comes back open, as it was sent
      const std::string form_id = "reason-" + std::to_string(i);
      if (refused && refused->field() == "reason")
        errors.add(form_id + "-code", "Choose a reason from the list");
      else if (refused && req.formOr("note").find_first_not_of(" \t\r\n") == std::string::npos)
        errors.add(form_id + "-note", "Enter a note saying what the other reason was");
      else if (refused)
        errors.add(form_id + "-note", "The note is too long: shorten it");
      o.set("form_open", true);
      o.set("typed_note", req.formOr("note"));
      Value typed_codes = Value::list();  // the reason as chosen
      for (const auto& code : domain::missReasonCodes()) {
        Value c = Value::map();
        c.set("value", code);
        c.set("text", reasonText(code));
        c.set("selected", code == req.formOr("reason"));
        typed_codes.push(c);
      }
      o.set("reason_codes", typed_codes);
      o.set("reason_error", errors.field(form_id + "-code"));
      o.set("note_error", errors.field(form_id + "-note"));
    }
    if (Value* r = o.find("reason"); r && r->isMap()) r->set("text", reasonText(r->find("code")->text()));
  }
  if (refused && !errors.any()) throw *refused;  // not an obligation on this page: the plain refusal
  Value codes = Value::list();
  for (const auto& code : domain::missReasonCodes()) {
    Value c = Value::map();
    c.set("value", code);
    c.set("text", reasonText(code));
    c.set("selected", false);
    codes.push(c);
  }
  d.set("reason_codes", codes);
  errors.into(d);
  const Value* ent = v.find("entitlement");
  d.set("enhanced", ent && ent->find("enhanced") && ent->find("enhanced")->truthy());
  // The victim's letters, for a way back to the queue's work.
  storage::LetterFilter f;
  f.victim_id = id;
  f.limit = 100;
  Value letters = Value::list();
  const http::Principal& p = *req.principal;
  for (const auto& row : s_.letters.list(f, {p.user, p.areaScope()})) {
    Value l = Value::map();
    l.set("id", row.id());
    l.set("title", ruleTitle(row.rule));
    l.set("state", row.state);
    l.set("due_text", displayDate(row.due_by));
    letters.push(l);
  }
  d.set("letters", letters);
  d.set("victim", v);
  if (req.queryOr("done") == "reason") d.set("done", "The reason is recorded.");
  return page("victim", d, status);
}

Response WebPages::recordReason(Request& req) {
  const http::Principal& p = *req.principal;
  const std::string& id = req.params.at("id");
  const std::string victim_id = req.formOr("victim_id");
  try {
    s_.ledger.recordReason(id, req.formOr("reason"), req.formOr("note"), p.user, p.areaScope());
  } catch (const Error& e) {
    if (e.kind() != Error::Kind::kInvalidArgument || victim_id.empty()) throw;
    // The victim page again, this form open with what was typed and its mistake beside the field.
    return victimPage(req, victim_id, id, &e, http::statusFor(e.kind()));
  }
  return Response::redirect(victim_id.empty() ? "/queue" : "/victims/" + http::urlEncode(victim_id) + "?done=reason");
}

Response WebPages::inbox(Request& req) {
  const bool unread_only = req.queryOr("unread") == "true";
  const notifications::Inbox box = s_.notifications.inbox(readerOf(req), unread_only, 200);
  Value d = frame(req, "Your notifications", "inbox");
  Value items = Value::list();
  for (const auto& n : box.items) {
    Value item = fromJson(http::notificationView(n, true, false));
    item.set("unread", n.read_at.empty());
    item.set("occurred_text", displayDate(n.occurred_on));
    item.set("received_text", displayTime(n.sent_at.empty() ? n.created_at : n.sent_at));
    items.push(item);
  }
  d.set("items", items);
  d.set("none", box.items.empty());
  d.set("unread_count", std::to_string(box.unread));
  d.set("unread_only", unread_only);
  return page("inbox", d);
}

Response WebPages::inboxItem(Request& req) {
  // Opening a notification marks it read, as an email client does, when its ISVA opens it;
  // an admin may look without changing what the ISVA has still to read.
  const notifications::Reader reader = readerOf(req);
  const storage::NotificationRow n = reader.isva_id.empty() ? s_.notifications.read(req.params.at("id"), reader)
                                                            : s_.notifications.markRead(req.params.at("id"), reader);
  Value d = frame(req, http::headline(n.event_type), "inbox");
  Value item = fromJson(http::notificationView(n, true, true));
  item.set("occurred_text", displayDate(n.occurred_on));
  item.set("blocks", notificationBlocks(n.html, n.language));
  d.set("item", item);
  return page("inbox_item", d);
}

Response WebPages::oldNotificationLink(Request& req) {
  // Emails sent before issue 18 link to /isva/notifications/n-N: they open the same page.
  return Response::redirect("/inbox/" + http::urlEncode(req.params.at("id")));
}

}  // namespace vc::web
