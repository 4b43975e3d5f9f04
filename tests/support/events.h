#pragma once
// Journey events (events.md) written as JSON text for tests.

#include <string>

namespace vc::testing {

// One event with the common fields; `rest` is more JSON members ("" for none), e.g. R"("decision":"charge")".
inline std::string jsonEvent(const std::string& id, const std::string& type, const std::string& occurred_at,
                             const std::string& case_urn, const std::string& rest) {
  return R"({"id":")" + id + R"(","type":")" + type + R"(","occurred_at":")" + occurred_at + R"(","case_urn":")" +
         case_urn + "\"" + (rest.empty() ? "" : "," + rest) + "}";
}

}  // namespace vc::testing
