"""A TCP proxy on loopback, in its own thread, that can forward, blackhole or refuse — a database fault on demand.

forward:   bytes pass both ways.
blackhole: connections are accepted and read, but nothing is passed on either way (a hung server, or a
           network that swallows packets: the client's kernel sees no error, its calls just never return).
refuse:    nobody listens on the port (connection refused) and open connections are closed.
heal() goes back to forward; connections that lost bytes in a blackhole are closed then, since their
streams can never be consistent again (a real partition ends the same way, in a reset).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from typing import Literal

Mode = Literal["forward", "blackhole", "refuse"]


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        self.mode: Mode = "forward"
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()
        self._tainted: set[asyncio.StreamWriter] = set()  # lost bytes in a blackhole
        self._thread = threading.Thread(target=self._loop.run_forever, name="tcpproxy", daemon=True)

    def __enter__(self) -> TcpProxy:
        self._thread.start()
        self._call(self._listen())
        return self

    def __exit__(self, *_: object) -> None:
        self._call(self._shut(everything=True))
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()

    def blackhole(self) -> None:
        self._call(self._switch("blackhole"))

    def refuse(self) -> None:
        self._call(self._switch("refuse"))

    def heal(self) -> None:
        self._call(self._switch("forward"))

    def _call(self, coroutine: object) -> None:
        asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(10)  # type: ignore[arg-type]

    async def _switch(self, mode: Mode) -> None:
        self.mode = mode
        if mode == "refuse":
            await self._shut(everything=True)
        elif mode == "forward":
            for writer in list(self._tainted):
                writer.close()
            self._tainted.clear()
            if self._server is None:
                await self._listen()

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port, reuse_address=True)

    async def _shut(self, *, everything: bool) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        if everything:
            for writer in list(self._open):
                writer.close()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._open.add(writer)
        upstream_writer: asyncio.StreamWriter | None = None
        try:
            if self.mode == "blackhole":
                self._tainted.add(writer)
                await self._swallow(reader)
                return
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
            self._open.add(upstream_writer)
            await asyncio.gather(
                self._pipe(reader, upstream_writer, writer), self._pipe(upstream_reader, writer, writer)
            )
        except OSError:
            pass
        finally:
            for end in (writer, upstream_writer):
                if end is not None:
                    self._open.discard(end)
                    self._tainted.discard(end)
                    end.close()

    async def _pipe(
        self, source: asyncio.StreamReader, sink: asyncio.StreamWriter, client: asyncio.StreamWriter
    ) -> None:
        with contextlib.suppress(OSError):
            while data := await source.read(65536):
                if self.mode != "forward":
                    self._tainted.add(client)
                    continue
                sink.write(data)
                await sink.drain()
        sink.close()

    @staticmethod
    async def _swallow(reader: asyncio.StreamReader) -> None:
        with contextlib.suppress(OSError):
            while await reader.read(65536):
                pass
