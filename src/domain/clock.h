#pragma once
// The time source, injected so tests and demos can fix "now" (clock.now).

#include <atomic>
#include <chrono>

#include "domain/date.h"

namespace vc::domain {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual UnixSeconds now() const = 0;
  Date today() const { return londonDate(now()); }  // the Europe/London date
};

class SystemClock : public Clock {
 public:
  UnixSeconds now() const override {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  }
};

// "Now" fixed by configuration (clock.now); a test may move it, e.g. across a due date.
class FixedClock : public Clock {
 public:
  explicit FixedClock(UnixSeconds t) : t_(t) {}
  UnixSeconds now() const override { return t_.load(); }
  void set(UnixSeconds t) { t_.store(t); }

 private:
  std::atomic<UnixSeconds> t_;
};

}  // namespace vc::domain
