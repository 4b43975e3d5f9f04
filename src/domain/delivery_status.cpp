#include "domain/delivery_status.h"

namespace vc::domain {

std::string deliveryStatus(const DeliveryFacts& f) {
  if (f.state == "retrying") return "failed_temporary";
  if (f.state == "dead") return "failed_permanent";
  if (f.state != "sent") return f.state;  // queued | sending | withheld | cancelled
  if (f.outcome == "returned") return "returned";
  if (f.outcome == "bounced") return "failed_permanent";
  if (f.outcome == "delivered") return "delivered";
  // Written to the spool is not yet handed over: the print room's confirmation is.
  if (f.channel == "post" && !f.print_confirmed) return "sending";
  return "accepted";
}

const std::vector<std::string>& deliveryStatuses() {
  static const std::vector<std::string> kStatuses = {"queued",           "sending",          "accepted",
                                                     "delivered",        "failed_temporary", "failed_permanent",
                                                     "returned",         "withheld",         "cancelled"};
  return kStatuses;
}

std::string describeDeliveryStatus(const std::string& status, const std::string& channel) {
  const bool post = channel == "post";
  if (status == "queued") return "waiting to be sent";
  if (status == "sending") return post ? "in the print spool, waiting for the print room to confirm it" : "being sent";
  if (status == "accepted") return post ? "handed to the print room" : "accepted by the email server";
  if (status == "delivered") return "delivered to the recipient's mailbox";
  if (status == "failed_temporary") return "not sent yet: the server refused it for now; it will be tried again";
  if (status == "failed_permanent") return "failed: it cannot be sent as it stands; a person must act";
  if (status == "returned") return "returned by post";
  if (status == "withheld") return "not sent: withheld";
  if (status == "cancelled") return "not sent: cancelled";
  return status;
}

}  // namespace vc::domain
