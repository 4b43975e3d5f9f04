#pragma once
// GET /readyz and GET /metrics, for the people who run the daemon (issue 19). /healthz (liveness) stays in
// the API. /readyz needs no token and says only whether each part is usable; /metrics needs the `metrics`
// role (or admin) and shows counts and durations in the Prometheus text format, never personal data.

#include <vector>

#include "http/request_metrics.h"
#include "http/router.h"
#include "services/operations.h"

namespace vc::http {

class OpsEndpoints {
 public:
  OpsEndpoints(services::OperationsService& operations, RequestMetrics& requests)
      : operations_(operations), requests_(requests) {}
  std::vector<Route> routes();

  Response ready(Request& req);
  Response metrics(Request& req);

 private:
  services::OperationsService& operations_;
  RequestMetrics& requests_;
};

}  // namespace vc::http
