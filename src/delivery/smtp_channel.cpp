#include "delivery/smtp_channel.h"

#include "common/email_address.h"

#include <cctype>
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

// The reply code of a refusal: Poco 1.11 passes it as the exception's code; the reply text
// ("550 5.1.1 ...") is read when it does not.
int replyCode(const Poco::Net::SMTPException& e) {
  if (e.code() >= 200 && e.code() < 600) return e.code();
  const std::string& text = e.message();
  for (size_t i = 0; i + 3 <= text.size(); ++i) {
    const bool word_start = i == 0 || text[i - 1] == ' ';
    if (word_start && text[i] >= '2' && text[i] <= '5' && std::isdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isdigit(static_cast<unsigned char>(text[i + 2])) &&
        (i + 3 == text.size() || text[i + 3] == ' ' || text[i + 3] == '-'))
      return std::stoi(text.substr(i, 3));
  }
  return 0;
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
  // Until the session is open (connection, EHLO, STARTTLS, AUTH) a refusal says something about the
  // server or our own settings, not about this message: it is tried again (a person fixing a wrong
  // password should not have to requeue every message). From MAIL FROM on, a 5xx reply is the
  // server's final word on this message.
  bool in_transaction = false;
  try {
    MailMessage mail;
    compose(m, settings_.sender, mail);
    std::unique_ptr<SMTPClientSession> session;
    if (settings_.starttls || settings_.require_tls) {
      // Connects by host name, so the server's certificate is checked against it.
      auto secure = std::make_unique<Poco::Net::SecureSMTPClientSession>(settings_.host,
                                                                          static_cast<Poco::UInt16>(settings_.port));
      secure->setTimeout(timeout);
      secure->login(helo);
      Poco::Net::Context::Ptr context =
          new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "", "", settings_.ca_file,
                                 Poco::Net::Context::VERIFY_RELAXED, 9, settings_.ca_file.empty());
      if (!secure->startTLS(context)) {
        try {
          secure->close();
        } catch (const Poco::Exception&) {
        }
        if (settings_.require_tls) {
          // Never in clear text: nothing of the message has left, and it will not leave this way.
          out.permanent = true;
          out.error = "not sent: the server did not offer STARTTLS and smtp.require_tls is set, so nothing was "
                      "sent in clear text and no attempt will be made again: send it another way, or have the "
                      "SMTP relay offer STARTTLS and retry it";
          out.summary = "not sent: the SMTP server did not offer STARTTLS (smtp.require_tls)";
          return out;
        }
        throw Poco::Net::SMTPException("the server does not offer STARTTLS (smtp.starttls is on)");
      }
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
    in_transaction = true;
    session->sendMessage(mail);
    try {
      session->close();
    } catch (const Poco::Exception&) {
      // The message was accepted; a failed QUIT changes nothing.
    }
    out.delivered = true;
    out.receipt = "accepted by the SMTP server " + settings_.host + " as " + m.message_id;
  } catch (const Poco::Net::SMTPException& e) {
    const int code = replyCode(e);
    out.permanent = in_transaction && code >= 500 && code < 600;
    const std::string status = code ? "SMTP " + std::to_string(code) : std::string("SMTP");
    if (out.permanent) {
      out.error = status + " (permanent refusal, not tried again): " + e.displayText();
      out.summary = "SMTP refused it for good (reply " + std::to_string(code) + ")";
    } else {
      out.error = status + (code >= 400 && code < 500 ? " (temporary refusal, tried again): " : ": ") + e.displayText();
      out.summary = "SMTP refused it" + (code ? " (reply " + std::to_string(code) + ")" : std::string());
    }
  } catch (const Poco::Exception& e) {
    out.error = "SMTP: " + e.displayText();
    out.summary = "SMTP not reachable or failed (" + std::string(e.name()) + ")";
  }
  return out;
}

}  // namespace vc::delivery
