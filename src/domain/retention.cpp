#include "domain/retention.h"

namespace vc::domain {

std::optional<bool> endsCase(const Event& e) {
  const std::string& t = e.type;
  if (t == "charging.decided") return e.attr("decision") == "no_further_action";
  if (t == "case.discontinued") return e.attr("scope") != "partial";
  if (t == "verdict.recorded") return e.attr("outcome") == "acquitted";
  if (t == "sentence.passed") return true;
  if (t == "vrr.decided") return e.attr("outcome") == "upheld";
  if (t == "appeal.lodged" || t == "vrr.requested") return false;
  return std::nullopt;
}

bool caseHasEnded(const std::vector<Event>& events) {
  bool ended = false;
  for (const Event& e : events)
    if (auto change = endsCase(e)) ended = *change;
  return ended;
}

}  // namespace vc::domain
