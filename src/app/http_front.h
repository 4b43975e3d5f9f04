#pragma once
// Everything the HTTP server serves, built over the Services: the JSON API
// and the web pages in one route table, with the web sessions and error
// pages the router needs. Used by `serve` and the tests alike. Not movable
// (the routes hold pointers to its members).

#include "app/services.h"
#include "app/settings.h"
#include "http/api.h"
#include "http/ops_endpoints.h"
#include "http/request_metrics.h"
#include "http/router.h"
#include "web/pages.h"

namespace vc::app {

struct HttpFront {
  HttpFront(Services& services, const Settings& settings);
  HttpFront(const HttpFront&) = delete;
  HttpFront& operator=(const HttpFront&) = delete;

  http::Api api;
  web::WebPages pages;
  http::RequestMetrics request_metrics;
  http::OpsEndpoints ops;
  http::Router router;
};

}  // namespace vc::app
