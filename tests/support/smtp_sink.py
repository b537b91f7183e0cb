"""A real SMTP server on loopback for the tests (aiosmtpd).

Binds 127.0.0.1 on a free port, prints the port on its first line of output, and
stores each message it receives as NNNN.eml (the bytes as received) with its
envelope recipients in NNNN.rcpt, in the folder given as the first argument.
"""

import asyncio
import pathlib
import socket
import sys

from aiosmtpd.smtp import SMTP


class Sink:
    def __init__(self, folder):
        self.folder = pathlib.Path(folder)
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        stem = self.folder / f"{self.count:04d}"
        stem.with_suffix(".rcpt").write_text("\n".join(envelope.rcpt_tos), encoding="utf-8")
        partial = stem.with_suffix(".partial")
        partial.write_bytes(envelope.original_content)
        partial.rename(stem.with_suffix(".eml"))
        return "250 Message accepted for delivery"


async def main():
    folder = sys.argv[1]
    sink = Sink(folder)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(sink, hostname="sink.test"), sock=sock)
    print(sock.getsockname()[1], flush=True)
    await server.serve_forever()


asyncio.run(main())
