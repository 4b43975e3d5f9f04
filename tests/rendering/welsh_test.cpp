// Welsh as a Welsh reader expects it, checked on every Welsh template as it
// renders: every letter kind (in every branch the sample triggers reach, with
// and without the officer's Welsh text, and with a translation or Easy Read
// attached) and the ISVA notification for every event it covers. A date after
// "ar" takes the soft mutation ("ar ddydd Iau 2 Ebrill 2026"), and a day name
// mid-sentence is lower-case ("erbyn dydd Mawrth 21 Ebrill 2026").

#include <regex>
#include <set>

#include <catch2/catch.hpp>

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "domain/letter.h"
#include "letters/letter_context.h"
#include "loading/policy_files.h"
#include "notifications/notification_context.h"
#include "notifications/notification_service.h"
#include "rendering/template_set.h"

using namespace vc;  // NOLINT

namespace {

const std::string kTemplates = VC_SOURCE_DIR "/letter_templates";

const domain::WorkingDayCalendar& calendar() {
  static const domain::WorkingDayCalendar kCalendar =
      loading::loadCalendar(VC_SOURCE_DIR "/config/calendars/england-and-wales.json");
  return kCalendar;
}

std::vector<std::string> letterKinds() {
  std::set<std::string> kinds;
  const domain::RuleBook book = loading::loadRuleBook({VC_SOURCE_DIR "/config/rules/victims-code-2020.json"});
  for (const auto& set : book.sets())
    for (const auto& r : set.rules)
      if (domain::obligationNeedsLetter(r.kind, r.recipient, r.template_name)) kinds.insert(r.template_name);
  return {kinds.begin(), kinds.end()};
}

const rendering::TemplateSet& templates() {
  static const rendering::TemplateSet kSet = rendering::TemplateSet::load(
      kTemplates, letterKinds(), {"en", "cy"}, letters::letterContextSchema(calendar()),
      [](const std::string& kind, const std::string& lang) {
        return letters::buildLetterContext(letters::sampleInputs(kind, lang), calendar()).data;
      });
  return kSet;
}

Poco::JSON::Object::Ptr parse(const std::string& json) {
  Poco::JSON::Parser p;
  return p.parse(json).extract<Poco::JSON::Object::Ptr>();
}

// Every trigger the letters branch on, so each {{#...}} section that holds a date is reached.
std::vector<std::string> triggers() {
  const std::string head = R"j({"id":"sample-e5","occurred_at":"2026-04-02T15:20:00+01:00","case_urn":"52SW0100126",)j";
  return {
      head + R"j("type":"charging.decided","decision":"no_further_action","reasons":"Sample reasons."})j",
      head + R"j("type":"charging.decided","decision":"charge","charges":["Sample charge"],"first_hearing":{"date":"2026-04-16","court":"Sample Court"}})j",
      head + R"j("type":"charging.decided","decision":"charge","charges":["Sample charge"]})j",
      head + R"j("type":"charging.referred","kind":"full_code_test"})j",
      head + R"j("type":"case.discontinued","scope":"all","reasons":"Sample reasons."})j",
      head + R"j("type":"case.discontinued","scope":"partial","reasons":"Sample reasons."})j",
      head + R"j("type":"case.discontinued","scope":"no_evidence_offered","reasons":"Sample reasons."})j",
      head + R"j("type":"charges.altered","substantial":true,"charges":["Sample charge"],"reasons":"Sample reasons."})j",
      head + R"j("type":"plea.entered","plea":"not_guilty"})j",
      head + R"j("type":"verdict.recorded","outcome":"convicted"})j",
      head + R"j("type":"verdict.recorded","outcome":"acquitted"})j",
      head + R"j("type":"sentence.passed","summary":"Sample sentence."})j",
      head + R"j("type":"appeal.lodged","by":"defence","leave_granted":true})j",
      head + R"j("type":"vrr.requested","victim_id":"v-sample","received_at":"2026-04-02T15:20:00+01:00"})j",
  };
}

// What is wrong with the Welsh in `text`: unmutated dates after "ar", and capitalised day names mid-sentence.
std::vector<std::string> welshProblems(const std::string& text) {
  std::vector<std::string> problems;
  static const std::string kDays = "(Llun|Mawrth|Mercher|Iau|Gwener|Sadwrn|Sul)";
  static const std::regex kUnmutated("\\b[Aa]r\\s+[Dd]ydd\\s+" + kDays);
  static const std::regex kCapitalised("Dd?ydd\\s+" + kDays);
  for (std::sregex_iterator it(text.begin(), text.end(), kUnmutated), end; it != end; ++it)
    problems.push_back("not mutated after \"ar\": \"" + it->str() + "\"");
  for (std::sregex_iterator it(text.begin(), text.end(), kCapitalised), end; it != end; ++it) {
    const std::string found = it->str();
    if (found[0] != 'D') continue;
    // A capital is right only where a sentence, a line or a heading starts.
    size_t at = static_cast<size_t>(it->position());
    while (at > 0 && (text[at - 1] == ' ' || text[at - 1] == '\t')) --at;
    const bool starts = at == 0 || std::string(".!?:\n>").find(text[at - 1]) != std::string::npos;
    if (!starts) problems.push_back("a capital day name mid-sentence: \"" + text.substr(it->position() > 20 ? it->position() - 20 : 0, 20 + found.size()) + "\"");
  }
  return problems;
}

}  // namespace

