#include "http/request_metrics.h"

#include <cstdio>
#include <sstream>

namespace vc::http {

std::string prometheusLabel(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

void RequestMetrics::record(const std::string& method, const std::string& route, int status, double seconds) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++requests_[{method, route, status}];
  Series& s = durations_[{method, route}];
  ++s.count;
  s.sum += seconds;
  for (size_t i = 0; i < kBuckets.size(); ++i)
    if (seconds <= kBuckets[i]) {
      ++s.buckets[i];
      break;
    }
}

std::string RequestMetrics::exposition() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::ostringstream out;
  out << "# HELP vc_http_requests_total HTTP requests answered, by method, route pattern and status.\n"
      << "# TYPE vc_http_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    const auto& [method, route, status] = key;
    out << "vc_http_requests_total{method=\"" << prometheusLabel(method) << "\",route=\"" << prometheusLabel(route)
        << "\",status=\"" << status << "\"} " << n << "\n";
  }
  out << "# HELP vc_http_request_duration_seconds Time from routing a request to its answer, by method and route.\n"
      << "# TYPE vc_http_request_duration_seconds histogram\n";
  for (const auto& [key, s] : durations_) {
    const std::string labels = "method=\"" + prometheusLabel(key.first) + "\",route=\"" + prometheusLabel(key.second) + "\"";
    uint64_t cumulative = 0;
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      cumulative += s.buckets[i];
      char le[32];
      std::snprintf(le, sizeof le, "%g", kBuckets[i]);
      out << "vc_http_request_duration_seconds_bucket{" << labels << ",le=\"" << le << "\"} " << cumulative << "\n";
    }
    out << "vc_http_request_duration_seconds_bucket{" << labels << ",le=\"+Inf\"} " << s.count << "\n";
    char sum[64];
    std::snprintf(sum, sizeof sum, "%.6f", s.sum);
    out << "vc_http_request_duration_seconds_sum{" << labels << "} " << sum << "\n";
    out << "vc_http_request_duration_seconds_count{" << labels << "} " << s.count << "\n";
  }
  return out.str();
}

}  // namespace vc::http
