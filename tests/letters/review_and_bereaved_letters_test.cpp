// Issue 14, items 1, 2 and 8, through the HTTP API of a real daemon (real
// SQLite, real server on loopback, clock fixed at Easter Monday 6 April 2026):
// the Victims' Right to Review outcome letter at each stage, signed by the
// reviewer; letters to bereaved families (and not to injured survivors on the
// same case); and altered charges shown before and after. Every sample
// variant `render --sample --variant` offers renders complete.
// Each test uses its own cases (URNs 52VT...) and victims.

#include <algorithm>

#include <catch2/catch.hpp>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include "letters/letter_context.h"
#include "support/events.h"
#include "support/replies.h"
#include "support/test_daemon.h"

using namespace vc;           // NOLINT
using namespace vc::testing;  // NOLINT
using Poco::JSON::Array;
using Poco::JSON::Object;

namespace {

TestDaemon& daemon() {
  static TestDaemon d;
  return d;
}

Reply call(const std::string& method, const std::string& target, const std::string& token,
           const std::optional<std::string>& body = std::nullopt) {
  return httpRequest(daemon().port(), method, target, bearer(token), body);
}

void post(const std::vector<std::string>& events) {
  Reply r = call("POST", "/api/v1/events", daemon().ingest, batch(events));
  INFO(r.body);
  REQUIRE(r.status == 200);
}

std::string caseRegistered(const std::string& urn, const std::string& offences, const std::string& extra = "") {
  return jsonEvent(urn + "-reg", "case.registered", "2026-02-02T09:00:00Z", urn,
                   R"("area":"CPS South West","offences":)" + offences +
                       R"(,"prosecutor":{"name":"Ada Prosecutor","phone":"01632 960102"})" + extra);
}

std::string victimRegistered(const std::string& urn, const std::string& victim, const std::string& given,
                             const std::string& extra = "") {
  return jsonEvent(victim + "-reg", "victim.registered", "2026-02-02T09:05:00Z", urn,
                   R"("victim_id":")" + victim + R"(","title":"Mx","name":{"given":")" + given +
                       R"(","family":"Testcase"},"address":{"lines":["1 Example Street","Sampleford"],"postcode":"ZZ1 1AA"})" +
                       extra);
}

// The victim's letter of a kind, read in full (its text, version, blocked_by).
Object::Ptr letterOf(const std::string& urn, const std::string& victim, const std::string& kind) {
  Array::Ptr items = ok(call("GET", "/api/v1/letters?state=all&case_urn=" + urn, daemon().vlu))->getArray("items");
  for (size_t i = 0; i < items->size(); ++i) {
    Object::Ptr l = items->getObject(static_cast<unsigned>(i));
    if (l->getValue<std::string>("kind") == kind && l->getValue<std::string>("victim_id") == victim)
      return ok(call("GET", "/api/v1/letters/" + l->getValue<std::string>("id"), daemon().vlu));
  }
  FAIL("no " << kind << " letter for " << victim << " on " << urn);
  return nullptr;
}

// Every letter a victim has on a case, read in full.
std::vector<Object::Ptr> lettersOf(const std::string& urn, const std::string& victim) {
  std::vector<Object::Ptr> out;
  Array::Ptr items = ok(call("GET", "/api/v1/letters?state=all&case_urn=" + urn, daemon().vlu))->getArray("items");
  for (size_t i = 0; i < items->size(); ++i) {
    Object::Ptr l = items->getObject(static_cast<unsigned>(i));
    if (l->getValue<std::string>("victim_id") == victim)
      out.push_back(ok(call("GET", "/api/v1/letters/" + l->getValue<std::string>("id"), daemon().vlu)));
  }
  return out;
}

