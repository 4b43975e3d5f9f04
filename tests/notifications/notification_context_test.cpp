// What an ISVA notification's context holds: the victim's initials and no more.

#include <catch2/catch.hpp>

#include <Poco/JSON/Parser.h>

#include "notifications/notification_context.h"

using vc::notifications::initials;

namespace {

Poco::JSON::Object::Ptr name(const std::string& json) {
  Poco::JSON::Parser p;
  return p.parse(json).extract<Poco::JSON::Object::Ptr>();
}

}  // namespace

TEST_CASE("initials are the first character of each name, whole even when it is not ASCII", "[notifications]") {
  auto [json, expected] = GENERATE(table<std::string, std::string>({
      {R"({"given":"Sam","family":"Quietname"})", "S.Q."},
      {R"({"given":"Ŵyn","family":"Ållen"})", "Ŵ.Å."},
      {R"({"given":"Élodie"})", "É."},
      {R"({"family":"Jones"})", "J."},
      {R"({})", ""},
  }));
  INFO(json);
  CHECK(initials(name(json)) == expected);
}

TEST_CASE("the context carries nothing of the victim but their initials", "[notifications]") {
  auto in = vc::notifications::sampleNotificationInputs("hearing.listed", "en");
  in.victim_profile = name(R"({"name":{"given":"Sam","family":"Quietname"},"date_of_birth":"1990-05-01",)"
                           R"("address":{"lines":["7 Private Road"],"postcode":"ZZ7 7ZZ"},"email":"sam@example.org",)"
                           R"("flags":["mental_disorder"]})");
  const std::string context = vc::notifications::buildNotificationContext(in).data.canonical();
  CHECK(context.find("S.Q.") != std::string::npos);
  for (const char* never : {"Quietname", "1990", "Private Road", "ZZ7", "sam@example.org", "mental"}) {
    INFO(never);
    CHECK(context.find(never) == std::string::npos);
  }
}
