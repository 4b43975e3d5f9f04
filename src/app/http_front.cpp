#include "app/http_front.h"

namespace vc::app {
namespace {

std::vector<http::Route> allRoutes(http::Api& api, http::OpsEndpoints& ops, web::WebPages& pages) {
  std::vector<http::Route> routes = api.routes();
  for (auto& r : ops.routes()) routes.push_back(std::move(r));
  for (auto& r : pages.routes()) routes.push_back(std::move(r));
  return routes;
}

}  // namespace

HttpFront::HttpFront(Services& s, const Settings& settings)
    : api(s.reads, s.audit, s.ingestor, s.letters, s.notifications, s.outbox_service, s.ledger, *s.clock, s.calendar,
          http::ApiLimits{settings.http_max_events_per_request}),
      pages(web::WebServices{s.reads, s.audit, s.letters, s.notifications, s.ledger, s.web_sessions, s.page_templates,
                             s.web_assets, s.rules, s.contacts, *s.clock, s.calendar, &s.print_room}),
      ops(s.operations, request_metrics),
      router(allRoutes(api, ops, pages), s.accounts, s.audit,
             http::PageSupport{&s.web_sessions,
                               [this](const Error& e, const http::Request& req) { return pages.errorPage(e, req); }}) {
  api.setPrintRoom(&s.print_room);
  router.countInto(&request_metrics);
}

}  // namespace vc::app
