#pragma once
// How a message leaves the daemon: a channel takes one message and says what
// happened. A failed delivery is a value (DeliveryOutcome), not an exception.
// Implementations are used by one outbox worker at a time.

#include <string>

namespace vc::delivery {

// One message for one recipient, exactly as it will go out.
struct OutgoingMessage {
  std::string channel;     // post | email
  std::string name;        // stem of the spooled files ("l-7"); no personal data
  std::string recipient;   // email address (email only)
  std::string subject;     // carries nothing identifying
  std::string message_id;  // "<letter.l-7.v3@example.org>": the same on every attempt
  std::string text;
  std::string html;
  std::string sender_name;  // the From display name; "" for the address alone (email only)
};

struct DeliveryOutcome {
  bool delivered = false;
  bool permanent = false;  // the server says trying again will not help (an SMTP 5xx reply)
  bool undeliverable = false;  // nothing was sent and nothing ever will be as it stands (a malformed
                               // address): the message is dead at once, for a person to correct
  std::string error;       // kept with the message; may quote the server
  std::string summary;     // safe for the log: no addresses or content
  std::string receipt;     // where it went, e.g. "spooled as l-7.html"
};

class Channel {
 public:
  virtual ~Channel() = default;
  virtual DeliveryOutcome deliver(const OutgoingMessage& message) = 0;
};

}  // namespace vc::delivery
