#include <catch2/catch.hpp>

#include "domain/entitlement.h"

using vc::domain::Date;
using vc::domain::EntitlementFacts;
using vc::domain::evaluateEntitlement;

namespace {
EntitlementFacts facts(std::vector<std::string> offences, std::set<std::string> flags = {}) {
  EntitlementFacts f;
  f.offences = std::move(offences);
  f.flags = std::move(flags);
  f.case_registered_date = Date(2026, 3, 30);
  return f;
}
bool hasReason(const vc::domain::Entitlement& e, const std::string& category, const std::string& code) {
  for (const auto& r : e.reasons)
    if (r.category == category && r.code == code) return true;
  return false;
}
}  // namespace

TEST_CASE("every most-serious-crime offence makes a victim enhanced", "[domain][entitlement]") {
  auto offence = GENERATE(as<std::string>{}, "domestic_abuse", "hate_crime", "terrorism", "rape", "sexual_offence",
                          "modern_slavery", "attempted_murder", "kidnap", "false_imprisonment", "arson_endanger_life",
                          "gbh_with_intent");
  CAPTURE(offence);
  auto e = evaluateEntitlement(facts({offence}));
  CHECK(e.enhanced);
  CHECK(hasReason(e, "most_serious_crime", offence));
}

TEST_CASE("offences outside the list give a standard victim unless a flag applies", "[domain][entitlement]") {
  auto offence = GENERATE(as<std::string>{}, "other", "stalking", "harassment", "child_abuse");
  CAPTURE(offence);
  auto e = evaluateEntitlement(facts({offence}));
  CHECK_FALSE(e.enhanced);
  CHECK(e.reasons.empty());
  CHECK(e.summary().rfind("standard", 0) == 0);
}

TEST_CASE("each flag gives its enhanced reason", "[domain][entitlement]") {
  auto [flag, category] = GENERATE(table<std::string, std::string>({
      {"mental_disorder", "vulnerable"},
      {"learning_disability", "vulnerable"},
      {"physical_disability", "vulnerable"},
      {"intimidated", "intimidated"},
      {"persistently_targeted", "persistently_targeted"},
      {"bereaved_relative", "most_serious_crime"},
  }));
  CAPTURE(flag);
  auto e = evaluateEntitlement(facts({"other"}, {flag}));
  CHECK(e.enhanced);
  REQUIRE(e.reasons.size() == 1);
  CHECK(e.reasons[0].category == category);
}

TEST_CASE("on a homicide case the bereaved are enhanced as bereaved, and a survivor as a victim of the most serious crime",
          "[domain][entitlement]") {
  auto relative = evaluateEntitlement(facts({"homicide"}, {"bereaved_relative"}));
  CHECK(hasReason(relative, "most_serious_crime", "bereaved_close_relative"));
  CHECK_FALSE(hasReason(relative, "most_serious_crime", "homicide"));

  EntitlementFacts spoken_for = facts({"homicide"});
  spoken_for.family_spokesperson = true;
  CHECK(hasReason(evaluateEntitlement(spoken_for), "most_serious_crime", "bereaved_close_relative"));

  // An injured survivor is not told they are bereaved; they are still enhanced.
  auto survivor = evaluateEntitlement(facts({"homicide"}));
  CHECK(survivor.enhanced);
  CHECK_FALSE(hasReason(survivor, "most_serious_crime", "bereaved_close_relative"));
  CHECK(hasReason(survivor, "most_serious_crime", "homicide"));
}

TEST_CASE("complainants of sexual offences and modern slavery are intimidated automatically", "[domain][entitlement]") {
  CHECK(hasReason(evaluateEntitlement(facts({"rape"})), "intimidated", "sexual_offence_complainant"));
  CHECK(hasReason(evaluateEntitlement(facts({"sexual_offence"})), "intimidated", "sexual_offence_complainant"));
  CHECK(hasReason(evaluateEntitlement(facts({"modern_slavery"})), "intimidated", "modern_slavery_complainant"));
  CHECK_FALSE(hasReason(evaluateEntitlement(facts({"domestic_abuse"})), "intimidated", "sexual_offence_complainant"));
}

TEST_CASE("under 18 on the offence date is vulnerable; the 18th birthday is the edge", "[domain][entitlement]") {
  auto [offence_date, vulnerable] = GENERATE(table<const char*, bool>({
      {"2026-04-01", true},   // the day before the 18th birthday
      {"2026-04-02", false},  // the 18th birthday
      {"2026-04-03", false},
  }));
  CAPTURE(offence_date);
  EntitlementFacts f = facts({"other"});
  f.date_of_birth = Date(2008, 4, 2);
  f.offence_date = Date::parse(offence_date);
  auto e = evaluateEntitlement(f);
  CHECK(e.enhanced == vulnerable);
  CHECK(hasReason(e, "vulnerable", "under_18") == vulnerable);
}

TEST_CASE("without an offence date the age is taken on the day the case was registered", "[domain][entitlement]") {
  EntitlementFacts f = facts({"other"});
  f.date_of_birth = Date(2008, 3, 31);  // 18 on 2026-03-31, the day after registration
  auto e = evaluateEntitlement(f);
  CHECK(hasReason(e, "vulnerable", "under_18"));
  CHECK_THAT(e.reasons[0].detail, Catch::Contains("no offence date"));
}

TEST_CASE("a victim can have several reasons, all kept in order", "[domain][entitlement]") {
  EntitlementFacts f = facts({"rape", "domestic_abuse"}, {"mental_disorder"});
  auto e = evaluateEntitlement(f);
  CHECK(e.reasons.size() == 4);
  CHECK(e.reasons[0].code == "rape");  // offences in the order the case lists them
  CHECK(e.reasons[1].code == "domestic_abuse");
}
