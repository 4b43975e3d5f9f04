// The web layer's small parts, as tables: form bodies, where the login page
// may send someone back to, the SVG charts, the page templates' escaping rule
// and the static files' whitelist.

#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>

#include "http/form.h"
#include "http/router.h"
#include "rendering/html_text.h"
#include "rendering/page_templates.h"
#include "support/test_daemon.h"
#include "web/letter_in_page.h"
#include "web/page_data.h"
#include "web/static_assets.h"
#include "web/svg_chart.h"
#include "web/words.h"

using namespace vc;  // NOLINT

TEST_CASE("A form body is split into fields, with + and %XX decoded", "[web]") {
  struct Row {
    std::string body;
    std::map<std::string, std::string> fields;
  };
  const std::vector<Row> rows = {
      {"", {}},
      {"a=1&b=2", {{"a", "1"}, {"b", "2"}}},
      {"reasons=Line+one%0D%0A%0D%0ALine+two", {{"reasons", "Line one\r\n\r\nLine two"}}},
      {"q=%C5%B4yn+%26+%3Cb%3E", {{"q", "\xC5\xB4yn & <b>"}}},
      {"empty=&flag", {{"empty", ""}, {"flag", ""}}},
      {"bad=%zz%4", {{"bad", "%zz%4"}}},
      {"x=1&x=2", {{"x", "2"}}},
  };
  for (const auto& row : rows) {
    INFO(row.body);
    CHECK(http::parseForm(row.body) == row.fields);
  }
  CHECK(http::urlEncode("/queue?state=draft&a b") == "%2Fqueue%3Fstate%3Ddraft%26a%20b");
  CHECK(http::isFormBody("application/x-www-form-urlencoded; charset=UTF-8"));
  CHECK_FALSE(http::isFormBody("application/json"));
}

TEST_CASE("After signing in, someone is sent back only to a path on this site", "[web]") {
  const std::vector<std::pair<std::string, std::string>> rows = {
      {"/queue?state=draft", "/queue?state=draft"},
      {"/letters/l-7", "/letters/l-7"},
      {"", "/"},
      {"https://evil.example/", "/"},
      {"//evil.example/", "/"},
      {"/\\evil.example", "/"},
      {"javascript:alert(1)", "/"},
      {"/queue\r\nSet-Cookie: x=1", "/"},
  };
  for (const auto& [next, expected] : rows) {
    INFO(next);
    CHECK(http::safeLocalPath(next) == expected);
  }
}

TEST_CASE("A bar chart draws each percentage to scale, escapes its text and notes what had nothing due", "[web]") {
  const std::string svg = web::percentBarChart(
      "c1", "Met on time <by rule>",
      {{"VCL-NFA", 50.0, "50% (1 of 2)"}, {"<script>", 100.0, "100%"}, {"SM-MEET", std::nullopt, "nothing due"}});
  CHECK(svg.rfind("<svg ", 0) == 0);
  CHECK(svg.find("role=\"img\"") != std::string::npos);
  CHECK(svg.find("<title id=\"c1-title\">Met on time &lt;by rule&gt;</title>") != std::string::npos);
  CHECK(svg.find("<script>") == std::string::npos);
  CHECK(svg.find("&lt;script&gt;") != std::string::npos);
  // The plot is 360 wide: 50% is 180, 100% is 360; nothing due draws no bar.
  CHECK(svg.find("width=\"180\"") != std::string::npos);
  CHECK(svg.find("width=\"360\"") != std::string::npos);
  size_t rects = 0;
  for (size_t at = svg.find("<rect"); at != std::string::npos; at = svg.find("<rect", at + 1)) ++rects;
  CHECK(rects == 2);
  CHECK(svg.find("nothing due") != std::string::npos);
  CHECK(svg.find("style=") == std::string::npos);  // the CSP forbids inline styles
}

TEST_CASE("Dates and codes read as words on the pages", "[web]") {
  CHECK(web::displayDate("2026-04-07") == "Tuesday 7 April 2026");
  CHECK(web::displayDate("not a date") == "not a date");
  CHECK(web::displayTime("2026-07-01T13:30:00Z") == "1 July 2026 at 14:30");  // BST
  CHECK(web::displayTime("2026-12-01T13:30:00Z") == "1 December 2026 at 13:30");
  CHECK(web::humanise("hearing.listed") == "Hearing listed");
}

namespace {

void write(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << text;
}

}  // namespace

