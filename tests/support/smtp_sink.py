#!/usr/bin/python3
"""A real SMTP server for tests (Debian's python3-aiosmtpd): accepts mail on
127.0.0.1:PORT into a Maildir. Optionally requires STARTTLS (--tls CERT KEY)
and AUTH (--auth USER:PASSWORD). With --stall-first SECONDS it stores the
first message and then waits that long before answering, so a test can kill
the sender while it waits (the message arrived; the sender never heard).
Prints "ready" once it accepts connections, then runs until killed or until
its stdin closes.

Usage: smtp_sink.py PORT MAILDIR [--tls CERT KEY] [--auth USER:PASSWORD] [--stall-first SECONDS]
"""
import asyncio
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
            await asyncio.sleep(self.stall_seconds)
        return reply


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
    handler = Mailbox(maildir)
    if "--stall-first" in argv:
        handler = StallingMailbox(maildir, float(argv[argv.index("--stall-first") + 1]))
    controller = Controller(handler, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    print("ready", flush=True)
    try:
        sys.stdin.read()  # until the test closes our stdin or kills us
    finally:
        controller.stop()


if __name__ == "__main__":
    main(sys.argv)
