// Letters that fit the person who reads them (issue 14, items 4, 7 and 9), rendered from the
// sample inputs and their variants with the shipped templates, rule book and support services:
// children written to through a parent, support services chosen by age and offence, promised
// timescales the rule book carries out, and sentences of at most 25 words.

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>
#include <set>

#include <catch2/catch.hpp>

#include <Poco/JSON/Parser.h>
#include <Poco/TemporaryFile.h>

#include "domain/letter.h"
#include "letters/letter_context.h"
#include "loading/policy_files.h"
#include "rendering/template_set.h"
#include "support/plain_english.h"

using namespace vc;  // NOLINT
namespace fs = std::filesystem;
using Poco::JSON::Object;

namespace {

const std::string kTemplates = VC_SOURCE_DIR "/letter_templates";

const domain::WorkingDayCalendar& calendar() {
  static const domain::WorkingDayCalendar kCalendar =
      loading::loadCalendar(VC_SOURCE_DIR "/config/calendars/england-and-wales.json");
  return kCalendar;
}

// The rule book as shipped: every rule set in config/rules.
const domain::RuleBook& ruleBook() {
  static const domain::RuleBook kBook = [] {
    std::vector<std::string> files;
    for (const auto& f : fs::directory_iterator(VC_SOURCE_DIR "/config/rules"))
      if (f.path().extension() == ".json") files.push_back(f.path().string());
    std::sort(files.begin(), files.end());
    return loading::loadRuleBook(files);
  }();
  return kBook;
}

std::vector<std::string> letterKinds() {
  std::set<std::string> kinds;
  for (const auto& set : ruleBook().sets())
    for (const auto& r : set.rules)
      if (domain::obligationNeedsLetter(r.kind, r.recipient, r.template_name)) kinds.insert(r.template_name);
  return {kinds.begin(), kinds.end()};
}

const letters::SupportServices& configured() {
  static const letters::SupportServices kServices =
      loading::loadSupportServices(VC_SOURCE_DIR "/config/letters/support-services.json");
  return kServices;
}

const rendering::TemplateSet& templates() {
  static const rendering::TemplateSet kSet = rendering::TemplateSet::load(
      kTemplates, letterKinds(), {"en", "cy"}, letters::letterContextSchema(calendar()),
      [](const std::string& kind, const std::string& lang) {
        return letters::buildLetterContext(letters::sampleInputs(kind, lang), calendar()).data;
      });
  return kSet;
}

Object::Ptr parse(const std::string& json) {
  Poco::JSON::Parser p;
  return p.parse(json).extract<Object::Ptr>();
}

letters::LetterContext contextOf(letters::LetterInputs in) {
  in.support = &configured();
  return letters::buildLetterContext(in, calendar());
}

std::string textOf(const letters::LetterInputs& in, const std::string& lang = "en") {
  return templates().render(in.kind, lang, contextOf(in).data).text;
}

bool has(const std::string& text, const std::string& s) { return text.find(s) != std::string::npos; }

void setTrigger(letters::LetterInputs& in, const std::string& json) {
  in.trigger = parse(json);
  in.timeline[1] = in.trigger;
}

// Every branch of a kind the sample can reach: the trigger events a letter is written for,
// and the outcomes it prints differently.
std::vector<std::pair<std::string, std::function<void(letters::LetterInputs&)>>> branches(const std::string& kind) {
  auto trigger = [](const std::string& body) {
    return [body](letters::LetterInputs& in) {
      setTrigger(in, R"j({"id":"sample-e5","occurred_at":"2026-04-02T15:20:00+01:00","case_urn":"52SW0100126",)j" +
                         body + "}");
    };
  };
  std::vector<std::pair<std::string, std::function<void(letters::LetterInputs&)>>> out = {
      {"sample", [](letters::LetterInputs&) {}}};
  if (kind == "discontinuance")
    out.push_back({"no evidence offered", trigger(R"j("type":"case.discontinued","scope":"no_evidence_offered","reasons":"The key witness could not be found.")j")});
  if (kind == "charges_altered")
    out.push_back({"partial discontinuance", trigger(R"j("type":"case.discontinued","scope":"partial","reasons":"One charge could not be proved.")j")});
  if (kind == "rasso_charge")
    out.push_back({"no first hearing yet", trigger(R"j("type":"charging.decided","decision":"charge","charges":["Rape - sample"])j")});
  if (kind == "vrr_outcome")
    out.push_back({"overturned", [](letters::LetterInputs& in) { in.timeline[2]->set("outcome", std::string("overturned")); }});
  if (kind == "bereaved_family_meeting")
    for (const std::string& body :
         {std::string(R"j("type":"charging.decided","decision":"charge","charges":["Murder - sample"])j"),
          std::string(R"j("type":"charging.decided","decision":"no_further_action","reasons":"Not enough evidence.")j"),
          std::string(R"j("type":"charges.altered","substantial":true,"charges":["Manslaughter - sample"])j"),
          std::string(R"j("type":"case.discontinued","scope":"all","reasons":"Not enough evidence.")j"),
          std::string(R"j("type":"verdict.recorded","outcome":"acquitted")j"),
          std::string(R"j("type":"sentence.passed","summary":"Life imprisonment (sample).")j"),
          std::string(R"j("type":"appeal.lodged","by":"defence","leave_granted":true)j")})
      out.push_back({body, trigger(body)});
  return out;
}

std::vector<std::string> variantNames(const std::string& kind) {
  std::vector<std::string> v = {""};
  for (const auto& name : letters::sampleVariants(kind)) v.push_back(name);
  return v;
}

// The number a promise names: "one working day", "5 working days", "thirty working days".
int numberOf(const std::string& word) {
  static const std::map<std::string, int> kWords = {{"one", 1},  {"two", 2},    {"three", 3}, {"four", 4},
                                                    {"five", 5}, {"ten", 10},   {"twenty", 20}, {"thirty", 30},
                                                    {"a", 1}};
  auto it = kWords.find(word);
  if (it != kWords.end()) return it->second;
  return std::all_of(word.begin(), word.end(), ::isdigit) && !word.empty() ? std::stoi(word) : -1;
}

const domain::RuleDef& rule(const std::string& id) {
  for (const auto& set : ruleBook().sets())
    for (const auto& r : set.rules)
      if (r.id == id) return r;
  FAIL("the rule book has no rule " << id);
  throw std::logic_error("unreachable");
}

}  // namespace