std::string text(const Object::Ptr& l) { return l->getValue<std::string>("text"); }
bool has(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

std::vector<std::string> blockedCodes(const Object::Ptr& l) {
  std::vector<std::string> codes;
  Array::Ptr b = l->getArray("blocked_by");
  for (size_t i = 0; i < b->size(); ++i)
    codes.push_back(b->getObject(static_cast<unsigned>(i))->getValue<std::string>("code"));
  return codes;
}

std::string blockedMessage(const Object::Ptr& l, const std::string& code) {
  Array::Ptr b = l->getArray("blocked_by");
  for (size_t i = 0; i < b->size(); ++i)
    if (b->getObject(static_cast<unsigned>(i))->getValue<std::string>("code") == code)
      return b->getObject(static_cast<unsigned>(i))->getValue<std::string>("message");
  return "";
}

Object::Ptr edit(const Object::Ptr& l, const std::string& fields) {
  Reply r = call("PUT", "/api/v1/letters/" + l->getValue<std::string>("id"), daemon().vlu,
                 R"({"version":)" + std::to_string(l->getValue<int>("version")) + R"(,"fields":)" + fields + "}");
  INFO(r.body);
  REQUIRE(r.status == 200);
  return ok(call("GET", "/api/v1/letters/" + l->getValue<std::string>("id"), daemon().vlu));
}

// A case with a decision not to charge, a review asked for, and the review's outcome (`decided`: more members).
void reviewedCase(const std::string& urn, const std::string& victim, const std::string& decided) {
  post({caseRegistered(urn, R"(["other"])"), victimRegistered(urn, victim, "Sam"),
        jsonEvent(urn + "-nfa", "charging.decided", "2026-03-02T15:00:00Z", urn,
                  R"("decision":"no_further_action","reasons":"There is not enough evidence.")"),
        jsonEvent(urn + "-vrr", "vrr.requested", "2026-03-05T10:00:00Z", urn, R"("victim_id":")" + victim + R"(")"),
        jsonEvent(urn + "-out", "vrr.decided", "2026-04-02T10:00:00+01:00", urn,
                  R"("victim_id":")" + victim + R"(",)" + decided)});
}

}  // namespace

TEST_CASE("After local resolution the outcome offers an independent review, how and by when, and is not final",
          "[letters][vrr]") {
  reviewedCase("52VT0100126", "vt1-v",
               R"("outcome":"upheld","stage":"local_resolution","reviewer":{"name":"Rhys Reviewer"},)"
               R"("reasons":"I agree there is not enough evidence.")");
  Object::Ptr l = letterOf("52VT0100126", "vt1-v", "vrr_outcome");
  CHECK(blockedCodes(l).empty());
  const std::string t = text(l);
  INFO(t);
  CHECK(has(t, "You can ask for an independent review."));
  CHECK(has(t, "Appeals and Review Unit"));
  // Drafted on Easter Monday 6 April 2026: 10 working days on is Monday 20 April.
  CHECK(has(t, "Please ask by Monday 20 April 2026."));
  CHECK(has(t, "01632 960900"));  // how: the unit's phone, email or a letter
  CHECK_FALSE(has(t, "judicial review"));
  CHECK_FALSE(has(t, "final decision"));
  // Signed by the reviewer, never by the prosecutor whose decision was reviewed.
  CHECK(has(t, "Yours sincerely,\n\nRhys Reviewer\nReviewing prosecutor, Crown Prosecution Service"));
  CHECK_FALSE(has(t, "Ada Prosecutor"));
}

TEST_CASE("A review outcome with no stage is the local resolution", "[letters][vrr]") {
  reviewedCase("52VT0200126", "vt2-v", R"("outcome":"upheld","reviewer":{"name":"Rhys Reviewer"},"reasons":"Agreed.")");
  const std::string t = text(letterOf("52VT0200126", "vt2-v", "vrr_outcome"));
  CHECK(has(t, "You can ask for an independent review."));
  CHECK_FALSE(has(t, "judicial review"));
}

TEST_CASE("After an independent review the outcome says the decision is final and names judicial review",
          "[letters][vrr]") {
  reviewedCase("52VT0300126", "vt3-v",
               R"("outcome":"upheld","stage":"independent_review","reviewer":{"name":"Rhian Reviewer"},)"
               R"("reasons":"I agree there is not enough evidence.")");
  const std::string t = text(letterOf("52VT0300126", "vt3-v", "vrr_outcome"));
  INFO(t);
  CHECK(has(t, "This was an independent review."));
  CHECK(has(t, "This is the final decision of the CPS"));
  CHECK(has(t, "judicial review"));
  CHECK_FALSE(has(t, "You can ask for an independent review."));
  CHECK(has(t, "Rhian Reviewer\nReviewing prosecutor"));
  CHECK_FALSE(has(t, "Ada Prosecutor"));
}

