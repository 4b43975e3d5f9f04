#pragma once
// Reads a delivery status notification (RFC 3464: a multipart/report with a message/delivery-status
// part, as a relay sends to the sender's address when a message it accepted could not be delivered,
// or was). A bounce mailbox is written to by anyone who can send mail, so the input is hostile:
// this reads text only, never decodes or follows anything, and bounds what it keeps.
// Standard library only.

#include <string>
#include <string_view>
#include <vector>

namespace vc::delivery {

struct DeliveryReport {
  bool is_report = false;  // a message/delivery-status part (or block) was found
  std::string action;      // the first recipient's Action: failed | delayed | delivered | relayed | expanded
  std::string status;      // its Status, e.g. "5.1.1" ("" when missing or not an enhanced status)
  std::string diagnostic;  // its Diagnostic-Code (e.g. "smtp; 550 5.1.1 no such user"), one line, at most 300 chars
  // Message-IDs of the message the report is about, in the order found: from the returned headers
  // (text/rfc822-headers or message/rfc822), else from any Message-ID line below the report's own headers.
  std::vector<std::string> message_ids;
};

// Largest report read; a larger file is not a bounce of ours.
constexpr size_t kMaxDeliveryReportBytes = 1 << 20;

DeliveryReport readDeliveryReport(std::string_view mail);

}  // namespace vc::delivery
