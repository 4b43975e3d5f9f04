#pragma once
// The post channel: writes each letter as a print-ready HTML file (with its
// print CSS) and a plain-text file into the spool directory, where the print
// room picks them up. Files appear whole (written aside, then renamed), and
// writing the same letter again replaces its files rather than adding copies.

#include <string>

#include "delivery/channel.h"

namespace vc::delivery {

class SpoolChannel : public Channel {
 public:
  // Creates the directory if needed; throws std::runtime_error if it cannot.
  explicit SpoolChannel(std::string dir);
  DeliveryOutcome deliver(const OutgoingMessage& message) override;
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
};

}  // namespace vc::delivery
