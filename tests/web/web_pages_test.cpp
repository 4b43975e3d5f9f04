// The pages over real HTTP (the real server, a real SQLite file): signing in
// with the login form's own CSRF pair, the session cookie, idle expiry, the
// CSRF check on every page POST, the redirect to the login page, headers,
// static files, and the line between the API (Bearer) and the pages (cookie).
// The link in an ISVA's email, followed to their page. The journeys through
// the pages are in tests/browser/.

#include <chrono>
#include <regex>
#include <thread>

#include <catch2/catch.hpp>

#include "app/users.h"
#include "http/form.h"
#include "storage/audit_log.h"
#include "storage/store.h"
#include "support/smtp_sink.h"
#include "support/test_daemon.h"

using namespace vc;           // NOLINT
using namespace vc::testing;  // NOLINT

namespace {

constexpr const char* kPassword = "correct horse battery";

// The value a Set-Cookie header gives a cookie ("" if it sets another).
std::string setCookie(const Reply& r, const std::string& name) {
  auto it = r.headers.find("Set-Cookie");
  if (it == r.headers.end() || it->second.rfind(name + "=", 0) != 0) return "";
  return it->second.substr(name.size() + 1, it->second.find(';') - name.size() - 1);
}

std::string hidden(const std::string& html, const std::string& name) {
  std::smatch m;
  const std::regex re("name=\"" + name + "\" value=\"([^\"]*)\"");
  return std::regex_search(html, m, re) ? m[1].str() : "";
}

// The fields one form on a page would send, as a browser collects them: its
// inputs' values and its text areas' text (entities decoded, line breaks as CRLF).
std::map<std::string, std::string> formFields(const std::string& html, const std::string& action) {
  const size_t start = html.find("<form method=\"post\" action=\"" + action + "\"");
  REQUIRE(start != std::string::npos);
  const std::string form = html.substr(start, html.find("</form>", start) - start);
  std::map<std::string, std::string> fields;
  auto decode = [](std::string v) {
    for (const auto& [entity, c] : std::vector<std::pair<std::string, std::string>>{
             {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&#39;", "'"}, {"&#x2F;", "/"}, {"&amp;", "&"}})
      for (size_t at = v.find(entity); at != std::string::npos; at = v.find(entity, at + c.size()))
        v.replace(at, entity.size(), c);
    return v;
  };
  std::smatch m;
  const std::regex input("<input[^>]*name=\"([^\"]+)\" value=\"([^\"]*)\"");
  for (auto it = std::sregex_iterator(form.begin(), form.end(), input); it != std::sregex_iterator(); ++it)
    fields[(*it)[1]] = decode((*it)[2]);
  const std::regex area("<textarea[^>]*name=\"([^\"]+)\"[^>]*>([^<]*)</textarea>");
  for (auto it = std::sregex_iterator(form.begin(), form.end(), area); it != std::sregex_iterator(); ++it) {
    std::string text = decode((*it)[2]), crlf;
    for (char c : text) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
    fields[(*it)[1]] = crlf;
  }
  return fields;
}

std::string encodeForm(const std::map<std::string, std::string>& fields) {
  std::string body;
  for (const auto& [k, v] : fields) body += (body.empty() ? "" : "&") + http::urlEncode(k) + "=" + http::urlEncode(v);
  return body;
}

struct Browser {
  uint16_t port;
  std::string cookie;  // "vc_session=..." once signed in

  Reply get(const std::string& target) { return httpRequest(port, "GET", target, "", std::nullopt, "", headers()); }
  Reply post(const std::string& target, const std::string& form, std::map<std::string, std::string> extra = {}) {
    auto h = headers();
    h.insert(extra.begin(), extra.end());
    return httpRequest(port, "POST", target, "", form, "application/x-www-form-urlencoded", h);
  }
  std::map<std::string, std::string> headers() const {
    return cookie.empty() ? std::map<std::string, std::string>{} : std::map<std::string, std::string>{{"Cookie", cookie}};
  }
  // The login form, then the POST with its token and its cookie, as a browser does.
  Reply signIn(const std::string& name, const std::string& password) {
    Reply form = get("/login");
    const std::string token = setCookie(form, "vc_login");
    REQUIRE(!token.empty());
    REQUIRE(hidden(form.body, "csrf_token") == token);
    Reply r = httpRequest(port, "POST", "/login", "",
                          "csrf_token=" + token + "&next=&name=" + http::urlEncode(name) +
                              "&password=" + http::urlEncode(password),
                          "application/x-www-form-urlencoded", {{"Cookie", "vc_login=" + token}});
    const std::string session = setCookie(r, "vc_session");
    if (!session.empty()) cookie = "vc_session=" + session;
    return r;
  }
};

struct Site {
  TestDaemon d;
  explicit Site(DaemonOptions options = {}) : d(options) {
    for (const auto& [name, role, isva] : std::vector<std::tuple<std::string, std::string, std::string>>{
             {"web-officer", "vlu", ""}, {"web-isva", "isva", "isva-1"}})
      app::addUser(d.services.db, name, role, isva, "", "2026-04-06T08:00:00Z", {kPassword, 100000});
  }
  Browser browser() { return Browser{d.port(), ""}; }
  // A case with a decision not to prosecute for Pat Web; returns the drafted letter's id.
  std::string nfaLetter() {
    const std::string events = batch({std::string(R"({"id":"wp-e1","type":"case.registered","occurred_at":"2026-04-01T09:00:00+01:00","case_urn":"52WP0100126","area":"CPS South West","offences":["rape"]})"),
                                      std::string(R"({"id":"wp-e2","type":"victim.registered","occurred_at":"2026-04-01T09:05:00+01:00","case_urn":"52WP0100126","victim_id":"v-wp","name":{"given":"Pat","family":"Web"},"date_of_birth":"1990-01-01","address":{"lines":["1 Page Road","Sampleford"],"postcode":"ZZ1 1AA"},"language":"en"})"),
                                      std::string(R"({"id":"wp-e3","type":"charging.decided","occurred_at":"2026-04-02T15:00:00+01:00","case_urn":"52WP0100126","decision":"no_further_action","reasons":"Not enough evidence.\n\nNobody else saw it."})")});
    REQUIRE(httpRequest(d.port(), "POST", "/api/v1/events", bearer(d.ingest), events).status == 200);
    d.services.letters.refresh({});
    Reply list = httpRequest(d.port(), "GET", "/api/v1/letters", bearer(d.vlu));
    return list.object()->getArray("items")->getObject(0)->getValue<std::string>("id");
  }
  int64_t audits(const std::string& action) {
    auto lease = d.services.db.session();
    return storage::Store(lease).auditCount(action);
  }
};

}  // namespace

TEST_CASE("Someone not signed in is sent to the login page, and the API still answers in JSON", "[web]") {
  Site site;
  Browser b = site.browser();
  Reply r = b.get("/queue?state=draft");
  CHECK(r.status == 303);
  CHECK(r.headers["Location"] == "/login?next=%2Fqueue%3Fstate%3Ddraft");
  // A Bearer token opens the API, not the pages.
  r = httpRequest(site.d.port(), "GET", "/queue", bearer(site.d.vlu));
  CHECK(r.status == 303);
  r = b.get("/api/v1/letters");
  CHECK(r.status == 401);
  CHECK(r.content_type == "application/json");
  CHECK(r.www_authenticate == "Bearer");
}

TEST_CASE("Signing in needs the login form's own token, and starts an HttpOnly, SameSite=Strict session", "[web]") {
  Site site;
  Browser b = site.browser();
  // Without the form's cookie (a login posted from another site): refused, no session.
  Reply forged = httpRequest(site.d.port(), "POST", "/login", "",
                             std::string("csrf_token=x&name=web-officer&password=") + http::urlEncode(kPassword),
                             "application/x-www-form-urlencoded");
  CHECK(forged.status == 403);
  CHECK(setCookie(forged, "vc_session").empty());

  Reply wrong = b.signIn("web-officer", "not the right password");
  CHECK(wrong.status == 401);
  CHECK(wrong.body.find("The name or the password is not right") != std::string::npos);
  CHECK(b.cookie.empty());

  Reply ok = b.signIn("web-officer", kPassword);
  CHECK(ok.status == 303);
  CHECK(ok.headers["Location"] == "/queue");
  CHECK(ok.headers["Set-Cookie"].find("; Path=/; HttpOnly; SameSite=Strict") != std::string::npos);
  CHECK(ok.headers["Set-Cookie"].find("Secure") == std::string::npos);  // web.secure_cookie is off here
  Reply queue = b.get("/queue");
  CHECK(queue.status == 200);
  CHECK(queue.content_type == "text/html; charset=utf-8");
  CHECK(queue.body.find("Letters to review") != std::string::npos);
  // The session's cookie does not open the API: an API call carries no CSRF token, so it needs a Bearer token.
  CHECK(b.get("/api/v1/letters").status == 401);
  CHECK(site.audits("login") == 1);
  CHECK(site.audits("login_failed") == 1);
}

TEST_CASE("After five failed sign-ins the page says how long to wait, and even the right password waits", "[web]") {
  Site site;
  Browser b = site.browser();
  for (int i = 0; i < 5; ++i) CHECK(b.signIn("web-officer", "wrong password " + std::to_string(i)).status == 401);
  Reply slowed = b.signIn("web-officer", kPassword);
  CHECK(slowed.status == 429);
  CHECK(slowed.body.find("Too many failed sign-ins: try again in 30 seconds.") != std::string::npos);
  CHECK(b.cookie.empty());
  site.d.setNow("2026-04-06T09:00:31+01:00");
  CHECK(b.signIn("web-officer", kPassword).status == 303);
}

TEST_CASE("Sign-in names of megabytes are refused and leave the store as it was", "[web][hostile]") {
  DaemonOptions options;
  options.max_body_bytes = 16 << 20;  // the default body cap: it was the only cap on the name
  Site site(options);
  Browser b = site.browser();
  auto size = [&] {
    std::uintmax_t total = 0;
    for (const std::string& f : {site.d.settings.db_path, site.d.settings.db_path + "-wal"})
      if (Poco::File(f).exists()) total += Poco::File(f).getSize();
    return total;
  };
  const auto before = size();
  for (int i = 0; i < 3; ++i) CHECK(b.signIn(std::string(5 << 20, 'N'), "wrong password here").status == 401);
  CHECK(size() < before + 256 * 1024);  // three such attempts grew it by 88 MB
  CHECK(site.audits("login_failed") == 3);
  CHECK(b.signIn("web-officer", kPassword).status == 303);
}

TEST_CASE("Every page POST needs the session's CSRF token, from the form or the X-CSRF-Token header", "[web]") {
  Site site;
  Browser b = site.browser();
  b.signIn("web-officer", kPassword);
  const std::string token = hidden(b.get("/queue").body, "csrf_token");
  REQUIRE(token.size() > 40);
  // An unknown letter, so that what gets past the check is answered 404.
  for (const std::string form : {"version=1", "version=1&csrf_token=wrong", "version=1&csrf_token="}) {
    INFO(form);
    Reply r = b.post("/letters/l-999/approve", form);
    CHECK(r.status == 403);
    CHECK(r.body.find("You cannot do that") != std::string::npos);
  }
  CHECK(site.audits("csrf_refused") == 3);
  CHECK(b.post("/letters/l-999/approve", "version=1&csrf_token=" + token).status == 404);
  CHECK(b.post("/letters/l-999/approve", "version=1", {{"X-CSRF-Token", token}}).status == 404);
  // Signing out needs it too, so no other site can sign someone out.
  CHECK(b.post("/logout", "").status == 403);
  Reply out = b.post("/logout", "csrf_token=" + token);
  CHECK(out.status == 303);
  CHECK(out.headers["Location"] == "/login?signed_out=1");
  CHECK(b.get("/queue").status == 303);
}

TEST_CASE("A session ends after the idle time (30 minutes here)", "[web]") {
  Site site;
  Browser b = site.browser();
  b.signIn("web-officer", kPassword);
  site.d.setNow("2026-04-06T09:29:00+01:00");
  CHECK(b.get("/queue").status == 200);  // each request keeps it alive
  site.d.setNow("2026-04-06T09:58:00+01:00");
  CHECK(b.get("/queue").status == 200);
  site.d.setNow("2026-04-06T10:28:01+01:00");
  Reply r = b.get("/queue");
  CHECK(r.status == 303);
  CHECK(r.headers["Location"] == "/login?next=%2Fqueue");
}

TEST_CASE("Pages carry the security headers; the letter's print view allows its own print CSS, no script, no frame", "[web]") {
  Site site;
  Browser b = site.browser();
  b.signIn("web-officer", kPassword);
  for (const std::string target : {"/queue", "/login", "/no-such-page"}) {
    INFO(target);
    Reply r = b.get(target);
    CHECK(r.headers["Content-Security-Policy"].find("script-src 'self'") != std::string::npos);
    CHECK(r.headers["Content-Security-Policy"].find("unsafe-inline") == std::string::npos);
    CHECK(r.headers["Content-Security-Policy"].find("frame-ancestors 'none'") != std::string::npos);
    CHECK(r.headers["X-Frame-Options"] == "DENY");
    CHECK(r.headers["Referrer-Policy"] == "no-referrer");
    CHECK(r.headers["Cache-Control"] == "no-store");
    CHECK(r.headers["X-Content-Type-Options"] == "nosniff");
  }
  CHECK(httpRequest(site.d.port(), "GET", "/api/v1/letters", bearer(site.d.vlu)).headers["X-Frame-Options"] == "DENY");

  const std::string id = site.nfaLetter();
  Reply print = b.get("/letters/" + id + "/print");
  CHECK(print.status == 200);
  CHECK(print.body.find("Dear Pat Web") != std::string::npos);
  CHECK(print.body.find("@page { size: A4;") != std::string::npos);  // the letter's own print CSS
  const std::string csp = print.headers["Content-Security-Policy"];
  CHECK(csp.find("default-src 'none'") != std::string::npos);
  CHECK(csp.find("style-src 'unsafe-inline'") != std::string::npos);
  CHECK(csp.find("script-src") == std::string::npos);  // default-src 'none': no script at all
  CHECK(csp.find("frame-ancestors 'none'") != std::string::npos);
  CHECK(print.headers["X-Frame-Options"] == "DENY");
  CHECK(print.headers["Cache-Control"] == "no-store");
  // Nothing frames a letter any more: no page may frame anything, and the old preview is gone.
  CHECK(b.get("/queue").headers["Content-Security-Policy"].find("frame-src 'none'") != std::string::npos);
  CHECK(b.get("/letters/" + id + "/preview").status == 404);
}

TEST_CASE("Saving the letter form changes only what the officer changed", "[web]") {
  Site site;
  const std::string id = site.nfaLetter();
  Browser b = site.browser();
  b.signIn("web-officer", kPassword);
  // The reasons box shows the prosecutor's reasons; the officer adds only a paragraph of their own.
  auto form = formFields(b.get("/letters/" + id).body, "/letters/" + id + "/edit");
  CHECK(form["reasons"] == "Not enough evidence.\r\n\r\nNobody else saw it.");
  form["free_text"] = "Please ring us if you would like to talk about it.";
  Reply saved = b.post("/letters/" + id + "/edit", encodeForm(form));
  REQUIRE(saved.status == 303);
  auto letter = httpRequest(site.d.port(), "GET", "/api/v1/letters/" + id, bearer(site.d.vlu)).object();
  CHECK(letter->getValue<std::string>("free_text") == "Please ring us if you would like to talk about it.");
  // The prosecutor's reasons are not copied into the letter as the officer's edit.
  CHECK(letter->getObject("fields")->size() == 0);
  auto history = letter->getArray("history");
  CHECK(history->getObject(history->size() - 1)->getValue<std::string>("note") == "edited by web-officer: free text");

  // Then the reasons: what is stored is what was typed, with plain line breaks.
  form = formFields(b.get("/letters/" + id).body, "/letters/" + id + "/edit");
  form["reasons"] = "There is not enough evidence.\r\n\r\nNobody else saw what happened.";
  REQUIRE(b.post("/letters/" + id + "/edit", encodeForm(form)).status == 303);
  letter = httpRequest(site.d.port(), "GET", "/api/v1/letters/" + id, bearer(site.d.vlu)).object();
  CHECK(letter->getObject("fields")->getValue<std::string>("reasons") ==
        "There is not enough evidence.\n\nNobody else saw what happened.");
  history = letter->getArray("history");
  CHECK(history->getObject(history->size() - 1)->getValue<std::string>("note") == "edited by web-officer: reasons");

  // Saving with nothing changed says so, and writes no new version.
  form = formFields(b.get("/letters/" + id).body, "/letters/" + id + "/edit");
  Reply nothing = b.post("/letters/" + id + "/edit", encodeForm(form));
  CHECK(nothing.status == 400);
  CHECK(nothing.body.find("You have not changed anything") != std::string::npos);
  CHECK(httpRequest(site.d.port(), "GET", "/api/v1/letters/" + id, bearer(site.d.vlu)).object()->getValue<int>("version") == 3);
}

TEST_CASE("A review outcome blocked for want of the reviewer is put right on the letter page", "[web]") {
  Site site;
  const std::string urn = "52WP0200126";
  REQUIRE(httpRequest(site.d.port(), "POST", "/api/v1/events", bearer(site.d.ingest),
                      batch({std::string(R"({"id":"wp2-e1","type":"case.registered","occurred_at":"2026-03-01T09:00:00Z","case_urn":"52WP0200126","area":"CPS South West","offences":["other"],"prosecutor":{"name":"Ada Prosecutor"}})"),
                             std::string(R"({"id":"wp2-e2","type":"victim.registered","occurred_at":"2026-03-01T09:05:00Z","case_urn":"52WP0200126","victim_id":"v-wp2","name":{"given":"Pat","family":"Web"},"address":{"lines":["1 Page Road","Sampleford"],"postcode":"ZZ1 1AA"}})"),
                             std::string(R"({"id":"wp2-e3","type":"vrr.requested","occurred_at":"2026-03-05T10:00:00Z","case_urn":"52WP0200126","victim_id":"v-wp2"})"),
                             std::string(R"({"id":"wp2-e4","type":"vrr.decided","occurred_at":"2026-04-02T10:00:00+01:00","case_urn":"52WP0200126","victim_id":"v-wp2","outcome":"upheld","reasons":"Agreed."})")}))
              .status == 200);
  site.d.services.letters.refresh({});
  auto items = httpRequest(site.d.port(), "GET", "/api/v1/letters?case_urn=" + urn, bearer(site.d.vlu)).object()->getArray("items");
  std::string id;
  for (size_t i = 0; i < items->size(); ++i)
    if (items->getObject(static_cast<unsigned>(i))->getValue<std::string>("kind") == "vrr_outcome")
      id = items->getObject(static_cast<unsigned>(i))->getValue<std::string>("id");
  REQUIRE_FALSE(id.empty());
  Browser b = site.browser();
  b.signIn("web-officer", kPassword);
  const std::string page = b.get("/letters/" + id).body;
  CHECK(page.find("Reviewing prosecutor") != std::string::npos);
  auto form = formFields(page, "/letters/" + id + "/edit");
  REQUIRE(form.count("reviewer"));
  form["reviewer"] = "Rhys Reviewer";
  REQUIRE(b.post("/letters/" + id + "/edit", encodeForm(form)).status == 303);
  auto letter = httpRequest(site.d.port(), "GET", "/api/v1/letters/" + id, bearer(site.d.vlu)).object();
  CHECK(letter->getObject("fields")->getValue<std::string>("reviewer") == "Rhys Reviewer");
  CHECK(letter->getObject("fields")->size() == 1);  // the other boxes were left as they were
  CHECK(letter->getValue<std::string>("state") == "draft");
  CHECK(letter->getValue<std::string>("text").find("Rhys Reviewer\nReviewing prosecutor") != std::string::npos);
}

TEST_CASE("A reason for a miss given on the victim page: a bad one is refused as a page and stores nothing", "[web]") {
  Site site;
  site.nfaLetter();
  site.d.setNow("2026-04-09T10:00:00+01:00");  // the NFA letter was due on 7 April: missed
  Browser b = site.browser();
  b.signIn("web-officer", kPassword);
  const std::string page = b.get("/victims/v-wp").body;
  const std::string action = "/obligations/" + segment("VCL-NFA:v-wp:wp-e3") + "/reason";
  const std::string token = hidden(page, "csrf_token");
  REQUIRE(page.find("Say why it was missed") != std::string::npos);
  Reply bad = b.post(action, "csrf_token=" + token + "&victim_id=v-wp&reason=other&note=");
  CHECK(bad.status == 400);
  CHECK(bad.content_type == "text/html; charset=utf-8");
  CHECK(bad.body.find("note") != std::string::npos);
  CHECK(b.post(action, "csrf_token=" + token + "&victim_id=v-wp&reason=no_such_reason").status == 400);
  auto reasons = [&] {
    return httpRequest(site.d.port(), "GET", "/api/v1/obligations/" + segment("VCL-NFA:v-wp:wp-e3"), bearer(site.d.vlu))
        .object()
        ->getArray("reasons")
        ->size();
  };
  CHECK(reasons() == 0);
  Reply ok = b.post(action, "csrf_token=" + token + "&victim_id=v-wp&reason=workload&note=");
  CHECK(ok.status == 303);
  CHECK(ok.headers["Location"] == "/victims/v-wp?done=reason");
  CHECK(reasons() == 1);
  CHECK(b.get("/victims/v-wp").body.find("Workload: not enough staff to do it in time") != std::string::npos);
}

TEST_CASE("Roles: an ISVA cannot open the queue or a victim's page, and the refusal is audited", "[web]") {
  Site site;
  Browser b = site.browser();
  Reply in = b.signIn("web-isva", kPassword);
  CHECK(in.headers["Location"] == "/inbox");
  CHECK(b.get("/inbox").status == 200);
  const int64_t before = site.audits("access_denied");
  for (const std::string target : {"/queue", "/victims/v-anyone", "/dashboard", "/audit"}) {
    INFO(target);
    Reply r = b.get(target);
    CHECK(r.status == 403);
    CHECK(r.content_type == "text/html; charset=utf-8");
    CHECK(r.body.find("Your account does not give you this page") != std::string::npos);
    CHECK(r.body.find("isva role") == std::string::npos);  // no role names in what a person reads
  }
  CHECK(site.audits("access_denied") == before + 4);
}

TEST_CASE("Static files: GOV.UK Frontend and our own are cacheable, and nothing else on disk is reachable", "[web]") {
  Site site;
  Browser b = site.browser();
  Reply css = b.get("/assets/govuk-frontend.min.css");
  CHECK(css.status == 200);
  CHECK(css.content_type == "text/css; charset=utf-8");
  CHECK(css.headers["Cache-Control"] == "public, max-age=3600");
  CHECK(b.get("/assets/app/app.js").content_type == "text/javascript; charset=utf-8");
  CHECK(b.get("/assets/images/favicon.ico").status == 200);
  // This service is not on GOV.UK: its styles set text in a system font (web/build-css.sh), and the GDS
  // Transport typeface GOV.UK Frontend ships is neither asked for nor served.
  CHECK(css.body.find("GDS Transport") == std::string::npos);
  CHECK(css.body.find("@font-face") == std::string::npos);
  CHECK(css.body.find("font-family:arial,sans-serif") != std::string::npos);
  CHECK(b.get("/assets/fonts/bold-b542beb274-v2.woff2").status == 404);
  for (const std::string target : {"/assets/../CMakeLists.txt", "/assets/%2e%2e/%2e%2e/CMakeLists.txt",
                                    "/assets/app/../templates/layout.mustache", "/assets/nothing.css"}) {
    INFO(target);
    CHECK(b.get(target).status == 404);
  }
}

TEST_CASE("The letter page shows each plain-English finding beside its box, and approves only with a reason", "[web]") {
  Site site;
  const std::string events = batch({std::string(R"({"id":"rd-web-e1","type":"case.registered","occurred_at":"2026-04-01T09:00:00+01:00","case_urn":"52RD0500126","area":"CPS South West","offences":["stalking"]})"),
                                    std::string(R"({"id":"rd-web-e2","type":"victim.registered","occurred_at":"2026-04-01T09:05:00+01:00","case_urn":"52RD0500126","victim_id":"rd5-v","name":{"given":"Pat","family":"Web"},"address":{"lines":["1 Page Road","Sampleford"],"postcode":"ZZ1 1AA"}})"),
                                    std::string(R"({"id":"rd-web-e3","type":"charging.decided","occurred_at":"2026-04-02T15:00:00+01:00","case_urn":"52RD0500126","decision":"no_further_action","reasons":"The complainant's account was not supported."})")});
  REQUIRE(httpRequest(site.d.port(), "POST", "/api/v1/events", bearer(site.d.ingest), events).status == 200);
  const std::string id = httpRequest(site.d.port(), "GET", "/api/v1/letters?case_urn=52RD0500126", bearer(site.d.vlu))
                             .object()->getArray("items")->getObject(0)->getValue<std::string>("id");
  Browser b = site.browser();
  b.signIn("web-officer", kPassword);
  const std::string page = b.get("/letters/" + id).body;
  // Beside the reasons box (before it), with the plain alternative.
  const size_t finding = page.find("class=\"govuk-error-message vc-finding\" data-field=\"reasons\"");
  REQUIRE(finding != std::string::npos);
  CHECK(finding < page.find("<textarea class=\"govuk-textarea\" id=\"reasons\""));
  CHECK(page.find("&ldquo;complainant&rdquo;: say &quot;you&quot;", finding) != std::string::npos);
  CHECK(page.find("id=\"override_reason\"") != std::string::npos);

  auto form = formFields(page, "/letters/" + id + "/approve");
  CHECK(form.count("override_reason"));
  Reply refused = b.post("/letters/" + id + "/approve", encodeForm(form));
  CHECK(refused.status == 409);
  CHECK(refused.body.find("1 plain-English finding in the officers") != std::string::npos);
  CHECK(refused.body.find("href=\"#reasons\"") != std::string::npos);

  form["override_reason"] = "The victim's own word for themself in their statement.";
  REQUIRE(b.post("/letters/" + id + "/approve", encodeForm(form)).status == 303);
  auto letter = httpRequest(site.d.port(), "GET", "/api/v1/letters/" + id, bearer(site.d.vlu)).object();
  CHECK(letter->getValue<std::string>("state") == "approved");
  CHECK(site.audits("letter_plain_english_overridden") == 1);
}

TEST_CASE("A letter by an unsafe channel: the page offers the safe channel and a phone call beside the block",
          "[web][safety]") {
  Site site;
  auto post = [&](const std::string& urn, const std::string& victim, const std::string& safety) {
    REQUIRE(httpRequest(site.d.port(), "POST", "/api/v1/events", bearer(site.d.ingest),
                        batch({R"({"id":")" + urn + R"(-e1","type":"case.registered","occurred_at":"2026-03-01T09:00:00Z","case_urn":")" + urn + R"(","area":"CPS South West","offences":["stalking"]})",
                               R"({"id":")" + urn + R"(-e2","type":"victim.registered","occurred_at":"2026-03-01T09:05:00Z","case_urn":")" + urn + R"(","victim_id":")" + victim + R"(","name":{"given":"Pat","family":"Web"},"address":{"lines":["1 Page Road","Sampleford"],"postcode":"ZZ1 1AA"},"email":"pat.web@example.org","contact_safety":)" + safety + "}",
                               R"({"id":")" + urn + R"(-e3","type":"charging.decided","occurred_at":"2026-04-02T15:00:00+01:00","case_urn":")" + urn + R"(","decision":"no_further_action","reasons":"Not enough evidence."})"}))
                .status == 200);
    site.d.services.letters.refresh({});
    return httpRequest(site.d.port(), "GET", "/api/v1/letters?case_urn=" + urn, bearer(site.d.vlu))
        .object()->getArray("items")->getObject(0)->getValue<std::string>("id");
  };
  const std::string shared = post("52SC0800126", "sc8-v", R"({"suspect_shares_address":true})");
  const std::string neither = post("52SC0900126", "sc9-v", R"({"post":false,"email":false})");
  Browser b = site.browser();
  b.signIn("web-officer", kPassword);

  std::string page = b.get("/letters/" + shared).body;
  CHECK(page.find("post is not safe for this victim (the suspect may share the address); safe: email") !=
        std::string::npos);
  CHECK(page.find("It is not safe to send this letter to the victim by post.") != std::string::npos);
  CHECK(page.find("Send it by email instead") != std::string::npos);
  CHECK(page.find("id=\"met-another-way\"") != std::string::npos);  // the phone-contact form, though no need
  auto form = formFields(page, "/letters/" + shared + "/edit");
  REQUIRE(form.at("channel") == "email");
  REQUIRE(b.post("/letters/" + shared + "/edit", encodeForm(form)).status == 303);
  auto letter = httpRequest(site.d.port(), "GET", "/api/v1/letters/" + shared, bearer(site.d.vlu)).object();
  CHECK(letter->getValue<std::string>("channel") == "email");
  CHECK(letter->getValue<std::string>("state") == "draft");

  // Neither post nor email is safe: no channel to switch to; a phone call is recorded on the page.
  page = b.get("/letters/" + neither).body;
  CHECK(page.find("Send it by") == std::string::npos);
  form = formFields(page, "/letters/" + neither + "/met-another-way");
  form["channel"] = "phone";
  form["met_reason"] = "Phoned Pat on their own mobile and explained the decision.";
  REQUIRE(b.post("/letters/" + neither + "/met-another-way", encodeForm(form)).status == 303);
  letter = httpRequest(site.d.port(), "GET", "/api/v1/letters/" + neither, bearer(site.d.vlu)).object();
  CHECK(letter->getValue<std::string>("state") == "met_another_way");
}

TEST_CASE("A phone task's page shows the script, no approval, and records a call attempt; the queue tags it",
          "[web][phone]") {
  Site site;
  auto post = [&](const std::string& urn, const std::string& victim, const std::string& extra) {
    REQUIRE(httpRequest(site.d.port(), "POST", "/api/v1/events", bearer(site.d.ingest),
                        batch({R"({"id":")" + urn + R"(-e1","type":"case.registered","occurred_at":"2026-03-01T09:00:00Z","case_urn":")" + urn + R"(","area":"CPS South West","offences":["stalking"]})",
                               R"({"id":")" + urn + R"(-e2","type":"victim.registered","occurred_at":"2026-03-01T09:05:00Z","case_urn":")" + urn + R"(","victim_id":")" + victim + R"(","name":{"given":"Pat","family":"Web"},"address":{"lines":["1 Page Road","Sampleford"],"postcode":"ZZ1 1AA"},"email":"pat.web@example.org")" + extra + "}",
                               R"({"id":")" + urn + R"(-e3","type":"charging.decided","occurred_at":"2026-04-02T15:00:00+01:00","case_urn":")" + urn + R"(","decision":"no_further_action","reasons":"Not enough evidence."})"}))
                .status == 200);
    site.d.services.letters.refresh({});
    return httpRequest(site.d.port(), "GET", "/api/v1/letters?case_urn=" + urn, bearer(site.d.vlu))
        .object()->getArray("items")->getObject(0)->getValue<std::string>("id");
  };
  const std::string phone = post("52PH2000126", "ph20-v",
                                 R"(,"phone":"07700 900220","contact_safety":{"post":false,"email":false,"voicemail":false})");
  const std::string unsafe = post("52PH2100126", "ph21-v", R"(,"contact_safety":{"suspect_shares_address":true})");
  Browser b = site.browser();
  b.signIn("web-officer", kPassword);

  std::string page = b.get("/letters/" + phone).body;
  CHECK(page.find("Phone task: the script for the call") != std::string::npos);
  CHECK(page.find("Call only the number on the record for the victim: 07700 900220") != std::string::npos);
  CHECK(page.find("<strong>Never leave a message.</strong>") != std::string::npos);
  CHECK(page.find("id=\"script-say-en\"") != std::string::npos);
  CHECK(page.find("id=\"approve\"") == std::string::npos);  // a phone task is called, not approved
  CHECK(page.find("<option value=\"phone\" selected>") != std::string::npos);  // the call is recorded as by phone
  auto form = formFields(page, "/letters/" + phone + "/call-attempts");
  form["call_notes"] = "No answer at 10:15; no message left.";
  REQUIRE(b.post("/letters/" + phone + "/call-attempts", encodeForm(form)).status == 303);
  page = b.get("/letters/" + phone + "?done=call_attempted").body;
  CHECK(page.find("You have recorded the call attempt.") != std::string::npos);
  CHECK(page.find("1 call attempt has been recorded") != std::string::npos);
  auto letter = httpRequest(site.d.port(), "GET", "/api/v1/letters/" + phone, bearer(site.d.vlu)).object();
  CHECK(letter->getValue<int>("call_attempts") == 1);
  CHECK(letter->getValue<std::string>("state") == "draft");

  const std::string phones = b.get("/queue?need=phone_task").body;
  CHECK(phones.find("data-letter=\"" + phone + "\"") != std::string::npos);
  CHECK(phones.find("data-letter=\"" + unsafe + "\"") == std::string::npos);
  CHECK(phones.find(">Phone task</strong>") != std::string::npos);
  CHECK(phones.find("<strong>1</strong> phone tasks") != std::string::npos);
  const std::string unsafes = b.get("/queue?need=unsafe_channel").body;
  CHECK(unsafes.find("data-letter=\"" + unsafe + "\"") != std::string::npos);
  CHECK(unsafes.find("data-letter=\"" + phone + "\"") == std::string::npos);
  CHECK(unsafes.find(">Unsafe channel</strong>") != std::string::npos);
  CHECK(b.get("/queue?need=phone").status == 400);
}

TEST_CASE("The dashboard warns of a print batch the print room has not confirmed in time", "[web][print]") {
  Site site;
  app::addUser(site.d.services.db, "web-manager", "manager", "", "", "2026-04-06T08:00:00Z", {kPassword, 100000});
  const std::string id = site.nfaLetter();
  REQUIRE(httpRequest(site.d.port(), "POST", "/api/v1/letters/" + id + "/approve", bearer(site.d.vlu)).status == 200);
  REQUIRE(site.d.services.outbox.sendDue() == 1);
  Browser b = site.browser();
  REQUIRE(b.signIn("web-manager", kPassword).status == 303);
  CHECK(b.get("/dashboard").body.find("print-batches-overdue") == std::string::npos);  // still in time
  site.d.setNow("2026-04-07T09:00:00+01:00");
  REQUIRE(b.signIn("web-manager", kPassword).status == 303);  // the session has timed out meanwhile
  Reply dash = b.get("/dashboard");
  INFO(dash.status);
  const std::string page = dash.body;
  CHECK(page.find("id=\"print-batches-overdue\"") != std::string::npos);
  CHECK(page.find("pb-1: 1 letter(s), handed over 2026-04-06T08:00:00Z") != std::string::npos);
  CHECK(page.find("Pat Web") == std::string::npos);
}

TEST_CASE("The letter page says what became of a posted letter: in the spool, then handed to the print room",
          "[web][print]") {
  Site site;
  const std::string id = site.nfaLetter();
  REQUIRE(httpRequest(site.d.port(), "POST", "/api/v1/letters/" + id + "/approve", bearer(site.d.vlu)).status == 200);
  REQUIRE(site.d.services.outbox.sendDue() == 1);
  Browser b = site.browser();
  REQUIRE(b.signIn("web-officer", kPassword).status == 303);
  const std::string before = b.get("/letters/" + id).body;
  CHECK(before.find("in the print spool, waiting for the print room to confirm it (print batch pb-1)") != std::string::npos);
  REQUIRE(httpRequest(site.d.port(), "POST", "/api/v1/print-batches/pb-1/confirm", bearer(site.d.vlu)).status == 200);
  const std::string after = b.get("/letters/" + id).body;
  CHECK(after.find("handed to the print room (print batch pb-1)") != std::string::npos);
}

TEST_CASE("A letter being written is in the queue page, and its own page offers nothing to do until its words exist",
          "[web][drafting]") {
  DaemonOptions o;
  o.wait_for_drafting = false;
  Site site(o);
  site.d.services.drafter.pause();  // the drafting worker has not got to it yet
  REQUIRE(httpRequest(site.d.port(), "POST", "/api/v1/events", bearer(site.d.ingest),
                      batch({R"({"id":"wd-e1","type":"case.registered","occurred_at":"2026-04-01T09:00:00+01:00","case_urn":"52WD0100126","area":"CPS South West","offences":["rape"]})",
                             R"({"id":"wd-e2","type":"victim.registered","occurred_at":"2026-04-01T09:05:00+01:00","case_urn":"52WD0100126","victim_id":"v-wd","name":{"given":"Pat","family":"Web"},"address":{"lines":["1 Page Road","Sampleford"],"postcode":"ZZ1 1AA"}})",
                             R"({"id":"wd-e3","type":"charging.decided","occurred_at":"2026-04-02T15:00:00+01:00","case_urn":"52WD0100126","decision":"no_further_action","reasons":"Not enough evidence."})"}))
              .status == 200);
  const std::string id = httpRequest(site.d.port(), "GET", "/api/v1/letters?case_urn=52WD0100126", bearer(site.d.vlu))
                             .object()->getArray("items")->getObject(0)->getValue<std::string>("id");
  Browser b = site.browser();
  b.signIn("web-officer", kPassword);
  Reply queue = b.get("/queue");
  REQUIRE(queue.status == 200);
  CHECK(queue.body.find("/letters/" + id) != std::string::npos);
  Reply page = b.get("/letters/" + id);
  REQUIRE(page.status == 200);
  CHECK(page.body.find("the letter is being written: its words follow within seconds") != std::string::npos);
  for (const std::string action : {"/edit", "/approve", "/reject", "/met-another-way"})
    CHECK(page.body.find("action=\"/letters/" + id + action + "\"") == std::string::npos);

  site.d.services.drafter.resume();
  site.d.drafted();
  page = b.get("/letters/" + id);
  CHECK(page.body.find("being written") == std::string::npos);
  CHECK(page.body.find("action=\"/letters/" + id + "/edit\"") != std::string::npos);
  CHECK(page.body.find("action=\"/letters/" + id + "/reject\"") != std::string::npos);
}

TEST_CASE("A save on a version someone else changed keeps the officer's words, shows the other's, and saves on top",
          "[web][letter]") {
  Site site;
  app::addUser(site.d.services.db, "web-officer2", "vlu", "", "", "2026-04-06T08:00:00Z", {kPassword, 100000});
  const std::string id = site.nfaLetter();
  Browser first = site.browser(), second = site.browser();
  first.signIn("web-officer", kPassword);
  second.signIn("web-officer2", kPassword);
  auto mine = formFields(first.get("/letters/" + id).body, "/letters/" + id + "/edit");
  auto theirs = formFields(second.get("/letters/" + id).body, "/letters/" + id + "/edit");
  REQUIRE(mine["version"] == "1");
  theirs["reasons"] = "Officer two wrote these reasons.\r\n\r\nIn two paragraphs.";
  REQUIRE(second.post("/letters/" + id + "/edit", encodeForm(theirs)).status == 303);

  mine["reasons"] = "Officer one wrote other reasons.";
  mine["free_text"] = "Ring us on the number above.";
  Reply refused = first.post("/letters/" + id + "/edit", encodeForm(mine));
  CHECK(refused.status == 409);
  const std::string& page = refused.body;
  // In plain words: who changed it, and no version numbers.
  CHECK(page.find("web-officer2 changed this letter on ") != std::string::npos);
  CHECK(page.find("Your own words are kept in the boxes below") != std::string::npos);
  CHECK(page.find("not 1") == std::string::npos);
  CHECK(page.find("redo the edit") == std::string::npos);
  // The officer's own words in the boxes, the other officer's beside the box both changed.
  auto again = formFields(page, "/letters/" + id + "/edit");
  CHECK(again["reasons"] == "Officer one wrote other reasons.");
  CHECK(again["free_text"] == "Ring us on the number above.");
  const size_t beside = page.find("id=\"theirs-reasons\"");
  REQUIRE(beside != std::string::npos);
  CHECK(page.find("Officer two wrote these reasons.\n\nIn two paragraphs.", beside) != std::string::npos);
  CHECK(beside < page.find("<textarea class=\"govuk-textarea\" id=\"reasons\""));
  CHECK(page.find("id=\"theirs-free_text\"") == std::string::npos);  // only they changed it: nothing to compare
  CHECK(page.find("web-officer2 also changed the reasons for the decision") != std::string::npos);
  CHECK(page.find("href=\"#reasons\"") != std::string::npos);
  // The form now carries the new version: saving again puts the officer's words on top of it.
  CHECK(again["version"] == "2");
  REQUIRE(first.post("/letters/" + id + "/edit", encodeForm(again)).status == 303);
  auto letter = httpRequest(site.d.port(), "GET", "/api/v1/letters/" + id, bearer(site.d.vlu)).object();
  CHECK(letter->getValue<int>("version") == 3);
  CHECK(letter->getObject("fields")->getValue<std::string>("reasons") == "Officer one wrote other reasons.");
  CHECK(letter->getValue<std::string>("free_text") == "Ring us on the number above.");
}

TEST_CASE("Four eyes before the click: the last editor sees who must approve, not the button; the queue tags it",
          "[web][letter]") {
  Site site;
  app::addUser(site.d.services.db, "web-officer2", "vlu", "", "", "2026-04-06T08:00:00Z", {kPassword, 100000});
  const std::string id = site.nfaLetter();
  Browser b = site.browser(), other = site.browser();
  b.signIn("web-officer", kPassword);
  other.signIn("web-officer2", kPassword);
  auto form = formFields(b.get("/letters/" + id).body, "/letters/" + id + "/edit");
  form["free_text"] = "Ring us on the number above.";
  REQUIRE(b.post("/letters/" + id + "/edit", encodeForm(form)).status == 303);

  const std::string page = b.get("/letters/" + id).body;
  CHECK(page.find("You made the last change to this letter, so another officer must check and approve it.") !=
        std::string::npos);
  CHECK(page.find("id=\"approve\"") == std::string::npos);
  CHECK(page.find("action=\"/letters/" + id + "/approve\"") == std::string::npos);
  CHECK(page.find("govuk-button govuk-button--secondary\" data-module=\"govuk-button\" id=\"reject\"") !=
        std::string::npos);
  CHECK(page.find("govuk-button--warning") == std::string::npos);
  const std::string queue = b.get("/queue").body;
  const size_t row = queue.find("data-letter=\"" + id + "\"");
  REQUIRE(row != std::string::npos);
  CHECK(queue.find("You changed this", row) < queue.find("</tr>", row));

  // Another officer sees the button and no tag.
  CHECK(other.get("/letters/" + id).body.find("id=\"approve\"") != std::string::npos);
  const std::string others = other.get("/queue").body;
  const size_t others_row = others.find("data-letter=\"" + id + "\"");
  REQUIRE(others_row != std::string::npos);
  CHECK(others.substr(others_row, others.find("</tr>", others_row) - others_row).find("You changed this") ==
        std::string::npos);

  // Posted anyway (an old page): refused in plain words, nothing changed.
  Reply refused = b.post("/letters/" + id + "/approve",
                         "version=2&csrf_token=" + http::urlEncode(form["csrf_token"]));
  CHECK(refused.status == 403);
  CHECK(refused.body.find("You made the last change to this letter, so another officer must approve it") !=
        std::string::npos);
  CHECK(refused.body.find("four eyes") == std::string::npos);
}

TEST_CASE("A correction to a letter approved meanwhile is not saved, and the page gives the officer's words back",
          "[web][letter]") {
  Site site;
  app::addUser(site.d.services.db, "web-officer2", "vlu", "", "", "2026-04-06T08:00:00Z", {kPassword, 100000});
  const std::string id = site.nfaLetter();
  Browser first = site.browser(), second = site.browser();
  first.signIn("web-officer", kPassword);
  second.signIn("web-officer2", kPassword);
  auto mine = formFields(first.get("/letters/" + id).body, "/letters/" + id + "/edit");
  auto approve = formFields(second.get("/letters/" + id).body, "/letters/" + id + "/approve");
  REQUIRE(second.post("/letters/" + id + "/approve", encodeForm(approve)).status == 303);
  mine["free_text"] = "Ring us on the number above.";
  Reply refused = first.post("/letters/" + id + "/edit", encodeForm(mine));
  CHECK(refused.status == 409);
  CHECK(refused.body.find("This letter is now \u201cApproved, sending\u201d, so that can no longer be done.") !=
        std::string::npos);
  CHECK(refused.body.find("only a draft") == std::string::npos);
  const size_t unsaved = refused.body.find("id=\"unsaved\"");
  REQUIRE(unsaved != std::string::npos);
  CHECK(refused.body.find("Ring us on the number above.", unsaved) != std::string::npos);
  CHECK(refused.body.find("<a href=\"#edit\" id=\"refusal\">") != std::string::npos);
}

TEST_CASE("The link in an ISVA's email opens that notification as a page, set out in headings and lists",
          "[web][smtp]") {
  TempDir mail;
  SmtpSink smtp(freePort(), mail.path + "/maildir");
  DaemonOptions options;
  options.smtp_port = smtp.port();
  Site site(options);
  app::addUser(site.d.services.db, "web-isva-other", "isva", "isva-2", "", "2026-04-06T08:00:00Z", {kPassword, 100000});
  app::addUser(site.d.services.db, "web-isva-cy", "isva", "isva-3", "", "2026-04-06T08:00:00Z", {kPassword, 100000});
  auto event = [](const std::string& id, const std::string& type, const std::string& rest) {
    return R"({"id":")" + id + R"(","type":")" + type + R"(","occurred_at":"2026-04-02T10:00:00+01:00")" + rest + "}";
  };
  const std::string events = batch(
      {event("wl-1", "isva.registered", R"(,"isva_id":"isva-1","name":"Jo Advocate","organisation":"Example Support","email":"jo.advocate@example.org")"),
       event("wl-2", "isva.registered", R"(,"isva_id":"isva-2","name":"Kim Other","organisation":"Other Support","email":"kim.other@example.org")"),
       event("wl-3", "case.registered", R"(,"case_urn":"52WL0100126","area":"CPS South West","offences":["rape"],"prosecutor":{"name":"Ada Prosecutor","phone":"01632 960102"})"),
       event("wl-4", "victim.registered", R"(,"case_urn":"52WL0100126","victim_id":"v-wl","name":{"given":"Sam","family":"Linkname"},"date_of_birth":"1990-05-01","address":{"lines":["7 Private Road","Sampleford"],"postcode":"ZZ7 7ZZ"})"),
       event("wl-5", "isva.assigned", R"(,"case_urn":"52WL0100126","victim_id":"v-wl","isva_id":"isva-1","consent_to_share":true)"),
       // A second victim on the case, whose ISVA reads Welsh: their email is in Welsh, then English.
       event("wl-4c", "victim.registered", R"(,"case_urn":"52WL0100126","victim_id":"v-wl-cy","name":{"given":"Gwen","family":"Cymraes"},"date_of_birth":"1991-05-01","address":{"lines":["8 Heol Breifat","Sampleford"],"postcode":"ZZ7 7ZY"},"language":"cy")"),
       event("wl-2c", "isva.registered", R"(,"isva_id":"isva-3","name":"Gwyn Eiriolwr","organisation":"Cymorth","email":"gwyn@example.org","language":"cy")"),
       event("wl-5c", "isva.assigned", R"(,"case_urn":"52WL0100126","victim_id":"v-wl-cy","isva_id":"isva-3","consent_to_share":true)"),
       event("wl-6", "charging.decided", R"(,"case_urn":"52WL0100126","decision":"charge","charges":["Rape"],"first_hearing":{"date":"2026-04-16","court":"Sampleford Magistrates' Court"})")});
  REQUIRE(httpRequest(site.d.port(), "POST", "/api/v1/events", bearer(site.d.ingest), events).status == 200);
  // The scheduler's pass writes the notification and sends it through the SMTP server.
  std::string body, welsh_body;
  for (int i = 0; i < 100 && (body.empty() || welsh_body.empty()); ++i) {
    site.d.services.scheduler.runPass();
    for (const auto& m : smtp.messages())
      if (mailHeader(m, "To") == "<jo.advocate@example.org>") body = decodedMail(m);
      else if (mailHeader(m, "To") == "<gwyn@example.org>") welsh_body = decodedMail(m);
    if (body.empty() || welsh_body.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  REQUIRE(!body.empty());
  REQUIRE(!welsh_body.empty());

  // The link as the email gives it: web.public_url (here its default), then the page's path.
  std::smatch link;
  REQUIRE(std::regex_search(body, link, std::regex(R"(http://localhost:8080(/[^\s<>"()]+))")));
  const std::string path = link[1];
  CHECK(std::regex_match(path, std::regex(R"(/inbox/n-[0-9]+)")));

  Browser isva = site.browser();
  REQUIRE(isva.get(path).status == 303);  // not signed in: to the login page first
  REQUIRE(isva.signIn("web-isva", kPassword).status == 303);
  Reply page = isva.get(path);
  REQUIRE(page.status == 200);
  CHECK(page.content_type == "text/html; charset=utf-8");
  CHECK(page.body.find("<h1 class=\"govuk-heading-l\">Charging decision</h1>") != std::string::npos);
  CHECK(page.body.find("<h2 class=\"govuk-heading-m\">What happened</h2>") != std::string::npos);
  CHECK(page.body.find("<h2 class=\"govuk-heading-m\">Who to contact</h2>") != std::string::npos);
  CHECK(page.body.find("<ul class=\"govuk-list govuk-list--bullet\">") != std::string::npos);
  CHECK(page.body.find("<li>Prosecutor: Ada Prosecutor, 01632 960102") != std::string::npos);
  CHECK(page.body.find("decided to charge the suspect.") != std::string::npos);
  CHECK(page.body.find("<strong>52WL0100126</strong>") != std::string::npos);
  CHECK(page.body.find("===") == std::string::npos);  // no plain-text underlines
  CHECK(page.body.find("-----") == std::string::npos);
  CHECK(page.body.find("Linkname") == std::string::npos);
  CHECK(site.audits("notification_marked_read") == 1);

  // The Welsh email's page: the Welsh part marked as Welsh, then the English version, after a rule.
  REQUIRE(std::regex_search(welsh_body, link, std::regex(R"(http://localhost:8080(/inbox/n-[0-9]+))")));
  Browser welsh_isva = site.browser();
  REQUIRE(welsh_isva.signIn("web-isva-cy", kPassword).status == 303);
  Reply welsh = welsh_isva.get(link[1]);
  REQUIRE(welsh.status == 200);
  const size_t cy = welsh.body.find("<h2 class=\"govuk-heading-m\" lang=\"cy\">Beth ddigwyddodd</h2>");
  const size_t rule = welsh.body.find("<hr class=\"govuk-section-break");
  const size_t en = welsh.body.find("<h2 class=\"govuk-heading-m\">What happened</h2>");
  CHECK(cy != std::string::npos);
  CHECK(rule != std::string::npos);
  CHECK(en != std::string::npos);
  CHECK((cy < rule && rule < en));

  // A link from an email sent before the link changed still opens the page.
  Reply old = isva.get("/isva/notifications/" + path.substr(std::string("/inbox/").size()));
  CHECK(old.status == 303);
  CHECK(old.headers["Location"] == path);

  // Another ISVA following the same link finds nothing.
  Browser other = site.browser();
  REQUIRE(other.signIn("web-isva-other", kPassword).status == 303);
  CHECK(other.get(path).status == 404);
}

TEST_CASE("One box on the queue finds a letter by its id, a case by its URN, a victim by id or name; a name search is "
          "audited without the name",
          "[web][search]") {
  Site site;
  const std::string id = site.nfaLetter();  // Pat Web, victim v-wp, case 52WP0100126, CPS South West
  app::addUser(site.d.services.db, "web-officer-north", "vlu", "", "CPS London North", "2026-04-06T08:00:00Z",
               {kPassword, 100000});
  Browser b = site.browser();
  REQUIRE(b.signIn("web-officer", kPassword).status == 303);

  Reply by_letter = b.get("/queue?q=" + id);
  CHECK(by_letter.status == 303);
  CHECK(by_letter.headers["Location"] == "/letters/" + id);

  Reply by_case = b.get("/queue?state=all&q=%2052WP0100126%20");  // spaces around what was pasted
  REQUIRE(by_case.status == 200);
  CHECK(by_case.body.find("Letters for case 52WP0100126") != std::string::npos);
  CHECK(by_case.body.find("data-letter=\"" + id + "\"") != std::string::npos);
  CHECK(by_case.body.find("id=\"clear-filters\" href=\"&#x2F;queue\"") != std::string::npos);

  Reply by_victim = b.get("/queue?state=all&q=v-wp");
  CHECK(by_victim.body.find("Letters for victim v-wp") != std::string::npos);
  CHECK(by_victim.body.find("data-letter=\"" + id + "\"") != std::string::npos);

  const int64_t searches = site.audits("search_victims");
  Reply by_name = b.get("/queue?state=all&q=pat%20w");  // any case, part of the name
  REQUIRE(by_name.status == 200);
  CHECK(by_name.body.find("Victims whose name matches") != std::string::npos);
  CHECK(by_name.body.find("<a class=\"govuk-link\" href=\"/victims/v-wp\">Pat Web</a>") != std::string::npos);
  CHECK(site.audits("search_victims") == searches + 1);
  {
    auto lease = site.d.services.db.session();
    storage::AuditFilter f;
    f.action = "search_victims";
    const auto entries = storage::AuditLog(lease).list(f);
    REQUIRE_FALSE(entries.empty());
    CHECK(entries.front().actor == "web-officer");
    CHECK(entries.front().detail == "matches:1 ids:v-wp");  // who was found, never the words searched for
  }

  CHECK(b.get("/queue?q=Pat%00Web").status == 400);  // a control character
  CHECK(b.get("/queue?q=" + std::string(201, 'a')).status == 400);
  Reply nothing = b.get("/queue?state=all&q=Nobody%20Atall");
  CHECK(nothing.body.find("No letter, case or victim matches") != std::string::npos);

  // An officer bound to another Area finds nobody of the South West, by name or by id.
  Browser north = site.browser();
  REQUIRE(north.signIn("web-officer-north", kPassword).status == 303);
  CHECK(north.get("/queue?state=all&q=Pat").body.find("Pat Web") == std::string::npos);
  CHECK(north.get("/queue?state=all&q=v-wp").body.find("data-letter=\"" + id + "\"") == std::string::npos);
}

// --- issue 18 item 4 (web-errors): every form's mistakes follow the GOV.UK pattern ---

namespace {
// The page again, GOV.UK style: "Error: " in the title, a summary linking to the field, its message beside it.
void checkErrorPage(const Reply& r, const std::string& title, const std::string& field_anchor) {
  INFO(r.status << " " << r.body.substr(r.body.find("<title>"), 300));
  CHECK(r.content_type == "text/html; charset=utf-8");
  CHECK(r.body.find("<title>Error: " + title) != std::string::npos);
  CHECK(r.body.find("govuk-error-summary") != std::string::npos);
  CHECK(r.body.find("<a href=\"#" + field_anchor + "\">") != std::string::npos);
  CHECK(r.body.find("govuk-form-group--error") != std::string::npos);
  CHECK(r.body.find("class=\"govuk-error-message\"><span class=\"govuk-visually-hidden\">Error:</span>") !=
        std::string::npos);
}
}  // namespace

TEST_CASE("Errors: a wrong password keeps the name typed and shows the error at the field", "[web][errors]") {
  Site site;
  Browser b = site.browser();
  Reply wrong = b.signIn("web-officer", "not the password at all");
  CHECK(wrong.status == 401);
  checkErrorPage(wrong, "Sign in", "password");
  CHECK(wrong.body.find("id=\"name\" name=\"name\" type=\"text\" value=\"web-officer\"") != std::string::npos);
  CHECK(wrong.body.find("not the password at all") == std::string::npos);  // never the password
  Reply empty = b.signIn("", "");
  CHECK(empty.status == 400);
  checkErrorPage(empty, "Sign in", "name");
  CHECK(empty.body.find("Enter your name") != std::string::npos);
  // A first visit has no error in its title.
  CHECK(b.get("/login").body.find("<title>Sign in") != std::string::npos);
}

TEST_CASE("Errors: a reason 'other' without a note gives the victim page again, the form open as it was sent",
          "[web][errors]") {
  Site site;
  site.nfaLetter();
  site.d.setNow("2026-04-09T10:00:00+01:00");  // the NFA letter was due on 7 April: missed
  Browser b = site.browser();
  b.signIn("web-officer", kPassword);
  const std::string page = b.get("/victims/v-wp").body;
  const std::string action = "/obligations/" + segment("VCL-NFA:v-wp:wp-e3") + "/reason";
  Reply bad = b.post(action, "csrf_token=" + hidden(page, "csrf_token") + "&victim_id=v-wp&reason=other&note=%20");
  CHECK(bad.status == 400);
  std::smatch form;
  REQUIRE(std::regex_search(bad.body, form, std::regex("id=\"(reason-[0-9]+)-note\"")));
  checkErrorPage(bad, "Pat Web", form[1].str() + "-note");
  CHECK(bad.body.find("Enter a note saying what the other reason was") != std::string::npos);
  CHECK(bad.body.find("<option value=\"other\" selected>") != std::string::npos);  // the reason as chosen
  CHECK(bad.body.find("<details class=\"govuk-details\" open>") != std::string::npos);
  CHECK(bad.body.find("<h1 class=\"govuk-heading-l\">Pat Web</h1>") != std::string::npos);  // the whole page
  Reply unknown = b.post(action, "csrf_token=" + hidden(page, "csrf_token") + "&victim_id=v-wp&reason=nonsense&note=");
  CHECK(unknown.status == 400);
  checkErrorPage(unknown, "Pat Web", form[1].str() + "-code");
}

TEST_CASE("Errors: the dashboard's and the audit log's dates are GOV.UK date inputs that take what people type",
          "[web][errors]") {
  Site site;
  site.d.setNow("2026-11-23T10:00:00Z");
  app::addUser(site.d.services.db, "web-manager", "manager", "", "", "2026-04-06T08:00:00Z", {kPassword, 100000});
  Browser b = site.browser();
  REQUIRE(b.signIn("web-manager", kPassword).status == 303);
  // As typed: no leading zeros, a month as a number or a name.
  Reply typed = b.get("/dashboard?from-day=1&from-month=4&from-year=2026&to-day=30&to-month=jun&to-year=2026");
  CHECK(typed.status == 200);
  CHECK(typed.body.find("Obligations due from Wednesday 1 April 2026 to Tuesday 30 June 2026") != std::string::npos);
  CHECK(typed.body.find("<title>Compliance") != std::string::npos);
  CHECK(typed.body.find("id=\"from-day\" name=\"from-day\" type=\"text\" inputmode=\"numeric\" value=\"1\"") !=
        std::string::npos);
  // The single from/to of links keeps working, in ISO form or as 31/12/2026.
  Reply link = b.get("/dashboard?from=31/12/2026&to=2027-01-31");
  CHECK(link.status == 200);
  CHECK(link.body.find("Obligations due from Thursday 31 December 2026 to Sunday 31 January 2027") != std::string::npos);
  // Not a real date: the page again with the date as typed, the error at the day box.
  Reply bad = b.get("/dashboard?from-day=31&from-month=2&from-year=2026&to-day=&to-month=&to-year=");
  CHECK(bad.status == 400);
  checkErrorPage(bad, "Compliance", "from-day");
  CHECK(bad.body.find("The from date must be a real date") != std::string::npos);
  CHECK(bad.body.find("name=\"from-day\" type=\"text\" inputmode=\"numeric\" value=\"31\"") != std::string::npos);
  CHECK(bad.body.find("id=\"headline-figures\"") != std::string::npos);  // the rest of the page is there
  Reply after = b.get("/dashboard?from=31/12/2026");  // after today, the default end
  CHECK(after.status == 400);
  checkErrorPage(after, "Compliance", "from-day");

  Reply audit_bad = b.get("/audit?from-day=12&from-month=13&from-year=2026&actor=web-manager");
  CHECK(audit_bad.status == 400);
  checkErrorPage(audit_bad, "Audit log", "from-month");
  CHECK(audit_bad.body.find("value=\"13\"") != std::string::npos);
  CHECK(audit_bad.body.find("value=\"web-manager\"") != std::string::npos);
  Reply audit_year = b.get("/audit?to-day=1&to-month=12&to-year=26");
  checkErrorPage(audit_year, "Audit log", "to-year");
  Reply audit_ok = b.get("/audit?from-day=01&from-month=04&from-year=2026&to=2026-12-31");
  CHECK(audit_ok.status == 200);
  CHECK(audit_ok.body.find("<title>Audit log") != std::string::npos);
  CHECK(audit_ok.body.find("name=\"to-year\" type=\"text\" inputmode=\"numeric\" value=\"2026\"") != std::string::npos);
}

// --- issue 19 item 6: the calendar's edge ---

TEST_CASE("At the end of the published calendar the service keeps drafting, sweeping and answering, and the "
          "dashboard says what to do",
          "[web][calendar]") {
  // Friday 29 December 2028: the shipped calendar's last working days.
  Site site(at("2028-12-29T10:00:00Z"));
  const std::string events =
      batch({std::string(R"({"id":"ce-e1","type":"case.registered","occurred_at":"2028-12-29T09:00:00Z","case_urn":"52CE0100128","area":"CPS South West","offences":["rape"]})"),
             std::string(R"({"id":"ce-e2","type":"victim.registered","occurred_at":"2028-12-29T09:05:00Z","case_urn":"52CE0100128","victim_id":"v-ce","name":{"given":"Sam","family":"Edge"},"date_of_birth":"1990-01-01","address":{"lines":["1 Year Road","Sampleford"],"postcode":"ZZ1 1AA"},"language":"en"})"),
             std::string(R"({"id":"ce-e3","type":"charging.decided","occurred_at":"2028-12-29T09:30:00Z","case_urn":"52CE0100128","decision":"no_further_action","reasons":"Not enough evidence."})")});
  REQUIRE(httpRequest(site.d.port(), "POST", "/api/v1/events", bearer(site.d.ingest), events).status == 200);
  site.d.drafted();

  // Drafted, with a deadline in 2029 and the projection said in its explanation.
  Reply letters = httpRequest(site.d.port(), "GET", "/api/v1/letters", bearer(site.d.vlu));
  REQUIRE(letters.status == 200);
  REQUIRE(letters.object()->getArray("items")->size() == 1);
  const std::string obligation_id =
      letters.object()->getArray("items")->getObject(0)->getValue<std::string>("obligation_id");
  Reply obligation = httpRequest(site.d.port(), "GET", "/api/v1/obligations/" + http::urlEncode(obligation_id),
                                 bearer(site.d.vlu));
  REQUIRE(obligation.status == 200);
  CHECK(obligation.object()->getValue<std::string>("due_by") == "2029-01-02");  // enhanced: 1 working day; 1 January
  CHECK(obligation.body.find("New Year's Day, projected from the standing rules") != std::string::npos);

  // The scheduler's sweep and every list keep working past the published year.
  site.d.setNow("2029-01-03T12:00:00Z");
  site.d.services.scheduler.runPass();
  Reply list = httpRequest(site.d.port(), "GET", "/api/v1/obligations", bearer(site.d.vlu));
  CHECK(list.status == 200);
  CHECK(list.body.find(obligation_id) != std::string::npos);
  site.d.setNow("2031-06-02T12:00:00Z");
  CHECK(httpRequest(site.d.port(), "GET", "/api/v1/obligations", bearer(site.d.vlu)).status == 200);
  CHECK(httpRequest(site.d.port(), "GET", "/api/v1/letters", bearer(site.d.vlu)).status == 200);

  // The dashboard warns from 90 days before the published holidays run out, and not before.
  app::addUser(site.d.services.db, "web-manager", "manager", "", "", "2026-04-06T08:00:00Z", {kPassword, 100000});
  Browser b = site.browser();
  REQUIRE(b.signIn("web-manager", kPassword).status == 303);
  Reply after = b.get("/dashboard");
  REQUIRE(after.status == 200);
  CHECK(after.body.find("id=\"calendar-running-out\"") != std::string::npos);
  CHECK(after.body.find("The published bank holidays ended on Sunday 31 December 2028.") != std::string::npos);
  site.d.setNow("2028-10-01T12:00:00Z");  // 91 days before
  Reply before = b.get("/dashboard");
  REQUIRE(before.status == 200);
  CHECK(before.body.find("calendar-running-out") == std::string::npos);
}

// --- issue 18 item 2 (web-letter): the letter read in the page, a print view, the decision under the letter ---

TEST_CASE("The letter page shows the letter's own words in the page, at full height, and the decision right under it",
          "[web][letter]") {
  Site site;
  app::addUser(site.d.services.db, "web-officer2", "vlu", "", "", "2026-04-06T08:00:00Z", {kPassword, 100000});
  const std::string id = site.nfaLetter();
  Browser b = site.browser();
  b.signIn("web-officer2", kPassword);
  const std::string page = b.get("/letters/" + id).body;
  CHECK(page.find("<iframe") == std::string::npos);
  const size_t letter = page.find("<div class=\"vc-letter\" id=\"letter\" lang=\"en-GB\">");
  REQUIRE(letter != std::string::npos);
  const size_t end = page.find("<h2 class=\"govuk-heading-m\" id=\"actions\"", letter);
  REQUIRE(end != std::string::npos);
  const std::string shown = page.substr(letter, end - letter);
  CHECK(shown.find("Dear Pat Web") != std::string::npos);
  CHECK(shown.find("Not enough evidence.") != std::string::npos);
  CHECK(shown.find("1 Page Road") != std::string::npos);  // the address as the envelope shows it
  // Its headings sit under the page's own h2 ("The letter as it will print"); it brings no style or landmark.
  CHECK(shown.find("<h3>Our decision not to charge</h3>") != std::string::npos);
  CHECK(shown.find("<h1") == std::string::npos);
  CHECK(shown.find("<h2") == std::string::npos);
  CHECK(shown.find("<style") == std::string::npos);
  CHECK(shown.find("<main") == std::string::npos);
  CHECK(shown.find("<header") == std::string::npos);
  CHECK(page.find("The letter as it will print</h2>") < letter);
  CHECK(page.find("href=\"/letters/" + id + "/print\" id=\"print-link\"") < letter);
  // Approve, then send back, then the corrections.
  const size_t approve = page.find("id=\"approve\"", letter);
  const size_t reject = page.find("id=\"reject\"", letter);
  const size_t edit = page.find("id=\"edit\"", letter);
  CHECK(approve != std::string::npos);
  CHECK(approve < reject);
  CHECK(reject < edit);
  CHECK(edit != std::string::npos);
  CHECK(site.audits("read_letter") == 1);  // one read: the page, no frame reading it again
}

TEST_CASE("The print view answers with the letter and its own CSP, is audited, and is refused outside the Area",
          "[web][letter]") {
  Site site;
  app::addUser(site.d.services.db, "web-officer-north", "vlu", "", "CPS London North", "2026-04-06T08:00:00Z",
               {kPassword, 100000});
  const std::string id = site.nfaLetter();
  Browser b = site.browser(), north = site.browser();
  b.signIn("web-officer", kPassword);
  REQUIRE(north.signIn("web-officer-north", kPassword).status == 303);

  const int64_t reads = site.audits("read_letter");
  Reply print = b.get("/letters/" + id + "/print");
  CHECK(print.status == 200);
  CHECK(print.content_type == "text/html; charset=utf-8");
  CHECK(print.body.rfind("<!DOCTYPE html>", 0) == 0);  // the letter's own document, as posted
  CHECK(print.body.find("Dear Pat Web") != std::string::npos);
  CHECK(print.body.find("<script") == std::string::npos);
  CHECK(print.headers["Content-Security-Policy"].find("default-src 'none'") != std::string::npos);
  CHECK(site.audits("read_letter") == reads + 1);
  {
    auto lease = site.d.services.db.session();
    storage::AuditFilter f;
    f.action = "read_letter";
    const auto entries = storage::AuditLog(lease).list(f);
    REQUIRE(!entries.empty());
    CHECK(entries.front().actor == "web-officer");
    CHECK(entries.front().subject == "letter:" + id);
  }

  const int64_t denied = site.audits("read_letter_denied");
  Reply refused = north.get("/letters/" + id + "/print");
  CHECK(refused.status == 404);
  CHECK(refused.body.find("Pat Web") == std::string::npos);
  CHECK(site.audits("read_letter_denied") == denied + 1);
  CHECK(site.audits("read_letter") == reads + 1);
  // Not signed in: the sign-in page, then back to the print view.
  Browser nobody = site.browser();
  Reply r = nobody.get("/letters/" + id + "/print");
  CHECK(r.status == 303);
  CHECK(r.headers["Location"] == "/login?next=%2Fletters%2F" + id + "%2Fprint");
}

TEST_CASE("Hostile free text in a letter shows as text in the page and the print view, and breaks nothing",
          "[web][letter][hostile]") {
  Site site;
  const std::string id = site.nfaLetter();
  Browser b = site.browser();
  b.signIn("web-officer", kPassword);
  auto form = formFields(b.get("/letters/" + id).body, "/letters/" + id + "/edit");
  form["free_text"] = "</div></main></body><script>alert(1)</script><img src=x onerror=alert(2)>"
                      "<a href=\"javascript:alert(3)\">Ring us</a><!-- x";
  REQUIRE(b.post("/letters/" + id + "/edit", encodeForm(form)).status == 303);

  const std::string page = b.get("/letters/" + id).body;
  const size_t letter = page.find("<div class=\"vc-letter\" id=\"letter\"");
  REQUIRE(letter != std::string::npos);
  const size_t end = page.find("<h2 class=\"govuk-heading-m\" id=\"actions\"", letter);
  REQUIRE(end != std::string::npos);
  const std::string shown = page.substr(letter, end - letter);
  INFO(shown);
  // Shown as the words typed ...
  CHECK(shown.find("&lt;script&gt;alert(1)&lt;") != std::string::npos);
  CHECK(shown.find("&lt;img src=x onerror=alert(2)&gt;") != std::string::npos);
  CHECK(shown.find("&lt;a href=&quot;javascript:alert(3)&quot;&gt;Ring us&lt;") != std::string::npos);
  CHECK(shown.find("&lt;&#x2F;div&gt;&lt;&#x2F;main&gt;") != std::string::npos);
  // ... never as markup,
  CHECK(shown.find("<script") == std::string::npos);
  CHECK(shown.find("<img") == std::string::npos);
  CHECK(shown.find("href=\"javascript") == std::string::npos);
  CHECK(shown.find("<!--") == std::string::npos);
  // ... and the letter closes what it opens: the page goes on after it as it should.
  auto count = [](const std::string& text, const std::string& what) {
    size_t n = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
  };
  CHECK(count(shown, "<div") == count(shown, "</div>"));
  CHECK(count(shown, "<p>") + count(shown, "<p ") == count(shown, "</p>"));
  CHECK(count(page, "</main>") == 1);
  CHECK(page.find("</main>") > page.find("id=\"history\""));
  CHECK(page.find("class=\"govuk-footer\"") > page.find("</main>"));

  // The print view is the letter as the victim gets it: the words as text there too.
  const std::string print = b.get("/letters/" + id + "/print").body;
  CHECK(print.find("&lt;script&gt;alert(1)&lt;") != std::string::npos);
  CHECK(print.find("<script") == std::string::npos);
  CHECK(print.find("<img") == std::string::npos);
}

TEST_CASE("After an approval the page offers the next letter this officer may approve, never one they changed last",
          "[web][letter]") {
  Site site;
  app::addUser(site.d.services.db, "web-officer2", "vlu", "", "", "2026-04-06T08:00:00Z", {kPassword, 100000});
  // Three letters, decided a day apart: the first is due soonest.
  auto letterFor = [&](const std::string& urn, const std::string& decided) {
    REQUIRE(httpRequest(site.d.port(), "POST", "/api/v1/events", bearer(site.d.ingest),
                        batch({R"({"id":")" + urn + R"(-e1","type":"case.registered","occurred_at":"2026-03-01T09:00:00Z","case_urn":")" + urn + R"(","area":"CPS South West","offences":["stalking"]})",
                               R"({"id":")" + urn + R"(-e2","type":"victim.registered","occurred_at":"2026-03-01T09:05:00Z","case_urn":")" + urn + R"(","victim_id":")" + urn + R"(-v","name":{"given":"Pat","family":"Web"},"address":{"lines":["1 Page Road","Sampleford"],"postcode":"ZZ1 1AA"}})",
                               R"({"id":")" + urn + R"(-e3","type":"charging.decided","occurred_at":")" + decided + R"(","case_urn":")" + urn + R"(","decision":"no_further_action","reasons":"Not enough evidence."})"}))
                .status == 200);
    site.d.services.letters.refresh({});
    return httpRequest(site.d.port(), "GET", "/api/v1/letters?case_urn=" + urn, bearer(site.d.vlu))
        .object()->getArray("items")->getObject(0)->getValue<std::string>("id");
  };
  const std::string first = letterFor("52NX0100126", "2026-04-01T15:00:00+01:00");
  const std::string second = letterFor("52NX0200126", "2026-04-02T15:00:00+01:00");
  const std::string third = letterFor("52NX0300126", "2026-04-03T15:00:00+01:00");
  Browser b = site.browser(), other = site.browser();
  b.signIn("web-officer", kPassword);
  other.signIn("web-officer2", kPassword);
  // The officer changed the second letter last: it waits for another officer (four eyes).
  auto form = formFields(b.get("/letters/" + second).body, "/letters/" + second + "/edit");
  form["free_text"] = "Ring us on the number above.";
  REQUIRE(b.post("/letters/" + second + "/edit", encodeForm(form)).status == 303);

  auto approve = [&](Browser& who, const std::string& id) {
    auto fields = formFields(who.get("/letters/" + id).body, "/letters/" + id + "/approve");
    Reply done = who.post("/letters/" + id + "/approve", encodeForm(fields));
    REQUIRE(done.status == 303);
    return who.get(done.headers["Location"]).body;
  };
  std::string page = approve(b, first);
  size_t next = page.find("id=\"next-letter\"");
  REQUIRE(next != std::string::npos);
  // (Mustache writes "/" in an attribute as &#x2F;.)
  CHECK(page.find("href=\"&#x2F;letters&#x2F;" + third + "\"", next) < page.find("</p>", next));
  CHECK(page.find("&#x2F;letters&#x2F;" + second + "\"") == std::string::npos);

  // The other officer, who changed nothing, is offered the second letter: it is due sooner.
  page = approve(other, third);
  next = page.find("id=\"next-letter\"");
  REQUIRE(next != std::string::npos);
  CHECK(page.find("href=\"&#x2F;letters&#x2F;" + second + "\"", next) < page.find("</p>", next));

  // Nothing left that this officer may approve: the page says so and leads back to the queue.
  Reply again = b.get("/letters/" + first + "?done=approved");
  next = again.body.find("id=\"next-letter\"");
  REQUIRE(next != std::string::npos);
  CHECK(again.body.find("There are no more letters for you to approve.", next) != std::string::npos);
  CHECK(again.body.find("&#x2F;letters&#x2F;" + second + "\"") == std::string::npos);
  // Without an approval just made, no offer.
  CHECK(b.get("/letters/" + first).body.find("id=\"next-letter\"") == std::string::npos);
}

// --- issue 18 item 5 (web-filter): the GOV.UK "filter a list" pattern on the queue ---

namespace {
// A page's text as a browser reads it: the escapes mustache writes in attributes undone.
std::string unescaped(std::string html) {
  for (const auto& [entity, c] : std::vector<std::pair<std::string, std::string>>{
           {"&#x2F;", "/"}, {"&quot;", "\""}, {"&#39;", "'"}, {"&amp;", "&"}})
    for (size_t at = html.find(entity); at != std::string::npos; at = html.find(entity, at + c.size()))
      html.replace(at, entity.size(), c);
  return html;
}

// The first match of `re`'s group 1 in the page ("" when it has none).
std::string firstMatch(const std::string& html, const std::string& re) {
  std::smatch m;
  return std::regex_search(html, m, std::regex(re)) ? m[1].str() : "";
}

int64_t queueCount(const std::string& page) { return std::stoll("0" + firstMatch(page, "id=\"queue-count\">([0-9]+)<")); }

size_t rowsListed(const std::string& page) {
  size_t n = 0;
  for (size_t at = page.find("data-letter=\""); at != std::string::npos; at = page.find("data-letter=\"", at + 1)) ++n;
  return n;
}

std::vector<std::string> lettersListed(const std::string& page) {
  std::vector<std::string> out;
  const std::regex re("data-letter=\"([^\"]+)\"");
  for (auto it = std::sregex_iterator(page.begin(), page.end(), re); it != std::sregex_iterator(); ++it)
    out.push_back((*it)[1]);
  return out;
}

// `cases` cases in `area`, each with a decision not to prosecute taken on `decided` (16 cases a batch).
void postDecisions(Site& site, const std::string& prefix, const std::string& area, int cases, const std::string& decided) {
  for (int first = 0; first < cases; first += 16) {
    std::vector<std::string> events;
    for (int c = first; c < std::min(cases, first + 16); ++c) {
      const std::string urn = "52" + prefix + "0" + std::to_string(1000 + c) + "26", id = prefix + std::to_string(c);
      events.push_back(R"({"id":")" + id + R"(-e1","type":"case.registered","occurred_at":"2026-02-02T09:00:00Z","case_urn":")" + urn + R"(","area":")" + area + R"(","offences":["rape"]})");
      events.push_back(R"({"id":")" + id + R"(-e2","type":"victim.registered","occurred_at":"2026-02-02T09:05:00Z","case_urn":")" + urn + R"(","victim_id":"v-)" + id + R"(","name":{"given":"Sam","family":"Filter"},"address":{"lines":["1 List Road","Sampleford"],"postcode":"ZZ1 1AA"},"language":"en"})");
      events.push_back(R"({"id":")" + id + R"(-e3","type":"charging.decided","occurred_at":")" + decided + R"(","case_urn":")" + urn + R"(","decision":"no_further_action","reasons":"Not enough evidence."})");
    }
    REQUIRE(httpRequest(site.d.port(), "POST", "/api/v1/events", bearer(site.d.ingest), batch(events)).status == 200);
  }
  site.d.services.letters.refresh({});
}
}  // namespace

TEST_CASE("The queue's filters: chosen ones are tags that each remove one, every option and summary count is what "
          "its list shows, and pages keep the filters",
          "[web][filter]") {
  Site site;
  postDecisions(site, "FA", "CPS South West", 30, "2026-03-02T15:00:00Z");  // overdue by 6 April
  postDecisions(site, "FB", "CPS South West", 26, "2026-04-02T15:00:00Z");  // not yet due
  postDecisions(site, "FN", "CPS London North", 3, "2026-03-02T15:00:00Z");
  app::addUser(site.d.services.db, "web-officer-north", "vlu", "", "CPS London North", "2026-04-06T08:00:00Z",
               {kPassword, 100000});
  Browser b = site.browser();
  REQUIRE(b.signIn("web-officer", kPassword).status == 303);

  const std::string all = unescaped(b.get("/queue").body);
  const int64_t total = queueCount(all);
  REQUIRE(total > 50);
  CHECK(all.find("id=\"selected-filters\"") == std::string::npos);  // nothing chosen, nothing to clear
  CHECK(all.find("id=\"clear-filters\"") == std::string::npos);
  CHECK(rowsListed(all) == 50);
  CHECK(all.find("Showing 1 to 50 of " + std::to_string(total) + " letters") != std::string::npos);
  CHECK(all.find("rel=\"prev\"") == std::string::npos);

  // The summary's overdue count is a link to the queue filtered that way, which lists exactly that many.
  const std::string overdue_href = firstMatch(all, "id=\"count-overdue\" href=\"([^\"]+)\"");
  CHECK(overdue_href == "/queue?due=overdue");
  const int64_t overdue = std::stoll(firstMatch(all, "id=\"count-overdue\"[^>]*><strong>([0-9]+)</strong>"));
  CHECK(overdue >= 33);  // 30 and 3 cases decided in March (at least their letters to the victim)
  CHECK(all.find("<option value=\"overdue\">Overdue (" + std::to_string(overdue) + ")</option>") != std::string::npos);
  const std::string late = unescaped(b.get(overdue_href).body);
  CHECK(queueCount(late) == overdue);
  CHECK(late.find("Showing 1 to " + std::to_string(std::min<int64_t>(overdue, 50)) + " of " + std::to_string(overdue)) !=
        std::string::npos);
  size_t tagged = 0;  // each row listed is one marked overdue
  for (size_t at = late.find("vc-row--overdue\" data-letter"); at != std::string::npos;
       at = late.find("vc-row--overdue\" data-letter", at + 1))
    ++tagged;
  CHECK(tagged == rowsListed(late));
  CHECK(late.find("<option value=\"overdue\" selected>Overdue (" + std::to_string(overdue) + ")</option>") !=
        std::string::npos);
  // Its filter is a tag that removes it, and Clear filters goes back to the whole queue.
  CHECK(late.find("<a class=\"vc-filter-tag\" href=\"/queue\"><span class=\"govuk-visually-hidden\">Remove this filter: "
                  "</span>Time left: Overdue</a>") != std::string::npos);
  CHECK(late.find("id=\"clear-filters\" href=\"/queue\"") != std::string::npos);
  // Due today and the rest: each count is what its own list shows.
  for (const std::string which : {"due-today", "due-next", "communication-need", "unsafe-channel", "phone-tasks"}) {
    INFO(which);
    const std::string href = firstMatch(all, "id=\"count-" + which + "\" href=\"([^\"]+)\"");
    const int64_t n = std::stoll(firstMatch(all, "id=\"count-" + which + "\"[^>]*><strong>([0-9]+)</strong>"));
    REQUIRE(!href.empty());
    const std::string listed = b.get(href).body;
    CHECK(queueCount(listed) == n);
    CHECK(rowsListed(listed) == static_cast<size_t>(std::min<int64_t>(n, 50)));
  }

  // Every state, rule and Area option's count is what choosing it lists.
  for (const auto& [name, values] : std::vector<std::pair<std::string, std::vector<std::string>>>{
           {"state", {"draft", "blocked", "sent", "all"}},
           {"rule", {"VCL-NFA"}},
           {"area", {"CPS South West", "CPS London North", "CPS Cymru-Wales"}}}) {
    for (const auto& value : values) {
      INFO(name << "=" << value);
      const std::string text = firstMatch(all, "<option value=\"" + value + "\">[^<]* \\(([0-9]+)\\)</option>");
      REQUIRE(!text.empty());
      const std::string listed = b.get("/queue?" + name + "=" + http::urlEncode(value)).body;
      CHECK(queueCount(listed) == std::stoll(text));
      CHECK(rowsListed(listed) == static_cast<size_t>(std::min<int64_t>(std::stoll(text), 50)));
    }
  }
  CHECK(all.find("<option value=\"VCL-NFA\">Decision not to prosecute (") != std::string::npos);  // names, not codes

  // Several filters: each tag removes only its own; the search is a filter too, kept by the others.
  const std::string three = unescaped(b.get("/queue?state=all&rule=VCL-NFA&due=overdue&q=52FA0100026").body);
  CHECK(three.find("href=\"/queue?rule=VCL-NFA&due=overdue&q=52FA0100026\"><span class=\"govuk-visually-hidden\">Remove "
                   "this filter: </span>State: All</a>") != std::string::npos);
  CHECK(three.find("href=\"/queue?state=all&due=overdue&q=52FA0100026\"><span class=\"govuk-visually-hidden\">Remove "
                   "this filter: </span>Rule: Decision not to prosecute</a>") != std::string::npos);
  CHECK(three.find("href=\"/queue?state=all&rule=VCL-NFA&q=52FA0100026\"><span class=\"govuk-visually-hidden\">Remove "
                   "this filter: </span>Time left: Overdue</a>") != std::string::npos);
  CHECK(three.find("href=\"/queue?state=all&rule=VCL-NFA&due=overdue\"><span class=\"govuk-visually-hidden\">Remove "
                   "this filter: </span>Search: 52FA0100026</a>") != std::string::npos);
  CHECK(three.find("id=\"clear-filters\" href=\"/queue\"") != std::string::npos);
  CHECK(queueCount(three) == static_cast<int64_t>(rowsListed(three)));
  CHECK(rowsListed(three) >= 1);

  // Pages: Next keeps the filters; the next page counts on from 51, and its Previous goes back to the first.
  const std::string first = unescaped(b.get("/queue?state=all&rule=VCL-NFA").body);
  const int64_t nfa = queueCount(first);
  REQUIRE(nfa > 50);
  const std::string next_href = firstMatch(first, "href=\"([^\"]+)\" rel=\"next\"");
  CHECK(next_href.rfind("/queue?state=all&rule=VCL-NFA&after=", 0) == 0);
  CHECK(first.find("Letters 51 to " + std::to_string(std::min<int64_t>(nfa, 100))) != std::string::npos);
  const std::string second = unescaped(b.get(next_href).body);
  CHECK(second.find("Showing 51 to " + std::to_string(std::min<int64_t>(nfa, 100)) + " of " + std::to_string(nfa) +
                    " letters") != std::string::npos);
  CHECK(firstMatch(second, "href=\"([^\"]+)\" rel=\"prev\"") == "/queue?state=all&rule=VCL-NFA");
  CHECK(second.find("Letters 1 to 50") != std::string::npos);
  auto page_one = lettersListed(first), page_two = lettersListed(second);
  CHECK(page_one.size() + page_two.size() == static_cast<size_t>(std::min<int64_t>(nfa, 100)));
  for (const auto& id : page_two) CHECK(std::find(page_one.begin(), page_one.end(), id) == page_one.end());
  if (nfa <= 100) CHECK(second.find("rel=\"next\"") == std::string::npos);

  // An officer bound to another Area: every count is of their Area's letters only.
  Browser north = site.browser();
  REQUIRE(north.signIn("web-officer-north", kPassword).status == 303);
  const std::string theirs = unescaped(north.get("/queue?state=all").body);
  const int64_t north_letters = queueCount(theirs);
  CHECK(north_letters >= 3);
  CHECK(north_letters < 10);
  CHECK(rowsListed(theirs) == static_cast<size_t>(north_letters));
  CHECK(theirs.find("CPS South West") == std::string::npos);
  CHECK(theirs.find("id=\"area\"") == std::string::npos);  // no Area to choose
  CHECK(theirs.find("<option value=\"all\" selected>All (" + std::to_string(north_letters) + ")</option>") !=
        std::string::npos);
  const int64_t north_overdue = std::stoll(firstMatch(theirs, "id=\"count-overdue\"[^>]*><strong>([0-9]+)</strong>"));
  CHECK(north_overdue >= 3);
  CHECK(north_overdue <= north_letters);
  CHECK(queueCount(north.get("/queue?state=all&due=overdue").body) == north_overdue);
  // A link naming another Area changes nothing for them.
  CHECK(queueCount(north.get("/queue?state=all&area=CPS%20South%20West").body) == north_letters);
  CHECK(b.get("/queue?due=soon").status == 400);
}