TEST_CASE("Page templates print unescaped only what the server built (names ending _html)", "[web]") {
  testing::TempDir dir;
  write(dir.path + "/layout.mustache", "<main>{{> content}}</main>");
  write(dir.path + "/ok.mustache", "<p>{{name}}</p>{{{chart_html}}}{{> tag}}");
  write(dir.path + "/partials/tag.mustache", "<b>{{text}}</b>");
  const auto set = rendering::PageTemplates::load(dir.path);
  rendering::Value data;
  data.set("name", "<script>alert(1)</script>");
  data.set("chart_html", "<svg></svg>");
  data.set("text", "Overdue");
  CHECK(set.render("ok", data) == "<main><p>&lt;script&gt;alert(1)&lt;&#x2F;script&gt;</p><svg></svg><b>Overdue</b></main>");

  write(dir.path + "/bad.mustache", "line one\n<p>{{{name}}}</p>{{&victim}}{{> missing}}");
  try {
    rendering::PageTemplates::load(dir.path);
    FAIL("a template printing a field unescaped was loaded");
  } catch (const rendering::TemplateError& e) {
    const std::string m = e.what();
    CHECK(m.find("3 problems") != std::string::npos);
    CHECK(m.find("bad.mustache:2: {{{name}}}") != std::string::npos);
    CHECK(m.find("{{&victim}}") != std::string::npos);
    CHECK(m.find("partials/missing.mustache") != std::string::npos);
  }
}

TEST_CASE("Static files are read at start from known places, by known types only", "[web]") {
  testing::TempDir dir;
  write(dir.path + "/static/app.css", "body{}");
  write(dir.path + "/static/fonts/a.woff2", "font");
  write(dir.path + "/static/secret.db", "not served");
  web::StaticAssets assets;
  CHECK(assets.addDirectory("/assets/app/", dir.path + "/static") == 2);
  CHECK(assets.addDirectory("/assets/none/", dir.path + "/no-such-dir") == 0);
  REQUIRE(assets.find("/assets/app/app.css"));
  CHECK(assets.find("/assets/app/app.css")->content_type == "text/css; charset=utf-8");
  CHECK(assets.find("/assets/app/fonts/a.woff2")->body == "font");
  CHECK_FALSE(assets.find("/assets/app/secret.db"));
  CHECK_FALSE(assets.find("/assets/app/../static/app.css"));
}

TEST_CASE("A long name wraps onto more lines in a chart rather than being cut short", "[web]") {
  const std::string svg = web::percentBarChart(
      "c2", "By rule", {{"Victims' Right to Review: decision and outcome", 50.0, "50% (1 of 2)"}, {"Verdict", 100.0, "100%"}});
  CHECK(svg.find("<tspan x=\"212\">Victims&#39; Right to Review:</tspan>") != std::string::npos);
  CHECK(svg.find(">decision and outcome</tspan>") != std::string::npos);
  CHECK(svg.find(">Verdict</text>") != std::string::npos);
  CHECK(svg.find("\xE2\x80\xA6") == std::string::npos);  // no ellipsis: nothing was cut
}

TEST_CASE("Rules and events are named in the words people use, from one table", "[web]") {
  CHECK(web::ruleName("VCL-NFA") == "Decision not to prosecute");
  CHECK(web::ruleName("VRR-ACK") == "Victims' Right to Review: request acknowledged");
  CHECK(web::ruleName("NEW-RULE", "Letter: a new rule") == "Letter: a new rule");  // the rule book's title
  CHECK(web::ruleName("NEW-RULE") == "NEW-RULE");
  CHECK(web::eventName("vrr.requested") == "Victims' Right to Review requested");
  CHECK(web::eventName("charging.decided") == "Charging decision");
  CHECK(web::eventName("some.new_event") == "Some new event");
}

TEST_CASE("An email's HTML is read as blocks a page can set out: headings, paragraphs, list items, links", "[web]") {
  const auto blocks = rendering::htmlBlocks(
      "<!DOCTYPE html><html><head><title>Case update</title></head><body><main>\n<h1>What happened</h1>\n"
      "<p>In case <strong>52AB</strong> (initials S.Q.)\n &amp; more.</p>\n<ul>\n<li>Prosecutor: Ada, "
      "<a href=\"mailto:ada@example.org\">ada@example.org</a></li>\n<li>Two</li>\n</ul>\n<hr>\n<p>End</p></main></body></html>");
  using Kind = rendering::TextBlock::Kind;
  REQUIRE(blocks.size() == 6);
  CHECK(blocks[0].kind == Kind::kHeading);
  CHECK(blocks[0].level == 1);
  CHECK(blocks[0].runs.at(0).text == "What happened");
  REQUIRE(blocks[1].runs.size() == 3);
  CHECK(blocks[1].runs[0].text == "In case ");
  CHECK(blocks[1].runs[1].text == "52AB");
  CHECK(blocks[1].runs[1].strong);
  CHECK(blocks[1].runs[2].text == " (initials S.Q.) & more.");
  CHECK(blocks[2].kind == Kind::kListItem);
  REQUIRE(blocks[2].runs.size() == 2);
  CHECK(blocks[2].runs[0].text == "Prosecutor: Ada, ");
  CHECK(blocks[2].runs[1].href == "mailto:ada@example.org");
  CHECK(blocks[3].kind == Kind::kListItem);
  CHECK(blocks[4].kind == Kind::kRule);
  CHECK(blocks[5].runs.at(0).text == "End");
}

