"""A small TCP round-robin load balancer for ``make prod-local`` (standard library only).

Each client connection goes to the next backend in turn; a backend that refuses the
connection is skipped for ``--cooldown`` seconds and the next one is tried, so one app
process dying (``kill -9``) costs the clients whose connections it held, not the clients
that connect afterwards. Bytes are copied both ways unchanged (no HTTP parsing, no
``X-Forwarded-For``: every request reaches the app from 127.0.0.1, like behind a layer-4
balancer).

    python -m suites.lb --listen 127.0.0.1:8400 --backend 127.0.0.1:8401 --backend 127.0.0.1:8402
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import signal
import sys
import time


class Balancer:
    def __init__(self, backends: list[tuple[str, int]], cooldown: float = 2.0) -> None:
        self.backends = backends
        self.cooldown = cooldown
        self.down_until = [0.0] * len(backends)
        self.turn = itertools.count()

    async def connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        start = next(self.turn)
        now = time.monotonic()
        order = [(start + i) % len(self.backends) for i in range(len(self.backends))]
        # Backends marked down go last: tried only when every other one failed too.
        order.sort(key=lambda index: self.down_until[index] > now)
        last: OSError | None = None
        for index in order:
            host, port = self.backends[index]
            try:
                return await asyncio.wait_for(asyncio.open_connection(host, port), timeout=2)
            except (TimeoutError, OSError) as error:
                self.down_until[index] = time.monotonic() + self.cooldown
                last = error if isinstance(error, OSError) else OSError(str(error))
        raise last or OSError("no backend")

    async def handle(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            backend_r, backend_w = await self.connect()
        except OSError:
            client_w.write(
                b"HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\n"
                b"Content-Length: 12\r\nConnection: close\r\n\r\nno backend\r\n"
            )
            with contextlib.suppress(OSError):
                await client_w.drain()
            client_w.close()
            return
        await asyncio.gather(_pipe(client_r, backend_w), _pipe(backend_r, client_w))


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (OSError, asyncio.IncompleteReadError):
        pass
    finally:
        with contextlib.suppress(OSError, RuntimeError):
            if writer.can_write_eof():
                writer.write_eof()
        writer.close()


def _address(text: str) -> tuple[str, int]:
    host, _sep, port = text.rpartition(":")
    return host or "127.0.0.1", int(port)


async def serve(listen: tuple[str, int], backends: list[tuple[str, int]]) -> None:
    balancer = Balancer(backends)
    server = await asyncio.start_server(balancer.handle, *listen, backlog=1024)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    print(f"lb listening on {listen[0]}:{listen[1]} -> {backends}", file=sys.stderr, flush=True)
    async with server:
        await stop.wait()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--listen", required=True)
    parser.add_argument("--backend", action="append", required=True)
    args = parser.parse_args(argv)
    asyncio.run(serve(_address(args.listen), [_address(b) for b in args.backend]))


if __name__ == "__main__":
    main()
