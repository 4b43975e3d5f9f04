// The letter templates in letter_templates/, loaded and checked as the daemon
// does at start, and rendered with the letter context: every kind in both
// languages, escaping, holes, and what the load check refuses.

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

#include <catch2/catch.hpp>

#include <Poco/TemporaryFile.h>

#include "domain/letter.h"
#include "letters/letter_context.h"
#include "loading/policy_files.h"
#include "rendering/html_text.h"
#include "rendering/template_check.h"
#include "rendering/template_set.h"

using namespace vc;  // NOLINT
namespace fs = std::filesystem;

namespace {

const std::string kTemplates = VC_SOURCE_DIR "/letter_templates";

const domain::WorkingDayCalendar& calendar() {
  static const domain::WorkingDayCalendar kCalendar =
      loading::loadCalendar(VC_SOURCE_DIR "/config/calendars/england-and-wales.json");
  return kCalendar;
}

// The letter kinds the rule book asks for: every letter and meeting rule's template.
std::vector<std::string> letterKinds() {
  std::set<std::string> kinds;
  const domain::RuleBook book = loading::loadRuleBook({VC_SOURCE_DIR "/config/rules/victims-code-2020.json"});
  for (const auto& set : book.sets())
    for (const auto& r : set.rules)
      if (domain::obligationNeedsLetter(r.kind, r.recipient, r.template_name)) kinds.insert(r.template_name);
  return {kinds.begin(), kinds.end()};
}

const std::vector<std::string> kLanguages = {"en", "cy"};

// The sample with the shipped support services (the built-in sample's are only for the load check).
const letters::SupportServices& supportServices() {
  static const letters::SupportServices kServices =
      loading::loadSupportServices(VC_SOURCE_DIR "/config/letters/support-services.json");
  return kServices;
}

letters::LetterInputs sampleWithServices(const std::string& kind, const std::string& lang) {
  letters::LetterInputs in = letters::sampleInputs(kind, lang);
  in.support = &supportServices();
  return in;
}

rendering::Value sample(const std::string& kind, const std::string& lang) {
  return letters::buildLetterContext(sampleWithServices(kind, lang), calendar()).data;
}

rendering::TemplateSet loadFrom(const std::string& dir) {
  return rendering::TemplateSet::load(dir, letterKinds(), kLanguages, letters::letterContextSchema(calendar()), sample);
}

const rendering::TemplateSet& templates() {
  static const rendering::TemplateSet kSet = loadFrom(kTemplates);
  return kSet;
}

// A copy of letter_templates/ to break on purpose.
struct TemplateCopy {
  Poco::TemporaryFile dir;
  TemplateCopy() {
    dir.createDirectories();
    fs::copy(kTemplates, dir.path(), fs::copy_options::recursive);
  }
  std::string path(const std::string& relative) const { return dir.path() + "/" + relative; }
  void replaceIn(const std::string& relative, const std::string& from, const std::string& to) const {
    std::ifstream in(path(relative));
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    text.replace(at, from.size(), to);
    std::ofstream(path(relative)) << text;
  }
};

std::string loadError(const std::string& dir) {
  try {
    loadFrom(dir);
  } catch (const rendering::TemplateError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("The rule book's letter kinds are the ten letters of rules.md and VRR-EXT's", "[rendering]") {
  CHECK(letterKinds() == std::vector<std::string>{"bereaved_family_meeting", "charges_altered", "decision_not_to_prosecute",
                                                  "discontinuance", "familiarisation_meeting", "rasso_charge",
                                                  "rasso_introduction", "special_measures_meeting", "vrr_acknowledgement",
                                                  "vrr_extension", "vrr_outcome"});
}

TEST_CASE("Every letter renders in English and in Welsh from a full context, with nothing missing", "[rendering]") {
  const std::string kind = GENERATE(from_range(letterKinds()));
  const std::string lang = GENERATE(from_range(kLanguages));
  INFO(kind << "." << lang);
  const letters::LetterContext ctx = letters::buildLetterContext(sampleWithServices(kind, lang), calendar());
  CHECK(ctx.blocked_by.empty());
  const rendering::RenderedLetter r = templates().render(kind, lang, ctx.data);
  CHECK(r.holes.empty());
  CHECK(r.template_version.rfind(kind + "." + lang + "@", 0) == 0);
  CHECK(r.html.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(rendering::unsupportedTags(r.html).empty());
  // Addressed, dated, referenced and signed, in the plain text as in the HTML.
  for (const std::string& s : {std::string("Dear Mx Example,"), std::string("Mx Sam Example"), std::string("ZZ1 1AA"),
                               std::string("52SW0100126/l-0"), std::string("7 April 2026"), std::string("Yours sincerely,"),
                               std::string("08 08 16 89 111")}) {
    INFO(s);
    CHECK(r.text.find(s) != std::string::npos);
  }
  // Signed by the prosecutor who made the decision; a review's outcome by the reviewer, its acknowledgement by
  // the other review letters by the Victim Liaison Officer (never by the prosecutor whose decision is being reviewed).
  const std::string signer = kind == "vrr_outcome"          ? "Rhys Reviewer"
                             : kind.rfind("vrr_", 0) == 0 ? "Bea Liaison"
                                                          : "Ada Prosecutor";
  CHECK(r.text.find(signer) != std::string::npos);
  if (kind.rfind("vrr_", 0) == 0) CHECK(r.text.find("Ada Prosecutor") == std::string::npos);
  CHECK(r.text.find("{{") == std::string::npos);
  CHECK(r.text.find('<') == std::string::npos);  // no markup left in the text form
  if (lang == "cy") {
    // Bilingual, Welsh first.
    const auto welsh = r.text.find("Annwyl Mx Example,"), english = r.text.find("Dear Mx Example,");
    REQUIRE(welsh != std::string::npos);
    REQUIRE(english != std::string::npos);
    CHECK(welsh < english);
    CHECK(r.text.find("Yn gywir,") < english);
    CHECK(r.html.find("<html lang=\"cy\">") != std::string::npos);
  } else {
    CHECK(r.text.find("Annwyl") == std::string::npos);
    CHECK(r.html.find("<html lang=\"en-GB\">") != std::string::npos);
  }
}

TEST_CASE("The decision letters carry the reasons, the review rights where they apply, and the meeting offer",
          "[rendering]") {
  auto text = [](const std::string& kind) {
    return templates().render(kind, "en", sample(kind, "en")).text;
  };
  const std::string nfa = text("decision_not_to_prosecute");
  CHECK(nfa.find("there is not enough evidence to give a realistic prospect of conviction") != std::string::npos);
  CHECK(nfa.find("Victims' Right to Review") != std::string::npos);
  // 10 working days after Tuesday 7 April 2026 is Tuesday 21 April; three months is 7 July.
  CHECK(nfa.find("Please ask by Tuesday 21 April 2026") != std::string::npos);
  CHECK(nfa.find("(by 7 July 2026)") != std::string::npos);
  CHECK(nfa.find("offer you a meeting with the prosecutor") != std::string::npos);  // a rape case is a specified case
  CHECK(nfa.find("Jo Advocate") != std::string::npos);
  CHECK(nfa.find("247sexualabusesupport.org.uk") != std::string::npos);
  CHECK(nfa.find("enhanced rights") != std::string::npos);
  CHECK(nfa.find("If you would like us to send future letters in large print") != std::string::npos);  // free text

  const std::string altered = text("charges_altered");
  CHECK(nfa.find("If you disagree with our decision") != std::string::npos);
  CHECK(altered.find("If you disagree with our decision") == std::string::npos);  // altering charges is not reviewable
  CHECK(altered.find("- Sexual assault (Sexual Offences Act 2003, s.3) - sample") != std::string::npos);

  CHECK(text("rasso_charge").find("The first hearing is on Thursday 16 April 2026 at Sampleford Magistrates' Court") !=
        std::string::npos);
  CHECK(text("familiarisation_meeting").find("The trial is due to start on Monday 15 June 2026") != std::string::npos);
  CHECK(text("vrr_outcome").find("the original decision was right") != std::string::npos);
  CHECK(text("vrr_acknowledgement").find("We received your request on Thursday 2 April 2026") != std::string::npos);
}

TEST_CASE("A victim's name and the officer's text are escaped in the HTML and plain in the text", "[rendering]") {
  letters::LetterInputs in = letters::sampleInputs("decision_not_to_prosecute", "en");
  in.profile->getObject("name")->set("given", std::string("<script>alert(1)</script>"));
  in.fields["reasons"] = "Because \"A & B\" said <b>so</b>.";
  const rendering::RenderedLetter r =
      templates().render("decision_not_to_prosecute", "en", letters::buildLetterContext(in, calendar()).data);
  CHECK(r.html.find("<script") == std::string::npos);
  CHECK(r.html.find("&lt;script&gt;alert(1)&lt;&#x2F;script&gt;") != std::string::npos);
  CHECK(r.html.find("<b>so</b>") == std::string::npos);
  CHECK(r.html.find("&quot;A &amp; B&quot; said &lt;b&gt;so&lt;&#x2F;b&gt;.") != std::string::npos);
  CHECK(r.text.find("Mx <script>alert(1)</script> Example") != std::string::npos);
  CHECK(r.text.find("Because \"A & B\" said <b>so</b>.") != std::string::npos);
}

TEST_CASE("A letter missing required content lists what is missing", "[rendering]") {
  SECTION("a decision letter without the prosecutor's reasons, to a victim with no address, in an Area with no unit") {
    letters::LetterInputs in = letters::sampleInputs("decision_not_to_prosecute", "en");
    in.trigger->remove("reasons");
    in.profile->remove("address");
    in.vlu = nullptr;
    const letters::LetterContext ctx = letters::buildLetterContext(in, calendar());
    std::vector<std::string> codes;
    for (const auto& b : ctx.blocked_by) codes.push_back(b.code);
    CHECK(codes == std::vector<std::string>{"postal_address", "vlu_contact", "reasons"});
    // The template would print the missing unit details as empty: holes, which also block.
    const auto holes = templates().render("decision_not_to_prosecute", "en", ctx.data).holes;
    CHECK(std::find(holes.begin(), holes.end(), "vlu.name") != holes.end());
  }
  SECTION("an officer's reasons supply what the event did not") {
    letters::LetterInputs in = letters::sampleInputs("decision_not_to_prosecute", "en");
    in.trigger->remove("reasons");
    in.fields["reasons"] = "The reasons, written by the officer.";
    const letters::LetterContext ctx = letters::buildLetterContext(in, calendar());
    CHECK(ctx.blocked_by.empty());
    CHECK(templates().render("decision_not_to_prosecute", "en", ctx.data).text.find("The reasons, written by the officer.") !=
          std::string::npos);
  }
  SECTION("an email letter needs an email address; a parent or guardian's letter goes to them") {
    letters::LetterInputs in = letters::sampleInputs("rasso_charge", "en");
    in.profile->set("preferred_channel", std::string("email"));
    Poco::JSON::Object::Ptr rep = new Poco::JSON::Object;
    rep->set("relationship", std::string("parent_or_guardian"));
    rep->set("name", std::string("Rhian Sample"));
    in.profile->set("representative", rep);
    letters::LetterContext ctx = letters::buildLetterContext(in, calendar());
    REQUIRE(ctx.blocked_by.size() == 1);
    CHECK(ctx.blocked_by[0].code == "email_address");
    CHECK(ctx.blocked_by[0].message.find("parent or guardian") != std::string::npos);
    rep->set("email", std::string("rhian.sample@example.org"));
    ctx = letters::buildLetterContext(in, calendar());
    CHECK(ctx.blocked_by.empty());
    CHECK(ctx.recipient_email == "rhian.sample@example.org");
    const std::string text = templates().render("rasso_charge", "en", ctx.data).text;
    CHECK(text.find("Dear Rhian Sample,") != std::string::npos);
    CHECK(text.find("as the parent or guardian of Sam Example") != std::string::npos);
    CHECK(text.find("By email: rhian.sample@example.org") != std::string::npos);
  }
  SECTION("the outcome letter waits for the review's outcome") {
    letters::LetterInputs in = letters::sampleInputs("vrr_outcome", "en");
    in.timeline.pop_back();  // no vrr.decided yet
    std::vector<std::string> codes;
    for (const auto& b : letters::buildLetterContext(in, calendar()).blocked_by) codes.push_back(b.code);
    CHECK(codes == std::vector<std::string>{"reasons", "vrr_outcome"});
  }
}

TEST_CASE("Large print letters say so to the printer", "[rendering]") {
  letters::LetterInputs in = letters::sampleInputs("discontinuance", "en");
  in.profile->getObject("needs")->set("large_print", true);
  const std::string html = templates().render("discontinuance", "en", letters::buildLetterContext(in, calendar()).data).html;
  CHECK(html.find("<body class=\"letter large-print\">") != std::string::npos);
  CHECK(html.find("body.large-print { font-size: 18pt;") != std::string::npos);
}

TEST_CASE("A template that names a field the letter context lacks stops the load, naming the file and field",
          "[rendering]") {
  TemplateCopy copy;
  copy.replaceIn("partials/signature.en.mustache", "{{signatory.name}}", "{{signatory.nmae}}");
  const std::string error = loadError(copy.dir.path());
  INFO(error);
  CHECK(error.find("partials/signature.en.mustache:2: {{signatory.nmae}}: the letter context has no field "
                   "'signatory.nmae'") != std::string::npos);
}

TEST_CASE("The load check refuses what would let a letter go wrong", "[rendering]") {
  TemplateCopy copy;
  SECTION("unescaped output") {
    copy.replaceIn("decision_not_to_prosecute.en.mustache", "{{decision.date.en_long}}", "{{{decision.date.en_long}}}");
    CHECK(loadError(copy.dir.path()).find("decision_not_to_prosecute.en.mustache:4: {{{decision.date.en_long}}}: "
                                          "unescaped output is not allowed") != std::string::npos);
  }
  SECTION("printing a yes/no field") {
    copy.replaceIn("vrr_outcome.en.mustache", "<h2>The reasons</h2>", "{{victim.enhanced}}");
    CHECK(loadError(copy.dir.path()).find("'victim.enhanced' is a yes/no, not text") != std::string::npos);
  }
  SECTION("a missing partial") {
    copy.replaceIn("discontinuance.en.mustache", "{{> vrr.en}}", "{{> vrr.eng}}");
    CHECK(loadError(copy.dir.path()).find("{{> vrr.eng}}: there is no partial named 'vrr.eng'") != std::string::npos);
  }
  SECTION("a section never closed") {
    copy.replaceIn("charges_altered.cy.mustache", "{{/decision.scope_partial}}", "");
    CHECK(loadError(copy.dir.path())
              .find("charges_altered.cy.mustache:23: {{#decision.scope_partial}}: the section is never closed") !=
          std::string::npos);
  }
  SECTION("a tag the plain-text version cannot show") {
    copy.replaceIn("rasso_charge.en.mustache", "<h2>The first hearing</h2>", "<table><tr><td>x</td></tr></table>");
    CHECK(loadError(copy.dir.path()).find("uses <table>") != std::string::npos);
  }
  SECTION("a missing Welsh template") {
    fs::remove(copy.path("vrr_outcome.cy.mustache"));
    CHECK(loadError(copy.dir.path()).find("vrr_outcome.cy.mustache: missing (the cy template for vrr_outcome letters)") !=
          std::string::npos);
  }
}

TEST_CASE("Holes: a field printed outside a section on it is found when empty", "[rendering]") {
  using rendering::Value;
  const auto t = rendering::parseTemplate("t", "t.mustache",
                                          "{{a}} {{#opt}}{{opt}}{{/opt}} {{#list}}{{name}}{{/list}} {{^flag}}{{b.c}}{{/flag}}");
  Value data;
  data.set("a", "").set("opt", "").set("flag", false);
  Value list = Value::list();
  Value item;
  item.set("name", "");
  list.push(item);
  data.set("list", list);
  Value b;
  b.set("c", "");
  data.set("b", b);
  CHECK(rendering::findHoles(t, {}, data) == std::vector<std::string>{"a", "list[].name", "b.c"});
  data.set("flag", true);
  data.set("a", "x");
  CHECK(rendering::findHoles(t, {}, data) == std::vector<std::string>{"list[].name"});
}

TEST_CASE("HTML becomes plain text: paragraphs, headings, lists, breaks, links and entities", "[rendering]") {
  using rendering::htmlToText;
  CHECK(htmlToText("<head><title>T</title><style>p{}</style></head><body><h1>Title</h1><p>One\n  two</p></body>") ==
        "Title\n=====\n\nOne two\n");
  CHECK(htmlToText("<p>Lines<br>\nbroken</p><ul><li>a</li><li>b\nc</li></ul><p>after</p>") ==
        "Lines\nbroken\n\n- a\n- b c\n\nafter\n");
  CHECK(htmlToText("<ol><li>first</li><li>second</li></ol>") == "1. first\n2. second\n");
  CHECK(htmlToText("<p>Mail <a href=\"mailto:x@example.org\">x@example.org</a> or <a href=\"https://e.org\">here</a></p>") ==
        "Mail x@example.org or here (https://e.org)\n");
  CHECK(htmlToText("<p>&lt;b&gt; &amp; &#39;q&#39; &#x2F; &quot;Ŵ&quot; &#373;</p>") == "<b> & 'q' / \"Ŵ\" ŵ\n");
  CHECK(htmlToText("<h2>Ŵyn</h2><hr><p>x</p>") == "Ŵyn\n---\n\n----------------------------------------\n\nx\n");
  // Issue 16, "drafting's CPU" (words appended a run at a time, tags compared by length): runs of white space
  // of every kind, a break inside a list item (indented under it), tags in capitals, text in skipped tags.
  CHECK(htmlToText("<P>  a \t\r\n b  </P><UL><LI>one<BR>two  <br>  three</LI><li>  </li><LI>four</LI></UL>") ==
        "a b\n\n- one\n  two\n  three\n- four\n");
  CHECK(htmlToText("<div>x<title>not</title>y</div><address>1 High St<br>Town</address><section>s</section>") ==
        "xy\n\n1 High St\nTown\n\ns\n");
  CHECK(htmlToText("<h3>Three</h3><h4>Four</h4><header>h</header><footer>f</footer><main>m</main><span>a</span>b") ==
        "Three\n\nFour\n\nh\n\nf\n\nm\n\nab\n");
}

// The context hash is made from canonical(): the same bytes as ever, or every stored letter would look
// changed and be redrafted (issue 16, "drafting's CPU" writes it into one string).
TEST_CASE("A value's canonical form quotes text, escapes quotes and backslashes, and keeps field order", "[rendering]") {
  using rendering::Value;
  Value v;
  v.set("b", "say \"hi\" \\ there");
  v.set("a", true);
  v.set("list", Value::list({Value("x"), Value(false), Value::list(), Value()}));
  Value inner;
  inner.set("k\"ey", "");
  v.set("inner", inner);
  const std::string expected = R"({"b":"say \"hi\" \\ there","a":true,"list":["x",false,[],{}],"inner":{"k\"ey":""}})";
  CHECK(v.canonical() == expected);
  std::string appended = "head:";
  v.appendCanonical(appended);
  CHECK(appended == "head:" + expected);
  CHECK(Value("\\\"").canonical() == R"("\\\"")");
}

// The letter service parses in full only the timeline events a letter reads (timelineBodyRead) and gives
// the rest as stubs (id, type, case_urn, victim_id, occurred_at): every sample letter, in every language and
// variant, must come out the same from that timeline as from the whole one.
TEST_CASE("A timeline of stubs for the events no letter reads gives every letter the same context",
          "[letters][context][timeline]") {
  auto str = [](const Poco::JSON::Object::Ptr& e, const char* key) { return e->optValue<std::string>(key, ""); };
  auto stub = [&](const Poco::JSON::Object::Ptr& e) {
    return letters::timelineStub(str(e, "id"), str(e, "type"), str(e, "case_urn"), str(e, "victim_id"),
                                 str(e, "occurred_at"));
  };
  auto same = [](const letters::LetterContext& a, const letters::LetterContext& b) {
    bool blocked = a.blocked_by.size() == b.blocked_by.size();
    for (size_t i = 0; blocked && i < a.blocked_by.size(); ++i)
      blocked = a.blocked_by[i].code == b.blocked_by[i].code && a.blocked_by[i].message == b.blocked_by[i].message;
    return blocked && a.data.canonical() == b.data.canonical() && a.language == b.language && a.channel == b.channel;
  };
  size_t stubbed = 0, compared = 0, all_stubbed_differs = 0;
  for (const auto& kind : letterKinds()) {
    std::vector<std::string> variants = letters::sampleVariants(kind);
    variants.insert(variants.begin(), "");
    for (const auto& lang : kLanguages)
      for (const auto& variant : variants) {
        INFO(kind << "." << lang << " variant '" << variant << "'");
        letters::LetterInputs in = letters::sampleInputs(kind, lang, variant);
        in.support = &supportServices();
        const letters::LetterContext whole = letters::buildLetterContext(in, calendar());
        letters::LetterInputs slim = in, bare = in;
        for (auto& e : slim.timeline)
          if (!letters::timelineBodyRead(str(e, "type"))) {
            e = stub(e);
            ++stubbed;
          }
        for (auto& e : bare.timeline) e = stub(e);
        CHECK(same(whole, letters::buildLetterContext(slim, calendar())));
        if (!same(whole, letters::buildLetterContext(bare, calendar()))) ++all_stubbed_differs;
        ++compared;
      }
  }
  CHECK(compared >= 2 * letterKinds().size());
  CHECK(stubbed > 0);               // the samples' timelines hold events no letter reads
  CHECK(all_stubbed_differs > 0);   // and the comparison sees it when an event a letter reads is stubbed
}