// ---- item 9: sentences of at most 25 words ------------------------------------------------------

TEST_CASE("The sentence splitter counts headings and list items and leaves out the address and signature",
          "[rendering][plain]") {
  const std::string text =
      "CPS\n1 Example Street\n\nDear Sam,\n\nTitle\n=====\n\nOne two. Three s.1) four www.example.org five.\n"
      "- an item\n1. another item\n\nYours sincerely,\n\nAda Prosecutor\n";
  CHECK(testing::letterSentences(text) ==
        std::vector<std::string>{"Title", "One two.", "Three s.1) four www.example.org five.", "an item", "another item"});
  CHECK(testing::wordCount("Phone 08 08 16 89 111 (free, every day and night).") == 11);
  CHECK(testing::wordCount("A - B") == 2);
}

TEST_CASE("Every letter, in every branch the sample reaches, keeps each English sentence to 25 words",
          "[rendering][plain]") {
  size_t checked = 0;
  for (const auto& kind : letterKinds())
    for (const auto& variant : variantNames(kind))
      for (const bool enhanced : {true, false})
        for (const auto& [branch, apply] : branches(kind)) {
          letters::LetterInputs in = letters::sampleInputs(kind, "en", variant);
          in.victim_enhanced = enhanced;
          apply(in);
          const std::string text = textOf(in);
          for (const auto& s : testing::letterSentences(text)) {
            ++checked;
            INFO(kind << " / variant '" << variant << "' / " << (enhanced ? "enhanced" : "standard") << " / " << branch);
            INFO(s);
            CHECK(testing::wordCount(s) <= 25);
          }
        }
  CHECK(checked > 1000);
}

