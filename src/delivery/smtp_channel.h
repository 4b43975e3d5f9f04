#pragma once
// The email channel: sends a message by SMTP (Poco SMTPClientSession, or
// SecureSMTPClientSession with STARTTLS) as multipart/alternative (plain text
// and HTML), with the message's own Message-ID so a resend can be recognised.
// A 5xx reply to MAIL FROM, RCPT TO or DATA is a permanent failure; anything
// else (no connection, a 4xx, a timeout, a refusal while the session opens)
// is worth trying again. With require_tls a message is never sent in clear
// text: a server that does not offer STARTTLS fails it permanently. A recipient or sender that is not a
// plain address (common/email_address.h) is undeliverable: no connection is
// made at all. One connection per message.

#include <string>

#include "delivery/channel.h"

namespace vc::delivery {

struct SmtpSettings {
  std::string host = "localhost";
  int port = 25;
  std::string sender;          // the From address
  bool starttls = false;       // require STARTTLS before anything is sent
  bool require_tls = true;     // as starttls, and a server without STARTTLS fails the message for good
  std::string ca_file;         // certificates to trust for STARTTLS ("" = the system's)
  std::string user, password;  // AUTH when user is set
  std::string auth = "plain";  // plain | login
  int timeout_seconds = 30;
};

class SmtpChannel : public Channel {
 public:
  explicit SmtpChannel(SmtpSettings settings);
  ~SmtpChannel() override;
  SmtpChannel(const SmtpChannel&) = delete;
  SmtpChannel& operator=(const SmtpChannel&) = delete;

  DeliveryOutcome deliver(const OutgoingMessage& message) override;

 private:
  SmtpSettings settings_;
};

}  // namespace vc::delivery
