#!/usr/bin/python3
"""A real SMTP server for tests (Debian's python3-aiosmtpd): accepts mail on
127.0.0.1:PORT into a Maildir. Optionally requires STARTTLS (--tls CERT KEY)
and AUTH (--auth USER:PASSWORD). With --stall-first SECONDS it stores the
first message and then waits that long before answering, so a test can kill
the sender while it waits (the message arrived; the sender never heard), and prints
"stalled <Message-ID>" when it starts holding that message's reply.
Prints "ready" once it accepts connections, then runs until killed or until
its stdin closes. With --commands FILE it appends every command line it
receives (not the message text after DATA), one per line, to FILE: what a
client really sent, so a test can see an injected command.
With --refuse-rcpt REPLY or --refuse-data REPLY (e.g. "550 5.1.1 <x@y>: no such
user", "554 5.7.1 rejected", "451 4.3.0 try again later") it answers RCPT TO or
the end of DATA with that reply instead of accepting; with --refuse-times N only
the first N such commands are refused, and the rest are accepted. Without --tls
the server offers no STARTTLS (a STARTTLS command gets "454 TLS not available").

With --report-to MAILDIR it behaves as a relay that accepted the message and then learnt its fate:
for each message it stores, it also delivers an RFC 3464 delivery status notification to the
envelope sender into that Maildir (--report-action failed|delivered, default failed;
--report-status, default 5.1.1 for failed and 2.0.0 for delivered), quoting the message's headers.

Usage: smtp_sink.py PORT MAILDIR [--tls CERT KEY] [--auth USER:PASSWORD] [--stall-first SECONDS] [--commands FILE]
                    [--refuse-rcpt REPLY] [--refuse-data REPLY] [--refuse-times N]
                    [--report-to MAILDIR [--report-action ACTION] [--report-status STATUS]]
"""
import asyncio
import logging
import mailbox
import ssl
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import SMTP, AuthResult


class StallingMailbox(Mailbox):
    """Stores every message; holds back the reply to the first one."""

    def __init__(self, maildir, stall_seconds):
        super().__init__(maildir)
        self.stall_seconds = stall_seconds
        self.stalled = False

    async def handle_DATA(self, server, session, envelope):
        reply = await super().handle_DATA(server, session, envelope)
        if not self.stalled:
            self.stalled = True
            # Which message is held (several senders may be sending at once): "stalled <Message-ID>".
            for line in envelope.content.decode("utf-8", "replace").splitlines():
                if line.lower().startswith("message-id:"):
                    print("stalled " + line.split(":", 1)[1].strip(), flush=True)
                    break
            await asyncio.sleep(self.stall_seconds)
        return reply


class RefusingMailbox(StallingMailbox):
    """Answers RCPT TO or DATA with a given refusal (the first `times` of them, or all)."""

    def __init__(self, maildir, stall_seconds, rcpt_reply, data_reply, times):
        super().__init__(maildir, stall_seconds)
        self.stalled = stall_seconds <= 0
        self.rcpt_reply, self.data_reply, self.times = rcpt_reply, data_reply, times

    def refuse(self, reply):
        if not reply or self.times == 0:
            return None
        if self.times > 0:
            self.times -= 1
        return reply

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self.refuse(self.rcpt_reply)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        reply = self.refuse(self.data_reply)
        if reply:
            return reply
        return await super().handle_DATA(server, session, envelope)