TEST_CASE("The legal test is explained once, in one plain sentence, after the case's own reasons", "[rendering][plain]") {
  for (const std::string kind : {"decision_not_to_prosecute", "discontinuance"}) {
    INFO(kind);
    letters::LetterInputs in = letters::sampleInputs(kind, "en");
    in.fields["reasons"] = "REASONS-START The case's own reasons. REASONS-END";
    const std::string text = textOf(in);
    const auto reasons = text.find("REASONS-END");
    REQUIRE(reasons != std::string::npos);
    const auto legal = text.find("realistic prospect of conviction");
    REQUIRE(legal != std::string::npos);
    CHECK(legal > reasons);
    CHECK(text.find("realistic prospect of conviction", legal + 1) == std::string::npos);  // once
    CHECK(text.find("public interest") > reasons);
    // The sentence that carries it names both halves of the test.
    for (const auto& s : testing::letterSentences(text))
      if (has(s, "realistic prospect of conviction")) CHECK(has(s, "public interest"));
  }
}

// ---- item 7: every promised timescale is one the rule book schedules -----------------------------

TEST_CASE("Every timescale a letter promises, for either tier, is the one the rule carrying it schedules",
          "[rendering][promises]") {
  // Each promise, by the sentence it is in, and the rules that carry it out: every one of them must
  // schedule the promised number of working days for the reader's tier. A timescale that matches
  // no entry is a promise no rule carries, and fails.
  struct Carrier {
    std::regex sentence;
    std::vector<std::string> rules;  // empty: not a promise of ours (why in `note`)
    std::string note;
  };
  const std::vector<Carrier> carriers = {
      // rasso_introduction: the charging decision is told by RASSO-CHARGE (a charge) or VCL-NFA (no charge).
      {std::regex("tell (you|you and .*) (the|our) decision within"), {"RASSO-CHARGE", "VCL-NFA"}, ""},
      // rights_summary (enhanced): decisions to charge, not to charge, stop or alter the case.
      {std::regex("about important decisions within"), {"VCL-NFA", "VCL-DISC", "VCL-ALT", "RASSO-CHARGE"}, ""},
      {std::regex("outcome within"), {"VRR-OUT"}, ""},
      // The Victims' Right to Review: the reader's own time to ask, not something we do.
      {std::regex("working days (from|after) the date of this letter"), {}, "the reader's time to ask for a review"},
  };
  const std::regex timescale(R"(\b(\w+) working days?\b)");
  size_t promises = 0;
  std::set<std::string> problems;  // each once, however many letters make the same promise
  for (const auto& kind : letterKinds())
    for (const auto& variant : variantNames(kind))
      for (const bool enhanced : {true, false})
        for (const auto& [branch, apply] : branches(kind)) {
          letters::LetterInputs in = letters::sampleInputs(kind, "en", variant);
          in.victim_enhanced = enhanced;
          apply(in);
          for (const auto& s : testing::letterSentences(textOf(in))) {
            for (auto m = std::sregex_iterator(s.begin(), s.end(), timescale); m != std::sregex_iterator(); ++m) {
              ++promises;
              const int days = numberOf((*m)[1].str());
              const std::string where = kind + " (" + (enhanced ? "enhanced" : "standard") + "): \"" + s + "\"";
              const auto carrier = std::find_if(carriers.begin(), carriers.end(),
                                                [&](const Carrier& c) { return std::regex_search(s, c.sentence); });
              if (days <= 0 || carrier == carriers.end()) {
                problems.insert(where + " promises a timescale no rule carries");
                continue;
              }
              for (const auto& id : carrier->rules) {
                const domain::RuleDef& r = rule(id);
                const int scheduled = enhanced ? r.enhanced_days : r.standard_days;
                if (scheduled != days)
                  problems.insert(where + " promises " + std::to_string(days) + " working day(s), but " + id +
                                  " schedules " + std::to_string(scheduled));
              }
            }
          }
        }
  CHECK(promises > 0);
  for (const auto& p : problems) FAIL_CHECK(p);
}

// ---- item 4: children, and support chosen for the reader -----------------------------------------

