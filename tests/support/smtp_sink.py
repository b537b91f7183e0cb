"""A real SMTP server on loopback for the tests (aiosmtpd).

    smtp_sink.py FOLDER [--port N] [--reject ADDRESS]... [--transient-after N]

Binds 127.0.0.1 (on a free port unless --port is given), prints the port on its
first line of output, and stores each message it accepts as NNNN.eml (the bytes as
received) with its envelope recipients in NNNN.rcpt, in FOLDER.
--reject refuses a recipient for good (550); --transient-after answers 451 (try
again later) to every message after the first N.
"""

import argparse
import asyncio
import pathlib
import socket

from aiosmtpd.smtp import SMTP


class Sink:
    def __init__(self, folder, reject, transient_after):
        self.folder = pathlib.Path(folder)
        self.count = 0
        self.reject = set(reject)
        self.transient_after = transient_after

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.reject:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.transient_after is not None and self.count >= self.transient_after:
            return "451 4.3.0 Try again later"
        self.count += 1
        stem = self.folder / f"{self.count:04d}"
        stem.with_suffix(".rcpt").write_text("\n".join(envelope.rcpt_tos), encoding="utf-8")
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
    args = parser.parse_args()
    sink = Sink(args.folder, args.reject, args.transient_after)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))
    sock.listen(16)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(sink, hostname="sink.test"), sock=sock)
    print(sock.getsockname()[1], flush=True)
    await server.serve_forever()


asyncio.run(main())
