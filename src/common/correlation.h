#pragma once
// The correlation id of the work a thread is doing: an HTTP request, one
// scheduler pass, one CLI command. Set by a CorrelationScope at the edge and
// read where the work is recorded (the audit log, the 500 reply), so that an
// audit entry, a log line and an error a user quotes can be tied together
// without passing the id through every call.

#include <string>

namespace vc {

// The current thread's correlation id, or "" outside any scope.
const std::string& correlationId();

// A fresh random id with a short prefix saying where the work came from ("req", "pass", "cli").
std::string newCorrelationId(const std::string& prefix);

// Sets the thread's correlation id for its lifetime; restores the previous one after.
class CorrelationScope {
 public:
  explicit CorrelationScope(std::string id);
  ~CorrelationScope();
  CorrelationScope(const CorrelationScope&) = delete;
  CorrelationScope& operator=(const CorrelationScope&) = delete;

 private:
  std::string previous_;
};

}  // namespace vc
