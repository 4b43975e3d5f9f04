// The web layer's small parts, as tables: form bodies, where the login page
// may send someone back to, the SVG charts, the page templates' escaping rule
// and the static files' whitelist.

#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>

#include "http/form.h"
#include "http/router.h"
#include "rendering/page_templates.h"
#include "support/test_daemon.h"
#include "web/page_data.h"
#include "web/static_assets.h"
#include "web/svg_chart.h"

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
