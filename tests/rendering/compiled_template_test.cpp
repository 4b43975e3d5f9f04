// Letters are rendered from templates parsed once at load (CompiledTemplate), not
// by handing their text to mstch::render on every call. These tests hold the
// compiled path to mstch 1.0.2's bytes: every letter in every language and every
// sample variant, then the corners of mustache that mstch treats in its own way.

#include <set>

#include <catch2/catch.hpp>
#include <mstch/mstch.hpp>

#include "app/services.h"
#include "letters/letter_context.h"
#include "loading/policy_files.h"
#include "notifications/notification_context.h"
#include "notifications/notification_service.h"
#include "rendering/compiled_template.h"
#include "rendering/template_set.h"

using namespace vc;  // NOLINT
using rendering::Value;

namespace {

// The context as mstch's own tree, converted here (not by the code under test).
mstch::node asMstch(const Value& v) {
  switch (v.type()) {
    case Value::Type::kText: return v.text();
    case Value::Type::kBool: return v.boolean();
    case Value::Type::kList: {
      mstch::array a;
      for (const auto& i : v.items()) a.push_back(asMstch(i));
      return a;
    }
    case Value::Type::kMap: {
      mstch::map m;
      for (const auto& [k, f] : v.fields()) m.emplace(k, asMstch(f));
      return m;
    }
  }
  return std::string();
}

const domain::WorkingDayCalendar& calendar() {
  static const domain::WorkingDayCalendar kCalendar =
      loading::loadCalendar(VC_SOURCE_DIR "/config/calendars/england-and-wales.json");
  return kCalendar;
}

const domain::RuleBook& rules() {
  static const domain::RuleBook kRules = loading::loadRuleBook({VC_SOURCE_DIR "/config/rules/victims-code-2020.json"});
  return kRules;
}

const letters::SupportServices& supportServices() {
  static const letters::SupportServices kServices =
      loading::loadSupportServices(VC_SOURCE_DIR "/config/letters/support-services.json");
  return kServices;
}

// Renders `text` with the compiled path and with mstch; partials by name.
std::pair<std::string, std::string> both(const std::string& text, const Value& data,
                                         const std::map<std::string, std::string>& partials = {}) {
  std::vector<std::unique_ptr<rendering::CompiledTemplate>> owned;
  rendering::CompiledPartials compiled;
  for (const auto& [name, t] : partials) {
    owned.push_back(std::make_unique<rendering::CompiledTemplate>(t));
    compiled[name] = owned.back().get();
  }
  const rendering::CompiledTemplate root(text);
  return {rendering::renderCompiled(root, compiled, data), mstch::render(text, asMstch(data), partials)};
}

}  // namespace

TEST_CASE("Every letter, in every language and sample variant, renders to mstch's exact bytes", "[rendering][compiled]") {
  const rendering::TemplateSet set = app::loadLetterTemplates(VC_SOURCE_DIR "/letter_templates", rules(), calendar());
  size_t compared = 0;
  for (const auto& kind : app::letterKinds(rules())) {
    std::vector<std::string> variants = letters::sampleVariants(kind);
    variants.insert(variants.begin(), "");
    for (const auto& lang : app::kLetterLanguages) {
      INFO(kind << "." << lang);
      CHECK(set.compiled(kind, lang));  // the load check found no disagreement to fall back from
      for (const auto& variant : variants) {
        INFO("variant '" << variant << "'");
        letters::LetterInputs in = letters::sampleInputs(kind, lang, variant);
        in.support = &supportServices();
        const Value data = letters::buildLetterContext(in, calendar()).data;
        const std::string expected =
            mstch::render(set.layoutText(kind, lang), asMstch(data), set.partialTexts(kind, lang));
        const rendering::RenderedLetter r = set.render(kind, lang, data);
        REQUIRE(r.html == expected);
        ++compared;
      }
    }
  }
  CHECK(compared >= 2 * app::letterKinds(rules()).size());
}

