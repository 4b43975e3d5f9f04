#pragma once
// Retention: when a case's journey has ended, so that its personal data may
// in time be purged. A case has ended when the latest event that moves it
// from stage to stage ends it:
//   ends it:   charging.decided no_further_action, case.discontinued all or
//              no_evidence_offered, verdict.recorded acquitted,
//              sentence.passed, vrr.decided upheld (the decision stands);
//   reopens:   charging.decided charge or refer_back, case.discontinued
//              partial, verdict.recorded convicted or mixed (sentence to
//              come), appeal.lodged, vrr.requested, vrr.decided overturned.
// Other events (hearings, contacts, updates) leave the stage as it was.

#include <optional>
#include <vector>

#include "domain/event.h"

namespace vc::domain {

// true: the event ends the case; false: it (re)opens it; nullopt: no change of stage.
std::optional<bool> endsCase(const Event& e);

// Whether the case has ended after these events (in the order received).
bool caseHasEnded(const std::vector<Event>& events);

}  // namespace vc::domain