class ReportingMailbox(RefusingMailbox):
    """Stores each message, then delivers a delivery status notification about it to its sender."""

    def __init__(self, maildir, report_maildir, action, status, **kwargs):
        super().__init__(maildir, **kwargs)
        self.reports = mailbox.Maildir(report_maildir, create=True)
        self.action, self.status = action, status

    async def handle_DATA(self, server, session, envelope):
        reply = await super().handle_DATA(server, session, envelope)
        if reply.startswith("250"):
            self.reports.add(self.report(envelope))
        return reply

    def report(self, envelope):
        original = envelope.original_content or envelope.content
        headers = original.split(b"\r\n\r\n", 1)[0].decode("latin-1")
        recipient = envelope.rcpt_tos[0] if envelope.rcpt_tos else "unknown@invalid"
        diagnostic = "smtp; 550 5.1.1 <%s>: Recipient address rejected" % recipient if self.action == "failed" else ""
        boundary = "report-boundary-1"
        lines = [
            "From: Mail Delivery System <MAILER-DAEMON@relay.example.org>",
            "To: <%s>" % envelope.mail_from,
            "Subject: %s" % ("Undelivered Mail Returned to Sender" if self.action == "failed" else "Successful Mail Delivery Report"),
            "Message-ID: <report-%d@relay.example.org>" % id(envelope),
            "Auto-Submitted: auto-replied",
            "MIME-Version: 1.0",
            'Content-Type: multipart/report; report-type=delivery-status;',
            '\tboundary="%s"' % boundary,
            "",
            "This is a MIME-encapsulated message.",
            "",
            "--" + boundary,
            "Content-Type: text/plain; charset=us-ascii",
            "",
            "This is the mail system at host relay.example.org.",
            "",
            "--" + boundary,
            "Content-Type: message/delivery-status",
            "",
            "Reporting-MTA: dns; relay.example.org",
            "Arrival-Date: Mon,  6 Apr 2026 09:00:00 +0100 (BST)",
            "",
            "Final-Recipient: rfc822; %s" % recipient,
            "Original-Recipient: rfc822;%s" % recipient,
            "Action: %s" % self.action,
            "Status: %s" % self.status,
        ]
        if diagnostic:
            lines.append("Diagnostic-Code: %s" % diagnostic)
        lines += ["", "--" + boundary, "Content-Type: text/rfc822-headers", "", headers, "", "--" + boundary + "--", ""]
        return "\r\n".join(lines).encode("latin-1")


class CommandRecorder(logging.Handler):
    """aiosmtpd logs each command line it reads as (peer, line) on "mail.log"; keep the lines."""

    def __init__(self, path):
        super().__init__(logging.INFO)
        self.path = path

    def emit(self, record):
        if ">>" not in str(record.msg) or len(record.args or ()) != 2:
            return
        line = record.args[1]
        text = line.decode("latin-1") if isinstance(line, bytes) else str(line)
        with open(self.path, "a", encoding="latin-1") as f:
            f.write(text + "\n")


def main(argv):
    port, maildir = int(argv[1]), argv[2]
    mailbox.Maildir(maildir, create=True)  # new/, cur/ and tmp/ must exist before the first message
    kwargs = {}
    if "--tls" in argv:
        i = argv.index("--tls")
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(argv[i + 1], argv[i + 2])
        kwargs.update(tls_context=context, require_starttls=True)
    if "--auth" in argv:
        user, password = argv[argv.index("--auth") + 1].split(":", 1)
        # Poco 1.11's AUTH LOGIN expects these prompts (toolchain.md, gotcha 16).
        SMTP.AuthLoginUsernameChallenge, SMTP.AuthLoginPasswordChallenge = "Username:", "Password:"
        kwargs.update(
            auth_required=True,
            auth_require_tls="--tls" in argv,
            authenticator=lambda server, session, envelope, mechanism, data: AuthResult(
                success=(data.login, data.password) == (user.encode(), password.encode())),
        )
    if "--commands" in argv:
        log = logging.getLogger("mail.log")
        log.setLevel(logging.INFO)
        log.propagate = False
        log.addHandler(CommandRecorder(argv[argv.index("--commands") + 1]))
    handler = Mailbox(maildir)
    if "--stall-first" in argv:
        handler = StallingMailbox(maildir, float(argv[argv.index("--stall-first") + 1]))
    if "--refuse-rcpt" in argv or "--refuse-data" in argv:
        option = lambda name: argv[argv.index(name) + 1] if name in argv else None
        handler = RefusingMailbox(maildir, float(option("--stall-first") or 0), option("--refuse-rcpt"),
                                  option("--refuse-data"), int(option("--refuse-times") or -1))
    if "--report-to" in argv:
        option = lambda name: argv[argv.index(name) + 1] if name in argv else None
        action = option("--report-action") or "failed"
        handler = ReportingMailbox(maildir, option("--report-to"), action,
                                   option("--report-status") or ("5.1.1" if action == "failed" else "2.0.0"),
                                   stall_seconds=0, rcpt_reply=None, data_reply=None, times=0)
    controller = Controller(handler, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    print("ready", flush=True)
    try:
        sys.stdin.read()  # until the test closes our stdin or kills us
    finally:
        controller.stop()


if __name__ == "__main__":
    main(sys.argv)
