#pragma once
// What became of one outgoing message (a letter or an ISVA notification), in the words officers and
// managers use (issue 15): worked out from the outbox's own state, the channel, whether the print
// room confirmed the batch, and what was heard after the message left (a DSN, post returned).
// Pure: the storage layer keeps the facts, this decides what they mean.

#include <string>
#include <vector>

namespace vc::domain {

// The outbox's states (queued | sending | retrying | sent | dead | withheld | cancelled) and
// what was heard afterwards (outcome: "" | delivered | returned | bounced) give one of:
//   queued            waiting for its first attempt
//   sending           being sent; for post, in the spool until the print room confirms its batch
//   accepted          the SMTP server answered 250, or the print room confirmed the batch
//   delivered         the recipient's server said so (a DSN with Action: delivered)
//   failed_temporary  refused for now (4xx, no connection): it will be tried again
//   failed_permanent  refused for good (5xx, TLS required but not offered, attempts ran out,
//                     or bounced after it was accepted): a person must act
//   returned          the post came back (letter.returned)
//   withheld          not sent: it was no longer right to send it (consent, an unsafe channel)
//   cancelled         not sent: its letter was withdrawn
struct DeliveryFacts {
  std::string state;    // the outbox state
  std::string channel;  // post | email
  bool print_confirmed = false;
  std::string outcome;  // "" | delivered | returned | bounced
};

std::string deliveryStatus(const DeliveryFacts& facts);

// Every status deliveryStatus can give, in the order above.
const std::vector<std::string>& deliveryStatuses();

// The status an officer reads, as a short phrase ("accepted by the print room").
std::string describeDeliveryStatus(const std::string& status, const std::string& channel);

}  // namespace vc::domain
