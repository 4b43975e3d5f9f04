#pragma once
// The email channel: sends a message by SMTP (Poco SMTPClientSession, or
// SecureSMTPClientSession with STARTTLS) as multipart/alternative (plain text
// and HTML), with the message's own Message-ID so a resend can be recognised.
// A 5xx reply is a permanent failure; anything else (no connection, a 4xx,
// a timeout) is worth trying again. A recipient or sender that is not a
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
