#pragma once
// The web pages for VLU officers, ISVAs and managers: server-rendered HTML
// (mstch views in web/templates, GOV.UK Frontend's styles), thin handlers
// over the same services and JSON views as the API, so a page and the API
// never disagree. Forms post back here (with the session's CSRF token,
// checked by the router) and redirect to a page that says what happened.
// Holds references to services that outlive it; handlers are thread-safe.

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/error.h"
#include "compliance/ledger_service.h"
#include "delivery/print_room.h"
#include "domain/calendar.h"
#include "domain/clock.h"
#include "domain/rules.h"
#include "http/request.h"
#include "http/router.h"
#include "http/web_sessions.h"
#include "letters/letter_context.h"
#include "letters/letter_service.h"
#include "notifications/notification_service.h"
#include "rendering/page_templates.h"
#include "rendering/value.h"
#include "services/audit_service.h"
#include "services/read_service.h"
#include "web/page_data.h"
#include "web/static_assets.h"

namespace vc::web {

using http::Request;
using http::Response;

struct WebServices {
  services::ReadService& reads;  // victims, obligations and what surrounds a letter (audited where personal)
  services::AuditService& audit;  // the audit log's page
  letters::LetterService& letters;
  notifications::NotificationService& notifications;
  compliance::LedgerService& ledger;
  http::WebSessions& sessions;
  const rendering::PageTemplates& templates;
  const StaticAssets& assets;
  const domain::RuleBook& rules;
  const letters::VluContacts& contacts;
  const domain::Clock& clock;
  const domain::WorkingDayCalendar& calendar;
  delivery::PrintRoom* print_room = nullptr;  // print batches the print room has not confirmed in time
};

class WebPages {
 public:
  explicit WebPages(WebServices s);

  // Every page's route, with its roles (added to the API's in the one route table).
  std::vector<http::Route> routes();
  // An error as a page: what went wrong in words, never a stack trace.
  Response errorPage(const Error& error, const Request& req) const;

 private:
  // pages.cpp: the frame every page shares, signing in and out, static files.
  Response home(Request& req);
  Response loginForm(Request& req);
  Response login(Request& req);
  Response logout(Request& req);
  Response asset(Request& req);
  // pages_letters.cpp: the review queue and one letter.
  Response queue(Request& req);
  Response letter(Request& req);
  Response letterPrint(Request& req);
  Response editLetter(Request& req);
  Response approveLetter(Request& req);
  Response rejectLetter(Request& req);
  Response meetLetterAnotherWay(Request& req);
  Response recordCallAttempt(Request& req);
  // pages_people.cpp: a victim, and the ISVA's inbox.
  Response victim(Request& req);
  Response recordReason(Request& req);
  Response inbox(Request& req);
  Response inboxItem(Request& req);
  Response oldNotificationLink(Request& req);  // emails sent before the link was /inbox/n-N
  // pages_manager.cpp: the compliance dashboard and the audit log.
  Response dashboard(Request& req);
  Response dashboardCsv(Request& req);
  Response audit(Request& req);

  // Runs one review action and redirects to the letter saying `done`; a refusal (four eyes, a
  // stale version, a blocked letter, a missing reason) is shown on the letter page, with what was typed kept.
  Response reviewAction(Request& req, const std::function<void()>& action, const std::string& done);
  // The letter page, with an error summary when an action on it was refused.
  Response letterPage(Request& req, const Error* refused, int status);
  // The sign-in form; after a refusal, with its errors and the name as typed (never the password).
  // The victim page; after a refused reason, that obligation's form open with its errors and what was typed.
  Response victimPage(Request& req, const std::string& id, const std::string& refused_obligation,
                      const Error* refused, int status);
  Response loginPage(const std::string& next, const FormErrors& errors, int status, const std::string& notice = "",
                     const std::string& name = "");

  // The layout's data: title, who is signed in, the navigation for their role, the CSRF token.
  rendering::Value frame(const Request& req, const std::string& title, const std::string& section) const;
  Response page(const std::string& view, const rendering::Value& data, int status = 200) const;
  std::string ruleTitle(const std::string& rule_id) const;

  WebServices s_;
  std::map<std::string, std::string> rule_titles_;
};

// Where each role starts.
std::string homeFor(const std::string& role);

}  // namespace vc::web
