#pragma once
// Counts of HTTP requests by route and status, with latency histograms, for GET /metrics (Prometheus text
// format). Labelled by the route's pattern ("/api/v1/victims/{id}"), never the path itself, so no id or name
// reaches a label. Thread-safe: every server thread records; a scrape reads.

#include <array>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

namespace vc::http {

class RequestMetrics {
 public:
  // Upper bounds of the latency buckets, in seconds (the last bucket, +Inf, is implied).
  static constexpr std::array<double, 11> kBuckets = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};

  // `route` is the matched pattern, or "unmatched" when no route matched.
  void record(const std::string& method, const std::string& route, int status, double seconds);
  // vc_http_requests_total and vc_http_request_duration_seconds, with their HELP and TYPE lines.
  std::string exposition() const;

 private:
  struct Series {
    std::array<uint64_t, kBuckets.size()> buckets{};  // non-cumulative here; summed when written
    uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mutex_;
  std::map<std::tuple<std::string, std::string, int>, uint64_t> requests_;  // (method, route, status)
  std::map<std::pair<std::string, std::string>, Series> durations_;         // (method, route)
};

// A label value escaped for the text format (backslash, double quote, newline).
std::string prometheusLabel(const std::string& value);

}  // namespace vc::http
