#pragma once
// The JSON views of stored things, shared by the API (which writes them out)
// and the web pages (which render them through mstch): one definition of
// what a letter, an obligation, a victim or a notification shows, including
// what is worked out as of today (effective status, time left, at risk).
// Stateless functions; thread-safe.

#include <string>
#include <vector>

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include "compliance/report_format.h"
#include "domain/calendar.h"
#include "domain/clock.h"
#include "http/json_writer.h"
#include "http/request.h"
#include "domain/date.h"
#include "letters/letter_service.h"
#include "services/read_service.h"
#include "storage/records.h"

namespace vc::http {

Poco::Dynamic::Var orNull(const std::string& s);

// An outbox state read as a delivery failure: "failed_temporary" (retrying: tried again),
// "failed_permanent" (dead: refused for good or out of attempts, a person must act), else null.
Poco::Dynamic::Var deliveryFailure(const std::string& status);
// The message's domain::deliveryStatus ("accepted", "returned", ...).
std::string deliveryStatusOf(const storage::OutboxRow& m);
// Sets `status`, `status_text`, `failure` and `outcome` (what was heard after it left, or null).
void setDeliveryStatus(Poco::JSON::Object::Ptr o, const storage::OutboxRow& m);
// A state filter as asked, the failure names read as the states they stand for.
std::string outboxStateFilter(const std::string& asked);

// The obligation as stored, with the ledger's view as of today; without the
// explanation object (a list) it carries only the explanation's text.
Poco::JSON::Object::Ptr obligationView(const storage::ObligationRow& row, const domain::Date& today,
                                       const domain::WorkingDayCalendar& calendar, bool with_explanation);
Poco::JSON::Object::Ptr entitlementView(const storage::VictimRow& v,
                                        const std::vector<storage::EntitlementChangeRow>& changes);
Poco::JSON::Object::Ptr eventView(const storage::EventRow& e);
Poco::JSON::Object::Ptr caseView(const storage::CaseRow& c);
// The victim with their case, timeline (their own events and the case's), entitlement and obligations,
// as services::ReadService::readVictim returned them (it audited the read).
Poco::JSON::Object::Ptr victimView(const services::VictimRecord& record, const domain::Date& today,
                                   const domain::WorkingDayCalendar& calendar);
// Looks the victim up through `reads`, as `reader` may see them (a VLU officer bound to an
// Area sees only that Area's), which audits the read (or the refusal) before returning it, and
// returns victimView. Throws Error(kNotFound).
Poco::JSON::Object::Ptr readVictim(services::ReadService& reads, const domain::Clock& clock,
                                   const domain::WorkingDayCalendar& calendar, const std::string& victim_id,
                                   const Principal& reader);

Poco::JSON::Object::Ptr timeLeftView(const domain::WorkingDayCalendar& calendar, const domain::Date& today,
                                     const std::string& due);
// `one`: a single letter's response, which may carry the officers' own words (the last rejection
// or withdrawal note); the queue list carries no free text, so listing it needs no audit.
Poco::JSON::Object::Ptr letterView(const storage::LetterRow& l, const domain::WorkingDayCalendar& calendar,
                                   const domain::Date& today, bool one = true);
// The plain-English findings on a letter's officers' words: [{field, kind, text, suggestion}].
Poco::JSON::Array::Ptr findingsView(const std::vector<domain::PlainEnglishFinding>& findings);
// One letter with its fields, free text, delivery, versions, history and rendering.
Poco::JSON::Object::Ptr letterDetailView(const letters::LetterDetail& d, const domain::WorkingDayCalendar& calendar,
                                         const domain::Date& today);

// The same views written straight into an answer's text (json_writer.h), byte for byte what stringifying
// the view above of the same row gives, for the answers that are read most (the victim read, the letters
// and obligations lists: issue 16 items 3 and 4), which spent most of their CPU building and serialising
// the trees. The two must say the same: a field added to one is added to the other, and
// tests/http/json_writer_test.cpp compares them row by row.
void writeObligation(JsonWriter& w, const storage::ObligationRow& row, const domain::Date& today,
                     const domain::WorkingDayCalendar& calendar, bool with_explanation);
void writeEntitlement(JsonWriter& w, const storage::VictimRow& v,
                      const std::vector<storage::EntitlementChangeRow>& changes);
void writeEvent(JsonWriter& w, const storage::EventRow& e);
void writeCase(JsonWriter& w, const storage::CaseRow& c);
void writeVictim(JsonWriter& w, const services::VictimRecord& record, const domain::Date& today,
                 const domain::WorkingDayCalendar& calendar);
void writeTimeLeft(JsonWriter& w, const domain::WorkingDayCalendar& calendar, const domain::Date& today,
                   const std::string& due);
void writeLetter(JsonWriter& w, const storage::LetterRow& l, const domain::WorkingDayCalendar& calendar,
                 const domain::Date& today, bool one = true);

// A compliance report as a CSV file to download (reportCsv, named by csvFileName).
Response csvDownload(const domain::ComplianceReport& report, const compliance::ReportRequest& request);

// A few words an ISVA can scan an inbox by.
std::string headline(const std::string& event_type);
// `for_isva`: what the ISVA sees (their own message); otherwise the VLU's view, which adds
// the obligation, the victim id and what became of the message.
Poco::JSON::Object::Ptr notificationView(const storage::NotificationRow& n, bool for_isva, bool with_content);

}  // namespace vc::http