TEST_CASE("A letter to a child with no parent or guardian recorded is blocked until one is", "[rendering][children]") {
  letters::LetterInputs in = letters::sampleInputs("decision_not_to_prosecute", "en", "child-no-guardian");
  std::vector<std::string> codes;
  for (const auto& b : contextOf(in).blocked_by) codes.push_back(b.code);
  CHECK(codes == std::vector<std::string>{"representative"});
  CHECK(has(contextOf(in).blocked_by[0].message, "parent or guardian for Mia"));

  // 18 on the letter's date: an adult, written to directly, even if the entitlement saw a child.
  in.profile->set("date_of_birth", std::string("2008-04-07"));
  CHECK(contextOf(in).blocked_by.empty());
  in.profile->set("date_of_birth", std::string("2008-04-08"));  // 18 tomorrow
  CHECK(contextOf(in).blocked_by.size() == 1);

  in.profile->set("representative", parse(R"j({"relationship":"parent_or_guardian","name":"Dee Example","address":"3 Example Road, ZZ3 3CC"})j"));
  CHECK(contextOf(in).blocked_by.empty());
}

TEST_CASE("A letter to a parent speaks to the parent throughout and names the child", "[rendering][children]") {
  for (const auto& kind : letterKinds()) {
    INFO(kind);
    letters::LetterInputs in = letters::sampleInputs(kind, "en", "child-with-parent");
    const letters::LetterContext ctx = contextOf(in);
    CHECK(ctx.blocked_by.empty());
    const std::string text = templates().render(kind, "en", ctx.data).text;
    CHECK(has(text, "Dear Rhian Example,"));
    CHECK(has(text, "Mia"));
    // Words that would be wrong said to a parent about their child's case.
    for (const std::string wrong : {"what you told the police", "help you give evidence", "you give evidence",
                                    "you do not see the defendant", "your evidence", "your account", "your interview",
                                    "your video-recorded interview", "you are entitled to enhanced rights",
                                    "your ISVA", "Your Independent Sexual", "you are asked to give evidence",
                                    "you may be asked to give evidence", "you need to give evidence",
                                    "you will give"}) {
      INFO(wrong);
      CHECK_FALSE(has(text, wrong));
    }
    const std::string welsh = templates().render(kind, "cy", contextOf(letters::sampleInputs(kind, "cy", "child-with-parent")).data).text;
    CHECK(has(welsh, "Annwyl Rhian Example,"));
    CHECK(has(welsh, "Mia"));
    const std::string welsh_half = welsh.substr(0, welsh.find("Dear Rhian Example,"));
    for (const std::string wrong : {"a ddywedoch wrth yr heddlu", "Eich hawliau", "eich ISVA", "Eich Cynghorydd",
                                    "gennych hawl i hawliau uwch", "gofynnir i chi roi tystiolaeth",
                                    "angen i chi roi tystiolaeth"}) {
      INFO(wrong);
      CHECK_FALSE(has(welsh_half, wrong));
    }
  }
  const std::string sm = textOf(letters::sampleInputs("special_measures_meeting", "en", "child-with-parent"));
  CHECK(has(sm, "which of these would help Mia."));
  CHECK(has(sm, "so Mia may be asked to give evidence"));
}