TEST_CASE("The check finds what a Welsh reader would notice", "[rendering][welsh]") {
  CHECK(welshProblems("Gwnaethom y penderfyniad hwn ar ddydd Iau 2 Ebrill 2026.").empty());
  CHECK(welshProblems("Gofynnwch erbyn dydd Mawrth 21 Ebrill 2026.").empty());
  CHECK(welshProblems("Dydd Mawrth 21 Ebrill 2026").empty());
  CHECK(welshProblems("ar Dydd Iau 2 Ebrill 2026").size() == 2);  // unmutated, and a capital after "ar"
  CHECK(welshProblems("hwn ar Dydd Iau 2 Ebrill 2026").size() == 2);  // unmutated, and a capital mid-sentence
  CHECK(welshProblems("hwn ar dydd Iau 2 Ebrill 2026").size() == 1);
  CHECK(welshProblems("erbyn Dydd Mawrth 21 Ebrill 2026").size() == 1);
  CHECK(welshProblems("ar Ddydd Iau").size() == 1);  // mutated, but a capital mid-sentence
}

TEST_CASE("Welsh dates: the forms a sentence needs", "[rendering][welsh]") {
  const domain::Date d(2026, 4, 2);
  CHECK(domain::welshLongDate(d) == "Dydd Iau 2 Ebrill 2026");
  CHECK(domain::welshLongDateInSentence(d) == "dydd Iau 2 Ebrill 2026");
  CHECK(domain::welshOnDate(d) == "ar ddydd Iau 2 Ebrill 2026");
  CHECK(domain::welshOnDate(domain::Date(2026, 4, 7)) == "ar ddydd Mawrth 7 Ebrill 2026");
}

TEST_CASE("Every Welsh letter, in every branch, mutates its dates and keeps day names lower-case",
          "[rendering][welsh]") {
  const std::string kind = GENERATE(from_range(letterKinds()));
  std::vector<std::string> variants = {""};
  for (const auto& name : letters::sampleVariants(kind)) variants.push_back(name);
  const std::string variant = GENERATE_COPY(from_range(variants));
  const bool welsh_text = GENERATE(true, false);  // the officer's Welsh given, or the English shown in its place
  const std::string outcome = GENERATE(as<std::string>{}, "upheld", "overturned");
  size_t rendered = 0;
  for (const std::string& trigger : triggers()) {
    letters::LetterInputs in = letters::sampleInputs(kind, "cy", variant);
    in.trigger = parse(trigger);
    in.timeline[1] = in.trigger;
    in.timeline[2]->set("outcome", outcome);
    if (!welsh_text) {
      in.fields.erase("reasons_cy");
      in.fields.erase("free_text_cy");
    }
    const rendering::RenderedLetter r = templates().render(kind, "cy", letters::buildLetterContext(in, calendar()).data);
    ++rendered;
    INFO(kind << " (variant '" << variant << "', trigger " << in.trigger->getValue<std::string>("type") << ")");
    CHECK(welshProblems(r.text) == std::vector<std::string>{});
  }
  CHECK(rendered == triggers().size());
}

TEST_CASE("The Welsh letters that date a decision or a hearing say \"ar ddydd\"", "[rendering][welsh]") {
  auto text = [](const std::string& kind) {
    return templates().render(kind, "cy", letters::buildLetterContext(letters::sampleInputs(kind, "cy"), calendar()).data)
        .text;
  };
  CHECK(text("decision_not_to_prosecute").find("Gwnaethom y penderfyniad hwn ar ddydd Iau 2 Ebrill 2026.") !=
        std::string::npos);
  CHECK(text("decision_not_to_prosecute").find("Gofynnwch erbyn dydd Mawrth 21 Ebrill 2026") != std::string::npos);
  CHECK(text("rasso_charge").find("Mae'r gwrandawiad cyntaf ar ddydd Iau 16 Ebrill 2026") != std::string::npos);
  CHECK(text("familiarisation_meeting").find("ddechrau ar ddydd Llun 15 Mehefin 2026") != std::string::npos);
  CHECK(text("vrr_acknowledgement").find("Cawsom eich cais ar ddydd Iau 2 Ebrill 2026.") != std::string::npos);
}

TEST_CASE("The Welsh ISVA notification, for every event it covers, mutates its dates", "[rendering][welsh]") {
  const rendering::TemplateSet set = notifications::loadNotificationTemplates(kTemplates + "/notifications");
  for (const std::string& event : notifications::sampleNotificationEvents()) {
    INFO(event);
    const auto ctx = notifications::buildNotificationContext(notifications::sampleNotificationInputs(event, "cy"));
    const rendering::RenderedLetter r = set.render(notifications::kNotificationKind, "cy", ctx.data);
    CHECK(r.text.find("Annwyl") != std::string::npos);
    CHECK(welshProblems(r.text) == std::vector<std::string>{});
  }
}