TEST_CASE("An outcome letter without the reviewer is blocked until an officer names them", "[letters][vrr]") {
  reviewedCase("52VT0400126", "vt4-v", R"("outcome":"upheld","reasons":"Agreed.")");
  Object::Ptr l = letterOf("52VT0400126", "vt4-v", "vrr_outcome");
  CHECK(l->getValue<std::string>("state") == "blocked");
  CHECK(blockedCodes(l) == std::vector<std::string>{"reviewer"});
  CHECK(has(blockedMessage(l, "reviewer"), "send vrr.decided with reviewer"));
  CHECK_FALSE(has(text(l), "Ada Prosecutor"));  // no fallback to the original prosecutor

  l = edit(l, R"({"reviewer":"Rhys Reviewer"})");
  CHECK(blockedCodes(l).empty());
  CHECK(has(text(l), "Rhys Reviewer\nReviewing prosecutor"));
}

TEST_CASE("An overturned decision says what happens next, and is blocked until it is known", "[letters][vrr]") {
  SECTION("no next step: blocked, then an edit supplies it") {
    reviewedCase("52VT0500126", "vt5-v",
                 R"("outcome":"overturned","stage":"local_resolution","reviewer":{"name":"Rhys Reviewer"},"reasons":"There is enough evidence.")");
    Object::Ptr l = letterOf("52VT0500126", "vt5-v", "vrr_outcome");
    CHECK(blockedCodes(l) == std::vector<std::string>{"next_step"});
    CHECK(has(blockedMessage(l, "next_step"), "charge, proceedings_reinstated or explanation_and_apology"));
    Reply bad = call("PUT", "/api/v1/letters/" + l->getValue<std::string>("id"), daemon().vlu,
                     R"({"version":)" + std::to_string(l->getValue<int>("version")) + R"(,"fields":{"next_step":"retry"}})");
    CHECK(bad.status == 400);
    l = edit(l, R"({"next_step":"charge"})");
    CHECK(blockedCodes(l).empty());
    CHECK(has(text(l), "We will now charge the suspect."));
    CHECK_FALSE(has(text(l), "You can ask for an independent review."));  // the victim has what they asked for
  }
  SECTION("charge") {
    reviewedCase("52VT0600126", "vt6-v",
                 R"("outcome":"overturned","stage":"independent_review","next_step":"charge","reviewer":{"name":"Rhys Reviewer"},"reasons":"There is enough evidence.")");
    const std::string t = text(letterOf("52VT0600126", "vt6-v", "vrr_outcome"));
    CHECK(has(t, "the original decision was wrong"));
    CHECK(has(t, "We will now charge the suspect. This means the case will go to court."));
    CHECK(has(t, "The police will tell you what the charges are"));
    CHECK_FALSE(has(t, "judicial review"));
  }
  SECTION("proceedings reinstated") {
    reviewedCase("52VT0700126", "vt7-v",
                 R"("outcome":"overturned","next_step":"proceedings_reinstated","reviewer":{"name":"Rhys Reviewer"},"reasons":"The case should not have stopped.")");
    CHECK(has(text(letterOf("52VT0700126", "vt7-v", "vrr_outcome")), "The case will start again"));
  }
  SECTION("explanation and apology, after no evidence was offered") {
    const std::string urn = "52VT0800126", victim = "vt8-v";
    post({caseRegistered(urn, R"(["other"])"), victimRegistered(urn, victim, "Sam"),
          jsonEvent(urn + "-chg", "charging.decided", "2026-02-10T10:00:00Z", urn,
                    R"("decision":"charge","charges":["Assault - test"])"),
          jsonEvent(urn + "-noe", "case.discontinued", "2026-03-02T15:00:00Z", urn,
                    R"("scope":"no_evidence_offered","reasons":"A witness withdrew.")"),
          jsonEvent(urn + "-vrr", "vrr.requested", "2026-03-05T10:00:00Z", urn, R"("victim_id":")" + victim + R"(")"),
          jsonEvent(urn + "-out", "vrr.decided", "2026-04-02T10:00:00+01:00", urn,
                    R"("victim_id":")" + victim +
                        R"(","outcome":"overturned","stage":"independent_review","next_step":"explanation_and_apology","reviewer":{"name":"Rhys Reviewer"},"reasons":"We should have gone on.")")});
    const std::string t = text(letterOf(urn, victim, "vrr_outcome"));
    INFO(t);
    CHECK(has(t, "The case cannot be started again."));
    CHECK(has(t, "When the prosecution offers no evidence, the court finds the defendant not guilty."));
    CHECK(has(t, "I am very sorry that we made the wrong decision"));
    CHECK_FALSE(has(t, "We will now charge"));
  }
}

TEST_CASE("Asking for the independent review starts a second review; each outcome letter tells its own stage",
          "[letters][vrr]") {
  const std::string urn = "52VT1500126", victim = "vt15-v";
  reviewedCase(urn, victim,
               R"("outcome":"upheld","stage":"local_resolution","reviewer":{"name":"Rhys Reviewer"},"reasons":"Agreed.")");
  post({jsonEvent(urn + "-vrr2", "vrr.requested", "2026-04-02T12:00:00+01:00", urn, R"("victim_id":")" + victim + R"(")"),
        jsonEvent(urn + "-out2", "vrr.decided", "2026-04-03T10:00:00+01:00", urn,
                  R"("victim_id":")" + victim +
                      R"(","outcome":"upheld","stage":"independent_review","reviewer":{"name":"Rhian Reviewer"},"reasons":"Agreed again.")")});
  std::vector<std::string> texts;
  for (const auto& l : lettersOf(urn, victim))
    if (l->getValue<std::string>("kind") == "vrr_outcome") texts.push_back(text(l));
  REQUIRE(texts.size() == 2);
  // The first letter, still unsent, does not invite the victim to ask for what they have asked for already.
  const auto local = std::count_if(texts.begin(), texts.end(), [](const std::string& t) {
    return has(t, "You have already asked for an independent review.") && !has(t, "You can ask for an independent review.") &&
           !has(t, "Please ask by") && has(t, "Rhys Reviewer") && !has(t, "judicial review");
  });
  const auto independent = std::count_if(texts.begin(), texts.end(), [](const std::string& t) {
    return has(t, "judicial review") && has(t, "Rhian Reviewer") && !has(t, "Rhys Reviewer");
  });
  CHECK(local == 1);
  CHECK(independent == 1);
}

TEST_CASE("The review acknowledgement is not signed by the prosecutor whose decision is reviewed", "[letters][vrr]") {
  reviewedCase("52VT0900126", "vt9-v", R"("outcome":"upheld","reviewer":{"name":"Rhys Reviewer"},"reasons":"Agreed.")");
  const std::string t = text(letterOf("52VT0900126", "vt9-v", "vrr_acknowledgement"));
  INFO(t);
  CHECK_FALSE(has(t, "Ada Prosecutor"));
  CHECK(has(t, "Victim Liaison Unit, CPS South West (demo)\nCrown Prosecution Service"));
  CHECK(has(t, "independent review by a prosecutor from our Appeals and Review Unit"));
}

TEST_CASE("On a homicide case only the bereaved read condolences; they are told who died and where to get support",
          "[letters][bereaved]") {
  const std::string urn = "52VT1000126";
  post({caseRegistered(urn, R"(["homicide"])", R"(,"deceased":{"name":"Alex Testcase"})"),
        victimRegistered(urn, "vt10-survivor", "Sam"),
        victimRegistered(urn, "vt10-mother", "Pat", R"(,"flags":["bereaved_relative"])"),
        jsonEvent(urn + "-nfa", "charging.decided", "2026-04-02T15:00:00+01:00", urn,
                  R"("decision":"no_further_action","reasons":"There is not enough evidence.")")});

  // An injured survivor is not bereaved: no condolence, no bereaved family offer, no homicide support line.
  const auto survivor = lettersOf(urn, "vt10-survivor");
  REQUIRE_FALSE(survivor.empty());
  for (const auto& l : survivor) {
    const std::string t = text(l);
    INFO(l->getValue<std::string>("kind") << "\n" << t);
    CHECK_FALSE(has(t, "sorry for your loss"));
    CHECK_FALSE(has(t, "sorry for the loss"));
    CHECK_FALSE(has(t, "Alex Testcase"));
    CHECK_FALSE(has(t, "National Homicide Service"));
    // Homicide makes a "specified case" for the bereaved family, not for an adult injured in the attack.
    CHECK_FALSE(has(t, "offer you a meeting"));
    CHECK_FALSE(has(t, "We offer bereaved families a meeting"));
  }

  Object::Ptr l = letterOf(urn, "vt10-mother", "decision_not_to_prosecute");
  CHECK(blockedCodes(l).empty());
  const std::string t = text(l);
  INFO(t);
  CHECK(has(t, "I am very sorry for the loss of Alex Testcase."));
  CHECK(has(t, "National Homicide Service"));
  // The decision letter carries the bereaved family meeting offer, and only one offer.
  CHECK(has(t, "We offer bereaved families a meeting with the prosecutor."));
  CHECK_FALSE(has(t, "Because of the kind of case this is, we would like to offer you a meeting"));
  const auto first = t.find("Meeting us to talk about the decision");
  REQUIRE(first != std::string::npos);
  CHECK(t.find("Meeting us to talk about the decision", first + 1) == std::string::npos);
}

TEST_CASE("A family spokesperson's letter names the person who died and points to homicide support",
          "[letters][bereaved]") {
  const std::string spokesperson =
      R"(,"representative":{"relationship":"family_spokesperson","name":"Jo Spokes","address":{"lines":["2 Example Street","Sampleford"],"postcode":"ZZ1 1AB"}})";
  SECTION("the case names the person who died") {
    const std::string urn = "52VT1100126";
    post({caseRegistered(urn, R"(["homicide"])", R"(,"deceased":{"name":"Alex Testcase"})"),
          victimRegistered(urn, "vt11-v", "Pat", spokesperson),
          jsonEvent(urn + "-disc", "case.discontinued", "2026-04-02T15:00:00+01:00", urn,
                    R"("scope":"all","reasons":"A key witness has died.")")});
    Object::Ptr l = letterOf(urn, "vt11-v", "discontinuance");
    CHECK(blockedCodes(l).empty());
    const std::string t = text(l);
    INFO(t);
    CHECK(has(t, "Dear Jo Spokes,"));
    CHECK(has(t, "I am very sorry for the loss of Alex Testcase."));
    CHECK(has(t, "National Homicide Service"));
    CHECK(has(t, "We offer bereaved families a meeting with the prosecutor."));
  }
  SECTION("no one recorded as having died: blocked, telling the officer what to send") {
    const std::string urn = "52VT1200126";
    post({caseRegistered(urn, R"(["homicide"])"), victimRegistered(urn, "vt12-v", "Pat", spokesperson),
          jsonEvent(urn + "-disc", "case.discontinued", "2026-04-02T15:00:00+01:00", urn,
                    R"("scope":"all","reasons":"A key witness has died.")")});
    Object::Ptr l = letterOf(urn, "vt12-v", "discontinuance");
    CHECK(l->getValue<std::string>("state") == "blocked");
    CHECK(blockedCodes(l) == std::vector<std::string>{"deceased"});
    CHECK(has(blockedMessage(l, "deceased"), "send case.updated with deceased {name}"));
  }
}

TEST_CASE("A charges altered letter says what the charges were, what they are now, and why", "[letters][charges]") {
  SECTION("before: the charging decision; then a second alteration: before is the first alteration") {
    const std::string urn = "52VT1300126";
    post({caseRegistered(urn, R"(["other"])"), victimRegistered(urn, "vt13-v", "Sam"),
          jsonEvent(urn + "-chg", "charging.decided", "2026-02-10T10:00:00Z", urn,
                    R"("decision":"charge","charges":["Wounding with intent - test"])"),
          jsonEvent(urn + "-alt1", "charges.altered", "2026-03-10T10:00:00Z", urn,
                    R"("substantial":true,"charges":["Unlawful wounding - test"],"reasons":"The medical evidence changed.")")});
    std::string t = text(letterOf(urn, "vt13-v", "charges_altered"));
    INFO(t);
    const auto before = t.find("Before this change, the defendant was charged with:\n\n- Wounding with intent - test");
    const auto now = t.find("The defendant is now charged with:\n\n- Unlawful wounding - test");
    CHECK(before != std::string::npos);
    CHECK(now != std::string::npos);
    CHECK(before < now);
    CHECK(has(t, "The medical evidence changed."));
  }
  SECTION("no record of the earlier charges: blocked until the officer writes them in") {
    const std::string urn = "52VT1400126";
    post({caseRegistered(urn, R"(["other"])"), victimRegistered(urn, "vt14-v", "Sam"),
          jsonEvent(urn + "-alt", "charges.altered", "2026-03-10T10:00:00Z", urn,
                    R"("substantial":true,"charges":["Common assault - test"],"reasons":"The injuries were less serious.")")});
    Object::Ptr l = letterOf(urn, "vt14-v", "charges_altered");
    CHECK(blockedCodes(l) == std::vector<std::string>{"previous_charges"});
    CHECK(has(blockedMessage(l, "previous_charges"), "edit the letter's previous_charges"));
    l = edit(l, R"({"previous_charges":"Assault occasioning actual bodily harm - test\nCriminal damage - test"})");
    CHECK(blockedCodes(l).empty());
    CHECK(has(text(l), "Before this change, the defendant was charged with:\n\n- Assault occasioning actual bodily harm - "
                       "test\n- Criminal damage - test"));
  }
}

TEST_CASE("Every sample variant renders complete in both languages", "[letters][sample]") {
  const auto& templates = daemon().services.templates;
  for (const std::string kind : {"vrr_outcome", "vrr_acknowledgement", "decision_not_to_prosecute", "discontinuance",
                                 "charges_altered", "bereaved_family_meeting"}) {
    std::vector<std::string> variants = letters::sampleVariants(kind);
    variants.insert(variants.begin(), "");
    for (const auto& variant : variants)
      for (const std::string lang : {"en", "cy"}) {
        INFO(kind << " " << variant << " " << lang);
        const auto ctx =
            letters::buildLetterContext(letters::sampleInputs(kind, lang, variant), daemon().services.calendar);
        // A child with no parent or guardian recorded, and post to an address the suspect may share, are
        // the variants that must stay blocked.
        if (variant == "child-no-guardian") {
          REQUIRE(ctx.blocked_by.size() == 1);
          CHECK(ctx.blocked_by[0].code == "representative");
        } else if (variant == "unsafe-post") {
          REQUIRE(ctx.blocked_by.size() == 1);
          CHECK(ctx.blocked_by[0].code == "unsafe_channel");
        } else {
          CHECK(ctx.blocked_by.empty());
        }
        const auto r = templates.render(kind, lang, ctx.data);
        CHECK(r.holes.empty());
        if (variant == "bereaved" || variant == "family_spokesperson" || kind == "bereaved_family_meeting") {
          CHECK(has(r.text, "I am very sorry for the loss of Alex Example."));
          CHECK(has(r.text, "National Homicide Service"));
        } else {
          CHECK_FALSE(has(r.text, "sorry for the loss"));
        }
      }
  }
  CHECK_THROWS_AS(letters::sampleInputs("charges_altered", "en", "overturned_charge"), std::invalid_argument);
  const std::string apology =
      daemon().services.templates.render("vrr_outcome", "en",
                                         letters::buildLetterContext(letters::sampleInputs("vrr_outcome", "en",
                                                                                           "overturned_apology"),
                                                                     daemon().services.calendar)
                                             .data)
          .text;
  CHECK(has(apology, "The case cannot be started again."));
  CHECK(has(apology, "When the prosecution offers no evidence, the court finds the defendant not guilty."));
}