TEST_CASE("Support services are chosen by the victim's age and the case's offences, from the configured file",
          "[rendering][children]") {
  auto services = [](const std::string& variant, const std::string& offence = "") {
    letters::LetterInputs in = letters::sampleInputs("discontinuance", "en", variant);
    if (!offence.empty()) in.case_details->set("offences", parse("{\"o\":[\"" + offence + "\"]}")->get("o"));
    return textOf(in);
  };
  const std::string adult = services("");  // an adult, rape case
  CHECK(has(adult, "Victim Support. Free, private help for anyone affected by crime. Phone 08 08 16 89 111"));
  CHECK(has(adult, "247sexualabusesupport.org.uk"));
  CHECK_FALSE(has(adult, "Childline"));

  const std::string child = services("child-with-parent", "rape");  // 11: Childline, not the 16+ line
  CHECK(has(child, "Childline. Free, private help for children and young people under 19. Phone 0800 1111"));
  CHECK_FALSE(has(child, "247sexualabusesupport.org.uk"));
  CHECK(has(child, "Victim Support"));

  const std::string teen = services("teen-rape");  // 16 on a rape case: both
  CHECK(has(teen, "Childline"));
  CHECK(has(teen, "247sexualabusesupport.org.uk"));

  CHECK(has(services("", "domestic_abuse"), "National Domestic Abuse Helpline. Free, private help for anyone affected by domestic abuse. Phone 0808 2000 247"));
  // The homicide service is for bereaved families: not for an injured survivor of the same attack.
  CHECK(has(services("bereaved", "homicide"), "National Homicide Service"));
  CHECK_FALSE(has(services("", "homicide"), "National Homicide Service"));
  CHECK(has(services("", "hate_crime"), "Stop Hate UK"));
  CHECK(has(services("", "modern_slavery"), "08000 121 700"));
  const std::string other = services("", "other");
  CHECK_FALSE(has(other, "247sexualabusesupport.org.uk"));
  CHECK_FALSE(has(other, "National Domestic Abuse Helpline"));

  // Welsh letters give the Welsh text.
  const std::string cy = templates().render("discontinuance", "cy", contextOf(letters::sampleInputs("discontinuance", "cy", "child-with-parent")).data).text;
  CHECK(has(cy, "Help am ddim a phreifat i blant a phobl ifanc dan 19 oed."));
}

TEST_CASE("'We do believe you' goes only to a complainant in a sexual-offence, domestic-abuse or child-abuse case",
          "[rendering][children]") {
  auto says = [](const std::string& offence, const std::string& variant = "", bool bereaved = false) {
    letters::LetterInputs in = letters::sampleInputs("decision_not_to_prosecute", "en", variant);
    in.case_details->set("offences", parse("{\"o\":[\"" + offence + "\"]}")->get("o"));
    if (bereaved) in.profile->set("flags", parse(R"j({"o":["bereaved_relative"]})j")->get("o"));
    const std::string text = textOf(in);
    return has(text, "does not mean that we do not believe") || has(text, "does not mean we do not believe");
  };
  CHECK(says("rape"));
  CHECK(says("sexual_offence"));
  CHECK(says("domestic_abuse"));
  CHECK(says("child_abuse", "child-with-parent"));
  CHECK_FALSE(says("other"));
  CHECK_FALSE(says("gbh_with_intent"));
  CHECK_FALSE(says("domestic_abuse", "", true));  // a bereaved relative made no complaint
  // To a parent, about what the child said.
  letters::LetterInputs in = letters::sampleInputs("decision_not_to_prosecute", "en", "child-with-parent");
  CHECK(has(textOf(in), "what Mia told the police"));
}

TEST_CASE("A support services file that is wrong stops the load, saying what is wrong", "[rendering][children]") {
  auto error = [](const std::string& json) {
    Poco::TemporaryFile f;
    std::ofstream(f.path()) << json;
    try {
      loading::loadSupportServices(f.path());
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  CHECK(has(error(R"({"services":[{"id":"a","name":"A","about_en":"x","about_cy":"y"}]})"), "needs a phone number or a web address"));
  CHECK(has(error(R"({"services":[{"id":"a","name":"A","about_en":"x","about_cy":"y","web":"w","offences":["rapee"]}]})"),
            "'rapee' is not an offence category"));
  CHECK(has(error(R"({"services":[{"id":"a","name":"A","about_en":"x","web":"w"}]})"), "'about_cy' is required"));
  CHECK(has(error(R"({"services":[{"id":"a","name":"A","about_en":"x","about_cy":"y","web":"w","max_age":"17"}]})"),
            "'max_age' must be a whole number"));
  CHECK(has(error(R"({"services":[{"id":"a","name":"A","about_en":"x","about_cy":"y","web":"w"},{"id":"a","name":"B","about_en":"x","about_cy":"y","web":"w"}]})"),
            "used twice"));
  CHECK(has(error(R"({"x":1})"), "'services'"));
  CHECK(has(error(R"({"services":[]})"), "at least one service"));
  CHECK(configured().size() >= 7);
}