TEST_CASE("A letter set into its page keeps only known tags and attributes, and closes only what it opened",
          "[web][letter][hostile]") {
  using web::letterInPage;
  SECTION("our letter's markup: headings under the page's h2, landmarks as plain blocks, its classes kept") {
    const std::string doc =
        "<!DOCTYPE html>\n<html lang=\"cy\">\n<head><title>Llythyr</title><style>p { color: red; }</style></head>\n"
        "<body class=\"letter large-print\">\n<header class=\"letterhead\"><p class=\"org\"><strong>CPS</strong></p>"
        "</header>\n<main>\n<address class=\"recipient\">Pat Web<br>\n1 Page Road<br>\n</address>\n<h1>Ein penderfyniad</h1>\n"
        "<h2>Pam</h2>\n<ul><li>Un</li></ul>\n<hr class=\"language-divider\">\n<p lang=\"en-GB\">Email "
        "<a href=\"mailto:vlu@example.org\">vlu@example.org</a></p>\n</main>\n</body>\n</html>\n";
    CHECK(letterInPage(doc) ==
          "<div class=\"vc-letter large-print\" id=\"letter\" lang=\"cy\">\n\n"
          "<div class=\"letterhead\"><p class=\"org\"><strong>CPS</strong></p></div>\n<div>\n"
          "<address class=\"recipient\">Pat Web<br>\n1 Page Road<br>\n</address>\n<h3>Ein penderfyniad</h3>\n"
          "<h4>Pam</h4>\n<ul><li>Un</li></ul>\n<hr class=\"language-divider\">\n<p lang=\"en-GB\">Email "
          "<a href=\"mailto:vlu@example.org\">vlu@example.org</a></p>\n</div>\n\n</div>");
  }
  SECTION("hostile markup, as if a value had reached the letter unescaped: none of it survives as markup") {
    const std::string doc =
        "<html><body onload=\"steal()\"><p onclick=\"x()\" style=\"position:fixed\" class=\"org govuk-visually-hidden\">"
        "Hello</div></div></main><script>alert(1)</script><SCRIPT src=x></SCRIPT>"
        "<img src=x onerror=alert(2)><a href=\"javascript:alert(3)\">j</a><a href=' JaVaScRiPt:alert(4)'>k</a>"
        "<a href=\"https://example.org/\" target=\"_blank\">ok</a><iframe src=\"/queue\"></iframe>"
        "<svg><script>alert(5)</script></svg><form action=\"/logout\"><button>b</button></form>"
        "<p/onmouseover=alert(6)>q<!-- <script>alert(7)</script> --><style>body{display:none}</style>"
        "<a href=\"x\" title='\"><script>alert(8)</script>'>t</a>"
        "<p class=\"x\" lang='en\"><script>'>end</p></body></html>";
    const std::string out = letterInPage(doc);
    INFO(out);
    std::string low = out;
    for (char& c : low) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (const std::string bad : {"<script", "<img", "<iframe", "<svg", "<form", "<button", "<style", "style=", "onload",
                                  "onclick", "onerror", "onmouseover", "javascript:", "target=", "title=", "<!--",
                                  "govuk-visually-hidden", "alert(1)", "alert(5)", "alert(7)", "alert(8)"}) {
      INFO(bad);
      CHECK(low.find(bad) == std::string::npos);
    }
    CHECK(out ==
          "<div class=\"vc-letter\" id=\"letter\" lang=\"en-GB\">\n"
          "<p class=\"org\">Hello<a>j</a><a>k</a><a href=\"https://example.org/\">ok</a>b<p>q"
          "<a>'>t</a><p lang=\"en&quot;\"></p></p></p>\n</div>");
  }
  SECTION("a tag never closed, a comment never closed, or no body at all") {
    CHECK(letterInPage("<html><body><p>one<p>two<strong>three") ==
          "<div class=\"vc-letter\" id=\"letter\" lang=\"en-GB\">\n<p>one<p>two<strong>three</strong></p></p>\n</div>");
    CHECK(letterInPage("<body><p>seen</p><!-- <p>never") ==
          "<div class=\"vc-letter\" id=\"letter\" lang=\"en-GB\">\n<p>seen</p>\n</div>");
    CHECK(letterInPage("<body><p>cut <a href=\"https://x") ==
          "<div class=\"vc-letter\" id=\"letter\" lang=\"en-GB\">\n<p>cut </p>\n</div>");
    CHECK(letterInPage("<script>alert(1)</script>").empty());
    CHECK(letterInPage("<body><script>never closed <p>x</p>") ==
          "<div class=\"vc-letter\" id=\"letter\" lang=\"en-GB\">\n\n</div>");
  }
}
