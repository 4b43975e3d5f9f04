#include "web/pages.h"

#include <algorithm>
#include <cctype>

#include <Poco/Logger.h>

#include "common/correlation.h"
#include "http/auth.h"
#include "http/error_response.h"
#include "http/form.h"
#include "web/words.h"

namespace vc::web {

using rendering::Value;

namespace {

const std::map<std::string, std::string> kRoleNames = {
    {"vlu", "Victim Liaison Unit officer"}, {"isva", "ISVA"}, {"manager", "Manager"},
    {"admin", "Administrator"},             {"ingest", "Case feed"}};

struct NavItem {
  const char* section;
  const char* text;
  const char* href;
  std::vector<std::string> roles;
};

const std::vector<NavItem> kNav = {
    {"queue", "Letters to review", "/queue", {"vlu", "manager", "admin"}},
    {"inbox", "Notifications", "/inbox", {"isva"}},
    {"dashboard", "Compliance", "/dashboard", {"manager", "admin"}},
    {"audit", "Audit log", "/audit", {"manager", "admin"}},
};

}  // namespace

std::string homeFor(const std::string& role) {
  if (role == "isva") return "/inbox";
  if (role == "manager") return "/dashboard";
  return "/queue";
}

WebPages::WebPages(WebServices s) : s_(s) {
  for (const auto& set : s_.rules.sets())
    for (const auto& r : set.rules) rule_titles_[r.id] = r.title;
}

std::vector<http::Route> WebPages::routes() {
  auto bind = [this](Response (WebPages::*fn)(Request&)) {
    return [this, fn](Request& r) { return (this->*fn)(r); };
  };
  using http::Surface;
  const std::vector<std::string> staff = {"vlu", "manager"};
  return {
      {"GET", "/", {"vlu", "isva", "manager"}, bind(&WebPages::home), Surface::kPage},
      {"GET", "/login", {}, bind(&WebPages::loginForm), Surface::kPage},
      {"POST", "/login", {}, bind(&WebPages::login), Surface::kPage},
      {"POST", "/logout", {"vlu", "isva", "manager", "ingest"}, bind(&WebPages::logout), Surface::kPage},
      {"GET", "/assets/{path*}", {}, bind(&WebPages::asset), Surface::kPage},
      {"GET", "/queue", staff, bind(&WebPages::queue), Surface::kPage},
      {"GET", "/letters/{id}", staff, bind(&WebPages::letter), Surface::kPage},
      {"GET", "/letters/{id}/print", staff, bind(&WebPages::letterPrint), Surface::kPage},
      {"POST", "/letters/{id}/edit", {"vlu"}, bind(&WebPages::editLetter), Surface::kPage},
      {"POST", "/letters/{id}/approve", {"vlu"}, bind(&WebPages::approveLetter), Surface::kPage},
      {"POST", "/letters/{id}/reject", {"vlu"}, bind(&WebPages::rejectLetter), Surface::kPage},
      {"POST", "/letters/{id}/met-another-way", {"vlu"}, bind(&WebPages::meetLetterAnotherWay), Surface::kPage},
      {"POST", "/letters/{id}/call-attempts", {"vlu"}, bind(&WebPages::recordCallAttempt), Surface::kPage},
      {"GET", "/victims/{id}", staff, bind(&WebPages::victim), Surface::kPage},
      {"POST", "/obligations/{id}/reason", staff, bind(&WebPages::recordReason), Surface::kPage},
      {"GET", "/inbox", {"isva"}, bind(&WebPages::inbox), Surface::kPage},
      {"GET", "/inbox/{id}", {"isva"}, bind(&WebPages::inboxItem), Surface::kPage},
      {"GET", "/isva/notifications/{id}", {"isva"}, bind(&WebPages::oldNotificationLink), Surface::kPage},
      {"GET", "/dashboard", {"manager"}, bind(&WebPages::dashboard), Surface::kPage},
      {"GET", "/dashboard/compliance.csv", {"manager"}, bind(&WebPages::dashboardCsv), Surface::kPage},
      {"GET", "/audit", {"manager"}, bind(&WebPages::audit), Surface::kPage},
  };
}

Value WebPages::frame(const Request& req, const std::string& title, const std::string& section) const {
  Value d = Value::map();
  d.set("title", title);
  d.set("csrf_token", req.csrf_token);
  if (req.principal) {
    const http::Principal& p = *req.principal;
    Value user = Value::map();
    user.set("name", p.user);
    auto role = kRoleNames.find(p.role);
    user.set("role_name", role == kRoleNames.end() ? p.role : role->second);
    user.set("area", p.area);
    d.set("user", user);
    Value nav = Value::list();
    for (const NavItem& item : kNav) {
      if (std::find(item.roles.begin(), item.roles.end(), p.role) == item.roles.end()) continue;
      Value n = Value::map();
      n.set("text", item.text);
      n.set("href", item.href);
      n.set("current", section == item.section);
      nav.push(n);
    }
    d.set("has_nav", !nav.items().empty());
    d.set("nav", nav);
  }
  return d;
}

Response WebPages::page(const std::string& view, const Value& data, int status) const {
  Response r;
  r.status = status;
  r.content_type = "text/html; charset=utf-8";
  r.body = s_.templates.render(view, data);
  return r;
}

std::string WebPages::ruleTitle(const std::string& rule_id) const {
  auto it = rule_titles_.find(rule_id);
  return ruleName(rule_id, it == rule_titles_.end() ? "" : it->second);
}

Response WebPages::home(Request& req) { return Response::redirect(homeFor(req.principal->role)); }

Response WebPages::loginPage(const std::string& next, const FormErrors& errors, int status, const std::string& notice,
                             const std::string& name) {
  Request none;
  Value d = frame(none, "Sign in", "");
  d.set("notice", notice);
  // The login form's own CSRF token, paired with a cookie (there is no session yet to hold it).
  const std::string token = http::newToken();
  d.set("login_token", token);
  d.set("next", http::safeLocalPath(next));
  d.set("name", name);
  errors.into(d);
  Response r = page("login", d, status);
  r.headers["Set-Cookie"] = s_.sessions.loginFormCookieHeader(token);
  return r;
}

Response WebPages::loginForm(Request& req) {
  // Already signed in: straight to where they were going.
  if (auto current = s_.sessions.resume(http::WebSessions::cookieValue(req.cookie)))
    return Response::redirect(req.queryOr("next").empty() ? homeFor(current->principal.role)
                                                         : http::safeLocalPath(req.queryOr("next")));
  return loginPage(req.queryOr("next"), FormErrors(), 200, req.queryOr("signed_out") == "1" ? "You have signed out." : "");
}

Response WebPages::login(Request& req) {
  const std::string next = req.formOr("next");
  const std::string expected = http::WebSessions::cookieValue(req.cookie, http::WebSessions::kLoginFormCookieName);
  const std::string name = req.formOr("name"), password = req.formOr("password");
  // A refusal keeps the name as typed, unless it is one no person would type (too long, control characters).
  auto refused = [&](const std::string& field, const std::string& message, int status) {
    FormErrors errors;
    errors.add(field, message);
    const bool plain = name.size() <= 200 &&
                       std::none_of(name.begin(), name.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
    return loginPage(next, errors, status, "", plain ? name : std::string());
  };
  if (!http::WebSessions::csrfMatches(expected, req.formOr("csrf_token")))
    return refused("name", "The sign-in form had expired. Enter your name and password again.", 403);
  if (name.empty()) return refused("name", "Enter your name", 400);
  if (password.empty()) return refused("password", "Enter your password", 400);
  try {
    const http::WebSessions::Started started = s_.sessions.login(name, password, req.client_address);
    Poco::Logger::get("vc.web").information("web session started (%s role)", started.principal.role);
    const std::string target = http::safeLocalPath(next);
    Response r = Response::redirect(target == "/" ? homeFor(started.principal.role) : target);
    r.headers["Set-Cookie"] = s_.sessions.cookieHeader(started.cookie_value);
    return r;
  } catch (const Error& e) {
    if (e.kind() == Error::Kind::kTooManyRequests) {
      std::string message = e.what();  // says how long to wait
      message[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(message[0])));
      return refused("name", message + ".", 429);
    }
    if (e.kind() == Error::Kind::kUnauthenticated)
      return refused("password", "The name or the password is not right", 401);
    throw;
  }
}

Response WebPages::logout(Request& req) {
  s_.sessions.logout(http::WebSessions::cookieValue(req.cookie));
  Response r = Response::redirect("/login?signed_out=1");
  r.headers["Set-Cookie"] = s_.sessions.clearingCookieHeader();
  return r;
}

Response WebPages::asset(Request& req) {
  const Asset* a = s_.assets.find("/assets/" + req.params.at("path"));
  if (!a) throw Error(Error::Kind::kNotFound, "not_found", "no such file");
  Response r;
  r.content_type = a->content_type;
  r.body = a->body;
  // Styles, fonts and scripts hold nothing personal; an hour saves a fetch on every page.
  r.headers["Cache-Control"] = "public, max-age=3600";
  return r;
}

Response WebPages::errorPage(const Error& e, const Request& req) const {
  const int status = http::statusFor(e.kind());
  std::string title, advice;
  switch (status) {
    case 400: title = "There is a problem with what was sent"; advice = "Go back, check what you entered and try again."; break;
    case 403: title = "You cannot do that"; advice = "If you think you should be able to, ask your manager."; break;
    case 404: title = "Page not found"; advice = "Check the address, or go back to the list you came from."; break;
    case 405: title = "You cannot do that here"; advice = "Go back and use the page's buttons."; break;
    case 409: title = "That has changed since you read it"; advice = "Go back, reload the page and try again."; break;
    case 413: title = "What was sent is too large"; advice = "Shorten the text and try again."; break;
    case 429: title = "Too many attempts"; advice = "Wait a little, then try again."; break;
    default:
      title = "Sorry, there is a problem with the service";
      advice = "Try again later. If it keeps happening, tell the operator the reference below.";
  }
  Value d = frame(req, title, "");
  d.set("status", std::to_string(status));
  // The router's refusal names roles and routes, for the API's callers; a person reads what it means for them.
  d.set("message", status >= 500              ? std::string()
                   : e.code() == "forbidden" ? std::string("Your account does not give you this page or action.")
                                             : std::string(e.what()));
  d.set("advice", advice);
  d.set("reference", status >= 500 ? correlationId() : std::string());
  d.set("home", req.principal ? homeFor(req.principal->role) : "/login");
  return page("error", d, status);
}

}  // namespace vc::web