TEST_CASE("Every ISVA notification renders to mstch's exact bytes", "[rendering][compiled]") {
  const rendering::TemplateSet set =
      notifications::loadNotificationTemplates(VC_SOURCE_DIR "/letter_templates/notifications");
  const std::string kind = notifications::kNotificationKind;
  for (const std::string lang : {"en", "cy"})
    for (const auto& event : notifications::sampleNotificationEvents()) {
      INFO(lang << " " << event);
      CHECK(set.compiled(kind, lang));
      const Value data =
          notifications::buildNotificationContext(notifications::sampleNotificationInputs(event, lang)).data;
      CHECK(set.render(kind, lang, data).html ==
            mstch::render(set.layoutText(kind, lang), asMstch(data), set.partialTexts(kind, lang)));
    }
}

TEST_CASE("The compiled path follows mstch where mustache leaves room", "[rendering][compiled]") {
  Value data = Value::map()
                   .set("name", "Sam O'Neil & <Co> \"quoted\" a/b")
                   .set("yes", true)
                   .set("no", false)
                   .set("empty", "")
                   .set("items", Value::textList({"one", "two", "three"}))
                   .set("none", Value::list())
                   .set("nested", Value::list({Value::textList({"a", "b"}), Value::textList({"c"})}))
                   .set("person", Value::map().set("first", "Sam").set("address", Value::map().set("town", "Cardiff")))
                   .set("people", Value::list({Value::map().set("first", "Ann"), Value::map().set("first", "Bo").set("name", "inner")}));
  const std::vector<std::string> templates = {
      "Hello {{name}}!\n",
      "{{{name}}} {{& name}} {{ name }}",
      "{{yes}} {{no}} [{{missing}}] [{{empty}}] {{items}} {{person}}",
      "{{#items}}<li>{{.}}</li>{{/items}}",
      "<ul>\n  {{#items}}\n  <li>{{.}}</li>\n  {{/items}}\n</ul>\n",
      "{{^none}}nothing{{/none}}{{^items}}never{{/items}}{{^missing}}gone{{/missing}}{{^no}}no{{/no}}",
      "{{#nested}}[{{#.}}{{.}},{{/.}}]{{/nested}}",
      "{{person.first}} of {{person.address.town}} {{person.missing.town}} {{missing.first}}",
      "{{#person}}{{first}} {{name}} {{#address}}{{town}}/{{first}}{{/address}}{{/person}}",
      "{{#people}}{{first}}:{{name}};{{/people}}",
      "{{#yes}}{{.}} {{name}}{{/yes}}{{#no}}hidden{{/no}}{{#empty}}hidden{{/empty}}",
      "{{#items}}{{#items}}{{.}}{{/items}}|{{/items}}",
      "{{#person}}{{#person}}{{first}}{{/person}}{{/person}}",
      "  {{! a comment }}  \nline\n{{#yes}}\n  indented\n{{/yes}}\n\t{{^no}}  \r\nx\n{{/no}}\ntail without newline {{name}}",
      "{{=<% %>=}}<% name %> {{name}} <%={{ }}=%>{{name}}",
      "{{#items}}\n{{/items}}{{#unclosed}}x",
      "{{/stray}}{{#yes}}a{{/other}}b{{/yes}}c",
      "text {{ not closed",
      "{{name}}}",
      "",
      "\n\n  \n",
  };
  for (const auto& t : templates) {
    INFO(t);
    const auto [compiled, expected] = both(t, data);
    CHECK(compiled == expected);
  }

  SECTION("partials: indented on a line of their own, inline, nested, in sections, and missing") {
    const std::map<std::string, std::string> partials = {
        {"line", "first {{name}}\nsecond\n"},
        {"inner", "  {{> line}}\n[{{.}}]\n"},
        {"noeol", "no newline at the end"},
        {"section", "{{#items}}\n  {{> noeol}}\n{{/items}}\n"},
    };
    for (const std::string t :
         {"  {{> line}}\n", "a {{> line}} b\n", "\t{{> inner}}\nafter\n", "{{#items}}\n    {{> inner}}\n{{/items}}\n",
          "  {{> section}}\n", "{{> missing}}|\n  {{> missing}}\n", "   {{>noeol}}\nx", "  {{> line}}"}) {
      INFO(t);
      const auto [compiled, expected] = both(t, data, partials);
      CHECK(compiled == expected);
    }
  }
}
