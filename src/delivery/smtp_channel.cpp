#include "delivery/smtp_channel.h"

#include "common/email_address.h"

#include <memory>

#include <Poco/Net/Context.h>
#include <Poco/Net/MailMessage.h>
#include <Poco/Net/MailRecipient.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureSMTPClientSession.h>
#include <Poco/Net/SMTPClientSession.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Net/StringPartSource.h>

namespace vc::delivery {
namespace {

using Poco::Net::MailMessage;
using Poco::Net::SMTPClientSession;

void compose(const OutgoingMessage& m, const std::string& sender, MailMessage& mail) {
  // A display name, if the message has one ("Letters Team <vlu@...>"), encoded for any non-ASCII.
  // (settings refuse quotes and control characters in it).
  bool ascii = true;
  for (unsigned char c : m.sender_name) ascii = ascii && c < 0x80;
  const std::string display = ascii ? "\"" + m.sender_name + "\"" : MailMessage::encodeWord(m.sender_name, "UTF-8");
  mail.setSender(m.sender_name.empty() ? sender : display + " <" + sender + ">");
  mail.addRecipient(Poco::Net::MailRecipient(Poco::Net::MailRecipient::PRIMARY_RECIPIENT, m.recipient));
  mail.setSubject(MailMessage::encodeWord(m.subject, "UTF-8"));
  mail.set("Message-ID", m.message_id);
  mail.setContentType("multipart/alternative");
  mail.addPart("", new Poco::Net::StringPartSource(m.text, "text/plain; charset=UTF-8"), MailMessage::CONTENT_INLINE,
               MailMessage::ENCODING_QUOTED_PRINTABLE);
  mail.addPart("", new Poco::Net::StringPartSource(m.html, "text/html; charset=UTF-8"), MailMessage::CONTENT_INLINE,
               MailMessage::ENCODING_QUOTED_PRINTABLE);
}

std::string heloName(const std::string& sender) {
  const auto at = sender.rfind('@');
  return at == std::string::npos ? "localhost" : sender.substr(at + 1);
}

}  // namespace

SmtpChannel::SmtpChannel(SmtpSettings settings) : settings_(std::move(settings)) { Poco::Net::initializeSSL(); }

SmtpChannel::~SmtpChannel() { Poco::Net::uninitializeSSL(); }

DeliveryOutcome SmtpChannel::deliver(const OutgoingMessage& m) {
  DeliveryOutcome out;
  // Checked again here, before any connection: an address stored before ingest checked it could
  // carry CR LF and a second SMTP command. Such a message is never sent, on any attempt.
  using Address = std::pair<const char*, const std::string*>;
  for (const auto& [role, address] : {Address{"recipient's", &m.recipient}, Address{"sender's", &settings_.sender}}) {
    if (auto problem = emailAddressProblem(*address)) {
      out.undeliverable = true;
      out.error = std::string("not sent: the ") + role + " address is not a plain email address (it " + *problem +
                  "), so nothing was sent and no attempt will be made again: correct the address at its source, "
                  "then send it another way";
      out.summary = std::string("not sent: the ") + role + " address is malformed";
      return out;
    }
  }
  const Poco::Timespan timeout(settings_.timeout_seconds, 0);
  const std::string helo = heloName(settings_.sender);
  try {
    MailMessage mail;
    compose(m, settings_.sender, mail);
    std::unique_ptr<SMTPClientSession> session;
    if (settings_.starttls) {
      // Connects by host name, so the server's certificate is checked against it.
      auto secure = std::make_unique<Poco::Net::SecureSMTPClientSession>(settings_.host,
                                                                          static_cast<Poco::UInt16>(settings_.port));
      secure->setTimeout(timeout);
      secure->login(helo);
      Poco::Net::Context::Ptr context =
          new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "", "", settings_.ca_file,
                                 Poco::Net::Context::VERIFY_RELAXED, 9, settings_.ca_file.empty());
      if (!secure->startTLS(context))
        throw Poco::Net::SMTPException("the server does not offer STARTTLS (smtp.starttls is on)");
      session = std::move(secure);
    } else {
      Poco::Net::StreamSocket socket;
      socket.connect(Poco::Net::SocketAddress(settings_.host, static_cast<Poco::UInt16>(settings_.port)), timeout);
      session = std::make_unique<SMTPClientSession>(socket);
      session->setTimeout(timeout);
    }
    if (settings_.user.empty()) {
      session->login(helo);
    } else {
      session->login(helo, settings_.auth == "login" ? SMTPClientSession::AUTH_LOGIN : SMTPClientSession::AUTH_PLAIN,
                     settings_.user, settings_.password);
    }
    session->sendMessage(mail);
    try {
      session->close();
    } catch (const Poco::Exception&) {
      // The message was accepted; a failed QUIT changes nothing.
    }
    out.delivered = true;
    out.receipt = "accepted by the SMTP server " + settings_.host + " as " + m.message_id;
  } catch (const Poco::Net::SMTPException& e) {
    const int code = e.code();
    out.permanent = code >= 500 && code < 600;
    out.error = "SMTP: " + e.displayText();
    out.summary = "SMTP refused it" + (code ? " (reply " + std::to_string(code) + ")" : std::string());
  } catch (const Poco::Exception& e) {
    out.error = "SMTP: " + e.displayText();
    out.summary = "SMTP not reachable or failed (" + std::string(e.name()) + ")";
  }
  return out;
}

}  // namespace vc::delivery
