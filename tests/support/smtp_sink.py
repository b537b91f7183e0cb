"""A real SMTP server on loopback for the tests (aiosmtpd).

    smtp_sink.py FOLDER [--port N] [--reject ADDRESS]... [--transient-after N]
                        [--cert CERT --key KEY (--starttls | --implicit-tls)] [--auth USER:PASSWORD]
                        [--refuse-login-while FILE] [--delay SECONDS]

Binds 127.0.0.1 (on a free port unless --port is given), prints the port on its
first line of output, and stores each message it accepts as NNNN.eml (the bytes as
received) with its envelope recipients in NNNN.rcpt, in FOLDER.
--reject refuses a recipient for good (550); --transient-after answers 451 (try
again later) to every message after the first N. With a certificate it speaks TLS
(STARTTLS, required before AUTH and MAIL, or TLS from the first byte); with --auth it
requires that login. NNNN.meta records whether the session was encrypted and who
logged in.
--refuse-login-while answers 535 (authentication credentials invalid) to MAIL FROM
for as long as FILE exists, as a server does to a sender whose password was rotated;
--delay holds each message that long before accepting it, so that senders running
at once overlap.
"""

import argparse
import asyncio
import pathlib
import socket
import ssl

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Sink:
    def __init__(self, folder, reject, transient_after, implicit_tls=False, refuse_login_while=None, delay=0.0):
        self.folder = pathlib.Path(folder)
        self.refuse_login_while = pathlib.Path(refuse_login_while) if refuse_login_while else None
        self.delay = delay
        self.count = 0
        self.reject = set(reject)
        self.transient_after = transient_after
        self.implicit_tls = implicit_tls

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.refuse_login_while is not None and self.refuse_login_while.exists():
            return "535 5.7.8 Authentication credentials invalid"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.reject:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.transient_after is not None and self.count >= self.transient_after:
            return "451 4.3.0 Try again later"
        self.count += 1
        stem = self.folder / f"{self.count:04d}"
        stem.with_suffix(".rcpt").write_text("\n".join(envelope.rcpt_tos), encoding="utf-8")
        login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else ""
        encrypted = self.implicit_tls or session.ssl is not None
        stem.with_suffix(".meta").write_text(f"tls={encrypted} auth={login}", encoding="utf-8")
        partial = stem.with_suffix(".partial")
        partial.write_bytes(envelope.original_content)
        partial.rename(stem.with_suffix(".eml"))
        return "250 Message accepted for delivery"


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("folder")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--reject", action="append", default=[])
    parser.add_argument("--transient-after", type=int, default=None)
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--starttls", action="store_true")
    parser.add_argument("--implicit-tls", action="store_true")
    parser.add_argument("--auth")
    parser.add_argument("--refuse-login-while")
    parser.add_argument("--delay", type=float, default=0.0)
    args = parser.parse_args()
    context = None
    if args.cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)
    options = {}
    if args.starttls:
        options.update(tls_context=context, require_starttls=True)
    if args.auth:
        user, password = args.auth.split(":", 1)

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user and auth_data.password.decode() == password
            return AuthResult(success=ok, handled=False, auth_data=auth_data)

        # With TLS from the first byte aiosmtpd does not know the session is encrypted,
        # so it is told not to insist (the connection is TLS all the same).
        options.update(authenticator=authenticator, auth_required=True, auth_require_tls=bool(context) and not args.implicit_tls)
    sink = Sink(args.folder, args.reject, args.transient_after, args.implicit_tls, args.refuse_login_while, args.delay)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))
    sock.listen(16)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(sink, hostname="sink.test", **options),
        sock=sock,
        ssl=context if args.implicit_tls else None,
    )
    print(sock.getsockname()[1], flush=True)
    await server.serve_forever()


asyncio.run(main())
